#pragma once

#include "model/clusterstate.h"

#include <QDateTime>
#include <QMutex>
#include <QObject>
#include <QSqlDatabase>
#include <QTimer>

#include <functional>

namespace obleth::cluster {

/// This instance among the others on the shared database (contract section 15): an id made at start (a UUID), a
/// heartbeat row in the instances table (host, pid, started, last heartbeat) written every heartbeatMs, rows not
/// heard of for pruneAfterMs deleted, and the instances seen, newest heartbeat first; live are those heard of within
/// liveWithinMs (this one always). On SQLite (one machine, one instance) nothing is written: it lists itself alone.
/// Its own row is deleted when it stops cleanly. Writes on a connection of its own; with PostgreSQL it lives on the
/// cluster worker's thread (ClusterWorker), and what it reports (instances(), liveInstances(), report()) may be read
/// from any thread.
class InstanceRegistry final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstanceRegistry)

public:
    struct Options
    {
        int heartbeatMs = 2'000;
        qint64 liveWithinMs = 10'000;
        qint64 pruneAfterMs = 60'000;
        int maxRetryMs = 30'000; ///< a lost database is tried again with back-off up to this
    };
    using Clock = std::function<QDateTime()>;

    /// Writes with the parameters of @p like (cloned when it is PostgreSQL's; a SQLite one is not used).
    InstanceRegistry(const QSqlDatabase &like, Options options, QObject *parent = nullptr);
    explicit InstanceRegistry(const QSqlDatabase &like, QObject *parent = nullptr)
        : InstanceRegistry(like, Options(), parent)
    { }
    ~InstanceRegistry() override;

    /// The clock of the heartbeats (UTC); the system's unless a test sets its own.
    void setClock(Clock clock) { m_clock = std::move(clock); }

    /// Writes the first heartbeat and starts the timer.
    void start();
    /// Deletes this instance's row (a clean shutdown) and stops the heartbeats.
    void stop();
    /// One heartbeat now: writes this instance's row, deletes the stale ones, reads them all.
    void beat();

    [[nodiscard]] const QString &instanceId() const noexcept { return m_self.id; }
    [[nodiscard]] bool shared() const noexcept { return m_shared; }
    /// The instances seen, newest heartbeat first, this one marked self (and listed even while the database is away).
    [[nodiscard]] QList<model::InstanceInfo> instances() const;
    /// The instances heard of within liveWithinMs of the last read, this one included: at least 1 (while the database
    /// is away, as last known).
    [[nodiscard]] int liveInstances() const;
    /// Fills instanceId, instances and liveInstances of @p state.
    void report(model::ClusterState *state) const;

private:
    [[nodiscard]] QDateTime now() const { return m_clock ? m_clock().toUTC() : QDateTime::currentDateTimeUtc(); }
    bool open(QString *error);
    void failed(const QString &error);

    Options m_options;
    QString m_connectionName;
    bool m_shared = false; ///< PostgreSQL: rows are written and read
    mutable QMutex m_mutex; ///< guards m_self's heartbeat, m_seen and m_readAt for the readers of other threads
    model::InstanceInfo m_self;
    QList<model::InstanceInfo> m_seen; ///< as last read, without this one
    Clock m_clock;
    QTimer m_timer{this};
    bool m_reachable = true;
    int m_retryMs = 0;
    QDateTime m_nextTry; ///< while the database is away: when it is tried again
    QDateTime m_readAt; ///< when the rows were last read
};

} // namespace obleth::cluster
