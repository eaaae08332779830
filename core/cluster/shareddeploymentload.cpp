#include "shareddeploymentload.h"

#include "platform/logging.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace obleth::cluster {

namespace {
const QByteArray kLoadChannel = QByteArrayLiteral("obleth:deployment-load");
} // namespace

SharedDeploymentLoad::SharedDeploymentLoad(const redis::Endpoint &endpoint, QString instanceId, Apply apply,
                                           QObject *parent)
    : QObject(parent)
    , m_client(endpoint)
    , m_instanceId(std::move(instanceId))
    , m_apply(std::move(apply))
{
    m_clock.start();
    m_repeat.setInterval(kRepeatMs);
    connect(&m_repeat, &QTimer::timeout, this, &SharedDeploymentLoad::tick);
}

SharedDeploymentLoad::~SharedDeploymentLoad() = default;

void SharedDeploymentLoad::start()
{
    m_client.subscribe(kLoadChannel, [this](const QByteArray &payload) { received(payload); });
    m_client.start();
    m_repeat.start();
}

void SharedDeploymentLoad::setForgetAfterMs(int ms)
{
    m_forgetAfterMs = ms;
    m_repeat.setInterval(std::clamp(ms / 2, 1, kRepeatMs)); // forgotten within 1.5 × ms at the latest
}

void SharedDeploymentLoad::changed(const QString &deploymentId, int inFlight)
{
    if (inFlight > 0)
        m_mine.insert(deploymentId, inFlight);
    else if (!m_mine.remove(deploymentId))
        return;
    if (m_publishPosted)
        return;
    m_publishPosted = true;
    QTimer::singleShot(0, this, [this] {
        m_publishPosted = false;
        publish();
    });
}

void SharedDeploymentLoad::publish()
{
    QJsonObject table;
    for (auto it = m_mine.cbegin(); it != m_mine.cend(); ++it)
        table.insert(it.key(), it.value());
    const QJsonObject message{{QStringLiteral("instance"), m_instanceId}, {QStringLiteral("in_flight"), table}};
    // Lost while Redis is away: the next change, or the repeat, says it again.
    m_client.command(
        {"PUBLISH", kLoadChannel, QJsonDocument(message).toJson(QJsonDocument::Compact)}, [](const redis::Reply &) {},
        this);
}

void SharedDeploymentLoad::received(const QByteArray &payload)
{
    if (payload.size() > kMaxMessageBytes) {
        qCWarning(lcCluster) << "a deployment load message of" << payload.size() << "bytes was not believed";
        return;
    }
    const QJsonObject message = QJsonDocument::fromJson(payload).object();
    const QString instance = message.value(QStringLiteral("instance")).toString();
    if (instance.isEmpty() || instance == m_instanceId)
        return;
    const QJsonObject table = message.value(QStringLiteral("in_flight")).toObject();
    if (table.size() > kMaxDeployments) {
        qCWarning(lcCluster).noquote() << "a deployment load message with" << table.size()
                                       << "deployments was not believed";
        return;
    }
    Heard heard;
    heard.heardAtMs = m_clock.elapsed();
    for (auto it = table.constBegin(); it != table.constEnd(); ++it) {
        const int n = it.value().toInt(0);
        if (n > 0)
            heard.inFlight.insert(it.key(), std::min(n, kMaxInFlight));
    }
    if (heard.inFlight.isEmpty())
        m_others.remove(instance);
    else if (m_others.contains(instance) || m_others.size() < kMaxInstances)
        m_others.insert(instance, std::move(heard));
    applySums();
}

void SharedDeploymentLoad::tick()
{
    if (!m_mine.isEmpty())
        publish();
    const qint64 now = m_clock.elapsed();
    bool forgot = false;
    for (auto it = m_others.begin(); it != m_others.end();) {
        if (now - it->heardAtMs > m_forgetAfterMs) {
            qCInfo(lcCluster).noquote() << "instance" << it.key()
                                        << "was not heard of for a while: its tries in flight count no more";
            it = m_others.erase(it);
            forgot = true;
        } else {
            ++it;
        }
    }
    if (forgot)
        applySums();
}

void SharedDeploymentLoad::applySums()
{
    QHash<QString, int> sums;
    for (const Heard &heard : std::as_const(m_others)) {
        for (auto it = heard.inFlight.cbegin(); it != heard.inFlight.cend(); ++it) {
            int &sum = sums[it.key()];
            sum = int(std::min<qint64>(qint64(sum) + it.value(), kMaxInFlight));
        }
    }
    m_apply(sums);
}

} // namespace obleth::cluster
