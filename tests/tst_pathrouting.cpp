// Request paths are normalised once, before routing, and what is routed is what is forwarded: a
// spelling of a chat route (%63hat, //v1, a trailing slash, upper case, ;params) never reaches the
// default upstream unaccounted. The pure rules first, then the gateway with --upstream set.

#include "captureserver.h"
#include "gatewayfixture.h"
#include "http/pathnormalization.h"
#include "http/router.h"

#include <QTest>

using namespace obleth;
using test::GatewayFixture;
using test::Response;

namespace {
const QByteArray kSmallChat = "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

/// True when @p head (a raw request head the upstream received) asks for a chat or completions route in
/// any spelling.
bool isChatCall(const QByteArray &head)
{
    const QByteArray line = head.left(head.indexOf('\r')).toLower();
    return line.contains("chat") || line.contains("completions") || line.contains("%63");
}
} // namespace

class TestPathRouting : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::CaptureServer> upstream;
    std::unique_ptr<GatewayFixture> gw;

    /// A fresh tenant with a budget of one token a minute: its first chat call goes through (the bucket
    /// is not empty), every later one is refused until the minute is over.
    QByteArray budgetedKey(const QString &name, QString *tenantId)
    {
        const QByteArray key = gw->addTenantKey(name, tenantId);
        const Response r
            = gw->admin("PUT", "/api/v1/tenants/" + tenantId->toLatin1() + "/quota", "{\"tokens_per_minute\":1}");
        return r.status == 200 ? key : QByteArray();
    }
    QJsonArray logged(const QString &tenantId)
    {
        return gw->admin("GET", "/api/v1/requests?limit=10&tenant_id=" + tenantId.toLatin1()).data();
    }
    int upstreamChatCalls() const
    {
        int n = 0;
        for (const QByteArray &r : upstream->requests())
            n += isChatCall(r) ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        upstream = std::make_unique<test::CaptureServer>();
        QVERIFY(upstream->isListening());
        gw = std::make_unique<GatewayFixture>(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(upstream->port())));
        QVERIFY(gw->ok());
    }
    void cleanupTestCase()
    {
        gw.reset();
        upstream.reset();
    }

    void normalForm_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("normal"); // empty: refused
        QTest::newRow("plain") << QByteArray("/v1/chat/completions") << QByteArray("/v1/chat/completions");
        QTest::newRow("root") << QByteArray("/") << QByteArray("/");
        QTest::newRow("only slashes") << QByteArray("///") << QByteArray("/");
        QTest::newRow("unreserved escape")
            << QByteArray("/v1/%63hat/completions") << QByteArray("/v1/chat/completions");
        QTest::newRow("every unreserved kind") << QByteArray("/%41%7a%30%2D%2e%5F%7E") << QByteArray("/Az0-._~");
        QTest::newRow("reserved escape kept, hex uppercased")
            << QByteArray("/a%3bb%2c%c3%a9") << QByteArray("/a%3Bb%2C%C3%A9");
        QTest::newRow("leading double slash")
            << QByteArray("//v1/chat/completions") << QByteArray("/v1/chat/completions");
        QTest::newRow("inner slashes") << QByteArray("/v1///chat//completions") << QByteArray("/v1/chat/completions");
        QTest::newRow("trailing slash") << QByteArray("/v1/chat/completions/") << QByteArray("/v1/chat/completions");
        QTest::newRow("params kept") << QByteArray("/v1/chat/completions;x=1")
                                     << QByteArray("/v1/chat/completions;x=1");
        QTest::newRow("case kept") << QByteArray("/V1/Chat") << QByteArray("/V1/Chat");
        QTest::newRow("sub-delims, colon, at")
            << QByteArray("/m/llama3:8b@x!$&'()*+,=") << QByteArray("/m/llama3:8b@x!$&'()*+,=");
        QTest::newRow("raw unsafe bytes encoded")
            << QByteArray("/a\"{|}^`<>#\xc3\xa9") << QByteArray("/a%22%7B%7C%7D%5E%60%3C%3E%23%C3%A9");
        QTest::newRow("dots inside a name")
            << QByteArray("/files/a..b/.hidden/x.") << QByteArray("/files/a..b/.hidden/x.");
        QTest::newRow("dot segment") << QByteArray("/v1/./chat") << QByteArray();
        QTest::newRow("dot-dot segment") << QByteArray("/v2/../v1/chat/completions") << QByteArray();
        QTest::newRow("trailing dot-dot") << QByteArray("/v1/..") << QByteArray();
        QTest::newRow("encoded dot-dot") << QByteArray("/v2/%2e%2E/v1/chat/completions") << QByteArray();
        QTest::newRow("half-encoded dot-dot") << QByteArray("/v2/.%2e/x") << QByteArray();
        QTest::newRow("encoded dot") << QByteArray("/%2e/x") << QByteArray();
        QTest::newRow("encoded slash") << QByteArray("/v1%2Fchat/completions") << QByteArray();
        QTest::newRow("encoded slash, lower hex") << QByteArray("/v1%2fchat") << QByteArray();
        QTest::newRow("encoded backslash") << QByteArray("/v1%5Cchat") << QByteArray();
        QTest::newRow("raw backslash") << QByteArray("/v1\\chat") << QByteArray();
        QTest::newRow("encoded NUL") << QByteArray("/v1/chat%00") << QByteArray();
        QTest::newRow("encoded control") << QByteArray("/v1/chat%0d%0a") << QByteArray();
        QTest::newRow("encoded DEL") << QByteArray("/a%7f") << QByteArray();
        QTest::newRow("raw control") << QByteArray("/v1/\tchat") << QByteArray();
        QTest::newRow("raw NUL") << QByteArray("/v1/chat\0x", 10) << QByteArray();
        QTest::newRow("short escape") << QByteArray("/v1/chat%2") << QByteArray();
        QTest::newRow("bad hex") << QByteArray("/v1/%zzchat") << QByteArray();
        QTest::newRow("no leading slash") << QByteArray("v1/chat") << QByteArray();
        QTest::newRow("absolute form") << QByteArray("http://x/v1/chat") << QByteArray();
        QTest::newRow("empty") << QByteArray() << QByteArray();
    }
    void normalForm()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, normal);
        const http::NormalizedPath n = http::normalizePath(path);
        QCOMPARE(n.ok(), !normal.isEmpty());
        QCOMPARE(n.path, normal);
        if (n.ok()) { // the normal form is a fixed point
            QCOMPARE(http::normalizePath(n.path).path, normal);
            QVERIFY(http::isNormalPath(n.path));
            // A path in its normal form already is not copied (the common case, on every request).
            QCOMPARE(http::normalizePath(n.path).path.constData(), n.path.constData());
            // The normal form is one the routes can take (the data plane routes it without checking again).
            QStringList segments;
            QVERIFY(http::splitPath(n.path, &segments));
        }
        QCOMPARE(http::isNormalPath(path), n.ok() && n.path == path);
        QCOMPARE(http::normalizePath(QByteArrayView(path)).path, n.path);
    }

    void lookalikeKey_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("key");
        QTest::newRow("same") << QByteArray("/v1/chat/completions") << QByteArray("/v1/chat/completions");
        QTest::newRow("upper case") << QByteArray("/V1/CHAT/Completions") << QByteArray("/v1/chat/completions");
        QTest::newRow("params") << QByteArray("/v1;a=1/chat;b/completions;jsessionid=x")
                                << QByteArray("/v1/chat/completions");
        QTest::newRow("a segment of params only")
            << QByteArray("/v1/;x/chat/completions/;y") << QByteArray("/v1/chat/completions");
        QTest::newRow("other path") << QByteArray("/api/Tags") << QByteArray("/api/tags");
    }
    void lookalikeKey()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, key);
        QCOMPARE(http::routeLookalikeKey(path), key);
    }

    void spellingsOfChatAreRoutedAsChat_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("percent-encoded letter") << QByteArray("/v1/%63hat/completions");
        QTest::newRow("double leading slash") << QByteArray("//v1/chat/completions");
        QTest::newRow("trailing slash") << QByteArray("/v1/chat/completions/");
        QTest::newRow("all of them, and a query") << QByteArray("//v1//%63h%61t/completions/?x=1");
        QTest::newRow("legacy completions") << QByteArray("/v1/%63ompletions/");
    }
    void spellingsOfChatAreRoutedAsChat()
    {
        QFETCH(QByteArray, target);
        QString tenantId;
        const QByteArray key = budgetedKey(QString::fromLatin1(QTest::currentDataTag()), &tenantId);
        QVERIFY(!key.isEmpty());
        const bool legacy = target.contains("%63ompletions");
        const QByteArray body
            = legacy ? QByteArray("{\"model\":\"mock-model\",\"prompt\":\"hi\",\"max_tokens\":3}") : kSmallChat;
        const qsizetype upstreamBefore = upstream->requests().size();

        const Response first = test::postJson(gw->dataPort(), target, key, body);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.json().value(QStringLiteral("object")).toString(),
                 legacy ? QStringLiteral("text_completion") : QStringLiteral("chat.completion"));
        // The budget of one token is spent: the next call in the same spelling is refused.
        const Response second = test::postJson(gw->dataPort(), target, key, body);
        QCOMPARE(second.status, 429);
        QCOMPARE(second.errorCode(), QStringLiteral("rate_limited"));

        QCOMPARE(upstream->requests().size(), upstreamBefore); // the default upstream saw nothing
        const QJsonArray rows = logged(tenantId);
        QCOMPARE(rows.size(), 2);
        for (const QJsonValue &row : rows) {
            QCOMPARE(row.toObject().value(QStringLiteral("model")).toString(), QStringLiteral("mock-model"));
            QCOMPARE(row.toObject().value(QStringLiteral("path")).toString(),
                     legacy ? QStringLiteral("/v1/completions") : QStringLiteral("/v1/chat/completions"));
        }
        QVERIFY(rows.at(1).toObject().value(QStringLiteral("prompt_tokens")).toDouble() > 0);
    }

    void lookalikesOfChatAreRefused_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("upper case") << QByteArray("/V1/CHAT/COMPLETIONS");
        QTest::newRow("mixed case, trailing slash") << QByteArray("/v1/Chat/Completions/");
        QTest::newRow("params") << QByteArray("/v1/chat/completions;x=1");
        QTest::newRow("params inside") << QByteArray("/v1;a/chat;b/completions");
        QTest::newRow("embeddings in upper case") << QByteArray("/v1/EMBEDDINGS");
        QTest::newRow("legacy completions, params") << QByteArray("/v1/completions;jsessionid=1");
    }
    void lookalikesOfChatAreRefused()
    {
        QFETCH(QByteArray, target);
        const qsizetype upstreamBefore = upstream->requests().size();
        const Response r = test::postJson(gw->dataPort(), target, gw->firstKey(), kSmallChat);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
        QVERIFY(r.isOpenAiError());
        QCOMPARE(upstream->requests().size(), upstreamBefore);
    }

    void unsafePathsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("dot-dot") << QByteArray("/v2/../v1/chat/completions");
        QTest::newRow("encoded dot-dot") << QByteArray("/v2/%2e%2e/v1/chat/completions");
        QTest::newRow("encoded slash") << QByteArray("/v1%2Fchat/completions");
        QTest::newRow("encoded backslash") << QByteArray("/v1%5Cchat%5Ccompletions");
        QTest::newRow("encoded NUL") << QByteArray("/v1/chat/completions%00");
        QTest::newRow("encoded line break") << QByteArray("/api/tags%0d%0aX-Injected:%201");
    }
    void unsafePathsAreRefused()
    {
        QFETCH(QByteArray, target);
        const qsizetype upstreamBefore = upstream->requests().size();
        const Response r = test::postJson(gw->dataPort(), target, gw->firstKey(), kSmallChat);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
        QCOMPARE(upstream->requests().size(), upstreamBefore);
    }

    void otherPathsAreForwardedInTheirNormalForm()
    {
        const http::Headers auth = test::headers({{"Authorization", "Bearer " + gw->firstKey()}});
        const Response r = test::request(gw->dataPort(), "GET", "//api//t%61gs/;v=2/?name=%2f%41&x", auth);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{\"ok\":true}"));
        // The path as routed, the query exactly as sent.
        QVERIFY2(upstream->lastHead().startsWith("GET /api/tags/;v=2?name=%2f%41&x HTTP/1.1\r\n"),
                 upstream->lastHead().constData());
        QCOMPARE(upstreamChatCalls(), 0);
    }

    void upstreamBaseEndingInV1CannotBeReachedAsChat()
    {
        test::CaptureServer v1Upstream;
        GatewayFixture v1Gateway(QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(v1Upstream.port())));
        QVERIFY(v1Gateway.ok());
        // With a base of .../v1, "/chat/completions" would arrive upstream as /v1/chat/completions.
        for (const QByteArray &target :
             {QByteArray("/chat/completions"), QByteArray("/Chat/Completions;x"), QByteArray("/embeddings/")}) {
            const Response r = test::postJson(v1Gateway.dataPort(), target, v1Gateway.firstKey(), kSmallChat);
            QCOMPARE(r.status, 400);
            QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
        }
        QCOMPARE(v1Upstream.requests().size(), 0);
        // Other paths still go there, joined to the base.
        const http::Headers auth = test::headers({{"Authorization", "Bearer " + v1Gateway.firstKey()}});
        QCOMPARE(test::request(v1Gateway.dataPort(), "GET", "/files/", auth).status, 200);
        QVERIFY(v1Upstream.lastHead().startsWith("GET /v1/files HTTP/1.1\r\n"));
    }

    void mcpPathsAreNormalisedToo()
    {
        test::CaptureServer mcpUpstream;
        const Response added = gw->admin("POST", "/api/v1/mcp-servers",
                                         "{\"name\":\"tools\",\"upstream_url\":\"http://127.0.0.1:"
                                             + QByteArray::number(mcpUpstream.port()) + "/mcp\"}");
        QCOMPARE(added.status, 201);
        const Response r = test::postJson(gw->dataPort(), "//mcp/t%6fols//sub/", gw->firstKey(), "{}");
        QCOMPARE(r.status, 200);
        QVERIFY2(mcpUpstream.lastHead().startsWith("POST /mcp/sub HTTP/1.1\r\n"), mcpUpstream.lastHead().constData());
    }
};

QTEST_GUILESS_MAIN(TestPathRouting)
#include "tst_pathrouting.moc"
