#pragma once

#include "model/configsnapshot.h"
#include "scheduler.h"
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
/// A ticket serves one admit(); it must not move while it is in use (Admission keeps its address).
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
    /// Waiting in the queue for a permit.
    [[nodiscard]] bool isQueued() const noexcept { return m_state == State::Queued; }
    /// The token estimate taken from the tenant's budget (0 when the tenant has none).
    [[nodiscard]] qint64 reservedTokens() const noexcept { return m_reserved; }
    /// How long it waited in the fair-share queue before its permit, in ms on the admission's clock: 0 when it was
    /// admitted at once, so far while it waits; 0 when it was never queued.
    [[nodiscard]] qint64 waitedMs() const;

private:
    friend class Admission;
    enum class State { Unused, Queued, Admitted, Refused };
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
    /// Applies the queue's bounds of @p settings (max_queue_length, max_queue_wait_secs; contract section 11) at
    /// once, to new and waiting requests alike (Scheduler::setQueueLimits()). The brownout settings are read per
    /// request from the snapshot it is served with (admission::brownoutCap()).
    void applySettings(const model::AdmissionSettings &settings);
    /// Now on the admission's clock (ms).
    [[nodiscard]] qint64 now() const { return m_now(); }
    /// @p model's requests holding a permit now (its name; model::kMockModelName for the built-in one).
    [[nodiscard]] int modelInFlight(const QString &model) const { return m_scheduler.modelInFlight(model); }
    [[nodiscard]] int inFlight() const noexcept { return m_scheduler.inFlight(); }
    [[nodiscard]] int queued() const noexcept { return m_scheduler.queued(); }
    [[nodiscard]] int capacity() const noexcept { return m_scheduler.capacity(); }
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

    QElapsedTimer m_ownClock; ///< when no clock was given
    Clock m_now;
    Scheduler m_scheduler;
    TokenBuckets m_buckets;
    QHash<quint64, Ticket *> m_queued; ///< the scheduler's ticket -> the waiting request's ticket
    QList<Ticket *> m_ready; ///< admitted from the queue, waiting for proceedReady()
    bool m_readyPosted = false;
    QTimer m_expiry;
};

} // namespace obleth::admission
