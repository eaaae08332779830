#include "scheduler.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace obleth::admission {

Scheduler::Scheduler(Clock clock)
    : Scheduler(std::move(clock), Limits())
{ }

Scheduler::Scheduler(Clock clock, Limits limits)
    : m_clock(std::move(clock))
    , m_limits(limits)
{ }

double Scheduler::recent(const Usage &usage, qint64 now) const
{
    if (usage.recentCost == 0)
        return 0;
    return usage.recentCost * std::exp2(-double(now - usage.recentAt) / double(m_limits.halfLifeMs));
}

double Scheduler::score(const Usage &usage, qint64 now) const
{
    return (usage.inFlightCost + recent(usage, now)) / std::max(usage.weight, 1e-9);
}

bool Scheduler::fits(const Request &request) const
{
    if (request.tenantCap && m_tenants.value(request.tenant).inFlight >= *request.tenantCap)
        return false;
    if (request.modelCap && m_models.value(request.model) >= *request.modelCap)
        return false;
    return true;
}

void Scheduler::admit(quint64 ticket, const Request &request)
{
    ++m_inFlight;
    for (Usage *usage : {&m_tenants[request.tenant], &m_groups[request.group]}) {
        usage->inFlightCost += request.cost;
        ++usage->inFlight;
    }
    ++m_models[request.model];
    m_running.insert(ticket, {request});
}

Scheduler::Decision Scheduler::submit(const Request &request)
{
    m_tenants[request.tenant].weight = request.tenantWeight; // weight changes act at once
    m_groups[request.group].weight = request.groupWeight;
    const quint64 ticket = m_nextTicket++;
    // Every operation admits all the waiting requests it can, so whoever still waits is blocked by its own
    // caps or by a full capacity: a free permit that fits this request takes nobody's turn.
    if (m_inFlight < m_limits.capacity && fits(request)) {
        admit(ticket, request);
        return {Outcome::Admitted, ticket, 0};
    }
    if (m_queued >= m_limits.maxQueueLength)
        return {Outcome::Rejected, 0, retryAfterSecs()};
    m_waiting[request.tenant].append({ticket, request, m_clock(), m_nextOrder++});
    ++m_queued;
    return {Outcome::Queued, ticket, 0};
}

QList<quint64> Scheduler::release(quint64 ticket)
{
    const auto it = m_running.find(ticket);
    if (it == m_running.end())
        return {};
    const Request request = std::move(it->request);
    m_running.erase(it);
    const qint64 now = m_clock();
    --m_inFlight;
    for (Usage *usage : {&m_tenants[request.tenant], &m_groups[request.group]}) {
        usage->inFlightCost -= request.cost;
        --usage->inFlight;
        // The finished request's cost moves from "in flight" to "recent", where it decays.
        usage->recentCost = recent(*usage, now) + request.cost;
        usage->recentAt = now;
    }
    if (--m_models[request.model] == 0)
        m_models.remove(request.model);
    return admitWaiting();
}

const Scheduler::Waiting *Scheduler::pickNext(qint64 now) const
{
    // Lowest group score first, then lowest tenant score, then first come: O(tenants with waiters).
    const Waiting *best = nullptr;
    std::tuple<double, double, quint64> bestKey;
    QHash<QString, double> groupScores;
    for (auto it = m_waiting.cbegin(); it != m_waiting.cend(); ++it) {
        const Waiting *candidate = nullptr;
        for (const Waiting &w : *it) {
            if (fits(w.request)) {
                candidate = &w;
                break;
            }
        }
        if (!candidate)
            continue;
        const QString &group = candidate->request.group;
        auto g = groupScores.constFind(group);
        if (g == groupScores.cend())
            g = groupScores.insert(group, score(m_groups.value(group), now));
        const auto key = std::make_tuple(*g, score(m_tenants.value(it.key()), now), candidate->order);
        if (!best || key < bestKey) {
            best = candidate;
            bestKey = key;
        }
    }
    return best;
}

QList<quint64> Scheduler::admitWaiting()
{
    QList<quint64> admitted;
    const qint64 now = m_clock();
    while (m_inFlight < m_limits.capacity) {
        const Waiting *next = pickNext(now);
        if (!next)
            break;
        const Waiting chosen = *next;
        QList<Waiting> &queue = m_waiting[chosen.request.tenant];
        queue.removeIf([&chosen](const Waiting &w) { return w.ticket == chosen.ticket; });
        if (queue.isEmpty())
            m_waiting.remove(chosen.request.tenant);
        --m_queued;
        admit(chosen.ticket, chosen.request);
        admitted.append(chosen.ticket);
    }
    return admitted;
}

bool Scheduler::cancel(quint64 ticket)
{
    for (auto it = m_waiting.begin(); it != m_waiting.end(); ++it) {
        if (it->removeIf([ticket](const Waiting &w) { return w.ticket == ticket; }) > 0) {
            if (it->isEmpty())
                m_waiting.erase(it);
            --m_queued;
            return true;
        }
    }
    return false;
}

QList<quint64> Scheduler::expire()
{
    QList<quint64> expired;
    const qint64 deadline = m_clock() - m_limits.maxQueueWaitMs;
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        it->removeIf([&](const Waiting &w) {
            if (w.enqueuedAt > deadline)
                return false;
            expired.append(w.ticket);
            return true;
        });
        it = it->isEmpty() ? m_waiting.erase(it) : std::next(it);
    }
    m_queued -= int(expired.size());
    return expired;
}

qint64 Scheduler::nextExpiry() const
{
    qint64 oldest = -1;
    for (const QList<Waiting> &queue : m_waiting) {
        for (const Waiting &w : queue) {
            if (oldest < 0 || w.enqueuedAt < oldest)
                oldest = w.enqueuedAt;
        }
    }
    return oldest < 0 ? -1 : oldest + m_limits.maxQueueWaitMs;
}

int Scheduler::retryAfterSecs() const
{
    // About how long the queue ahead takes to drain at one permit a second each; between 1 and 30 s.
    return std::clamp(m_queued / std::max(m_limits.capacity, 1), 1, 30);
}

QList<quint64> Scheduler::setCapacity(int capacity)
{
    m_limits.capacity = std::max(capacity, 1);
    return admitWaiting();
}

void Scheduler::setQueueLimits(int maxLength, qint64 maxWaitMs)
{
    m_limits.maxQueueLength = std::max(maxLength, 0);
    m_limits.maxQueueWaitMs = std::max<qint64>(maxWaitMs, 0);
}

QList<quint64> Scheduler::setTenantWeight(const QString &tenant, double weight)
{
    m_tenants[tenant].weight = weight;
    for (QList<Waiting> &queue : m_waiting) {
        for (Waiting &w : queue) {
            if (w.request.tenant == tenant)
                w.request.tenantWeight = weight;
        }
    }
    return admitWaiting();
}

QList<quint64> Scheduler::setGroupWeight(const QString &group, double weight)
{
    m_groups[group].weight = weight;
    return admitWaiting();
}

QList<Scheduler::TenantView> Scheduler::tenants() const
{
    const qint64 now = m_clock();
    QList<TenantView> views;
    for (auto it = m_tenants.cbegin(); it != m_tenants.cend(); ++it) {
        TenantView v;
        v.tenant = it.key();
        v.inFlight = it->inFlight;
        v.queued = int(m_waiting.value(it.key()).size());
        v.score = score(*it, now);
        for (const Running &r : m_running) {
            if (r.request.tenant == v.tenant) {
                v.group = r.request.group;
                break;
            }
        }
        if (v.group.isEmpty() && v.queued > 0)
            v.group = m_waiting.value(it.key()).first().request.group;
        views.append(v);
    }
    return views;
}

QList<Scheduler::ModelView> Scheduler::models() const
{
    QHash<QString, ModelView> views;
    for (auto it = m_models.cbegin(); it != m_models.cend(); ++it)
        views[it.key()].inFlight = it.value();
    for (const QList<Waiting> &queue : m_waiting) {
        for (const Waiting &w : queue)
            ++views[w.request.model].queued;
    }
    QList<ModelView> out;
    for (auto it = views.begin(); it != views.end(); ++it) {
        it->model = it.key();
        out.append(*it);
    }
    return out;
}

} // namespace obleth::admission
