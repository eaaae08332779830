#pragma once

#include "gateway/gatewaythread.h"
#include "testhttp.h"

#include <QSignalSpy>
#include <QTemporaryDir>

#include <memory>

namespace obleth::test {

/// A real gateway in its own thread, on ports 0 with a temporary data directory.
class GatewayFixture
{
public:
    static inline const QByteArray kAdminToken = "test-admin-token-0123456789abcdef";

    struct Options
    {
        QUrl upstream;
        QString dataDir; ///< empty: a temporary one
        int keepAliveTimeoutMs = 60'000;
        QString databaseUrl; ///< --database; empty: the data directory's SQLite file
        QString redisUrl; ///< --redis; empty: admission on local limits
        bool wait = true; ///< false: the test calls waitStarted() (gateways starting at once)
    };

    /// Starts it; check ok() (a QVERIFY in the test, with error()) before use.
    explicit GatewayFixture(const QUrl &upstream = {}, const QString &dataDir = {}, int keepAliveTimeoutMs = 60'000);
    explicit GatewayFixture(const Options &options);
    ~GatewayFixture();

    /// Waits (30 s at most) until it serves or fails to start; false: error() says why.
    bool waitStarted();
    /// Stops it (as its owner's end would).
    void stop() { m_thread.reset(); }

    [[nodiscard]] bool ok() const noexcept { return m_dataPort != 0; }
    /// Why it did not start (empty while it serves).
    [[nodiscard]] QString error() const { return m_error; }
    [[nodiscard]] quint16 dataPort() const noexcept { return m_dataPort; }
    [[nodiscard]] quint16 adminPort() const noexcept { return m_adminPort; }
    /// The key made for tenant "default" on first start.
    [[nodiscard]] const QByteArray &firstKey() const noexcept { return m_firstKey; }
    [[nodiscard]] QString dataDir() const { return m_dataDir; }
    /// The gateway, living in its own thread (connect to its services' signals; call nothing directly).
    [[nodiscard]] gateway::Gateway *gateway() const { return m_thread->gateway(); }

    /// A Management API call with the admin token.
    Response admin(const QByteArray &method, const QByteArray &path, const QByteArray &json = {}) const;
    /// A chat completion on the built-in mock-model with @p key.
    Response chat(const QByteArray &key) const;
    /// Registers a model; returns its id (empty on failure).
    QString addModel(const QJsonObject &model);
    /// Creates a tenant and a key; returns the secret.
    QByteArray addTenantKey(const QString &tenantName, QString *tenantId = nullptr, QString *keyId = nullptr);

private:
    QTemporaryDir m_tmp;
    QString m_dataDir;
    std::unique_ptr<gateway::GatewayThread> m_thread;
    std::unique_ptr<QSignalSpy> m_started;
    std::unique_ptr<QSignalSpy> m_failed;
    QString m_error;
    quint16 m_dataPort = 0;
    quint16 m_adminPort = 0;
    QByteArray m_firstKey;
};

} // namespace obleth::test
