// HTTP/1.1 behaviour clients rely on: keep-alive, Connection: close, idle timeouts, HTTP/1.0,
// one response at a time per connection, body limits without buffering, and 100 Continue.

#include "gatewayfixture.h"
#include "rawclient.h"

#include <QTest>

using namespace obleth;
using test::GatewayFixture;
using test::RawClient;

namespace {
QByteArray chat(const QByteArray &key, const QByteArray &extra = {}, const QByteArray &version = "HTTP/1.1",
                const QByteArray &body = "{\"model\":\"mock-model\",\"max_tokens\":2}")
{
    return "POST /v1/chat/completions " + version + "\r\nHost: t\r\nAuthorization: Bearer " + key + "\r\n" + extra
        + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}
} // namespace

class TestHttpHygiene : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> gw;

private Q_SLOTS:
    void initTestCase()
    {
        gw = std::make_unique<GatewayFixture>(QUrl(), QString(), 700); // 0.7 s keep-alive timeout
        QVERIFY(gw->ok());
    }
    void cleanupTestCase() { gw.reset(); }

    void manyRequestsOnOneConnection()
    {
        RawClient client(gw->dataPort());
        QTRY_VERIFY(client.socket().state() == QAbstractSocket::ConnectedState);
        for (int i = 1; i <= 100; ++i) {
            client.send(chat(gw->firstKey()));
            QTRY_COMPARE_WITH_TIMEOUT(client.received().count("HTTP/1.1 200 OK"), i, 5000);
        }
        QVERIFY(!client.isClosed());
        QVERIFY(!client.received().contains("Connection: close"));
    }

    void connectionCloseIsHonoured()
    {
        RawClient client(gw->dataPort(), chat(gw->firstKey(), "Connection: close\r\n"));
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 5000);
        QVERIFY(client.received().startsWith("HTTP/1.1 200 OK"));
        QVERIFY(client.received().contains("Connection: close\r\n"));
        QVERIFY(client.received().contains("chat.completion"));
    }

    void idleConnectionsAreClosed()
    {
        RawClient client(gw->dataPort(), chat(gw->firstKey()));
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("chat.completion"), 5000);
        QVERIFY(!client.isClosed());
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 3000); // after the 0.7 s keep-alive timeout
        // A client that starts a request and stops sending gets 408 (with a key: without one it gets its 401 before
        // the body, see tst_preauth).
        RawClient slow(gw->dataPort(),
                       "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                           + "\r\nContent-Length: 100\r\n\r\n{");
        QTRY_VERIFY_WITH_TIMEOUT(slow.isClosed(), 3000);
        QVERIFY(slow.received().startsWith("HTTP/1.1 408"));
    }

    void http10Clients()
    {
        RawClient plain(gw->dataPort(), chat(gw->firstKey(), {}, "HTTP/1.0"));
        QTRY_VERIFY_WITH_TIMEOUT(plain.isClosed(), 5000);
        QVERIFY(plain.received().contains("Content-Length: "));
        QVERIFY(plain.received().contains("chat.completion"));

        RawClient keepAlive(gw->dataPort(), chat(gw->firstKey(), "Connection: keep-alive\r\n", "HTTP/1.0"));
        QTRY_VERIFY_WITH_TIMEOUT(keepAlive.received().contains("chat.completion"), 5000);
        QVERIFY(keepAlive.received().contains("Connection: keep-alive\r\n"));
        QVERIFY(!keepAlive.isClosed());

        // A stream to an HTTP/1.0 client is not chunked: the body ends when the connection closes.
        RawClient stream(
            gw->dataPort(),
            chat(gw->firstKey(), {}, "HTTP/1.0", "{\"model\":\"mock-model\",\"max_tokens\":2,\"stream\":true}"));
        QTRY_VERIFY_WITH_TIMEOUT(stream.isClosed(), 5000);
        QVERIFY(!stream.received().contains("Transfer-Encoding"));
        QVERIFY(stream.received().endsWith("data: [DONE]\n\n"));
    }

    void pipelinedRequestsAreAnsweredInOrder()
    {
        // The first is slow and the second fast; the answers must not interleave or swap.
        RawClient client(gw->dataPort(),
                         chat(gw->firstKey(), "x-mock-latency-ms: 300\r\n", "HTTP/1.1",
                              "{\"model\":\"mock-model\",\"max_tokens\":1,\"user\":\"first\"}")
                             + chat(gw->firstKey(), {}, "HTTP/1.1", "{\"model\":\"mock-model\",\"max_tokens\":7}"));
        QTRY_COMPARE_WITH_TIMEOUT(client.received().count("HTTP/1.1 200 OK"), 2, 5000);
        const QByteArray r = client.received();
        const qsizetype second = r.indexOf("HTTP/1.1 200 OK", 1);
        QVERIFY(r.left(second).contains("\"completion_tokens\":1"));
        QVERIFY(r.mid(second).contains("\"completion_tokens\":7"));
    }

    void hugeBodyIsRefusedBeforeItIsRead()
    {
        RawClient client(gw->dataPort(),
                         "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                             + "\r\nContent-Length: 209715200\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("request_too_large"), 5000);
        QVERIFY(client.received().startsWith("HTTP/1.1 413"));
    }

    void chunkedBodyIsCutAt64MiB()
    {
        RawClient client(gw->dataPort(),
                         "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                             + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        QTRY_VERIFY(client.socket().state() == QAbstractSocket::ConnectedState && client.socket().bytesToWrite() == 0);
        const QByteArray chunk = QByteArray::number(1024 * 1024, 16) + "\r\n" + QByteArray(1024 * 1024, ' ') + "\r\n";
        for (int i = 0; i < 65 && !client.received().contains("413"); ++i) {
            client.send(chunk);
            QTRY_VERIFY_WITH_TIMEOUT(client.socket().bytesToWrite() == 0 || client.isClosed(), 5000);
        }
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("request_too_large"), 5000);
        QVERIFY(client.received().startsWith("HTTP/1.1 413"));
    }

    void mcpBodiesAreCutAt16MiB()
    {
        RawClient client(gw->dataPort(),
                         "POST /mcp/anything HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                             + "\r\nContent-Length: 16777217\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("request_too_large"), 5000);
        QVERIFY(client.received().startsWith("HTTP/1.1 413"));
        // 16 MiB itself is allowed (the unknown server then answers 404).
        RawClient fits(gw->dataPort(),
                       "POST /mcp/anything HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                           + "\r\nContent-Length: 16777216\r\n\r\n" + QByteArray(16 * 1024 * 1024, ' '));
        QTRY_VERIFY_WITH_TIMEOUT(fits.received().contains("HTTP/1.1 404"), 10'000);
    }

    void expect100ContinueIsAnswered()
    {
        const QByteArray body = "{\"model\":\"mock-model\",\"max_tokens\":2}";
        RawClient client(gw->dataPort(),
                         "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                             + "\r\nExpect: 100-continue\r\nContent-Length: " + QByteArray::number(body.size())
                             + "\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(client.received(), QByteArray("HTTP/1.1 100 Continue\r\n\r\n"), 5000);
        client.send(body);
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("chat.completion"), 5000);
        // Too large: the final answer comes at once instead of 100 Continue.
        RawClient big(gw->dataPort(),
                      "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                      "Content-Length: 104857600\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(big.received().startsWith("HTTP/1.1 413"), 5000);
    }
};

QTEST_GUILESS_MAIN(TestHttpHygiene)
#include "tst_httphygiene.moc"
