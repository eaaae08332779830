#include "tenantscontroller.h"

#include "config/configservices.h"
#include "entityjson.h"
#include "jsonfields.h"

namespace obleth::admin {

using config::Problem;
using config::TenantPatch;
namespace limits = config::limits;

void TenantsController::addRoutes(const RouteSink &add)
{
    const QString base = QStringLiteral("/api/v1/tenants");
    const QString one = QStringLiteral("/api/v1/tenants/{id}");
    config::TenantService *tenants = &m_config->tenants;
    // A change read from the body (@p body: its problem, if any); an unknown tenant is a 404 whatever the body.
    auto update = [tenants](ApiCall &call, const Problem &body, const TenantPatch &patch) {
        const QString id = call.param(QStringLiteral("id"));
        model::Tenant t;
        const Problem p = body.ok() ? tenants->update(id, patch, &t) : firstProblem(tenants->find(id), body);
        p.ok() ? call.reply(200, toJson(t)) : call.replyProblem(p);
    };

    add("GET", base, [this](ApiCall &call) {
        QJsonArray data;
        for (const model::Tenant &t : m_config->live.snapshot()->tenants)
            data.append(toJson(t));
        call.replyList(data);
    });
    add("POST", base, [tenants](ApiCall &call) {
        TenantPatch fields;
        model::Tenant t;
        Problem p = fromJson(call.body, true, &fields);
        if (p.ok())
            p = tenants->create(fields, &t);
        p.ok() ? call.reply(201, toJson(t)) : call.replyProblem(p);
    });
    add("GET", one, [tenants](ApiCall &call) {
        model::Tenant t;
        const Problem p = tenants->find(call.param(QStringLiteral("id")), &t);
        p.ok() ? call.reply(200, toJson(t)) : call.replyProblem(p);
    });
    add("PATCH", one, [update](ApiCall &call) {
        TenantPatch patch;
        const Problem body = fromJson(call.body, false, &patch);
        update(call, body, patch);
    });
    add("DELETE", one, [tenants](ApiCall &call) {
        const Problem p = tenants->remove(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
    add("PATCH", one + QStringLiteral("/weight"), [update](ApiCall &call) {
        const QString field = QStringLiteral("weight");
        JsonFields f(call.body, {field});
        f.require(field);
        if (!f.ok())
            return call.replyProblem(f.problem());
        TenantPatch patch;
        f.readWholeNumber(field, &patch.weight, limits::kWeight);
        update(call, f.problem(), patch);
    });
    add("PUT", one + QStringLiteral("/quota"), [update](ApiCall &call) {
        // PUT: both fields are set; a missing one means "no limit".
        JsonFields f(call.body, {QStringLiteral("tokens_per_minute"), QStringLiteral("max_in_flight")});
        TenantPatch patch;
        patch.tokensPerMinute = patch.maxInFlight = std::optional<qint64>();
        f.readOptionalWholeNumber(QStringLiteral("tokens_per_minute"), &patch.tokensPerMinute, limits::kCount);
        f.readOptionalWholeNumber(QStringLiteral("max_in_flight"), &patch.maxInFlight, limits::kConcurrency);
        update(call, f.problem(), patch);
    });
    add("PATCH", one + QStringLiteral("/group"), [update](ApiCall &call) {
        const QString field = QStringLiteral("fairshare_group");
        JsonFields f(call.body, {field});
        f.require(field);
        if (!f.ok())
            return call.replyProblem(f.problem());
        TenantPatch patch;
        f.readString(field, &patch.fairshareGroup);
        update(call, f.problem(), patch);
    });
}

} // namespace obleth::admin
