#include "dataplane.h"

#include "anthropic/messagesfilters.h"
#include "config/liveconfig.h"
#include "corspolicy.h"
#include "http/httpresponder.h"
#include "http/pathnormalization.h"
#include "mcp/mcpgateway.h"
#include "modelcatalog.h"
#include "requestcontext.h"
#include "routing/healthboard.h"
#include "usage/requestmonitor.h"
#include "usage/requesttrace.h"

#include <QJsonDocument>
#include <QRandomGenerator64>

#include <array>
#include <cstring>

namespace obleth::dataplane {

namespace {
/// "req_" and 32 lowercase hex digits: 128 bits from a generator of this thread (a Mersenne Twister), seeded once
/// from the system's, so that ids do not repeat across restarts or threads; drawing from the system generator for
/// each request (as QUuid::createUuid() does) cost a system call or RDRAND each time. Unique, not secret: a client
/// that collects enough of its own ids could work out the ones that follow, so an id must never grant anything
/// (it names a request in the logs and answers; only the Management API, with its own token, looks one up).
QByteArray newRequestId()
{
    thread_local QRandomGenerator64 generator = [] {
        std::array<quint32, 8> seed{};
        QRandomGenerator::system()->fillRange(seed.data(), seed.size());
        return QRandomGenerator64(seed.data(), seed.size());
    }();
    const quint64 words[2] = {generator.generate(), generator.generate()};
    static constexpr char kHex[] = "0123456789abcdef";
    QByteArray id(4 + 32, Qt::Uninitialized);
    char *out = id.data();
    std::memcpy(out, "req_", 4);
    out += 4;
    for (const quint64 word : words) {
        for (int shift = 60; shift >= 0; shift -= 4)
            *out++ = kHex[(word >> shift) & 0xf];
    }
    return id;
}

/// /v1/messages and what lies below it (count_tokens, and any other path there).
bool isMessagesPath(QByteArrayView path)
{
    constexpr QByteArrayView messages = "/v1/messages";
    return path.startsWith(messages) && (path.size() == messages.size() || path.at(messages.size()) == '/');
}
} // namespace

DataPlane::DataPlane(Services services, QUrl defaultUpstream, QObject *parent)
    : QObject(parent)
    , m_services(services)
    , m_forwarder(services.upstream, std::move(defaultUpstream), services.health, services.events)
    , m_cache(services.cache)
    , m_models(services.admission, services.mock, &m_cache, &m_forwarder)
{
    // "auto" goes only to models whose deployments can take a request (contract section 11), by the board the
    // tries count on (the gateway's, or the forwarder's own when none was given).
    const routing::HealthBoard *health = m_forwarder.health();
    m_models.setAutoRouteAvailability([health](const model::ModelConfig &m) { return health->isAvailable(m); });
    m_forwarder.setResponseDirectory(&m_responses);
    m_models.setResponseDirectory(&m_responses);
    addRoutes();
}

DataPlane::~DataPlane() = default;

void DataPlane::addRoutes()
{
    using Params = http::PathParams;
    const RouteHandler health = [this](RequestContext &ctx, const Params &) { answerHealth(ctx); };
    const RouteHandler useGet = [](RequestContext &ctx, const Params &) {
        ctx.error(405, "method_not_allowed", QStringLiteral("use GET /health"));
    };
    const RouteHandler generation
        = [this](RequestContext &ctx, const Params &) { m_models.serve(ctx, ModelRoutes::Kind::Generation); };
    const RouteHandler embeddings
        = [this](RequestContext &ctx, const Params &) { m_models.serve(ctx, ModelRoutes::Kind::Embeddings); };
    const RouteHandler usePost = [](RequestContext &ctx, const Params &) {
        ctx.error(405, "method_not_allowed", QStringLiteral("use POST %1").arg(QString::fromUtf8(ctx.request.path)));
    };
    const RouteHandler modelList = [this](RequestContext &ctx, const Params &) { listModels(ctx); };
    const RouteHandler model = [this](RequestContext &ctx, const Params &params) {
        retrieveModel(ctx, params.value(QStringLiteral("name")));
    };
    const RouteHandler mcp = [this](RequestContext &ctx, const Params &) {
        m_services.mcp->serve(ctx.request, ctx.responder, *ctx.snapshot, ctx.key->tenantId, ctx.requestId);
    };

    // Open to anyone, without a key, paused or not.
    m_openRoutes.add("GET", QStringLiteral("/health"), health);
    m_openRoutes.add("*", QStringLiteral("/health"), useGet);

    // For tenant keys. Another method on the model list or a model, and any path not here, go to the default
    // upstream (passOn).
    m_keyRoutes.add("POST", QStringLiteral("/v1/chat/completions"), generation);
    m_keyRoutes.add("*", QStringLiteral("/v1/chat/completions"), usePost);
    m_keyRoutes.add("POST", QStringLiteral("/v1/completions"), generation);
    m_keyRoutes.add("*", QStringLiteral("/v1/completions"), usePost);
    m_keyRoutes.add("POST", QStringLiteral("/v1/embeddings"), embeddings);
    m_keyRoutes.add("*", QStringLiteral("/v1/embeddings"), usePost);
    // Anthropic's Messages API and OpenAI's Responses API (contract section 13).
    const RouteHandler messages
        = [this](RequestContext &ctx, const Params &) { m_models.serve(ctx, ModelRoutes::Kind::Messages); };
    const RouteHandler countTokens
        = [this](RequestContext &ctx, const Params &) { m_models.serve(ctx, ModelRoutes::Kind::CountTokens); };
    const RouteHandler responses
        = [this](RequestContext &ctx, const Params &) { m_models.serve(ctx, ModelRoutes::Kind::Responses); };
    const RouteHandler storedResponse = [this](RequestContext &ctx, const Params &params) {
        m_models.serveStoredResponse(ctx, params.value(QStringLiteral("id")).toUtf8());
    };
    const RouteHandler useGetOrDelete = [](RequestContext &ctx, const Params &) {
        ctx.error(405, "method_not_allowed",
                  QStringLiteral("use GET or DELETE %1").arg(QString::fromUtf8(ctx.request.path.left(256))));
    };
    const RouteHandler useGetOrPost = [](RequestContext &ctx, const Params &) {
        ctx.error(405, "method_not_allowed",
                  QStringLiteral("use GET or POST %1").arg(QString::fromUtf8(ctx.request.path.left(256))));
    };
    m_keyRoutes.add("POST", QStringLiteral("/v1/messages"), messages);
    m_keyRoutes.add("*", QStringLiteral("/v1/messages"), usePost);
    m_keyRoutes.add("POST", QStringLiteral("/v1/messages/count_tokens"), countTokens);
    m_keyRoutes.add("*", QStringLiteral("/v1/messages/count_tokens"), usePost);
    m_keyRoutes.add("POST", QStringLiteral("/v1/responses"), responses);
    m_keyRoutes.add("*", QStringLiteral("/v1/responses"), usePost);
    m_keyRoutes.add("GET", QStringLiteral("/v1/responses/{id}"), storedResponse);
    m_keyRoutes.add("DELETE", QStringLiteral("/v1/responses/{id}"), storedResponse);
    m_keyRoutes.add("*", QStringLiteral("/v1/responses/{id}"), useGetOrDelete);
    m_keyRoutes.add("GET", QStringLiteral("/v1/responses/{id}/{rest...}"), storedResponse); // input_items
    m_keyRoutes.add("POST", QStringLiteral("/v1/responses/{id}/{rest...}"), storedResponse); // cancel
    m_keyRoutes.add("*", QStringLiteral("/v1/responses/{id}/{rest...}"), useGetOrPost);
    m_keyRoutes.add("GET", QStringLiteral("/v1/models"), modelList);
    m_keyRoutes.add("GET", QStringLiteral("/v1/models/{name}"), model);
    m_keyRoutes.add("*", QStringLiteral("/mcp"), mcp); // McpGateway::isMcpPath
    m_keyRoutes.add("*", QStringLiteral("/mcp/{path...}"), mcp);
}

qint64 DataPlane::bodyLimitFor(const QByteArray &target)
{
    // Judged on the path as it will be routed ("//mcp/x" is the MCP gateway's too).
    const qsizetype q = target.indexOf('?');
    // normalizePath() hands a normal path back shared, without a copy: the common case costs one scan.
    const http::NormalizedPath normal = http::normalizePath(q < 0 ? target : target.left(q));
    return mcp::McpGateway::isMcpPath(normal.ok() ? normal.path : target) ? mcp::McpGateway::kMaxBodyBytes
                                                                          : kMaxBodyBytes;
}

void DataPlane::handle(http::HttpRequest request, http::HttpResponder *responder)
{
    // The path is normalised once, before anything looks at it, and that form is what is routed, logged
    // and forwarded: no other spelling of a route can reach an upstream unaccounted (pathnormalization.h).
    const http::NormalizedPath normal = http::normalizePath(request.path); // shared when it is normal already
    if (normal.ok() && normal.path.constData() != request.path.constData()) {
        const qsizetype q = request.target.indexOf('?');
        request.setTarget(normal.path + (q < 0 ? QByteArray() : request.target.mid(q)));
    }
    // Every answer on a Messages route, whoever writes it (a refused key, the proxy, an upstream), in Anthropic's
    // error shape (contract section 13).
    if (normal.ok() && isMessagesPath(normal.path))
        responder->setFilter(http::HttpResponder::FilterStage::Errors, std::make_unique<anthropic::ErrorShapeFilter>());
    RequestContext ctx{std::move(request), responder, newRequestId(), m_services.config->snapshot()};
    ctx.events = m_services.events;
    if (const QByteArray origin = ctx.request.headers.value("origin"); !origin.isNull()) {
        const bool allowed = CorsPolicy(ctx.snapshot->corsAllowedOrigins).allows(origin);
        if (allowed && CorsPolicy::isPreflight(ctx.request))
            return responder->send(204, CorsPolicy::preflightHeaders(ctx.request), {});
        responder->addTap(std::make_unique<CorsTap>(origin, allowed));
    }
    const Routes::Route *route = nullptr;
    http::PathParams params;
    const bool open = normal.ok() && m_openRoutes.match(ctx.request, &route, &params, nullptr) == Routes::Match::Found;
    if (!open) {
        auto trace = std::make_unique<usage::RequestTrace>(m_services.monitor, ctx.request, ctx.requestId);
        ctx.trace = trace.get();
        responder->addTap(std::move(trace));
    }
    if (!normal.ok())
        return ctx.error(400, "invalid_request", normal.error);
    // A normal path is one the routes can take: no dot segment, no encoded slash or NUL (see pathnormalization.h).
    if (open)
        return route->handler(ctx, params);

    if (m_paused) {
        http::Headers retry;
        retry.add("Retry-After", "5");
        return ctx.error(503, "gateway_paused", QStringLiteral("the gateway is paused; resume it from the obleth app"),
                         {}, retry);
    }
    if (!m_keys.authenticate(ctx))
        return;
    if (m_keyRoutes.match(ctx.request, &route, &params, nullptr) == Routes::Match::Found)
        return route->handler(ctx, params);
    passOn(ctx);
}

bool DataPlane::wantsBody(const http::HttpRequest &head) const
{
    // Refuse on the head alone whatever handle() would refuse before looking at the body, so that nobody
    // without a usable key can make obleth read (and hold) an upload.
    if (m_paused || !m_keys.acceptsHead(head.headers, *m_services.config->snapshot()))
        return false;
    // Judged on the path as handle() will route it (a client's "/v1//chat/completions" is the chat route).
    const http::NormalizedPath normal = http::normalizePath(head.path);
    if (!normal.ok())
        return false;
    const bool servedHere = normal.path.startsWith("/v1/") || mcp::McpGateway::isMcpPath(normal.path);
    return servedHere || m_forwarder.hasDefaultUpstream();
}

void DataPlane::passOn(RequestContext &ctx)
{
    // A key limited to some models cannot reach the default upstream by a route whose model obleth cannot see.
    if (m_forwarder.hasDefaultUpstream() && !KeyAuthenticator::checkModelScope(ctx, {}))
        return;
    m_forwarder.fallThrough(ctx);
}

void DataPlane::answerHealth(RequestContext &ctx) const
{
    http::Headers h = ctx.idHeader();
    h.add("Content-Type", "text/plain; charset=utf-8");
    return m_paused ? ctx.responder->send(503, h, "paused") : ctx.responder->send(200, h, "ok");
}

void DataPlane::listModels(RequestContext &ctx)
{
    if (m_forwarder.hasDefaultUpstream()) // it lists its own models (no model scope: the list is not a model)
        return m_forwarder.fallThrough(ctx);
    const QJsonObject list = ModelCatalog(*ctx.snapshot).list(*ctx.key);
    ctx.responder->sendJson(200, QJsonDocument(list).toJson(QJsonDocument::Compact), ctx.idHeader());
}

void DataPlane::retrieveModel(RequestContext &ctx, const QString &name)
{
    if (const auto object = ModelCatalog(*ctx.snapshot).find(name))
        return ctx.responder->sendJson(200, QJsonDocument(*object).toJson(QJsonDocument::Compact), ctx.idHeader());
    if (m_forwarder.hasDefaultUpstream()) // it may know the model
        return passOn(ctx);
    ctx.error(404, "model_not_found", QStringLiteral("the model '%1' does not exist").arg(name.left(128)));
}

} // namespace obleth::dataplane
