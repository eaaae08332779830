#include "tokenestimate.h"

#include "prompttext.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace obleth::usage {

qint64 tokensForChars(qint64 chars)
{
    return chars <= 0 ? 0 : std::max<qint64>(1, (chars + 3) / 4);
}

qint64 promptTokenEstimate(const QJsonObject &request)
{
    // chat and Messages: messages; completions: prompt; Messages: system; Responses: instructions and input
    qint64 chars = 0;
    for (const char *field : {"messages", "prompt", "system", "instructions", "input"})
        chars += promptTextSize(request.value(QLatin1String(field)));
    // The tools' definitions (chat, Messages, Responses) reach the model too, as their JSON: a coding agent's run
    // to thousands of tokens.
    const QJsonValue tools = request.value(QLatin1String("tools"));
    if (tools.isArray())
        chars += QJsonDocument(tools.toArray()).toJson(QJsonDocument::Compact).size();
    return tokensForChars(chars);
}

qint64 requestTokenEstimate(const QJsonObject &request)
{
    return requestTokenEstimate(request, promptTokenEstimate(request));
}

qint64 requestTokenEstimate(const QJsonObject &request, qint64 prompt)
{
    qint64 completion = kDefaultCompletionEstimate;
    for (const char *field : {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
        const QJsonValue v = request.value(QLatin1String(field));
        if (v.isDouble() && v.toDouble() >= 0) {
            completion = qint64(std::min(v.toDouble(), 1e12));
            break;
        }
    }
    return prompt + completion;
}

} // namespace obleth::usage
