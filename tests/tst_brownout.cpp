// The brownout (contract section 11): a generation request that waited in the fair-share queue longer than
// brownout_wait_ms is answered shorter rather than later, its max_tokens / max_completion_tokens capped at
// brownout_max_tokens. The decision on the admission's clock, the body's rewrite, and a real saturated gateway.

#include "admission/admission.h"
#include "admission/brownout.h"
#include "gatewayfixture.h"
#include "mockupstream.h"
#include "proxy/requestbody.h"
#include "rawclient.h"

#include <QTest>

#include <memory>

using namespace obleth;
using admission::Admission;
using admission::Ticket;
using proxy::RequestBody;

namespace {

/// @p bytes parsed and capped at @p cap; what came out (@p changed: whether capMaxTokens() said so).
QByteArray capped(const QByteArray &bytes, qint64 cap, bool *changed = nullptr)
{
    RequestBody body;
    QString error;
    if (!body.parse(bytes, &error))
        return "not parsed: " + error.toUtf8();
    const bool c = body.capMaxTokens(cap);
    if (changed)
        *changed = c;
    return body.bytes();
}

} // namespace

class TestBrownout : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::MockUpstream> upstream;
    std::unique_ptr<test::GatewayFixture> gw;

    /// A chat request that holds the only permit for @p latencyMs; returns once it holds it.
    std::unique_ptr<test::RawClient> holdThePermit(int latencyMs)
    {
        auto slow = std::make_unique<test::RawClient>(gw->dataPort());
        const QByteArray body = R"({"model":"mock-model","max_tokens":1})";
        slow->send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                   + "\r\nx-mock-latency-ms: " + QByteArray::number(latencyMs)
                   + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        const auto inFlight = [this] {
            return gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt();
        };
        [&] { QTRY_COMPARE_WITH_TIMEOUT(inFlight(), 1, 5000); }();
        return slow;
    }

    /// The request log's row of the answer @p r (empty until the log has it).
    QJsonObject logRow(const test::Response &r)
    {
        const QString id = QString::fromLatin1(r.headers.value("x-obleth-request-id"));
        for (const QJsonValue &row : gw->admin("GET", "/api/v1/requests?limit=50").data()) {
            if (row.toObject().value(QStringLiteral("id")).toString() == id)
                return row.toObject();
        }
        return {};
    }

    static int completionTokens(const test::Response &r)
    {
        return r.json().value(QStringLiteral("usage")).toObject().value(QStringLiteral("completion_tokens")).toInt(-1);
    }

private Q_SLOTS:
    // ---- the decision ------------------------------------------------------------------------------------

    /// Measured on the admission's clock (the test's here): capped only past brownout_wait_ms, never when it is 0.
    void theDecisionFollowsTheWait()
    {
        qint64 now = 0;
        Admission admission(1, nullptr, [&now] { return now; });
        model::Tenant tenant;
        tenant.id = QStringLiteral("t");
        static const model::ConfigSnapshot snapshot;
        Admission::Request request;
        request.tenant = &tenant;
        auto running = std::make_unique<Ticket>();
        Ticket waiting;
        bool admitted = false;
        admission.admit(
            snapshot, request, *running, [](Ticket &) {}, [](int, const QString &) {});
        admission.admit(
            snapshot, request, waiting, [&](Ticket &) { admitted = true; }, [](int, const QString &) {});
        QVERIFY(waiting.isQueued());
        model::AdmissionSettings settings; // 750 ms, 256 tokens
        QCOMPARE(admission::brownoutCap(running->waitedMs(), settings), std::nullopt); // admitted at once
        now += 750;
        QCOMPARE(admission::brownoutCap(waiting.waitedMs(), settings), std::nullopt); // not longer than 750 ms
        now += 1;
        running.reset();
        QTRY_VERIFY(admitted);
        QCOMPARE(waiting.waitedMs(), 751);
        QCOMPARE(admission::brownoutCap(waiting.waitedMs(), settings), std::optional<qint64>(256));
        settings.brownoutMaxTokens = 5;
        QCOMPARE(admission::brownoutCap(waiting.waitedMs(), settings), std::optional<qint64>(5));
        settings.brownoutWaitMs = 0; // off
        QCOMPARE(admission::brownoutCap(waiting.waitedMs(), settings), std::nullopt);
        QCOMPARE(admission::brownoutCap(1'000'000, settings), std::nullopt);
    }

    // ---- the body's rewrite ------------------------------------------------------------------------------

    void aLargerValueIsLowered()
    {
        bool changed = false;
        QCOMPARE(capped(R"({"model":"m","max_tokens":1000,"x":[1,2]})", 256, &changed),
                 QByteArray(R"({"model":"m","max_tokens":256,"x":[1,2]})"));
        QVERIFY(changed);
        // Key order, white space and the other values' spelling stay.
        QCOMPARE(capped("{ \"temperature\" : 0.50,\n  \"max_tokens\" :  4096 ,\n \"model\":\"m\" }", 7),
                 QByteArray("{ \"temperature\" : 0.50,\n  \"max_tokens\" :  7 ,\n \"model\":\"m\" }"));
        QCOMPARE(capped(R"({"max_tokens":256.5})", 256), QByteArray(R"({"max_tokens":256})"));
        QCOMPARE(capped(R"({"max_tokens":1e3})", 256), QByteArray(R"({"max_tokens":256})"));
    }

    void aValueWithinTheCapStays()
    {
        bool changed = true;
        const QByteArray body = R"({"model":"m","max_tokens":10,"max_completion_tokens":256.0})";
        QCOMPARE(capped(body, 256, &changed), body);
        QVERIFY(!changed);
    }

    void whatIsNotANumberBecomesTheCap()
    {
        QCOMPARE(capped(R"({"max_tokens":null})", 9), QByteArray(R"({"max_tokens":9})"));
        QCOMPARE(capped(R"({"max_tokens":"lots","a":1})", 9), QByteArray(R"({"max_tokens":9,"a":1})"));
        QCOMPARE(capped(R"({"max_tokens":{"n":1}})", 9), QByteArray(R"({"max_tokens":9})"));
    }

    void bothKeysAreCapped()
    {
        QCOMPARE(capped(R"({"max_completion_tokens":900,"model":"m","max_tokens":100})", 256),
                 QByteArray(R"({"max_completion_tokens":256,"model":"m","max_tokens":100})"));
        QCOMPARE(capped(R"({"max_completion_tokens":900,"max_tokens":900})", 5),
                 QByteArray(R"({"max_completion_tokens":5,"max_tokens":5})"));
        // Every repeat: whichever a parser keeps, it is within the cap.
        QCOMPARE(capped(R"({"max_tokens":1000,"max_tokens":3})", 5), QByteArray(R"({"max_tokens":5,"max_tokens":3})"));
    }

    void escapedKeysAreFound()
    {
        RequestBody body;
        QString error;
        QVERIFY(body.parse(R"({"max\u005ftokens":1000,"model":"m"})", &error));
        QVERIFY(body.capMaxTokens(32));
        QCOMPARE(body.bytes(), QByteArray(R"({"max\u005ftokens":32,"model":"m"})"));
        QCOMPARE(body.json().value(QStringLiteral("max_tokens")).toInt(), 32);
        // Only top-level keys count.
        QCOMPARE(capped(R"({"nested":{"max_tokens":1000}})", 32),
                 QByteArray(R"({"nested":{"max_tokens":1000},"max_tokens":32})"));
    }

    void anAbsentKeyIsAdded()
    {
        QCOMPARE(capped(R"({"model":"m","messages":[]})", 256),
                 QByteArray(R"({"model":"m","messages":[],"max_tokens":256})"));
        QCOMPARE(capped("{\"a\":\"}\" }\n", 256), QByteArray("{\"a\":\"}\",\"max_tokens\":256 }\n"));
        QCOMPARE(capped("{}", 3), QByteArray(R"({"max_tokens":3})"));
        QCOMPARE(capped(" { } ", 3), QByteArray(R"( {"max_tokens":3 } )"));
    }

    /// The capped body is the object's own: json() and withModel() (once per upstream try) follow it.
    /// Other keys for other APIs: the Responses API's max_output_tokens, lowered or added, max_tokens left alone.
    void otherKeysAreCappedWhenNamed()
    {
        const auto cappedOn = [](const QByteArray &bytes, qint64 cap) -> QByteArray {
            RequestBody body;
            QString error;
            if (!body.parse(bytes, &error))
                return "not parsed: " + error.toUtf8();
            body.capMaxTokens(cap, {QLatin1String("max_output_tokens")});
            return body.bytes();
        };
        QCOMPARE(cappedOn("{\"model\":\"m\",\"max_output_tokens\":900,\"max_tokens\":900}", 7),
                 QByteArray("{\"model\":\"m\",\"max_output_tokens\":7,\"max_tokens\":900}"));
        QCOMPARE(cappedOn("{\"model\":\"m\"}", 7), QByteArray("{\"model\":\"m\",\"max_output_tokens\":7}"));
        QCOMPARE(cappedOn("{}", 7), QByteArray("{\"max_output_tokens\":7}"));
    }

    void withModelWorksOnTheCappedBody()
    {
        RequestBody body;
        QString error;
        QVERIFY(body.parse(R"({"messages":[],"model":"auto","stream":true})", &error));
        QVERIFY(body.capMaxTokens(64));
        QCOMPARE(body.json().value(QStringLiteral("max_tokens")).toInt(), 64);
        QCOMPARE(body.model(), QStringLiteral("auto"));
        QCOMPARE(body.withModel(QStringLiteral("upstream/x")),
                 QByteArray(R"({"messages":[],"model":"upstream/x","stream":true,"max_tokens":64})"));
        QCOMPARE(body.withModel(QStringLiteral("other")),
                 QByteArray(R"({"messages":[],"model":"other","stream":true,"max_tokens":64})"));
        QVERIFY(body.isStream());
        // A body never parsed is left alone.
        RequestBody unparsed;
        QVERIFY(!unparsed.capMaxTokens(1));
        QVERIFY(unparsed.bytes().isEmpty());
    }

    // ---- a real saturated gateway ------------------------------------------------------------------------

    void initTestCase()
    {
        upstream = std::make_unique<test::MockUpstream>();
        QVERIFY(upstream->ok());
    }

    void cleanup() { gw.reset(); }

    /// Capacity 1, one slow request holds the permit: a second one waits longer than brownout_wait_ms and is
    /// answered with brownout_max_tokens tokens, for a registered model and for the built-in mock-model alike;
    /// once nobody waits, a request is not capped.
    void aRequestThatWaitedIsCapped()
    {
        gw = std::make_unique<test::GatewayFixture>();
        QVERIFY(gw->ok());
        QVERIFY(!gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("remote")},
                                          {QStringLiteral("api_base"), upstream->url().toString()},
                                          {QStringLiteral("upstream_model"), QStringLiteral("mock-model")}})
                     .isEmpty());
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", R"({"max_in_flight":1})").status, 200);
        const int cap = 7;
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/admission", R"({"brownout_wait_ms":300,"brownout_max_tokens":7})")
                     .status,
                 200);

        for (const QString &model : {QStringLiteral("remote"), QStringLiteral("mock-model")}) {
            const auto slow = holdThePermit(1500);
            test::Chat chat;
            chat.model = model;
            chat.maxTokens = 1000;
            const test::Response waited
                = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), test::chatBody(chat));
            QCOMPARE(waited.status, 200);
            QCOMPARE(waited.headers.value("x-obleth-brownout"), QByteArray("1"));
            QCOMPARE(completionTokens(waited), cap);
            QTRY_VERIFY_WITH_TIMEOUT(slow->received().contains("HTTP/1.1 200"), 10000);
        }

        // Without max_tokens, the cap is added (the mock answers 16 tokens by default).
        test::Response lastWaited;
        {
            const auto slow = holdThePermit(1500);
            lastWaited = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(),
                                        R"({"model":"remote","messages":[]})");
            QCOMPARE(lastWaited.status, 200);
            QCOMPARE(lastWaited.headers.value("x-obleth-brownout"), QByteArray("1"));
            QCOMPARE(completionTokens(lastWaited), cap);
        }

        // Nobody waits now: a request is admitted at once and not capped.
        QTRY_COMPARE_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 0, 10000);
        test::Chat chat;
        chat.model = QStringLiteral("remote");
        chat.maxTokens = 300;
        const test::Response direct
            = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), test::chatBody(chat));
        QCOMPARE(direct.status, 200);
        QVERIFY(!direct.headers.contains("x-obleth-brownout"));
        QCOMPARE(completionTokens(direct), 300);
        // The log rows say which was browned out.
        QTRY_VERIFY_WITH_TIMEOUT(!logRow(direct).isEmpty(), 5000);
        QCOMPARE(logRow(direct).value(QStringLiteral("brownout")).toBool(), false);
        QCOMPARE(logRow(lastWaited).value(QStringLiteral("brownout")).toBool(), true);
        QCOMPARE(logRow(lastWaited).value(QStringLiteral("completion_tokens")).toInt(), cap);
    }

    /// The shortened answer is not kept in the response cache for a request that did not wait.
    void aBrownedOutAnswerIsNotCached()
    {
        gw = std::make_unique<test::GatewayFixture>();
        QVERIFY(gw->ok());
        QVERIFY(!gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("cached")},
                                          {QStringLiteral("api_base"), upstream->url().toString()},
                                          {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                                          {QStringLiteral("cache_enabled"), true}})
                     .isEmpty());
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", R"({"max_in_flight":1})").status, 200);
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/admission", R"({"brownout_wait_ms":300})").status, 200);
        test::Chat chat;
        chat.model = QStringLiteral("cached");
        chat.maxTokens = 900;
        const QByteArray body = test::chatBody(chat);
        {
            const auto slow = holdThePermit(1500);
            const test::Response waited = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), body);
            QCOMPARE(waited.status, 200);
            QCOMPARE(waited.headers.value("x-obleth-brownout"), QByteArray("1"));
            QCOMPARE(waited.headers.value("x-obleth-cache"), QByteArray("miss"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 0, 10000);
        const test::Response direct = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), body);
        QCOMPARE(direct.headers.value("x-obleth-cache"), QByteArray("miss"));
        QVERIFY(!direct.headers.contains("x-obleth-brownout"));
        QCOMPARE(completionTokens(direct), 900);
        const test::Response hit = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), body);
        QCOMPARE(hit.headers.value("x-obleth-cache"), QByteArray("hit"));
        QCOMPARE(completionTokens(hit), 900);
    }

    /// brownout_wait_ms 0 turns the brownout off.
    void zeroTurnsItOff()
    {
        gw = std::make_unique<test::GatewayFixture>();
        QVERIFY(gw->ok());
        QCOMPARE(
            gw->admin("PUT", "/api/v1/settings/admission", R"({"brownout_wait_ms":0,"brownout_max_tokens":7})").status,
            200);
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", R"({"max_in_flight":1})").status, 200);
        const auto slow = holdThePermit(1500);
        test::Chat chat;
        chat.model = QStringLiteral("mock-model");
        chat.maxTokens = 40;
        const test::Response waited
            = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), test::chatBody(chat));
        QCOMPARE(waited.status, 200);
        QVERIFY(!waited.headers.contains("x-obleth-brownout"));
        QCOMPARE(completionTokens(waited), 40);
    }

    /// The admission settings' queue bounds reach the gateway's admission at once, for waiting requests too.
    void queueBoundsActAtOnce()
    {
        gw = std::make_unique<test::GatewayFixture>();
        QVERIFY(gw->ok());
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", R"({"max_in_flight":1})").status, 200);
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/admission", R"({"max_queue_length":1})").status, 200);
        const auto slow = holdThePermit(5000);
        test::RawClient waiter(gw->dataPort());
        const QByteArray body = R"({"model":"mock-model","messages":[]})";
        waiter.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                    + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QTRY_COMPARE_WITH_TIMEOUT(gw->admin("GET", "/api/v1/status").json().value(QStringLiteral("queued")).toInt(), 1,
                                  5000);
        // The queue is full: a third request is refused at once.
        const test::Response refused = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), body);
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.errorCode(), QStringLiteral("rate_limited"));
        QVERIFY(refused.headers.contains("retry-after"));
        // A shorter wait reaches the request already waiting: refused long before the permit is free.
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/admission", R"({"max_queue_wait_secs":1})").status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(waiter.received().contains("HTTP/1.1 429"), 3000);
        QVERIFY(!slow->received().contains("HTTP/1.1"));
    }
};

QTEST_GUILESS_MAIN(TestBrownout)
#include "tst_brownout.moc"
