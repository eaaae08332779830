#include "httpserver.h"

#include "endpoint.h"
#include "httpconnection.h"
#include "platform/logging.h"

#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpServer>
#include <QTimer>

#include <functional>

#ifdef Q_OS_LINUX
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace obleth::http {

namespace {
/// How long accepting pauses when the process is out of file descriptors.
constexpr int kAcceptBackoffMs = 150;
/// Connections accepted per wake-up, so that a flood of them does not starve the open ones.
constexpr int kAcceptBatch = 64;
/// While the connection cap turns clients away, it is said at most this often.
constexpr qint64 kLimitWarningIntervalMs = 10'000;

/// A socket for an accepted descriptor; null if Qt refuses it. Plain TCP: an unbuffered QAbstractSocket (see
/// socketreading.h; QTcpSocket::setSocketDescriptor() would keep Qt's read buffer whatever the open mode says). With
/// TLS a QSslSocket in server mode, buffered: QSslSocket keeps the decrypted bytes in its own buffer, which an
/// unbuffered open mode would bypass.
QAbstractSocket *socketFor(qintptr descriptor, const ServerOptions &options, QObject *parent)
{
    if (options.tls) {
        auto *ssl = new QSslSocket(parent);
        ssl->setSslConfiguration(*options.tls);
        if (!ssl->setSocketDescriptor(descriptor, QAbstractSocket::ConnectedState, QIODevice::ReadWrite)) {
            delete ssl;
            return nullptr;
        }
        ssl->startServerEncryption();
        return ssl;
    }
    auto *socket = new QAbstractSocket(QAbstractSocket::TcpSocket, parent);
    if (socket->setSocketDescriptor(descriptor, QAbstractSocket::ConnectedState,
                                    QIODevice::ReadWrite | QIODevice::Unbuffered)) {
        return socket;
    }
    delete socket;
    return nullptr;
}

/// Where Qt accepts (not on Linux, see HttpServer::acceptReady()): hands each descriptor to the server, which makes
/// its socket (Qt's pending connections can only hold QTcpSockets).
class DescriptorTcpServer final : public QTcpServer
{
public:
    DescriptorTcpServer(std::function<void(qintptr)> take, QObject *parent)
        : QTcpServer(parent)
        , m_take(std::move(take))
    { }

protected:
    void incomingConnection(qintptr descriptor) override { m_take(descriptor); }

private:
    std::function<void(qintptr)> m_take;
};
} // namespace

HttpServer::HttpServer(HttpHandler *handler, ServerOptions options, QObject *parent)
    : QObject(parent)
    , m_handler(handler)
    , m_options(options)
    , m_tcp(new DescriptorTcpServer([this](qintptr descriptor) { takeDescriptor(descriptor); }, this))
{
    m_tcp->setListenBacklogSize(1024); // the default of 50 makes bursts of new clients wait for SYN retries
    m_resumeTimer = new QTimer(this);
    m_resumeTimer->setSingleShot(true);
    m_resumeTimer->setInterval(kAcceptBackoffMs);
    connect(m_resumeTimer, &QTimer::timeout, this, &HttpServer::resumeAccepting);
#ifdef Q_OS_LINUX
    m_spareDescriptor = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
#endif
}

HttpServer::~HttpServer()
{
    delete m_acceptNotifier; // before the listening socket it watches is closed
    m_acceptNotifier = nullptr;
#ifdef Q_OS_LINUX
    if (m_spareDescriptor >= 0)
        ::close(m_spareDescriptor);
#endif
    // Connections are children; make sure none reports back into a half-destroyed server, and that none, not
    // even a closed one still waiting for deleteLater(), outlives m_options, which each holds by reference.
    m_connections.clear();
    qDeleteAll(findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly));
}

bool HttpServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_tcp->listen(address, port)) {
#ifdef Q_OS_LINUX
        // Qt 6.4's QTcpServer treats EMFILE from accept() as passing: it neither pauses nor reports it,
        // and its level-triggered notifier fires again at once, so the thread spins at 100 % CPU and
        // serves nothing. So on Linux obleth accepts by itself, and backs off when out of descriptors.
        m_tcp->pauseAccepting();
        m_acceptNotifier = new QSocketNotifier(m_tcp->socketDescriptor(), QSocketNotifier::Read, this);
        connect(m_acceptNotifier, &QSocketNotifier::activated, this, &HttpServer::acceptReady);
#endif
        qCDebug(lcHttp).noquote() << "listening on" << url(); // obleth.gateway says which listener is which
        return true;
    }
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

QString HttpServer::url() const
{
    return (m_options.tls ? QStringLiteral("https://") : QStringLiteral("http://"))
        + endpoint(m_tcp->serverAddress(), m_tcp->serverPort());
}

void HttpServer::stopAccepting()
{
    m_draining = true;
    delete m_acceptNotifier; // before the listening socket it watches is closed
    m_acceptNotifier = nullptr;
    m_resumeTimer->stop();
    m_tcp->close();
    const auto connections = m_connections;
    for (HttpConnection *c : connections)
        c->drain();
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

void HttpServer::takeDescriptor(qintptr descriptor)
{
    if (QAbstractSocket *socket = socketFor(descriptor, m_options, this)) {
        takeConnection(socket);
        return;
    }
#ifdef Q_OS_LINUX
    ::close(int(descriptor));
#endif
}

void HttpServer::takeConnection(QAbstractSocket *socket)
{
    // Past the cap a newcomer is closed at once: it learns so, instead of waiting on a full server.
    if (m_draining || m_connections.size() >= m_options.maxConnections) {
        if (!m_draining)
            warnConnectionLimit();
        socket->abort();
        socket->deleteLater();
        return;
    }
    auto *connection = new HttpConnection(socket, m_handler, m_options, this);
    connect(connection, &HttpConnection::requestStarted, this, [this] { ++m_inFlight; });
    connect(connection, &HttpConnection::requestEnded, this, [this] { --m_inFlight; });
    connect(connection, &HttpConnection::closed, this, [this, connection] { connectionClosed(connection); });
    m_connections.insert(connection);
}

void HttpServer::warnConnectionLimit()
{
    ++m_limitRefusals;
    if (m_limitWarned.isValid() && m_limitWarned.elapsed() < kLimitWarningIntervalMs)
        return;
    qCWarning(lcHttp).noquote() << url() << "is at its limit of" << m_options.maxConnections
                                << "connections:" << m_limitRefusals << "new client(s) turned away (said at most every"
                                << kLimitWarningIntervalMs / 1000 << "s)";
    m_limitWarned.start();
    m_limitRefusals = 0;
}

void HttpServer::acceptReady()
{
#ifdef Q_OS_LINUX
    const int listener = int(m_tcp->socketDescriptor());
    for (int i = 0; i < kAcceptBatch && m_acceptNotifier; ++i) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                outOfDescriptors();
            return; // EAGAIN: none left waiting
        }
        if (m_outOfDescriptors) {
            m_outOfDescriptors = false;
            qCInfo(lcHttp) << "accepting connections again";
        }
        takeDescriptor(fd);
    }
#endif
}

void HttpServer::outOfDescriptors()
{
#ifdef Q_OS_LINUX
    m_acceptNotifier->setEnabled(false);
    if (!m_outOfDescriptors) {
        m_outOfDescriptors = true;
        qCWarning(lcHttp) << "out of file descriptors: new connections are turned away until some close";
    }
    // The classic way out: give up the spare descriptor to accept the waiting clients and close them at
    // once, so that they see the connection end instead of hanging until they time out.
    if (m_spareDescriptor >= 0) {
        ::close(m_spareDescriptor);
        const int listener = int(m_tcp->socketDescriptor());
        for (int i = 0; i < kAcceptBatch; ++i) {
            const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                break;
            ::close(fd);
        }
        m_spareDescriptor = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    // Open connections are served meanwhile; accepting resumes after a short back-off.
    m_resumeTimer->start();
#endif
}

void HttpServer::resumeAccepting()
{
#ifdef Q_OS_LINUX
    if (m_spareDescriptor < 0) // it could not be taken back last time
        m_spareDescriptor = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
#endif
    if (m_acceptNotifier && !m_draining)
        m_acceptNotifier->setEnabled(true);
}

void HttpServer::connectionClosed(HttpConnection *connection)
{
    if (!m_connections.remove(connection))
        return;
    connection->deleteLater();
    reportIfDrained();
}

} // namespace obleth::http
