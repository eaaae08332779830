#include "messagesfilters.h"

#include "errors.h"

namespace obleth::anthropic {

// ChatToMessagesFilter: to be written (issue 14, the translation's own round).
ChatToMessagesFilter::ChatToMessagesFilter(AnswerContext context)
    : m_context(std::move(context))
{ }

void ChatToMessagesFilter::head(int &, http::Headers &)
{ }

QByteArray ChatToMessagesFilter::body(const QByteArray &data)
{
    return data;
}

QByteArray ChatToMessagesFilter::end()
{
    return {};
}

void ErrorShapeFilter::head(int &status, http::Headers &headers)
{
    m_status = status;
    m_holding = status >= 400 && headers.value("content-type").toLower().contains("json");
    if (m_holding)
        headers.remove("content-length"); // the reshaped document has its own length
}

QByteArray ErrorShapeFilter::body(const QByteArray &data)
{
    if (!m_holding)
        return data;
    if (m_held.size() + data.size() > kMaxErrorBytes) {
        // Too large for an error document of any API: it goes on as it came.
        m_holding = false;
        return std::exchange(m_held, QByteArray()) + data;
    }
    m_held += data;
    return {};
}

QByteArray ErrorShapeFilter::end()
{
    if (!m_holding)
        return {};
    m_holding = false;
    return fromOpenAiError(m_status, m_held).value_or(std::exchange(m_held, QByteArray()));
}

} // namespace obleth::anthropic
