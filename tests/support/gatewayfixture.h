#pragma once

#include "gateway/gatewaythread.h"
#include "testhttp.h"

#include <QTemporaryDir>

#include <memory>

namespace obleth::test {

/// A real gateway in its own thread, on ports 0 with a temporary data directory.
class GatewayFixture
{
public:
    static inline const QByteArray kAdminToken = "test-admin-token-0123456789abcdef";

    /// Starts it; check ok() (a QVERIFY in the test) before use.
    explicit GatewayFixture(const QUrl &upstream = {}, const QString &dataDir = {}, int keepAliveTimeoutMs = 60'000);
    ~GatewayFixture();

    [[nodiscard]] bool ok() const noexcept { return m_dataPort != 0; }
    [[nodiscard]] quint16 dataPort() const noexcept { return m_dataPort; }
    [[nodiscard]] quint16 adminPort() const noexcept { return m_adminPort; }
    /// The key made for tenant "default" on first start.
    [[nodiscard]] const QByteArray &firstKey() const noexcept { return m_firstKey; }
    [[nodiscard]] QString dataDir() const { return m_dataDir; }
    /// The gateway, living in its own thread (connect to its services' signals; call nothing directly).
    [[nodiscard]] gateway::Gateway *gateway() const { return m_thread->gateway(); }

    /// A Management API call with the admin token.
    Response admin(const QByteArray &method, const QByteArray &path, const QByteArray &json = {});
    /// Registers a model; returns its id (empty on failure).
    QString addModel(const QJsonObject &model);
    /// Creates a tenant and a key; returns the secret.
    QByteArray addTenantKey(const QString &tenantName, QString *tenantId = nullptr, QString *keyId = nullptr);

private:
    QTemporaryDir m_tmp;
    QString m_dataDir;
    std::unique_ptr<gateway::GatewayThread> m_thread;
    quint16 m_dataPort = 0;
    quint16 m_adminPort = 0;
    QByteArray m_firstKey;
};

} // namespace obleth::test
