// What a stranger without a key can make a real `obleth --server` do: announcing huge bodies on many
// connections must cost it nothing (the head is refused before the body is read), on both listeners.

#include "rawclient.h"
#include "serverprocess.h"
#include "testhttp.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace obleth;

namespace {
constexpr int kConnections = 200;
constexpr qint64 kDeclared = 64LL * 1024 * 1024 - 1; // just under the data plane's body limit
} // namespace

class TestPreAuth : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir dir;
    std::unique_ptr<test::ServerProcess> server;

    /// Opens kConnections connections that each send @p head announcing kDeclared bytes and nothing more,
    /// and waits for every answer; @p statusLines gets the answers' status lines.
    void announceHugeBodies(quint16 port, const QByteArray &head, QByteArrayList *statusLines)
    {
        std::vector<std::unique_ptr<test::RawClient>> clients;
        for (int i = 0; i < kConnections; ++i) {
            clients.push_back(std::make_unique<test::RawClient>(
                port, head + "Content-Length: " + QByteArray::number(kDeclared) + "\r\n\r\n" + QByteArray(100, 'x')));
        }
        for (const auto &c : clients) {
            QTRY_VERIFY_WITH_TIMEOUT(c->received().contains("\r\n\r\n"), 10'000);
            statusLines->append(c->received().left(c->received().indexOf('\r')));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
#ifndef Q_OS_LINUX
        QSKIP("measures the server's address space through /proc");
#endif
        QVERIFY(dir.isValid());
        server = std::make_unique<test::ServerProcess>(
            QStringList{QStringLiteral("--server"), QStringLiteral("--port"), QStringLiteral("0"),
                        QStringLiteral("--admin-port"), QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
        QVERIFY(server->ok());
    }
    void cleanupTestCase()
    {
        server.reset();
    }

    void keylessUploadsAreRefusedBeforeTheirBody()
    {
        // It used to reserve each declared length at once: 42 such connections under an address-space limit
        // crashed it (std::bad_alloc), 500 added 32 GB of address space.
        const qint64 before = server->virtualKiB();
        QByteArrayList answers;
        announceHugeBodies(
            server->dataPort,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n", &answers);
        QCOMPARE(answers.size(), kConnections);
        for (const QByteArray &a : answers)
            QCOMPARE(a, QByteArray("HTTP/1.1 401 Unauthorized"));
        const qint64 grown = server->virtualKiB() - before;
        QVERIFY2(grown < 64 * 1024, QByteArray::number(grown).constData()); // well under one declared body
        // And it is alive and well.
        QCOMPARE(test::request(server->dataPort, "GET", "/health").status, 200);
    }

    void wrongKeysAndTheAdminListenerToo()
    {
        const qint64 before = server->virtualKiB();
        QByteArrayList answers;
        announceHugeBodies(server->dataPort,
                           "POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk_"
                               + QByteArray(48, 'a') + "\r\n",
                           &answers);
        for (const QByteArray &a : answers)
            QCOMPARE(a, QByteArray("HTTP/1.1 401 Unauthorized"));
        // The Management API's limit is 1 MiB: a larger declaration is 413 whoever sends it; under it, a
        // request without the token is refused before its body.
        answers.clear();
        announceHugeBodies(server->adminPort, "POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n", &answers);
        for (const QByteArray &a : answers)
            QVERIFY2(a == "HTTP/1.1 401 Unauthorized" || a == "HTTP/1.1 413 Content Too Large", a.constData());
        test::RawClient admin(server->adminPort,
                              "POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Length: 900000\r\n\r\n{");
        QTRY_VERIFY_WITH_TIMEOUT(admin.received().startsWith("HTTP/1.1 401"), 5000);
        QVERIFY(server->virtualKiB() - before < 64 * 1024);
    }

    void oddSpellingsOfARouteStillGetTheirBody()
    {
        // The head is judged on the path as it will be routed: "//v1/chat/completions" (what a base URL ending in
        // "/" gives some clients) is the chat route, so its body is read and answered.
        const QByteArray body = "{\"model\":\"mock-model\",\"max_tokens\":2}";
        const test::Response r = test::postJson(server->dataPort, "//v1/chat/completions/", server->firstKey(), body);
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.contains("chat.completion"));
    }

    void expectContinueIsNotSentToStrangers()
    {
        // curl sends Expect: 100-continue for large bodies: a stranger gets the 401 instead of a go-ahead.
        test::RawClient c(server->dataPort,
                          "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Expect: 100-continue\r\nContent-Length: 5000000\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(c.received().contains("\r\n\r\n"), 5000);
        QVERIFY2(c.received().startsWith("HTTP/1.1 401"), c.received().constData());
        QVERIFY(!c.received().contains("100 Continue"));
        QVERIFY(c.received().contains("Connection: close"));
    }
};

QTEST_GUILESS_MAIN(TestPreAuth)
#include "tst_preauth.moc"
