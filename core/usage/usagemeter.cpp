#include "usagemeter.h"

#include "tokenestimate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::usage {

namespace {
constexpr qsizetype kMaxSseLine = 1024 * 1024;

/// Characters of generated text in a completion or a chunk.
qint64 generatedChars(const QJsonObject &doc)
{
    qint64 n = 0;
    const QJsonArray choices = doc.value(QStringLiteral("choices")).toArray();
    for (const QJsonValue &c : choices) {
        const QJsonObject choice = c.toObject();
        n += choice.value(QStringLiteral("text")).toString().size();
        n += choice.value(QStringLiteral("message")).toObject().value(QStringLiteral("content")).toString().size();
        n += choice.value(QStringLiteral("delta")).toObject().value(QStringLiteral("content")).toString().size();
    }
    return n;
}
/// The text of the object that @p json's "usage" key holds, found without parsing the rest of the document
/// (an answer's usage sits at its end); empty when there is none. Inside JSON strings quotes are escaped, so
/// an unescaped `"usage"` followed by a colon is a key.
QByteArray usageObjectIn(const QByteArray &json)
{
    const auto skipSpace = [&json](qsizetype i) {
        while (i < json.size() && (json.at(i) == ' ' || json.at(i) == '\n' || json.at(i) == '\r' || json.at(i) == '\t'))
            ++i;
        return i;
    };
    for (qsizetype at = json.lastIndexOf("\"usage\""); at >= 0; at = at > 0 ? json.lastIndexOf("\"usage\"", at - 1) : -1) {
        if (at > 0 && json.at(at - 1) == '\\')
            continue;
        qsizetype i = skipSpace(at + 7);
        if (i >= json.size() || json.at(i) != ':')
            continue;
        i = skipSpace(i + 1);
        if (i >= json.size() || json.at(i) != '{')
            return {}; // "usage": null
        int depth = 0;
        for (qsizetype j = i; j < json.size(); ++j) {
            if (json.at(j) == '{')
                ++depth;
            else if (json.at(j) == '}' && --depth == 0)
                return json.mid(i, j - i + 1);
        }
        return {};
    }
    return {};
}
} // namespace

UsageMeter::UsageMeter(const QByteArray &requestBody)
    : m_request(requestBody)
{ }

void UsageMeter::feed(const QByteArray &bytes)
{
    if (!m_streaming) {
        if (m_pending.size() + bytes.size() > kMaxJsonBytes) {
            m_overflow = true;
            m_pending.clear();
        }
        if (!m_overflow)
            m_pending += bytes;
        else
            m_generatedChars += bytes.size(); // a rough measure of a body too large to parse
        return;
    }
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = bytes.indexOf('\n', start);
        if (nl < 0)
            break;
        m_pending += bytes.mid(start, nl - start);
        sseLine(m_pending);
        m_pending.clear();
        start = nl + 1;
    }
    if (m_pending.size() + (bytes.size() - start) <= kMaxSseLine)
        m_pending += bytes.mid(start);
}

void UsageMeter::sseLine(const QByteArray &raw)
{
    QByteArray line = raw;
    if (line.endsWith('\r'))
        line.chop(1);
    if (!line.startsWith("data:"))
        return;
    const QByteArray data = line.mid(5).trimmed();
    if (data.isEmpty() || data == "[DONE]")
        return;
    // Streams pass through here chunk by chunk: only the usage chunk is worth a JSON parse; a content
    // chunk is recognised by its non-empty "content" or "text" string.
    // Some servers send "usage":null in every chunk: only a chunk with real usage stops here.
    if (data.contains("\"usage\"") && readUsage(data))
        return;
    if (m_collectText) {
        const QJsonObject chunk = QJsonDocument::fromJson(data).object();
        const qsizetype before = m_text.size();
        for (const QJsonValue &c : chunk.value(QStringLiteral("choices")).toArray()) {
            const QJsonObject choice = c.toObject();
            m_text += choice.value(QStringLiteral("text")).toString();
            m_text += choice.value(QStringLiteral("delta")).toObject().value(QStringLiteral("content")).toString();
        }
        if (m_text.size() > before)
            ++m_contentChunks;
        return;
    }
    for (const char *field : {"\"content\":\"", "\"text\":\""}) {
        const qsizetype at = data.indexOf(field);
        if (at >= 0 && data.size() > at + qsizetype(qstrlen(field)) && data.at(at + qstrlen(field)) != '"') {
            ++m_contentChunks;
            break;
        }
    }
}

bool UsageMeter::readUsage(const QByteArray &json)
{
    const QJsonObject usage = QJsonDocument::fromJson(usageObjectIn(json)).object();
    if (!usage.value(QStringLiteral("prompt_tokens")).isDouble())
        return false;
    m_count.promptTokens = qint64(usage.value(QStringLiteral("prompt_tokens")).toDouble());
    m_count.completionTokens = qint64(usage.value(QStringLiteral("completion_tokens")).toDouble());
    m_reported = true;
    return true;
}

TokenCount UsageMeter::finish()
{
    if (!m_streaming && !m_overflow && !m_pending.isEmpty()) {
        // Only an answer without usage needs the whole parse (for its text).
        if (!readUsage(m_pending))
            m_generatedChars += generatedChars(QJsonDocument::fromJson(m_pending).object());
        m_pending.clear();
    } else if (m_streaming && !m_pending.isEmpty()) {
        sseLine(m_pending);
        m_pending.clear();
    }
    if (m_reported)
        return m_count;
    TokenCount estimate;
    estimate.estimated = true;
    estimate.promptTokens = promptTokenEstimate(QJsonDocument::fromJson(m_request).object());
    // A stream's content chunks are about one token each; otherwise about four characters a token.
    estimate.completionTokens = m_streaming ? m_contentChunks : tokensForChars(m_generatedChars);
    return estimate;
}

} // namespace obleth::usage
