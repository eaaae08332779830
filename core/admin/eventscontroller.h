#pragma once

#include "apicontroller.h"

namespace obleth::status {
class EventFeed;
}
namespace obleth::usage {
class RequestMonitor;
}

namespace obleth::admin {

/// GET /api/v1/events: a server-sent event stream of request_started, request_progress,
/// request_finished and config_changed, as they happen, and of every event published on the gateway's EventFeed
/// (deployment health, alerts) under its own name.
class EventsController final : public ApiController
{
public:
    /// Without @p feed only request and configuration events are sent.
    EventsController(config::ConfigServices *config, usage::RequestMonitor *monitor, status::EventFeed *feed = nullptr)
        : ApiController(config)
        , m_monitor(monitor)
        , m_feed(feed)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    usage::RequestMonitor *m_monitor;
    status::EventFeed *m_feed;
};

} // namespace obleth::admin
