#include "tokenbuckets.h"

#include <algorithm>
#include <cmath>

namespace obleth::admission {

TokenBuckets::TokenBuckets(Clock clock)
    : m_clock(std::move(clock))
{ }

TokenBuckets::Bucket &TokenBuckets::refilled(const QString &tenant, qint64 perMinute)
{
    const qint64 now = m_clock();
    auto it = m_buckets.find(tenant);
    if (it == m_buckets.end())
        it = m_buckets.insert(tenant, Bucket{double(perMinute), now});
    Bucket &b = *it;
    b.level = std::min(double(perMinute), b.level + double(now - b.atMs) * double(perMinute) / 60'000.0);
    b.atMs = now;
    return b;
}

TokenBuckets::Reservation TokenBuckets::reserve(const QString &tenant, qint64 perMinute, qint64 estimate)
{
    Bucket &b = refilled(tenant, perMinute);
    if (b.level < 1) {
        const double msToOne = (1 - b.level) * 60'000.0 / double(std::max<qint64>(perMinute, 1));
        return {false, 0, int(std::clamp(std::ceil(msToOne / 1000.0), 1.0, 3600.0))};
    }
    b.level -= double(estimate);
    return {true, estimate, 0};
}

void TokenBuckets::settle(const QString &tenant, qint64 perMinute, qint64 reserved, qint64 used)
{
    Bucket &b = refilled(tenant, perMinute);
    b.level = std::min(double(perMinute), b.level + double(reserved - used));
}

qint64 TokenBuckets::available(const QString &tenant, qint64 perMinute) const
{
    const auto it = m_buckets.constFind(tenant);
    if (it == m_buckets.cend())
        return perMinute;
    // What refilled() would make of it, without refilling: the level grows linearly up to the budget.
    const double level
        = std::min(double(perMinute), it->level + double(m_clock() - it->atMs) * double(perMinute) / 60'000.0);
    return qint64(std::floor(level));
}

} // namespace obleth::admission
