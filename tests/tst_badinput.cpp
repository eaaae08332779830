// Bad input at the HTTP entry points: each gets a clear 4xx in OpenAI's error shape, and the
// server keeps serving afterwards.

#include "gatewayfixture.h"

#include <QTest>

using namespace obleth;
using test::GatewayFixture;
using test::Response;

class TestBadInput : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> gw;

    void stillServes()
    {
        QCOMPARE(test::request(gw->dataPort(), "GET", "/health").status, 200);
        QCOMPARE(gw->admin("GET", "/api/v1/status").status, 200);
    }

private Q_SLOTS:
    void initTestCase()
    {
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
    }
    void cleanupTestCase() { gw.reset(); }

    void malformedRequests_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("garbage line") << QByteArray("HELLO\r\n\r\n") << 400 << QStringLiteral("invalid_request");
        QTest::newRow("unknown method") << QByteArray("BREW /v1/models HTTP/1.1\r\nHost: x\r\n\r\n") << 405
                                        << QStringLiteral("method_not_allowed");
        QTest::newRow("header without colon")
            << QByteArray("GET /health HTTP/1.1\r\nHost x\r\n\r\n") << 400 << QStringLiteral("invalid_request");
        QTest::newRow("overlong header") << QByteArray("GET /health HTTP/1.1\r\nX-Big: " + QByteArray(100'000, 'x')
                                                       + "\r\n\r\n")
                                         << 431 << QStringLiteral("invalid_request");
        QTest::newRow("overlong path") << QByteArray("GET /" + QByteArray(40'000, 'p') + " HTTP/1.1\r\n\r\n") << 414
                                       << QStringLiteral("invalid_request");
        QTest::newRow("control characters") << QByteArray("GET /health HTTP/1.1\r\nHost: x\r\nX-A: \x07\r\n\r\n") << 400
                                            << QStringLiteral("invalid_request");
        QTest::newRow("bad content-length")
            << QByteArray("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n") << 400
            << QStringLiteral("invalid_request");
        QTest::newRow("body over 64 MiB")
            << QByteArray("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 67108865\r\n\r\n") << 413
            << QStringLiteral("request_too_large");
        QTest::newRow("no host") << QByteArray("GET /health HTTP/1.1\r\n\r\n") << 400
                                 << QStringLiteral("invalid_request");
        QTest::newRow("two hosts") << QByteArray("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400
                                   << QStringLiteral("invalid_request");
        QTest::newRow("chunk size with 0x")
            << QByteArray("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw->firstKey()
                          + "\r\nTransfer-Encoding: chunked\r\n\r\n0x3b\r\n")
            << 400 << QStringLiteral("invalid_request");
        QTest::newRow("http/3") << QByteArray("GET / HTTP/3.0\r\n\r\n") << 505 << QStringLiteral("invalid_request");
    }
    void malformedRequests()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        QFETCH(QString, code);
        const Response r = test::rawExchange(gw->dataPort(), raw);
        QCOMPARE(r.status, status);
        QVERIFY2(r.isOpenAiError(), r.raw.left(300).constData());
        QCOMPARE(r.errorCode(), code);
        QCOMPARE(r.headers.value("connection"), QByteArray("close"));
        stillServes();
    }

    void longMethodIsNotEchoed()
    {
        const QByteArray method(10'000, 'M');
        const Response r = test::rawExchange(gw->dataPort(), method + " /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(r.status, 405);
        QVERIFY(r.isOpenAiError());
        QVERIFY2(r.body.size() < 300, r.body.left(300).constData());
        stillServes();
    }

    void badBodiesOnTheDataPlane_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::newRow("malformed json") << QByteArray("{\"model\": \"mock-model\",") << 400;
        QTest::newRow("json array") << QByteArray("[\"mock-model\"]") << 400;
        QTest::newRow("model wrong type") << QByteArray("{\"model\": [\"mock-model\"]}") << 400;
        QTest::newRow("model null") << QByteArray("{\"model\": null}") << 400;
        QTest::newRow("non-utf8") << QByteArray("{\"model\":\"mock-\xc3\x28model\"}") << 400;
        // A raw NUL is not JSON (RFC 8259 wants it escaped): refused as such, as Qt versions read it differently.
        QTest::newRow("nul byte") << QByteArray("{\"model\":\"mock\0model\"}", 22) << 400;
        QTest::newRow("1 MiB model name") << QByteArray("{\"model\":\"") + QByteArray(1024 * 1024, 'm') + "\"}" << 404;
        QTest::newRow("deeply nested") << QByteArray(100'000, '[') << 400;
    }
    void badBodiesOnTheDataPlane()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        const Response r = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), body);
        QCOMPARE(r.status, status);
        QVERIFY(r.isOpenAiError());
        QVERIFY(r.body.size() < 4096);
        stillServes();
    }

    void unknownFieldsPassThroughTheDataPlane()
    {
        // New OpenAI parameters must reach the upstream: the data plane does not police fields.
        const Response r
            = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(),
                             "{\"model\":\"mock-model\",\"brand_new_param\":{\"x\":[1,2]},\"max_tokens\":2}");
        QCOMPARE(r.status, 200);
    }

    void dotDotInPaths_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("plain") << QByteArray("/v1/../v1/models");
        QTest::newRow("encoded") << QByteArray("/v1/%2e%2e/admin");
        QTest::newRow("encoded slash") << QByteArray("/v1/a%2fb");
    }
    void dotDotInPaths()
    {
        QFETCH(QByteArray, path);
        http::Headers auth;
        auth.add("Authorization", "Bearer " + gw->firstKey());
        Response r = test::request(gw->dataPort(), "GET", path, auth);
        QCOMPARE(r.status, 400);
        QVERIFY(r.isOpenAiError());
        r = gw->admin("GET", "/api/v1" + path);
        QVERIFY(r.status == 404 || r.status == 400);
        QVERIFY(r.isOpenAiError());
        stillServes();
    }

    void adminNumbersAndTypes_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("negative weight") << QByteArray("{\"name\":\"n1\",\"weight\":-1}");
        QTest::newRow("huge weight") << QByteArray("{\"name\":\"n2\",\"weight\":1e308}");
        QTest::newRow("NaN-ish weight") << QByteArray("{\"name\":\"n3\",\"weight\":\"NaN\"}");
        QTest::newRow("fractional weight") << QByteArray("{\"name\":\"n4\",\"weight\":1.5}");
        QTest::newRow("huge tokens_per_minute")
            << QByteArray("{\"name\":\"n5\",\"tokens_per_minute\":99999999999999999999}");
        QTest::newRow("name as object") << QByteArray("{\"name\":{\"first\":\"a\"}}");
        QTest::newRow("unknown field") << QByteArray("{\"name\":\"n6\",\"colour\":\"blue\"}");
        QTest::newRow("name with newline") << QByteArray("{\"name\":\"a\\nb\"}");
    }
    void adminNumbersAndTypes()
    {
        QFETCH(QByteArray, body);
        const Response r = gw->admin("POST", "/api/v1/tenants", body);
        QCOMPARE(r.status, 400);
        QVERIFY(r.isOpenAiError());
        QVERIFY(
            !r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString().isEmpty());
        stillServes();
    }

    void adminBodyLimit()
    {
        const QByteArray big = "{\"name\":\"" + QByteArray(2 * 1024 * 1024, 'x') + "\"}";
        const Response r = gw->admin("POST", "/api/v1/tenants", big);
        QCOMPARE(r.status, 413);
        QVERIFY(r.isOpenAiError());
        stillServes();
    }
};

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
