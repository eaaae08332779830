#pragma once

#include "model/entities.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QUrl>

#include <memory>
#include <utility>

namespace obleth::proxy {
class UpstreamClient;
class UpstreamEndpoint;
} // namespace obleth::proxy

namespace obleth::dataplane {

struct RequestContext;

/// Hands a request to an upstream (proxy::ProxyCall): a registered model's api_base with its key and timeouts, or
/// the default upstream (--upstream) with the contract's timeouts (section 9), which also takes every path no
/// route of obleth's takes.
class UpstreamForwarder final
{
public:
    UpstreamForwarder(proxy::UpstreamClient *upstream, QUrl defaultUpstream);

    [[nodiscard]] bool hasDefaultUpstream() const noexcept { return m_defaultUpstream.isValid(); }
    /// To @p model's api_base; @p body is the client's with the upstream_model in it.
    void toModel(RequestContext &ctx, const model::ModelConfig &model, QByteArray body) const;
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

private:
    /// @p model's upstream (api_base and key), taken apart once and kept: the URL parsed, the pool key with the
    /// key's digest, the Host header. Made anew when the model's api_base or key changes.
    [[nodiscard]] std::shared_ptr<const proxy::UpstreamEndpoint> endpointOf(const model::ModelConfig &model) const;
    void forward(RequestContext &ctx, std::shared_ptr<const proxy::UpstreamEndpoint> to, QByteArray body,
                 const model::ModelConfig *timeouts) const;

    proxy::UpstreamClient *m_upstream;
    QUrl m_defaultUpstream;
    std::shared_ptr<const proxy::UpstreamEndpoint> m_defaultEndpoint; ///< when there is a default upstream
    /// Per api_base and key (one gateway thread uses them).
    mutable QHash<std::pair<QString, QString>, std::shared_ptr<const proxy::UpstreamEndpoint>> m_endpoints;
};

} // namespace obleth::dataplane
