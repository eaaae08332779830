#include "mcpgateway.h"

#include "http/httpresponder.h"
#include "openai/error.h"
#include "platform/logging.h"
#include "proxy/forwarding.h"
#include "proxy/proxycall.h"
#include "proxy/upstreamclient.h"

namespace obleth::mcp {

McpGateway::McpGateway(proxy::UpstreamClient *upstream, QObject *parent)
    : QObject(parent)
    , m_upstream(upstream)
{ }

void McpGateway::serve(const http::HttpRequest &request, http::HttpResponder *responder,
                       const model::ConfigSnapshot &snapshot, const QString &tenantId, const QByteArray &requestId)
{
    http::Headers idHeader;
    idHeader.add("x-obleth-request-id", requestId);

    // /mcp/{name}[/rest]: the name is one segment, the rest is passed on in its normal form (DataPlane::handle).
    const QByteArray afterPrefix = request.path.mid(5);
    const qsizetype slash = afterPrefix.indexOf('/');
    const QString name
        = QString::fromUtf8(QByteArray::fromPercentEncoding(slash < 0 ? afterPrefix : afterPrefix.left(slash)));
    const QByteArray rest = slash < 0 ? QByteArray() : afterPrefix.mid(slash);

    const model::McpServer *server = nullptr;
    for (const model::McpServer &s : snapshot.mcpServers) {
        if (s.name == name)
            server = &s;
    }
    if (!server || name.isEmpty()) {
        return openai::sendError(responder, 404, "not_found",
                                 QStringLiteral("no MCP server named '%1'").arg(name.left(128)), idHeader);
    }
    if (!server->enabled)
        return openai::sendError(responder, 404, "not_found",
                                 QStringLiteral("the MCP server '%1' is disabled").arg(name), idHeader);
    if (!server->allowedTenants.isEmpty() && !server->allowedTenants.contains(tenantId)) {
        return openai::sendError(responder, 403, "tenant_not_allowed",
                                 QStringLiteral("this key's tenant may not use the MCP server '%1'").arg(name),
                                 idHeader);
    }

    proxy::UpstreamRequest up;
    QUrl url(server->upstreamUrl);
    QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
    if (!rest.isEmpty()) {
        while (path.endsWith('/'))
            path.chop(1);
        path += rest;
    }
    url.setPath(QString::fromLatin1(path), QUrl::TolerantMode);
    url.setQuery(request.query.isEmpty() ? QString() : QString::fromLatin1(request.query), QUrl::TolerantMode);
    up.url = url;
    up.target = path.isEmpty() ? QByteArray("/") : path;
    if (!request.query.isEmpty())
        up.target += '?' + request.query; // byte for byte
    up.method = request.method;
    up.headers = proxy::upstreamRequestHeaders(request.headers, server->authHeader.toUtf8(), requestId);
    up.body = request.body;
    up.idleTimeoutMs = 0; // an MCP event stream may stay quiet for as long as it likes
    proxy::ProxyCall *call = proxy::ProxyCall::create(m_upstream, std::move(up), responder, requestId);
    call->onFailure([requestId, name](const QString &error) {
        // obleth.proxy warns of the failure with the same request id; this names the MCP server it was for.
        qCDebug(lcMcp).noquote() << requestId << "the MCP server" << name << "failed:" << error;
    });
    call->start();
}

} // namespace obleth::mcp
