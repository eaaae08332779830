#pragma once

#include "config/configsnapshot.h"
#include "config/jsonfields.h"
#include "usage/requestrecord.h"

#include <QObject>

#include <functional>
#include <memory>

namespace obleth::gateway {
class GatewayThread;
}
namespace obleth::config {
class ConfigService;
}

namespace obleth::ui {

/// The GUI's one way to the gateway, through the same services the Management API uses: it reads the
/// configuration snapshot (safe from any thread), runs changes on the gateway thread's ConfigService and
/// hands their outcome back to the GUI thread, and re-emits live request events here. Nothing on the GUI
/// thread waits for the gateway, the network or the disk.
class GatewayLink final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayLink)

public:
    explicit GatewayLink(gateway::GatewayThread *thread, QObject *parent = nullptr);
    ~GatewayLink() override;

    [[nodiscard]] bool isReady() const noexcept { return m_config != nullptr; }
    /// The current configuration (empty until ready()).
    [[nodiscard]] std::shared_ptr<const config::ConfigSnapshot> snapshot() const;
    [[nodiscard]] const QString &dataUrl() const noexcept { return m_dataUrl; }
    [[nodiscard]] const QString &adminUrl() const noexcept { return m_adminUrl; }

    using Change = std::function<config::Problem(config::ConfigService &)>;
    /// Runs @p change on the gateway thread; @p done gets its outcome on this thread, unless @p context
    /// is gone by then.
    void change(Change change, QObject *context, std::function<void(const config::Problem &)> done);

Q_SIGNALS:
    /// The gateway is up and the services are reachable.
    void ready();
    void configChanged();
    void requestStarted(const obleth::usage::RequestStarted &started);
    void requestProgress(const obleth::usage::RequestProgress &progress);
    void requestFinished(const obleth::usage::RequestRecord &record);

private:
    void attach(const QString &dataUrl, const QString &adminUrl);

    gateway::GatewayThread *m_thread;
    config::ConfigService *m_config = nullptr;
    QString m_dataUrl;
    QString m_adminUrl;
    bool m_watching = false;
};

} // namespace obleth::ui
