#include "modelscontroller.h"

#include "config/configservice.h"
#include "config/entityjson.h"

namespace obleth::admin {

using model::ModelConfig;
using config::Problem;

void ModelsController::addRoutes(const RouteSink &add)
{
    const QString base = QStringLiteral("/api/v1/models");
    const QString one = QStringLiteral("/api/v1/models/{id}");

    add("GET", base, [this](ApiCall &call) {
        QJsonArray data;
        for (const model::ModelConfig &m : m_config->snapshot()->models)
            data.append(config::toJson(m));
        call.replyList(data);
    });
    add("POST", base, [this](ApiCall &call) {
        model::ModelConfig m;
        const Problem p = m_config->createModel(call.body, &m);
        p.ok() ? call.reply(201, config::toJson(m)) : call.replyProblem(p);
    });
    add("GET", one, [this](ApiCall &call) {
        const auto snap = m_config->snapshot();
        for (const model::ModelConfig &m : snap->models) {
            if (m.id == call.param(QStringLiteral("id")))
                return call.reply(200, config::toJson(m));
        }
        call.replyProblem(
            Problem::notFound(QStringLiteral("no model with id %1").arg(call.param(QStringLiteral("id")))));
    });
    add("PUT", one, [this](ApiCall &call) {
        model::ModelConfig m;
        const Problem p = m_config->replaceModel(call.param(QStringLiteral("id")), call.body, &m);
        p.ok() ? call.reply(200, config::toJson(m)) : call.replyProblem(p);
    });
    add("PATCH", one, [this](ApiCall &call) {
        model::ModelConfig m;
        const Problem p = m_config->patchModel(call.param(QStringLiteral("id")), call.body, &m);
        p.ok() ? call.reply(200, config::toJson(m)) : call.replyProblem(p);
    });
    add("DELETE", one, [this](ApiCall &call) {
        const Problem p = m_config->deleteModel(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
    add("PUT", one + QStringLiteral("/cache"), [this](ApiCall &call) {
        model::ModelConfig m;
        const Problem p = m_config->setModelCache(call.param(QStringLiteral("id")), call.body, &m);
        p.ok() ? call.reply(200, config::toJson(m)) : call.replyProblem(p);
    });
}

} // namespace obleth::admin
