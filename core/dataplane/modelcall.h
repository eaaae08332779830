#pragma once

#include "anthropic/messagesanswer.h"
#include "http/httpresponder.h"
#include "model/entities.h"
#include "proxy/forwarding.h"
#include "proxy/requestbody.h"
#include "proxy/upstreamclient.h"
#include "requestcontext.h"

#include <QElapsedTimer>
#include <QList>
#include <QStringList>

#include <functional>

namespace obleth::proxy {
class ProxyCall;
}
namespace obleth::routing {
class HealthBoard;
}
namespace obleth::status {
class EventFeed;
}

namespace obleth::dataplane {

class ResponseDirectory;

/// The API a client speaks to a model (contract sections 2 and 13), which decides which deployments may answer and
/// what each is sent.
enum class ClientApi {
    OpenAI, ///< chat, completions, embeddings: OpenAI-format deployments only
    Messages, ///< Anthropic's Messages API: natively to anthropic-format deployments, translated to the others
    CountTokens, ///< /v1/messages/count_tokens: anthropic-format deployments only (the others are estimated)
    Responses, ///< OpenAI's Responses API: OpenAI-format deployments only
};

/// True when a deployment that speaks @p format can answer a request in @p api: a Messages request goes to an
/// OpenAI-format one only when it is @p translated.
[[nodiscard]] bool canAnswer(ClientApi api, model::ApiFormat format, bool translated = false);
/// True when @p model has an enabled deployment that can answer a request in @p api (@p translated: as canAnswer()).
[[nodiscard]] bool hasDeploymentFor(const model::ModelConfig &model, ClientApi api, bool translated = false);

/// What a request to a model sends: the client's body and, for a Messages request that Chat Completions
/// deployments may answer, its translation (parsed) and what the answer's translation back needs.
struct CallPayload
{
    ClientApi api = ClientApi::OpenAI;
    proxy::RequestBody body; ///< the client's
    bool translated = false; ///< chat and answer are set
    proxy::RequestBody chat; ///< the Messages request as Chat Completions
    anthropic::AnswerContext answer;
    /// When set, the model's only deployment that may answer (not its fallbacks'): the Responses API's
    /// previous_response_id lives on the deployment that created it.
    QString onlyDeployment;
};

/// One request to a registered model, over as many tries as it takes (contract section 10): a deployment of the
/// model chosen by the health board, another one while a try fails before anything reached the client (refused,
/// reset, timed out before the first byte, or a 500/502/503/504 head), at most max_retries more; then the model's
/// fallbacks in order, each with its own deployments, retries and upstream_model. Never after the first byte went to
/// the client. Nothing to try from the start: 503 model_unavailable (or 429 when every deployment is busy).
///
/// Work of the responder's, like the ProxyCall that relays its tries: both live until the answer is over. A
/// deployment counts the try in flight from its start to its end (the answer's end, a failure, the client going).
class ModelCall final : public http::ResponseWork
{
public:
    /// What the tries are made with (the forwarder's; it outlives every answer).
    struct Upstreams
    {
        proxy::UpstreamClient *client = nullptr;
        routing::HealthBoard *health = nullptr;
        status::EventFeed *events = nullptr; ///< may be null
        ResponseDirectory *responses = nullptr; ///< where the Responses API's ids are remembered
        /// The upstream request of @p ctx to @p apiBase with @p apiKey, @p body and @p model's timeouts, in
        /// @p dialect, to @p path (empty: the client's).
        std::function<proxy::UpstreamRequest(const RequestContext &ctx, const QString &apiBase, const QString &apiKey,
                                             QByteArray body, const model::ModelConfig &model,
                                             proxy::UpstreamDialect dialect, QByteArrayView path)>
            request;
    };
    /// Takes the request on: answers it, now or later.
    static void start(const Upstreams *upstreams, const RequestContext &ctx, const model::ModelConfig &model,
                      CallPayload &&payload);
    ~ModelCall() override;
    Q_DISABLE_COPY_MOVE(ModelCall)

    void clientGone() override { endTry(false); }

private:
    ModelCall(const Upstreams *upstreams, const RequestContext &ctx, const model::ModelConfig &model,
              CallPayload &&payload);

    /// The models that may answer: this one, then its fallbacks that are registered, enabled and in the key's scope.
    void collectModels(const model::ModelConfig &primary);
    /// Finds the next try (the choice is kept for startTry()); false when nothing is left.
    bool findNext();
    /// Leaves out (as tried) the deployments of the current model that cannot answer the client's API.
    void leaveOutIncompatible();
    /// The id of a Responses API answer: remembered as this tenant's, from the model and deployment that answer.
    void rememberResponse(const QByteArray &id);
    /// The request for the next try, which begins on the board.
    [[nodiscard]] proxy::UpstreamRequest beginTry();
    /// The current try is over (in flight no more); counted once.
    void endTry(bool complete);
    void refuseAtStart();
    /// The answer comes from a fallback: it says so.
    void markAnswer();

    bool retryAfterFailure(proxy::UpstreamExchange::Failure failure, const QString &detail);
    bool retryAfterHead(int status);

    const Upstreams *m_upstreams;
    RequestContext m_ctx;
    CallPayload m_payload;
    QList<const model::ModelConfig *> m_models; ///< live in the context's snapshot
    qsizetype m_modelIndex = 0;
    int m_triesOnModel = 0; ///< tries on m_models[m_modelIndex]
    QStringList m_tried; ///< deployments of the current model tried
    bool m_busy = false; ///< a deployment was left out for being at its max_concurrency

    /// The chosen next try, and then the current one.
    const model::ModelConfig *m_model = nullptr;
    const model::Deployment *m_deployment = nullptr;
    bool m_probe = false;
    bool m_inFlight = false; ///< the current try counts on the board
    QElapsedTimer m_tryClock;
    proxy::ProxyCall *m_call = nullptr; ///< owned by the responder
};

} // namespace obleth::dataplane
