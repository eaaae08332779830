#pragma once

#include "serveroptions.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QSet>

QT_BEGIN_NAMESPACE
class QAbstractSocket;
class QSocketNotifier;
class QTcpServer;
class QTimer;
QT_END_NAMESPACE

namespace obleth::http {

class HttpConnection;
class HttpHandler;

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
    /// Where it listens, as a client writes it: "http://127.0.0.1:8088", "https://[::1]:8088" (https with TLS).
    [[nodiscard]] QString url() const;
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
    void acceptReady();
    void outOfDescriptors();
    void resumeAccepting();
    /// Makes the socket for an accepted descriptor and serves it (closes the descriptor if Qt refuses it).
    void takeDescriptor(qintptr descriptor);
    void takeConnection(QAbstractSocket *socket);
    void connectionClosed(HttpConnection *connection);
    /// Says, at most once per kLimitWarningIntervalMs, that the connection cap turns clients away.
    void warnConnectionLimit();
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
    QElapsedTimer m_limitWarned; ///< since the last warning that the connection cap was reached
    int m_limitRefusals = 0; ///< clients turned away at the cap since that warning
};

} // namespace obleth::http
