#include "guiapp.h"

#include "gateway/gatewaythread.h"
#include "gatewaylink.h"
#include "mainwindow.h"
#include "statuswindow.h"

#include <QApplication>
#include <QIcon>
#include <QMenu>
#include <QSystemTrayIcon>

namespace obleth::ui {

GuiApp::GuiApp(gateway::GatewayThread *gateway, QObject *parent)
    : QObject(parent)
    , m_gateway(gateway)
    , m_link(new GatewayLink(gateway, this))
    , m_window(std::make_unique<MainWindow>(m_link))
{
    const QIcon icon(QStringLiteral(":/obleth/obleth.svg"));
    QApplication::setWindowIcon(icon);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(icon, this);
        auto *menu = new QMenu(m_window.get());
        menu->addAction(tr("Show obleth"), m_window.get(), [this] {
            m_window->show();
            m_window->raise();
        });
        menu->addSeparator();
        menu->addAction(tr("Quit"), this, &GuiApp::quit);
        m_tray->setContextMenu(menu);
        m_tray->setToolTip(tr("obleth gateway"));
        m_tray->show();
    } else {
        // Without a tray, closing the window is how the user quits.
        QApplication::setQuitOnLastWindowClosed(true);
        connect(qApp, &QApplication::lastWindowClosed, this, &GuiApp::quit);
    }
    m_window->show();

    connect(gateway, &gateway::GatewayThread::started, this,
            [this](const QString &dataUrl, const QString &adminUrl, const QString &firstKey) {
                m_window->overview()->showListening(dataUrl, adminUrl);
                if (!firstKey.isEmpty())
                    m_window->overview()->showFirstKey(firstKey);
            });
    connect(gateway, &gateway::GatewayThread::startFailed, this, [this](const QString &error) {
        m_window->overview()->showError(error);
        m_window->show();
    });
    connect(gateway, &gateway::GatewayThread::stopped, qApp, &QCoreApplication::quit);
}

GuiApp::~GuiApp() = default;

void GuiApp::quit()
{
    m_gateway->shutdown();
}

} // namespace obleth::ui
