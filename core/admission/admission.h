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
/// its fair-share permit, taken together by Admission::admit() and given back together. It belongs to the
/// request's owner (the responder) and goes with it:
/// - while it waits in the queue, its going gives up the place and the whole token reservation;
/// - refused (the queue is full, or it waited too long), the reservation is given back at once;
/// - admitted, it holds the permit until it goes; settle() charges the tokens really used instead of the
///   estimate, once; without it the estimate stays charged.
class Ticket final : public QObject
{
public:
    ~Ticket() override;
    Q_DISABLE_COPY_MOVE(Ticket)

    /// The request used @p tokens in all (prompt and completion): an admitted ticket's reservation is settled
    /// against them. Only the first call counts; on a ticket that was never admitted it does nothing.
    void settle(qint64 tokens);

    [[nodiscard]] bool isAdmitted() const noexcept { return m_state == State::Admitted; }
    /// The token estimate taken from the tenant's budget (0 when the tenant has none).
    [[nodiscard]] qint64 reservedTokens() const noexcept { return m_reserved; }

private:
    friend class Admission;
    enum class State { Queued, Admitted, Refused };
    Ticket(Admission *admission, QObject *owner);
    /// The request used nothing: the whole reservation goes back to the budget.
    void giveBackTokens();

    QPointer<Admission> m_admission;
    State m_state = State::Queued;
    quint64 m_permit = 0; ///< the scheduler's ticket
    QString m_tenant;
    qint64 m_perMinute = 0; ///< the budget when reserved; 0: none
    qint64 m_reserved = 0;
    bool m_settled = false;
    QByteArray m_requestId;
    std::function<void(Ticket &)> m_proceed; ///< while queued
    std::function<void(int retryAfterSecs, const QString &reason)> m_reject; ///< while queued
};

/// Admission for the data plane's generation requests (contract section 3): each takes one Ticket, which
/// reserves its token estimate from the tenant's tokens_per_minute budget (TokenBuckets) and holds a weighted
/// fair-share permit (Scheduler). Wraps both with the configuration (weights, groups, caps, capacity), the event
/// loop (queue timeouts) and object lifetimes (a ticket lives as long as the request's responder).
class Admission final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Admission)

public:
    explicit Admission(int capacity, QObject *parent = nullptr);
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
    /// permit. Calls @p proceed with the request's ticket once admitted, at once or later; or @p reject: the
    /// token budget is spent, the queue is full, or it waited too long. The ticket belongs to @p owner; neither
    /// callback is called once @p owner is gone.
    void admit(const model::ConfigSnapshot &snapshot, const Request &request, QObject *owner, Proceed proceed,
               Reject reject);

    /// Tokens left in @p tenant's budget now (all of its tokens_per_minute when it has used none); -1 when it
    /// has no budget.
    [[nodiscard]] qint64 tokensLeft(const model::Tenant &tenant);

    void setCapacity(int capacity);
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
    void onExpiry();
    void armExpiry();

    QElapsedTimer m_clock;
    Scheduler m_scheduler;
    TokenBuckets m_buckets;
    QHash<quint64, Ticket *> m_queued; ///< the scheduler's ticket -> the waiting request's ticket
    QTimer m_expiry;
};

} // namespace obleth::admission
