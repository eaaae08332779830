#include "modelservice.h"

#include "changenote.h"
#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "store/configrepository.h"

#include <QUrl>

namespace obleth::config {

namespace {
Problem notFound(const QString &id)
{
    return Problem::notFound(QStringLiteral("no model with id %1").arg(id));
}

QString changes(const model::ModelConfig &a, const model::ModelConfig &b)
{
    ChangeNote n;
    n.field(QStringLiteral("model_name"), a.modelName, b.modelName);
    n.field(QStringLiteral("upstream_model"), a.upstreamModel, b.upstreamModel);
    n.url(QStringLiteral("api_base"), a.apiBase, b.apiBase);
    n.secret(QStringLiteral("api_key"), a.apiKey, b.apiKey);
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
        c.require(QStringLiteral("api_base"), p.apiBase.has_value());
    }
    c.name(QStringLiteral("model_name"), p.modelName);
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
    if (!c.ok())
        return c.problem();
    assignIfSet(p.modelName, &m->modelName);
    assignIfSet(p.upstreamModel, &m->upstreamModel);
    assignIfSet(p.apiBase, &m->apiBase);
    assignIfSet(p.apiKey, &m->apiKey);
    assignIfSet(p.inputCostPerToken, &m->inputCostPerToken);
    assignIfSet(p.outputCostPerToken, &m->outputCostPerToken);
    assignIfSet(p.contextWindow, &m->contextWindow);
    assignIfSet(p.enabled, &m->enabled);
    assignIfSet(p.admissionWeight, &m->admissionWeight);
    assignIfSet(p.maxConcurrency, &m->maxConcurrency);
    assignIfSet(p.cacheEnabled, &m->cacheEnabled);
    assignIfSet(p.cacheTtlSecs, &m->cacheTtlSecs);
    assignIfSet(p.connectTimeoutSecs, &m->connectTimeoutSecs);
    assignIfSet(p.firstByteTimeoutSecs, &m->firstByteTimeoutSecs);
    assignIfSet(p.idleTimeoutSecs, &m->idleTimeoutSecs);
    if (m->upstreamModel.isEmpty())
        m->upstreamModel = m->modelName;
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
    model.updatedAt = currentTime();
    if (insert) {
        model.id = newEntityId();
        model.createdAt = model.updatedAt;
    }
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveModel(model, insert, error); });
        !p.ok())
        return p;
    if (insert)
        qCInfo(lcConfig).noquote() << QStringLiteral("model '%1' created (%2 at %3)")
                                          .arg(model.modelName, model.upstreamModel, loggableUrl(QUrl(model.apiBase)));
    else
        qCInfo(lcConfig).noquote()
            << QStringLiteral("model '%1' changed: %2").arg(model.modelName, changes(*before, model));
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
    m.apiKey = existing->apiKey; // write-only: kept unless the PUT sets it (an empty one clears it)
    if (Problem p = apply(fields, &m, true); !p.ok())
        return p;
    m.id = existing->id;
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
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.remove(QStringLiteral("models"), id, error);
        });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("model '%1' deleted").arg(existing->modelName);
    return {};
}

} // namespace obleth::config
