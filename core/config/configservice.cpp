#include "configservice.h"

#include "entityjson.h"
#include "secrets.h"
#include "store/configrepository.h"
#include "store/database.h"
#include "store/secretcipher.h"
#include "platform/logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUuid>

#include <atomic>

namespace obleth::config {

namespace {
QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QDateTime now()
{
    QDateTime t = QDateTime::currentDateTimeUtc();
    return t.addMSecs(-t.time().msec()); // whole seconds, as the API shows them
}

template<typename T> const T *findById(const QList<T> &list, const QString &id)
{
    for (const T &item : list) {
        if (item.id == id)
            return &item;
    }
    return nullptr;
}

template<typename T, typename Name>
bool nameTaken(const QList<T> &list, const QString &name, const QString &exceptId, Name nameOf)
{
    for (const T &item : list) {
        if (nameOf(item) == name && item.id != exceptId)
            return true;
    }
    return false;
}

const QString kCapacityKey = QStringLiteral("capacity");
const QString kCorsKey = QStringLiteral("cors_allowed_origins");

/// "*", or scheme://host[:port] where `*` may stand for any run of characters; no path.
bool isOriginPattern(const QString &entry)
{
    static const QRegularExpression shape(QStringLiteral("^[a-z][a-z0-9+.-]*://[A-Za-z0-9.*_\\[\\]:-]+$"));
    return entry == QLatin1String("*") || (entry.size() <= 256 && shape.match(entry).hasMatch());
}
} // namespace

ConfigService::ConfigService(store::Database *db, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_repo(std::make_unique<store::ConfigRepository>(db))
    , m_snapshot(std::make_shared<model::ConfigSnapshot>())
{ }

ConfigService::~ConfigService() = default;

std::shared_ptr<const model::ConfigSnapshot> ConfigService::snapshot() const
{
    return std::atomic_load(&m_snapshot);
}

Problem ConfigService::storageProblem(const QString &error) const
{
    if (m_repo->lastFailureWasBusy()) {
        // Another program holds the database's lock (the sqlite3 shell inside a transaction, a backup tool):
        // nothing is wrong with the change, it can be sent again once the lock is gone.
        qCWarning(lcConfig) << "database busy: another program holds its lock";
        return Problem::busy(QStringLiteral("the database is locked by another program; try again shortly"));
    }
    qCWarning(lcConfig) << "database write failed:" << error;
    return Problem::storage(QStringLiteral("the database refused the change: %1").arg(error));
}

Problem ConfigService::commit(const std::function<bool(QString *)> &write)
{
    QString error;
    if (!write(&error))
        return storageProblem(error);
    if (Problem p = reload(); !p.ok())
        return p;
    Q_EMIT changed();
    return {};
}

Problem ConfigService::reload()
{
    store::ConfigRepository::Contents contents;
    QString error;
    if (!m_repo->loadAll(&contents, &error)) {
        // Said once, by whoever reports the problem (the start's error line, the API's answer).
        return m_repo->lastFailureWasBusy()
            ? Problem::busy(QStringLiteral("the database is locked by another program; try again shortly"))
            : Problem::storage(QStringLiteral("cannot read the configuration: %1").arg(error));
    }
    auto snap = std::make_shared<model::ConfigSnapshot>();
    snap->models = std::move(contents.models);
    snap->tenants = std::move(contents.tenants);
    snap->keys = std::move(contents.keys);
    snap->groups = std::move(contents.groups);
    snap->mcpServers = std::move(contents.mcpServers);
    bool ok = false;
    const qint64 capacity = contents.settings.value(kCapacityKey).toLongLong(&ok);
    snap->capacity = ok && capacity > 0 ? capacity : 64;
    const QJsonArray origins = QJsonDocument::fromJson(contents.settings.value(kCorsKey).toUtf8()).array();
    for (const QJsonValue &origin : origins)
        snap->corsAllowedOrigins.append(origin.toString());
    snap->buildIndexes();
    std::atomic_store(&m_snapshot, std::shared_ptr<const model::ConfigSnapshot>(std::move(snap)));
    return {};
}

bool ConfigService::load(QString *error)
{
    const QString keyPath = store::SecretCipher::keyFilePath(QFileInfo(m_db->path()).absolutePath());
    if (!m_repo->openSecrets(keyPath, error))
        return false;
    Problem p = reload();
    if (p.ok() && !nameTaken(snapshot()->groups, model::kDefaultGroup, {}, [](const model::FairShareGroup &g) { return g.name; })) {
        model::FairShareGroup g;
        g.id = newId();
        g.name = model::kDefaultGroup;
        g.createdAt = now();
        QString why;
        if (!m_repo->saveGroup(g, true, &why))
            p = storageProblem(why);
        else
            p = reload();
    }
    if (!p.ok())
        *error = p.message;
    return p.ok();
}

QString ConfigService::bootstrapDefaultTenant(QString *error)
{
    if (!snapshot()->tenants.isEmpty())
        return {};
    model::Tenant t;
    t.id = newId();
    t.name = QStringLiteral("default");
    t.createdAt = t.updatedAt = now();
    model::ApiKey k;
    const QString secret = generateApiKey();
    k.id = newId();
    k.tenantId = t.id;
    k.name = QStringLiteral("default");
    k.keyPrefix = keyPrefix(secret);
    k.keyHash = hashSecret(secret.toLatin1());
    k.createdAt = t.createdAt;
    if (!m_repo->saveTenantWithKey(t, k, error))
        return {};
    const Problem p = reload();
    if (!p.ok()) {
        *error = p.message;
        return {};
    }
    Q_EMIT changed();
    return secret;
}

// ---- models ----------------------------------------------------------------------------------

Problem ConfigService::saveModel(model::ModelConfig model, bool insert, model::ModelConfig *out)
{
    const auto snap = snapshot();
    if (nameTaken(snap->models, model.modelName, model.id, [](const model::ModelConfig &m) { return m.modelName; })) {
        return Problem::conflict(QStringLiteral("model_name"),
                                 QStringLiteral("a model named '%1' already exists").arg(model.modelName));
    }
    model.updatedAt = now();
    if (insert) {
        model.id = newId();
        model.createdAt = model.updatedAt;
    }
    if (Problem p = commit([&](QString *error) { return m_repo->saveModel(model, insert, error); }); !p.ok())
        return p;
    *out = model;
    return {};
}

Problem ConfigService::createModel(const QJsonObject &json, model::ModelConfig *out)
{
    model::ModelConfig m;
    if (Problem p = applyJson(json, &m, true); !p.ok())
        return p;
    return saveModel(m, true, out);
}

Problem ConfigService::replaceModel(const QString &id, const QJsonObject &json, model::ModelConfig *out)
{
    const auto snap = snapshot();
    const model::ModelConfig *existing = findById(snap->models, id);
    if (!existing)
        return Problem::notFound(QStringLiteral("no model with id %1").arg(id));
    model::ModelConfig m;
    m.apiKey = existing->apiKey; // write-only: kept unless the PUT sets it (null clears it)
    if (Problem p = applyJson(json, &m, true); !p.ok())
        return p;
    m.id = existing->id;
    m.createdAt = existing->createdAt;
    return saveModel(m, false, out);
}

Problem ConfigService::patchModel(const QString &id, const QJsonObject &json, model::ModelConfig *out)
{
    const auto snap = snapshot();
    const model::ModelConfig *existing = findById(snap->models, id);
    if (!existing)
        return Problem::notFound(QStringLiteral("no model with id %1").arg(id));
    model::ModelConfig m = *existing;
    if (Problem p = applyJson(json, &m, false); !p.ok())
        return p;
    return saveModel(m, false, out);
}

Problem ConfigService::setModelCache(const QString &id, const QJsonObject &json, model::ModelConfig *out)
{
    JsonFields f(json, {QStringLiteral("cache_enabled"), QStringLiteral("cache_ttl_secs")});
    f.require(QStringLiteral("cache_enabled"));
    if (!f.ok())
        return f.problem();
    return patchModel(id, json, out);
}

Problem ConfigService::deleteModel(const QString &id)
{
    if (!findById(snapshot()->models, id))
        return Problem::notFound(QStringLiteral("no model with id %1").arg(id));
    return commit([&](QString *error) { return m_repo->remove(QStringLiteral("models"), id, error); });
}

// ---- tenants ---------------------------------------------------------------------------------

Problem ConfigService::checkTenant(const model::Tenant &t) const
{
    const auto snap = snapshot();
    if (nameTaken(snap->tenants, t.name, t.id, [](const model::Tenant &x) { return x.name; }))
        return Problem::conflict(QStringLiteral("name"),
                                 QStringLiteral("a tenant named '%1' already exists").arg(t.name));
    if (!nameTaken(snap->groups, t.fairshareGroup, {}, [](const model::FairShareGroup &g) { return g.name; })) {
        return Problem::invalid(QStringLiteral("fairshare_group"),
                                QStringLiteral("no fair-share group named '%1'").arg(t.fairshareGroup));
    }
    return {};
}

Problem ConfigService::saveTenant(model::Tenant tenant, bool insert, model::Tenant *out)
{
    if (Problem p = checkTenant(tenant); !p.ok())
        return p;
    tenant.updatedAt = now();
    if (insert) {
        tenant.id = newId();
        tenant.createdAt = tenant.updatedAt;
    }
    if (Problem p = commit([&](QString *error) { return m_repo->saveTenant(tenant, insert, error); }); !p.ok())
        return p;
    *out = tenant;
    return {};
}

Problem ConfigService::createTenant(const QJsonObject &json, model::Tenant *out)
{
    model::Tenant t;
    if (Problem p = applyJson(json, &t, true); !p.ok())
        return p;
    return saveTenant(t, true, out);
}

Problem ConfigService::tenantUpdate(const QString &id, const QJsonObject &json, const QStringList &allowed, model::Tenant *out)
{
    const auto snap = snapshot();
    const model::Tenant *existing = snap->findTenant(id);
    if (!existing)
        return Problem::notFound(QStringLiteral("no tenant with id %1").arg(id));
    if (!allowed.isEmpty()) {
        JsonFields f(json, allowed);
        if (!f.ok())
            return f.problem();
        if (json.isEmpty())
            return Problem::invalid(allowed.first(), QStringLiteral("%1 is required").arg(allowed.first()));
    }
    model::Tenant t = *existing;
    if (Problem p = applyJson(json, &t, false); !p.ok())
        return p;
    return saveTenant(t, false, out);
}

Problem ConfigService::patchTenant(const QString &id, const QJsonObject &json, model::Tenant *out)
{
    return tenantUpdate(id, json, {}, out);
}

Problem ConfigService::setTenantWeight(const QString &id, const QJsonObject &json, model::Tenant *out)
{
    JsonFields f(json, {QStringLiteral("weight")});
    f.require(QStringLiteral("weight"));
    if (!f.ok())
        return f.problem();
    return tenantUpdate(id, json, {QStringLiteral("weight")}, out);
}

Problem ConfigService::setTenantQuota(const QString &id, const QJsonObject &json, model::Tenant *out)
{
    // PUT: both fields are set; a missing one means "no limit".
    QJsonObject full = json;
    for (const QString &field : {QStringLiteral("tokens_per_minute"), QStringLiteral("max_in_flight")}) {
        if (!full.contains(field))
            full.insert(field, QJsonValue::Null);
    }
    return tenantUpdate(id, full, {QStringLiteral("tokens_per_minute"), QStringLiteral("max_in_flight")}, out);
}

Problem ConfigService::setTenantGroup(const QString &id, const QJsonObject &json, model::Tenant *out)
{
    JsonFields f(json, {QStringLiteral("fairshare_group")});
    f.require(QStringLiteral("fairshare_group"));
    if (!f.ok())
        return f.problem();
    return tenantUpdate(id, json, {QStringLiteral("fairshare_group")}, out);
}

Problem ConfigService::deleteTenant(const QString &id)
{
    if (!snapshot()->findTenant(id))
        return Problem::notFound(QStringLiteral("no tenant with id %1").arg(id));
    return commit([&](QString *error) {
        return m_repo->remove(QStringLiteral("tenants"), id, error);
    }); // keys go with it (ON DELETE CASCADE)
}

// ---- keys ------------------------------------------------------------------------------------

namespace {
/// The key fields a client may set, on creation and in a PATCH.
const QStringList kKeyFields = {QStringLiteral("name"), QStringLiteral("expires_at"), QStringLiteral("allowed_models"),
                                QStringLiteral("max_in_flight")};

Problem applyKeyFields(const QJsonObject &json, model::ApiKey *k)
{
    JsonFields f(json, kKeyFields);
    f.readName(QStringLiteral("name"), &k->name);
    f.readOptionalTime(QStringLiteral("expires_at"), &k->expiresAt);
    f.readOptionalStringList(QStringLiteral("allowed_models"), &k->allowedModels);
    f.readOptionalInt(QStringLiteral("max_in_flight"), &k->maxInFlight, 1, 1'000'000);
    return f.problem();
}
} // namespace

Problem ConfigService::createKey(const QString &tenantId, const QJsonObject &json, model::ApiKey *out, QString *secret)
{
    if (!snapshot()->findTenant(tenantId))
        return Problem::notFound(QStringLiteral("no tenant with id %1").arg(tenantId));
    model::ApiKey k;
    k.name = QStringLiteral("key");
    if (Problem p = applyKeyFields(json, &k); !p.ok())
        return p;
    const QString plain = generateApiKey();
    k.id = newId();
    k.tenantId = tenantId;
    k.keyPrefix = keyPrefix(plain);
    k.keyHash = hashSecret(plain.toLatin1());
    k.createdAt = now();
    if (Problem p = commit([&](QString *error) { return m_repo->saveKey(k, true, error); }); !p.ok())
        return p;
    *out = k;
    *secret = plain;
    return {};
}

Problem ConfigService::patchKey(const QString &id, const QJsonObject &json, model::ApiKey *out)
{
    const auto snap = snapshot();
    const model::ApiKey *existing = findById(snap->keys, id);
    if (!existing)
        return Problem::notFound(QStringLiteral("no key with id %1").arg(id));
    model::ApiKey k = *existing;
    if (Problem p = applyKeyFields(json, &k); !p.ok())
        return p;
    if (Problem p = commit([&](QString *error) { return m_repo->saveKey(k, false, error); }); !p.ok())
        return p;
    *out = k;
    return {};
}

Problem ConfigService::setKeyDisabled(const QString &id, const QJsonObject &json, model::ApiKey *out)
{
    const auto snap = snapshot();
    const model::ApiKey *existing = findById(snap->keys, id);
    if (!existing)
        return Problem::notFound(QStringLiteral("no key with id %1").arg(id));
    model::ApiKey k = *existing;
    JsonFields f(json, {QStringLiteral("disabled")});
    f.require(QStringLiteral("disabled"));
    f.readBool(QStringLiteral("disabled"), &k.disabled);
    if (!f.ok())
        return f.problem();
    if (Problem p = commit([&](QString *error) { return m_repo->saveKey(k, false, error); }); !p.ok())
        return p;
    *out = k;
    return {};
}

Problem ConfigService::deleteKey(const QString &id)
{
    if (!findById(snapshot()->keys, id))
        return Problem::notFound(QStringLiteral("no key with id %1").arg(id));
    return commit([&](QString *error) { return m_repo->remove(QStringLiteral("api_keys"), id, error); });
}

// ---- fair-share ------------------------------------------------------------------------------

Problem ConfigService::createGroup(const QJsonObject &json, model::FairShareGroup *out)
{
    model::FairShareGroup g;
    if (Problem p = applyJson(json, &g, true); !p.ok())
        return p;
    if (nameTaken(snapshot()->groups, g.name, {}, [](const model::FairShareGroup &x) { return x.name; }))
        return Problem::conflict(QStringLiteral("name"),
                                 QStringLiteral("a group named '%1' already exists").arg(g.name));
    g.id = newId();
    g.createdAt = now();
    if (Problem p = commit([&](QString *error) { return m_repo->saveGroup(g, true, error); }); !p.ok())
        return p;
    *out = g;
    return {};
}

Problem ConfigService::setCapacity(const QJsonObject &json, qint64 *out)
{
    JsonFields f(json, {QStringLiteral("max_in_flight")});
    f.require(QStringLiteral("max_in_flight"));
    qint64 capacity = 0;
    f.readInt(QStringLiteral("max_in_flight"), &capacity, 1, 1'000'000);
    if (!f.ok())
        return f.problem();
    if (Problem p
        = commit([&](QString *error) { return m_repo->saveSetting(kCapacityKey, QString::number(capacity), error); });
        !p.ok())
        return p;
    *out = capacity;
    return {};
}

Problem ConfigService::setCorsOrigins(const QJsonObject &json, QStringList *out)
{
    const QString field = QStringLiteral("allowed_origins");
    JsonFields f(json, {field});
    f.require(field);
    QStringList origins;
    f.readStringList(field, &origins);
    if (!f.ok())
        return f.problem();
    if (origins.size() > 256)
        return Problem::invalid(field, QStringLiteral("at most 256 origins"));
    for (const QString &origin : origins) {
        if (!isOriginPattern(origin)) {
            return Problem::invalid(
                field,
                QStringLiteral("'%1' is not an origin such as http://localhost:3000 or chrome-extension://*")
                    .arg(origin.left(64)));
        }
    }
    const QString text
        = QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(origins)).toJson(QJsonDocument::Compact));
    if (Problem p = commit([&](QString *error) { return m_repo->saveSetting(kCorsKey, text, error); }); !p.ok())
        return p;
    *out = origins;
    return {};
}

// ---- MCP servers -----------------------------------------------------------------------------

Problem ConfigService::createMcpServer(const QJsonObject &json, model::McpServer *out)
{
    model::McpServer s;
    if (Problem p = applyJson(json, &s, true); !p.ok())
        return p;
    if (nameTaken(snapshot()->mcpServers, s.name, {}, [](const model::McpServer &x) { return x.name; }))
        return Problem::conflict(QStringLiteral("name"),
                                 QStringLiteral("an MCP server named '%1' already exists").arg(s.name));
    s.id = newId();
    s.createdAt = s.updatedAt = now();
    if (Problem p = commit([&](QString *error) { return m_repo->saveMcpServer(s, true, error); }); !p.ok())
        return p;
    *out = s;
    return {};
}

Problem ConfigService::replaceMcpServer(const QString &id, const QJsonObject &json, model::McpServer *out)
{
    const auto snap = snapshot();
    const model::McpServer *existing = findById(snap->mcpServers, id);
    if (!existing)
        return Problem::notFound(QStringLiteral("no MCP server with id %1").arg(id));
    model::McpServer s;
    s.authHeader = existing->authHeader; // write-only: kept unless the PUT sets it
    if (Problem p = applyJson(json, &s, true); !p.ok())
        return p;
    if (nameTaken(snap->mcpServers, s.name, id, [](const model::McpServer &x) { return x.name; }))
        return Problem::conflict(QStringLiteral("name"),
                                 QStringLiteral("an MCP server named '%1' already exists").arg(s.name));
    s.id = id;
    s.createdAt = existing->createdAt;
    s.updatedAt = now();
    if (Problem p = commit([&](QString *error) { return m_repo->saveMcpServer(s, false, error); }); !p.ok())
        return p;
    *out = s;
    return {};
}

Problem ConfigService::deleteMcpServer(const QString &id)
{
    if (!findById(snapshot()->mcpServers, id))
        return Problem::notFound(QStringLiteral("no MCP server with id %1").arg(id));
    return commit([&](QString *error) { return m_repo->remove(QStringLiteral("mcp_servers"), id, error); });
}

} // namespace obleth::config
