#pragma once

#include <QString>

namespace obleth::ui {

/// "Start at login" the way each desktop does it: an XDG autostart entry on Linux
/// ($XDG_CONFIG_HOME/autostart/obleth.desktop), a LaunchAgent on macOS, the Run key on Windows.
class Autostart final
{
public:
    /// @p program is what to start (the running binary, normally).
    explicit Autostart(QString program);

    [[nodiscard]] bool isEnabled() const;
    /// Returns false with @p error set when the entry cannot be written or removed.
    bool setEnabled(bool enabled, QString *error);
    /// Where the entry lives (a file, or the registry key).
    [[nodiscard]] QString location() const;

private:
    QString m_program;
};

} // namespace obleth::ui
