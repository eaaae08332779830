#pragma once

#include "model/deploymenthealth.h"
#include "redis/redisclient.h"

#include <QObject>

#include <functional>

namespace obleth::cluster {

/// Deployments' health shared by the instances on one Redis (contract section 15): a deployment one instance finds
/// unhealthy rests on the others too, and one found healthy again (its probe succeeded) is healthy everywhere. Each
/// instance publishes its own changes of state on a Redis channel and adopts the others'; what it adopts is not
/// published again. Passive health stays each instance's own otherwise (its failures in a row, its probes). While
/// Redis is away, nothing is shared and nothing is lost but those messages.
class SharedHealth final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SharedHealth)

public:
    /// Applies another instance's finding to this one's health board: @p state is Unhealthy or Healthy.
    using Adopt = std::function<void(const QString &modelId, const QString &deploymentId, model::HealthState state,
                                     const QString &error)>;

    SharedHealth(const redis::Endpoint &endpoint, QString instanceId, Adopt adopt, QObject *parent = nullptr);
    ~SharedHealth() override;

    void start();

    /// What is believed of the channel: a longer message is dropped, a longer error cut to kMaxErrorChars.
    static constexpr qsizetype kMaxMessageBytes = 16 * 1024;
    static constexpr qsizetype kMaxErrorChars = 300;
    /// This instance's health board changed @p now's state from @p previous (its change listener calls this).
    void changed(const model::DeploymentHealth &now, model::HealthState previous);

private:
    void received(const QByteArray &payload);

    redis::Client m_client;
    QString m_instanceId;
    Adopt m_adopt;
    bool m_adopting = false;
};

} // namespace obleth::cluster
