#include "httpconnection.h"

#include "endpoint.h"
#include "httphandler.h"
#include "httpresponder.h"
#include "platform/logging.h"
#include "serveroptions.h"
#include "socketreading.h"

#include <QSslSocket>
#include <QTimerEvent>

#include <algorithm>
#include <chrono>
#include <limits>

namespace obleth::http {

namespace {
constexpr qint64 kSocketReadBuffer = 256 * 1024;
constexpr int kLingerMs = 1000;
constexpr int kLingerAfterWriteMs = 200;
constexpr int kMaxDrainReads = 16;
constexpr qsizetype kMaxEchoedMethod = 32;
/// A body up to this long gets room in the head's buffer, so that the two go out in one write without a copy more.
constexpr qint64 kBodyRoomInHead = 64 * 1024;
constexpr qint64 kNever = std::numeric_limits<qint64>::max();

/// A monotonic clock in ms, the one deadlines are kept in.
qint64 nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

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
        const QByteArray reason = reasonPhrase(status);
        const bool threeDigits = status >= 100 && status <= 999;
        // One allocation for the head, with room for a short body that follows in the same write (send()).
        qsizetype size = 9 + 4 + reason.size() + 2 + 26 + 2;
        for (const Headers::Field &f : headers.fields())
            size += f.first.size() + 2 + f.second.size() + 2;
        qint64 body = 0;
        if (framing == Framing::Length)
            body = std::clamp<qint64>(headers.value("content-length").toLongLong(), 0, kBodyRoomInHead);
        QByteArray head;
        head.reserve(size + body);
        head += "HTTP/1.1 ";
        if (threeDigits) {
            const char digits[3] = {char('0' + status / 100), char('0' + status / 10 % 10), char('0' + status % 10)};
            head.append(digits, 3);
        } else {
            head += QByteArray::number(status);
        }
        head += ' ';
        head += reason;
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

    void writeBody(const QByteArray &data) override { m_out += data; } // shares data when nothing is held

    void flush() override
    {
        // Each write to the unbuffered socket is a write to the network, so what is held goes in one.
        const QByteArray out = std::exchange(m_out, {});
        if (out.isEmpty() || !m_connection || !m_connection->m_socket)
            return;
        QAbstractSocket *socket = m_connection->m_socket;
        const bool waiting = socket->bytesToWrite() > 0;
        if (socket->write(out) < 0) {
            // The client is gone (reset, or closed for writing): an unbuffered socket says so only here.
            m_connection->closeNow();
            return;
        }
        socket->flush(); // what the kernel did not take at once
        if (!waiting && socket->bytesToWrite() > 0) {
            // The client is behind: from now on it must take some of this within the send timeout.
            m_connection->m_lastSent = nowMs();
            m_connection->armTimer();
        }
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

HttpConnection::HttpConnection(QAbstractSocket *socket, HttpHandler *handler, const ServerOptions &options,
                               QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_handler(handler)
    , m_options(options)
    , m_parser(MessageParser::Kind::Request, options.limits)
    , m_peerAddress(socket->peerAddress())
    , m_lastActivity(nowMs())
    , m_socketBuffered(!(socket->openMode() & QIODevice::Unbuffered))
{
    socket->setParent(this);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // A buffered socket would otherwise read all the client sends while an answer is under way (see onReadyRead()).
    if (m_socketBuffered)
        socket->setReadBufferSize(kSocketReadBuffer);
    connect(socket, &QAbstractSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(socket, &QAbstractSocket::disconnected, this, &HttpConnection::onDisconnected);
    connect(socket, &QAbstractSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    if (auto *ssl = qobject_cast<QSslSocket *>(socket); ssl && !ssl->isEncrypted()) {
        // Nothing is read before the handshake, and it must finish in the time a head has.
        m_phase = Phase::Handshake;
        m_phaseDeadline = m_lastActivity + options.headerTimeoutMs;
        connect(ssl, &QSslSocket::encrypted, this, [this] {
            if (m_phase != Phase::Handshake)
                return;
            m_phase = Phase::Idle;
            m_lastActivity = nowMs();
        });
        // A client that does not speak TLS (plain HTTP on this port, say) fails the handshake.
        connect(ssl, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
            if (m_phase != Phase::Handshake)
                return;
            qCDebug(lcHttp).noquote() << "TLS handshake with" << peer() << "failed:" << m_socket->errorString();
            closeNow();
        });
    }
    armTimer();
    // Bytes that came before the socket was ours were reported to nobody (a buffered socket holds them; an
    // unbuffered one is read on its notifier's next turn anyway).
    if (m_socketBuffered && socket->bytesAvailable() > 0)
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

qint64 HttpConnection::deadline() const
{
    switch (m_state) {
    case State::Reading: {
        // However the request stands, it is cut off when nothing has come for the idle time.
        const qint64 idle = m_lastActivity + m_options.idleTimeoutMs;
        return m_phase == Phase::Idle ? idle : std::min(idle, m_phaseDeadline);
    }
    case State::Closing: return m_phaseDeadline;
    case State::Handling:
        // The client must keep taking what waits for it (not timed while the answer's work has nothing for it).
        if (m_socket && m_socket->bytesToWrite() > 0)
            return m_lastSent + m_options.sendTimeoutMs;
        break;
    case State::Closed: break;
    }
    return kNever;
}

void HttpConnection::armTimer()
{
    const qint64 due = deadline();
    if (due == kNever || (m_timer.isActive() && m_timerDue <= due))
        return; // fires in time, and then arms itself again for what is left
    m_timerDue = due;
    m_timer.start(int(std::clamp<qint64>(due - nowMs(), 0, std::numeric_limits<int>::max())), this);
}

void HttpConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    const qint64 now = nowMs();
    qint64 due = deadline();
    if (due <= now) {
        m_timer.stop();
        return onDeadline(now);
    }
    if (due == kNever) {
        if (m_state == State::Closed) {
            m_timer.stop();
            return;
        }
        // An answer is under way: its end starts the idle time, so no deadline can fall before this.
        due = now + m_options.idleTimeoutMs;
    }
    m_timerDue = due;
    m_timer.start(int(std::min<qint64>(due - now, std::numeric_limits<int>::max())), this);
}

void HttpConnection::onDeadline(qint64 now)
{
    if (m_state == State::Closing)
        return closeNow(); // the linger is over
    if (m_state == State::Handling) {
        qCDebug(lcHttp).noquote() << peer() << "took none of its answer for" << m_options.sendTimeoutMs
                                  << "ms; the connection is closed";
        return closeNow(); // the client is told it went away: the answer's work stops
    }
    if (m_state != State::Reading)
        return;
    const bool phaseOver = m_phase != Phase::Idle && m_phaseDeadline <= now;
    switch (m_phase) {
    case Phase::Handshake: // no TLS yet, so no answer can be sent
        qCDebug(lcHttp).noquote() << "TLS handshake with" << peer() << "did not finish in time";
        return closeNow();
    case Phase::Head:
        if (phaseOver)
            return reject(408, QStringLiteral("the request headers did not arrive in time"));
        break;
    case Phase::Body:
        if (phaseOver) {
            if (m_windowBytes < m_options.minBodyBytesPerWindow)
                return reject(408, QStringLiteral("the request body arrived too slowly"));
            // The window was kept: the next one starts now.
            m_windowBytes = 0;
            m_phaseDeadline = now + m_options.bodyWindowMs;
            if (m_lastActivity + m_options.idleTimeoutMs > now)
                return armTimer();
        }
        break;
    case Phase::Idle: break;
    }
    // Nothing came for the idle time.
    if (m_parser.atMessageStart() && m_parser.bufferedBytes() == 0)
        closeNow(); // idle keep-alive connection
    else
        reject(408, QStringLiteral("the request did not arrive in time"));
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
    const bool handling = m_state == State::Handling;
    const qint64 room = handling ? kSocketReadBuffer - m_parser.bufferedBytes() : std::numeric_limits<qint64>::max();
    if (room <= 0) {
        m_readDeferred = true;
        return;
    }
    const QByteArray bytes = readAvailable(m_socket, room, &atEnd);
    m_readDeferred = handling && bytes.size() >= room;
    if (!bytes.isEmpty()) {
        m_parser.append(bytes);
        if (!handling)
            m_lastActivity = nowMs();
    }
    if (atEnd) {
        onDisconnected();
        return;
    }
    if (!handling)
        processInput();
}

void HttpConnection::onBytesWritten()
{
    if (!m_socket)
        return;
    m_lastSent = nowMs(); // the client took some: its send timeout starts again (the timer finds the later deadline)
    if (m_socket->bytesToWrite() > 0)
        return;
    if (m_state == State::Closing) {
        // The answer is all out: a short while more for the client to read it.
        m_phaseDeadline = nowMs() + kLingerAfterWriteMs;
        armTimer();
    }
    if (m_responder)
        m_responder->notifyDrained();
}

bool HttpConnection::socketHoldsUnreported() const
{
    return m_socket && (m_readDeferred || (m_socketBuffered && m_socket->bytesAvailable() > 0));
}

void HttpConnection::processInput()
{
    const ServerOptions &options = m_options;
    while (m_state == State::Reading) {
        if (m_phase == Phase::Idle && (m_parser.bufferedBytes() > 0 || !m_parser.atMessageStart())) {
            // The first byte of a request: its head must be complete in time, however it trickles in.
            m_phase = Phase::Head;
            m_phaseDeadline = m_lastActivity + options.headerTimeoutMs;
        }
        switch (m_parser.next()) {
        case MessageParser::Event::NeedMore:
            // Only now, waiting for more, does the head's or body's deadline matter.
            armTimer();
            return;
        case MessageParser::Event::Error: reject(m_parser.errorStatus(), m_parser.errorMessage()); return;
        case MessageParser::Event::Headers: {
            // Every field is set anew (m_request was moved to the handler): no request is built from scratch.
            m_request.method = m_parser.method();
            m_request.setTarget(m_parser.target());
            m_request.versionMinor = m_parser.versionMinor();
            m_request.headers = m_parser.takeHeaders();
            m_request.body = QByteArray();
            m_request.peerAddress = m_peerAddress;
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
                m_phaseDeadline = m_lastActivity + options.bodyWindowMs;
            }
            // The body is not reserved by its declared length: memory follows the bytes that arrive.
            break;
        }
        case MessageParser::Event::Body: {
            QByteArray piece = m_parser.takeBody();
            m_windowBytes += piece.size();
            if (m_request.body.isEmpty())
                m_request.body = std::move(piece);
            else
                m_request.body += piece;
            break;
        }
        case MessageParser::Event::Complete: dispatch(); break;
        }
    }
}

void HttpConnection::dispatch()
{
    // No timer is stopped: while the answer is under way there is no deadline, and a timer that fires meanwhile
    // only arms itself again.
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
    m_handler->handle(std::move(m_request), responder);
    m_dispatching = false;
    // Answered at once: processInput(), which called us, goes on with what the parser holds; what the socket holds
    // unreported is read in a moment.
    if (m_state == State::Reading && m_parser.bufferedBytes() == 0 && socketHoldsUnreported())
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

void HttpConnection::responseFinished()
{
    endRequest();
    if (m_responder) {
        m_responder->deleteLater(); // later: it is still at work (this is its writeEnd())
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
    m_lastActivity = nowMs();
    armTimer();
    if (m_dispatching)
        return; // dispatch() and processInput() go on
    // Go on with a pipelined request only when there is one: what the client sends later, readyRead() reports.
    if (socketHoldsUnreported())
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
    else if (m_parser.bufferedBytes() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::processInput, Qt::QueuedConnection);
}

void HttpConnection::reject(int status, const QString &message)
{
    if (!m_socket || m_state == State::Closing || m_state == State::Closed)
        return;
    qCDebug(lcHttp).noquote() << "refusing a request from" << peer() << "with" << status << "-" << message;
    const auto &word = m_options.rejection;
    const Rejection answer = word ? word(status, message, m_parser.target())
                                  : Rejection{"text/plain; charset=utf-8", message.toUtf8() + '\n'};
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: " + answer.contentType + "\r\nContent-Length: " + QByteArray::number(answer.body.size())
        + "\r\nConnection: close\r\n\r\n" + answer.body;
    m_socket->write(out);
    startLinger();
}

void HttpConnection::startLinger()
{
    // Keep reading (and dropping) for a moment so the client sees the answer instead of a reset: at
    // most kLingerMs, and a short while once the answer is all written (onBytesWritten()).
    m_state = State::Closing;
    m_phaseDeadline = nowMs() + (m_socket->bytesToWrite() == 0 ? kLingerAfterWriteMs : kLingerMs);
    armTimer();
}

void HttpConnection::closeNow()
{
    if (m_state == State::Closed && !m_socket)
        return;
    m_state = State::Closed;
    m_timer.stop();
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
