#pragma once

#include "gateway.h"

#include <QObject>
#include <QThread>

namespace obleth::gateway {

/// Runs a Gateway in a worker thread of its own. All calls from the owner's thread are queued;
/// the signals arrive in the owner's thread.
class GatewayThread final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayThread)

public:
    explicit GatewayThread(GatewayOptions options, QObject *parent = nullptr);
    /// Stops the gateway (if still running) and joins the thread.
    ~GatewayThread() override;

    void start();
    /// Drains for up to @p graceMs; stopped() follows.
    void shutdown(int graceMs = 10'000);
    /// The gateway object; use only through queued calls (QMetaObject::invokeMethod).
    [[nodiscard]] Gateway *gateway() const noexcept { return m_gateway; }

Q_SIGNALS:
    void started(const QString &dataUrl, const QString &adminUrl, const QString &firstKey);
    void startFailed(const QString &error);
    void stopped();

private:
    QThread m_thread;
    Gateway *m_gateway;
};

} // namespace obleth::gateway
