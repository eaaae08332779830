#include "modelservice.h"

#include "changenote.h"
#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "store/configrepository.h"

#include <QSet>
#include <QUrl>

namespace obleth::config {

namespace {
/// What a client sends as "model" to let the auto router choose (contract section 11): no model may be called so.
const QString kAutoModelName = QStringLiteral("auto");

Problem notFound(const QString &id)
{
    return Problem::notFound(QStringLiteral("no model with id %1").arg(id));
}

Problem deploymentNotFound(const model::ModelConfig &m, const QString &deploymentId)
{
    return Problem::notFound(QStringLiteral("model '%1' has no deployment with id %2").arg(m.modelName, deploymentId));
}

/// A problem of entry @p index of a model's list of deployments, under the field "deployments".
Problem inList(qsizetype index, const QString &message)
{
    return Problem::invalid(QStringLiteral("deployments"),
                            QStringLiteral("deployments[%1]: %2").arg(index).arg(message));
}

const model::Deployment *findDeployment(const QList<model::Deployment> &list, const QString &id)
{
    for (const model::Deployment &d : list) {
        if (d.id == id)
            return &d;
    }
    return nullptr;
}

/// An api_format is "openai" or "anthropic" (contract section 13).
void checkApiFormat(FieldCheck &c, const std::optional<QString> &value)
{
    if (value && !model::apiFormatNamed(*value)) {
        c.fail(QStringLiteral("api_format"),
               QStringLiteral("api_format must be \"openai\" or \"anthropic\", not \"%1\"").arg(value->left(64)));
    }
}

/// The rules of one deployment's fields; with @p complete (a new one, or an entry of a whole list), api_base is
/// required.
void checkDeployment(FieldCheck &c, const DeploymentPatch &d, bool complete)
{
    if (complete)
        c.require(QStringLiteral("api_base"), d.apiBase.has_value());
    c.url(QStringLiteral("api_base"), d.apiBase);
    c.name(QStringLiteral("upstream_model"), d.upstreamModel);
    c.secret(QStringLiteral("api_key"), d.apiKey);
    c.number(QStringLiteral("weight"), d.weight, limits::kDeploymentWeight);
    c.optionalInteger(QStringLiteral("max_concurrency"), d.maxConcurrency, limits::kConcurrency);
    if (d.apiFormat)
        checkApiFormat(c, *d.apiFormat); // null: the model's
}

/// Applies @p p to @p d; an upstream_model left empty becomes @p modelName.
void applyDeployment(const DeploymentPatch &p, model::Deployment *d, const QString &modelName)
{
    assignIfSet(p.apiBase, &d->apiBase);
    assignIfSet(p.upstreamModel, &d->upstreamModel);
    assignIfSet(p.apiKey, &d->apiKey);
    assignIfSet(p.weight, &d->weight);
    assignIfSet(p.maxConcurrency, &d->maxConcurrency);
    assignIfSet(p.enabled, &d->enabled);
    if (p.apiFormat)
        d->apiFormat = *p.apiFormat ? model::apiFormatNamed(**p.apiFormat) : std::nullopt;
    if (d->upstreamModel.isEmpty())
        d->upstreamModel = modelName;
}

/// The model's own api_base, upstream_model and api_key are its first deployment's (contract section 10).
void mirrorFirstDeployment(model::ModelConfig *m)
{
    if (m->deployments.isEmpty())
        return;
    const model::Deployment &first = m->deployments.constFirst();
    m->apiBase = first.apiBase;
    m->upstreamModel = first.upstreamModel;
    m->apiKey = first.apiKey;
}

/// A model's whole list of deployments (a POST, PUT or PATCH that gives `deployments`) applied to @p m. An entry
/// whose id names one of the model's deployments is that deployment (its stored key kept unless the entry sets
/// one); an entry without id is a new one. Ids are ignored on a create (a model copied from another's GET).
Problem applyDeploymentList(const ModelPatch &p, model::ModelConfig *m)
{
    const QList<DeploymentPatch> &list = *p.deployments;
    const QString field = QStringLiteral("deployments");
    if (list.isEmpty())
        return Problem::invalid(field, QStringLiteral("deployments must hold at least one deployment"));
    if (list.size() > limits::kDeployments)
        return Problem::invalid(field, QStringLiteral("a model has at most %1 deployments").arg(limits::kDeployments));
    const bool creating = m->id.isEmpty();
    QList<model::Deployment> out;
    QSet<QString> seen;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const DeploymentPatch &entry = list.at(i);
        FieldCheck c;
        checkDeployment(c, entry, true);
        if (!c.ok())
            return inList(i, c.problem().message);
        model::Deployment d;
        const model::Deployment *existing = nullptr;
        if (entry.id && !creating) {
            existing = findDeployment(m->deployments, *entry.id);
            if (!existing) {
                return inList(i,
                              QStringLiteral("this model has no deployment with id '%1' (leave id out to add one)")
                                  .arg(entry.id->left(64)));
            }
            if (seen.contains(existing->id))
                return inList(i, QStringLiteral("deployment id '%1' appears twice").arg(existing->id));
            seen.insert(existing->id);
            d.id = existing->id;
            d.apiKey = existing->apiKey; // write-only: kept unless the entry sets one
        } else {
            d.id = newEntityId();
        }
        applyDeployment(entry, &d, m->modelName);
        out.append(d);
    }
    // The model's own fields alongside the list: what a GET shows (the first deployment's) may come back.
    model::Deployment &first = out.first();
    if (p.apiBase && *p.apiBase != first.apiBase) {
        return Problem::invalid(QStringLiteral("api_base"),
                                QStringLiteral("api_base must be left out, or equal deployments[0].api_base, when "
                                               "deployments is given"));
    }
    if (p.upstreamModel && *p.upstreamModel != first.upstreamModel) {
        return Problem::invalid(
            QStringLiteral("upstream_model"),
            QStringLiteral("upstream_model must be left out, or equal deployments[0].upstream_model, "
                           "when deployments is given"));
    }
    if (p.apiKey) {
        if (list.first().apiKey && *list.first().apiKey != *p.apiKey) {
            return Problem::invalid(QStringLiteral("api_key"),
                                    QStringLiteral("api_key and deployments[0].api_key differ: give one of them"));
        }
        first.apiKey = *p.apiKey;
    }
    m->deployments = out;
    return {};
}

/// The single-deployment form: the model's own api_base, upstream_model and api_key. A POST or PUT (@p complete)
/// makes them the model's one deployment (a PUT keeps its first deployment's id and stored key); a PATCH changes
/// the model's one deployment, and is refused for a model with several.
Problem applyOwnFields(const ModelPatch &p, model::ModelConfig *m, bool complete)
{
    if (complete) {
        model::Deployment d;
        if (!m->deployments.isEmpty()) {
            d.id = m->deployments.constFirst().id;
            d.apiKey = m->deployments.constFirst().apiKey;
        } else {
            d.id = newEntityId();
            d.apiKey = m->apiKey;
        }
        d.apiBase = p.apiBase.value_or(QString());
        d.upstreamModel = p.upstreamModel.value_or(m->modelName);
        assignIfSet(p.apiKey, &d.apiKey);
        m->deployments = {d};
        return {};
    }
    if (!p.apiBase && !p.upstreamModel && !p.apiKey)
        return {};
    if (m->deployments.size() > 1) {
        const QString field = p.apiBase ? QStringLiteral("api_base")
            : p.upstreamModel           ? QStringLiteral("upstream_model")
                                        : QStringLiteral("api_key");
        return Problem::invalid(
            field,
            QStringLiteral("this model has %1 deployments: change its %2 through "
                           "/api/v1/models/{id}/deployments/{deployment_id} (or give the whole deployments list)")
                .arg(m->deployments.size())
                .arg(field));
    }
    if (m->deployments.isEmpty())
        m->deployments.append(
            model::Deployment{m->id, m->apiBase, m->upstreamModel, m->apiKey, 1, std::nullopt, true, std::nullopt});
    model::Deployment &d = m->deployments.first();
    assignIfSet(p.apiBase, &d.apiBase);
    assignIfSet(p.upstreamModel, &d.upstreamModel);
    assignIfSet(p.apiKey, &d.apiKey);
    return {};
}

/// A deployment's api_format as a change note shows it.
QString formatText(const std::optional<model::ApiFormat> &format)
{
    return format ? model::apiFormatName(*format) : QStringLiteral("the model's");
}

/// Notes what changed in a model's deployments. A model that keeps its one deployment is noted as before, by the
/// model's own field names.
void deploymentChanges(ChangeNote &n, const QList<model::Deployment> &a, const QList<model::Deployment> &b)
{
    const bool single = a.size() == 1 && b.size() == 1 && a.first().id == b.first().id;
    for (const model::Deployment &d : b) {
        const QString name = single ? QString() : QStringLiteral("deployment %1 ").arg(d.id.left(8));
        const model::Deployment *old = findDeployment(a, d.id);
        if (!old) {
            n.note(QStringLiteral("%1added (%2 at %3)").arg(name, d.upstreamModel, loggableUrl(QUrl(d.apiBase))));
            continue;
        }
        n.url(name + QStringLiteral("api_base"), old->apiBase, d.apiBase);
        n.field(name + QStringLiteral("upstream_model"), old->upstreamModel, d.upstreamModel);
        n.secret(name + QStringLiteral("api_key"), old->apiKey, d.apiKey);
        n.field(name + QStringLiteral("weight"), old->weight, d.weight);
        n.field(name + QStringLiteral("max_concurrency"), old->maxConcurrency, d.maxConcurrency);
        n.field(name + QStringLiteral("enabled"), old->enabled, d.enabled);
        n.field(name + QStringLiteral("api_format"), formatText(old->apiFormat), formatText(d.apiFormat));
    }
    QStringList kept;
    QStringList keptBefore;
    for (const model::Deployment &d : a) {
        if (!findDeployment(b, d.id))
            n.note(QStringLiteral("deployment %1 removed").arg(d.id.left(8)));
        else
            keptBefore.append(d.id);
    }
    for (const model::Deployment &d : b) {
        if (findDeployment(a, d.id))
            kept.append(d.id);
    }
    if (kept != keptBefore)
        n.note(QStringLiteral("deployments reordered"));
}

QString changes(const model::ModelConfig &a, const model::ModelConfig &b)
{
    ChangeNote n;
    n.field(QStringLiteral("model_name"), a.modelName, b.modelName);
    deploymentChanges(n, a.deployments, b.deployments);
    n.field(QStringLiteral("input_cost_per_token"), a.inputCostPerToken, b.inputCostPerToken);
    n.field(QStringLiteral("output_cost_per_token"), a.outputCostPerToken, b.outputCostPerToken);
    n.field(QStringLiteral("context_window"), a.contextWindow, b.contextWindow);
    n.field(QStringLiteral("enabled"), a.enabled, b.enabled);
    n.field(QStringLiteral("admission_weight"), a.admissionWeight, b.admissionWeight);
    n.field(QStringLiteral("max_concurrency"), a.maxConcurrency, b.maxConcurrency);
    n.field(QStringLiteral("cache_enabled"), a.cacheEnabled, b.cacheEnabled);
    n.field(QStringLiteral("cache_ttl_secs"), a.cacheTtlSecs, b.cacheTtlSecs);
    n.field(QStringLiteral("connect_timeout_secs"), a.connectTimeoutSecs, b.connectTimeoutSecs);
    n.field(QStringLiteral("first_byte_timeout_secs"), a.firstByteTimeoutSecs, b.firstByteTimeoutSecs);
    n.field(QStringLiteral("idle_timeout_secs"), a.idleTimeoutSecs, b.idleTimeoutSecs);
    n.field(QStringLiteral("fallbacks"), a.fallbacks, b.fallbacks);
    n.field(QStringLiteral("auto_route"), a.autoRoute, b.autoRoute);
    n.field(QStringLiteral("unhealthy_after"), a.unhealthyAfter, b.unhealthyAfter);
    n.field(QStringLiteral("cooldown_secs"), a.cooldownSecs, b.cooldownSecs);
    n.field(QStringLiteral("health_check_secs"), a.healthCheckSecs, b.healthCheckSecs);
    n.field(QStringLiteral("max_retries"), a.maxRetries, b.maxRetries);
    n.field(QStringLiteral("api_format"), model::apiFormatName(a.apiFormat), model::apiFormatName(b.apiFormat));
    return n.text();
}
} // namespace

ModelService::ModelService(LiveConfig *config)
    : m_config(config)
{ }

Problem ModelService::apply(const ModelPatch &p, model::ModelConfig *m, bool complete)
{
    FieldCheck c;
    if (complete) {
        c.require(QStringLiteral("model_name"), p.modelName.has_value());
        if (!p.deployments)
            c.require(QStringLiteral("api_base"), p.apiBase.has_value());
    }
    c.name(QStringLiteral("model_name"), p.modelName);
    if (p.modelName && *p.modelName == kAutoModelName && m->modelName != kAutoModelName) {
        c.fail(QStringLiteral("model_name"),
               QStringLiteral("model_name 'auto' is reserved: a request for the model 'auto' lets obleth choose "
                              "among the models with auto_route"));
    }
    c.name(QStringLiteral("upstream_model"), p.upstreamModel);
    c.url(QStringLiteral("api_base"), p.apiBase);
    c.secret(QStringLiteral("api_key"), p.apiKey);
    c.number(QStringLiteral("input_cost_per_token"), p.inputCostPerToken, limits::kCostPerToken);
    c.number(QStringLiteral("output_cost_per_token"), p.outputCostPerToken, limits::kCostPerToken);
    c.optionalInteger(QStringLiteral("context_window"), p.contextWindow, limits::kCount);
    c.number(QStringLiteral("admission_weight"), p.admissionWeight, limits::kAdmissionWeight);
    c.optionalInteger(QStringLiteral("max_concurrency"), p.maxConcurrency, limits::kConcurrency);
    c.integer(QStringLiteral("cache_ttl_secs"), p.cacheTtlSecs, limits::kCacheTtlSecs);
    c.integer(QStringLiteral("connect_timeout_secs"), p.connectTimeoutSecs, limits::kTimeoutSecs);
    c.integer(QStringLiteral("first_byte_timeout_secs"), p.firstByteTimeoutSecs, limits::kTimeoutSecs);
    c.integer(QStringLiteral("idle_timeout_secs"), p.idleTimeoutSecs, limits::kTimeoutSecs);
    c.stringList(QStringLiteral("fallbacks"), p.fallbacks);
    c.integer(QStringLiteral("unhealthy_after"), p.unhealthyAfter, limits::kUnhealthyAfter);
    c.integer(QStringLiteral("cooldown_secs"), p.cooldownSecs, limits::kCooldownSecs);
    c.integer(QStringLiteral("health_check_secs"), p.healthCheckSecs, limits::kHealthCheckSecs);
    c.integer(QStringLiteral("max_retries"), p.maxRetries, limits::kMaxRetries);
    checkApiFormat(c, p.apiFormat);
    if (!c.ok())
        return c.problem();

    model::ModelConfig next = *m;
    assignIfSet(p.modelName, &next.modelName);
    assignIfSet(p.inputCostPerToken, &next.inputCostPerToken);
    assignIfSet(p.outputCostPerToken, &next.outputCostPerToken);
    assignIfSet(p.contextWindow, &next.contextWindow);
    assignIfSet(p.enabled, &next.enabled);
    assignIfSet(p.admissionWeight, &next.admissionWeight);
    assignIfSet(p.maxConcurrency, &next.maxConcurrency);
    assignIfSet(p.cacheEnabled, &next.cacheEnabled);
    assignIfSet(p.cacheTtlSecs, &next.cacheTtlSecs);
    assignIfSet(p.connectTimeoutSecs, &next.connectTimeoutSecs);
    assignIfSet(p.firstByteTimeoutSecs, &next.firstByteTimeoutSecs);
    assignIfSet(p.idleTimeoutSecs, &next.idleTimeoutSecs);
    assignIfSet(p.fallbacks, &next.fallbacks);
    assignIfSet(p.autoRoute, &next.autoRoute);
    assignIfSet(p.unhealthyAfter, &next.unhealthyAfter);
    assignIfSet(p.cooldownSecs, &next.cooldownSecs);
    assignIfSet(p.healthCheckSecs, &next.healthCheckSecs);
    assignIfSet(p.maxRetries, &next.maxRetries);
    if (p.apiFormat)
        next.apiFormat = model::apiFormatNamed(*p.apiFormat).value_or(model::ApiFormat::OpenAI); // checked above

    if (p.fallbacks) {
        const QString field = QStringLiteral("fallbacks");
        if (next.fallbacks.size() > limits::kFallbacks)
            return Problem::invalid(field, QStringLiteral("a model has at most %1 fallbacks").arg(limits::kFallbacks));
        QSet<QString> seen;
        for (const QString &name : std::as_const(next.fallbacks)) {
            if (name == next.modelName || name == m->modelName)
                return Problem::invalid(field, QStringLiteral("a model cannot be its own fallback"));
            if (seen.contains(name))
                return Problem::invalid(field, QStringLiteral("fallbacks names '%1' twice").arg(name.left(64)));
            seen.insert(name);
        }
    }

    const Problem deployments = p.deployments ? applyDeploymentList(p, &next) : applyOwnFields(p, &next, complete);
    if (!deployments.ok())
        return deployments;
    mirrorFirstDeployment(&next);
    *m = next;
    return {};
}

Problem ModelService::find(const QString &id, model::ModelConfig *out) const
{
    const auto snap = m_config->snapshot();
    const model::ModelConfig *m = findById(snap->models, id);
    if (!m)
        return notFound(id);
    if (out)
        *out = *m;
    return {};
}

Problem ModelService::save(model::ModelConfig model, bool insert, model::ModelConfig *out,
                           const model::ModelConfig *before)
{
    const auto snap = m_config->snapshot();
    if (nameTaken(snap->models, model.modelName, model.id, [](const model::ModelConfig &m) { return m.modelName; })) {
        return Problem::conflict(QStringLiteral("model_name"),
                                 QStringLiteral("a model named '%1' already exists").arg(model.modelName));
    }
    // Fallbacks name other registered models. Checked when they change, so that a model whose fallback went away
    // behind obleth's back can still be edited otherwise.
    if (!before || model.fallbacks != before->fallbacks) {
        for (const QString &name : std::as_const(model.fallbacks)) {
            const model::ModelConfig *target = snap->findModel(name);
            if (!target || target->id == model.id) {
                return Problem::invalid(
                    QStringLiteral("fallbacks"),
                    QStringLiteral("fallbacks names '%1', which is not another registered model").arg(name.left(64)));
            }
        }
    }
    model.updatedAt = currentTime();
    if (insert) {
        model.id = newEntityId();
        model.createdAt = model.updatedAt;
    }
    // A renamed model stays the fallback of the models that named it.
    QList<model::ModelConfig> followers;
    if (before && before->modelName != model.modelName) {
        for (const model::ModelConfig &other : snap->models) {
            const qsizetype at = other.fallbacks.indexOf(before->modelName);
            if (other.id == model.id || at < 0)
                continue;
            model::ModelConfig changed = other;
            changed.fallbacks[at] = model.modelName;
            changed.updatedAt = model.updatedAt;
            followers.append(changed);
        }
    }
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.atomically(
                [&] {
                    if (!repo.saveModel(model, insert, error))
                        return false;
                    for (const model::ModelConfig &f : std::as_const(followers)) {
                        if (!repo.saveModelFallbacks(f.id, f.fallbacks, f.updatedAt, error))
                            return false;
                    }
                    return true;
                },
                error);
        });
        !p.ok())
        return p;
    if (insert) {
        const qsizetype more = model.deployments.size() - 1;
        qCInfo(lcConfig).noquote() << QStringLiteral("model '%1' created (%2 at %3%4)")
                                          .arg(model.modelName, model.upstreamModel, loggableUrl(QUrl(model.apiBase)),
                                               more > 0 ? QStringLiteral(", and %1 more deployments").arg(more)
                                                        : QString());
    } else {
        qCInfo(lcConfig).noquote()
            << QStringLiteral("model '%1' changed: %2").arg(model.modelName, changes(*before, model));
    }
    for (const model::ModelConfig &f : std::as_const(followers)) {
        qCInfo(lcConfig).noquote() << QStringLiteral("model '%1' changed: its fallback '%2' is now called '%3'")
                                          .arg(f.modelName, before->modelName, model.modelName);
    }
    if (out)
        *out = model;
    return {};
}

Problem ModelService::create(const ModelPatch &fields, model::ModelConfig *out)
{
    model::ModelConfig m;
    if (Problem p = apply(fields, &m, true); !p.ok())
        return p;
    return save(m, true, out, nullptr);
}

Problem ModelService::replace(const QString &id, const ModelPatch &fields, model::ModelConfig *out)
{
    const auto snap = m_config->snapshot();
    const model::ModelConfig *existing = findById(snap->models, id);
    if (!existing)
        return notFound(id);
    model::ModelConfig m;
    m.id = existing->id;
    m.modelName = existing->modelName; // what it was called (a name 'auto' it already has is not a new one)
    // Write-only keys: kept unless the PUT sets them (an empty one clears), by deployment id.
    m.apiKey = existing->apiKey;
    m.deployments = existing->deployments;
    if (Problem p = apply(fields, &m, true); !p.ok())
        return p;
    m.createdAt = existing->createdAt;
    return save(m, false, out, existing);
}

Problem ModelService::update(const QString &id, const ModelPatch &patch, model::ModelConfig *out)
{
    const auto snap = m_config->snapshot();
    const model::ModelConfig *existing = findById(snap->models, id);
    if (!existing)
        return notFound(id);
    model::ModelConfig m = *existing;
    if (Problem p = apply(patch, &m, false); !p.ok())
        return p;
    return save(m, false, out, existing);
}

Problem ModelService::remove(const QString &id)
{
    const auto snap = m_config->snapshot();
    const model::ModelConfig *existing = findById(snap->models, id);
    if (!existing)
        return notFound(id);
    // The models that named it as a fallback no longer do.
    QList<model::ModelConfig> followers;
    const QDateTime now = currentTime();
    for (const model::ModelConfig &other : snap->models) {
        if (other.id == id || !other.fallbacks.contains(existing->modelName))
            continue;
        model::ModelConfig changed = other;
        changed.fallbacks.removeAll(existing->modelName);
        changed.updatedAt = now;
        followers.append(changed);
    }
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.atomically(
                [&] {
                    if (!repo.remove(QStringLiteral("models"), id, error))
                        return false;
                    for (const model::ModelConfig &f : std::as_const(followers)) {
                        if (!repo.saveModelFallbacks(f.id, f.fallbacks, f.updatedAt, error))
                            return false;
                    }
                    return true;
                },
                error);
        });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("model '%1' deleted").arg(existing->modelName);
    for (const model::ModelConfig &f : std::as_const(followers)) {
        qCInfo(lcConfig).noquote()
            << QStringLiteral("model '%1' changed: fallback '%2' removed").arg(f.modelName, existing->modelName);
    }
    return {};
}

Problem ModelService::addDeployment(const QString &modelId, const DeploymentPatch &fields, model::Deployment *out)
{
    const auto snap = m_config->snapshot();
    const model::ModelConfig *existing = findById(snap->models, modelId);
    if (!existing)
        return notFound(modelId);
    FieldCheck c;
    checkDeployment(c, fields, true);
    if (!c.ok())
        return c.problem();
    if (existing->deployments.size() >= limits::kDeployments) {
        return Problem::conflict(QStringLiteral("deployments"),
                                 QStringLiteral("a model has at most %1 deployments").arg(limits::kDeployments));
    }
    model::ModelConfig m = *existing;
    model::Deployment d;
    d.id = newEntityId();
    applyDeployment(fields, &d, m.modelName);
    m.deployments.append(d);
    mirrorFirstDeployment(&m);
    if (Problem p = save(m, false, nullptr, existing); !p.ok())
        return p;
    if (out)
        *out = d;
    return {};
}

Problem ModelService::updateDeployment(const QString &modelId, const QString &deploymentId,
                                       const DeploymentPatch &patch, model::Deployment *out)
{
    const auto snap = m_config->snapshot();
    const model::ModelConfig *existing = findById(snap->models, modelId);
    if (!existing)
        return notFound(modelId);
    if (!findDeployment(existing->deployments, deploymentId))
        return deploymentNotFound(*existing, deploymentId);
    FieldCheck c;
    checkDeployment(c, patch, false);
    if (!c.ok())
        return c.problem();
    model::ModelConfig m = *existing;
    model::Deployment *d = nullptr;
    for (model::Deployment &candidate : m.deployments) {
        if (candidate.id == deploymentId)
            d = &candidate;
    }
    applyDeployment(patch, d, m.modelName);
    const model::Deployment changed = *d;
    mirrorFirstDeployment(&m);
    if (Problem p = save(m, false, nullptr, existing); !p.ok())
        return p;
    if (out)
        *out = changed;
    return {};
}

Problem ModelService::removeDeployment(const QString &modelId, const QString &deploymentId)
{
    const auto snap = m_config->snapshot();
    const model::ModelConfig *existing = findById(snap->models, modelId);
    if (!existing)
        return notFound(modelId);
    if (!findDeployment(existing->deployments, deploymentId))
        return deploymentNotFound(*existing, deploymentId);
    if (existing->deployments.size() == 1) {
        return Problem::conflict(QStringLiteral("deployments"),
                                 QStringLiteral("a model keeps at least one deployment: add another one first, or "
                                                "delete the model"));
    }
    model::ModelConfig m = *existing;
    m.deployments.removeIf([&](const model::Deployment &d) { return d.id == deploymentId; });
    mirrorFirstDeployment(&m);
    return save(m, false, nullptr, existing);
}

} // namespace obleth::config
