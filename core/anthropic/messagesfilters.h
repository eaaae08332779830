#pragma once

#include "http/httpresponder.h"
#include "messagesanswer.h"

#include <optional>

namespace obleth::anthropic {

/// Turns a Chat Completions answer into a Messages answer on its way to the client (http::ResponseFilter, stage
/// Translate): a 2xx text/event-stream through a ChatStreamTranslator, event by event as it arrives; any other 2xx
/// answer whole (JSON is one document; anything else, or a compressed answer, becomes an api_error) through
/// translateCompletion() (or, when the client asked for a stream, completionAsEvents()); an error as it is, for the
/// Errors stage to reshape. Content-Type and Content-Length follow the translation.
class ChatToMessagesFilter final : public http::ResponseFilter
{
public:
    explicit ChatToMessagesFilter(AnswerContext context);

    void head(int &status, http::Headers &headers) override;
    QByteArray body(const QByteArray &data) override;
    QByteArray end() override;

    /// The largest JSON answer translated; of a larger one the client gets an api_error document in place of the
    /// message (its status already went).
    static constexpr qsizetype kMaxAnswerBytes = 64 * 1024 * 1024;

private:
    /// What the client gets in place of an answer that cannot be translated.
    [[nodiscard]] QByteArray failed(const QString &message) const;

    AnswerContext m_context;
    enum class Mode { PassThrough, Stream, Whole } m_mode = Mode::PassThrough;
    std::optional<ChatStreamTranslator> m_stream;
    QByteArray m_whole;
    bool m_tooLarge = false;
    bool m_unreadable = false; ///< it came with a Content-Encoding (compressed)
};

/// Puts every error answer on a Messages route into Anthropic's shape (http::ResponseFilter, stage Errors): an
/// answer of status 400 or more whose body is an OpenAI-style error (obleth's own: 401, 404, 429, 502, …; or an
/// OpenAI-compatible upstream's) is held (up to kMaxErrorBytes) and rewritten by fromOpenAiError(), one already in
/// Anthropic's shape (or other JSON) goes as it came; any other error body (an HTML page, plain text, a compressed
/// body, none) becomes Anthropic's error document saying the upstream's status (and the start of a plain-text
/// body, up to kQuotedBytes). Answers below 400 pass as they are, at once.
class ErrorShapeFilter final : public http::ResponseFilter
{
public:
    void head(int &status, http::Headers &headers) override;
    QByteArray body(const QByteArray &data) override;
    QByteArray end() override;

    static constexpr qsizetype kMaxErrorBytes = 64 * 1024;
    static constexpr qsizetype kQuotedBytes = 512;

private:
    enum class Mode { PassThrough, Json, Other } m_mode = Mode::PassThrough;
    int m_status = 0;
    bool m_plainText = false; ///< an Other body that is quoted
    QByteArray m_held;
};

} // namespace obleth::anthropic
