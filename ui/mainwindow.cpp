#include "mainwindow.h"

#include "appicon.h"
#include "mcpserverspage.h"
#include "modelspage.h"
#include "overviewpage.h"
#include "playgroundpage.h"
#include "requestspage.h"
#include "settingspage.h"
#include "statuswindow.h"
#include "tenantspage.h"
#include "usagepage.h"

#include <algorithm>

#include <QAction>
#include <QCloseEvent>
#include <QGuiApplication>
#include <QKeySequence>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QTabWidget>

namespace obleth::ui {

namespace {
const QString kGeometryKey = QStringLiteral("ui/window/geometry");
const QString kPageKey = QStringLiteral("ui/window/page");
constexpr QSize kDefaultSize(960, 640);

/// Whether enough of @p frame lies on some screen to be seen and dragged (a title bar's worth).
bool isOnSomeScreen(const QRect &frame)
{
    for (const QScreen *screen : QGuiApplication::screens()) {
        const QRect seen = screen->availableGeometry().intersected(frame);
        if (seen.width() >= std::min(120, frame.width()) && seen.height() >= std::min(40, frame.height()))
            return true;
    }
    return false;
}
} // namespace

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
    setWindowIcon(appIcon());
    m_overview->setObjectName(QStringLiteral("overview"));
    m_models->setObjectName(QStringLiteral("models"));
    m_tenants->setObjectName(QStringLiteral("tenants"));
    m_playground->setObjectName(QStringLiteral("playground"));
    m_usage->setObjectName(QStringLiteral("usage"));
    m_mcp->setObjectName(QStringLiteral("mcp"));
    m_requests->setObjectName(QStringLiteral("requests"));
    m_settings->setObjectName(QStringLiteral("settings"));
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
    // "Add a model by hand" on the first run opens the Models page's Add dialog.
    connect(m_overview, &OverviewPage::addModelRequested, this, [this] {
        m_pages->setCurrentWidget(m_models);
        m_models->addButton()->click();
    });
    resize(kDefaultSize); // the window manager places it, until restoreSession() knows better
}

QStringList MainWindow::pageNames() const
{
    QStringList names;
    for (int i = 0; i < m_pages->count(); ++i)
        names << m_pages->widget(i)->objectName();
    return names;
}

QWidget *MainWindow::page(const QString &name) const
{
    for (int i = 0; i < m_pages->count(); ++i) {
        if (m_pages->widget(i)->objectName() == name)
            return m_pages->widget(i);
    }
    return nullptr;
}

void MainWindow::placeByDefault()
{
    QSize size = kDefaultSize;
    if (const QScreen *screen = QGuiApplication::primaryScreen()) {
        const QRect available = screen->availableGeometry();
        size = size.boundedTo(available.size());
        resize(size);
        move(available.center() - QPoint(size.width() / 2, size.height() / 2));
    } else {
        resize(size);
    }
}

void MainWindow::restoreSession()
{
    const QSettings settings;
    const QByteArray geometry = settings.value(kGeometryKey).toByteArray();
    if (!geometry.isEmpty() && restoreGeometry(geometry)) {
        if (!isMaximized() && !isFullScreen() && !isOnSomeScreen(frameGeometry()))
            placeByDefault();
    }
    if (QWidget *last = page(settings.value(kPageKey).toString()))
        m_pages->setCurrentWidget(last);
}

void MainWindow::saveSession() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kPageKey, m_pages->currentWidget()->objectName());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSession();
    QMainWindow::closeEvent(event);
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
