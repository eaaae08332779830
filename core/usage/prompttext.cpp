#include "prompttext.h"

#include <QJsonArray>
#include <QJsonObject>

namespace obleth::usage {

namespace {
void collect(const QJsonValue &v, QString *out)
{
    if (v.isString()) {
        if (!out->isEmpty())
            *out += QLatin1Char(' ');
        *out += v.toString();
    } else if (v.isArray()) {
        const QJsonArray a = v.toArray();
        for (const QJsonValue &item : a)
            collect(item, out);
    } else if (v.isObject()) {
        // a chat message {role, content} or a content part {type, text}
        const QJsonObject o = v.toObject();
        collect(o.value(QStringLiteral("content")), out);
        collect(o.value(QStringLiteral("text")), out);
    }
}
} // namespace

QString promptText(const QJsonValue &messagesOrPrompt)
{
    QString text;
    collect(messagesOrPrompt, &text);
    return text;
}

} // namespace obleth::usage
