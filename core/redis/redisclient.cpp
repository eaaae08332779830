#include "redisclient.h"

#include "platform/logging.h"
#include "respparser.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QPointer>
#include <QSet>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>

namespace obleth::redis {

namespace {

constexpr int kFirstRetryMs = 50;
constexpr int kMaxRetryMs = 2000;

QByteArray encode(const QList<QByteArray> &args)
{
    qsizetype size = 16;
    for (const QByteArray &a : args)
        size += a.size() + 16;
    QByteArray out;
    out.reserve(size);
    out += '*';
    out += QByteArray::number(args.size());
    out += "\r\n";
    for (const QByteArray &a : args) {
        out += '$';
        out += QByteArray::number(a.size());
        out += "\r\n";
        out += a;
        out += "\r\n";
    }
    return out;
}

QByteArray authCommand(const Endpoint &e)
{
    if (e.password.isEmpty())
        return {};
    if (e.username.isEmpty())
        return encode({QByteArrayLiteral("AUTH"), e.password});
    return encode({QByteArrayLiteral("AUTH"), e.username.toUtf8(), e.password});
}

/// One line about a failed AUTH: the server's words name no secret, but keep only the code to be safe.
QString authFailure(const Reply &reply)
{
    const QByteArray code = reply.text.left(reply.text.indexOf(' '));
    return QStringLiteral("authentication failed (%1)").arg(QString::fromLatin1(code.left(32)));
}

/// A TCP connection to the server that keeps coming back: connects, hands complete replies to its owner, and on
/// any failure drops the socket, tells the owner, and tries again after a back-off (50 ms doubling to 2 s).
class Connection final
{
public:
    enum class State { Idle, Connecting, Open, Waiting };
    struct Hooks
    {
        /// The TCP connection is made: the bytes to send before anything else (AUTH, SELECT, SUBSCRIBE).
        std::function<QByteArray()> opened;
        /// A complete reply. False when the owner is gone or the connection was reset meanwhile: stop reading.
        std::function<bool(Reply &&reply)> reply;
        /// The connection is lost, or could not be made.
        std::function<void(const QString &why)> lost;
    };

    Connection(const Endpoint &endpoint, QObject *owner, Hooks hooks)
        : m_endpoint(endpoint)
        , m_owner(owner)
        , m_hooks(std::move(hooks))
    {
        m_retry.setSingleShot(true);
        QObject::connect(&m_retry, &QTimer::timeout, owner, [this] { connectNow(); });
        m_connectTimeout.setSingleShot(true);
        QObject::connect(&m_connectTimeout, &QTimer::timeout, owner, [this] {
            fail(QStringLiteral("could not connect within %1 ms").arg(m_connectTimeout.interval()));
        });
    }
    ~Connection() { dropSocket(); }
    Q_DISABLE_COPY_MOVE(Connection)

    [[nodiscard]] State state() const noexcept { return m_state; }
    [[nodiscard]] quint64 generation() const noexcept { return m_generation; }
    void setConnectTimeoutMs(int ms) { m_connectTimeout.setInterval(ms); }

    void start()
    {
        if (m_state == State::Idle)
            connectNow();
    }

    /// Sends @p bytes now, or as soon as the connection is made (after the handshake).
    void write(const QByteArray &bytes)
    {
        if (m_state != State::Open) {
            m_unsent += bytes;
            return;
        }
        m_socket->write(bytes);
        // What the caller sends in this turn of the event loop goes out together at its end, without waiting for
        // the socket's write notifier (a turn of its own: a lone command's round trip is that much shorter).
        if (!m_flushPosted) {
            m_flushPosted = true;
            QMetaObject::invokeMethod(
                m_owner,
                [this, generation = m_generation] {
                    m_flushPosted = false;
                    if (generation == m_generation && m_socket)
                        m_socket->flush();
                },
                Qt::QueuedConnection);
        }
    }

    /// The back-off starts again from its first step (the connection proved good).
    void markGood() { m_retryMs = kFirstRetryMs; }

    /// Drops the connection (if any), tells the owner why, and tries again after the back-off.
    void fail(const QString &why)
    {
        if (m_state == State::Idle || m_state == State::Waiting)
            return;
        dropSocket();
        m_state = State::Waiting;
        ++m_generation;
        m_retry.start(m_retryMs);
        m_retryMs = std::min(m_retryMs * 2, kMaxRetryMs);
        m_hooks.lost(why); // may destroy this
    }

private:
    void connectNow()
    {
        dropSocket();
        m_state = State::Connecting;
        ++m_generation;
        // No parent: a socket is only ever deleted later, as the client may go from inside one of its signals.
        m_socket = new QTcpSocket;
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        QObject::connect(m_socket, &QTcpSocket::connected, m_owner, [this] { onConnected(); });
        QObject::connect(m_socket, &QTcpSocket::readyRead, m_owner, [this] { onReadyRead(); });
        QObject::connect(m_socket, &QTcpSocket::errorOccurred, m_owner, [this](QAbstractSocket::SocketError error) {
            failFromSocket(error == QAbstractSocket::RemoteHostClosedError
                               ? QStringLiteral("the server closed the connection")
                               : m_socket->errorString());
        });
        QObject::connect(m_socket, &QTcpSocket::disconnected, m_owner,
                         [this] { failFromSocket(QStringLiteral("the server closed the connection")); });
        m_connectTimeout.start();
        m_inCall = true;
        m_socket->connectToHost(m_endpoint.host, m_endpoint.port);
        m_inCall = false;
    }

    /// A socket error raised inside connectToHost() (called from start()) waits for the event loop: the owner's
    /// callbacks never run inside its caller's calls.
    void failFromSocket(const QString &why)
    {
        if (!m_inCall) {
            fail(why);
            return;
        }
        QMetaObject::invokeMethod(
            m_owner,
            [this, why, generation = m_generation] {
                if (generation == m_generation)
                    fail(why);
            },
            Qt::QueuedConnection);
    }

    void onConnected()
    {
        m_connectTimeout.stop();
        m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
        m_state = State::Open;
        const QPointer<QObject> alive(m_owner);
        const quint64 generation = m_generation;
        QByteArray first = m_hooks.opened();
        if (!alive || generation != m_generation)
            return;
        first += m_unsent;
        m_unsent.clear();
        if (!first.isEmpty())
            m_socket->write(first);
    }

    void onReadyRead()
    {
        m_parser.append(m_socket->readAll());
        for (;;) {
            Reply reply;
            switch (m_parser.next(&reply)) {
            case RespParser::Status::NeedMore: return;
            case RespParser::Status::Error:
                fail(QStringLiteral("the server's reply is not RESP: ") + m_parser.errorMessage());
                return;
            case RespParser::Status::Reply:
                if (!m_hooks.reply(std::move(reply)))
                    return;
                break;
            }
        }
    }

    void dropSocket()
    {
        m_connectTimeout.stop();
        m_parser.reset();
        m_unsent.clear();
        if (!m_socket)
            return;
        m_socket->disconnect(m_owner);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }

    const Endpoint &m_endpoint;
    QObject *m_owner;
    Hooks m_hooks;
    State m_state = State::Idle;
    QTcpSocket *m_socket = nullptr;
    RespParser m_parser;
    QByteArray m_unsent;
    QTimer m_retry;
    QTimer m_connectTimeout;
    int m_retryMs = kFirstRetryMs;
    quint64 m_generation = 0;
    bool m_inCall = false;
    bool m_flushPosted = false;
};

} // namespace

QString Endpoint::display() const
{
    const QString h = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return h + QLatin1Char(':') + QString::number(port);
}

bool Endpoint::parse(const QString &url, Endpoint *out, QString *error)
{
    const auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    const QUrl u(url.trimmed(), QUrl::StrictMode);
    if (!u.isValid())
        return fail(QStringLiteral("the Redis URL is not a URL (expected redis://HOST:PORT[/DB])"));
    if (u.scheme() == QLatin1String("rediss"))
        return fail(QStringLiteral("rediss:// (TLS) is not supported; use redis://HOST:PORT[/DB]"));
    if (u.scheme() != QLatin1String("redis"))
        return fail(QStringLiteral("the Redis URL must start with redis:// (redis://HOST:PORT[/DB])"));
    if (u.host().isEmpty())
        return fail(QStringLiteral("the Redis URL has no host (expected redis://HOST:PORT[/DB])"));
    if (u.hasQuery() || u.hasFragment())
        return fail(QStringLiteral("the Redis URL takes no query nor fragment (redis://HOST:PORT[/DB])"));
    const int port = u.port(6379);
    if (port <= 0 || port > 65535)
        return fail(QStringLiteral("the Redis URL's port is not a port"));
    int db = 0;
    const QString path = u.path();
    if (!path.isEmpty() && path != QLatin1String("/")) {
        const QString number = path.mid(1);
        bool ok = !number.isEmpty()
            && std::all_of(number.begin(), number.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
        db = ok ? number.toInt(&ok) : 0;
        if (!ok || db < 0 || number.size() > 6)
            return fail(QStringLiteral("the Redis URL's database (after the last /) must be a number"));
    }
    Endpoint e;
    e.host = u.host();
    e.port = quint16(port);
    e.db = db;
    e.username = u.userName(QUrl::FullyDecoded);
    e.password = u.password(QUrl::FullyDecoded).toUtf8();
    if (!e.username.isEmpty() && e.password.isEmpty())
        return fail(QStringLiteral("the Redis URL has a user name but no password (redis://USER:PASSWORD@HOST)"));
    if (out)
        *out = std::move(e);
    return true;
}

Script::Script(QByteArray source_)
    : source(std::move(source_))
    , sha1(QCryptographicHash::hash(source, QCryptographicHash::Sha1).toHex())
{ }

class Client::Private
{
public:
    struct Pending
    {
        Callback callback;
        QPointer<const QObject> context;
        bool hasContext = false;
        qint64 deadline = 0; ///< on clock
    };

    explicit Private(Client *q_, Endpoint endpoint_)
        : q(q_)
        , endpoint(std::move(endpoint_))
        , commands(endpoint, q_,
                   {[this] { return commandsOpened(); }, [this](Reply &&r) { return commandReply(std::move(r)); },
                    [this](const QString &why) { commandsLost(why); }})
    {
        clock.start();
        timeout.setSingleShot(true);
        QObject::connect(&timeout, &QTimer::timeout, q, [this] { checkTimeout(); });
        commands.setConnectTimeoutMs(timeoutMs);
    }

    static void deliver(const Pending &p, const Reply &reply)
    {
        if (p.hasContext && !p.context)
            return;
        if (p.callback)
            p.callback(reply);
    }

    Pending makePending(Callback callback, const QObject *context) const
    {
        Pending p;
        p.callback = std::move(callback);
        p.context = context;
        p.hasContext = context != nullptr;
        p.deadline = clock.elapsed() + timeoutMs;
        return p;
    }

    [[nodiscard]] bool canSend() const
    {
        const auto s = commands.state();
        return s == Connection::State::Open || s == Connection::State::Connecting;
    }

    void send(const QList<QByteArray> &args, Callback callback, const QObject *context)
    {
        if (!canSend()) {
            failLater(std::move(callback), context);
            return;
        }
        pending.push_back(makePending(std::move(callback), context));
        commands.write(encode(args));
        if (!timeout.isActive())
            timeout.start(timeoutMs);
    }

    /// The error for a command that cannot be sent, from the event loop (never inside command()).
    void failLater(Callback callback, const QObject *context)
    {
        if (!callback)
            return;
        const QString why = lastError.isEmpty() ? QStringLiteral("not connected") : lastError;
        Reply reply = Reply::error("DISCONNECTED not connected to Redis at " + endpoint.display().toUtf8() + ": "
                                   + why.toUtf8());
        Pending p = makePending(std::move(callback), context);
        QMetaObject::invokeMethod(
            q, [p = std::move(p), reply = std::move(reply)] { deliver(p, reply); }, Qt::QueuedConnection);
    }

    QByteArray commandsOpened()
    {
        // AUTH and SELECT go first, before any command written meanwhile: their entries go to the front.
        QByteArray handshake;
        handshakeLeft = 0;
        const qint64 deadline = clock.elapsed() + timeoutMs;
        if (endpoint.db != 0) {
            handshake = encode({QByteArrayLiteral("SELECT"), QByteArray::number(endpoint.db)});
            Pending p;
            p.deadline = deadline;
            p.callback = [this](const Reply &r) {
                if (r.isError())
                    commands.fail(QStringLiteral("SELECT %1 failed: %2")
                                      .arg(endpoint.db)
                                      .arg(QString::fromUtf8(r.text.left(200))));
                else
                    handshakeDone();
            };
            pending.push_front(std::move(p));
            ++handshakeLeft;
        }
        if (!endpoint.password.isEmpty()) {
            handshake.prepend(authCommand(endpoint));
            Pending p;
            p.deadline = deadline;
            p.callback = [this](const Reply &r) {
                if (r.isError())
                    commands.fail(authFailure(r));
                else
                    handshakeDone();
            };
            pending.push_front(std::move(p));
            ++handshakeLeft;
        }
        if (!timeout.isActive() && !pending.empty())
            timeout.start(timeoutMs);
        if (handshakeLeft == 0)
            QMetaObject::invokeMethod(
                q,
                [this, g = commands.generation()] {
                    if (g == commands.generation() && commands.state() == Connection::State::Open)
                        setUp();
                },
                Qt::QueuedConnection);
        return handshake;
    }

    void handshakeDone()
    {
        if (--handshakeLeft == 0)
            setUp();
    }

    void setUp()
    {
        up = true;
        lastError.clear();
        commands.markGood();
        qCInfo(lcRedis).noquote() << "connected to Redis at" << endpoint.display();
        reportedDown = false;
        Q_EMIT q->connected();
    }

    bool commandReply(Reply &&reply)
    {
        if (pending.empty()) {
            commands.fail(QStringLiteral("the server sent a reply no command asked for"));
            return false;
        }
        const Pending p = std::move(pending.front());
        pending.pop_front();
        const QPointer<Client> self(q);
        const quint64 generation = commands.generation();
        deliver(p, reply);
        return self && generation == commands.generation();
    }

    void commandsLost(const QString &why)
    {
        const bool wasUp = up;
        up = false;
        lastError = why;
        loadedScripts.clear();
        timeout.stop();
        const QByteArray code = failCode.isEmpty() ? QByteArrayLiteral("DISCONNECTED") : failCode;
        failCode.clear();
        const Reply error = Reply::error(code + ' ' + why.toUtf8() + " (Redis at " + endpoint.display().toUtf8() + ')');
        const std::deque<Pending> failed = std::exchange(pending, {});
        const QPointer<Client> self(q);
        const bool firstFailure = !reportedDown; // once an outage: logged and signalled
        reportedDown = true;
        if (firstFailure) {
            if (wasUp)
                qCWarning(lcRedis).noquote()
                    << "lost the connection to Redis at" << endpoint.display() << "-" << why << "- reconnecting";
            else
                qCWarning(lcRedis).noquote()
                    << "cannot connect to Redis at" << endpoint.display() << "-" << why << "- retrying";
        } else {
            qCDebug(lcRedis).noquote() << "Redis at" << endpoint.display() << "still unreachable:" << why;
        }
        for (const Pending &p : failed) {
            deliver(p, error);
            if (!self)
                return;
        }
        if (firstFailure)
            Q_EMIT q->disconnected(why);
    }

    void checkTimeout()
    {
        if (pending.empty())
            return;
        const qint64 now = clock.elapsed();
        if (pending.front().deadline > now) {
            timeout.start(int(pending.front().deadline - now));
            return;
        }
        failCode = QByteArrayLiteral("TIMEOUT");
        commands.fail(QStringLiteral("no reply within %1 ms").arg(timeoutMs));
    }

    // The subscriber's connection.
    QByteArray subscriberOpened()
    {
        subscriberAuthLeft = endpoint.password.isEmpty() ? 0 : 1;
        QByteArray first = authCommand(endpoint);
        if (!handlers.isEmpty()) {
            QList<QByteArray> args{QByteArrayLiteral("SUBSCRIBE")};
            args += handlers.keys();
            first += encode(args);
        }
        return first;
    }

    bool subscriberReply(Reply &&reply)
    {
        if (subscriberAuthLeft > 0) {
            --subscriberAuthLeft;
            if (reply.isError()) {
                subscriber->fail(authFailure(reply));
                return false;
            }
            return true;
        }
        if (reply.type != Reply::Type::Array || reply.elements.size() < 3)
            return true;
        const QByteArray kind = reply.elements.at(0).text;
        const QByteArray channel = reply.elements.at(1).text;
        const QPointer<Client> self(q);
        const quint64 generation = subscriber->generation();
        if (kind == "message") {
            const QByteArray payload = reply.elements.at(2).text;
            const auto list = handlers.value(channel);
            for (const auto &handler : list) {
                handler(payload);
                if (!self || generation != subscriber->generation())
                    return false;
            }
        } else if (kind == "subscribe") {
            subscriber->markGood();
            qCDebug(lcRedis).noquote() << "subscribed to" << channel;
            Q_EMIT q->subscribed(channel);
        }
        return self && generation == subscriber->generation();
    }

    void subscriberLost(const QString &why)
    {
        qCDebug(lcRedis).noquote() << "subscriber connection to Redis at" << endpoint.display() << "lost:" << why;
    }

    void ensureSubscriber()
    {
        if (!subscriber) {
            subscriber = std::make_unique<Connection>(
                endpoint, q,
                Connection::Hooks{[this] { return subscriberOpened(); },
                                  [this](Reply &&r) { return subscriberReply(std::move(r)); },
                                  [this](const QString &why) { subscriberLost(why); }});
            subscriber->setConnectTimeoutMs(timeoutMs);
        }
        subscriber->start();
    }

    Client *q;
    Endpoint endpoint;
    int timeoutMs = 1000;
    QElapsedTimer clock;
    QTimer timeout;
    Connection commands;
    std::deque<Pending> pending;
    int handshakeLeft = 0;
    bool started = false;
    bool up = false;
    bool reportedDown = false; ///< the current outage was logged and signalled
    QString lastError;
    QByteArray failCode;
    QSet<QByteArray> loadedScripts; ///< SCRIPT LOADed on this connection
    std::unique_ptr<Connection> subscriber;
    int subscriberAuthLeft = 0;
    QHash<QByteArray, QList<std::function<void(const QByteArray &)>>> handlers;
};

Client::Client(Endpoint endpoint, QObject *parent)
    : QObject(parent)
    , d(new Private(this, std::move(endpoint)))
{ }

Client::~Client()
{
    delete d;
}

void Client::start()
{
    if (d->started)
        return;
    d->started = true;
    d->commands.start();
    if (!d->handlers.isEmpty())
        d->ensureSubscriber();
}

bool Client::isConnected() const noexcept
{
    return d->up;
}

void Client::setCommandTimeoutMs(int ms)
{
    d->timeoutMs = std::max(1, ms);
    d->commands.setConnectTimeoutMs(d->timeoutMs);
    if (d->subscriber)
        d->subscriber->setConnectTimeoutMs(d->timeoutMs);
}

const Endpoint &Client::endpoint() const noexcept
{
    return d->endpoint;
}

bool Client::isConnectionError(const Reply &reply) noexcept
{
    return reply.isError() && (reply.text.startsWith("DISCONNECTED ") || reply.text.startsWith("TIMEOUT "));
}

void Client::command(const QList<QByteArray> &args, Callback callback, const QObject *context)
{
    d->send(args, std::move(callback), context);
}

void Client::eval(const Script &script, const QList<QByteArray> &keys, const QList<QByteArray> &args, Callback callback,
                  const QObject *context)
{
    if (!d->canSend()) {
        d->failLater(std::move(callback), context);
        return;
    }
    QList<QByteArray> tail;
    tail.reserve(1 + keys.size() + args.size());
    tail.append(QByteArray::number(keys.size()));
    tail += keys;
    tail += args;
    // Loaded once a connection, pipelined before the first EVALSHA: replies stay in order.
    if (!d->loadedScripts.contains(script.sha1)) {
        d->loadedScripts.insert(script.sha1);
        d->send(
            {QByteArrayLiteral("SCRIPT"), QByteArrayLiteral("LOAD"), script.source},
            [](const Reply &r) {
                if (r.isError() && !Client::isConnectionError(r))
                    qCWarning(lcRedis).noquote() << "SCRIPT LOAD failed:" << QString::fromUtf8(r.text.left(200));
            },
            nullptr);
    }
    QList<QByteArray> evalsha{QByteArrayLiteral("EVALSHA"), script.sha1};
    evalsha += tail;
    // The server forgot the script (SCRIPT FLUSH): EVAL sends it along, and caches it again.
    Private *const p = d;
    QPointer<const QObject> guard(context);
    const bool hasContext = context != nullptr;
    auto retry = [p, source = script.source, tail = std::move(tail), callback, guard, hasContext](const Reply &r) {
        if (!r.isError() || !r.text.startsWith("NOSCRIPT")) {
            if (callback)
                callback(r);
            return;
        }
        if (hasContext && !guard)
            return;
        qCDebug(lcRedis) << "NOSCRIPT: sending the script again";
        QList<QByteArray> eval{QByteArrayLiteral("EVAL"), source};
        eval += tail;
        p->send(eval, callback, guard.data());
    };
    d->send(evalsha, std::move(retry), context);
}

void Client::subscribe(const QByteArray &channel, std::function<void(const QByteArray &payload)> handler)
{
    const bool fresh = !d->handlers.contains(channel);
    d->handlers[channel].append(std::move(handler));
    if (!d->started)
        return;
    if (!d->subscriber) {
        d->ensureSubscriber(); // subscribes to every channel once connected
        return;
    }
    if (fresh && d->subscriber->state() == Connection::State::Open)
        d->subscriber->write(encode({QByteArrayLiteral("SUBSCRIBE"), channel}));
}

} // namespace obleth::redis
