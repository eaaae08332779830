#pragma once

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QTabWidget;
QT_END_NAMESPACE

namespace obleth::ui {

class Autostart;
class GatewayLink;
class McpServersPage;
class ModelsPage;
class OverviewPage;
class PlaygroundPage;
class RequestsPage;
class SettingsPage;
class StatusWindow;
class TenantsPage;
class UsagePage;

/// obleth's main window: one page per concern (Overview, Models, Tenants & keys, Playground, Usage, …), switched
/// with Ctrl+1, Ctrl+2, …. It remembers its geometry and page in the settings (restoreSession(), saveSession()).
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    MainWindow(GatewayLink *link, Autostart *autostart, QWidget *parent = nullptr);

    [[nodiscard]] OverviewPage *overviewPage() const noexcept { return m_overview; }
    /// Where the gateway listens (on the overview page).
    [[nodiscard]] StatusWindow *overview() const;
    [[nodiscard]] ModelsPage *modelsPage() const noexcept { return m_models; }
    [[nodiscard]] TenantsPage *tenantsPage() const noexcept { return m_tenants; }
    [[nodiscard]] PlaygroundPage *playgroundPage() const noexcept { return m_playground; }
    [[nodiscard]] UsagePage *usagePage() const noexcept { return m_usage; }
    [[nodiscard]] McpServersPage *mcpPage() const noexcept { return m_mcp; }
    [[nodiscard]] RequestsPage *requestsPage() const noexcept { return m_requests; }
    [[nodiscard]] SettingsPage *settingsPage() const noexcept { return m_settings; }
    [[nodiscard]] QTabWidget *pages() const noexcept { return m_pages; }
    /// Opens Tenants & keys ready to name a new key for the selected tenant.
    void showNewKey();

    /// Each page's name (its objectName, kept in the settings as the last page): "overview", "models", ….
    [[nodiscard]] QStringList pageNames() const;
    /// The page called @p name, or nullptr.
    [[nodiscard]] QWidget *page(const QString &name) const;

    /// Puts the window where it was and on the page it showed when saveSession() last ran; a geometry that is no
    /// longer on any screen (a monitor unplugged) gives way to the default size on the primary screen.
    void restoreSession();
    /// Keeps the geometry and the current page in the settings (ui/window/geometry, ui/window/page).
    void saveSession() const;

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    /// Centres the window at its default size (clipped to the screen) on the primary screen.
    void placeByDefault();

    QTabWidget *m_pages;
    OverviewPage *m_overview;
    ModelsPage *m_models;
    TenantsPage *m_tenants;
    PlaygroundPage *m_playground;
    UsagePage *m_usage;
    McpServersPage *m_mcp;
    RequestsPage *m_requests;
    SettingsPage *m_settings;
};

} // namespace obleth::ui
