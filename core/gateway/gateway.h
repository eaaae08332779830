#pragma once

#include "status/gatewaystatus.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

#include <memory>

namespace obleth::config {
class LiveConfig;
struct ConfigServices;
} // namespace obleth::config
namespace obleth::status {
class EventFeed;
}
namespace obleth::usage {
class RequestHistory;
class RequestMonitor;
} // namespace obleth::usage

namespace obleth::gateway {

struct GatewayOptions
{
    QHostAddress host = QHostAddress::LocalHost; ///< the data listener's address
    /// The Management API's address: loopback unless --admin-host says otherwise (contract section 14).
    QHostAddress adminHost = QHostAddress::LocalHost;
    QString tlsCertFile; ///< PEM; with tlsKeyFile, both listeners speak HTTPS
    QString tlsKeyFile;
    quint16 dataPort = 8088;
    quint16 adminPort = 9090;
    QString dataDir;
    /// Where configuration, keys and the request log live (contract section 15): empty or `sqlite:PATH` for a
    /// SQLite file [DATA_DIR/obleth.db], or `postgresql://USER:PASSWORD@HOST:PORT/DB` shared by instances. It may
    /// hold a password: never log it or put it in an error message.
    QString databaseUrl;
    /// `redis://HOST:PORT[/DB]`: admission state shared by instances (contract section 15); empty: local only.
    QString redisUrl;
    QUrl upstream; ///< default upstream for fall-through paths; invalid when none
    QString adminToken; ///< from OBLETH_ADMIN_TOKEN; empty: keep one in DATA_DIR/admin-token
    int keepAliveTimeoutMs = 60'000;
    qint64 cacheMaxBytes = 64 * 1024 * 1024; ///< the response cache's memory cap
};

/// Everything that serves: store, configuration, data plane, Management API, upstream client and
/// the in-process mock. Built in its own thread (see GatewayThread) and reached only by queued calls.
class Gateway final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Gateway)

public:
    explicit Gateway(GatewayOptions options, QObject *parent = nullptr);
    ~Gateway() override;

    /// Opens the store and starts both listeners; emits started() or startFailed().
    void start();
    [[nodiscard]] const GatewayOptions &options() const noexcept { return m_options; }
    /// The Management API's admin token (valid after started()).
    [[nodiscard]] const QString &adminToken() const noexcept { return m_adminToken; }
    /// Replaces the admin token kept in DATA_DIR/admin-token with a new one, effective at once. Refused (empty
    /// result, @p error set) when the token comes from OBLETH_ADMIN_TOKEN.
    QString regenerateAdminToken(QString *error);
    /// Pauses or resumes the data plane (paused: 503 for everything but /health).
    void setPaused(bool paused);
    /// Stops accepting, lets requests in flight finish for up to @p graceMs, then emits stopped().
    void shutdown(int graceMs);

    /// The configuration's snapshot and changed(); valid after started(), lives in the gateway's thread.
    [[nodiscard]] config::LiveConfig *liveConfig() const;
    /// The configuration's services (one per resource), through which every change goes; valid after started(),
    /// lives in the gateway's thread.
    [[nodiscard]] config::ConfigServices *configServices() const;
    /// Announces every data-plane request (for live views); valid after started().
    [[nodiscard]] usage::RequestMonitor *requestMonitor() const;
    /// The newest requests of the request log, for a window that opens on a running gateway; valid after started().
    [[nodiscard]] const usage::RequestHistory *requestHistory() const;
    [[nodiscard]] const status::GatewayStatus &status() const noexcept { return m_status; }
    /// Health, alert and other non-request events (contract sections 10–12); valid after started(), lives in the
    /// gateway's thread.
    [[nodiscard]] status::EventFeed *eventFeed() const;
    /// What admission is doing now, as GET /api/v1/fairshare/live shows it (the same words); empty unless running.
    /// Call on the gateway's thread.
    [[nodiscard]] QJsonObject liveView() const;

Q_SIGNALS:
    /// Both listeners are up. @p firstKey is the secret of the key made on first start, else empty.
    void started(const QString &dataUrl, const QString &adminUrl, const QString &firstKey);
    void startFailed(const QString &error);
    void stopped();

private:
    struct Parts;
    void finishShutdown();
    /// Builds the alerts and their webhook on the event feed, the configuration and admission.
    static void startAlerts(Parts &p);
    /// The deployments' health board: its events, its forgetting of gone deployments, its active checks.
    void wireHealth(Parts &p);
    /// Several instances on one database (contract section 15): this instance's heartbeat, the configuration
    /// watcher, and the cluster's state for the status, /metrics and the alerts.
    void startCluster(Parts &p);
    /// With --redis: admission's limits and the deployments' health shared through Redis (contract section 15). False
    /// with @p error set when the URL is not usable.
    bool wireSharedLimits(Parts &p, QString *error);
    void shareInstancesSeen(Parts &p);

    GatewayOptions m_options;
    status::GatewayStatus m_status;
    QString m_adminToken;
    std::unique_ptr<Parts> m_parts;
    bool m_stopping = false;
};

} // namespace obleth::gateway
