#pragma once

#include <QHash>
#include <QString>

#include <functional>

namespace obleth::admission {

/// Per-tenant token budgets (`tokens_per_minute`, contract section 3) as token buckets, as pure logic with
/// an injected clock. A bucket holds up to one minute's budget and refills continuously. Admission reserves
/// an estimate of the request's tokens; when the answer ends, settle() gives back the difference from what
/// was really used (or takes more). A bucket at or below zero refuses (429) until it has refilled; a bucket
/// with something left admits a request even if its estimate is larger, so a big request is never refused
/// forever, and the debt delays the next ones.
class TokenBuckets final
{
public:
    using Clock = std::function<qint64()>; ///< milliseconds, monotonic

    explicit TokenBuckets(Clock clock);

    struct Reservation
    {
        bool granted = false;
        qint64 reserved = 0;
        int retryAfterSecs = 0; ///< when refused: until the bucket holds tokens again
    };
    /// Takes @p estimate tokens from @p tenant's bucket of @p perMinute tokens a minute.
    [[nodiscard]] Reservation reserve(const QString &tenant, qint64 perMinute, qint64 estimate);
    /// The request that reserved @p reserved tokens used @p used.
    void settle(const QString &tenant, qint64 perMinute, qint64 reserved, qint64 used);
    /// Tokens in @p tenant's bucket now (a full bucket for a tenant not seen yet); looking changes nothing.
    [[nodiscard]] qint64 available(const QString &tenant, qint64 perMinute) const;

private:
    struct Bucket
    {
        double level = 0;
        qint64 atMs = 0;
    };
    Bucket &refilled(const QString &tenant, qint64 perMinute);

    Clock m_clock;
    QHash<QString, Bucket> m_buckets;
};

} // namespace obleth::admission
