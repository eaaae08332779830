#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace obleth::admission {

/// Admission limits shared by several obleth instances (contract section 15), as Admission sees them: permits are
/// leases taken in several limits at once (the global capacity, a model's max_concurrency, a tenant's or a key's
/// max_in_flight), and tenants' tokens_per_minute budgets are shared token buckets. Where they are kept (Redis, in
/// cluster/) is not admission's business. Every answer comes asynchronously, on the event loop, never from inside
/// the call that asks.
///
/// While the shared store cannot be reached (isAvailable() false), Admission admits on local limits: the global
/// capacity ÷ liveInstances(), the live instances last known.
class SharedLimits : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SharedLimits)

public:
    using QObject::QObject;
    ~SharedLimits() override = default;

    /// One limit a lease counts against: its name (e.g. "capacity", "model:NAME", "tenant:ID", "key:ID") and the
    /// most leases it may hold at once.
    struct Limit
    {
        QByteArray name;
        qint64 max = 0;
    };
    enum class Outcome {
        Granted,
        Full, ///< one of the limits holds its max: nothing was taken
        Unavailable ///< the shared store could not be asked: admit on local limits
    };
    /// @p fullLimit: with Outcome::Full, the index (in the limits asked for) of the first limit that is full.
    using AcquireDone = std::function<void(Outcome outcome, int fullLimit)>;

    /// A lease id unique among every instance's.
    [[nodiscard]] virtual QByteArray newLeaseId() = 0;
    /// Takes @p lease in each of @p limits at once, or in none. A granted lease is renewed until release().
    virtual void acquire(const QByteArray &lease, const QList<Limit> &limits, AcquireDone done) = 0;
    /// Gives @p lease back (an unknown or forgotten lease: nothing).
    virtual void release(const QByteArray &lease) = 0;

    struct TokenReply
    {
        Outcome outcome = Outcome::Unavailable; ///< Granted or Full (refused), or Unavailable
        qint64 reserved = 0; ///< granted: the estimate taken
        int retryAfterSecs = 0; ///< refused: until the bucket holds tokens again
    };
    /// The rules of TokenBuckets::reserve() on @p tenant's shared bucket of @p perMinute tokens a minute.
    virtual void reserveTokens(const QString &tenant, qint64 perMinute, qint64 estimate,
                               std::function<void(const TokenReply &reply)> done)
        = 0;
    /// TokenBuckets::settle() on the shared bucket.
    virtual void settleTokens(const QString &tenant, qint64 perMinute, qint64 reserved, qint64 used) = 0;

    /// The shared store answers: limits are shared. False: admit on the local share.
    [[nodiscard]] virtual bool isAvailable() const = 0;
    /// Instances alive (this one included), last known; at least 1.
    [[nodiscard]] virtual int liveInstances() const = 0;

Q_SIGNALS:
    /// A lease was given back somewhere (perhaps by another instance): requests waiting for one may try again.
    void freed();
    /// The shared store became reachable (true) or unreachable (false).
    void availabilityChanged(bool available);
    /// liveInstances() changed: the local share (while the store is unreachable) is another.
    void liveInstancesChanged();
};

} // namespace obleth::admission
