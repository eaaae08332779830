#pragma once

#include "messageparser.h"

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QSslConfiguration>

#include <functional>
#include <optional>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
class QTcpServer;
class QTcpSocket;
class QTimer;
QT_END_NAMESPACE

namespace obleth::http {

class HttpConnection;
class HttpHandler;

/// An answer the server gives itself, before any handler sees the request (400, 405, 408, 413, 431).
struct Rejection
{
    QByteArray contentType;
    QByteArray body;
};

struct ServerOptions
{
    MessageParser::Limits limits;
    /// An idle keep-alive connection, or a request that stops arriving, is closed after this long.
    int idleTimeoutMs = 60'000;
    /// A request's line and headers must be complete this long after its first byte arrived (408
    /// otherwise). Not restarted by each byte, so a client trickling a header byte now and then cannot
    /// hold a connection for ever. For TLS, the handshake must also finish within this time.
    int headerTimeoutMs = 30'000;
    /// A body must keep a minimum rate: in every window of bodyWindowMs after the head, at least
    /// minBodyBytesPerWindow bytes (or the rest of the body) must arrive, else 408. A fixed window rather
    /// than one deadline for the whole body, so that a large upload on a slow but honest link still fits.
    int bodyWindowMs = 10'000;
    qint64 minBodyBytesPerWindow = 1024;
    /// At most this many client connections; past it new ones are closed as soon as they are accepted.
    int maxConnections = 10'000;
    /// When set, connections speak TLS (server mode) with this configuration (see tlsconfig.h):
    /// requests are read once the handshake is done, and a handshake must finish within
    /// headerTimeoutMs. A client that does not speak TLS is closed.
    std::optional<QSslConfiguration> tls;
    /// Words the server's own refusals; unset: the message as plain text. The gateway answers in the API's
    /// error shape (openai/error.h), so that a client reads every error the same way.
    std::function<Rejection(int status, const QString &message)> rejection;
};

/// An HTTP/1.1 server on a QTcpServer. It parses requests itself so that it can answer 413 before a
/// large body is read, send 100 Continue, honour Connection: close, time idle connections out and
/// answer one request at a time per connection (see docs/design.md for why not QAbstractHttpServer).
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    HttpServer(HttpHandler *handler, ServerOptions options, QObject *parent = nullptr);
    ~HttpServer() override;

    /// Starts listening; on failure returns false and sets @p error to a one-line reason.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    [[nodiscard]] quint16 port() const;
    [[nodiscard]] QHostAddress address() const;
    /// Stops accepting new connections and closes idle ones; requests in flight go on, and each
    /// connection closes once its answer is written. drained() follows when none is left.
    void stopAccepting();
    [[nodiscard]] bool isDraining() const noexcept { return m_draining; }
    [[nodiscard]] int requestsInFlight() const noexcept { return m_inFlight; }
    [[nodiscard]] qsizetype connectionCount() const noexcept { return m_connections.size(); }
    [[nodiscard]] const ServerOptions &options() const noexcept { return m_options; }

Q_SIGNALS:
    /// After stopAccepting(): every connection has been closed, its last answer written.
    void drained();

private:
    friend class HttpConnection;
    void acceptPending();
    void acceptReady();
    void outOfDescriptors();
    void resumeAccepting();
    void takeConnection(QTcpSocket *socket);
    void requestStarted() { ++m_inFlight; }
    void requestEnded();
    void connectionClosed(HttpConnection *connection);
    void reportIfDrained();

    HttpHandler *m_handler;
    ServerOptions m_options;
    QTcpServer *m_tcp;
    /// On Linux the server accepts by itself (see acceptReady()); Qt only listens.
    QSocketNotifier *m_acceptNotifier = nullptr;
    QTimer *m_resumeTimer;
    int m_spareDescriptor = -1; ///< held back so that a client can be turned away when none is left
    bool m_outOfDescriptors = false;
    QSet<HttpConnection *> m_connections;
    int m_inFlight = 0;
    bool m_draining = false;
};

} // namespace obleth::http
