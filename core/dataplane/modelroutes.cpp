#include "modelroutes.h"

#include "admission/admission.h"
#include "admission/brownout.h"
#include "cachepolicy.h"
#include "http/httpresponder.h"
#include "keyauthenticator.h"
#include "mock/mockbackend.h"
#include "platform/logging.h"
#include "proxy/requestbody.h"
#include "requestcontext.h"
#include "upstreamforwarder.h"
#include "usage/requesttrace.h"
#include "usage/tokenestimate.h"

namespace obleth::dataplane {

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
    if (kind == Kind::Generation && name == routing::AutoRouter::kModelName && !ctx.snapshot->findModel(name)
        && routing::AutoRouter::isOffered(*ctx.snapshot))
        return serveAuto(ctx, body);
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
    ctx.trace->setModel(model.modelName, model.inputCostPerToken, model.outputCostPerToken);
    ctx.trace->meterUsage(ctx.request.body);
    if (m_cache->serveFromCache(ctx, model))
        return;
    ctx.trace->announceStart();
    if (kind == Kind::Embeddings)
        return m_forwarder->toModel(ctx, model, body);
    // The model lives in the snapshot, which the admitted context keeps.
    admitThen(ctx, body, &model);
}

void ModelRoutes::serveMock(RequestContext &ctx, const proxy::RequestBody &body, Kind kind) const
{
    ctx.trace->setModel(model::kMockModelName, 0, 0);
    ctx.trace->meterUsage(ctx.request.body);
    ctx.responder->addHeader(QByteArrayLiteral("x-obleth-cache"), QByteArrayLiteral("off"));
    ctx.trace->setCache(QStringLiteral("off"));
    ctx.trace->announceStart();
    if (kind == Kind::Embeddings)
        return m_mock->serve(ctx.request, ctx.responder, ctx.idHeader());
    admitThen(ctx, body, nullptr);
}

void ModelRoutes::serveAuto(RequestContext &ctx, const proxy::RequestBody &body) const
{
    // The key's allowed_models are checked against the model that would answer (contract section 14).
    const QList<const model::ModelConfig *> candidates = routing::AutoRouter::candidates(*ctx.snapshot, *ctx.key);
    if (candidates.isEmpty()) {
        return ctx.error(
            403, "model_not_allowed",
            QStringLiteral("the API key %1... may use none of the models 'auto' chooses from").arg(ctx.key->keyPrefix),
            QStringLiteral("model"));
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
    serveRegistered(ctx, *picked, body, Kind::Generation);
}

namespace {
/// The brownout (contract section 11): when @p ticket waited in the queue longer than brownout_wait_ms, @p body's
/// max_tokens / max_completion_tokens are capped at brownout_max_tokens (added when absent); when that changed it,
/// the answer carries x-obleth-brownout: 1 and the log row says so. True when @p body changed.
bool brownOut(const RequestContext &ctx, const admission::Ticket &ticket, proxy::RequestBody &body)
{
    const std::optional<qint64> cap = admission::brownoutCap(ticket.waitedMs(), ctx.snapshot->admission);
    if (!cap || !body.capMaxTokens(*cap))
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
                    const proxy::RequestBody &body)
        : m_routes(routes)
        , m_ctx(std::move(ctx))
        , m_model(model)
        , m_body(body)
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
        if (m_model)
            m_routes->m_forwarder->toModel(m_ctx, *m_model, m_body);
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
        if (m_model) {
            brownOut(m_ctx, m_ticket, m_body); // each try puts its own upstream_model into the capped body
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
    proxy::RequestBody m_body; ///< the client's, parsed: each try puts its deployment's upstream_model in it
    admission::Ticket m_ticket; ///< last, so that it goes first (its permit may start another request)
};

void ModelRoutes::admitThen(RequestContext &ctx, const proxy::RequestBody &body, const model::ModelConfig *model) const
{
    admission::Admission::Request request;
    request.tenant = ctx.snapshot->findTenant(ctx.key->tenantId);
    request.model = model;
    request.tokenEstimate = usage::requestTokenEstimate(body.json());
    request.requestId = ctx.requestId;
    http::HttpResponder *responder = ctx.responder;
    auto owned = std::make_unique<AdmittedRequest>(this, std::move(ctx), model, body);
    AdmittedRequest *admitted = owned.get();
    responder->adopt(std::move(owned));
    // Admission calls at most one of these, and only while the ticket (with the responder) lives.
    m_admission->admit(
        *admitted->context().snapshot, request, admitted->ticket(),
        [admitted](admission::Ticket &) { admitted->proceed(); },
        [admitted](int retryAfterSecs, const QString &why) { admitted->refuse(retryAfterSecs, why); });
}

} // namespace obleth::dataplane
