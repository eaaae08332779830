#include "gateway.h"

#include "admin/adminapi.h"
#include "admin/entityjson.h"
#include "admission/admission.h"
#include "alerts/alertcenter.h"
#include "alerts/webhooksender.h"
#include "cache/responsecache.h"
#include "cluster/clusterworker.h"
#include "cluster/configwatcher.h"
#include "cluster/instanceregistry.h"
#include "cluster/shareddeploymentload.h"
#include "cluster/sharedhealth.h"
#include "cluster/sharedlimits.h"
#include "config/admintoken.h"
#include "config/configservices.h"
#include "dataplane/dataplane.h"
#include "http/httpserver.h"
#include "http/tlsconfig.h"
#include "mcp/mcpgateway.h"
#include "metrics/metrics.h"
#include "mock/mockbackend.h"
#include "openai/error.h"
#include "platform/logging.h"
#include "proxy/upstreamclient.h"
#include "routing/healthboard.h"
#include "routing/healthchecker.h"
#include "status/eventfeed.h"
#include "status/liveview.h"
#include "store/database.h"
#include "store/requestlog.h"
#include "store/secretcipher.h"
#include "usage/requesthistory.h"
#include "usage/requestmonitor.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSysInfo>
#include <QTimer>

namespace obleth::gateway {

namespace {
/// Creates the data folder private to the user (0700; the per-user app-data folder on Windows is private
/// already). An existing folder is left as it is, since it may have been shared on purpose, with a warning when
/// other users can look into it: obleth's own files in it are private either way (0600).
bool prepareDataDir(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner;
        if (!QDir().mkpath(info.absolutePath()) || !QDir().mkdir(path, ownerOnly)) {
            *error = QStringLiteral("cannot create the data directory %1").arg(path);
            return false;
        }
        return true;
    }
    if (!info.isDir()) {
        *error = QStringLiteral("the data directory %1 is not a directory").arg(path);
        return false;
    }
#ifdef Q_OS_UNIX
    const auto others = QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther;
    if (info.permissions() & others) {
        qCWarning(lcGateway).noquote() << "the data directory" << path
                                       << "can be listed by other users; obleth's files in it are private, but"
                                          " `chmod 700` it unless it is shared on purpose";
    }
#endif
    return true;
}

/// Where the database is (contract section 15): the data folder's obleth.db, unless --database names a SQLite file
/// (sqlite:PATH) or a PostgreSQL database (postgresql://...).
QString databaseLocation(const GatewayOptions &options)
{
    const QString &url = options.databaseUrl;
    if (url.startsWith(QLatin1String("sqlite:")))
        return url.mid(int(qstrlen("sqlite:")));
    if (!url.isEmpty())
        return url;
    return QDir(options.dataDir).filePath(QStringLiteral("obleth.db"));
}

/// The database's part of the cluster state (contract section 15): which engine, whether it answers, and the
/// request log rows waiting for it or dropped. Read from any thread (the log's figures are atomic).
void fillDatabaseState(model::ClusterState *state, bool postgres, const store::RequestLog &log)
{
    state->database = postgres ? QStringLiteral("postgresql") : QStringLiteral("sqlite");
    state->databaseReachable = log.databaseReachable();
    state->logRowsBuffered = log.rowsBuffered();
    state->logRowsDropped = log.rowsDropped();
}
} // namespace

struct Gateway::Parts
{
    store::Database database;
    std::unique_ptr<config::ConfigServices> config;
    std::unique_ptr<store::RequestLog> requestLog;
    std::unique_ptr<usage::RequestHistory> history;
    std::unique_ptr<usage::RequestMonitor> monitor;
    metrics::Metrics metrics;
    status::EventFeed events;
    std::unique_ptr<cache::ResponseCache> cache;
    std::unique_ptr<proxy::UpstreamClient> upstream;
    routing::HealthBoard health; ///< outlives the data plane and its answers, which count tries on it
    std::unique_ptr<routing::HealthChecker> healthChecker;
    std::unique_ptr<mock::MockBackend> mock;
    std::unique_ptr<cluster::RedisSharedLimits> sharedLimits; ///< with --redis; outlives admission
    std::unique_ptr<cluster::SharedHealth> sharedHealth; ///< with --redis; goes before the health board
    std::unique_ptr<cluster::SharedDeploymentLoad> sharedLoad; ///< with --redis; goes before the health board
    std::unique_ptr<admission::Admission> admission;
    std::unique_ptr<mcp::McpGateway> mcp;
    std::unique_ptr<alerts::AlertCenter> alerts;
    std::unique_ptr<alerts::WebhookSender> webhook;
    std::unique_ptr<dataplane::DataPlane> dataPlane;
    std::unique_ptr<admin::AdminApi> adminApi;
    std::unique_ptr<http::HttpServer> dataServer;
    std::unique_ptr<http::HttpServer> adminServer;
    // Several instances on one database (contract section 15): see startCluster(). The registry and the watcher live
    // on the worker's thread (with PostgreSQL), which goes first.
    std::unique_ptr<cluster::ClusterWorker> clusterWorker;
    cluster::InstanceRegistry *instances = nullptr;
    std::unique_ptr<cluster::InstanceRegistry> loneInstance; ///< SQLite: the registry that lists this one alone
};

Gateway::Gateway(GatewayOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{ }

Gateway::~Gateway()
{
    // Servers first (they reference the handlers), then handlers, then the store.
    if (m_parts) {
        m_parts->dataServer.reset();
        m_parts->adminServer.reset();
    }
}

config::LiveConfig *Gateway::liveConfig() const
{
    return m_parts && m_parts->config ? &m_parts->config->live : nullptr;
}

QJsonObject Gateway::liveView() const
{
    if (!m_parts || !m_parts->config)
        return {};
    return status::liveView(*m_parts->config->live.snapshot(), m_status,
                            [](const model::FairShareGroup &group) { return admin::toJson(group); });
}

config::ConfigServices *Gateway::configServices() const
{
    return m_parts ? m_parts->config.get() : nullptr;
}

status::EventFeed *Gateway::eventFeed() const
{
    return m_parts ? &m_parts->events : nullptr;
}

usage::RequestMonitor *Gateway::requestMonitor() const
{
    return m_parts ? m_parts->monitor.get() : nullptr;
}

const usage::RequestHistory *Gateway::requestHistory() const
{
    return m_parts ? m_parts->history.get() : nullptr;
}

void Gateway::start()
{
    auto fail = [this](const QString &error) {
        m_parts.reset();
        Q_EMIT startFailed(error);
    };
    QString error;
    // TLS files first: a mistake in them is found before anything is created in the data folder.
    std::optional<QSslConfiguration> tls;
    if (!m_options.tlsCertFile.isEmpty()) {
        QSslConfiguration loaded;
        if (!http::loadTlsConfiguration(m_options.tlsCertFile, m_options.tlsKeyFile, &loaded, &error))
            return fail(error);
        tls = loaded;
    }
    if (!prepareDataDir(m_options.dataDir, &error))
        return fail(error);

    const QString adminToken = config::AdminToken::resolve(m_options.adminToken, m_options.dataDir, &error);
    if (adminToken.isEmpty())
        return fail(error);

    m_adminToken = adminToken;
    m_parts = std::make_unique<Parts>();
    Parts &p = *m_parts;
    // A PostgreSQL URL has no folder: the key file of the upstream secrets stays in the data folder.
    p.database.setSecretKeyPath(store::SecretCipher::keyFilePath(m_options.dataDir));
    if (!p.database.open(databaseLocation(m_options), &error))
        return fail(error);
    p.config = std::make_unique<config::ConfigServices>(&p.database);
    QString firstKey;
    const bool loaded = [&] {
        // Instances starting at once on an empty shared database: one makes the default tenant and its first key.
        const store::Database::StartupLock startup(&p.database);
        if (!startup.ok()) {
            error = startup.error();
            return false;
        }
        if (!p.config->live.load(&error))
            return false;
        firstKey = p.config->live.bootstrapDefaultTenant(&error);
        return error.isEmpty();
    }();
    if (!loaded)
        return fail(error);
    // From now on configuration writes run on this (the gateway's) thread while it serves: a lock held by another
    // program costs each write at most this bound, then a 503 storage_busy, instead of stalling the data plane.
    if (!p.database.setBusyTimeout(store::Database::kServingBusyTimeoutMs, &error))
        return fail(error);

    p.requestLog = std::make_unique<store::RequestLog>();
    if (!p.requestLog->open(p.database.path(), &error))
        return fail(error);
    p.history = std::make_unique<usage::RequestHistory>(p.requestLog.get());
    p.monitor = std::make_unique<usage::RequestMonitor>();
    store::RequestLog *requestLog = p.requestLog.get();
    p.monitor->setRequestLog(requestLog); // each finished record is handed over to the log, not copied
    metrics::Metrics *metrics = &p.metrics;
    connect(p.monitor.get(), &usage::RequestMonitor::requestFinished, requestLog,
            [metrics](const model::RequestRecord &record) { metrics->count(record); });
    p.cache = std::make_unique<cache::ResponseCache>(m_options.cacheMaxBytes);

    p.upstream = std::make_unique<proxy::UpstreamClient>();
    p.mock = std::make_unique<mock::MockBackend>();
    p.admission = std::make_unique<admission::Admission>(int(p.config->live.snapshot()->capacity));
    admission::Admission *admission = p.admission.get();
    config::LiveConfig *config = &p.config->live;
    admission->applySettings(config->snapshot()->admission); // the queue's bounds (contract section 11)
    connect(config, &config::LiveConfig::changed, admission, [admission, config] {
        const std::shared_ptr<const model::ConfigSnapshot> snapshot = config->snapshot();
        admission->setCapacity(int(snapshot->capacity));
        admission->applySettings(snapshot->admission);
    });
    if (!wireSharedLimits(p, &error))
        return fail(error);
    p.mcp = std::make_unique<mcp::McpGateway>(p.upstream.get());
    startAlerts(p);
    wireHealth(p);
    p.dataPlane = std::make_unique<dataplane::DataPlane>(
        dataplane::DataPlane::Services{config, p.upstream.get(), p.mock.get(), admission, p.monitor.get(),
                                       p.cache.get(), p.mcp.get(), &p.events, &p.health},
        m_options.upstream);
    p.adminApi = std::make_unique<admin::AdminApi>(admin::AdminApi::Services{p.config.get(), &m_status, requestLog,
                                                                             p.monitor.get(), p.cache.get(), &p.metrics,
                                                                             &p.events},
                                                   adminToken);
    p.adminApi->setListenAddress(m_options.adminHost);

    http::ServerOptions dataOptions;
    dataOptions.idleTimeoutMs = m_options.keepAliveTimeoutMs;
    dataOptions.tls = tls;
    http::ServerOptions adminOptions = dataOptions;
    adminOptions.rejection = &openai::rejection;
    dataOptions.rejection = &dataplane::DataPlane::rejection;
    dataOptions.limits.bodyLimitFor = &dataplane::DataPlane::bodyLimitFor;
    adminOptions.limits.maxBodyBytes = admin::AdminApi::kMaxBodyBytes;
    p.dataServer = std::make_unique<http::HttpServer>(p.dataPlane.get(), dataOptions);
    p.adminServer = std::make_unique<http::HttpServer>(p.adminApi.get(), adminOptions);
    if (!p.dataServer->listen(m_options.host, m_options.dataPort, &error)
        || !p.adminServer->listen(m_options.adminHost, m_options.adminPort, &error)) {
        return fail(error);
    }

    startCluster(p);
    m_status.dataUrl = p.dataServer->url();
    m_status.adminUrl = p.adminServer->url();
    m_status.uptime.start();
    http::HttpServer *dataServer = p.dataServer.get();
    m_status.inFlight = [dataServer] { return dataServer->requestsInFlight(); };
    m_status.permitsInUse = [admission] { return admission->inFlight(); };
    m_status.queued = [admission] { return admission->queued(); };
    m_status.admission = admission;
    dataplane::DataPlane *dataPlane = p.dataPlane.get();
    m_status.paused = [dataPlane] { return dataPlane->isPaused(); };
    // What /api/v1/status, /metrics and the alerts show of the cluster (contract section 15), each part filled by its
    // owner.
    const bool postgres = p.database.dialect() == store::Database::Dialect::Postgres;
    const cluster::InstanceRegistry *instances = p.instances;
    m_status.cluster = [postgres, requestLog, instances] {
        model::ClusterState state;
        instances->report(&state); // the instance id, the instances seen, the live ones
        fillDatabaseState(&state, postgres, *requestLog);
        return state;
    };
    if (const cluster::RedisSharedLimits *shared = p.sharedLimits.get()) { // Redis's part of the cluster's state
        m_status.cluster = [before = m_status.cluster, shared, admission] {
            model::ClusterState state = before();
            shared->describe(&state);
            state.localCapacity = admission->localCapacity();
            return state;
        };
    }
    routing::HealthBoard *health = &p.health;
    m_status.deploymentHealth = [health, config](const QString &modelId) {
        QList<model::DeploymentHealth> list;
        const std::shared_ptr<const model::ConfigSnapshot> snapshot = config->snapshot();
        for (const model::ModelConfig &m : snapshot->models) {
            if (modelId.isEmpty() || m.id == modelId)
                list += health->health(m);
        }
        return list;
    };
    qCInfo(lcGateway).noquote() << "listening: data plane on" << m_status.dataUrl << "- Management API on"
                                << m_status.adminUrl;
    Q_EMIT started(m_status.dataUrl, m_status.adminUrl, firstKey);
}

void Gateway::startAlerts(Parts &p)
{
    // Alerts (contract section 12): made of the feed's facts, the keys' expiry and the admission queue, published
    // on the feed, and sent to the webhook of the alert settings.
    config::LiveConfig *config = &p.config->live;
    admission::Admission *admission = p.admission.get();
    auto snapshot = [config] { return config->snapshot(); };
    p.alerts = std::make_unique<alerts::AlertCenter>(
        &p.events, alerts::AlertCenter::Sources{snapshot, [admission] { return admission->queued(); }});
    connect(config, &config::LiveConfig::changed, p.alerts.get(), &alerts::AlertCenter::checkKeys);
    p.alerts->start();
    p.webhook = std::make_unique<alerts::WebhookSender>(p.upstream.get(), snapshot);
    connect(&p.events, &status::EventFeed::published, p.webhook.get(), &alerts::WebhookSender::send);
}

void Gateway::startCluster(Parts &p)
{
    if (p.database.dialect() != store::Database::Dialect::Postgres) {
        // One machine, one instance: the registry lists this one alone, writing nothing.
        p.loneInstance = std::make_unique<cluster::InstanceRegistry>(p.database.connection());
        p.instances = p.loneInstance.get();
        p.instances->start();
        p.alerts->setClusterSource([this] { return m_status.cluster(); });
        shareInstancesSeen(p);
        return;
    }
    // The heartbeat row and the instances seen, and the configuration changes made through other instances
    // (LISTEN/NOTIFY, and the version checked every 5 s), each on a connection of its own, on the cluster worker's
    // thread: a database that hangs holds them up there, not the requests. A change heard of is loaded within a
    // second: LiveConfig publishes the new snapshot and says changed(), as for a local change.
    p.clusterWorker = std::make_unique<cluster::ClusterWorker>();
    const QSqlDatabase like = p.database.connection();
    p.instances = p.clusterWorker->make<cluster::InstanceRegistry>(
        [&like] { return std::make_unique<cluster::InstanceRegistry>(like); });
    config::LiveConfig *config = &p.config->live;
    cluster::ConfigWatcher *watcher = p.clusterWorker->make<cluster::ConfigWatcher>(
        [&like, config] { return std::make_unique<cluster::ConfigWatcher>(like, config->versionReader()); });
    connect(watcher, &cluster::ConfigWatcher::outdated, config, [config] { config->refresh(); });
    cluster::InstanceRegistry *instances = p.instances;
    p.clusterWorker->post([instances, watcher] {
        instances->start();
        watcher->start();
    });
    p.clusterWorker->setLastWords([instances] { instances->stop(); }); // a clean stop: the heartbeat row goes
    // database_down/up and redis_down/up, from the same state as the status shows (m_status.cluster, set in start()).
    p.alerts->setClusterSource([this] { return m_status.cluster(); });
    shareInstancesSeen(p);
}

void Gateway::shareInstancesSeen(Parts &p)
{
    // Redis away from the start: the local share is capacity ÷ the live instances the database knows, not ÷ 1.
    if (cluster::RedisSharedLimits *shared = p.sharedLimits.get()) {
        const cluster::InstanceRegistry *instances = p.instances;
        shared->setInstancesSeenElsewhere([instances] { return instances->liveInstances(); });
    }
}

bool Gateway::wireSharedLimits(Parts &p, QString *error)
{
    // Admission limits shared by the instances on one Redis (contract section 15); without --redis, local only.
    if (m_options.redisUrl.isEmpty())
        return true;
    redis::Endpoint endpoint;
    if (!redis::Endpoint::parse(m_options.redisUrl, &endpoint, error))
        return false;
    const QString instanceId = QStringLiteral("%1-%2-%3")
                                   .arg(QSysInfo::machineHostName())
                                   .arg(QCoreApplication::applicationPid())
                                   .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
    p.sharedLimits = std::make_unique<cluster::RedisSharedLimits>(endpoint, instanceId);
    p.admission->setSharedLimits(p.sharedLimits.get());
    p.sharedLimits->start();
    // Deployments found unhealthy (or healthy again) by one instance are so on every one (wireHealth tells it ours).
    routing::HealthBoard *health = &p.health;
    config::LiveConfig *config = &p.config->live;
    auto adopt = [health, config](const QString &modelId, const QString &deploymentId, model::HealthState state,
                                  const QString &why) {
        const std::shared_ptr<const model::ConfigSnapshot> snapshot = config->snapshot();
        for (const model::ModelConfig &m : snapshot->models) {
            for (const model::Deployment &d : m.deployments) {
                if (m.id != modelId || d.id != deploymentId)
                    continue;
                if (state == model::HealthState::Unhealthy)
                    health->adoptUnhealthy(m, deploymentId, why);
                else
                    health->adoptHealthy(m, deploymentId);
            }
        }
    };
    p.sharedHealth = std::make_unique<cluster::SharedHealth>(endpoint, instanceId, adopt);
    p.sharedHealth->start();
    // Tries in flight on each deployment, counted by every instance (wireHealth tells it ours).
    p.sharedLoad = std::make_unique<cluster::SharedDeploymentLoad>(
        endpoint, instanceId,
        [health](const QHash<QString, int> &elsewhere) { health->setInFlightElsewhere(elsewhere); });
    p.sharedLoad->start();
    qCInfo(lcCluster).noquote() << "admission limits shared through Redis at" << endpoint.display() << "as instance"
                                << instanceId;
    return true;
}

void Gateway::wireHealth(Parts &p)
{
    // Deployments' health (contract section 10): each change of state is an event, and a fact for the alerts.
    status::EventFeed *events = &p.events;
    cluster::SharedHealth *shared = p.sharedHealth.get(); // with --redis: the other instances learn it too
    p.health.setChangeListener([events, shared](const model::DeploymentHealth &now, model::HealthState previous) {
        qCInfo(lcRouting).noquote() << "deployment" << now.deploymentId << "of" << now.modelName << "is now"
                                    << model::healthStateName(now.state)
                                    << QStringLiteral("(was %1)").arg(model::healthStateName(previous));
        QJsonObject data{{QStringLiteral("model_id"), now.modelId},
                         {QStringLiteral("model"), now.modelName},
                         {QStringLiteral("deployment_id"), now.deploymentId},
                         {QStringLiteral("state"), model::healthStateName(now.state)},
                         {QStringLiteral("previous_state"), model::healthStateName(previous)},
                         {QStringLiteral("consecutive_failures"), now.consecutiveFailures}};
        if (!now.lastError.isEmpty())
            data.insert(QStringLiteral("last_error"), now.lastError);
        events->publish(QStringLiteral("deployment_health_changed"), data);
        events->reportHealthChanged(now, previous);
        if (shared)
            shared->changed(now, previous);
    });
    if (cluster::SharedDeploymentLoad *load = p.sharedLoad.get()) {
        p.health.setLoadListener(
            [load](const QString &deploymentId, int inFlight) { load->changed(deploymentId, inFlight); });
    }
    config::LiveConfig *config = &p.config->live;
    routing::HealthBoard *health = &p.health;
    connect(config, &config::LiveConfig::changed, this, [health, config] { health->retain(*config->snapshot()); });
    p.healthChecker = std::make_unique<routing::HealthChecker>(p.upstream.get(), &p.health,
                                                               [config] { return config->snapshot(); });
}

QString Gateway::regenerateAdminToken(QString *error)
{
    if (!m_options.adminToken.isEmpty()) {
        *error = QStringLiteral("the admin token comes from OBLETH_ADMIN_TOKEN; change it there");
        return {};
    }
    if (!m_parts || !m_parts->adminApi) {
        *error = QStringLiteral("the gateway is not running");
        return {};
    }
    const QString token = config::AdminToken::regenerate(m_options.dataDir, error);
    if (token.isEmpty())
        return {};
    m_adminToken = token;
    m_parts->adminApi->setAdminToken(token);
    return token;
}

void Gateway::setPaused(bool paused)
{
    if (m_parts && m_parts->dataPlane)
        m_parts->dataPlane->setPaused(paused);
}

void Gateway::shutdown(int graceMs)
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcGateway) << "stopping: no new connections; requests in flight get" << graceMs << "ms to finish";
    if (!m_parts || !m_parts->dataServer) {
        finishShutdown();
        return;
    }
    // Each listener closes its connections as their answers are written; then the gateway stops.
    auto checkDrained = [this] {
        if (m_parts && m_parts->dataServer->connectionCount() == 0 && m_parts->adminServer->connectionCount() == 0)
            finishShutdown();
    };
    connect(m_parts->dataServer.get(), &http::HttpServer::drained, this, checkDrained);
    connect(m_parts->adminServer.get(), &http::HttpServer::drained, this, checkDrained);
    m_parts->dataServer->stopAccepting();
    m_parts->adminServer->stopAccepting();
    m_parts->monitor->announceClosing(); // live event streams end, so the admin listener can drain
    QTimer::singleShot(graceMs, this, [this] {
        if (m_parts)
            qCWarning(lcGateway) << "stopping with requests still in flight after the grace period";
        finishShutdown();
    });
}

void Gateway::finishShutdown()
{
    if (!m_parts && !m_stopping)
        return;
    if (m_parts) {
        m_parts->dataServer.reset();
        m_parts->adminServer.reset();
        // What the status reads lives in the parts: a window that asks after the stop gets the idle answers, not
        // freed memory (the GUI's health pane polls until it hears the gateway stopped).
        const status::GatewayStatus idle;
        m_status.inFlight = idle.inFlight;
        m_status.queued = idle.queued;
        m_status.permitsInUse = idle.permitsInUse;
        m_status.paused = idle.paused;
        m_status.admission = nullptr;
        m_status.deploymentHealth = idle.deploymentHealth;
        m_status.cluster = idle.cluster;
        if (m_parts->sharedLimits)
            m_parts->sharedLimits->setInstancesSeenElsewhere({}); // the registry goes first
        if (m_parts->loneInstance)
            m_parts->loneInstance->stop();
        m_parts->clusterWorker.reset(); // a clean stop: this instance's heartbeat row goes (bounded)
        m_parts.reset();
    }
    m_stopping = false;
    Q_EMIT stopped();
}

} // namespace obleth::gateway
