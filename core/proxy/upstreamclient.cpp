#include "upstreamclient.h"

#include "forwarding.h"
#include "http/messageparser.h"
#include "http/socketreading.h"
#include "platform/logging.h"

#include <QBasicTimer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimerEvent>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>

namespace obleth::proxy {

namespace {
constexpr qint64 kUpstreamReadBuffer = 256 * 1024;

http::MessageParser::Limits responseLimits()
{
    http::MessageParser::Limits limits;
    limits.maxBodyBytes = std::numeric_limits<qint64>::max(); // responses are relayed, never held whole
    return limits;
}

/// Monotonic milliseconds, as the deadlines are kept.
qint64 nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

/// True when a response's Connection fields say "close".
bool asksToClose(const http::Headers &headers)
{
    for (const auto &f : headers.fields()) {
        if (http::Headers::nameEquals(f.first, "connection") && listHoldsToken(f.second, "close"))
            return true;
    }
    return false;
}

/// A body above this is written apart from the head (one more write) rather than copied behind it.
constexpr qsizetype kBodyApartBytes = 64 * 1024;
} // namespace

/// One connection to an upstream, as long as its socket lives: it serves one UpstreamExchange after another and
/// waits in the client's pool in between. Its socket's signals are connected once, when it is opened; its response
/// parser is reset per response; one timer watches whichever deadline applies (connect, first byte, idle while
/// receiving, keep-alive while pooled), armed lazily: a deadline that moves later needs nothing, the timer finds
/// it when it fires and waits on for it. A connection that fails, is abandoned or is closed by the upstream is
/// never pooled: it closes, and deletes itself later.
class UpstreamConnection final : public QObject
{
    Q_DISABLE_COPY_MOVE(UpstreamConnection)

public:
    UpstreamConnection(UpstreamClient *client, std::shared_ptr<const UpstreamEndpoint> endpoint);
    ~UpstreamConnection() override;

    [[nodiscard]] const QString &poolKey() const noexcept { return m_endpoint->poolKey(); }
    /// The upstream as the log names it: scheme, host and port. Never the pool key, whose credentials digest would
    /// let a weak key be confirmed from the log.
    [[nodiscard]] QString loggable() const { return m_endpoint->loggable(); }

    /// For the pool: still connected, and nothing has come since it was pooled. Bytes that came in the same turn of
    /// the event loop as the request that would reuse it have not been told by readyRead yet: the socket is asked.
    [[nodiscard]] bool isReusable() const;
    /// Runs @p exchange: sends its request now (pooled) or once connected (new). The exchange may hear at once.
    void begin(UpstreamExchange *exchange);
    /// The exchange gives the connection up before its response is complete: it is closed, nothing is reported.
    void abandon();
    void setReadPaused(bool paused);
    /// Closes the connection (it leaves the pool, if it was in it) and deletes it later; nothing is reported.
    void close();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class UpstreamClient;
    enum class State {
        New, ///< not connected yet
        Connecting, ///< connecting (and the TLS handshake)
        Waiting, ///< the request is sent; no answer yet
        Receiving, ///< the answer's head has come
        Idle, ///< in the pool
        Closed,
    };

    void onConnected();
    void onReadyRead();
    /// The socket reported an error or a close.
    void onSocketClosed();
    /// Reads and hands on what has come, after a pause too.
    void readResponse();
    /// A read was left for later (a pause ended, or one read's worth was taken while more may wait).
    void resumeReading();
    void sendRequest();
    /// Hands on what the parser has: head, body pieces, the end, all in one received().
    void processParsed();
    /// Hands @p what to the exchange, unless it holds nothing.
    void handOn(UpstreamExchange::Received &what);
    /// The connection has ended: a close-delimited body is complete, a stale pooled connection's request is sent
    /// again once on a fresh one, anything else is a failure.
    void judgeClose();
    /// The upstream spoke while the connection was pooled: it is not usable any more.
    void heardWhileIdle();
    /// The response is complete; @p last is what the read that completed it brought.
    void complete(bool reusable, UpstreamExchange::Received last);
    void fail(UpstreamExchange::Failure failure, const QString &message);
    /// Lets go of the exchange (it is told nothing): the exchange's connection is none from now on.
    UpstreamExchange *detach();
    /// When the current state's deadline is (monotonic ms), 0 for none.
    [[nodiscard]] qint64 deadline(qint64 now) const;
    /// Makes sure the timer fires by @p dueMs (monotonic ms; 0: nothing to watch).
    void watch(qint64 dueMs);

    UpstreamClient *m_client; ///< its parent
    std::shared_ptr<const UpstreamEndpoint> m_endpoint;
    QTcpSocket *m_socket = nullptr; ///< its child
    http::MessageParser m_parser;
    QBasicTimer m_timer;
    qint64 m_timerDueMs = 0; ///< when the timer fires (monotonic ms), while it is active
    UpstreamExchange *m_exchange = nullptr;
    State m_state = State::New;
    qint64 m_sinceMs = 0; ///< when the state began (monotonic ms)
    qint64 m_lastDataMs = 0; ///< when the upstream last sent something (for the idle timeout)
    quint64 m_round = 0; ///< counts the exchanges begun, so that a read that ended one touches no other
    int m_served = 0; ///< responses completed on this connection
    bool m_heard = false; ///< the upstream sent something since the request went out (then it got the request)
    bool m_pooled = false; ///< in the client's pool
    bool m_paused = false;
    bool m_peerClosed = false;
    bool m_keepAlive = false; ///< the response's head allows another request on the connection
};

// ---- UpstreamClient --------------------------------------------------------------------------

UpstreamClient::UpstreamClient(QObject *parent)
    : QObject(parent)
{ }

UpstreamClient::~UpstreamClient()
{
    // The connections are children, deleted after this; they call nothing of the client's then.
    m_idle.clear();
}

UpstreamConnection *UpstreamClient::takeIdle(const QString &key)
{
    const auto it = m_idle.find(key);
    if (it == m_idle.end())
        return nullptr;
    std::vector<UpstreamConnection *> &list = it.value();
    while (!list.empty()) {
        UpstreamConnection *connection = list.back();
        list.pop_back();
        connection->m_pooled = false;
        if (connection->isReusable())
            return connection;
        connection->heardWhileIdle(); // says why, and closes it
    }
    return nullptr;
}

UpstreamConnection *UpstreamClient::open(std::shared_ptr<const UpstreamEndpoint> endpoint)
{
    qCDebug(lcProxy).noquote() << "opening a new connection to" << endpoint->loggable();
    return new UpstreamConnection(this, std::move(endpoint));
}

void UpstreamClient::giveBack(UpstreamConnection *connection)
{
    std::vector<UpstreamConnection *> &list = m_idle[connection->poolKey()];
    if (list.size() >= std::size_t(kMaxIdlePerHost))
        return connection->close();
    list.push_back(connection);
    connection->m_pooled = true;
}

void UpstreamClient::forget(UpstreamConnection *connection)
{
    connection->m_pooled = false;
    const auto it = m_idle.find(connection->poolKey());
    if (it != m_idle.end())
        it->erase(std::remove(it->begin(), it->end(), connection), it->end());
}

// ---- UpstreamConnection ----------------------------------------------------------------------

UpstreamConnection::UpstreamConnection(UpstreamClient *client, std::shared_ptr<const UpstreamEndpoint> endpoint)
    : QObject(client)
    , m_client(client)
    , m_endpoint(std::move(endpoint))
    , m_parser(http::MessageParser::Kind::Response, responseLimits())
{
    if (m_endpoint->isTls()) {
        auto *ssl = new QSslSocket(this);
        ssl->setPeerVerifyName(m_endpoint->host());
        connect(ssl, &QSslSocket::encrypted, this, &UpstreamConnection::onConnected);
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &UpstreamConnection::onConnected);
    }
    m_socket->setReadBufferSize(kUpstreamReadBuffer); // for TLS sockets, which stay buffered
    connect(m_socket, &QTcpSocket::readyRead, this, &UpstreamConnection::onReadyRead);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &UpstreamConnection::onSocketClosed);
    connect(m_socket, &QTcpSocket::disconnected, this, &UpstreamConnection::onSocketClosed);
}

UpstreamConnection::~UpstreamConnection()
{
    // Only when the client goes away with it (it closes and is deleted later otherwise): its exchange ends unheard.
    if (UpstreamExchange *exchange = detach())
        exchange->m_state = UpstreamExchange::State::Done;
}

bool UpstreamConnection::isReusable() const
{
    return m_state == State::Idle && m_socket->state() == QAbstractSocket::ConnectedState
        && m_socket->bytesAvailable() == 0;
}

void UpstreamConnection::begin(UpstreamExchange *exchange)
{
    m_exchange = exchange;
    exchange->m_connection = this;
    ++m_round;
    m_paused = false;
    if (m_state == State::Idle)
        return sendRequest();
    m_state = State::Connecting;
    m_sinceMs = nowMs();
    watch(deadline(m_sinceMs));
    // Whatever the socket reports may come at once (a refused connection): nothing follows here.
    if (m_endpoint->isTls()) {
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(m_endpoint->host(), m_endpoint->port());
    } else {
        m_socket->connectToHost(m_endpoint->host(), m_endpoint->port(), QIODevice::ReadWrite | QIODevice::Unbuffered);
    }
}

void UpstreamConnection::abandon()
{
    m_exchange = nullptr;
    close();
}

void UpstreamConnection::close()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_timer.stop();
    if (m_pooled)
        m_client->forget(this);
    m_socket->abort(); // what it reports now finds the connection closed
    deleteLater();
}

void UpstreamConnection::setReadPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (paused)
        return;
    m_lastDataMs = nowMs(); // the silence while paused was the client's, not the upstream's
    // Not from here: the client's socket is telling that it drained.
    QMetaObject::invokeMethod(this, &UpstreamConnection::resumeReading, Qt::QueuedConnection);
}

void UpstreamConnection::onConnected()
{
    if (m_state != State::Connecting)
        return;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    sendRequest();
}

void UpstreamConnection::sendRequest()
{
    m_state = State::Waiting;
    m_heard = false;
    m_sinceMs = nowMs();
    if (m_exchange->m_head)
        m_parser.expectNoBody();
    watch(deadline(m_sinceMs));
    m_exchange->sendTo(m_socket);
}

void UpstreamConnection::onReadyRead()
{
    if (m_state == State::Idle)
        return heardWhileIdle();
    if ((m_state == State::Waiting || m_state == State::Receiving) && !m_paused)
        readResponse();
}

void UpstreamConnection::onSocketClosed()
{
    switch (m_state) {
    case State::Idle: return heardWhileIdle();
    case State::Connecting: return fail(UpstreamExchange::Failure::ConnectFailed, m_socket->errorString());
    case State::Waiting:
    case State::Receiving:
        m_peerClosed = true;
        if (!m_paused) // else the close is judged when reading resumes
            readResponse();
        return;
    case State::New:
    case State::Closed: return;
    }
}

void UpstreamConnection::resumeReading()
{
    // Also when the exchange it was meant for has ended: a read finds what the current one is owed, or nothing.
    if ((m_state == State::Waiting || m_state == State::Receiving) && !m_paused)
        readResponse();
}

void UpstreamConnection::readResponse()
{
    // At most kUpstreamReadBuffer at a time, so that a paused exchange holds little: the rest waits in the kernel,
    // whose full buffer then holds the upstream back. A short read ends it: the kernel had no more just then, and
    // should more come, readyRead tells (no read is spent to hear "nothing").
    bool atEnd = false;
    const QByteArray bytes = http::readAvailable(m_socket, kUpstreamReadBuffer, &atEnd);
    // A plain socket is unbuffered: Qt reports the upstream's close only as a failed read, no disconnected() follows.
    m_peerClosed = m_peerClosed || atEnd;
    const bool more = bytes.size() >= kUpstreamReadBuffer;
    if (!bytes.isEmpty()) {
        m_parser.append(bytes);
        m_lastDataMs = nowMs();
        m_heard = true;
    }
    const quint64 round = m_round;
    processParsed();
    // The close is judged only once everything read before it has been handed on (a paused exchange comes back here
    // when it resumes); nothing is done for an exchange that has ended meanwhile.
    if (m_round != round || (m_state != State::Waiting && m_state != State::Receiving) || m_paused)
        return;
    if (m_peerClosed) {
        // A TLS socket takes in everything it had when the upstream closed, beyond its read buffer: that is read
        // (and handed on) before the close is judged.
        if (more || m_socket->bytesAvailable() > 0) {
            QMetaObject::invokeMethod(this, &UpstreamConnection::resumeReading, Qt::QueuedConnection);
            return;
        }
        return judgeClose();
    }
    // More may be waiting. A plain socket's readyRead comes again for it; a TLS socket's buffer tells no more of what
    // it holds: come back for it.
    if (more && m_endpoint->isTls())
        QMetaObject::invokeMethod(this, &UpstreamConnection::resumeReading, Qt::QueuedConnection);
}

void UpstreamConnection::processParsed()
{
    using Event = http::MessageParser::Event;
    // Everything this read brought is collected first and handed on as one: however many chunks (events) the
    // upstream framed, the client gets them in one write.
    UpstreamExchange::Received pass;
    for (;;) {
        switch (m_parser.next()) {
        case Event::NeedMore: return handOn(pass);
        case Event::Error: {
            const quint64 round = m_round;
            handOn(pass); // what was valid before the error still goes to the client
            if (m_round != round || !m_exchange)
                return;
            return fail(UpstreamExchange::Failure::Malformed, m_parser.errorMessage());
        }
        case Event::Headers:
            if (m_parser.status() == 101) {
                // obleth never asks for an upgrade (Upgrade is not forwarded): whatever follows a 101 is
                // not HTTP any more, so it is neither an interim answer to skip nor one to relay.
                return fail(UpstreamExchange::Failure::Malformed,
                            QStringLiteral("the upstream switched protocols (101) unasked"));
            }
            if (m_parser.status() < 200)
                break; // 100 Continue, 103 Early Hints...: interim, the real answer follows
            m_state = State::Receiving;
            m_keepAlive = m_parser.versionMinor() == 1 && !asksToClose(m_parser.headers());
            watch(deadline(m_lastDataMs));
            pass.head = true;
            pass.status = m_parser.status();
            pass.headers = m_parser.takeHeaders();
            if (m_exchange) { // answered: never retried now, so what was sent need not be kept for a long stream
                m_exchange->m_wire = QByteArray();
                m_exchange->m_request.body = QByteArray();
            }
            break;
        case Event::Body: pass.body += m_parser.takeBody(); break;
        case Event::Complete:
            if (m_parser.status() < 200) {
                m_parser.reset();
                if (m_exchange && m_exchange->m_head)
                    m_parser.expectNoBody(); // reset() forgets it, and the final answer still has no body
                break;
            }
            // Bytes beyond the end of the response were never asked for: the connection is not reused,
            // or they would become the answer to the next request sent on it.
            if (m_parser.bufferedBytes() > 0)
                qCWarning(lcProxy) << "upstream" << loggable() << "sent" << m_parser.bufferedBytes()
                                   << "bytes beyond its response; the connection is dropped";
            return complete(m_keepAlive && m_parser.bufferedBytes() == 0 && !m_peerClosed, std::move(pass));
        }
    }
}

void UpstreamConnection::handOn(UpstreamExchange::Received &what)
{
    if ((what.head || !what.body.isEmpty()) && m_exchange)
        m_exchange->m_receiver->received(what);
}

void UpstreamConnection::judgeClose()
{
    if (m_state == State::Receiving && m_parser.isCloseDelimited()
        && m_socket->state() != QAbstractSocket::ConnectedState) {
        // The close marks the end of the body.
        if (m_parser.finishAtEof() == http::MessageParser::Event::Complete)
            return complete(false, {});
    }
    const QString why = m_socket->errorString();
    if (m_state == State::Connecting)
        return fail(UpstreamExchange::Failure::ConnectFailed, why);
    if (m_served > 0 && m_state == State::Waiting && !m_heard && m_exchange && !m_exchange->m_retried) {
        // A pooled keep-alive connection the upstream closed, as it does an idle one, without a byte since the request
        // went out: the classic keep-alive race, in which the request never reached it. Once anything came back (an
        // interim 100 Continue, a partial head), it had the request: it is never sent again, so that a completion is
        // never run (and billed) twice. (HTTP/1.1 cannot tell "closed before reading" from "read, then died without a
        // word"; an upstream that dies silently right after reading a request on a reused connection may get it twice.)
        qCDebug(lcProxy).noquote() << "a pooled connection to" << loggable()
                                   << "had been closed by the upstream; the request goes again on a fresh one";
        UpstreamExchange *exchange = detach();
        close();
        return exchange->retry();
    }
    fail(UpstreamExchange::Failure::Reset, why);
}

void UpstreamConnection::heardWhileIdle()
{
    // Not usable any more: unasked bytes would be read as the answer to whatever request is sent on it next, and a
    // close or an error ends it anyway.
    if (const qint64 unasked = m_socket->bytesAvailable(); unasked > 0) {
        // Not a keep-alive close: the upstream answered something nobody asked. Should that happen just after
        // a request was sent on the connection, HTTP/1.1 cannot tell it from the answer; the operator should
        // know that this upstream does it.
        qCWarning(lcProxy) << "upstream" << loggable() << "sent" << unasked
                           << "bytes unasked on an idle keep-alive connection; the connection is dropped";
    } else {
        qCDebug(lcProxy) << "idle connection to" << loggable() << "closed by the upstream";
    }
    close();
}

void UpstreamConnection::complete(bool reusable, UpstreamExchange::Received last)
{
    UpstreamExchange *exchange = detach();
    ++m_served;
    if (reusable) {
        // Pooled before the receiver hears: whatever it starts may take the connection at once.
        m_parser.reset();
        m_state = State::Idle;
        m_paused = false;
        m_sinceMs = nowMs();
        watch(deadline(m_sinceMs));
        m_client->giveBack(this);
    } else {
        close();
    }
    if (!exchange)
        return;
    exchange->m_state = UpstreamExchange::State::Done;
    last.complete = true;
    exchange->m_receiver->received(last); // the exchange may be gone after this
}

void UpstreamConnection::fail(UpstreamExchange::Failure failure, const QString &message)
{
    qCDebug(lcProxy).noquote() << "exchange with" << loggable() << "failed:" << message;
    UpstreamExchange *exchange = detach();
    close();
    if (!exchange)
        return;
    exchange->m_state = UpstreamExchange::State::Done;
    exchange->m_receiver->failed(failure, message); // the exchange may be gone after this
}

UpstreamExchange *UpstreamConnection::detach()
{
    UpstreamExchange *exchange = std::exchange(m_exchange, nullptr);
    if (exchange)
        exchange->m_connection = nullptr;
    return exchange;
}

qint64 UpstreamConnection::deadline(qint64 now) const
{
    const UpstreamRequest *request = m_exchange ? &m_exchange->m_request : nullptr;
    switch (m_state) {
    case State::Connecting: return request && request->connectTimeoutMs > 0 ? m_sinceMs + request->connectTimeoutMs : 0;
    case State::Waiting:
        return request && request->firstByteTimeoutMs > 0 ? m_sinceMs + request->firstByteTimeoutMs : 0;
    case State::Receiving:
        if (!request || request->idleTimeoutMs <= 0)
            return 0;
        // Paused, obleth is the slow side, not the upstream: the deadline keeps moving.
        return (m_paused ? now : m_lastDataMs) + request->idleTimeoutMs;
    case State::Idle: return m_sinceMs + UpstreamClient::kIdleKeepAliveMs;
    case State::New:
    case State::Closed: return 0;
    }
    return 0;
}

void UpstreamConnection::watch(qint64 dueMs)
{
    // A timer that fires before the deadline is left as it is: it finds the deadline then and waits on for it.
    if (dueMs <= 0 || (m_timer.isActive() && m_timerDueMs <= dueMs))
        return;
    m_timerDueMs = dueMs;
    m_timer.start(int(std::clamp<qint64>(dueMs - nowMs(), 0, INT_MAX)), this);
}

void UpstreamConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    m_timer.stop();
    const qint64 now = nowMs();
    const qint64 due = deadline(now);
    if (due == 0)
        return;
    if (now < due)
        return watch(due);
    switch (m_state) {
    case State::Connecting:
        return fail(UpstreamExchange::Failure::ConnectTimeout,
                    QStringLiteral("no connection within %1 ms").arg(m_exchange->m_request.connectTimeoutMs));
    case State::Waiting:
        return fail(UpstreamExchange::Failure::FirstByteTimeout,
                    QStringLiteral("no response within %1 ms").arg(m_exchange->m_request.firstByteTimeoutMs));
    case State::Receiving:
        return fail(UpstreamExchange::Failure::IdleTimeout,
                    QStringLiteral("no data for %1 ms").arg(m_exchange->m_request.idleTimeoutMs));
    case State::Idle:
        qCDebug(lcProxy) << "idle connection to" << loggable() << "kept for" << UpstreamClient::kIdleKeepAliveMs
                         << "ms unused; closing it";
        return close();
    case State::New:
    case State::Closed: return;
    }
}

// ---- UpstreamExchange ------------------------------------------------------------------------

UpstreamExchange::UpstreamExchange(UpstreamClient *client, UpstreamRequest request, Receiver *receiver)
    : m_client(client)
    , m_request(std::move(request))
    , m_receiver(receiver)
{ }

UpstreamExchange::~UpstreamExchange()
{
    abort();
}

const char *UpstreamExchange::failureName(Failure failure)
{
    switch (failure) {
    case Failure::ConnectFailed: return "ConnectFailed";
    case Failure::ConnectTimeout: return "ConnectTimeout";
    case Failure::FirstByteTimeout: return "FirstByteTimeout";
    case Failure::IdleTimeout: return "IdleTimeout";
    case Failure::Reset: return "Reset";
    case Failure::Malformed: return "Malformed";
    }
    return "Failure";
}

QString UpstreamExchange::failureText(Failure failure)
{
    switch (failure) {
    case Failure::ConnectFailed: return QStringLiteral("refused or unreachable");
    case Failure::ConnectTimeout: return QStringLiteral("connect timeout");
    case Failure::FirstByteTimeout: return QStringLiteral("no response in time");
    case Failure::IdleTimeout: return QStringLiteral("stopped sending");
    case Failure::Reset: return QStringLiteral("connection reset");
    case Failure::Malformed: return QStringLiteral("not valid HTTP");
    }
    return QStringLiteral("failed");
}

void UpstreamExchange::start()
{
    if (m_state != State::Ready || !m_client)
        return;
    m_state = State::Running;
    if (!m_request.endpoint) {
        m_request.endpoint = std::make_shared<const UpstreamEndpoint>(
            m_request.url, m_request.headers.value("authorization"), m_request.headers.value("x-api-key"));
    }
    writeRequest();
    UpstreamConnection *connection = m_client->takeIdle(m_request.endpoint->poolKey());
    if (connection)
        qCDebug(lcProxy).noquote() << "reusing a pooled connection to" << connection->loggable();
    else
        connection = m_client->open(m_request.endpoint);
    connection->begin(this); // this exchange may be gone when it returns
}

void UpstreamExchange::retry()
{
    m_retried = true;
    if (!m_client) {
        m_state = State::Done;
        return;
    }
    m_client->open(m_request.endpoint)->begin(this);
}

void UpstreamExchange::abort()
{
    m_state = State::Done;
    if (UpstreamConnection *connection = std::exchange(m_connection, nullptr))
        connection->abandon();
}

void UpstreamExchange::setReadPaused(bool paused)
{
    if (m_connection)
        m_connection->setReadPaused(paused);
}

void UpstreamExchange::writeRequest()
{
    const UpstreamEndpoint &to = *m_request.endpoint;
    QByteArray target = std::exchange(m_request.target, {});
    if (target.isEmpty()) {
        const QUrl &url = m_request.url;
        target = url.path(QUrl::FullyEncoded).toLatin1();
        if (target.isEmpty())
            target = "/";
        if (url.hasQuery())
            target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    }
    const QByteArray &method = m_request.method;
    const QByteArray &body = m_request.body;
    m_head = method == "HEAD";
    m_bodyApart = body.size() > kBodyApartBytes;
    const bool withLength = !body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH";

    qsizetype size = method.size() + target.size() + to.hostHeader().size() + m_request.headerLines.size() + 80;
    for (const http::Headers::Field &f : m_request.headers.fields())
        size += f.first.size() + f.second.size() + 4;
    if (!m_bodyApart)
        size += body.size();
    m_wire.reserve(size);
    m_wire.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(to.hostHeader());
    m_wire.append("\r\n", 2);
    for (const http::Headers::Field &f : m_request.headers.fields())
        m_wire.append(f.first).append(": ", 2).append(f.second).append("\r\n", 2);
    m_wire.append(m_request.headerLines);
    if (withLength) {
        char digits[24];
        const auto written = std::to_chars(digits, digits + sizeof digits, body.size());
        m_wire.append("Content-Length: ").append(digits, written.ptr - digits).append("\r\n", 2);
    }
    m_wire.append("\r\n", 2);
    if (!m_bodyApart) {
        m_wire.append(body);
        m_request.body = QByteArray();
    }
    // What is sent is in m_wire now (a retry sends it again).
    m_request.headers = {};
    m_request.headerLines = QByteArray();
}

void UpstreamExchange::sendTo(QTcpSocket *socket) const
{
    socket->write(m_wire);
    if (m_bodyApart)
        socket->write(m_request.body);
    socket->flush(); // now, not on the next turn of the event loop
}

} // namespace obleth::proxy
