#pragma once

#include <QJsonValue>
#include <QString>

namespace obleth::usage {

/// The text a request gives the model: every string in chat messages' `content` (plain or as content
/// parts' `text`) or in a completion `prompt` (string or array), joined by spaces.
[[nodiscard]] QString promptText(const QJsonValue &messagesOrPrompt);
/// promptText(@p messagesOrPrompt).size(), without joining the text.
[[nodiscard]] qsizetype promptTextSize(const QJsonValue &messagesOrPrompt);

} // namespace obleth::usage
