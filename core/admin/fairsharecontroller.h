#pragma once

#include "apicontroller.h"

namespace obleth::status {
struct GatewayStatus;
}

namespace obleth::admin {

/// Fair-share groups, global capacity, and the live view of admission.
class FairShareController final : public ApiController
{
public:
    FairShareController(config::ConfigServices *config, const status::GatewayStatus *status)
        : ApiController(config)
        , m_status(status)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const status::GatewayStatus *m_status;
};

} // namespace obleth::admin
