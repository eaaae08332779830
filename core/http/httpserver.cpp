#include "httpserver.h"

#include "httpconnection.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace obleth::http {

namespace {
/// Accepts connections as unbuffered sockets (see socketreading.h).
class UnbufferedTcpServer final : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        if (socket->setSocketDescriptor(descriptor, QAbstractSocket::ConnectedState,
                                        QIODevice::ReadWrite | QIODevice::Unbuffered)) {
            addPendingConnection(socket);
        } else {
            delete socket;
        }
    }
};
} // namespace

HttpServer::HttpServer(HttpHandler *handler, ServerOptions options, QObject *parent)
    : QObject(parent)
    , m_handler(handler)
    , m_options(options)
    , m_tcp(new UnbufferedTcpServer(this))
{
    m_tcp->setMaxPendingConnections(1024);
    m_tcp->setListenBacklogSize(1024); // the default of 50 makes bursts of new clients wait for SYN retries
    connect(m_tcp, &QTcpServer::newConnection, this, &HttpServer::acceptPending);
}

HttpServer::~HttpServer()
{
    // Connections are children; make sure none reports back into a half-destroyed server.
    const auto connections = m_connections;
    m_connections.clear();
    for (HttpConnection *c : connections)
        delete c;
}

bool HttpServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_tcp->listen(address, port))
        return true;
    if (error) {
        *error
            = QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(m_tcp->errorString());
    }
    return false;
}

quint16 HttpServer::port() const
{
    return m_tcp->serverPort();
}

QHostAddress HttpServer::address() const
{
    return m_tcp->serverAddress();
}

void HttpServer::stopAccepting()
{
    m_draining = true;
    m_tcp->close();
    const auto connections = m_connections;
    for (HttpConnection *c : connections)
        c->closeIfIdle();
    reportIfDrained();
}

void HttpServer::reportIfDrained()
{
    // Queued, so that whoever reacts (and perhaps deletes this server) is not inside our call stack.
    if (m_draining && m_connections.isEmpty()) {
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (m_connections.isEmpty())
                    Q_EMIT drained();
            },
            Qt::QueuedConnection);
    }
}

void HttpServer::acceptPending()
{
    while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
        if (m_draining) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        m_connections.insert(new HttpConnection(socket, m_handler, this));
    }
}

void HttpServer::requestEnded()
{
    --m_inFlight;
}

void HttpServer::connectionClosed(HttpConnection *connection)
{
    if (!m_connections.remove(connection))
        return;
    connection->deleteLater();
    reportIfDrained();
}

} // namespace obleth::http
