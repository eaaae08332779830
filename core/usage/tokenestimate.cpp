#include "tokenestimate.h"

#include "prompttext.h"

#include <algorithm>

namespace obleth::usage {

qint64 tokensForChars(qint64 chars)
{
    return chars <= 0 ? 0 : std::max<qint64>(1, (chars + 3) / 4);
}

qint64 promptTokenEstimate(const QJsonObject &request)
{
    return tokensForChars(promptTextSize(request.value(QStringLiteral("messages")))
                          + promptTextSize(request.value(QStringLiteral("prompt"))));
}

qint64 requestTokenEstimate(const QJsonObject &request)
{
    const qint64 prompt = promptTokenEstimate(request);
    qint64 completion = kDefaultCompletionEstimate;
    for (const char *field : {"max_completion_tokens", "max_tokens"}) {
        const QJsonValue v = request.value(QLatin1String(field));
        if (v.isDouble() && v.toDouble() >= 0) {
            completion = qint64(std::min(v.toDouble(), 1e12));
            break;
        }
    }
    return prompt + completion;
}

} // namespace obleth::usage
