// Streaming relay (contract sections 2 and 9): bytes arrive as the upstream sends them, permits are
// held until the end and released once, client hang-ups abort the upstream at once, and upstream
// failures mid-stream end the client's response as an error.

#include "captureserver.h"
#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

using namespace obleth;
using test::GatewayFixture;
using test::RawClient;

namespace {

QByteArray post(const QByteArray &key, const QByteArray &body, const QByteArray &extraHeaders = {},
                const QByteArray &path = "/v1/chat/completions")
{
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\n" + extraHeaders + "Content-Length: " + QByteArray::number(body.size())
        + "\r\n\r\n" + body;
}

/// The body of a chunked HTTP response, de-chunked; false when it is not complete. @p frames, when given, is
/// told how many chunks carried it.
bool dechunk(const QByteArray &response, QByteArray *body, int *frames = nullptr)
{
    qsizetype pos = response.indexOf("\r\n\r\n");
    if (pos < 0)
        return false;
    pos += 4;
    body->clear();
    if (frames)
        *frames = 0;
    for (;;) {
        const qsizetype eol = response.indexOf("\r\n", pos);
        if (eol < 0)
            return false;
        bool ok = false;
        const qint64 size = response.mid(pos, eol - pos).toLongLong(&ok, 16);
        if (!ok)
            return false;
        if (size == 0)
            return response.mid(eol + 2, 2) == "\r\n";
        if (response.size() < eol + 2 + size + 2)
            return false;
        *body += response.mid(eol + 2, size);
        pos = eol + 2 + size + 2;
        if (frames)
            ++*frames;
    }
}

} // namespace

class TestStreaming : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::MockUpstream> mock;
    std::unique_ptr<GatewayFixture> gw;

    int mockInFlight() const { return mock->stats().value(QStringLiteral("in_flight")).toInt(); }
    int permits()
    {
        return gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(-1);
    }
    void addMockModel(const QString &name, QJsonObject extra = {})
    {
        extra.insert(QStringLiteral("model_name"), name);
        extra.insert(QStringLiteral("api_base"), mock->url(QStringLiteral("/v1")).toString());
        extra.insert(QStringLiteral("upstream_model"), QStringLiteral("mock-model"));
        QVERIFY(!gw->addModel(extra).isEmpty());
    }

private Q_SLOTS:
    void initTestCase()
    {
        mock = std::make_unique<test::MockUpstream>();
        QVERIFY(mock->ok());
    }
    void init()
    {
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
        addMockModel(QStringLiteral("remote"));
        QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), 0, 5000); // the previous test's streams are gone
    }
    void cleanup() { gw.reset(); }

    void firstChunkArrivesBeforeTheUpstreamFinishes()
    {
        const QByteArray body = "{\"model\":\"remote\",\"stream\":true,\"max_tokens\":4}";
        RawClient client(gw->dataPort(), post(gw->firstKey(), body, "x-mock-chunk-delay-ms: 300\r\n"));
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("data: {"), 5000);
        // The first token is here while the upstream is still producing the rest.
        QVERIFY(!client.received().contains("[DONE]"));
        QCOMPARE(mockInFlight(), 1);
        QCOMPARE(permits(), 1);
        QVERIFY(client.received().contains("Transfer-Encoding: chunked"));
        QVERIFY(client.received().contains("Content-Type: text/event-stream"));

        QTRY_VERIFY_WITH_TIMEOUT(client.received().endsWith("0\r\n\r\n"), 5000);
        QByteArray relayed;
        QVERIFY(dechunk(client.received(), &relayed));
        // Byte for byte what the upstream sends for the same request (the mock is deterministic).
        QByteArray sentUpstream = body; // what obleth sends: the model renamed to its upstream_model
        sentUpstream.replace("\"remote\"", "\"mock-model\"");
        RawClient direct(mock->port(),
                         "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
                             + QByteArray::number(sentUpstream.size()) + "\r\n\r\n" + sentUpstream);
        QTRY_VERIFY_WITH_TIMEOUT(direct.received().endsWith("0\r\n\r\n"), 5000);
        QByteArray upstream;
        QVERIFY(dechunk(direct.received(), &upstream));
        QCOMPARE(relayed, upstream);
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 2000);
    }

    void inProcessMockStreamsToo()
    {
        RawClient client(gw->dataPort(),
                         post(gw->firstKey(), "{\"model\":\"mock-model\",\"stream\":true,\"max_tokens\":3}",
                              "x-mock-chunk-delay-ms: 300\r\n"));
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("data: {"), 5000);
        QVERIFY(!client.received().contains("[DONE]"));
        QCOMPARE(permits(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(client.received().endsWith("0\r\n\r\n"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 2000);
    }

    void clientHangUpAbortsTheUpstream_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("waitFor");
        QTest::newRow("mid-stream") << QByteArray("{\"model\":\"remote\",\"stream\":true,\"max_tokens\":50}")
                                    << QByteArray("x-mock-chunk-delay-ms: 200\r\n") << QByteArray("data: {");
        QTest::newRow("before the first byte") << QByteArray("{\"model\":\"remote\",\"stream\":true}")
                                               << QByteArray("x-mock-latency-ms: 20000\r\n") << QByteArray();
        QTest::newRow("non-streaming") << QByteArray("{\"model\":\"remote\"}")
                                       << QByteArray("x-mock-latency-ms: 20000\r\n") << QByteArray();
    }
    void clientHangUpAbortsTheUpstream()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, waitFor);
        auto client = std::make_unique<RawClient>(gw->dataPort(), post(gw->firstKey(), body, headers));
        QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), 1, 5000);
        if (!waitFor.isEmpty())
            QTRY_VERIFY_WITH_TIMEOUT(client->received().contains(waitFor), 5000);
        QCOMPARE(permits(), 1);
        client->hangUp();
        // obleth aborts its upstream request within a second, and gives the permit back.
        QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), 0, 1000);
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 1000);
    }

    void upstreamResetMidStreamIsAnErrorForTheClient()
    {
        QTcpServer upstream;
        QVERIFY(upstream.listen(QHostAddress::LocalHost, 0));
        connect(&upstream, &QTcpServer::newConnection, &upstream, [&upstream] {
            QTcpSocket *s = upstream.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, s, [s] {
                s->readAll();
                s->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "11\r\ndata: {\"x\":1}\n\n\r\n");
                s->flush();
                QTimer::singleShot(200, s, [s] { s->abort(); });
            });
        });
        QVERIFY(!gw->addModel(
                       {{QStringLiteral("model_name"), QStringLiteral("flaky")},
                        {QStringLiteral("api_base"), QStringLiteral("http://127.0.0.1:%1").arg(upstream.serverPort())}})
                     .isEmpty());
        RawClient client(gw->dataPort(), post(gw->firstKey(), "{\"model\":\"flaky\",\"stream\":true}"));
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 5000);
        QVERIFY(client.received().startsWith("HTTP/1.1 200"));
        QVERIFY(client.received().contains("data: {\"x\":1}"));
        QVERIFY(!client.received().endsWith("0\r\n\r\n")); // no clean end: SDKs report an error
        QByteArray body;
        QVERIFY(!dechunk(client.received(), &body));
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 1000);
    }

    void slowClientHoldsTheUpstreamBack()
    {
        // Backpressure: while the client reads nothing, obleth stops reading from the upstream once it holds about
        // ProxyCall::kHighWater for the client, and the upstream is held back by the full socket buffers; when the
        // client reads again, the rest follows, byte for byte.
        constexpr qint64 kBody = 32 * 1024 * 1024;
        QByteArray body(kBody, Qt::Uninitialized);
        for (qint64 i = 0; i < kBody; ++i)
            body[i] = char('a' + i % 26);
        QTcpServer upstream;
        QVERIFY(upstream.listen(QHostAddress::LocalHost, 0));
        QPointer<QTcpSocket> sending;
        connect(&upstream, &QTcpServer::newConnection, &upstream, [&] {
            QTcpSocket *s = upstream.nextPendingConnection();
            sending = s;
            connect(s, &QTcpSocket::readyRead, s, [s, &body] {
                s->readAll();
                s->write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                         + QByteArray::number(body.size()) + "\r\n\r\n");
                s->write(body);
            });
        });
        QVERIFY(!gw->addModel(
                       {{QStringLiteral("model_name"), QStringLiteral("bulky")},
                        {QStringLiteral("api_base"), QStringLiteral("http://127.0.0.1:%1").arg(upstream.serverPort())}})
                     .isEmpty());
        RawClient client(gw->dataPort(), post(gw->firstKey(), "{\"model\":\"bulky\"}"));
        client.setReading(false);
        QTRY_VERIFY_WITH_TIMEOUT(sending && sending->bytesToWrite() > 0, 5000);
        // Until the upstream's progress stops (half a second without a byte leaving it).
        QElapsedTimer deadline;
        deadline.start();
        QElapsedTimer quiet;
        quiet.start();
        qint64 pending = sending->bytesToWrite();
        while (quiet.elapsed() < 500 && deadline.elapsed() < 20'000) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
            if (sending->bytesToWrite() != pending) {
                pending = sending->bytesToWrite();
                quiet.restart();
            }
        }
        qInfo("the upstream holds %lld of %lld bytes back", pending, kBody);
        QVERIFY2(pending > kBody / 2, qPrintable(QString::number(pending)));

        client.setReading(true);
        QTRY_VERIFY_WITH_TIMEOUT(client.received().size() >= kBody && client.received().endsWith(body.right(64)),
                                 20'000);
        const qsizetype headEnd = client.received().indexOf("\r\n\r\n");
        QVERIFY(headEnd > 0);
        QVERIFY(client.received().startsWith("HTTP/1.1 200"));
        QCOMPARE(client.received().size() - headEnd - 4, kBody);
        QVERIFY(client.received().mid(headEnd + 4) == body);
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 2000);
    }

    void eventsThatArriveTogetherLeaveTogether()
    {
        // An upstream that flushes one HTTP chunk per event, as real servers do, with all 64 of them (and the
        // end) arriving in one read: obleth relays them byte for byte, in one chunk rather than one per event.
        constexpr int kEvents = 64;
        QByteArray events;
        QByteArray framed;
        for (int i = 0; i < kEvents; ++i) {
            const QByteArray event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token "
                + QByteArray::number(i) + "\"}}]}\n\n";
            events += event;
            framed += QByteArray::number(event.size(), 16) + "\r\n" + event + "\r\n";
        }
        const QByteArray done = "data: [DONE]\n\n";
        events += done;
        framed += QByteArray::number(done.size(), 16) + "\r\n" + done + "\r\n0\r\n\r\n";
        const QByteArray response
            = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + framed;

        QTcpServer upstream;
        QVERIFY(upstream.listen(QHostAddress::LocalHost, 0));
        connect(&upstream, &QTcpServer::newConnection, &upstream, [&upstream, response] {
            QTcpSocket *s = upstream.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, s, [s, response] {
                s->readAll();
                s->write(response); // the whole answer in one write
                s->flush();
            });
        });
        QVERIFY(!gw->addModel(
                       {{QStringLiteral("model_name"), QStringLiteral("bursty")},
                        {QStringLiteral("api_base"), QStringLiteral("http://127.0.0.1:%1").arg(upstream.serverPort())}})
                     .isEmpty());
        RawClient client(gw->dataPort(), post(gw->firstKey(), "{\"model\":\"bursty\",\"stream\":true}"));
        QTRY_VERIFY_WITH_TIMEOUT(client.received().endsWith("0\r\n\r\n"), 5000);
        QByteArray relayed;
        int frames = 0;
        QVERIFY(dechunk(client.received(), &relayed, &frames));
        QCOMPARE(relayed, events); // every event, in order, byte for byte
        qInfo("%d events relayed in %d chunk(s)", kEvents + 1, frames);
        QVERIFY2(frames <= 4, qPrintable(QStringLiteral("%1 events left in %2 chunks").arg(kEvents + 1).arg(frames)));

        // The usage meter still sees every event: without a usage report, one completion token per content event.
        QJsonObject row;
        QTRY_VERIFY_WITH_TIMEOUT((row = gw->admin("GET", "/api/v1/requests?limit=1").data().first().toObject())
                                         .value(QStringLiteral("completion_tokens"))
                                         .toInt()
                                     > 0,
                                 5000);
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), kEvents);
        QCOMPARE(row.value(QStringLiteral("bytes_out")).toInt(), events.size());
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 1000);
    }

    void idleUpstreamMidStreamIsCut()
    {
        addMockModel(QStringLiteral("sleepy"), {{QStringLiteral("idle_timeout_secs"), 1}});
        RawClient client(gw->dataPort(),
                         post(gw->firstKey(), "{\"model\":\"sleepy\",\"stream\":true,\"max_tokens\":5}",
                              "x-mock-chunk-delay-ms: 4000\r\n"));
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("data: {"), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 3000); // cut after 1 s of silence, not 4
        QVERIFY(!client.received().endsWith("0\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), 0, 1000);
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 1000);
    }

    void manyConcurrentStreamsToOneHost()
    {
        constexpr int kStreams = 256;
        // Admission would queue whatever exceeds the capacity (64 by default): make room for all of them.
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":512}").status, 200);
        const int peakBefore = mock->stats().value(QStringLiteral("max_in_flight")).toInt();
        QVERIFY(peakBefore < kStreams);
        const QByteArray request = post(gw->firstKey(), "{\"model\":\"remote\",\"stream\":true,\"max_tokens\":3}",
                                        "x-mock-chunk-delay-ms: 1000\r\n");
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < kStreams; ++i)
            clients.push_back(std::make_unique<RawClient>(gw->dataPort(), request));
        QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), kStreams, 10'000);
        QCOMPARE(permits(), kStreams);
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(clients.begin(), clients.end(),
                                             [](const auto &c) { return c->received().endsWith("0\r\n\r\n"); }),
                                 20'000);
        for (const auto &c : clients)
            QVERIFY(c->received().contains("data: [DONE]"));
        QTRY_COMPARE_WITH_TIMEOUT(permits(), 0, 2000);
    }

    void embeddingsTakeNoPermit()
    {
        RawClient client(gw->dataPort(),
                         post(gw->firstKey(), "{\"model\":\"remote\",\"input\":\"x\"}", "x-mock-latency-ms: 500\r\n",
                              "/v1/embeddings"));
        QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), 1, 5000);
        QCOMPARE(permits(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("\"embedding\""), 5000);
    }
};

QTEST_GUILESS_MAIN(TestStreaming)
#include "tst_streaming.moc"
