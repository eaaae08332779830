#include "modelroutes.h"

#include "admission/admission.h"
#include "cachepolicy.h"
#include "http/httpresponder.h"
#include "keyauthenticator.h"
#include "mock/mockbackend.h"
#include "proxy/requestbody.h"
#include "requestcontext.h"
#include "upstreamforwarder.h"
#include "usage/requesttrace.h"
#include "usage/tokenestimate.h"

#include <QPointer>

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
    if (!model.isString() || model.toString().isEmpty()) {
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
    const QString name = model.toString();
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
    QByteArray upstreamBody = body.withModel(model.upstreamModel);
    ctx.trace->announceStart();
    if (kind == Kind::Embeddings)
        return m_forwarder->toModel(ctx, model, std::move(upstreamBody));
    // The model lives in the snapshot, which the admitted context keeps.
    admitThen(ctx, body.json(), &model, [this, m = &model, upstreamBody](RequestContext &admitted) {
        m_forwarder->toModel(admitted, *m, upstreamBody);
    });
}

void ModelRoutes::serveMock(RequestContext &ctx, const proxy::RequestBody &body, Kind kind) const
{
    ctx.trace->setModel(model::kMockModelName, 0, 0);
    ctx.trace->meterUsage(ctx.request.body);
    ctx.responder->addHeader("x-obleth-cache", "off");
    ctx.trace->setCache(QStringLiteral("off"));
    ctx.trace->announceStart();
    if (kind == Kind::Embeddings)
        return m_mock->serve(ctx.request, ctx.responder, ctx.idHeader());
    admitThen(ctx, body.json(), nullptr, [mock = m_mock](RequestContext &admitted) {
        mock->serve(admitted.request, admitted.responder, admitted.idHeader());
    });
}

void ModelRoutes::admitThen(RequestContext &ctx, const QJsonObject &body, const model::ModelConfig *model,
                            std::function<void(RequestContext &)> then) const
{
    admission::Admission::Request request;
    request.tenant = ctx.snapshot->findTenant(ctx.key->tenantId);
    request.model = model;
    request.tokenEstimate = usage::requestTokenEstimate(body);
    request.requestId = ctx.requestId;
    // The copies of the context live in the callbacks; admission calls at most one of them, and only while the
    // responder (the ticket's owner) is alive.
    m_admission->admit(
        *ctx.snapshot, request, ctx.responder,
        [admitted = ctx, then = std::move(then)](admission::Ticket &ticket) mutable {
            // The ticket's token reservation is settled with what the trace counts when the answer ends. The trace is
            // one of the responder's taps, ended in ~HttpResponder's body, before ~QObject deletes the ticket (a
            // child of the responder): the settle always finds its ticket.
            admitted.trace->onFinished([ticket = QPointer<admission::Ticket>(&ticket)](const model::RequestRecord &r) {
                if (ticket)
                    ticket->settle(r.promptTokens + r.completionTokens);
            });
            then(admitted);
        },
        [rejected = ctx](int retryAfterSecs, const QString &why) {
            http::Headers retry;
            retry.add("Retry-After", QByteArray::number(retryAfterSecs));
            rejected.error(429, "rate_limited", why, {}, retry);
        });
}

} // namespace obleth::dataplane
