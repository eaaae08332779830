#pragma once

#include "model/entities.h"
#include "modelcall.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QUrl>

#include <memory>
#include <utility>

namespace obleth::proxy {
class RequestBody;
class UpstreamClient;
class UpstreamEndpoint;
struct UpstreamRequest;
} // namespace obleth::proxy
namespace obleth::routing {
class HealthBoard;
}
namespace obleth::status {
class EventFeed;
}

namespace obleth::dataplane {

struct RequestContext;

/// Hands a request to an upstream (proxy::ProxyCall): a registered model's deployments with their keys and the
/// model's timeouts (ModelCall: health, retries, fallbacks), or the default upstream (--upstream) with the
/// contract's timeouts (section 9), which also takes every path no route of obleth's takes.
class UpstreamForwarder final
{
public:
    /// @p health is the gateway's board of deployment health (one of its own when none is given); @p events hears
    /// model_unavailable (may be null).
    UpstreamForwarder(proxy::UpstreamClient *upstream, QUrl defaultUpstream, routing::HealthBoard *health = nullptr,
                      status::EventFeed *events = nullptr);
    ~UpstreamForwarder();
    Q_DISABLE_COPY_MOVE(UpstreamForwarder)

    [[nodiscard]] bool hasDefaultUpstream() const noexcept { return m_defaultUpstream.isValid(); }
    /// To one of @p model's deployments, retried on others and on its fallbacks while nothing reached the client
    /// (ModelCall); @p body is the client's, whose model each try replaces with the deployment's upstream_model.
    void toModel(RequestContext &ctx, const model::ModelConfig &model, const proxy::RequestBody &body) const;
    /// The same for a request in any API (contract section 13): @p payload says which, and what each kind of
    /// deployment is sent. Taken over, not copied.
    void toModel(RequestContext &ctx, const model::ModelConfig &model, CallPayload &&payload) const;
    /// To @p deployment of @p model alone, as the client sent it (no retry, no fallback): GET and DELETE
    /// /v1/responses/{id} to the deployment that created the response.
    void toDeployment(RequestContext &ctx, const model::ModelConfig &model, const model::Deployment &deployment) const;
    /// Where the Responses API's ids are remembered (set before the first request).
    void setResponseDirectory(ResponseDirectory *responses) { m_modelCalls.responses = responses; }
    /// To the default upstream (there must be one), as the client sent it.
    void toDefaultUpstream(RequestContext &ctx) const;
    /// A request no route takes: to the default upstream, unless its path merely looks like one of obleth's model
    /// routes (400); 404 when there is no default upstream.
    void fallThrough(RequestContext &ctx) const;

    /// Upstream calls for the default upstream use these timeouts (contract section 9 defaults).
    static constexpr int kDefaultConnectTimeoutMs = 10'000;
    static constexpr int kDefaultFirstByteTimeoutMs = 600'000;
    static constexpr int kDefaultIdleTimeoutMs = 120'000;

    /// At most this many endpoints are kept (api_base and key pairs); beyond, the cache starts afresh.
    static constexpr qsizetype kMaxEndpoints = 1024;

    /// An upstream (api_base and key), taken apart once and kept: the URL parsed, the pool key with the key's
    /// digest, the Host header. Made anew when a deployment's api_base or key changes.
    /// @p anthropic: the key goes as x-api-key (Anthropic's Messages API), else as a bearer token.
    [[nodiscard]] std::shared_ptr<const proxy::UpstreamEndpoint>
    endpointOf(const QString &apiBase, const QString &apiKey, bool anthropic = false) const;
    /// The upstream request for @p ctx to @p to with @p body, with @p model's timeouts (the defaults without one), in
    /// @p dialect, to @p path (empty: the client's path and query; else without the client's query).
    [[nodiscard]] static proxy::UpstreamRequest
    upstreamRequest(const RequestContext &ctx, std::shared_ptr<const proxy::UpstreamEndpoint> to, QByteArray body,
                    const model::ModelConfig *model, proxy::UpstreamDialect dialect = proxy::UpstreamDialect::OpenAI,
                    QByteArrayView path = {});
    [[nodiscard]] routing::HealthBoard *health() const noexcept { return m_health; }

private:
    void forward(RequestContext &ctx, std::shared_ptr<const proxy::UpstreamEndpoint> to, QByteArray body,
                 const model::ModelConfig *timeouts) const;

    proxy::UpstreamClient *m_upstream;
    std::unique_ptr<routing::HealthBoard> m_ownHealth; ///< when the gateway gave none
    routing::HealthBoard *m_health;
    status::EventFeed *m_events;
    ModelCall::Upstreams m_modelCalls; ///< what each ModelCall tries with
    QUrl m_defaultUpstream;
    std::shared_ptr<const proxy::UpstreamEndpoint> m_defaultEndpoint; ///< when there is a default upstream
    /// Per api_base and key (one gateway thread uses them).
    mutable QHash<std::pair<QString, QString>, std::shared_ptr<const proxy::UpstreamEndpoint>> m_endpoints;
    /// The same for Anthropic's Messages API (the key as x-api-key).
    mutable QHash<std::pair<QString, QString>, std::shared_ptr<const proxy::UpstreamEndpoint>> m_anthropicEndpoints;
};

} // namespace obleth::dataplane
