#include "configrepository.h"

#include "database.h"
#include "platform/logging.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTimeZone>
#include <QUuid>
#include <QVariant>

#include <algorithm>

namespace obleth::store {

using namespace obleth::model;

namespace {

using Failure = ConfigRepository::Failure;

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
    // Stored times are UTC. setTimeSpec() is deprecated from Qt 6.8 on (a -Werror build stops there), and
    // QTimeZone::UTC, which gives the same plain-UTC time, only exists from 6.5 on.
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    t.setTimeZone(QTimeZone::UTC);
#else
    t.setTimeSpec(Qt::UTC);
#endif
    return t;
}

/// Notes @p e in @p error, and in @p failure whether a lock held elsewhere caused it, or (PostgreSQL) the database
/// could not be reached: either way the database is not broken, and the same call may succeed later.
bool failed(const QSqlDatabase &db, const QSqlError &e, QString *error, Failure *failure)
{
    *error = e.text();
    const Database::Dialect dialect = Database::dialectOf(db);
    failure->busy = Database::isBusyCode(e.nativeErrorCode(), dialect);
    failure->unreachable = false;
    if (!failure->busy && dialect == Database::Dialect::Postgres && Database::connectionLost(db)) {
        failure->busy = true;
        failure->unreachable = true;
        *error = QStringLiteral("the database cannot be reached (%1)").arg(e.text().trimmed());
    }
    return false;
}

/// Runs @p sql with @p binds (positional placeholders) in order.
bool run(QSqlDatabase db, const QString &sql, const QVariantList &binds, QString *error, Failure *failure)
{
    QSqlQuery q(db);
    if (!q.prepare(sql))
        return failed(db, q.lastError(), error, failure);
    for (const QVariant &v : binds)
        q.addBindValue(v);
    if (!q.exec())
        return failed(db, q.lastError(), error, failure);
    return true;
}

bool selectAll(QSqlDatabase db, const QString &sql, const std::function<void(const QSqlQuery &)> &row, QString *error,
               Failure *failure)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(sql))
        return failed(db, q.lastError(), error, failure);
    while (q.next())
        row(q);
    if (q.lastError().isValid())
        return failed(db, q.lastError(), error, failure);
    return true;
}

/// The columns that hold upstream secrets.
struct SecretColumn
{
    QString table;
    QString column;
};
const QList<SecretColumn> &secretColumns()
{
    static const QList<SecretColumn> columns = {{QStringLiteral("models"), QStringLiteral("api_key")},
                                                {QStringLiteral("deployments"), QStringLiteral("api_key")},
                                                {QStringLiteral("mcp_servers"), QStringLiteral("auth_header")}};
    return columns;
}

/// The place of a secret setting's value, for its associated data ("settings.value:<key>").
const QString kSettingsValue = QStringLiteral("settings.value");
const QString kModelsApiKey = QStringLiteral("models.api_key");
const QString kDeploymentsApiKey = QStringLiteral("deployments.api_key");

} // namespace

ConfigRepository::ConfigRepository(Database *db)
    : m_db(db)
{ }

ConfigRepository::~ConfigRepository() = default;

bool ConfigRepository::openSecrets(const QString &givenKeyPath, QString *error)
{
    // A URL has no folder: a PostgreSQL database's key file is in the data folder the gateway named.
    const QString keyPath = m_db->dialect() == Database::Dialect::Postgres && !m_db->secretKeyPath().isEmpty()
        ? m_db->secretKeyPath()
        : givenKeyPath;
    QSqlDatabase db = m_db->connection();
    // Changed or deleted rows are overwritten with zeros, so that a secret replaced or removed (or the plain text
    // encrypted below) leaves no copy in the file's free space. (PostgreSQL has no such setting: its dead rows go
    // with VACUUM.)
    if (m_db->dialect() == Database::Dialect::Sqlite
        && !run(db, QStringLiteral("PRAGMA secure_delete=ON"), {}, error, &m_failure)) {
        return false;
    }
    qint64 encrypted = 0;
    QList<SecretColumn> sealedColumns = secretColumns();
    sealedColumns.append({QStringLiteral("settings"), QStringLiteral("value")});
    for (const SecretColumn &c : std::as_const(sealedColumns)) {
        if (!selectAll(
                db, QStringLiteral("SELECT count(*) FROM %1 WHERE substr(%2, 1, 5) = 'enc1:'").arg(c.table, c.column),
                [&](const QSqlQuery &q) { encrypted += q.value(0).toLongLong(); }, error, &m_failure)) {
            return false;
        }
    }
    if (m_db->dialect() == Database::Dialect::Postgres)
        return openSharedSecrets(keyPath, encrypted, error) && encryptPlainSecrets(error)
            && addMissingDeployments(error);
    return m_cipher.open(keyPath, encrypted == 0, error) && encryptPlainSecrets(error) && addMissingDeployments(error);
}

bool ConfigRepository::openSharedSecrets(const QString &keyPath, qint64 encrypted, QString *error)
{
    // Every instance on a shared database needs the same key file. The database keeps the key's fingerprint, set
    // by the first instance that opened it: an instance without the file, or with another key, is refused with
    // what to do (rather than making a key that could never decrypt what the others sealed).
    static const QString kFingerprint = QStringLiteral("secrets.key_fingerprint");
    QSqlDatabase db = m_db->connection();
    QString stored;
    auto readFingerprint = [&] {
        return selectAll(
            db, QStringLiteral("SELECT value FROM settings WHERE key = '%1'").arg(kFingerprint),
            [&](const QSqlQuery &q) { stored = q.value(0).toString(); }, error, &m_failure);
    };
    if (!readFingerprint())
        return false;
    const bool shared = encrypted > 0 || !stored.isEmpty();
    const QString copyIt = QStringLiteral(
        "every instance on a shared database needs the same key file: copy secret.key from another instance's data "
        "folder to %1 (mode 600), then start again");
    if (shared && !QFileInfo::exists(keyPath)) {
        *error = QStringLiteral("the key file %1 is missing, so the upstream secrets stored in the shared database "
                                "cannot be decrypted; %2")
                     .arg(keyPath, copyIt.arg(keyPath));
        return false;
    }
    if (!m_cipher.open(keyPath, !shared, error))
        return false;
    const QString mine = m_cipher.fingerprint();
    if (stored.isEmpty()) {
        // Two instances starting at once: the first one's fingerprint stays, and the other finds it below.
        if (!run(db, QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
                 {kFingerprint, mine}, error, &m_failure)
            || !readFingerprint()) {
            return false;
        }
    }
    if (stored != mine) {
        *error = QStringLiteral("the key file %1 is not the one the shared database's upstream secrets are sealed "
                                "with; %2")
                     .arg(keyPath, copyIt.arg(keyPath));
        return false;
    }
    return true;
}

bool ConfigRepository::addMissingDeployments(QString *error)
{
    struct Legacy
    {
        QString id;
        QString apiBase;
        QString upstreamModel;
        QVariant apiKey;
    };
    QList<Legacy> models;
    QSqlDatabase db = m_db->connection();
    if (!selectAll(
            db,
            QStringLiteral("SELECT id, api_base, upstream_model, api_key FROM models m"
                           " WHERE NOT EXISTS (SELECT 1 FROM deployments d WHERE d.model_id = m.id)"),
            [&](const QSqlQuery &q) {
                models.append({q.value(0).toString(), q.value(1).toString(), q.value(2).toString(), q.value(3)});
            },
            error, &m_failure)) {
        return false;
    }
    if (models.isEmpty())
        return true;
    const bool written = atomically(
        [&] {
            for (const Legacy &m : std::as_const(models)) {
                QString key;
                if (!unsealed(m.apiKey, kModelsApiKey, m.id, &key, error))
                    return false;
                const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
                if (!run(db,
                         QStringLiteral("INSERT INTO deployments (id, model_id, position, api_base, upstream_model,"
                                        " api_key, weight, max_concurrency, enabled) VALUES (?,?,0,?,?,?,1,NULL,1)"),
                         {id, m.id, m.apiBase, m.upstreamModel, sealed(key, kDeploymentsApiKey, id)}, error,
                         &m_failure)) {
                    return false;
                }
            }
            return true;
        },
        error);
    if (written)
        qCInfo(lcStore) << "gave" << models.size() << "models of an older obleth their one deployment";
    return written;
}

bool ConfigRepository::atomically(const std::function<bool()> &steps, QString *error)
{
    if (m_transactionDepth > 0)
        return steps();
    QSqlDatabase db = m_db->connection();
    if (!db.transaction())
        return failed(db, db.lastError(), error, &m_failure);
    ++m_transactionDepth;
    const bool ok = steps();
    --m_transactionDepth;
    if (!ok) {
        db.rollback();
        return false;
    }
    if (!db.commit()) {
        failed(db, db.lastError(), error, &m_failure);
        db.rollback();
        return false;
    }
    return true;
}

bool ConfigRepository::encryptPlainSecrets(QString *error)
{
    QSqlDatabase db = m_db->connection();
    if (!db.transaction())
        return failed(db, db.lastError(), error, &m_failure);
    int changed = 0;
    for (const SecretColumn &c : secretColumns()) {
        QList<QPair<QString, QString>> plain; // id, value
        const bool read = selectAll(
            db,
            QStringLiteral("SELECT id, %2 FROM %1 WHERE %2 IS NOT NULL AND %2 <> '' AND substr(%2, 1, 5) <> 'enc1:'")
                .arg(c.table, c.column),
            [&](const QSqlQuery &q) {
                plain.append({q.value(0).toString(), q.value(1).toString()});
            },
            error, &m_failure);
        if (!read) {
            db.rollback();
            return false;
        }
        for (const auto &[id, value] : std::as_const(plain)) {
            if (!run(db, QStringLiteral("UPDATE %1 SET %2=? WHERE id=?").arg(c.table, c.column),
                     {sealed(value, c.table + QLatin1Char('.') + c.column, id), id}, error, &m_failure)) {
                db.rollback();
                return false;
            }
            ++changed;
        }
    }
    if (!db.commit()) {
        failed(db, db.lastError(), error, &m_failure);
        db.rollback();
        return false;
    }
    if (changed > 0) {
        qCInfo(lcStore) << "encrypted" << changed << "upstream secrets that an older obleth stored in plain text";
        // Move the encrypted pages into the database file now, over the plain-text ones, and empty the WAL.
        QString ignored;
        if (m_db->dialect() == Database::Dialect::Sqlite)
            run(db, QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"), {}, &ignored, &m_failure);
    }
    return true;
}

QVariant ConfigRepository::sealed(const QString &secret, const QString &column, const QString &id) const
{
    if (secret.isEmpty())
        return QVariant(QMetaType(QMetaType::QString));
    return m_cipher.encrypt(secret, column + QLatin1Char(':') + id);
}

bool ConfigRepository::unsealed(const QVariant &stored, const QString &column, const QString &id, QString *out,
                                QString *error) const
{
    const QString text = stored.toString();
    if (text.isEmpty() || !SecretCipher::isEncrypted(text)) {
        *out = text; // none, or plain text written behind obleth's back (encrypted on the next start)
        return true;
    }
    if (!m_cipher.isOpen()) {
        *error = QStringLiteral("the key file for the stored upstream secrets is not open");
        return false;
    }
    return m_cipher.decrypt(text, column + QLatin1Char(':') + id, out, error);
}

bool ConfigRepository::loadAll(Contents *out, QString *error) const
{
    QSqlDatabase db = m_db->connection();
    *out = {};
    QString secretError;
    const bool read
        = selectAll(
              db,
              QStringLiteral("SELECT id, model_name, upstream_model, api_base, api_key, input_cost_per_token,"
                             " output_cost_per_token, context_window, enabled, admission_weight,"
                             " max_concurrency, cache_enabled, cache_ttl_secs, connect_timeout_secs,"
                             " first_byte_timeout_secs, idle_timeout_secs, created_at, updated_at, fallbacks,"
                             " auto_route, unhealthy_after, cooldown_secs, health_check_secs, max_retries,"
                             " api_format FROM models ORDER BY created_at, model_name"),
              [this, out, &secretError](const QSqlQuery &q) {
                  model::ModelConfig m;
                  m.id = q.value(0).toString();
                  m.modelName = q.value(1).toString();
                  m.upstreamModel = q.value(2).toString();
                  m.apiBase = q.value(3).toString();
                  if (!unsealed(q.value(4), kModelsApiKey, m.id, &m.apiKey, &secretError))
                      return;
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
                  m.fallbacks = stringListFrom(q.value(18));
                  m.autoRoute = q.value(19).toBool();
                  m.unhealthyAfter = q.value(20).toLongLong();
                  m.cooldownSecs = q.value(21).toLongLong();
                  m.healthCheckSecs = q.value(22).toLongLong();
                  m.maxRetries = q.value(23).toLongLong();
                  // a name written behind obleth's back that it does not know: the default
                  m.apiFormat = model::apiFormatNamed(q.value(24).toString()).value_or(model::ApiFormat::OpenAI);
                  out->models.append(m);
              },
              error, &m_failure)
        && loadDeployments(db, &out->models, &secretError, error)
        && selectAll(
              db,
              QStringLiteral("SELECT id, name, fairshare_group, weight, tokens_per_minute, max_in_flight,"
                             " created_at, updated_at FROM tenants ORDER BY created_at, name"),
              [out](const QSqlQuery &q) {
                  model::Tenant t;
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
              error, &m_failure)
        && selectAll(
              db,
              QStringLiteral("SELECT id, tenant_id, name, key_prefix, key_hash, disabled, created_at,"
                             " expires_at, allowed_models, max_in_flight FROM api_keys ORDER BY created_at, id"),
              [out](const QSqlQuery &q) {
                  model::ApiKey k;
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
              error, &m_failure)
        && selectAll(
              db,
              QStringLiteral("SELECT id, name, weight, created_at FROM fairshare_groups"
                             " ORDER BY created_at, name"),
              [out](const QSqlQuery &q) {
                  model::FairShareGroup g;
                  g.id = q.value(0).toString();
                  g.name = q.value(1).toString();
                  g.weight = q.value(2).toLongLong();
                  g.createdAt = timeFrom(q.value(3));
                  out->groups.append(g);
              },
              error, &m_failure)
        && selectAll(
              db,
              QStringLiteral("SELECT id, name, upstream_url, auth_header, enabled, allowed_tenants,"
                             " created_at, updated_at FROM mcp_servers ORDER BY created_at, name"),
              [this, out, &secretError](const QSqlQuery &q) {
                  model::McpServer s;
                  s.id = q.value(0).toString();
                  s.name = q.value(1).toString();
                  s.upstreamUrl = q.value(2).toString();
                  if (!unsealed(q.value(3), QStringLiteral("mcp_servers.auth_header"), s.id, &s.authHeader,
                                &secretError)) {
                      return;
                  }
                  s.enabled = q.value(4).toBool();
                  s.allowedTenants = stringListFrom(q.value(5));
                  s.createdAt = timeFrom(q.value(6));
                  s.updatedAt = timeFrom(q.value(7));
                  out->mcpServers.append(s);
              },
              error, &m_failure)
        && selectAll(
              db, QStringLiteral("SELECT key, value FROM settings"),
              [this, out, &secretError](const QSqlQuery &q) {
                  const QString key = q.value(0).toString();
                  QString value;
                  if (unsealed(q.value(1), kSettingsValue, key, &value, &secretError))
                      out->settings.insert(key, value);
              },
              error, &m_failure);
    if (read && !secretError.isEmpty()) {
        *error = secretError;
        m_failure = {};
        return false;
    }
    return read;
}

bool ConfigRepository::loadDeployments(QSqlDatabase db, QList<model::ModelConfig> *models, QString *secretError,
                                       QString *error) const
{
    QHash<QString, qsizetype> byId;
    for (qsizetype i = 0; i < models->size(); ++i)
        byId.insert(models->at(i).id, i);
    const bool read = selectAll(
        db,
        QStringLiteral("SELECT id, model_id, api_base, upstream_model, api_key, weight, max_concurrency, enabled,"
                       " api_format FROM deployments ORDER BY model_id, position"),
        [&](const QSqlQuery &q) {
            const auto it = byId.constFind(q.value(1).toString());
            if (it == byId.cend())
                return;
            model::Deployment d;
            d.id = q.value(0).toString();
            d.apiBase = q.value(2).toString();
            d.upstreamModel = q.value(3).toString();
            if (!unsealed(q.value(4), kDeploymentsApiKey, d.id, &d.apiKey, secretError))
                return;
            d.weight = q.value(5).toDouble();
            d.maxConcurrency = optionalFrom(q.value(6));
            d.enabled = q.value(7).toBool();
            d.apiFormat = q.value(8).isNull() ? std::nullopt : model::apiFormatNamed(q.value(8).toString());
            (*models)[*it].deployments.append(d);
        },
        error, &m_failure);
    // The model's own fields are the first deployment's (the row keeps a copy, which this makes sure of).
    for (model::ModelConfig &m : *models) {
        if (m.deployments.isEmpty())
            continue;
        const model::Deployment &first = m.deployments.constFirst();
        m.apiBase = first.apiBase;
        m.upstreamModel = first.upstreamModel;
        m.apiKey = first.apiKey;
    }
    return read;
}

bool ConfigRepository::saveModel(const model::ModelConfig &m, bool insert, QString *error)
{
    if (!m_cipher.isOpen()) {
        *error = QStringLiteral("the key file for the stored upstream secrets is not open");
        return false;
    }
    const model::Deployment *first = m.deployments.isEmpty() ? nullptr : &m.deployments.constFirst();
    const QVariantList values = {m.modelName,
                                 first ? first->upstreamModel : m.upstreamModel,
                                 first ? first->apiBase : m.apiBase,
                                 sealed(first ? first->apiKey : m.apiKey, kModelsApiKey, m.id),
                                 m.inputCostPerToken,
                                 m.outputCostPerToken,
                                 optionalValue(m.contextWindow),
                                 int(m.enabled),
                                 m.admissionWeight,
                                 optionalValue(m.maxConcurrency),
                                 int(m.cacheEnabled),
                                 m.cacheTtlSecs,
                                 m.connectTimeoutSecs,
                                 m.firstByteTimeoutSecs,
                                 m.idleTimeoutSecs,
                                 stringListText(m.fallbacks),
                                 int(m.autoRoute),
                                 m.unhealthyAfter,
                                 m.cooldownSecs,
                                 m.healthCheckSecs,
                                 m.maxRetries,
                                 model::apiFormatName(m.apiFormat),
                                 timeText(m.updatedAt)};
    QSqlDatabase db = m_db->connection();
    return atomically(
        [&] {
            const bool row = insert
                ? run(db,
                      QStringLiteral("INSERT INTO models (model_name, upstream_model, api_base, api_key,"
                                     " input_cost_per_token, output_cost_per_token, context_window, enabled,"
                                     " admission_weight, max_concurrency, cache_enabled, cache_ttl_secs,"
                                     " connect_timeout_secs, first_byte_timeout_secs, idle_timeout_secs, fallbacks,"
                                     " auto_route, unhealthy_after, cooldown_secs, health_check_secs, max_retries,"
                                     " api_format, updated_at, created_at, id)"
                                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
                      values + QVariantList{timeText(m.createdAt), m.id}, error, &m_failure)
                : run(db,
                      QStringLiteral("UPDATE models SET model_name=?, upstream_model=?, api_base=?, api_key=?,"
                                     " input_cost_per_token=?, output_cost_per_token=?, context_window=?, enabled=?,"
                                     " admission_weight=?, max_concurrency=?, cache_enabled=?, cache_ttl_secs=?,"
                                     " connect_timeout_secs=?, first_byte_timeout_secs=?, idle_timeout_secs=?,"
                                     " fallbacks=?, auto_route=?, unhealthy_after=?, cooldown_secs=?,"
                                     " health_check_secs=?, max_retries=?, api_format=?, updated_at=? WHERE id=?"),
                      values + QVariantList{m.id}, error, &m_failure);
            if (!row || !run(db, QStringLiteral("DELETE FROM deployments WHERE model_id=?"), {m.id}, error, &m_failure))
                return false;
            for (qsizetype i = 0; i < m.deployments.size(); ++i) {
                const model::Deployment &d = m.deployments.at(i);
                if (!run(db,
                         QStringLiteral("INSERT INTO deployments (id, model_id, position, api_base, upstream_model,"
                                        " api_key, weight, max_concurrency, enabled, api_format)"
                                        " VALUES (?,?,?,?,?,?,?,?,?,?)"),
                         {d.id, m.id, qint64(i), d.apiBase, d.upstreamModel, sealed(d.apiKey, kDeploymentsApiKey, d.id),
                          d.weight, optionalValue(d.maxConcurrency), int(d.enabled),
                          d.apiFormat ? QVariant(model::apiFormatName(*d.apiFormat))
                                      : QVariant(QMetaType(QMetaType::QString))},
                         error, &m_failure)) {
                    return false;
                }
            }
            return true;
        },
        error);
}

bool ConfigRepository::saveModelFallbacks(const QString &modelId, const QStringList &fallbacks,
                                          const QDateTime &updatedAt, QString *error)
{
    return run(m_db->connection(), QStringLiteral("UPDATE models SET fallbacks=?, updated_at=? WHERE id=?"),
               {stringListText(fallbacks), timeText(updatedAt), modelId}, error, &m_failure);
}

bool ConfigRepository::saveTenant(const model::Tenant &t, bool insert, QString *error)
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
                   values + QVariantList{timeText(t.createdAt), t.id}, error, &m_failure);
    }
    return run(m_db->connection(),
               QStringLiteral("UPDATE tenants SET name=?, fairshare_group=?, weight=?, tokens_per_minute=?,"
                              " max_in_flight=?, updated_at=? WHERE id=?"),
               values + QVariantList{t.id}, error, &m_failure);
}

bool ConfigRepository::saveKey(const model::ApiKey &k, bool insert, QString *error)
{
    const QVariant expires = k.expiresAt ? QVariant(timeText(*k.expiresAt)) : QVariant(QMetaType(QMetaType::QString));
    const QVariant models
        = k.allowedModels ? QVariant(stringListText(*k.allowedModels)) : QVariant(QMetaType(QMetaType::QString));
    if (insert) {
        return run(
            m_db->connection(),
            QStringLiteral("INSERT INTO api_keys (id, tenant_id, name, key_prefix, key_hash, disabled,"
                           " created_at, expires_at, allowed_models, max_in_flight) VALUES (?,?,?,?,?,?,?,?,?,?)"),
            {k.id, k.tenantId, k.name, k.keyPrefix, QString::fromLatin1(k.keyHash), int(k.disabled),
             timeText(k.createdAt), expires, models, optionalValue(k.maxInFlight)},
            error, &m_failure);
    }
    return run(m_db->connection(),
               QStringLiteral("UPDATE api_keys SET name=?, disabled=?, expires_at=?, allowed_models=?, max_in_flight=?"
                              " WHERE id=?"),
               {k.name, int(k.disabled), expires, models, optionalValue(k.maxInFlight), k.id}, error, &m_failure);
}

bool ConfigRepository::saveGroup(const model::FairShareGroup &g, bool insert, QString *error)
{
    if (insert) {
        return run(m_db->connection(),
                   QStringLiteral("INSERT INTO fairshare_groups (id, name, weight, created_at) VALUES (?,?,?,?)"),
                   {g.id, g.name, g.weight, timeText(g.createdAt)}, error, &m_failure);
    }
    return run(m_db->connection(), QStringLiteral("UPDATE fairshare_groups SET name=?, weight=? WHERE id=?"),
               {g.name, g.weight, g.id}, error, &m_failure);
}

bool ConfigRepository::saveMcpServer(const model::McpServer &s, bool insert, QString *error)
{
    if (!m_cipher.isOpen()) {
        *error = QStringLiteral("the key file for the stored upstream secrets is not open");
        return false;
    }
    const QString allowed = stringListText(s.allowedTenants);
    const QVariantList values
        = {s.name,         s.upstreamUrl, sealed(s.authHeader, QStringLiteral("mcp_servers.auth_header"), s.id),
           int(s.enabled), allowed,       timeText(s.updatedAt)};
    if (insert) {
        return run(m_db->connection(),
                   QStringLiteral("INSERT INTO mcp_servers (name, upstream_url, auth_header, enabled,"
                                  " allowed_tenants, updated_at, created_at, id) VALUES (?,?,?,?,?,?,?,?)"),
                   values + QVariantList{timeText(s.createdAt), s.id}, error, &m_failure);
    }
    return run(m_db->connection(),
               QStringLiteral("UPDATE mcp_servers SET name=?, upstream_url=?, auth_header=?, enabled=?,"
                              " allowed_tenants=?, updated_at=? WHERE id=?"),
               values + QVariantList{s.id}, error, &m_failure);
}

bool ConfigRepository::saveSetting(const QString &key, const QString &value, QString *error)
{
    return run(m_db->connection(),
               QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?)"
                              " ON CONFLICT(key) DO UPDATE SET value=excluded.value"),
               {key, value}, error, &m_failure);
}

bool ConfigRepository::saveSettings(const QList<Setting> &settings, QString *error)
{
    if (!m_cipher.isOpen()
        && std::any_of(settings.cbegin(), settings.cend(), [](const Setting &s) { return s.secret; })) {
        *error = QStringLiteral("the key file for the stored secrets is not open");
        return false;
    }
    QSqlDatabase db = m_db->connection();
    return atomically(
        [&] {
            for (const Setting &s : settings) {
                const bool ok = s.secret && s.value.isEmpty()
                    ? run(db, QStringLiteral("DELETE FROM settings WHERE key=?"), {s.key}, error, &m_failure)
                    : run(db,
                          QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?)"
                                         " ON CONFLICT(key) DO UPDATE SET value=excluded.value"),
                          {s.key, s.secret ? sealed(s.value, kSettingsValue, s.key) : QVariant(s.value)}, error,
                          &m_failure);
                if (!ok)
                    return false;
            }
            return true;
        },
        error);
}

bool ConfigRepository::remove(const QString &table, const QString &id, QString *error)
{
    static const QStringList tables = {QStringLiteral("models"), QStringLiteral("tenants"), QStringLiteral("api_keys"),
                                       QStringLiteral("fairshare_groups"), QStringLiteral("mcp_servers")};
    Q_ASSERT(tables.contains(table));
    if (!tables.contains(table))
        return false;
    return run(m_db->connection(), QStringLiteral("DELETE FROM %1 WHERE id=?").arg(table), {id}, error, &m_failure);
}

bool ConfigRepository::saveTenantWithKey(const model::Tenant &tenant, const model::ApiKey &key, QString *error)
{
    QSqlDatabase db = m_db->connection();
    if (!db.transaction())
        return failed(db, db.lastError(), error, &m_failure);
    if (!saveTenant(tenant, true, error) || !saveKey(key, true, error) || !db.commit()) {
        if (error->isEmpty())
            failed(db, db.lastError(), error, &m_failure);
        db.rollback();
        return false;
    }
    return true;
}

} // namespace obleth::store
