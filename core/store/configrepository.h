#pragma once

#include "config/entities.h"

#include <QList>
#include <QString>

namespace obleth::store {

class Database;

/// Reads and writes the configuration tables (tenants, groups, keys, models, MCP servers, settings).
/// Every write returns false with @p error set when SQLite refuses it.
class ConfigRepository final
{
public:
    explicit ConfigRepository(Database *db);

    struct Contents
    {
        QList<config::ModelConfig> models;
        QList<config::Tenant> tenants;
        QList<config::ApiKey> keys;
        QList<config::FairShareGroup> groups;
        QList<config::McpServer> mcpServers;
        QHash<QString, QString> settings;
    };
    bool loadAll(Contents *out, QString *error) const;

    bool saveModel(const config::ModelConfig &model, bool insert, QString *error);
    bool saveTenant(const config::Tenant &tenant, bool insert, QString *error);
    bool saveKey(const config::ApiKey &key, bool insert, QString *error);
    bool saveGroup(const config::FairShareGroup &group, bool insert, QString *error);
    bool saveMcpServer(const config::McpServer &server, bool insert, QString *error);
    bool saveSetting(const QString &key, const QString &value, QString *error);
    /// Deletes by id from one of: models, tenants, api_keys, fairshare_groups, mcp_servers.
    bool remove(const QString &table, const QString &id, QString *error);
    /// Creates a tenant with its first key in one transaction.
    bool saveTenantWithKey(const config::Tenant &tenant, const config::ApiKey &key, QString *error);

private:
    Database *m_db;
};

} // namespace obleth::store
