#pragma once

#include "apicontroller.h"

namespace obleth::admin {

/// /api/v1/tenants: tenants with their weight, quota and fair-share group.
class TenantsController final : public ApiController
{
public:
    using ApiController::ApiController;
    void addRoutes(const RouteSink &add) override;
};

} // namespace obleth::admin
