#include "errors.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::anthropic {

QByteArray errorType(int status)
{
    switch (status) {
    case 400: return QByteArrayLiteral("invalid_request_error");
    case 401: return QByteArrayLiteral("authentication_error");
    case 403: return QByteArrayLiteral("permission_error");
    case 404: return QByteArrayLiteral("not_found_error");
    case 413: return QByteArrayLiteral("request_too_large");
    case 429: return QByteArrayLiteral("rate_limit_error");
    case 503:
    case 529: return QByteArrayLiteral("overloaded_error");
    default: return status >= 500 ? QByteArrayLiteral("api_error") : QByteArrayLiteral("invalid_request_error");
    }
}

QByteArray errorBody(int status, const QString &message)
{
    const QJsonObject error{{QStringLiteral("type"), QString::fromLatin1(errorType(status))},
                            {QStringLiteral("message"), message}};
    return QJsonDocument(
               QJsonObject{{QStringLiteral("type"), QStringLiteral("error")}, {QStringLiteral("error"), error}})
        .toJson(QJsonDocument::Compact);
}

std::optional<QByteArray> fromOpenAiError(int status, QByteArrayView body)
{
    const QJsonObject doc = QJsonDocument::fromJson(body.toByteArray()).object();
    if (doc.isEmpty() || doc.value(QStringLiteral("type")) == QLatin1String("error"))
        return std::nullopt; // not JSON, or Anthropic's shape already
    const QJsonValue error = doc.value(QStringLiteral("error"));
    if (error.isString())
        return errorBody(status, error.toString());
    if (!error.isObject())
        return std::nullopt;
    const QJsonValue message = error.toObject().value(QStringLiteral("message"));
    return errorBody(status, message.isString() ? message.toString() : QString());
}

} // namespace obleth::anthropic
