// "model": "auto" (contract section 11): the choice among the auto-routed models (pure), and a real gateway that
// sends "auto" to the model with spare capacity and lists auto in GET /v1/models.

#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "routing/autorouter.h"

#include <QJsonArray>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace obleth;
using routing::AutoRouter;

namespace {

model::ModelConfig autoModel(const QString &name, std::optional<qint64> cap = std::nullopt, double weight = 1)
{
    model::ModelConfig m;
    m.modelName = name;
    m.autoRoute = true;
    m.maxConcurrency = cap;
    m.admissionWeight = weight;
    model::Deployment d;
    d.id = name;
    m.deployments = {d};
    return m;
}

QStringList names(const QList<const model::ModelConfig *> &models)
{
    QStringList out;
    for (const model::ModelConfig *m : models)
        out.append(m->modelName);
    return out;
}

} // namespace

class TestAutoRouter : public QObject
{
    Q_OBJECT

private:
    QHash<QString, int> inFlight;
    AutoRouter::InFlight running()
    {
        return [this](const QString &name) { return inFlight.value(name); };
    }
    QString pick(const model::ConfigSnapshot &snapshot, const AutoRouter::Available &available = {},
                 const model::ApiKey &key = {})
    {
        const model::ModelConfig *m = AutoRouter::pick(AutoRouter::candidates(snapshot, key), running(), available);
        return m ? m->modelName : QStringLiteral("(none)");
    }

private Q_SLOTS:
    void init() { inFlight.clear(); }

    void onlyEnabledAutoRoutedModelsAreCandidates()
    {
        model::ConfigSnapshot s;
        s.models = {autoModel(QStringLiteral("a")), autoModel(QStringLiteral("b")), autoModel(QStringLiteral("c"))};
        s.models[1].autoRoute = false;
        s.models[2].enabled = false;
        QVERIFY(AutoRouter::isOffered(s));
        QCOMPARE(names(AutoRouter::candidates(s, {})), QStringList{QStringLiteral("a")});
        s.models[0].enabled = false;
        QVERIFY(!AutoRouter::isOffered(s)); // a disabled model offers nothing
        QVERIFY(AutoRouter::candidates(s, {}).isEmpty());
        QCOMPARE(pick(s), QStringLiteral("(none)"));
    }

    void spareCapacityIsFreeSlotsOverTheCap()
    {
        const model::ModelConfig four = autoModel(QStringLiteral("four"), 4);
        QCOMPARE(AutoRouter::spareCapacity(four, 0), 1.0);
        QCOMPARE(AutoRouter::spareCapacity(four, 1), 0.75);
        QCOMPARE(AutoRouter::spareCapacity(four, 4), 0.0);
        QCOMPARE(AutoRouter::spareCapacity(four, 9), 0.0); // a lowered cap: never below nothing
        QCOMPARE(AutoRouter::spareCapacity(autoModel(QStringLiteral("free")), 1000), 1.0); // unlimited
        // The cap is concurrencyCap(): the deployments' caps together bound max_concurrency.
        model::ModelConfig twoDeployments = autoModel(QStringLiteral("two"), 10);
        twoDeployments.deployments[0].maxConcurrency = 1;
        model::Deployment second;
        second.maxConcurrency = 1;
        twoDeployments.deployments.append(second);
        QCOMPARE(AutoRouter::spareCapacity(twoDeployments, 1), 0.5);
    }

    void theMostSpareCapacityWins()
    {
        model::ConfigSnapshot s;
        s.models = {autoModel(QStringLiteral("small"), 2), autoModel(QStringLiteral("big"), 10)};
        inFlight[QStringLiteral("small")] = 1; // 0.5
        inFlight[QStringLiteral("big")] = 4; // 0.6
        QCOMPARE(pick(s), QStringLiteral("big"));
        inFlight[QStringLiteral("big")] = 6; // 0.4
        QCOMPARE(pick(s), QStringLiteral("small"));
        // Unlimited counts as wholly free, however busy.
        s.models.append(autoModel(QStringLiteral("unlimited")));
        inFlight[QStringLiteral("unlimited")] = 50;
        QCOMPARE(pick(s), QStringLiteral("unlimited"));
        // Every one full: still the best of them (the request then waits in admission).
        s.models.removeLast();
        inFlight[QStringLiteral("small")] = 2;
        inFlight[QStringLiteral("big")] = 10;
        QCOMPARE(pick(s), QStringLiteral("small"));
    }

    void tiesGoToTheLowerAdmissionWeightThenTheRegistryOrder()
    {
        model::ConfigSnapshot s;
        s.models = {autoModel(QStringLiteral("first"), 4, 2), autoModel(QStringLiteral("second"), 8, 2),
                    autoModel(QStringLiteral("light"), std::nullopt, 0.5)};
        inFlight[QStringLiteral("light")] = 3;
        QCOMPARE(pick(s), QStringLiteral("light")); // all 1.0: the lowest weight
        s.models[2].admissionWeight = 2;
        QCOMPARE(pick(s), QStringLiteral("first")); // all equal: registry order
        inFlight[QStringLiteral("first")] = 2; // 0.5
        inFlight[QStringLiteral("second")] = 4; // 0.5
        s.models.removeLast();
        s.models[1].admissionWeight = 1;
        QCOMPARE(pick(s), QStringLiteral("second"));
    }

    void theKeysScopeNarrowsTheCandidates()
    {
        model::ConfigSnapshot s;
        s.models = {autoModel(QStringLiteral("a")), autoModel(QStringLiteral("b"), 1)};
        model::ApiKey key;
        key.allowedModels = QStringList{QStringLiteral("b"), QStringLiteral("auto")};
        QCOMPARE(names(AutoRouter::candidates(s, key)), QStringList{QStringLiteral("b")});
        inFlight[QStringLiteral("b")] = 1;
        QCOMPARE(pick(s, {}, key), QStringLiteral("b")); // full, but the only one it may use
        key.allowedModels = QStringList{QStringLiteral("auto")}; // "auto" alone allows no model that answers
        QVERIFY(AutoRouter::candidates(s, key).isEmpty());
    }

    void unavailableModelsAreSkipped()
    {
        model::ConfigSnapshot s;
        s.models = {autoModel(QStringLiteral("healthy"), 4), autoModel(QStringLiteral("down"))};
        inFlight[QStringLiteral("healthy")] = 3;
        QCOMPARE(pick(s), QStringLiteral("down"));
        const AutoRouter::Available notDown
            = [](const model::ModelConfig &m) { return m.modelName != QStringLiteral("down"); };
        QCOMPARE(pick(s, notDown), QStringLiteral("healthy"));
        QCOMPARE(pick(s, [](const model::ModelConfig &) { return false; }), QStringLiteral("(none)"));
    }

    // ---- a real gateway ----------------------------------------------------------------------------------

    /// Two auto-routed models: while the one "auto" prefers holds its max_concurrency, "auto" goes to the other;
    /// x-obleth-model names the one that answered, and GET /v1/models lists auto.
    void autoGoesToTheModelWithSpareCapacity()
    {
        test::MockUpstream upstream;
        QVERIFY(upstream.ok());
        test::GatewayFixture gw;
        QVERIFY(gw.ok());
        const auto model = [&](const QString &name, double weight) {
            return QJsonObject{{QStringLiteral("model_name"), name},
                               {QStringLiteral("api_base"), upstream.url().toString()},
                               {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                               {QStringLiteral("max_concurrency"), 1},
                               {QStringLiteral("admission_weight"), weight},
                               {QStringLiteral("auto_route"), true}};
        };
        const test::Response created
            = gw.admin("POST", "/api/v1/models",
                       QJsonDocument(model(QStringLiteral("preferred"), 0.5)).toJson(QJsonDocument::Compact));
        QCOMPARE(created.status, 201);
        QVERIFY(created.json().value(QStringLiteral("auto_route")).toBool());
        QVERIFY(!gw.addModel(model(QStringLiteral("spare"), 1)).isEmpty());

        http::Headers auth;
        auth.add("Authorization", "Bearer " + gw.firstKey());
        QStringList listed;
        for (const QJsonValue &v : test::request(gw.dataPort(), "GET", "/v1/models", auth).data())
            listed.append(v.toObject().value(QStringLiteral("id")).toString());
        QVERIFY2(listed.contains(QStringLiteral("auto")), qPrintable(listed.join(u',')));
        QCOMPARE(test::request(gw.dataPort(), "GET", "/v1/models/auto", auth).status, 200);

        const QByteArray autoChat = R"({"model":"auto","max_tokens":3,"messages":[]})";
        // Both idle: the tie goes to the lower admission_weight.
        test::Response r = test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(), autoChat);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("x-obleth-model"), QByteArray("preferred"));

        // "preferred" holds its one slot with a slow request: "auto" goes to "spare".
        test::RawClient slow(gw.dataPort());
        const QByteArray slowBody = R"({"model":"preferred","max_tokens":1})";
        slow.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw.firstKey()
                  + "\r\nx-mock-latency-ms: 3000\r\nContent-Length: " + QByteArray::number(slowBody.size()) + "\r\n\r\n"
                  + slowBody);
        QTRY_COMPARE_WITH_TIMEOUT(
            gw.admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 1, 5000);
        r = test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(), autoChat);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("x-obleth-model"), QByteArray("spare"));
        QCOMPARE(r.json().value(QStringLiteral("usage")).toObject().value(QStringLiteral("completion_tokens")).toInt(),
                 3);
        QVERIFY(!slow.received().contains("HTTP/1.1")); // it was still busy
        // The log row names the model asked for and the one that answered.
        const QString id = QString::fromLatin1(r.headers.value("x-obleth-request-id"));
        const auto row = [&] {
            for (const QJsonValue &v : gw.admin("GET", "/api/v1/requests?limit=20").data()) {
                if (v.toObject().value(QStringLiteral("id")).toString() == id)
                    return v.toObject();
            }
            return QJsonObject();
        };
        QTRY_VERIFY_WITH_TIMEOUT(!row().isEmpty(), 5000);
        QCOMPARE(row().value(QStringLiteral("model")).toString(), QStringLiteral("spare"));
        QCOMPARE(row().value(QStringLiteral("requested_model")).toString(), QStringLiteral("auto"));
        QCOMPARE(row().value(QStringLiteral("fallback")).toBool(), false);
        QTRY_VERIFY_WITH_TIMEOUT(slow.received().contains("HTTP/1.1 200"), 10000);
    }

    /// "auto" skips a model whose deployments are all unhealthy; with none left, 503 model_unavailable.
    void autoSkipsModelsThatCannotAnswer()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        test::GatewayFixture gw;
        QVERIFY(gw.ok());
        QVERIFY(!gw.addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("down")},
                                         {QStringLiteral("api_base"), QStringLiteral("http://127.0.0.1:%1").arg(port)},
                                         {QStringLiteral("auto_route"), true},
                                         {QStringLiteral("admission_weight"), 0.5},
                                         {QStringLiteral("unhealthy_after"), 1},
                                         {QStringLiteral("cooldown_secs"), 600},
                                         {QStringLiteral("health_check_secs"), 0}})
                     .isEmpty());
        const QByteArray autoChat = R"({"model":"auto","max_tokens":2,"messages":[]})";
        // Its health is unknown yet: "auto" tries it, and the failure makes it unhealthy.
        QVERIFY(test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(), autoChat).status >= 500);
        test::Response r = test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(), autoChat);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.errorCode(), QStringLiteral("model_unavailable"));
        QCOMPARE(r.headers.value("retry-after"), QByteArray("1"));

        test::MockUpstream upstream;
        QVERIFY(upstream.ok());
        QVERIFY(!gw.addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("up")},
                                         {QStringLiteral("api_base"), upstream.url().toString()},
                                         {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                                         {QStringLiteral("auto_route"), true}})
                     .isEmpty());
        r = test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(), autoChat);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("x-obleth-model"), QByteArray("up"));
    }

    /// "auto" picks a model whose try fails and its fallback answers: x-obleth-model names the model that answered,
    /// once (not the pick as well), with x-obleth-fallback: 1.
    void autoThenFallbackNamesOnlyTheModelThatAnswered()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        test::MockUpstream upstream;
        QVERIFY(upstream.ok());
        test::GatewayFixture gw;
        QVERIFY(gw.ok());
        QVERIFY(!gw.addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("good")},
                                         {QStringLiteral("api_base"), upstream.url().toString()},
                                         {QStringLiteral("upstream_model"), QStringLiteral("mock-model")}})
                     .isEmpty());
        QVERIFY(!gw.addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("broken")},
                                         {QStringLiteral("api_base"), QStringLiteral("http://127.0.0.1:%1").arg(port)},
                                         {QStringLiteral("auto_route"), true},
                                         {QStringLiteral("fallbacks"), QJsonArray{QStringLiteral("good")}},
                                         {QStringLiteral("health_check_secs"), 0}})
                     .isEmpty());
        const test::Response r = test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(),
                                                R"({"model":"auto","max_tokens":2,"messages":[]})");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.count("x-obleth-model"), 1);
        QCOMPARE(r.headers.value("x-obleth-model"), QByteArray("good"));
        QCOMPARE(r.headers.value("x-obleth-fallback"), QByteArray("1"));
        // The log row keeps what the client asked for ("auto"), not the model auto picked.
        QJsonObject row;
        QTRY_VERIFY_WITH_TIMEOUT((row = gw.admin("GET", "/api/v1/requests?limit=1").data().at(0).toObject())
                                     .contains(QStringLiteral("model")),
                                 5000);
        QCOMPARE(row.value(QStringLiteral("model")).toString(), QStringLiteral("good"));
        QCOMPARE(row.value(QStringLiteral("requested_model")).toString(), QStringLiteral("auto"));
        QCOMPARE(row.value(QStringLiteral("fallback")).toBool(), true);
    }

    /// Without an auto-routed model, "auto" is an unknown model as before, and not listed.
    void withoutAutoRoutedModelsAutoIsUnknown()
    {
        test::GatewayFixture gw;
        QVERIFY(gw.ok());
        const test::Response r
            = test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(), R"({"model":"auto","messages":[]})");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("model_not_found"));
        http::Headers auth;
        auth.add("Authorization", "Bearer " + gw.firstKey());
        for (const QJsonValue &v : test::request(gw.dataPort(), "GET", "/v1/models", auth).data())
            QVERIFY(v.toObject().value(QStringLiteral("id")).toString() != QStringLiteral("auto"));
        QCOMPARE(test::request(gw.dataPort(), "GET", "/v1/models/auto", auth).status, 404);
    }
};

QTEST_GUILESS_MAIN(TestAutoRouter)
#include "tst_autorouter.moc"
