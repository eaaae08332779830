#include "fairshareservice.h"

#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "store/configrepository.h"

namespace obleth::config {

FairShareService::FairShareService(LiveConfig *config)
    : m_config(config)
{ }

Problem FairShareService::apply(const GroupPatch &p, model::FairShareGroup *g, bool complete)
{
    FieldCheck c;
    if (complete)
        c.require(QStringLiteral("name"), p.name.has_value());
    c.name(QStringLiteral("name"), p.name);
    c.integer(QStringLiteral("weight"), p.weight, limits::kWeight);
    if (!c.ok())
        return c.problem();
    assignIfSet(p.name, &g->name);
    assignIfSet(p.weight, &g->weight);
    return {};
}

Problem FairShareService::createGroup(const GroupPatch &fields, model::FairShareGroup *out)
{
    model::FairShareGroup g;
    if (Problem p = apply(fields, &g, true); !p.ok())
        return p;
    if (nameTaken(m_config->snapshot()->groups, g.name, {}, [](const model::FairShareGroup &x) { return x.name; }))
        return Problem::conflict(QStringLiteral("name"),
                                 QStringLiteral("a group named '%1' already exists").arg(g.name));
    g.id = newEntityId();
    g.createdAt = currentTime();
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveGroup(g, true, error); });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("fair-share group '%1' created (weight %2)").arg(g.name).arg(g.weight);
    if (out)
        *out = g;
    return {};
}

Problem FairShareService::setCapacity(qint64 maxInFlight)
{
    FieldCheck c;
    c.integer(QStringLiteral("max_in_flight"), maxInFlight, limits::kConcurrency);
    if (!c.ok())
        return c.problem();
    const qint64 before = m_config->snapshot()->capacity;
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.saveSetting(LiveConfig::kCapacitySetting, QString::number(maxInFlight), error);
        });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("capacity %1 -> %2 requests in flight").arg(before).arg(maxInFlight);
    return {};
}

} // namespace obleth::config
