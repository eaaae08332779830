#pragma once

#include "model/configsnapshot.h"
#include "model/deploymenthealth.h"
#include "model/entities.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <array>
#include <functional>

namespace obleth::routing {

/// What obleth knows of each deployment's health (contract section 10), as pure logic: no timer, no socket, a clock
/// that is handed in. Keyed by deployment id. The data plane asks it which deployment to try next (choose()) and
/// tells it how each try went; the active health checks tell it the same way. Lives in the gateway thread.
///
/// Passive health: a model's unhealthy_after failures in a row (refused, reset, a timeout before the first byte, or
/// a 500/502/503/504 head) make a deployment unhealthy; it then rests cooldown_secs, after which ONE request (or an
/// active check) is let through as a probe (state probing). A success makes it healthy again; a failed probe sends
/// it back to rest.
class HealthBoard final
{
public:
    /// Milliseconds on a steady clock.
    using Clock = std::function<qint64()>;
    /// A deployment's state changed: its view now and the state before.
    using ChangeListener = std::function<void(const model::DeploymentHealth &now, model::HealthState previous)>;
    /// The tries in flight on a deployment through this instance changed (begin(), end()): its id and their number.
    using LoadListener = std::function<void(const QString &deploymentId, int inFlight)>;

    explicit HealthBoard(Clock clock = {});

    void setChangeListener(ChangeListener listener) { m_onChange = std::move(listener); }
    void setLoadListener(LoadListener listener) { m_onLoad = std::move(listener); }
    /// The tries in flight through the other instances on one Redis (contract section 15), by deployment id, as
    /// last heard: choose() counts them with this instance's own against each deployment's max_concurrency and in
    /// its balance. They may be a message late (a try that ended there): when they alone make every deployment look
    /// full, a deployment with a free slot here is chosen rather than the request turned away. For a model whose
    /// deployments all have a max_concurrency, the model's shared permit (their sum) still bounds the total; one
    /// deployment may then hold a try more than its cap until the counts catch up.
    void setInFlightElsewhere(QHash<QString, int> inFlight) { m_elsewhere = std::move(inFlight); }

    /// Which deployment of @p model to try next, skipping those in @p tried.
    struct Choice
    {
        const model::Deployment *deployment = nullptr; ///< none: nothing can be tried now
        bool probe = false; ///< the try is the probe of a rested unhealthy deployment
        bool busy = false; ///< (no deployment) a healthy one exists but each is at its max_concurrency
    };
    /// Among the enabled deployments: a rested unhealthy one first, as the probe (one at a time); else among the
    /// healthy (or unknown) ones with a free slot, the lowest in-flight ÷ weight, ties taking turns (in flight: here
    /// and, as last heard, elsewhere). Changes nothing: begin() takes the choice.
    [[nodiscard]] Choice choose(const model::ModelConfig &model, const QStringList &tried = {}) const;
    /// A try on @p deployment starts (as chosen): it is in flight until end(); a probe turns the state to probing.
    void begin(const model::ModelConfig &model, const model::Deployment &deployment, bool probe);
    /// The try that begin() started is over (in flight no more), whatever its outcome. A probe that ended without
    /// an outcome (its client went first) leaves the deployment unhealthy, its next probe due at once.
    void end(const QString &deploymentId, bool probe);

    /// A request or check got an answer's head from @p deploymentId after @p latencyMs: it is healthy.
    void succeeded(const model::ModelConfig &model, const QString &deploymentId, qint64 latencyMs);
    /// A request or check to @p deploymentId failed before an answer (or answered 500/502/503/504): @p error says how
    /// (no secrets).
    void failed(const model::ModelConfig &model, const QString &deploymentId, const QString &error);
    /// An active check of a deployment starts: a rested unhealthy one is probing while it runs (true: the check is
    /// its probe). checkEnded() follows its outcome.
    bool checkStarted(const model::ModelConfig &model, const QString &deploymentId);
    void checkEnded(const QString &deploymentId, bool probe);

    /// Another instance found @p deploymentId unhealthy (contract section 15): unless it rests here already or a probe
    /// of it runs here, it rests here too, cooldown_secs from now, with @p error as its last error.
    void adoptUnhealthy(const model::ModelConfig &model, const QString &deploymentId, const QString &error);
    /// Another instance found @p deploymentId healthy again (its probe succeeded): unless a probe of it runs here
    /// (which decides), an unhealthy one is healthy here too.
    void adoptHealthy(const model::ModelConfig &model, const QString &deploymentId);

    /// Whether @p status of an answer's head counts as a failure (500, 502, 503, 504).
    [[nodiscard]] static bool isFailureStatus(int status) noexcept
    {
        return status == 500 || status == 502 || status == 503 || status == 504;
    }

    /// Whether @p model has a deployment that can take a request now or once a slot frees (healthy, unknown, or due
    /// for its probe): what "model": "auto" asks of its candidates.
    [[nodiscard]] bool isAvailable(const model::ModelConfig &model) const
    {
        const Choice choice = choose(model);
        return choice.deployment || choice.busy;
    }
    /// Seconds until one of @p model's deployments may be tried again (the next probe); at least 1.
    [[nodiscard]] int retryAfterSecs(const model::ModelConfig &model) const;
    /// The health of each of @p model's deployments, in its order (unknown for those never heard of).
    [[nodiscard]] QList<model::DeploymentHealth> health(const model::ModelConfig &model) const;
    [[nodiscard]] model::HealthState state(const QString &deploymentId) const;
    [[nodiscard]] int inFlight(const QString &deploymentId) const;
    /// The tries in flight on @p deploymentId through the other instances, as last heard (setInFlightElsewhere()).
    [[nodiscard]] int inFlightElsewhere(const QString &deploymentId) const { return m_elsewhere.value(deploymentId); }

    /// Forgets deployments that no model of @p snapshot has any more.
    void retain(const model::ConfigSnapshot &snapshot);

    static constexpr int kLatencySamples = 32;

private:
    struct Entry
    {
        QString modelId;
        QString modelName;
        model::HealthState state = model::HealthState::Unknown;
        int consecutiveFailures = 0;
        qint64 restUntilMs = 0;
        QString lastError;
        std::optional<QDateTime> lastCheckedAt;
        int inFlight = 0;
        bool probeRunning = false;
        std::array<qint64, kLatencySamples> latencies{};
        int latencyCount = 0;
        int latencyNext = 0;
    };

    [[nodiscard]] qint64 now() const { return m_clock(); }
    Entry &entry(const model::ModelConfig &model, const QString &deploymentId);
    [[nodiscard]] static model::DeploymentHealth view(const QString &deploymentId, const Entry &entry);
    void probeOver(const QString &deploymentId, bool probe);
    void setState(const QString &deploymentId, Entry &entry, model::HealthState state);
    /// A rested unhealthy deployment whose probe may start now.
    [[nodiscard]] bool probeDue(const Entry &entry) const;
    /// choose()'s pick among the healthy ones; @p countElsewhere: the other instances' tries count too.
    [[nodiscard]] Choice chooseHealthy(const model::ModelConfig &model, const QStringList &tried,
                                       bool countElsewhere) const;
    void loadChanged(const QString &deploymentId, int inFlight) const;

    Clock m_clock;
    ChangeListener m_onChange;
    LoadListener m_onLoad;
    QHash<QString, int> m_elsewhere; ///< by deployment id: in flight through the other instances
    QHash<QString, Entry> m_entries; ///< by deployment id
    QHash<QString, quint64> m_turn; ///< by model id: whose turn it is among ties
};

} // namespace obleth::routing
