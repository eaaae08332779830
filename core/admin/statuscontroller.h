#pragma once

#include "apicontroller.h"
#include "model/clusterstate.h"

#include <QJsonObject>

namespace obleth::status {
struct GatewayStatus;
}

namespace obleth::admin {

/// The `cluster` object of /api/v1/status (contract section 15): this instance, the database and Redis as it reaches
/// them, the log rows waiting or dropped, and the instances seen (newest heartbeat first).
[[nodiscard]] QJsonObject toJson(const model::ClusterState &cluster);

/// /api/v1/status and /api/v1/openapi.json.
class StatusController final : public ApiController
{
public:
    StatusController(config::ConfigServices *config, const status::GatewayStatus *status)
        : ApiController(config)
        , m_status(status)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const status::GatewayStatus *m_status;
};

} // namespace obleth::admin
