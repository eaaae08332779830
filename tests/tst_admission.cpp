// One admission ticket per generation request (contract section 3): the tenant's tokens_per_minute reservation
// and the fair-share permit are taken together and given back together, with the ticket's owner.

#include "admission/admission.h"

#include <QTest>

#include <memory>

using namespace obleth;
using admission::Admission;
using admission::Ticket;

namespace {

model::Tenant tenantWithBudget(std::optional<qint64> tokensPerMinute)
{
    model::Tenant t;
    t.id = QStringLiteral("tenant-1");
    t.name = QStringLiteral("budgeted");
    t.tokensPerMinute = tokensPerMinute;
    return t;
}

/// One request's side of admit(): its ticket (kept by its owner, as the data plane's responder keeps it) and what
/// it was told.
struct Outcome
{
    std::unique_ptr<Ticket> ticket = std::make_unique<Ticket>();
    bool proceeded = false;
    int retryAfterSecs = -1;
    QString rejection;
};

void admit(Admission &admission, const model::Tenant &tenant, qint64 estimate, Outcome *outcome)
{
    static const model::ConfigSnapshot snapshot;
    Admission::Request request;
    request.tenant = &tenant;
    request.tokenEstimate = estimate;
    request.requestId = "req_test";
    Ticket *ticket = outcome->ticket.get();
    admission.admit(
        snapshot, request, *ticket,
        [outcome, ticket](Ticket &admitted) {
            QCOMPARE(&admitted, ticket);
            outcome->proceeded = true;
        },
        [outcome](int retryAfterSecs, const QString &why) {
            outcome->retryAfterSecs = retryAfterSecs;
            outcome->rejection = why;
        });
}

} // namespace

class TestAdmission : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The budget refills at one token a second (60 a minute): between two looks it gains less than one token, so
    // the differences below are exact up to that one.
    void aClientLeavingTheQueueGivesBackItsPlaceAndItsTokens()
    {
        Admission admission(1);
        const model::Tenant tenant = tenantWithBudget(60);
        Outcome admitted;
        admit(admission, tenant, 20, &admitted);
        QVERIFY(admitted.proceeded);
        QVERIFY(admitted.ticket->isAdmitted());
        QCOMPARE(admission.inFlight(), 1);

        Outcome waiting;
        const qint64 beforeQueueing = admission.tokensLeft(tenant);
        admit(admission, tenant, 20, &waiting);
        QCOMPARE(admission.queued(), 1);
        QVERIFY(waiting.ticket->isQueued());
        QVERIFY(!waiting.proceeded);
        const qint64 whileQueued = admission.tokensLeft(tenant);
        QVERIFY2(beforeQueueing - whileQueued >= 19 && beforeQueueing - whileQueued <= 20,
                 qPrintable(QString::number(beforeQueueing - whileQueued))); // reserved while it waits

        waiting.ticket.reset(); // its client goes away while it waits
        QCOMPARE(admission.queued(), 0);
        const qint64 afterLeaving = admission.tokensLeft(tenant);
        QVERIFY2(afterLeaving - whileQueued >= 20 && afterLeaving - whileQueued <= 21,
                 qPrintable(QString::number(afterLeaving - whileQueued))); // all of it back
        QCoreApplication::processEvents();
        QVERIFY(!waiting.proceeded);
        QCOMPARE(waiting.retryAfterSecs, -1); // neither admitted nor refused

        // The admitted one never reported its usage: its estimate stays charged when its permit goes.
        const qint64 beforeRelease = admission.tokensLeft(tenant);
        admitted.ticket.reset();
        QCOMPARE(admission.inFlight(), 0);
        const qint64 afterRelease = admission.tokensLeft(tenant);
        QVERIFY2(afterRelease - beforeRelease >= 0 && afterRelease - beforeRelease <= 1,
                 qPrintable(QString::number(afterRelease - beforeRelease)));
    }

    void theRealUsageIsSettledOnce()
    {
        Admission admission(1);
        const model::Tenant tenant = tenantWithBudget(60);
        Outcome one;
        const qint64 start = admission.tokensLeft(tenant);
        admit(admission, tenant, 30, &one);
        QVERIFY(one.proceeded);
        QCOMPARE(one.ticket->reservedTokens(), 30);
        Outcome two;
        admit(admission, tenant, 10, &two);
        QCOMPARE(admission.queued(), 1);

        const qint64 reserved = admission.tokensLeft(tenant);
        one.ticket->settle(5); // used 5 of the 30 reserved: 25 come back
        const qint64 settled = admission.tokensLeft(tenant);
        QVERIFY2(settled - reserved >= 25 && settled - reserved <= 26, qPrintable(QString::number(settled - reserved)));
        one.ticket->settle(0); // a second report changes nothing
        const qint64 again = admission.tokensLeft(tenant);
        QVERIFY2(again - settled >= 0 && again - settled <= 1, qPrintable(QString::number(again - settled)));

        // The permit goes with the owner, and the next in the queue gets it (not from inside the release).
        one.ticket.reset();
        QVERIFY(!two.proceeded);
        QVERIFY(two.ticket->isAdmitted());
        QTRY_VERIFY(two.proceeded);
        QCOMPARE(admission.inFlight(), 1);
        QCOMPARE(admission.queued(), 0);
        const qint64 end = admission.tokensLeft(tenant);
        QVERIFY2(start - end >= 14 && start - end <= 15, qPrintable(QString::number(start - end))); // 5 + 10 charged
    }

    /// A request admitted from the queue whose client goes before it could start: it never starts, and its permit
    /// goes on to the next one.
    void aClientLeavingBeforeItsQueuedAdmissionStartsGivesThePermitOn()
    {
        Admission admission(1);
        const model::Tenant tenant = tenantWithBudget(std::nullopt);
        Outcome one;
        admit(admission, tenant, 1, &one);
        Outcome two;
        admit(admission, tenant, 1, &two);
        Outcome three;
        admit(admission, tenant, 1, &three);
        QCOMPARE(admission.queued(), 2);

        one.ticket.reset(); // the permit goes to two, which is told from the event loop
        QVERIFY(two.ticket->isAdmitted());
        QVERIFY(!two.proceeded);
        two.ticket.reset(); // its client goes first
        QCOMPARE(admission.inFlight(), 1); // three has it now
        QVERIFY(three.ticket->isAdmitted());
        QTRY_VERIFY(three.proceeded);
        QCoreApplication::processEvents();
        QVERIFY(!two.proceeded);
        QCOMPARE(admission.queued(), 0);
    }

    void aSpentBudgetRefusesBeforeTheQueue()
    {
        Admission admission(1);
        const model::Tenant tenant = tenantWithBudget(60);
        Outcome big;
        admit(admission, tenant, 100, &big); // a bucket with tokens left admits a larger request
        QVERIFY(big.proceeded);
        Outcome refused;
        admit(admission, tenant, 1, &refused);
        QVERIFY(!refused.proceeded);
        QVERIFY2(refused.retryAfterSecs >= 40 && refused.retryAfterSecs <= 41,
                 qPrintable(QString::number(refused.retryAfterSecs)));
        QCOMPARE(refused.rejection,
                 QStringLiteral("the tenant's token budget (60 tokens per minute) is used up; "
                                "retry in %1 s")
                     .arg(refused.retryAfterSecs));
        QCOMPARE(admission.queued(), 0); // it never waited for a permit
        QCOMPARE(admission.inFlight(), 1);
        // And holds nothing: its ticket's going changes nothing.
        QVERIFY(!refused.ticket->isAdmitted() && !refused.ticket->isQueued());
        const qint64 before = admission.tokensLeft(tenant);
        refused.ticket.reset();
        QCOMPARE(admission.inFlight(), 1);
        const qint64 after = admission.tokensLeft(tenant);
        QVERIFY2(after - before >= 0 && after - before <= 1, qPrintable(QString::number(after - before)));
    }

    void aTenantWithoutBudgetTakesOnlyThePermit()
    {
        Admission admission(2);
        const model::Tenant tenant = tenantWithBudget(std::nullopt);
        QCOMPARE(admission.tokensLeft(tenant), -1);
        Outcome one;
        admit(admission, tenant, 1'000'000, &one);
        QVERIFY(one.proceeded);
        QCOMPARE(one.ticket->reservedTokens(), 0);
        one.ticket->settle(5);
        QCOMPARE(admission.tokensLeft(tenant), -1);
        QCOMPARE(admission.inFlight(), 1);
    }

    /// A ticket knows how long it waited in the queue, on the admission's clock (here the test's).
    void theTicketKnowsHowLongItWaited()
    {
        qint64 now = 10'000;
        Admission admission(1, nullptr, [&now] { return now; });
        const model::Tenant tenant = tenantWithBudget(std::nullopt);
        Outcome first;
        admit(admission, tenant, 1, &first);
        QVERIFY(first.proceeded);
        QCOMPARE(first.ticket->waitedMs(), 0); // admitted at once
        Outcome second;
        admit(admission, tenant, 1, &second);
        QVERIFY(second.ticket->isQueued());
        now += 400;
        QCOMPARE(second.ticket->waitedMs(), 400); // so far
        now += 351;
        first.ticket.reset(); // its permit goes to the second
        QTRY_VERIFY(second.proceeded);
        QCOMPARE(second.ticket->waitedMs(), 751);
        now += 5000;
        QCOMPARE(second.ticket->waitedMs(), 751); // the wait ended with the admission
        QCOMPARE(Ticket().waitedMs(), 0);
    }

    /// The admission settings' queue bounds act at once: a shorter wait expires those that waited longer already.
    void queueSettingsActAtOnce()
    {
        qint64 now = 0;
        Admission admission(1, nullptr, [&now] { return now; });
        const model::Tenant tenant = tenantWithBudget(std::nullopt);
        Outcome running;
        admit(admission, tenant, 1, &running);
        Outcome waiting;
        admit(admission, tenant, 1, &waiting);
        QVERIFY(waiting.ticket->isQueued());
        now += 5000;
        model::AdmissionSettings settings;
        settings.maxQueueWaitSecs = 2;
        admission.applySettings(settings);
        QTRY_COMPARE(waiting.retryAfterSecs, 1);
        QCOMPARE(admission.queued(), 0);

        settings.maxQueueLength = 0; // no queue: refused at once without a free permit
        admission.applySettings(settings);
        Outcome refused;
        admit(admission, tenant, 1, &refused);
        QVERIFY(!refused.rejection.isEmpty());
        QCOMPARE(admission.queued(), 0);
        settings.maxQueueLength = 4;
        admission.applySettings(settings);
        Outcome queued;
        admit(admission, tenant, 1, &queued);
        QVERIFY(queued.ticket->isQueued());
    }

    /// The per-model cap is the model's concurrencyCap(): max_concurrency, bounded by its deployments' caps.
    void theModelCapCountsItsDeployments()
    {
        model::ConfigSnapshot snapshot;
        model::ModelConfig m;
        m.modelName = QStringLiteral("small");
        m.maxConcurrency = 5;
        model::Deployment d;
        d.maxConcurrency = 1;
        m.deployments = {d};
        const model::Tenant tenant = tenantWithBudget(std::nullopt);
        Admission admission(8);
        Admission::Request request;
        request.tenant = &tenant;
        request.model = &m;
        Ticket one;
        Ticket two;
        bool oneProceeded = false;
        admission.admit(
            snapshot, request, one, [&](Ticket &) { oneProceeded = true; }, [](int, const QString &) {});
        admission.admit(
            snapshot, request, two, [](Ticket &) {}, [](int, const QString &) {});
        QVERIFY(oneProceeded);
        QVERIFY(two.isQueued()); // one deployment of one slot: 1, not max_concurrency's 5
        QCOMPARE(admission.modelInFlight(QStringLiteral("small")), 1);
    }

    /// Tickets that outlive their admission (at shutdown) owe it nothing.
    void ticketsMayOutliveTheAdmission()
    {
        const model::Tenant tenant = tenantWithBudget(60);
        Outcome admitted;
        Outcome queued;
        {
            Admission admission(1);
            admit(admission, tenant, 1, &admitted);
            admit(admission, tenant, 1, &queued);
            QCOMPARE(admission.queued(), 1);
        }
        admitted.ticket->settle(1);
        admitted.ticket.reset();
        queued.ticket.reset();
    }
};

QTEST_GUILESS_MAIN(TestAdmission)
#include "tst_admission.moc"
