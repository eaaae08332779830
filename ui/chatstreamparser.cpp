#include "chatstreamparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::ui {

namespace {
/// A line can be long (a chunk with a big piece of text), but not without bound: past this the stream is not one
/// a chat client can read, and the rest of the line is dropped.
constexpr qsizetype kMaxLine = 4 * 1024 * 1024;
} // namespace

QList<ChatStreamEvent> ChatStreamParser::feed(QByteArrayView bytes)
{
    QList<ChatStreamEvent> out;
    qsizetype start = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes.at(i);
        if (c != '\n' && c != '\r')
            continue;
        if (c == '\n' && m_afterCr && i == start && m_line.isEmpty()) {
            // The LF of a CRLF whose CR ended the previous line.
            m_afterCr = false;
            start = i + 1;
            continue;
        }
        if (m_line.size() < kMaxLine)
            m_line.append(bytes.sliced(start, i - start));
        line(m_line, &out);
        m_line.clear();
        m_afterCr = c == '\r';
        start = i + 1;
    }
    if (start < bytes.size()) {
        m_afterCr = false;
        if (m_line.size() < kMaxLine)
            m_line.append(bytes.sliced(start));
    }
    return out;
}

QList<ChatStreamEvent> ChatStreamParser::finish()
{
    QList<ChatStreamEvent> out;
    if (!m_line.isEmpty()) {
        line(m_line, &out);
        m_line.clear();
    }
    dispatch(&out);
    return out;
}

void ChatStreamParser::line(QByteArrayView text, QList<ChatStreamEvent> *out)
{
    if (text.isEmpty()) {
        dispatch(out);
        return;
    }
    if (text.startsWith(':'))
        return; // a comment (a keep-alive)
    const qsizetype colon = text.indexOf(':');
    const QByteArrayView field = colon < 0 ? text : text.first(colon);
    if (field != "data")
        return;
    QByteArrayView value = colon < 0 ? QByteArrayView() : text.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    if (m_hasData)
        m_data.append('\n');
    m_data.append(value);
    m_hasData = true;
}

void ChatStreamParser::dispatch(QList<ChatStreamEvent> *out)
{
    if (!m_hasData)
        return;
    const QByteArray data = std::exchange(m_data, {});
    m_hasData = false;
    if (data.trimmed() == "[DONE]") {
        m_done = true;
        out->append({ChatStreamEvent::Kind::Done, {}, {}, 0, 0});
        return;
    }
    out->append(eventsOf(data));
}

QList<ChatStreamEvent> ChatStreamParser::eventsOf(const QByteArray &data)
{
    QList<ChatStreamEvent> events;
    const QJsonObject chunk = QJsonDocument::fromJson(data).object();
    if (chunk.isEmpty())
        return events;
    const QJsonValue error = chunk.value(QStringLiteral("error"));
    if (error.isObject() || error.isString()) {
        const QJsonObject e = error.toObject();
        ChatStreamEvent event{ChatStreamEvent::Kind::Error, {}, {}, 0, 0};
        event.text = error.isString() ? error.toString() : e.value(QStringLiteral("message")).toString();
        event.code = e.value(QStringLiteral("code")).toString();
        if (event.code.isEmpty())
            event.code = e.value(QStringLiteral("type")).toString();
        events.append(event);
        return events;
    }
    const QJsonArray choices = chunk.value(QStringLiteral("choices")).toArray();
    if (!choices.isEmpty()) {
        const QJsonObject choice = choices.first().toObject();
        // A stream's chunk has a delta; a whole answer (a server that does not stream) has the message.
        const QJsonObject delta = choice.contains(QStringLiteral("delta"))
            ? choice.value(QStringLiteral("delta")).toObject()
            : choice.value(QStringLiteral("message")).toObject();
        const QString text = delta.value(QStringLiteral("content")).toString();
        if (!text.isEmpty())
            events.append({ChatStreamEvent::Kind::Text, text, {}, 0, 0});
        const QString reason = choice.value(QStringLiteral("finish_reason")).toString();
        if (!reason.isEmpty())
            events.append({ChatStreamEvent::Kind::FinishReason, reason, {}, 0, 0});
    }
    const QJsonObject usage = chunk.value(QStringLiteral("usage")).toObject();
    if (!usage.isEmpty()) {
        events.append({ChatStreamEvent::Kind::Usage,
                       {},
                       {},
                       qint64(usage.value(QStringLiteral("prompt_tokens")).toDouble()),
                       qint64(usage.value(QStringLiteral("completion_tokens")).toDouble())});
    }
    return events;
}

} // namespace obleth::ui
