#pragma once

#include "apicontroller.h"

namespace obleth::status {
struct GatewayStatus;
}

namespace obleth::admin {

/// /api/v1/status and /api/v1/openapi.json.
class StatusController final : public ApiController
{
public:
    StatusController(config::ConfigServices *config, const status::GatewayStatus *status)
        : ApiController(config)
        , m_status(status)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const status::GatewayStatus *m_status;
};

} // namespace obleth::admin
