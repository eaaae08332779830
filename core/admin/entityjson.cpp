#include "entityjson.h"

#include "jsonfields.h"

#include <QJsonArray>

namespace obleth::admin {

using config::Problem;
namespace limits = config::limits;

namespace {
QJsonValue optional(const std::optional<qint64> &v)
{
    return v ? QJsonValue(double(*v)) : QJsonValue(QJsonValue::Null);
}
} // namespace

QString isoTime(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QString();
}

QJsonObject toJson(const model::Deployment &d)
{
    return QJsonObject{
        {QStringLiteral("id"), d.id},
        {QStringLiteral("api_base"), d.apiBase},
        {QStringLiteral("upstream_model"), d.upstreamModel},
        {QStringLiteral("has_api_key"), !d.apiKey.isEmpty()},
        {QStringLiteral("weight"), d.weight},
        {QStringLiteral("max_concurrency"), optional(d.maxConcurrency)},
        {QStringLiteral("enabled"), d.enabled},
        {QStringLiteral("api_format"),
         d.apiFormat ? QJsonValue(model::apiFormatName(*d.apiFormat)) : QJsonValue(QJsonValue::Null)},
    };
}

QJsonObject toJson(const model::ModelConfig &m)
{
    QJsonArray deployments;
    for (const model::Deployment &d : m.deployments)
        deployments.append(toJson(d));
    return QJsonObject{
        {QStringLiteral("id"), m.id},
        {QStringLiteral("model_name"), m.modelName},
        {QStringLiteral("upstream_model"), m.upstreamModel},
        {QStringLiteral("api_base"), m.apiBase},
        {QStringLiteral("has_api_key"), !m.apiKey.isEmpty()},
        {QStringLiteral("input_cost_per_token"), m.inputCostPerToken},
        {QStringLiteral("output_cost_per_token"), m.outputCostPerToken},
        {QStringLiteral("context_window"), optional(m.contextWindow)},
        {QStringLiteral("enabled"), m.enabled},
        {QStringLiteral("admission_weight"), m.admissionWeight},
        {QStringLiteral("max_concurrency"), optional(m.maxConcurrency)},
        {QStringLiteral("cache_enabled"), m.cacheEnabled},
        {QStringLiteral("cache_ttl_secs"), double(m.cacheTtlSecs)},
        {QStringLiteral("connect_timeout_secs"), double(m.connectTimeoutSecs)},
        {QStringLiteral("first_byte_timeout_secs"), double(m.firstByteTimeoutSecs)},
        {QStringLiteral("idle_timeout_secs"), double(m.idleTimeoutSecs)},
        {QStringLiteral("deployments"), deployments},
        {QStringLiteral("fallbacks"), QJsonArray::fromStringList(m.fallbacks)},
        {QStringLiteral("auto_route"), m.autoRoute},
        {QStringLiteral("unhealthy_after"), double(m.unhealthyAfter)},
        {QStringLiteral("cooldown_secs"), double(m.cooldownSecs)},
        {QStringLiteral("health_check_secs"), double(m.healthCheckSecs)},
        {QStringLiteral("max_retries"), double(m.maxRetries)},
        {QStringLiteral("api_format"), model::apiFormatName(m.apiFormat)},
        {QStringLiteral("created_at"), isoTime(m.createdAt)},
        {QStringLiteral("updated_at"), isoTime(m.updatedAt)},
    };
}

QJsonObject toJson(const model::Tenant &t)
{
    return QJsonObject{
        {QStringLiteral("id"), t.id},
        {QStringLiteral("name"), t.name},
        {QStringLiteral("fairshare_group"), t.fairshareGroup},
        {QStringLiteral("weight"), double(t.weight)},
        {QStringLiteral("tokens_per_minute"), optional(t.tokensPerMinute)},
        {QStringLiteral("max_in_flight"), optional(t.maxInFlight)},
        {QStringLiteral("created_at"), isoTime(t.createdAt)},
        {QStringLiteral("updated_at"), isoTime(t.updatedAt)},
    };
}

QJsonObject toJson(const model::ApiKey &k)
{
    return QJsonObject{
        {QStringLiteral("id"), k.id},
        {QStringLiteral("tenant_id"), k.tenantId},
        {QStringLiteral("name"), k.name},
        {QStringLiteral("key_prefix"), k.keyPrefix},
        {QStringLiteral("disabled"), k.disabled},
        {QStringLiteral("created_at"), isoTime(k.createdAt)},
        {QStringLiteral("expires_at"), k.expiresAt ? QJsonValue(isoTime(*k.expiresAt)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("allowed_models"),
         k.allowedModels ? QJsonValue(QJsonArray::fromStringList(*k.allowedModels)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("max_in_flight"), optional(k.maxInFlight)},
    };
}

QJsonObject toJson(const model::FairShareGroup &g)
{
    return QJsonObject{
        {QStringLiteral("id"), g.id},
        {QStringLiteral("name"), g.name},
        {QStringLiteral("weight"), double(g.weight)},
        {QStringLiteral("created_at"), isoTime(g.createdAt)},
    };
}

QJsonObject toJson(const model::McpServer &s)
{
    return QJsonObject{
        {QStringLiteral("id"), s.id},
        {QStringLiteral("name"), s.name},
        {QStringLiteral("upstream_url"), s.upstreamUrl},
        {QStringLiteral("has_auth_header"), !s.authHeader.isEmpty()},
        {QStringLiteral("enabled"), s.enabled},
        {QStringLiteral("allowed_tenants"), QJsonArray::fromStringList(s.allowedTenants)},
        {QStringLiteral("created_at"), isoTime(s.createdAt)},
        {QStringLiteral("updated_at"), isoTime(s.updatedAt)},
    };
}

Problem fromJson(const QJsonObject &json, bool complete, config::ModelPatch *m)
{
    JsonFields f(json,
                 {QStringLiteral("model_name"), QStringLiteral("upstream_model"), QStringLiteral("api_base"),
                  QStringLiteral("api_key"), QStringLiteral("input_cost_per_token"),
                  QStringLiteral("output_cost_per_token"), QStringLiteral("context_window"), QStringLiteral("enabled"),
                  QStringLiteral("admission_weight"), QStringLiteral("max_concurrency"),
                  QStringLiteral("cache_enabled"), QStringLiteral("cache_ttl_secs"),
                  QStringLiteral("connect_timeout_secs"), QStringLiteral("first_byte_timeout_secs"),
                  QStringLiteral("idle_timeout_secs"), QStringLiteral("deployments"), QStringLiteral("fallbacks"),
                  QStringLiteral("auto_route"), QStringLiteral("unhealthy_after"), QStringLiteral("cooldown_secs"),
                  QStringLiteral("health_check_secs"), QStringLiteral("max_retries"), QStringLiteral("api_format"),
                  // read-only fields a client may echo back from a GET
                  QStringLiteral("id"), QStringLiteral("has_api_key"), QStringLiteral("created_at"),
                  QStringLiteral("updated_at")});
    if (complete) {
        f.require(QStringLiteral("model_name"));
        if (!f.has(QStringLiteral("deployments")))
            f.require(QStringLiteral("api_base"));
    }
    f.readString(QStringLiteral("model_name"), &m->modelName);
    f.readString(QStringLiteral("upstream_model"), &m->upstreamModel);
    f.readString(QStringLiteral("api_base"), &m->apiBase);
    f.readSecret(QStringLiteral("api_key"), &m->apiKey);
    f.readNumber(QStringLiteral("input_cost_per_token"), &m->inputCostPerToken, limits::kCostPerToken);
    f.readNumber(QStringLiteral("output_cost_per_token"), &m->outputCostPerToken, limits::kCostPerToken);
    f.readOptionalWholeNumber(QStringLiteral("context_window"), &m->contextWindow, limits::kCount);
    f.readBool(QStringLiteral("enabled"), &m->enabled);
    f.readNumber(QStringLiteral("admission_weight"), &m->admissionWeight, limits::kAdmissionWeight);
    f.readOptionalWholeNumber(QStringLiteral("max_concurrency"), &m->maxConcurrency, limits::kConcurrency);
    f.readBool(QStringLiteral("cache_enabled"), &m->cacheEnabled);
    f.readWholeNumber(QStringLiteral("cache_ttl_secs"), &m->cacheTtlSecs, limits::kCacheTtlSecs);
    f.readWholeNumber(QStringLiteral("connect_timeout_secs"), &m->connectTimeoutSecs, limits::kTimeoutSecs);
    f.readWholeNumber(QStringLiteral("first_byte_timeout_secs"), &m->firstByteTimeoutSecs, limits::kTimeoutSecs);
    f.readWholeNumber(QStringLiteral("idle_timeout_secs"), &m->idleTimeoutSecs, limits::kTimeoutSecs);
    f.readStringList(QStringLiteral("fallbacks"), &m->fallbacks);
    f.readBool(QStringLiteral("auto_route"), &m->autoRoute);
    f.readWholeNumber(QStringLiteral("unhealthy_after"), &m->unhealthyAfter, limits::kUnhealthyAfter);
    f.readWholeNumber(QStringLiteral("cooldown_secs"), &m->cooldownSecs, limits::kCooldownSecs);
    f.readWholeNumber(QStringLiteral("health_check_secs"), &m->healthCheckSecs, limits::kHealthCheckSecs);
    f.readWholeNumber(QStringLiteral("max_retries"), &m->maxRetries, limits::kMaxRetries);
    f.readString(QStringLiteral("api_format"), &m->apiFormat);
    std::optional<QList<QJsonObject>> entries;
    f.readObjectList(QStringLiteral("deployments"), &entries);
    if (!f.ok() || !entries)
        return f.problem();
    QList<config::DeploymentPatch> deployments;
    for (qsizetype i = 0; i < entries->size(); ++i) {
        config::DeploymentPatch d;
        if (const Problem p = fromJson(entries->at(i), true, &d); !p.ok()) {
            return Problem::invalid(QStringLiteral("deployments"),
                                    QStringLiteral("deployments[%1]: %2").arg(i).arg(p.message));
        }
        deployments.append(d);
    }
    m->deployments = deployments;
    return {};
}

Problem fromJson(const QJsonObject &json, bool complete, config::DeploymentPatch *d)
{
    JsonFields f(json,
                 {QStringLiteral("id"), QStringLiteral("api_base"), QStringLiteral("upstream_model"),
                  QStringLiteral("api_key"), QStringLiteral("weight"), QStringLiteral("max_concurrency"),
                  QStringLiteral("enabled"), QStringLiteral("api_format"),
                  // read-only, as a GET shows it
                  QStringLiteral("has_api_key")});
    if (complete)
        f.require(QStringLiteral("api_base"));
    f.readString(QStringLiteral("id"), &d->id);
    f.readString(QStringLiteral("api_base"), &d->apiBase);
    f.readString(QStringLiteral("upstream_model"), &d->upstreamModel);
    f.readSecret(QStringLiteral("api_key"), &d->apiKey);
    f.readNumber(QStringLiteral("weight"), &d->weight, limits::kDeploymentWeight);
    f.readOptionalWholeNumber(QStringLiteral("max_concurrency"), &d->maxConcurrency, limits::kConcurrency);
    f.readBool(QStringLiteral("enabled"), &d->enabled);
    f.readOptionalString(QStringLiteral("api_format"), &d->apiFormat);
    return f.problem();
}

Problem fromJson(const QJsonObject &json, bool complete, config::TenantPatch *t)
{
    JsonFields f(json,
                 {QStringLiteral("name"), QStringLiteral("fairshare_group"), QStringLiteral("weight"),
                  QStringLiteral("tokens_per_minute"), QStringLiteral("max_in_flight"), QStringLiteral("id"),
                  QStringLiteral("created_at"), QStringLiteral("updated_at")});
    if (complete)
        f.require(QStringLiteral("name"));
    f.readString(QStringLiteral("name"), &t->name);
    f.readString(QStringLiteral("fairshare_group"), &t->fairshareGroup);
    f.readWholeNumber(QStringLiteral("weight"), &t->weight, limits::kWeight);
    f.readOptionalWholeNumber(QStringLiteral("tokens_per_minute"), &t->tokensPerMinute, limits::kCount);
    f.readOptionalWholeNumber(QStringLiteral("max_in_flight"), &t->maxInFlight, limits::kConcurrency);
    return f.problem();
}

Problem fromJson(const QJsonObject &json, bool complete, config::GroupPatch *g)
{
    JsonFields f(json, {QStringLiteral("name"), QStringLiteral("weight")});
    if (complete)
        f.require(QStringLiteral("name"));
    f.readString(QStringLiteral("name"), &g->name);
    f.readWholeNumber(QStringLiteral("weight"), &g->weight, limits::kWeight);
    return f.problem();
}

Problem fromJson(const QJsonObject &json, bool complete, config::McpServerPatch *s)
{
    JsonFields f(json,
                 {QStringLiteral("name"), QStringLiteral("upstream_url"), QStringLiteral("auth_header"),
                  QStringLiteral("enabled"), QStringLiteral("allowed_tenants"), QStringLiteral("id"),
                  QStringLiteral("has_auth_header"), QStringLiteral("created_at"), QStringLiteral("updated_at")});
    if (complete) {
        f.require(QStringLiteral("name"));
        f.require(QStringLiteral("upstream_url"));
    }
    f.readString(QStringLiteral("name"), &s->name);
    f.readString(QStringLiteral("upstream_url"), &s->upstreamUrl);
    f.readSecret(QStringLiteral("auth_header"), &s->authHeader);
    f.readBool(QStringLiteral("enabled"), &s->enabled);
    f.readStringList(QStringLiteral("allowed_tenants"), &s->allowedTenants);
    return f.problem();
}

Problem fromJson(const QJsonObject &json, config::KeyPatch *k)
{
    JsonFields f(json,
                 {QStringLiteral("name"), QStringLiteral("expires_at"), QStringLiteral("allowed_models"),
                  QStringLiteral("max_in_flight")});
    f.readString(QStringLiteral("name"), &k->name);
    f.readOptionalTime(QStringLiteral("expires_at"), &k->expiresAt);
    f.readOptionalStringList(QStringLiteral("allowed_models"), &k->allowedModels);
    f.readOptionalWholeNumber(QStringLiteral("max_in_flight"), &k->maxInFlight, limits::kConcurrency);
    return f.problem();
}

} // namespace obleth::admin
