#include "trayicon.h"

#include <QMenu>
#include <QSystemTrayIcon>

namespace obleth::ui {

TrayIcon::TrayIcon(QObject *parent)
    : QObject(parent)
    , m_menu(new QMenu)
    , m_open(m_menu->addAction(tr("&Open obleth")))
    , m_copyUrl(m_menu->addAction(tr("&Copy base URL")))
    , m_newKey(m_menu->addAction(tr("&New key…")))
    , m_pause(m_menu->addAction(tr("&Pause gateway")))
    , m_quit(nullptr)
{
    m_menu->insertSeparator(m_copyUrl);
    m_menu->addSeparator();
    m_quit = m_menu->addAction(tr("&Quit"));
    m_pause->setCheckable(true);
    update();
}

TrayIcon::~TrayIcon()
{
    delete m_menu;
}

bool TrayIcon::show()
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return false;
    if (!m_tray) {
        m_tray = new QSystemTrayIcon(icon(), this);
        m_tray->setContextMenu(m_menu);
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                Q_EMIT activated();
        });
    }
    update();
    m_tray->show();
    return true;
}

void TrayIcon::setState(State state)
{
    m_state = state;
    update();
}

void TrayIcon::setCounts(int inFlight, int queued)
{
    m_inFlight = inFlight;
    m_queued = queued;
    update();
}

QIcon TrayIcon::icon() const
{
    switch (m_state) {
    case State::Paused: return QIcon(QStringLiteral(":/obleth/obleth-paused.svg"));
    case State::Error: return QIcon(QStringLiteral(":/obleth/obleth-error.svg"));
    case State::Starting:
    case State::Running: break;
    }
    return QIcon(QStringLiteral(":/obleth/obleth.svg"));
}

QString TrayIcon::toolTip() const
{
    switch (m_state) {
    case State::Starting: return tr("obleth: starting");
    case State::Error: return tr("obleth: the gateway could not start");
    case State::Paused: return tr("obleth: paused (%1 in flight, %2 queued)").arg(m_inFlight).arg(m_queued);
    case State::Running: break;
    }
    return tr("obleth: %1 in flight, %2 queued").arg(m_inFlight).arg(m_queued);
}

void TrayIcon::update()
{
    const bool up = m_state == State::Running || m_state == State::Paused;
    m_copyUrl->setEnabled(up);
    m_newKey->setEnabled(up);
    m_pause->setEnabled(up);
    m_pause->setChecked(m_state == State::Paused);
    m_pause->setText(m_state == State::Paused ? tr("&Resume gateway") : tr("&Pause gateway"));
    if (m_tray) {
        m_tray->setIcon(icon());
        m_tray->setToolTip(toolTip());
    }
}

} // namespace obleth::ui
