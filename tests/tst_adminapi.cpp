// The Management API (contract section 4): auth, validation naming the field, 404/409, PUT vs PATCH,
// write-only secrets, keys, fair-share groups, capacity, status and the OpenAPI document.
// Most cases run over real sockets against a real gateway; one runs the handler in-process.

#include "admin/adminapi.h"
#include "cache/responsecache.h"
#include "config/configservices.h"
#include "gatewayfixture.h"
#include "http/httpresponder.h"
#include "metrics/metrics.h"
#include "status/gatewaystatus.h"
#include "store/database.h"
#include "store/requestlog.h"
#include "usage/requestmonitor.h"

#include <QTemporaryDir>
#include <QTest>

using namespace obleth;
using test::GatewayFixture;
using test::Response;

namespace {

/// Captures what a handler answers, without a socket.
class RecordingResponder final : public http::HttpResponder
{
public:
    int status = 0;
    http::Headers headers;
    QByteArray body;
    void abortConnection() override { markFinished(); }
    [[nodiscard]] qint64 bufferedBytes() const override { return 0; }

protected:
    void writeHead(int s, const http::Headers &h, Framing) override
    {
        status = s;
        headers = h;
    }
    void writeBody(const QByteArray &data) override { body += data; }
    void writeEnd() override { }
    [[nodiscard]] Framing streamFraming() const override { return Framing::Close; }
};

} // namespace

class TestAdminApi : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> gw;

private Q_SLOTS:
    void init()
    {
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
    }
    void cleanup() { gw.reset(); }

    void handlerRunsInProcess()
    {
        QTemporaryDir dir;
        store::Database db;
        QString error;
        QVERIFY(db.open(dir.filePath(QStringLiteral("x.db")), &error));
        config::ConfigServices config(&db);
        QVERIFY(config.live.load(&error));
        status::GatewayStatus status;
        status.uptime.start();
        admin::AdminApi api({&config, &status}, QStringLiteral("in-process-token-123"));

        http::HttpRequest request;
        request.method = "POST";
        request.setTarget("/api/v1/tenants");
        request.headers.add("Authorization", "Bearer in-process-token-123");
        request.body = "{\"name\":\"inproc\",\"weight\":7}";
        RecordingResponder responder;
        api.handle(request, &responder);
        QCOMPARE(responder.status, 201);
        QCOMPARE(QJsonDocument::fromJson(responder.body).object().value(QStringLiteral("weight")).toInt(), 7);
        QCOMPARE(config.live.snapshot()->tenants.size(), 1);
    }

    void adminTokenIsRequired_data()
    {
        QTest::addColumn<QByteArray>("authorization");
        QTest::newRow("none") << QByteArray();
        QTest::newRow("wrong") << QByteArray("Bearer wrong-token");
        QTest::newRow("prefix of the token") << QByteArray("Bearer ") + GatewayFixture::kAdminToken.left(10);
        QTest::newRow("token plus more") << QByteArray("Bearer ") + GatewayFixture::kAdminToken + "x";
        QTest::newRow("not bearer") << QByteArray("Basic ") + GatewayFixture::kAdminToken;
    }
    void adminTokenIsRequired()
    {
        QFETCH(QByteArray, authorization);
        http::Headers h;
        if (!authorization.isEmpty())
            h.add("Authorization", authorization);
        for (const QByteArray &path :
             {QByteArray("/api/v1/tenants"), QByteArray("/api/v1/status"), QByteArray("/nope")}) {
            const Response r = test::request(gw->adminPort(), "GET", path, h);
            QCOMPARE(r.status, 401);
            QVERIFY(r.isOpenAiError());
        }
    }

    void tenantKeysAreNotAdminTokens()
    {
        http::Headers h;
        h.add("Authorization", "Bearer " + gw->firstKey());
        QCOMPARE(test::request(gw->adminPort(), "GET", "/api/v1/tenants", h).status, 401);
    }

    void modelsCrud()
    {
        Response r = gw->admin(
            "POST", "/api/v1/models",
            "{\"model_name\":\"llama\",\"api_base\":\"http://127.0.0.1:11434/v1\",\"api_key\":\"sk-upstream-secret\","
            "\"input_cost_per_token\":0.000001,\"max_concurrency\":2}");
        QCOMPARE(r.status, 201);
        const QJsonObject created = r.json();
        const QByteArray id = created.value(QStringLiteral("id")).toString().toLatin1();
        QCOMPARE(created.value(QStringLiteral("upstream_model")).toString(),
                 QStringLiteral("llama")); // defaults to model_name
        QCOMPARE(created.value(QStringLiteral("has_api_key")).toBool(), true);
        QCOMPARE(created.value(QStringLiteral("enabled")).toBool(), true);
        QCOMPARE(created.value(QStringLiteral("admission_weight")).toDouble(), 1.0);
        QCOMPARE(created.value(QStringLiteral("cache_ttl_secs")).toInt(), 300);
        QCOMPARE(created.value(QStringLiteral("first_byte_timeout_secs")).toInt(), 600);
        QVERIFY(!r.body.contains("sk-upstream-secret"));
        QVERIFY(created.value(QStringLiteral("created_at")).toString().endsWith(QLatin1Char('Z')));

        r = gw->admin("GET", "/api/v1/models");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("object")).toString(), QStringLiteral("list"));
        QCOMPARE(r.data().size(), 1);
        QVERIFY(!r.body.contains("sk-upstream-secret"));

        // PATCH changes only what it is given.
        r = gw->admin("PATCH", "/api/v1/models/" + id, "{\"enabled\":false}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("enabled")).toBool(), false);
        QCOMPARE(r.json().value(QStringLiteral("max_concurrency")).toInt(), 2);
        QCOMPARE(r.json().value(QStringLiteral("has_api_key")).toBool(), true);

        // PUT replaces the object: unspecified fields return to their defaults (the write-only key stays).
        r = gw->admin("PUT", "/api/v1/models/" + id,
                      "{\"model_name\":\"llama\",\"api_base\":\"http://127.0.0.1:11434\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("enabled")).toBool(), true);
        QVERIFY(r.json().value(QStringLiteral("max_concurrency")).isNull());
        QCOMPARE(r.json().value(QStringLiteral("input_cost_per_token")).toDouble(), 0.0);
        QCOMPARE(r.json().value(QStringLiteral("has_api_key")).toBool(), true);
        r = gw->admin("PATCH", "/api/v1/models/" + id, "{\"api_key\":null}");
        QCOMPARE(r.json().value(QStringLiteral("has_api_key")).toBool(), false);

        r = gw->admin("PUT", "/api/v1/models/" + id + "/cache", "{\"cache_enabled\":true,\"cache_ttl_secs\":0}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("cache_enabled")).toBool(), true);
        QCOMPARE(r.json().value(QStringLiteral("cache_ttl_secs")).toInt(), 0);

        QCOMPARE(gw->admin("GET", "/api/v1/models/" + id).status, 200);
        QCOMPARE(gw->admin("DELETE", "/api/v1/models/" + id).status, 204);
        QCOMPARE(gw->admin("GET", "/api/v1/models/" + id).status, 404);
        QCOMPARE(gw->admin("DELETE", "/api/v1/models/" + id).status, 404);
        QCOMPARE(gw->admin("PATCH", "/api/v1/models/" + id, "{}").status, 404);
    }

    void duplicateNamesConflict()
    {
        QCOMPARE(gw->admin("POST", "/api/v1/models", "{\"model_name\":\"a\",\"api_base\":\"http://h\"}").status, 201);
        Response r = gw->admin("POST", "/api/v1/models", "{\"model_name\":\"a\",\"api_base\":\"http://h\"}");
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString(),
                 QStringLiteral("model_name"));
        QCOMPARE(gw->admin("POST", "/api/v1/tenants", "{\"name\":\"t\"}").status, 201);
        QCOMPARE(gw->admin("POST", "/api/v1/tenants", "{\"name\":\"t\"}").status, 409);
        QCOMPARE(gw->admin("POST", "/api/v1/fairshare/groups", "{\"name\":\"default\"}").status, 409);
    }

    void validationNamesTheField_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        const QByteArray models = "/api/v1/models";
        QTest::newRow("missing model_name")
            << models << QByteArray("{\"api_base\":\"http://h\"}") << QStringLiteral("model_name");
        QTest::newRow("missing api_base")
            << models << QByteArray("{\"model_name\":\"m\"}") << QStringLiteral("api_base");
        QTest::newRow("model_name wrong type")
            << models << QByteArray("{\"model_name\":5,\"api_base\":\"http://h\"}") << QStringLiteral("model_name");
        QTest::newRow("model_name empty") << models << QByteArray("{\"model_name\":\"  \",\"api_base\":\"http://h\"}")
                                          << QStringLiteral("model_name");
        QTest::newRow("model_name 1 MiB")
            << models
            << QByteArray("{\"api_base\":\"http://h\",\"model_name\":\"") + QByteArray(1000 * 1000, 'm') + "\"}"
            << QStringLiteral("model_name");
        QTest::newRow("api_base not http")
            << models << QByteArray("{\"model_name\":\"m\",\"api_base\":\"ftp://h\"}") << QStringLiteral("api_base");
        QTest::newRow("api_base no host")
            << models << QByteArray("{\"model_name\":\"m\",\"api_base\":\"http://\"}") << QStringLiteral("api_base");
        QTest::newRow("negative cost")
            << models << QByteArray("{\"model_name\":\"m\",\"api_base\":\"http://h\",\"input_cost_per_token\":-1}")
            << QStringLiteral("input_cost_per_token");
        QTest::newRow("zero admission weight")
            << models << QByteArray("{\"model_name\":\"m\",\"api_base\":\"http://h\",\"admission_weight\":0}")
            << QStringLiteral("admission_weight");
        QTest::newRow("fractional concurrency")
            << models << QByteArray("{\"model_name\":\"m\",\"api_base\":\"http://h\",\"max_concurrency\":1.5}")
            << QStringLiteral("max_concurrency");
        QTest::newRow("huge timeout")
            << models << QByteArray("{\"model_name\":\"m\",\"api_base\":\"http://h\",\"connect_timeout_secs\":1e300}")
            << QStringLiteral("connect_timeout_secs");
        QTest::newRow("enabled as string")
            << models << QByteArray("{\"model_name\":\"m\",\"api_base\":\"http://h\",\"enabled\":\"yes\"}")
            << QStringLiteral("enabled");
        QTest::newRow("unknown field") << models
                                       << QByteArray(
                                              "{\"model_name\":\"m\",\"api_base\":\"http://h\",\"temprature\":1}")
                                       << QStringLiteral("temprature");
        QTest::newRow("tenant weight 0") << QByteArray("/api/v1/tenants") << QByteArray("{\"name\":\"x\",\"weight\":0}")
                                         << QStringLiteral("weight");
        QTest::newRow("tenant weight negative")
            << QByteArray("/api/v1/tenants") << QByteArray("{\"name\":\"x\",\"weight\":-3}")
            << QStringLiteral("weight");
        QTest::newRow("tenant unknown group")
            << QByteArray("/api/v1/tenants") << QByteArray("{\"name\":\"x\",\"fairshare_group\":\"nope\"}")
            << QStringLiteral("fairshare_group");
        QTest::newRow("group weight string")
            << QByteArray("/api/v1/fairshare/groups") << QByteArray("{\"name\":\"g\",\"weight\":\"9\"}")
            << QStringLiteral("weight");
    }
    void validationNamesTheField()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        const Response r = gw->admin("POST", path, body);
        QCOMPARE(r.status, 400);
        QVERIFY(r.isOpenAiError());
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString(), field);
        QVERIFY(r.body.size() < 4096); // a 1 MiB name is not echoed back
        QCOMPARE(gw->admin("GET", "/api/v1/models").data().size(), 0);
    }

    void malformedBodies()
    {
        for (const QByteArray &body : {QByteArray("{not json"), QByteArray("[1]"), QByteArray("\xff\xfe{}")}) {
            const Response r = gw->admin("POST", "/api/v1/tenants", body);
            QCOMPARE(r.status, 400);
            QVERIFY(r.isOpenAiError());
        }
    }

    void tenantsWeightQuotaGroup()
    {
        Response r = gw->admin("POST", "/api/v1/tenants", "{\"name\":\"acme\"}");
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(QStringLiteral("weight")).toInt(), 100);
        QCOMPARE(r.json().value(QStringLiteral("fairshare_group")).toString(), QStringLiteral("default"));
        QVERIFY(r.json().value(QStringLiteral("tokens_per_minute")).isNull());
        const QByteArray id = r.json().value(QStringLiteral("id")).toString().toLatin1();

        r = gw->admin("PATCH", "/api/v1/tenants/" + id + "/weight", "{\"weight\":300}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("weight")).toInt(), 300);
        QCOMPARE(gw->admin("PATCH", "/api/v1/tenants/" + id + "/weight", "{\"name\":\"x\"}").status, 400);
        QCOMPARE(gw->admin("PATCH", "/api/v1/tenants/" + id + "/weight", "{}").status, 400);

        r = gw->admin("PUT", "/api/v1/tenants/" + id + "/quota", "{\"tokens_per_minute\":1000,\"max_in_flight\":4}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("tokens_per_minute")).toInt(), 1000);
        QCOMPARE(r.json().value(QStringLiteral("max_in_flight")).toInt(), 4);
        r = gw->admin("PUT", "/api/v1/tenants/" + id + "/quota", "{\"max_in_flight\":2}"); // PUT: the other is cleared
        QVERIFY(r.json().value(QStringLiteral("tokens_per_minute")).isNull());
        QCOMPARE(r.json().value(QStringLiteral("max_in_flight")).toInt(), 2);

        QCOMPARE(gw->admin("PATCH", "/api/v1/tenants/" + id + "/group", "{\"fairshare_group\":\"batch\"}").status, 400);
        r = gw->admin("POST", "/api/v1/fairshare/groups", "{\"name\":\"batch\",\"weight\":50}");
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(QStringLiteral("weight")).toInt(), 50);
        r = gw->admin("PATCH", "/api/v1/tenants/" + id + "/group", "{\"fairshare_group\":\"batch\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("fairshare_group")).toString(), QStringLiteral("batch"));
        QCOMPARE(gw->admin("GET", "/api/v1/fairshare/groups").data().size(), 2);

        r = gw->admin("PATCH", "/api/v1/tenants/" + id, "{\"name\":\"acme-2\"}");
        QCOMPARE(r.json().value(QStringLiteral("name")).toString(), QStringLiteral("acme-2"));
        QCOMPARE(r.json().value(QStringLiteral("weight")).toInt(), 300);
        QCOMPARE(gw->admin("GET", "/api/v1/tenants/" + id).json().value(QStringLiteral("name")).toString(),
                 QStringLiteral("acme-2"));
        QCOMPARE(gw->admin("GET", "/api/v1/tenants/not-an-id").status, 404);
    }

    void keysLifecycle()
    {
        QString tenantId;
        gw->addTenantKey(QStringLiteral("acme"), &tenantId);
        const QByteArray base = "/api/v1/tenants/" + tenantId.toLatin1() + "/keys";
        Response r = gw->admin("POST", base, "{\"name\":\"ci\",\"expires_at\":\"2099-01-01T00:00:00Z\"}");
        QCOMPARE(r.status, 201);
        const QJsonObject key = r.json().value(QStringLiteral("key")).toObject();
        const QString secret = r.json().value(QStringLiteral("secret")).toString();
        QVERIFY(QRegularExpression(QStringLiteral("^sk_[0-9a-f]{48}$")).match(secret).hasMatch());
        QCOMPARE(key.value(QStringLiteral("key_prefix")).toString(), secret.left(18));
        QCOMPARE(key.value(QStringLiteral("tenant_id")).toString(), tenantId);
        QCOMPARE(key.value(QStringLiteral("disabled")).toBool(), false);
        QCOMPARE(key.value(QStringLiteral("expires_at")).toString(), QStringLiteral("2099-01-01T00:00:00Z"));
        const QByteArray keyId = key.value(QStringLiteral("id")).toString().toLatin1();

        r = gw->admin("GET", base);
        QCOMPARE(r.data().size(), 2);
        QVERIFY(!r.body.contains(secret.toLatin1())); // never shown again

        r = gw->admin("GET", "/api/v1/keys?limit=1");
        QCOMPARE(r.data().size(), 1);
        r = gw->admin("GET", "/api/v1/keys?tenant_id=" + tenantId.toLatin1());
        QCOMPARE(r.data().size(), 2);
        r = gw->admin("GET", "/api/v1/keys");
        QCOMPARE(r.data().size(), 3); // the default tenant's first key too
        QCOMPARE(gw->admin("GET", "/api/v1/keys?limit=0").status, 400);
        QCOMPARE(gw->admin("GET", "/api/v1/keys?limit=abc").status, 400);

        r = gw->admin("PUT", "/api/v1/keys/" + keyId + "/disabled", "{\"disabled\":true}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("disabled")).toBool(), true);
        QCOMPARE(gw->admin("PUT", "/api/v1/keys/" + keyId + "/disabled", "{\"disabled\":\"yes\"}").status, 400);
        QCOMPARE(gw->admin("POST", base, "{\"expires_at\":\"next tuesday\"}").status, 400);
        QCOMPARE(gw->admin("POST", "/api/v1/tenants/nope/keys", "{}").status, 404);

        QCOMPARE(gw->admin("DELETE", "/api/v1/keys/" + keyId).status, 204);
        QCOMPARE(gw->admin("DELETE", "/api/v1/keys/" + keyId).status, 404);

        // Deleting a tenant deletes its keys.
        QCOMPARE(gw->admin("DELETE", "/api/v1/tenants/" + tenantId.toLatin1()).status, 204);
        QCOMPARE(gw->admin("GET", "/api/v1/keys?tenant_id=" + tenantId.toLatin1()).data().size(), 0);
    }

    void capacityAndStatus()
    {
        QCOMPARE(gw->admin("GET", "/api/v1/capacity").json().value(QStringLiteral("max_in_flight")).toInt(), 64);
        Response r = gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":8}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("max_in_flight")).toInt(), 8);
        QCOMPARE(gw->admin("GET", "/api/v1/capacity").json().value(QStringLiteral("max_in_flight")).toInt(), 8);
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":0}").status, 400);
        QCOMPARE(gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("capacity")).toInt(), 8);

        r = gw->admin("GET", "/api/v1/status");
        QCOMPARE(r.status, 200);
        const QJsonObject s = r.json();
        QCOMPARE(s.value(QStringLiteral("version")).toString(), QStringLiteral(OBLETH_VERSION));
        QVERIFY(s.value(QStringLiteral("uptime_secs")).isDouble());
        QCOMPARE(s.value(QStringLiteral("data_url")).toString(),
                 QStringLiteral("http://127.0.0.1:%1").arg(gw->dataPort()));
        QCOMPARE(s.value(QStringLiteral("admin_url")).toString(),
                 QStringLiteral("http://127.0.0.1:%1").arg(gw->adminPort()));
        QCOMPARE(s.value(QStringLiteral("in_flight")).toInt(), 0);
        QCOMPARE(s.value(QStringLiteral("queued")).toInt(), 0);
    }

    void mcpServersKeepTheirAuthHeaderSecret()
    {
        Response r = gw->admin(
            "POST", "/api/v1/mcp-servers",
            "{\"name\":\"fs\",\"upstream_url\":\"http://127.0.0.1:3001/mcp\",\"auth_header\":\"Bearer mcp-secret\"}");
        QCOMPARE(r.status, 201);
        QVERIFY(!r.body.contains("mcp-secret"));
        QCOMPARE(r.json().value(QStringLiteral("has_auth_header")).toBool(), true);
        const QByteArray id = r.json().value(QStringLiteral("id")).toString().toLatin1();
        r = gw->admin("PUT", "/api/v1/mcp-servers/" + id,
                      "{\"name\":\"fs\",\"upstream_url\":\"http://127.0.0.1:3002/mcp\",\"enabled\":false}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("has_auth_header")).toBool(), true);
        QVERIFY(!gw->admin("GET", "/api/v1/mcp-servers").body.contains("mcp-secret"));
        QCOMPARE(gw->admin("DELETE", "/api/v1/mcp-servers/" + id).status, 204);
    }

    void unknownRoutesAndMethods()
    {
        Response r = gw->admin("GET", "/api/v1/nothing");
        QCOMPARE(r.status, 404);
        QVERIFY(r.isOpenAiError());
        r = gw->admin("DELETE", "/api/v1/tenants");
        QCOMPARE(r.status, 405);
        QVERIFY(r.headers.value("allow").contains("GET"));
        QCOMPARE(gw->admin("GET", "/api/v1/tenants/../models").status, 404);
    }

    void openApiDescribesEveryRoute()
    {
        const Response r = gw->admin("GET", "/api/v1/openapi.json");
        QCOMPARE(r.status, 200);
        const QJsonObject paths = r.json().value(QStringLiteral("paths")).toObject();
        QTemporaryDir dir;
        store::Database db;
        QString error;
        QVERIFY(db.open(dir.filePath(QStringLiteral("x.db")), &error));
        config::ConfigServices config(&db);
        status::GatewayStatus status;
        store::RequestLog log;
        QVERIFY(log.open(dir.filePath(QStringLiteral("x.db")), &error));
        usage::RequestMonitor monitor;
        cache::ResponseCache cache;
        metrics::Metrics metrics;
        admin::AdminApi api({&config, &status, &log, &monitor, &cache, &metrics}, QStringLiteral("x"));
        QVERIFY(api.router().routes().size() >= 36);
        for (const http::Router::Route &route : api.router().routes()) {
            const QJsonObject item = paths.value(route.pattern).toObject();
            QVERIFY2(item.contains(QString::fromLatin1(route.method).toLower()),
                     qPrintable(QStringLiteral("%1 %2 is not in openapi.json")
                                    .arg(QString::fromLatin1(route.method), route.pattern)));
        }
    }
};

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
