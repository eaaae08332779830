// Admission shared by several instances through Redis (contract section 15): two or three Admission objects, each
// with its own RedisSharedLimits on one real redis-server, play the instances. Permits are leases with a TTL; the
// global capacity, a tenant's and a key's max_in_flight and a tenant's tokens_per_minute hold across them; a dead
// instance's leases expire; with Redis down each admits on capacity ÷ live instances, and shares again once it is back.

#include "admission/admission.h"
#include "cluster/shareddeploymentload.h"
#include "cluster/sharedhealth.h"
#include "cluster/sharedlimits.h"
#include "cluster/sharedscripts.h"
#include "gateway/gateway.h"
#include "gateway/gatewaythread.h"
#include "pgcluster.h"
#include "redisserver.h"
#include "routing/healthboard.h"
#include "testhttp.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <list>
#include <memory>

using namespace obleth;
using admission::Admission;
using admission::Ticket;

namespace {

constexpr int kWaitMs = 5'000;

/// One obleth instance's admission on the shared Redis.
struct Instance
{
    Instance(const QString &url, const QString &id, int capacity, int leaseTtlMs = 10'000)
    {
        redis::Endpoint endpoint;
        QString error;
        if (!redis::Endpoint::parse(url, &endpoint, &error))
            qFatal("%s", qPrintable(error));
        cluster::RedisSharedLimits::Options options;
        options.leaseTtlMs = leaseTtlMs;
        options.heartbeatMs = 100;
        shared = std::make_unique<cluster::RedisSharedLimits>(endpoint, id, options);
        admission = std::make_unique<Admission>(capacity);
        admission->setSharedLimits(shared.get());
        shared->start();
    }
    std::unique_ptr<cluster::RedisSharedLimits> shared;
    std::unique_ptr<Admission> admission;
};

/// One request's side of admit(), as the data plane keeps it.
struct Outcome
{
    std::unique_ptr<Ticket> ticket = std::make_unique<Ticket>();
    bool proceeded = false;
    int retryAfterSecs = -1;
    QString rejection;
    [[nodiscard]] bool refused() const { return retryAfterSecs >= 0; }
};

struct Ask
{
    const model::Tenant *tenant = nullptr;
    const model::ModelConfig *model = nullptr;
    const model::ApiKey *key = nullptr;
    qint64 estimate = 10;
};

void admit(Admission &admission, const Ask &ask, Outcome *outcome)
{
    static const model::ConfigSnapshot snapshot;
    Admission::Request request;
    request.tenant = ask.tenant;
    request.model = ask.model;
    request.key = ask.key;
    request.tokenEstimate = ask.estimate;
    request.requestId = "req_shared";
    admission.admit(
        snapshot, request, *outcome->ticket, [outcome](Ticket &) { outcome->proceeded = true; },
        [outcome](int retryAfterSecs, const QString &why) {
            outcome->retryAfterSecs = retryAfterSecs;
            outcome->rejection = why;
        });
}

model::Tenant tenant(const QString &id)
{
    model::Tenant t;
    t.id = id;
    t.name = id;
    return t;
}

int proceeded(const std::vector<std::unique_ptr<Outcome>> &outcomes)
{
    int n = 0;
    for (const auto &o : outcomes)
        n += o->proceeded ? 1 : 0;
    return n;
}

/// Handles events until @p done, or for @p timeoutMs: as soon as it is done (QTRY_* polls every 50 ms, too coarse to
/// time with).
bool waitUntil(const std::function<bool()> &done, int timeoutMs = kWaitMs)
{
    QElapsedTimer timer;
    timer.start();
    QEventLoop loop;
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        loop.processEvents(QEventLoop::WaitForMoreEvents); // there is always a timer of the instances' to wake it
    }
    return true;
}

/// One tenant's steady load on one instance: @p outstanding requests at all times, each holding its permit for
/// @p holdMs once admitted, then replaced by a new one.
class Flow : public QObject
{
public:
    Flow(Admission *admission, const model::Tenant *tenant, int outstanding, int holdMs)
        : m_admission(admission)
        , m_tenant(tenant)
        , m_holdMs(holdMs)
    {
        for (int i = 0; i < outstanding; ++i)
            submit();
    }
    ~Flow() override
    {
        m_running = false;
        m_tickets.clear();
    }
    void stop() { m_running = false; }
    [[nodiscard]] int completed() const { return m_completed; }

private:
    void submit()
    {
        static const model::ConfigSnapshot snapshot;
        m_tickets.push_back(std::make_unique<Ticket>());
        Ticket *ticket = m_tickets.back().get();
        Admission::Request request;
        request.tenant = m_tenant;
        request.requestId = "req_flow";
        m_admission->admit(
            snapshot, request, *ticket,
            [this, ticket](Ticket &) {
                QTimer::singleShot(m_holdMs, this, [this, ticket] {
                    if (!m_running)
                        return;
                    ++m_completed;
                    finish(ticket);
                });
            },
            [this, ticket](int, const QString &) { QTimer::singleShot(0, this, [this, ticket] { finish(ticket); }); });
    }
    void finish(Ticket *ticket)
    {
        m_tickets.remove_if([ticket](const std::unique_ptr<Ticket> &t) { return t.get() == ticket; });
        if (m_running)
            submit();
    }

    Admission *m_admission;
    const model::Tenant *m_tenant;
    int m_holdMs;
    bool m_running = true;
    int m_completed = 0;
    std::list<std::unique_ptr<Ticket>> m_tickets;
};

} // namespace

class TestSharedAdmission : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    /// Capacity 4 across two instances: never more than 4 granted at once; the 5th waits on B and gets the permit
    /// that A gives back.
    void globalCapacityHoldsAcrossInstances()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 4);
        Instance b(redis.url(), QStringLiteral("b"), 4);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable() && b.shared->isAvailable(), kWaitMs);
        const model::Tenant t = tenant(QStringLiteral("t"));

        std::vector<std::unique_ptr<Outcome>> onA;
        for (int i = 0; i < 3; ++i) {
            onA.push_back(std::make_unique<Outcome>());
            admit(*a.admission, {&t}, onA.back().get());
        }
        QTRY_COMPARE_WITH_TIMEOUT(proceeded(onA), 3, kWaitMs);
        std::vector<std::unique_ptr<Outcome>> onB;
        for (int i = 0; i < 2; ++i) {
            onB.push_back(std::make_unique<Outcome>());
            admit(*b.admission, {&t}, onB.back().get());
        }
        QTRY_COMPARE_WITH_TIMEOUT(proceeded(onB), 1, kWaitMs);
        // The fifth has asked (and been told "full") at least once, and keeps waiting: 4 leases in Redis.
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:capacity")}),
                                  QStringLiteral("4"), kWaitMs);
        QVERIFY(onB[1]->ticket->isQueued());
        QCOMPARE(b.admission->queued(), 1);
        QCOMPARE(b.admission->inFlight(), 1);
        QCOMPARE(a.shared->leasesHeld(), 3);
        QVERIFY(!onB[1]->proceeded);

        // A gives one back: B's waiting request is told at once (published), not only by its retry timer.
        QElapsedTimer handoff;
        handoff.start();
        onA[0].reset();
        QVERIFY(waitUntil([&] { return onB[1]->proceeded; }));
        qInfo("a permit given back on A reached the request waiting on B in %.1f ms",
              double(handoff.nsecsElapsed()) / 1e6);
        QCOMPARE(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:capacity")}), QStringLiteral("4"));

        // Everything goes back: no lease left.
        onA.clear();
        onB.clear();
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:capacity")}),
                                  QStringLiteral("0"), kWaitMs);
        QCOMPARE(a.shared->leasesHeld() + b.shared->leasesHeld(), 0);
    }

    /// Across instances, a permit given back goes to the request that has waited longest: the instance that gives it
    /// back does not keep it for its own newer request.
    void aPermitGivenBackGoesToWhoWaitedLongest()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 2);
        Instance b(redis.url(), QStringLiteral("b"), 2);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable() && b.shared->isAvailable(), kWaitMs);
        const model::Tenant t = tenant(QStringLiteral("t"));
        Outcome a1, a2, b1, a3;
        admit(*a.admission, {&t}, &a1);
        admit(*a.admission, {&t}, &a2);
        QTRY_VERIFY_WITH_TIMEOUT(a1.proceeded && a2.proceeded, kWaitMs);
        admit(*b.admission, {&t}, &b1);
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:waiting:capacity")}),
                                  QStringLiteral("1"), kWaitMs);
        admit(*a.admission, {&t}, &a3); // waits on A (for A's local permit, then for its lease)
        QVERIFY(a3.ticket->isQueued());
        a1.ticket.reset(); // A's own a3 asks at once, yet B's b1 came first
        QVERIFY(waitUntil([&] { return b1.proceeded; }));
        QVERIFY(!a3.proceeded);
        a2.ticket.reset();
        QVERIFY(waitUntil([&] { return a3.proceeded; }));
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:waiting:capacity")}),
                                  QStringLiteral("0"), kWaitMs);
    }

    /// Weights hold across instances (contract section 15: within 20 % under an even load balancer): tenants weighted
    /// 1 and 3 keep two instances saturated on one shared capacity; they complete about 1:3, and each instance gets
    /// about half the capacity.
    void weightsHoldAcrossInstances()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 4);
        Instance b(redis.url(), QStringLiteral("b"), 4);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable() && b.shared->isAvailable(), kWaitMs);
        model::Tenant light = tenant(QStringLiteral("light"));
        light.weight = 100;
        model::Tenant heavy = tenant(QStringLiteral("heavy"));
        heavy.weight = 300;
        const int outstanding = 6;
        const int holdMs = 10;
        std::vector<std::unique_ptr<Flow>> flows;
        for (Admission *admission : {a.admission.get(), b.admission.get()}) {
            flows.push_back(std::make_unique<Flow>(admission, &light, outstanding, holdMs));
            flows.push_back(std::make_unique<Flow>(admission, &heavy, outstanding, holdMs));
        }
        QElapsedTimer run;
        run.start();
        // Not QTRY_*: QTest::qWait() sleeps between its rounds of events, which would time the leases' round trips.
        QVERIFY(waitUntil([&run] { return run.elapsed() >= 3'000; }, 10'000));
        for (auto &flow : flows)
            flow->stop();
        const int lightDone = flows[0]->completed() + flows[2]->completed();
        const int heavyDone = flows[1]->completed() + flows[3]->completed();
        const int onA = flows[0]->completed() + flows[1]->completed();
        const int onB = flows[2]->completed() + flows[3]->completed();
        qInfo("over 3 s on two instances: light %d, heavy %d (1:%.2f); instance A %d, B %d", lightDone, heavyDone,
              double(heavyDone) / std::max(lightDone, 1), onA, onB);
        QVERIFY(lightDone > 50);
        const double ratio = double(heavyDone) / double(lightDone);
        QVERIFY2(ratio >= 2.4 && ratio <= 3.6, qPrintable(QString::number(ratio)));
        const double split = double(onA) / double(std::max(onB, 1));
        QVERIFY2(split >= 0.8 && split <= 1.25, qPrintable(QString::number(split)));
        flows.clear();
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:capacity")}),
                                  QStringLiteral("0"), kWaitMs);
    }

    /// A request that waits for its lease and whose client goes gives everything back: its place, its tokens, and a
    /// lease granted after it went.
    void aClientLeavingWhileWaitingGivesEverythingBack()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 1);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable(), kWaitMs);
        model::Tenant t = tenant(QStringLiteral("t"));
        t.tokensPerMinute = 6000;
        Outcome first;
        admit(*a.admission, {&t, nullptr, nullptr, 100}, &first);
        QTRY_VERIFY_WITH_TIMEOUT(first.proceeded, kWaitMs);
        auto waiting = std::make_unique<Outcome>();
        admit(*a.admission, {&t, nullptr, nullptr, 100}, waiting.get());
        QTRY_COMPARE_WITH_TIMEOUT(a.admission->queued(), 1, kWaitMs);
        waiting.reset(); // the client left
        QCOMPARE(a.admission->queued(), 0);
        // Its tokens went back: the shared bucket holds all but the first's estimate.
        QTRY_VERIFY_WITH_TIMEOUT(
            redis.cli({QStringLiteral("HGET"), QStringLiteral("obleth:tokens:t"), QStringLiteral("level")}).toDouble()
                >= 5900,
            kWaitMs);
        // A ticket that goes while its lease is being asked for gives the lease back when it comes.
        first.ticket.reset();
        auto quick = std::make_unique<Outcome>();
        admit(*a.admission, {&t}, quick.get());
        quick.reset();
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:capacity")}),
                                  QStringLiteral("0"), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(a.shared->leasesHeld(), 0, kWaitMs);
        QCOMPARE(a.admission->inFlight(), 0);
    }

    /// A tenant's max_in_flight and a key's hold across instances; a key at its limit is refused at once (as
    /// KeyAuthenticator refuses on one instance), a tenant at its limit waits.
    void tenantAndKeyLimitsAreShared()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 10);
        Instance b(redis.url(), QStringLiteral("b"), 10);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable() && b.shared->isAvailable(), kWaitMs);

        model::Tenant capped = tenant(QStringLiteral("capped"));
        capped.maxInFlight = 2;
        Outcome a1, b1, b2;
        admit(*a.admission, {&capped}, &a1);
        admit(*b.admission, {&capped}, &b1);
        QTRY_VERIFY_WITH_TIMEOUT(a1.proceeded && b1.proceeded, kWaitMs);
        admit(*b.admission, {&capped}, &b2);
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:tenant:capped")}),
                                  QStringLiteral("2"), kWaitMs);
        QVERIFY(b2.ticket->isQueued());
        a1.ticket.reset();
        QTRY_VERIFY_WITH_TIMEOUT(b2.proceeded, kWaitMs);

        const model::Tenant t = tenant(QStringLiteral("t"));
        model::ApiKey key;
        key.id = QStringLiteral("key-1");
        key.keyPrefix = QStringLiteral("sk_abcd");
        key.maxInFlight = 1;
        Outcome ka, kb;
        admit(*a.admission, {&t, nullptr, &key}, &ka);
        QTRY_VERIFY_WITH_TIMEOUT(ka.proceeded, kWaitMs);
        admit(*b.admission, {&t, nullptr, &key}, &kb);
        QTRY_VERIFY_WITH_TIMEOUT(kb.refused(), kWaitMs);
        QCOMPARE(kb.retryAfterSecs, 1);
        QCOMPARE(kb.rejection, QStringLiteral("the API key sk_abcd... already has 1 requests in flight, its limit"));
        QCOMPARE(b.admission->queued(), 0);
        QCOMPARE(b.admission->inFlight(), 2); // b1 and b2
        ka.ticket.reset();
        Outcome kb2;
        admit(*b.admission, {&t, nullptr, &key}, &kb2);
        QTRY_VERIFY_WITH_TIMEOUT(kb2.proceeded, kWaitMs);
    }

    /// A tenant's tokens_per_minute is one budget: spent on A, refused on B; what A gives back B may use.
    void tokenBudgetsAreShared()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 10);
        Instance b(redis.url(), QStringLiteral("b"), 10);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable() && b.shared->isAvailable(), kWaitMs);
        model::Tenant t = tenant(QStringLiteral("budgeted"));
        t.tokensPerMinute = 600;

        Outcome big;
        admit(*a.admission, {&t, nullptr, nullptr, 1000}, &big); // admitted with tokens left; the debt delays the next
        QTRY_VERIFY_WITH_TIMEOUT(big.proceeded, kWaitMs);
        QCOMPARE(big.ticket->reservedTokens(), 1000);
        Outcome refused;
        admit(*b.admission, {&t, nullptr, nullptr, 10}, &refused);
        QTRY_VERIFY_WITH_TIMEOUT(refused.refused(), kWaitMs);
        QVERIFY2(refused.rejection.contains(QStringLiteral("600 tokens per minute")), qPrintable(refused.rejection));
        QVERIFY(refused.retryAfterSecs >= 30); // 400 tokens in debt at 10 a second
        // A's request used 100 of its 1000: 900 go back to the one budget, and B may go on.
        big.ticket->settle(100);
        Outcome after;
        QTRY_VERIFY_WITH_TIMEOUT(
            redis.cli({QStringLiteral("HGET"), QStringLiteral("obleth:tokens:budgeted"), QStringLiteral("level")})
                    .toDouble()
                >= 490,
            kWaitMs);
        admit(*b.admission, {&t, nullptr, nullptr, 10}, &after);
        QTRY_VERIFY_WITH_TIMEOUT(after.proceeded, kWaitMs);
    }

    /// An instance that dies (no release, no renewal) gives its permits back within the lease's TTL.
    void aDeadInstancesLeasesExpire()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        const int ttlMs = 1'000;
        auto a = std::make_unique<Instance>(redis.url(), QStringLiteral("a"), 2, ttlMs);
        Instance b(redis.url(), QStringLiteral("b"), 2, ttlMs);
        QTRY_VERIFY_WITH_TIMEOUT(a->shared->isAvailable() && b.shared->isAvailable(), kWaitMs);
        const model::Tenant t = tenant(QStringLiteral("t"));
        Outcome a1, a2;
        admit(*a->admission, {&t}, &a1);
        admit(*a->admission, {&t}, &a2);
        QTRY_VERIFY_WITH_TIMEOUT(a1.proceeded && a2.proceeded, kWaitMs);

        // Leases are renewed while their requests run: longer than the TTL, B still waits.
        Outcome b1;
        admit(*b.admission, {&t}, &b1);
        QElapsedTimer held;
        held.start();
        QTRY_VERIFY_WITH_TIMEOUT(held.elapsed() > 2 * ttlMs, 3 * ttlMs);
        QVERIFY(!b1.proceeded);
        QVERIFY(b1.ticket->isQueued());

        // A dies: its objects go without giving anything back (its tickets outlive it, as a killed process's
        // would not matter).
        a->shared.reset();
        QElapsedTimer dead;
        dead.start();
        QTRY_VERIFY_WITH_TIMEOUT(b1.proceeded, 3 * ttlMs);
        // Within the TTL of its last renewal, plus the waiting instance's retry timer (and room for a busy machine).
        QVERIFY2(dead.elapsed() <= ttlMs + 1000, qPrintable(QString::number(dead.elapsed())));
        qInfo("a dead instance's permit went to another after %lld ms (TTL %d ms)", dead.elapsed(), ttlMs);
        a.reset();
    }

    /// Redis goes away: each instance admits on capacity ÷ live instances (the last known) and says so; it never
    /// turns every request away. Redis comes back: limits are shared again.
    void redisDownMeansLocalSharesUntilItIsBack()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 4);
        Instance b(redis.url(), QStringLiteral("b"), 4);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->liveInstances() == 2 && b.shared->liveInstances() == 2, kWaitMs);
        model::ClusterState state;
        a.shared->describe(&state);
        QCOMPARE(state.redis, QStringLiteral("connected"));
        QCOMPARE(a.admission->localCapacity(), 0);

        redis.stop();
        QTRY_VERIFY_WITH_TIMEOUT(!a.shared->isAvailable() && !b.shared->isAvailable(), kWaitMs);
        a.shared->describe(&state);
        QCOMPARE(state.redis, QStringLiteral("unreachable"));
        QCOMPARE(state.liveInstances, 2);
        QCOMPARE(a.admission->localCapacity(), 2);
        QCOMPARE(b.admission->localCapacity(), 2);

        const model::Tenant t = tenant(QStringLiteral("t"));
        std::vector<std::unique_ptr<Outcome>> onA, onB;
        for (int i = 0; i < 3; ++i) {
            onA.push_back(std::make_unique<Outcome>());
            admit(*a.admission, {&t}, onA.back().get());
            onB.push_back(std::make_unique<Outcome>());
            admit(*b.admission, {&t}, onB.back().get());
        }
        QTRY_VERIFY_WITH_TIMEOUT(proceeded(onA) == 2 && proceeded(onB) == 2, kWaitMs);
        QCOMPARE(a.admission->queued(), 1);
        QVERIFY(!onA[2]->refused());
        onA[0].reset(); // the local share goes on
        QTRY_VERIFY_WITH_TIMEOUT(onA[2]->proceeded, kWaitMs);

        QVERIFY2(redis.start(), qPrintable(redis.why()));
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable() && b.shared->isAvailable(), 15'000);
        a.shared->describe(&state);
        QCOMPARE(state.redis, QStringLiteral("connected"));
        QCOMPARE(a.admission->localCapacity(), 0);
        // Requests admitted during the outage hold no lease; new ones take leases in the shared capacity again.
        onA.clear();
        onB.clear();
        for (int i = 0; i < 5; ++i) {
            onA.push_back(std::make_unique<Outcome>());
            admit(*(i % 2 ? b.admission : a.admission), {&t}, onA.back().get());
        }
        QTRY_COMPARE_WITH_TIMEOUT(proceeded(onA), 4, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:capacity")}),
                                  QStringLiteral("4"), kWaitMs);
        QCOMPARE(proceeded(onA), 4);
    }

    /// An instance that starts while Redis is away has never heard Redis's count of instances: its local share is
    /// the capacity ÷ the live instances the shared database knows (before: ÷ 1, the whole capacity on each).
    void startingWithoutRedisSharesByTheInstancesTheDatabaseKnows()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        redis.stop();
        Instance a(redis.url(), QStringLiteral("a"), 6);
        int seen = 3;
        a.shared->setInstancesSeenElsewhere([&seen] { return seen; });
        QTRY_COMPARE_WITH_TIMEOUT(a.admission->localCapacity(), 2, kWaitMs);
        model::ClusterState state;
        a.shared->describe(&state);
        QCOMPARE(state.redis, QStringLiteral("unreachable"));
        QCOMPARE(state.liveInstances, 3);
        seen = 2; // one of them went
        QTRY_COMPARE_WITH_TIMEOUT(a.admission->localCapacity(), 3, kWaitMs);
    }

    /// A request waiting for a shared lease waits no longer than the queue's bound.
    void waitingForALeaseIsBoundedByTheQueueWait()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 1);
        Instance b(redis.url(), QStringLiteral("b"), 1);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable() && b.shared->isAvailable(), kWaitMs);
        model::AdmissionSettings settings;
        settings.maxQueueLength = 10;
        settings.maxQueueWaitSecs = 1;
        b.admission->applySettings(settings);
        const model::Tenant t = tenant(QStringLiteral("t"));
        Outcome held, waiting;
        admit(*a.admission, {&t}, &held);
        QTRY_VERIFY_WITH_TIMEOUT(held.proceeded, kWaitMs);
        admit(*b.admission, {&t}, &waiting);
        QTRY_VERIFY_WITH_TIMEOUT(waiting.refused(), 3'000);
        QCOMPARE(waiting.rejection, QStringLiteral("waited too long for a fair-share permit"));
        QCOMPARE(b.admission->queued(), 0);
        QCOMPARE(b.admission->inFlight(), 0);
    }

    /// What one shared permit adds to a request on the loopback: a lease taken and given back.
    void measureTheSharedPermitsCost()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 8);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable(), kWaitMs);
        const model::Tenant t = tenant(QStringLiteral("t"));
        const int rounds = 500;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < rounds; ++i) {
            Outcome o;
            admit(*a.admission, {&t}, &o);
            QVERIFY(waitUntil([&o] { return o.proceeded; }));
        }
        const double perPermitUs = double(timer.nsecsElapsed()) / 1000.0 / rounds;
        qInfo("a shared permit (lease taken, request proceeds, lease given back) takes %.0f us on the loopback",
              perPermitUs);
        QTRY_COMPARE_WITH_TIMEOUT(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:lease:capacity")}),
                                  QStringLiteral("0"), kWaitMs);
    }

    /// The gateway with --redis: the data plane's requests take their permits from the capacity shared in Redis,
    /// the status says how Redis is, and with Redis gone the instance serves on its local share.
    void theGatewayWithRedisSharesItsCapacity()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        QTemporaryDir dir;
        gateway::GatewayOptions options;
        options.dataPort = 0;
        options.adminPort = 0;
        options.dataDir = dir.path();
        options.adminToken = QStringLiteral("test-admin-token-0123456789abcdef");
        options.redisUrl = redis.url();
        gateway::GatewayThread thread(options);
        QSignalSpy started(&thread, &gateway::GatewayThread::started);
        thread.start();
        QVERIFY(started.wait(10'000));
        const quint16 dataPort = quint16(QUrl(started.first().at(0).toString()).port());
        const quint16 adminPort = quint16(QUrl(started.first().at(1).toString()).port());
        const QByteArray key = started.first().at(2).toString().toLatin1();
        gateway::Gateway *gw = thread.gateway();
        auto cluster = [gw] {
            model::ClusterState state;
            QMetaObject::invokeMethod(
                gw, [gw, &state] { state = gw->status().cluster(); }, Qt::BlockingQueuedConnection);
            return state;
        };
        auto admin = [adminPort, &options](const QByteArray &method, const QByteArray &path, const QByteArray &json) {
            http::Headers h;
            h.add("Authorization", "Bearer " + options.adminToken.toLatin1());
            h.add("Content-Type", "application/json");
            return test::request(adminPort, method, path, h, json).status;
        };
        const QByteArray chat = R"({"model":"mock-model","messages":[{"role":"user","content":"hi"}]})";
        QTRY_COMPARE_WITH_TIMEOUT(cluster().redis, QStringLiteral("connected"), kWaitMs);
        QCOMPARE(cluster().localCapacity, 0);
        QCOMPARE(redis.cli({QStringLiteral("ZCARD"), QStringLiteral("obleth:instances")}), QStringLiteral("1"));
        QCOMPARE(test::postJson(dataPort, "/v1/chat/completions", key, chat).status, 200);

        // Another instance holds the only permit: this one's request waits, then gets 429 after the queue's wait.
        QCOMPARE(admin("PUT", "/api/v1/capacity", R"({"max_in_flight":1})"), 200);
        QCOMPARE(admin("PUT", "/api/v1/settings/admission", R"({"max_queue_wait_secs":1})"), 200);
        QCOMPARE(redis.cli({QStringLiteral("ZADD"), QStringLiteral("obleth:lease:capacity"),
                            QStringLiteral("99999999999999"), QStringLiteral("elsewhere:1")}),
                 QStringLiteral("1"));
        const test::Response waited = test::postJson(dataPort, "/v1/chat/completions", key, chat);
        QCOMPARE(waited.status, 429);
        QVERIFY2(waited.body.contains("waited too long"), waited.body.constData());
        redis.cli({QStringLiteral("ZREM"), QStringLiteral("obleth:lease:capacity"), QStringLiteral("elsewhere:1")});
        QCOMPARE(test::postJson(dataPort, "/v1/chat/completions", key, chat).status, 200);

        redis.stop();
        QTRY_COMPARE_WITH_TIMEOUT(cluster().redis, QStringLiteral("unreachable"), kWaitMs);
        QCOMPARE(cluster().localCapacity, 1); // capacity 1 ÷ 1 live instance
        QCOMPARE(test::postJson(dataPort, "/v1/chat/completions", key, chat).status, 200);

        QSignalSpy stopped(&thread, &gateway::GatewayThread::stopped);
        thread.shutdown(1'000);
        QVERIFY(stopped.wait(10'000));
    }

    /// A deployment one instance finds unhealthy rests on the other too; found healthy again, it is healthy on both.
    /// What an instance adopts it does not publish again.
    void deploymentHealthIsShared()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        redis::Endpoint endpoint;
        QString error;
        QVERIFY(redis::Endpoint::parse(redis.url(), &endpoint, &error));
        model::ModelConfig m;
        m.id = QStringLiteral("m1");
        m.modelName = QStringLiteral("gpt");
        m.unhealthyAfter = 2;
        m.cooldownSecs = 30;
        model::Deployment d;
        d.id = QStringLiteral("d1");
        d.enabled = true;
        m.deployments = {d};
        routing::HealthBoard boardA;
        routing::HealthBoard boardB;
        auto adopter = [&m](routing::HealthBoard *board) {
            return [board, &m](const QString &modelId, const QString &deploymentId, model::HealthState state,
                               const QString &why) {
                QCOMPARE(modelId, m.id);
                if (state == model::HealthState::Unhealthy)
                    board->adoptUnhealthy(m, deploymentId, why);
                else
                    board->adoptHealthy(m, deploymentId);
            };
        };
        cluster::SharedHealth a(endpoint, QStringLiteral("a"), adopter(&boardA));
        cluster::SharedHealth b(endpoint, QStringLiteral("b"), adopter(&boardB));
        int changesOnA = 0;
        boardA.setChangeListener([&](const model::DeploymentHealth &now, model::HealthState previous) {
            ++changesOnA;
            a.changed(now, previous);
        });
        boardB.setChangeListener(
            [&b](const model::DeploymentHealth &now, model::HealthState previous) { b.changed(now, previous); });
        a.start();
        b.start();
        QTRY_COMPARE_WITH_TIMEOUT(
            redis.cli({QStringLiteral("PUBSUB"), QStringLiteral("NUMSUB"), QStringLiteral("obleth:health")}),
            QStringLiteral("obleth:health\n2"), kWaitMs);

        boardA.failed(m, d.id, QStringLiteral("connection refused"));
        boardA.failed(m, d.id, QStringLiteral("connection refused"));
        QCOMPARE(boardA.state(d.id), model::HealthState::Unhealthy);
        QTRY_COMPARE_WITH_TIMEOUT(boardB.state(d.id), model::HealthState::Unhealthy, kWaitMs);
        QCOMPARE(boardB.health(m).first().lastError, QStringLiteral("connection refused"));
        QVERIFY(!boardB.choose(m).deployment); // it rests on B too

        boardA.succeeded(m, d.id, 5); // A's probe went through
        QTRY_COMPARE_WITH_TIMEOUT(boardB.state(d.id), model::HealthState::Healthy, kWaitMs);
        QVERIFY(boardB.choose(m).deployment);
        // B's adoptions came back to A as nothing: A changed twice, by itself.
        QCOMPARE(redis.cli({QStringLiteral("PING")}), QStringLiteral("PONG"));
        QCoreApplication::processEvents();
        QCOMPARE(changesOnA, 2);
        QCOMPARE(boardA.state(d.id), model::HealthState::Healthy);
    }

    /// A deployment's max_concurrency holds across instances: each tells the others its tries in flight; a dead
    /// instance's count goes once it is not heard of for the TTL.
    void deploymentConcurrencyIsShared()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        redis::Endpoint endpoint;
        QString error;
        QVERIFY(redis::Endpoint::parse(redis.url(), &endpoint, &error));
        model::ModelConfig m;
        m.id = QStringLiteral("m1");
        m.modelName = QStringLiteral("gpt");
        for (const QString &id : {QStringLiteral("d1"), QStringLiteral("d2")}) {
            model::Deployment d;
            d.id = id;
            d.enabled = true;
            d.maxConcurrency = 1;
            m.deployments.append(d);
        }
        routing::HealthBoard boardA;
        routing::HealthBoard boardB;
        auto a = std::make_unique<cluster::SharedDeploymentLoad>(
            endpoint, QStringLiteral("a"),
            [&boardA](const QHash<QString, int> &elsewhere) { boardA.setInFlightElsewhere(elsewhere); });
        cluster::SharedDeploymentLoad b(endpoint, QStringLiteral("b"), [&boardB](const QHash<QString, int> &elsewhere) {
            boardB.setInFlightElsewhere(elsewhere);
        });
        b.setForgetAfterMs(1'000);
        boardA.setLoadListener([&a](const QString &id, int inFlight) { a->changed(id, inFlight); });
        boardB.setLoadListener([&b](const QString &id, int inFlight) { b.changed(id, inFlight); });
        a->start();
        b.start();
        QTRY_COMPARE_WITH_TIMEOUT(
            redis.cli({QStringLiteral("PUBSUB"), QStringLiteral("NUMSUB"), QStringLiteral("obleth:deployment-load")}),
            QStringLiteral("obleth:deployment-load\n2"), kWaitMs);

        // Alone, each board would pick d1 (ties: the first); B hears that A's d1 is full and would take d2.
        auto chosenOnB = [&boardB, &m] {
            const routing::HealthBoard::Choice c = boardB.choose(m);
            return c.deployment ? c.deployment->id : QString();
        };
        QCOMPARE(boardA.choose(m).deployment->id, QStringLiteral("d1"));
        boardA.begin(m, m.deployments.at(0), false);
        QTRY_COMPARE_WITH_TIMEOUT(chosenOnB(), QStringLiteral("d2"), kWaitMs);
        // A's try ends: d1 is free for B again once it hears so.
        boardA.end(QStringLiteral("d1"), false);
        QTRY_COMPARE_WITH_TIMEOUT(chosenOnB(), QStringLiteral("d1"), kWaitMs);
        // A dies holding d1 (its object goes without a word): once B has not heard of A for its forget time, d1
        // is free for B again.
        boardA.begin(m, m.deployments.at(0), false);
        QTRY_COMPARE_WITH_TIMEOUT(chosenOnB(), QStringLiteral("d2"), kWaitMs);
        boardA.setLoadListener({});
        a.reset();
        QElapsedTimer waited;
        waited.start();
        QTRY_COMPARE_WITH_TIMEOUT(chosenOnB(), QStringLiteral("d1"), kWaitMs);
        QVERIFY2(waited.elapsed() >= 500, "A's try was forgotten before A could have been missed");
    }

    /// A key of obleth's of the wrong type, or a bucket whose numbers are not numbers (another program wrote them), is
    /// not an outage: the scripts start that limit afresh, requests are admitted on the shared limits, and Redis
    /// never counts as unreachable (before, each call failed with WRONGTYPE and Redis flapped between down and up).
    void foreignKeysStartTheirLimitAfresh()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        Instance a(redis.url(), QStringLiteral("a"), 4);
        QTRY_VERIFY_WITH_TIMEOUT(a.shared->isAvailable(), kWaitMs);
        QSignalSpy availability(a.shared.get(), &admission::SharedLimits::availabilityChanged);
        auto cli = [&redis](std::initializer_list<const char *> args) {
            QStringList list;
            for (const char *arg : args)
                list.append(QString::fromLatin1(arg));
            return redis.cli(list);
        };
        QCOMPARE(cli({"SET", "obleth:lease:capacity", "garbage"}), QStringLiteral("OK"));
        QCOMPARE(cli({"SET", "obleth:waiting:capacity", "garbage"}), QStringLiteral("OK"));
        QCOMPARE(cli({"SET", "obleth:tokens:t", "garbage"}), QStringLiteral("OK"));
        QCOMPARE(cli({"HSET", "obleth:tokens:u", "level", "-inf", "at", "nan"}), QStringLiteral("2"));
        QCOMPARE(cli({"SET", "obleth:instances", "garbage"}), QStringLiteral("OK"));
        model::Tenant t = tenant(QStringLiteral("t"));
        t.tokensPerMinute = 6000;
        model::Tenant u = tenant(QStringLiteral("u"));
        u.tokensPerMinute = 6000;
        std::vector<std::unique_ptr<Outcome>> outcomes;
        for (const model::Tenant *who : {&t, &u, &t, &u}) {
            outcomes.push_back(std::make_unique<Outcome>());
            admit(*a.admission, {who}, outcomes.back().get());
        }
        QTRY_COMPARE_WITH_TIMEOUT(proceeded(outcomes), 4, kWaitMs);
        // On the shared limits: four leases in Redis, and the buckets are obleth's again.
        QCOMPARE(cli({"ZCARD", "obleth:lease:capacity"}), QStringLiteral("4"));
        QCOMPARE(cli({"TYPE", "obleth:tokens:t"}), QStringLiteral("hash"));
        QVERIFY(cli({"HGET", "obleth:tokens:u", "level"}).toDouble() > 5000);
        QTRY_COMPARE_WITH_TIMEOUT(cli({"TYPE", "obleth:instances"}), QStringLiteral("zset"), kWaitMs);
        QVERIFY(a.shared->isAvailable());
        QCOMPARE(availability.count(), 0);
    }

    /// Whoever can publish on Redis can publish on obleth's channels: an oversized health message is not believed,
    /// an error text is cut, a load table with nonsense counts nothing.
    void hostileMessagesAreBounded()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        redis::Endpoint endpoint;
        QString error;
        QVERIFY(redis::Endpoint::parse(redis.url(), &endpoint, &error));
        model::ModelConfig m;
        m.id = QStringLiteral("m1");
        m.modelName = QStringLiteral("gpt");
        m.cooldownSecs = 30;
        model::Deployment d;
        d.id = QStringLiteral("d1");
        d.enabled = true;
        d.maxConcurrency = 1;
        m.deployments = {d};
        routing::HealthBoard board;
        cluster::SharedHealth health(
            endpoint, QStringLiteral("b"),
            [&](const QString &, const QString &deploymentId, model::HealthState state, const QString &why) {
                if (state == model::HealthState::Unhealthy)
                    board.adoptUnhealthy(m, deploymentId, why);
            });
        cluster::SharedDeploymentLoad load(
            endpoint, QStringLiteral("b"),
            [&board](const QHash<QString, int> &elsewhere) { board.setInFlightElsewhere(elsewhere); });
        health.start();
        load.start();
        QTRY_COMPARE_WITH_TIMEOUT(
            redis.cli({QStringLiteral("PUBSUB"), QStringLiteral("NUMSUB"), QStringLiteral("obleth:health"),
                       QStringLiteral("obleth:deployment-load")}),
            QStringLiteral("obleth:health\n1\nobleth:deployment-load\n1"), kWaitMs);
        auto publish = [&redis](const QString &channel, const QJsonObject &message) {
            return redis.cli({QStringLiteral("PUBLISH"), channel,
                              QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact))});
        };
        auto unhealthy = [](const QString &why) {
            return QJsonObject{{QStringLiteral("instance"), QStringLiteral("a")},
                               {QStringLiteral("model_id"), QStringLiteral("m1")},
                               {QStringLiteral("deployment_id"), QStringLiteral("d1")},
                               {QStringLiteral("state"), QStringLiteral("unhealthy")},
                               {QStringLiteral("last_error"), why}};
        };
        // Too long to be one of obleth's: dropped. Then a long error, cut.
        QCOMPARE(publish(QStringLiteral("obleth:health"), unhealthy(QString(100'000, u'x'))), QStringLiteral("1"));
        QCOMPARE(publish(QStringLiteral("obleth:health"), unhealthy(QString(1'000, u'y'))), QStringLiteral("1"));
        QTRY_COMPARE_WITH_TIMEOUT(board.state(d.id), model::HealthState::Unhealthy, kWaitMs);
        QCOMPARE(board.health(m).first().lastError, QString(cluster::SharedHealth::kMaxErrorChars, u'y'));
        // Counts that are not counts: negative, not numbers, absurd; only the sane one is believed, and bounded.
        const QJsonObject table{
            {QStringLiteral("d1"), -5}, {QStringLiteral("d2"), QStringLiteral("many")}, {QStringLiteral("d3"), 1e300}};
        QCOMPARE(publish(QStringLiteral("obleth:deployment-load"),
                         QJsonObject{{QStringLiteral("instance"), QStringLiteral("a")},
                                     {QStringLiteral("in_flight"), table}}),
                 QStringLiteral("1"));
        QCOMPARE(publish(QStringLiteral("obleth:deployment-load"), QJsonObject{{QStringLiteral("in_flight"), 7}}),
                 QStringLiteral("1"));
        QCOMPARE(
            redis.cli({QStringLiteral("PUBLISH"), QStringLiteral("obleth:deployment-load"), QStringLiteral("[[[")}),
            QStringLiteral("1"));
        // A sane table after them: once it counts, those before it were read (one channel keeps its order).
        QCOMPARE(publish(QStringLiteral("obleth:deployment-load"),
                         QJsonObject{{QStringLiteral("instance"), QStringLiteral("z")},
                                     {QStringLiteral("in_flight"), QJsonObject{{QStringLiteral("d8"), 5}}}}),
                 QStringLiteral("1"));
        QTRY_COMPARE_WITH_TIMEOUT(board.inFlightElsewhere(QStringLiteral("d8")), 5, kWaitMs);
        for (const char *id : {"d1", "d2", "d3"})
            QCOMPARE(board.inFlightElsewhere(QString::fromLatin1(id)), 0);
    }

    /// The Lua scripts' edge cases, straight on the server.
    void luaScriptsEdgeCases()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto eval = [&redis](const QByteArray &source, const QStringList &keys, const QStringList &args) {
            return redis.cli(
                QStringList{QStringLiteral("EVAL"), QString::fromUtf8(source), QString::number(keys.size())} + keys
                + args);
        };
        const QByteArray acquire = cluster::scripts::acquireSource();
        const QByteArray renew = cluster::scripts::renewSource();
        const QByteArray release = cluster::scripts::releaseSource();
        const QByteArray tokens = cluster::scripts::tokensSource();
        // Taking a lease: per limit its held set, its queue and the queue's expiries.
        auto take = [&](const QString &lease, const QList<std::pair<QString, int>> &limits, int ttlMs = 10'000,
                        int waitTtlMs = 2'000) {
            QStringList keys;
            for (const QString &part : {QStringLiteral(""), QStringLiteral("w:"), QStringLiteral("u:")}) {
                for (const auto &limit : limits)
                    keys.append(part + limit.first);
            }
            QStringList args{lease, QString::number(ttlMs), QString::number(waitTtlMs), QStringLiteral("chan")};
            for (const auto &limit : limits)
                args.append(QString::number(limit.second));
            return eval(acquire, keys, args);
        };
        auto giveBack = [&](const QString &lease, const QStringList &limits) {
            QStringList keys;
            for (const QString &part : {QStringLiteral(""), QStringLiteral("w:"), QStringLiteral("u:")}) {
                for (const QString &limit : limits)
                    keys.append(part + limit);
            }
            return eval(release, keys, {lease, QStringLiteral("chan")});
        };
        auto zrange = [&redis](const QString &key) {
            return redis.cli({QStringLiteral("ZRANGE"), key, QStringLiteral("0"), QStringLiteral("-1")});
        };
        const QString cap = QStringLiteral("cap");
        const QString model = QStringLiteral("model");
        // All at once or nothing; the first full limit is named (1-based); taking one's own lease again counts once.
        QCOMPARE(take(QStringLiteral("l1"), {{cap, 2}, {model, 1}}), QStringLiteral("0"));
        QCOMPARE(take(QStringLiteral("l1"), {{cap, 2}, {model, 1}}), QStringLiteral("0"));
        QCOMPARE(redis.cli({QStringLiteral("ZCARD"), cap}), QStringLiteral("1"));
        QCOMPARE(take(QStringLiteral("l2"), {{cap, 2}, {model, 1}}), QStringLiteral("2"));
        QCOMPARE(redis.cli({QStringLiteral("ZCARD"), cap}), QStringLiteral("1")); // nothing taken
        QCOMPARE(zrange(QStringLiteral("w:model")), QStringLiteral("l2")); // it waits for the model's limit only
        QCOMPARE(zrange(QStringLiteral("w:cap")), QStringLiteral(""));
        // A limit of 0 admits nobody.
        QCOMPARE(take(QStringLiteral("l3"), {{QStringLiteral("zero"), 0}}), QStringLiteral("1"));
        // The sets expire with their last lease.
        const int pttl = redis.cli({QStringLiteral("PTTL"), cap}).toInt();
        QVERIFY2(pttl > 9000 && pttl <= 11000, qPrintable(QString::number(pttl)));
        // First come, first served across instances: with one lease free and one request waiting, a newcomer waits
        // behind it (and the queue's order is by arrival).
        QCOMPARE(take(QStringLiteral("f1"), {{QStringLiteral("fifo"), 1}}), QStringLiteral("0"));
        QCOMPARE(take(QStringLiteral("early"), {{QStringLiteral("fifo"), 1}}), QStringLiteral("1"));
        QCOMPARE(take(QStringLiteral("late"), {{QStringLiteral("fifo"), 1}}), QStringLiteral("1")); // a later ms
        QCOMPARE(zrange(QStringLiteral("w:fifo")), QStringLiteral("early\nlate"));
        QCOMPARE(giveBack(QStringLiteral("f1"), {QStringLiteral("fifo")}), QStringLiteral("1"));
        QCOMPARE(take(QStringLiteral("late"), {{QStringLiteral("fifo"), 1}}), QStringLiteral("1"));
        QCOMPARE(take(QStringLiteral("early"), {{QStringLiteral("fifo"), 1}}), QStringLiteral("0"));
        QCOMPARE(zrange(QStringLiteral("w:fifo")), QStringLiteral("late"));
        // A waiting request that gives up frees its place; one that stops asking loses it after its wait TTL.
        QCOMPARE(giveBack(QStringLiteral("late"), {QStringLiteral("fifo")}), QStringLiteral("2"));
        QCOMPARE(take(QStringLiteral("quiet"), {{QStringLiteral("fifo"), 1}}, 10'000, 50), QStringLiteral("1"));
        QCOMPARE(giveBack(QStringLiteral("early"), {QStringLiteral("fifo")}), QStringLiteral("1"));
        QTRY_COMPARE_WITH_TIMEOUT(take(QStringLiteral("next"), {{QStringLiteral("fifo"), 1}}), QStringLiteral("0"),
                                  kWaitMs);
        // Releasing: counted once, a second time nothing (and nothing published).
        QCOMPARE(giveBack(QStringLiteral("l1"), {cap, model}), QStringLiteral("2"));
        QCOMPARE(giveBack(QStringLiteral("l1"), {cap, model}), QStringLiteral("0"));
        // An expired lease is removed before counting, and is not renewed back.
        QCOMPARE(take(QStringLiteral("old"), {{QStringLiteral("e"), 1}}, 20), QStringLiteral("0"));
        QTRY_COMPARE_WITH_TIMEOUT(take(QStringLiteral("new"), {{QStringLiteral("e"), 1}}), QStringLiteral("0"),
                                  kWaitMs);
        QCOMPARE(eval(renew, {QStringLiteral("e"), QStringLiteral("e")},
                      {QStringLiteral("10000"), QStringLiteral("old"), QStringLiteral("new")}),
                 QStringLiteral("1"));
        QCOMPARE(zrange(QStringLiteral("e")), QStringLiteral("new"));
        // Token buckets: a full bucket for a tenant not seen; admitted while anything is left, however large the
        // estimate; refused in debt, with the seconds until one token is back; settling never overfills.
        QCOMPARE(eval(tokens, {QStringLiteral("tk")},
                      {QStringLiteral("60"), QStringLiteral("reserve"), QStringLiteral("100")}),
                 QStringLiteral("1\n0"));
        QCOMPARE(eval(tokens, {QStringLiteral("tk")},
                      {QStringLiteral("60"), QStringLiteral("reserve"), QStringLiteral("1")}),
                 QStringLiteral("0\n41"));
        QCOMPARE(eval(tokens, {QStringLiteral("tk")},
                      {QStringLiteral("60"), QStringLiteral("settle"), QStringLiteral("1000")}),
                 QStringLiteral("1\n0"));
        QCOMPARE(redis.cli({QStringLiteral("HGET"), QStringLiteral("tk"), QStringLiteral("level")}).toDouble(), 60.0);
        // A full bucket is the same as none: it expires at once (within the second's margin).
        QVERIFY(redis.cli({QStringLiteral("PTTL"), QStringLiteral("tk")}).toInt() <= 1000);
    }
};

QTEST_GUILESS_MAIN(TestSharedAdmission)
#include "tst_sharedadmission.moc"
