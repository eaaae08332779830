#include "keyscontroller.h"

#include "config/configservices.h"
#include "entityjson.h"
#include "jsonfields.h"

#include <algorithm>

namespace obleth::admin {

using config::Problem;

namespace {
QJsonArray keysJson(const QList<model::ApiKey> &keys, const QString &tenantId, int limit)
{
    QList<const model::ApiKey *> picked;
    for (const model::ApiKey &k : keys) {
        if (tenantId.isEmpty() || k.tenantId == tenantId)
            picked.append(&k);
    }
    std::stable_sort(picked.begin(), picked.end(),
                     [](const model::ApiKey *a, const model::ApiKey *b) { return a->createdAt > b->createdAt; });
    QJsonArray data;
    for (qsizetype i = 0; i < picked.size() && i < limit; ++i)
        data.append(toJson(*picked.at(i)));
    return data;
}
} // namespace

void KeysController::addRoutes(const RouteSink &add)
{
    const QString tenantKeys = QStringLiteral("/api/v1/tenants/{id}/keys");
    config::KeyService *keys = &m_config->keys;
    config::TenantService *tenants = &m_config->tenants;
    // A change read from the body (@p body: its problem, if any); an unknown key is a 404 whatever the body.
    auto update = [keys](ApiCall &call, const Problem &body, const config::KeyPatch &patch) {
        const QString id = call.param(QStringLiteral("id"));
        model::ApiKey key;
        const Problem p = body.ok() ? keys->update(id, patch, &key) : firstProblem(keys->find(id), body);
        p.ok() ? call.reply(200, toJson(key)) : call.replyProblem(p);
    };

    add("POST", tenantKeys, [keys, tenants](ApiCall &call) {
        const QString tenantId = call.param(QStringLiteral("id"));
        config::KeyPatch fields;
        model::ApiKey key;
        QString secret;
        const Problem body = fromJson(call.body, &fields);
        const Problem p
            = body.ok() ? keys->create(tenantId, fields, &key, &secret) : firstProblem(tenants->find(tenantId), body);
        if (!p.ok())
            return call.replyProblem(p);
        call.reply(201, QJsonObject{{QStringLiteral("key"), toJson(key)}, {QStringLiteral("secret"), secret}});
    });
    add("GET", tenantKeys, [this, tenants](ApiCall &call) {
        const QString tenantId = call.param(QStringLiteral("id"));
        if (const Problem p = tenants->find(tenantId); !p.ok())
            return call.replyProblem(p);
        call.replyList(keysJson(m_config->live.snapshot()->keys, tenantId, kMaxLimit));
    });
    add("GET", QStringLiteral("/api/v1/keys"), [this](ApiCall &call) {
        int limit = kDefaultLimit;
        const QByteArray rawLimit = call.request.queryValue("limit");
        if (!rawLimit.isNull()) {
            bool ok = false;
            limit = rawLimit.toInt(&ok);
            if (!ok || limit < 1 || limit > kMaxLimit) {
                return call.replyError(400, "invalid_request",
                                       QStringLiteral("limit must be a whole number from 1 to %1").arg(kMaxLimit),
                                       QStringLiteral("limit"));
            }
        }
        const QString tenantId = QString::fromUtf8(call.request.queryValue("tenant_id"));
        call.replyList(keysJson(m_config->live.snapshot()->keys, tenantId, limit));
    });
    add("PUT", QStringLiteral("/api/v1/keys/{id}/disabled"), [update](ApiCall &call) {
        JsonFields f(call.body, {QStringLiteral("disabled")});
        f.require(QStringLiteral("disabled"));
        config::KeyPatch patch;
        f.readBool(QStringLiteral("disabled"), &patch.disabled);
        update(call, f.problem(), patch);
    });
    add("PATCH", QStringLiteral("/api/v1/keys/{id}"), [update](ApiCall &call) {
        config::KeyPatch patch;
        const Problem body = fromJson(call.body, &patch);
        update(call, body, patch);
    });
    add("DELETE", QStringLiteral("/api/v1/keys/{id}"), [keys](ApiCall &call) {
        const Problem p = keys->remove(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
}

} // namespace obleth::admin
