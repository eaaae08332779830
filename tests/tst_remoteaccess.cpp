// Remote access (contract section 14): the Management API's Host check against DNS rebinding, CORS for
// browser apps on the data plane, key scopes (allowed_models, a key's own max_in_flight, PATCH of a key),
// and the listeners' addresses. Real gateway, real sockets, the real mock upstream in its own process.

#include "admin/adminapi.h"
#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "testcertificate.h"

#include <QDeadlineTimer>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTest>

using namespace obleth;
using test::GatewayFixture;
using test::Response;

namespace {
const QByteArray kChat = "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

QByteArray chatFor(const QByteArray &model)
{
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
}
} // namespace

class TestRemoteAccess : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::MockUpstream> mock;
    std::unique_ptr<GatewayFixture> gw;

    /// A Management API GET with the admin token and the given Host header.
    Response adminWithHost(const QByteArray &host)
    {
        return test::rawExchange(gw->adminPort(),
                                 "GET /api/v1/status HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer "
                                     + GatewayFixture::kAdminToken + "\r\n\r\n");
    }
    /// A key for tenant "default" with the given extra fields; returns the secret.
    QByteArray scopedKey(const QJsonObject &fields, QString *keyId = nullptr)
    {
        const QString tenantId
            = gw->admin("GET", "/api/v1/tenants").data().first().toObject().value(QStringLiteral("id")).toString();
        const Response r = gw->admin("POST", "/api/v1/tenants/" + tenantId.toUtf8() + "/keys",
                                     QJsonDocument(fields).toJson(QJsonDocument::Compact));
        if (r.status != 201)
            return {};
        if (keyId)
            *keyId = r.json().value(QStringLiteral("key")).toObject().value(QStringLiteral("id")).toString();
        return r.json().value(QStringLiteral("secret")).toString().toUtf8();
    }

private Q_SLOTS:
    void initTestCase()
    {
        mock = std::make_unique<test::MockUpstream>();
        QVERIFY(mock->ok());
    }
    void init()
    {
        gw = std::make_unique<GatewayFixture>(mock->url());
        QVERIFY(gw->ok());
    }
    void cleanup() { gw.reset(); }

    // ---- DNS rebinding -------------------------------------------------------------------------------

    void adminRefusesForeignHostNames()
    {
        const QByteArray port = QByteArray::number(gw->adminPort());
        // What a page on evil.example sees after its name was rebound to 127.0.0.1: the token does not help.
        for (const QByteArray &host :
             QByteArrayList{QByteArray("evil.example"), "evil.example:" + port, QByteArray("localhost.evil.example"),
                            QByteArray("127.0.0.1.nip.io:") + port}) {
            const Response r = adminWithHost(host);
            QCOMPARE(r.status, 403);
            QCOMPARE(r.errorCode(), QStringLiteral("forbidden_host"));
            QVERIFY(!r.body.contains("version"));
        }
        for (const QByteArray &host :
             QByteArrayList{"127.0.0.1:" + port, "localhost:" + port, QByteArray("LOCALHOST"), "[::1]:" + port,
                            QByteArray("127.0.0.2"), "app.localhost:" + port}) {
            const Response r = adminWithHost(host);
            QVERIFY2(r.status == 200, host.constData());
        }
        // Without the token a foreign Host is still 403 (the Host check comes first), and the data plane is
        // not limited: keys are what guard it.
        QCOMPARE(test::rawExchange(gw->adminPort(), "GET /api/v1/status HTTP/1.1\r\nHost: evil.example\r\n\r\n").status,
                 403);
        const Response data = test::rawExchange(gw->dataPort(),
                                                "POST /v1/chat/completions HTTP/1.1\r\nHost: evil.example\r\n"
                                                "Authorization: Bearer "
                                                    + gw->firstKey() + "\r\nContent-Length: "
                                                    + QByteArray::number(kChat.size()) + "\r\n\r\n" + kChat);
        QCOMPARE(data.status, 200);
    }

    void hostRulesFollowTheListenAddress()
    {
        using admin::AdminApi;
        const QHostAddress loopback(QHostAddress::LocalHost);
        const QHostAddress lan(QStringLiteral("192.168.7.9"));
        QVERIFY(AdminApi::isAllowedHost(QByteArray(), loopback)); // HTTP/1.0: no browser
        QVERIFY(!AdminApi::isAllowedHost("192.168.7.9:9090", loopback));
        QVERIFY(AdminApi::isAllowedHost("192.168.7.9:9090", lan));
        QVERIFY(!AdminApi::isAllowedHost("10.0.0.1", lan));
        QVERIFY(AdminApi::isAllowedHost("10.0.0.1", QHostAddress(QHostAddress::Any)));
        QVERIFY(!AdminApi::isAllowedHost("obleth.lan", QHostAddress(QHostAddress::Any)));
        QVERIFY(!AdminApi::isAllowedHost("[::1", loopback));
    }

    void adminListenerStaysOnLoopback()
    {
        // --host 0.0.0.0 opens the data plane to the network, not the Management API.
        QTemporaryDir dir;
        test::ServerProcess server({QStringLiteral("--server"), QStringLiteral("--host"), QStringLiteral("0.0.0.0"),
                                    QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                                    QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
        QVERIFY(server.ok());
        QVERIFY2(server.out.contains("data=http://0.0.0.0:"), server.out.constData());
        QVERIFY2(server.out.contains("admin=http://127.0.0.1:"), server.out.constData());
        // Keys would cross the network in plain text: one warning line says so.
        server.terminate();
        QVERIFY(server.waitForExit(10'000));
        const QByteArray err = server.errorOutput();
        QCOMPARE(err.count("without TLS"), 1);
        QVERIFY2(err.contains("obleth: warning: the data plane listens on 0.0.0.0"), err.constData());
        // On loopback there is nothing to warn about.
        test::ServerProcess local({QStringLiteral("--server"), QStringLiteral("--port"), QStringLiteral("0"),
                                   QStringLiteral("--admin-port"), QStringLiteral("0"), QStringLiteral("--data-dir"),
                                   dir.path()});
        QVERIFY(local.ok());
        local.terminate();
        QVERIFY(local.waitForExit(10'000));
        QVERIFY(!local.errorOutput().contains("warning"));
    }

    // ---- TLS -----------------------------------------------------------------------------------------

    void tlsOnBothListeners()
    {
        if (const QString why = test::tlsUnavailableReason(); !why.isEmpty())
            QSKIP(qPrintable(why));
        QTemporaryDir dir;
        QString cert;
        QString key;
        QVERIFY(test::makeSelfSignedCertificate(dir.path(), QStringLiteral("server"), &cert, &key));

        test::ServerProcess server({QStringLiteral("--server"), QStringLiteral("--host"), QStringLiteral("0.0.0.0"),
                                    QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                                    QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path(),
                                    QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key});
        QVERIFY(server.ok());
        QVERIFY2(server.out.contains("data=https://0.0.0.0:") && server.out.contains("admin=https://127.0.0.1:"),
                 server.out.constData());

        QFile certFile(cert);
        QVERIFY(certFile.open(QIODevice::ReadOnly));
        const QSslCertificate trusted(certFile.readAll(), QSsl::Pem);
        // One request over TLS with a client that trusts only this certificate (and checks the name).
        const auto overTls = [&](quint16 port, const QByteArray &raw) {
            QSslSocket client;
            QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
            conf.setCaCertificates({trusted});
            client.setSslConfiguration(conf);
            QByteArray received;
            connect(&client, &QSslSocket::readyRead, this, [&] { received += client.readAll(); });
            connect(&client, &QSslSocket::encrypted, this, [&] { client.write(raw); });
            client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
            // Polls with a deadline (a QTRY_ macro cannot return a value from here).
            const QDeadlineTimer deadline(10'000);
            while (client.state() != QAbstractSocket::UnconnectedState && !received.contains("\r\n\r\n{")
                   && !deadline.hasExpired()) {
                QTest::qWait(10);
            }
            return received;
        };
        const QByteArray chat = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + server.firstKey() + "\r\nContent-Length: " + QByteArray::number(kChat.size()) + "\r\n\r\n" + kChat;
        QByteArray answer = overTls(server.dataPort, chat);
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        answer = overTls(server.adminPort, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY2(answer.startsWith("HTTP/1.1 401"), answer.constData()); // TLS works; the token is still needed
        // Plain HTTP to the TLS port gets no answer, and the server goes on.
        QCOMPARE(test::rawExchange(server.dataPort, chat, 3000).status, 0);
        QVERIFY2(overTls(server.dataPort, chat).startsWith("HTTP/1.1 200"), "still serving");
        // With TLS, a data plane on the network needs no warning.
        server.terminate();
        QVERIFY(server.waitForExit(10'000));
        QVERIFY(!server.errorOutput().contains("without TLS"));
    }

    void badTlsFilesStopTheStartWithOneLine()
    {
        QTemporaryDir dir;
        const QString garbage = dir.filePath(QStringLiteral("garbage.pem"));
        QFile f(garbage);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a certificate\n");
        f.close();
        QProcess obleth;
        obleth.start(test::oblethBinary(),
                     {QStringLiteral("--server"), QStringLiteral("--port"), QStringLiteral("0"),
                      QStringLiteral("--admin-port"), QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path(),
                      QStringLiteral("--tls-cert"), garbage, QStringLiteral("--tls-key"), garbage});
        QVERIFY(obleth.waitForFinished(20'000));
        QCOMPARE(obleth.exitCode(), 1);
        const QByteArray err = obleth.readAllStandardError();
        QCOMPARE(err.count('\n'), 1);
        QVERIFY2(err.startsWith("obleth: ") && err.contains("garbage.pem"), err.constData());
        QVERIFY(obleth.readAllStandardOutput().isEmpty());
        // Found before anything was made in the data folder.
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("obleth.db"))));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("secret.key"))));
    }

    // ---- CORS ----------------------------------------------------------------------------------------

    void corsAnswersOnlyAllowedOrigins()
    {
        QCOMPARE(gw->admin("GET", "/api/v1/settings/cors").json().value(QStringLiteral("allowed_origins")).toArray(),
                 QJsonArray());
        const auto preflight = [this](const QByteArray &origin) {
            return test::request(
                gw->dataPort(), "OPTIONS", "/v1/chat/completions",
                test::headers({{"Origin", origin},
                               {"Access-Control-Request-Method", "POST"},
                               {"Access-Control-Request-Headers", "authorization, content-type, x-stainless-os"}}));
        };
        // None allowed yet: a preflight is an unauthenticated request like any other, without CORS headers.
        Response r = preflight("http://localhost:3000");
        QCOMPARE(r.status, 401);
        QVERIFY(!r.headers.contains("access-control-allow-origin"));

        QCOMPARE(gw->admin("PUT", "/api/v1/settings/cors",
                           "{\"allowed_origins\":[\"http://localhost:3000\",\"chrome-extension://*\"]}")
                     .status,
                 200);
        r = preflight("http://localhost:3000");
        QCOMPARE(r.status, 204);
        QCOMPARE(r.headers.value("access-control-allow-origin"), QByteArray("http://localhost:3000"));
        const QByteArray allowHeaders = r.headers.value("access-control-allow-headers").toLower();
        for (const char *h : {"authorization", "x-api-key", "content-type", "anthropic-version", "x-stainless-os"})
            QVERIFY2(allowHeaders.contains(h), h);
        QVERIFY(r.headers.value("access-control-allow-methods").contains("POST"));
        QCOMPARE(preflight("chrome-extension://abcdefgh").status, 204);

        // Other origins: no CORS headers, so the browser keeps the answer from the page.
        for (const QByteArray &origin : {QByteArray("http://localhost:3001"), QByteArray("https://evil.example"),
                                         QByteArray("null"), QByteArray("http://localhost:3000.evil.example")}) {
            r = preflight(origin);
            QVERIFY2(r.status == 401, origin.constData());
            QVERIFY(!r.headers.contains("access-control-allow-origin"));
        }

        // The answer itself carries the origin; the upstream's own CORS headers do not pass.
        r = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), kChat,
                           test::headers({{"Origin", "http://localhost:3000"}}));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("access-control-allow-origin"), QByteArray("http://localhost:3000"));
        QVERIFY(r.headers.value("access-control-expose-headers").contains("x-obleth-request-id"));
        r = test::postJson(gw->dataPort(), "/v1/chat/completions", "sk_wrong", kChat,
                           test::headers({{"Origin", "http://localhost:3000"}}));
        QCOMPARE(r.status, 401); // errors too, so the page can read why
        QCOMPARE(r.headers.value("access-control-allow-origin"), QByteArray("http://localhost:3000"));
        r = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), kChat,
                           test::headers({{"Origin", "https://evil.example"}}));
        QCOMPARE(r.status, 200);
        QVERIFY(!r.headers.contains("access-control-allow-origin"));

        // Validation names the field; the setting survives as set.
        for (const QByteArray &bad : {QByteArray("{\"allowed_origins\":[\"localhost:3000\"]}"),
                                      QByteArray("{\"allowed_origins\":[\"http://a.example/path\"]}"),
                                      QByteArray("{\"allowed_origins\":\"*\"}"), QByteArray("{}"),
                                      QByteArray("{\"allowed_origins\":[\"http://a\\r\\nX: y\"]}")}) {
            r = gw->admin("PUT", "/api/v1/settings/cors", bad);
            QVERIFY2(r.status == 400, bad.constData());
            QVERIFY(r.body.contains("allowed_origins"));
        }
        QCOMPARE(
            gw->admin("GET", "/api/v1/settings/cors").json().value(QStringLiteral("allowed_origins")).toArray().size(),
            2);
    }

    // ---- key scopes ----------------------------------------------------------------------------------

    void keyAllowedModelsAreEnforced()
    {
        QVERIFY(!gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("alpha")},
                                          {QStringLiteral("api_base"), mock->url().toString()}})
                     .isEmpty());
        QVERIFY(!gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("beta")},
                                          {QStringLiteral("api_base"), mock->url().toString()}})
                     .isEmpty());
        QString keyId;
        const QByteArray key
            = scopedKey(QJsonObject{{QStringLiteral("name"), QStringLiteral("alpha only")},
                                    {QStringLiteral("allowed_models"), QJsonArray{QStringLiteral("alpha")}}},
                        &keyId);
        QVERIFY(!key.isEmpty());
        const quint16 port = gw->dataPort();
        QCOMPARE(test::postJson(port, "/v1/chat/completions", key, chatFor("alpha")).status, 200);
        Response r = test::postJson(port, "/v1/chat/completions", key, chatFor("beta"));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("model_not_allowed"));
        QVERIFY(r.isOpenAiError());
        QCOMPARE(test::postJson(port, "/v1/chat/completions", key, kChat).status, 403);
        QCOMPARE(test::postJson(port, "/v1/completions", key, chatFor("beta")).status, 403);
        // Embeddings of a model obleth does not know would go to the default upstream: not for this key.
        QCOMPARE(test::postJson(port, "/v1/embeddings", key, "{\"model\":\"other\",\"input\":\"x\"}").status, 403);
        // Nor can other paths to the default upstream be used to get around the list.
        r = test::postJson(port, "/v1/responses", key, chatFor("beta"));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("model_not_allowed"));
        // The unscoped first key is unaffected.
        QCOMPARE(test::postJson(port, "/v1/chat/completions", gw->firstKey(), chatFor("beta")).status, 200);

        // The key shows its scope, and PATCH changes it at once.
        r = gw->admin("GET", "/api/v1/keys");
        bool seen = false;
        for (const QJsonValue &v : r.data()) {
            const QJsonObject k = v.toObject();
            if (k.value(QStringLiteral("id")).toString() == keyId) {
                seen = true;
                QCOMPARE(k.value(QStringLiteral("allowed_models")).toArray(), QJsonArray{QStringLiteral("alpha")});
                QVERIFY(k.value(QStringLiteral("max_in_flight")).isNull());
            }
        }
        QVERIFY(seen);
        r = gw->admin("PATCH", "/api/v1/keys/" + keyId.toUtf8(),
                      "{\"allowed_models\":[\"beta\",\"mock-model\"],\"name\":\"beta key\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("name")).toString(), QStringLiteral("beta key"));
        QCOMPARE(test::postJson(port, "/v1/chat/completions", key, chatFor("beta")).status, 200);
        QCOMPARE(test::postJson(port, "/v1/chat/completions", key, chatFor("alpha")).status, 403);
        QCOMPARE(test::postJson(port, "/v1/chat/completions", key, kChat).status, 200);
        r = gw->admin("PATCH", "/api/v1/keys/" + keyId.toUtf8(), "{\"allowed_models\":null}");
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(QStringLiteral("allowed_models")).isNull());
        QCOMPARE(test::postJson(port, "/v1/chat/completions", key, chatFor("alpha")).status, 200);

        // Validation, unknown fields and ids.
        QCOMPARE(gw->admin("PATCH", "/api/v1/keys/" + keyId.toUtf8(), "{\"allowed_models\":\"alpha\"}").status, 400);
        QCOMPARE(gw->admin("PATCH", "/api/v1/keys/" + keyId.toUtf8(), "{\"max_in_flight\":0}").status, 400);
        QCOMPARE(gw->admin("PATCH", "/api/v1/keys/" + keyId.toUtf8(), "{\"key_hash\":\"x\"}").status, 400);
        QCOMPARE(gw->admin("PATCH", "/api/v1/keys/00000000-0000-0000-0000-000000000000", "{\"name\":\"x\"}").status,
                 404);
    }

    void keyModelListShowsOnlyAllowedModels()
    {
        // Without a default upstream obleth answers /v1/models itself.
        GatewayFixture own;
        QVERIFY(own.ok());
        QVERIFY(!own.addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("alpha")},
                                          {QStringLiteral("api_base"), mock->url().toString()}})
                     .isEmpty());
        const QString tenantId
            = own.admin("GET", "/api/v1/tenants").data().first().toObject().value(QStringLiteral("id")).toString();
        const Response made
            = own.admin("POST", "/api/v1/tenants/" + tenantId.toUtf8() + "/keys", "{\"allowed_models\":[\"alpha\"]}");
        QCOMPARE(made.status, 201);
        const QByteArray key = made.json().value(QStringLiteral("secret")).toString().toUtf8();
        const Response list
            = test::request(own.dataPort(), "GET", "/v1/models", test::headers({{"Authorization", "Bearer " + key}}));
        QCOMPARE(list.status, 200);
        QCOMPARE(list.data().size(), 1);
        QCOMPARE(list.data().first().toObject().value(QStringLiteral("id")).toString(), QStringLiteral("alpha"));
    }

    void keyMaxInFlightIsItsOwn()
    {
        QString keyId;
        const QByteArray key = scopedKey(QJsonObject{{QStringLiteral("max_in_flight"), 1}}, &keyId);
        QVERIFY(!key.isEmpty());
        const QByteArray slow = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
            + "\r\nx-mock-latency-ms: 3000\r\nContent-Length: " + QByteArray::number(kChat.size()) + "\r\n\r\n" + kChat;
        test::RawClient first(gw->dataPort(), slow);
        // Wait until the first request is in flight (the gateway counts it), then a second one is refused.
        QTRY_VERIFY_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/status").json().value(QStringLiteral("in_flight")).toInt() >= 1, 5000);
        Response r = test::postJson(gw->dataPort(), "/v1/chat/completions", key, kChat);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
        QVERIFY(!r.headers.value("retry-after").isEmpty());
        // Other keys of the same tenant are not held back by it.
        QCOMPARE(test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), kChat).status, 200);
        // Once the first answer is over the key works again; a client that hangs up gives its slot back too.
        QTRY_VERIFY_WITH_TIMEOUT(first.received().contains("\r\n\r\n{"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(test::postJson(gw->dataPort(), "/v1/chat/completions", key, kChat).status, 200, 5000);
        {
            test::RawClient gone(gw->dataPort(), slow);
            QTRY_VERIFY_WITH_TIMEOUT(
                gw->admin("GET", "/api/v1/status").json().value(QStringLiteral("in_flight")).toInt() >= 1, 5000);
            gone.hangUp();
        }
        QTRY_COMPARE_WITH_TIMEOUT(test::postJson(gw->dataPort(), "/v1/chat/completions", key, kChat).status, 200, 5000);
        // Lifting the cap acts at once.
        QCOMPARE(gw->admin("PATCH", "/api/v1/keys/" + keyId.toUtf8(), "{\"max_in_flight\":null}").status, 200);
    }
};

QTEST_GUILESS_MAIN(TestRemoteAccess)
#include "tst_remoteaccess.moc"
