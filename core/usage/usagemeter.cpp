#include "usagemeter.h"

#include "platform/logging.h"
#include "tokenestimate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

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
/// A fixed string to look for in stream lines.
struct Needle
{
    explicit Needle(const char *text)
        : size(std::strlen(text))
        , searcher(text, text + size)
    { }
    /// Where it starts in @p hay, or npos.
    [[nodiscard]] size_t in(std::string_view hay) const
    {
        const auto it = std::search(hay.begin(), hay.end(), searcher);
        return it == hay.end() ? std::string_view::npos : size_t(it - hay.begin());
    }
    size_t size;
    std::boyer_moore_horspool_searcher<const char *> searcher;
};
const Needle kContent("\"content\":\"");
const Needle kText("\"text\":\"");
const Needle kUsage("\"usage\"");

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
    for (qsizetype at = json.lastIndexOf("\"usage\""); at >= 0;
         at = at > 0 ? json.lastIndexOf("\"usage\"", at - 1) : -1) {
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
        if (m_pending.isEmpty()) {
            sseLine(std::string_view(bytes.constData() + start, size_t(nl - start)));
        } else {
            m_pending += QByteArrayView(bytes).sliced(start, nl - start);
            sseLine(std::string_view(m_pending.constData(), size_t(m_pending.size())));
            m_pending.clear();
        }
        start = nl + 1;
    }
    if (m_pending.size() + (bytes.size() - start) <= kMaxSseLine)
        m_pending += QByteArrayView(bytes).sliced(start);
}

void UsageMeter::sseLine(std::string_view line)
{
    // Every chunk of every stream passes here: views, not copies, and Boyer-Moore-Horspool searches (JSON is
    // full of quotes, so searching by the first character is slow; QByteArray::indexOf's rolling hash was
    // 15 % of a streaming profile).
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (line.substr(0, 5) != "data:")
        return;
    line.remove_prefix(5);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
        line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
    if (line.empty() || line == "[DONE]")
        return;
    const auto json = [&line] { return QByteArray(line.data(), qsizetype(line.size())); };
    if (m_collectText) {
        const QJsonObject chunk = QJsonDocument::fromJson(json()).object();
        const qsizetype before = m_text.size();
        for (const QJsonValue &c : chunk.value(QStringLiteral("choices")).toArray()) {
            const QJsonObject choice = c.toObject();
            m_text += choice.value(QStringLiteral("text")).toString();
            m_text += choice.value(QStringLiteral("delta")).toObject().value(QStringLiteral("content")).toString();
        }
        if (m_text.size() > before)
            ++m_contentChunks;
    } else {
        // A content chunk is recognised by its non-empty "content" or "text" string.
        for (const Needle *field : {&kContent, &kText}) {
            const size_t at = field->in(line);
            if (at != std::string_view::npos && at + field->size < line.size() && line[at + field->size] != '"') {
                ++m_contentChunks;
                break;
            }
        }
    }
    // Only a chunk with real usage is worth a JSON parse (some servers send "usage":null in every chunk).
    if (kUsage.in(line) != std::string_view::npos)
        readUsage(json());
}

bool UsageMeter::readUsage(const QByteArray &json)
{
    const QJsonObject usage = QJsonDocument::fromJson(usageObjectIn(json)).object();
    if (!usage.value(QStringLiteral("prompt_tokens")).isDouble())
        return false;
    // The upstream's numbers, held to what a count can be (a cast of 1e300 is undefined; a negative count
    // would credit the token buckets).
    m_count.promptTokens = qint64(std::clamp(usage.value(QStringLiteral("prompt_tokens")).toDouble(), 0.0, 0x1p53));
    m_count.completionTokens
        = qint64(std::clamp(usage.value(QStringLiteral("completion_tokens")).toDouble(), 0.0, 0x1p53));
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
        sseLine(std::string_view(m_pending.constData(), size_t(m_pending.size())));
        m_pending.clear();
    }
    if (m_reported)
        return m_count;
    qCDebug(lcUsage) << "no readable usage in the upstream's" << (m_streaming ? "stream" : "answer")
                     << (m_overflow ? "(too large to parse)" : "") << "- tokens are estimated";
    TokenCount estimate;
    estimate.estimated = true;
    estimate.promptTokens = promptTokenEstimate(QJsonDocument::fromJson(m_request).object());
    // A stream's content chunks are about one token each; otherwise about four characters a token.
    estimate.completionTokens = m_streaming ? m_contentChunks : tokensForChars(m_generatedChars);
    return estimate;
}

} // namespace obleth::usage
