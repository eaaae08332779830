#pragma once

#include "apicontroller.h"

namespace obleth::cache {
class ResponseCache;
}
namespace obleth::status {
struct GatewayStatus;
}
namespace obleth::metrics {
class Metrics;
}

namespace obleth::admin {

/// GET /metrics in Prometheus text format (behind the admin token, like every Management API route).
class MetricsController final : public ApiController
{
public:
    MetricsController(config::ConfigServices *config, const metrics::Metrics *metrics,
                      const status::GatewayStatus *status, const cache::ResponseCache *cache)
        : ApiController(config)
        , m_metrics(metrics)
        , m_status(status)
        , m_cache(cache)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const metrics::Metrics *m_metrics;
    const status::GatewayStatus *m_status;
    const cache::ResponseCache *m_cache;
};

} // namespace obleth::admin
