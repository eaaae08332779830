#pragma once

#include "apicontroller.h"

namespace obleth::usage {
class RequestMonitor;
}

namespace obleth::admin {

/// GET /api/v1/events: a server-sent event stream of request_started, request_progress,
/// request_finished and config_changed, as they happen.
class EventsController final : public ApiController
{
public:
    EventsController(config::ConfigServices *config, usage::RequestMonitor *monitor)
        : ApiController(config)
        , m_monitor(monitor)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    usage::RequestMonitor *m_monitor;
};

} // namespace obleth::admin
