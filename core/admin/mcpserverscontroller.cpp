#include "mcpserverscontroller.h"

#include "config/configservice.h"
#include "config/entityjson.h"

namespace obleth::admin {

using model::McpServer;
using config::Problem;

void McpServersController::addRoutes(const RouteSink &add)
{
    const QString base = QStringLiteral("/api/v1/mcp-servers");
    const QString one = QStringLiteral("/api/v1/mcp-servers/{id}");
    add("GET", base, [this](ApiCall &call) {
        QJsonArray data;
        for (const model::McpServer &s : m_config->snapshot()->mcpServers)
            data.append(config::toJson(s));
        call.replyList(data);
    });
    add("POST", base, [this](ApiCall &call) {
        model::McpServer s;
        const Problem p = m_config->createMcpServer(call.body, &s);
        p.ok() ? call.reply(201, config::toJson(s)) : call.replyProblem(p);
    });
    add("GET", one, [this](ApiCall &call) {
        for (const model::McpServer &s : m_config->snapshot()->mcpServers) {
            if (s.id == call.param(QStringLiteral("id")))
                return call.reply(200, config::toJson(s));
        }
        call.replyProblem(
            Problem::notFound(QStringLiteral("no MCP server with id %1").arg(call.param(QStringLiteral("id")))));
    });
    add("PUT", one, [this](ApiCall &call) {
        model::McpServer s;
        const Problem p = m_config->replaceMcpServer(call.param(QStringLiteral("id")), call.body, &s);
        p.ok() ? call.reply(200, config::toJson(s)) : call.replyProblem(p);
    });
    add("DELETE", one, [this](ApiCall &call) {
        const Problem p = m_config->deleteMcpServer(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
}

} // namespace obleth::admin
