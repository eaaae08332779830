#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace obleth::model {

/// A model of the registry: how a client-facing name maps to an upstream.
struct ModelConfig
{
    QString id;
    QString modelName;
    QString upstreamModel;
    QString apiBase;
    QString apiKey; ///< Write-only: never returned by the API.
    double inputCostPerToken = 0;
    double outputCostPerToken = 0;
    std::optional<qint64> contextWindow;
    bool enabled = true;
    double admissionWeight = 1;
    std::optional<qint64> maxConcurrency;
    bool cacheEnabled = false;
    qint64 cacheTtlSecs = 300;
    qint64 connectTimeoutSecs = 10;
    qint64 firstByteTimeoutSecs = 600;
    qint64 idleTimeoutSecs = 120;
    QDateTime createdAt;
    QDateTime updatedAt;
};

struct Tenant
{
    QString id;
    QString name;
    QString fairshareGroup = QStringLiteral("default");
    qint64 weight = 100;
    std::optional<qint64> tokensPerMinute;
    std::optional<qint64> maxInFlight;
    QDateTime createdAt;
    QDateTime updatedAt;
};

struct ApiKey
{
    QString id;
    QString tenantId;
    QString name;
    QString keyPrefix;
    QByteArray keyHash; ///< Hex SHA-256 of the secret; the secret itself is never stored.
    bool disabled = false;
    QDateTime createdAt;
    std::optional<QDateTime> expiresAt;
    /// Scope (contract section 14): the model names this key may use; none: every model.
    std::optional<QStringList> allowedModels;
    /// At most this many requests of this key at once; none: no cap of its own.
    std::optional<qint64> maxInFlight;

    [[nodiscard]] bool isUsableAt(const QDateTime &now) const { return !disabled && (!expiresAt || *expiresAt > now); }
    [[nodiscard]] bool allowsModel(const QString &name) const
    {
        return !allowedModels || allowedModels->contains(name);
    }
};

struct FairShareGroup
{
    QString id;
    QString name;
    qint64 weight = 100;
    QDateTime createdAt;
};

struct McpServer
{
    QString id;
    QString name;
    QString upstreamUrl;
    QString authHeader; ///< Write-only.
    bool enabled = true;
    QStringList allowedTenants; ///< Empty: every tenant.
    QDateTime createdAt;
    QDateTime updatedAt;
};

inline const QString kDefaultGroup = QStringLiteral("default");
inline const QString kMockModelName = QStringLiteral("mock-model");

} // namespace obleth::model
