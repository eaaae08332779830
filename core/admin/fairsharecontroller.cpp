#include "fairsharecontroller.h"

#include "config/configservice.h"
#include "config/entityjson.h"
#include "admission/admission.h"
#include "gateway/gatewaystatus.h"

namespace obleth::admin {

using config::Problem;

void FairShareController::addRoutes(const RouteSink &add)
{
    add("GET", QStringLiteral("/api/v1/fairshare/groups"), [this](ApiCall &call) {
        QJsonArray data;
        for (const config::FairShareGroup &g : m_config->snapshot()->groups)
            data.append(config::toJson(g));
        call.replyList(data);
    });
    add("POST", QStringLiteral("/api/v1/fairshare/groups"), [this](ApiCall &call) {
        config::FairShareGroup g;
        const Problem p = m_config->createGroup(call.body, &g);
        p.ok() ? call.reply(201, config::toJson(g)) : call.replyProblem(p);
    });
    add("GET", QStringLiteral("/api/v1/capacity"), [this](ApiCall &call) {
        call.reply(200, QJsonObject{{QStringLiteral("max_in_flight"), double(m_config->snapshot()->capacity)}});
    });
    add("PUT", QStringLiteral("/api/v1/capacity"), [this](ApiCall &call) {
        qint64 capacity = 0;
        const Problem p = m_config->setCapacity(call.body, &capacity);
        p.ok() ? call.reply(200, QJsonObject{{QStringLiteral("max_in_flight"), double(capacity)}})
               : call.replyProblem(p);
    });
    add("GET", QStringLiteral("/api/v1/fairshare/live"), [this](ApiCall &call) {
        const auto snap = m_config->snapshot();
        const int inFlight = m_status->permitsInUse();
        QHash<QString, QJsonObject> groups;
        for (const config::FairShareGroup &g : snap->groups) {
            QJsonObject o = config::toJson(g);
            o.insert(QStringLiteral("in_flight"), 0);
            o.insert(QStringLiteral("queued"), 0);
            groups.insert(g.name, o);
        }
        QJsonArray tenants;
        if (m_status->admission) {
            for (const admission::Scheduler::TenantView &v : m_status->admission->tenants()) {
                const config::Tenant *t = snap->findTenant(v.tenant);
                if (!t)
                    continue;
                tenants.append(QJsonObject{
                    {QStringLiteral("tenant_id"), v.tenant},
                    {QStringLiteral("tenant"), t->name},
                    {QStringLiteral("fairshare_group"), t->fairshareGroup},
                    {QStringLiteral("weight"), double(t->weight)},
                    {QStringLiteral("in_flight"), v.inFlight},
                    {QStringLiteral("queued"), v.queued},
                    {QStringLiteral("score"), v.score},
                    {QStringLiteral("share"), inFlight > 0 ? double(v.inFlight) / inFlight : 0.0},
                });
                QJsonObject &g = groups[t->fairshareGroup];
                g.insert(QStringLiteral("in_flight"), g.value(QStringLiteral("in_flight")).toInt() + v.inFlight);
                g.insert(QStringLiteral("queued"), g.value(QStringLiteral("queued")).toInt() + v.queued);
            }
        }
        QJsonArray groupArray;
        for (const config::FairShareGroup &g : snap->groups)
            groupArray.append(groups.value(g.name));
        call.reply(200, QJsonObject{{QStringLiteral("capacity"), double(snap->capacity)},
                                    {QStringLiteral("in_flight"), inFlight},
                                    {QStringLiteral("queued"), m_status->queued()},
                                    {QStringLiteral("groups"), groupArray},
                                    {QStringLiteral("tenants"), tenants}});
    });
}

} // namespace obleth::admin
