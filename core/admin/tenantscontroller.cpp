#include "tenantscontroller.h"

#include "config/configservice.h"
#include "config/entityjson.h"

namespace obleth::admin {

using config::Problem;
using model::Tenant;

void TenantsController::addRoutes(const RouteSink &add)
{
    const QString base = QStringLiteral("/api/v1/tenants");
    const QString one = QStringLiteral("/api/v1/tenants/{id}");
    using Update = Problem (config::ConfigService::*)(const QString &, const QJsonObject &, model::Tenant *);
    config::ConfigService *service = m_config;
    auto update = [service](Update method) {
        return [service, method](ApiCall &call) {
            model::Tenant t;
            const Problem p = (service->*method)(call.param(QStringLiteral("id")), call.body, &t);
            p.ok() ? call.reply(200, config::toJson(t)) : call.replyProblem(p);
        };
    };

    add("GET", base, [this](ApiCall &call) {
        QJsonArray data;
        for (const model::Tenant &t : m_config->snapshot()->tenants)
            data.append(config::toJson(t));
        call.replyList(data);
    });
    add("POST", base, [this](ApiCall &call) {
        model::Tenant t;
        const Problem p = m_config->createTenant(call.body, &t);
        p.ok() ? call.reply(201, config::toJson(t)) : call.replyProblem(p);
    });
    add("GET", one, [this](ApiCall &call) {
        const auto snap = m_config->snapshot();
        if (const model::Tenant *t = snap->findTenant(call.param(QStringLiteral("id"))))
            return call.reply(200, config::toJson(*t));
        call.replyProblem(
            Problem::notFound(QStringLiteral("no tenant with id %1").arg(call.param(QStringLiteral("id")))));
    });
    add("PATCH", one, update(&config::ConfigService::patchTenant));
    add("DELETE", one, [this](ApiCall &call) {
        const Problem p = m_config->deleteTenant(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
    add("PATCH", one + QStringLiteral("/weight"), update(&config::ConfigService::setTenantWeight));
    add("PUT", one + QStringLiteral("/quota"), update(&config::ConfigService::setTenantQuota));
    add("PATCH", one + QStringLiteral("/group"), update(&config::ConfigService::setTenantGroup));
}

} // namespace obleth::admin
