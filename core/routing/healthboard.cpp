#include "healthboard.h"

#include <QElapsedTimer>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace obleth::routing {

namespace {
qint64 steadyMs()
{
    static const QElapsedTimer started = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return started.elapsed();
}

bool choosable(model::HealthState state)
{
    return state == model::HealthState::Healthy || state == model::HealthState::Unknown;
}
} // namespace

HealthBoard::HealthBoard(Clock clock)
    : m_clock(clock ? std::move(clock) : Clock(&steadyMs))
{ }

bool HealthBoard::probeDue(const Entry &entry) const
{
    return entry.state == model::HealthState::Unhealthy && !entry.probeRunning && now() >= entry.restUntilMs;
}

HealthBoard::Choice HealthBoard::choose(const model::ModelConfig &model, const QStringList &tried) const
{
    Choice choice;
    // A rested unhealthy deployment gets its probe first: otherwise a steady load on the healthy ones would keep it
    // out for ever.
    for (const model::Deployment &d : model.deployments) {
        if (!d.enabled || tried.contains(d.id))
            continue;
        const auto it = m_entries.constFind(d.id);
        if (it != m_entries.cend() && probeDue(*it)) {
            choice.deployment = &d;
            choice.probe = true;
            return choice;
        }
    }
    const Choice counted = chooseHealthy(model, tried, true);
    if (counted.deployment || !counted.busy || m_elsewhere.isEmpty())
        return counted;
    // Every slot is taken, as far as this instance heard of the others; what it heard may be a message late (a try
    // that ended there), and the request holds the model's shared permit: it is not turned away for that.
    return chooseHealthy(model, tried, false);
}

HealthBoard::Choice HealthBoard::chooseHealthy(const model::ModelConfig &model, const QStringList &tried,
                                               bool countElsewhere) const
{
    Choice choice;
    QList<const model::Deployment *> best;
    double bestLoad = 0;
    for (const model::Deployment &d : model.deployments) {
        if (!d.enabled || tried.contains(d.id))
            continue;
        const auto it = m_entries.constFind(d.id);
        if (it != m_entries.cend() && !choosable(it->state))
            continue;
        const int inFlight
            = (it == m_entries.cend() ? 0 : it->inFlight) + (countElsewhere ? m_elsewhere.value(d.id) : 0);
        if (d.maxConcurrency && inFlight >= *d.maxConcurrency) {
            choice.busy = true;
            continue;
        }
        const double load = double(inFlight) / (d.weight > 0 ? d.weight : 1.0);
        if (best.isEmpty() || load < bestLoad - 1e-9) {
            best = {&d};
            bestLoad = load;
        } else if (std::abs(load - bestLoad) <= 1e-9) {
            best.append(&d);
        }
    }
    if (best.isEmpty())
        return choice;
    choice.busy = false;
    choice.deployment = best.at(qsizetype(m_turn.value(model.id) % quint64(best.size())));
    return choice;
}

void HealthBoard::loadChanged(const QString &deploymentId, int inFlight) const
{
    if (m_onLoad)
        m_onLoad(deploymentId, inFlight);
}

HealthBoard::Entry &HealthBoard::entry(const model::ModelConfig &model, const QString &deploymentId)
{
    Entry &e = m_entries[deploymentId];
    e.modelId = model.id;
    e.modelName = model.modelName;
    return e;
}

void HealthBoard::begin(const model::ModelConfig &model, const model::Deployment &deployment, bool probe)
{
    Entry &e = entry(model, deployment.id);
    ++e.inFlight;
    loadChanged(deployment.id, e.inFlight);
    if (probe) {
        e.probeRunning = true;
        setState(deployment.id, e, model::HealthState::Probing);
    } else {
        ++m_turn[model.id];
    }
}

void HealthBoard::end(const QString &deploymentId, bool probe)
{
    const auto it = m_entries.find(deploymentId);
    if (it == m_entries.end())
        return;
    if (it->inFlight > 0) {
        --it->inFlight;
        loadChanged(deploymentId, it->inFlight);
    }
    probeOver(deploymentId, probe);
}

bool HealthBoard::checkStarted(const model::ModelConfig &model, const QString &deploymentId)
{
    Entry &e = entry(model, deploymentId);
    if (!probeDue(e))
        return false;
    e.probeRunning = true;
    setState(deploymentId, e, model::HealthState::Probing);
    return true;
}

void HealthBoard::checkEnded(const QString &deploymentId, bool probe)
{
    probeOver(deploymentId, probe);
}

void HealthBoard::probeOver(const QString &deploymentId, bool probe)
{
    const auto it = m_entries.find(deploymentId);
    if (!probe || it == m_entries.end() || !it->probeRunning)
        return;
    // The probe ended without an outcome: the deployment is as unhealthy as before, and the next try may probe it.
    it->probeRunning = false;
    it->restUntilMs = now();
    setState(deploymentId, *it, model::HealthState::Unhealthy);
}

void HealthBoard::succeeded(const model::ModelConfig &model, const QString &deploymentId, qint64 latencyMs)
{
    Entry &e = entry(model, deploymentId);
    e.consecutiveFailures = 0;
    e.probeRunning = false;
    e.lastCheckedAt = QDateTime::currentDateTimeUtc();
    e.latencies[size_t(e.latencyNext)] = std::max<qint64>(latencyMs, 0);
    e.latencyNext = (e.latencyNext + 1) % kLatencySamples;
    e.latencyCount = std::min(e.latencyCount + 1, kLatencySamples);
    setState(deploymentId, e, model::HealthState::Healthy);
}

void HealthBoard::failed(const model::ModelConfig &model, const QString &deploymentId, const QString &error)
{
    Entry &e = entry(model, deploymentId);
    ++e.consecutiveFailures;
    e.lastError = error;
    e.lastCheckedAt = QDateTime::currentDateTimeUtc();
    const bool probeFailed = e.probeRunning || e.state == model::HealthState::Probing;
    e.probeRunning = false;
    if (probeFailed || e.state == model::HealthState::Unhealthy
        || e.consecutiveFailures >= std::max<qint64>(model.unhealthyAfter, 1)) {
        // Rests (again) from now: a failed probe, or a failure seen while it rests, starts its cooldown anew.
        e.restUntilMs = now() + std::max<qint64>(model.cooldownSecs, 0) * 1000;
        setState(deploymentId, e, model::HealthState::Unhealthy);
    }
}

void HealthBoard::adoptUnhealthy(const model::ModelConfig &model, const QString &deploymentId, const QString &error)
{
    Entry &e = entry(model, deploymentId);
    if (e.probeRunning || e.state == model::HealthState::Unhealthy || e.state == model::HealthState::Probing)
        return;
    e.lastError = error;
    e.restUntilMs = now() + std::max<qint64>(model.cooldownSecs, 0) * 1000;
    setState(deploymentId, e, model::HealthState::Unhealthy);
}

void HealthBoard::adoptHealthy(const model::ModelConfig &model, const QString &deploymentId)
{
    Entry &e = entry(model, deploymentId);
    if (e.probeRunning || e.state != model::HealthState::Unhealthy)
        return;
    e.consecutiveFailures = 0;
    setState(deploymentId, e, model::HealthState::Healthy);
}

void HealthBoard::setState(const QString &deploymentId, Entry &entry, model::HealthState state)
{
    const model::HealthState previous = entry.state;
    if (previous == state)
        return;
    entry.state = state;
    if (m_onChange)
        m_onChange(view(deploymentId, entry), previous);
}

int HealthBoard::retryAfterSecs(const model::ModelConfig &model) const
{
    qint64 soonestMs = -1;
    for (const model::Deployment &d : model.deployments) {
        if (!d.enabled)
            continue;
        const auto it = m_entries.constFind(d.id);
        qint64 waitMs = 0;
        if (it != m_entries.cend() && it->state == model::HealthState::Unhealthy)
            waitMs = std::max<qint64>(it->restUntilMs - now(), 0);
        if (soonestMs < 0 || waitMs < soonestMs)
            soonestMs = waitMs;
    }
    if (soonestMs < 0)
        return std::max(1, int(std::min<qint64>(model.cooldownSecs, 86'400)));
    return std::max(1, int((soonestMs + 999) / 1000));
}

model::DeploymentHealth HealthBoard::view(const QString &deploymentId, const Entry &e)
{
    model::DeploymentHealth h;
    h.modelId = e.modelId;
    h.modelName = e.modelName;
    h.deploymentId = deploymentId;
    h.state = e.state;
    h.consecutiveFailures = e.consecutiveFailures;
    h.lastError = e.lastError;
    h.lastCheckedAt = e.lastCheckedAt;
    h.inFlight = e.inFlight;
    if (e.latencyCount > 0) {
        std::array<qint64, kLatencySamples> samples = e.latencies;
        const auto last = samples.begin() + e.latencyCount;
        const auto middle = samples.begin() + e.latencyCount / 2;
        std::nth_element(samples.begin(), middle, last);
        double median = double(*middle);
        if (e.latencyCount % 2 == 0) {
            const qint64 below = *std::max_element(samples.begin(), middle);
            median = (median + double(below)) / 2.0;
        }
        h.latencyP50Ms = median;
    }
    return h;
}

QList<model::DeploymentHealth> HealthBoard::health(const model::ModelConfig &model) const
{
    QList<model::DeploymentHealth> list;
    list.reserve(model.deployments.size());
    for (const model::Deployment &d : model.deployments) {
        const auto it = m_entries.constFind(d.id);
        model::DeploymentHealth h = it == m_entries.cend() ? model::DeploymentHealth{} : view(d.id, *it);
        h.modelId = model.id;
        h.modelName = model.modelName;
        h.deploymentId = d.id;
        list.append(h);
    }
    return list;
}

model::HealthState HealthBoard::state(const QString &deploymentId) const
{
    const auto it = m_entries.constFind(deploymentId);
    return it == m_entries.cend() ? model::HealthState::Unknown : it->state;
}

int HealthBoard::inFlight(const QString &deploymentId) const
{
    const auto it = m_entries.constFind(deploymentId);
    return it == m_entries.cend() ? 0 : it->inFlight;
}

void HealthBoard::retain(const model::ConfigSnapshot &snapshot)
{
    QSet<QString> deployments;
    QSet<QString> models;
    for (const model::ModelConfig &m : snapshot.models) {
        models.insert(m.id);
        for (const model::Deployment &d : m.deployments)
            deployments.insert(d.id);
    }
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        // One still in flight stays until its try ends (end() needs it); it is forgotten with the next change.
        if (!deployments.contains(it.key()) && it->inFlight == 0)
            it = m_entries.erase(it);
        else
            ++it;
    }
    for (auto it = m_turn.begin(); it != m_turn.end();) {
        if (!models.contains(it.key()))
            it = m_turn.erase(it);
        else
            ++it;
    }
}

} // namespace obleth::routing
