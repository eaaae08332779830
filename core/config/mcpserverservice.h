#pragma once

#include "model/entities.h"
#include "problem.h"

#include <optional>

namespace obleth::config {

class LiveConfig;

/// The fields of an MCP server to set. The fields not set take their defaults (those of model::McpServer),
/// except the write-only auth_header, which replace() keeps unless it is set.
struct McpServerPatch
{
    std::optional<QString> name; ///< no '/'
    std::optional<QString> upstreamUrl;
    std::optional<QString> authHeader; ///< write-only; an empty string clears the stored one
    std::optional<bool> enabled;
    std::optional<QStringList> allowedTenants; ///< tenant ids; empty: every tenant
};

/// The MCP servers the gateway fronts.
class McpServerService final
{
public:
    explicit McpServerService(LiveConfig *config);

    Problem find(const QString &id, model::McpServer *out = nullptr) const;
    /// name and upstream_url are required; the name must be new.
    Problem create(const McpServerPatch &fields, model::McpServer *out = nullptr);
    /// PUT: the whole server; the stored auth_header stays unless @p fields sets it.
    Problem replace(const QString &id, const McpServerPatch &fields, model::McpServer *out = nullptr);
    Problem remove(const QString &id);

    /// Checks @p patch against the field rules and applies it to @p server (with @p complete, name and
    /// upstream_url are required).
    [[nodiscard]] static Problem apply(const McpServerPatch &patch, model::McpServer *server, bool complete);

private:
    LiveConfig *m_config;
};

} // namespace obleth::config
