#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace obleth::admission {

/// Weighted fair-share admission (contract section 3), as pure logic: no network, no timers, and time
/// from an injected clock, so that it can be tested deterministically.
///
/// A global capacity of permits is split between fair-share groups by group weight, then between the
/// group's tenants by tenant weight. When permits are short, the next one goes to the waiting request whose
/// group, then tenant, is most behind its share: lowest (cost in flight + recent cost decaying with a 60 s
/// half-life) / weight. Ties go first-come first-served; a lone tenant gets every permit. Tenants may have
/// their own cap (max_in_flight) and models theirs (max_concurrency). The queue is bounded in length and in
/// waiting time. Every decision costs O(groups + tenants with waiting requests).
class Scheduler final
{
public:
    using Clock = std::function<qint64()>; ///< milliseconds, monotonic

    struct Limits
    {
        int capacity = 64;
        int maxQueueLength = 1024;
        qint64 maxQueueWaitMs = 30'000;
        qint64 halfLifeMs = 60'000;
    };

    /// What one request asks for.
    struct Request
    {
        QString tenant;
        QString group = QStringLiteral("default");
        double tenantWeight = 100;
        double groupWeight = 100;
        std::optional<int> tenantCap; ///< max_in_flight
        QString model;
        std::optional<int> modelCap; ///< max_concurrency
        double cost = 1; ///< the model's admission_weight
    };

    enum class Outcome { Admitted, Queued, Rejected };
    struct Decision
    {
        Outcome outcome = Outcome::Rejected;
        quint64 ticket = 0;
        int retryAfterSecs = 0; ///< for Rejected
    };

    explicit Scheduler(Clock clock);
    Scheduler(Clock clock, Limits limits);

    /// Admits at once when a permit is free for this request and nobody ahead of it may use it; else queues
    /// it, or rejects it when the queue is full.
    [[nodiscard]] Decision submit(const Request &request);
    /// A permit ends (its response finished). Returns the tickets admitted in its place, in order.
    [[nodiscard]] QList<quint64> release(quint64 ticket);
    /// A queued request gives up (its client left). Returns false when it was not queued.
    bool cancel(quint64 ticket);
    /// Queued requests that waited too long; they are removed (answer them 429).
    [[nodiscard]] QList<quint64> expire();
    /// Changes take effect at once; returns tickets admitted because of them.
    [[nodiscard]] QList<quint64> setCapacity(int capacity);
    [[nodiscard]] QList<quint64> setTenantWeight(const QString &tenant, double weight);
    [[nodiscard]] QList<quint64> setGroupWeight(const QString &group, double weight);
    /// The queue's bounds (contract section 11, the admission settings): at most @p maxLength waiting (0: no queue,
    /// a request without a free permit is refused), each at most @p maxWaitMs. They act at once: on new requests,
    /// and on those already waiting, which expire() then measures against the new wait. A shorter length turns no
    /// one already waiting away; it refuses newcomers until the queue is shorter than the new bound.
    void setQueueLimits(int maxLength, qint64 maxWaitMs);

    [[nodiscard]] int inFlight() const noexcept { return m_inFlight; }
    [[nodiscard]] int queued() const noexcept { return m_queued; }
    [[nodiscard]] int capacity() const noexcept { return m_limits.capacity; }
    [[nodiscard]] int maxQueueLength() const noexcept { return m_limits.maxQueueLength; }
    [[nodiscard]] qint64 maxQueueWaitMs() const noexcept { return m_limits.maxQueueWaitMs; }
    /// @p model's requests holding a permit now.
    [[nodiscard]] int modelInFlight(const QString &model) const { return m_models.value(model); }
    /// When the oldest queued request expires (ms on the clock), or -1 with an empty queue.
    [[nodiscard]] qint64 nextExpiry() const;

    struct TenantView
    {
        QString tenant;
        QString group;
        int inFlight = 0;
        int queued = 0;
        double score = 0;
    };
    [[nodiscard]] QList<TenantView> tenants() const;

    struct ModelView
    {
        QString model;
        int inFlight = 0;
        int queued = 0;
    };
    /// Models with requests in flight or waiting.
    [[nodiscard]] QList<ModelView> models() const;

private:
    struct Usage
    {
        double inFlightCost = 0;
        double recentCost = 0;
        qint64 recentAt = 0;
        int inFlight = 0;
        double weight = 100;
    };
    struct Waiting
    {
        quint64 ticket;
        Request request;
        qint64 enqueuedAt;
        quint64 order;
    };
    struct Running
    {
        Request request;
    };

    [[nodiscard]] double recent(const Usage &usage, qint64 now) const;
    [[nodiscard]] double score(const Usage &usage, qint64 now) const;
    [[nodiscard]] bool fits(const Request &request) const;
    void admit(quint64 ticket, const Request &request);
    [[nodiscard]] QList<quint64> admitWaiting();
    /// The waiting request that should get the next permit, or nullptr.
    [[nodiscard]] const Waiting *pickNext(qint64 now) const;
    [[nodiscard]] int retryAfterSecs() const;

    Clock m_clock;
    Limits m_limits;
    int m_inFlight = 0;
    quint64 m_nextTicket = 1;
    quint64 m_nextOrder = 1;
    QHash<QString, QList<Waiting>> m_waiting; ///< per tenant, first come first
    int m_queued = 0;
    QHash<quint64, Running> m_running;
    QHash<QString, Usage> m_tenants;
    QHash<QString, Usage> m_groups;
    QHash<QString, int> m_models; ///< in flight per model
};

} // namespace obleth::admission
