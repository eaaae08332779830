#pragma once

#include "apicall.h"

#include <functional>

namespace obleth::config {
struct ConfigServices;
}

namespace obleth::admin {

/// Base of the Management API's controllers: one per resource, each adding its routes.
class ApiController
{
public:
    explicit ApiController(config::ConfigServices *config)
        : m_config(config)
    { }
    virtual ~ApiController() = default;
    Q_DISABLE_COPY_MOVE(ApiController)

    using Handler = std::function<void(ApiCall &)>;
    /// Where controllers add routes; the Management API parses bodies and checks auth before calling.
    using RouteSink = std::function<void(const QByteArray &method, const QString &pattern, Handler handler)>;
    virtual void addRoutes(const RouteSink &add) = 0;

protected:
    /// The configuration: its snapshot and changed() (m_config->live) and one service per resource.
    config::ConfigServices *m_config;
};

} // namespace obleth::admin
