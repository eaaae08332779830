// Token usage read from responses as they pass through, or estimated and flagged when absent.

#include "http/httprequest.h"
#include "mock/mockreply.h"
#include "usage/requestmonitor.h"
#include "usage/requesttrace.h"
#include "usage/tokenestimate.h"
#include "usage/usagemeter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using obleth::mock::MockReply;
using obleth::usage::TokenCount;
using obleth::usage::UsageMeter;

namespace {
const QByteArray kRequest = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"sixteen chars!!!\"}]}";

const QByteArray kAnthropicStream
    = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"mes"
      "sage\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"stop_reason\":null,\"stop_sequ"
      "ence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":3,\"cache_read_input_toke"
      "ns\":7,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\""
      ",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: ping\ndata: {\"type\":\""
      "ping\"}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\""
      ":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"conten"
      "t_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\nevent: content_b"
      "lock_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"typ"
      "e\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"o"
      "utput_tokens\":15}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
const QByteArray kAnthropicJson
    = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text"
      "\":\"Hello there\"}],\"model\":\"claude-x\",\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"us"
      "age\":{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":4,\"output_"
      "tokens\":6}}";
const QByteArray kResponsesStream
    = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\""
      "id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],\"text\":{\"format\""
      ":{\"type\":\"text\"}},\"usage\":null}}\n\nevent: response.output_text.delta\ndata: {\"type\":\"respo"
      "nse.output_text.delta\",\"sequence_number\":1,\"item_id\":\"msg_1\",\"output_index\":0,\"content_ind"
      "ex\":0,\"delta\":\"Hel\"}\n\nevent: response.output_text.delta\ndata: {\"type\":\"response.output_te"
      "xt.delta\",\"sequence_number\":2,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delt"
      "a\":\"lo\"}\n\nevent: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\""
      ":3,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"t"
      "ype\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"t"
      "ext\":\"Hello\",\"annotations\":[]}]}],\"usage\":{\"input_tokens\":11,\"input_tokens_details\":{\"ca"
      "ched_tokens\":5},\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_toke"
      "ns\":13}}}\n\n";
const QByteArray kResponsesJson
    = "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"type\":\"message\""
      ",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hello\",\""
      "annotations\":[]}]}],\"usage\":{\"input_tokens\":11,\"input_tokens_details\":{\"cached_tokens\":5},\""
      "output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":13},\"user\":n"
      "ull}";

/// @p bytes with its first @p from replaced by @p to.
QByteArray replaced(QByteArray bytes, const QByteArray &from, const QByteArray &to)
{
    const qsizetype at = bytes.indexOf(from);
    Q_ASSERT(at >= 0);
    return bytes.replace(at, from.size(), to);
}

/// Feeds @p bytes in pieces of @p piece bytes.
TokenCount meter(const QByteArray &bytes, bool streaming, qsizetype piece, const QByteArray &request = kRequest)
{
    UsageMeter m(request);
    m.setStreaming(streaming);
    for (qsizetype i = 0; i < bytes.size(); i += piece)
        m.feed(bytes.mid(i, piece));
    return m.finish();
}
} // namespace

class TestUsageMeter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reportedUsageInAJsonBody()
    {
        const QJsonObject request = QJsonDocument::fromJson(kRequest).object();
        const MockReply reply(MockReply::Kind::Chat, request, kRequest);
        for (qsizetype piece : {qsizetype(1), qsizetype(7), qsizetype(100000)}) {
            const TokenCount c = meter(reply.completeJson(), false, piece);
            QCOMPARE(c.estimated, false);
            QCOMPARE(c.promptTokens, reply.promptTokens());
            QCOMPARE(c.completionTokens, reply.completionTokens());
        }
    }

    void reportedUsageInAStream()
    {
        const QByteArray request
            = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":9,\"stream_options\":{\"include_usage\":true},"
              "\"messages\":[{\"role\":\"user\",\"content\":\"a b c\"}]}";
        const MockReply reply(MockReply::Kind::Chat, QJsonDocument::fromJson(request).object(), request);
        MockReply::EventStream events(reply);
        QByteArray stream;
        for (QByteArray e = events.next(); !e.isEmpty(); e = events.next())
            stream += e;
        for (qsizetype piece : {qsizetype(1), qsizetype(13), qsizetype(1 << 20)}) {
            const TokenCount c = meter(stream, true, piece, request);
            QCOMPARE(c.estimated, false);
            QCOMPARE(c.promptTokens, 3);
            QCOMPARE(c.completionTokens, 9);
        }
    }

    void nullUsageInEveryChunkIsNotUsage()
    {
        // vLLM and others send "usage":null in each content chunk when include_usage is on.
        const QByteArray stream = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n"
                                  "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}],\"usage\":null}\n\n"
                                  "data: [DONE]\n\n";
        const TokenCount c = meter(stream, true, 7, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        QCOMPARE(c.estimated, true);
        QCOMPARE(c.completionTokens, 2);
        QCOMPARE(c.promptTokens, 1);
    }

    void usageIsFoundWithoutBeingFooled()
    {
        // The answer's text talks about usage; the real usage object comes after it.
        const QByteArray body
            = "{\"choices\":[{\"message\":{\"content\":\"say \\\"usage\\\": {\\\"prompt_tokens\\\": 999}\"}}],"
              "\"usage\" : {\"prompt_tokens\":4,\"completion_tokens\":6,\"details\":{\"cached_tokens\":0}}}";
        TokenCount c = meter(body, false, 5);
        QCOMPARE(c.estimated, false);
        QCOMPARE(c.promptTokens, 4);
        QCOMPARE(c.completionTokens, 6);
        c = meter("{\"choices\":[{\"message\":{\"content\":\"12345678\"}}],\"usage\":null,\"x\":{\"prompt_tokens\":1}}",
                  false, 3);
        QCOMPARE(c.estimated, true);
        QCOMPARE(c.completionTokens, 2);
    }

    /// The meter reads a plain usage object without a JSON parser; whatever the object holds, it reads what
    /// QJsonDocument reads (escaped or repeated keys, exponents, long or malformed numbers, nesting, non-ASCII).
    void usageIsReadAsQJsonDocumentReadsIt_data()
    {
        QTest::addColumn<QByteArray>("usage");
        QTest::addColumn<bool>("found");
        QTest::addColumn<qint64>("prompt");
        QTest::addColumn<qint64>("completion");
        const auto row = [](const char *name, const QByteArray &usage, bool found, qint64 prompt, qint64 completion) {
            QTest::newRow(name) << usage << found << prompt << completion;
        };
        row("plain", "{\"prompt_tokens\":4,\"completion_tokens\":6,\"total_tokens\":10}", true, 4, 6);
        row("spaced", "{ \"prompt_tokens\" :\r\n 4 ,\t\"completion_tokens\": 6 }", true, 4, 6);
        row("nested details",
            "{\"prompt_tokens\":9,\"prompt_tokens_details\":{\"cached_tokens\":2,\"audio\":[1,{\"a\":null}]},"
            "\"completion_tokens\":1,\"x\":[true,false,\"][\"]}",
            true, 9, 1);
        row("no completion", "{\"prompt_tokens\":3}", true, 3, 0);
        row("completion not a number", "{\"prompt_tokens\":3,\"completion_tokens\":\"7\"}", true, 3, 0);
        row("fractions", "{\"prompt_tokens\":3.99,\"completion_tokens\":-2.5}", true, 3, 0);
        row("negative zero", "{\"prompt_tokens\":-0,\"completion_tokens\":-0.0}", true, 0, 0);
        row("14 digits (held)", "{\"prompt_tokens\":12345678901234,\"completion_tokens\":1}", true,
            UsageMeter::kMaxTokensPerAnswer, 1);
        row("beyond any window", "{\"prompt_tokens\":99999999999999999999,\"completion_tokens\":9007199254740993}",
            true, UsageMeter::kMaxTokensPerAnswer, UsageMeter::kMaxTokensPerAnswer);
        row("exponent", "{\"prompt_tokens\":1e3,\"completion_tokens\":2E+1}", true, 1000, 20);
        row("overflowing exponent", "{\"prompt_tokens\":1e400,\"completion_tokens\":1}", false, 0, 0);
        row("escaped key", "{\"prompt\\u005ftokens\":5,\"completion_tokens\":1}", true, 5, 1);
        row("escape in a value", "{\"prompt_tokens\":5,\"note\":\"a\\\"b\",\"completion_tokens\":1}", true, 5, 1);
        row("repeated key", "{\"prompt_tokens\":5,\"prompt_tokens\":7,\"completion_tokens\":1}", true, 7, 1);
        row("non-ASCII", "{\"prompt_tokens\":5,\"n\":\"\xc3\xa9\",\"completion_tokens\":1}", true, 5, 1);
        row("invalid UTF-8", "{\"prompt_tokens\":5,\"n\":\"\xff\",\"completion_tokens\":1}", false, 0, 0);
        row("prompt not a number", "{\"prompt_tokens\":\"5\",\"completion_tokens\":1}", false, 0, 0);
        row("prompt null", "{\"prompt_tokens\":null}", false, 0, 0);
        row("empty", "{}", false, 0, 0);
        row("leading zero", "{\"prompt_tokens\":05,\"completion_tokens\":1}", false, 0, 0);
        row("trailing comma", "{\"prompt_tokens\":5,}", false, 0, 0);
        row("bare word", "{\"prompt_tokens\":5,\"x\":nul}", false, 0, 0);
        row("single quotes", "{'prompt_tokens':5}", false, 0, 0);
        row("brace in a string", "{\"prompt_tokens\":5,\"x\":\"}\"}", false, 0, 0); // the object is cut at that brace
    }

    void usageIsReadAsQJsonDocumentReadsIt()
    {
        QFETCH(QByteArray, usage);
        QFETCH(bool, found);
        QFETCH(qint64, prompt);
        QFETCH(qint64, completion);
        // What QJsonDocument reads from the object (as the meter cuts it: to the brace that closes the first).
        const QByteArray cut = usage.left(usage.indexOf('}') < 0 ? usage.size() : [&usage] {
            int depth = 0;
            for (qsizetype i = 0; i < usage.size(); ++i) {
                if (usage.at(i) == '{')
                    ++depth;
                else if (usage.at(i) == '}' && --depth == 0)
                    return i + 1;
            }
            return usage.size();
        }());
        const QJsonObject reference = QJsonDocument::fromJson(cut).object();
        QCOMPARE(reference.value(QStringLiteral("prompt_tokens")).isDouble(), found);

        const QByteArray body = "{\"choices\":[{\"message\":{\"content\":\"0123\"}}],\"usage\":" + usage + "}";
        const QByteArray stream = "data: {\"choices\":[],\"usage\":" + usage + "}\n\ndata: [DONE]\n\n";
        for (const auto &[bytes, streaming] : {std::pair{body, false}, std::pair{stream, true}}) {
            if (streaming && (usage.contains('\n') || usage.contains('\r')))
                continue; // not one SSE line
            const TokenCount c = meter(bytes, streaming, 1 << 20);
            QCOMPARE(c.estimated, !found);
            if (found) {
                QCOMPARE(c.promptTokens, prompt);
                QCOMPARE(c.completionTokens, completion);
            }
        }
    }

    /// Each line of a stream is looked at once for its keys: a content chunk has a non-empty "content" or "text"
    /// string; a line with a "usage" key has its usage read. Without usage, the completion is one token a chunk.
    void streamLinesAreReadByTheirKeys_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<bool>("estimated");
        QTest::addColumn<qint64>("completion");
        const auto row = [](const char *name, const QByteArray &line, bool estimated, qint64 completion) {
            QTest::newRow(name) << line << estimated << completion;
        };
        row("chunk",
            "data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            "\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok12 \"},"
            "\"finish_reason\":null}]}",
            true, 1);
        row("text", "data: {\"choices\":[{\"text\":\"x\"}]}", true, 1);
        row("empty content", "data: {\"choices\":[{\"delta\":{\"content\":\"\"}}]}", true, 0);
        row("empty text", "data: {\"choices\":[{\"text\":\"\"}]}", true, 0);
        row("empty content, then text", "data: {\"choices\":[{\"delta\":{\"content\":\"\"},\"text\":\"x\"}]}", true, 1);
        row("text and content", "data: {\"choices\":[{\"text\":\"a\",\"delta\":{\"content\":\"b\"}}]}", true, 1);
        row("content then text", "data: {\"content\":\"text\":\"x\"}", true, 1);
        row("key at the start", "data: \"content\":\"x", true, 1);
        row("key at the end", "data: {\"content\":\"", true, 0);
        row("content and a CR", "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r", true, 1);
        // Only the compact form is recognised, as before (every known server sends it).
        row("content with a space", "data: {\"choices\":[{\"delta\":{\"content\": \"x\"}}]}", true, 0);
        row("escaped content key in a string",
            "data: {\"choices\":[{\"delta\":{\"role\":\"say \\\"content\\\":\\\"x\\\"\"}}]}", true, 0);
        row("escaped text key in a string", "data: {\"choices\":[{\"delta\":{\"role\":\"\\\"text\\\":\\\"x\"}}]}", true,
            0);
        row("usage", "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":6}}", false, 6);
        row("usage and a CR", "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":6}}\r", false,
            6);
        row("usage at the start", "data: \"usage\":{\"prompt_tokens\":4,\"completion_tokens\":7}", false, 7);
        row("usage with content",
            "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"usage\":{\"prompt_tokens\":4,"
            "\"completion_tokens\":8}}",
            false, 8);
        row("usage in a string",
            "data: {\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":4}\"}}]}", true, 1);
        row("usage as a value", "data: {\"choices\":[{\"delta\":{\"content\":\"usage\"}}],\"x\":\"usage\"}", true, 1);
    }

    void streamLinesAreReadByTheirKeys()
    {
        QFETCH(QByteArray, line);
        QFETCH(bool, estimated);
        QFETCH(qint64, completion);
        for (const QByteArray &end : {QByteArray("\n\n"), QByteArray()}) { // a last line without its newline too
            for (qsizetype piece : {qsizetype(1), qsizetype(1 << 20)}) {
                const TokenCount c = meter(line + end, true, piece);
                QCOMPARE(c.estimated, estimated);
                QCOMPARE(c.completionTokens, completion);
                QCOMPARE(c.promptTokens, 4); // "sixteen chars!!!" (16 characters), or the reported 4
            }
        }
    }

    void streamTextIsCollectedForLiveViews()
    {
        UsageMeter m("{}");
        m.setStreaming(true);
        m.setCollectText(true);
        m.feed("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\ndata: {\"choices\":[{\"de");
        QCOMPARE(m.takeText(), QStringLiteral("Hel"));
        QCOMPARE(m.streamedTokens(), 1);
        m.feed("lta\":{\"content\":\"lo\"}}]}\n\n");
        QCOMPARE(m.takeText(), QStringLiteral("lo"));
        QCOMPARE(m.takeText(), QString());
        QCOMPARE(m.streamedTokens(), 2);
    }

    /// Anthropic Messages and OpenAI Responses answers, JSON and streamed, cut anywhere: their usage is read (later
    /// counts replacing earlier ones, a count left out keeping its value; cached input counted as prompt tokens).
    void usageOfTheOtherDialects_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("streaming");
        QTest::addColumn<bool>("estimated");
        QTest::addColumn<qint64>("prompt");
        QTest::addColumn<qint64>("completion");
        const auto row
            = [](const char *name, const QByteArray &bytes, bool streaming, bool estimated, qint64 prompt,
                 qint64 completion) { QTest::newRow(name) << bytes << streaming << estimated << prompt << completion; };
        constexpr qint64 kMax = UsageMeter::kMaxTokensPerAnswer;
        row("messages json", kAnthropicJson, false, false, 12 + 0 + 4, 6);
        row("messages json, no cache counts",
            replaced(kAnthropicJson, "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":4,", ""), false,
            false, 12, 6);
        row("messages json, null cache count",
            replaced(kAnthropicJson, "\"cache_read_input_tokens\":4", "\"cache_read_input_tokens\":null"), false, false,
            12, 6);
        row("messages json, output only", replaced(kAnthropicJson, "\"input_tokens\":12,", ""), false, false, 4, 6);
        row("messages json, usage null",
            replaced(kAnthropicJson,
                     "{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":4,"
                     "\"output_tokens\":6}",
                     "null"),
            false, true, 4, 3); // "Hello there": 11 characters
        row("messages json, hostile numbers",
            replaced(kAnthropicJson, "\"input_tokens\":12,\"cache_creation_input_tokens\":0",
                     "\"input_tokens\":1e300,\"cache_creation_input_tokens\":-7"),
            false, false, kMax, 6);
        row("messages json, counts beyond any window",
            replaced(kAnthropicJson, "\"output_tokens\":6", "\"output_tokens\":99999999999999999999"), false, false, 16,
            kMax);
        row("messages json, repeated key",
            replaced(kAnthropicJson, "\"output_tokens\":6", "\"output_tokens\":6,\"output_tokens\":8"), false, false,
            16, 8);
        row("messages json, escaped key", replaced(kAnthropicJson, "\"output_tokens\":6", "\"output\\u005ftokens\":9"),
            false, false, 16, 9);
        row("messages stream", kAnthropicStream, true, false, 25 + 3 + 7, 15);
        row("messages stream, message_delta with input",
            replaced(kAnthropicStream, "\"usage\":{\"output_tokens\":15}",
                     "\"usage\":{\"input_tokens\":30,\"output_tokens\":16}"),
            true, false, 30 + 3 + 7, 16);
        row("messages stream, message_delta with cache",
            replaced(kAnthropicStream, "\"usage\":{\"output_tokens\":15}",
                     "\"usage\":{\"cache_read_input_tokens\":0,\"output_tokens\":16}"),
            true, false, 25 + 3, 16);
        row("messages stream, message_start only",
            replaced(kAnthropicStream, "\"usage\":{\"output_tokens\":15}", "\"usage\":null"), true, false, 35,
            1 + 2); // and the two text chunks after it
        row("messages stream, no usage",
            replaced(replaced(kAnthropicStream, "\"usage\":{\"output_tokens\":15}", "\"x\":1"),
                     "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":7,"
                     "\"output_tokens\":1}",
                     "\"x\":2"),
            true, true, 4, 2); // two text_delta chunks
        row("messages stream, cut before message_delta",
            kAnthropicStream.left(kAnthropicStream.indexOf("event: message_delta")), true, false, 35, 1 + 2);
        row("messages stream, cut after its first text",
            kAnthropicStream.left(
                kAnthropicStream.indexOf("event: content_block_delta", kAnthropicStream.indexOf("\"Hel\""))),
            true, false, 35, 1 + 1);
        row("messages stream, negative output",
            replaced(kAnthropicStream, "\"output_tokens\":15", "\"output_tokens\":-15"), true, false, 35, 0);
        row("responses json", kResponsesJson, false, false, 11, 2);
        row("responses json, usage null",
            replaced(kResponsesJson,
                     "{\"input_tokens\":11,\"input_tokens_details\":{\"cached_tokens\":5},\"output_tokens\":2,"
                     "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":13}",
                     "null"),
            false, true, 4, 2); // "Hello"
        row("responses stream", kResponsesStream, true, false, 11, 2);
        row("responses stream, hostile numbers",
            replaced(kResponsesStream, "\"input_tokens\":11", "\"input_tokens\":-1e300"), true, false, 0, 2);
        row("responses stream, no completed event",
            kResponsesStream.left(kResponsesStream.indexOf("event: response.completed")), true, true, 4, 2);
    }

    void usageOfTheOtherDialects()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, streaming);
        QFETCH(bool, estimated);
        QFETCH(qint64, prompt);
        QFETCH(qint64, completion);
        for (qsizetype piece : {1, 2, 3, 5, 7, 11, 64, 1 << 20}) {
            const TokenCount c = meter(bytes, streaming, piece);
            QCOMPARE(c.estimated, estimated);
            QCOMPARE(c.promptTokens, prompt);
            QCOMPARE(c.completionTokens, completion);
        }
    }

    void streamTextOfTheOtherDialectsIsCollected()
    {
        for (const QByteArray &stream : {kAnthropicStream, kResponsesStream}) {
            UsageMeter m("{}");
            m.setStreaming(true);
            m.setCollectText(true);
            QString text;
            for (qsizetype i = 0; i < stream.size(); i += 9) {
                m.feed(stream.mid(i, 9));
                text += m.takeText();
            }
            QCOMPARE(text, QStringLiteral("Hello"));
            QVERIFY(m.streamedTokens() >= 2);
        }
    }

    /// The prompt estimate reads Messages and Responses requests as well as chat and completions.
    void requestEstimatesOfTheOtherDialects_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<qint64>("prompt");
        QTest::addColumn<qint64>("estimate");
        constexpr qint64 kDefault = obleth::usage::kDefaultCompletionEstimate;
        QTest::newRow("messages, system string")
            << QByteArray("{\"model\":\"m\",\"max_tokens\":100,\"system\":\"12345678\","
                          "\"messages\":[{\"role\":\"user\",\"content\":\"1234\"}]}")
            << qint64(3) << qint64(3 + 100);
        QTest::newRow("messages, system blocks")
            << QByteArray("{\"model\":\"m\",\"max_tokens\":100,\"system\":[{\"type\":\"text\",\"text\":\"12345678\"}],"
                          "\"messages\":[{\"role\":\"user\",\"content\":\"1234\"}]}")
            << qint64(3) << qint64(3 + 100);
        // "abcd", "efgh" and {"a":1} joined by spaces: 17 characters
        QTest::newRow("messages, blocks")
            << QByteArray("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                          "\"abcd\"},{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":[{\"type\":\"text\","
                          "\"text\":\"efgh\"}]}]},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\","
                          "\"id\":\"t\",\"name\":\"f\",\"input\":{\"a\":1}}]}]}")
            << qint64(5) << qint64(5 + kDefault);
        QTest::newRow("messages, tool_result string")
            << QByteArray("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                          "\"tool_use_id\":\"t\",\"content\":\"123456789\"}]}],\"max_tokens\":1}")
            << qint64(3) << qint64(3 + 1);
        QTest::newRow("responses, string input")
            << QByteArray("{\"model\":\"m\",\"instructions\":\"12345678\",\"input\":\"1234\",\"max_output_tokens\":50}")
            << qint64(3) << qint64(3 + 50);
        // "abcd", {"x":2} and "efgh": 17 characters
        QTest::newRow("responses, items")
            << QByteArray("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\","
                          "\"text\":\"abcd\"}]},{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\","
                          "\"arguments\":\"{\\\"x\\\":2}\"},{\"type\":\"function_call_output\",\"call_id\":\"c\","
                          "\"output\":\"efgh\"}]}")
            << qint64(5) << qint64(5 + kDefault);
        // The tools' definitions count as their compact JSON: 135, 86 and 73 characters, and "1234".
        QTest::newRow("messages, tools") << QByteArray(
            "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"1234\"}],"
            "\"tools\":[{\"name\":\"get_weather\",\"description\":\"the weather of a city\",\"input_schema\":"
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}]}")
                                         << qint64(35) << qint64(35 + 10);
        QTest::newRow("chat, tools") << QByteArray(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"1234\"}],\"tools\":[{\"type\":"
            "\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]}")
                                     << qint64(23) << qint64(23 + kDefault);
        QTest::newRow("responses, tools")
            << QByteArray("{\"model\":\"m\",\"input\":\"1234\",\"tools\":[{\"type\":\"function\",\"name\":"
                          "\"get_weather\",\"parameters\":{\"type\":\"object\"}}]}")
            << qint64(20) << qint64(20 + kDefault);
        QTest::newRow("responses, no output cap")
            << QByteArray("{\"input\":\"1234\",\"max_output_tokens\":-1}") << qint64(1) << qint64(1 + kDefault);
    }

    void requestEstimatesOfTheOtherDialects()
    {
        QFETCH(QByteArray, request);
        QFETCH(qint64, prompt);
        QFETCH(qint64, estimate);
        const QJsonObject json = QJsonDocument::fromJson(request).object();
        QVERIFY(!json.isEmpty());
        QCOMPARE(obleth::usage::promptTokenEstimate(json), prompt);
        QCOMPARE(obleth::usage::requestTokenEstimate(json), estimate);
        // and the meter's prompt estimate when no usage comes
        QCOMPARE(meter("{}", false, 1, request).promptTokens, prompt);
    }

    /// The request log's error names what the answer says, in OpenAI's shape or in Anthropic's.
    void errorCodesOfBothShapes_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error");
        QTest::newRow("openai") << QByteArray(
            "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}")
                                << QStringLiteral("rate_limit_exceeded");
        QTest::newRow("anthropic") << QByteArray(
            "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}")
                                   << QStringLiteral("rate_limit_error");
        QTest::newRow("neither") << QByteArray("busy") << QStringLiteral("http_429");
    }

    void errorCodesOfBothShapes()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        obleth::usage::RequestMonitor monitor;
        QString recorded;
        connect(&monitor, &obleth::usage::RequestMonitor::requestFinished, this,
                [&recorded](const obleth::model::RequestRecord &record) { recorded = record.error; });
        obleth::http::HttpRequest request;
        request.method = "POST";
        request.path = "/v1/messages";
        {
            obleth::usage::RequestTrace trace(&monitor, request, "r1");
            obleth::http::Headers headers;
            headers.add("content-type", "application/json");
            trace.responseHead(429, headers);
            for (qsizetype i = 0; i < body.size(); i += 5)
                trace.responseBody(body.mid(i, 5));
            trace.responseEnd(true);
        }
        QCOMPARE(recorded, error);
    }

    void estimatedWhenAbsent()
    {
        // A stream without a usage chunk: one token per content chunk, the prompt from its characters.
        const QByteArray request = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":5,\"prompt\":\"twelve chars\"}";
        const MockReply reply(MockReply::Kind::Completion, QJsonDocument::fromJson(request).object(), request);
        MockReply::EventStream events(reply);
        QByteArray stream;
        for (QByteArray e = events.next(); !e.isEmpty(); e = events.next())
            stream += e;
        TokenCount c = meter(stream, true, 10, request);
        QCOMPARE(c.estimated, true);
        QCOMPARE(c.completionTokens, 5);
        QCOMPARE(c.promptTokens, 3); // 12 characters

        // A JSON body without usage: about four characters a token.
        c = meter("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"0123456789abcdef\"}}]}", false, 5);
        QCOMPARE(c.estimated, true);
        QCOMPARE(c.completionTokens, 4);
        QCOMPARE(c.promptTokens, 4); // "sixteen chars!!!"
    }

    void hugeBodiesAreNotHeld()
    {
        const QByteArray huge = "{\"choices\":[{\"text\":\"" + QByteArray(3 * 1024 * 1024, 'x') + "\"}],\"usage\":{}}";
        const TokenCount c = meter(huge, false, 64 * 1024);
        QCOMPARE(c.estimated, true);
        QVERIFY(c.completionTokens > 500'000); // estimated from the bytes that passed
    }

    void garbageIsHarmless()
    {
        const TokenCount json = meter("not json at all", false, 3);
        QCOMPARE(json.estimated, true);
        const TokenCount sse = meter("data: {broken\n\ndata: [DONE]\n\n: comment\n", true, 4);
        QCOMPARE(sse.estimated, true);
        QCOMPARE(sse.completionTokens, 0);
    }
};

QTEST_GUILESS_MAIN(TestUsageMeter)
#include "tst_usagemeter.moc"
