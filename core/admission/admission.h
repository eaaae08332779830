#pragma once

#include "model/configsnapshot.h"
#include "scheduler.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

namespace obleth::admission {

/// Fair-share admission for the data plane: wraps the Scheduler with the configuration (weights, groups,
/// caps, capacity), the event loop (queue timeouts) and object lifetimes (a permit is held until the
/// request's responder is gone; a queued request whose client leaves gives up its place).
class Admission final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Admission)

public:
    explicit Admission(int capacity, QObject *parent = nullptr);
    ~Admission() override;

    using Proceed = std::function<void()>;
    using Reject = std::function<void(int retryAfterSecs, const QString &reason)>;

    /// Asks for a permit for @p tenant's request on @p model (nullptr: the built-in mock-model). Calls
    /// @p proceed once admitted, at once or later, and holds the permit until @p owner is destroyed; or
    /// calls @p reject (queue full, or waited too long). Neither is called if @p owner goes first.
    void request(const model::ConfigSnapshot &snapshot, const model::Tenant &tenant, const model::ModelConfig *model,
                 QObject *owner, Proceed proceed, Reject reject);

    void setCapacity(int capacity);
    [[nodiscard]] int inFlight() const noexcept { return m_scheduler.inFlight(); }
    [[nodiscard]] int queued() const noexcept { return m_scheduler.queued(); }
    [[nodiscard]] int capacity() const noexcept { return m_scheduler.capacity(); }
    [[nodiscard]] QList<Scheduler::TenantView> tenants() const { return m_scheduler.tenants(); }
    [[nodiscard]] QList<Scheduler::ModelView> models() const { return m_scheduler.models(); }

private:
    friend class TicketHolder;
    struct Pending
    {
        QPointer<QObject> owner;
        Proceed proceed;
        Reject reject;
        QMetaObject::Connection ownerGone;
    };
    void hold(quint64 ticket, QObject *owner);
    void released(quint64 ticket);
    void startAdmitted(const QList<quint64> &tickets);
    void onExpiry();
    void armExpiry();

    QElapsedTimer m_clock;
    Scheduler m_scheduler;
    QHash<quint64, Pending> m_pending;
    QTimer m_expiry;
};

} // namespace obleth::admission
