#pragma once

#include "model/configsnapshot.h"
#include "jsonfields.h"

#include <QJsonObject>
#include <QObject>

#include <functional>
#include <memory>

namespace obleth::store {
class ConfigRepository;
class Database;
} // namespace obleth::store

namespace obleth::config {

/// The one place where the configuration changes: validates, writes to SQLite, then publishes a new
/// snapshot. The Management API and the GUI both go through it, so they always agree.
/// Lives in the gateway thread; snapshot() may be read from any thread.
class ConfigService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigService)

public:
    explicit ConfigService(store::Database *db, QObject *parent = nullptr);
    ~ConfigService() override;

    /// Opens the key file of the stored upstream secrets (secret.key next to the database, made on first
    /// start), encrypts secrets an older obleth stored in plain text, loads the configuration and makes sure the
    /// group "default" exists.
    bool load(QString *error);
    [[nodiscard]] std::shared_ptr<const model::ConfigSnapshot> snapshot() const;

    /// On a database with no tenant at all: creates tenant "default" and a key for it, and returns the
    /// key's secret (shown once). Otherwise returns an empty string.
    [[nodiscard]] QString bootstrapDefaultTenant(QString *error);

    // Models
    Problem createModel(const QJsonObject &json, model::ModelConfig *out);
    Problem replaceModel(const QString &id, const QJsonObject &json, model::ModelConfig *out);
    Problem patchModel(const QString &id, const QJsonObject &json, model::ModelConfig *out);
    Problem setModelCache(const QString &id, const QJsonObject &json, model::ModelConfig *out);
    Problem deleteModel(const QString &id);

    // Tenants
    Problem createTenant(const QJsonObject &json, model::Tenant *out);
    Problem patchTenant(const QString &id, const QJsonObject &json, model::Tenant *out);
    Problem setTenantWeight(const QString &id, const QJsonObject &json, model::Tenant *out);
    Problem setTenantQuota(const QString &id, const QJsonObject &json, model::Tenant *out);
    Problem setTenantGroup(const QString &id, const QJsonObject &json, model::Tenant *out);
    Problem deleteTenant(const QString &id);

    // Keys
    Problem createKey(const QString &tenantId, const QJsonObject &json, model::ApiKey *out, QString *secret);
    /// Changes name, expires_at, allowed_models and max_in_flight (contract section 14).
    Problem patchKey(const QString &id, const QJsonObject &json, model::ApiKey *out);
    Problem setKeyDisabled(const QString &id, const QJsonObject &json, model::ApiKey *out);
    Problem deleteKey(const QString &id);

    // Fair-share
    Problem createGroup(const QJsonObject &json, model::FairShareGroup *out);
    Problem setCapacity(const QJsonObject &json, qint64 *out);
    /// {"allowed_origins": [...]}: the browser origins the data plane answers.
    Problem setCorsOrigins(const QJsonObject &json, QStringList *out);

    // MCP servers
    Problem createMcpServer(const QJsonObject &json, model::McpServer *out);
    Problem replaceMcpServer(const QString &id, const QJsonObject &json, model::McpServer *out);
    Problem deleteMcpServer(const QString &id);

Q_SIGNALS:
    /// The configuration changed; snapshot() already shows it.
    void changed();

private:
    Problem reload();
    /// Runs @p write against the store, then publishes the new snapshot and emits changed().
    Problem commit(const std::function<bool(QString *)> &write);
    Problem tenantUpdate(const QString &id, const QJsonObject &json, const QStringList &allowed, model::Tenant *out);
    Problem saveModel(model::ModelConfig model, bool insert, model::ModelConfig *out);
    Problem saveTenant(model::Tenant tenant, bool insert, model::Tenant *out);
    Problem checkTenant(const model::Tenant &tenant) const;
    Problem storageProblem(const QString &error) const;

    store::Database *m_db;
    std::unique_ptr<store::ConfigRepository> m_repo;
    std::shared_ptr<const model::ConfigSnapshot> m_snapshot;
};

} // namespace obleth::config
