#include "fairsharecontroller.h"

#include "config/configservices.h"
#include "entityjson.h"
#include "jsonfields.h"
#include "status/gatewaystatus.h"
#include "status/liveview.h"

namespace obleth::admin {

using config::Problem;

void FairShareController::addRoutes(const RouteSink &add)
{
    config::FairShareService *fairShare = &m_config->fairShare;
    add("GET", QStringLiteral("/api/v1/fairshare/groups"), [this](ApiCall &call) {
        QJsonArray data;
        for (const model::FairShareGroup &g : m_config->live.snapshot()->groups)
            data.append(toJson(g));
        call.replyList(data);
    });
    add("POST", QStringLiteral("/api/v1/fairshare/groups"), [fairShare](ApiCall &call) {
        config::GroupPatch fields;
        model::FairShareGroup g;
        Problem p = fromJson(call.body, true, &fields);
        if (p.ok())
            p = fairShare->createGroup(fields, &g);
        p.ok() ? call.reply(201, toJson(g)) : call.replyProblem(p);
    });
    add("GET", QStringLiteral("/api/v1/capacity"), [this](ApiCall &call) {
        call.reply(200, QJsonObject{{QStringLiteral("max_in_flight"), double(m_config->live.snapshot()->capacity)}});
    });
    add("PUT", QStringLiteral("/api/v1/capacity"), [fairShare](ApiCall &call) {
        const QString field = QStringLiteral("max_in_flight");
        JsonFields f(call.body, {field});
        f.require(field);
        std::optional<qint64> capacity;
        f.readWholeNumber(field, &capacity, config::limits::kConcurrency);
        const Problem p = f.ok() ? fairShare->setCapacity(*capacity) : f.problem();
        p.ok() ? call.reply(200, QJsonObject{{field, double(*capacity)}}) : call.replyProblem(p);
    });
    add("GET", QStringLiteral("/api/v1/fairshare/live"), [this](ApiCall &call) {
        call.reply(200, status::liveView(*m_config->live.snapshot(), *m_status, [](const model::FairShareGroup &group) {
                       return toJson(group);
                   }));
    });
}

} // namespace obleth::admin
