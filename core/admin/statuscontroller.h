#pragma once

#include "apicontroller.h"

namespace obleth::gateway {
struct GatewayStatus;
}

namespace obleth::admin {

/// /api/v1/status and /api/v1/openapi.json.
class StatusController final : public ApiController
{
public:
    StatusController(config::ConfigService *config, const gateway::GatewayStatus *status)
        : ApiController(config)
        , m_status(status)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const gateway::GatewayStatus *m_status;
};

} // namespace obleth::admin
