#include "guiapp.h"

#include "appicon.h"
#include "autostart.h"
#include "gateway/gatewaythread.h"
#include "gatewaylink.h"
#include "mainwindow.h"
#include "overviewpage.h"
#include "palettes.h"
#include "statuswindow.h"
#include "tenantspage.h"
#include "trayicon.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QSettings>

namespace obleth::ui {

GuiApp::GuiApp(gateway::GatewayThread *gateway, QObject *parent)
    : QObject(parent)
    , m_gateway(gateway)
    , m_link(new GatewayLink(gateway, this))
    , m_autostart(std::make_unique<Autostart>(QCoreApplication::applicationFilePath()))
    , m_window(std::make_unique<MainWindow>(m_link, m_autostart.get()))
    , m_tray(new TrayIcon(this))
{
    QApplication::setWindowIcon(appIcon());
    applyTheme(Theme(QSettings().value(QStringLiteral("ui/theme"), 0).toInt()));
    connect(m_tray->openAction(), &QAction::triggered, this, &GuiApp::showWindow);
    connect(m_tray, &TrayIcon::activated, this, &GuiApp::showWindow);
    connect(m_tray->copyUrlAction(), &QAction::triggered, this,
            [this] { QApplication::clipboard()->setText(m_link->reachableDataUrl() + QStringLiteral("/v1")); });
    connect(m_tray->newKeyAction(), &QAction::triggered, this, [this] {
        showWindow();
        m_window->showNewKey();
    });
    connect(m_tray->pauseAction(), &QAction::triggered, m_link, [this](bool pause) { m_link->setPaused(pause); });
    connect(m_tray->quitAction(), &QAction::triggered, this, &GuiApp::quit);
    connect(m_link, &GatewayLink::pausedChanged, this,
            [this](bool paused) { m_tray->setState(paused ? TrayIcon::State::Paused : TrayIcon::State::Running); });
    connect(m_window->overviewPage(), &OverviewPage::liveUpdated, m_tray, &TrayIcon::setCounts);
    connect(m_link, &GatewayLink::alertRaised, m_tray, &TrayIcon::notifyAlert);

    if (!m_tray->show()) {
        // Without a tray, the window is the app: closing it quits.
        QApplication::setQuitOnLastWindowClosed(true);
        connect(qApp, &QApplication::lastWindowClosed, this, &GuiApp::quit);
    }
    m_window->restoreSession();
    m_window->show();

    connect(gateway, &gateway::GatewayThread::started, this,
            [this](const QString &dataUrl, const QString &adminUrl, const QString &firstKey) {
                m_tray->setState(TrayIcon::State::Running);
                m_window->overview()->showListening(dataUrl, adminUrl);
                if (!firstKey.isEmpty())
                    m_window->overview()->showFirstKey(firstKey);
            });
    connect(gateway, &gateway::GatewayThread::startFailed, this, [this](const QString &error) {
        m_tray->setState(TrayIcon::State::Error);
        m_window->overview()->showError(error);
        showWindow();
    });
    connect(gateway, &gateway::GatewayThread::stopped, qApp, &QCoreApplication::quit);
}

GuiApp::~GuiApp() = default;

void GuiApp::showWindow()
{
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

void GuiApp::quit()
{
    m_window->saveSession();
    m_gateway->shutdown();
}

} // namespace obleth::ui
