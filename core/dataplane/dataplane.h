#pragma once

#include "cachepolicy.h"
#include "http/httphandler.h"
#include "http/router.h"
#include "keyauthenticator.h"
#include "modelroutes.h"
#include "responsedirectory.h"
#include "upstreamforwarder.h"

#include <QObject>
#include <QUrl>

#include <functional>

namespace obleth::config {
class LiveConfig;
}
namespace obleth::mock {
class MockBackend;
}
namespace obleth::admission {
class Admission;
}
namespace obleth::proxy {
class UpstreamClient;
}
namespace obleth::usage {
class RequestMonitor;
}
namespace obleth::cache {
class ResponseCache;
}
namespace obleth::mcp {
class McpGateway;
}
namespace obleth::status {
class EventFeed;
}
namespace obleth::routing {
class HealthBoard;
}

namespace obleth::dataplane {

struct RequestContext;

/// The OpenAI-compatible data plane (contract section 2), with Anthropic's Messages API and OpenAI's Responses API
/// (section 13), the front of it: brings the path to its normal form, puts every answer on a Messages route into
/// Anthropic's error shape,
/// applies the CORS policy, starts the request's trace, authenticates the tenant key (KeyAuthenticator) and
/// dispatches through its two route tables (one open to anyone, one for tenant keys) to the model routes
/// (ModelRoutes), the model list (ModelCatalog), the MCP gateway, or the default upstream (UpstreamForwarder).
class DataPlane final : public QObject, public http::HttpHandler
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DataPlane)

public:
    /// What the data plane serves with; all live in the gateway thread and outlive it.
    struct Services
    {
        config::LiveConfig *config = nullptr;
        proxy::UpstreamClient *upstream = nullptr;
        mock::MockBackend *mock = nullptr;
        admission::Admission *admission = nullptr;
        usage::RequestMonitor *monitor = nullptr;
        cache::ResponseCache *cache = nullptr;
        mcp::McpGateway *mcp = nullptr;
        status::EventFeed *events = nullptr; ///< where model_unavailable and 429s are reported
        routing::HealthBoard *health = nullptr; ///< deployments' health (the data plane makes its own when none)
    };
    DataPlane(Services services, QUrl defaultUpstream, QObject *parent = nullptr);
    ~DataPlane() override;

    /// The body limit for a request target: 16 MiB for the MCP gateway, 64 MiB elsewhere.
    [[nodiscard]] static qint64 bodyLimitFor(const QByteArray &target);
    static constexpr qint64 kMaxBodyBytes = 64 * 1024 * 1024;

    void handle(http::HttpRequest request, http::HttpResponder *responder) override;
    /// False when the request will be refused whatever its body: paused, no usable key, the key's
    /// max_in_flight reached, or no route and no default upstream.
    [[nodiscard]] bool wantsBody(const http::HttpRequest &head) const override;

    /// While paused (from the tray app), requests other than /health get 503 `gateway_paused`.
    void setPaused(bool paused) { m_paused = paused; }
    [[nodiscard]] bool isPaused() const noexcept { return m_paused; }
    /// Which auto-routed models can answer "model": "auto" now (ModelRoutes::setAutoRouteAvailability()).
    void setAutoRouteAvailability(routing::AutoRouter::Available available)
    {
        m_models.setAutoRouteAvailability(std::move(available));
    }

private:
    using RouteHandler = std::function<void(RequestContext &, const http::PathParams &)>;
    using Routes = http::BasicRouter<RouteHandler>;
    void addRoutes();
    /// A key's request that no route takes (or a route passes on): to the default upstream.
    void passOn(RequestContext &ctx);
    void answerHealth(RequestContext &ctx) const;
    void listModels(RequestContext &ctx);
    void retrieveModel(RequestContext &ctx, const QString &name);

    Services m_services;
    ResponseDirectory m_responses; ///< which tenant and deployment created each Responses API id
    KeyAuthenticator m_keys;
    UpstreamForwarder m_forwarder;
    CachePolicy m_cache;
    ModelRoutes m_models;
    Routes m_openRoutes; ///< served to anyone, paused or not
    Routes m_keyRoutes; ///< served to a tenant key
    bool m_paused = false;
};

} // namespace obleth::dataplane
