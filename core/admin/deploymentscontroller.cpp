#include "deploymentscontroller.h"

#include "config/configservices.h"
#include "entityjson.h"
#include "status/gatewaystatus.h"

namespace obleth::admin {

using config::Problem;

namespace {
QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

/// One deployment's health as GET /api/v1/models/{id}/health shows it.
QJsonObject healthJson(const QString &deploymentId, const model::DeploymentHealth *h)
{
    if (!h) { // nothing heard of it yet
        return QJsonObject{
            {QStringLiteral("deployment_id"), deploymentId},
            {QStringLiteral("state"), model::healthStateName(model::HealthState::Unknown)},
            {QStringLiteral("consecutive_failures"), 0},
            {QStringLiteral("last_error"), QJsonValue(QJsonValue::Null)},
            {QStringLiteral("last_checked_at"), QJsonValue(QJsonValue::Null)},
            {QStringLiteral("latency_p50_ms"), QJsonValue(QJsonValue::Null)},
            {QStringLiteral("in_flight"), 0},
        };
    }
    return QJsonObject{
        {QStringLiteral("deployment_id"), deploymentId},
        {QStringLiteral("state"), model::healthStateName(h->state)},
        {QStringLiteral("consecutive_failures"), h->consecutiveFailures},
        {QStringLiteral("last_error"), textOrNull(h->lastError)},
        {QStringLiteral("last_checked_at"),
         h->lastCheckedAt ? QJsonValue(isoTime(*h->lastCheckedAt)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("latency_p50_ms"),
         h->latencyP50Ms ? QJsonValue(*h->latencyP50Ms) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("in_flight"), h->inFlight},
    };
}

/// Not found (the model, or the deployment in it), or ok with the deployment in @p out.
Problem lookUp(const config::ModelService &models, const QString &modelId, const QString &deploymentId,
               model::Deployment *out)
{
    model::ModelConfig m;
    if (Problem p = models.find(modelId, &m); !p.ok())
        return p;
    for (const model::Deployment &d : std::as_const(m.deployments)) {
        if (d.id == deploymentId) {
            *out = d;
            return {};
        }
    }
    return Problem::notFound(
        QStringLiteral("model '%1' has no deployment with id %2").arg(m.modelName, deploymentId.left(64)));
}

void replyDeployment(ApiCall &call, int status, const Problem &p, const model::Deployment &d)
{
    p.ok() ? call.reply(status, toJson(d)) : call.replyProblem(p);
}
} // namespace

void DeploymentsController::addRoutes(const RouteSink &add)
{
    const QString list = QStringLiteral("/api/v1/models/{id}/deployments");
    const QString one = QStringLiteral("/api/v1/models/{id}/deployments/{deployment_id}");
    config::ModelService *models = &m_config->models;

    add("GET", list, [models](ApiCall &call) {
        model::ModelConfig m;
        if (const Problem p = models->find(call.param(QStringLiteral("id")), &m); !p.ok())
            return call.replyProblem(p);
        QJsonArray data;
        for (const model::Deployment &d : std::as_const(m.deployments))
            data.append(toJson(d));
        call.replyList(data);
    });
    add("POST", list, [models](ApiCall &call) {
        const QString id = call.param(QStringLiteral("id"));
        config::DeploymentPatch fields;
        model::Deployment d;
        const Problem body = fromJson(call.body, true, &fields);
        replyDeployment(call, 201,
                        body.ok() ? models->addDeployment(id, fields, &d) : firstProblem(models->find(id), body), d);
    });
    add("GET", one, [models](ApiCall &call) {
        model::Deployment d;
        replyDeployment(
            call, 200,
            lookUp(*models, call.param(QStringLiteral("id")), call.param(QStringLiteral("deployment_id")), &d), d);
    });
    add("PATCH", one, [models](ApiCall &call) {
        const QString id = call.param(QStringLiteral("id"));
        const QString deploymentId = call.param(QStringLiteral("deployment_id"));
        config::DeploymentPatch patch;
        model::Deployment d;
        const Problem body = fromJson(call.body, false, &patch);
        patch.id.reset(); // the path names the deployment; an id echoed from a GET is ignored
        replyDeployment(call, 200,
                        body.ok() ? models->updateDeployment(id, deploymentId, patch, &d)
                                  : firstProblem(lookUp(*models, id, deploymentId, &d), body),
                        d);
    });
    add("DELETE", one, [models](ApiCall &call) {
        const Problem p
            = models->removeDeployment(call.param(QStringLiteral("id")), call.param(QStringLiteral("deployment_id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });

    add("GET", QStringLiteral("/api/v1/models/{id}/health"), [this, models](ApiCall &call) {
        model::ModelConfig m;
        if (const Problem p = models->find(call.param(QStringLiteral("id")), &m); !p.ok())
            return call.replyProblem(p);
        const QList<model::DeploymentHealth> health
            = m_status ? m_status->deploymentHealth(m.id) : QList<model::DeploymentHealth>();
        QJsonArray deployments;
        for (const model::Deployment &d : std::as_const(m.deployments)) {
            const model::DeploymentHealth *found = nullptr;
            for (const model::DeploymentHealth &h : health) {
                if (h.deploymentId == d.id)
                    found = &h;
            }
            deployments.append(healthJson(d.id, found));
        }
        call.reply(200,
                   QJsonObject{
                       {QStringLiteral("object"), QStringLiteral("model_health")},
                       {QStringLiteral("model_id"), m.id},
                       {QStringLiteral("model_name"), m.modelName},
                       {QStringLiteral("deployments"), deployments},
                   });
    });
}

} // namespace obleth::admin
