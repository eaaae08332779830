// Memory and descriptors of a real `obleth --server` process under slow clients, hang-ups and huge
// bodies: nothing grows without bound.

#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace obleth;
using test::RawClient;

namespace {
// Under AddressSanitizer freed memory sits in a quarantine instead of being reused, so resident memory
// grows with the bytes that pass through, not with what is held: memory figures mean nothing there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMemoryIsMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMemoryIsMeaningful = false;
#else
constexpr bool kMemoryIsMeaningful = true;
#endif
#else
constexpr bool kMemoryIsMeaningful = true;
#endif

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
        const QByteArray model = "{\"model_name\":\"remote\",\"upstream_model\":\"mock-model\",\"api_base\":\""
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
        auto churn = [this](int count) {
            for (int i = 0; i < count; ++i) {
                const int kind = i % 3;
                const QByteArray request
                    = kind == 0 ? post(key, "{\"model\":\"remote\",\"stream\":true,\"max_tokens\":1000}", "x-mock-chunk-delay-ms: 20\r\n")
                    : kind == 1 ? post(key, "{\"model\":\"remote\",\"stream\":true}", "x-mock-latency-ms: 10000\r\n")
                                : post(key, "{\"model\":\"remote\"}", "x-mock-latency-ms: 10000\r\n");
                RawClient client(server->dataPort, request);
                if (kind == 0)
                    QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("data: {"), 5000);
                else
                    QTRY_VERIFY_WITH_TIMEOUT(client.socket().state() == QAbstractSocket::ConnectedState
                                                 && client.socket().bytesToWrite() == 0,
                                             5000);
                client.hangUp();
            }
            QTRY_COMPARE_WITH_TIMEOUT(mockInFlight(), 0, 15'000);
        };
        churn(90); // warm up pools and allocators
        const int fdsBefore = server->openFiles();
        const qint64 rssBefore = server->rssKiB();
        churn(999);
        QTRY_VERIFY_WITH_TIMEOUT(server->openFiles() <= fdsBefore, 5000);
        const qint64 rssAfter = server->rssKiB();
        qInfo("after 1000 hang-ups: %d fds (before %d), RSS %lld KiB (before %lld KiB)", server->openFiles(), fdsBefore,
              rssAfter, rssBefore);
        if (kMemoryIsMeaningful)
            QVERIFY(rssAfter - rssBefore < 4 * 1024);
    }

    void hugeBodyIsNotBuffered()
    {
        const qint64 rssBefore = server->rssKiB();
        RawClient client(server->dataPort, "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key
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
