#pragma once

#include "model/entities.h"
#include "problem.h"

#include <optional>

namespace obleth::config {

class LiveConfig;

/// The fields of one deployment to set (contract section 10); a field left unset is not touched, or takes its
/// default on creation (upstream_model: the model's model_name).
struct DeploymentPatch
{
    std::optional<QString> id; ///< in a model's whole list: names the deployment kept (and its stored key)
    std::optional<QString> apiBase;
    std::optional<QString> upstreamModel;
    std::optional<QString> apiKey; ///< write-only; an empty string clears the stored key
    std::optional<double> weight;
    std::optional<std::optional<qint64>> maxConcurrency; ///< set to std::nullopt: no limit
    std::optional<bool> enabled;
    /// "openai" or "anthropic" (contract section 13); set to std::nullopt: the model's.
    std::optional<std::optional<QString>> apiFormat;
};

/// The fields of a registry model to set; a field left unset is not touched. For create() and replace() the
/// fields not set take their defaults (those of model::ModelConfig), except the write-only api_key, which
/// replace() keeps unless it is set.
struct ModelPatch
{
    std::optional<QString> modelName;
    std::optional<QString> upstreamModel; ///< not set on create or replace: the same as modelName
    std::optional<QString> apiBase;
    std::optional<QString> apiKey; ///< write-only; an empty string clears the stored key
    std::optional<double> inputCostPerToken;
    std::optional<double> outputCostPerToken;
    std::optional<std::optional<qint64>> contextWindow; ///< set to std::nullopt: not known
    std::optional<bool> enabled;
    std::optional<double> admissionWeight;
    std::optional<std::optional<qint64>> maxConcurrency; ///< set to std::nullopt: no limit
    std::optional<bool> cacheEnabled;
    std::optional<qint64> cacheTtlSecs;
    std::optional<qint64> connectTimeoutSecs;
    std::optional<qint64> firstByteTimeoutSecs;
    std::optional<qint64> idleTimeoutSecs;
    /// The whole list of deployments (replaces the model's own api_base/upstream_model/api_key, which then mirror
    /// the first). An entry whose id names an existing deployment keeps that deployment's stored key unless it sets
    /// one; an entry without id is a new deployment.
    std::optional<QList<DeploymentPatch>> deployments;
    std::optional<QStringList> fallbacks;
    std::optional<bool> autoRoute;
    std::optional<qint64> unhealthyAfter;
    std::optional<qint64> cooldownSecs;
    std::optional<qint64> healthCheckSecs;
    std::optional<qint64> maxRetries;
    std::optional<QString> apiFormat; ///< "openai" or "anthropic" (contract section 13)
};

/// The model registry: creates, replaces, changes and deletes models and their deployments, with the registry's
/// rules (ranges, URLs, unique model_name, "auto" reserved, fallbacks that name other registered models). A renamed
/// model stays the fallback of the models that named it; a deleted one is taken out of their fallbacks. Lives in the
/// gateway thread, as the LiveConfig it commits to.
///
/// The model's own api_base, upstream_model and api_key are its first deployment's (contract section 10): a create
/// or replace without `deployments` makes them the model's one deployment (a replace keeps that deployment's id and
/// stored key); an update of them changes the model's one deployment, and is refused (invalid) for a model with
/// several. With `deployments`, the list wins, and the model's own api_base/upstream_model given alongside must be
/// the first entry's.
class ModelService final
{
public:
    explicit ModelService(LiveConfig *config);

    /// Not found, or ok with the model in @p out (when given).
    Problem find(const QString &id, model::ModelConfig *out = nullptr) const;
    /// model_name is required, and api_base unless deployments is given.
    Problem create(const ModelPatch &fields, model::ModelConfig *out = nullptr);
    /// PUT: the whole model; the stored api_key stays unless @p fields sets it.
    Problem replace(const QString &id, const ModelPatch &fields, model::ModelConfig *out = nullptr);
    /// PATCH: only what @p patch sets changes.
    Problem update(const QString &id, const ModelPatch &patch, model::ModelConfig *out = nullptr);
    Problem remove(const QString &id);

    /// The sub-resource /api/v1/models/{id}/deployments: adds one at the end (api_base required; upstream_model
    /// defaults to the model's model_name), changes the given fields of one, removes one. Removing the last one is a
    /// conflict: a model keeps at least one deployment. Not found: the model, or the deployment in it.
    Problem addDeployment(const QString &modelId, const DeploymentPatch &fields, model::Deployment *out = nullptr);
    Problem updateDeployment(const QString &modelId, const QString &deploymentId, const DeploymentPatch &patch,
                             model::Deployment *out = nullptr);
    Problem removeDeployment(const QString &modelId, const QString &deploymentId);

    /// Checks @p patch against the registry's field rules and applies it to @p model; with @p complete (a create or
    /// a replace), model_name and api_base (or deployments) are required. Deployment ids of the patch name
    /// @p model's deployments, unless @p model has no id yet (a create: every entry is new). The rules that need
    /// the registry (unique name, fallbacks that exist) are checked when saving. Leaves @p model as it was on a
    /// problem.
    [[nodiscard]] static Problem apply(const ModelPatch &patch, model::ModelConfig *model, bool complete);

private:
    Problem save(model::ModelConfig model, bool insert, model::ModelConfig *out, const model::ModelConfig *before);

    LiveConfig *m_config;
};

} // namespace obleth::config
