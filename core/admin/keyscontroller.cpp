#include "keyscontroller.h"

#include "config/configservice.h"
#include "config/entityjson.h"

#include <algorithm>

namespace obleth::admin {

using model::ApiKey;
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
        data.append(config::toJson(*picked.at(i)));
    return data;
}
} // namespace

void KeysController::addRoutes(const RouteSink &add)
{
    const QString tenantKeys = QStringLiteral("/api/v1/tenants/{id}/keys");

    add("POST", tenantKeys, [this](ApiCall &call) {
        model::ApiKey key;
        QString secret;
        const Problem p = m_config->createKey(call.param(QStringLiteral("id")), call.body, &key, &secret);
        if (!p.ok())
            return call.replyProblem(p);
        call.reply(201, QJsonObject{{QStringLiteral("key"), config::toJson(key)}, {QStringLiteral("secret"), secret}});
    });
    add("GET", tenantKeys, [this](ApiCall &call) {
        const auto snap = m_config->snapshot();
        const QString tenantId = call.param(QStringLiteral("id"));
        if (!snap->findTenant(tenantId))
            return call.replyProblem(Problem::notFound(QStringLiteral("no tenant with id %1").arg(tenantId)));
        call.replyList(keysJson(snap->keys, tenantId, kMaxLimit));
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
        call.replyList(keysJson(m_config->snapshot()->keys, tenantId, limit));
    });
    add("PUT", QStringLiteral("/api/v1/keys/{id}/disabled"), [this](ApiCall &call) {
        model::ApiKey key;
        const Problem p = m_config->setKeyDisabled(call.param(QStringLiteral("id")), call.body, &key);
        p.ok() ? call.reply(200, config::toJson(key)) : call.replyProblem(p);
    });
    add("PATCH", QStringLiteral("/api/v1/keys/{id}"), [this](ApiCall &call) {
        model::ApiKey key;
        const Problem p = m_config->patchKey(call.param(QStringLiteral("id")), call.body, &key);
        p.ok() ? call.reply(200, config::toJson(key)) : call.replyProblem(p);
    });
    add("DELETE", QStringLiteral("/api/v1/keys/{id}"), [this](ApiCall &call) {
        const Problem p = m_config->deleteKey(call.param(QStringLiteral("id")));
        p.ok() ? call.replyNoContent() : call.replyProblem(p);
    });
}

} // namespace obleth::admin
