// The Management API of contract sections 10-12: a model's deployments (the sub-resource and the whole list), the
// single-deployment form older scripts use, write-only keys, fallbacks and the reserved name "auto", a model's
// health, the admission and alert settings, and a database of an older obleth whose models keep answering.

#include "admin/adminapi.h"
#include "captureserver.h"
#include "config/configservices.h"
#include "gatewayfixture.h"
#include "http/httpresponder.h"
#include "status/gatewaystatus.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/secretcipher.h"

#include <QSqlDatabase>
#include <QSqlQuery>
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
    QByteArray body;
    void abortConnection() override { markFinished(); }
    [[nodiscard]] qint64 bufferedBytes() const override { return 0; }

protected:
    void writeHead(int s, const http::Headers &, Framing) override { status = s; }
    void writeBody(const QByteArray &data) override { body += data; }
    void writeEnd() override { }
    [[nodiscard]] Framing streamFraming() const override { return Framing::Close; }
};

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString errorParam(const Response &r)
{
    return r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString();
}

QString errorMessage(const Response &r)
{
    return r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
}

QJsonArray deploymentsOf(const Response &r)
{
    return r.json().value(QStringLiteral("deployments")).toArray();
}

/// The value of header @p name in the raw request @p head (case-insensitive name), or a null array.
QByteArray headerValue(const QByteArray &head, const QByteArray &name)
{
    const QList<QByteArray> lines = head.split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == name.toLower())
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

} // namespace

class TestDeploymentsApi : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> gw;

    QByteArray createModel(const QByteArray &body)
    {
        const Response r = gw->admin("POST", "/api/v1/models", body);
        if (r.status != 201)
            qWarning("%d %s", r.status, r.body.constData());
        return r.json().value(QStringLiteral("id")).toString().toLatin1();
    }

private Q_SLOTS:
    void init()
    {
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
    }
    void cleanup() { gw.reset(); }

    /// Contract section 13: a model's api_format ("openai" by default, or "anthropic") and a deployment's own (null:
    /// its model's), set, read and changed through the models and the deployments; anything else is refused, naming
    /// the field.
    void apiFormatOfModelsAndDeployments()
    {
        Response r = gw->admin("POST", "/api/v1/models",
                               "{\"model_name\":\"claude\",\"api_base\":\"http://127.0.0.1:11434\"}");
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(QStringLiteral("api_format")).toString(), QStringLiteral("openai"));
        QCOMPARE(deploymentsOf(r).size(), 1);
        QVERIFY(deploymentsOf(r).first().toObject().value(QStringLiteral("api_format")).isNull());
        const QByteArray id = r.json().value(QStringLiteral("id")).toString().toLatin1();
        const QByteArray model = "/api/v1/models/" + id;

        r = gw->admin("PATCH", model, "{\"api_format\":\"anthropic\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("api_format")).toString(), QStringLiteral("anthropic"));
        QCOMPARE(gw->admin("GET", model).json().value(QStringLiteral("api_format")).toString(),
                 QStringLiteral("anthropic"));

        // A deployment of its own format, then back to the model's.
        r = gw->admin("POST", model + "/deployments",
                      "{\"api_base\":\"http://127.0.0.1:8000/v1\",\"api_format\":\"openai\"}");
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(QStringLiteral("api_format")).toString(), QStringLiteral("openai"));
        const QByteArray second = r.json().value(QStringLiteral("id")).toString().toLatin1();
        r = gw->admin("GET", model);
        QVERIFY(deploymentsOf(r).at(0).toObject().value(QStringLiteral("api_format")).isNull());
        QCOMPARE(deploymentsOf(r).at(1).toObject().value(QStringLiteral("api_format")).toString(),
                 QStringLiteral("openai"));
        r = gw->admin("PATCH", model + "/deployments/" + second, "{\"api_format\":null}");
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(QStringLiteral("api_format")).isNull());
        r = gw->admin("PATCH", model + "/deployments/" + second, "{\"api_format\":\"anthropic\"}");
        QCOMPARE(r.json().value(QStringLiteral("api_format")).toString(), QStringLiteral("anthropic"));
        // A GET's model comes back through a PUT as it was.
        const QJsonObject before = gw->admin("GET", model).json();
        r = gw->admin("PUT", model, json(before));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("api_format")), before.value(QStringLiteral("api_format")));
        QCOMPARE(deploymentsOf(r), before.value(QStringLiteral("deployments")).toArray());

        // The whole list sets each deployment's own.
        r = gw->admin("POST", "/api/v1/models",
                      "{\"model_name\":\"mixed\",\"deployments\":[{\"api_base\":\"http://127.0.0.1:1\","
                      "\"api_format\":\"anthropic\"},{\"api_base\":\"http://127.0.0.1:2\",\"api_format\":null}]}");
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(QStringLiteral("api_format")).toString(), QStringLiteral("openai"));
        QCOMPARE(deploymentsOf(r).at(0).toObject().value(QStringLiteral("api_format")).toString(),
                 QStringLiteral("anthropic"));
        QVERIFY(deploymentsOf(r).at(1).toObject().value(QStringLiteral("api_format")).isNull());

        // Anything but "openai" or "anthropic" is refused, naming the field.
        const QList<QPair<QByteArray, QByteArray>> bad = {
            {"POST /api/v1/models",
             "{\"model_name\":\"x\",\"api_base\":\"http://127.0.0.1:1\",\"api_format\":\"claude\"}"},
            {"PATCH " + model, "{\"api_format\":\"Anthropic\"}"},
            {"PATCH " + model, "{\"api_format\":null}"},
            {"PATCH " + model, "{\"api_format\":1}"},
            {"POST " + model + "/deployments", "{\"api_base\":\"http://127.0.0.1:1\",\"api_format\":\"\"}"},
            {"PATCH " + model + "/deployments/" + second, "{\"api_format\":\"responses\"}"},
            {"PATCH " + model + "/deployments/" + second, "{\"api_format\":true}"},
        };
        for (const auto &[call, body] : bad) {
            const QList<QByteArray> parts = call.split(' ');
            r = gw->admin(parts.at(0), parts.at(1), body);
            QVERIFY2(r.status == 400, body.constData());
            QVERIFY(r.isOpenAiError());
            QCOMPARE(errorParam(r), QStringLiteral("api_format"));
            QVERIFY2(errorMessage(r).contains(QStringLiteral("api_format")), qPrintable(errorMessage(r)));
        }
        r = gw->admin("POST", "/api/v1/models",
                      "{\"model_name\":\"y\",\"deployments\":[{\"api_base\":\"http://127.0.0.1:1\","
                      "\"api_format\":\"gemini\"}]}");
        QCOMPARE(r.status, 400);
        QCOMPARE(errorParam(r), QStringLiteral("deployments"));
        QVERIFY(errorMessage(r).contains(QStringLiteral("api_format must be \"openai\" or \"anthropic\"")));
        QCOMPARE(gw->admin("GET", model).json().value(QStringLiteral("api_format")).toString(),
                 QStringLiteral("anthropic"));
    }

    /// Older scripts: a model is its api_base, upstream_model and api_key; it shows as one deployment, and a PATCH
    /// of api_base changes that deployment.
    void singleDeploymentForm()
    {
        Response r = gw->admin("POST", "/api/v1/models",
                               "{\"model_name\":\"llama\",\"api_base\":\"http://127.0.0.1:11434/v1\","
                               "\"api_key\":\"sk-upstream-secret\",\"upstream_model\":\"llama3:8b\"}");
        QCOMPARE(r.status, 201);
        QVERIFY(!r.body.contains("sk-upstream-secret"));
        const QByteArray id = r.json().value(QStringLiteral("id")).toString().toLatin1();
        QJsonArray deployments = deploymentsOf(r);
        QCOMPARE(deployments.size(), 1);
        QJsonObject d = deployments.first().toObject();
        const QString deploymentId = d.value(QStringLiteral("id")).toString();
        QVERIFY(!deploymentId.isEmpty());
        QCOMPARE(d.value(QStringLiteral("api_base")).toString(), QStringLiteral("http://127.0.0.1:11434/v1"));
        QCOMPARE(d.value(QStringLiteral("upstream_model")).toString(), QStringLiteral("llama3:8b"));
        QCOMPARE(d.value(QStringLiteral("has_api_key")).toBool(), true);
        QCOMPARE(d.value(QStringLiteral("weight")).toDouble(), 1.0);
        QVERIFY(d.value(QStringLiteral("max_concurrency")).isNull());
        QCOMPARE(d.value(QStringLiteral("enabled")).toBool(), true);
        QVERIFY(!d.contains(QStringLiteral("api_key")));
        QCOMPARE(r.json().value(QStringLiteral("fallbacks")).toArray().size(), 0);
        QCOMPARE(r.json().value(QStringLiteral("auto_route")).toBool(true), false);
        QCOMPARE(r.json().value(QStringLiteral("unhealthy_after")).toInt(), 3);
        QCOMPARE(r.json().value(QStringLiteral("cooldown_secs")).toInt(), 30);
        QCOMPARE(r.json().value(QStringLiteral("health_check_secs")).toInt(), 15);
        QCOMPARE(r.json().value(QStringLiteral("max_retries")).toInt(), 2);

        r = gw->admin("PATCH", "/api/v1/models/" + id, "{\"api_base\":\"http://127.0.0.1:8000\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("api_base")).toString(), QStringLiteral("http://127.0.0.1:8000"));
        d = deploymentsOf(r).first().toObject();
        QCOMPARE(d.value(QStringLiteral("id")).toString(), deploymentId);
        QCOMPARE(d.value(QStringLiteral("api_base")).toString(), QStringLiteral("http://127.0.0.1:8000"));
        QCOMPARE(d.value(QStringLiteral("has_api_key")).toBool(), true);

        // GET -> PUT of the unchanged model is accepted and changes nothing (the write-only key stays).
        const QJsonObject before = gw->admin("GET", "/api/v1/models/" + id).json();
        r = gw->admin("PUT", "/api/v1/models/" + id, json(before));
        QCOMPARE(r.status, 200);
        QJsonObject after = r.json();
        after.remove(QStringLiteral("updated_at"));
        QJsonObject expected = before;
        expected.remove(QStringLiteral("updated_at"));
        QCOMPARE(after, expected);

        // PUT without deployments: the model's one deployment, its id and key kept.
        r = gw->admin("PUT", "/api/v1/models/" + id,
                      "{\"model_name\":\"llama\",\"api_base\":\"http://127.0.0.1:8001\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(deploymentsOf(r).size(), 1);
        QCOMPARE(deploymentsOf(r).first().toObject().value(QStringLiteral("id")).toString(), deploymentId);
        QCOMPARE(deploymentsOf(r).first().toObject().value(QStringLiteral("upstream_model")).toString(),
                 QStringLiteral("llama"));
        QCOMPARE(r.json().value(QStringLiteral("has_api_key")).toBool(), true);
        r = gw->admin("PATCH", "/api/v1/models/" + id, "{\"api_key\":null}");
        QCOMPARE(deploymentsOf(r).first().toObject().value(QStringLiteral("has_api_key")).toBool(true), false);
    }

    void deploymentsSubResource()
    {
        const QByteArray id
            = createModel("{\"model_name\":\"m\",\"api_base\":\"http://127.0.0.1:11434/v1\",\"api_key\":\"sk-first\"}");
        QVERIFY(!id.isEmpty());
        const QByteArray base = "/api/v1/models/" + id + "/deployments";

        Response r = gw->admin("POST", base,
                               "{\"api_base\":\"http://127.0.0.1:8000/v1\",\"weight\":2.5,\"max_concurrency\":4,"
                               "\"api_key\":\"sk-second-secret\"}");
        QCOMPARE(r.status, 201);
        QVERIFY(!r.body.contains("sk-second-secret"));
        const QJsonObject added = r.json();
        QCOMPARE(added.value(QStringLiteral("upstream_model")).toString(), QStringLiteral("m"));
        QCOMPARE(added.value(QStringLiteral("weight")).toDouble(), 2.5);
        QCOMPARE(added.value(QStringLiteral("max_concurrency")).toInt(), 4);
        QCOMPARE(added.value(QStringLiteral("has_api_key")).toBool(), true);
        const QByteArray second = added.value(QStringLiteral("id")).toString().toLatin1();

        r = gw->admin("GET", base);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("object")).toString(), QStringLiteral("list"));
        QCOMPARE(r.data().size(), 2);
        QCOMPARE(r.data().at(1).toObject().value(QStringLiteral("id")).toString(), QString::fromLatin1(second));
        QVERIFY(!r.body.contains("sk-"));
        QCOMPARE(gw->admin("GET", base + "/" + second).json(), added);

        r = gw->admin("PATCH", base + "/" + second, "{\"enabled\":false,\"max_concurrency\":null,\"id\":\"ignored\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("enabled")).toBool(true), false);
        QVERIFY(r.json().value(QStringLiteral("max_concurrency")).isNull());
        QCOMPARE(r.json().value(QStringLiteral("has_api_key")).toBool(), true);
        QCOMPARE(r.json().value(QStringLiteral("weight")).toDouble(), 2.5);

        // The model's own api_base is its single deployment's: with two, the model's PATCH is refused.
        r = gw->admin("PATCH", "/api/v1/models/" + id, "{\"api_base\":\"http://127.0.0.1:9\"}");
        QCOMPARE(r.status, 400);
        QCOMPARE(errorParam(r), QStringLiteral("api_base"));
        QVERIFY(errorMessage(r).contains(QStringLiteral("/deployments")));

        // Validation names the field; unknown ids are 404 whatever the body says.
        const QList<QPair<QByteArray, QString>> bad = {
            {"{}", QStringLiteral("api_base")},
            {"{\"api_base\":\"ftp://h\"}", QStringLiteral("api_base")},
            {"{\"api_base\":\"http://h\",\"weight\":0}", QStringLiteral("weight")},
            {"{\"api_base\":\"http://h\",\"weight\":\"2\"}", QStringLiteral("weight")},
            {"{\"api_base\":\"http://h\",\"max_concurrency\":0}", QStringLiteral("max_concurrency")},
            {"{\"api_base\":\"http://h\",\"upstream_model\":\"\"}", QStringLiteral("upstream_model")},
            {"{\"api_base\":\"http://h\",\"colour\":\"red\"}", QStringLiteral("colour")},
        };
        for (const auto &[body, field] : bad) {
            r = gw->admin("POST", base, body);
            QCOMPARE(r.status, 400);
            QVERIFY(r.isOpenAiError());
            QCOMPARE(errorParam(r), field);
        }
        QCOMPARE(gw->admin("PATCH", base + "/" + second, "{\"weight\":-1}").status, 400);
        QCOMPARE(gw->admin("PATCH", base + "/nope", "{\"weight\":-1}").status, 404);
        QCOMPARE(gw->admin("GET", base + "/nope").status, 404);
        QCOMPARE(gw->admin("DELETE", base + "/nope").status, 404);
        QCOMPARE(gw->admin("GET", "/api/v1/models/nope/deployments").status, 404);
        QCOMPARE(gw->admin("POST", "/api/v1/models/nope/deployments", "{\"weight\":0}").status, 404);
        QCOMPARE(gw->admin("GET", base).data().size(), 2);

        // Removing: the last one stays (409).
        const QByteArray first
            = gw->admin("GET", base).data().at(0).toObject().value(QStringLiteral("id")).toString().toLatin1();
        QCOMPARE(gw->admin("DELETE", base + "/" + first).status, 204);
        r = gw->admin("GET", "/api/v1/models/" + id);
        QCOMPARE(r.json().value(QStringLiteral("api_base")).toString(), QStringLiteral("http://127.0.0.1:8000/v1"));
        r = gw->admin("DELETE", base + "/" + second);
        QCOMPARE(r.status, 409);
        QVERIFY(r.isOpenAiError());
        QCOMPARE(gw->admin("GET", base).data().size(), 1);

        // Deleting the model deletes its deployments.
        QCOMPARE(gw->admin("DELETE", "/api/v1/models/" + id).status, 204);
        QCOMPARE(gw->admin("GET", base).status, 404);
    }

    void wholeListOfDeployments()
    {
        Response r
            = gw->admin("POST", "/api/v1/models",
                        "{\"model_name\":\"big\",\"deployments\":["
                        "{\"api_base\":\"http://127.0.0.1:8001/v1\",\"api_key\":\"sk-a-secret\"},"
                        "{\"api_base\":\"http://127.0.0.1:8002/v1\",\"upstream_model\":\"big-q4\",\"weight\":3}]}");
        QCOMPARE(r.status, 201);
        const QByteArray id = r.json().value(QStringLiteral("id")).toString().toLatin1();
        QCOMPARE(r.json().value(QStringLiteral("api_base")).toString(), QStringLiteral("http://127.0.0.1:8001/v1"));
        QCOMPARE(r.json().value(QStringLiteral("upstream_model")).toString(), QStringLiteral("big"));
        QCOMPARE(r.json().value(QStringLiteral("has_api_key")).toBool(), true);
        const QJsonArray created = deploymentsOf(r);
        QCOMPARE(created.size(), 2);
        QCOMPARE(created.at(1).toObject().value(QStringLiteral("upstream_model")).toString(), QStringLiteral("big-q4"));
        QCOMPARE(created.at(1).toObject().value(QStringLiteral("has_api_key")).toBool(true), false);

        // Reordered by id in a PUT: the stored keys go with their deployments.
        QJsonObject body = r.json();
        body.insert(QStringLiteral("deployments"), QJsonArray{created.at(1), created.at(0)});
        body.remove(QStringLiteral("api_base"));
        body.remove(QStringLiteral("upstream_model"));
        r = gw->admin("PUT", "/api/v1/models/" + id, json(body));
        QCOMPARE(r.status, 200);
        QCOMPARE(deploymentsOf(r).at(1).toObject().value(QStringLiteral("has_api_key")).toBool(), true);
        QCOMPARE(deploymentsOf(r).at(0).toObject().value(QStringLiteral("has_api_key")).toBool(true), false);
        QCOMPARE(r.json().value(QStringLiteral("api_base")).toString(), QStringLiteral("http://127.0.0.1:8002/v1"));
        QCOMPARE(r.json().value(QStringLiteral("has_api_key")).toBool(true), false);

        const QList<QPair<QByteArray, QString>> bad = {
            {"{\"model_name\":\"x\",\"deployments\":[]}", QStringLiteral("deployments")},
            {"{\"model_name\":\"x\",\"deployments\":{}}", QStringLiteral("deployments")},
            {"{\"model_name\":\"x\",\"deployments\":[{\"upstream_model\":\"y\"}]}", QStringLiteral("deployments")},
            {"{\"model_name\":\"x\",\"deployments\":[{\"api_base\":\"http://h\",\"weight\":0}]}",
             QStringLiteral("deployments")},
            {"{\"model_name\":\"x\",\"deployments\":[{\"api_base\":\"http://h\",\"nope\":1}]}",
             QStringLiteral("deployments")},
            {"{\"model_name\":\"x\",\"api_base\":\"http://other\",\"deployments\":[{\"api_base\":\"http://h\"}]}",
             QStringLiteral("api_base")},
            {"{\"model_name\":\"x\"}", QStringLiteral("api_base")},
        };
        for (const auto &[text, field] : bad) {
            r = gw->admin("POST", "/api/v1/models", text);
            QCOMPARE(r.status, 400);
            QCOMPARE(errorParam(r), field);
        }
        r = gw->admin("POST", "/api/v1/models",
                      "{\"model_name\":\"x\",\"deployments\":[{\"api_base\":\"http://h\",\"weight\":0}]}");
        QVERIFY2(errorMessage(r).startsWith(QStringLiteral("deployments[0]: weight")), qPrintable(errorMessage(r)));
        // An id that is not one of the model's in a PUT.
        r = gw->admin(
            "PUT", "/api/v1/models/" + id,
            "{\"model_name\":\"big\",\"deployments\":[{\"id\":\"not-one-of-them\",\"api_base\":\"http://h\"}]}");
        QCOMPARE(r.status, 400);
        QCOMPARE(errorParam(r), QStringLiteral("deployments"));
        QCOMPARE(gw->admin("GET", "/api/v1/models").data().size(), 1);
    }

    void fallbacksAndTheReservedName()
    {
        const QByteArray a = createModel("{\"model_name\":\"a\",\"api_base\":\"http://h\"}");
        const QByteArray b = createModel("{\"model_name\":\"b\",\"api_base\":\"http://h\"}");
        Response r = gw->admin("POST", "/api/v1/models", "{\"model_name\":\"auto\",\"api_base\":\"http://h\"}");
        QCOMPARE(r.status, 400);
        QCOMPARE(errorParam(r), QStringLiteral("model_name"));
        QCOMPARE(gw->admin("PATCH", "/api/v1/models/" + a, "{\"model_name\":\"auto\"}").status, 400);

        for (const QByteArray &body : {QByteArray("{\"fallbacks\":[\"a\"]}"), QByteArray("{\"fallbacks\":[\"zzz\"]}"),
                                       QByteArray("{\"fallbacks\":[\"b\",\"b\"]}"), QByteArray("{\"fallbacks\":\"b\"}"),
                                       QByteArray("{\"fallbacks\":[1]}")}) {
            r = gw->admin("PATCH", "/api/v1/models/" + a, body);
            QCOMPARE(r.status, 400);
            QCOMPARE(errorParam(r), QStringLiteral("fallbacks"));
        }
        r = gw->admin("PATCH", "/api/v1/models/" + a,
                      "{\"fallbacks\":[\"b\"],\"auto_route\":true,\"unhealthy_after\":5,\"cooldown_secs\":10,"
                      "\"health_check_secs\":0,\"max_retries\":0}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("fallbacks")).toArray(), QJsonArray{QStringLiteral("b")});
        QCOMPARE(r.json().value(QStringLiteral("auto_route")).toBool(), true);
        QCOMPARE(r.json().value(QStringLiteral("health_check_secs")).toInt(-1), 0);
        for (const QByteArray &body : {QByteArray("{\"max_retries\":11}"), QByteArray("{\"unhealthy_after\":0}"),
                                       QByteArray("{\"cooldown_secs\":0}"), QByteArray("{\"health_check_secs\":-1}"),
                                       QByteArray("{\"auto_route\":1}")}) {
            r = gw->admin("PATCH", "/api/v1/models/" + a, body);
            QCOMPARE(r.status, 400);
            QCOMPARE(errorParam(r), QJsonDocument::fromJson(body).object().keys().first());
        }

        QCOMPARE(gw->admin("PATCH", "/api/v1/models/" + b, "{\"model_name\":\"b2\"}").status, 200);
        QCOMPARE(gw->admin("GET", "/api/v1/models/" + a).json().value(QStringLiteral("fallbacks")).toArray(),
                 QJsonArray{QStringLiteral("b2")});
        QCOMPARE(gw->admin("DELETE", "/api/v1/models/" + b).status, 204);
        QCOMPARE(gw->admin("GET", "/api/v1/models/" + a).json().value(QStringLiteral("fallbacks")).toArray(),
                 QJsonArray());
    }

    /// Until routing reports on a deployment, it shows as unknown.
    void healthOfAModel()
    {
        const QByteArray id = createModel("{\"model_name\":\"m\",\"api_base\":\"http://127.0.0.1:9/v1\"}");
        const Response r = gw->admin("GET", "/api/v1/models/" + id + "/health");
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QCOMPARE(o.value(QStringLiteral("object")).toString(), QStringLiteral("model_health"));
        QCOMPARE(o.value(QStringLiteral("model_id")).toString(), QString::fromLatin1(id));
        QCOMPARE(o.value(QStringLiteral("model_name")).toString(), QStringLiteral("m"));
        const QJsonArray deployments = o.value(QStringLiteral("deployments")).toArray();
        QCOMPARE(deployments.size(), 1);
        const QJsonObject d = deployments.first().toObject();
        QCOMPARE(d.value(QStringLiteral("deployment_id")).toString(),
                 gw->admin("GET", "/api/v1/models/" + id + "/deployments")
                     .data()
                     .first()
                     .toObject()
                     .value(QStringLiteral("id"))
                     .toString());
        QVERIFY(d.value(QStringLiteral("state")).isString());
        QVERIFY(d.value(QStringLiteral("consecutive_failures")).isDouble());
        QVERIFY(d.contains(QStringLiteral("last_error")));
        QVERIFY(d.contains(QStringLiteral("last_checked_at")));
        QVERIFY(d.contains(QStringLiteral("latency_p50_ms")));
        QVERIFY(d.value(QStringLiteral("in_flight")).isDouble());
        QCOMPARE(gw->admin("GET", "/api/v1/models/nope/health").status, 404);
    }

    /// What routing reports (GatewayStatus::deploymentHealth) is what the API shows, in the model's order.
    void healthAsRoutingReportsIt()
    {
        QTemporaryDir dir;
        store::Database db;
        QString error;
        QVERIFY(db.open(dir.filePath(QStringLiteral("x.db")), &error));
        config::ConfigServices config(&db);
        QVERIFY(config.live.load(&error));
        config::ModelPatch fields;
        fields.modelName = QStringLiteral("m");
        config::DeploymentPatch a;
        a.apiBase = QStringLiteral("http://127.0.0.1:1");
        config::DeploymentPatch b;
        b.apiBase = QStringLiteral("http://127.0.0.1:2");
        fields.deployments = QList<config::DeploymentPatch>{a, b};
        model::ModelConfig m;
        QVERIFY(config.models.create(fields, &m).ok());

        status::GatewayStatus status;
        status.uptime.start();
        QString askedFor;
        status.deploymentHealth = [&](const QString &modelId) {
            askedFor = modelId;
            model::DeploymentHealth h;
            h.modelId = m.id;
            h.modelName = m.modelName;
            h.deploymentId = m.deployments.at(1).id;
            h.state = model::HealthState::Unhealthy;
            h.consecutiveFailures = 3;
            h.lastError = QStringLiteral("upstream_error: connection refused");
            h.lastCheckedAt = QDateTime::fromString(QStringLiteral("2026-11-30T12:00:05Z"), Qt::ISODate);
            h.latencyP50Ms = 42.5;
            h.inFlight = 2;
            return QList<model::DeploymentHealth>{h};
        };
        admin::AdminApi api({&config, &status}, QStringLiteral("in-process-token-123"));
        http::HttpRequest request;
        request.method = "GET";
        request.setTarget("/api/v1/models/" + m.id.toLatin1() + "/health");
        request.headers.add("Authorization", "Bearer in-process-token-123");
        RecordingResponder responder;
        api.handle(request, &responder);
        QCOMPARE(responder.status, 200);
        QCOMPARE(askedFor, m.id);
        const QJsonArray deployments
            = QJsonDocument::fromJson(responder.body).object().value(QStringLiteral("deployments")).toArray();
        QCOMPARE(deployments.size(), 2);
        QCOMPARE(deployments.at(0).toObject(),
                 (QJsonObject{{QStringLiteral("deployment_id"), m.deployments.at(0).id},
                              {QStringLiteral("state"), QStringLiteral("unknown")},
                              {QStringLiteral("consecutive_failures"), 0},
                              {QStringLiteral("last_error"), QJsonValue::Null},
                              {QStringLiteral("last_checked_at"), QJsonValue::Null},
                              {QStringLiteral("latency_p50_ms"), QJsonValue::Null},
                              {QStringLiteral("in_flight"), 0}}));
        QCOMPARE(deployments.at(1).toObject(),
                 (QJsonObject{{QStringLiteral("deployment_id"), m.deployments.at(1).id},
                              {QStringLiteral("state"), QStringLiteral("unhealthy")},
                              {QStringLiteral("consecutive_failures"), 3},
                              {QStringLiteral("last_error"), QStringLiteral("upstream_error: connection refused")},
                              {QStringLiteral("last_checked_at"), QStringLiteral("2026-11-30T12:00:05Z")},
                              {QStringLiteral("latency_p50_ms"), 42.5},
                              {QStringLiteral("in_flight"), 2}}));
    }

    void admissionSettings()
    {
        Response r = gw->admin("GET", "/api/v1/settings/admission");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(),
                 (QJsonObject{{QStringLiteral("brownout_wait_ms"), 750},
                              {QStringLiteral("brownout_max_tokens"), 256},
                              {QStringLiteral("max_queue_wait_secs"), 30},
                              {QStringLiteral("max_queue_length"), 1024}}));
        r = gw->admin("PUT", "/api/v1/settings/admission", "{\"brownout_wait_ms\":0,\"max_queue_length\":10}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("brownout_wait_ms")).toInt(-1), 0);
        QCOMPARE(r.json().value(QStringLiteral("max_queue_length")).toInt(), 10);
        QCOMPARE(r.json().value(QStringLiteral("brownout_max_tokens")).toInt(), 256); // not given: kept
        QCOMPARE(gw->admin("GET", "/api/v1/settings/admission").json(), r.json());
        for (const QByteArray &body :
             {QByteArray("{\"brownout_wait_ms\":-1}"), QByteArray("{\"brownout_max_tokens\":0}"),
              QByteArray("{\"max_queue_wait_secs\":0}"), QByteArray("{\"max_queue_length\":0}"),
              QByteArray("{\"max_queue_length\":1.5}"), QByteArray("{\"brownout_wait_ms\":\"5\"}"),
              QByteArray("{\"max_queue_wait_secs\":1e9}")}) {
            r = gw->admin("PUT", "/api/v1/settings/admission", body);
            QCOMPARE(r.status, 400);
            QCOMPARE(errorParam(r), QJsonDocument::fromJson(body).object().keys().first());
        }
        r = gw->admin("PUT", "/api/v1/settings/admission", "{\"queue\":1}");
        QCOMPARE(r.status, 400);
        QCOMPARE(errorParam(r), QStringLiteral("queue"));
        QCOMPARE(
            gw->admin("GET", "/api/v1/settings/admission").json().value(QStringLiteral("max_queue_length")).toInt(),
            10);
    }

    void alertSettings()
    {
        const QJsonArray every = {QStringLiteral("deployment_down"),   QStringLiteral("deployment_up"),
                                  QStringLiteral("model_unavailable"), QStringLiteral("tenant_rate_limited"),
                                  QStringLiteral("key_expiring"),      QStringLiteral("queue_saturated"),
                                  QStringLiteral("database_down"),     QStringLiteral("database_up"),
                                  QStringLiteral("redis_down"),        QStringLiteral("redis_up")};
        Response r = gw->admin("GET", "/api/v1/settings/alerts");
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(QStringLiteral("webhook_url")).isNull());
        QCOMPARE(r.json().value(QStringLiteral("events")).toArray(), every);

        const QString hook = QStringLiteral("https://hooks.example.com/services/T1/B2/tok-secret-3");
        r = gw->admin("PUT", "/api/v1/settings/alerts",
                      json({{QStringLiteral("webhook_url"), hook},
                            {QStringLiteral("events"), QJsonArray{QStringLiteral("deployment_down")}}}));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("webhook_url")).toString(), hook);
        QCOMPARE(r.json().value(QStringLiteral("events")).toArray(), QJsonArray{QStringLiteral("deployment_down")});
        QCOMPARE(gw->admin("GET", "/api/v1/settings/alerts").json(), r.json());

        r = gw->admin("PUT", "/api/v1/settings/alerts", "{\"webhook_url\":\"ftp://hooks.example.com/tok-secret-4\"}");
        QCOMPARE(r.status, 400);
        QCOMPARE(errorParam(r), QStringLiteral("webhook_url"));
        QVERIFY(!r.body.contains("tok-secret"));
        r = gw->admin("PUT", "/api/v1/settings/alerts", "{\"events\":[\"deployment_down\",\"pizza\"]}");
        QCOMPARE(r.status, 400);
        QCOMPARE(errorParam(r), QStringLiteral("events"));
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/alerts", "{\"events\":\"all\"}").status, 400);
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/alerts", "{\"webhook\":\"x\"}").status, 400);

        // Only what is given changes; null clears the webhook, and events null is every alert again.
        r = gw->admin("PUT", "/api/v1/settings/alerts", "{\"events\":null}");
        QCOMPARE(r.json().value(QStringLiteral("webhook_url")).toString(), hook);
        QCOMPARE(r.json().value(QStringLiteral("events")).toArray(), every);
        r = gw->admin("PUT", "/api/v1/settings/alerts", "{\"webhook_url\":null}");
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(QStringLiteral("webhook_url")).isNull());
    }

    /// A database of schema 4 (one upstream per model, its key sealed for models.api_key): after the upgrade every
    /// model answers through its api_base with its key, and shows it as its one deployment.
    void olderDatabaseKeepsAnswering()
    {
        gw.reset();
        test::CaptureServer upstream;
        QVERIFY(upstream.isListening());
        QTemporaryDir dir;
        const QString key = QStringLiteral("sk-sealed-by-an-older-obleth");
        {
            store::SecretCipher cipher;
            QString error;
            QVERIFY2(cipher.open(store::SecretCipher::keyFilePath(dir.path()), true, &error), qPrintable(error));
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fixture"));
            db.setDatabaseName(dir.filePath(QStringLiteral("obleth.db")));
            QVERIFY(db.open());
            QStringList statements = {QStringLiteral("PRAGMA application_id=%1").arg(store::Database::kApplicationId)};
            for (int v = 0; v < 4; ++v)
                statements += store::migrations().at(v);
            statements << QStringLiteral(
                "INSERT INTO fairshare_groups VALUES ('g', 'default', 100, '2026-01-01T00:00:00.000Z')")
                       << QStringLiteral("INSERT INTO models (id, model_name, upstream_model, api_base, api_key,"
                                         " created_at, updated_at) VALUES ('m-1', 'llama', 'llama3:8b',"
                                         " 'http://127.0.0.1:%1/v1', '%2', '2026-01-01T00:00:00.000Z',"
                                         " '2026-01-01T00:00:00.000Z')")
                              .arg(upstream.port())
                              .arg(cipher.encrypt(key, QStringLiteral("models.api_key:m-1")))
                       << QStringLiteral("PRAGMA user_version=4");
            for (const QString &sql : std::as_const(statements)) {
                QSqlQuery q(db);
                QVERIFY2(q.exec(sql), qPrintable(sql));
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("fixture"));

        gw = std::make_unique<GatewayFixture>(QUrl(), dir.path());
        QVERIFY(gw->ok());
        const Response model = gw->admin("GET", "/api/v1/models/m-1");
        QCOMPARE(model.status, 200);
        QCOMPARE(deploymentsOf(model).size(), 1);
        const QJsonObject d = deploymentsOf(model).first().toObject();
        QCOMPARE(d.value(QStringLiteral("api_base")).toString(),
                 QStringLiteral("http://127.0.0.1:%1/v1").arg(upstream.port()));
        QCOMPARE(d.value(QStringLiteral("upstream_model")).toString(), QStringLiteral("llama3:8b"));
        QCOMPARE(d.value(QStringLiteral("has_api_key")).toBool(), true);

        const Response chat = test::request(
            gw->dataPort(), "POST", "/v1/chat/completions",
            test::headers({{"Authorization", "Bearer " + gw->firstKey()}, {"Content-Type", "application/json"}}),
            "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        QCOMPARE(chat.status, 200);
        QCOMPARE(headerValue(upstream.lastHead(), "authorization"), "Bearer " + key.toLatin1());
        QVERIFY(upstream.lastBody().contains("\"llama3:8b\""));
    }

    void openApiDescribesTheNewRoutes()
    {
        const QJsonObject paths
            = gw->admin("GET", "/api/v1/openapi.json").json().value(QStringLiteral("paths")).toObject();
        for (const auto &[path, methods] : QList<QPair<QString, QStringList>>{
                 {QStringLiteral("/api/v1/models/{id}/deployments"), {QStringLiteral("get"), QStringLiteral("post")}},
                 {QStringLiteral("/api/v1/models/{id}/deployments/{deployment_id}"),
                  {QStringLiteral("get"), QStringLiteral("patch"), QStringLiteral("delete")}},
                 {QStringLiteral("/api/v1/models/{id}/health"), {QStringLiteral("get")}},
                 {QStringLiteral("/api/v1/settings/admission"), {QStringLiteral("get"), QStringLiteral("put")}},
                 {QStringLiteral("/api/v1/settings/alerts"), {QStringLiteral("get"), QStringLiteral("put")}}}) {
            for (const QString &method : methods)
                QVERIFY2(paths.value(path).toObject().contains(method), qPrintable(path + QLatin1Char(' ') + method));
        }
    }
};

QTEST_GUILESS_MAIN(TestDeploymentsApi)
#include "tst_deploymentsapi.moc"
