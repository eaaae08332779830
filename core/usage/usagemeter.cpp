#include "usagemeter.h"

#include "platform/logging.h"
#include "tokenestimate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
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

/// What a stream line's keys say, in one cheap pass each for ':' and 'g' (memchr jumps between them; JSON is
/// full of quotes, so looking at every quote, or searching for each key in turn, is several times slower on
/// every chunk of every stream). The same answer as searching the line for each key's first occurrence:
/// @c content when the first `"content":"` is followed by something other than a quote, or else the first
/// `"text":"` is; @c usage when `"usage"` occurs anywhere.
struct StreamLineKeys
{
    bool content = false;
    bool usage = false;
};
StreamLineKeys streamLineKeys(std::string_view line)
{
    StreamLineKeys keys;
    const char *const begin = line.data();
    const char *const end = begin + line.size();
    // Each occurrence of `"content":"` or `"text":"` has exactly one colon, at a fixed place: finding them
    // colon by colon finds them in order.
    bool contentSeen = false;
    bool textSeen = false;
    for (const char *c = begin; (c = static_cast<const char *>(std::memchr(c, ':', size_t(end - c)))); ++c) {
        if (end - c < 2 || c[1] != '"')
            continue;
        const size_t before = size_t(c - begin);
        bool seen = false;
        if (!contentSeen && before >= 9 && std::memcmp(c - 9, "\"content\"", 9) == 0)
            seen = contentSeen = true;
        else if (!textSeen && before >= 6 && std::memcmp(c - 6, "\"text\"", 6) == 0)
            seen = textSeen = true;
        if (seen && end - c > 2 && c[2] != '"') {
            keys.content = true;
            break;
        }
        if (contentSeen && textSeen)
            break;
    }
    // `"usage"` has one 'g', rare in a chunk.
    for (const char *g = begin; (g = static_cast<const char *>(std::memchr(g, 'g', size_t(end - g)))); ++g) {
        if (g - begin >= 4 && end - g >= 3 && std::memcmp(g - 4, "\"usage\"", 7) == 0) {
            keys.usage = true;
            break;
        }
    }
    return keys;
}

/// Reads the two counts out of the text of a usage object without a JSON parser (which costs several allocations
/// per answer), giving what QJsonDocument would: for the plain JSON usage objects are in practice, checked whole,
/// byte by byte. Anything it does not take on (an escape, a byte outside printable ASCII, an exponent, a long
/// number, deep nesting, a count's key twice, anything that is not JSON) leaves the answer to QJsonDocument.
class PlainUsageReader
{
public:
    enum class Result { Found, None, Unsure };

    explicit PlainUsageReader(QByteArrayView text)
        : m_text(text)
    { }

    /// Found: @p prompt and @p completion are what QJsonDocument's prompt_tokens and completion_tokens toDouble()
    /// give; None: prompt_tokens is missing or not a number.
    Result read(double *prompt, double *completion)
    {
        if (!object(0) || (skipSpace(), m_at != m_text.size()))
            return Result::Unsure;
        if (m_promptSeen > 1 || m_completionSeen > 1)
            return Result::Unsure;
        if (!m_prompt)
            return Result::None;
        *prompt = *m_prompt;
        *completion = m_completion.value_or(0);
        return Result::Found;
    }

private:
    static constexpr int kMaxDepth = 32;
    static constexpr qsizetype kMaxNumber = 15; ///< characters: exactly a qint64 or a double, for Qt as for us

    void skipSpace()
    {
        while (m_at < m_text.size()) {
            const char c = m_text.at(m_at);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                break;
            ++m_at;
        }
    }
    bool take(char c)
    {
        skipSpace();
        if (m_at < m_text.size() && m_text.at(m_at) == c) {
            ++m_at;
            return true;
        }
        return false;
    }
    /// A string of printable ASCII without escapes; @p out is its text.
    bool string(QByteArrayView *out)
    {
        if (!take('"'))
            return false;
        const qsizetype start = m_at;
        for (; m_at < m_text.size(); ++m_at) {
            const char c = m_text.at(m_at);
            if (c == '"') {
                *out = m_text.sliced(start, m_at - start);
                ++m_at;
                return true;
            }
            if (c < 0x20 || c > 0x7e || c == '\\')
                return false;
        }
        return false;
    }
    /// -?(0|[1-9][0-9]*)(.[0-9]+)? of at most kMaxNumber characters.
    bool number(double *out)
    {
        const qsizetype start = m_at;
        const auto digits = [this] {
            const qsizetype from = m_at;
            while (m_at < m_text.size() && m_text.at(m_at) >= '0' && m_text.at(m_at) <= '9')
                ++m_at;
            return m_at - from;
        };
        if (m_at < m_text.size() && m_text.at(m_at) == '-')
            ++m_at;
        const qsizetype intStart = m_at;
        const qsizetype intDigits = digits();
        if (intDigits == 0 || (intDigits > 1 && m_text.at(intStart) == '0'))
            return false;
        if (m_at < m_text.size() && m_text.at(m_at) == '.') {
            ++m_at;
            if (digits() == 0)
                return false;
        }
        if (m_at < m_text.size() && (m_text.at(m_at) == 'e' || m_text.at(m_at) == 'E'))
            return false;
        if (m_at - start > kMaxNumber)
            return false;
        const char *first = m_text.data() + start;
        const char *last = m_text.data() + m_at;
        const auto [end, error] = std::from_chars(first, last, *out, std::chars_format::fixed);
        return error == std::errc() && end == last;
    }
    /// Any value; @p number gets it when it is a number (else it stays empty).
    bool value(int depth, std::optional<double> *number)
    {
        skipSpace();
        if (m_at >= m_text.size())
            return false;
        const char c = m_text.at(m_at);
        if (c == '{')
            return object(depth + 1);
        if (c == '[')
            return array(depth + 1);
        if (c == '"') {
            QByteArrayView ignored;
            return string(&ignored);
        }
        for (const QByteArrayView word : {QByteArrayView("true"), QByteArrayView("false"), QByteArrayView("null")}) {
            if (m_text.sliced(m_at).startsWith(word)) {
                m_at += word.size();
                return true;
            }
        }
        double n = 0;
        if (!this->number(&n))
            return false;
        if (number)
            *number = n;
        return true;
    }
    bool array(int depth)
    {
        if (depth > kMaxDepth || !take('['))
            return false;
        if (take(']'))
            return true;
        do {
            if (!value(depth, nullptr))
                return false;
        } while (take(','));
        return take(']');
    }
    /// An object; at depth 0 (the usage object itself) its counts are kept.
    bool object(int depth)
    {
        if (depth > kMaxDepth || !take('{'))
            return false;
        if (take('}'))
            return true;
        do {
            QByteArrayView key;
            if (!string(&key) || !take(':'))
                return false;
            std::optional<double> n;
            if (!value(depth, &n))
                return false;
            if (depth == 0 && key == "prompt_tokens") {
                ++m_promptSeen;
                m_prompt = n;
            } else if (depth == 0 && key == "completion_tokens") {
                ++m_completionSeen;
                m_completion = n;
            }
        } while (take(','));
        return take('}');
    }

    QByteArrayView m_text;
    qsizetype m_at = 0;
    std::optional<double> m_prompt;
    std::optional<double> m_completion;
    int m_promptSeen = 0;
    int m_completionSeen = 0;
};
} // namespace

QByteArrayView usageObjectIn(QByteArrayView json)
{
    const auto skipSpace = [&json](qsizetype i) {
        while (i < json.size() && (json.at(i) == ' ' || json.at(i) == '\n' || json.at(i) == '\r' || json.at(i) == '\t'))
            ++i;
        return i;
    };
    for (qsizetype at = json.lastIndexOf("\"usage\""); at >= 0;
         at = at > 0 ? json.first(at - 1 + 7).lastIndexOf("\"usage\"") : -1) {
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
                return json.sliced(i, j - i + 1);
        }
        return {};
    }
    return {};
}

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
    // Every chunk of every stream passes here: views, not copies, and one cheap pass for the keys that matter.
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
    const StreamLineKeys keys = streamLineKeys(line);
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
    } else if (keys.content) { // a content chunk is recognised by its non-empty "content" or "text" string
        ++m_contentChunks;
    }
    // Only a chunk with real usage is worth a JSON parse (some servers send "usage":null in every chunk).
    if (keys.usage)
        readUsage(QByteArrayView(line.data(), qsizetype(line.size())));
}

bool UsageMeter::readUsage(QByteArrayView json)
{
    const QByteArrayView object = usageObjectIn(json);
    if (object.isEmpty())
        return false;
    double prompt = 0;
    double completion = 0;
    switch (PlainUsageReader(object).read(&prompt, &completion)) {
    case PlainUsageReader::Result::Found: break;
    case PlainUsageReader::Result::None: return false;
    case PlainUsageReader::Result::Unsure: {
        const QJsonObject usage = QJsonDocument::fromJson(object.toByteArray()).object();
        if (!usage.value(QStringLiteral("prompt_tokens")).isDouble())
            return false;
        prompt = usage.value(QStringLiteral("prompt_tokens")).toDouble();
        completion = usage.value(QStringLiteral("completion_tokens")).toDouble();
        break;
    }
    }
    // The upstream's numbers, held to what a count can be: a cast of 1e300 is undefined, a negative count would
    // credit the token buckets, and counts beyond any model's window would, summed over answers, overflow the totals.
    const auto held = [](double n) { return qint64(std::clamp(n, 0.0, double(kMaxTokensPerAnswer))); };
    m_count.promptTokens = held(prompt);
    m_count.completionTokens = held(completion);
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
