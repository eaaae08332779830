#pragma once

#include "model/clusterstate.h"
#include "model/configsnapshot.h"
#include "model/deploymenthealth.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace obleth::status {
class EventFeed;
}

namespace obleth::alerts {

/// The alerts of contract section 12, made of what the gateway reports and of what it watches on its own, and
/// published on the EventFeed as {"event", "time", "message", "details"} under the alert's name:
///  - deployment_down / deployment_up: a deployment turned unhealthy / turned healthy again after being down;
///  - model_unavailable: a request for a model found nothing to answer it;
///  - tenant_rate_limited: a tenant's request was refused with 429 (the first in a minute);
///  - key_expiring: an enabled key's expires_at is 7 days, then 1 day away (each once per key in this process);
///  - queue_saturated: the admission queue held more than half of max_queue_length for 10 s (again only after it
///    fell back to half or less);
///  - database_down / database_up: the shared database became unreachable (the data plane serves from the last
///    snapshot, log rows wait in a buffer) / reachable again (contract section 15);
///  - redis_down / redis_up: Redis became unreachable (admission on local limits) / reachable again.
/// Alerts of one kind are told at most once a minute per subject (deployment, model, tenant, key). Details hold ids,
/// names and numbers, never a secret (no key, no webhook URL, no api_base). Lives in the gateway thread.
class AlertCenter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertCenter)

public:
    using Clock = std::function<QDateTime()>;
    /// Where it reads what it watches; both are called on its thread.
    struct Sources
    {
        std::function<std::shared_ptr<const model::ConfigSnapshot>()> snapshot;
        std::function<int()> queued; ///< requests waiting in the admission queue now
    };

    static constexpr qint64 kPerSubjectIntervalMs = 60'000; ///< one alert of a kind a minute per subject
    static constexpr qint64 kSaturatedForMs = 10'000; ///< queue_saturated after this long over half the bound
    static constexpr int kQueueSampleMs = 1'000;
    static constexpr int kKeyCheckMs = 10 * 60'000;

    /// Hears @p feed's facts and publishes on it. Call start() for the timers (tests call the checks themselves).
    AlertCenter(status::EventFeed *feed, Sources sources, QObject *parent = nullptr);

    /// Every alert name, as the event stream, the webhook's "events" setting and the GUI know them.
    [[nodiscard]] static const QStringList &names();
    /// True for @p type that is an alert (not a request or health event).
    [[nodiscard]] static bool isAlert(const QString &type) { return names().contains(type); }

    /// The clock alerts are stamped and rate-limited with (UTC); the system's unless a test sets its own.
    void setClock(Clock clock) { m_clock = std::move(clock); }
    /// Where the cluster's state is read (the database's and Redis's reachability), sampled with the queue; none: no
    /// database_* or redis_* alert.
    void setClusterSource(std::function<model::ClusterState()> cluster) { m_cluster = std::move(cluster); }
    /// Starts sampling the queue (and the cluster's state) every second and checking the keys every ten minutes.
    void start();

    /// key_expiring for each enabled key within 7 days (or 1 day) of its expires_at that was not told yet. Runs on
    /// the timer and should run on each configuration change.
    void checkKeys();
    /// One sample of the admission queue for queue_saturated.
    void sampleQueue();
    /// One sample of the cluster's state for database_down/up and redis_down/up.
    void sampleCluster();

    void onHealthChanged(const model::DeploymentHealth &health, model::HealthState previous);
    void onModelUnavailable(const QString &model, int retryAfterSecs);
    void onRateLimited(const QString &tenantId, const QString &tenantName, const QString &reason);

private:
    /// Publishes alert @p name about @p subject unless one of its kind about that subject went out within the
    /// minute; returns whether it did.
    bool raise(const QString &name, const QString &subject, const QString &message, const QJsonObject &details);
    [[nodiscard]] QDateTime now() const { return m_clock ? m_clock().toUTC() : QDateTime::currentDateTimeUtc(); }

    status::EventFeed *m_feed;
    Sources m_sources;
    Clock m_clock;
    QTimer m_queueTimer{this};
    QTimer m_keyTimer{this};
    QHash<QString, QDateTime> m_lastTold; ///< kind and subject -> when it was last told
    QSet<QString> m_down; ///< deployments told down and not healthy since ("model id/deployment id")
    QSet<QString> m_keysTold; ///< key id, threshold and expires_at of each key_expiring told
    std::optional<QDateTime> m_saturatedSince; ///< since when the queue is over half its bound
    bool m_saturatedTold = false;
    std::function<model::ClusterState()> m_cluster;
    bool m_databaseDown = false; ///< told database_down, and not database_up since
    bool m_redisDown = false; ///< told redis_down, and not redis_up since
};

} // namespace obleth::alerts
