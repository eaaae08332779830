#pragma once

#include "entities.h"

#include <QHash>
#include <QList>

namespace obleth::model {

/// An immutable picture of the configuration. The data plane reads it on every request instead of
/// SQLite; every change builds a new one and swaps it in, so the next request sees the change.
struct ConfigSnapshot
{
    QList<ModelConfig> models;
    QList<Tenant> tenants;
    QList<ApiKey> keys;
    QList<FairShareGroup> groups;
    QList<McpServer> mcpServers;
    qint64 capacity = 64;
    QStringList corsAllowedOrigins; ///< browser origins the data plane answers (contract section 14)
    AdmissionSettings admission;
    AlertSettings alerts;

    QHash<QString, qsizetype> modelByName; ///< model_name -> index in models
    QHash<QByteArray, qsizetype> keyByHash; ///< key_hash -> index in keys
    QHash<QString, qsizetype> tenantById; ///< id -> index in tenants

    [[nodiscard]] const ModelConfig *findModel(const QString &name) const
    {
        const auto it = modelByName.constFind(name);
        return it == modelByName.cend() ? nullptr : &models.at(*it);
    }
    /// By id, for the GUI (a linear scan: registries are small and this is not on the request path).
    [[nodiscard]] const ModelConfig *findModelById(const QString &id) const
    {
        for (const ModelConfig &m : models) {
            if (m.id == id)
                return &m;
        }
        return nullptr;
    }
    [[nodiscard]] const ApiKey *findKeyByHash(const QByteArray &hash) const
    {
        const auto it = keyByHash.constFind(hash);
        return it == keyByHash.cend() ? nullptr : &keys.at(*it);
    }
    [[nodiscard]] const Tenant *findTenant(const QString &id) const
    {
        const auto it = tenantById.constFind(id);
        return it == tenantById.cend() ? nullptr : &tenants.at(*it);
    }
    void buildIndexes()
    {
        for (qsizetype i = 0; i < models.size(); ++i) {
            ModelConfig &m = models[i];
            // A model the store holds no deployments for is served by its own api_base (one deployment).
            if (m.deployments.isEmpty() && !m.apiBase.isEmpty())
                m.deployments.append(
                    Deployment{m.id, m.apiBase, m.upstreamModel, m.apiKey, 1, std::nullopt, true, std::nullopt});
            modelByName.insert(m.modelName, i);
        }
        for (qsizetype i = 0; i < keys.size(); ++i)
            keyByHash.insert(keys.at(i).keyHash, i);
        for (qsizetype i = 0; i < tenants.size(); ++i)
            tenantById.insert(tenants.at(i).id, i);
    }
};

} // namespace obleth::model
