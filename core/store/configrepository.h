#pragma once

#include "model/entities.h"
#include "secretcipher.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <functional>

namespace obleth::store {

class Database;

/// Reads and writes the configuration tables (tenants, groups, keys, models and their deployments, MCP servers,
/// settings). Every write returns false with @p error set when SQLite refuses it.
/// Upstream secrets (deployments' and models' api_key, MCP servers' auth_header, secret settings such as the alert
/// webhook's URL) are encrypted with a SecretCipher on their way in and decrypted on their way out: openSecrets()
/// must succeed before models, MCP servers or settings are read or written.
class ConfigRepository final
{
public:
    explicit ConfigRepository(Database *db);
    ~ConfigRepository();

    /// Opens the key file at @p keyPath (made when missing and the database holds no encrypted value yet), then
    /// encrypts in place every secret that an older obleth stored in plain text, and gives every model that has no
    /// deployment (one an older obleth stored) its one deployment made of its own api_base, upstream_model and
    /// api_key (the key re-sealed for its new place).
    /// On PostgreSQL @p keyPath is the database's secretKeyPath() (the data folder's secret.key), and the key must
    /// be the one every other instance on that database holds (see openSharedSecrets()).
    bool openSecrets(const QString &keyPath, QString *error);

    /// True when the last failure came from a lock that another connection held past the busy timeout (the
    /// database is busy, not broken: the same call may succeed later).
    [[nodiscard]] bool lastFailureWasBusy() const noexcept { return m_failure.busy; }
    /// True when the last failure came from a PostgreSQL that could not be reached (lastFailureWasBusy() is true
    /// too: the same call may succeed once it answers; the next call opens the connection again).
    [[nodiscard]] bool lastFailureWasUnreachable() const noexcept { return m_failure.unreachable; }

    /// What the last failure was, beyond its message.
    struct Failure
    {
        bool busy = false;
        bool unreachable = false;
    };

    struct Contents
    {
        QList<model::ModelConfig> models;
        QList<model::Tenant> tenants;
        QList<model::ApiKey> keys;
        QList<model::FairShareGroup> groups;
        QList<model::McpServer> mcpServers;
        QHash<QString, QString> settings;
    };
    bool loadAll(Contents *out, QString *error) const;

    /// Writes the model's row and its whole list of deployments (in order; the row's api_base, upstream_model and
    /// api_key mirror the first), in one transaction.
    bool saveModel(const model::ModelConfig &model, bool insert, QString *error);
    /// Sets only the fallbacks of the model with @p modelId (a model renamed or deleted that others named).
    bool saveModelFallbacks(const QString &modelId, const QStringList &fallbacks, const QDateTime &updatedAt,
                            QString *error);
    bool saveTenant(const model::Tenant &tenant, bool insert, QString *error);
    bool saveKey(const model::ApiKey &key, bool insert, QString *error);
    bool saveGroup(const model::FairShareGroup &group, bool insert, QString *error);
    bool saveMcpServer(const model::McpServer &server, bool insert, QString *error);
    bool saveSetting(const QString &key, const QString &value, QString *error);
    /// One value of the settings table; a secret one is sealed at rest, and an empty secret deletes the row.
    struct Setting
    {
        QString key;
        QString value;
        bool secret = false;
    };
    /// Writes @p settings in one transaction.
    bool saveSettings(const QList<Setting> &settings, QString *error);
    /// Deletes by id from one of: models, tenants, api_keys, fairshare_groups, mcp_servers.
    bool remove(const QString &table, const QString &id, QString *error);
    /// Creates a tenant with its first key in one transaction.
    bool saveTenantWithKey(const model::Tenant &tenant, const model::ApiKey &key, QString *error);

    /// Runs @p steps (which set @p error when they fail) in one transaction: all or nothing. Inside another
    /// atomically() (or a write that makes its own transaction), it joins that one.
    bool atomically(const std::function<bool()> &steps, QString *error);

private:
    /// openSecrets() on a database that several instances share (PostgreSQL): see the key's fingerprint there.
    bool openSharedSecrets(const QString &keyPath, qint64 encrypted, QString *error);
    bool encryptPlainSecrets(QString *error);
    bool addMissingDeployments(QString *error);
    /// Reads every deployment into its model of @p models, in order; a key that does not decrypt sets
    /// @p secretError.
    bool loadDeployments(QSqlDatabase db, QList<model::ModelConfig> *models, QString *secretError,
                         QString *error) const;
    /// The stored form of @p secret for @p column of row @p id ("table.column"), or NULL when it is empty.
    QVariant sealed(const QString &secret, const QString &column, const QString &id) const;
    /// Plain text of a stored value; false with @p error set when it does not decrypt.
    bool unsealed(const QVariant &stored, const QString &column, const QString &id, QString *out, QString *error) const;

    Database *m_db;
    SecretCipher m_cipher;
    mutable Failure m_failure;
    int m_transactionDepth = 0;
};

} // namespace obleth::store
