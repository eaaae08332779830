#pragma once

// The Redis client (contract section 15): the seam the shared admission codes against. RESP2 on QTcpSocket
// (respparser.h), in the caller's thread.

#include "reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace obleth::redis {

/// Where a Redis server is: parsed from `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`.
struct Endpoint
{
    QString host;
    quint16 port = 6379;
    int db = 0;
    QString username; ///< AUTH USERNAME PASSWORD (Redis 6 ACL) when set with a password
    QByteArray password; ///< AUTH on connecting when set; never logged nor shown
    /// HOST:PORT, for logs and messages (never the password).
    [[nodiscard]] QString display() const;
    /// False with @p error set (never quoting a password) when @p url is not a redis:// URL.
    static bool parse(const QString &url, Endpoint *out, QString *error);
};

/// A Lua script run with EVALSHA, loaded (SCRIPT LOAD) the first time and again after NOSCRIPT (a restarted
/// server has forgotten it).
struct Script
{
    explicit Script(QByteArray source);
    QByteArray source;
    QByteArray sha1; ///< hex
};

/// An asynchronous Redis client on one QTcpSocket in the caller's thread: commands are pipelined, and their
/// callbacks run in order, on the event loop. It keeps reconnecting (with back-off) while the server is away; a
/// command sent while disconnected, or pending when the connection drops or goes unanswered for commandTimeoutMs,
/// gets an Error reply at once (never a hang).
///
/// Errors made by the client itself start with "DISCONNECTED " (no connection, or it was lost before the reply) or
/// "TIMEOUT " (no reply within commandTimeoutMs; the connection is reset): isConnectionError() tells them from the
/// server's own errors (ERR, WRONGTYPE, ...). A command sent while a connection is being made waits for it (within
/// commandTimeoutMs); one sent while the client waits to retry fails at once, asynchronously (never inside command()).
/// A callback whose client is destroyed first is not run. Blocking commands (BLPOP and the like) do not belong here:
/// they would run into the timeout.
class Client final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Client)

public:
    explicit Client(Endpoint endpoint, QObject *parent = nullptr);
    ~Client() override;

    using Callback = std::function<void(const Reply &reply)>;

    /// Connects, and reconnects whenever the connection is lost, until the client goes.
    void start();
    [[nodiscard]] bool isConnected() const noexcept;
    void setCommandTimeoutMs(int ms);
    [[nodiscard]] const Endpoint &endpoint() const noexcept;
    /// True for the client's own DISCONNECTED and TIMEOUT errors.
    [[nodiscard]] static bool isConnectionError(const Reply &reply) noexcept;

    /// Sends one command (@p args: its name, then its arguments, binary-safe). @p callback runs once, unless
    /// @p context is given and gone by then.
    void command(const QList<QByteArray> &args, Callback callback, const QObject *context = nullptr);
    /// EVALSHA @p script with @p keys and @p args. The script is loaded (SCRIPT LOAD, pipelined before it) the first
    /// time on each connection, and sent again with EVAL when the server answers NOSCRIPT (SCRIPT FLUSH).
    void eval(const Script &script, const QList<QByteArray> &keys, const QList<QByteArray> &args, Callback callback,
              const QObject *context = nullptr);
    /// Subscribes to @p channel on a connection of its own (resubscribed after a reconnect); @p handler gets each
    /// message's payload. Messages published while that connection is down are lost (Redis keeps none).
    void subscribe(const QByteArray &channel, std::function<void(const QByteArray &payload)> handler);

Q_SIGNALS:
    void connected();
    /// The connection is lost or could not be made; @p why is one line without secrets.
    void disconnected(const QString &why);
    /// The server confirmed a subscription to @p channel (again after each reconnect).
    void subscribed(const QByteArray &channel);

private:
    class Private;
    Private *d;
};

} // namespace obleth::redis
