#include "configrepository.h"

#include "database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QVariant>

namespace obleth::store {

using namespace obleth::config;

namespace {

QVariant optionalValue(const std::optional<qint64> &v)
{
    return v ? QVariant(*v) : QVariant(QMetaType(QMetaType::LongLong));
}

std::optional<qint64> optionalFrom(const QVariant &v)
{
    if (v.isNull())
        return std::nullopt;
    return v.toLongLong();
}

QVariant textOrNull(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(s);
}

/// A list of names kept as a JSON array of strings.
QString stringListText(const QStringList &list)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(list)).toJson(QJsonDocument::Compact));
}

QStringList stringListFrom(const QVariant &v)
{
    QStringList list;
    const QJsonArray array = QJsonDocument::fromJson(v.toString().toUtf8()).array();
    for (const QJsonValue &item : array)
        list.append(item.toString());
    return list;
}

QString timeText(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

QDateTime timeFrom(const QVariant &v)
{
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    t.setTimeSpec(Qt::UTC);
    return t;
}

/// Runs @p sql with @p binds (named placeholders) in order.
bool run(QSqlDatabase db, const QString &sql, const QVariantList &binds, QString *error)
{
    QSqlQuery q(db);
    if (!q.prepare(sql)) {
        *error = q.lastError().text();
        return false;
    }
    for (const QVariant &v : binds)
        q.addBindValue(v);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    return true;
}

bool selectAll(QSqlDatabase db, const QString &sql, const std::function<void(const QSqlQuery &)> &row, QString *error)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(sql)) {
        *error = q.lastError().text();
        return false;
    }
    while (q.next())
        row(q);
    return true;
}

} // namespace

ConfigRepository::ConfigRepository(Database *db)
    : m_db(db)
{ }

bool ConfigRepository::loadAll(Contents *out, QString *error) const
{
    QSqlDatabase db = m_db->connection();
    *out = {};
    return selectAll(
               db,
               QStringLiteral("SELECT id, model_name, upstream_model, api_base, api_key, input_cost_per_token,"
                              " output_cost_per_token, context_window, enabled, admission_weight,"
                              " max_concurrency, cache_enabled, cache_ttl_secs, connect_timeout_secs,"
                              " first_byte_timeout_secs, idle_timeout_secs, created_at, updated_at"
                              " FROM models ORDER BY created_at, model_name"),
               [out](const QSqlQuery &q) {
                   ModelConfig m;
                   m.id = q.value(0).toString();
                   m.modelName = q.value(1).toString();
                   m.upstreamModel = q.value(2).toString();
                   m.apiBase = q.value(3).toString();
                   m.apiKey = q.value(4).toString();
                   m.inputCostPerToken = q.value(5).toDouble();
                   m.outputCostPerToken = q.value(6).toDouble();
                   m.contextWindow = optionalFrom(q.value(7));
                   m.enabled = q.value(8).toBool();
                   m.admissionWeight = q.value(9).toDouble();
                   m.maxConcurrency = optionalFrom(q.value(10));
                   m.cacheEnabled = q.value(11).toBool();
                   m.cacheTtlSecs = q.value(12).toLongLong();
                   m.connectTimeoutSecs = q.value(13).toLongLong();
                   m.firstByteTimeoutSecs = q.value(14).toLongLong();
                   m.idleTimeoutSecs = q.value(15).toLongLong();
                   m.createdAt = timeFrom(q.value(16));
                   m.updatedAt = timeFrom(q.value(17));
                   out->models.append(m);
               },
               error)
        && selectAll(
               db,
               QStringLiteral("SELECT id, name, fairshare_group, weight, tokens_per_minute, max_in_flight,"
                              " created_at, updated_at FROM tenants ORDER BY created_at, name"),
               [out](const QSqlQuery &q) {
                   Tenant t;
                   t.id = q.value(0).toString();
                   t.name = q.value(1).toString();
                   t.fairshareGroup = q.value(2).toString();
                   t.weight = q.value(3).toLongLong();
                   t.tokensPerMinute = optionalFrom(q.value(4));
                   t.maxInFlight = optionalFrom(q.value(5));
                   t.createdAt = timeFrom(q.value(6));
                   t.updatedAt = timeFrom(q.value(7));
                   out->tenants.append(t);
               },
               error)
        && selectAll(
               db,
               QStringLiteral("SELECT id, tenant_id, name, key_prefix, key_hash, disabled, created_at,"
                              " expires_at, allowed_models, max_in_flight FROM api_keys ORDER BY created_at, id"),
               [out](const QSqlQuery &q) {
                   ApiKey k;
                   k.id = q.value(0).toString();
                   k.tenantId = q.value(1).toString();
                   k.name = q.value(2).toString();
                   k.keyPrefix = q.value(3).toString();
                   k.keyHash = q.value(4).toString().toLatin1();
                   k.disabled = q.value(5).toBool();
                   k.createdAt = timeFrom(q.value(6));
                   if (!q.value(7).isNull())
                       k.expiresAt = timeFrom(q.value(7));
                   if (!q.value(8).isNull())
                       k.allowedModels = stringListFrom(q.value(8));
                   k.maxInFlight = optionalFrom(q.value(9));
                   out->keys.append(k);
               },
               error)
        && selectAll(
               db,
               QStringLiteral("SELECT id, name, weight, created_at FROM fairshare_groups"
                              " ORDER BY created_at, name"),
               [out](const QSqlQuery &q) {
                   FairShareGroup g;
                   g.id = q.value(0).toString();
                   g.name = q.value(1).toString();
                   g.weight = q.value(2).toLongLong();
                   g.createdAt = timeFrom(q.value(3));
                   out->groups.append(g);
               },
               error)
        && selectAll(
               db,
               QStringLiteral("SELECT id, name, upstream_url, auth_header, enabled, allowed_tenants,"
                              " created_at, updated_at FROM mcp_servers ORDER BY created_at, name"),
               [out](const QSqlQuery &q) {
                   McpServer s;
                   s.id = q.value(0).toString();
                   s.name = q.value(1).toString();
                   s.upstreamUrl = q.value(2).toString();
                   s.authHeader = q.value(3).toString();
                   s.enabled = q.value(4).toBool();
                   s.allowedTenants = stringListFrom(q.value(5));
                   s.createdAt = timeFrom(q.value(6));
                   s.updatedAt = timeFrom(q.value(7));
                   out->mcpServers.append(s);
               },
               error)
        && selectAll(
               db, QStringLiteral("SELECT key, value FROM settings"),
               [out](const QSqlQuery &q) { out->settings.insert(q.value(0).toString(), q.value(1).toString()); },
               error);
}

bool ConfigRepository::saveModel(const ModelConfig &m, bool insert, QString *error)
{
    const QVariantList values = {m.modelName,
                                 m.upstreamModel,
                                 m.apiBase,
                                 textOrNull(m.apiKey),
                                 m.inputCostPerToken,
                                 m.outputCostPerToken,
                                 optionalValue(m.contextWindow),
                                 m.enabled,
                                 m.admissionWeight,
                                 optionalValue(m.maxConcurrency),
                                 m.cacheEnabled,
                                 m.cacheTtlSecs,
                                 m.connectTimeoutSecs,
                                 m.firstByteTimeoutSecs,
                                 m.idleTimeoutSecs,
                                 timeText(m.updatedAt)};
    if (insert) {
        return run(m_db->connection(),
                   QStringLiteral("INSERT INTO models (model_name, upstream_model, api_base, api_key,"
                                  " input_cost_per_token, output_cost_per_token, context_window, enabled,"
                                  " admission_weight, max_concurrency, cache_enabled, cache_ttl_secs,"
                                  " connect_timeout_secs, first_byte_timeout_secs, idle_timeout_secs, updated_at,"
                                  " created_at, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
                   values + QVariantList{timeText(m.createdAt), m.id}, error);
    }
    return run(m_db->connection(),
               QStringLiteral("UPDATE models SET model_name=?, upstream_model=?, api_base=?, api_key=?,"
                              " input_cost_per_token=?, output_cost_per_token=?, context_window=?, enabled=?,"
                              " admission_weight=?, max_concurrency=?, cache_enabled=?, cache_ttl_secs=?,"
                              " connect_timeout_secs=?, first_byte_timeout_secs=?, idle_timeout_secs=?,"
                              " updated_at=? WHERE id=?"),
               values + QVariantList{m.id}, error);
}

bool ConfigRepository::saveTenant(const Tenant &t, bool insert, QString *error)
{
    const QVariantList values = {t.name,
                                 t.fairshareGroup,
                                 t.weight,
                                 optionalValue(t.tokensPerMinute),
                                 optionalValue(t.maxInFlight),
                                 timeText(t.updatedAt)};
    if (insert) {
        return run(m_db->connection(),
                   QStringLiteral("INSERT INTO tenants (name, fairshare_group, weight, tokens_per_minute,"
                                  " max_in_flight, updated_at, created_at, id) VALUES (?,?,?,?,?,?,?,?)"),
                   values + QVariantList{timeText(t.createdAt), t.id}, error);
    }
    return run(m_db->connection(),
               QStringLiteral("UPDATE tenants SET name=?, fairshare_group=?, weight=?, tokens_per_minute=?,"
                              " max_in_flight=?, updated_at=? WHERE id=?"),
               values + QVariantList{t.id}, error);
}

bool ConfigRepository::saveKey(const ApiKey &k, bool insert, QString *error)
{
    const QVariant expires = k.expiresAt ? QVariant(timeText(*k.expiresAt)) : QVariant(QMetaType(QMetaType::QString));
    const QVariant models
        = k.allowedModels ? QVariant(stringListText(*k.allowedModels)) : QVariant(QMetaType(QMetaType::QString));
    if (insert) {
        return run(
            m_db->connection(),
            QStringLiteral("INSERT INTO api_keys (id, tenant_id, name, key_prefix, key_hash, disabled,"
                           " created_at, expires_at, allowed_models, max_in_flight) VALUES (?,?,?,?,?,?,?,?,?,?)"),
            {k.id, k.tenantId, k.name, k.keyPrefix, QString::fromLatin1(k.keyHash), k.disabled, timeText(k.createdAt),
             expires, models, optionalValue(k.maxInFlight)},
            error);
    }
    return run(m_db->connection(),
               QStringLiteral("UPDATE api_keys SET name=?, disabled=?, expires_at=?, allowed_models=?, max_in_flight=?"
                              " WHERE id=?"),
               {k.name, k.disabled, expires, models, optionalValue(k.maxInFlight), k.id}, error);
}

bool ConfigRepository::saveGroup(const FairShareGroup &g, bool insert, QString *error)
{
    if (insert) {
        return run(m_db->connection(),
                   QStringLiteral("INSERT INTO fairshare_groups (id, name, weight, created_at) VALUES (?,?,?,?)"),
                   {g.id, g.name, g.weight, timeText(g.createdAt)}, error);
    }
    return run(m_db->connection(), QStringLiteral("UPDATE fairshare_groups SET name=?, weight=? WHERE id=?"),
               {g.name, g.weight, g.id}, error);
}

bool ConfigRepository::saveMcpServer(const McpServer &s, bool insert, QString *error)
{
    const QString allowed = stringListText(s.allowedTenants);
    const QVariantList values
        = {s.name, s.upstreamUrl, textOrNull(s.authHeader), s.enabled, allowed, timeText(s.updatedAt)};
    if (insert) {
        return run(m_db->connection(),
                   QStringLiteral("INSERT INTO mcp_servers (name, upstream_url, auth_header, enabled,"
                                  " allowed_tenants, updated_at, created_at, id) VALUES (?,?,?,?,?,?,?,?)"),
                   values + QVariantList{timeText(s.createdAt), s.id}, error);
    }
    return run(m_db->connection(),
               QStringLiteral("UPDATE mcp_servers SET name=?, upstream_url=?, auth_header=?, enabled=?,"
                              " allowed_tenants=?, updated_at=? WHERE id=?"),
               values + QVariantList{s.id}, error);
}

bool ConfigRepository::saveSetting(const QString &key, const QString &value, QString *error)
{
    return run(m_db->connection(),
               QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?)"
                              " ON CONFLICT(key) DO UPDATE SET value=excluded.value"),
               {key, value}, error);
}

bool ConfigRepository::remove(const QString &table, const QString &id, QString *error)
{
    static const QStringList tables = {QStringLiteral("models"), QStringLiteral("tenants"), QStringLiteral("api_keys"),
                                       QStringLiteral("fairshare_groups"), QStringLiteral("mcp_servers")};
    Q_ASSERT(tables.contains(table));
    if (!tables.contains(table))
        return false;
    return run(m_db->connection(), QStringLiteral("DELETE FROM %1 WHERE id=?").arg(table), {id}, error);
}

bool ConfigRepository::saveTenantWithKey(const Tenant &tenant, const ApiKey &key, QString *error)
{
    QSqlDatabase db = m_db->connection();
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    if (!saveTenant(tenant, true, error) || !saveKey(key, true, error) || !db.commit()) {
        if (error->isEmpty())
            *error = db.lastError().text();
        db.rollback();
        return false;
    }
    return true;
}

} // namespace obleth::store
