#include "autostart.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace obleth::ui {

namespace {
#if defined(Q_OS_WIN)
const QString kRunKey = QStringLiteral("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
#endif
} // namespace

Autostart::Autostart(QString program)
    : m_program(std::move(program))
{ }

QString Autostart::location() const
{
#if defined(Q_OS_WIN)
    return kRunKey;
#elif defined(Q_OS_MACOS)
    return QDir::homePath() + QStringLiteral("/Library/LaunchAgents/dev.obleth.plist");
#else
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/autostart/obleth.desktop");
#endif
}

bool Autostart::isEnabled() const
{
#if defined(Q_OS_WIN)
    return QSettings(kRunKey, QSettings::NativeFormat).contains(QStringLiteral("obleth"));
#else
    return QFileInfo::exists(location());
#endif
}

bool Autostart::setEnabled(bool enabled, QString *error)
{
#if defined(Q_OS_WIN)
    QSettings run(kRunKey, QSettings::NativeFormat);
    if (enabled)
        // Quoted: an unquoted path with spaces ("C:\\Program Files\\...") would start C:\\Program.exe if it existed.
        run.setValue(QStringLiteral("obleth"),
                     QLatin1Char('"') + QDir::toNativeSeparators(m_program) + QLatin1Char('"'));
    else
        run.remove(QStringLiteral("obleth"));
    run.sync();
    if (run.status() != QSettings::NoError) {
        *error = QStringLiteral("cannot change %1").arg(kRunKey);
        return false;
    }
    return true;
#else
    const QString path = location();
    if (!enabled) {
        if (QFile::exists(path) && !QFile::remove(path)) {
            *error = QStringLiteral("cannot remove %1").arg(path);
            return false;
        }
        return true;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
#if defined(Q_OS_MACOS)
    const QByteArray entry = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                             "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                             "<plist version=\"1.0\"><dict>\n"
                             "<key>Label</key><string>dev.obleth</string>\n"
                             "<key>ProgramArguments</key><array><string>"
        + m_program.toHtmlEscaped().toUtf8()
        + "</string></array>\n"
          "<key>RunAtLoad</key><true/>\n"
          "</dict></plist>\n";
#else
    const QByteArray entry = "[Desktop Entry]\nType=Application\nName=obleth\n"
                             "Comment=Local LLM gateway\nExec=\""
        + m_program.toUtf8() + "\"\nIcon=obleth\nX-GNOME-Autostart-enabled=true\n";
#endif
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(entry) != entry.size()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
#endif
}

} // namespace obleth::ui
