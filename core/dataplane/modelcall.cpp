#include "modelcall.h"

#include "anthropic/messagesfilters.h"
#include "openai/error.h"
#include "platform/logging.h"
#include "proxy/proxycall.h"
#include "responsedirectory.h"
#include "routing/healthboard.h"
#include "status/eventfeed.h"
#include "usage/requesttrace.h"

#include <algorithm>

namespace obleth::dataplane {

bool canAnswer(ClientApi api, model::ApiFormat format, bool translated)
{
    switch (api) {
    case ClientApi::OpenAI:
    case ClientApi::Responses: return format == model::ApiFormat::OpenAI;
    case ClientApi::Messages: return format == model::ApiFormat::Anthropic || translated;
    case ClientApi::CountTokens: return format == model::ApiFormat::Anthropic;
    }
    return false;
}

bool hasDeploymentFor(const model::ModelConfig &model, ClientApi api, bool translated)
{
    return std::any_of(model.deployments.cbegin(), model.deployments.cend(), [&](const model::Deployment &d) {
        return d.enabled && canAnswer(api, model.formatOf(d), translated);
    });
}

void ModelCall::start(const Upstreams *upstreams, const RequestContext &ctx, const model::ModelConfig &model,
                      CallPayload &&payload)
{
    const ClientApi api = payload.api;
    auto owned = std::unique_ptr<ModelCall>(new ModelCall(upstreams, ctx, model, std::move(payload)));
    ModelCall *const call = owned.get();
    ctx.responder->adopt(std::move(owned));
    if (api == ClientApi::Responses && upstreams->responses) {
        // Works outlive the taps: the call is there when the tap reports.
        ctx.responder->addTap(
            std::make_unique<ResponseIdTap>([call](const QByteArray &id) { call->rememberResponse(id); }));
    }
    if (!call->findNext())
        return call->refuseAtStart();
    proxy::UpstreamRequest first = call->beginTry();
    call->m_call = proxy::ProxyCall::create(upstreams->client, std::move(first), ctx.responder, ctx.requestId);
    call->m_call->onFailure([trace = ctx.trace](const QString &error) {
        if (trace)
            trace->setError(QStringLiteral("upstream: ") + error);
    });
    proxy::ProxyCall::Tries tries;
    tries.retryAfterFailure = [call](proxy::UpstreamExchange::Failure failure, const QString &detail) {
        return call->retryAfterFailure(failure, detail);
    };
    tries.retryAfterHead = [call](int status) { return call->retryAfterHead(status); };
    tries.next = [call] { call->m_call->restart(call->beginTry()); };
    tries.ended = [call](bool complete) { call->endTry(complete); };
    call->m_call->setTries(std::move(tries));
    call->m_call->start(); // the answer may be complete (and both calls gone) when it returns
}

ModelCall::ModelCall(const Upstreams *upstreams, const RequestContext &ctx, const model::ModelConfig &model,
                     CallPayload &&payload)
    : m_upstreams(upstreams)
    , m_ctx(ctx)
    , m_payload(std::move(payload))
{
    collectModels(model);
    leaveOutIncompatible();
}

void ModelCall::leaveOutIncompatible()
{
    if (m_modelIndex >= m_models.size())
        return;
    const model::ModelConfig &model = *m_models.at(m_modelIndex);
    for (const model::Deployment &d : model.deployments) {
        // A Messages request without a translation can go to anthropic-format deployments only.
        if (!canAnswer(m_payload.api, model.formatOf(d), m_payload.translated)
            || (m_modelIndex == 0 && !m_payload.onlyDeployment.isEmpty() && d.id != m_payload.onlyDeployment))
            m_tried.append(d.id);
    }
}

void ModelCall::rememberResponse(const QByteArray &id)
{
    if (!m_model || !m_deployment || !m_ctx.key)
        return;
    if (!m_upstreams->responses->remember(id, {m_ctx.key->tenantId, m_model->modelName, m_deployment->id})) {
        qCInfo(lcDataPlane).noquote() << m_ctx.requestId
                                      << "the upstream's response id is not remembered (malformed, or another "
                                         "tenant's already)";
    }
}

ModelCall::~ModelCall()
{
    endTry(false);
}

void ModelCall::collectModels(const model::ModelConfig &primary)
{
    m_models.append(&primary);
    for (const QString &name : primary.fallbacks) {
        const model::ModelConfig *fallback = m_ctx.snapshot->findModel(name);
        // Only the model's own fallbacks, not theirs; and only those this key may use (contract section 14).
        if (!fallback || !fallback->enabled || m_models.contains(fallback)
            || (m_ctx.key && !m_ctx.key->allowsModel(fallback->modelName))) {
            continue;
        }
        m_models.append(fallback);
    }
}

bool ModelCall::findNext()
{
    routing::HealthBoard *board = m_upstreams->health;
    while (m_modelIndex < m_models.size()) {
        const model::ModelConfig &model = *m_models.at(m_modelIndex);
        if (m_triesOnModel <= std::max<qint64>(model.maxRetries, 0)) {
            const routing::HealthBoard::Choice choice = board->choose(model, m_tried);
            if (choice.deployment) {
                m_model = &model;
                m_deployment = choice.deployment;
                m_probe = choice.probe;
                return true;
            }
            m_busy = m_busy || choice.busy;
        }
        ++m_modelIndex;
        m_triesOnModel = 0;
        m_tried.clear();
        leaveOutIncompatible();
    }
    return false;
}

proxy::UpstreamRequest ModelCall::beginTry()
{
    const model::ModelConfig &model = *m_model;
    const model::Deployment &deployment = *m_deployment;
    ++m_triesOnModel;
    m_tried.append(deployment.id);
    m_upstreams->health->begin(model, deployment, m_probe);
    m_inFlight = true;
    m_tryClock.start();
    if (usage::RequestTrace *trace = m_ctx.trace) {
        if (&model != m_models.first()) {
            trace->setModel(model.modelName, model.inputCostPerToken, model.outputCostPerToken);
            trace->setRequestedModel(m_models.first()->modelName, true);
        }
        trace->setDeployment(deployment.id);
    }
    const QString &upstreamModel = deployment.upstreamModel.isEmpty() ? model.upstreamModel : deployment.upstreamModel;
    const QString &apiBase = deployment.apiBase.isEmpty() ? model.apiBase : deployment.apiBase;
    if (m_payload.api != ClientApi::Messages && m_payload.api != ClientApi::CountTokens) {
        // A Responses answer is read (its id, its usage): uncompressed. Chat and the others as the client asks.
        const proxy::UpstreamDialect dialect = m_payload.api == ClientApi::Responses
            ? proxy::UpstreamDialect::OpenAIRead
            : proxy::UpstreamDialect::OpenAI;
        return m_upstreams->request(m_ctx, apiBase, deployment.apiKey, m_payload.body.withModel(upstreamModel), model,
                                    dialect, {});
    }
    // Anthropic's Messages API (contract section 13): natively, or translated onto Chat Completions, the answer
    // translated back on its way to the client. A try after another may speak the other dialect: the filter is set
    // (or removed) for each.
    if (model.formatOf(deployment) == model::ApiFormat::Anthropic) {
        m_ctx.responder->setFilter(http::HttpResponder::FilterStage::Translate, nullptr);
        return m_upstreams->request(m_ctx, apiBase, deployment.apiKey, m_payload.body.withModel(upstreamModel), model,
                                    proxy::UpstreamDialect::AnthropicNative, {});
    }
    m_ctx.responder->setFilter(http::HttpResponder::FilterStage::Translate,
                               std::make_unique<anthropic::ChatToMessagesFilter>(m_payload.answer));
    return m_upstreams->request(m_ctx, apiBase, deployment.apiKey, m_payload.chat.withModel(upstreamModel), model,
                                proxy::UpstreamDialect::AnthropicTranslated, "/v1/chat/completions");
}

void ModelCall::endTry(bool /*complete*/)
{
    if (!m_inFlight)
        return;
    m_inFlight = false;
    m_upstreams->health->end(m_deployment->id, m_probe);
}

void ModelCall::markAnswer()
{
    if (m_model && m_model != m_models.first()) {
        m_ctx.responder->addHeader(QByteArrayLiteral("x-obleth-model"), m_model->modelName.toUtf8());
        m_ctx.responder->addHeader(QByteArrayLiteral("x-obleth-fallback"), QByteArrayLiteral("1"));
    }
}

bool ModelCall::retryAfterFailure(proxy::UpstreamExchange::Failure failure, const QString &detail)
{
    Q_UNUSED(detail) // may name the upstream's address: the request log has it, the health view says what kind
    const model::ModelConfig &model = *m_model;
    const QString deploymentId = m_deployment->id;
    const QString what = proxy::UpstreamExchange::failureText(failure);
    if (failure != proxy::UpstreamExchange::Failure::IdleTimeout)
        m_upstreams->health->failed(model, deploymentId, what);
    endTry(false);
    if (findNext()) {
        qCInfo(lcRouting).noquote() << "request" << m_ctx.requestId << "to deployment" << deploymentId << "of"
                                    << model.modelName << QStringLiteral("failed (%1); trying deployment").arg(what)
                                    << m_deployment->id << "of" << m_model->modelName;
        return true;
    }
    markAnswer();
    return false;
}

bool ModelCall::retryAfterHead(int status)
{
    const model::ModelConfig &model = *m_model;
    const QString deploymentId = m_deployment->id;
    routing::HealthBoard *board = m_upstreams->health;
    // The board has this try's outcome now: should it be a probe, it is over as one, and its end (once its answer
    // is relayed) must not touch the probe that may have started on the deployment meanwhile.
    m_probe = false;
    if (!routing::HealthBoard::isFailureStatus(status)) {
        board->succeeded(model, deploymentId, m_tryClock.elapsed());
        markAnswer();
        return false;
    }
    board->failed(model, deploymentId, QStringLiteral("HTTP %1").arg(status));
    // Kept in flight while its answer is relayed, should it be the last one.
    const model::Deployment *deployment = m_deployment;
    const model::ModelConfig *current = m_model;
    if (findNext()) {
        board->end(deploymentId, false);
        m_inFlight = false;
        qCInfo(lcRouting).noquote() << "request" << m_ctx.requestId << "got" << status << "from deployment"
                                    << deploymentId << "of" << model.modelName << "; trying deployment"
                                    << m_deployment->id << "of" << m_model->modelName;
        return true;
    }
    m_deployment = deployment;
    m_model = current;
    m_probe = false;
    markAnswer();
    return false;
}

void ModelCall::refuseAtStart()
{
    const model::ModelConfig &model = *m_models.first();
    if (m_busy)
        return m_ctx.deploymentsBusy(model.modelName);
    // The soonest that anything this request could use may be tried again: the model's own next probe, or a usable
    // fallback's (one with an enabled deployment).
    int secs = m_upstreams->health->retryAfterSecs(model);
    for (const model::ModelConfig *fallback : std::as_const(m_models)) {
        if (fallback != &model && fallback->hasEnabledDeployment())
            secs = std::min(secs, m_upstreams->health->retryAfterSecs(*fallback));
    }
    if (status::EventFeed *events = m_upstreams->events)
        events->reportModelUnavailable(model.modelName, secs);
    m_ctx.unavailable(QStringLiteral("the model '%1'").arg(model.modelName),
                      model.hasEnabledDeployment() ? QStringLiteral("every deployment unhealthy")
                                                   : QStringLiteral("every deployment is disabled"),
                      secs);
}

} // namespace obleth::dataplane
