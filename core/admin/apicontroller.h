#pragma once

#include "apicall.h"

#include <functional>

namespace obleth::config {
class ConfigService;
}

namespace obleth::admin {

/// Base of the Management API's controllers: one per resource, each adding its routes.
class ApiController
{
public:
    explicit ApiController(config::ConfigService *config)
        : m_config(config)
    { }
    virtual ~ApiController() = default;
    Q_DISABLE_COPY_MOVE(ApiController)

    using Handler = std::function<void(ApiCall &)>;
    /// Where controllers add routes; the Management API parses bodies and checks auth before calling.
    using RouteSink = std::function<void(const QByteArray &method, const QString &pattern, Handler handler)>;
    virtual void addRoutes(const RouteSink &add) = 0;

protected:
    config::ConfigService *m_config;
};

} // namespace obleth::admin
