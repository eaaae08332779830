// Fuzz target: the Management API's decoding of request JSON into entities: the JSON edge (core/admin/entityjson.h
// and jsonfields.h) reads a body into a typed patch, then the configuration service's rules (core/config/*service.h,
// apply()) check it and make the entity: models, tenants, fair-share groups, MCP servers, and API keys.
//
// Byte 0 chooses the entity (its value modulo 5) and, with bit 3, a create/PUT (every required field checked)
// rather than a PATCH of an existing valid entity. The rest is the request body, decoded as the Management
// API decodes it. Invariants: no crash, no undefined behaviour; a rejected body names its problem; an accepted
// one gives an entity that passes the API's own rules (names, URLs, ranges), and the entity as a GET shows it
// is accepted back unchanged by a PUT.

#include "fuzzinput.h"

#include "admin/entityjson.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QUrl>

#include <cmath>

using namespace obleth::config;
using obleth::admin::fromJson;
using obleth::admin::toJson;
namespace model = obleth::model;

namespace {

bool validName(const QString &s, qsizetype maxLength = 256)
{
    if (s.trimmed().isEmpty() || s.size() > maxLength)
        return false;
    for (QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return false;
    }
    return true;
}

bool validUrl(const QString &s)
{
    const QUrl url(s, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    return validName(s, 2048) && url.isValid() && (scheme == QLatin1String("http") || scheme == QLatin1String("https"))
        && !url.host().isEmpty();
}

bool inRange(const std::optional<qint64> &v, qint64 min, qint64 max)
{
    return !v || (*v >= min && *v <= max);
}

void checkRejected(const Problem &p)
{
    FUZZ_CHECK(p.kind == Problem::Kind::Invalid);
    FUZZ_CHECK(!p.message.isEmpty());
}

constexpr qint64 kMaxSeconds = 7 * 24 * 3600;

void checkValid(const model::ModelConfig &m)
{
    FUZZ_CHECK(validName(m.modelName));
    FUZZ_CHECK(validName(m.upstreamModel));
    FUZZ_CHECK(validUrl(m.apiBase));
    FUZZ_CHECK(!m.apiKey.contains(QLatin1Char('\n')) && !m.apiKey.contains(QLatin1Char('\r')));
    FUZZ_CHECK(std::isfinite(m.inputCostPerToken) && m.inputCostPerToken >= 0 && m.inputCostPerToken <= 1e6);
    FUZZ_CHECK(std::isfinite(m.outputCostPerToken) && m.outputCostPerToken >= 0 && m.outputCostPerToken <= 1e6);
    FUZZ_CHECK(std::isfinite(m.admissionWeight) && m.admissionWeight > 0 && m.admissionWeight <= 1e6);
    FUZZ_CHECK(inRange(m.contextWindow, 1, 1'000'000'000));
    FUZZ_CHECK(inRange(m.maxConcurrency, 1, 1'000'000));
    FUZZ_CHECK(m.cacheTtlSecs >= 0 && m.cacheTtlSecs <= 365 * 24 * 3600);
    FUZZ_CHECK(m.connectTimeoutSecs >= 1 && m.connectTimeoutSecs <= kMaxSeconds);
    FUZZ_CHECK(m.firstByteTimeoutSecs >= 1 && m.firstByteTimeoutSecs <= kMaxSeconds);
    FUZZ_CHECK(m.idleTimeoutSecs >= 1 && m.idleTimeoutSecs <= kMaxSeconds);
    // Every model has a deployment, and its own api_base, upstream_model and api_key are the first one's.
    FUZZ_CHECK(!m.deployments.isEmpty() && m.deployments.size() <= 64);
    for (const model::Deployment &d : m.deployments) {
        FUZZ_CHECK(!d.id.isEmpty());
        FUZZ_CHECK(validName(d.upstreamModel));
        FUZZ_CHECK(validUrl(d.apiBase));
        FUZZ_CHECK(!d.apiKey.contains(QLatin1Char('\n')) && !d.apiKey.contains(QLatin1Char('\r')));
        FUZZ_CHECK(std::isfinite(d.weight) && d.weight > 0 && d.weight <= 1e6);
        FUZZ_CHECK(inRange(d.maxConcurrency, 1, 1'000'000));
    }
    FUZZ_CHECK(m.apiBase == m.deployments.first().apiBase && m.upstreamModel == m.deployments.first().upstreamModel
               && m.apiKey == m.deployments.first().apiKey);
    FUZZ_CHECK(m.fallbacks.size() <= 16 && !m.fallbacks.contains(m.modelName));
    for (const QString &f : m.fallbacks)
        FUZZ_CHECK(!f.isEmpty() && f.size() <= 256 && m.fallbacks.count(f) == 1);
    FUZZ_CHECK(m.modelName != QLatin1String("auto"));
    FUZZ_CHECK(m.unhealthyAfter >= 1 && m.unhealthyAfter <= 1000);
    FUZZ_CHECK(m.cooldownSecs >= 1 && m.cooldownSecs <= 24 * 3600);
    FUZZ_CHECK(m.healthCheckSecs >= 0 && m.healthCheckSecs <= 24 * 3600);
    FUZZ_CHECK(m.maxRetries >= 0 && m.maxRetries <= 10);
}

bool same(const model::Deployment &a, const model::Deployment &b)
{
    return a.id == b.id && a.apiBase == b.apiBase && a.upstreamModel == b.upstreamModel && a.apiKey == b.apiKey
        && a.weight == b.weight && a.maxConcurrency == b.maxConcurrency && a.enabled == b.enabled
        && a.apiFormat == b.apiFormat;
}

bool same(const QList<model::Deployment> &a, const QList<model::Deployment> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (!same(a.at(i), b.at(i)))
            return false;
    }
    return true;
}

bool same(const model::ModelConfig &a, const model::ModelConfig &b)
{
    return a.modelName == b.modelName && a.upstreamModel == b.upstreamModel && a.apiBase == b.apiBase
        && a.apiKey == b.apiKey && a.inputCostPerToken == b.inputCostPerToken
        && a.outputCostPerToken == b.outputCostPerToken && a.contextWindow == b.contextWindow && a.enabled == b.enabled
        && a.admissionWeight == b.admissionWeight && a.maxConcurrency == b.maxConcurrency
        && a.cacheEnabled == b.cacheEnabled && a.cacheTtlSecs == b.cacheTtlSecs
        && a.connectTimeoutSecs == b.connectTimeoutSecs && a.firstByteTimeoutSecs == b.firstByteTimeoutSecs
        && a.idleTimeoutSecs == b.idleTimeoutSecs && same(a.deployments, b.deployments) && a.fallbacks == b.fallbacks
        && a.autoRoute == b.autoRoute && a.unhealthyAfter == b.unhealthyAfter && a.cooldownSecs == b.cooldownSecs
        && a.healthCheckSecs == b.healthCheckSecs && a.maxRetries == b.maxRetries && a.apiFormat == b.apiFormat;
}

void checkValid(const model::Tenant &t)
{
    FUZZ_CHECK(validName(t.name));
    FUZZ_CHECK(validName(t.fairshareGroup));
    FUZZ_CHECK(t.weight >= 1 && t.weight <= 1'000'000);
    FUZZ_CHECK(inRange(t.tokensPerMinute, 1, 1'000'000'000));
    FUZZ_CHECK(inRange(t.maxInFlight, 1, 1'000'000));
}

bool same(const model::Tenant &a, const model::Tenant &b)
{
    return a.name == b.name && a.fairshareGroup == b.fairshareGroup && a.weight == b.weight
        && a.tokensPerMinute == b.tokensPerMinute && a.maxInFlight == b.maxInFlight;
}

void checkValid(const model::FairShareGroup &g)
{
    FUZZ_CHECK(validName(g.name));
    FUZZ_CHECK(g.weight >= 1 && g.weight <= 1'000'000);
}

bool same(const model::FairShareGroup &a, const model::FairShareGroup &b)
{
    return a.name == b.name && a.weight == b.weight;
}

void checkValid(const model::McpServer &s)
{
    FUZZ_CHECK(validName(s.name, 128));
    FUZZ_CHECK(!s.name.contains(QLatin1Char('/')));
    FUZZ_CHECK(validUrl(s.upstreamUrl));
    FUZZ_CHECK(!s.authHeader.contains(QLatin1Char('\n')) && !s.authHeader.contains(QLatin1Char('\r')));
    for (const QString &tenant : s.allowedTenants)
        FUZZ_CHECK(!tenant.isEmpty() && tenant.size() <= 256);
}

bool same(const model::McpServer &a, const model::McpServer &b)
{
    return a.name == b.name && a.upstreamUrl == b.upstreamUrl && a.authHeader == b.authHeader && a.enabled == b.enabled
        && a.allowedTenants == b.allowedTenants;
}

/// A valid entity, as one already stored, for PATCH requests.
void existing(model::ModelConfig *m)
{
    m->id = QStringLiteral("m1");
    m->modelName = QStringLiteral("gpt-4o-mini");
    m->upstreamModel = QStringLiteral("gpt-4o-mini-2024-07-18");
    m->apiBase = QStringLiteral("https://api.example.com/v1");
    m->apiKey = QStringLiteral("sk-upstream");
    m->deployments = {model::Deployment{QStringLiteral("d1"), m->apiBase, m->upstreamModel, m->apiKey, 1, std::nullopt,
                                        true, std::nullopt}};
}
void existing(model::Tenant *t)
{
    t->id = QStringLiteral("t1");
    t->name = QStringLiteral("team-a");
}
void existing(model::FairShareGroup *g)
{
    g->name = QStringLiteral("research");
}
void existing(model::McpServer *s)
{
    s->id = QStringLiteral("s1");
    s->name = QStringLiteral("everything");
    s->upstreamUrl = QStringLiteral("http://127.0.0.1:3001/mcp");
}

/// The JSON of @p e that a client can send back: what a GET shows (groups have no PUT, so only their fields).
QJsonObject shown(const model::FairShareGroup &g)
{
    return QJsonObject{{QStringLiteral("name"), g.name}, {QStringLiteral("weight"), double(g.weight)}};
}
template<typename Entity> QJsonObject shown(const Entity &e)
{
    return toJson(e);
}

/// The typed change each entity's service takes, and how it applies one.
template<typename Entity> struct ServiceOf;
template<> struct ServiceOf<model::ModelConfig>
{
    using Patch = ModelPatch;
    using Service = ModelService;
};
template<> struct ServiceOf<model::Tenant>
{
    using Patch = TenantPatch;
    using Service = TenantService;
};
template<> struct ServiceOf<model::FairShareGroup>
{
    using Patch = GroupPatch;
    using Service = FairShareService;
};
template<> struct ServiceOf<model::McpServer>
{
    using Patch = McpServerPatch;
    using Service = McpServerService;
};

/// As the Management API and the entity's service take a body: read at the JSON edge, then checked and applied.
template<typename Entity> Problem applyJson(const QJsonObject &json, Entity *e, bool complete)
{
    typename ServiceOf<Entity>::Patch patch;
    const Problem p = fromJson(json, complete, &patch);
    return p.ok() ? ServiceOf<Entity>::Service::apply(patch, e, complete) : p;
}

template<typename Entity> void check(const QJsonObject &json, bool complete)
{
    Entity e;
    if (!complete)
        existing(&e);
    const Problem p = applyJson(json, &e, complete);
    if (!p.ok())
        return checkRejected(p);
    checkValid(e);
    // A GET, then a PUT of what it showed: accepted, and nothing changes. Write-only secrets are not shown,
    // so they stay as stored.
    Entity back;
    if constexpr (std::is_same_v<Entity, model::ModelConfig>) {
        // As ModelService::replace() starts from the stored model: its id, name and deployments (whose write-only
        // keys a PUT keeps by deployment id).
        if (e.id.isEmpty())
            e.id = QStringLiteral("m1"); // created: stored with an id from now on
        back.id = e.id;
        back.modelName = e.modelName;
        back.apiKey = e.apiKey;
        back.deployments = e.deployments;
    }
    if constexpr (std::is_same_v<Entity, model::McpServer>)
        back.authHeader = e.authHeader;
    const Problem again = applyJson(shown(e), &back, true);
    if (!again.ok()) {
        std::fprintf(stderr, "shown entity rejected: %s: %s\n", qPrintable(again.field), qPrintable(again.message));
    }
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(same(e, back));
}

/// A key's body, as POST /api/v1/tenants/{id}/keys reads it (KeyService::create starts from the name "key").
void checkKey(const QJsonObject &json)
{
    model::ApiKey k;
    k.name = QStringLiteral("key");
    KeyPatch patch;
    Problem p = fromJson(json, &patch);
    if (p.ok())
        p = KeyService::apply(patch, &k);
    if (!p.ok())
        return checkRejected(p);
    FUZZ_CHECK(validName(k.name));
    if (k.allowedModels) {
        for (const QString &m : *k.allowedModels)
            FUZZ_CHECK(!m.isEmpty() && m.size() <= 256);
    }
    FUZZ_CHECK(inRange(k.maxInFlight, 1, 1'000'000));
    if (k.expiresAt) {
        FUZZ_CHECK(k.expiresAt->isValid());
        // The API shows the expiry as an ISO time (to the second); it reads back as the same second.
        const QString iso = toJson(k).value(QStringLiteral("expires_at")).toString();
        const QDateTime back = QDateTime::fromString(iso, Qt::ISODateWithMs);
        FUZZ_CHECK(back.isValid());
        FUZZ_CHECK(back.toSecsSinceEpoch() == k.expiresAt->toSecsSinceEpoch());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const QByteArray body(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    // As AdminApi decodes a request body.
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return 0;
    const QJsonObject json = doc.object();
    const bool complete = data[0] & 8;
    switch (data[0] % 5) {
    case 0: check<model::ModelConfig>(json, complete); break;
    case 1: check<model::Tenant>(json, complete); break;
    case 2: check<model::FairShareGroup>(json, complete); break;
    case 3: check<model::McpServer>(json, complete); break;
    default: checkKey(json); break;
    }
    return 0;
}
