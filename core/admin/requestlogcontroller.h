#pragma once

#include "apicontroller.h"

namespace obleth::store {
class RequestLog;
}

namespace obleth::admin {

/// The request log (GET /api/v1/requests), its retention setting, and usage totals (GET /api/v1/usage).
/// Queries run on the log's own thread; the answer follows when they are done.
class RequestLogController final : public ApiController
{
public:
    RequestLogController(config::ConfigServices *config, store::RequestLog *log)
        : ApiController(config)
        , m_log(log)
    { }
    void addRoutes(const RouteSink &add) override;

    static constexpr int kDefaultLimit = 100;
    static constexpr int kMaxLimit = 1000;

private:
    void listRequests(ApiCall &call);
    void listUsage(ApiCall &call);

    store::RequestLog *m_log;
};

} // namespace obleth::admin
