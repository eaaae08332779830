#include "fairsharecontroller.h"

#include "config/configservice.h"
#include "config/entityjson.h"
#include "status/gatewaystatus.h"
#include "status/liveview.h"

namespace obleth::admin {

using config::Problem;

void FairShareController::addRoutes(const RouteSink &add)
{
    add("GET", QStringLiteral("/api/v1/fairshare/groups"), [this](ApiCall &call) {
        QJsonArray data;
        for (const model::FairShareGroup &g : m_config->snapshot()->groups)
            data.append(config::toJson(g));
        call.replyList(data);
    });
    add("POST", QStringLiteral("/api/v1/fairshare/groups"), [this](ApiCall &call) {
        model::FairShareGroup g;
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
    add("GET", QStringLiteral("/api/v1/fairshare/live"),
        [this](ApiCall &call) { call.reply(200, status::liveView(*m_config->snapshot(), *m_status)); });
}

} // namespace obleth::admin
