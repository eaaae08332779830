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

class GatewayLink;
class MainWindow;

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
    [[nodiscard]] MainWindow *window() const noexcept { return m_window.get(); }
    [[nodiscard]] GatewayLink *link() const noexcept { return m_link; }

private:
    gateway::GatewayThread *m_gateway;
    GatewayLink *m_link;
    std::unique_ptr<MainWindow> m_window;
    QSystemTrayIcon *m_tray = nullptr;
};

} // namespace obleth::ui
