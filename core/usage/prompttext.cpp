#include "prompttext.h"

#include <QJsonArray>
#include <QJsonObject>

namespace obleth::usage {

namespace {
/// Calls @p each with every string of the prompt, in order.
template<typename Each> void forEachString(const QJsonValue &v, const Each &each)
{
    if (v.isString()) {
        each(v.toString());
    } else if (v.isArray()) {
        const QJsonArray a = v.toArray();
        for (const QJsonValue &item : a)
            forEachString(item, each);
    } else if (v.isObject()) {
        // a chat message {role, content} or a content part {type, text}
        const QJsonObject o = v.toObject();
        forEachString(o.value(QStringLiteral("content")), each);
        forEachString(o.value(QStringLiteral("text")), each);
    }
}
} // namespace

QString promptText(const QJsonValue &messagesOrPrompt)
{
    QString text;
    forEachString(messagesOrPrompt, [&text](const QString &s) {
        if (!text.isEmpty())
            text += QLatin1Char(' ');
        text += s;
    });
    return text;
}

qsizetype promptTextSize(const QJsonValue &messagesOrPrompt)
{
    qsizetype size = 0;
    forEachString(messagesOrPrompt, [&size](const QString &s) { size += (size > 0 ? 1 : 0) + s.size(); });
    return size;
}

} // namespace obleth::usage
