#pragma once

#include "model/configsnapshot.h"
#include "scheduler.h"
#include "sharedlimits.h"
#include "tokenbuckets.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>

namespace obleth::admission {

class Admission;

/// One request's admission (contract section 3): its reservation from the tenant's tokens_per_minute budget and
/// its fair-share permit, taken together by Admission::admit() and given back together. It is a plain object that
/// the request's owner keeps (the data plane hangs it on the request's responder), and it goes with its owner:
/// - while it waits in the queue, its going gives up the place and the whole token reservation;
/// - refused (the budget is spent, the queue is full, or it waited too long), the reservation is given back at once;
/// - admitted, it holds the permit until it goes; settle() charges the tokens really used instead of the
///   estimate, once; without it the estimate stays charged.
/// With shared limits (Admission::setSharedLimits()), an admitted ticket also holds a lease on them, given back with
/// it. A ticket serves one admit(); it must not move while it is in use (Admission keeps its address).
class Ticket final
{
public:
    Ticket() = default;
    ~Ticket();
    Q_DISABLE_COPY_MOVE(Ticket)

    /// The request used @p tokens in all (prompt and completion): an admitted ticket's reservation is settled
    /// against them. Only the first call counts; on a ticket that was never admitted it does nothing.
    void settle(qint64 tokens);

    [[nodiscard]] bool isAdmitted() const noexcept { return m_state == State::Admitted; }
    /// Waiting in the queue for a permit (with shared limits: or for its lease on them, or its token reservation).
    [[nodiscard]] bool isQueued() const noexcept
    {
        return m_state == State::Queued || m_state == State::Leasing || m_state == State::Reserving;
    }
    /// The token estimate taken from the tenant's budget (0 when the tenant has none).
    [[nodiscard]] qint64 reservedTokens() const noexcept { return m_reserved; }
    /// How long it waited in the fair-share queue before its permit, in ms on the admission's clock: 0 when it was
    /// admitted at once, so far while it waits; 0 when it was never queued.
    [[nodiscard]] qint64 waitedMs() const;

private:
    friend class Admission;
    enum class State {
        Unused,
        Reserving, ///< shared limits: its token estimate is being reserved from the shared budget
        Queued,
        Leasing, ///< shared limits: the local scheduler admitted it; it waits for its shared lease
        Admitted,
        Refused
    };
    /// The request used nothing: the whole reservation goes back to the budget.
    void giveBackTokens();

    QPointer<Admission> m_admission; ///< set by admit(); an admission that is gone is owed nothing
    State m_state = State::Unused;
    bool m_settled = false;
    bool m_proceedPending = false; ///< admitted from the queue, its proceed not called yet (Admission::m_ready)
    quint64 m_permit = 0; ///< the scheduler's ticket
    qint64 m_queuedAt = -1; ///< on the admission's clock, when it joined the queue; -1: it never did
    qint64 m_waitedMs = 0; ///< once admitted from the queue
    QString m_tenant;
    qint64 m_perMinute = 0; ///< the budget when reserved; 0: none
    qint64 m_reserved = 0;
    QByteArray m_requestId;
    std::function<void(Ticket &)> m_proceed; ///< while queued
    std::function<void(int retryAfterSecs, const QString &reason)> m_reject; ///< while queued

    // With shared limits only:
    quint64 m_serial = 0; ///< finds the ticket again when a shared answer comes (Admission::m_waiting)
    Scheduler::Request m_request; ///< what it asks of the local scheduler
    QList<SharedLimits::Limit> m_limits; ///< what its lease counts against
    int m_keyLimit = -1; ///< the index of its key's max_in_flight in m_limits: refused at once when full
    QString m_keyFull; ///< the refusal then
    QByteArray m_lease; ///< its lease's id (held once admitted; empty when admitted on local limits)
    bool m_acquiring = false; ///< a lease is being asked for
    bool m_askAgain = false; ///< a lease was given back meanwhile: asks again if told "full"
    bool m_counted = false; ///< admitted: counted in Admission::m_admitted
    bool m_tokensShared = false; ///< its reservation is in the shared budget
};

/// Admission for the data plane's generation requests (contract section 3): each takes one Ticket, which
/// reserves its token estimate from the tenant's tokens_per_minute budget (TokenBuckets) and holds a weighted
/// fair-share permit (Scheduler). Wraps both with the configuration (weights, groups, caps, capacity) and the event
/// loop: one timer for every queue timeout, and one posted call for the requests admitted from the queue.
class Admission final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Admission)

public:
    using Clock = Scheduler::Clock; ///< milliseconds, monotonic

    /// @p clock times the queue, the token budgets and the tickets' waits; none: a clock of its own (tests drive it).
    explicit Admission(int capacity, QObject *parent = nullptr, Clock clock = {});
    ~Admission() override;

    /// What one request asks for.
    struct Request
    {
        const model::Tenant *tenant = nullptr;
        const model::ModelConfig *model = nullptr; ///< nullptr: the built-in mock-model
        qint64 tokenEstimate = 0; ///< prompt and completion tokens it may use, for the tenant's token budget
        QByteArray requestId; ///< for the log
        /// The key it was sent with: with shared limits, its max_in_flight counts across instances (one instance's
        /// own count is the KeyAuthenticator's).
        const model::ApiKey *key = nullptr;
    };
    using Proceed = std::function<void(Ticket &ticket)>;
    using Reject = std::function<void(int retryAfterSecs, const QString &reason)>;

    /// Takes @p request's token estimate from its tenant's budget (when the tenant has one), then asks for a
    /// permit, with @p ticket (unused so far) to hold both. Calls @p proceed once admitted: at once (inside this
    /// call) or later, from the event loop (never from inside whatever freed the permit); or @p reject: at once
    /// when the token budget is spent or the queue is full, later when it waited too long. Neither is called once
    /// @p ticket is gone, which the caller keeps as long as the request lives.
    void admit(const model::ConfigSnapshot &snapshot, const Request &request, Ticket &ticket, Proceed proceed,
               Reject reject);

    /// Tokens left in @p tenant's budget now (all of its tokens_per_minute when it has used none); -1 when it
    /// has no budget.
    [[nodiscard]] qint64 tokensLeft(const model::Tenant &tenant) const;

    void setCapacity(int capacity);
    /// Shares the limits with other instances through @p shared (contract section 15), which must outlive the tickets
    /// admitted on it or go first; set before the first admit(). Without it (no --redis), admission is local only.
    /// The local scheduler still orders this instance's requests by fair share; the one it admits then takes its
    /// shared lease, waiting in order (bounded by the queue's wait) while the shared limits are full. While the
    /// shared store is unavailable, the capacity is this instance's share: capacity ÷ the live instances last known.
    void setSharedLimits(SharedLimits *shared);
    /// While shared limits are unavailable: the capacity this instance admits on its own; 0 otherwise.
    [[nodiscard]] int localCapacity() const;
    /// Applies the queue's bounds of @p settings (max_queue_length, max_queue_wait_secs; contract section 11) at
    /// once, to new and waiting requests alike (Scheduler::setQueueLimits()). The brownout settings are read per
    /// request from the snapshot it is served with (admission::brownoutCap()).
    void applySettings(const model::AdmissionSettings &settings);
    /// Now on the admission's clock (ms).
    [[nodiscard]] qint64 now() const { return m_now(); }
    /// @p model's requests holding a permit now (its name; model::kMockModelName for the built-in one).
    [[nodiscard]] int modelInFlight(const QString &model) const { return m_scheduler.modelInFlight(model); }
    [[nodiscard]] int inFlight() const noexcept { return m_scheduler.inFlight() - int(m_leasing.size()); }
    [[nodiscard]] int queued() const noexcept { return m_scheduler.queued() + int(m_waiting.size()); }
    /// The global capacity (configured); see localCapacity().
    [[nodiscard]] int capacity() const noexcept { return m_capacity; }
    [[nodiscard]] QList<Scheduler::TenantView> tenants() const { return m_scheduler.tenants(); }
    [[nodiscard]] QList<Scheduler::ModelView> models() const { return m_scheduler.models(); }

private:
    friend class Ticket;
    /// An admitted ticket is gone: its permit ends.
    void release(quint64 permit);
    /// A queued ticket is gone: it leaves the queue.
    void withdraw(Ticket *ticket);
    void startAdmitted(const QList<quint64> &permits);
    /// Calls the proceed of the tickets admitted from the queue (posted once for all of them).
    void proceedReady();
    void onExpiry();
    void armExpiry();

    // With shared limits (m_shared):
    void admitShared(const model::ConfigSnapshot &snapshot, const Request &request, Ticket &ticket, Proceed proceed,
                     Reject reject);
    /// Takes the estimate from the local budget: false (and refused) when it is spent.
    bool reserveLocally(Ticket &ticket, qint64 estimate);
    void onTokens(Ticket &ticket, const SharedLimits::TokenReply &reply, qint64 estimate);
    /// Asks the local scheduler for a permit.
    void schedule(Ticket &ticket);
    /// The local scheduler admitted @p ticket: it waits for its lease (or the local share).
    void enterGate(Ticket &ticket);
    /// Leases for the tickets waiting for one, in order; on local limits, admits them up to the local share.
    void pumpGate();
    void acquireFor(Ticket &ticket);
    void onLease(Ticket &ticket, SharedLimits::Outcome outcome, int fullLimit);
    void grant(Ticket &ticket, bool leased);
    /// A ticket waiting for its lease is refused.
    void refuseLeasing(Ticket &ticket, int retryAfterSecs, const QString &why);
    void onRetry();
    void armRetry();
    void onAvailabilityChanged();
    [[nodiscard]] int localShare() const;
    [[nodiscard]] int effectiveCapacity() const;

    QElapsedTimer m_ownClock; ///< when no clock was given
    Clock m_now;
    Scheduler m_scheduler;
    TokenBuckets m_buckets;
    QHash<quint64, Ticket *> m_queued; ///< the scheduler's ticket -> the waiting request's ticket
    QList<Ticket *> m_ready; ///< admitted from the queue, waiting for proceedReady()
    bool m_readyPosted = false;
    QTimer m_expiry;
    int m_capacity = 1; ///< configured

    QPointer<SharedLimits> m_shared;
    quint64 m_nextSerial = 1;
    QHash<quint64, Ticket *> m_waiting; ///< Reserving and Leasing tickets by serial
    QList<Ticket *> m_leasing; ///< in the order the local scheduler admitted them
    int m_admitted = 0; ///< admitted tickets (with shared limits)
    bool m_pumpPosted = false; ///< a round of asking for leases is posted
    QTimer m_retry; ///< while tickets wait for a lease: tries again, and refuses those that waited too long
};

} // namespace obleth::admission
