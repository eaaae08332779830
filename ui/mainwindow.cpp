#include "mainwindow.h"

#include "mcpserverspage.h"
#include "modelspage.h"
#include "overviewpage.h"
#include "playgroundpage.h"
#include "requestspage.h"
#include "settingspage.h"
#include "statuswindow.h"
#include "tenantspage.h"
#include "usagepage.h"

#include <QAction>
#include <QKeySequence>
#include <QLineEdit>
#include <QTabWidget>

namespace obleth::ui {

MainWindow::MainWindow(GatewayLink *link, Autostart *autostart, QWidget *parent)
    : QMainWindow(parent)
    , m_pages(new QTabWidget(this))
    , m_overview(new OverviewPage(link, this))
    , m_models(new ModelsPage(link, this))
    , m_tenants(new TenantsPage(link, this))
    , m_playground(new PlaygroundPage(link, this))
    , m_usage(new UsagePage(link, this))
    , m_mcp(new McpServersPage(link, this))
    , m_requests(new RequestsPage(link, this))
    , m_settings(new SettingsPage(link, autostart, this))
{
    setWindowTitle(tr("obleth"));
    m_pages->addTab(m_overview, tr("&Overview"));
    m_pages->addTab(m_models, tr("&Models"));
    m_pages->addTab(m_tenants, tr("&Tenants && keys"));
    m_pages->addTab(m_playground, tr("&Playground"));
    m_pages->addTab(m_usage, tr("&Usage"));
    m_pages->addTab(m_mcp, tr("M&CP servers"));
    m_pages->addTab(m_requests, tr("&Requests"));
    m_pages->addTab(m_settings, tr("&Settings"));
    setCentralWidget(m_pages);
    for (int i = 0; i < m_pages->count(); ++i) {
        auto *go = new QAction(this);
        go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(go, &QAction::triggered, m_pages, [this, i] { m_pages->setCurrentIndex(i); });
        addAction(go);
    }
    resize(960, 640);
}

void MainWindow::showNewKey()
{
    m_pages->setCurrentWidget(m_tenants);
    m_tenants->newKeyName()->setFocus();
}

StatusWindow *MainWindow::overview() const
{
    return m_overview->status();
}

} // namespace obleth::ui
