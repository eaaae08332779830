#pragma once

#include "apicontroller.h"

namespace obleth::admin {

/// /api/v1/models: the model registry.
class ModelsController final : public ApiController
{
public:
    using ApiController::ApiController;
    void addRoutes(const RouteSink &add) override;
};

} // namespace obleth::admin
