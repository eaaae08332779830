#include "chatrequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::ui {

QByteArray ChatRequest::body() const
{
    QJsonArray list;
    if (!systemPrompt.trimmed().isEmpty())
        list.append(
            QJsonObject{{QStringLiteral("role"), QStringLiteral("system")}, {QStringLiteral("content"), systemPrompt}});
    for (const ChatMessage &m : messages)
        list.append(QJsonObject{{QStringLiteral("role"), m.role}, {QStringLiteral("content"), m.content}});
    QJsonObject doc{
        {QStringLiteral("model"), model},
        {QStringLiteral("messages"), list},
        {QStringLiteral("stream"), true},
        {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}},
    };
    if (maxTokens)
        doc.insert(QStringLiteral("max_tokens"), *maxTokens);
    if (temperature)
        doc.insert(QStringLiteral("temperature"), *temperature);
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

} // namespace obleth::ui
