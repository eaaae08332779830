#include "gatewaylink.h"

#include "config/configservices.h"
#include "gateway/gatewaythread.h"
#include "status/eventfeed.h"
#include "usage/requesthistory.h"
#include "usage/requestmonitor.h"

#include <algorithm>

#include <QCoreApplication>
#include <QHostAddress>
#include <QPointer>
#include <QUrl>

namespace obleth::ui {

GatewayLink::GatewayLink(gateway::GatewayThread *thread, QObject *parent)
    : QObject(parent)
    , m_thread(thread)
{
    connect(thread, &gateway::GatewayThread::started, this,
            [this](const QString &dataUrl, const QString &adminUrl, const QString &) { attach(dataUrl, adminUrl); });
}

GatewayLink::~GatewayLink()
{
    // Only while the gateway runs (its monitor exists); the counter is atomic.
    if (m_watching && m_running) {
        if (usage::RequestMonitor *monitor = m_thread->gateway()->requestMonitor())
            monitor->unwatchProgress();
        m_bodyWatchers = 0;
        applyBodyWatch();
    }
}

void GatewayLink::attach(const QString &dataUrl, const QString &adminUrl)
{
    // After started() the gateway's services exist and stay until it stops; their signals reach this
    // thread queued.
    gateway::Gateway *gateway = m_thread->gateway();
    config::LiveConfig *config = gateway->liveConfig();
    m_snapshot = config->snapshot(); // just started: the service is there
    m_dataUrl = dataUrl;
    m_adminUrl = adminUrl;
    m_dataDir = gateway->options().dataDir;
    m_adminToken = gateway->adminToken();
    m_tokenFromEnvironment = !gateway->options().adminToken.isEmpty();
    usage::RequestMonitor *monitor = gateway->requestMonitor();
    // Each new snapshot is taken on the gateway thread and handed over; the connection goes with the service.
    connect(config, &config::LiveConfig::changed, config, [config, link = QPointer(this)] {
        auto snapshot = config->snapshot();
        QMetaObject::invokeMethod(QCoreApplication::instance(), [link, snapshot] {
            if (!link)
                return;
            link->m_snapshot = snapshot;
            Q_EMIT link->configChanged();
        });
    });
    connect(m_thread, &gateway::GatewayThread::stopped, this, [this] { m_running = false; });
    m_running = true;
    connect(monitor, &usage::RequestMonitor::requestStarted, this, &GatewayLink::requestStarted);
    connect(monitor, &usage::RequestMonitor::requestProgress, this, &GatewayLink::requestProgress);
    connect(monitor, &usage::RequestMonitor::requestFinished, this, &GatewayLink::requestFinished);
    monitor->watchProgress(); // the request log shows streams' text as it arrives
    m_watching = true;
    applyBodyWatch(); // a page that looked before the gateway ran
    attachAlerts(gateway);
    Q_EMIT ready();
    Q_EMIT configChanged();
}

void GatewayLink::attachAlerts(gateway::Gateway *gateway)
{
    status::EventFeed *feed = gateway->eventFeed();
    if (!feed)
        return;
    // An alert is published in the alert's shape, {"event": its name, "time", "message", "details"}; the feed's
    // other events (a deployment's health, say) are not alerts. The connection goes with the feed.
    connect(
        feed, &status::EventFeed::published, this,
        [this](const QString &type, const QJsonObject &data) {
            if (data.value(QStringLiteral("event")).toString() == type && data.contains(QStringLiteral("message"))
                && data.value(QStringLiteral("details")).isObject()) {
                Q_EMIT alertRaised(type, data);
            }
        },
        Qt::QueuedConnection);
}

std::shared_ptr<const model::ConfigSnapshot> GatewayLink::snapshot() const
{
    return m_snapshot ? m_snapshot : std::make_shared<const model::ConfigSnapshot>();
}

template<typename Result>
void GatewayLink::roundTrip(QObject *context, std::function<Result()> work, std::function<void(const Result &)> then)
{
    QMetaObject::invokeMethod(
        m_thread->gateway(),
        [work = std::move(work), link = QPointer(this), context = QPointer(context), then = std::move(then)] {
            const Result result = work();
            // The application object outlives both threads' work; the pointers are checked on its thread.
            QMetaObject::invokeMethod(QCoreApplication::instance(), [link, context, then, result] {
                if (link && context)
                    then(result);
            });
        });
}

void GatewayLink::change(Change change, QObject *context, std::function<void(const config::Problem &)> done)
{
    if (!m_running) {
        done(config::Problem::storage(tr("the gateway is not running")));
        return;
    }
    // Services are looked up when the work runs: by then the gateway may have stopped.
    gateway::Gateway *gateway = m_thread->gateway();
    roundTrip<config::Problem>(
        context,
        [gateway, change = std::move(change)] {
            config::ConfigServices *services = gateway->configServices();
            return services ? change(*services)
                            : config::Problem::storage(QStringLiteral("the gateway is not running"));
        },
        std::move(done));
}

void GatewayLink::fetchLive(QObject *context, std::function<void(const QJsonObject &)> done)
{
    if (!m_running)
        return;
    gateway::Gateway *gateway = m_thread->gateway();
    roundTrip<QJsonObject>(
        context, [gateway] { return gateway->liveView(); },
        [done = std::move(done)](const QJsonObject &live) {
            if (!live.isEmpty())
                done(live);
        });
}

void GatewayLink::regenerateAdminToken(QObject *context, std::function<void(const QString &, const QString &)> done)
{
    if (!m_running)
        return done({}, tr("the gateway is not running"));
    gateway::Gateway *gateway = m_thread->gateway();
    using Outcome = QPair<QString, QString>;
    roundTrip<Outcome>(
        context,
        [gateway] {
            QString error;
            const QString token = gateway->regenerateAdminToken(&error);
            return Outcome(token, error);
        },
        [this, done = std::move(done)](const Outcome &outcome) {
            if (!outcome.first.isEmpty())
                m_adminToken = outcome.first;
            done(outcome.first, outcome.second);
        });
}

void GatewayLink::fetchRecentRequests(int limit, QObject *context,
                                      std::function<void(const QList<model::RequestRecord> &)> done)
{
    if (!m_running)
        return;
    gateway::Gateway *gateway = m_thread->gateway();
    // On the gateway thread: the log (if the gateway still runs) answers there, then the records come here.
    QMetaObject::invokeMethod(
        gateway, [gateway, limit, link = QPointer(this), context = QPointer(context), done = std::move(done)] {
            const usage::RequestHistory *history = gateway->requestHistory();
            if (!history)
                return;
            history->newest(limit, [link, context, done](const QList<model::RequestRecord> &records) {
                QMetaObject::invokeMethod(QCoreApplication::instance(), [link, context, done, records] {
                    if (link && context)
                        done(records);
                });
            });
        });
}

void GatewayLink::fetchUsage(const model::UsageQuery &query, QObject *context,
                             std::function<void(const QList<model::UsageRow> &, const QString &)> done)
{
    if (!m_running)
        return;
    gateway::Gateway *gateway = m_thread->gateway();
    QMetaObject::invokeMethod(
        gateway, [gateway, query, link = QPointer(this), context = QPointer(context), done = std::move(done)] {
            const usage::RequestHistory *history = gateway->requestHistory();
            if (!history)
                return;
            history->usage(query, [link, context, done](const QList<model::UsageRow> &rows, const QString &error) {
                QMetaObject::invokeMethod(QCoreApplication::instance(), [link, context, done, rows, error] {
                    if (link && context)
                        done(rows, error);
                });
            });
        });
}

void GatewayLink::fetchDeploymentHealth(const QString &modelId, QObject *context,
                                        std::function<void(const QList<model::DeploymentHealth> &)> done)
{
    if (!m_running)
        return;
    gateway::Gateway *gateway = m_thread->gateway();
    roundTrip<QList<model::DeploymentHealth>>(
        context, [gateway, modelId] { return gateway->status().deploymentHealth(modelId); }, std::move(done));
}

QString GatewayLink::reachable(const QString &url)
{
    QUrl u(url);
    const QHostAddress host(u.host());
    if (host == QHostAddress::AnyIPv4)
        u.setHost(QStringLiteral("127.0.0.1"));
    else if (host == QHostAddress::AnyIPv6 || host == QHostAddress::Any)
        u.setHost(QStringLiteral("::1"));
    else
        return url;
    return u.toString();
}

void GatewayLink::watchBodies(bool watch)
{
    m_bodyWatchers = std::max(0, m_bodyWatchers + (watch ? 1 : -1));
    applyBodyWatch();
}

void GatewayLink::applyBodyWatch()
{
    // The monitor counts this link once while any page here looks; its counter is atomic, so a request that arrives
    // after this call sees it.
    const bool wanted = m_running && m_bodyWatchers > 0;
    if (wanted == m_bodiesWatched || !m_running)
        return;
    if (usage::RequestMonitor *monitor = m_thread->gateway()->requestMonitor()) {
        wanted ? monitor->watchBodies() : monitor->unwatchBodies();
        m_bodiesWatched = wanted;
    }
}

void GatewayLink::setPaused(bool paused)
{
    if (!m_running || paused == m_paused)
        return;
    gateway::Gateway *gateway = m_thread->gateway();
    roundTrip<bool>(
        this,
        [gateway, paused] {
            gateway->setPaused(paused);
            return paused;
        },
        [this](const bool &now) {
            m_paused = now;
            Q_EMIT pausedChanged(now);
        });
}

} // namespace obleth::ui
