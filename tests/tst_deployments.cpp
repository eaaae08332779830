// Several deployments per model (contract section 10): the choice among them, passive and active health, retries
// before the first byte (never after), fallbacks, and 503 model_unavailable, with real upstream processes that are
// killed and restarted on their port.

#include "captureserver.h"
#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <memory>

using namespace obleth;
using test::GatewayFixture;
using test::MockUpstream;
using test::RawClient;
using test::Response;

namespace {

QByteArray post(const QByteArray &key, const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\n" + extraHeaders + "Content-Length: " + QByteArray::number(body.size())
        + "\r\n\r\n" + body;
}

/// A port nobody listens on.
quint16 deadPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

QString base(quint16 port)
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port);
}

int chatRequests(const MockUpstream &mock)
{
    return mock.stats().value(QStringLiteral("chat_completions")).toInt();
}

} // namespace

/// Registers a model through addModel(); skips the test while the Management API does not take deployments.
#define ADD_MODEL(...)                                                                                                 \
    do {                                                                                                               \
        const QString added = addModel(__VA_ARGS__);                                                                   \
        QVERIFY(!added.isEmpty());                                                                                     \
    } while (false)

class TestDeployments : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> gw;

    /// A deployment entry of the Management API.
    static QJsonObject deployment(const QString &apiBase)
    {
        return QJsonObject{{QStringLiteral("api_base"), apiBase},
                           {QStringLiteral("upstream_model"), QStringLiteral("mock-model")}};
    }

    /// Registers a model served by @p apiBases (its deployments, in order) with @p extra fields; sets @p ids to the
    /// deployments' ids. Skips the test while the Management API does not take deployments.
    QString addModel(const QString &name, const QStringList &apiBases, QJsonObject extra, QStringList *ids)
    {
        QJsonArray deployments;
        for (const QString &apiBase : apiBases)
            deployments.append(deployment(apiBase));
        QJsonObject model{{QStringLiteral("model_name"), name},
                          {QStringLiteral("api_base"), apiBases.first()},
                          {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                          {QStringLiteral("deployments"), deployments},
                          {QStringLiteral("health_check_secs"), 0},
                          {QStringLiteral("cooldown_secs"), 1}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            model.insert(it.key(), it.value());
        const Response r = gw->admin("POST", "/api/v1/models", QJsonDocument(model).toJson(QJsonDocument::Compact));
        if (r.status != 201) {
            qWarning("model not created: %d %s", r.status, r.body.constData());
            return {};
        }
        const QJsonArray shown = r.json().value(QStringLiteral("deployments")).toArray();
        ids->clear();
        for (const QJsonValue &d : shown)
            ids->append(d.toObject().value(QStringLiteral("id")).toString());
        m_lastModelId = r.json().value(QStringLiteral("id")).toString();
        return m_lastModelId;
    }
    QString m_lastModelId;

    Response chat(const QString &model, const http::Headers &extra = {}, bool stream = false)
    {
        test::Chat c{model};
        c.stream = stream;
        return test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), test::chatBody(c), extra);
    }

    /// The /metrics gauge @p name of a deployment (-1 when absent).
    double gauge(const QByteArray &name, const QString &deploymentId)
    {
        const Response r = gw->admin("GET", "/metrics");
        const QRegularExpression line(QStringLiteral("^%1\\{model=\"[^\"]*\",deployment=\"%2\"\\} (\\S+)$")
                                          .arg(QString::fromLatin1(name), QRegularExpression::escape(deploymentId)),
                                      QRegularExpression::MultilineOption);
        const auto match = line.match(QString::fromUtf8(r.body));
        return match.hasMatch() ? match.captured(1).toDouble() : -1;
    }
    double up(const QString &deploymentId) { return gauge("obleth_deployment_up", deploymentId); }
    /// The state GET /api/v1/models/{id}/health shows for deployment @p index.
    QJsonObject health(const QString &modelId, int index)
    {
        const Response r = gw->admin("GET", "/api/v1/models/" + modelId.toLatin1() + "/health");
        return r.json().value(QStringLiteral("deployments")).toArray().at(index).toObject();
    }

private Q_SLOTS:
    void init()
    {
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
    }
    void cleanup() { gw.reset(); }

    void modelUnavailableOnceItsOnlyDeploymentIsUnhealthy()
    {
        // Works with or without deployments in the API: the model's own api_base is its one deployment.
        const quint16 dead = deadPort();
        QVERIFY(!gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("lonely")},
                                          {QStringLiteral("api_base"), base(dead)}})
                     .isEmpty()); // cooldown_secs [30]
        int failures = 0;
        Response r;
        for (; failures < 10; ++failures) {
            r = chat(QStringLiteral("lonely"));
            if (r.status != 502)
                break;
        }
        QCOMPARE(failures, 3); // unhealthy_after [3]
        QCOMPARE(r.status, 503);
        QCOMPARE(r.errorCode(), QStringLiteral("model_unavailable"));
        QVERIFY(r.isOpenAiError());
        const int retryAfter = r.headers.value("retry-after").toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 30, r.headers.value("retry-after").constData());
        // Nothing was sent upstream for it: the next one is refused the same way, at once.
        QCOMPARE(chat(QStringLiteral("lonely")).status, 503);
    }

    void sequentialRequestsSurviveADeploymentKilledMidRun()
    {
        MockUpstream a;
        MockUpstream b;
        QVERIFY(a.ok() && b.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("pair"), {base(a.port()), base(b.port())}, {}, &ids);
        const QString modelId = m_lastModelId;
        for (int i = 0; i < 200; ++i) {
            if (i == 100)
                b.kill();
            const Response r = chat(QStringLiteral("pair"));
            QVERIFY2(
                r.status == 200,
                qPrintable(QStringLiteral("request %1: %2 %3").arg(i).arg(r.status).arg(QString::fromUtf8(r.body))));
        }
        QVERIFY(chatRequests(a) > 100); // both took turns before the kill, then a took the rest
        QCOMPARE(up(ids.at(1)), 0.0);
        QCOMPARE(up(ids.at(0)), 1.0);
        const QJsonObject dead = health(modelId, 1);
        QVERIFY2(dead.value(QStringLiteral("state")).toString() == QStringLiteral("unhealthy")
                     || dead.value(QStringLiteral("state")).toString() == QStringLiteral("probing"),
                 QJsonDocument(dead).toJson().constData());
        QVERIFY(dead.value(QStringLiteral("consecutive_failures")).toInt() >= 3);
        QCOMPARE(health(modelId, 0).value(QStringLiteral("state")).toString(), QStringLiteral("healthy"));

        // Restarted on its port, it is probed after its cooldown (1 s) and comes back.
        QVERIFY(b.restart());
        QTRY_VERIFY_WITH_TIMEOUT((chat(QStringLiteral("pair")).status == 200 && up(ids.at(1)) == 1.0), 10'000);
        const int before = chatRequests(b);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(chat(QStringLiteral("pair")).status, 200);
        QVERIFY(chatRequests(b) > before); // it takes its turns again
        QCOMPARE(health(modelId, 1).value(QStringLiteral("state")).toString(), QStringLiteral("healthy"));
    }

    void concurrentRequestsSurviveADeploymentKilledMidRun()
    {
        MockUpstream a;
        MockUpstream b;
        QVERIFY(a.ok() && b.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("pair"), {base(a.port()), base(b.port())}, {}, &ids);
        // 50 at once, each waiting 500 ms at its upstream: b dies with its share in flight, before any first byte.
        const QByteArray body = test::chatBody({QStringLiteral("pair")});
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 50; ++i)
            clients.push_back(
                std::make_unique<RawClient>(gw->dataPort(), post(gw->firstKey(), body, "x-mock-latency-ms: 500\r\n")));
        QTRY_VERIFY_WITH_TIMEOUT(b.stats().value(QStringLiteral("in_flight")).toInt() > 0, 10'000);
        b.kill();
        int ok = 0;
        for (const auto &client : clients) {
            QTRY_VERIFY_WITH_TIMEOUT(client->isClosed(), 20'000);
            if (client->received().startsWith("HTTP/1.1 200"))
                ++ok;
            else
                qWarning("%s", client->received().left(400).constData());
        }
        QCOMPARE(ok, 50); // none had started: every one was retried on a
        QCOMPARE(up(ids.at(1)), 0.0);
    }

    void concurrentStreamsSurviveADeploymentKilledMidRun()
    {
        MockUpstream a;
        MockUpstream b;
        QVERIFY(a.ok() && b.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("pair"), {base(a.port()), base(b.port())}, {}, &ids);
        // 50 streams at once: half start at once (a chunk every 100 ms), half wait 800 ms before their first byte.
        test::Chat c{QStringLiteral("pair")};
        c.stream = true;
        const QByteArray body = test::chatBody(c);
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 50; ++i) {
            const QByteArray latency = i % 4 < 2 ? "0" : "800"; // each deployment gets both kinds
            clients.push_back(std::make_unique<RawClient>(
                gw->dataPort(),
                post(gw->firstKey(), body, "x-mock-latency-ms: " + latency + "\r\nx-mock-chunk-delay-ms: 100\r\n")));
        }
        QTRY_VERIFY_WITH_TIMEOUT(b.stats().value(QStringLiteral("in_flight")).toInt() >= 10, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(std::count_if(clients.cbegin(), clients.cend(),
                                               [](const auto &cl) { return cl->received().contains("data: {"); })
                                     > 0,
                                 10'000);
        std::vector<bool> started;
        for (const auto &client : clients)
            started.push_back(client->received().contains("data: {"));
        b.kill();
        int complete = 0;
        int cutAfterStart = 0;
        for (size_t i = 0; i < clients.size(); ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(clients[i]->isClosed(), 20'000);
            const QByteArray &got = clients[i]->received();
            if (got.startsWith("HTTP/1.1 200") && got.contains("data: [DONE]") && got.endsWith("0\r\n\r\n")) {
                ++complete;
                continue;
            }
            // Only a stream that had already started may fail: it is cut, never retried.
            QVERIFY2(started[i], got.left(400).constData());
            ++cutAfterStart;
        }
        QCOMPARE(complete + cutAfterStart, 50);
        QVERIFY(cutAfterStart <= 25);
        QVERIFY(complete >= 25); // every stream that had not started yet was answered
        qInfo("%d of 50 streams complete, %d cut after their start", complete, cutAfterStart);
    }

    void eachDeploymentKeepsToItsMaxConcurrency()
    {
        MockUpstream a;
        MockUpstream b;
        QVERIFY(a.ok() && b.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("small"), {base(a.port()), base(b.port())}, {}, &ids);
        for (const QString &id : std::as_const(ids)) {
            QCOMPARE(gw->admin("PATCH", "/api/v1/models/" + m_lastModelId.toLatin1() + "/deployments/" + id.toLatin1(),
                               R"({"max_concurrency":1})")
                         .status,
                     200);
        }
        const QByteArray body = test::chatBody({QStringLiteral("small")});
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 6; ++i)
            clients.push_back(
                std::make_unique<RawClient>(gw->dataPort(), post(gw->firstKey(), body, "x-mock-latency-ms: 300\r\n")));
        int ok = 0;
        for (const auto &client : clients) {
            QTRY_VERIFY_WITH_TIMEOUT(client->isClosed(), 20'000);
            const QByteArray &got = client->received();
            if (got.startsWith("HTTP/1.1 200")) {
                ++ok;
                continue;
            }
            // Admission bounds the model by its deployments' caps together (then every request waits its turn);
            // should a request still find both busy, it is told to come back.
            QVERIFY2(got.startsWith("HTTP/1.1 429") && got.contains("\"rate_limited\"")
                         && got.toLower().contains("retry-after: 1\r\n"),
                     got.left(400).constData());
        }
        QVERIFY(ok >= 2);
        QCOMPARE(a.stats().value(QStringLiteral("max_in_flight")).toInt(), 1);
        QCOMPARE(b.stats().value(QStringLiteral("max_in_flight")).toInt(), 1);
    }

    void noRetryAfterTheFirstByte()
    {
        MockUpstream a;
        MockUpstream b;
        QVERIFY(a.ok() && b.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("pair"), {base(a.port()), base(b.port())}, {}, &ids);
        test::Chat c{QStringLiteral("pair")};
        c.stream = true;
        c.maxTokens = 50;
        RawClient client(gw->dataPort(), post(gw->firstKey(), test::chatBody(c), "x-mock-chunk-delay-ms: 200\r\n"));
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("data: {"), 10'000);
        MockUpstream &serving = chatRequests(a) == 1 ? a : b;
        MockUpstream &other = &serving == &a ? b : a;
        const int otherBefore = chatRequests(other);
        serving.kill();
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 10'000);
        QVERIFY(!client.received().endsWith("0\r\n\r\n")); // cut, not ended
        QVERIFY(!client.received().contains("[DONE]"));
        QCOMPARE(chatRequests(other), otherBefore); // no second copy went to the other deployment
    }

    void a503IsRetriedOnTheOtherDeployment()
    {
        test::CaptureServer failing(QByteArrayLiteral(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
        QVERIFY(failing.isListening());
        MockUpstream good;
        QVERIFY(good.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("half"), {base(failing.port()), base(good.port())}, {}, &ids);
        for (int i = 0; i < 6; ++i) {
            const Response r = chat(QStringLiteral("half"));
            QCOMPARE(r.status, 200);
        }
        QVERIFY(!failing.requests().isEmpty());
        QCOMPARE(up(ids.at(0)), 0.0); // three 503s in a row
        // With nothing left to try, the upstream's own 503 reaches the client as it is.
        const Response r = chat(QStringLiteral("half"), test::headers({{"x-mock-status", "503"}}));
        QCOMPARE(r.status, 503);
        QVERIFY(r.errorCode() != QStringLiteral("model_unavailable"));
    }

    /// A probe whose outcome is known (it failed on a 500 head) but whose answer is still being relayed must not, when
    /// it ends, cut short the next probe that started meanwhile: the deployment stays probing, one probe at a time.
    void anEndedProbeLeavesTheNextProbeRunning()
    {
        // A 500 head with half its body: the try stays in flight while the client waits for the rest.
        test::CaptureServer held(QByteArrayLiteral(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n{}"));
        QVERIFY(held.isListening());
        QStringList ids;
        ADD_MODEL(QStringLiteral("held"), {base(held.port())},
                  QJsonObject{{QStringLiteral("unhealthy_after"), 1}, {QStringLiteral("max_retries"), 0}}, &ids);
        const QString modelId = m_lastModelId;
        const QByteArray body = test::chatBody({QStringLiteral("held")});
        const auto state = [&] { return health(modelId, 0).value(QStringLiteral("state")).toString(); };
        // Sends requests until one reaches the upstream (the probe, once the 1 s cooldown is over); the others are
        // refused at once with 503 model_unavailable.
        const auto nextProbe = [&]() -> std::unique_ptr<RawClient> {
            QDeadlineTimer deadline(10'000);
            while (!deadline.hasExpired()) {
                const qsizetype before = held.requests().size();
                auto client = std::make_unique<RawClient>(gw->dataPort(), post(gw->firstKey(), body));
                if (!QTest::qWaitFor([&] { return client->isClosed() || held.requests().size() > before; }, 5'000))
                    return nullptr;
                if (held.requests().size() > before)
                    return client;
                if (!client->received().startsWith("HTTP/1.1 503"))
                    qWarning("%s", client->received().left(300).constData());
            }
            return nullptr;
        };
        RawClient first(gw->dataPort(), post(gw->firstKey(), body));
        QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("unhealthy"), 5'000);
        // The probe fails on its 500 head: the deployment rests again, while that answer is still relayed.
        std::unique_ptr<RawClient> failedProbe = nextProbe();
        QVERIFY(failedProbe);
        QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("unhealthy"), 5'000);
        // The next probe gets no answer yet.
        held.setResponse({});
        std::unique_ptr<RawClient> probe = nextProbe();
        QVERIFY(probe);
        QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("probing"), 5'000);
        QCOMPARE(health(modelId, 0).value(QStringLiteral("in_flight")).toInt(), 3);
        // The failed probe's client leaves: its try ends, and the running probe is still the one probe.
        failedProbe->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(health(modelId, 0).value(QStringLiteral("in_flight")).toInt(), 2, 5'000);
        QCOMPARE(state(), QStringLiteral("probing"));
        const qsizetype sent = held.requests().size();
        const Response refused = chat(QStringLiteral("held"));
        QCOMPARE(refused.status, 503);
        QCOMPARE(held.requests().size(), sent); // no second probe
    }

    void activeChecksFindADeadDeploymentWithoutTraffic()
    {
        MockUpstream a;
        MockUpstream b;
        QVERIFY(a.ok() && b.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("watched"), {base(a.port()), base(b.port()) + QStringLiteral("/v1")},
                  QJsonObject{{QStringLiteral("health_check_secs"), 1}, {QStringLiteral("unhealthy_after"), 2}}, &ids);
        // Checks reach both (GET /v1/models, the /v1 of an api_base not doubled): both healthy.
        QTRY_VERIFY_WITH_TIMEOUT(up(ids.at(0)) == 1.0 && gauge("obleth_deployment_latency_p50_seconds", ids.at(1)) >= 0,
                                 10'000);
        QVERIFY(b.stats().value(QStringLiteral("models")).toInt() >= 1);
        b.kill();
        QTRY_COMPARE_WITH_TIMEOUT(up(ids.at(1)), 0.0, 10'000);
        QCOMPARE(up(ids.at(0)), 1.0);
        QVERIFY(b.restart());
        QTRY_COMPARE_WITH_TIMEOUT(up(ids.at(1)), 1.0, 10'000); // a check after the cooldown heals it
    }

    void aCheckWhoseBodyNeverEndsStillCounts()
    {
        // An upstream whose GET /v1/models answers 200 at once and then trickles its body for ever: the head is the
        // answer. (A check that waited for the body's end ran on for ever: the deployment was never checked again.)
        QTcpServer trickler;
        QVERIFY(trickler.listen(QHostAddress::LocalHost, 0));
        QTimer drip;
        std::vector<QTcpSocket *> open;
        connect(&trickler, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *s = trickler.nextPendingConnection()) {
                open.push_back(s);
                connect(s, &QTcpSocket::readyRead, s, [s] {
                    if (s->readAll().contains("\r\n\r\n"))
                        s->write(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
                });
            }
        });
        connect(&drip, &QTimer::timeout, this, [&] {
            for (QTcpSocket *s : open) {
                if (s->state() == QAbstractSocket::ConnectedState)
                    s->write("1\r\n \r\n");
            }
        });
        drip.start(200);
        QStringList ids;
        ADD_MODEL(QStringLiteral("trickled"), {base(trickler.serverPort())},
                  QJsonObject{{QStringLiteral("health_check_secs"), 1}}, &ids);
        QTRY_COMPARE_WITH_TIMEOUT(health(m_lastModelId, 0).value(QStringLiteral("state")).toString(),
                                  QStringLiteral("healthy"), 15'000);
        // Checks go on, one at a time, and none is left hanging on its connection.
        QTRY_VERIFY_WITH_TIMEOUT(open.size() >= 2, 15'000);
        QTRY_VERIFY_WITH_TIMEOUT(
            std::count_if(open.begin(), open.end(),
                          [](QTcpSocket *s) { return s->state() == QAbstractSocket::ConnectedState; })
                <= 1,
            15'000);
    }

    void everyDeploymentDisabledSaysSo()
    {
        MockUpstream a;
        QVERIFY(a.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("off"), {base(a.port())}, {}, &ids);
        const Response p
            = gw->admin("PATCH", "/api/v1/models/" + m_lastModelId.toLatin1() + "/deployments/" + ids.at(0).toLatin1(),
                        R"({"enabled":false})");
        QCOMPARE(p.status, 200);
        const Response r = chat(QStringLiteral("off"));
        QCOMPARE(r.status, 503);
        QCOMPARE(r.errorCode(), QStringLiteral("model_unavailable"));
        // Not "all unhealthy": nothing failed, and waiting will not help.
        QVERIFY2(r.body.contains("every deployment is disabled"), r.body.constData());
        QCOMPARE(chatRequests(a), 0);
    }

    void fallbacksInOrderWithTheirHeaders()
    {
        MockUpstream backup;
        QVERIFY(backup.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("off"), {base(backup.port())}, QJsonObject{{QStringLiteral("enabled"), false}}, &ids);
        ADD_MODEL(QStringLiteral("gone"), {base(deadPort())}, {}, &ids);
        ADD_MODEL(QStringLiteral("hidden"), {base(backup.port())}, {}, &ids);
        ADD_MODEL(QStringLiteral("backup"), {base(backup.port())}, {}, &ids);
        const QString backupDeployment = ids.value(0);
        ADD_MODEL(QStringLiteral("never"), {base(backup.port())}, {}, &ids);
        ADD_MODEL(QStringLiteral("primary"), {base(deadPort())},
                  QJsonObject{{QStringLiteral("fallbacks"),
                               QJsonArray{QStringLiteral("off"), QStringLiteral("gone"), QStringLiteral("hidden"),
                                          QStringLiteral("backup"), QStringLiteral("never")}}},
                  &ids);
        // A key that may not use "hidden": that fallback is skipped for it.
        QString keyId;
        const QByteArray key = gw->addTenantKey(QStringLiteral("scoped"), nullptr, &keyId);
        QCOMPARE(gw->admin("PATCH", "/api/v1/keys/" + keyId.toLatin1(),
                           R"({"allowed_models":["primary","gone","backup","never"]})")
                     .status,
                 200);
        const Response r
            = test::postJson(gw->dataPort(), "/v1/chat/completions", key, test::chatBody({QStringLiteral("primary")}));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("x-obleth-model"), QByteArray("backup"));
        QCOMPARE(r.headers.value("x-obleth-fallback"), QByteArray("1"));
        QCOMPARE(chatRequests(backup), 1); // neither "off" nor "hidden" before it, nor "never" after it

        // The log row names both models and the deployment that answered.
        QJsonObject row;
        QTRY_VERIFY_WITH_TIMEOUT((row = gw->admin("GET", "/api/v1/requests?limit=1").data().at(0).toObject())
                                     .contains(QStringLiteral("model")),
                                 5000);
        QCOMPARE(row.value(QStringLiteral("model")).toString(), QStringLiteral("backup"));
        QCOMPARE(row.value(QStringLiteral("requested_model")).toString(), QStringLiteral("primary"));
        QCOMPARE(row.value(QStringLiteral("fallback")).toBool(), true);
        QCOMPARE(row.value(QStringLiteral("deployment_id")).toString(), backupDeployment);

        // The model's own answer carries neither header.
        const Response direct = chat(QStringLiteral("backup"));
        QCOMPARE(direct.status, 200);
        QVERIFY(!direct.headers.contains("x-obleth-fallback"));
        QVERIFY(!direct.headers.contains("x-obleth-model"));
    }

    void aFallbacksAnswerIsNotCached()
    {
        // A fallback's answer comes from another model than the one the cache key names: stored, it would answer
        // the primary's later requests (with its fallback headers) even once the primary is back.
        MockUpstream backup;
        QVERIFY(backup.ok());
        QStringList ids;
        ADD_MODEL(QStringLiteral("backup"), {base(backup.port())}, {}, &ids);
        ADD_MODEL(QStringLiteral("primary"), {base(deadPort())},
                  QJsonObject{{QStringLiteral("fallbacks"), QJsonArray{QStringLiteral("backup")}},
                              {QStringLiteral("cache_enabled"), true}},
                  &ids);
        for (int i = 0; i < 2; ++i) {
            const Response r = chat(QStringLiteral("primary"));
            QCOMPARE(r.status, 200);
            QCOMPARE(r.headers.value("x-obleth-fallback"), QByteArray("1"));
            QCOMPARE(r.headers.value("x-obleth-cache"), QByteArray("miss"));
        }
        QCOMPARE(chatRequests(backup), 2);
    }

    void everyTryFailedGivesTheLastError()
    {
        QStringList ids;
        ADD_MODEL(QStringLiteral("down1"), {base(deadPort())}, {}, &ids);
        ADD_MODEL(QStringLiteral("down0"), {base(deadPort()), base(deadPort())},
                  QJsonObject{{QStringLiteral("fallbacks"), QJsonArray{QStringLiteral("down1")}}}, &ids);
        const Response r = chat(QStringLiteral("down0"));
        QCOMPARE(r.status, 502);
        QCOMPARE(r.errorCode(), QStringLiteral("upstream_error"));
        // Three tries, each refused: the fallback's deployment was the last one.
        QCOMPARE(r.headers.value("x-obleth-model"), QByteArray("down1"));
    }

    /// Nothing can be tried: Retry-After is the time to the soonest probe of anything that could answer, the
    /// fallbacks' included (contract section 10), not only the model's own.
    void retryAfterCountsTheFallbacksNextProbe()
    {
        QStringList ids;
        ADD_MODEL(QStringLiteral("spare"), {base(deadPort())},
                  QJsonObject{{QStringLiteral("unhealthy_after"), 1}, {QStringLiteral("cooldown_secs"), 5}}, &ids);
        ADD_MODEL(QStringLiteral("main"), {base(deadPort())},
                  QJsonObject{{QStringLiteral("unhealthy_after"), 1},
                              {QStringLiteral("cooldown_secs"), 600},
                              {QStringLiteral("fallbacks"), QJsonArray{QStringLiteral("spare")}}},
                  &ids);
        QCOMPARE(chat(QStringLiteral("main")).status, 502); // both refused: both rest now
        const Response r = chat(QStringLiteral("main"));
        QCOMPARE(r.status, 503);
        QCOMPARE(r.errorCode(), QStringLiteral("model_unavailable"));
        const int retryAfter = r.headers.value("retry-after").toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 5, r.headers.value("retry-after").constData());
    }
};

QTEST_GUILESS_MAIN(TestDeployments)
#include "tst_deployments.moc"
