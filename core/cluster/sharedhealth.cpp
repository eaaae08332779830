#include "sharedhealth.h"

#include "platform/logging.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::cluster {

namespace {
const QByteArray kHealthChannel = QByteArrayLiteral("obleth:health");
} // namespace

SharedHealth::SharedHealth(const redis::Endpoint &endpoint, QString instanceId, Adopt adopt, QObject *parent)
    : QObject(parent)
    , m_client(endpoint)
    , m_instanceId(std::move(instanceId))
    , m_adopt(std::move(adopt))
{ }

SharedHealth::~SharedHealth() = default;

void SharedHealth::start()
{
    m_client.subscribe(kHealthChannel, [this](const QByteArray &payload) { received(payload); });
    m_client.start();
}

void SharedHealth::changed(const model::DeploymentHealth &now, model::HealthState previous)
{
    if (m_adopting)
        return; // another instance's finding, not this one's
    using model::HealthState;
    // Newly failed, or recovered: what the others should know. A probe starting or ending without an outcome is this
    // instance's own business.
    const bool failed
        = now.state == HealthState::Unhealthy && (previous == HealthState::Healthy || previous == HealthState::Unknown);
    const bool recovered
        = now.state == HealthState::Healthy && (previous == HealthState::Unhealthy || previous == HealthState::Probing);
    if (!failed && !recovered)
        return;
    const QJsonObject message{{QStringLiteral("instance"), m_instanceId},
                              {QStringLiteral("model_id"), now.modelId},
                              {QStringLiteral("deployment_id"), now.deploymentId},
                              {QStringLiteral("state"), model::healthStateName(now.state)},
                              {QStringLiteral("last_error"), now.lastError.left(kMaxErrorChars)}};
    m_client.command(
        {"PUBLISH", kHealthChannel, QJsonDocument(message).toJson(QJsonDocument::Compact)}, [](const redis::Reply &) {},
        this);
}

void SharedHealth::received(const QByteArray &payload)
{
    // Anyone who can publish on Redis can publish here: what a message says is bounded before anything adopts it
    // (and shows it in the health view, the events and the webhook).
    if (payload.size() > kMaxMessageBytes) {
        qCWarning(lcCluster) << "a deployment health message of" << payload.size() << "bytes was not believed";
        return;
    }
    const QJsonObject message = QJsonDocument::fromJson(payload).object();
    if (message.value(QStringLiteral("instance")).toString() == m_instanceId)
        return;
    const QString state = message.value(QStringLiteral("state")).toString();
    model::HealthState adopted;
    if (state == model::healthStateName(model::HealthState::Unhealthy))
        adopted = model::HealthState::Unhealthy;
    else if (state == model::healthStateName(model::HealthState::Healthy))
        adopted = model::HealthState::Healthy;
    else
        return;
    const QString deploymentId = message.value(QStringLiteral("deployment_id")).toString();
    qCDebug(lcCluster).noquote() << "another instance found deployment" << deploymentId << state;
    m_adopting = true;
    m_adopt(message.value(QStringLiteral("model_id")).toString(), deploymentId, adopted,
            message.value(QStringLiteral("last_error")).toString().left(kMaxErrorChars));
    m_adopting = false;
}

} // namespace obleth::cluster
