// Usage and cost (contract section 6), the request log and its Management API (section 4), live events
// (/api/v1/events and the RequestMonitor's Qt signals), /metrics, and tokens_per_minute budgets (section 3),
// all through a real gateway and the real mock upstream process.

#include "gateway/gateway.h"
#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "usage/requestmonitor.h"

#include <QDateTime>
#include <QTest>

using namespace obleth;
using test::GatewayFixture;

namespace {
const QByteArray kChat = "/v1/chat/completions";

QByteArray chat(const QString &model, int maxTokens, bool stream = false, bool includeUsage = false)
{
    return test::chatBody({model, maxTokens, stream, includeUsage});
}

/// The server-sent events in @p text: (event, data) pairs.
QList<QPair<QByteArray, QJsonObject>> sseEvents(const QByteArray &text)
{
    QList<QPair<QByteArray, QJsonObject>> events;
    qsizetype pos = 0;
    QByteArray event;
    while (pos < text.size()) {
        qsizetype nl = text.indexOf('\n', pos);
        if (nl < 0)
            break;
        const QByteArray line = text.mid(pos, nl - pos);
        pos = nl + 1;
        if (line.startsWith("event: "))
            event = line.mid(7);
        else if (line.startsWith("data: ") && !event.isEmpty())
            events.append({event, QJsonDocument::fromJson(line.mid(6)).object()});
    }
    return events;
}
} // namespace

class TestUsage : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::MockUpstream> mock;
    std::unique_ptr<GatewayFixture> gw;
    QString pricedId;

    /// The newest logged requests matching @p query.
    QJsonArray logged(const QByteArray &query = "limit=1")
    {
        const test::Response r = gw->admin("GET", "/api/v1/requests?" + query);
        return r.status == 200 ? r.data() : QJsonArray();
    }
    QJsonObject lastLogged() { return logged().first().toObject(); }

private Q_SLOTS:
    void initTestCase()
    {
        mock = std::make_unique<test::MockUpstream>();
        QVERIFY(mock->ok());
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
        pricedId = gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("priced")},
                                            {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                                            {QStringLiteral("api_base"), mock->url(QStringLiteral("/v1")).toString()},
                                            {QStringLiteral("input_cost_per_token"), 0.001},
                                            {QStringLiteral("output_cost_per_token"), 0.002}});
        QVERIFY(!pricedId.isEmpty());
    }

    void upstreamUsageIsLoggedWithItsCost()
    {
        const test::Response r
            = test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("priced"), 5));
        QCOMPARE(r.status, 200);
        const QJsonObject usage = r.json().value(QStringLiteral("usage")).toObject();
        const int prompt = usage.value(QStringLiteral("prompt_tokens")).toInt();
        QVERIFY(prompt > 0);
        QCOMPARE(usage.value(QStringLiteral("completion_tokens")).toInt(), 5);

        const QJsonObject row = lastLogged();
        QCOMPARE(row.value(QStringLiteral("id")).toString().toLatin1(), r.headers.value("x-obleth-request-id"));
        QCOMPARE(row.value(QStringLiteral("model")).toString(), QStringLiteral("priced"));
        QCOMPARE(row.value(QStringLiteral("tenant")).toString(), QStringLiteral("default"));
        QCOMPARE(row.value(QStringLiteral("key_prefix")).toString().toLatin1(), gw->firstKey().left(18));
        QCOMPARE(row.value(QStringLiteral("path")).toString(), QStringLiteral("/v1/chat/completions"));
        QCOMPARE(row.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
        QCOMPARE(row.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(row.value(QStringLiteral("prompt_tokens")).toInt(), prompt);
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), 5);
        QCOMPARE(row.value(QStringLiteral("estimated")).toBool(), false);
        QCOMPARE(row.value(QStringLiteral("cost")).toDouble(), prompt * 0.001 + 5 * 0.002);
        QCOMPARE(row.value(QStringLiteral("streamed")).toBool(), false);
        QCOMPARE(row.value(QStringLiteral("bytes_out")).toInt(), r.body.size());
        QVERIFY(row.value(QStringLiteral("bytes_in")).toInt() > 0);
        QVERIFY(row.value(QStringLiteral("ttfb_ms")).toInt() >= 0);
        QVERIFY(row.value(QStringLiteral("latency_ms")).toInt() >= row.value(QStringLiteral("ttfb_ms")).toInt());
        QCOMPARE(row.value(QStringLiteral("cache")).toString(), QStringLiteral("off"));
        QVERIFY(row.value(QStringLiteral("error")).isNull());
        const QDateTime started
            = QDateTime::fromString(row.value(QStringLiteral("started_at")).toString(), Qt::ISODateWithMs);
        QVERIFY(qAbs(started.secsTo(QDateTime::currentDateTimeUtc())) < 60);
    }

    void streamedUsageChunkIsCounted()
    {
        const test::Response r
            = test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("priced"), 7, true, true));
        QCOMPARE(r.status, 200);
        const QJsonObject row = lastLogged();
        QCOMPARE(row.value(QStringLiteral("streamed")).toBool(), true);
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), 7);
        QCOMPARE(row.value(QStringLiteral("estimated")).toBool(), false);
        QVERIFY(row.value(QStringLiteral("prompt_tokens")).toInt() > 0);
        QVERIFY(row.value(QStringLiteral("cost")).toDouble() > 7 * 0.002);
    }

    void missingUsageIsEstimatedAndFlagged()
    {
        const test::Response r
            = test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("priced"), 9, true, false));
        QCOMPARE(r.status, 200);
        QVERIFY(!r.body.contains("\"usage\""));
        const QJsonObject row = lastLogged();
        QCOMPARE(row.value(QStringLiteral("estimated")).toBool(), true);
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), 9); // one per content chunk
        QVERIFY(row.value(QStringLiteral("prompt_tokens")).toInt() > 0);
    }

    void mockModelAndErrorsAreLoggedToo()
    {
        QCOMPARE(test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("mock-model"), 3)).status,
                 200);
        QJsonObject row = lastLogged();
        QCOMPARE(row.value(QStringLiteral("model")).toString(), QStringLiteral("mock-model"));
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), 3);

        QCOMPARE(test::postJson(gw->dataPort(), kChat, "sk_wrong", chat(QStringLiteral("priced"), 3)).status, 401);
        row = lastLogged();
        QCOMPARE(row.value(QStringLiteral("status")).toInt(), 401);
        QCOMPARE(row.value(QStringLiteral("error")).toString(), QStringLiteral("invalid_api_key"));
        QVERIFY(row.value(QStringLiteral("tenant_id")).isNull());

        test::Response r = test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("priced"), 3),
                                          test::headers({{"x-mock-status", "503"}}));
        QCOMPARE(r.status, 503);
        row = lastLogged();
        QCOMPARE(row.value(QStringLiteral("status")).toInt(), 503);
        QVERIFY(!row.value(QStringLiteral("error")).toString().isEmpty());
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), 0);
        QCOMPARE(row.value(QStringLiteral("cost")).toDouble(), 0.0);
    }

    void requestsAreFiltered()
    {
        QString tenantId;
        const QByteArray key = gw->addTenantKey(QStringLiteral("filtered"), &tenantId);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(test::postJson(gw->dataPort(), kChat, key, chat(QStringLiteral("mock-model"), 2)).status, 200);
        QCOMPARE(test::postJson(gw->dataPort(), kChat, key, chat(QStringLiteral("nope"), 2)).status, 404);

        const QJsonArray mine = logged("limit=100&tenant_id=" + tenantId.toLatin1());
        QCOMPARE(mine.size(), 4);
        for (const QJsonValue &v : mine)
            QCOMPARE(v.toObject().value(QStringLiteral("tenant")).toString(), QStringLiteral("filtered"));
        QCOMPARE(logged("limit=100&status=404&tenant_id=" + tenantId.toLatin1()).size(), 1);
        QCOMPARE(logged("limit=100&status=4xx&tenant_id=" + tenantId.toLatin1()).size(), 1);
        QCOMPARE(logged("limit=100&status=2xx&tenant_id=" + tenantId.toLatin1()).size(), 3);
        QCOMPARE(logged("limit=2&tenant_id=" + tenantId.toLatin1()).size(), 2);
        const QJsonArray priced = logged("limit=100&model=priced");
        QVERIFY(priced.size() >= 3);
        for (const QJsonValue &v : priced)
            QCOMPARE(v.toObject().value(QStringLiteral("model")).toString(), QStringLiteral("priced"));

        // Paging: newest first, `before` continues after the last row seen.
        const QJsonArray page1 = logged("limit=2&tenant_id=" + tenantId.toLatin1());
        const qint64 last = qint64(page1.last().toObject().value(QStringLiteral("seq")).toDouble());
        const QJsonArray page2
            = logged("limit=10&tenant_id=" + tenantId.toLatin1() + "&before=" + QByteArray::number(last));
        QCOMPARE(page2.size(), 2);
        QVERIFY(page2.first().toObject().value(QStringLiteral("seq")).toDouble() < double(last));
        const QString future = QDateTime::currentDateTimeUtc().addDays(1).toString(Qt::ISODate);
        QCOMPARE(logged("since=" + future.toLatin1()).size(), 0);

        for (const QByteArray &bad : {QByteArray("limit=0"), QByteArray("limit=x"), QByteArray("status=abc"),
                                      QByteArray("since=yesterday"), QByteArray("before=-3")}) {
            const test::Response r = gw->admin("GET", "/api/v1/requests?" + bad);
            QCOMPARE(r.status, 400);
            QVERIFY(r.isOpenAiError());
        }
    }

    void usageIsGroupedByTenantModelAndDay()
    {
        QString tenantId;
        const QByteArray key = gw->addTenantKey(QStringLiteral("grouped"), &tenantId);
        for (int i = 0; i < 2; ++i)
            QCOMPARE(test::postJson(gw->dataPort(), kChat, key, chat(QStringLiteral("priced"), 4)).status, 200);
        QCOMPARE(test::postJson(gw->dataPort(), kChat, key, chat(QStringLiteral("mock-model"), 6)).status, 200);

        QJsonObject mine;
        for (const QJsonValue &v : gw->admin("GET", "/api/v1/usage?group_by=tenant").data()) {
            if (v.toObject().value(QStringLiteral("tenant_id")).toString() == tenantId)
                mine = v.toObject();
        }
        QCOMPARE(mine.value(QStringLiteral("tenant")).toString(), QStringLiteral("grouped"));
        QCOMPARE(mine.value(QStringLiteral("requests")).toInt(), 3);
        QCOMPARE(mine.value(QStringLiteral("completion_tokens")).toInt(), 4 + 4 + 6);
        QVERIFY(mine.value(QStringLiteral("cost")).toDouble() > 8 * 0.002);
        QCOMPARE(mine.value(QStringLiteral("estimated")).toBool(), false);
        QVERIFY(!mine.contains(QStringLiteral("model")));

        bool sawPriced = false;
        for (const QJsonValue &v : gw->admin("GET", "/api/v1/usage?group_by=model").data()) {
            const QJsonObject row = v.toObject();
            QVERIFY(row.contains(QStringLiteral("model")));
            if (row.value(QStringLiteral("model")).toString() == QStringLiteral("priced")) {
                sawPriced = true;
                QVERIFY(row.value(QStringLiteral("requests")).toInt() >= 2);
                QVERIFY(row.value(QStringLiteral("estimated")).toBool()); // one stream above had no usage
            }
        }
        QVERIFY(sawPriced);
        const QJsonArray days = gw->admin("GET", "/api/v1/usage?group_by=day").data();
        QCOMPARE(days.size(), 1);
        QCOMPARE(days.first().toObject().value(QStringLiteral("day")).toString(),
                 QDateTime::currentDateTimeUtc().date().toString(Qt::ISODate));
        const QString future = QDateTime::currentDateTimeUtc().addSecs(7200).toString(Qt::ISODate);
        QCOMPARE(gw->admin("GET", "/api/v1/usage?group_by=day&since=" + future.toLatin1()).data().size(), 0);
        QCOMPARE(gw->admin("GET", "/api/v1/usage?group_by=week").status, 400);
        QCOMPARE(gw->admin("GET", "/api/v1/usage?since=tomorrow").status, 400);
    }

    void pruningKeepsUsageTotals()
    {
        const QJsonArray before = gw->admin("GET", "/api/v1/usage?group_by=model").data();
        QCOMPARE(
            gw->admin("GET", "/api/v1/settings/request-log").json().value(QStringLiteral("retention_days")).toInt(),
            30);
        test::Response r = gw->admin("PUT", "/api/v1/settings/request-log", "{\"max_rows\":2}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("max_rows")).toInt(), 2);
        QCOMPARE(logged("limit=1000").size(), 2);
        QCOMPARE(gw->admin("GET", "/api/v1/usage?group_by=model").data(), before);
        QCOMPARE(gw->admin("GET", "/api/v1/settings/request-log").json().value(QStringLiteral("max_rows")).toInt(), 2);

        for (const QByteArray &bad : {QByteArray("{\"max_rows\":-1}"), QByteArray("{\"retention_days\":1.5}"),
                                      QByteArray("{\"retention\":3}"), QByteArray("[]")}) {
            r = gw->admin("PUT", "/api/v1/settings/request-log", bad);
            QCOMPARE(r.status, 400);
        }
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/request-log", "{\"max_rows\":0,\"retention_days\":0}").status, 200);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(
                test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("mock-model"), 1)).status,
                200);
        QCOMPARE(logged("limit=1000").size(), 5);
    }

    void eventsStreamLiveRequests()
    {
        test::RawClient events(gw->adminPort(),
                               "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                   + GatewayFixture::kAdminToken + "\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(events.received().contains(": obleth events"), 5000);
        QVERIFY(events.received().startsWith("HTTP/1.1 200"));
        QVERIFY(events.received().contains("text/event-stream"));

        test::RawClient client(gw->dataPort());
        const QByteArray body = chat(QStringLiteral("priced"), 6, true);
        client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                    + "\r\nx-mock-chunk-delay-ms: 150\r\nContent-Type: application/json\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QTRY_VERIFY_WITH_TIMEOUT(events.received().contains("event: request_finished"), 10000);
        const auto all = sseEvents(events.received());
        QStringList order;
        QString text;
        qint64 tokens = 0;
        for (const auto &[type, data] : all) {
            order << QString::fromLatin1(type);
            if (type == "request_progress") {
                text += data.value(QStringLiteral("text")).toString();
                tokens = std::max<qint64>(tokens, qint64(data.value(QStringLiteral("tokens")).toDouble()));
            }
        }
        QCOMPARE(order.first(), QStringLiteral("request_started"));
        QCOMPARE(order.last(), QStringLiteral("request_finished"));
        QVERIFY2(order.count(QStringLiteral("request_progress")) >= 3, qPrintable(order.join(QLatin1Char(','))));
        QCOMPARE(all.first().second.value(QStringLiteral("model")).toString(), QStringLiteral("priced"));
        QCOMPARE(tokens, 6);
        QVERIFY(!text.isEmpty());
        const QJsonObject finished = all.last().second;
        QCOMPARE(finished.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(finished.value(QStringLiteral("completion_tokens")).toInt(), 6);

        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":65}").status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(events.received().contains("event: config_changed"), 5000);
    }

    void eventsArriveAsQtSignals()
    {
        usage::RequestMonitor *monitor = gw->gateway()->requestMonitor();
        QVERIFY(monitor);
        QList<model::RequestStarted> started;
        QList<model::RequestProgress> progress;
        QList<model::RequestRecord> finished;
        QObject receiver; // in this thread: the signals arrive queued, as they would in the GUI
        connect(monitor, &usage::RequestMonitor::requestStarted, &receiver,
                [&](const model::RequestStarted &s) { started << s; });
        connect(monitor, &usage::RequestMonitor::requestProgress, &receiver,
                [&](const model::RequestProgress &p) { progress << p; });
        connect(monitor, &usage::RequestMonitor::requestFinished, &receiver,
                [&](const model::RequestRecord &r) { finished << r; });
        const test::Response r
            = test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("mock-model"), 4, true, true));
        QCOMPARE(r.status, 200);
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(started.size(), 1);
        QCOMPARE(started.first().id, r.headers.value("x-obleth-request-id"));
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().bytes, qint64(finished.first().bytesOut));
        QCOMPARE(finished.first().completionTokens, 4);
        QCOMPARE(finished.first().model, QStringLiteral("mock-model"));
    }

    void metricsInPrometheusFormat()
    {
        QCOMPARE(test::request(gw->adminPort(), "GET", "/metrics").status, 401);
        const QString mcpId
            = gw->admin("POST", "/api/v1/mcp-servers",
                        QJsonDocument(QJsonObject{{QStringLiteral("name"), QStringLiteral("metered")},
                                                  {QStringLiteral("upstream_url"), mock->url().toString()}})
                            .toJson())
                  .json()
                  .value(QStringLiteral("id"))
                  .toString();
        QVERIFY(!mcpId.isEmpty());
        test::request(gw->dataPort(), "POST", "/mcp/metered/stats",
                      test::headers({{"Authorization", "Bearer " + gw->firstKey()}}), "{}");
        QCOMPARE(test::postJson(gw->dataPort(), kChat, gw->firstKey(), chat(QStringLiteral("mock-model"), 2)).status,
                 200);

        const test::Response r = gw->admin("GET", "/metrics");
        QCOMPARE(r.status, 200);
        QVERIFY(r.headers.value("content-type").startsWith("text/plain; version=0.0.4"));
        const QByteArray text = r.body;
        QVERIFY(text.contains("# TYPE obleth_requests_total counter"));
        QVERIFY(text.contains("obleth_requests_total{route=\"/v1/chat/"
                              "completions\",status=\"200\",model=\"mock-model\",tenant=\"default\"}"));
        QVERIFY(text.contains("# TYPE obleth_request_duration_seconds histogram"));
        QVERIFY(text.contains("obleth_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"+Inf\"}"));
        QVERIFY(text.contains("obleth_time_to_first_byte_seconds_count{route=\"/v1/chat/completions\"}"));
        QVERIFY(text.contains("obleth_tokens_total{model=\"mock-model\",tenant=\"default\",kind=\"completion\"}"));
        QVERIFY(text.contains("obleth_mcp_requests_total{server=\"metered\""));
        for (const char *gauge : {"obleth_in_flight ", "obleth_queued ", "obleth_permits_in_use ",
                                  "obleth_permits_capacity ", "obleth_cache_hits_total ", "obleth_cache_misses_total "})
            QVERIFY2(text.contains(gauge), gauge);
        // Every sample line is "name{labels} value" or "name value" with a number.
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            bool ok = false;
            line.mid(line.lastIndexOf(' ') + 1).toDouble(&ok);
            QVERIFY2(ok, line.constData());
        }
    }

    void tokenBudgetRefusesWhenSpent()
    {
        QString tenantId;
        const QByteArray key = gw->addTenantKey(QStringLiteral("budgeted"), &tenantId);
        QCOMPARE(
            gw->admin("PUT", "/api/v1/tenants/" + tenantId.toLatin1() + "/quota", "{\"tokens_per_minute\":300}").status,
            200);
        // Without max_tokens a request reserves its prompt + 256; the mock answers 16 tokens, and the
        // difference comes back when the answer ends. Without that reconciliation the 2nd or 3rd would fail.
        const QByteArray small = "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (int i = 0; i < 4; ++i)
            QCOMPARE(test::postJson(gw->dataPort(), kChat, key, small).status, 200);
        // A large request is let through while the bucket has tokens, and its debt refuses the next.
        QCOMPARE(test::postJson(gw->dataPort(), kChat, key, chat(QStringLiteral("mock-model"), 600)).status, 200);
        const test::Response refused = test::postJson(gw->dataPort(), kChat, key, small);
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.errorCode(), QStringLiteral("rate_limited"));
        QVERIFY(refused.isOpenAiError());
        const int retryAfter = refused.headers.value("retry-after").toInt();
        QVERIFY2(retryAfter >= 30 && retryAfter <= 120, refused.headers.value("retry-after").constData());
        // Other tenants are not affected; lifting the budget lets the tenant in at once.
        QCOMPARE(test::postJson(gw->dataPort(), kChat, gw->firstKey(), small).status, 200);
        QCOMPARE(gw->admin("PUT", "/api/v1/tenants/" + tenantId.toLatin1() + "/quota", "{\"tokens_per_minute\":null}")
                     .status,
                 200);
        QCOMPARE(test::postJson(gw->dataPort(), kChat, key, small).status, 200);
        QCOMPARE(logged("limit=10&status=429&tenant_id=" + tenantId.toLatin1()).size(), 1);
    }
};

QTEST_MAIN(TestUsage)
#include "tst_usage.moc"
