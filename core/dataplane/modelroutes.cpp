#include "modelroutes.h"

#include "admission/admission.h"
#include "admission/brownout.h"
#include "anthropic/messagesfilters.h"
#include "anthropic/messagesrequest.h"
#include "cachepolicy.h"
#include "http/httpresponder.h"
#include "keyauthenticator.h"
#include "mock/mockbackend.h"
#include "platform/logging.h"
#include "proxy/requestbody.h"
#include "requestcontext.h"
#include "responsedirectory.h"
#include "upstreamforwarder.h"
#include "usage/requesttrace.h"
#include "usage/tokenestimate.h"

#include <QJsonDocument>

namespace obleth::dataplane {

namespace {
ClientApi apiOf(ModelRoutes::Kind kind)
{
    switch (kind) {
    case ModelRoutes::Kind::Generation:
    case ModelRoutes::Kind::Embeddings: return ClientApi::OpenAI;
    case ModelRoutes::Kind::Messages: return ClientApi::Messages;
    case ModelRoutes::Kind::CountTokens: return ClientApi::CountTokens;
    case ModelRoutes::Kind::Responses: return ClientApi::Responses;
    }
    return ClientApi::OpenAI;
}

/// The route's part of a cache key (contract section 7 and 13): none for chat and completions (their keys as ever).
QByteArrayView cacheRouteOf(ModelRoutes::Kind kind)
{
    switch (kind) {
    case ModelRoutes::Kind::Messages: return "/v1/messages";
    case ModelRoutes::Kind::Responses: return "/v1/responses";
    default: return {};
    }
}

/// True when some enabled deployment of @p model speaks @p format.
bool hasFormat(const model::ModelConfig &model, model::ApiFormat format)
{
    return std::any_of(model.deployments.cbegin(), model.deployments.cend(),
                       [&](const model::Deployment &d) { return d.enabled && model.formatOf(d) == format; });
}

/// True when @p model or one of its registered, enabled fallbacks has an enabled deployment in @p format: an
/// OpenAI one may take a Messages request translated, an anthropic one as it came.
bool mayServeIn(const model::ModelConfig &model, const model::ConfigSnapshot &snapshot, model::ApiFormat format)
{
    if (hasFormat(model, format))
        return true;
    for (const QString &name : model.fallbacks) {
        if (const model::ModelConfig *fallback = snapshot.findModel(name);
            fallback && fallback->enabled && hasFormat(*fallback, format))
            return true;
    }
    return false;
}
} // namespace

ModelRoutes::ModelRoutes(admission::Admission *admission, mock::MockBackend *mock, const CachePolicy *cache,
                         const UpstreamForwarder *forwarder)
    : m_admission(admission)
    , m_mock(mock)
    , m_cache(cache)
    , m_forwarder(forwarder)
{ }

void ModelRoutes::serve(RequestContext &ctx, Kind kind) const
{
    proxy::RequestBody body;
    QString why;
    if (!body.parse(ctx.request.body, &why))
        return ctx.error(400, "invalid_request", why);
    const QJsonValue model = body.json().value(QStringLiteral("model"));
    const QString name = model.toString(); // empty for what is not a string
    if (!model.isString() || name.isEmpty()) {
        if (kind == Kind::Embeddings && model.isUndefined() && m_forwarder->hasDefaultUpstream()) {
            if (!KeyAuthenticator::checkModelScope(ctx, {}))
                return;
            return m_forwarder->toDefaultUpstream(ctx);
        }
        return ctx.error(400, "invalid_request",
                         model.isUndefined() ? QStringLiteral("model is required")
                                             : QStringLiteral("model must be a non-empty string"),
                         QStringLiteral("model"));
    }
    if ((kind == Kind::Generation || kind == Kind::Messages || kind == Kind::Responses)
        && name == routing::AutoRouter::kModelName && !ctx.snapshot->findModel(name)
        && routing::AutoRouter::isOffered(*ctx.snapshot))
        return serveAuto(ctx, body, kind);
    if (!KeyAuthenticator::checkModelScope(ctx, name))
        return;
    if (const model::ModelConfig *registered = ctx.snapshot->findModel(name))
        return serveRegistered(ctx, *registered, body, kind);
    if (name == model::kMockModelName)
        return serveMock(ctx, body, kind);
    if (kind == Kind::Embeddings && m_forwarder->hasDefaultUpstream())
        return m_forwarder->toDefaultUpstream(ctx);
    const QString shown = RequestContext::shown(name);
    ctx.error(404, "model_not_found", QStringLiteral("the model '%1' does not exist").arg(shown),
              QStringLiteral("model"));
}

void ModelRoutes::serveRegistered(RequestContext &ctx, const model::ModelConfig &model, const proxy::RequestBody &body,
                                  Kind kind) const
{
    if (!model.enabled) {
        return ctx.error(404, "model_not_found", QStringLiteral("the model '%1' is disabled").arg(model.modelName),
                         QStringLiteral("model"));
    }
    if (kind == Kind::Generation || kind == Kind::Embeddings) { // the common case first, as it ever was
        ctx.trace->setModel(model.modelName, model.inputCostPerToken, model.outputCostPerToken);
        if (hasFormat(model, model::ApiFormat::Anthropic) && !hasFormat(model, model::ApiFormat::OpenAI)) {
            return ctx.error(400, "invalid_request",
                             QStringLiteral("the model '%1' speaks Anthropic's Messages API: use POST /v1/messages")
                                 .arg(model.modelName),
                             QStringLiteral("model"));
        }
        ctx.trace->meterUsage(ctx.request.body);
        if (m_cache->serveFromCache(ctx, model))
            return;
        ctx.trace->announceStart();
        if (kind == Kind::Embeddings)
            return m_forwarder->toModel(ctx, model, body);
        CallPayload payload;
        payload.body = body;
        // The model lives in the snapshot, which the admitted context keeps.
        return admitThen(ctx, std::move(payload), &model);
    }
    ctx.trace->setModel(model.modelName, model.inputCostPerToken, model.outputCostPerToken);
    CallPayload payload;
    payload.api = apiOf(kind);
    payload.body = body;
    if (kind == Kind::Responses && hasFormat(model, model::ApiFormat::Anthropic)
        && !hasFormat(model, model::ApiFormat::OpenAI)) {
        return ctx.error(400, "invalid_request",
                         QStringLiteral("the model '%1' speaks Anthropic's Messages API, not the Responses API: use "
                                        "POST /v1/messages")
                             .arg(model.modelName),
                         QStringLiteral("model"));
    }
    if (kind == Kind::Responses && !followPreviousResponse(ctx, model, payload))
        return;
    if (kind == Kind::CountTokens) {
        // A count costs nothing: no admission, no budget, no tokens in the log (none metered).
        ctx.trace->setModel(model.modelName, 0, 0);
        CachePolicy::markUncached(ctx);
        if (!hasDeploymentFor(model, ClientApi::CountTokens)) // no enabled anthropic-format deployment
            return countLocally(ctx, body);
        ctx.trace->announceStart();
        return m_forwarder->toModel(ctx, model, std::move(payload));
    }
    if (kind == Kind::Messages && mayServeIn(model, *ctx.snapshot, model::ApiFormat::OpenAI)) {
        QString why;
        // A body the translation refuses may still go as it came to an anthropic-format deployment: untranslated,
        // the call leaves the OpenAI ones out.
        if (!translate(ctx, body.model(), payload, &why)
            && !mayServeIn(model, *ctx.snapshot, model::ApiFormat::Anthropic))
            return ctx.error(400, "invalid_request", why);
    }
    ctx.trace->meterUsage(ctx.request.body);
    // A Responses answer names a response that lives with its tenant: a cached one is replayed to that tenant only.
    const QByteArray cacheRoute = kind == Kind::Responses
        ? cacheRouteOf(kind).toByteArray() + " tenant=" + ctx.key->tenantId.toUtf8()
        : cacheRouteOf(kind).toByteArray();
    if (m_cache->serveFromCache(ctx, model, cacheRoute))
        return;
    ctx.trace->announceStart();
    admitThen(ctx, std::move(payload), &model);
}

bool ModelRoutes::translate(const RequestContext &ctx, const QString &clientModel, CallPayload &payload, QString *why)
{
    QByteArray chat;
    if (!anthropic::toChatCompletions(payload.body.json(), &chat, why) || !payload.chat.parse(chat, why)) {
        payload.chat = proxy::RequestBody();
        return false;
    }
    payload.translated = true;
    payload.answer.model = clientModel;
    payload.answer.requestId = ctx.requestId;
    payload.answer.usageEstimated = [trace = ctx.trace] {
        if (trace)
            trace->setUsageEstimated();
    };
    // "msg_" and the request id's 32 hex digits: unique per request, and the log's id is found in it.
    payload.answer.messageId = QByteArrayLiteral("msg_") + ctx.requestId.mid(ctx.requestId.indexOf('_') + 1);
    payload.answer.stopSequences = anthropic::stopSequencesOf(payload.body.json());
    payload.answer.inputTokenEstimate = usage::promptTokenEstimate(payload.body.json());
    // A streaming client gets events even from an upstream that answers in one JSON document (or not at all in
    // Chat Completions' shape): a message document would be nothing its SDK can read as a stream.
    payload.answer.stream = payload.body.isStream();
    return true;
}

bool ModelRoutes::followPreviousResponse(RequestContext &ctx, const model::ModelConfig &model,
                                         CallPayload &payload) const
{
    const QJsonValue previous = payload.body.json().value(QStringLiteral("previous_response_id"));
    if (previous.isUndefined())
        return true;
    if (proxy::RequestBody::countTopLevelKey(payload.body.bytes(), "previous_response_id") > 1) {
        // As for a repeated "model": the parser here keeps the last, others the first; the tenant check below could
        // pass on an unknown id while the upstream continued another tenant's conversation.
        ctx.error(400, "invalid_request",
                  QStringLiteral("the request body has the key \"previous_response_id\" more than once"),
                  QStringLiteral("previous_response_id"));
        return false;
    }
    if (!previous.isString() || !m_responses)
        return true;
    const QByteArray id = previous.toString().toUtf8();
    const ResponseDirectory::Origin *origin = m_responses->find(id);
    if (!origin)
        return true; // not one obleth saw: the upstream decides
    if (origin->tenantId != ctx.key->tenantId) {
        // Another tenant's conversation: as if it did not exist, and never sent on.
        ctx.error(404, "not_found",
                  QStringLiteral("no response '%1'").arg(RequestContext::shown(QString::fromUtf8(id))),
                  QStringLiteral("previous_response_id"));
        return false;
    }
    if (origin->model == model.modelName)
        payload.onlyDeployment = origin->deploymentId;
    return true;
}

void ModelRoutes::countLocally(RequestContext &ctx, const proxy::RequestBody &body)
{
    ctx.trace->announceStart();
    http::Headers headers = ctx.idHeader();
    headers.add("x-obleth-token-count", "estimated");
    // The estimate counts the tools too (their compact JSON): Claude Code's tool definitions are most of its prompt.
    const QJsonObject count{{QStringLiteral("input_tokens"), usage::promptTokenEstimate(body.json())}};
    ctx.responder->sendJson(200, QJsonDocument(count).toJson(QJsonDocument::Compact), std::move(headers));
}

void ModelRoutes::serveStoredResponse(RequestContext &ctx, const QByteArray &id) const
{
    const ResponseDirectory::Origin *origin = m_responses ? m_responses->find(id) : nullptr;
    const auto notFound = [&ctx, &id] {
        ctx.error(404, "not_found",
                  QStringLiteral("no response '%1'").arg(RequestContext::shown(QString::fromUtf8(id))));
    };
    if (origin && origin->tenantId != ctx.key->tenantId)
        return notFound(); // another tenant's: as if it did not exist
    if (origin) {
        const model::ModelConfig *model = ctx.snapshot->findModel(origin->model);
        const model::Deployment *deployment = nullptr;
        if (model && model->enabled) {
            for (const model::Deployment &d : model->deployments) {
                if (d.id == origin->deploymentId && d.enabled)
                    deployment = &d;
            }
        }
        if (!deployment)
            return notFound(); // its model or deployment is gone: nothing else holds it
        if (!KeyAuthenticator::checkModelScope(ctx, model->modelName))
            return;
        ctx.trace->setModel(model->modelName, 0, 0);
        ctx.trace->announceStart();
        return m_forwarder->toDeployment(ctx, *model, *deployment);
    }
    if (!m_forwarder->hasDefaultUpstream())
        return notFound();
    if (!KeyAuthenticator::checkModelScope(ctx, {}))
        return;
    m_forwarder->toDefaultUpstream(ctx);
}

void ModelRoutes::serveMock(RequestContext &ctx, const proxy::RequestBody &body, Kind kind) const
{
    if (kind == Kind::Responses) {
        return ctx.error(400, "invalid_request",
                         QStringLiteral("%1 does not speak the Responses API: use POST /v1/chat/completions")
                             .arg(model::kMockModelName),
                         QStringLiteral("model"));
    }
    if (kind == Kind::CountTokens) {
        ctx.trace->setModel(model::kMockModelName, 0, 0);
        CachePolicy::markUncached(ctx);
        return countLocally(ctx, body);
    }
    ctx.trace->setModel(model::kMockModelName, 0, 0);
    CallPayload payload;
    payload.body = body;
    if (kind == Kind::Messages) {
        // The mock speaks Chat Completions: it answers the translation, which goes back translated.
        QString why;
        if (!translate(ctx, body.model(), payload, &why))
            return ctx.error(400, "invalid_request", why);
        ctx.responder->setFilter(http::HttpResponder::FilterStage::Translate,
                                 std::make_unique<anthropic::ChatToMessagesFilter>(payload.answer));
    }
    ctx.trace->meterUsage(ctx.request.body);
    CachePolicy::markUncached(ctx);
    ctx.trace->announceStart();
    if (kind == Kind::Embeddings)
        return m_mock->serve(ctx.request, ctx.responder, ctx.idHeader());
    if (kind == Kind::Messages) { // metered above as the client sent it; the mock reads the translation
        ctx.request.setTarget(QByteArrayLiteral("/v1/chat/completions"));
        ctx.request.body = payload.chat.bytes();
    }
    admitThen(ctx, std::move(payload), nullptr);
}

void ModelRoutes::serveAuto(RequestContext &ctx, const proxy::RequestBody &body, Kind kind) const
{
    // The key's allowed_models are checked against the model that would answer (contract section 14).
    QList<const model::ModelConfig *> candidates = routing::AutoRouter::candidates(*ctx.snapshot, *ctx.key);
    if (candidates.isEmpty()) {
        return ctx.error(
            403, "model_not_allowed",
            QStringLiteral("the API key %1... may use none of the models 'auto' chooses from").arg(ctx.key->keyPrefix),
            QStringLiteral("model"));
    }
    // Only models that speak the client's API (a Messages request may be translated onto any).
    const ClientApi api = apiOf(kind);
    candidates.removeIf([api](const model::ModelConfig *m) { return !hasDeploymentFor(*m, api, true); });
    if (candidates.isEmpty()) {
        return ctx.unavailable(QStringLiteral("the models 'auto' chooses from"),
                               QStringLiteral("none of them serves this API"), 1);
    }
    const admission::Admission *admission = m_admission;
    const model::ModelConfig *picked = routing::AutoRouter::pick(
        candidates, [admission](const QString &name) { return admission->modelInFlight(name); }, m_autoAvailable);
    if (!picked) {
        return ctx.unavailable(QStringLiteral("the models 'auto' chooses from"),
                               QStringLiteral("none of them can answer"), 1);
    }
    qCDebug(lcDataPlane).noquote() << ctx.requestId << "auto: routed to" << picked->modelName;
    ctx.responder->addHeader(QByteArrayLiteral("x-obleth-model"), picked->modelName.toUtf8());
    ctx.trace->setRequestedModel(routing::AutoRouter::kModelName, false);
    serveRegistered(ctx, *picked, body, kind);
}

namespace {
/// The brownout (contract section 11): when @p ticket waited in the queue longer than brownout_wait_ms, @p body's
/// max_tokens / max_completion_tokens are capped at brownout_max_tokens (added when absent); when that changed it,
/// the answer carries x-obleth-brownout: 1 and the log row says so. True when @p body changed.
///
/// The Responses API's cap is max_output_tokens (its max_tokens means nothing); a Messages request's translation is
/// capped with it.
bool brownOut(const RequestContext &ctx, const admission::Ticket &ticket, proxy::RequestBody &body,
              ClientApi api = ClientApi::OpenAI, proxy::RequestBody *translation = nullptr)
{
    const std::optional<qint64> cap = admission::brownoutCap(ticket.waitedMs(), ctx.snapshot->admission);
    if (!cap)
        return false;
    const bool changed = api == ClientApi::Responses ? body.capMaxTokens(*cap, {QLatin1String("max_output_tokens")})
                                                     : body.capMaxTokens(*cap);
    if (translation)
        translation->capMaxTokens(*cap);
    if (!changed)
        return false;
    qCDebug(lcDataPlane).noquote() << ctx.requestId << "brownout: waited" << ticket.waitedMs()
                                   << "ms, max_tokens capped at" << *cap;
    ctx.responder->addHeader(QByteArrayLiteral("x-obleth-brownout"), QByteArrayLiteral("1"));
    ctx.trace->setBrownout();
    return true;
}
} // namespace

/// A generation request from the moment it asks for admission: its context (taken over from the handler), where it
/// goes once admitted, and its admission ticket, in one object that the responder owns (HttpResponder::adopt()).
/// The responder destroys it after the answer's taps have ended, so the trace's settle always finds the ticket;
/// and when the client goes, the ticket goes with it, giving back its permit or its place in the queue.
class ModelRoutes::AdmittedRequest final : public http::ResponseWork
{
public:
    AdmittedRequest(const ModelRoutes *routes, RequestContext &&ctx, const model::ModelConfig *model,
                    CallPayload &&payload)
        : m_routes(routes)
        , m_ctx(std::move(ctx))
        , m_model(model)
        , m_payload(std::move(payload))
    { }
    Q_DISABLE_COPY_MOVE(AdmittedRequest)

    [[nodiscard]] RequestContext &context() { return m_ctx; }
    [[nodiscard]] admission::Ticket &ticket() { return m_ticket; }

    void proceed()
    {
        // The ticket's token reservation is settled with what the trace counts when the answer ends; the trace is
        // one of the responder's taps, which end before the responder destroys this (and the ticket).
        m_ctx.trace->onFinished([ticket = &m_ticket](const model::RequestRecord &r) {
            ticket->settle(r.promptTokens + r.completionTokens);
        });
        applyBrownout();
        if (m_model) // proceed() runs once: the payload goes on to the call, not copied
            m_routes->m_forwarder->toModel(m_ctx, *m_model, std::move(m_payload));
        else
            m_routes->m_mock->serve(m_ctx.request, m_ctx.responder, m_ctx.idHeader());
    }

    void refuse(int retryAfterSecs, const QString &why) const
    {
        http::Headers retry;
        retry.add("Retry-After", QByteArray::number(retryAfterSecs));
        m_ctx.error(429, "rate_limited", why, {}, retry);
    }

private:
    /// The brownout (contract section 11) on the body about to be sent: the upstream's for a registered model, the
    /// client's (which the built-in mock-model reads) for mock-model.
    void applyBrownout()
    {
        if (m_model) { // each try puts its own upstream_model into the capped body
            brownOut(m_ctx, m_ticket, m_payload.body, m_payload.api, m_payload.translated ? &m_payload.chat : nullptr);
            return;
        }
        proxy::RequestBody body;
        QString why;
        if (body.parse(m_ctx.request.body, &why) && brownOut(m_ctx, m_ticket, body))
            m_ctx.request.body = body.bytes();
    }

    const ModelRoutes *m_routes;
    RequestContext m_ctx;
    const model::ModelConfig *m_model; ///< nullptr: the built-in mock-model
    /// the client's body, parsed (and its translation): each try puts its deployment's upstream_model in it
    CallPayload m_payload;
    admission::Ticket m_ticket; ///< last, so that it goes first (its permit may start another request)
};

void ModelRoutes::admitThen(RequestContext &ctx, CallPayload &&payload, const model::ModelConfig *model) const
{
    const proxy::RequestBody &body = payload.body;
    admission::Admission::Request request;
    request.tenant = ctx.snapshot->findTenant(ctx.key->tenantId);
    request.model = model;
    request.key = ctx.key; // with shared limits, its max_in_flight counts across instances
    // A translated Messages request has its prompt estimated already (its answer's input_tokens when none come).
    request.tokenEstimate = payload.translated
        ? usage::requestTokenEstimate(body.json(), payload.answer.inputTokenEstimate)
        : usage::requestTokenEstimate(body.json());
    request.requestId = ctx.requestId;
    http::HttpResponder *responder = ctx.responder;
    auto owned = std::make_unique<AdmittedRequest>(this, std::move(ctx), model, std::move(payload));
    AdmittedRequest *admitted = owned.get();
    responder->adopt(std::move(owned));
    // Admission calls at most one of these, and only while the ticket (with the responder) lives.
    m_admission->admit(
        *admitted->context().snapshot, request, admitted->ticket(),
        [admitted](admission::Ticket &) { admitted->proceed(); },
        [admitted](int retryAfterSecs, const QString &why) { admitted->refuse(retryAfterSecs, why); });
}

} // namespace obleth::dataplane
