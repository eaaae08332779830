#pragma once

#include "model/entities.h"

#include <QByteArray>
#include <QUrl>

namespace obleth::proxy {
class UpstreamClient;
}

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

private:
    void forward(RequestContext &ctx, const QString &apiBase, const QString &apiKey, QByteArray body,
                 const model::ModelConfig *timeouts) const;

    proxy::UpstreamClient *m_upstream;
    QUrl m_defaultUpstream;
};

} // namespace obleth::dataplane
