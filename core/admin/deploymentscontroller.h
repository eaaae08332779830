#pragma once

#include "apicontroller.h"

namespace obleth::status {
struct GatewayStatus;
}

namespace obleth::admin {

/// /api/v1/models/{id}/deployments (a model's upstreams, contract section 10) and /api/v1/models/{id}/health (how
/// each of them is doing, as the gateway's status reports it).
class DeploymentsController final : public ApiController
{
public:
    DeploymentsController(config::ConfigServices *config, const status::GatewayStatus *status)
        : ApiController(config)
        , m_status(status)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const status::GatewayStatus *m_status;
};

} // namespace obleth::admin
