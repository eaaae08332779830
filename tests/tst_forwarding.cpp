// The forwarding rules of contract section 2 as pure functions: URL joining, header filtering,
// and the model rewrite that keeps every other byte.

#include "proxy/forwarding.h"
#include "proxy/requestbody.h"
#include "proxy/upstreamendpoint.h"

#include <QTest>

using namespace obleth;

class TestForwarding : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void modelRewriteKeepsEveryOtherByte_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("upstreamModel");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("simple") << QByteArray("{\"model\":\"a\",\"x\":1}") << QStringLiteral("b")
                                << QByteArray("{\"model\":\"b\",\"x\":1}");
        QTest::newRow("whitespace, order and numbers kept")
            << QByteArray("{ \"temperature\" : 0.70000, \"model\" :\n \"gpt\" , \"n\":1e2 }")
            << QStringLiteral("llama3:8b")
            << QByteArray("{ \"temperature\" : 0.70000, \"model\" :\n \"llama3:8b\" , \"n\":1e2 }");
        QTest::newRow("nested model keys untouched")
            << QByteArray(
                   "{\"messages\":[{\"model\":\"inner\",\"content\":\"\\\"model\\\":\\\"x\\\"\"}],\"model\":\"outer\"}")
            << QStringLiteral("up")
            << QByteArray(
                   "{\"messages\":[{\"model\":\"inner\",\"content\":\"\\\"model\\\":\\\"x\\\"\"}],\"model\":\"up\"}");
        QTest::newRow("escaped key") << QByteArray("{\"mod\\u0065l\":\"a\"}") << QStringLiteral("b")
                                     << QByteArray("{\"mod\\u0065l\":\"b\"}");
        QTest::newRow("needs escaping") << QByteArray("{\"model\":\"a\"}") << QStringLiteral("we\"ird\\name")
                                        << QByteArray("{\"model\":\"we\\\"ird\\\\name\"}");
        QTest::newRow("unicode kept") << QByteArray("{\"model\":\"a\",\"p\":\"h\xc3\xa9\"}") << QStringLiteral("b")
                                      << QByteArray("{\"model\":\"b\",\"p\":\"h\xc3\xa9\"}");
        QTest::newRow("same name: bytes identical")
            << QByteArray("{\"model\" : \"a\"}") << QStringLiteral("a") << QByteArray("{\"model\" : \"a\"}");
    }
    void modelRewriteKeepsEveryOtherByte()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, upstreamModel);
        QFETCH(QByteArray, expected);
        proxy::RequestBody parsed;
        QString error;
        QVERIFY2(parsed.parse(body, &error), qPrintable(error));
        QCOMPARE(parsed.withModel(upstreamModel), expected);
    }

    void invalidBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("not json") << QByteArray("model=gpt");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("truncated") << QByteArray("{\"model\":\"a\"");
        QTest::newRow("non-utf8") << QByteArray("{\"model\":\"\xff\xfe\"}");
        // Two top-level "model" keys: a parser that keeps the first would run another model than obleth routed.
        QTest::newRow("model twice") << QByteArray("{\"model\":\"mock-model\",\"model\":\"registered\"}");
        QTest::newRow("model twice, one escaped") << QByteArray("{\"model\":\"a\",\"mod\\u0065l\":\"b\"}");
        QTest::newRow("model twice, first not a string") << QByteArray("{\"model\":1,\"x\":[],\"model\":\"b\"}");
        // Raw control characters are not JSON; Qt 6.4 and 6.8 read a key holding a raw NUL differently (fuzzing).
        QTest::newRow("raw NUL in a key") << QByteArray("{\"mod\\u0065l\0\0\":\"a\"}", 20);
        QTest::newRow("raw NUL in a string") << QByteArray("{\"model\":\"a\0\"}", 14);
        // An escaped NUL in a key: Qt 6.8 finds "model\u0000" when asked for "model", Qt 6.4 does not (fuzzing).
        QTest::newRow("escaped NUL in a key") << QByteArray("{\"model\\u0000\":\"s\"}");
        QTest::newRow("raw control character") << QByteArray("{\"model\":\"a\x01\"}");
        QTest::newRow("model twice, same value") << QByteArray("{ \"model\" : \"a\" , \"model\":\"a\"}");
    }
    void invalidBodies()
    {
        QFETCH(QByteArray, body);
        proxy::RequestBody parsed;
        QString error;
        QVERIFY(!parsed.parse(body, &error));
        QVERIFY(!error.isEmpty());
        if (QByteArray(QTest::currentDataTag()).startsWith("model twice"))
            QVERIFY2(error.contains(QStringLiteral("\"model\"")), qPrintable(error));
    }

    void upstreamUrlNeverDoublesV1_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QString>("expected");
        QTest::newRow("base with /v1") << QStringLiteral("http://h:1/v1") << QByteArray("/v1/chat/completions")
                                       << QByteArray() << QStringLiteral("http://h:1/v1/chat/completions");
        QTest::newRow("base with /v1/") << QStringLiteral("http://h:1/v1/") << QByteArray("/v1/chat/completions")
                                        << QByteArray() << QStringLiteral("http://h:1/v1/chat/completions");
        QTest::newRow("bare base") << QStringLiteral("http://h:1") << QByteArray("/v1/embeddings") << QByteArray()
                                   << QStringLiteral("http://h:1/v1/embeddings");
        QTest::newRow("prefixed base") << QStringLiteral("https://api.example.com/openai/v1")
                                       << QByteArray("/v1/models") << QByteArray()
                                       << QStringLiteral("https://api.example.com/openai/v1/models");
        QTest::newRow("query kept") << QStringLiteral("http://h") << QByteArray("/api/tags") << QByteArray("a=1&b=%20")
                                    << QStringLiteral("http://h/api/tags?a=1&b=%20");
    }
    void upstreamUrlNeverDoublesV1()
    {
        QFETCH(QString, base);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, query);
        QFETCH(QString, expected);
        QCOMPARE(proxy::upstreamUrl(base, path, query).toString(QUrl::FullyEncoded), expected);
        // The target sent is the same path with the query byte for byte.
        const QUrl url(expected);
        QCOMPARE(proxy::upstreamTarget(base, path, query),
                 url.path(QUrl::FullyEncoded).toLatin1() + (query.isEmpty() ? QByteArray() : '?' + query));
    }

    void queryIsSentByteForByte()
    {
        QCOMPARE(proxy::upstreamTarget(QStringLiteral("http://h/v1"), "/v1/files", "name=%41%2f&x"),
                 QByteArray("/v1/files?name=%41%2f&x"));
        QCOMPARE(proxy::upstreamTarget(QStringLiteral("http://h"), "/", {}), QByteArray("/"));
    }

    void pathsReachingAModelRoute_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<bool>("reaches");
        QTest::newRow("upper case") << QStringLiteral("http://h") << QByteArray("/V1/CHAT/COMPLETIONS") << true;
        QTest::newRow("params") << QStringLiteral("http://h") << QByteArray("/v1/embeddings;x") << true;
        QTest::newRow("base /v1, path without it")
            << QStringLiteral("http://h/v1") << QByteArray("/chat/completions") << true;
        QTest::newRow("base /openai/v1") << QStringLiteral("http://h/openai/v1") << QByteArray("/Completions") << true;
        QTest::newRow("base ends in a route's head")
            << QStringLiteral("http://h/v1/chat") << QByteArray("/completions") << true;
        QTest::newRow("models") << QStringLiteral("http://h") << QByteArray("/V1/MODELS") << false;
        QTest::newRow("ollama's own API") << QStringLiteral("http://h") << QByteArray("/api/chat") << false;
        QTest::newRow("a longer path") << QStringLiteral("http://h") << QByteArray("/v1/chat/completions/x") << false;
        // The Messages and Responses routes (contract section 13) as well, and every path below /v1/responses (the
        // ids, which obleth keeps to their tenant); found by probing: their look-alikes reached the default upstream.
        QTest::newRow("messages, upper case") << QStringLiteral("http://h") << QByteArray("/V1/Messages") << true;
        QTest::newRow("messages, params") << QStringLiteral("http://h") << QByteArray("/v1/messages;x") << true;
        QTest::newRow("responses, base /v1") << QStringLiteral("http://h/v1") << QByteArray("/RESPONSES") << true;
        QTest::newRow("a response id, upper case")
            << QStringLiteral("http://h") << QByteArray("/V1/RESPONSES/resp_1") << true;
        QTest::newRow("a response's items, params")
            << QStringLiteral("http://h") << QByteArray("/v1/responses;x/resp_1/input_items") << true;
        QTest::newRow("a response id, base /v1") << QStringLiteral("http://h/v1") << QByteArray("/responses/r") << true;
        QTest::newRow("message batches") << QStringLiteral("http://h") << QByteArray("/v1/messages/batches") << false;
        QTest::newRow("responsesx") << QStringLiteral("http://h") << QByteArray("/v1/responsesx") << false;
    }
    void pathsReachingAModelRoute()
    {
        QFETCH(QString, base);
        QFETCH(QByteArray, path);
        QFETCH(bool, reaches);
        QCOMPARE(proxy::reachesModelRoute(base, path), reaches);
    }

    void requestHeadersFollowTheRules()
    {
        http::Headers client;
        client.add("Host", "gateway:8088");
        client.add("Authorization", "Bearer sk_tenant");
        client.add("x-api-key", "sk_tenant");
        client.add("Connection", "keep-alive, X-Private");
        client.add("X-Private", "1");
        client.add("Keep-Alive", "timeout=5");
        client.add("Proxy-Authorization", "x");
        client.add("TE", "trailers");
        client.add("Upgrade", "h2c");
        client.add("Content-Length", "10");
        client.add("Content-Type", "application/json");
        client.add("OpenAI-Organization", "org-1");
        client.add("X-Custom", "a");
        client.add("X-Custom", "b");
        const http::Headers up
            = proxy::upstreamRequestHeaders(client, proxy::bearer(QStringLiteral("upstream-secret")), "req_1");
        QList<QByteArray> names;
        for (const auto &f : up.fields())
            names.append(f.first);
        QCOMPARE(names,
                 (QList<QByteArray>{"Content-Type", "OpenAI-Organization", "X-Custom", "X-Custom", "Authorization",
                                    "x-obleth-request-id"}));
        QCOMPARE(up.value("authorization"), QByteArray("Bearer upstream-secret"));
        QCOMPARE(up.value("x-obleth-request-id"), QByteArray("req_1"));

        const http::Headers noKey = proxy::upstreamRequestHeaders(client, proxy::bearer({}), "req_2");
        QVERIFY(!noKey.contains("authorization"));
    }

    /// Anthropic's Messages API (contract section 13): natively the endpoint's key goes as x-api-key (no
    /// Authorization), anthropic-version and anthropic-beta pass, and 2023-06-01 is added when the client sent no
    /// version; translated onto Chat Completions, Anthropic's headers stay behind and the key is a Bearer token.
    void anthropicDialectHeaders()
    {
        http::Headers client;
        client.add("x-api-key", "sk_tenant");
        client.add("Authorization", "Bearer sk_tenant");
        client.add("anthropic-version", "2023-01-01");
        client.add("anthropic-beta", "tools-2024-04-04");
        client.add("Content-Type", "application/json");
        const proxy::UpstreamEndpoint native(QUrl(QStringLiteral("http://h")), {}, "sk-ant-upstream");
        QByteArray out;
        proxy::writeUpstreamRequestHeaders(out, client, native, "req_1", proxy::UpstreamDialect::AnthropicNative);
        QCOMPARE(out,
                 QByteArray("anthropic-version: 2023-01-01\r\nanthropic-beta: tools-2024-04-04\r\nContent-Type: "
                            "application/json\r\nAccept-Encoding: identity\r\nx-api-key: sk-ant-upstream\r\n"
                            "x-obleth-request-id: req_1\r\n"));

        http::Headers bare;
        bare.add("x-api-key", "sk_tenant");
        out.clear();
        proxy::writeUpstreamRequestHeaders(out, bare, native, "req_2", proxy::UpstreamDialect::AnthropicNative);
        QCOMPARE(
            out,
            QByteArray("anthropic-version: 2023-06-01\r\nAccept-Encoding: identity\r\nx-api-key: sk-ant-upstream\r\n"
                       "x-obleth-request-id: req_2\r\n"));

        const proxy::UpstreamEndpoint chat(QUrl(QStringLiteral("http://h")), proxy::bearer(QStringLiteral("sk-up")));
        out.clear();
        proxy::writeUpstreamRequestHeaders(out, client, chat, "req_3", proxy::UpstreamDialect::AnthropicTranslated);
        QCOMPARE(out,
                 QByteArray("Content-Type: application/json\r\nAccept-Encoding: identity\r\nAuthorization: Bearer "
                            "sk-up\r\nx-obleth-request-id: req_3\r\n"));
        // The OpenAI dialect is the rule of section 2, as ever.
        out.clear();
        proxy::writeUpstreamRequestHeaders(out, client, chat, "req_4", proxy::UpstreamDialect::OpenAI);
        QByteArray classic;
        proxy::writeUpstreamRequestHeaders(classic, client, chat.authorization(), "req_4");
        QCOMPARE(out, classic);
        QVERIFY(out.contains("anthropic-version: 2023-01-01"));
    }

    /// The one choice of credentials: Anthropic's key as x-api-key, OpenAI's as a Bearer token; none for no key.
    void endpointForSendsTheKeyAsItsApiTakesIt()
    {
        const auto native = proxy::endpointFor(QStringLiteral("http://h/v1"), QStringLiteral("sk-ant"), true);
        QCOMPARE(native->apiKey(), QByteArray("sk-ant"));
        QVERIFY(native->authorization().isEmpty());
        const auto chat = proxy::endpointFor(QStringLiteral("http://h/v1"), QStringLiteral("sk-up"), false);
        QCOMPARE(chat->authorization(), QByteArray("Bearer sk-up"));
        QVERIFY(chat->apiKey().isEmpty());
        QCOMPARE(chat->basePath(), QByteArray("/v1"));
        const auto none = proxy::endpointFor(QStringLiteral("http://h"), {}, false);
        QVERIFY(none->authorization().isEmpty() && none->apiKey().isEmpty());
        QVERIFY(native->poolKey() != chat->poolKey());
    }

    /// The client's Accept-Encoding is never forwarded, in any dialect: obleth reads the answers it relays (usage,
    /// cache, response ids, the Messages translation), which a compressing upstream would make unreadable (found by
    /// probing: a translated answer broke and usage went unmetered).
    void acceptEncodingIsNotForwarded()
    {
        http::Headers client;
        client.add("Accept-Encoding", "gzip, deflate, br");
        client.add("Content-Type", "application/json");
        const proxy::UpstreamEndpoint chat(QUrl(QStringLiteral("http://h")), proxy::bearer(QStringLiteral("sk-up")));
        const proxy::UpstreamEndpoint native(QUrl(QStringLiteral("http://h")), {}, "sk-ant-upstream");
        for (const auto dialect : {proxy::UpstreamDialect::OpenAI, proxy::UpstreamDialect::AnthropicNative,
                                   proxy::UpstreamDialect::AnthropicTranslated}) {
            QByteArray out;
            proxy::writeUpstreamRequestHeaders(
                out, client, dialect == proxy::UpstreamDialect::AnthropicNative ? native : chat, "req_1", dialect);
            // The dialects whose answers obleth must read ask for them uncompressed outright.
            const QByteArray expected
                = dialect == proxy::UpstreamDialect::OpenAI ? QByteArray() : QByteArray("accept-encoding: identity");
            QVERIFY2(!out.toLower().contains("gzip"), out.constData());
            QCOMPARE(out.toLower().contains("accept-encoding"), !expected.isEmpty());
            if (!expected.isEmpty())
                QVERIFY2(out.toLower().contains(expected), out.constData());
            QVERIFY(out.contains("Content-Type: application/json"));
        }
    }

    void responseHeadersDropHopByHop()
    {
        http::Headers up;
        up.add("Content-Type", "text/event-stream");
        up.add("Transfer-Encoding", "chunked");
        up.add("Content-Length", "5");
        up.add("Connection", "close");
        up.add("x-request-id", "upstream-id");
        const http::Headers out = proxy::clientResponseHeaders(up, "req_9");
        QVERIFY(!out.contains("transfer-encoding"));
        QVERIFY(!out.contains("content-length")); // chunked upstream: length is not kept
        QVERIFY(!out.contains("connection"));
        QCOMPARE(out.value("x-request-id"), QByteArray("upstream-id"));
        QCOMPARE(out.value("x-obleth-request-id"), QByteArray("req_9"));
    }
};

QTEST_GUILESS_MAIN(TestForwarding)
#include "tst_forwarding.moc"
