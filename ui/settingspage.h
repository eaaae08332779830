#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace obleth::ui {

class Autostart;
class GatewayLink;

/// Where obleth listens and keeps its data, the admin token (reveal, copy, regenerate), start at login,
/// the colour scheme and the currency money is shown in. Host and ports come from the command line (`obleth
/// --host/--port/--admin-port`).
class SettingsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsPage)

public:
    SettingsPage(GatewayLink *link, Autostart *autostart, QWidget *parent = nullptr);
    ~SettingsPage() override;

    [[nodiscard]] QLineEdit *adminToken() const noexcept { return m_token; }
    [[nodiscard]] QPushButton *revealButton() const noexcept { return m_reveal; }
    [[nodiscard]] QPushButton *copyButton() const noexcept { return m_copy; }
    [[nodiscard]] QPushButton *regenerateButton() const noexcept { return m_regenerate; }
    [[nodiscard]] QCheckBox *startAtLogin() const noexcept { return m_autostart; }
    [[nodiscard]] QComboBox *theme() const noexcept { return m_theme; }
    /// The currency prices and costs are shown in (DisplayCurrency).
    [[nodiscard]] QComboBox *currency() const noexcept { return m_currency; }
    [[nodiscard]] QLabel *message() const noexcept { return m_message; }
    [[nodiscard]] QLabel *dataFolder() const noexcept { return m_dataDir; }

private:
    void regenerate();

    GatewayLink *m_link;
    Autostart *m_autostartEntry;
    QLabel *m_listeners;
    QLabel *m_dataDir;
    QPushButton *m_openDataDir;
    QLineEdit *m_token;
    QPushButton *m_reveal;
    QPushButton *m_copy;
    QPushButton *m_regenerate;
    QCheckBox *m_autostart;
    QComboBox *m_theme;
    QComboBox *m_currency;
    QLabel *m_message;
};

} // namespace obleth::ui
