#pragma once

#include <QObject>

#include <memory>

namespace obleth::gateway {
class GatewayThread;
}

namespace obleth::ui {

class Autostart;
class GatewayLink;
class MainWindow;
class TrayIcon;

/// The tray app's shell: the tray icon and the main window, following the gateway it runs.
class GuiApp final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuiApp)

public:
    explicit GuiApp(gateway::GatewayThread *gateway, QObject *parent = nullptr);
    ~GuiApp() override;

    /// Stops the gateway, then quits the application.
    void quit();
    /// Brings the main window forward (tray click, "Open obleth", a second instance).
    void showWindow();
    [[nodiscard]] MainWindow *window() const noexcept { return m_window.get(); }
    [[nodiscard]] GatewayLink *link() const noexcept { return m_link; }
    [[nodiscard]] TrayIcon *tray() const noexcept { return m_tray; }

private:
    gateway::GatewayThread *m_gateway;
    GatewayLink *m_link;
    std::unique_ptr<Autostart> m_autostart;
    std::unique_ptr<MainWindow> m_window;
    TrayIcon *m_tray;
};

} // namespace obleth::ui
