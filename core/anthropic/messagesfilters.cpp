#include "messagesfilters.h"

#include "errors.h"
#include "platform/logging.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::anthropic {

ChatToMessagesFilter::ChatToMessagesFilter(AnswerContext context)
    : m_context(std::move(context))
{ }

void ChatToMessagesFilter::head(int &status, http::Headers &headers)
{
    if (status < 200 || status >= 300)
        return; // an error (or no answer at all): the Errors stage puts it into Anthropic's shape
    const QByteArray type = headers.value("content-type").toLower();
    // A compressed answer (an upstream that compresses whatever the request said: obleth never forwards
    // Accept-Encoding) cannot be read: the client gets an api_error, and no Content-Encoding on it.
    const QByteArray encoding = headers.value("content-encoding").trimmed().toLower();
    m_unreadable = !encoding.isEmpty() && encoding != "identity";
    headers.remove("content-encoding");
    if (type.contains("text/event-stream") && !m_unreadable) {
        m_mode = Mode::Stream;
        m_stream.emplace(m_context);
        headers.set("Content-Type", "text/event-stream");
    } else {
        // JSON, or anything else a 2xx may carry (an HTML page, no Content-Type at all): never relayed to an
        // Anthropic client as it came; what is not a Chat Completions document becomes an api_error at the end.
        m_mode = Mode::Whole;
        headers.set("Content-Type", m_context.stream ? "text/event-stream" : "application/json");
    }
    headers.remove("content-length");
}

QByteArray ChatToMessagesFilter::body(const QByteArray &data)
{
    switch (m_mode) {
    case Mode::PassThrough: return data;
    case Mode::Stream: return m_stream->feed(data);
    case Mode::Whole:
        if (m_tooLarge || m_unreadable)
            return {};
        if (m_whole.size() + data.size() > kMaxAnswerBytes) {
            m_tooLarge = true;
            m_whole = QByteArray();
            return {};
        }
        m_whole += data;
        return {};
    }
    return data;
}

QByteArray ChatToMessagesFilter::end()
{
    switch (m_mode) {
    case Mode::PassThrough: return {};
    case Mode::Stream: return m_stream->finish();
    case Mode::Whole: break;
    }
    if (m_unreadable) {
        qCWarning(lcAnthropic) << "a compressed upstream answer was not translated";
        return failed(QStringLiteral("the upstream's answer came compressed and cannot be translated"));
    }
    if (m_tooLarge) {
        qCWarning(lcAnthropic).noquote() << m_context.requestId << "an upstream answer over" << kMaxAnswerBytes
                                         << "bytes was not translated";
        return failed(QStringLiteral("the upstream's answer is too large to translate"));
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(std::exchange(m_whole, QByteArray()), &error);
    const QJsonObject completion = doc.object();
    if (!doc.isObject()) {
        qCWarning(lcAnthropic).noquote() << m_context.requestId
                                         << "an upstream answer that is no JSON object was not translated:"
                                         << error.errorString();
        return failed(QStringLiteral("the upstream's answer is not a Chat Completions document"));
    }
    if (!completion.contains(QLatin1String("choices")) && completion.contains(QLatin1String("error"))) {
        // An error that came with a 2xx status: in Anthropic's shape all the same.
        const QJsonValue problem = completion.value(QLatin1String("error"));
        const QString message
            = problem.isString() ? problem.toString() : problem.toObject().value(QLatin1String("message")).toString();
        return failed(message.isEmpty() ? QStringLiteral("the upstream failed") : message);
    }
    return m_context.stream ? completionAsEvents(completion, m_context) : translateCompletion(completion, m_context);
}

QByteArray ChatToMessagesFilter::failed(const QString &message) const
{
    // The status went already: an api_error document, or event (in a stream, after a message_start).
    if (!m_context.stream)
        return errorBody(500, message);
    ChatStreamTranslator translator(m_context);
    return translator.begin() + QByteArrayLiteral("event: error\ndata: ") + errorBody(500, message)
        + QByteArrayLiteral("\n\n");
}

void ErrorShapeFilter::head(int &status, http::Headers &headers)
{
    m_status = status;
    m_held.clear();
    if (status < 400) {
        m_mode = Mode::PassThrough;
        return;
    }
    const QByteArray type = headers.value("content-type").toLower();
    const bool compressed = headers.contains("content-encoding");
    m_mode = type.contains("json") && !compressed ? Mode::Json : Mode::Other;
    m_plainText = type.startsWith("text/plain") && !compressed;
    headers.remove("content-length"); // the reshaped document has its own length
    if (m_mode == Mode::Other) {
        // An error page (HTML, plain text, a compressed body, none at all) becomes Anthropic's error document.
        headers.remove("content-encoding");
        headers.set("Content-Type", "application/json");
    }
}

QByteArray ErrorShapeFilter::body(const QByteArray &data)
{
    switch (m_mode) {
    case Mode::PassThrough: return data;
    case Mode::Other:
        // Only the start of a page is quoted: the rest is dropped as it comes.
        m_held.append(QByteArrayView(data).first(std::min<qsizetype>(data.size(), kQuotedBytes - m_held.size())));
        return {};
    case Mode::Json:
        if (m_held.size() + data.size() > kMaxErrorBytes) {
            // Too large for an error document of any API: it goes on as it came.
            m_mode = Mode::PassThrough;
            return std::exchange(m_held, QByteArray()) + data;
        }
        m_held += data;
        return {};
    }
    return data;
}

QByteArray ErrorShapeFilter::end()
{
    const Mode mode = std::exchange(m_mode, Mode::PassThrough);
    if (mode == Mode::Json)
        return fromOpenAiError(m_status, m_held).value_or(std::exchange(m_held, QByteArray()));
    if (mode != Mode::Other)
        return {};
    QString message = QStringLiteral("the upstream answered HTTP %1").arg(m_status);
    const QString text = QString::fromUtf8(m_held).simplified();
    if (m_plainText && !text.isEmpty())
        message += QStringLiteral(": ") + text;
    return errorBody(m_status, message);
}

} // namespace obleth::anthropic
