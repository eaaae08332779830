#pragma once

#include "config/problem.h"
#include "model/configsnapshot.h"
#include "model/deploymenthealth.h"
#include "model/requestrecord.h"
#include "model/usagetotals.h"

#include <QJsonObject>
#include <QObject>

#include <functional>
#include <memory>

namespace obleth::gateway {
class Gateway;
class GatewayThread;
} // namespace obleth::gateway
namespace obleth::config {
struct ConfigServices;
}

namespace obleth::ui {

/// The GUI's one way to the gateway, through the same services the Management API uses: it reads the
/// configuration snapshot (safe from any thread), runs changes on the gateway thread's configuration services and
/// hands their outcome back to the GUI thread, and re-emits live request events here. Nothing on the GUI
/// thread waits for the gateway, the network or the disk.
class GatewayLink final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayLink)

public:
    explicit GatewayLink(gateway::GatewayThread *thread, QObject *parent = nullptr);
    ~GatewayLink() override;

    [[nodiscard]] bool isReady() const noexcept { return m_running; }
    /// The current configuration (empty until ready()).
    [[nodiscard]] std::shared_ptr<const model::ConfigSnapshot> snapshot() const;
    [[nodiscard]] const QString &dataUrl() const noexcept { return m_dataUrl; }
    [[nodiscard]] const QString &adminUrl() const noexcept { return m_adminUrl; }
    /// The data URL as a client on this machine reaches it: a gateway listening on every address (0.0.0.0, ::) is
    /// reached on the loopback. What the Playground calls and the snippets and "Copy as curl" write.
    [[nodiscard]] QString reachableDataUrl() const { return reachable(m_dataUrl); }
    /// @p url with a wildcard host (0.0.0.0, ::) replaced by the loopback of its family.
    [[nodiscard]] static QString reachable(const QString &url);
    [[nodiscard]] const QString &dataDir() const noexcept { return m_dataDir; }
    [[nodiscard]] const QString &adminToken() const noexcept { return m_adminToken; }
    /// The admin token is OBLETH_ADMIN_TOKEN's (it cannot be regenerated here).
    [[nodiscard]] bool adminTokenFromEnvironment() const noexcept { return m_tokenFromEnvironment; }
    /// Replaces the admin token with a new one; @p done gets it, or an error.
    void regenerateAdminToken(QObject *context, std::function<void(const QString &token, const QString &error)> done);

    /// The live view of admission (as GET /api/v1/fairshare/live), handed to @p done on this thread.
    void fetchLive(QObject *context, std::function<void(const QJsonObject &live)> done);
    /// The newest @p limit requests of the log (newest first), for a window that opens on a running gateway.
    void fetchRecentRequests(int limit, QObject *context,
                             std::function<void(const QList<model::RequestRecord> &records)> done);
    /// Usage totals as GET /api/v1/usage counts them (grouped by tenant, model or day, since a time), handed to
    /// @p done on this thread with the rows, or why the log could not answer.
    void fetchUsage(const model::UsageQuery &query, QObject *context,
                    std::function<void(const QList<model::UsageRow> &rows, const QString &error)> done);
    /// The health of the deployments of the model with id @p modelId (as GET /api/v1/models/{id}/health), handed
    /// to @p done on this thread; deployments nothing was heard of yet are missing or `unknown`.
    void fetchDeploymentHealth(const QString &modelId, QObject *context,
                               std::function<void(const QList<model::DeploymentHealth> &health)> done);
    /// A page shows requests' bodies (true) or no longer does (false): while one does, the gateway keeps each new
    /// request's bodies (bounded) for the live view; nobody looking, nobody's bodies are kept. Counted.
    void watchBodies(bool watch);
    /// Pauses or resumes the data plane; paused() follows.
    void setPaused(bool paused);
    [[nodiscard]] bool isPaused() const noexcept { return m_paused; }

    /// A change made with the configuration's typed services (config::ModelService, config::TenantService, ...).
    using Change = std::function<config::Problem(config::ConfigServices &)>;
    /// Runs @p work on the gateway thread, then @p then on this thread unless @p context is gone by then.
    template<typename Result>
    void roundTrip(QObject *context, std::function<Result()> work, std::function<void(const Result &)> then);

    /// Runs @p change on the gateway thread; @p done gets its outcome on this thread, unless @p context
    /// is gone by then.
    void change(Change change, QObject *context, std::function<void(const config::Problem &)> done);

Q_SIGNALS:
    /// The gateway is up and the services are reachable.
    void ready();
    void configChanged();
    void pausedChanged(bool paused);
    void requestStarted(const obleth::model::RequestStarted &started);
    void requestProgress(const obleth::model::RequestProgress &progress);
    void requestFinished(const obleth::model::RequestRecord &record);
    /// An alert of the gateway (contract section 12): @p type its name, @p alert its
    /// {"event", "time", "message", "details"}.
    void alertRaised(const QString &type, const QJsonObject &alert);

private:
    void attach(const QString &dataUrl, const QString &adminUrl);
    /// Relays the alerts among the gateway's published events (queued: the feed lives in the gateway's thread).
    void attachAlerts(gateway::Gateway *gateway);
    /// Tells the monitor whether this link wants bodies kept (once, whatever the number of pages looking).
    void applyBodyWatch();

    gateway::GatewayThread *m_thread;
    /// The latest snapshot, handed over by the gateway thread on each change (never read from the service
    /// here: the gateway may be shutting down).
    std::shared_ptr<const model::ConfigSnapshot> m_snapshot;
    bool m_running = false;
    QString m_dataUrl;
    QString m_adminUrl;
    QString m_dataDir;
    QString m_adminToken;
    bool m_tokenFromEnvironment = false;
    bool m_watching = false;
    bool m_paused = false;
    int m_bodyWatchers = 0; ///< pages showing bodies now
    bool m_bodiesWatched = false; ///< the monitor counts this link among those who want bodies
};

} // namespace obleth::ui
