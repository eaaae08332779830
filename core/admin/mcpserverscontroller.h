#pragma once

#include "apicontroller.h"

namespace obleth::admin {

/// /api/v1/mcp-servers: the MCP servers the gateway fronts.
class McpServersController final : public ApiController
{
public:
    using ApiController::ApiController;
    void addRoutes(const RouteSink &add) override;
};

} // namespace obleth::admin
