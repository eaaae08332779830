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

/// Characters of generated text in a completion (chat or completions: choices; Anthropic Messages: content
/// blocks' text; Responses: output items' content parts' text).
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
    const auto blockText = [](const QJsonValue &blocks) {
        qint64 chars = 0;
        for (const QJsonValue &b : blocks.toArray())
            chars += b.toObject().value(QStringLiteral("text")).toString().size();
        return chars;
    };
    n += blockText(doc.value(QStringLiteral("content")));
    for (const QJsonValue &item : doc.value(QStringLiteral("output")).toArray())
        n += blockText(item.toObject().value(QStringLiteral("content")));
    return n;
}

/// The counts a usage object holds, each when it is a number: OpenAI chat's prompt_tokens and completion_tokens;
/// Anthropic's and the Responses API's input_tokens and output_tokens, and Anthropic's cache_creation_input_tokens
/// and cache_read_input_tokens.
struct UsageNumbers
{
    std::optional<double> prompt;
    std::optional<double> completion;
    std::optional<double> input;
    std::optional<double> output;
    std::optional<double> cacheCreation;
    std::optional<double> cacheRead;

    /// A chat usage object (prompt_tokens is a number), read whole.
    [[nodiscard]] bool isChat() const { return prompt.has_value(); }
    /// An Anthropic or Responses usage object, which may hold some of its counts only (message_delta).
    [[nodiscard]] bool isInputOutput() const { return !isChat() && (input || output || cacheCreation || cacheRead); }
};

/// What a stream line's keys say, in one cheap pass each for ':' and 'g' (memchr jumps between them; JSON is
/// full of quotes, so looking at every quote, or searching for each key in turn, is several times slower on
/// every chunk of every stream). The same answer as searching the line for each key's first occurrence:
/// @c content when the first `"content":"` is followed by something other than a quote, or else the first
/// `"text":"` is (chat, completions, Anthropic's text_delta), or else the first `"delta":"` is (the Responses
/// API's response.output_text.delta); @c usage when `"usage"` occurs anywhere.
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
    bool deltaSeen = false;
    for (const char *c = begin; (c = static_cast<const char *>(std::memchr(c, ':', size_t(end - c)))); ++c) {
        if (end - c < 2 || c[1] != '"')
            continue;
        const size_t before = size_t(c - begin);
        if (before < 6)
            continue;
        // The key's last letter sorts out most keys before any comparison: 't' (content, text), 'a' (delta).
        bool seen = false;
        if (c[-2] == 't') {
            if (!contentSeen && before >= 9 && std::memcmp(c - 9, "\"content\"", 9) == 0)
                seen = contentSeen = true;
            else if (!textSeen && std::memcmp(c - 6, "\"text\"", 6) == 0)
                seen = textSeen = true;
        } else if (c[-2] == 'a' && !deltaSeen && before >= 7 && std::memcmp(c - 7, "\"delta\"", 7) == 0) {
            seen = deltaSeen = true;
        }
        if (seen && end - c > 2 && c[2] != '"') {
            keys.content = true;
            break;
        }
        if (contentSeen && textSeen && deltaSeen)
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

/// Reads the counts (UsageNumbers) out of the text of a usage object without a JSON parser (which costs several
/// allocations per answer), giving what QJsonDocument would: for the plain JSON usage objects are in practice,
/// checked whole, byte by byte. Anything it does not take on (an escape, a byte outside printable ASCII, an
/// exponent, a long number, deep nesting, a count's key twice, anything that is not JSON) leaves the answer to
/// QJsonDocument.
class PlainUsageReader
{
public:
    enum class Result { Read, Unsure };

    explicit PlainUsageReader(QByteArrayView text)
        : m_text(text)
    { }

    /// Read: @p numbers holds what QJsonDocument gives for each count that is a number.
    Result read(UsageNumbers *numbers)
    {
        if (!object(0) || (skipSpace(), m_at != m_text.size()) || m_repeated)
            return Result::Unsure;
        *numbers = m_numbers;
        return Result::Read;
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
            if (depth == 0)
                keep(key, n);
        } while (take(','));
        return take('}');
    }

    /// Keeps a count of the usage object itself (a key seen twice leaves the answer to QJsonDocument, which takes the
    /// last).
    void keep(QByteArrayView key, const std::optional<double> &n)
    {
        if (!key.endsWith("_tokens"))
            return;
        std::optional<double> *count = nullptr;
        int bit = 0;
        if (key == "prompt_tokens")
            count = &m_numbers.prompt, bit = 1;
        else if (key == "completion_tokens")
            count = &m_numbers.completion, bit = 2;
        else if (key == "input_tokens")
            count = &m_numbers.input, bit = 4;
        else if (key == "output_tokens")
            count = &m_numbers.output, bit = 8;
        else if (key == "cache_creation_input_tokens")
            count = &m_numbers.cacheCreation, bit = 16;
        else if (key == "cache_read_input_tokens")
            count = &m_numbers.cacheRead, bit = 32;
        if (!count)
            return;
        m_repeated = m_repeated || (m_seen & bit);
        m_seen |= bit;
        *count = n;
    }

    QByteArrayView m_text;
    qsizetype m_at = 0;
    UsageNumbers m_numbers;
    int m_seen = 0;
    bool m_repeated = false;
};

/// The counts of @p usage as QJsonDocument reads them.
UsageNumbers usageNumbersOf(const QJsonObject &usage)
{
    const auto number = [&usage](const char *key) {
        const QJsonValue v = usage.value(QLatin1String(key));
        return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
    };
    return {number("prompt_tokens"), number("completion_tokens"),           number("input_tokens"),
            number("output_tokens"), number("cache_creation_input_tokens"), number("cache_read_input_tokens")};
}
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
        // Anthropic's content_block_delta (text_delta), the Responses API's response.output_text.delta
        const QString type = chunk.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("content_block_delta"))
            m_text += chunk.value(QStringLiteral("delta")).toObject().value(QStringLiteral("text")).toString();
        else if (type == QLatin1String("response.output_text.delta"))
            m_text += chunk.value(QStringLiteral("delta")).toString();
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
    UsageNumbers numbers;
    if (PlainUsageReader(object).read(&numbers) == PlainUsageReader::Result::Unsure)
        numbers = usageNumbersOf(QJsonDocument::fromJson(object.toByteArray()).object());
    // The upstream's numbers, held to what a count can be: a cast of 1e300 is undefined, a negative count would
    // credit the token buckets, and counts beyond any model's window would, summed over answers, overflow the totals.
    const auto held = [](double n) { return qint64(std::clamp(n, 0.0, double(kMaxTokensPerAnswer))); };
    if (numbers.isChat()) { // each usage object is the whole count
        m_input = held(*numbers.prompt);
        m_output = held(numbers.completion.value_or(0));
        m_cacheCreation = m_cacheRead = 0;
    } else if (numbers.isInputOutput()) { // later counts replace earlier ones; a count left out keeps its value
        const auto take = [&held](const std::optional<double> &n, qint64 *into) {
            if (n)
                *into = held(*n);
        };
        take(numbers.input, &m_input);
        take(numbers.output, &m_output);
        take(numbers.cacheCreation, &m_cacheCreation);
        take(numbers.cacheRead, &m_cacheRead);
        m_chunksAtUsage = m_contentChunks;
    } else {
        return false;
    }
    m_count.promptTokens = std::min(m_input + m_cacheCreation + m_cacheRead, kMaxTokensPerAnswer);
    m_count.completionTokens = m_output;
    m_partial = !numbers.isChat();
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
    if (m_reported && m_partial && m_streaming) {
        // A stream cut before its last usage (message_start's output_tokens, then no message_delta): the text that
        // came after the last usage is counted as a stream without usage is.
        m_count.completionTokens
            = std::min(m_count.completionTokens + (m_contentChunks - m_chunksAtUsage), kMaxTokensPerAnswer);
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
