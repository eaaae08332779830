#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <optional>

namespace obleth::model {

/// How a deployment is doing (contract section 10).
enum class HealthState {
    Unknown, ///< nothing heard of it yet
    Healthy,
    Unhealthy, ///< failed unhealthy_after times in a row; rests for cooldown_secs
    Probing, ///< rested: one request (or an active check) is trying it
};

/// The word the Management API and the events use for @p state.
[[nodiscard]] inline QString healthStateName(HealthState state)
{
    switch (state) {
    case HealthState::Healthy: return QStringLiteral("healthy");
    case HealthState::Unhealthy: return QStringLiteral("unhealthy");
    case HealthState::Probing: return QStringLiteral("probing");
    case HealthState::Unknown: break;
    }
    return QStringLiteral("unknown");
}

/// One deployment's health as GET /api/v1/models/{id}/health, /metrics, the events and the GUI show it.
struct DeploymentHealth
{
    QString modelId;
    QString modelName;
    QString deploymentId;
    HealthState state = HealthState::Unknown;
    int consecutiveFailures = 0;
    QString lastError; ///< what the last failure was (no secrets); empty when none
    std::optional<QDateTime> lastCheckedAt; ///< the last request's or check's outcome, UTC
    std::optional<double> latencyP50Ms; ///< median time to the response's head of recent successes
    int inFlight = 0;
};

} // namespace obleth::model

Q_DECLARE_METATYPE(obleth::model::DeploymentHealth)
