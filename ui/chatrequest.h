#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace obleth::ui {

/// One message of a conversation as the Chat Completions API takes it.
struct ChatMessage
{
    QString role; ///< "user" or "assistant" (the system prompt is ChatRequest's)
    QString content;
};

/// What the playground sends: the model, an optional system prompt, the conversation so far (the new user
/// message last) and the optional sampling settings.
struct ChatRequest
{
    QString model;
    QString systemPrompt; ///< empty: none
    QList<ChatMessage> messages;
    std::optional<int> maxTokens;
    std::optional<double> temperature;

    /// The body of POST /v1/chat/completions, streamed with the usage at the end
    /// (stream_options.include_usage).
    [[nodiscard]] QByteArray body() const;
};

} // namespace obleth::ui
