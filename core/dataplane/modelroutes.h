#pragma once

#include "model/entities.h"
#include "modelcall.h"
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
class ResponseDirectory;
class UpstreamForwarder;
struct RequestContext;

/// POST /v1/chat/completions, /v1/completions and /v1/embeddings (contract section 2), /v1/messages,
/// /v1/messages/count_tokens and /v1/responses (section 13): finds the model the body names, checks it against the
/// key's allowed_models, and serves it from the response cache, its upstream or the built-in mock-model. Generation
/// (chat, completions, messages, responses) goes through admission first: one ticket for the tenant's token budget
/// and a fair-share permit (contract section 3). Embeddings and token counts take neither; embeddings go to the
/// default upstream (if any) for a model obleth does not know or when they name none.
class ModelRoutes final
{
public:
    ModelRoutes(admission::Admission *admission, mock::MockBackend *mock, const CachePolicy *cache,
                const UpstreamForwarder *forwarder);

    enum class Kind {
        Generation, ///< chat and completions
        Embeddings,
        Messages, ///< Anthropic's Messages API
        CountTokens, ///< /v1/messages/count_tokens
        Responses, ///< OpenAI's Responses API
    };
    /// Serves the request. A generation request that asks for admission takes @p ctx over (moves it into the
    /// object that waits with it): the caller must not use @p ctx afterwards.
    void serve(RequestContext &ctx, Kind kind) const;
    /// Which auto-routed models can answer "model": "auto" now (contract section 11); none set: every enabled one.
    void setAutoRouteAvailability(routing::AutoRouter::Available available) { m_autoAvailable = std::move(available); }
    /// GET and DELETE /v1/responses/{id}[/...] (contract section 13): to the deployment that created the response
    /// @p id (ResponseDirectory), 404 when another tenant created it; an unknown id goes to the default upstream
    /// (404 without one).
    void serveStoredResponse(RequestContext &ctx, const QByteArray &id) const;
    /// Where the Responses API's ids are remembered (the data plane's; outlives every request).
    void setResponseDirectory(const ResponseDirectory *responses) { m_responses = responses; }

private:
    class AdmittedRequest;

    void serveRegistered(RequestContext &ctx, const model::ModelConfig &model, const proxy::RequestBody &body,
                         Kind kind) const;
    void serveMock(RequestContext &ctx, const proxy::RequestBody &body, Kind kind) const;
    /// "model": "auto" (contract section 11): serves the request as the auto-routed model the key may use that has
    /// the most spare capacity (routing::AutoRouter); the answer names it in x-obleth-model. 403 when the key may use
    /// none of them, 503 model_unavailable when none can answer.
    void serveAuto(RequestContext &ctx, const proxy::RequestBody &body, Kind kind) const;
    /// Takes @p ctx over and waits for the request's admission ticket, then sends @p payload on to @p model's
    /// deployments (to the built-in mock-model when @p model is nullptr); or answers 429.
    void admitThen(RequestContext &ctx, CallPayload &&payload, const model::ModelConfig *model) const;
    /// A Messages request's translation onto Chat Completions into @p payload; false (and @p why) when it has none:
    /// the payload stays untranslated.
    static bool translate(const RequestContext &ctx, const QString &clientModel, CallPayload &payload, QString *why);
    /// A Responses request's previous_response_id: another tenant's answers 404 (false); one of this tenant's
    /// created by a deployment of @p model makes that deployment the only one to try (it holds the conversation).
    bool followPreviousResponse(RequestContext &ctx, const model::ModelConfig &model, CallPayload &payload) const;
    /// /v1/messages/count_tokens answered here, for a model without an anthropic-format deployment: the prompt's
    /// estimate, with x-obleth-token-count: estimated.
    static void countLocally(RequestContext &ctx, const proxy::RequestBody &body);

    admission::Admission *m_admission;
    mock::MockBackend *m_mock;
    const CachePolicy *m_cache;
    const UpstreamForwarder *m_forwarder;
    routing::AutoRouter::Available m_autoAvailable;
    const ResponseDirectory *m_responses = nullptr;
};

} // namespace obleth::dataplane
