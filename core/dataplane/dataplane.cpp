#include "dataplane.h"

#include "admission/admission.h"
#include "cache/cacherecorder.h"
#include "cache/responsecache.h"
#include "config/configservice.h"
#include "config/secrets.h"
#include "corspolicy.h"
#include "http/httpresponder.h"
#include "http/pathnormalization.h"
#include "http/router.h"
#include "mcp/mcpgateway.h"
#include "mock/mockbackend.h"
#include "proxy/forwarding.h"
#include "proxy/requestbody.h"
#include "proxy/upstreamclient.h"
#include "usage/requestmonitor.h"
#include "usage/requesttrace.h"
#include "usage/tokenestimate.h"
#include "openai/error.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

namespace obleth::dataplane {

using model::ModelConfig;
using http::HttpResponder;

struct DataPlane::Context
{
    http::HttpRequest request;
    HttpResponder *responder;
    QByteArray requestId;
    std::shared_ptr<const model::ConfigSnapshot> snapshot;
    const model::ApiKey *key = nullptr;
    usage::RequestTrace *trace = nullptr; ///< owned by the responder

    [[nodiscard]] http::Headers idHeader() const
    {
        http::Headers h;
        h.add("x-obleth-request-id", requestId);
        return h;
    }
    void error(int status, const QByteArray &code, const QString &message, const QString &param = {}) const
    {
        openai::sendError(responder, status, code, message, idHeader(), param);
    }
};

namespace {

QByteArray newRequestId()
{
    return "req_" + QUuid::createUuid().toRfc4122().toHex();
}

/// The key from "Authorization: Bearer ..." or "x-api-key"; null when neither is sent.
QByteArray presentedKey(const http::Headers &headers)
{
    const QByteArray auth = headers.value("authorization");
    if (!auth.isNull()) {
        if (auth.size() > 7 && http::Headers::nameEquals(auth.first(7), "bearer "))
            return auth.mid(7).trimmed();
        return QByteArray(""); // present but not a bearer token
    }
    return headers.value("x-api-key").trimmed();
}

QJsonObject modelObject(const QString &name, qint64 created)
{
    return QJsonObject{{QStringLiteral("id"), name},
                       {QStringLiteral("object"), QStringLiteral("model")},
                       {QStringLiteral("created"), double(created)},
                       {QStringLiteral("owned_by"), QStringLiteral("obleth")}};
}

} // namespace

DataPlane::DataPlane(Services services, QUrl defaultUpstream, QObject *parent)
    : QObject(parent)
    , m_services(services)
    , m_mcp(new mcp::McpGateway(services.upstream, this))
    , m_buckets([clock = std::make_shared<QElapsedTimer>()] {
        if (!clock->isValid())
            clock->start();
        return clock->elapsed();
    })
    , m_defaultUpstream(std::move(defaultUpstream))
{ }

qint64 DataPlane::bodyLimitFor(const QByteArray &target)
{
    // Judged on the path as it will be routed ("//mcp/x" is the MCP gateway's too).
    const qsizetype q = target.indexOf('?');
    const http::NormalizedPath normal = http::normalizePath(q < 0 ? target : target.left(q));
    return mcp::McpGateway::isMcpPath(normal.ok() ? normal.path : target) ? mcp::McpGateway::kMaxBodyBytes : kMaxBodyBytes;
}

void DataPlane::admitThen(Context &ctx, const model::ModelConfig *model, std::function<void(Context &)> then)
{
    const model::Tenant *tenant = ctx.snapshot->findTenant(ctx.key->tenantId);
    // The copies live in the callbacks; the admission calls at most one of them, and only while the
    // responder (the permit's owner) is alive.
    m_services.admission->request(
        *ctx.snapshot, *tenant, model, ctx.responder,
        [admitted = ctx, then = std::move(then)]() mutable { then(admitted); },
        [rejected = ctx](int retryAfterSecs, const QString &why) {
            http::Headers headers = rejected.idHeader();
            headers.add("Retry-After", QByteArray::number(retryAfterSecs));
            openai::sendError(rejected.responder, 429, "rate_limited", why, headers);
        });
}

void DataPlane::handle(http::HttpRequest request, HttpResponder *responder)
{
    // The path is normalised once, before anything looks at it, and that form is what is routed, logged
    // and forwarded: no other spelling of a route can reach an upstream unaccounted (pathnormalization.h).
    const http::NormalizedPath normal = http::normalizePath(request.path);
    if (normal.ok() && normal.path != request.path) {
        const qsizetype q = request.target.indexOf('?');
        request.setTarget(normal.path + (q < 0 ? QByteArray() : request.target.mid(q)));
    }
    Context ctx{std::move(request), responder, newRequestId(), m_services.config->snapshot()};
    const QByteArray &path = ctx.request.path;
    if (const QByteArray origin = ctx.request.headers.value("origin"); !origin.isNull()) {
        const bool allowed = CorsPolicy(ctx.snapshot->corsAllowedOrigins).allows(origin);
        if (allowed && CorsPolicy::isPreflight(ctx.request))
            return responder->send(204, CorsPolicy::preflightHeaders(ctx.request), {});
        responder->addTap(std::make_unique<CorsTap>(origin, allowed));
    }
    if (path != "/health") {
        auto trace = std::make_unique<usage::RequestTrace>(m_services.monitor, ctx.request, ctx.requestId);
        ctx.trace = trace.get();
        responder->addTap(std::move(trace));
    }
    if (!normal.ok())
        return ctx.error(400, "invalid_request", normal.error);

    QStringList segments;
    if (!http::splitPath(path, &segments))
        return ctx.error(400, "invalid_request", QStringLiteral("the request path is not valid"));

    if (path == "/health") {
        if (ctx.request.method != "GET" && ctx.request.method != "HEAD")
            return ctx.error(405, "method_not_allowed", QStringLiteral("use GET /health"));
        http::Headers h = ctx.idHeader();
        h.add("Content-Type", "text/plain; charset=utf-8");
        return m_paused ? responder->send(503, h, "paused") : responder->send(200, h, "ok");
    }
    if (m_paused) {
        http::Headers h = ctx.idHeader();
        h.add("Retry-After", "5");
        return openai::sendError(responder, 503, "gateway_paused",
                                    QStringLiteral("the gateway is paused; resume it from the obleth app"), h);
    }
    if (!authenticate(ctx))
        return;

    if (path == "/v1/chat/completions" || path == "/v1/completions")
        return handleModelRoute(ctx, true);
    if (path == "/v1/embeddings")
        return handleModelRoute(ctx, false);
    if (path == "/v1/models" && (ctx.request.method == "GET" || ctx.request.method == "HEAD"))
        return handleModelList(ctx);
    if (path.startsWith("/v1/models/") && segments.size() == 3 && handleModelRetrieve(ctx))
        return;
    if (mcp::McpGateway::isMcpPath(path))
        return m_mcp->serve(ctx.request, responder, *ctx.snapshot, ctx.key->tenantId, ctx.requestId);
    // A key limited to some models cannot reach the default upstream by a route whose model obleth cannot see.
    if (m_defaultUpstream.isValid() && !checkModelScope(ctx, {}))
        return;
    fallThrough(ctx);
}

bool DataPlane::wantsBody(const http::HttpRequest &head) const
{
    // Refuse on the head alone whatever handle() would refuse before looking at the body, so that nobody
    // without a usable key can make obleth read (and hold) an upload.
    if (m_paused)
        return false;
    const auto snapshot = m_services.config->snapshot();
    const QByteArray key = presentedKey(head.headers);
    const model::ApiKey *found
        = !key.isNull() && config::isWellFormedApiKey(key) ? snapshot->findKeyByHash(config::hashSecret(key)) : nullptr;
    if (!found || !snapshot->findTenant(found->tenantId) || !found->isUsableAt(QDateTime::currentDateTimeUtc()))
        return false;
    if (found->maxInFlight && m_keyInFlight.value(found->id) >= *found->maxInFlight)
        return false;
    // Judged on the path as handle() will route it (a client's "/v1//chat/completions" is the chat route).
    const http::NormalizedPath normal = http::normalizePath(head.path);
    if (!normal.ok())
        return false;
    const bool servedHere = normal.path.startsWith("/v1/") || mcp::McpGateway::isMcpPath(normal.path);
    return servedHere || m_defaultUpstream.isValid();
}

bool DataPlane::authenticate(Context &ctx)
{
    const QByteArray key = presentedKey(ctx.request.headers);
    if (key.isNull()) {
        ctx.error(401, "invalid_api_key",
                  QStringLiteral("no API key: send 'Authorization: Bearer sk_...' or 'x-api-key: sk_...'"));
        return false;
    }
    const model::ApiKey *found
        = config::isWellFormedApiKey(key) ? ctx.snapshot->findKeyByHash(config::hashSecret(key)) : nullptr;
    if (!found || !ctx.snapshot->findTenant(found->tenantId)) {
        ctx.error(401, "invalid_api_key", QStringLiteral("the API key is not valid"));
        return false;
    }
    if (!found->isUsableAt(QDateTime::currentDateTimeUtc())) {
        ctx.error(403, "key_disabled",
                  found->disabled ? QStringLiteral("the API key %1... is disabled").arg(found->keyPrefix)
                                  : QStringLiteral("the API key %1... has expired").arg(found->keyPrefix));
        return false;
    }
    ctx.key = found;
    const model::Tenant *tenant = ctx.snapshot->findTenant(found->tenantId);
    ctx.trace->setTenant(tenant->id, tenant->name, found->keyPrefix);
    return holdKeySlot(ctx);
}

bool DataPlane::holdKeySlot(Context &ctx)
{
    if (!ctx.key->maxInFlight)
        return true;
    int &inFlight = m_keyInFlight[ctx.key->id];
    if (inFlight >= *ctx.key->maxInFlight) {
        if (inFlight == 0)
            m_keyInFlight.remove(ctx.key->id);
        http::Headers headers = ctx.idHeader();
        headers.add("Retry-After", "1");
        openai::sendError(ctx.responder, 429, "rate_limited",
                                 QStringLiteral("the API key %1... already has %2 requests in flight, its limit")
                                     .arg(ctx.key->keyPrefix)
                                     .arg(*ctx.key->maxInFlight),
                                 headers);
        return false;
    }
    ++inFlight;
    // The slot is held until the answer is over: the responder goes when its connection is done with it.
    connect(ctx.responder, &QObject::destroyed, this, [this, id = ctx.key->id] {
        const auto it = m_keyInFlight.find(id);
        if (it != m_keyInFlight.end() && --*it <= 0)
            m_keyInFlight.erase(it);
    });
    return true;
}

bool DataPlane::checkModelScope(Context &ctx, const QString &name)
{
    if (ctx.key->allowsModel(name))
        return true;
    const QString shown = name.size() > 128 ? name.left(128) + QStringLiteral("...") : name;
    ctx.error(403, "model_not_allowed",
              name.isEmpty()
                  ? QStringLiteral("the API key %1... is limited to certain models; this route names none")
                        .arg(ctx.key->keyPrefix)
                  : QStringLiteral("the API key %1... may not use the model '%2'").arg(ctx.key->keyPrefix, shown),
              QStringLiteral("model"));
    return false;
}

void DataPlane::handleModelRoute(Context &ctx, bool generation)
{
    if (ctx.request.method != "POST")
        return ctx.error(405, "method_not_allowed",
                         QStringLiteral("use POST %1").arg(QString::fromUtf8(ctx.request.path)));
    proxy::RequestBody body;
    QString why;
    if (!body.parse(ctx.request.body, &why))
        return ctx.error(400, "invalid_request", why);
    const QJsonValue model = body.json().value(QStringLiteral("model"));
    if (!model.isString() || model.toString().isEmpty()) {
        if (!generation && model.isUndefined() && m_defaultUpstream.isValid()) {
            if (!checkModelScope(ctx, {}))
                return;
            return forward(ctx, m_defaultUpstream.toString(), {}, ctx.request.body, nullptr);
        }
        return ctx.error(400, "invalid_request",
                         model.isUndefined() ? QStringLiteral("model is required")
                                             : QStringLiteral("model must be a non-empty string"),
                         QStringLiteral("model"));
    }
    const QString name = model.toString();
    if (!checkModelScope(ctx, name))
        return;
    if (const model::ModelConfig *m = ctx.snapshot->findModel(name)) {
        if (!m->enabled)
            return ctx.error(404, "model_not_found", QStringLiteral("the model '%1' is disabled").arg(name),
                             QStringLiteral("model"));
        ctx.trace->setModel(m->modelName, m->inputCostPerToken, m->outputCostPerToken);
        ctx.trace->meterUsage(ctx.request.body);
        if (serveFromCache(ctx, *m))
            return;
        QByteArray upstreamBody = body.withModel(m->upstreamModel);
        ctx.trace->announceStart();
        if (!generation) // embeddings take no permit
            return forward(ctx, m->apiBase, m->apiKey, std::move(upstreamBody), m);
        if (!reserveTokens(ctx, body.json()))
            return;
        return admitThen(ctx, m, [this, m, upstreamBody](Context &admitted) {
            forward(admitted, m->apiBase, m->apiKey, upstreamBody, m);
        });
    }
    if (name == model::kMockModelName) {
        ctx.trace->setModel(name, 0, 0);
        ctx.trace->meterUsage(ctx.request.body);
        ctx.responder->addHeader("x-obleth-cache", "off");
        ctx.trace->setCache(QStringLiteral("off"));
        ctx.trace->announceStart();
        if (!generation)
            return serveMock(ctx);
        if (!reserveTokens(ctx, body.json()))
            return;
        return admitThen(ctx, nullptr, [this](Context &admitted) { serveMock(admitted); });
    }
    if (!generation && m_defaultUpstream.isValid())
        return forward(ctx, m_defaultUpstream.toString(), {}, ctx.request.body, nullptr);
    const QString shown = name.size() > 128 ? name.left(128) + QStringLiteral("...") : name;
    ctx.error(404, "model_not_found", QStringLiteral("the model '%1' does not exist").arg(shown),
              QStringLiteral("model"));
}

bool DataPlane::serveFromCache(Context &ctx, const model::ModelConfig &model)
{
    if (!model.cacheEnabled) {
        ctx.responder->addHeader("x-obleth-cache", "off");
        ctx.trace->setCache(QStringLiteral("off"));
        return false;
    }
    cache::ResponseCache *cache = m_services.cache;
    const QByteArray key = cache::ResponseCache::keyFor(model.modelName, ctx.request.body);
    const bool lookup = !ctx.request.headers.hasToken("cache-control", "no-cache");
    if (const auto hit = lookup ? cache->lookup(key) : nullptr) {
        ctx.trace->setCache(QStringLiteral("hit"));
        http::Headers headers = hit->headers;
        headers.add("x-obleth-request-id", ctx.requestId);
        headers.add("x-obleth-cache", "hit");
        if (!hit->streamed)
            headers.set("Content-Length", QByteArray::number(hit->body.size()));
        ctx.responder->beginStream(200, std::move(headers));
        ctx.responder->writeChunk(hit->body);
        ctx.responder->endStream();
        return true;
    }
    if (!lookup)
        cache->countMiss();
    ctx.trace->setCache(QStringLiteral("miss"));
    ctx.responder->addHeader("x-obleth-cache", "miss");
    ctx.responder->addTap(std::make_unique<cache::CacheRecorder>(cache, key, model.cacheTtlSecs, ctx.request.body));
    return false;
}

bool DataPlane::reserveTokens(Context &ctx, const QJsonObject &body)
{
    const model::Tenant *tenant = ctx.snapshot->findTenant(ctx.key->tenantId);
    if (!tenant->tokensPerMinute)
        return true;
    const qint64 perMinute = *tenant->tokensPerMinute;
    const auto reservation = m_buckets.reserve(tenant->id, perMinute, usage::requestTokenEstimate(body));
    if (!reservation.granted) {
        http::Headers headers = ctx.idHeader();
        headers.add("Retry-After", QByteArray::number(reservation.retryAfterSecs));
        openai::sendError(ctx.responder, 
            429, "rate_limited",
            QStringLiteral("the tenant's token budget (%1 tokens per minute) is used up; retry in %2 s")
                .arg(perMinute)
                .arg(reservation.retryAfterSecs),
            headers);
        return false;
    }
    ctx.trace->onFinished([buckets = &m_buckets, tenantId = tenant->id, perMinute,
                           reserved = reservation.reserved](const model::RequestRecord &record) {
        buckets->settle(tenantId, perMinute, reserved, record.promptTokens + record.completionTokens);
    });
    return true;
}

void DataPlane::handleModelList(Context &ctx)
{
    if (m_defaultUpstream.isValid())
        return fallThrough(ctx);
    QJsonArray data;
    bool mockRegistered = false;
    for (const model::ModelConfig &m : ctx.snapshot->models) {
        mockRegistered = mockRegistered || m.modelName == model::kMockModelName;
        if (m.enabled && ctx.key->allowsModel(m.modelName))
            data.append(modelObject(m.modelName, m.createdAt.toSecsSinceEpoch()));
    }
    if (!mockRegistered && ctx.key->allowsModel(model::kMockModelName))
        data.append(modelObject(model::kMockModelName, 0));
    const QJsonObject list{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}};
    ctx.responder->sendJson(200, QJsonDocument(list).toJson(QJsonDocument::Compact), ctx.idHeader());
}

bool DataPlane::handleModelRetrieve(Context &ctx)
{
    if (ctx.request.method != "GET" && ctx.request.method != "HEAD")
        return false;
    const QString name = QString::fromUtf8(QByteArray::fromPercentEncoding(ctx.request.path.mid(11)));
    const model::ModelConfig *m = ctx.snapshot->findModel(name);
    QJsonObject object;
    if (m && m->enabled)
        object = modelObject(m->modelName, m->createdAt.toSecsSinceEpoch());
    else if (!m && name == model::kMockModelName)
        object = modelObject(name, 0);
    else if (m_defaultUpstream.isValid())
        return false; // the default upstream may know it
    else {
        ctx.error(404, "model_not_found", QStringLiteral("the model '%1' does not exist").arg(name.left(128)));
        return true;
    }
    ctx.responder->sendJson(200, QJsonDocument(object).toJson(QJsonDocument::Compact), ctx.idHeader());
    return true;
}

void DataPlane::fallThrough(Context &ctx)
{
    if (!m_defaultUpstream.isValid()) {
        return ctx.error(
            404, "not_found",
            QStringLiteral("no route for %1 %2 and no default upstream is set (--upstream)")
                .arg(QString::fromLatin1(ctx.request.method), QString::fromUtf8(ctx.request.path.left(256))));
    }
    if (proxy::reachesModelRoute(m_defaultUpstream.toString(), ctx.request.path)) {
        // Not forwarded: it would reach the upstream as chat, completions or embeddings without the
        // model, the budget and the admission obleth applies to those (forwarding.h).
        return ctx.error(400, "invalid_request",
                         QStringLiteral("the path %1 differs from an OpenAI route only in case or ';' parameters; "
                                        "send the route exactly")
                             .arg(QString::fromUtf8(ctx.request.path.left(256))));
    }
    forward(ctx, m_defaultUpstream.toString(), {}, ctx.request.body, nullptr);
}

void DataPlane::serveMock(Context &ctx)
{
    m_services.mock->serve(ctx.request, ctx.responder, ctx.idHeader());
}

void DataPlane::forward(Context &ctx, const QString &apiBase, const QString &apiKey, QByteArray body,
                        const model::ModelConfig *model)
{
    proxy::UpstreamRequest up;
    up.url = proxy::upstreamUrl(apiBase, ctx.request.path, ctx.request.query);
    up.target = proxy::upstreamTarget(apiBase, ctx.request.path, ctx.request.query); // the query byte for byte
    up.method = ctx.request.method;
    up.headers = proxy::upstreamRequestHeaders(ctx.request.headers, proxy::bearer(apiKey), ctx.requestId);
    up.body = std::move(body);
    if (model) {
        up.connectTimeoutMs = int(model->connectTimeoutSecs * 1000);
        up.firstByteTimeoutMs = int(std::min<qint64>(model->firstByteTimeoutSecs * 1000, INT_MAX));
        up.idleTimeoutMs = int(std::min<qint64>(model->idleTimeoutSecs * 1000, INT_MAX));
    } else {
        up.connectTimeoutMs = kDefaultConnectTimeoutMs;
        up.firstByteTimeoutMs = kDefaultFirstByteTimeoutMs;
        up.idleTimeoutMs = kDefaultIdleTimeoutMs;
    }
    proxy::ProxyCall *call = proxy::ProxyCall::create(m_services.upstream, std::move(up), ctx.responder, ctx.requestId);
    call->onFailure([trace = ctx.trace](const QString &error) {
        if (trace)
            trace->setError(QStringLiteral("upstream: ") + error);
    });
    call->start();
}

} // namespace obleth::dataplane
