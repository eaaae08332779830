#include "tenantservice.h"

#include "changenote.h"
#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "store/configrepository.h"

namespace obleth::config {

namespace {
Problem notFound(const QString &id)
{
    return Problem::notFound(QStringLiteral("no tenant with id %1").arg(id));
}

QString changes(const model::Tenant &a, const model::Tenant &b)
{
    ChangeNote n;
    n.field(QStringLiteral("name"), a.name, b.name);
    n.field(QStringLiteral("fairshare_group"), a.fairshareGroup, b.fairshareGroup);
    n.field(QStringLiteral("weight"), a.weight, b.weight);
    n.field(QStringLiteral("tokens_per_minute"), a.tokensPerMinute, b.tokensPerMinute);
    n.field(QStringLiteral("max_in_flight"), a.maxInFlight, b.maxInFlight);
    return n.text();
}
} // namespace

TenantService::TenantService(LiveConfig *config)
    : m_config(config)
{ }

Problem TenantService::apply(const TenantPatch &p, model::Tenant *t, bool complete)
{
    FieldCheck c;
    if (complete)
        c.require(QStringLiteral("name"), p.name.has_value());
    c.name(QStringLiteral("name"), p.name);
    c.name(QStringLiteral("fairshare_group"), p.fairshareGroup);
    c.integer(QStringLiteral("weight"), p.weight, limits::kWeight);
    c.optionalInteger(QStringLiteral("tokens_per_minute"), p.tokensPerMinute, limits::kCount);
    c.optionalInteger(QStringLiteral("max_in_flight"), p.maxInFlight, limits::kConcurrency);
    if (!c.ok())
        return c.problem();
    assignIfSet(p.name, &t->name);
    assignIfSet(p.fairshareGroup, &t->fairshareGroup);
    assignIfSet(p.weight, &t->weight);
    assignIfSet(p.tokensPerMinute, &t->tokensPerMinute);
    assignIfSet(p.maxInFlight, &t->maxInFlight);
    return {};
}

Problem TenantService::find(const QString &id, model::Tenant *out) const
{
    const auto snap = m_config->snapshot();
    const model::Tenant *t = snap->findTenant(id);
    if (!t)
        return notFound(id);
    if (out)
        *out = *t;
    return {};
}

Problem TenantService::save(model::Tenant tenant, bool insert, model::Tenant *out, const model::Tenant *before)
{
    const auto snap = m_config->snapshot();
    if (nameTaken(snap->tenants, tenant.name, tenant.id, [](const model::Tenant &x) { return x.name; }))
        return Problem::conflict(QStringLiteral("name"),
                                 QStringLiteral("a tenant named '%1' already exists").arg(tenant.name));
    if (!nameTaken(snap->groups, tenant.fairshareGroup, {}, [](const model::FairShareGroup &g) { return g.name; })) {
        return Problem::invalid(QStringLiteral("fairshare_group"),
                                QStringLiteral("no fair-share group named '%1'").arg(tenant.fairshareGroup));
    }
    tenant.updatedAt = currentTime();
    if (insert) {
        tenant.id = newEntityId();
        tenant.createdAt = tenant.updatedAt;
    }
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveTenant(tenant, insert, error); });
        !p.ok())
        return p;
    if (insert)
        qCInfo(lcConfig).noquote() << QStringLiteral("tenant '%1' created (group '%2', weight %3)")
                                          .arg(tenant.name, tenant.fairshareGroup)
                                          .arg(tenant.weight);
    else
        qCInfo(lcConfig).noquote()
            << QStringLiteral("tenant '%1' changed: %2").arg(tenant.name, changes(*before, tenant));
    if (out)
        *out = tenant;
    return {};
}

Problem TenantService::create(const TenantPatch &fields, model::Tenant *out)
{
    model::Tenant t;
    if (Problem p = apply(fields, &t, true); !p.ok())
        return p;
    return save(t, true, out, nullptr);
}

Problem TenantService::update(const QString &id, const TenantPatch &patch, model::Tenant *out)
{
    const auto snap = m_config->snapshot();
    const model::Tenant *existing = snap->findTenant(id);
    if (!existing)
        return notFound(id);
    model::Tenant t = *existing;
    if (Problem p = apply(patch, &t, false); !p.ok())
        return p;
    return save(t, false, out, existing);
}

Problem TenantService::remove(const QString &id)
{
    const auto snap = m_config->snapshot();
    const model::Tenant *existing = snap->findTenant(id);
    if (!existing)
        return notFound(id);
    // Its keys go with it (ON DELETE CASCADE).
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.remove(QStringLiteral("tenants"), id, error);
        });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("tenant '%1' deleted with its keys").arg(existing->name);
    return {};
}

} // namespace obleth::config
