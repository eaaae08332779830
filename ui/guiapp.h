#pragma once

#include <QObject>

#include <memory>

QT_BEGIN_NAMESPACE
class QSystemTrayIcon;
QT_END_NAMESPACE

namespace obleth::gateway {
class GatewayThread;
}

namespace obleth::ui {

class StatusWindow;

/// The tray app's shell: a tray icon with a menu and the status window, following the gateway.
class GuiApp final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuiApp)

public:
    explicit GuiApp(gateway::GatewayThread *gateway, QObject *parent = nullptr);
    ~GuiApp() override;

    /// Stops the gateway, then quits the application.
    void quit();
    [[nodiscard]] StatusWindow *window() const noexcept { return m_window.get(); }

private:
    gateway::GatewayThread *m_gateway;
    std::unique_ptr<StatusWindow> m_window;
    QSystemTrayIcon *m_tray = nullptr;
};

} // namespace obleth::ui
