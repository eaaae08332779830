#pragma once

#include "config/entities.h"
#include "http/httphandler.h"
#include "proxy/proxycall.h"

#include <QObject>
#include <QUrl>

#include <functional>

namespace obleth::config {
class ConfigService;
struct ConfigSnapshot;
} // namespace obleth::config
namespace obleth::mock {
class MockBackend;
}
namespace obleth::admission {
class Admission;
}
namespace obleth::proxy {
class UpstreamClient;
}

namespace obleth::gateway {

/// The OpenAI-compatible data plane (contract section 2): authenticates tenant keys against the
/// configuration snapshot, resolves the model, and forwards to the upstream or the built-in mock.
class DataPlane final : public QObject, public http::HttpHandler
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DataPlane)

public:
    DataPlane(config::ConfigService *config, proxy::UpstreamClient *upstream, mock::MockBackend *mock,
              admission::Admission *admission, QUrl defaultUpstream, QObject *parent = nullptr);

    /// The body limit for a request target: 16 MiB for the MCP gateway, 64 MiB elsewhere.
    [[nodiscard]] static qint64 bodyLimitFor(const QByteArray &target);
    static constexpr qint64 kMaxBodyBytes = 64 * 1024 * 1024;

    void handle(http::HttpRequest request, http::HttpResponder *responder) override;

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
                 const config::ModelConfig *timeouts);
    /// Chat and completions wait for a fair-share permit, which they hold until their response or stream
    /// ends; then @p then runs (or the client gets 429).
    void admitThen(Context &ctx, const config::ModelConfig *model, std::function<void(Context &)> then);
    void fallThrough(Context &ctx);
    void serveMock(Context &ctx);
    /// Answers 401/403 and returns false unless the request carries a usable tenant key.
    bool authenticate(Context &ctx);

    config::ConfigService *m_config;
    proxy::UpstreamClient *m_upstream;
    mock::MockBackend *m_mock;
    admission::Admission *m_admission;
    class McpGateway *m_mcp;
    QUrl m_defaultUpstream;
};

} // namespace obleth::gateway
