#include "messagesrequest.h"

namespace obleth::anthropic {

// To be written (issue 14, the translation's own round).
bool toChatCompletions(const QJsonObject &, QByteArray *, QString *error)
{
    *error = QStringLiteral("the Messages API is not translated yet");
    return false;
}

QStringList stopSequencesOf(const QJsonObject &)
{
    return {};
}

} // namespace obleth::anthropic
