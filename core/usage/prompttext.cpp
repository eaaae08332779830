#include "prompttext.h"

#include <QJsonArray>
#include <QJsonDocument>
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
        // a chat or Messages message {role, content}, a content part or block {type, text}, a tool_result block
        // {content}, a tool_use block {input: {...}} (its JSON), a Responses item (function_call {arguments},
        // function_call_output {output})
        const QJsonObject o = v.toObject();
        forEachString(o.value(QStringLiteral("content")), each);
        forEachString(o.value(QStringLiteral("text")), each);
        const QJsonValue input = o.value(QStringLiteral("input"));
        if (input.isObject())
            each(QString::fromUtf8(QJsonDocument(input.toObject()).toJson(QJsonDocument::Compact)));
        for (const char *key : {"arguments", "output"}) {
            const QJsonValue s = o.value(QLatin1String(key));
            if (s.isString())
                each(s.toString());
        }
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
