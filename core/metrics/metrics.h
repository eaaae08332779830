#pragma once

#include "model/clusterstate.h"
#include "model/deploymenthealth.h"
#include "model/requestrecord.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <array>

namespace obleth::metrics {

/// Counts finished requests for GET /metrics (Prometheus text format 0.0.4): requests by route, status,
/// model and tenant; latency and time-to-first-byte histograms by route; tokens and cost by model and
/// tenant; MCP requests by server. Gauges (in flight, queued, permits, cache) are read when rendering.
class Metrics final
{
public:
    void count(const model::RequestRecord &record);

    /// A value read at render time.
    struct Gauge
    {
        QByteArray name;
        QByteArray help;
        double value = 0;
        QByteArray type = "gauge";
    };
    /// The whole exposition, counters first, then @p gauges.
    [[nodiscard]] QByteArray render(const QList<Gauge> &gauges) const;

    /// Gauges per deployment (contract section 10): obleth_deployment_up (1 healthy or unknown, 0 unhealthy or
    /// probing), obleth_deployment_in_flight, obleth_deployment_consecutive_failures and
    /// obleth_deployment_latency_p50_seconds (only for deployments with a latency), labelled {model,deployment}.
    [[nodiscard]] static QByteArray renderDeployments(const QList<model::DeploymentHealth> &health);

    /// Gauges of how this instance shares state (contract section 15): obleth_instances_live, obleth_database_up,
    /// obleth_redis_up (1 connected or no Redis configured, 0 unreachable), obleth_redis_configured,
    /// obleth_local_capacity, obleth_log_rows_buffered and the counter obleth_log_rows_dropped_total.
    [[nodiscard]] static QList<Gauge> clusterGauges(const model::ClusterState &cluster);

    /// The route label of a path: the OpenAI routes as they are, /mcp for MCP, "other" for the rest.
    [[nodiscard]] static QString routeOf(QByteArrayView path);

    static constexpr std::array<double, 14> kBucketsSecs{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                         1,     2.5,  5,     10,   30,  60,   300};

private:
    struct Histogram
    {
        std::array<qint64, kBucketsSecs.size()> buckets{};
        qint64 count = 0;
        double sum = 0;
        void observe(double secs);
    };
    struct RequestKey
    {
        QString route;
        int status;
        QString model;
        QString tenant;
        friend bool operator==(const RequestKey &a, const RequestKey &b)
        {
            return a.status == b.status && a.route == b.route && a.model == b.model && a.tenant == b.tenant;
        }
        friend size_t qHash(const RequestKey &k, size_t seed = 0)
        {
            return qHashMulti(seed, k.route, k.status, k.model, k.tenant);
        }
    };
    struct Usage
    {
        qint64 promptTokens = 0;
        qint64 completionTokens = 0;
        double cost = 0;
    };

    QHash<RequestKey, qint64> m_requests;
    QHash<QString, Histogram> m_latency; ///< by route
    QHash<QString, Histogram> m_firstByte; ///< by route
    QHash<QPair<QString, QString>, Usage> m_usage; ///< by (model, tenant)
    QHash<QPair<QString, int>, qint64> m_mcp; ///< by (server, status)
};

} // namespace obleth::metrics
