#include "error.h"

#include "http/httpresponder.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::openai {

QByteArray errorType(int status)
{
    switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 409: return "conflict_error";
    case 429: return "rate_limit_error";
    case 502:
    case 503: return "upstream_error";
    case 504: return "timeout_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

QByteArray errorBody(const QByteArray &code, const QString &message, int status, const QString &param)
{
    QJsonObject error{
        {QStringLiteral("message"), message},
        {QStringLiteral("type"), QString::fromLatin1(errorType(status))},
        {QStringLiteral("code"), QString::fromLatin1(code)},
    };
    if (!param.isEmpty())
        error.insert(QStringLiteral("param"), param);
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), error}}).toJson(QJsonDocument::Compact);
}

void sendError(http::HttpResponder *responder, int status, const QByteArray &code, const QString &message,
               http::Headers extra, const QString &param)
{
    responder->sendJson(status, errorBody(code, message, status, param), std::move(extra));
}

QByteArray rejectionCode(int status)
{
    switch (status) {
    case 413: return "request_too_large";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    default: return "invalid_request";
    }
}

http::Rejection rejection(int status, const QString &message, QByteArrayView /*target*/)
{
    return {"application/json", errorBody(rejectionCode(status), message, status)};
}

} // namespace obleth::openai
