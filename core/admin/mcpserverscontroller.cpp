#include "mcpserverscontroller.h"

#include "config/configservices.h"
#include "entityjson.h"

namespace obleth::admin {

using config::Problem;

namespace {
void replyServer(ApiCall &call, int status, const Problem &p, const model::McpServer &s)
{
    p.ok() ? call.reply(status, toJson(s)) : call.replyProblem(p);
}
} // namespace

void McpServersController::addRoutes(const RouteSink &add)
{
    const QString base = QStringLiteral("/api/v1/mcp-servers");
    const QString one = QStringLiteral("/api/v1/mcp-servers/{id}");
    config::McpServerService *servers = &m_config->mcpServers;
    add("GET", base, [this](ApiCall &call) {
        QJsonArray data;
        for (const model::McpServer &s : m_config->live.snapshot()->mcpServers)
            data.append(toJson(s));
        call.replyList(data);
    });
    add("POST", base, [servers](ApiCall &call) {
        config::McpServerPatch fields;
        model::McpServer s;
        Problem p = fromJson(call.body, true, &fields);
        if (p.ok())
            p = servers->create(fields, &s);
        replyServer(call, 201, p, s);
    });
    add("GET", one, [servers](ApiCall &call) {
        model::McpServer s;
        replyServer(call, 200, servers->find(call.param(QStringLiteral("id")), &s), s);
    });
    add("PUT", one, [servers](ApiCall &call) {
        const QString id = call.param(QStringLiteral("id"));
        config::McpServerPatch fields;
        model::McpServer s;
        const Problem body = fromJson(call.body, true, &fields);
        replyServer(call, 200, body.ok() ? servers->replace(id, fields, &s) : firstProblem(servers->find(id), body), s);
    });
    add("DELETE", one, [servers](ApiCall &call) {
        const Problem p = servers->remove(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
}

} // namespace obleth::admin
