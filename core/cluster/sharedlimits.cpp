#include "sharedlimits.h"

#include "platform/logging.h"
#include "sharedscripts.h"

namespace obleth::cluster {

namespace {
const QByteArray kKeyPrefix = QByteArrayLiteral("obleth:");
const QByteArray kInstancesKey = QByteArrayLiteral("obleth:instances");
const QByteArray kReleasedChannel = QByteArrayLiteral("obleth:released");

const redis::Script &acquireScript()
{
    static const redis::Script script(scripts::acquireSource());
    return script;
}
const redis::Script &renewScript()
{
    static const redis::Script script(scripts::renewSource());
    return script;
}
const redis::Script &releaseScript()
{
    static const redis::Script script(scripts::releaseSource());
    return script;
}
const redis::Script &tokensScript()
{
    static const redis::Script script(scripts::tokensSource());
    return script;
}
const redis::Script &heartbeatScript()
{
    static const redis::Script script(scripts::heartbeatSource());
    return script;
}

QByteArray number(qint64 n)
{
    return QByteArray::number(n);
}
} // namespace

RedisSharedLimits::RedisSharedLimits(const redis::Endpoint &endpoint, QString instanceId, QObject *parent)
    : RedisSharedLimits(endpoint, std::move(instanceId), Options(), parent)
{ }

RedisSharedLimits::RedisSharedLimits(const redis::Endpoint &endpoint, QString instanceId, Options options,
                                     QObject *parent)
    : admission::SharedLimits(parent)
    , m_client(endpoint)
    , m_instanceId(std::move(instanceId))
    , m_options(options)
{
    m_client.setCommandTimeoutMs(m_options.commandTimeoutMs);
    connect(&m_client, &redis::Client::connected, this, &RedisSharedLimits::heartbeat);
    connect(&m_client, &redis::Client::disconnected, this, [this](const QString &why) { lost(why); });
    m_renewal.setInterval(std::max(m_options.leaseTtlMs / 3, 1));
    connect(&m_renewal, &QTimer::timeout, this, &RedisSharedLimits::renew);
    m_heartbeat.setInterval(std::max(m_options.heartbeatMs, 1));
    connect(&m_heartbeat, &QTimer::timeout, this, &RedisSharedLimits::heartbeat);
}

RedisSharedLimits::~RedisSharedLimits() = default;

void RedisSharedLimits::start()
{
    m_client.subscribe(kReleasedChannel, [this](const QByteArray &) { Q_EMIT freed(); });
    m_client.start();
    m_renewal.start();
    m_heartbeat.start();
}

void RedisSharedLimits::freeze()
{
    m_renewal.stop();
    m_heartbeat.stop();
}

QByteArray RedisSharedLimits::leaseKey(const QByteArray &limit)
{
    return kKeyPrefix + "lease:" + limit;
}

QByteArray RedisSharedLimits::newLeaseId()
{
    return m_instanceId.toUtf8() + ':' + number(qint64(m_nextLease++));
}

void RedisSharedLimits::acquire(const QByteArray &lease, const QList<Limit> &limits, AcquireDone done)
{
    if (!m_available) { // never from inside the call
        QMetaObject::invokeMethod(
            this, [done = std::move(done)] { done(Outcome::Unavailable, -1); }, Qt::QueuedConnection);
        return;
    }
    QList<QByteArray> keys;
    for (const char *part : {"lease:", "waiting:", "waiting-until:"}) {
        for (const Limit &limit : limits)
            keys.append(kKeyPrefix + part + limit.name);
    }
    QList<QByteArray> args{lease, number(m_options.leaseTtlMs), number(m_options.waitTtlMs), kReleasedChannel};
    for (const Limit &limit : limits)
        args.append(number(limit.max));
    m_client.eval(
        acquireScript(), keys, args,
        [this, lease, keys, done = std::move(done)](const redis::Reply &reply) {
            if (reply.isError() || reply.type != redis::Reply::Type::Integer) {
                lost(QStringLiteral("taking a lease failed: %1").arg(QString::fromUtf8(reply.text)));
                return done(Outcome::Unavailable, -1);
            }
            // Held, it is renewed until given back; waiting, it gives its place up when given back.
            if (m_available)
                m_leases.insert(lease, Lease{keys, reply.integer == 0});
            if (reply.integer != 0)
                return done(Outcome::Full, int(reply.integer) - 1);
            done(Outcome::Granted, -1);
        },
        this);
}

void RedisSharedLimits::release(const QByteArray &lease)
{
    const auto it = m_leases.find(lease);
    if (it == m_leases.end())
        return;
    const QList<QByteArray> keys = it->keys;
    m_leases.erase(it);
    m_client.eval(
        releaseScript(), keys, {lease, kReleasedChannel}, [](const redis::Reply &) {}, this);
}

int RedisSharedLimits::leasesHeld() const
{
    int held = 0;
    for (const Lease &lease : m_leases)
        held += lease.held ? 1 : 0;
    return held;
}

void RedisSharedLimits::renew()
{
    if (!m_available || m_leases.isEmpty())
        return;
    QList<QByteArray> keys;
    QList<QByteArray> args{number(m_options.leaseTtlMs)};
    for (auto it = m_leases.cbegin(); it != m_leases.cend(); ++it) {
        if (!it->held)
            continue;
        for (const QByteArray &key : it->keys.first(it->keys.size() / 3)) {
            keys.append(key);
            args.append(it.key());
        }
    }
    if (keys.isEmpty())
        return;
    m_client.eval(
        renewScript(), keys, args,
        [this](const redis::Reply &reply) {
            if (reply.isError())
                lost(QStringLiteral("renewing leases failed: %1").arg(QString::fromUtf8(reply.text)));
        },
        this);
}

void RedisSharedLimits::reserveTokens(const QString &tenant, qint64 perMinute, qint64 estimate,
                                      std::function<void(const TokenReply &reply)> done)
{
    if (!m_available) {
        QMetaObject::invokeMethod(
            this, [done = std::move(done)] { done(TokenReply{}); }, Qt::QueuedConnection);
        return;
    }
    m_client.eval(
        tokensScript(), {kKeyPrefix + "tokens:" + tenant.toUtf8()}, {number(perMinute), "reserve", number(estimate)},
        [this, estimate, done = std::move(done)](const redis::Reply &reply) {
            TokenReply answer;
            if (reply.isError() || reply.type != redis::Reply::Type::Array || reply.elements.size() != 2) {
                lost(QStringLiteral("reserving tokens failed: %1").arg(QString::fromUtf8(reply.text)));
                return done(answer);
            }
            if (reply.elements.at(0).integer == 1) {
                answer.outcome = Outcome::Granted;
                answer.reserved = estimate;
            } else {
                answer.outcome = Outcome::Full;
                answer.retryAfterSecs = int(reply.elements.at(1).integer);
            }
            done(answer);
        },
        this);
}

void RedisSharedLimits::settleTokens(const QString &tenant, qint64 perMinute, qint64 reserved, qint64 used)
{
    if (!m_available || reserved == used)
        return;
    m_client.eval(
        tokensScript(), {kKeyPrefix + "tokens:" + tenant.toUtf8()},
        {number(perMinute), "settle", number(reserved - used)}, [](const redis::Reply &) {}, this);
}

int RedisSharedLimits::liveInstances() const
{
    return std::max(m_liveInstances, m_seenElsewhere ? m_seenElsewhere() : 1);
}

void RedisSharedLimits::heartbeat()
{
    if (const int live = liveInstances(); live != m_liveInstancesTold) {
        m_liveInstancesTold = live;
        Q_EMIT liveInstancesChanged();
    }
    if (!m_client.isConnected())
        return;
    // An instance is gone after three heartbeats missed.
    m_client.eval(
        heartbeatScript(), {kInstancesKey}, {m_instanceId.toUtf8(), number(qint64(m_options.heartbeatMs) * 3 + 500)},
        [this](const redis::Reply &reply) {
            if (reply.isError() || reply.type != redis::Reply::Type::Integer) {
                lost(QStringLiteral("the heartbeat failed: %1").arg(QString::fromUtf8(reply.text)));
                return;
            }
            m_liveInstances = int(std::max<qint64>(reply.integer, 1));
            setAvailable(true);
        },
        this);
}

void RedisSharedLimits::lost(const QString &why)
{
    if (m_available)
        setAvailable(false, why);
    else if (!m_everConnected && !why.isEmpty())
        qCDebug(lcCluster).noquote() << "Redis not reachable yet:" << why;
}

void RedisSharedLimits::setAvailable(bool available, const QString &why)
{
    if (available == m_available)
        return;
    m_available = available;
    if (available) {
        qCInfo(lcCluster).noquote() << (m_everConnected ? "Redis is reachable again" : "Redis is reachable")
                                    << "- admission limits are shared by" << m_liveInstances << "live instance(s)";
        m_everConnected = true;
    } else {
        // Those leases expire in Redis within the TTL; requests admitted from now on until Redis is back hold none.
        m_leases.clear();
        qCWarning(lcCluster).noquote() << QStringLiteral("Redis is unreachable (%1) - admitting on local limits: "
                                                         "capacity ÷ %2 live instance(s), the last known")
                                              .arg(why)
                                              .arg(liveInstances());
    }
    Q_EMIT availabilityChanged(available);
}

void RedisSharedLimits::describe(model::ClusterState *state) const
{
    state->redis = m_available ? QStringLiteral("connected") : QStringLiteral("unreachable");
    state->liveInstances = std::max(state->liveInstances, liveInstances());
}

} // namespace obleth::cluster
