#include "alertcenter.h"

#include "config/settingsservice.h"
#include "platform/logging.h"
#include "status/eventfeed.h"

namespace obleth::alerts {

namespace {
const QString kDeploymentDown = QStringLiteral("deployment_down");
const QString kDeploymentUp = QStringLiteral("deployment_up");
const QString kModelUnavailable = QStringLiteral("model_unavailable");
const QString kTenantRateLimited = QStringLiteral("tenant_rate_limited");
const QString kKeyExpiring = QStringLiteral("key_expiring");
const QString kQueueSaturated = QStringLiteral("queue_saturated");
const QString kDatabaseDown = QStringLiteral("database_down");
const QString kDatabaseUp = QStringLiteral("database_up");
const QString kRedisDown = QStringLiteral("redis_down");
const QString kRedisUp = QStringLiteral("redis_up");

constexpr qint64 kDaySecs = 24 * 3600;

QString isoTime(const QDateTime &utc)
{
    return utc.toString(Qt::ISODate);
}
} // namespace

AlertCenter::AlertCenter(status::EventFeed *feed, Sources sources, QObject *parent)
    : QObject(parent)
    , m_feed(feed)
    , m_sources(std::move(sources))
{
    connect(feed, &status::EventFeed::healthChanged, this, &AlertCenter::onHealthChanged);
    connect(feed, &status::EventFeed::modelUnavailable, this, &AlertCenter::onModelUnavailable);
    connect(feed, &status::EventFeed::rateLimited, this, &AlertCenter::onRateLimited);
    m_queueTimer.setInterval(kQueueSampleMs);
    connect(&m_queueTimer, &QTimer::timeout, this, &AlertCenter::sampleQueue);
    connect(&m_queueTimer, &QTimer::timeout, this, &AlertCenter::sampleCluster);
    m_keyTimer.setInterval(kKeyCheckMs);
    connect(&m_keyTimer, &QTimer::timeout, this, &AlertCenter::checkKeys);
}

const QStringList &AlertCenter::names()
{
    return config::SettingsService::alertNames(); // the one list, which the settings check "events" against
}

void AlertCenter::start()
{
    m_queueTimer.start();
    m_keyTimer.start();
    checkKeys();
}

bool AlertCenter::raise(const QString &name, const QString &subject, const QString &message, const QJsonObject &details)
{
    const QDateTime at = now();
    const QString kindAndSubject = name + QLatin1Char('\n') + subject;
    const auto last = m_lastTold.constFind(kindAndSubject);
    if (last != m_lastTold.cend() && last->msecsTo(at) < kPerSubjectIntervalMs && last->msecsTo(at) >= 0) {
        qCDebug(lcAlerts).noquote() << name << "about" << subject << "held back: one a minute";
        return false;
    }
    if (m_lastTold.size() > 4096) {
        // Forget what can no longer hold anything back, so that many subjects do not pile up.
        for (auto it = m_lastTold.begin(); it != m_lastTold.end();)
            it = it->msecsTo(at) >= kPerSubjectIntervalMs ? m_lastTold.erase(it) : std::next(it);
    }
    m_lastTold.insert(kindAndSubject, at);
    qCInfo(lcAlerts).noquote() << name << "-" << message;
    m_feed->publish(name,
                    QJsonObject{{QStringLiteral("event"), name},
                                {QStringLiteral("time"), isoTime(at)},
                                {QStringLiteral("message"), message},
                                {QStringLiteral("details"), details}});
    return true;
}

void AlertCenter::onHealthChanged(const model::DeploymentHealth &health, model::HealthState previous)
{
    const QString subject = health.modelId + QLatin1Char('/') + health.deploymentId;
    const QString modelName = health.modelName.isEmpty() ? health.modelId : health.modelName;
    QJsonObject details{{QStringLiteral("model_id"), health.modelId},
                        {QStringLiteral("model"), modelName},
                        {QStringLiteral("deployment_id"), health.deploymentId},
                        {QStringLiteral("state"), model::healthStateName(health.state)},
                        {QStringLiteral("previous_state"), model::healthStateName(previous)},
                        {QStringLiteral("consecutive_failures"), health.consecutiveFailures}};
    if (health.state == model::HealthState::Unhealthy) {
        if (m_down.contains(subject))
            return; // still down (a probe failed again): told already
        m_down.insert(subject);
        if (!health.lastError.isEmpty())
            details.insert(QStringLiteral("last_error"), health.lastError);
        raise(kDeploymentDown, subject,
              QStringLiteral("deployment %1 of model %2 is down after %3 failures in a row")
                  .arg(health.deploymentId, modelName)
                  .arg(health.consecutiveFailures),
              details);
    } else if (health.state == model::HealthState::Healthy && m_down.remove(subject)) {
        raise(kDeploymentUp, subject,
              QStringLiteral("deployment %1 of model %2 is healthy again").arg(health.deploymentId, modelName),
              details);
    }
}

void AlertCenter::onModelUnavailable(const QString &model, int retryAfterSecs)
{
    raise(kModelUnavailable, model,
          QStringLiteral("model %1 is unavailable: no deployment or fallback could answer").arg(model),
          QJsonObject{{QStringLiteral("model"), model}, {QStringLiteral("retry_after_secs"), retryAfterSecs}});
}

void AlertCenter::onRateLimited(const QString &tenantId, const QString &tenantName, const QString &reason)
{
    const QString shown = tenantName.isEmpty() ? tenantId : tenantName;
    raise(kTenantRateLimited, tenantId, QStringLiteral("tenant %1 is being rate limited (429)").arg(shown),
          QJsonObject{{QStringLiteral("tenant_id"), tenantId},
                      {QStringLiteral("tenant"), tenantName},
                      {QStringLiteral("reason"), reason}});
}

void AlertCenter::checkKeys()
{
    if (!m_sources.snapshot)
        return;
    const std::shared_ptr<const model::ConfigSnapshot> snapshot = m_sources.snapshot();
    if (!snapshot)
        return;
    const QDateTime at = now();
    for (const model::ApiKey &key : snapshot->keys) {
        if (key.disabled || !key.expiresAt)
            continue;
        const qint64 left = at.secsTo(*key.expiresAt);
        if (left <= 0 || left > 7 * kDaySecs)
            continue;
        const int days = left <= kDaySecs ? 1 : 7;
        const QString expires = isoTime(key.expiresAt->toUTC());
        auto told = [&](int threshold) {
            return m_keysTold.contains(key.id + QLatin1Char('/') + QString::number(threshold) + QLatin1Char('/')
                                       + expires);
        };
        if (told(days))
            continue;
        const model::Tenant *tenant = snapshot->findTenant(key.tenantId);
        const QString keyName = key.name.isEmpty() ? key.keyPrefix + QStringLiteral("...") : key.name;
        const QString message = days == 1
            ? QStringLiteral("API key %1 (%2...) expires within a day, at %3").arg(keyName, key.keyPrefix, expires)
            : QStringLiteral("API key %1 (%2...) expires within 7 days, at %3").arg(keyName, key.keyPrefix, expires);
        const QJsonObject details{{QStringLiteral("key_id"), key.id},
                                  {QStringLiteral("key_prefix"), key.keyPrefix},
                                  {QStringLiteral("key_name"), key.name},
                                  {QStringLiteral("tenant_id"), key.tenantId},
                                  {QStringLiteral("tenant"), tenant ? tenant->name : QString()},
                                  {QStringLiteral("expires_at"), expires},
                                  {QStringLiteral("days"), days}};
        if (raise(kKeyExpiring, key.id, message, details)) {
            // Told the nearer threshold: the farther one is not told afterwards.
            for (const int threshold : {days, 7})
                m_keysTold.insert(key.id + QLatin1Char('/') + QString::number(threshold) + QLatin1Char('/') + expires);
        }
    }
}

void AlertCenter::sampleQueue()
{
    if (!m_sources.queued || !m_sources.snapshot)
        return;
    const std::shared_ptr<const model::ConfigSnapshot> snapshot = m_sources.snapshot();
    if (!snapshot)
        return;
    const qint64 bound = snapshot->admission.maxQueueLength;
    const int queued = m_sources.queued();
    const QDateTime at = now();
    if (bound <= 0 || qint64(queued) * 2 <= bound) {
        m_saturatedSince.reset();
        m_saturatedTold = false;
        return;
    }
    if (!m_saturatedSince) {
        m_saturatedSince = at;
        return;
    }
    const qint64 overMs = m_saturatedSince->msecsTo(at);
    if (m_saturatedTold || overMs < kSaturatedForMs)
        return;
    m_saturatedTold = raise(kQueueSaturated, QStringLiteral("admission"),
                            QStringLiteral("the admission queue holds %1 requests, over half its bound of %2, for "
                                           "%3 s")
                                .arg(queued)
                                .arg(bound)
                                .arg(overMs / 1000),
                            QJsonObject{{QStringLiteral("queued"), queued},
                                        {QStringLiteral("max_queue_length"), bound},
                                        {QStringLiteral("over_half_for_secs"), overMs / 1000}});
}

void AlertCenter::sampleCluster()
{
    if (!m_cluster)
        return;
    const model::ClusterState cluster = m_cluster();
    // Names and numbers only: never the database's or Redis's URL (either may hold a password).
    if (cluster.databaseReachable == m_databaseDown) {
        m_databaseDown = !cluster.databaseReachable;
        const QJsonObject details{{QStringLiteral("instance_id"), cluster.instanceId},
                                  {QStringLiteral("database"), cluster.database},
                                  {QStringLiteral("log_rows_buffered"), double(cluster.logRowsBuffered)},
                                  {QStringLiteral("log_rows_dropped"), double(cluster.logRowsDropped)}};
        if (m_databaseDown) {
            raise(kDatabaseDown, QStringLiteral("database"),
                  QStringLiteral("the %1 database cannot be reached: serving from the last configuration, request "
                                 "log rows wait in a buffer")
                      .arg(cluster.database),
                  details);
        } else {
            raise(kDatabaseUp, QStringLiteral("database"),
                  QStringLiteral("the %1 database can be reached again (%2 request log rows dropped meanwhile)")
                      .arg(cluster.database)
                      .arg(cluster.logRowsDropped),
                  details);
        }
    }
    const bool redisDown = cluster.redis == QLatin1String("unreachable");
    if (redisDown != m_redisDown && (redisDown || cluster.redis == QLatin1String("connected"))) {
        m_redisDown = redisDown;
        const QJsonObject details{{QStringLiteral("instance_id"), cluster.instanceId},
                                  {QStringLiteral("local_capacity"), cluster.localCapacity},
                                  {QStringLiteral("live_instances"), cluster.liveInstances}};
        if (redisDown) {
            raise(kRedisDown, QStringLiteral("redis"),
                  QStringLiteral("Redis cannot be reached: admitting on local limits (%1 permits, the capacity "
                                 "shared by %2 live instances)")
                      .arg(cluster.localCapacity)
                      .arg(cluster.liveInstances),
                  details);
        } else {
            raise(kRedisUp, QStringLiteral("redis"),
                  QStringLiteral("Redis can be reached again: limits are shared across instances again"), details);
        }
    }
}

} // namespace obleth::alerts
