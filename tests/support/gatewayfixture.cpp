#include "gatewayfixture.h"

#include "platform/filelimit.h"

#include <QSignalSpy>
#include <QUrl>

namespace obleth::test {

GatewayFixture::GatewayFixture(const QUrl &upstream, const QString &dataDir, int keepAliveTimeoutMs)
    : m_dataDir(dataDir.isEmpty() ? m_tmp.path() : dataDir)
{
    platform::raiseOpenFileLimit();
    gateway::GatewayOptions options;
    options.keepAliveTimeoutMs = keepAliveTimeoutMs;
    options.dataPort = 0;
    options.adminPort = 0;
    options.dataDir = m_dataDir;
    options.upstream = upstream;
    options.adminToken = QString::fromLatin1(kAdminToken);
    m_thread = std::make_unique<gateway::GatewayThread>(options);
    QSignalSpy started(m_thread.get(), &gateway::GatewayThread::started);
    QSignalSpy failed(m_thread.get(), &gateway::GatewayThread::startFailed);
    m_thread->start();
    if (!started.wait(10'000) || started.isEmpty()) {
        qWarning("gateway did not start: %s",
                 failed.isEmpty() ? "timeout" : qPrintable(failed.first().first().toString()));
        return;
    }
    m_dataPort = quint16(QUrl(started.first().at(0).toString()).port());
    m_adminPort = quint16(QUrl(started.first().at(1).toString()).port());
    m_firstKey = started.first().at(2).toString().toLatin1();
}

GatewayFixture::~GatewayFixture() = default;

Response GatewayFixture::admin(const QByteArray &method, const QByteArray &path, const QByteArray &json)
{
    http::Headers h;
    h.add("Authorization", "Bearer " + kAdminToken);
    if (!json.isEmpty())
        h.add("Content-Type", "application/json");
    return request(m_adminPort, method, path, h, json);
}

QString GatewayFixture::addModel(const QJsonObject &model)
{
    const Response r = admin("POST", "/api/v1/models", QJsonDocument(model).toJson(QJsonDocument::Compact));
    if (r.status != 201)
        qWarning("model not created: %d %s", r.status, r.body.constData());
    return r.json().value(QStringLiteral("id")).toString();
}

QByteArray GatewayFixture::addTenantKey(const QString &tenantName, QString *tenantId, QString *keyId)
{
    const Response t
        = admin("POST", "/api/v1/tenants",
                QJsonDocument(QJsonObject{{QStringLiteral("name"), tenantName}}).toJson(QJsonDocument::Compact));
    const QString tid = t.json().value(QStringLiteral("id")).toString();
    const Response k = admin("POST", "/api/v1/tenants/" + tid.toLatin1() + "/keys", R"({"name":"test"})");
    if (tenantId)
        *tenantId = tid;
    if (keyId)
        *keyId = k.json().value(QStringLiteral("key")).toObject().value(QStringLiteral("id")).toString();
    return k.json().value(QStringLiteral("secret")).toString().toLatin1();
}

} // namespace obleth::test
