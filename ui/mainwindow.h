#pragma once

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QTabWidget;
QT_END_NAMESPACE

namespace obleth::ui {

class GatewayLink;
class RequestsPage;
class StatusWindow;
class TenantsPage;

/// obleth's main window: one page per concern (Overview, Tenants & keys, Requests), switched with
/// Ctrl+1..Ctrl+3.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] StatusWindow *overview() const noexcept { return m_overview; }
    [[nodiscard]] TenantsPage *tenantsPage() const noexcept { return m_tenants; }
    [[nodiscard]] RequestsPage *requestsPage() const noexcept { return m_requests; }
    [[nodiscard]] QTabWidget *pages() const noexcept { return m_pages; }

private:
    QTabWidget *m_pages;
    StatusWindow *m_overview;
    TenantsPage *m_tenants;
    RequestsPage *m_requests;
};

} // namespace obleth::ui
