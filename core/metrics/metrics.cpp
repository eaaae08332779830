#include "metrics.h"

namespace obleth::metrics {

namespace {
/// A label value with \, " and newlines escaped.
QByteArray label(const QString &value)
{
    QByteArray out = value.toUtf8();
    out.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return out;
}

QByteArray number(double v)
{
    return QByteArray::number(v, 'g', 12);
}

void header(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}
} // namespace

void Metrics::Histogram::observe(double secs)
{
    for (size_t i = 0; i < kBucketsSecs.size(); ++i) {
        if (secs <= kBucketsSecs[i])
            ++buckets[i];
    }
    ++count;
    sum += secs;
}

QString Metrics::routeOf(QByteArrayView path)
{
    // Literals: no string is made per request.
    if (path == "/v1/chat/completions")
        return QStringLiteral("/v1/chat/completions");
    if (path == "/v1/completions")
        return QStringLiteral("/v1/completions");
    if (path == "/v1/embeddings")
        return QStringLiteral("/v1/embeddings");
    if (path == "/v1/models" || path.startsWith("/v1/models/"))
        return QStringLiteral("/v1/models");
    if (path == "/mcp" || path.startsWith("/mcp/"))
        return QStringLiteral("/mcp");
    return QStringLiteral("other");
}

void Metrics::count(const model::RequestRecord &r)
{
    const QString route = routeOf(r.path);
    ++m_requests[RequestKey{route, r.status, r.model, r.tenantName}];
    m_latency[route].observe(double(r.latencyMs) / 1000.0);
    if (r.firstByteMs >= 0)
        m_firstByte[route].observe(double(r.firstByteMs) / 1000.0);
    if (!r.model.isEmpty()) {
        Usage &u = m_usage[qMakePair(r.model, r.tenantName)];
        u.promptTokens += r.promptTokens;
        u.completionTokens += r.completionTokens;
        u.cost += r.cost;
    }
    if (route == QLatin1String("/mcp")) {
        const QString server = QString::fromUtf8(r.path.split('/').value(2));
        ++m_mcp[qMakePair(server, r.status)];
    }
}

QByteArray Metrics::render(const QList<Gauge> &gauges) const
{
    QByteArray out;
    out.reserve(4096 + m_requests.size() * 128);

    header(out, "obleth_requests_total", "counter", "Data-plane requests by route, status, model and tenant.");
    for (auto it = m_requests.cbegin(); it != m_requests.cend(); ++it) {
        out += "obleth_requests_total{route=\"" + label(it.key().route) + "\",status=\""
            + QByteArray::number(it.key().status) + "\",model=\"" + label(it.key().model) + "\",tenant=\""
            + label(it.key().tenant) + "\"} " + QByteArray::number(it.value()) + '\n';
    }
    auto histograms = [&out](const char *name, const char *help, const QHash<QString, Histogram> &byRoute) {
        header(out, name, "histogram", help);
        for (auto it = byRoute.cbegin(); it != byRoute.cend(); ++it) {
            const QByteArray route = label(it.key());
            for (size_t i = 0; i < kBucketsSecs.size(); ++i) {
                out += QByteArray(name) + "_bucket{route=\"" + route + "\",le=\"" + number(kBucketsSecs[i]) + "\"} "
                    + QByteArray::number(it->buckets[i]) + '\n';
            }
            out += QByteArray(name) + "_bucket{route=\"" + route + "\",le=\"+Inf\"} " + QByteArray::number(it->count)
                + '\n';
            out += QByteArray(name) + "_sum{route=\"" + route + "\"} " + number(it->sum) + '\n';
            out += QByteArray(name) + "_count{route=\"" + route + "\"} " + QByteArray::number(it->count) + '\n';
        }
    };
    histograms("obleth_request_duration_seconds", "Time from request to the end of its answer.", m_latency);
    histograms("obleth_time_to_first_byte_seconds", "Time from request to the first byte of its answer.", m_firstByte);

    header(out, "obleth_tokens_total", "counter", "Tokens by model, tenant and kind (prompt or completion).");
    for (auto it = m_usage.cbegin(); it != m_usage.cend(); ++it) {
        const QByteArray labels = "model=\"" + label(it.key().first) + "\",tenant=\"" + label(it.key().second) + '"';
        out += "obleth_tokens_total{" + labels + ",kind=\"prompt\"} " + QByteArray::number(it->promptTokens) + '\n';
        out += "obleth_tokens_total{" + labels + ",kind=\"completion\"} " + QByteArray::number(it->completionTokens)
            + '\n';
    }
    header(out, "obleth_cost_total", "counter", "Cost (tokens times the model's prices) by model and tenant.");
    for (auto it = m_usage.cbegin(); it != m_usage.cend(); ++it) {
        out += "obleth_cost_total{model=\"" + label(it.key().first) + "\",tenant=\"" + label(it.key().second) + "\"} "
            + number(it->cost) + '\n';
    }
    header(out, "obleth_mcp_requests_total", "counter", "MCP gateway requests by server and status.");
    for (auto it = m_mcp.cbegin(); it != m_mcp.cend(); ++it) {
        out += "obleth_mcp_requests_total{server=\"" + label(it.key().first) + "\",status=\""
            + QByteArray::number(it.key().second) + "\"} " + QByteArray::number(it.value()) + '\n';
    }
    for (const Gauge &g : gauges) {
        header(out, g.name.constData(), g.type.constData(), g.help.constData());
        out += g.name + ' ' + number(g.value) + '\n';
    }
    return out;
}

QList<Metrics::Gauge> Metrics::clusterGauges(const model::ClusterState &cluster)
{
    QList<Gauge> gauges{
        {"obleth_instances_live", "Instances whose heartbeat is recent, this one included.",
         double(cluster.liveInstances)},
        {"obleth_database_up", "Whether the database can be reached (0: serving from the last configuration).",
         cluster.databaseReachable ? 1.0 : 0.0},
    };
    if (cluster.redis != QLatin1String("none")) {
        gauges += Gauge{"obleth_redis_up", "Whether Redis can be reached (0: admitting on local limits).",
                        cluster.redis == QLatin1String("connected") ? 1.0 : 0.0};
        gauges += Gauge{"obleth_local_capacity",
                        "While Redis is unreachable: the permits this instance admits on its own; 0 otherwise.",
                        double(cluster.localCapacity)};
    }
    gauges += Gauge{"obleth_log_rows_buffered", "Request log rows waiting for the database.",
                    double(cluster.logRowsBuffered)};
    gauges += Gauge{"obleth_log_rows_dropped_total", "Request log rows dropped because their buffer was full.",
                    double(cluster.logRowsDropped), "counter"};
    return gauges;
}

QByteArray Metrics::renderDeployments(const QList<model::DeploymentHealth> &health)
{
    if (health.isEmpty())
        return {};
    QByteArray up = "# HELP obleth_deployment_up Whether a deployment is taking requests (1: healthy or not yet "
                    "known; 0: unhealthy or probing).\n# TYPE obleth_deployment_up gauge\n";
    QByteArray inFlight = "# HELP obleth_deployment_in_flight Tries in flight on a deployment.\n# TYPE "
                          "obleth_deployment_in_flight gauge\n";
    QByteArray failures = "# HELP obleth_deployment_consecutive_failures A deployment's failures in a row.\n"
                          "# TYPE obleth_deployment_consecutive_failures gauge\n";
    QByteArray latency = "# HELP obleth_deployment_latency_p50_seconds Median time to the answer's head of a "
                         "deployment's recent successes.\n# TYPE obleth_deployment_latency_p50_seconds gauge\n";
    for (const model::DeploymentHealth &h : health) {
        const QByteArray labels
            = "{model=\"" + label(h.modelName) + "\",deployment=\"" + label(h.deploymentId) + "\"} ";
        const bool isUp = h.state == model::HealthState::Healthy || h.state == model::HealthState::Unknown;
        up += "obleth_deployment_up" + labels + (isUp ? "1" : "0") + '\n';
        inFlight += "obleth_deployment_in_flight" + labels + QByteArray::number(h.inFlight) + '\n';
        failures
            += "obleth_deployment_consecutive_failures" + labels + QByteArray::number(h.consecutiveFailures) + '\n';
        if (h.latencyP50Ms)
            latency += "obleth_deployment_latency_p50_seconds" + labels + QByteArray::number(*h.latencyP50Ms / 1000.0)
                + '\n';
    }
    return up + inFlight + failures + latency;
}

} // namespace obleth::metrics
