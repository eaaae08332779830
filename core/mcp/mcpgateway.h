#pragma once

#include "http/httprequest.h"
#include "model/configsnapshot.h"

#include <QObject>

namespace obleth::http {
class HttpResponder;
}
namespace obleth::proxy {
class UpstreamClient;
}

namespace obleth::mcp {

/// The MCP gateway (contract section 5): a transport-transparent reverse proxy from /mcp/{name}[/rest]
/// to the registered server's upstream_url[/rest], for any method. It does not parse JSON-RPC; SSE answers
/// and GET event streams are relayed as they arrive, Mcp-Session-Id and the other end-to-end headers pass
/// both ways, and the server's auth_header replaces the tenant's key.
class McpGateway final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(McpGateway)

public:
    explicit McpGateway(proxy::UpstreamClient *upstream, QObject *parent = nullptr);

    /// @p request is already authenticated as a key of @p tenantId.
    void serve(const http::HttpRequest &request, http::HttpResponder *responder, const model::ConfigSnapshot &snapshot,
               const QString &tenantId, const QByteArray &requestId);

    /// Bodies sent to MCP servers are limited to this (contract section 2).
    static constexpr qint64 kMaxBodyBytes = 16 * 1024 * 1024;
    /// True for the paths this gateway serves.
    [[nodiscard]] static bool isMcpPath(const QByteArray &path)
    {
        return path == "/mcp" || path.startsWith("/mcp/") || path.startsWith("/mcp?");
    }

private:
    proxy::UpstreamClient *m_upstream;
};

} // namespace obleth::mcp
