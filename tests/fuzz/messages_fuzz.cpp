// Fuzz target: the Messages API's translation onto Chat Completions and back (core/anthropic/messagesrequest.h,
// messagesanswer.h), which a client's request and an upstream's answer pass through on /v1/messages.
//
// Flag bit 3 clear: the payload is an upstream's Chat Completions SSE stream, cut into the pieces the control
// bytes say (fuzzinput.h), through a ChatStreamTranslator. Invariants: no crash, no undefined behaviour; the same
// events in one piece and in many; every event is "event: NAME\ndata: JSON\n\n" whose JSON is an object of type
// NAME; the events come in Anthropic's order (message_start and ping first; each content block started once, with
// consecutive indexes, its deltas after its start, stopped once, one block open at a time; message_delta then
// message_stop last, or an error event last); finish() says nothing a second time.
// Flag bit 3 set: the payload is a JSON document, read as a client's Messages request (toChatCompletions) and as an
// upstream's whole answer (translateCompletion). Invariants: a request is translated or refused with a reason; a
// translation is compact JSON with a `messages` array of system/user/assistant/tool messages and the client's
// `model`; an answer's translation is a JSON object of type message with a content array.

#include "fuzzinput.h"

#include "anthropic/messagesanswer.h"
#include "anthropic/messagesrequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

using obleth::anthropic::AnswerContext;
using obleth::anthropic::ChatStreamTranslator;
using obleth::fuzz::Input;

namespace {

AnswerContext context()
{
    AnswerContext c;
    c.model = QStringLiteral("claude-fuzz");
    c.messageId = "msg_fuzz";
    c.stopSequences = QStringList{QStringLiteral("END")};
    c.inputTokenEstimate = 5;
    return c;
}

QByteArray translate(const QList<QByteArray> &pieces)
{
    ChatStreamTranslator t(context());
    QByteArray out;
    for (const QByteArray &piece : pieces)
        out += t.feed(piece);
    out += t.finish();
    FUZZ_CHECK(t.finish().isEmpty());
    FUZZ_CHECK(t.feed("data: {\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n").isEmpty());
    return out;
}

/// Checks that @p events is a well-formed Messages event stream, in Anthropic's order.
void checkEvents(const QByteArray &events)
{
    FUZZ_CHECK(events.endsWith("\n\n"));
    const QList<QByteArray> blocks = events.chopped(2).split('\n');
    FUZZ_CHECK(blocks.size() % 3 == 2); // "event:", "data:", "" … "event:", "data:"
    QList<QByteArray> names;
    QList<QJsonObject> objects;
    for (qsizetype i = 0; i < blocks.size(); i += 3) {
        FUZZ_CHECK(blocks.at(i).startsWith("event: "));
        FUZZ_CHECK(blocks.at(i + 1).startsWith("data: "));
        if (i + 2 < blocks.size())
            FUZZ_CHECK(blocks.at(i + 2).isEmpty());
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(blocks.at(i + 1).mid(6), &error);
        FUZZ_CHECK(doc.isObject());
        const QByteArray name = blocks.at(i).mid(7);
        FUZZ_CHECK(doc.object().value(QLatin1String("type")).toString().toUtf8() == name);
        names.append(name);
        objects.append(doc.object());
    }
    FUZZ_CHECK(names.size() >= 2 && names.at(0) == "message_start" && names.at(1) == "ping");
    const bool failed = names.last() == "error";
    if (!failed) {
        FUZZ_CHECK(names.size() >= 4);
        FUZZ_CHECK(names.at(names.size() - 2) == "message_delta" && names.last() == "message_stop");
        const QJsonObject usage = objects.at(objects.size() - 2).value(QLatin1String("usage")).toObject();
        FUZZ_CHECK(usage.value(QLatin1String("input_tokens")).toDouble(-1) >= 0);
        FUZZ_CHECK(usage.value(QLatin1String("output_tokens")).toDouble(-1) >= 0);
        const QString reason = objects.at(objects.size() - 2)
                                   .value(QLatin1String("delta"))
                                   .toObject()
                                   .value(QLatin1String("stop_reason"))
                                   .toString();
        static const QSet<QString> reasons{QStringLiteral("end_turn"), QStringLiteral("max_tokens"),
                                           QStringLiteral("stop_sequence"), QStringLiteral("tool_use"),
                                           QStringLiteral("refusal")};
        FUZZ_CHECK(reasons.contains(reason));
    }
    int nextIndex = 0;
    int open = -1;
    QSet<int> stopped;
    const qsizetype last = failed ? names.size() - 1 : names.size() - 2;
    for (qsizetype i = 2; i < last; ++i) {
        const QByteArray &name = names.at(i);
        const int index = objects.at(i).value(QLatin1String("index")).toInt(-1);
        if (name == "content_block_start") {
            FUZZ_CHECK(open < 0 && index == nextIndex);
            const QJsonObject block = objects.at(i).value(QLatin1String("content_block")).toObject();
            const QString type = block.value(QLatin1String("type")).toString();
            FUZZ_CHECK(type == QLatin1String("text") || type == QLatin1String("tool_use"));
            if (type == QLatin1String("tool_use"))
                FUZZ_CHECK(!block.value(QLatin1String("id")).toString().isEmpty());
            open = nextIndex++;
        } else if (name == "content_block_delta") {
            // Pieces of an interleaved tool call may go to a block already stopped (messagesanswer.cpp).
            FUZZ_CHECK(index >= 0 && index < nextIndex);
            const QJsonObject delta = objects.at(i).value(QLatin1String("delta")).toObject();
            FUZZ_CHECK(delta.value(QLatin1String("text")).isString()
                       || delta.value(QLatin1String("partial_json")).isString());
        } else if (name == "content_block_stop") {
            FUZZ_CHECK(index == open && !stopped.contains(index));
            stopped.insert(index);
            open = -1;
        } else {
            FUZZ_CHECK(false); // no other event in between
        }
    }
    if (!failed)
        FUZZ_CHECK(open < 0); // everything closed before the end
}

void checkRequest(const QJsonObject &request)
{
    QByteArray chat;
    QString error;
    if (!obleth::anthropic::toChatCompletions(request, &chat, &error)) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    FUZZ_CHECK(!chat.contains('\n'));
    const QJsonDocument doc = QJsonDocument::fromJson(chat);
    FUZZ_CHECK(doc.isObject());
    const QJsonObject out = doc.object();
    FUZZ_CHECK(out.value(QLatin1String("model")) == request.value(QLatin1String("model")));
    FUZZ_CHECK(out.value(QLatin1String("messages")).isArray());
    static const QSet<QString> roles{QStringLiteral("system"), QStringLiteral("user"), QStringLiteral("assistant"),
                                     QStringLiteral("tool")};
    for (const QJsonValue &m : out.value(QLatin1String("messages")).toArray())
        FUZZ_CHECK(roles.contains(m.toObject().value(QLatin1String("role")).toString()));
    // Nothing a Chat Completions server would refuse for being unknown.
    static const QSet<QString> members{QStringLiteral("model"),       QStringLiteral("messages"),
                                       QStringLiteral("max_tokens"),  QStringLiteral("temperature"),
                                       QStringLiteral("top_p"),       QStringLiteral("stop"),
                                       QStringLiteral("user"),        QStringLiteral("tools"),
                                       QStringLiteral("tool_choice"), QStringLiteral("parallel_tool_calls"),
                                       QStringLiteral("stream"),      QStringLiteral("stream_options")};
    for (const QString &key : out.keys())
        FUZZ_CHECK(members.contains(key));
    FUZZ_CHECK(obleth::anthropic::stopSequencesOf(request).size()
               <= request.value(QLatin1String("stop_sequences")).toArray().size());
}

void checkAnswer(const QJsonObject &completion)
{
    const QByteArray message = obleth::anthropic::translateCompletion(completion, context());
    const QJsonDocument doc = QJsonDocument::fromJson(message);
    FUZZ_CHECK(doc.isObject());
    const QJsonObject o = doc.object();
    FUZZ_CHECK(o.value(QLatin1String("type")) == QLatin1String("message"));
    FUZZ_CHECK(o.value(QLatin1String("content")).isArray());
    FUZZ_CHECK(o.value(QLatin1String("usage")).toObject().value(QLatin1String("input_tokens")).toDouble(-1) >= 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    Input in;
    if (!Input::decode(data, size, &in))
        return 0;
    if (in.flag(3)) {
        const QJsonObject object = QJsonDocument::fromJson(in.payload).object();
        checkRequest(object);
        checkAnswer(object);
        return 0;
    }
    const QByteArray whole = translate({in.payload});
    checkEvents(whole);
    FUZZ_CHECK(translate(in.pieces()) == whole);
    return 0;
}
