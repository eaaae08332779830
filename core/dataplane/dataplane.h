#pragma once

#include "admission/tokenbuckets.h"
#include "model/entities.h"
#include "http/httphandler.h"
#include "proxy/proxycall.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

#include <functional>

namespace obleth::config {
class ConfigService;
}
namespace obleth::model {
struct ConfigSnapshot;
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
class RequestTrace;
} // namespace obleth::usage
namespace obleth::cache {
class ResponseCache;
}
namespace obleth::mcp {
class McpGateway;
}

namespace obleth::dataplane {

/// The OpenAI-compatible data plane (contract section 2): authenticates tenant keys against the
/// configuration snapshot, resolves the model, and forwards to the upstream or the built-in mock.
class DataPlane final : public QObject, public http::HttpHandler
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DataPlane)

public:
    /// What the data plane serves with; all live in the gateway thread and outlive it.
    struct Services
    {
        config::ConfigService *config = nullptr;
        proxy::UpstreamClient *upstream = nullptr;
        mock::MockBackend *mock = nullptr;
        admission::Admission *admission = nullptr;
        usage::RequestMonitor *monitor = nullptr;
        cache::ResponseCache *cache = nullptr;
    };
    DataPlane(Services services, QUrl defaultUpstream, QObject *parent = nullptr);

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

    /// Upstream calls for the default upstream use these timeouts (contract section 9 defaults).
    static constexpr int kDefaultConnectTimeoutMs = 10'000;
    static constexpr int kDefaultFirstByteTimeoutMs = 600'000;
    static constexpr int kDefaultIdleTimeoutMs = 120'000;

private:
    struct Context;
    /// Chat and completions (@p generation: a model is required, and admission applies) or embeddings
    /// (no permit; an unknown model goes to the default upstream).
    void handleModelRoute(Context &ctx, bool generation);
    void handleModelList(Context &ctx);
    bool handleModelRetrieve(Context &ctx);
    void forward(Context &ctx, const QString &apiBase, const QString &apiKey, QByteArray body,
                 const model::ModelConfig *timeouts);
    /// Chat and completions wait for a fair-share permit, which they hold until their response or stream
    /// ends; then @p then runs (or the client gets 429).
    void admitThen(Context &ctx, const model::ModelConfig *model, std::function<void(Context &)> then);
    /// Takes the request's token estimate from its tenant's tokens_per_minute budget, settled with the real
    /// usage when it ends; answers 429 and returns false when the budget is spent.
    bool reserveTokens(Context &ctx, const QJsonObject &body);
    /// The response cache for a registered model: answers a hit and returns true; on a miss arranges for
    /// the answer to be stored. Sets x-obleth-cache either way.
    bool serveFromCache(Context &ctx, const model::ModelConfig &model);
    void fallThrough(Context &ctx);
    void serveMock(Context &ctx);
    /// Answers 401/403 and returns false unless the request carries a usable tenant key.
    bool authenticate(Context &ctx);
    /// The key's own max_in_flight: counts the request until its answer is over, or answers 429.
    bool holdKeySlot(Context &ctx);
    /// The key's allowed_models: answers 403 `model_not_allowed` and returns false unless @p name is allowed
    /// (an empty name: a route whose model obleth cannot see, refused to a key with a model list).
    bool checkModelScope(Context &ctx, const QString &name);

    Services m_services;
    mcp::McpGateway *m_mcp;
    admission::TokenBuckets m_buckets;
    QUrl m_defaultUpstream;
    QHash<QString, int> m_keyInFlight; ///< key id -> requests in flight, for keys with max_in_flight
    bool m_paused = false;
};

} // namespace obleth::dataplane
