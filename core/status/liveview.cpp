#include "liveview.h"

#include "admission/admission.h"
#include "gatewaystatus.h"
#include "model/configsnapshot.h"

#include <QJsonArray>

namespace obleth::status {

QJsonObject liveView(const model::ConfigSnapshot &snap, const GatewayStatus &status, const GroupJson &groupJson)
{
    const int inFlight = status.permitsInUse();
    QHash<QString, QJsonObject> groups;
    for (const model::FairShareGroup &g : snap.groups) {
        QJsonObject o = groupJson(g);
        o.insert(QStringLiteral("in_flight"), 0);
        o.insert(QStringLiteral("queued"), 0);
        groups.insert(g.name, o);
    }
    QJsonArray tenants;
    QJsonArray models;
    if (status.admission) {
        for (const admission::Scheduler::TenantView &v : status.admission->tenants()) {
            const model::Tenant *t = snap.findTenant(v.tenant);
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
        for (const admission::Scheduler::ModelView &v : status.admission->models()) {
            const model::ModelConfig *m = snap.findModel(v.model);
            models.append(QJsonObject{
                {QStringLiteral("model"), v.model},
                {QStringLiteral("in_flight"), v.inFlight},
                {QStringLiteral("queued"), v.queued},
                {QStringLiteral("max_concurrency"),
                 m && m->maxConcurrency ? QJsonValue(double(*m->maxConcurrency)) : QJsonValue()},
            });
        }
    }
    // Each token budget and what is left of it now (the bucket refills continuously over a minute).
    QJsonArray budgets;
    for (const model::Tenant &t : snap.tenants) {
        if (!t.tokensPerMinute)
            continue;
        const qint64 left = status.admission ? status.admission->tokensLeft(t) : *t.tokensPerMinute;
        budgets.append(QJsonObject{{QStringLiteral("tenant_id"), t.id},
                                   {QStringLiteral("tenant"), t.name},
                                   {QStringLiteral("tokens_per_minute"), double(*t.tokensPerMinute)},
                                   {QStringLiteral("tokens_left"), double(left)}});
    }
    QJsonArray groupArray;
    for (const model::FairShareGroup &g : snap.groups)
        groupArray.append(groups.value(g.name));
    return QJsonObject{{QStringLiteral("capacity"), double(snap.capacity)},
                       {QStringLiteral("in_flight"), inFlight},
                       {QStringLiteral("queued"), status.queued()},
                       {QStringLiteral("requests_in_flight"), status.inFlight()},
                       {QStringLiteral("groups"), groupArray},
                       {QStringLiteral("tenants"), tenants},
                       {QStringLiteral("models"), models},
                       {QStringLiteral("budgets"), budgets}};
}

} // namespace obleth::status
