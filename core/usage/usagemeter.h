#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <string_view>
#include <utility>

namespace obleth::usage {

/// Token counts of one request, from the upstream's `usage` where it sends one, else estimated.
struct TokenCount
{
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    bool estimated = false;
};

/// The text of the object that @p json's "usage" key holds, found without parsing the rest of the document
/// (an answer's usage sits at its end); empty when there is none. Inside JSON strings quotes are escaped, so
/// an unescaped `"usage"` followed by a colon is a key.
[[nodiscard]] QByteArrayView usageObjectIn(QByteArrayView json);

/// Reads token usage out of a response as its bytes pass through the relay (as the client gets them, after any
/// translation), without holding the response: a JSON body is kept only up to kMaxJsonBytes (beyond that the
/// count is estimated), and an SSE stream only a line at a time, where a line with a `usage` object is picked up.
/// It reads three dialects:
/// - OpenAI chat and completions: `usage: {prompt_tokens, completion_tokens}` in the body or in a stream's usage
///   chunk (stream_options.include_usage); each usage object is the whole count.
/// - Anthropic Messages: `usage: {input_tokens, output_tokens, cache_creation_input_tokens?,
///   cache_read_input_tokens?}` in the body, or in a stream's `message_start` (message.usage) and `message_delta`
///   events. Prompt tokens = input_tokens + cache_creation_input_tokens + cache_read_input_tokens (Anthropic counts
///   cached input apart from input_tokens); completion tokens = output_tokens.
/// - OpenAI Responses: top-level `usage: {input_tokens, output_tokens, ...}` in the body, or in a stream's
///   `response.completed` event (response.usage; the other events carry `"usage":null`). Its cached tokens are
///   inside input_tokens (input_tokens_details), so prompt tokens = input_tokens.
/// In the last two, later usage objects replace the counts they hold, and a count one leaves out keeps its
/// earlier value (message_delta often holds output_tokens only); the content chunks of a stream that come after its
/// last usage object (a stream cut before its message_delta) are added to its completion tokens, one token each.
/// When the upstream reports no usage, prompt tokens are estimated from the request body (about four
/// characters a token, tokenestimate.h) and completion tokens from the generated text or the number of stream
/// content chunks (`"content":"…"`, `"text":"…"` as in Anthropic's text_delta, or `"delta":"…"` as in
/// response.output_text.delta; about one token each).
class UsageMeter final
{
public:
    /// The most tokens one answer is taken to report (each count): far beyond any model's window, and low enough that
    /// totals over billions of answers stay within 64 bits.
    static constexpr qint64 kMaxTokensPerAnswer = 1'000'000'000;
    static constexpr qsizetype kMaxJsonBytes = 1024 * 1024;

    /// @p requestBody is what the client sent (for the prompt estimate).
    explicit UsageMeter(const QByteArray &requestBody);

    /// The response is SSE (text/event-stream) rather than one JSON document.
    void setStreaming(bool streaming) { m_streaming = streaming; }
    void feed(const QByteArray &bytes);
    /// Also keep the generated text of a stream, for a live view (takes a JSON parse per chunk).
    void setCollectText(bool collect) { m_collectText = collect; }
    /// The stream text generated since the last call (with setCollectText).
    [[nodiscard]] QString takeText() { return std::exchange(m_text, QString()); }
    /// Completion tokens so far in a stream: its content chunks, about one token each.
    [[nodiscard]] qint64 streamedTokens() const noexcept { return m_contentChunks; }
    /// The count once the response is complete.
    [[nodiscard]] TokenCount finish();

private:
    void sseLine(std::string_view line);
    /// Takes the `usage` object of @p json; false when it has none.
    bool readUsage(QByteArrayView json);

    QByteArray m_request;
    bool m_streaming = false;
    bool m_collectText = false;
    QString m_text;
    QByteArray m_pending; ///< the JSON body so far, or the SSE line in progress
    bool m_overflow = false;
    bool m_reported = false;
    TokenCount m_count;
    qint64 m_input = 0; ///< prompt_tokens or input_tokens, as reported
    qint64 m_output = 0; ///< completion_tokens or output_tokens, as reported
    qint64 m_cacheCreation = 0;
    qint64 m_cacheRead = 0;
    qint64 m_contentChunks = 0;
    bool m_partial = false; ///< the last usage was Anthropic's or the Responses API's (it may be followed by more)
    qint64 m_chunksAtUsage = 0; ///< m_contentChunks when it came
    qint64 m_generatedChars = 0;
};

} // namespace obleth::usage
