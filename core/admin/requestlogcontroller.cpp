#include "requestlogcontroller.h"

#include "http/httpresponder.h"
#include "jsonfields.h"
#include "openai/error.h"
#include "store/requestlog.h"
#include "usage/requestjson.h"

#include <QPointer>

namespace obleth::admin {

namespace {
/// Parses ?since= (ISO 8601); false after answering 400.
bool parseSince(ApiCall &call, QDateTime *since)
{
    const QByteArray raw = call.request.queryValue("since");
    if (raw.isNull())
        return true;
    *since = QDateTime::fromString(QString::fromUtf8(raw), Qt::ISODateWithMs);
    if (!since->isValid()) {
        call.replyError(400, "invalid_request",
                        QStringLiteral("since must be an ISO 8601 time, like 2026-11-25T00:00:00Z"),
                        QStringLiteral("since"));
        return false;
    }
    return true;
}

/// ?status=200, or a class: 2xx, 4xx, 5xx. False after answering 400.
bool parseStatus(ApiCall &call, store::RequestFilter *filter)
{
    const QByteArray raw = call.request.queryValue("status");
    if (raw.isNull())
        return true;
    bool ok = false;
    if (raw.size() == 3 && raw.endsWith("xx") && raw.at(0) >= '1' && raw.at(0) <= '5') {
        filter->statusMin = (raw.at(0) - '0') * 100;
        filter->statusMax = filter->statusMin + 99;
        return true;
    }
    const int status = raw.toInt(&ok);
    if (ok && status >= 0 && status <= 599) {
        filter->statusMin = filter->statusMax = status;
        return true;
    }
    call.replyError(400, "invalid_request", QStringLiteral("status must be an HTTP status (200) or a class (5xx)"),
                    QStringLiteral("status"));
    return false;
}

QJsonObject retentionJson(const store::Retention &r)
{
    return QJsonObject{{QStringLiteral("retention_days"), r.days}, {QStringLiteral("max_rows"), double(r.maxRows)}};
}
} // namespace

void RequestLogController::addRoutes(const RouteSink &add)
{
    add("GET", QStringLiteral("/api/v1/requests"), [this](ApiCall &call) { listRequests(call); });
    add("GET", QStringLiteral("/api/v1/usage"), [this](ApiCall &call) { listUsage(call); });
    add("GET", QStringLiteral("/api/v1/settings/request-log"),
        [this](ApiCall &call) { call.reply(200, retentionJson(m_log->retention())); });
    add("PUT", QStringLiteral("/api/v1/settings/request-log"), [this](ApiCall &call) {
        store::Retention r = m_log->retention();
        JsonFields fields(call.body, {QStringLiteral("retention_days"), QStringLiteral("max_rows")});
        qint64 days = r.days;
        fields.readInt(QStringLiteral("retention_days"), &days, 0, 36500);
        fields.readInt(QStringLiteral("max_rows"), &r.maxRows, 0, qint64(1) << 40);
        if (!fields.ok())
            return call.replyProblem(fields.problem());
        r.days = int(days);
        m_log->setRetention(r);
        call.reply(200, retentionJson(r));
    });
}

void RequestLogController::listRequests(ApiCall &call)
{
    store::RequestFilter filter;
    filter.limit = kDefaultLimit;
    if (const QByteArray raw = call.request.queryValue("limit"); !raw.isNull()) {
        bool ok = false;
        filter.limit = raw.toInt(&ok);
        if (!ok || filter.limit < 1 || filter.limit > kMaxLimit)
            return call.replyError(400, "invalid_request",
                                   QStringLiteral("limit must be a whole number from 1 to %1").arg(kMaxLimit),
                                   QStringLiteral("limit"));
    }
    if (const QByteArray raw = call.request.queryValue("before"); !raw.isNull()) {
        bool ok = false;
        filter.beforeSeq = raw.toLongLong(&ok);
        if (!ok || filter.beforeSeq < 1)
            return call.replyError(400, "invalid_request", QStringLiteral("before must be the seq of a logged request"),
                                   QStringLiteral("before"));
    }
    filter.tenantId = QString::fromUtf8(call.request.queryValue("tenant_id"));
    filter.model = QString::fromUtf8(call.request.queryValue("model"));
    if (!parseStatus(call, &filter) || !parseSince(call, &filter.since))
        return;
    http::HttpResponder *responder = call.responder;
    m_log->requests(filter, responder, [responder](const QList<store::LoggedRequest> &rows, const QString &error) {
        if (store::isStorageBusyError(error))
            return openai::sendError(responder, 503, "storage_busy",
                                     QStringLiteral("cannot read the request log: ") + error);
        if (!error.isEmpty())
            return openai::sendError(responder, 500, "storage_error",
                                     QStringLiteral("cannot read the request log: ") + error);
        QJsonArray data;
        for (const store::LoggedRequest &row : rows) {
            QJsonObject o = usage::toJson(row.record);
            o.insert(QStringLiteral("seq"), double(row.seq));
            data.append(o);
        }
        sendList(responder, data);
    });
}

void RequestLogController::listUsage(ApiCall &call)
{
    store::UsageQuery query;
    const QByteArray groupBy = call.request.queryValue("group_by");
    if (groupBy.isNull() || groupBy == "tenant")
        query.groupBy = store::UsageQuery::GroupBy::Tenant;
    else if (groupBy == "model")
        query.groupBy = store::UsageQuery::GroupBy::Model;
    else if (groupBy == "day")
        query.groupBy = store::UsageQuery::GroupBy::Day;
    else
        return call.replyError(400, "invalid_request", QStringLiteral("group_by must be tenant, model or day"),
                               QStringLiteral("group_by"));
    if (!parseSince(call, &query.since))
        return;
    http::HttpResponder *responder = call.responder;
    const auto by = query.groupBy;
    m_log->usage(query, responder, [responder, by](const QList<store::UsageRow> &rows, const QString &error) {
        if (store::isStorageBusyError(error))
            return openai::sendError(responder, 503, "storage_busy", QStringLiteral("cannot read usage: ") + error);
        if (!error.isEmpty())
            return openai::sendError(responder, 500, "storage_error", QStringLiteral("cannot read usage: ") + error);
        QJsonArray data;
        for (const store::UsageRow &row : rows) {
            QJsonObject o;
            switch (by) {
            case store::UsageQuery::GroupBy::Tenant:
                o.insert(QStringLiteral("tenant_id"), row.tenantId);
                o.insert(QStringLiteral("tenant"), row.tenant);
                break;
            case store::UsageQuery::GroupBy::Model: o.insert(QStringLiteral("model"), row.model); break;
            case store::UsageQuery::GroupBy::Day: o.insert(QStringLiteral("day"), row.day); break;
            }
            o.insert(QStringLiteral("requests"), double(row.requests));
            o.insert(QStringLiteral("prompt_tokens"), double(row.promptTokens));
            o.insert(QStringLiteral("completion_tokens"), double(row.completionTokens));
            o.insert(QStringLiteral("cost"), row.cost);
            o.insert(QStringLiteral("estimated"), row.estimatedRequests > 0);
            o.insert(QStringLiteral("estimated_requests"), double(row.estimatedRequests));
            data.append(o);
        }
        sendList(responder, data);
    });
}

} // namespace obleth::admin
