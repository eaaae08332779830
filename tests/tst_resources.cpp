// Memory and descriptors of a real `obleth --server` process under slow clients, hang-ups and huge
// bodies: nothing grows without bound.

#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "sanitizers.h"
#include "serverprocess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace obleth;
using test::RawClient;

namespace {
using test::kMemoryIsMeaningful;

/// Polls @p done, letting events run between tries, until it holds or @p timeoutMs pass: a deadline, not a
/// fixed wait, and finer-grained than QTRY_* (which waits 50 ms a step), since it runs once per hang-up.
template<typename Condition> bool poll(Condition done, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(2);
    }
    return true;
}

QByteArray post(const QByteArray &key, const QByteArray &body, const QByteArray &extra = {})
{
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key + "\r\n" + extra
        + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}
} // namespace

class TestResources : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir dir;
    std::unique_ptr<test::MockUpstream> mock;
    std::unique_ptr<test::ServerProcess> server;
    QByteArray key;

    int mockInFlight() const { return mock->stats().value(QStringLiteral("in_flight")).toInt(); }

private Q_SLOTS:
    void initTestCase()
    {
#ifndef Q_OS_LINUX
        QSKIP("reads /proc");
#endif
        mock = std::make_unique<test::MockUpstream>();
        QVERIFY(mock->ok());
        server = std::make_unique<test::ServerProcess>(QStringList{QStringLiteral("--port"), QStringLiteral("0"),
                                                                   QStringLiteral("--admin-port"), QStringLiteral("0"),
                                                                   QStringLiteral("--data-dir"), dir.path()});
        QVERIFY(server->ok());
        key = server->firstKey();
        QFile token(dir.filePath(QStringLiteral("admin-token")));
        QVERIFY(token.open(QIODevice::ReadOnly));
        // No active health checks: each would leave a keep-alive connection to the upstream in the pool for 30 s, one
        // descriptor more than when idle that the hang-ups below do not account for.
        const QByteArray model = "{\"model_name\":\"remote\",\"upstream_model\":\"mock-model\",\"health_check_secs\":0,"
                                 "\"api_base\":\""
            + mock->url(QStringLiteral("/v1")).toString().toLatin1() + "\"}";
        const test::Response r = test::request(server->adminPort, "POST", "/api/v1/models",
                                               test::headers({{"Authorization", "Bearer " + token.readAll().trimmed()},
                                                              {"Content-Type", "application/json"}}),
                                               model);
        QCOMPARE(r.status, 201);
    }

    void slowReaderHoldsTheUpstreamBack()
    {
        // A fast upstream with a 60 MB answer, and a client that reads 1 KiB a second.
        const qint64 rssIdle = server->rssKiB();
        RawClient client(server->dataPort, post(key, "{\"model\":\"remote\",\"stream\":true,\"max_tokens\":300000}"));
        client.setReading(false);
        QTimer pace;
        connect(&pace, &QTimer::timeout, &client, [&client] { client.readSome(100); });
        pace.start(100);
        QTRY_VERIFY_WITH_TIMEOUT(client.received().size() >= 1024, 5000);
        const qint64 rssStart = server->rssKiB();
        QTRY_VERIFY_WITH_TIMEOUT(client.received().size() >= 4 * 1024, 10'000);
        const qint64 rssLater = server->rssKiB();
        qInfo("obleth RSS idle %lld KiB; while a client reads 1 KiB/s: %lld KiB, 3 s later %lld KiB", rssIdle, rssStart,
              rssLater);
        if (kMemoryIsMeaningful) {
            QVERIFY2(rssLater - rssIdle < 8 * 1024, "obleth buffered the upstream instead of holding it back");
            QVERIFY(rssLater - rssStart < 1024);
        }
        QVERIFY(mockInFlight() == 1); // the upstream is still there, waiting
        client.hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), 0, 2000);
    }

    void thousandHangUpsLeaveNothingBehind()
    {
        // Clients that hang up in the middle of a stream, or while the upstream is still thinking (streamed or
        // not). Each hang-up must cancel its upstream request and give back what it held (the client's socket,
        // the upstream connection) before the next client comes: that is waited for, with a deadline, instead
        // of letting hang-ups pile up for as long as a busy machine makes the gateway lag. So the gateway holds
        // one exchange at a time however loaded the machine is, and a leak of even one descriptor stops the
        // test at the hang-up that leaked it.
        auto churn = [this](int count, int fdsIdle) {
            for (int i = 0; i < count; ++i) {
                const int kind = i % 3;
                const QByteArray request = kind == 0
                    ? post(key, "{\"model\":\"remote\",\"stream\":true,\"max_tokens\":1000}",
                           "x-mock-chunk-delay-ms: 20\r\n")
                    : kind == 1 ? post(key, "{\"model\":\"remote\",\"stream\":true}", "x-mock-latency-ms: 10000\r\n")
                                : post(key, "{\"model\":\"remote\"}", "x-mock-latency-ms: 10000\r\n");
                {
                    RawClient client(server->dataPort, request);
                    if (kind == 0)
                        QVERIFY2(poll([&] { return client.received().contains("data: {"); }, 15'000),
                                 "no stream began");
                    else
                        QVERIFY2(poll([this] { return mockInFlight() == 1; }, 15'000),
                                 "the request did not reach the upstream");
                    client.hangUp();
                }
                QVERIFY2(
                    poll([this] { return mockInFlight() == 0; }, 15'000),
                    qPrintable(
                        QStringLiteral("hang-up %1 (kind %2) left its upstream request running").arg(i).arg(kind)));
                if (fdsIdle >= 0)
                    QVERIFY2(poll([&] { return server->openFiles() <= fdsIdle; }, 15'000),
                             qPrintable(QStringLiteral("hang-up %1 (kind %2) left %3 descriptors open, %4 when idle")
                                            .arg(i)
                                            .arg(kind)
                                            .arg(server->openFiles())
                                            .arg(fdsIdle)));
            }
        };
        churn(90, -1); // warm up pools and allocators
        if (QTest::currentTestFailed())
            return;
        const int fdsIdle = server->openFiles();
        const qint64 rssBefore = server->rssKiB();
        churn(999, fdsIdle);
        if (QTest::currentTestFailed())
            return;
        // Memory freed late (objects deleted on the next event loop pass) comes back by itself; a leak does not.
        // Under a sanitizer memory figures mean nothing (see kMemoryIsMeaningful).
        const bool memoryBack = poll([&] { return server->rssKiB() - rssBefore < 4 * 1024; }, 10'000);
        qInfo("after 1000 hang-ups: %d fds (idle %d), RSS %lld KiB (before %lld KiB)", server->openFiles(), fdsIdle,
              server->rssKiB(), rssBefore);
        if (kMemoryIsMeaningful)
            QVERIFY2(memoryBack, "obleth kept memory from the hang-ups");
    }

    void hugeBodyIsNotBuffered()
    {
        const qint64 rssBefore = server->rssKiB();
        RawClient client(server->dataPort,
                         "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key
                             + "\r\nContent-Length: 209715200\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.socket().state() == QAbstractSocket::ConnectedState, 5000);
        const QByteArray piece(1024 * 1024, 'x');
        for (int i = 0; i < 200 && !client.isClosed() && !client.received().contains("413"); ++i) {
            client.send(piece);
            QTRY_VERIFY_WITH_TIMEOUT(client.socket().bytesToWrite() < 4 * 1024 * 1024 || client.isClosed()
                                         || client.received().contains("413"),
                                     5000);
        }
        QTRY_VERIFY_WITH_TIMEOUT(client.received().startsWith("HTTP/1.1 413"), 5000);
        const qint64 rssAfter = server->rssKiB();
        qInfo("RSS before and after a 200 MiB body: %lld KiB, %lld KiB", rssBefore, rssAfter);
        if (kMemoryIsMeaningful)
            QVERIFY(rssAfter - rssBefore < 32 * 1024);
    }
};

QTEST_GUILESS_MAIN(TestResources)
#include "tst_resources.moc"
