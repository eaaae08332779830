#include "metricscontroller.h"

#include "cache/responsecache.h"
#include "config/configservices.h"
#include "http/httpresponder.h"
#include "metrics/metrics.h"
#include "status/gatewaystatus.h"

namespace obleth::admin {

void MetricsController::addRoutes(const RouteSink &add)
{
    add("GET", QStringLiteral("/metrics"), [this](ApiCall &call) {
        const cache::ResponseCache::Stats cache = m_cache->stats();
        const model::ClusterState cluster = m_status->cluster();
        QList<metrics::Metrics::Gauge> gauges{
            {"obleth_in_flight", "Data-plane requests being answered now.", double(m_status->inFlight())},
            {"obleth_queued", "Requests waiting for an admission permit.", double(m_status->queued())},
            {"obleth_permits_in_use", "Admission permits held.", double(m_status->permitsInUse())},
            {"obleth_permits_capacity", "Admission permits in all (max_in_flight).",
             double(m_config->live.snapshot()->capacity)},
            {"obleth_cache_hits_total", "Response cache lookups that hit.", double(cache.hits), "counter"},
            {"obleth_cache_misses_total", "Response cache lookups that missed.", double(cache.misses), "counter"},
            {"obleth_cache_tokens_saved_total", "Tokens the response cache saved.", double(cache.tokensSaved),
             "counter"},
            {"obleth_cache_entries", "Responses in the cache.", double(cache.entries)},
            {"obleth_cache_bytes", "Bytes the response cache holds.", double(cache.bytes)},
            {"obleth_uptime_seconds", "Seconds since the gateway started.",
             double(m_status->uptime.elapsed()) / 1000.0},
        };
        gauges += metrics::Metrics::clusterGauges(cluster);
        http::Headers headers;
        headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        call.responder->send(200, headers,
                             m_metrics->render(gauges)
                                 + metrics::Metrics::renderDeployments(m_status->deploymentHealth(QString())));
    });
}

} // namespace obleth::admin
