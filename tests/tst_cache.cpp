// The response cache (contract section 7): opt-in per model, hits never reach the upstream (counted with
// the mock's /stats) and take no permit, streams replay byte for byte, large answers pass uncached,
// Cache-Control: no-cache skips the lookup, and memory stays under an LRU size cap.

#include "cache/responsecache.h"
#include "gatewayfixture.h"
#include "mockupstream.h"
#include "rawclient.h"

#include <QDeadlineTimer>
#include <QTest>

using namespace obleth;
using test::GatewayFixture;

namespace {
const QByteArray kChat = "/v1/chat/completions";

QByteArray chat(const QString &model, int maxTokens, bool stream = false,
                const QString &prompt = QStringLiteral("hello"))
{
    return test::chatBody({model, maxTokens, stream, false, prompt});
}
} // namespace

class TestCache : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::MockUpstream> mock;
    std::unique_ptr<GatewayFixture> gw;

    int upstreamRequests() const { return mock->stats().value(QStringLiteral("requests")).toInt(); }
    QJsonObject cacheStats() { return gw->admin("GET", "/api/v1/usage/cache").json(); }
    test::Response ask(const QByteArray &body, http::Headers extra = {})
    {
        return test::postJson(gw->dataPort(), kChat, gw->firstKey(), body, std::move(extra));
    }
    QString addModel(const QString &name, bool cached)
    {
        return gw->addModel(QJsonObject{{QStringLiteral("model_name"), name},
                                        {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                                        {QStringLiteral("api_base"), mock->url(QStringLiteral("/v1")).toString()},
                                        {QStringLiteral("cache_enabled"), cached}});
    }

private Q_SLOTS:
    void initTestCase()
    {
        mock = std::make_unique<test::MockUpstream>();
        QVERIFY(mock->ok());
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
        QVERIFY(!addModel(QStringLiteral("cached"), true).isEmpty());
        QVERIFY(!addModel(QStringLiteral("plain"), false).isEmpty());
    }

    void offUnlessTheModelOptsIn()
    {
        const int before = upstreamRequests();
        for (int i = 0; i < 2; ++i) {
            const test::Response r = ask(chat(QStringLiteral("plain"), 3));
            QCOMPARE(r.status, 200);
            QCOMPARE(r.headers.value("x-obleth-cache"), QByteArray("off"));
        }
        QCOMPARE(upstreamRequests(), before + 2);
        QCOMPARE(ask(chat(QStringLiteral("mock-model"), 3)).headers.value("x-obleth-cache"), QByteArray("off"));
    }

    void aHitNeverReachesTheUpstream()
    {
        const QJsonObject stats0 = cacheStats();
        const int before = upstreamRequests();
        const QByteArray body
            = chat(QStringLiteral("cached"), 8, false, QStringLiteral("a hit never reaches the upstream"));
        const test::Response miss = ask(body);
        QCOMPARE(miss.status, 200);
        QCOMPARE(miss.headers.value("x-obleth-cache"), QByteArray("miss"));
        const test::Response hit = ask(body);
        QCOMPARE(hit.status, 200);
        QCOMPARE(hit.headers.value("x-obleth-cache"), QByteArray("hit"));
        QCOMPARE(hit.body, miss.body);
        QCOMPARE(hit.headers.value("content-type"), miss.headers.value("content-type"));
        QVERIFY(hit.headers.value("x-obleth-request-id") != miss.headers.value("x-obleth-request-id"));
        QCOMPARE(upstreamRequests(), before + 1);

        const QJsonObject stats = cacheStats();
        QCOMPARE(stats.value(QStringLiteral("hits")).toInt(), stats0.value(QStringLiteral("hits")).toInt() + 1);
        QCOMPARE(stats.value(QStringLiteral("misses")).toInt(), stats0.value(QStringLiteral("misses")).toInt() + 1);
        const int usageTokens
            = miss.json().value(QStringLiteral("usage")).toObject().value(QStringLiteral("total_tokens")).toInt();
        QCOMPARE(stats.value(QStringLiteral("tokens_saved")).toInt(),
                 stats0.value(QStringLiteral("tokens_saved")).toInt() + usageTokens);

        // The log shows the hit, at no cost.
        const QJsonObject row = gw->admin("GET", "/api/v1/requests?limit=1").data().first().toObject();
        QCOMPARE(row.value(QStringLiteral("cache")).toString(), QStringLiteral("hit"));
        QCOMPARE(row.value(QStringLiteral("cost")).toDouble(), 0.0);

        // Another body, or another model name, is another entry.
        QCOMPARE(ask(chat(QStringLiteral("cached"), 9, false, QStringLiteral("a hit never reaches the upstream")))
                     .headers.value("x-obleth-cache"),
                 QByteArray("miss"));
    }

    void aHitTakesNoPermit()
    {
        const QByteArray body = chat(QStringLiteral("cached"), 4, false, QStringLiteral("no permit needed"));
        QCOMPARE(ask(body).headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":1}").status, 200);
        // The only permit is held by a slow request; a second uncached one would have to queue.
        test::RawClient slow(gw->dataPort());
        const QByteArray slowBody = chat(QStringLiteral("plain"), 2);
        slow.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                  + "\r\nx-mock-latency-ms: 3000\r\nContent-Length: " + QByteArray::number(slowBody.size()) + "\r\n\r\n"
                  + slowBody);
        QTRY_COMPARE_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 1, 5000);
        const test::Response hit = test::postJson(gw->dataPort(), kChat, gw->firstKey(), body, {});
        QCOMPARE(hit.status, 200);
        QCOMPARE(hit.headers.value("x-obleth-cache"), QByteArray("hit"));
        QVERIFY(!slow.received().contains("HTTP/1.1")); // the hit did not wait for the permit
        QCOMPARE(gw->admin("GET", "/api/v1/status").json().value(QStringLiteral("queued")).toInt(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(slow.received().contains("HTTP/1.1 200"), 10000);
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":64}").status, 200);
    }

    void aStreamReplaysByteForByte()
    {
        const int before = upstreamRequests();
        const QByteArray body = chat(QStringLiteral("cached"), 12, true, QStringLiteral("stream me"));
        const test::Response miss = ask(body);
        QCOMPARE(miss.status, 200);
        QCOMPARE(miss.headers.value("x-obleth-cache"), QByteArray("miss"));
        QVERIFY(miss.body.endsWith("data: [DONE]\n\n"));
        const test::Response hit = ask(body);
        QCOMPARE(hit.headers.value("x-obleth-cache"), QByteArray("hit"));
        QVERIFY(hit.headers.value("content-type").startsWith("text/event-stream"));
        QCOMPARE(hit.headers.value("transfer-encoding"), QByteArray("chunked"));
        QCOMPARE(hit.body, miss.body);
        QCOMPARE(upstreamRequests(), before + 1);
    }

    void noCacheSkipsTheLookup()
    {
        const QByteArray body = chat(QStringLiteral("cached"), 5, false, QStringLiteral("fresh please"));
        QCOMPARE(ask(body).headers.value("x-obleth-cache"), QByteArray("miss"));
        const int before = upstreamRequests();
        const test::Response fresh = ask(body, test::headers({{"Cache-Control", "no-cache"}}));
        QCOMPARE(fresh.status, 200);
        QCOMPARE(fresh.headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(upstreamRequests(), before + 1);
        QCOMPARE(ask(body).headers.value("x-obleth-cache"), QByteArray("hit"));
    }

    void errorsAreNotStored()
    {
        const QByteArray body = chat(QStringLiteral("cached"), 5, false, QStringLiteral("fails once"));
        QCOMPARE(ask(body, test::headers({{"x-mock-status", "500"}})).status, 500);
        const test::Response r = ask(body);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("x-obleth-cache"), QByteArray("miss"));
    }

    void largeAnswersStreamThroughUncached()
    {
        const QByteArray body = chat(QStringLiteral("cached"), 120'000, true, QStringLiteral("a big one"));
        const int before = upstreamRequests();
        const test::Response first = ask(body);
        QCOMPARE(first.status, 200);
        QVERIFY2(first.body.size() > cache::ResponseCache::kMaxEntryBytes,
                 QByteArray::number(first.body.size()).constData());
        const test::Response second = ask(body);
        QCOMPARE(second.headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(second.body, first.body);
        QCOMPARE(upstreamRequests(), before + 2);
    }

    void theLruStaysUnderItsCap()
    {
        qint64 now = 0;
        cache::ResponseCache cache(64 * 1024, [&now] { return now; });
        const auto entry = [](int size) {
            cache::CachedResponse r;
            r.body = QByteArray(size, 'x');
            r.headers.add("Content-Type", "application/json");
            return r;
        };
        for (int i = 0; i < 100; ++i) {
            cache.insert(cache::ResponseCache::keyFor(QStringLiteral("m"), QByteArray::number(i)), entry(4000), 0);
            if (i >= 1) // keep entry 0 in use: it must survive
                QVERIFY(cache.lookup(cache::ResponseCache::keyFor(QStringLiteral("m"), "0")));
            QVERIFY(cache.stats().bytes <= 64 * 1024);
        }
        const cache::ResponseCache::Stats s = cache.stats();
        QVERIFY(s.evictions > 80);
        QVERIFY(s.entries >= 10 && s.entries <= 16);
        QVERIFY(!cache.lookup(cache::ResponseCache::keyFor(QStringLiteral("m"), "1"))); // the oldest went
        QVERIFY(cache.lookup(cache::ResponseCache::keyFor(QStringLiteral("m"), "99")));
        // Too large for one entry: not stored at all.
        cache.insert("big", entry(cache::ResponseCache::kMaxEntryBytes + 1), 0);
        QVERIFY(!cache.lookup("big"));
        // The key covers the model name and the body.
        QVERIFY(cache::ResponseCache::keyFor(QStringLiteral("a"), "b")
                != cache::ResponseCache::keyFor(QStringLiteral("ab"), ""));
    }

    void entriesExpireAfterTheirTtl()
    {
        qint64 now = 0;
        cache::ResponseCache cache(1024 * 1024, [&now] { return now; });
        cache::CachedResponse r;
        r.body = "x";
        cache.insert("short", r, 2);
        cache.insert("forever", r, 0);
        now = 1999;
        QVERIFY(cache.lookup("short"));
        now = 2000;
        QVERIFY(!cache.lookup("short"));
        QCOMPARE(cache.stats().entries, 1);
        now = 1'000'000'000;
        QVERIFY(cache.lookup("forever"));
    }

    void ttlEndToEnd()
    {
        // cache_ttl_secs applies per model: with 1 s the entry is gone a second later.
        const QString id
            = gw->addModel(QJsonObject{{QStringLiteral("model_name"), QStringLiteral("brief")},
                                       {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                                       {QStringLiteral("api_base"), mock->url(QStringLiteral("/v1")).toString()},
                                       {QStringLiteral("cache_enabled"), true},
                                       {QStringLiteral("cache_ttl_secs"), 1}});
        QVERIFY(!id.isEmpty());
        const QByteArray body = chat(QStringLiteral("brief"), 2);
        QCOMPARE(ask(body).headers.value("x-obleth-cache"), QByteArray("miss"));
        QCOMPARE(ask(body).headers.value("x-obleth-cache"), QByteArray("hit"));
        // Poll with a deadline (each ask is a lookup, so QTRY_* would ask once more after it succeeds).
        QDeadlineTimer deadline(5000);
        QByteArray state;
        while ((state = ask(body).headers.value("x-obleth-cache")) == "hit" && !deadline.hasExpired())
            QTest::qWait(50);
        QCOMPARE(state, QByteArray("miss"));
    }
};

QTEST_MAIN(TestCache)
#include "tst_cache.moc"
