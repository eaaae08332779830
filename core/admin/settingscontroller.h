#pragma once

#include "apicontroller.h"

namespace obleth::admin {

/// GET/PUT /api/v1/settings/admission (brownout and the fair-share queue's bounds, contract section 11) and
/// /api/v1/settings/alerts (the alert webhook, contract section 12). A PUT changes the fields it gives; the others
/// keep their values.
class SettingsController final : public ApiController
{
public:
    using ApiController::ApiController;
    void addRoutes(const RouteSink &add) override;
};

} // namespace obleth::admin
