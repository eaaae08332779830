// The data plane (contract section 2) against a real gateway, the real mock upstream in its own
// process, and a capturing upstream that records the exact bytes obleth sends.

#include "captureserver.h"
#include "gatewayfixture.h"
#include "mockupstream.h"

#include <QDeadlineTimer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

using namespace obleth;
using test::GatewayFixture;
using test::Response;

namespace {

QJsonObject modelJson(const QString &name, const QString &apiBase, QJsonObject extra = {})
{
    extra.insert(QStringLiteral("model_name"), name);
    extra.insert(QStringLiteral("api_base"), apiBase);
    return extra;
}

const QByteArray kChat = "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
} // namespace

class TestDataPlane : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::MockUpstream> mock;
    std::unique_ptr<GatewayFixture> gw;

    Response chat(const QByteArray &key, const QByteArray &body = kChat, http::Headers extra = {})
    {
        return test::postJson(gw->dataPort(), "/v1/chat/completions", key, body, std::move(extra));
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
        QVERIFY(!gw->firstKey().isEmpty());
    }
    void cleanup() { gw.reset(); }

    void healthNeedsNoKey()
    {
        const Response r = test::request(gw->dataPort(), "GET", "/health");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("ok"));
    }

    void mockModelWorksOutOfTheBox()
    {
        const Response r = chat(gw->firstKey());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion"));
        QCOMPARE(r.json().value(QStringLiteral("usage")).toObject().value(QStringLiteral("completion_tokens")).toInt(),
                 16);
        // A request id is "req_" and 32 lowercase hex digits, another for each request.
        const QRegularExpression idForm(QStringLiteral("^req_[0-9a-f]{32}$"));
        const QByteArray id = r.headers.value("x-obleth-request-id");
        QVERIFY2(idForm.match(QString::fromLatin1(id)).hasMatch(), id.constData());
        // x-api-key works as well as Bearer.
        const Response viaHeader
            = test::request(gw->dataPort(), "POST", "/v1/completions", test::headers({{"x-api-key", gw->firstKey()}}),
                            "{\"model\":\"mock-model\",\"prompt\":\"hi\",\"max_tokens\":3}");
        QCOMPARE(viaHeader.status, 200);
        const QByteArray otherId = viaHeader.headers.value("x-obleth-request-id");
        QVERIFY2(idForm.match(QString::fromLatin1(otherId)).hasMatch(), otherId.constData());
        QVERIFY(otherId != id);
        QCOMPARE(viaHeader.json().value(QStringLiteral("object")).toString(), QStringLiteral("text_completion"));
    }

    void authFailures_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("no key") << QByteArray() << QByteArray();
        QTest::newRow("empty bearer") << QByteArray("Authorization") << QByteArray("Bearer ");
        QTest::newRow("basic auth") << QByteArray("Authorization") << QByteArray("Basic dXNlcjpwYXNz");
        QTest::newRow("malformed key") << QByteArray("Authorization") << QByteArray("Bearer sk_short");
        QTest::newRow("unknown key") << QByteArray("Authorization") << QByteArray("Bearer sk_") + QByteArray(48, 'a');
        QTest::newRow("unknown x-api-key") << QByteArray("x-api-key") << QByteArray("sk_") + QByteArray(48, 'b');
        QTest::newRow("admin token") << QByteArray("Authorization")
                                     << QByteArray("Bearer ") + GatewayFixture::kAdminToken;
    }
    void authFailures()
    {
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, value);
        http::Headers h;
        if (!header.isEmpty())
            h.add(header, value);
        for (const QByteArray &path :
             {QByteArray("/v1/chat/completions"), QByteArray("/v1/models"), QByteArray("/anything")}) {
            const Response r = test::request(gw->dataPort(), "POST", path, h, kChat);
            QCOMPARE(r.status, 401);
            QCOMPARE(r.errorCode(), QStringLiteral("invalid_api_key"));
            QVERIFY(r.isOpenAiError());
            QVERIFY(!r.body.contains(GatewayFixture::kAdminToken));
        }
    }

    void keyChangesActOnTheNextRequest()
    {
        QString tenantId;
        QString keyId;
        const QByteArray key = gw->addTenantKey(QStringLiteral("acme"), &tenantId, &keyId);
        QCOMPARE(chat(key).status, 200);

        QCOMPARE(gw->admin("PUT", "/api/v1/keys/" + keyId.toLatin1() + "/disabled", "{\"disabled\":true}").status, 200);
        Response r = chat(key);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("key_disabled"));

        QCOMPARE(gw->admin("PUT", "/api/v1/keys/" + keyId.toLatin1() + "/disabled", "{\"disabled\":false}").status,
                 200);
        QCOMPARE(chat(key).status, 200);

        QCOMPARE(gw->admin("DELETE", "/api/v1/keys/" + keyId.toLatin1()).status, 204);
        r = chat(key);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_api_key"));

        // Deleting the tenant revokes all of its keys.
        const Response k = gw->admin("POST", "/api/v1/tenants/" + tenantId.toLatin1() + "/keys", "{}");
        const QByteArray second = k.json().value(QStringLiteral("secret")).toString().toLatin1();
        QCOMPARE(chat(second).status, 200);
        QCOMPARE(gw->admin("DELETE", "/api/v1/tenants/" + tenantId.toLatin1()).status, 204);
        QCOMPARE(chat(second).status, 401);
    }

    void expiredKeyIsForbidden()
    {
        QString tenantId;
        gw->addTenantKey(QStringLiteral("acme"), &tenantId);
        const Response k = gw->admin("POST", "/api/v1/tenants/" + tenantId.toLatin1() + "/keys",
                                     "{\"name\":\"old\",\"expires_at\":\"2020-01-01T00:00:00Z\"}");
        QCOMPARE(k.status, 201);
        const Response r = chat(k.json().value(QStringLiteral("secret")).toString().toLatin1());
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("key_disabled"));
    }

    void requestErrors()
    {
        Response r = chat(gw->firstKey(), "{not json");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
        r = chat(gw->firstKey(), "{\"messages\":[]}");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
        r = chat(gw->firstKey(), "{\"model\":42}");
        QCOMPARE(r.status, 400);
        r = chat(gw->firstKey(), "{\"model\":\"no-such-model\"}");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("model_not_found"));
        gw->addModel(modelJson(QStringLiteral("off"), mock->url().toString(), {{QStringLiteral("enabled"), false}}));
        r = chat(gw->firstKey(), "{\"model\":\"off\"}");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("model_not_found"));
        http::Headers auth;
        auth.add("Authorization", "Bearer " + gw->firstKey());
        r = test::request(gw->dataPort(), "GET", "/v1/chat/completions", auth);
        QCOMPARE(r.status, 405);
        QVERIFY(r.isOpenAiError());
    }

    void forwardsExactlyWhatTheContractSays()
    {
        test::CaptureServer upstream;
        gw->addModel(modelJson(QStringLiteral("office-llm"),
                               QStringLiteral("http://127.0.0.1:%1/v1").arg(upstream.port()),
                               {{QStringLiteral("upstream_model"), QStringLiteral("llama3.1:8b-instruct")},
                                {QStringLiteral("api_key"), QStringLiteral("upstream-secret-key")}}));
        const QByteArray body = "{ \"temperature\": 0.50, \"model\" : \"office-llm\",\n "
                                "\"messages\":[{\"role\":\"user\",\"content\":\"caf\xc3\xa9\"}] }";
        http::Headers h;
        h.add("Authorization", "Bearer " + gw->firstKey());
        h.add("x-api-key", gw->firstKey());
        h.add("Content-Type", "application/json");
        h.add("Connection", "keep-alive, X-Hop");
        h.add("X-Hop", "drop me");
        h.add("Keep-Alive", "timeout=5");
        h.add("Proxy-Authorization", "Basic abc");
        h.add("TE", "trailers");
        h.add("OpenAI-Beta", "assistants=v2");
        h.add("User-Agent", "my-sdk/1.0");
        const Response r = test::request(gw->dataPort(), "POST", "/v1/chat/completions?trace=1", h, body);

        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{\"ok\":true}"));
        QCOMPARE(r.headers.value("x-upstream"), QByteArray("yes"));
        QVERIFY(!r.headers.contains("x-drop-me")); // named in the upstream's Connection header
        const QByteArray requestId = r.headers.value("x-obleth-request-id");
        QVERIFY(!requestId.isEmpty());

        QCOMPARE(upstream.requests().size(), 1);
        const QByteArray expectedBody = "{ \"temperature\": 0.50, \"model\" : \"llama3.1:8b-instruct\",\n "
                                        "\"messages\":[{\"role\":\"user\",\"content\":\"caf\xc3\xa9\"}] }";
        QCOMPARE(upstream.lastBody(), expectedBody);
        const QList<QByteArray> lines = upstream.lastHead().split('\n');
        QCOMPARE(lines.first().trimmed(), QByteArray("POST /v1/chat/completions?trace=1 HTTP/1.1"));
        QList<QByteArray> names;
        http::Headers sent;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            if (line.isEmpty())
                continue;
            const qsizetype colon = line.indexOf(':');
            names.append(line.left(colon).toLower());
            sent.add(line.left(colon), line.mid(colon + 1).trimmed());
        }
        QCOMPARE(names,
                 (QList<QByteArray>{"host", "content-type", "openai-beta", "user-agent", "authorization",
                                    "x-obleth-request-id", "content-length"}));
        QCOMPARE(sent.value("host"), QByteArray("127.0.0.1:") + QByteArray::number(upstream.port()));
        QCOMPARE(sent.value("authorization"), QByteArray("Bearer upstream-secret-key"));
        QCOMPARE(sent.value("user-agent"), QByteArray("my-sdk/1.0"));
        QCOMPARE(sent.value("content-length"), QByteArray::number(expectedBody.size()));
        QCOMPARE(sent.value("x-obleth-request-id"), requestId);
    }

    void duplicateModelKeyIsRefused()
    {
        test::CaptureServer upstream;
        gw->addModel(modelJson(QStringLiteral("registered"),
                               QStringLiteral("http://127.0.0.1:%1/v1").arg(upstream.port()),
                               {{QStringLiteral("upstream_model"), QStringLiteral("real-upstream-model")}}));
        for (const QByteArray &body : {QByteArray("{\"model\":\"mock-model\",\"model\":\"registered\"}"),
                                       QByteArray("{\"model\":\"registered\",\"model\":\"mock-model\"}"),
                                       QByteArray("{\"model\":\"registered\",\"mod\\u0065l\":\"registered\"}")}) {
            const Response r = chat(gw->firstKey(), body);
            QCOMPARE(r.status, 400);
            QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
            QVERIFY2(r.json()
                         .value(QStringLiteral("error"))
                         .toObject()
                         .value(QStringLiteral("message"))
                         .toString()
                         .contains(QStringLiteral("\"model\"")),
                     r.body.constData());
        }
        QCOMPARE(upstream.requests().size(), 0);
        // A nested "model" is the body's own business; the upstream gets exactly one model, its own name.
        const Response ok = chat(gw->firstKey(), "{\"tools\":[{\"model\":\"mock-model\"}],\"model\":\"registered\"}");
        QCOMPARE(ok.status, 200);
        QCOMPARE(upstream.requests().size(), 1);
        QCOMPARE(upstream.lastBody(),
                 QByteArray("{\"tools\":[{\"model\":\"mock-model\"}],\"model\":\"real-upstream-model\"}"));
    }

    void apiBaseWithOrWithoutV1()
    {
        test::CaptureServer upstream;
        gw->addModel(modelJson(QStringLiteral("bare"), QStringLiteral("http://127.0.0.1:%1").arg(upstream.port())));
        gw->addModel(modelJson(QStringLiteral("prefixed"),
                               QStringLiteral("http://127.0.0.1:%1/openai/v1/").arg(upstream.port())));
        QCOMPARE(chat(gw->firstKey(), "{\"model\":\"bare\"}").status, 200);
        QVERIFY(upstream.lastHead().startsWith("POST /v1/chat/completions HTTP/1.1"));
        QCOMPARE(
            test::postJson(gw->dataPort(), "/v1/embeddings", gw->firstKey(), "{\"model\":\"prefixed\",\"input\":\"x\"}")
                .status,
            200);
        QVERIFY(upstream.lastHead().startsWith("POST /openai/v1/embeddings HTTP/1.1"));
        QVERIFY2(!upstream.lastHead().contains("Authorization"),
                 upstream.lastHead().constData()); // no api_key: none sent
    }

    void realMockUpstreamThroughTheGateway()
    {
        gw->addModel(modelJson(QStringLiteral("remote"), mock->url(QStringLiteral("/v1")).toString(),
                               {{QStringLiteral("upstream_model"), QStringLiteral("mock-model")}}));
        const qint64 before = mock->stats().value(QStringLiteral("requests")).toInteger();
        Response r
            = chat(gw->firstKey(),
                   "{\"model\":\"remote\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("model")).toString(), QStringLiteral("mock-model"));
        QCOMPARE(r.json().value(QStringLiteral("usage")).toObject().value(QStringLiteral("completion_tokens")).toInt(),
                 5);
        QCOMPARE(mock->stats().value(QStringLiteral("requests")).toInteger(), before + 1);

        // Upstream errors come back unchanged.
        r = chat(gw->firstKey(), "{\"model\":\"remote\"}", test::headers({{"x-mock-status", "429"}}));
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QStringLiteral("mock_status_429"));

        // Streams are relayed with the SSE framing intact.
        r = chat(gw->firstKey(),
                 "{\"model\":\"remote\",\"stream\":true,\"max_tokens\":4,\"stream_options\":{\"include_usage\":true}}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("content-type"), QByteArray("text/event-stream"));
        QCOMPARE(r.body.count("data: "), 4 + 1 + 1 + 1);
        QVERIFY(r.body.endsWith("data: [DONE]\n\n"));
    }

    void upstreamUnreachableIs502()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        gw->addModel(modelJson(QStringLiteral("down"), QStringLiteral("http://127.0.0.1:%1/v1").arg(port)));
        const Response r = chat(gw->firstKey(), "{\"model\":\"down\"}");
        QCOMPARE(r.status, 502);
        QCOMPARE(r.errorCode(), QStringLiteral("upstream_error"));
        QVERIFY(r.isOpenAiError());
    }

    void upstreamSilentIs504()
    {
        gw->addModel(modelJson(QStringLiteral("slow"), mock->url().toString(),
                               {{QStringLiteral("first_byte_timeout_secs"), 1},
                                {QStringLiteral("upstream_model"), QStringLiteral("mock-model")}}));
        const Response r = chat(gw->firstKey(), "{\"model\":\"slow\"}", test::headers({{"x-mock-latency-ms", "5000"}}));
        QCOMPARE(r.status, 504);
        QCOMPARE(r.errorCode(), QStringLiteral("upstream_timeout"));
    }

    void upstreamResetBeforeResponseIs502()
    {
        QTcpServer resetter;
        QVERIFY(resetter.listen(QHostAddress::LocalHost, 0));
        connect(&resetter, &QTcpServer::newConnection, &resetter, [&resetter] {
            QTcpSocket *s = resetter.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, s, [s] { s->abort(); });
        });
        gw->addModel(
            modelJson(QStringLiteral("reset"), QStringLiteral("http://127.0.0.1:%1").arg(resetter.serverPort())));
        const Response r = chat(gw->firstKey(), "{\"model\":\"reset\"}");
        QCOMPARE(r.status, 502);
        QCOMPARE(r.errorCode(), QStringLiteral("upstream_error"));
    }

    void modelListing()
    {
        gw->addModel(modelJson(QStringLiteral("visible"), mock->url().toString()));
        gw->addModel(modelJson(QStringLiteral("hidden"), mock->url().toString(), {{QStringLiteral("enabled"), false}}));
        http::Headers auth;
        auth.add("Authorization", "Bearer " + gw->firstKey());
        const Response r = test::request(gw->dataPort(), "GET", "/v1/models", auth);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("object")).toString(), QStringLiteral("list"));
        QStringList ids;
        for (const QJsonValue &v : r.data())
            ids.append(v.toObject().value(QStringLiteral("id")).toString());
        QCOMPARE(ids, (QStringList{QStringLiteral("visible"), QStringLiteral("mock-model")}));
        QCOMPARE(test::request(gw->dataPort(), "GET", "/v1/models/visible", auth)
                     .json()
                     .value(QStringLiteral("id"))
                     .toString(),
                 QStringLiteral("visible"));
        QCOMPARE(test::request(gw->dataPort(), "GET", "/v1/models/hidden", auth).status, 404);
    }

    void fallThroughNeedsAnUpstream()
    {
        http::Headers auth;
        auth.add("Authorization", "Bearer " + gw->firstKey());
        Response r = test::request(gw->dataPort(), "GET", "/api/tags", auth);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        r = test::postJson(gw->dataPort(), "/v1/embeddings", gw->firstKey(),
                           "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("model_not_found"));
    }

    void fallThroughToTheDefaultUpstream()
    {
        gw.reset();
        gw = std::make_unique<GatewayFixture>(mock->url());
        QVERIFY(gw->ok());
        http::Headers auth;
        auth.add("Authorization", "Bearer " + gw->firstKey());
        // Any other path goes to the upstream unchanged, query included.
        Response r = test::request(gw->dataPort(), "GET", "/stats?x=1", auth);
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().contains(QStringLiteral("requests")));
        // /v1/models is the upstream's.
        r = test::request(gw->dataPort(), "GET", "/v1/models", auth);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.data().first().toObject().value(QStringLiteral("owned_by")).toString(), QStringLiteral("obleth"));
        // Embeddings for a model the registry does not know go to the default upstream.
        r = test::postJson(gw->dataPort(), "/v1/embeddings", gw->firstKey(),
                           "{\"model\":\"nomic-embed\",\"input\":[\"a\",\"b\"]}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.data().size(), 2);
        // Still no route without a key.
        QCOMPARE(test::request(gw->dataPort(), "GET", "/stats").status, 401);
    }

    void manySlowRequestsToOneHostAreAllInFlight()
    {
        constexpr int kRequests = 64;
        gw->addModel(modelJson(QStringLiteral("slow-mock"), mock->url().toString(),
                               {{QStringLiteral("upstream_model"), QStringLiteral("mock-model")}}));
        const int peakBefore = mock->stats().value(QStringLiteral("max_in_flight")).toInt();
        QVERIFY(peakBefore < kRequests);

        const QByteArray body = "{\"model\":\"slow-mock\",\"max_tokens\":1}";
        const QByteArray raw = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + gw->firstKey() + "\r\nx-mock-latency-ms: 1500\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\nConnection: close\r\n\r\n" + body;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        QHash<QTcpSocket *, QByteArray> replies;
        for (int i = 0; i < kRequests; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            QTcpSocket *s = socket.get();
            connect(s, &QTcpSocket::connected, s, [s, raw] { s->write(raw); });
            connect(s, &QTcpSocket::readyRead, s, [s, &replies] { replies[s] += s->readAll(); });
            s->connectToHost(QHostAddress::LocalHost, gw->dataPort());
            sockets.push_back(std::move(socket));
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(sockets.begin(), sockets.end(),
                        [](const auto &s) { return s->state() == QAbstractSocket::UnconnectedState; }),
            20'000);
        for (const auto &s : sockets)
            QVERIFY2(replies.value(s.get()).startsWith("HTTP/1.1 200"), replies.value(s.get()).left(200).constData());
        QCOMPARE(mock->stats().value(QStringLiteral("max_in_flight")).toInt(), kRequests);
    }
};

QTEST_GUILESS_MAIN(TestDataPlane)
#include "tst_dataplane.moc"
