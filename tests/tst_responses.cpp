// OpenAI's Responses API through obleth (contract section 13): POST /v1/responses routed by model and forwarded byte
// for byte with only the model rewritten, streaming relayed, usage and cost in the request log, admission, budgets
// and the brownout (on max_output_tokens); GET and DELETE /v1/responses/{id} to the deployment that created the
// response, never to another tenant; the route's own cache entries.

#include "captureserver.h"
#include "dataplane/responsedirectory.h"
#include "gatewayfixture.h"
#include "rawclient.h"

#include <QJsonArray>
#include <QTest>

#include <memory>

using namespace obleth;
using test::CaptureServer;
using test::GatewayFixture;
using test::Response;

namespace {

QByteArray answer(const QByteArray &contentType, const QByteArray &body)
{
    return "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\n\r\n" + body;
}

/// A Responses API answer (JSON) with id @p id and usage.
QByteArray responseJson(const QByteArray &id)
{
    return "{\"id\":\"" + id
        + "\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"up-model\",\"output\":[{\"type\":"
          "\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"hello\"}]}],"
          "\"usage\":{\"input_tokens\":11,\"output_tokens\":7,\"total_tokens\":18}}";
}

/// A streamed Responses API answer whose response is @p id.
QByteArray responseStream(const QByteArray &id)
{
    const QByteArray created = "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"" + id
        + "\",\"object\":\"response\",\"status\":\"in_progress\"}}";
    const QByteArray delta
        = "{\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"output_index\":0,\"content_index\":0,"
          "\"delta\":\"hello\"}";
    const QByteArray completed = "{\"type\":\"response.completed\",\"sequence_number\":2,\"response\":{\"id\":\"" + id
        + "\",\"object\":\"response\",\"status\":\"completed\",\"usage\":{\"input_tokens\":5,\"output_tokens\":3,"
          "\"total_tokens\":8}}}";
    return "event: response.created\ndata: " + created + "\n\nevent: response.output_text.delta\ndata: " + delta
        + "\n\nevent: response.completed\ndata: " + completed + "\n\n";
}

QString base(quint16 port)
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port);
}

/// The request line of a raw request.
QByteArray requestLine(const QByteArray &raw)
{
    return raw.left(raw.indexOf("\r\n"));
}

} // namespace

class TestResponses : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> gw;

    void addModel(const QString &name, quint16 port, QJsonObject extra = {})
    {
        QJsonObject model{{QStringLiteral("model_name"), name},
                          {QStringLiteral("api_base"), base(port)},
                          {QStringLiteral("upstream_model"), QStringLiteral("up-model")},
                          {QStringLiteral("api_key"), QStringLiteral("sk-upstream-secret")},
                          {QStringLiteral("health_check_secs"), 0}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            model.insert(it.key(), it.value());
        QVERIFY(!gw->addModel(model).isEmpty());
    }

    Response post(const QByteArray &body, const QByteArray &key = {}, const http::Headers &extra = {})
    {
        return test::postJson(gw->dataPort(), "/v1/responses", key.isEmpty() ? gw->firstKey() : key, body, extra);
    }

    Response call(const QByteArray &method, const QByteArray &target, const QByteArray &key = {})
    {
        return test::request(gw->dataPort(), method, target,
                             test::headers({{"Authorization", "Bearer " + (key.isEmpty() ? gw->firstKey() : key)}}));
    }

    QJsonObject logRow(const Response &r)
    {
        const QString id = QString::fromLatin1(r.headers.value("x-obleth-request-id"));
        for (const QJsonValue &row : gw->admin("GET", "/api/v1/requests?limit=50").data()) {
            if (row.toObject().value(QStringLiteral("id")).toString() == id)
                return row.toObject();
        }
        return {};
    }

private Q_SLOTS:
    void init()
    {
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
    }
    void cleanup() { gw.reset(); }

    /// The directory keeps the most recent ids only; an id seen again (the same tenant's) keeps its place and takes
    /// the new origin.
    void theDirectoryIsBounded()
    {
        dataplane::ResponseDirectory directory;
        for (qsizetype i = 0; i < dataplane::ResponseDirectory::kCapacity + 5; ++i)
            directory.remember("resp_" + QByteArray::number(i), {QStringLiteral("t"), QStringLiteral("m"), {}});
        QCOMPARE(directory.size(), dataplane::ResponseDirectory::kCapacity);
        QVERIFY(!directory.find("resp_4"));
        QVERIFY(directory.find("resp_5"));
        QVERIFY(directory.remember("resp_5", {QStringLiteral("t"), QStringLiteral("m2"), {}}));
        QCOMPARE(directory.find("resp_5")->model, QStringLiteral("m2"));
        QCOMPARE(directory.size(), dataplane::ResponseDirectory::kCapacity);
    }

    /// One tenant's many answers push out its own oldest ids, not another tenant's (it holds the most).
    void eachTenantKeepsItsShareOfTheDirectory()
    {
        dataplane::ResponseDirectory directory;
        for (int i = 0; i < 10; ++i)
            QVERIFY(
                directory.remember("resp_b" + QByteArray::number(i), {QStringLiteral("b"), QStringLiteral("m"), {}}));
        for (qsizetype i = 0; i < 2 * dataplane::ResponseDirectory::kCapacity; ++i)
            directory.remember("resp_a" + QByteArray::number(i), {QStringLiteral("a"), QStringLiteral("m"), {}});
        QCOMPARE(directory.size(), dataplane::ResponseDirectory::kCapacity);
        for (int i = 0; i < 10; ++i)
            QVERIFY(directory.find("resp_b" + QByteArray::number(i)));
        QVERIFY(directory.find("resp_a" + QByteArray::number(2 * dataplane::ResponseDirectory::kCapacity - 1)));
        QVERIFY(!directory.find("resp_a0"));
    }

    /// An id another tenant owns is never handed over (an upstream that reuses ids); only short printable ids are
    /// remembered.
    void theDirectoryKeepsIdsToTheirOwner()
    {
        dataplane::ResponseDirectory directory;
        QVERIFY(directory.remember("resp_x", {QStringLiteral("a"), QStringLiteral("m"), QStringLiteral("d1")}));
        QVERIFY(!directory.remember("resp_x", {QStringLiteral("b"), QStringLiteral("m"), QStringLiteral("d2")}));
        QCOMPARE(directory.find("resp_x")->tenantId, QStringLiteral("a"));
        QCOMPARE(directory.find("resp_x")->deploymentId, QStringLiteral("d1"));
        const dataplane::ResponseDirectory::Origin origin{QStringLiteral("a"), QStringLiteral("m"), {}};
        QVERIFY(directory.remember(QByteArray(dataplane::ResponseDirectory::kMaxIdBytes, 'r'), origin));
        QVERIFY(!directory.remember(QByteArray(dataplane::ResponseDirectory::kMaxIdBytes + 1, 'r'), origin));
        QVERIFY(!directory.remember("resp y", origin));
        QVERIFY(!directory.remember("resp_\x01", origin));
        QVERIFY(!directory.remember("resp_\xc3\xa9", origin));
        QVERIFY(!directory.remember({}, origin));
        QCOMPARE(directory.size(), 2);
    }

    /// The id tap holds a bounded prefix: a large JSON answer's id (its first member) is read from its start, before
    /// the answer is over; a stream's huge response.created line gives its id from its start too.
    void theIdTapReadsABoundedPrefix()
    {
        QByteArray found;
        int reports = 0;
        dataplane::ResponseIdTap json([&](const QByteArray &id) {
            found = id;
            ++reports;
        });
        http::Headers headers;
        headers.add("Content-Type", "application/json");
        json.responseHead(200, headers);
        json.responseBody("{ \"id\" : \"resp_big\", \"object\":\"response\",\"output\":[{\"text\":\"");
        QCOMPARE(found, QByteArray("resp_big"));
        for (int i = 0; i < 40; ++i)
            json.responseBody(QByteArray(64 * 1024, 'x'));
        json.responseBody("\"}]}");
        json.responseEnd(true);
        QCOMPARE(reports, 1);

        // The id not first: a small answer is read whole; a large one is not held beyond the bound.
        found.clear();
        dataplane::ResponseIdTap late([&](const QByteArray &id) { found = id; });
        late.responseHead(200, headers);
        late.responseBody("{\"object\":\"response\",\"id\":\"resp_late\"}");
        late.responseEnd(true);
        QCOMPARE(found, QByteArray("resp_late"));
        found.clear();
        dataplane::ResponseIdTap large([&](const QByteArray &id) { found = id; });
        large.responseHead(200, headers);
        large.responseBody("{\"object\":\"response\",\"pad\":\""
                           + QByteArray(dataplane::ResponseIdTap::kMaxHeldBytes, 'x') + "\",\"id\":\"resp_far\"}");
        large.responseEnd(true);
        QVERIFY(found.isEmpty());

        http::Headers sse;
        sse.add("Content-Type", "text/event-stream");
        found.clear();
        dataplane::ResponseIdTap stream([&](const QByteArray &id) { found = id; });
        stream.responseHead(200, sse);
        stream.responseBody("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,"
                            "\"response\":{\"id\":\"resp_s\",\"instructions\":\"");
        for (int i = 0; i < 3; ++i)
            stream.responseBody(QByteArray(64 * 1024, 'y'));
        QCOMPARE(found, QByteArray("resp_s"));
    }

    /// The body goes on byte for byte with only the model rewritten, to {api_base}/v1/responses with the model's
    /// key; the client's key never goes upstream; the answer comes back as it came.
    void aRequestIsForwardedByteForByteWithTheModelRewritten()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_plain1")));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        const QByteArray body = "{ \"input\" : \"say hello\",\n  \"model\":\"gpt-r\", \"temperature\": 0.50, "
                                "\"max_output_tokens\": 64 }";
        const Response r = post(body);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, responseJson("resp_plain1"));
        QCOMPARE(upstream.requests().size(), 1);
        QCOMPARE(requestLine(upstream.lastHead()), QByteArray("POST /v1/responses HTTP/1.1"));
        QCOMPARE(upstream.lastBody(),
                 QByteArray("{ \"input\" : \"say hello\",\n  \"model\":\"up-model\", "
                            "\"temperature\": 0.50, \"max_output_tokens\": 64 }"));
        const QByteArray head = upstream.lastHead().toLower();
        QVERIFY(head.contains("authorization: bearer sk-upstream-secret\r\n"));
        QVERIFY(!head.contains(gw->firstKey().toLower()));
        QVERIFY(!head.contains("x-api-key"));
    }

    /// obleth reads a Responses answer (its id, its usage): the client's Accept-Encoding is not forwarded, identity is
    /// asked for, so that an upstream that compresses when asked (OpenAI's cloud) answers in plain text.
    void noCompressedAnswerIsAskedFor()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_plain2")));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        const Response r
            = post("{\"model\":\"gpt-r\",\"input\":\"hi\"}", {}, test::headers({{"Accept-Encoding", "gzip, br"}}));
        QCOMPARE(r.status, 200);
        const QByteArray head = upstream.lastHead().toLower();
        QVERIFY(head.contains("\r\naccept-encoding: identity\r\n"));
        QVERIFY(!head.contains("gzip"));
    }

    /// "auto" chooses among the models that speak the Responses API: an anthropic-only model, however free, is not
    /// one of them.
    void autoPicksAModelThatSpeaksResponses()
    {
        CaptureServer native(answer("application/json", "{}"));
        CaptureServer upstream(answer("application/json", responseJson("resp_auto1")));
        addModel(QStringLiteral("claude-a"), native.port(),
                 {{QStringLiteral("api_format"), QStringLiteral("anthropic")}, {QStringLiteral("auto_route"), true}});
        addModel(QStringLiteral("gpt-b"), upstream.port(), {{QStringLiteral("auto_route"), true}});
        for (int i = 0; i < 2; ++i) {
            const Response r = post("{\"model\":\"auto\",\"input\":\"hi\"}");
            QCOMPARE(r.status, 200);
            QCOMPARE(r.headers.value("x-obleth-model"), QByteArray("gpt-b"));
        }
        QCOMPARE(native.requests().size(), 0);
        QCOMPARE(upstream.requests().size(), 2);
    }

    /// A stream is relayed as it came; its response.created event names the id that GET then finds.
    void aStreamIsRelayedAndItsIdRemembered()
    {
        CaptureServer upstream(answer("text/event-stream", responseStream("resp_stream1")));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        const Response r = post("{\"model\":\"gpt-r\",\"input\":\"hi\",\"stream\":true}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, responseStream("resp_stream1"));

        upstream.setResponse(answer("application/json", responseJson("resp_stream1")));
        const Response got = call("GET", "/v1/responses/resp_stream1");
        QCOMPARE(got.status, 200);
        QCOMPARE(upstream.requests().size(), 2);
        QCOMPARE(requestLine(upstream.lastHead()), QByteArray("GET /v1/responses/resp_stream1 HTTP/1.1"));
        QVERIFY(upstream.lastHead().toLower().contains("authorization: bearer sk-upstream-secret\r\n"));
        const Response items = call("GET", "/v1/responses/resp_stream1/input_items?limit=2");
        QCOMPARE(items.status, 200);
        QCOMPARE(requestLine(upstream.lastHead()),
                 QByteArray("GET /v1/responses/resp_stream1/input_items?limit=2 HTTP/1.1"));
    }

    /// GET and DELETE go to the deployment that created the response, not to another model's.
    void getAndDeleteGoWhereTheResponseWasCreated()
    {
        CaptureServer a(answer("application/json", responseJson("resp_a")));
        CaptureServer b(answer("application/json", responseJson("resp_b")));
        addModel(QStringLiteral("model-a"), a.port());
        addModel(QStringLiteral("model-b"), b.port());
        QCOMPARE(post("{\"model\":\"model-b\",\"input\":\"x\"}").status, 200);
        QCOMPARE(post("{\"model\":\"model-a\",\"input\":\"x\"}").status, 200);
        QCOMPARE(a.requests().size(), 1);
        QCOMPARE(b.requests().size(), 1);

        QCOMPARE(call("GET", "/v1/responses/resp_b").status, 200);
        QCOMPARE(b.requests().size(), 2);
        QCOMPARE(requestLine(b.lastHead()), QByteArray("GET /v1/responses/resp_b HTTP/1.1"));
        QCOMPARE(call("DELETE", "/v1/responses/resp_b").status, 200);
        QCOMPARE(b.requests().size(), 3);
        QCOMPARE(requestLine(b.lastHead()), QByteArray("DELETE /v1/responses/resp_b HTTP/1.1"));
        QCOMPARE(call("POST", "/v1/responses/resp_a/cancel").status, 200);
        QCOMPARE(requestLine(a.lastHead()), QByteArray("POST /v1/responses/resp_a/cancel HTTP/1.1"));
        QCOMPARE(a.requests().size(), 2);
        QCOMPARE(b.requests().size(), 3);

        // Other methods are refused.
        const Response put = call("PUT", "/v1/responses/resp_b");
        QCOMPARE(put.status, 405);
        QCOMPARE(call("GET", "/v1/responses").status, 405);
    }

    /// Another tenant's response is not found, whatever the method: it never reaches the upstream.
    void anotherTenantsResponseIsNotFound()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_mine")));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        QCOMPARE(post("{\"model\":\"gpt-r\",\"input\":\"x\"}").status, 200);
        const QByteArray other = gw->addTenantKey(QStringLiteral("other"));
        QVERIFY(!other.isEmpty());
        for (const char *method : {"GET", "DELETE"}) {
            const Response r = call(method, "/v1/responses/resp_mine", other);
            QCOMPARE(r.status, 404);
            QVERIFY(r.isOpenAiError());
            QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        }
        QCOMPARE(call("GET", "/v1/responses/resp_mine/input_items", other).status, 404);
        QCOMPARE(upstream.requests().size(), 1);
        QCOMPARE(call("GET", "/v1/responses/resp_mine").status, 200); // its own tenant finds it
    }

    /// previous_response_id: a conversation goes on at the deployment that holds it; another tenant's is 404 and
    /// goes nowhere.
    void aPreviousResponseIsFollowedAndNeverAnotherTenants()
    {
        CaptureServer a(answer("application/json", responseJson("resp_conv")));
        CaptureServer b(answer("application/json", responseJson("resp_conv")));
        const QJsonArray deployments{
            QJsonObject{{QStringLiteral("api_base"), base(a.port())},
                        {QStringLiteral("upstream_model"), QStringLiteral("up-model")}},
            QJsonObject{{QStringLiteral("api_base"), base(b.port())},
                        {QStringLiteral("upstream_model"), QStringLiteral("up-model")}},
        };
        QVERIFY(!gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("pair")},
                                          {QStringLiteral("api_base"), base(a.port())},
                                          {QStringLiteral("upstream_model"), QStringLiteral("up-model")},
                                          {QStringLiteral("deployments"), deployments},
                                          {QStringLiteral("health_check_secs"), 0}})
                     .isEmpty());
        QCOMPARE(post("{\"model\":\"pair\",\"input\":\"x\"}").status, 200);
        CaptureServer &holder = a.requests().size() == 1 ? a : b;
        CaptureServer &other = &holder == &a ? b : a;
        QCOMPARE(holder.requests().size(), 1);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(post("{\"model\":\"pair\",\"input\":\"more\",\"previous_response_id\":\"resp_conv\"}").status,
                     200);
        }
        QCOMPARE(holder.requests().size(), 5);
        QCOMPARE(other.requests().size(), 0);

        const QByteArray stranger = gw->addTenantKey(QStringLiteral("stranger"));
        const Response r
            = post("{\"model\":\"pair\",\"input\":\"tell me\",\"previous_response_id\":\"resp_conv\"}", stranger);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        QCOMPARE(holder.requests().size() + other.requests().size(), 5);
    }

    /// previous_response_id given twice: refused (400) and never sent. obleth's JSON parser keeps the last value and
    /// other parsers the first, so another tenant's id first and an unknown one last passed the tenant check while
    /// the upstream could continue the other tenant's conversation (found by probing with a duplicate key).
    void aRepeatedPreviousResponseIdIsRefused()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_owned")));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        QCOMPARE(post("{\"model\":\"gpt-r\",\"input\":\"x\"}").status, 200);
        QCOMPARE(upstream.requests().size(), 1);
        const QByteArray stranger = gw->addTenantKey(QStringLiteral("stranger"));
        const Response r = post("{\"model\":\"gpt-r\",\"input\":\"tell me\",\"previous_response_id\":\"resp_owned\","
                                "\"previous_\\u0072esponse_id\":\"resp_unknown\"}",
                                stranger);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
        QCOMPARE(upstream.requests().size(), 1);
        // Once is fine, also for the tenant that owns it.
        QCOMPARE(post("{\"model\":\"gpt-r\",\"input\":\"more\",\"previous_response_id\":\"resp_owned\"}").status, 200);
        QCOMPARE(upstream.requests().size(), 2);
    }

    /// An upstream's id of absurd length is not remembered: the directory holds 10,000 ids, and ids of up to
    /// 16 MiB each (what an answer may hold) would make that bound gigabytes (found with a hostile upstream: 40
    /// answers with 1 MB ids grew obleth by 40 MB and more).
    void aHugeIdIsNotRemembered()
    {
        dataplane::ResponseDirectory directory;
        directory.remember(QByteArray(64 * 1024, 'a'), {QStringLiteral("t"), QStringLiteral("m"), {}});
        QCOMPARE(directory.size(), 0);
        QVERIFY(!directory.find(QByteArray(64 * 1024, 'a')));
        // A long id that a proxy in front of the API might make (base64 of its routing) still is.
        const QByteArray longId = "resp_" + QByteArray(300, 'b');
        directory.remember(longId, {QStringLiteral("t"), QStringLiteral("m"), {}});
        QVERIFY(directory.find(longId));

        // Through the gateway: an answer with a huge id is relayed, its id not remembered.
        const QByteArray huge = "resp_" + QByteArray(8 * 1024, 'c');
        CaptureServer upstream(answer("application/json", responseJson(huge)));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        const Response r = post("{\"model\":\"gpt-r\",\"input\":\"x\"}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, responseJson(huge));
        QCOMPARE(call("GET", "/v1/responses/" + huge).status, 404); // unknown, and no default upstream
        QCOMPARE(upstream.requests().size(), 1);
    }

    /// An id obleth never saw: 404 without a default upstream, else to the default upstream.
    void anUnknownIdIsNotFoundOrGoesToTheDefaultUpstream()
    {
        const Response r = call("GET", "/v1/responses/resp_unknown");
        QCOMPARE(r.status, 404);
        QVERIFY(r.isOpenAiError());
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));

        CaptureServer fallback(answer("application/json", responseJson("resp_unknown")));
        gw.reset();
        gw = std::make_unique<GatewayFixture>(QUrl(base(fallback.port())));
        QVERIFY(gw->ok());
        const Response forwarded = call("DELETE", "/v1/responses/resp_unknown");
        QCOMPARE(forwarded.status, 200);
        QCOMPARE(fallback.requests().size(), 1);
        QCOMPARE(requestLine(fallback.lastHead()), QByteArray("DELETE /v1/responses/resp_unknown HTTP/1.1"));
    }

    /// Usage from the answer (and from response.completed in a stream), cost, and the model in the request log.
    void theRequestLogHasUsageAndCost()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_cost")));
        addModel(QStringLiteral("priced"), upstream.port(),
                 {{QStringLiteral("input_cost_per_token"), 0.5}, {QStringLiteral("output_cost_per_token"), 2.0}});
        const Response r = post("{\"model\":\"priced\",\"input\":\"x\"}");
        QCOMPARE(r.status, 200);
        QJsonObject row;
        QTRY_VERIFY_WITH_TIMEOUT(!(row = logRow(r)).isEmpty(), 5000);
        QCOMPARE(row.value(QStringLiteral("model")).toString(), QStringLiteral("priced"));
        QCOMPARE(row.value(QStringLiteral("path")).toString(), QStringLiteral("/v1/responses"));
        QCOMPARE(row.value(QStringLiteral("prompt_tokens")).toInt(), 11);
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), 7);
        QCOMPARE(row.value(QStringLiteral("cost")).toDouble(), 11 * 0.5 + 7 * 2.0);

        upstream.setResponse(answer("text/event-stream", responseStream("resp_cost2")));
        const Response s = post("{\"model\":\"priced\",\"input\":\"x\",\"stream\":true}");
        QCOMPARE(s.status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(!(row = logRow(s)).isEmpty(), 5000);
        QCOMPARE(row.value(QStringLiteral("prompt_tokens")).toInt(), 5);
        QCOMPARE(row.value(QStringLiteral("completion_tokens")).toInt(), 3);
        QCOMPARE(row.value(QStringLiteral("streamed")).toBool(), true);
    }

    /// The built-in mock-model does not speak the Responses API.
    void theMockModelRefusesIt()
    {
        const Response r = post("{\"model\":\"mock-model\",\"input\":\"x\"}");
        QCOMPARE(r.status, 400);
        QVERIFY(r.isOpenAiError());
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_request"));
        QCOMPARE(post("{\"model\":\"nobody\",\"input\":\"x\"}").errorCode(), QStringLiteral("model_not_found"));
    }

    /// A request that waited in the fair-share queue is capped on max_output_tokens (max_tokens means nothing to
    /// the Responses API): lowered, or added when absent.
    void theBrownoutCapsMaxOutputTokens()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_short")));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":1}").status, 200);
        QCOMPARE(gw->admin("PUT", "/api/v1/settings/admission", "{\"brownout_wait_ms\":300,\"brownout_max_tokens\":7}")
                     .status,
                 200);
        const QList<std::pair<QByteArray, QByteArray>> cases = {
            {"{\"model\":\"gpt-r\",\"input\":\"x\",\"max_output_tokens\":1000}",
             "{\"model\":\"up-model\",\"input\":\"x\",\"max_output_tokens\":7}"},
            {"{\"model\":\"gpt-r\",\"input\":\"x\"}",
             "{\"model\":\"up-model\",\"input\":\"x\",\"max_output_tokens\":7}"},
        };
        for (const auto &[sent, arrived] : cases) {
            // One slow request holds the only permit.
            test::RawClient slow(gw->dataPort());
            const QByteArray hold = "{\"model\":\"mock-model\",\"max_tokens\":1}";
            slow.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                      + "\r\nx-mock-latency-ms: 1500\r\nContent-Length: " + QByteArray::number(hold.size()) + "\r\n\r\n"
                      + hold);
            QTRY_COMPARE_WITH_TIMEOUT(
                gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 1, 5000);
            const Response r = post(sent);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.headers.value("x-obleth-brownout"), QByteArray("1"));
            QCOMPARE(upstream.lastBody(), arrived);
            QTRY_VERIFY_WITH_TIMEOUT(slow.received().contains("HTTP/1.1 200"), 10000);
        }
    }

    /// A tenant's token budget holds on this route too: once spent, 429 rate_limited.
    void theTokenBudgetHolds()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_budget")));
        addModel(QStringLiteral("gpt-r"), upstream.port());
        QString tenantId;
        const QByteArray key = gw->addTenantKey(QStringLiteral("frugal"), &tenantId);
        QCOMPARE(
            gw->admin("PUT", "/api/v1/tenants/" + tenantId.toLatin1() + "/quota", "{\"tokens_per_minute\":20}").status,
            200);
        int refused = 0;
        for (int i = 0; i < 4 && refused == 0; ++i) {
            const Response r = post("{\"model\":\"gpt-r\",\"input\":\"x\",\"max_output_tokens\":8}", key);
            if (r.status == 429) {
                QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
                QVERIFY(r.headers.contains("retry-after"));
                ++refused;
            } else {
                QCOMPARE(r.status, 200);
            }
        }
        QCOMPARE(refused, 1);
        QVERIFY(upstream.requests().size() < 4);
    }

    /// A cached Responses answer names a response of the tenant that created it: another tenant's same body is a
    /// miss of its own, never that answer (nor its id).
    void theCacheKeepsTenantsApartOnResponses()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_tenant_a")));
        addModel(QStringLiteral("cached"), upstream.port(), {{QStringLiteral("cache_enabled"), true}});
        const QByteArray body = "{\"model\":\"cached\",\"input\":\"x\"}";
        QCOMPARE(post(body).headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(post(body).headers.value("x-obleth-cache"), QByteArray("hit"));
        upstream.setResponse(answer("application/json", responseJson("resp_tenant_b")));
        const QByteArray other = gw->addTenantKey(QStringLiteral("other"));
        const Response theirs = post(body, other);
        QCOMPARE(theirs.status, 200);
        QCOMPARE(theirs.headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(theirs.body, responseJson("resp_tenant_b"));
        QCOMPARE(upstream.requests().size(), 2);
        QCOMPARE(post(body, other).headers.value("x-obleth-cache"), QByteArray("hit"));
        QCOMPARE(post(body).body, responseJson("resp_tenant_a"));
    }

    /// The same body on /v1/responses and /v1/chat/completions never shares a cache entry.
    void theCacheKeepsTheRoutesApart()
    {
        CaptureServer upstream(answer("application/json", responseJson("resp_cached")));
        addModel(QStringLiteral("cached"), upstream.port(), {{QStringLiteral("cache_enabled"), true}});
        const QByteArray body = "{\"model\":\"cached\",\"input\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":"
                                "\"x\"}]}";
        QCOMPARE(post(body).headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(post(body).headers.value("x-obleth-cache"), QByteArray("hit"));
        QCOMPARE(upstream.requests().size(), 1);
        const Response chat = test::postJson(gw->dataPort(), "/v1/chat/completions", gw->firstKey(), body);
        QCOMPARE(chat.headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(upstream.requests().size(), 2);
        QCOMPARE(requestLine(upstream.lastHead()), QByteArray("POST /v1/chat/completions HTTP/1.1"));
    }
};

QTEST_MAIN(TestResponses)
#include "tst_responses.moc"
