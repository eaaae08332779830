#pragma once

#include "model/entities.h"
#include "secretcipher.h"

#include <QList>
#include <QString>

namespace obleth::store {

class Database;

/// Reads and writes the configuration tables (tenants, groups, keys, models, MCP servers, settings).
/// Every write returns false with @p error set when SQLite refuses it.
/// Upstream secrets (models' api_key, MCP servers' auth_header) are encrypted with a SecretCipher on their way
/// in and decrypted on their way out: openSecrets() must succeed before models or MCP servers are read or written.
class ConfigRepository final
{
public:
    explicit ConfigRepository(Database *db);
    ~ConfigRepository();

    /// Opens the key file at @p keyPath (made when missing and the database holds no encrypted value yet), then
    /// encrypts in place every secret that an older obleth stored in plain text.
    bool openSecrets(const QString &keyPath, QString *error);

    /// True when the last failure came from a lock that another connection held past the busy timeout (the
    /// database is busy, not broken: the same call may succeed later).
    [[nodiscard]] bool lastFailureWasBusy() const noexcept { return m_busy; }

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

    bool saveModel(const model::ModelConfig &model, bool insert, QString *error);
    bool saveTenant(const model::Tenant &tenant, bool insert, QString *error);
    bool saveKey(const model::ApiKey &key, bool insert, QString *error);
    bool saveGroup(const model::FairShareGroup &group, bool insert, QString *error);
    bool saveMcpServer(const model::McpServer &server, bool insert, QString *error);
    bool saveSetting(const QString &key, const QString &value, QString *error);
    /// Deletes by id from one of: models, tenants, api_keys, fairshare_groups, mcp_servers.
    bool remove(const QString &table, const QString &id, QString *error);
    /// Creates a tenant with its first key in one transaction.
    bool saveTenantWithKey(const model::Tenant &tenant, const model::ApiKey &key, QString *error);

private:
    bool encryptPlainSecrets(QString *error);
    /// The stored form of @p secret for @p column of row @p id ("table.column"), or NULL when it is empty.
    QVariant sealed(const QString &secret, const QString &column, const QString &id) const;
    /// Plain text of a stored value; false with @p error set when it does not decrypt.
    bool unsealed(const QVariant &stored, const QString &column, const QString &id, QString *out, QString *error) const;

    Database *m_db;
    SecretCipher m_cipher;
    mutable bool m_busy = false;
};

} // namespace obleth::store
