#pragma once

#include "apicontroller.h"

namespace obleth::admin {

/// GET/PUT /api/v1/settings/cors: the browser origins the data plane answers (contract section 14).
class CorsController final : public ApiController
{
public:
    using ApiController::ApiController;
    void addRoutes(const RouteSink &add) override;
};

} // namespace obleth::admin
