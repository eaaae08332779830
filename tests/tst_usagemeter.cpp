// Token usage read from responses as they pass through, or estimated and flagged when absent.

#include "mock/mockreply.h"
#include "usage/usagemeter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using obleth::mock::MockReply;
using obleth::usage::TokenCount;
using obleth::usage::UsageMeter;

namespace {
const QByteArray kRequest = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"sixteen chars!!!\"}]}";

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
