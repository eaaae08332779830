#include "keyservice.h"

#include "changenote.h"
#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "secrets.h"
#include "store/configrepository.h"

namespace obleth::config {

namespace {
Problem notFound(const QString &id)
{
    return Problem::notFound(QStringLiteral("no key with id %1").arg(id));
}

/// How the log names a key: its prefix (shown by the API too), never the secret.
QString shown(const model::ApiKey &k)
{
    return QStringLiteral("key %1... ('%2')").arg(k.keyPrefix, k.name);
}

ChangeNote changes(const model::ApiKey &a, const model::ApiKey &b)
{
    ChangeNote n;
    n.field(QStringLiteral("name"), a.name, b.name);
    n.field(QStringLiteral("expires_at"), a.expiresAt, b.expiresAt);
    n.field(QStringLiteral("allowed_models"), a.allowedModels, b.allowedModels);
    n.field(QStringLiteral("max_in_flight"), a.maxInFlight, b.maxInFlight);
    return n;
}
} // namespace

KeyService::KeyService(LiveConfig *config)
    : m_config(config)
{ }

Problem KeyService::apply(const KeyPatch &p, model::ApiKey *k)
{
    FieldCheck c;
    c.name(QStringLiteral("name"), p.name);
    c.optionalStringList(QStringLiteral("allowed_models"), p.allowedModels);
    c.optionalInteger(QStringLiteral("max_in_flight"), p.maxInFlight, limits::kConcurrency);
    if (p.expiresAt && *p.expiresAt && !(*p.expiresAt)->isValid())
        c.fail(QStringLiteral("expires_at"), QStringLiteral("expires_at must be a valid time, or null"));
    if (!c.ok())
        return c.problem();
    assignIfSet(p.name, &k->name);
    if (p.expiresAt)
        k->expiresAt = *p.expiresAt ? std::optional<QDateTime>(toWholeSecondUtc(**p.expiresAt)) : std::nullopt;
    assignIfSet(p.allowedModels, &k->allowedModels);
    assignIfSet(p.maxInFlight, &k->maxInFlight);
    assignIfSet(p.disabled, &k->disabled);
    return {};
}

Problem KeyService::find(const QString &id, model::ApiKey *out) const
{
    const auto snap = m_config->snapshot();
    const model::ApiKey *k = findById(snap->keys, id);
    if (!k)
        return notFound(id);
    if (out)
        *out = *k;
    return {};
}

Problem KeyService::create(const QString &tenantId, const KeyPatch &fields, model::ApiKey *out, QString *secret)
{
    const auto snap = m_config->snapshot();
    const model::Tenant *tenant = snap->findTenant(tenantId);
    if (!tenant)
        return Problem::notFound(QStringLiteral("no tenant with id %1").arg(tenantId));
    model::ApiKey k;
    k.name = QStringLiteral("key");
    if (Problem p = apply(fields, &k); !p.ok())
        return p;
    const QString plain = generateApiKey();
    k.id = newEntityId();
    k.tenantId = tenantId;
    k.keyPrefix = keyPrefix(plain);
    k.keyHash = hashSecret(plain.toLatin1());
    k.createdAt = currentTime();
    if (Problem p
        = m_config->commit([&](store::ConfigRepository &repo, QString *error) { return repo.saveKey(k, true, error); });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("%1 created for tenant '%2'").arg(shown(k), tenant->name);
    if (out)
        *out = k;
    if (secret)
        *secret = plain;
    return {};
}

Problem KeyService::update(const QString &id, const KeyPatch &patch, model::ApiKey *out)
{
    const auto snap = m_config->snapshot();
    const model::ApiKey *existing = findById(snap->keys, id);
    if (!existing)
        return notFound(id);
    model::ApiKey k = *existing;
    if (Problem p = apply(patch, &k); !p.ok())
        return p;
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveKey(k, false, error); });
        !p.ok())
        return p;
    const bool toggled = k.disabled != existing->disabled;
    if (toggled)
        qCInfo(lcConfig).noquote() << shown(k) << (k.disabled ? "disabled" : "enabled");
    if (const ChangeNote note = changes(*existing, k); !toggled || !note.isEmpty())
        qCInfo(lcConfig).noquote() << QStringLiteral("%1 changed: %2").arg(shown(k), note.text());
    if (out)
        *out = k;
    return {};
}

Problem KeyService::remove(const QString &id)
{
    const auto snap = m_config->snapshot();
    const model::ApiKey *existing = findById(snap->keys, id);
    if (!existing)
        return notFound(id);
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.remove(QStringLiteral("api_keys"), id, error);
        });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << shown(*existing) << "deleted";
    return {};
}

} // namespace obleth::config
