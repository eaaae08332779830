#pragma once

#include <QJsonValue>
#include <QString>

namespace obleth::usage {

/// The text a request gives the model: every string in chat or Messages messages' `content` (plain or as content
/// parts' and blocks' `text`, a tool_result's `content`, a tool_use's `input` as JSON), in a completion `prompt`
/// (string or array), or in a Responses `input` (a string, or items with content parts, function calls'
/// `arguments` and their `output`), joined by spaces.
[[nodiscard]] QString promptText(const QJsonValue &messagesOrPrompt);
/// promptText(@p messagesOrPrompt).size(), without joining the text.
[[nodiscard]] qsizetype promptTextSize(const QJsonValue &messagesOrPrompt);

} // namespace obleth::usage
