#pragma once

#include "model/clusterstate.h"
#include "model/deploymenthealth.h"

#include <QElapsedTimer>
#include <QList>
#include <QString>

#include <functional>

namespace obleth::admission {
class Admission;
}

namespace obleth::status {

/// What /api/v1/status and the GUI show about the running gateway.
struct GatewayStatus
{
    QString dataUrl;
    QString adminUrl;
    QElapsedTimer uptime;
    /// Data-plane requests being answered now.
    std::function<int()> inFlight = [] { return 0; };
    /// Requests waiting for admission.
    std::function<int()> queued = [] { return 0; };
    /// Admission permits held (chat and completions until their response or stream ends).
    std::function<int()> permitsInUse = [] { return 0; };
    /// The data plane is paused (503 for everything but /health).
    std::function<bool()> paused = [] { return false; };
    /// The fair-share admission, for the live view; null until the gateway has started.
    const admission::Admission *admission = nullptr;
    /// The health of each deployment of the model with id @p modelId (every model's for an empty id), in the
    /// registry's order; deployments nothing was heard of yet are `unknown`.
    std::function<QList<model::DeploymentHealth>(const QString &modelId)> deploymentHealth
        = [](const QString &) { return QList<model::DeploymentHealth>(); };
    /// How this instance shares state with others (contract section 15): the database, Redis, the instances seen.
    std::function<model::ClusterState()> cluster = [] { return model::ClusterState(); };
};

} // namespace obleth::status
