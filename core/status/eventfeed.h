#pragma once

#include "model/deploymenthealth.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

namespace obleth::status {

/// The gateway's events besides requests and configuration changes (contract sections 10–12): what the data plane
/// and the health checks report, and the alerts made of it. Lives in the gateway thread; every producer and the
/// alerts run there. GET /api/v1/events relays published(); the GUI hears it through the gateway's link.
class EventFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventFeed)

public:
    explicit EventFeed(QObject *parent = nullptr)
        : QObject(parent)
    { }

    /// Puts an event on the stream: @p type is its SSE event name, @p data its JSON (no secrets).
    void publish(const QString &type, const QJsonObject &data) { Q_EMIT published(type, data); }

    /// Facts, for whoever makes alerts of them (and publishes what it makes).
    /// A deployment's state changed (@p previous before it): published as deployment_health_changed by its
    /// reporter; alerts make deployment_down / deployment_up of it.
    void reportHealthChanged(const model::DeploymentHealth &health, model::HealthState previous)
    {
        Q_EMIT healthChanged(health, previous);
    }
    /// A request for @p model found nothing to answer it (503 model_unavailable).
    void reportModelUnavailable(const QString &model, int retryAfterSecs)
    {
        Q_EMIT modelUnavailable(model, retryAfterSecs);
    }
    /// A tenant's request was refused with 429.
    void reportRateLimited(const QString &tenantId, const QString &tenantName, const QString &reason)
    {
        Q_EMIT rateLimited(tenantId, tenantName, reason);
    }

Q_SIGNALS:
    void published(const QString &type, const QJsonObject &data);
    void healthChanged(const obleth::model::DeploymentHealth &health, obleth::model::HealthState previous);
    void modelUnavailable(const QString &model, int retryAfterSecs);
    void rateLimited(const QString &tenantId, const QString &tenantName, const QString &reason);
};

} // namespace obleth::status
