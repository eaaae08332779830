#pragma once

#include "apicontroller.h"

namespace obleth::gateway {
struct GatewayStatus;
}

namespace obleth::admin {

/// Fair-share groups, global capacity, and the live view of admission.
class FairShareController final : public ApiController
{
public:
    FairShareController(config::ConfigService *config, const gateway::GatewayStatus *status)
        : ApiController(config)
        , m_status(status)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const gateway::GatewayStatus *m_status;
};

} // namespace obleth::admin
