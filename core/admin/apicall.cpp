#include "apicall.h"

#include "http/httpresponder.h"
#include "openai/error.h"

#include <QJsonDocument>

namespace obleth::admin {

void ApiCall::reply(int status, const QJsonObject &object) const
{
    responder->sendJson(status, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

void ApiCall::replyList(const QJsonArray &data) const
{
    sendList(responder, data);
}

void sendList(http::HttpResponder *responder, const QJsonArray &data)
{
    const QJsonObject list{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}};
    responder->sendJson(200, QJsonDocument(list).toJson(QJsonDocument::Compact));
}

void ApiCall::replyNoContent() const
{
    responder->send(204, {}, {});
}

void ApiCall::replyError(int status, const QByteArray &code, const QString &message, const QString &param) const
{
    openai::sendError(responder, status, code, message, {}, param);
}

void ApiCall::replyProblem(const config::Problem &problem) const
{
    using Kind = config::Problem::Kind;
    switch (problem.kind) {
    case Kind::None: return replyError(500, "internal_error", QStringLiteral("no problem to report"));
    case Kind::Invalid: return replyError(400, "invalid_request", problem.message, problem.field);
    case Kind::NotFound: return replyError(404, "not_found", problem.message);
    case Kind::Conflict: return replyError(409, "conflict", problem.message, problem.field);
    case Kind::Storage: return replyError(500, "storage_error", problem.message);
    case Kind::StorageBusy: return replyError(503, "storage_busy", problem.message);
    }
}

} // namespace obleth::admin
