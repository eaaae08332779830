#include "modelscontroller.h"

#include "config/configservices.h"
#include "entityjson.h"
#include "jsonfields.h"

namespace obleth::admin {

using config::Problem;

namespace {
void replyModel(ApiCall &call, int status, const Problem &p, const model::ModelConfig &m)
{
    p.ok() ? call.reply(status, toJson(m)) : call.replyProblem(p);
}
} // namespace

void ModelsController::addRoutes(const RouteSink &add)
{
    const QString base = QStringLiteral("/api/v1/models");
    const QString one = QStringLiteral("/api/v1/models/{id}");
    config::ModelService *models = &m_config->models;

    add("GET", base, [this](ApiCall &call) {
        QJsonArray data;
        for (const model::ModelConfig &m : m_config->live.snapshot()->models)
            data.append(toJson(m));
        call.replyList(data);
    });
    add("POST", base, [models](ApiCall &call) {
        config::ModelPatch fields;
        model::ModelConfig m;
        Problem p = fromJson(call.body, true, &fields);
        if (p.ok())
            p = models->create(fields, &m);
        replyModel(call, 201, p, m);
    });
    add("GET", one, [models](ApiCall &call) {
        model::ModelConfig m;
        replyModel(call, 200, models->find(call.param(QStringLiteral("id")), &m), m);
    });
    add("PUT", one, [models](ApiCall &call) {
        const QString id = call.param(QStringLiteral("id"));
        config::ModelPatch fields;
        model::ModelConfig m;
        const Problem body = fromJson(call.body, true, &fields);
        replyModel(call, 200, body.ok() ? models->replace(id, fields, &m) : firstProblem(models->find(id), body), m);
    });
    add("PATCH", one, [models](ApiCall &call) {
        const QString id = call.param(QStringLiteral("id"));
        config::ModelPatch patch;
        model::ModelConfig m;
        const Problem body = fromJson(call.body, false, &patch);
        replyModel(call, 200, body.ok() ? models->update(id, patch, &m) : firstProblem(models->find(id), body), m);
    });
    add("DELETE", one, [models](ApiCall &call) {
        const Problem p = models->remove(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
    add("PUT", one + QStringLiteral("/cache"), [models](ApiCall &call) {
        JsonFields f(call.body, {QStringLiteral("cache_enabled"), QStringLiteral("cache_ttl_secs")});
        f.require(QStringLiteral("cache_enabled"));
        if (!f.ok())
            return call.replyProblem(f.problem());
        const QString id = call.param(QStringLiteral("id"));
        config::ModelPatch patch;
        model::ModelConfig m;
        const Problem body = fromJson(call.body, false, &patch);
        replyModel(call, 200, body.ok() ? models->update(id, patch, &m) : firstProblem(models->find(id), body), m);
    });
}

} // namespace obleth::admin
