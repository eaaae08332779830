#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <optional>

namespace obleth::model {

/// One upstream that serves a model (contract section 10): its own base URL, key, upstream model name, share of
/// the model's requests (weight) and cap on requests at once.
/// The API an upstream speaks (contract section 13): OpenAI's (Chat Completions, Responses, embeddings) or Anthropic's
/// Messages API. A request in the other dialect is translated (Messages onto Chat Completions) or refused.
enum class ApiFormat { OpenAI, Anthropic };

/// An ApiFormat's name in the API and the store: "openai" or "anthropic".
[[nodiscard]] inline QString apiFormatName(ApiFormat format)
{
    return format == ApiFormat::Anthropic ? QStringLiteral("anthropic") : QStringLiteral("openai");
}
/// The ApiFormat named @p name (exactly "openai" or "anthropic"); none for anything else.
[[nodiscard]] inline std::optional<ApiFormat> apiFormatNamed(const QString &name)
{
    if (name == QLatin1String("openai"))
        return ApiFormat::OpenAI;
    if (name == QLatin1String("anthropic"))
        return ApiFormat::Anthropic;
    return std::nullopt;
}

struct Deployment
{
    QString id;
    QString apiBase;
    QString upstreamModel;
    QString apiKey; ///< Write-only: never returned by the API.
    double weight = 1;
    std::optional<qint64> maxConcurrency;
    bool enabled = true;
    /// Its own api_format; none: the model's.
    std::optional<ApiFormat> apiFormat;
};

/// A model of the registry: how a client-facing name maps to its upstreams.
struct ModelConfig
{
    QString id;
    QString modelName;
    /// The first deployment's upstream model, api_base and key (contract section 10: the model's own fields mean a
    /// model with one deployment). Kept equal to deployments.first() by the store.
    QString upstreamModel;
    QString apiBase;
    QString apiKey; ///< Write-only: never returned by the API.
    /// Every upstream of the model, in order; at least one once loaded from the store.
    QList<Deployment> deployments;
    /// Other registered models' names, tried in order when no deployment of this one can answer.
    QStringList fallbacks;
    bool autoRoute = false; ///< a candidate for "model": "auto" (contract section 11)
    qint64 unhealthyAfter = 3; ///< consecutive failures that mark a deployment unhealthy
    qint64 cooldownSecs = 30; ///< how long an unhealthy deployment rests before one probe request
    qint64 healthCheckSecs = 15; ///< active health checks' period; 0: none
    qint64 maxRetries = 2; ///< tries on other deployments after a failure before the first byte
    ApiFormat apiFormat = ApiFormat::OpenAI; ///< what its deployments speak, unless one says otherwise
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

    /// What @p deployment (one of this model's) speaks: its own api_format, else the model's.
    [[nodiscard]] ApiFormat formatOf(const Deployment &deployment) const
    {
        return deployment.apiFormat.value_or(apiFormat);
    }

    /// True when one of its deployments is enabled (a disabled one is never tried).
    [[nodiscard]] bool hasEnabledDeployment() const
    {
        return std::any_of(deployments.cbegin(), deployments.cend(), [](const Deployment &d) { return d.enabled; });
    }

    /// How many of its requests may run at once: its max_concurrency, and no more than its enabled deployments'
    /// caps together when each has one; none: no limit.
    [[nodiscard]] std::optional<qint64> concurrencyCap() const
    {
        qint64 deploymentsTotal = 0;
        bool allCapped = false;
        for (const Deployment &d : deployments) {
            if (!d.enabled)
                continue;
            if (!d.maxConcurrency)
                return maxConcurrency;
            allCapped = true;
            deploymentsTotal += *d.maxConcurrency;
        }
        if (!allCapped)
            return maxConcurrency;
        return maxConcurrency ? std::min(*maxConcurrency, deploymentsTotal) : deploymentsTotal;
    }
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

/// Admission's tunables (contract section 11, GET/PUT /api/v1/settings/admission).
struct AdmissionSettings
{
    qint64 brownoutWaitMs = 750; ///< 0: no brownout
    qint64 brownoutMaxTokens = 256;
    qint64 maxQueueWaitSecs = 30;
    qint64 maxQueueLength = 1024;
};

/// Where alerts go besides the event stream and the tray (contract section 12, GET/PUT /api/v1/settings/alerts).
struct AlertSettings
{
    QString webhookUrl; ///< empty: no webhook
    /// The alert names the webhook receives; none: every alert.
    std::optional<QStringList> events;
};

inline const QString kDefaultGroup = QStringLiteral("default");
inline const QString kMockModelName = QStringLiteral("mock-model");

} // namespace obleth::model
