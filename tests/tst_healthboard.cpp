#include "routing/healthboard.h"

#include <QTest>

using namespace obleth;
using model::HealthState;
using routing::HealthBoard;

/// The health board's rules with a clock the test moves (contract section 10).
class TestHealthBoard : public QObject
{
    Q_OBJECT

private:
    qint64 m_now = 1'000'000;
    QList<QPair<HealthState, HealthState>> m_changes; ///< (now, previous)

    HealthBoard board()
    {
        HealthBoard b([this] { return m_now; });
        b.setChangeListener([this](const model::DeploymentHealth &h, HealthState previous) {
            m_changes.append({h.state, previous});
        });
        return b;
    }
    static model::ModelConfig modelWith(int deployments)
    {
        model::ModelConfig m;
        m.id = QStringLiteral("m1");
        m.modelName = QStringLiteral("chat");
        m.unhealthyAfter = 3;
        m.cooldownSecs = 30;
        for (int i = 0; i < deployments; ++i) {
            model::Deployment d;
            d.id = QStringLiteral("d%1").arg(i);
            d.apiBase = QStringLiteral("http://127.0.0.1:%1").arg(9000 + i);
            m.deployments.append(d);
        }
        return m;
    }
    /// Chooses, begins and ends a try that succeeds; returns the deployment's id.
    static QString serveOne(HealthBoard &b, const model::ModelConfig &m)
    {
        const HealthBoard::Choice c = b.choose(m);
        if (!c.deployment)
            return {};
        b.begin(m, *c.deployment, c.probe);
        b.succeeded(m, c.deployment->id, 5);
        b.end(c.deployment->id, c.probe);
        return c.deployment->id;
    }

private Q_SLOTS:
    void init() { m_changes.clear(); }

    void unknownUntilHeardOf()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(2);
        const auto health = b.health(m);
        QCOMPARE(health.size(), 2);
        QCOMPARE(health.at(0).state, HealthState::Unknown);
        QCOMPARE(health.at(1).deploymentId, QStringLiteral("d1"));
        QCOMPARE(health.at(1).modelName, QStringLiteral("chat"));
        QVERIFY(b.choose(m).deployment);
    }

    void unhealthyAfterThresholdAndSuccessHeals()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(1);
        b.failed(m, QStringLiteral("d0"), QStringLiteral("refused"));
        b.failed(m, QStringLiteral("d0"), QStringLiteral("refused"));
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Unknown); // two of three
        QVERIFY(m_changes.isEmpty());
        b.succeeded(m, QStringLiteral("d0"), 10);
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Healthy);
        QCOMPARE(b.health(m).at(0).consecutiveFailures, 0);
        for (int i = 0; i < 3; ++i)
            b.failed(m, QStringLiteral("d0"), QStringLiteral("HTTP 503"));
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Unhealthy);
        const auto h = b.health(m).at(0);
        QCOMPARE(h.consecutiveFailures, 3);
        QCOMPARE(h.lastError, QStringLiteral("HTTP 503"));
        QVERIFY(h.lastCheckedAt.has_value());
        QCOMPARE(m_changes.size(), 2);
        QCOMPARE(m_changes.last().first, HealthState::Unhealthy);
        QCOMPARE(m_changes.last().second, HealthState::Healthy);
    }

    void cooldownThenOneProbeAtATime()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(1);
        for (int i = 0; i < 3; ++i)
            b.failed(m, QStringLiteral("d0"), QStringLiteral("refused"));
        QVERIFY(!b.choose(m).deployment); // resting
        QVERIFY(!b.choose(m).busy);
        QVERIFY(!b.isAvailable(m));
        QCOMPARE(b.retryAfterSecs(m), 30);
        m_now += 29'500;
        QCOMPARE(b.retryAfterSecs(m), 1);
        QVERIFY(!b.choose(m).deployment);
        m_now += 500;
        HealthBoard::Choice probe = b.choose(m);
        QVERIFY(probe.deployment);
        QVERIFY(probe.probe);
        b.begin(m, *probe.deployment, true);
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Probing);
        QVERIFY(!b.choose(m).deployment); // one probe at a time
        // The probe fails: back to rest for a whole cooldown.
        b.failed(m, QStringLiteral("d0"), QStringLiteral("refused"));
        b.end(QStringLiteral("d0"), true);
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Unhealthy);
        QCOMPARE(b.retryAfterSecs(m), 30);
        m_now += 30'000;
        probe = b.choose(m);
        QVERIFY(probe.probe);
        b.begin(m, *probe.deployment, true);
        b.succeeded(m, QStringLiteral("d0"), 7);
        b.end(QStringLiteral("d0"), true);
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Healthy);
        QCOMPARE(b.inFlight(QStringLiteral("d0")), 0);
    }

    void probeWithoutOutcomeIsDueAgain()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(1);
        for (int i = 0; i < 3; ++i)
            b.failed(m, QStringLiteral("d0"), QStringLiteral("refused"));
        m_now += 30'000;
        const HealthBoard::Choice probe = b.choose(m);
        b.begin(m, *probe.deployment, true);
        b.end(QStringLiteral("d0"), true); // the client went before any answer
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Unhealthy);
        QVERIFY(b.choose(m).probe);
    }

    void probeGoesFirstThenOthers()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(2);
        for (int i = 0; i < 3; ++i)
            b.failed(m, QStringLiteral("d0"), QStringLiteral("refused"));
        for (int i = 0; i < 4; ++i)
            QCOMPARE(serveOne(b, m), QStringLiteral("d1"));
        m_now += 30'000;
        QCOMPARE(serveOne(b, m), QStringLiteral("d0")); // the probe, which heals it
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Healthy);
        // A try that already failed on one is not sent there again.
        QCOMPARE(b.choose(m, {QStringLiteral("d0")}).deployment->id, QStringLiteral("d1"));
        QVERIFY(!b.choose(m, {QStringLiteral("d0"), QStringLiteral("d1")}).deployment);
    }

    void tiesTakeTurns()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(3);
        QStringList order;
        for (int i = 0; i < 6; ++i)
            order << serveOne(b, m);
        QCOMPARE(order.count(QStringLiteral("d0")), 2);
        QCOMPARE(order.count(QStringLiteral("d1")), 2);
        QCOMPARE(order.count(QStringLiteral("d2")), 2);
    }

    void lowestInFlightOverWeight()
    {
        HealthBoard b = board();
        model::ModelConfig m = modelWith(2);
        m.deployments[1].weight = 3;
        // Requests that stay in flight: d1 (weight 3) takes three for each one d0 takes.
        QHash<QString, int> taken;
        for (int i = 0; i < 8; ++i) {
            const HealthBoard::Choice c = b.choose(m);
            QVERIFY(c.deployment);
            b.begin(m, *c.deployment, false);
            ++taken[c.deployment->id];
        }
        QCOMPARE(taken.value(QStringLiteral("d0")), 2);
        QCOMPARE(taken.value(QStringLiteral("d1")), 6);
        QCOMPARE(b.inFlight(QStringLiteral("d1")), 6);
        QCOMPARE(b.health(m).at(1).inFlight, 6);
    }

    void maxConcurrencyAndBusy()
    {
        HealthBoard b = board();
        model::ModelConfig m = modelWith(2);
        m.deployments[0].maxConcurrency = 1;
        m.deployments[1].maxConcurrency = 2;
        for (int i = 0; i < 3; ++i) {
            const HealthBoard::Choice c = b.choose(m);
            QVERIFY(c.deployment);
            b.begin(m, *c.deployment, false);
        }
        QCOMPARE(b.inFlight(QStringLiteral("d0")), 1);
        QCOMPARE(b.inFlight(QStringLiteral("d1")), 2);
        const HealthBoard::Choice full = b.choose(m);
        QVERIFY(!full.deployment);
        QVERIFY(full.busy);
        QVERIFY(b.isAvailable(m)); // busy, not down
        b.end(QStringLiteral("d1"), false);
        QCOMPARE(b.choose(m).deployment->id, QStringLiteral("d1"));
    }

    /// With Redis, the other instances' tries count too (contract section 15): against max_concurrency and in the
    /// balance; what they alone would fill is still chosen rather than turning a request away.
    void triesElsewhereCount()
    {
        HealthBoard b = board();
        model::ModelConfig m = modelWith(2);
        m.deployments[0].maxConcurrency = 1;
        m.deployments[1].maxConcurrency = 2;
        QList<std::pair<QString, int>> heard;
        b.setLoadListener([&heard](const QString &id, int inFlight) { heard.append({id, inFlight}); });
        b.setInFlightElsewhere({{QStringLiteral("d0"), 1}});
        const HealthBoard::Choice first = b.choose(m);
        QCOMPARE(first.deployment->id, QStringLiteral("d1")); // d0 is full elsewhere
        b.begin(m, *first.deployment, false);
        b.setInFlightElsewhere({{QStringLiteral("d0"), 1}, {QStringLiteral("d1"), 1}});
        // d0 full elsewhere, d1 full between here and there: as far as this instance heard, all is taken; what it
        // heard may be late, and the request holds the model's shared permit: d0, free here, is chosen.
        const HealthBoard::Choice late = b.choose(m);
        QVERIFY(late.deployment);
        QCOMPARE(late.deployment->id, QStringLiteral("d0"));
        b.setInFlightElsewhere({{QStringLiteral("d1"), 1}});
        QCOMPARE(b.choose(m).deployment->id, QStringLiteral("d0")); // 0 of 1 against 2 of 2
        b.setInFlightElsewhere({});
        QCOMPARE(b.choose(m).deployment->id, QStringLiteral("d0")); // 0 ÷ 1 < 1 ÷ 1
        // Its own tries are told to the listener as they start and end; the view counts this instance's only.
        b.end(QStringLiteral("d1"), false);
        QCOMPARE(heard, (QList<std::pair<QString, int>>{{QStringLiteral("d1"), 1}, {QStringLiteral("d1"), 0}}));
        QCOMPARE(b.health(m).at(1).inFlight, 0);
    }

    void disabledDeploymentsAreNotChosen()
    {
        HealthBoard b = board();
        model::ModelConfig m = modelWith(2);
        m.deployments[0].enabled = false;
        for (int i = 0; i < 3; ++i)
            QCOMPARE(serveOne(b, m), QStringLiteral("d1"));
    }

    void latencyMedian()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(1);
        QVERIFY(!b.health(m).at(0).latencyP50Ms);
        for (const qint64 ms : {10, 30, 20})
            b.succeeded(m, QStringLiteral("d0"), ms);
        QCOMPARE(*b.health(m).at(0).latencyP50Ms, 20.0);
        b.succeeded(m, QStringLiteral("d0"), 40);
        QCOMPARE(*b.health(m).at(0).latencyP50Ms, 25.0);
    }

    void activeCheckProbesARestedDeployment()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(1);
        for (int i = 0; i < 3; ++i)
            b.failed(m, QStringLiteral("d0"), QStringLiteral("refused"));
        QVERIFY(!b.checkStarted(m, QStringLiteral("d0"))); // still resting: a check, not the probe
        b.checkEnded(QStringLiteral("d0"), false);
        m_now += 30'000;
        QVERIFY(b.checkStarted(m, QStringLiteral("d0")));
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Probing);
        QVERIFY(!b.choose(m).deployment);
        b.succeeded(m, QStringLiteral("d0"), 3);
        b.checkEnded(QStringLiteral("d0"), true);
        QCOMPARE(b.state(QStringLiteral("d0")), HealthState::Healthy);
    }

    void forgetsGoneDeployments()
    {
        HealthBoard b = board();
        const model::ModelConfig m = modelWith(2);
        b.failed(m, QStringLiteral("d1"), QStringLiteral("refused"));
        model::ConfigSnapshot snapshot;
        model::ModelConfig shrunk = modelWith(1);
        snapshot.models.append(shrunk);
        b.retain(snapshot);
        QCOMPARE(b.health(m).at(1).consecutiveFailures, 0); // forgotten: unknown again
        QCOMPARE(b.health(m).at(1).state, HealthState::Unknown);
    }
};

QTEST_GUILESS_MAIN(TestHealthBoard)
#include "tst_healthboard.moc"
