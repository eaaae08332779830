#pragma once

#include "http/headers.h"
#include "http/messageparser.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrl>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace obleth::proxy {

class UpstreamExchange;

/// What to send upstream. Headers are sent exactly as given, plus Host and Content-Length:
/// the client adds nothing else of its own.
struct UpstreamRequest
{
    QUrl url; ///< http or https; path and query are sent as they are encoded here, unless target is set.
    QByteArray target; ///< when set, the request target sent as it is (path and query, percent-encoded)
    QByteArray method = "POST";
    http::Headers headers;
    QByteArray body;
    int connectTimeoutMs = 10'000;
    int firstByteTimeoutMs = 600'000;
    int idleTimeoutMs = 120'000;
};

/// A lean asynchronous HTTP/1.1 client with a keep-alive connection pool per upstream host.
/// Unlike QNetworkAccessManager it has no cap of six connections per host and never adds headers
/// of its own (see docs/design.md). Lives in one thread; every exchange runs in that thread.
class UpstreamClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamClient)

public:
    explicit UpstreamClient(QObject *parent = nullptr);
    ~UpstreamClient() override;

    /// Prepares an exchange: connect to its signals, then call start(). It reports through its signals
    /// and deletes itself after finished() or failed(); abort() stops it early.
    UpstreamExchange *create(UpstreamRequest request);

    static constexpr int kMaxIdlePerHost = 256;
    static constexpr int kIdleKeepAliveMs = 30'000;

private:
    friend class UpstreamExchange;
    struct IdleSocket
    {
        QPointer<QTcpSocket> socket;
        qint64 idleSinceMs;
    };
    /// Connections are pooled per upstream and per credentials (see the definition for why).
    static QString poolKey(const QUrl &url, const http::Headers &headers);
    QTcpSocket *takeIdle(const QString &key);
    /// Pools @p socket after a complete response with no bytes beyond it.
    void giveBack(const QString &key, QTcpSocket *socket);
    /// Takes an idle socket out of the pool and closes it (it heard from the upstream while idle).
    void dropIdle(const QString &key, QTcpSocket *socket);
    void pruneIdle();

    QHash<QString, QList<IdleSocket>> m_idle;
    int m_pruneTimer = 0;

protected:
    void timerEvent(QTimerEvent *event) override;
};

/// One request/response with an upstream.
class UpstreamExchange final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamExchange)

public:
    enum class Failure {
        ConnectFailed, ///< refused, unreachable, DNS, TLS
        ConnectTimeout,
        FirstByteTimeout,
        IdleTimeout,
        Reset, ///< the connection broke before the response was complete
        Malformed, ///< the upstream did not speak HTTP/1.x
    };
    Q_ENUM(Failure)

    /// What one read from the upstream brought, handed on at once and as one, so that it can reach the client in
    /// one write: the head if it came, the body decoded from the read (every chunk of it, without the chunked
    /// framing), and whether the response is complete.
    struct Received
    {
        bool head = false; ///< the response's head came: status and headers are set
        int status = 0;
        http::Headers headers;
        QByteArray body;
        bool complete = false; ///< the response is complete: nothing follows
    };

    ~UpstreamExchange() override;

    /// Sends the request, on a pooled connection when one is idle. Signals may follow at once.
    void start();
    /// Stops the exchange and closes its connection; no signal follows.
    void abort();
    /// Stops reading from the upstream while the client is behind (backpressure).
    void setReadPaused(bool paused);

Q_SIGNALS:
    /// Once per read that brought a head, body or the end; the last one says the response is complete.
    void received(const obleth::proxy::UpstreamExchange::Received &what);
    void failed(obleth::proxy::UpstreamExchange::Failure failure, const QString &message);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class UpstreamClient;
    UpstreamExchange(UpstreamClient *client, UpstreamRequest request);
    void attach(QTcpSocket *socket, bool reused);
    void sendRequest();
    void onReadyRead();
    /// Hands on what the parser has: head, body pieces, the end, all in one received().
    void processParsed();
    /// Emits received() for @p what, unless it holds nothing.
    void handOn(const Received &what);
    /// The socket reported an error or a close: read what is left, then judge.
    void onSocketClosed();
    /// The connection has ended: a close-delimited body is complete, a stale pooled connection is
    /// retried once, anything else is a failure.
    void judgeClose();
    void fail(Failure failure, const QString &message);
    /// The response is complete; @p last is what the read that completed it brought.
    void complete(bool reusable, Received last);
    void release();
    void armTimer(int ms);

    QPointer<UpstreamClient> m_client;
    UpstreamRequest m_request;
    QString m_poolKey;
    QPointer<QTcpSocket> m_socket;
    http::MessageParser m_parser;
    int m_timerId = 0;
    QElapsedTimer m_lastData; ///< when the upstream last sent something (for the idle timeout)
    enum class Phase { Connecting, Waiting, Receiving, Done } m_phase = Phase::Connecting;
    bool m_reused = false;
    bool m_retried = false;
    bool m_headSeen = false;
    bool m_paused = false;
    bool m_peerClosed = false;
};

} // namespace obleth::proxy
