#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

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
    [[nodiscard]] const QByteArray &requestId() const noexcept { return m_requestId; }

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

} // namespace obleth::admission
