#include "errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

namespace obleth::anthropic {

QByteArray errorType(int status)
{
    switch (status) {
    case 400: return QByteArrayLiteral("invalid_request_error");
    case 401: return QByteArrayLiteral("authentication_error");
    case 402: return QByteArrayLiteral("billing_error");
    case 403: return QByteArrayLiteral("permission_error");
    case 404: return QByteArrayLiteral("not_found_error");
    case 413: return QByteArrayLiteral("request_too_large");
    case 429: return QByteArrayLiteral("rate_limit_error");
    case 503:
    case 529: return QByteArrayLiteral("overloaded_error");
    case 504: return QByteArrayLiteral("timeout_error");
    default: return status >= 500 ? QByteArrayLiteral("api_error") : QByteArrayLiteral("invalid_request_error");
    }
}

QByteArray errorBody(int status, const QString &message)
{
    // In Anthropic's member order; the message escaped by QJsonDocument (as the one element of an array).
    const QByteArray text = QJsonDocument(QJsonArray{message}).toJson(QJsonDocument::Compact);
    QByteArray out = QByteArrayLiteral("{\"type\":\"error\",\"error\":{\"type\":\"");
    out += errorType(status);
    out += "\",\"message\":";
    out += QByteArrayView(text).sliced(1, text.size() - 2);
    out += "}}";
    return out;
}

std::optional<QByteArray> fromOpenAiError(int status, QByteArrayView body)
{
    const QJsonObject doc = QJsonDocument::fromJson(body.toByteArray()).object();
    if (doc.isEmpty() || doc.value(QStringLiteral("type")) == QLatin1String("error"))
        return std::nullopt; // not JSON, or Anthropic's shape already
    const QJsonValue error = doc.value(QStringLiteral("error"));
    if (error.isString())
        return errorBody(status, error.toString());
    if (error.isObject()) {
        const QJsonValue message = error.toObject().value(QStringLiteral("message"));
        if (message.isString())
            return errorBody(status, message.toString());
        // No message: the error object itself says what there is to say.
        return errorBody(status, QString::fromUtf8(QJsonDocument(error.toObject()).toJson(QJsonDocument::Compact)));
    }
    if (!error.isUndefined())
        return std::nullopt;
    // Other servers' error documents: vLLM's older {"object":"error","message":…} and FastAPI's {"detail":…}.
    const QJsonValue message = doc.value(QStringLiteral("message"));
    if (doc.value(QStringLiteral("object")) == QLatin1String("error") && message.isString())
        return errorBody(status, message.toString());
    const QJsonValue detail = doc.value(QStringLiteral("detail"));
    if (doc.size() != 1)
        return std::nullopt;
    if (detail.isString())
        return errorBody(status, detail.toString());
    if (detail.isArray()) { // FastAPI's validation errors: [{"loc":[…],"msg":"…","type":"…"}, …]
        QStringList messages;
        for (const QJsonValue &entry : detail.toArray()) {
            const QJsonObject e = entry.toObject();
            QStringList where;
            for (const QJsonValue &part : e.value(QStringLiteral("loc")).toArray())
                where.append(part.isString() ? part.toString() : QString::number(part.toInteger()));
            const QString msg = e.value(QStringLiteral("msg")).toString();
            if (!msg.isEmpty())
                messages.append(where.isEmpty() ? msg : where.join(QLatin1Char('.')) + QStringLiteral(": ") + msg);
        }
        if (!messages.isEmpty())
            return errorBody(status, messages.join(QStringLiteral("; ")));
    }
    return std::nullopt;
}

} // namespace obleth::anthropic
