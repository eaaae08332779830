#pragma once

#include "apicontroller.h"

namespace obleth::admin {

/// Tenant API keys: create (the secret is shown once), list, disable, delete.
class KeysController final : public ApiController
{
public:
    using ApiController::ApiController;
    void addRoutes(const RouteSink &add) override;

    static constexpr int kDefaultLimit = 100;
    static constexpr int kMaxLimit = 1000;
};

} // namespace obleth::admin
