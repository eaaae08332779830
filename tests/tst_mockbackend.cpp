// The built-in mock backend (contract section 8) as `obleth --mock-upstream`, in its own process.

#include "mockupstream.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QTest>

using namespace obleth;
using test::Response;

class TestMockBackend : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::MockUpstream> mock;

    Response post(const QByteArray &path, const QByteArray &body, http::Headers h = {})
    {
        return test::request(mock->port(), "POST", path, h, body);
    }

private Q_SLOTS:
    void initTestCase()
    {
        mock = std::make_unique<test::MockUpstream>();
        QVERIFY(mock->ok());
    }

    void sameRequestSameAnswer()
    {
        const QByteArray body
            = "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
        const Response a = post("/v1/chat/completions", body);
        const Response b = post("/v1/chat/completions", body);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body, b.body);
        const Response c = post("/v1/chat/completions",
                                "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"other\"}]}");
        QVERIFY(c.body != a.body);
        const QJsonObject usage = a.json().value(QStringLiteral("usage")).toObject();
        QCOMPARE(usage.value(QStringLiteral("prompt_tokens")).toInt(), 3);
        QCOMPARE(usage.value(QStringLiteral("completion_tokens")).toInt(), 16);
        QCOMPARE(usage.value(QStringLiteral("total_tokens")).toInt(), 19);
    }

    void maxTokensShapesTheReply()
    {
        const Response r = post("/v1/completions", "{\"model\":\"mock-model\",\"prompt\":\"x\",\"max_tokens\":7}");
        QCOMPARE(r.status, 200);
        const QString text = r.json()
                                 .value(QStringLiteral("choices"))
                                 .toArray()
                                 .first()
                                 .toObject()
                                 .value(QStringLiteral("text"))
                                 .toString();
        QCOMPARE(text.split(QLatin1Char(' ')).size(), 7);
        QCOMPARE(r.json().value(QStringLiteral("usage")).toObject().value(QStringLiteral("completion_tokens")).toInt(),
                 7);
    }

    void streamsOneChunkPerToken()
    {
        const Response r = post(
            "/v1/chat/completions",
            "{\"model\":\"mock-model\",\"stream\":true,\"max_tokens\":5,\"stream_options\":{\"include_usage\":true}}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("content-type"), QByteArray("text/event-stream"));
        QList<QByteArray> events = r.body.split('\n');
        events.removeAll(QByteArray());
        QCOMPARE(events.size(), 5 + 1 + 1 + 1); // tokens, finish, usage, [DONE]
        QCOMPARE(events.last(), QByteArray("data: [DONE]"));
        const QJsonObject usageChunk = QJsonDocument::fromJson(events.at(6).mid(6)).object();
        QCOMPARE(
            usageChunk.value(QStringLiteral("usage")).toObject().value(QStringLiteral("completion_tokens")).toInt(), 5);
        const Response noUsage
            = post("/v1/chat/completions", "{\"model\":\"mock-model\",\"stream\":true,\"max_tokens\":2}");
        QCOMPARE(noUsage.body.count("data: "), 2 + 1 + 1);
    }

    void chunkDelaySpacesTheChunks()
    {
        QElapsedTimer t;
        t.start();
        const Response r = post("/v1/chat/completions", "{\"model\":\"mock-model\",\"stream\":true,\"max_tokens\":3}",
                                test::headers({{"x-mock-chunk-delay-ms", "100"}}));
        QCOMPARE(r.status, 200);
        QVERIFY(t.elapsed() >= 300); // three tokens and the finish chunk, 100 ms apart
    }

    void embeddings()
    {
        Response r
            = post("/v1/embeddings", "{\"model\":\"mock-model\",\"input\":[\"a\",\"b\",\"c\"],\"dimensions\":8}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.data().size(), 3);
        QCOMPARE(r.data().at(0).toObject().value(QStringLiteral("embedding")).toArray().size(), 8);
        // encoding_format=base64 (what the OpenAI Node SDK asks for): little-endian float32.
        r = post("/v1/embeddings",
                 "{\"model\":\"mock-model\",\"input\":\"a\",\"dimensions\":8,\"encoding_format\":\"base64\"}");
        QCOMPARE(r.status, 200);
        const QByteArray raw = QByteArray::fromBase64(
            r.data().at(0).toObject().value(QStringLiteral("embedding")).toString().toLatin1());
        QCOMPARE(raw.size(), 8 * 4);
        QCOMPARE(post("/v1/embeddings", "{\"model\":\"mock-model\"}").status, 400);
    }

    void statusHeaderAndLatency()
    {
        Response r
            = post("/v1/chat/completions", "{\"model\":\"mock-model\"}", test::headers({{"x-mock-status", "503"}}));
        QCOMPARE(r.status, 503);
        QVERIFY(r.isOpenAiError());
        QElapsedTimer t;
        t.start();
        r = post("/v1/chat/completions", "{\"model\":\"mock-model\"}", test::headers({{"x-mock-latency-ms", "200"}}));
        QCOMPARE(r.status, 200);
        QVERIFY(t.elapsed() >= 200);
        QCOMPARE(
            post("/v1/chat/completions", "{\"model\":\"mock-model\"}", test::headers({{"x-mock-latency-ms", "-1"}}))
                .status,
            400);
    }

    void statsCountApiRequestsOnly()
    {
        const qint64 before = mock->stats().value(QStringLiteral("requests")).toInteger();
        for (int i = 0; i < 2; ++i)
            QVERIFY(mock->stats().contains(QStringLiteral("requests")));
        QCOMPARE(mock->stats().value(QStringLiteral("requests")).toInteger(), before);
        QCOMPARE(test::request(mock->port(), "GET", "/v1/models").status, 200);
        post("/v1/chat/completions", "{\"model\":\"mock-model\"}");
        QCOMPARE(mock->stats().value(QStringLiteral("requests")).toInteger(), before + 2);
    }

    /// What the mock's HTTP server refuses itself (a malformed request) reads like every other obleth error.
    void malformedRequestGetsAnErrorInTheApiShape()
    {
        test::RawClient client(mock->port(), "GET /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("\r\n\r\n") && client.received().endsWith("}"), 5000);
        const QByteArray answer = client.received();
        QVERIFY2(answer.startsWith("HTTP/1.1 400 "), answer.constData());
        QVERIFY2(answer.contains("Content-Type: application/json\r\n"), answer.constData());
        const QJsonObject error = QJsonDocument::fromJson(answer.mid(answer.indexOf("\r\n\r\n") + 4))
                                      .object()
                                      .value(QStringLiteral("error"))
                                      .toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_request"));
        QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("invalid_request_error"));
    }
};

QTEST_GUILESS_MAIN(TestMockBackend)
#include "tst_mockbackend.moc"
