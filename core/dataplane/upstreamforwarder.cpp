#include "upstreamforwarder.h"

#include "proxy/forwarding.h"
#include "proxy/proxycall.h"
#include "proxy/upstreamendpoint.h"
#include "requestcontext.h"
#include "routing/healthboard.h"
#include "usage/requesttrace.h"

#include <climits>

namespace obleth::dataplane {

UpstreamForwarder::UpstreamForwarder(proxy::UpstreamClient *upstream, QUrl defaultUpstream,
                                     routing::HealthBoard *health, status::EventFeed *events)
    : m_upstream(upstream)
    , m_ownHealth(health ? nullptr : std::make_unique<routing::HealthBoard>())
    , m_health(health ? health : m_ownHealth.get())
    , m_events(events)
    , m_defaultUpstream(std::move(defaultUpstream))
{
    if (m_defaultUpstream.isValid())
        m_defaultEndpoint = std::make_shared<const proxy::UpstreamEndpoint>(QUrl(m_defaultUpstream.toString()));
    m_modelCalls.client = m_upstream;
    m_modelCalls.health = m_health;
    m_modelCalls.events = m_events;
    m_modelCalls.request = [this](const RequestContext &ctx, const QString &apiBase, const QString &apiKey,
                                  QByteArray body, const model::ModelConfig &model, proxy::UpstreamDialect dialect,
                                  QByteArrayView path) {
        const bool anthropic = dialect == proxy::UpstreamDialect::AnthropicNative;
        return upstreamRequest(ctx, endpointOf(apiBase, apiKey, anthropic), std::move(body), &model, dialect, path);
    };
}

UpstreamForwarder::~UpstreamForwarder() = default;

std::shared_ptr<const proxy::UpstreamEndpoint>
UpstreamForwarder::endpointOf(const QString &apiBase, const QString &apiKey, bool anthropic) const
{
    auto &endpoints = anthropic ? m_anthropicEndpoints : m_endpoints;
    const std::pair<QString, QString> key{apiBase, apiKey};
    if (const auto it = endpoints.constFind(key); it != endpoints.cend())
        return it.value();
    if (endpoints.size() >= kMaxEndpoints)
        endpoints.clear(); // endpoints of models long changed or gone
    auto endpoint = proxy::endpointFor(apiBase, apiKey, anthropic);
    endpoints.insert(key, endpoint);
    return endpoint;
}

void UpstreamForwarder::toModel(RequestContext &ctx, const model::ModelConfig &model,
                                const proxy::RequestBody &body) const
{
    CallPayload payload;
    payload.body = body;
    ModelCall::start(&m_modelCalls, ctx, model, std::move(payload));
}

void UpstreamForwarder::toModel(RequestContext &ctx, const model::ModelConfig &model, CallPayload &&payload) const
{
    ModelCall::start(&m_modelCalls, ctx, model, std::move(payload));
}

void UpstreamForwarder::toDeployment(RequestContext &ctx, const model::ModelConfig &model,
                                     const model::Deployment &deployment) const
{
    const QString &apiBase = deployment.apiBase.isEmpty() ? model.apiBase : deployment.apiBase;
    if (ctx.trace)
        ctx.trace->setDeployment(deployment.id);
    forward(ctx, endpointOf(apiBase, deployment.apiKey), ctx.request.body, &model);
}

void UpstreamForwarder::toDefaultUpstream(RequestContext &ctx) const
{
    forward(ctx, m_defaultEndpoint, ctx.request.body, nullptr);
}

void UpstreamForwarder::fallThrough(RequestContext &ctx) const
{
    if (!m_defaultUpstream.isValid()) {
        return ctx.error(
            404, "not_found",
            QStringLiteral("no route for %1 %2 and no default upstream is set (--upstream)")
                .arg(QString::fromLatin1(ctx.request.method), QString::fromUtf8(ctx.request.path.left(256))));
    }
    if (proxy::reachesModelRoute(*m_defaultEndpoint, ctx.request.path)) {
        // Not forwarded: it would reach the upstream as chat, completions or embeddings without the
        // model, the budget and the admission obleth applies to those (forwarding.h).
        return ctx.error(400, "invalid_request",
                         QStringLiteral("the path %1 differs from an OpenAI route only in case or ';' parameters; "
                                        "send the route exactly")
                             .arg(QString::fromUtf8(ctx.request.path.left(256))));
    }
    toDefaultUpstream(ctx);
}

proxy::UpstreamRequest UpstreamForwarder::upstreamRequest(const RequestContext &ctx,
                                                          std::shared_ptr<const proxy::UpstreamEndpoint> to,
                                                          QByteArray body, const model::ModelConfig *model,
                                                          proxy::UpstreamDialect dialect, QByteArrayView path)
{
    proxy::UpstreamRequest up;
    // The client's path and query byte for byte; a path of obleth's (a translation's) goes without the client's
    // query, which belongs to the client's API (Claude Code's /v1/messages?beta=true).
    up.target = path.isEmpty() ? proxy::upstreamTarget(*to, ctx.request.path, ctx.request.query)
                               : proxy::upstreamTarget(*to, path, {});
    up.method = ctx.request.method;
    proxy::writeUpstreamRequestHeaders(up.headerLines, ctx.request.headers, *to, ctx.requestId, dialect);
    up.body = std::move(body);
    up.endpoint = std::move(to);
    if (model) {
        up.connectTimeoutMs = int(model->connectTimeoutSecs * 1000);
        up.firstByteTimeoutMs = int(std::min<qint64>(model->firstByteTimeoutSecs * 1000, INT_MAX));
        up.idleTimeoutMs = int(std::min<qint64>(model->idleTimeoutSecs * 1000, INT_MAX));
    } else {
        up.connectTimeoutMs = kDefaultConnectTimeoutMs;
        up.firstByteTimeoutMs = kDefaultFirstByteTimeoutMs;
        up.idleTimeoutMs = kDefaultIdleTimeoutMs;
    }
    return up;
}

void UpstreamForwarder::forward(RequestContext &ctx, std::shared_ptr<const proxy::UpstreamEndpoint> to, QByteArray body,
                                const model::ModelConfig *model) const
{
    proxy::UpstreamRequest up = upstreamRequest(ctx, std::move(to), std::move(body), model);
    proxy::ProxyCall *call = proxy::ProxyCall::create(m_upstream, std::move(up), ctx.responder, ctx.requestId);
    call->onFailure([trace = ctx.trace](const QString &error) {
        if (trace)
            trace->setError(QStringLiteral("upstream: ") + error);
    });
    call->start();
}

} // namespace obleth::dataplane
