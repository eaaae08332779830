#pragma once

#include "admission/sharedlimits.h"
#include "model/clusterstate.h"
#include "redis/redisclient.h"

#include <QHash>
#include <QTimer>

namespace obleth::cluster {

/// Admission limits shared through Redis (contract section 15), for admission::Admission: each limit is a sorted set
/// of leases (member: the lease id, score: its expiry on Redis's clock), taken, renewed and given back by atomic Lua
/// scripts (sharedscripts.h); tenants' token budgets are hashes refilled by a script; a lease given back is published
/// so that waiting instances try again at once. This instance's leases are renewed every TTL ÷ 3 while held, so
/// those of an instance that dies expire within the TTL. A heartbeat in Redis tells how many instances are alive.
///
/// When Redis cannot be reached (or answers an error), it says so once in the log and isAvailable() turns false:
/// admission then admits on its local share, and the leases held are forgotten here (they expire in Redis). When
/// Redis is back (its heartbeat answered), limits are shared again.
class RedisSharedLimits final : public admission::SharedLimits
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisSharedLimits)

public:
    struct Options
    {
        int leaseTtlMs = 10'000; ///< contract section 15: 10 s
        int heartbeatMs = 2'000;
        int commandTimeoutMs = 1'000; ///< a Redis that does not answer within this counts as unreachable
        /// A request waiting for a full limit keeps its place in the limit's queue this long without asking again
        /// (Admission asks every 200 ms, and whenever a lease is given back).
        int waitTtlMs = 2'000;
    };
    /// @p instanceId: this instance's, unique among them (in lease ids and the heartbeat).
    RedisSharedLimits(const redis::Endpoint &endpoint, QString instanceId, Options options, QObject *parent = nullptr);
    RedisSharedLimits(const redis::Endpoint &endpoint, QString instanceId, QObject *parent = nullptr);
    /// Gives nothing back: this instance's leases expire in Redis within the TTL (as a dead instance's would).
    ~RedisSharedLimits() override;

    /// Connects to Redis (and keeps reconnecting while it is away).
    void start();

    [[nodiscard]] QByteArray newLeaseId() override;
    void acquire(const QByteArray &lease, const QList<Limit> &limits, AcquireDone done) override;
    void release(const QByteArray &lease) override;
    void reserveTokens(const QString &tenant, qint64 perMinute, qint64 estimate,
                       std::function<void(const TokenReply &reply)> done) override;
    void settleTokens(const QString &tenant, qint64 perMinute, qint64 reserved, qint64 used) override;
    [[nodiscard]] bool isAvailable() const override { return m_available; }
    /// The live instances Redis last told, or more when the shared database knows more (an instance that starts
    /// while Redis is away has never heard Redis's count).
    [[nodiscard]] int liveInstances() const override;
    /// Where the shared database's count of live instances comes from (the instance registry): read by
    /// liveInstances(), and on each heartbeat to tell liveInstancesChanged().
    void setInstancesSeenElsewhere(std::function<int()> count) { m_seenElsewhere = std::move(count); }

    /// Its part of the status (contract section 15): redis "connected" or "unreachable", and the live instances
    /// (last known); the local capacity is Admission::localCapacity().
    void describe(model::ClusterState *state) const;
    /// Leases held by this instance now.
    [[nodiscard]] int leasesHeld() const;
    /// Stops renewing leases and the heartbeat, as a hung instance would (tests).
    void freeze();

private:
    void heartbeat();
    void renew();
    /// A command failed: Redis counts as unreachable until the next heartbeat is answered.
    void lost(const QString &why);
    void setAvailable(bool available, const QString &why = {});
    [[nodiscard]] static QByteArray leaseKey(const QByteArray &limit);

    redis::Client m_client;
    QString m_instanceId;
    Options m_options;
    bool m_available = false;
    bool m_everConnected = false;
    int m_liveInstances = 1; ///< as Redis last told
    std::function<int()> m_seenElsewhere;
    int m_liveInstancesTold = 1; ///< liveInstances() when liveInstancesChanged() was last emitted
    quint64 m_nextLease = 1;
    struct Lease
    {
        QList<QByteArray> keys; ///< its limits' held sets, then their queues, then the queues' expiries
        bool held = false; ///< else waiting in a queue
    };
    QHash<QByteArray, Lease> m_leases; ///< held or waiting, by lease id
    QTimer m_renewal;
    QTimer m_heartbeat;
};

} // namespace obleth::cluster
