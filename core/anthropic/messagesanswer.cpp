#include "messagesanswer.h"

#include "errors.h"
#include "platform/logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <QRandomGenerator>

#include <algorithm>

// The answer's translation (contract section 13). The events are written with plain appends in Anthropic's
// member order; every string in them goes through appendString(), a complete JSON string escaper, and every
// object taken from the upstream (a tool call's input) through QJsonDocument.
//
// Limits, by design:
// - Only choice 0 is translated (a Messages answer has one); other choices are ignored.
// - `reasoning_content` / `reasoning` deltas (a reasoning model's thinking) are dropped: the request asked for no
//   thinking blocks (the translation drops `thinking`), and their signatures could not be made up.
// - A tool call whose id and name come in its first piece (as OpenAI, vLLM, llama.cpp and Ollama send them) becomes
//   a tool_use block at once; a tool call whose name comes only later keeps the name "" it started with.
// - Pieces of a tool call that come after another block began (two calls streamed interleaved, which no server
//   known to us does) are not lost: they go as input_json_delta to that call's block, after its
//   content_block_stop. Anthropic's SDKs gather a block's input by its index, so the input comes out whole.
// - An upstream that says `stop` while it calls tools (some Ollama versions) answers with stop_reason tool_use,
//   which is what a Messages client waits for before it runs the tools.
// - Usage: input_tokens is the upstream's prompt_tokens (cached ones included: Chat Completions does not split them
//   out), output_tokens its completion_tokens.
namespace obleth::anthropic {

namespace {

constexpr qint64 kMaxTokens = qint64(1) << 53;

/// Appends @p utf8 as a JSON string (quotes included), escaping what JSON requires.
void appendString(QByteArray &out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    const char *p = utf8.data();
    const char *const e = p + utf8.size();
    const char *run = p;
    for (; p < e; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(run, p - run);
        run = p + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    out.append(run, e - run);
    out += '"';
}

void appendString(QByteArray &out, const QString &s)
{
    appendString(out, QByteArrayView(s.toUtf8()));
}

/// An event is written straight into the output: beginEvent(), its JSON, endEvent().
void beginEvent(QByteArray &out, QByteArrayView name)
{
    out += "event: ";
    out += name;
    out += "\ndata: ";
}

void endEvent(QByteArray &out)
{
    out += "\n\n";
}

void appendEvent(QByteArray &out, QByteArrayView name, QByteArrayView json)
{
    beginEvent(out, name);
    out += json;
    endEvent(out);
}

/// A token count the upstream reported, or -1 when it reported none; never negative, never absurd.
qint64 countOf(const QJsonValue &v)
{
    if (!v.isDouble())
        return -1;
    return qint64(std::clamp(v.toDouble(), 0.0, double(kMaxTokens)));
}

/// Tokens in @p chars characters of text, at about four characters a token (at least one for any text); the same
/// rule as usage/tokenestimate.h, which this layer cannot include.
qint64 tokensForChars(qint64 chars)
{
    return chars <= 0 ? 0 : std::max<qint64>(1, (chars + 3) / 4);
}

/// The choice a Messages answer is made of: the one with index 0 (the first when none says its index).
QJsonObject firstChoice(const QJsonValue &choices)
{
    const QJsonArray array = choices.toArray();
    for (const QJsonValue &c : array) {
        const QJsonObject choice = c.toObject();
        if (c.isObject() && choice.value(QLatin1String("index")).toInt(0) == 0)
            return choice;
    }
    return {};
}

/// A message id for an answer whose context has none.
QByteArray newMessageId()
{
    return QByteArrayLiteral("msg_") + QByteArray::number(QRandomGenerator::global()->generate64(), 36)
        + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
}

/// A tool_use id for a call the upstream gave none: unique per answer (its block), and across answers (the
/// message's id).
QString toolIdFor(const QByteArray &messageId, int block)
{
    const QByteArray base = messageId.startsWith("msg_") ? messageId.mid(4) : messageId;
    return QStringLiteral("toolu_") + QString::fromLatin1(base) + QLatin1Char('_') + QString::number(block);
}

/// The input of a tool_use block: the call's arguments when they are a JSON object, else {}.
QByteArray inputOf(const QJsonValue &arguments, const QByteArray &requestId)
{
    if (arguments.isObject())
        return QJsonDocument(arguments.toObject()).toJson(QJsonDocument::Compact);
    const QString text = arguments.toString();
    if (text.trimmed().isEmpty())
        return QByteArrayLiteral("{}");
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
    if (!doc.isObject()) {
        qCWarning(lcAnthropic).noquote() << requestId
                                         << "a tool call's arguments are not a JSON object; the tool_use input is {}";
        return QByteArrayLiteral("{}");
    }
    return doc.toJson(QJsonDocument::Compact);
}

/// The text of a Chat Completions message content (a string or text parts).
QString textOf(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QString text;
    for (const QJsonValue &part : content.toArray()) {
        const QJsonObject p = part.toObject();
        if (p.value(QLatin1String("type")) == QLatin1String("text"))
            text += p.value(QLatin1String("text")).toString();
    }
    return text;
}

void appendMessageDelta(QByteArray &out, const QByteArray &stopReason, const QString &stopSequence, qint64 input,
                        qint64 output)
{
    beginEvent(out, "message_delta");
    out += "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":";
    appendString(out, QByteArrayView(stopReason));
    out += ",\"stop_sequence\":";
    if (stopReason == "stop_sequence")
        appendString(out, stopSequence);
    else
        out += "null";
    out += "},\"usage\":{\"input_tokens\":";
    out += QByteArray::number(input);
    out += ",\"output_tokens\":";
    out += QByteArray::number(output);
    out += "}}";
    endEvent(out);
}

} // namespace

QByteArray stopReason(const QString &finishReason, const QString &matchedStop, const QStringList &stopSequences)
{
    if (finishReason == QLatin1String("stop"))
        return !matchedStop.isEmpty() && stopSequences.contains(matchedStop) ? QByteArrayLiteral("stop_sequence")
                                                                             : QByteArrayLiteral("end_turn");
    if (finishReason == QLatin1String("length"))
        return QByteArrayLiteral("max_tokens");
    if (finishReason == QLatin1String("tool_calls") || finishReason == QLatin1String("function_call"))
        return QByteArrayLiteral("tool_use");
    if (finishReason == QLatin1String("content_filter"))
        return QByteArrayLiteral("refusal");
    return QByteArrayLiteral("end_turn");
}

QByteArray translateCompletion(const QJsonObject &completion, const AnswerContext &context)
{
    const QJsonObject choice = firstChoice(completion.value(QLatin1String("choices")));
    const QJsonObject message = choice.value(QLatin1String("message")).toObject();
    const QByteArray messageId = context.messageId.isEmpty() ? newMessageId() : context.messageId;

    QByteArray content = QByteArrayLiteral("[");
    qint64 chars = 0;
    int blocks = 0;
    QString text = textOf(message.value(QLatin1String("content")));
    if (text.isEmpty())
        text = message.value(QLatin1String("refusal")).toString();
    if (!text.isEmpty()) {
        content += "{\"type\":\"text\",\"text\":";
        appendString(content, text);
        content += '}';
        chars += text.size();
        ++blocks;
    }
    const QJsonArray toolCalls = message.value(QLatin1String("tool_calls")).toArray();
    for (const QJsonValue &c : toolCalls) {
        const QJsonObject call = c.toObject();
        const QJsonObject function = call.value(QLatin1String("function")).toObject();
        QString id = call.value(QLatin1String("id")).toString();
        if (id.isEmpty())
            id = toolIdFor(messageId, blocks);
        const QJsonValue arguments = function.value(QLatin1String("arguments"));
        chars += arguments.isString() ? arguments.toString().size() : 0;
        if (blocks > 0)
            content += ',';
        content += "{\"type\":\"tool_use\",\"id\":";
        appendString(content, id);
        content += ",\"name\":";
        appendString(content, function.value(QLatin1String("name")).toString());
        content += ",\"input\":";
        content += inputOf(arguments, context.requestId);
        content += '}';
        ++blocks;
    }
    content += ']';

    const QString finishReason = choice.value(QLatin1String("finish_reason")).toString();
    const QString matchedStop = choice.value(QLatin1String("stop_reason")).toString();
    QByteArray reason = stopReason(finishReason, matchedStop, context.stopSequences);
    if (!toolCalls.isEmpty() && reason == "end_turn")
        reason = QByteArrayLiteral("tool_use");

    const QJsonObject usage = completion.value(QLatin1String("usage")).toObject();
    qint64 input = countOf(usage.value(QLatin1String("prompt_tokens")));
    qint64 output = countOf(usage.value(QLatin1String("completion_tokens")));
    if ((input < 0 || output < 0) && context.usageEstimated)
        context.usageEstimated();
    if (input < 0)
        input = std::max<qint64>(0, context.inputTokenEstimate);
    if (output < 0)
        output = tokensForChars(chars);

    QByteArray out;
    out.reserve(content.size() + 256);
    out += "{\"id\":";
    appendString(out, QByteArrayView(messageId));
    out += ",\"type\":\"message\",\"role\":\"assistant\",\"model\":";
    appendString(out, context.model.isEmpty() ? completion.value(QLatin1String("model")).toString() : context.model);
    out += ",\"content\":";
    out += content;
    out += ",\"stop_reason\":";
    appendString(out, QByteArrayView(reason));
    out += ",\"stop_sequence\":";
    if (reason == "stop_sequence")
        appendString(out, matchedStop);
    else
        out += "null";
    out += ",\"usage\":{\"input_tokens\":";
    out += QByteArray::number(input);
    out += ",\"output_tokens\":";
    out += QByteArray::number(output);
    out += "}}";
    return out;
}

QByteArray completionAsEvents(const QJsonObject &completion, const AnswerContext &context)
{
    // The answer as one chunk of a stream: its message as the delta (each tool call with its index), its finish and
    // usage; then through the stream's own translation.
    const QJsonObject choice = firstChoice(completion.value(QLatin1String("choices")));
    QJsonObject delta = choice.value(QLatin1String("message")).toObject();
    delta.insert(QStringLiteral("content"), textOf(delta.value(QLatin1String("content"))));
    QJsonArray toolCalls = delta.value(QLatin1String("tool_calls")).toArray();
    for (qsizetype i = 0; i < toolCalls.size(); ++i) {
        QJsonObject call = toolCalls.at(i).toObject();
        call.insert(QStringLiteral("index"), int(i));
        // Whole arguments: the same input as translateCompletion() makes of them.
        QJsonObject function = call.value(QLatin1String("function")).toObject();
        function.insert(QStringLiteral("arguments"),
                        QString::fromUtf8(inputOf(function.value(QLatin1String("arguments")), context.requestId)));
        call.insert(QStringLiteral("function"), function);
        toolCalls.replace(i, call);
    }
    delta.insert(QStringLiteral("tool_calls"), toolCalls);
    QJsonObject streamed = choice;
    streamed.remove(QStringLiteral("message"));
    streamed.insert(QStringLiteral("index"), 0);
    streamed.insert(QStringLiteral("delta"), delta);
    QJsonObject chunk{{QStringLiteral("choices"), QJsonArray{streamed}}};
    const QJsonValue usage = completion.value(QLatin1String("usage"));
    if (usage.isObject())
        chunk.insert(QStringLiteral("usage"), usage);
    ChatStreamTranslator translator(context);
    QByteArray line = QByteArrayLiteral("data: ");
    line += QJsonDocument(chunk).toJson(QJsonDocument::Compact);
    line += "\n\n";
    QByteArray out = translator.feed(line);
    out += translator.finish();
    return out;
}

ChatStreamTranslator::ChatStreamTranslator(AnswerContext context)
    : m_context(std::move(context))
{
    if (m_context.messageId.isEmpty())
        m_context.messageId = newMessageId();
}

QByteArray ChatStreamTranslator::feed(QByteArrayView sse)
{
    QByteArray out;
    if (m_ended || sse.isEmpty())
        return out;
    if (!m_started)
        start(out);
    qsizetype from = 0;
    while (from < sse.size() && !m_ended) {
        const qsizetype nl = sse.indexOf('\n', from);
        if (nl < 0) {
            // An incomplete line: kept (unless it is too long) until its end comes.
            if (!m_dropping) {
                if (m_pending.size() + (sse.size() - from) > kMaxLine) {
                    qCWarning(lcAnthropic).noquote()
                        << m_context.requestId << "an upstream SSE line over" << kMaxLine << "bytes is dropped";
                    m_dropping = true;
                    m_pending.clear();
                } else {
                    m_pending.append(sse.data() + from, sse.size() - from);
                }
            }
            break;
        }
        const QByteArrayView piece = sse.sliced(from, nl - from);
        from = nl + 1;
        if (m_dropping) {
            m_dropping = false;
            continue;
        }
        if (m_pending.isEmpty()) {
            if (piece.size() > kMaxLine)
                qCWarning(lcAnthropic).noquote()
                    << m_context.requestId << "an upstream SSE line over" << kMaxLine << "bytes is dropped";
            else
                line(piece, out);
        } else if (m_pending.size() + piece.size() > kMaxLine) {
            qCWarning(lcAnthropic).noquote()
                << m_context.requestId << "an upstream SSE line over" << kMaxLine << "bytes is dropped";
            m_pending.clear();
        } else {
            m_pending.append(piece.data(), piece.size());
            const QByteArray whole = std::exchange(m_pending, QByteArray());
            line(whole, out);
        }
    }
    return out;
}

QByteArray ChatStreamTranslator::finish()
{
    QByteArray out;
    if (m_ended)
        return out;
    if (!m_started)
        start(out);
    if (!m_pending.isEmpty() && !m_dropping) {
        // The last line, which its newline never ended.
        const QByteArray last = std::exchange(m_pending, QByteArray());
        line(last, out);
    }
    if (!m_ended)
        end(out);
    return out;
}

QByteArray ChatStreamTranslator::begin()
{
    QByteArray out;
    if (!m_started && !m_ended)
        start(out);
    return out;
}

void ChatStreamTranslator::start(QByteArray &out)
{
    m_started = true;
    beginEvent(out, "message_start");
    out += "{\"type\":\"message_start\",\"message\":{\"id\":";
    appendString(out, QByteArrayView(m_context.messageId));
    out += ",\"type\":\"message\",\"role\":\"assistant\",\"model\":";
    appendString(out, m_context.model);
    out += ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":";
    out += QByteArray::number(std::max<qint64>(0, m_context.inputTokenEstimate));
    out += ",\"output_tokens\":0}}}";
    endEvent(out);
    appendEvent(out, "ping", "{\"type\":\"ping\"}");
}

void ChatStreamTranslator::line(QByteArrayView data, QByteArray &out)
{
    if (data.endsWith('\r'))
        data.chop(1);
    if (!data.startsWith("data:"))
        return; // an empty line (an event's end), a comment, `event:`, `id:`, `retry:`: nothing to translate
    data = data.sliced(5).trimmed();
    if (data.isEmpty())
        return;
    if (data == "[DONE]") {
        end(out);
        return;
    }
    QJsonParseError error;
    // The line is parsed where it lies (no copy); the document keeps none of it.
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromRawData(data.data(), data.size()), &error);
    if (!doc.isObject()) {
        qCDebug(lcAnthropic).noquote() << m_context.requestId
                                       << "an upstream stream chunk that is no JSON object is skipped:"
                                       << error.errorString();
        return;
    }
    chunk(doc.object(), out);
}

void ChatStreamTranslator::chunk(const QJsonObject &chunk, QByteArray &out)
{
    const QJsonValue error = chunk.value(QLatin1String("error"));
    if (!error.isUndefined() && !error.isNull()) {
        // The upstream failed mid-answer: Anthropic's error event, and nothing more.
        QString message;
        int status = 500;
        if (error.isString()) {
            message = error.toString();
        } else {
            const QJsonObject e = error.toObject();
            message = e.value(QLatin1String("message")).toString();
            const int code = e.value(QLatin1String("code")).toInt(0);
            if (code >= 400 && code < 600)
                status = code;
        }
        if (message.isEmpty())
            message = QStringLiteral("the upstream failed while answering");
        appendEvent(out, "error", errorBody(status, message));
        m_ended = true;
        return;
    }

    const QJsonValue choices = chunk.value(QLatin1String("choices"));
    const QJsonObject choice = firstChoice(choices);
    if (!choice.isEmpty()) {
        const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
        QString text = delta.value(QLatin1String("content")).toString();
        if (text.isEmpty())
            text = delta.value(QLatin1String("refusal")).toString();
        if (!text.isEmpty()) {
            if (m_open != Block::Text) {
                closeBlock(out);
                m_open = Block::Text;
                beginEvent(out, "content_block_start");
                out += "{\"type\":\"content_block_start\",\"index\":";
                out += QByteArray::number(m_nextIndex++);
                out += ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}";
                endEvent(out);
            }
            beginEvent(out, "content_block_delta");
            out += "{\"type\":\"content_block_delta\",\"index\":";
            out += QByteArray::number(m_nextIndex - 1);
            out += ",\"delta\":{\"type\":\"text_delta\",\"text\":";
            appendString(out, text);
            out += "}}";
            endEvent(out);
            ++m_deltas;
        }
        for (const QJsonValue &piece : delta.value(QLatin1String("tool_calls")).toArray()) {
            toolCallPiece(piece.toObject(), out);
            if (m_ended)
                return; // cut short (kMaxToolCalls)
        }

        const QJsonValue finish = choice.value(QLatin1String("finish_reason"));
        if (finish.isString() && !finish.toString().isEmpty()) {
            const QJsonValue matched = choice.value(QLatin1String("stop_reason"));
            m_matchedStop = matched.isString() ? matched.toString() : QString();
            m_stopReason = stopReason(finish.toString(), m_matchedStop, m_context.stopSequences);
            if (!m_toolCalls.isEmpty() && m_stopReason == "end_turn")
                m_stopReason = QByteArrayLiteral("tool_use");
            m_finishSeen = true;
            closeBlock(out);
        }
    }

    const QJsonObject usage = chunk.value(QLatin1String("usage")).toObject();
    if (!usage.isEmpty()) {
        const qint64 input = countOf(usage.value(QLatin1String("prompt_tokens")));
        const qint64 output = countOf(usage.value(QLatin1String("completion_tokens")));
        if (input >= 0)
            m_inputTokens = input;
        if (output >= 0)
            m_outputTokens = output;
        // The usage chunk that follows the finish: the answer is complete, whether [DONE] comes or not.
        if (m_finishSeen && choices.toArray().isEmpty())
            end(out);
    }
}

void ChatStreamTranslator::toolCallPiece(const QJsonObject &piece, QByteArray &out)
{
    const QJsonValue indexValue = piece.value(QLatin1String("index"));
    const int upstreamIndex = indexValue.isDouble() ? indexValue.toInt(-1) : -1;
    const QString id = piece.value(QLatin1String("id")).toString();
    const QJsonObject function = piece.value(QLatin1String("function")).toObject();
    const QJsonValue argumentsValue = function.value(QLatin1String("arguments"));
    const QString arguments = argumentsValue.isObject()
        ? QString::fromUtf8(QJsonDocument(argumentsValue.toObject()).toJson(QJsonDocument::Compact))
        : argumentsValue.toString();

    // Which call the piece belongs to: the one with its id; else the last with its index; else (neither given) the
    // last call. A new id, or an index not seen yet, starts a call.
    int call = -1;
    if (!id.isEmpty()) {
        for (int i = int(m_toolCalls.size()) - 1; i >= 0; --i) {
            if (m_toolCalls.at(i).id == id) {
                call = i;
                break;
            }
        }
        // A piece with the id of no call, but the index of one that had none yet: that call's id, late.
        if (call < 0 && upstreamIndex >= 0) {
            for (int i = int(m_toolCalls.size()) - 1; i >= 0; --i) {
                if (m_toolCalls.at(i).upstreamIndex == upstreamIndex) {
                    if (m_toolCalls.at(i).id.isEmpty() && i == m_openToolCall)
                        call = i;
                    break;
                }
            }
        }
    } else if (upstreamIndex >= 0) {
        for (int i = int(m_toolCalls.size()) - 1; i >= 0; --i) {
            if (m_toolCalls.at(i).upstreamIndex == upstreamIndex) {
                call = i;
                break;
            }
        }
    } else if (!m_toolCalls.isEmpty()) {
        call = int(m_toolCalls.size()) - 1;
    }

    if (call < 0 && m_toolCalls.size() >= kMaxToolCalls) {
        // Past any real answer (and each piece is matched against every call): the answer ends here.
        qCWarning(lcAnthropic).noquote() << m_context.requestId << "an upstream answer with more than" << kMaxToolCalls
                                         << "tool calls is cut short";
        closeBlock(out);
        appendEvent(
            out, "error",
            errorBody(502, QStringLiteral("the upstream's answer has more than %1 tool calls").arg(kMaxToolCalls)));
        m_ended = true;
        return;
    }
    if (call < 0) {
        closeBlock(out);
        ToolCall tc;
        tc.upstreamIndex = upstreamIndex;
        tc.id = id;
        tc.block = m_nextIndex++;
        m_toolCalls.append(tc);
        call = int(m_toolCalls.size()) - 1;
        m_open = Block::Tool;
        m_openToolCall = call;
        beginEvent(out, "content_block_start");
        out += "{\"type\":\"content_block_start\",\"index\":";
        out += QByteArray::number(tc.block);
        out += ",\"content_block\":{\"type\":\"tool_use\",\"id\":";
        appendString(out, id.isEmpty() ? toolIdFor(m_context.messageId, tc.block) : id);
        out += ",\"name\":";
        appendString(out, function.value(QLatin1String("name")).toString());
        out += ",\"input\":{}}}";
        endEvent(out);
    }

    if (arguments.isEmpty())
        return;
    beginEvent(out, "content_block_delta");
    out += "{\"type\":\"content_block_delta\",\"index\":";
    out += QByteArray::number(m_toolCalls.at(call).block);
    out += ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":";
    appendString(out, arguments);
    out += "}}";
    endEvent(out);
    ++m_deltas;
}

void ChatStreamTranslator::closeBlock(QByteArray &out)
{
    if (m_open == Block::None)
        return;
    const int index = m_open == Block::Tool ? m_toolCalls.at(m_openToolCall).block : m_nextIndex - 1;
    m_open = Block::None;
    m_openToolCall = -1;
    beginEvent(out, "content_block_stop");
    out += "{\"type\":\"content_block_stop\",\"index\":";
    out += QByteArray::number(index);
    out += '}';
    endEvent(out);
}

void ChatStreamTranslator::end(QByteArray &out)
{
    if (m_ended)
        return;
    m_ended = true;
    closeBlock(out);
    // No finish_reason (the upstream's stream just ended): end_turn.
    const QByteArray reason = m_stopReason.isEmpty() ? QByteArrayLiteral("end_turn") : m_stopReason;
    if ((m_inputTokens < 0 || m_outputTokens < 0) && m_context.usageEstimated)
        m_context.usageEstimated();
    const qint64 input = m_inputTokens >= 0 ? m_inputTokens : std::max<qint64>(0, m_context.inputTokenEstimate);
    const qint64 output = m_outputTokens >= 0 ? m_outputTokens : m_deltas;
    appendMessageDelta(out, reason, m_matchedStop, input, output);
    appendEvent(out, "message_stop", "{\"type\":\"message_stop\"}");
}

} // namespace obleth::anthropic
