#include "httpconnection.h"

#include "endpoint.h"
#include "httphandler.h"
#include "httpresponder.h"
#include "platform/logging.h"
#include "serveroptions.h"
#include "socketreading.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimerEvent>

namespace obleth::http {

namespace {
constexpr qint64 kSocketReadBuffer = 256 * 1024;
constexpr int kLingerMs = 1000;
constexpr int kLingerAfterWriteMs = 200;
constexpr int kMaxDrainReads = 16;
constexpr qsizetype kMaxEchoedMethod = 32;

bool isKnownMethod(const QByteArray &m)
{
    static const QByteArray known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (const QByteArray &k : known) {
        if (m == k)
            return true;
    }
    return false;
}
} // namespace

/// The responder of one request on a real socket.
class SocketResponder final : public HttpResponder
{
public:
    SocketResponder(HttpConnection *connection, int clientVersionMinor)
        : HttpResponder(connection)
        , m_connection(connection)
        , m_clientMinor(clientVersionMinor)
    { }

    void abortConnection() override
    {
        markFinished();
        if (m_connection)
            m_connection->closeNow();
    }

    [[nodiscard]] qint64 bufferedBytes() const override
    {
        return m_out.size() + (m_connection && m_connection->m_socket ? m_connection->m_socket->bytesToWrite() : 0);
    }

protected:
    void writeHead(int status, const Headers &headers, Framing framing) override
    {
        if (framing == Framing::Close)
            m_connection->m_keepAlive = false;
        QByteArray head;
        head.reserve(256);
        head += "HTTP/1.1 ";
        head += QByteArray::number(status);
        head += ' ';
        head += reasonPhrase(status);
        head += "\r\n";
        for (const Headers::Field &f : headers.fields()) {
            if (Headers::nameEquals(f.first, "connection") || Headers::nameEquals(f.first, "keep-alive"))
                continue;
            head += f.first;
            head += ": ";
            head += f.second;
            head += "\r\n";
        }
        if (!m_connection->m_keepAlive)
            head += "Connection: close\r\n";
        else if (m_clientMinor == 0)
            head += "Connection: keep-alive\r\n";
        head += "\r\n";
        writeBody(head);
    }

    void writeBody(const QByteArray &data) override { m_out += data; }

    void flush() override
    {
        // The socket is unbuffered: each write to it is a write to the network, so what is held goes in one.
        const QByteArray out = std::exchange(m_out, {});
        if (out.isEmpty() || !m_connection || !m_connection->m_socket)
            return;
        m_connection->m_socket->write(out);
        m_connection->m_socket->flush();
    }

    void writeEnd() override
    {
        if (m_connection)
            m_connection->responseFinished();
    }

    [[nodiscard]] Framing streamFraming() const override
    {
        return m_clientMinor == 0 ? Framing::Close : Framing::Chunked;
    }

private:
    HttpConnection *m_connection;
    QByteArray m_out; ///< written, not yet handed to the socket (until the next flush)
    int m_clientMinor;
};

HttpConnection::HttpConnection(QTcpSocket *socket, HttpHandler *handler, const ServerOptions &options, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_handler(handler)
    , m_options(options)
    , m_parser(MessageParser::Kind::Request, options.limits)
{
    socket->setParent(this);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    connect(socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_socket->bytesToWrite() == 0 && m_responder)
            m_responder->notifyDrained();
    });
    restartIdleTimer();
    if (auto *ssl = qobject_cast<QSslSocket *>(socket); ssl && !ssl->isEncrypted()) {
        // Nothing is read before the handshake, and it must finish in the time a head has.
        m_phase = Phase::Handshake;
        m_guard.start(options.headerTimeoutMs, this);
        connect(ssl, &QSslSocket::encrypted, this, [this] {
            if (m_phase != Phase::Handshake)
                return;
            m_phase = Phase::Idle;
            m_guard.stop();
            restartIdleTimer();
        });
        // A client that does not speak TLS (plain HTTP on this port, say) fails the handshake.
        connect(ssl, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
            if (m_phase != Phase::Handshake)
                return;
            qCDebug(lcHttp).noquote() << "TLS handshake with" << peer() << "failed:" << m_socket->errorString();
            closeNow();
        });
    }
    if (socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection()
{
    endRequest();
}

void HttpConnection::endRequest()
{
    if (m_countedInFlight) {
        m_countedInFlight = false;
        Q_EMIT requestEnded();
    }
}

QString HttpConnection::peer() const
{
    return m_socket ? endpoint(m_socket->peerAddress(), m_socket->peerPort()) : QStringLiteral("a closed connection");
}

void HttpConnection::restartIdleTimer()
{
    m_timer.start(m_options.idleTimeoutMs, this);
}

void HttpConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_guard.timerId())
        return onGuardTimeout();
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    m_timer.stop();
    switch (m_state) {
    case State::Reading:
        if (m_parser.atMessageStart() && m_parser.bufferedBytes() == 0)
            closeNow(); // idle keep-alive connection
        else
            reject(408, QStringLiteral("the request did not arrive in time"));
        break;
    case State::Closing: closeNow(); break;
    case State::Handling:
    case State::Closed: break;
    }
}

void HttpConnection::onGuardTimeout()
{
    if (m_state != State::Reading && m_phase != Phase::Handshake) {
        m_guard.stop();
        return;
    }
    switch (m_phase) {
    case Phase::Handshake: // no TLS yet, so no answer can be sent
        qCDebug(lcHttp).noquote() << "TLS handshake with" << peer() << "did not finish in time";
        closeNow();
        break;
    case Phase::Idle: m_guard.stop(); break;
    case Phase::Head: reject(408, QStringLiteral("the request headers did not arrive in time")); break;
    case Phase::Body:
        if (m_windowBytes < m_options.minBodyBytesPerWindow) {
            reject(408, QStringLiteral("the request body arrived too slowly"));
        } else {
            m_windowBytes = 0; // the timer repeats: the next window starts now
        }
        break;
    }
}

void HttpConnection::onReadyRead()
{
    if (!m_socket)
        return;
    bool atEnd = false;
    if (m_state == State::Closing || m_state == State::Closed || m_earlyAnswer) {
        // Drain, so that the client can read our answer before we close. A bounded amount per call, so
        // that a client sending fast cannot hold the thread here; the socket reports what is left.
        for (int i = 0; i < kMaxDrainReads && !atEnd; ++i) {
            if (readAvailable(m_socket, kSocketReadBuffer, &atEnd).isEmpty())
                break;
        }
        if (atEnd)
            onDisconnected();
        return;
    }
    // One request at a time: while one is being answered, what follows is only buffered, up to a bound
    // (beyond it the client's TCP window holds it back, and responseFinished() reads on). Reading on
    // during an answer is also how a client that hangs up is noticed.
    const qint64 room = m_state == State::Handling ? kSocketReadBuffer - m_parser.bufferedBytes()
                                                   : std::numeric_limits<qint64>::max();
    if (room <= 0)
        return;
    const QByteArray bytes = readAvailable(m_socket, room, &atEnd);
    if (!bytes.isEmpty()) {
        m_parser.append(bytes);
        if (m_state == State::Reading)
            restartIdleTimer();
    }
    if (atEnd) {
        onDisconnected();
        return;
    }
    if (m_state == State::Reading)
        processInput();
}

void HttpConnection::processInput()
{
    const ServerOptions &options = m_options;
    while (m_state == State::Reading) {
        if (m_phase == Phase::Idle && (m_parser.bufferedBytes() > 0 || !m_parser.atMessageStart())) {
            // The first byte of a request: its head must be complete in time, however it trickles in.
            m_phase = Phase::Head;
            m_guard.start(options.headerTimeoutMs, this);
        }
        switch (m_parser.next()) {
        case MessageParser::Event::NeedMore: return;
        case MessageParser::Event::Error: reject(m_parser.errorStatus(), m_parser.errorMessage()); return;
        case MessageParser::Event::Headers: {
            m_request = {};
            m_request.method = m_parser.method();
            m_request.setTarget(m_parser.target());
            m_request.versionMinor = m_parser.versionMinor();
            m_request.headers = m_parser.takeHeaders();
            m_request.peerAddress = m_socket->peerAddress();
            if (!isKnownMethod(m_request.method)) {
                // Echo only a short method: the request line may be up to the header limit long.
                const QString method = QString::fromLatin1(m_request.method.left(kMaxEchoedMethod));
                reject(
                    405,
                    QStringLiteral("method %1%2 is not supported")
                        .arg(method, m_request.method.size() > kMaxEchoedMethod ? QStringLiteral("...") : QString()));
                return;
            }
            const bool bodyAnnounced = m_parser.contentLength() > 0 || m_parser.isChunked();
            if (bodyAnnounced && !m_handler->wantsBody(m_request)) {
                // Refused whatever the body: answer on the head alone, never read the body.
                m_earlyAnswer = true;
                dispatch();
                return;
            }
            if (m_request.versionMinor == 1 && bodyAnnounced && m_request.headers.hasToken("expect", "100-continue"))
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            if (bodyAnnounced) {
                m_phase = Phase::Body;
                m_windowBytes = 0;
                m_guard.start(options.bodyWindowMs, this);
            }
            // The body is not reserved by its declared length: memory follows the bytes that arrive.
            break;
        }
        case MessageParser::Event::Body: {
            const QByteArray piece = m_parser.takeBody();
            m_windowBytes += piece.size();
            m_request.body += piece;
            break;
        }
        case MessageParser::Event::Complete: dispatch(); break;
        }
    }
}

void HttpConnection::dispatch()
{
    m_timer.stop();
    m_guard.stop();
    m_phase = Phase::Idle;
    m_state = State::Handling;
    m_keepAlive = !m_earlyAnswer && m_request.wantsKeepAlive() && !m_draining;
    if (!m_earlyAnswer)
        m_parser.reset();
    auto *responder = new SocketResponder(this, m_request.versionMinor);
    responder->setHeadRequest(m_request.method == "HEAD");
    m_responder = responder;
    m_countedInFlight = true;
    Q_EMIT requestStarted();
    m_dispatching = true;
    m_handler->handle(std::exchange(m_request, {}), responder);
    m_dispatching = false;
    if (m_state == State::Reading && m_parser.bufferedBytes() == 0 && m_socket && m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

void HttpConnection::responseFinished()
{
    endRequest();
    if (m_responder) {
        m_responder->disconnect(this);
        m_responder->deleteLater();
        m_responder = nullptr;
    }
    if (m_state != State::Handling)
        return;
    if (m_earlyAnswer && m_socket) {
        // The client may still be sending the body we refused: drop it for a moment, so that it reads
        // our answer instead of a reset.
        startLinger();
        return;
    }
    if (!m_keepAlive || !m_socket || m_draining) {
        m_state = State::Closed;
        if (m_socket)
            m_socket->disconnectFromHost();
        return;
    }
    m_state = State::Reading;
    restartIdleTimer();
    if (!m_dispatching) {
        // Continue with bytes already buffered (a pipelined request) or waiting in the socket.
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
    } else if (m_parser.bufferedBytes() > 0) {
        QMetaObject::invokeMethod(this, &HttpConnection::processInput, Qt::QueuedConnection);
    }
}

void HttpConnection::reject(int status, const QString &message)
{
    if (!m_socket || m_state == State::Closing || m_state == State::Closed)
        return;
    qCDebug(lcHttp).noquote() << "refusing a request from" << peer() << "with" << status << "-" << message;
    const auto &word = m_options.rejection;
    const Rejection answer
        = word ? word(status, message) : Rejection{"text/plain; charset=utf-8", message.toUtf8() + '\n'};
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: " + answer.contentType + "\r\nContent-Length: " + QByteArray::number(answer.body.size())
        + "\r\nConnection: close\r\n\r\n" + answer.body;
    m_socket->write(out);
    startLinger();
}

void HttpConnection::startLinger()
{
    // Keep reading (and dropping) for a moment so the client sees the answer instead of a reset: at
    // most kLingerMs, and a short while once the answer is all written.
    m_state = State::Closing;
    m_guard.stop();
    m_timer.start(m_socket->bytesToWrite() == 0 ? kLingerAfterWriteMs : kLingerMs, this);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_socket && m_socket->bytesToWrite() == 0 && m_state == State::Closing)
            m_timer.start(kLingerAfterWriteMs, this);
    });
}

void HttpConnection::closeNow()
{
    if (m_state == State::Closed && !m_socket)
        return;
    m_state = State::Closed;
    m_timer.stop();
    m_guard.stop();
    if (m_socket)
        m_socket->abort();
    onDisconnected();
}

void HttpConnection::drain()
{
    m_draining = true;
    if (m_state == State::Reading && m_parser.atMessageStart() && m_parser.bufferedBytes() == 0)
        closeNow();
}

void HttpConnection::onDisconnected()
{
    if (m_state == State::Closed && m_socket == nullptr)
        return;
    m_state = State::Closed;
    m_timer.stop();
    m_guard.stop();
    if (m_responder && !m_responder->isFinished())
        m_responder->notifyClientGone();
    endRequest();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket = nullptr; // deleted with this connection
    }
    Q_EMIT closed();
}

} // namespace obleth::http
