#include "mcpserverservice.h"

#include "changenote.h"
#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "store/configrepository.h"

#include <QUrl>

namespace obleth::config {

namespace {
Problem notFound(const QString &id)
{
    return Problem::notFound(QStringLiteral("no MCP server with id %1").arg(id));
}

Problem nameTakenProblem(const QString &name)
{
    return Problem::conflict(QStringLiteral("name"),
                             QStringLiteral("an MCP server named '%1' already exists").arg(name));
}

QString changes(const model::McpServer &a, const model::McpServer &b)
{
    ChangeNote n;
    n.field(QStringLiteral("name"), a.name, b.name);
    n.url(QStringLiteral("upstream_url"), a.upstreamUrl, b.upstreamUrl);
    n.secret(QStringLiteral("auth_header"), a.authHeader, b.authHeader);
    n.field(QStringLiteral("enabled"), a.enabled, b.enabled);
    n.field(QStringLiteral("allowed_tenants"), a.allowedTenants, b.allowedTenants);
    return n.text();
}
} // namespace

McpServerService::McpServerService(LiveConfig *config)
    : m_config(config)
{ }

Problem McpServerService::apply(const McpServerPatch &p, model::McpServer *s, bool complete)
{
    FieldCheck c;
    if (complete) {
        c.require(QStringLiteral("name"), p.name.has_value());
        c.require(QStringLiteral("upstream_url"), p.upstreamUrl.has_value());
    }
    c.name(QStringLiteral("name"), p.name, limits::kMcpServerNameLength);
    c.url(QStringLiteral("upstream_url"), p.upstreamUrl);
    c.secret(QStringLiteral("auth_header"), p.authHeader);
    c.stringList(QStringLiteral("allowed_tenants"), p.allowedTenants);
    if (c.ok() && p.name && p.name->contains(QLatin1Char('/')))
        c.fail(QStringLiteral("name"), QStringLiteral("name must not contain '/'"));
    if (!c.ok())
        return c.problem();
    assignIfSet(p.name, &s->name);
    assignIfSet(p.upstreamUrl, &s->upstreamUrl);
    assignIfSet(p.authHeader, &s->authHeader);
    assignIfSet(p.enabled, &s->enabled);
    assignIfSet(p.allowedTenants, &s->allowedTenants);
    return {};
}

Problem McpServerService::find(const QString &id, model::McpServer *out) const
{
    const auto snap = m_config->snapshot();
    const model::McpServer *s = findById(snap->mcpServers, id);
    if (!s)
        return notFound(id);
    if (out)
        *out = *s;
    return {};
}

Problem McpServerService::create(const McpServerPatch &fields, model::McpServer *out)
{
    model::McpServer s;
    if (Problem p = apply(fields, &s, true); !p.ok())
        return p;
    if (nameTaken(m_config->snapshot()->mcpServers, s.name, {}, [](const model::McpServer &x) { return x.name; }))
        return nameTakenProblem(s.name);
    s.id = newEntityId();
    s.createdAt = s.updatedAt = currentTime();
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveMcpServer(s, true, error); });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote()
        << QStringLiteral("MCP server '%1' created (%2)").arg(s.name, loggableUrl(QUrl(s.upstreamUrl)));
    if (out)
        *out = s;
    return {};
}

Problem McpServerService::replace(const QString &id, const McpServerPatch &fields, model::McpServer *out)
{
    const auto snap = m_config->snapshot();
    const model::McpServer *existing = findById(snap->mcpServers, id);
    if (!existing)
        return notFound(id);
    model::McpServer s;
    s.authHeader = existing->authHeader; // write-only: kept unless the PUT sets it
    if (Problem p = apply(fields, &s, true); !p.ok())
        return p;
    if (nameTaken(snap->mcpServers, s.name, id, [](const model::McpServer &x) { return x.name; }))
        return nameTakenProblem(s.name);
    s.id = id;
    s.createdAt = existing->createdAt;
    s.updatedAt = currentTime();
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveMcpServer(s, false, error); });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("MCP server '%1' changed: %2").arg(s.name, changes(*existing, s));
    if (out)
        *out = s;
    return {};
}

Problem McpServerService::remove(const QString &id)
{
    const auto snap = m_config->snapshot();
    const model::McpServer *existing = findById(snap->mcpServers, id);
    if (!existing)
        return notFound(id);
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.remove(QStringLiteral("mcp_servers"), id, error);
        });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("MCP server '%1' deleted").arg(existing->name);
    return {};
}

} // namespace obleth::config
