#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <functional>

/// A Chat Completions answer translated into the Messages API's (contract section 13), as pure functions: the
/// whole answer (translateCompletion) and a stream, incrementally (ChatStreamTranslator).
namespace obleth::anthropic {

/// What an answer's translation needs to know of its request.
struct AnswerContext
{
    QString model; ///< the model as the client named it (the answer's `model`)
    QByteArray messageId; ///< the answer's `id`: "msg_" and something unique per request
    QStringList stopSequences; ///< the request's stop_sequences
    qint64 inputTokenEstimate = 0; ///< input_tokens when the upstream reports no usage
    QByteArray requestId; ///< the request's id, for the log (empty: none known)
    /// Called when the answer's usage had to be estimated (the upstream reported none): the request log says so.
    std::function<void()> usageEstimated;
    bool stream = false; ///< the client asked for a stream (an upstream that answers in one JSON document anyway
                         ///< is turned into events all the same: ChatToMessagesFilter, completionAsEvents())
};

/// Chat Completions finish_reason → Messages stop_reason: stop → end_turn (stop_sequence when @p matchedStop is one
/// of the request's stop_sequences), length → max_tokens, tool_calls/function_call → tool_use, content_filter →
/// refusal; anything else → end_turn.
[[nodiscard]] QByteArray stopReason(const QString &finishReason, const QString &matchedStop,
                                    const QStringList &stopSequences);

/// A whole Chat Completions answer (@p completion, parsed) as a Messages answer (compact JSON): {"id","type":"message",
/// "role":"assistant","model","content":[text and tool_use blocks],"stop_reason","stop_sequence","usage":
/// {"input_tokens","output_tokens"}}. A tool call's arguments that are not a JSON object become {} and are logged.
/// Usage absent upstream: input from the context's estimate, output about a token per four characters.
[[nodiscard]] QByteArray translateCompletion(const QJsonObject &completion, const AnswerContext &context);

/// A whole Chat Completions answer as the Messages API's events (for a client that asked for a stream from an upstream
/// that answered in one document): what ChatStreamTranslator makes of the same answer streamed in one chunk.
[[nodiscard]] QByteArray completionAsEvents(const QJsonObject &completion, const AnswerContext &context);

/// A Chat Completions SSE stream turned into Messages API events as it arrives: feed() takes the upstream's bytes
/// in whatever pieces they come (lines split anywhere, CRLF, comments, `[DONE]`) and returns the events that the
/// complete `data:` lines among them produce, at once (nothing held back beyond an incomplete line):
/// `message_start` (with the first bytes) and a `ping`; for text, `content_block_start` {type text} then
/// `content_block_delta` {text_delta}; for each tool call, `content_block_start` {type tool_use, id, name,
/// input {}} then `content_block_delta` {input_json_delta, partial_json} per arguments piece, however the upstream
/// splits them across chunks; `content_block_stop` when another block begins or the answer ends; at the end
/// `message_delta` {stop_reason, stop_sequence, usage {input_tokens, output_tokens}} and `message_stop`. A chunk
/// that is not JSON is skipped; a chunk with an `error` member becomes an `error` event and ends the stream.
/// Each event is written as "event: NAME\ndata: JSON\n\n".
class ChatStreamTranslator final
{
public:
    explicit ChatStreamTranslator(AnswerContext context);

    [[nodiscard]] QByteArray feed(QByteArrayView sse);
    /// The upstream's stream is over: closes what is open (once; nothing when it already ended with an error).
    [[nodiscard]] QByteArray finish();
    /// The events that open the answer (`message_start` and a `ping`) when they have not gone yet; nothing else.
    [[nodiscard]] QByteArray begin();

    /// The longest line kept while waiting for its end; a longer one is dropped.
    static constexpr qsizetype kMaxLine = 16 * 1024 * 1024;
    /// The most tool calls an answer may have: one more ends the stream with an `error` event.
    static constexpr int kMaxToolCalls = 1024;

private:
    /// One upstream tool call and the tool_use block it became.
    struct ToolCall
    {
        int upstreamIndex = -1; ///< its `index` in the upstream's tool_calls (-1: none given)
        QString id; ///< the upstream's id (empty: none given)
        int block = 0; ///< its content block's index
    };

    void line(QByteArrayView data, QByteArray &out);
    void chunk(const QJsonObject &chunk, QByteArray &out);
    void toolCallPiece(const QJsonObject &piece, QByteArray &out);
    void start(QByteArray &out);
    void closeBlock(QByteArray &out);
    void end(QByteArray &out);

    AnswerContext m_context;
    QByteArray m_pending; ///< the line in progress
    bool m_dropping = false; ///< the line in progress is over kMaxLine
    bool m_started = false;
    bool m_ended = false;
    bool m_finishSeen = false; ///< a finish_reason came (the end waits for the usage chunk or [DONE])
    int m_nextIndex = 0; ///< the next content block's index
    enum class Block { None, Text, Tool } m_open = Block::None;
    int m_openToolCall = -1; ///< in m_toolCalls, the open tool_use block's call
    QList<ToolCall> m_toolCalls;
    QByteArray m_stopReason;
    QString m_matchedStop;
    qint64 m_inputTokens = -1; ///< from the upstream's usage; -1: none yet
    qint64 m_outputTokens = -1;
    qint64 m_deltas = 0; ///< text and argument pieces, about a token each (when no usage comes)
};

} // namespace obleth::anthropic
