#include "trayicon.h"

#include <QMenu>
#include <QSettings>
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
    , m_alerts(nullptr)
{
    m_menu->insertSeparator(m_copyUrl);
    addAlertsAction();
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

void TrayIcon::addAlertsAction()
{
    m_alerts = m_menu->addAction(tr("Desktop &alerts"));
    m_alerts->setCheckable(true);
    m_alerts->setChecked(QSettings().value(QStringLiteral("ui/alertNotifications"), true).toBool());
    connect(m_alerts, &QAction::toggled, this,
            [](bool on) { QSettings().setValue(QStringLiteral("ui/alertNotifications"), on); });
}

void TrayIcon::notifyAlert(const QString &type, const QJsonObject &alert)
{
    if (!m_alerts->isChecked())
        return;
    const QDateTime now = m_clock ? m_clock() : QDateTime::currentDateTimeUtc();
    if (!m_throttle.admit(type, AlertThrottle::subjectOf(alert), now))
        return;
    QString kind = type;
    kind.replace(QLatin1Char('_'), QLatin1Char(' '));
    const QString title = tr("obleth: %1").arg(kind);
    const QString message = alert.value(QStringLiteral("message")).toString();
    const bool warning = type != QLatin1String("deployment_up");
    if (m_tray && m_tray->isVisible() && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(title, message, warning ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information);
    Q_EMIT notified(title, message);
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
