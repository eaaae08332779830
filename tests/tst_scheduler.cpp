// Fair-share admission as pure logic with an injected clock (contract section 3).

#include "admission/scheduler.h"

#include <QTest>

#include <deque>

using obleth::admission::Scheduler;
using Outcome = Scheduler::Outcome;

namespace {

/// A saturated gateway: every tenant keeps `backlog` requests waiting; the oldest running request
/// finishes every `stepMs`, and its tenant submits another. Returns completions per tenant.
class Simulation
{
public:
    Simulation(Scheduler &scheduler, qint64 &now)
        : m_scheduler(scheduler)
        , m_now(now)
    { }
    void add(const Scheduler::Request &request, int backlog)
    {
        for (int i = 0; i < backlog; ++i)
            submit(request);
    }
    void run(int completions, qint64 stepMs, QHash<QString, int> *done)
    {
        for (int i = 0; i < completions && !m_running.empty(); ++i) {
            m_now += stepMs;
            const auto [ticket, request] = m_running.front();
            m_running.pop_front();
            (*done)[request.tenant]++;
            for (quint64 admitted : m_scheduler.release(ticket))
                m_running.push_back({admitted, m_requests.take(admitted)});
            submit(request);
        }
    }

    /// From now on the tenant's requests carry this weight (as the configuration snapshot would).
    void setWeight(const QString &tenant, double weight) { m_weights.insert(tenant, weight); }

private:
    void submit(Scheduler::Request request)
    {
        request.tenantWeight = m_weights.value(request.tenant, request.tenantWeight);
        const Scheduler::Decision d = m_scheduler.submit(request);
        if (d.outcome == Outcome::Admitted)
            m_running.push_back({d.ticket, request});
        else if (d.outcome == Outcome::Queued)
            m_requests.insert(d.ticket, request);
    }

    Scheduler &m_scheduler;
    qint64 &m_now;
    std::deque<std::pair<quint64, Scheduler::Request>> m_running;
    QHash<quint64, Scheduler::Request> m_requests;
    QHash<QString, double> m_weights;
};

Scheduler::Request tenant(const QString &name, double weight = 100, const QString &group = QStringLiteral("default"),
                          double groupWeight = 100)
{
    Scheduler::Request r;
    r.tenant = name;
    r.tenantWeight = weight;
    r.group = group;
    r.groupWeight = groupWeight;
    r.model = QStringLiteral("m");
    return r;
}

Scheduler::Limits capacity(int n)
{
    Scheduler::Limits limits;
    limits.capacity = n;
    return limits;
}

} // namespace

class TestScheduler : public QObject
{
    Q_OBJECT

private:
    qint64 now = 0;
    Scheduler::Clock clock()
    {
        return [this] { return now; };
    }

private Q_SLOTS:
    void init() { now = 1'000'000; }

    void aLoneTenantGetsEveryPermit()
    {
        Scheduler s(clock(), capacity(4));
        QList<quint64> tickets;
        for (int i = 0; i < 6; ++i)
            tickets.append(s.submit(tenant(QStringLiteral("a"))).ticket);
        QCOMPARE(s.inFlight(), 4);
        QCOMPARE(s.queued(), 2);
        QCOMPARE(s.release(tickets[0]), QList<quint64>{tickets[4]}); // first come, first served
        QCOMPARE(s.release(tickets[1]), QList<quint64>{tickets[5]});
        QCOMPARE(s.queued(), 0);
    }

    void weightsOneToThree()
    {
        Scheduler s(clock(), capacity(8));
        Simulation sim(s, now);
        sim.add(tenant(QStringLiteral("light"), 1), 40);
        sim.add(tenant(QStringLiteral("heavy"), 3), 40);
        QHash<QString, int> done;
        sim.run(200, 10, &done); // warm-up
        done.clear();
        sim.run(4000, 10, &done);
        const double ratio = double(done.value(QStringLiteral("heavy"))) / done.value(QStringLiteral("light"));
        qInfo("completions heavy:light = %d:%d (ratio %.3f)", done.value(QStringLiteral("heavy")),
              done.value(QStringLiteral("light")), ratio);
        QVERIFY2(ratio > 2.7 && ratio < 3.3, qPrintable(QString::number(ratio)));
    }

    void groupsSplitCapacityFirst()
    {
        Scheduler s(clock(), capacity(8));
        Simulation sim(s, now);
        sim.add(tenant(QStringLiteral("solo"), 100, QStringLiteral("g1")), 40);
        for (const char *name : {"x", "y", "z"})
            sim.add(tenant(QString::fromLatin1(name), 100, QStringLiteral("g2")), 40);
        QHash<QString, int> done;
        sim.run(200, 10, &done);
        done.clear();
        sim.run(4000, 10, &done);
        const int g2
            = done.value(QStringLiteral("x")) + done.value(QStringLiteral("y")) + done.value(QStringLiteral("z"));
        const double share = double(done.value(QStringLiteral("solo"))) / (done.value(QStringLiteral("solo")) + g2);
        qInfo("group g1 (one tenant) share: %.3f", share);
        QVERIFY(share > 0.45 && share < 0.55);
    }

    void admissionWeightIsTheCost()
    {
        Scheduler s(clock(), capacity(8));
        Simulation sim(s, now);
        Scheduler::Request big = tenant(QStringLiteral("big"));
        big.cost = 2;
        sim.add(big, 40);
        sim.add(tenant(QStringLiteral("small")), 40);
        QHash<QString, int> done;
        sim.run(200, 10, &done);
        done.clear();
        sim.run(4000, 10, &done);
        const double ratio = double(done.value(QStringLiteral("small"))) / done.value(QStringLiteral("big"));
        QVERIFY2(ratio > 1.8 && ratio < 2.2, qPrintable(QString::number(ratio)));
    }

    void tiesGoFirstComeFirstServed()
    {
        Scheduler s(clock(), capacity(1));
        const quint64 running = s.submit(tenant(QStringLiteral("a"))).ticket;
        const quint64 b = s.submit(tenant(QStringLiteral("b"))).ticket;
        const quint64 c = s.submit(tenant(QStringLiteral("c"))).ticket;
        Q_UNUSED(c);
        // a has the running request, so b and c tie at 0; b came first.
        QCOMPARE(s.release(running), QList<quint64>{b});
    }

    void tenantAndModelCaps()
    {
        Scheduler s(clock(), capacity(10));
        Scheduler::Request capped = tenant(QStringLiteral("capped"));
        capped.tenantCap = 2;
        QCOMPARE(s.submit(capped).outcome, Outcome::Admitted);
        QCOMPARE(s.submit(capped).outcome, Outcome::Admitted);
        const Scheduler::Decision third = s.submit(capped);
        QCOMPARE(third.outcome, Outcome::Queued);
        QCOMPARE(s.submit(tenant(QStringLiteral("other"))).outcome, Outcome::Admitted); // not blocked by it

        Scheduler::Request onOllama = tenant(QStringLiteral("u"));
        onOllama.model = QStringLiteral("ollama");
        onOllama.modelCap = 1;
        const quint64 first = s.submit(onOllama).ticket;
        const Scheduler::Decision second = s.submit(onOllama);
        QCOMPARE(second.outcome, Outcome::Queued);
        QCOMPARE(s.release(first), QList<quint64>{second.ticket});
        QCOMPARE(s.inFlight(), 4); // two capped, "other", and the second ollama request
    }

    void queueLengthAndWaitAreBounded()
    {
        Scheduler::Limits limits = capacity(1);
        limits.maxQueueLength = 2;
        Scheduler s(clock(), limits);
        QCOMPARE(s.submit(tenant(QStringLiteral("a"))).outcome, Outcome::Admitted);
        const quint64 q1 = s.submit(tenant(QStringLiteral("a"))).ticket;
        now += 1000;
        const quint64 q2 = s.submit(tenant(QStringLiteral("b"))).ticket;
        const Scheduler::Decision full = s.submit(tenant(QStringLiteral("c")));
        QCOMPARE(full.outcome, Outcome::Rejected);
        QVERIFY(full.retryAfterSecs >= 1);
        QCOMPARE(s.nextExpiry(), now - 1000 + 30'000);
        now += 29'000; // q1 has waited 30 s
        QCOMPARE(s.expire(), QList<quint64>{q1});
        now += 1000;
        QCOMPARE(s.expire(), QList<quint64>{q2});
        QCOMPARE(s.queued(), 0);
        QCOMPARE(s.nextExpiry(), -1);
    }

    /// The admission settings' queue bounds (contract section 11) act at once, on waiting requests too.
    void queueLimitsChangeAtOnce()
    {
        Scheduler s(clock(), capacity(1));
        QCOMPARE(s.submit(tenant(QStringLiteral("a"))).outcome, Outcome::Admitted);
        const quint64 q1 = s.submit(tenant(QStringLiteral("a"))).ticket;
        now += 1000;
        const quint64 q2 = s.submit(tenant(QStringLiteral("b"))).ticket;
        QCOMPARE(s.nextExpiry(), now - 1000 + 30'000);
        now += 2000; // q1 has waited 3 s, q2 2 s
        s.setQueueLimits(2, 2500);
        QCOMPARE(s.maxQueueWaitMs(), 2500);
        QCOMPARE(s.nextExpiry(), now - 3000 + 2500);
        QCOMPARE(s.expire(), QList<quint64>{q1});
        QCOMPARE(s.nextExpiry(), now - 2000 + 2500);

        // A shorter queue turns no one waiting away; newcomers are refused until it is shorter than the bound.
        s.setQueueLimits(1, 30'000);
        QCOMPARE(s.maxQueueLength(), 1);
        QCOMPARE(s.queued(), 1);
        QCOMPARE(s.submit(tenant(QStringLiteral("c"))).outcome, Outcome::Rejected);
        s.setQueueLimits(0, 30'000); // no queue at all: without a free permit, refused
        QVERIFY(s.cancel(q2));
        QCOMPARE(s.submit(tenant(QStringLiteral("c"))).outcome, Outcome::Rejected);
        s.setQueueLimits(1, 30'000);
        QCOMPARE(s.submit(tenant(QStringLiteral("c"))).outcome, Outcome::Queued);
        QCOMPARE(s.modelInFlight(QStringLiteral("m")), 1);
        QCOMPARE(s.modelInFlight(QStringLiteral("other")), 0);
    }

    void cancelledRequestsLeaveTheQueue()
    {
        Scheduler s(clock(), capacity(1));
        const quint64 running = s.submit(tenant(QStringLiteral("a"))).ticket;
        const quint64 gone = s.submit(tenant(QStringLiteral("b"))).ticket;
        const quint64 next = s.submit(tenant(QStringLiteral("c"))).ticket;
        QVERIFY(s.cancel(gone));
        QVERIFY(!s.cancel(gone));
        QCOMPARE(s.release(running), QList<quint64>{next});
    }

    void changesActAtOnce()
    {
        Scheduler s(clock(), capacity(1));
        QCOMPARE(s.submit(tenant(QStringLiteral("a"))).outcome, Outcome::Admitted);
        const quint64 waiting = s.submit(tenant(QStringLiteral("a"))).ticket;
        QCOMPARE(s.setCapacity(2), QList<quint64>{waiting});
        QCOMPARE(s.capacity(), 2);

        Scheduler w(clock(), capacity(8));
        Simulation sim(w, now);
        sim.add(tenant(QStringLiteral("p")), 40);
        sim.add(tenant(QStringLiteral("q")), 40);
        QHash<QString, int> done;
        sim.run(500, 10, &done);
        sim.setWeight(QStringLiteral("q"), 300);
        Q_UNUSED(w.setTenantWeight(QStringLiteral("q"), 300));
        sim.run(6000, 10, &done); // the old history decays (60 s half-life)
        done.clear();
        sim.run(4000, 10, &done);
        const double ratio = double(done.value(QStringLiteral("q"))) / done.value(QStringLiteral("p"));
        QVERIFY2(ratio > 2.7 && ratio < 3.3, qPrintable(QString::number(ratio)));
    }

    void aLateLightTenantIsNotStarved()
    {
        Scheduler s(clock(), capacity(4));
        Simulation sim(s, now);
        sim.add(tenant(QStringLiteral("flood")), 100);
        QHash<QString, int> done;
        sim.run(2000, 10, &done); // the flood has run alone for 20 s
        sim.add(tenant(QStringLiteral("late")), 4);
        done.clear();
        sim.run(8, 10, &done); // within two turns of the capacity
        QVERIFY2(done.value(QStringLiteral("late")) >= 3,
                 qPrintable(QString::number(done.value(QStringLiteral("late")))));
    }

    void recentCostDecays()
    {
        Scheduler s(clock(), capacity(1));
        // "old" used a lot, long ago; "fresh" never did. After 10 half-lives they are nearly equal.
        for (int i = 0; i < 50; ++i) {
            const quint64 t = s.submit(tenant(QStringLiteral("old"))).ticket;
            now += 10;
            Q_UNUSED(s.release(t));
        }
        double oldScore = 0;
        for (const auto &v : s.tenants())
            oldScore = v.tenant == QStringLiteral("old") ? v.score : oldScore;
        QVERIFY(oldScore > 0.4);
        now += 10 * 60'000;
        for (const auto &v : s.tenants()) {
            if (v.tenant == QStringLiteral("old"))
                QVERIFY(v.score < oldScore / 1000);
        }
    }
};

QTEST_GUILESS_MAIN(TestScheduler)
#include "tst_scheduler.moc"
