#pragma once

#include "http/httpresponder.h"
#include "model/entities.h"
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
        /// The upstream request of @p ctx to @p apiBase with @p apiKey, @p body and @p model's timeouts.
        std::function<proxy::UpstreamRequest(const RequestContext &ctx, const QString &apiBase, const QString &apiKey,
                                             QByteArray body, const model::ModelConfig &model)>
            request;
    };
    /// Takes the request on: answers it, now or later.
    static void start(const Upstreams *upstreams, const RequestContext &ctx, const model::ModelConfig &model,
                      const proxy::RequestBody &body);
    ~ModelCall() override;
    Q_DISABLE_COPY_MOVE(ModelCall)

    void clientGone() override { endTry(false); }

private:
    ModelCall(const Upstreams *upstreams, const RequestContext &ctx, const model::ModelConfig &model,
              const proxy::RequestBody &body);

    /// The models that may answer: this one, then its fallbacks that are registered, enabled and in the key's scope.
    void collectModels(const model::ModelConfig &primary);
    /// Finds the next try (the choice is kept for startTry()); false when nothing is left.
    bool findNext();
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
    proxy::RequestBody m_body;
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
