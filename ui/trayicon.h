#pragma once

#include "alertthrottle.h"

#include <QIcon>
#include <QJsonObject>
#include <QObject>

#include <functional>

QT_BEGIN_NAMESPACE
class QAction;
class QMenu;
class QSystemTrayIcon;
QT_END_NAMESPACE

namespace obleth::ui {

/// The tray icon and its menu: the icon shows the state (running, paused, error), the tooltip the live
/// counts, and the menu opens the window, copies the base URL, makes a new key, pauses or resumes the
/// gateway, and quits. The menu exists (and its actions work) even where the desktop has no tray. Alerts become
/// desktop notifications (one a minute per kind and subject, unless silenced in the menu) where there is a tray.
class TrayIcon final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)

public:
    enum class State { Starting, Running, Paused, Error };

    explicit TrayIcon(QObject *parent = nullptr);
    ~TrayIcon() override;

    /// Shows the icon when the desktop has a tray; returns whether it could.
    bool show();
    void setState(State state);
    [[nodiscard]] State state() const noexcept { return m_state; }
    void setCounts(int inFlight, int queued);
    [[nodiscard]] QString toolTip() const;
    [[nodiscard]] QIcon icon() const;

    [[nodiscard]] QMenu *menu() const noexcept { return m_menu; }
    [[nodiscard]] QAction *openAction() const noexcept { return m_open; }
    [[nodiscard]] QAction *copyUrlAction() const noexcept { return m_copyUrl; }
    [[nodiscard]] QAction *newKeyAction() const noexcept { return m_newKey; }
    [[nodiscard]] QAction *pauseAction() const noexcept { return m_pause; }
    [[nodiscard]] QAction *quitAction() const noexcept { return m_quit; }
    /// Checked while alerts become desktop notifications (kept in the settings as ui/alertNotifications).
    [[nodiscard]] QAction *alertsAction() const noexcept { return m_alerts; }

    /// Shows alert @p type ({"event", "time", "message", "details"}) as a desktop notification, unless one of its
    /// kind about the same subject was shown within the minute or notifications are silenced; notified() tells
    /// what was shown (also where the desktop has no tray, where nothing appears).
    void notifyAlert(const QString &type, const QJsonObject &alert);
    /// For tests: the clock the once-a-minute guard reads.
    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }

Q_SIGNALS:
    /// The icon itself was clicked.
    void activated();
    /// An alert was let through as a notification: @p title and @p message as shown.
    void notified(const QString &title, const QString &message);

private:
    void update();
    void addAlertsAction();

    QMenu *m_menu;
    QSystemTrayIcon *m_tray = nullptr;
    QAction *m_open;
    QAction *m_copyUrl;
    QAction *m_newKey;
    QAction *m_pause;
    QAction *m_quit;
    QAction *m_alerts;
    AlertThrottle m_throttle;
    std::function<QDateTime()> m_clock;
    State m_state = State::Starting;
    int m_inFlight = 0;
    int m_queued = 0;
};

} // namespace obleth::ui
