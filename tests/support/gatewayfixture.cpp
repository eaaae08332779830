#include "gatewayfixture.h"

#include "platform/filelimit.h"

#include <QDeadlineTimer>
#include <QUrl>

namespace obleth::test {

GatewayFixture::GatewayFixture(const QUrl &upstream, const QString &dataDir, int keepAliveTimeoutMs)
    : GatewayFixture(Options{upstream, dataDir, keepAliveTimeoutMs, {}, {}, true})
{ }

GatewayFixture::GatewayFixture(const Options &options)
    : m_dataDir(options.dataDir.isEmpty() ? m_tmp.path() : options.dataDir)
{
    platform::raiseOpenFileLimit();
    gateway::GatewayOptions o;
    o.keepAliveTimeoutMs = options.keepAliveTimeoutMs;
    o.dataPort = 0;
    o.adminPort = 0;
    o.dataDir = m_dataDir;
    o.upstream = options.upstream;
    o.databaseUrl = options.databaseUrl;
    o.redisUrl = options.redisUrl;
    o.adminToken = QString::fromLatin1(kAdminToken);
    m_thread = std::make_unique<gateway::GatewayThread>(o);
    m_started = std::make_unique<QSignalSpy>(m_thread.get(), &gateway::GatewayThread::started);
    m_failed = std::make_unique<QSignalSpy>(m_thread.get(), &gateway::GatewayThread::startFailed);
    m_thread->start();
    if (options.wait && !waitStarted())
        qWarning("gateway did not start: %s", qPrintable(m_error));
}

bool GatewayFixture::waitStarted()
{
    const QDeadlineTimer deadline(30'000);
    while (m_started->isEmpty() && m_failed->isEmpty() && !deadline.hasExpired())
        m_started->wait(50);
    if (!m_failed->isEmpty()) {
        m_error = m_failed->first().first().toString();
        return false;
    }
    if (m_started->isEmpty()) {
        m_error = QStringLiteral("timeout");
        return false;
    }
    const QList<QVariant> &started = m_started->first();
    m_dataPort = quint16(QUrl(started.at(0).toString()).port());
    m_adminPort = quint16(QUrl(started.at(1).toString()).port());
    m_firstKey = started.at(2).toString().toLatin1();
    return true;
}

GatewayFixture::~GatewayFixture() = default;

Response GatewayFixture::admin(const QByteArray &method, const QByteArray &path, const QByteArray &json) const
{
    http::Headers h;
    h.add("Authorization", "Bearer " + kAdminToken);
    if (!json.isEmpty())
        h.add("Content-Type", "application/json");
    return request(m_adminPort, method, path, h, json);
}

Response GatewayFixture::chat(const QByteArray &key) const
{
    return postJson(m_dataPort, "/v1/chat/completions", key,
                    R"({"model":"mock-model","messages":[{"role":"user","content":"hello there"}]})");
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
