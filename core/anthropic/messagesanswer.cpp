#include "messagesanswer.h"

namespace obleth::anthropic {

// To be written (issue 14, the translation's own round).
QByteArray stopReason(const QString &, const QString &, const QStringList &)
{
    return QByteArrayLiteral("end_turn");
}

QByteArray translateCompletion(const QJsonObject &, const AnswerContext &)
{
    return {};
}

ChatStreamTranslator::ChatStreamTranslator(AnswerContext context)
    : m_context(std::move(context))
{ }

QByteArray ChatStreamTranslator::feed(QByteArrayView)
{
    return {};
}

QByteArray ChatStreamTranslator::finish()
{
    return {};
}

} // namespace obleth::anthropic
