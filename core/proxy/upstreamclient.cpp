#include "upstreamclient.h"

#include "http/socketreading.h"
#include "platform/logging.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimerEvent>

namespace obleth::proxy {

namespace {
constexpr qint64 kUpstreamReadBuffer = 256 * 1024;

http::MessageParser::Limits responseLimits()
{
    http::MessageParser::Limits limits;
    limits.maxBodyBytes = std::numeric_limits<qint64>::max(); // responses are relayed, never held whole
    return limits;
}

bool isTls(const QUrl &url)
{
    return url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0;
}

quint16 portOf(const QUrl &url)
{
    return quint16(url.port(isTls(url) ? 443 : 80));
}
} // namespace

// ---- UpstreamClient --------------------------------------------------------------------------

UpstreamClient::UpstreamClient(QObject *parent)
    : QObject(parent)
{ }

UpstreamClient::~UpstreamClient()
{
    const auto idle = std::exchange(m_idle, {});
    for (const auto &list : idle) {
        for (const IdleSocket &socket : list) {
            if (QTcpSocket *s = socket.socket.data()) {
                s->disconnect(); // its close must not call back into the pool
                delete s;
            }
        }
    }
}

QString UpstreamClient::poolKey(const QUrl &url, const http::Headers &headers)
{
    QString key = url.scheme().toLower() + QStringLiteral("://") + url.host().toLower() + QLatin1Char(':')
        + QString::number(portOf(url));
    // HTTP/1.1 cannot tell bytes an upstream sends late and unasked from the answer to the next request on the
    // same connection. Connections are therefore shared only between requests with the same credentials, so
    // such bytes can never answer another key's request. The key's hash stands in for it (the pool key is logged).
    const QByteArray credentials = headers.value("authorization") + '\n' + headers.value("x-api-key");
    if (credentials.size() > 1) {
        key += QLatin1Char('#')
            + QString::fromLatin1(QCryptographicHash::hash(credentials, QCryptographicHash::Sha256).toHex().left(12));
    }
    return key;
}

UpstreamExchange *UpstreamClient::create(UpstreamRequest request)
{
    return new UpstreamExchange(this, std::move(request));
}

QTcpSocket *UpstreamClient::takeIdle(const QString &key)
{
    auto it = m_idle.find(key);
    if (it == m_idle.end())
        return nullptr;
    while (!it->isEmpty()) {
        IdleSocket idle = it->takeLast();
        QTcpSocket *s = idle.socket.data();
        // Bytes waiting on an idle connection were never asked for: were it reused, they would be read
        // as the answer to the next request. Such a connection (or one that is no longer open) is dropped.
        if (s && s->state() == QAbstractSocket::ConnectedState && s->bytesAvailable() == 0) {
            s->disconnect();
            return s;
        }
        if (s) {
            qCDebug(lcProxy) << "dropping idle connection to" << key << "state" << s->state() << "unasked bytes"
                             << s->bytesAvailable();
            s->disconnect();
            s->abort();
            s->deleteLater();
        }
    }
    return nullptr;
}

void UpstreamClient::giveBack(const QString &key, QTcpSocket *socket)
{
    socket->disconnect();
    QList<IdleSocket> &list = m_idle[key];
    if (list.size() >= kMaxIdlePerHost) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    socket->setParent(this);
    // An idle connection that hears from the upstream is not usable any more: unasked bytes would be
    // read as the answer to whatever request is sent on it next, and a close or an error ends it anyway.
    // Either way it leaves the pool at once.
    const auto drop = [this, key, socket] { dropIdle(key, socket); };
    connect(socket, &QTcpSocket::readyRead, this, drop);
    connect(socket, &QTcpSocket::disconnected, this, drop);
    connect(socket, &QAbstractSocket::errorOccurred, this, drop);
    list.append({socket, QDateTime::currentMSecsSinceEpoch()});
    if (m_pruneTimer == 0)
        m_pruneTimer = startTimer(kIdleKeepAliveMs / 2);
}

void UpstreamClient::dropIdle(const QString &key, QTcpSocket *socket)
{
    auto it = m_idle.find(key);
    if (it != m_idle.end())
        it->removeIf([socket](const IdleSocket &idle) { return idle.socket == socket || !idle.socket; });
    if (socket->bytesAvailable() > 0) {
        // Not a keep-alive close: the upstream answered something nobody asked. Should that happen just after
        // a request was sent on the connection, HTTP/1.1 cannot tell it from the answer; the operator should
        // know that this upstream does it.
        qCWarning(lcProxy) << "upstream" << key << "sent" << socket->bytesAvailable()
                           << "bytes unasked on an idle keep-alive connection; the connection is dropped";
    } else {
        qCDebug(lcProxy) << "idle connection to" << key << "closed by the upstream";
    }
    socket->disconnect();
    socket->abort();
    socket->deleteLater();
}

void UpstreamClient::pruneIdle()
{
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - kIdleKeepAliveMs;
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        it->removeIf([cutoff](const IdleSocket &idle) {
            if (idle.socket && idle.idleSinceMs >= cutoff && idle.socket->state() == QAbstractSocket::ConnectedState)
                return false;
            if (QTcpSocket *s = idle.socket.data()) {
                s->disconnect(); // its close must not call back into the pool while it is being pruned
                delete s;
            }
            return true;
        });
        it = it->isEmpty() ? m_idle.erase(it) : std::next(it);
    }
    if (m_idle.isEmpty() && m_pruneTimer) {
        killTimer(m_pruneTimer);
        m_pruneTimer = 0;
    }
}

void UpstreamClient::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_pruneTimer)
        pruneIdle();
    else
        QObject::timerEvent(event);
}

// ---- UpstreamExchange ------------------------------------------------------------------------

UpstreamExchange::UpstreamExchange(UpstreamClient *client, UpstreamRequest request)
    : QObject(client)
    , m_client(client)
    , m_request(std::move(request))
    , m_poolKey(UpstreamClient::poolKey(m_request.url, m_request.headers))
    , m_parser(http::MessageParser::Kind::Response, responseLimits())
{ }

UpstreamExchange::~UpstreamExchange()
{
    release();
}

void UpstreamExchange::armTimer(int ms)
{
    if (m_timerId)
        killTimer(m_timerId);
    m_timerId = ms > 0 ? startTimer(ms) : 0;
}

void UpstreamExchange::start()
{
    if (m_phase == Phase::Done || !m_client)
        return;
    if (QTcpSocket *idle = m_client->takeIdle(m_poolKey)) {
        qCDebug(lcProxy).noquote() << "reusing a pooled connection to" << m_poolKey;
        attach(idle, true);
        sendRequest();
        return;
    }
    QTcpSocket *socket = nullptr;
    if (isTls(m_request.url)) {
        auto *ssl = new QSslSocket(this);
        ssl->setPeerVerifyName(m_request.url.host());
        socket = ssl;
    } else {
        socket = new QTcpSocket(this);
    }
    qCDebug(lcProxy).noquote() << "opening a new connection to" << m_poolKey;
    attach(socket, false);
    m_phase = Phase::Connecting;
    armTimer(m_request.connectTimeoutMs);
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        connect(ssl, &QSslSocket::encrypted, this, &UpstreamExchange::sendRequest);
        ssl->connectToHostEncrypted(m_request.url.host(), portOf(m_request.url));
    } else {
        connect(socket, &QTcpSocket::connected, this, &UpstreamExchange::sendRequest);
        socket->connectToHost(m_request.url.host(), portOf(m_request.url),
                              QIODevice::ReadWrite | QIODevice::Unbuffered);
    }
}

void UpstreamExchange::attach(QTcpSocket *socket, bool reused)
{
    m_socket = socket;
    m_reused = reused;
    socket->setParent(this);
    socket->setReadBufferSize(kUpstreamReadBuffer); // for TLS sockets, which stay buffered
    connect(socket, &QTcpSocket::readyRead, this, &UpstreamExchange::onReadyRead);
    connect(socket, &QAbstractSocket::errorOccurred, this, &UpstreamExchange::onSocketClosed);
    connect(socket, &QTcpSocket::disconnected, this, &UpstreamExchange::onSocketClosed);
}

void UpstreamExchange::sendRequest()
{
    if (!m_socket)
        return;
    if (!m_reused)
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QUrl &url = m_request.url;
    QByteArray target = m_request.target;
    if (target.isEmpty()) {
        target = url.path(QUrl::FullyEncoded).toLatin1();
        if (target.isEmpty())
            target = "/";
        if (url.hasQuery())
            target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    }

    QByteArray head;
    head.reserve(512 + m_request.body.size());
    head += m_request.method + ' ' + target + " HTTP/1.1\r\nHost: " + url.host(QUrl::FullyEncoded).toLatin1();
    if (url.port() != -1)
        head += ':' + QByteArray::number(url.port());
    head += "\r\n";
    for (const http::Headers::Field &f : m_request.headers.fields())
        head += f.first + ": " + f.second + "\r\n";
    if (!m_request.body.isEmpty() || m_request.method == "POST" || m_request.method == "PUT"
        || m_request.method == "PATCH") {
        head += "Content-Length: " + QByteArray::number(m_request.body.size()) + "\r\n";
    }
    head += "\r\n";
    head += m_request.body;
    m_socket->write(head);
    m_socket->flush(); // now, not on the next turn of the event loop
    if (m_request.method == "HEAD")
        m_parser.expectNoBody();
    m_phase = Phase::Waiting;
    armTimer(m_request.firstByteTimeoutMs);
}

void UpstreamExchange::setReadPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (!paused && m_socket)
        QMetaObject::invokeMethod(this, &UpstreamExchange::onReadyRead, Qt::QueuedConnection);
}

void UpstreamExchange::onReadyRead()
{
    if (!m_socket || m_phase == Phase::Done || m_paused)
        return;
    bool atEnd = false;
    // At most kUpstreamReadBuffer at a time, so that a paused exchange holds little: the rest waits in
    // the kernel, whose full buffer then holds the upstream back.
    const QByteArray bytes = http::readAvailable(m_socket, kUpstreamReadBuffer, &atEnd);
    if (!bytes.isEmpty()) {
        m_parser.append(bytes);
        m_lastData.start();
    }
    m_peerClosed = m_peerClosed || atEnd;
    processParsed();
    // The close is judged only once everything read before it has been handed on (a paused exchange
    // comes back here when it resumes).
    if (m_phase == Phase::Done || m_paused)
        return;
    if (m_peerClosed)
        judgeClose();
    else if (bytes.size() >= kUpstreamReadBuffer) // more may be waiting: come back for it
        QMetaObject::invokeMethod(this, &UpstreamExchange::onReadyRead, Qt::QueuedConnection);
}

void UpstreamExchange::onSocketClosed()
{
    m_peerClosed = true;
    onReadyRead();
}

void UpstreamExchange::processParsed()
{
    // Everything this read brought is collected first and handed on as one: however many chunks (events) the
    // upstream framed, the client gets them in one write.
    Received pass;
    for (;;) {
        switch (m_parser.next()) {
        case http::MessageParser::Event::NeedMore: return handOn(pass);
        case http::MessageParser::Event::Error: {
            const QPointer<UpstreamExchange> self(this);
            handOn(pass); // what was valid before the error still goes to the client
            if (!self || m_phase == Phase::Done)
                return;
            return fail(Failure::Malformed, m_parser.errorMessage());
        }
        case http::MessageParser::Event::Headers:
            if (m_parser.status() == 101) {
                // obleth never asks for an upgrade (Upgrade is not forwarded): whatever follows a 101 is
                // not HTTP any more, so it is neither an interim answer to skip nor one to relay.
                return fail(Failure::Malformed, QStringLiteral("the upstream switched protocols (101) unasked"));
            }
            if (m_parser.status() < 200)
                break; // 100 Continue, 103 Early Hints...: interim, the real answer follows
            m_phase = Phase::Receiving;
            m_headSeen = true;
            armTimer(m_request.idleTimeoutMs);
            pass.head = true;
            pass.status = m_parser.status();
            pass.headers = m_parser.headers();
            break;
        case http::MessageParser::Event::Body: pass.body += m_parser.takeBody(); break;
        case http::MessageParser::Event::Complete:
            if (m_parser.status() < 200) {
                m_parser.reset();
                if (m_request.method == "HEAD")
                    m_parser.expectNoBody(); // reset() forgets it, and the final answer still has no body
                break;
            }
            // Bytes beyond the end of the response were never asked for: the connection is not reused,
            // or they would become the answer to the next request sent on it.
            if (m_parser.bufferedBytes() > 0)
                qCWarning(lcProxy) << "upstream" << m_poolKey << "sent" << m_parser.bufferedBytes()
                                   << "bytes beyond its response; the connection is dropped";
            complete(!m_parser.headers().hasToken("connection", "close") && m_parser.versionMinor() == 1
                         && m_parser.bufferedBytes() == 0 && m_socket && m_socket->bytesAvailable() == 0,
                     std::move(pass));
            return;
        }
    }
}

void UpstreamExchange::handOn(const Received &what)
{
    if (what.head || !what.body.isEmpty())
        Q_EMIT received(what);
}

void UpstreamExchange::judgeClose()
{
    if (m_phase == Phase::Done || !m_socket)
        return;
    if (m_phase == Phase::Receiving && m_parser.isCloseDelimited()
        && m_socket->state() != QAbstractSocket::ConnectedState) {
        // The close marks the end of the body.
        if (m_parser.finishAtEof() == http::MessageParser::Event::Complete)
            return complete(false, {});
    }
    const QString why = m_socket->errorString();
    if (m_phase == Phase::Connecting)
        return fail(Failure::ConnectFailed, why);
    if (m_reused && !m_retried && !m_headSeen && m_parser.atMessageStart()) {
        // A pooled keep-alive connection the upstream had already closed: try once on a fresh one.
        m_retried = true;
        m_peerClosed = false;
        release();
        m_parser.reset();
        m_phase = Phase::Connecting;
        m_reused = false;
        QMetaObject::invokeMethod(this, &UpstreamExchange::start, Qt::QueuedConnection);
        return;
    }
    fail(Failure::Reset, why);
}

void UpstreamExchange::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timerId)
        return QObject::timerEvent(event);
    armTimer(0);
    switch (m_phase) {
    case Phase::Connecting:
        return fail(Failure::ConnectTimeout,
                    QStringLiteral("no connection within %1 ms").arg(m_request.connectTimeoutMs));
    case Phase::Waiting:
        return fail(Failure::FirstByteTimeout,
                    QStringLiteral("no response within %1 ms").arg(m_request.firstByteTimeoutMs));
    case Phase::Receiving: {
        // The timer is not re-armed on every read: when it fires, it checks how long ago data came.
        const qint64 quiet = m_lastData.isValid() ? m_lastData.elapsed() : m_request.idleTimeoutMs;
        if (m_paused || quiet < m_request.idleTimeoutMs) // paused: we are the slow side, not the upstream
            return armTimer(int(m_paused ? m_request.idleTimeoutMs : m_request.idleTimeoutMs - quiet));
        return fail(Failure::IdleTimeout, QStringLiteral("no data for %1 ms").arg(m_request.idleTimeoutMs));
    }
    case Phase::Done: return;
    }
}

void UpstreamExchange::release()
{
    armTimer(0);
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
}

void UpstreamExchange::fail(Failure failure, const QString &message)
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    qCDebug(lcProxy).noquote() << "exchange with" << m_poolKey << "failed:" << message;
    release();
    Q_EMIT failed(failure, message);
    deleteLater();
}

void UpstreamExchange::complete(bool reusable, Received last)
{
    m_phase = Phase::Done;
    armTimer(0);
    if (reusable && m_socket && m_client) {
        QTcpSocket *socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        m_client->giveBack(m_poolKey, socket);
    } else {
        release();
    }
    last.complete = true;
    Q_EMIT received(last);
    deleteLater();
}

void UpstreamExchange::abort()
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    release();
    deleteLater();
}

} // namespace obleth::proxy
