#pragma once

#include "model/entities.h"
#include "routing/autorouter.h"

#include <QByteArray>
#include <QJsonObject>

namespace obleth::admission {
class Admission;
}
namespace obleth::mock {
class MockBackend;
}
namespace obleth::proxy {
class RequestBody;
}

namespace obleth::dataplane {

class CachePolicy;
class UpstreamForwarder;
struct RequestContext;

/// POST /v1/chat/completions, /v1/completions and /v1/embeddings (contract section 2): finds the model the body
/// names, checks it against the key's allowed_models, and serves it from the response cache, its upstream or the
/// built-in mock-model. Generation (chat, completions) goes through admission first: one ticket for the tenant's
/// token budget and a fair-share permit (contract section 3). Embeddings take neither, and go to the default
/// upstream (if any) for a model obleth does not know or when they name none.
class ModelRoutes final
{
public:
    ModelRoutes(admission::Admission *admission, mock::MockBackend *mock, const CachePolicy *cache,
                const UpstreamForwarder *forwarder);

    enum class Kind { Generation, Embeddings };
    /// Serves the request. A generation request that asks for admission takes @p ctx over (moves it into the
    /// object that waits with it): the caller must not use @p ctx afterwards.
    void serve(RequestContext &ctx, Kind kind) const;
    /// Which auto-routed models can answer "model": "auto" now (contract section 11); none set: every enabled one.
    void setAutoRouteAvailability(routing::AutoRouter::Available available) { m_autoAvailable = std::move(available); }

private:
    class AdmittedRequest;

    void serveRegistered(RequestContext &ctx, const model::ModelConfig &model, const proxy::RequestBody &body,
                         Kind kind) const;
    void serveMock(RequestContext &ctx, const proxy::RequestBody &body, Kind kind) const;
    /// "model": "auto" (contract section 11): serves the request as the auto-routed model the key may use that has
    /// the most spare capacity (routing::AutoRouter); the answer names it in x-obleth-model. 403 when the key may use
    /// none of them, 503 model_unavailable when none can answer.
    void serveAuto(RequestContext &ctx, const proxy::RequestBody &body) const;
    /// Takes @p ctx over and waits for the request's admission ticket, then sends @p body on to @p model's
    /// deployments (to the built-in mock-model when @p model is nullptr); or answers 429.
    void admitThen(RequestContext &ctx, const proxy::RequestBody &body, const model::ModelConfig *model) const;

    admission::Admission *m_admission;
    mock::MockBackend *m_mock;
    const CachePolicy *m_cache;
    const UpstreamForwarder *m_forwarder;
    routing::AutoRouter::Available m_autoAvailable;
};

} // namespace obleth::dataplane
