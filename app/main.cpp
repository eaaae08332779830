// obleth: one binary, three ways to run it (contract section 1).

#include "cli.h"
#include "gateway/gatewaythread.h"
#include "http/httpserver.h"
#include "mock/mockbackend.h"
#include "platform/filelimit.h"
#include "signalwatcher.h"
#include "ui/guiapp.h"
#include "ui/singleinstance.h"

#include <QApplication>
#include <QCoreApplication>
#include <QStandardPaths>

#include <cstdio>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif
#ifdef Q_OS_WIN
#include <qt_windows.h>
#include <shellapi.h>
#endif

using namespace obleth;

namespace {

constexpr int kDrainMs = 10'000;

void printLine(FILE *stream, const QString &line)
{
    std::fputs(qPrintable(line + QLatin1Char('\n')), stream);
    std::fflush(stream);
}

int fail(const QString &message, int code = 1)
{
    printLine(stderr, QStringLiteral("obleth: ") + message);
    return code;
}

/// The command line, as QCoreApplication::arguments() would give it. It is read before any application object
/// exists because the mode it names decides which one to make (QApplication only for the tray app). On Windows
/// argv is in the ANSI code page and loses what that cannot spell (a data folder with non-ASCII letters), so the
/// UTF-16 command line is split the way Qt itself does it; elsewhere argv is in the locale's encoding.
QStringList commandLine(int argc, char **argv)
{
    QStringList arguments;
#ifdef Q_OS_WIN
    int count = 0;
    if (LPWSTR *wide = ::CommandLineToArgvW(::GetCommandLineW(), &count)) {
        for (int i = 0; i < count; ++i)
            arguments.append(QString::fromWCharArray(wide[i]));
        ::LocalFree(wide);
        return arguments;
    }
#endif
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    return arguments;
}

void setIdentity()
{
    QCoreApplication::setApplicationName(QStringLiteral("obleth"));
    QCoreApplication::setApplicationVersion(QStringLiteral(OBLETH_VERSION));
}

QString defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

/// Headless modes use Qt's own event dispatcher rather than GLib's: fewer system calls per request
/// (about 15 % more requests per second, measured with bench/run.sh). Set QT_NO_GLIB to an empty value
/// to keep GLib.
void preferQtEventDispatcher()
{
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
}

int runServer(app::CliOptions options, int argc, char **argv)
{
    preferQtEventDispatcher();
    QCoreApplication core(argc, argv);
    if (!options.dataDirGiven)
        options.gateway.dataDir = defaultDataDir();
    if (const QString warning = options.exposureWarning(); !warning.isEmpty())
        printLine(stderr, QStringLiteral("obleth: ") + warning);
    gateway::GatewayThread gateway(options.gateway);
    app::SignalWatcher watcher;
    int exitCode = 0;
    QObject::connect(
        &gateway, &gateway::GatewayThread::started, &core,
        [&](const QString &dataUrl, const QString &adminUrl, const QString &firstKey) {
            if (!firstKey.isEmpty())
                printLine(stdout, QStringLiteral("first api key: ") + firstKey);
            if (options.gateway.adminToken.isEmpty()) {
                printLine(stderr, QStringLiteral("obleth: admin token in %1/admin-token").arg(options.gateway.dataDir));
            }
            printLine(stdout, QStringLiteral("obleth listening data=%1 admin=%2").arg(dataUrl, adminUrl));
        });
    QObject::connect(&gateway, &gateway::GatewayThread::startFailed, &core, [&](const QString &error) {
        exitCode = fail(error);
        core.exit(exitCode);
    });
    QObject::connect(&gateway, &gateway::GatewayThread::stopped, &core, [&] { core.exit(exitCode); });
    QObject::connect(&watcher, &app::SignalWatcher::terminationRequested, &core, [&](int count) {
        if (count > 1) {
            printLine(stderr, QStringLiteral("obleth: stopping now"));
            core.exit(exitCode);
            return;
        }
        gateway.shutdown(kDrainMs);
    });
    gateway.start();
    return core.exec();
}

int runMockUpstream(const app::CliOptions &options, int argc, char **argv)
{
    preferQtEventDispatcher();
    QCoreApplication core(argc, argv);
    mock::MockBackend backend;
    http::HttpServer server(&backend, {});
    QString error;
    if (!server.listen(options.gateway.host, options.mockPort, &error))
        return fail(error);
    const QString host = server.address().protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + server.address().toString() + QLatin1Char(']')
        : server.address().toString();
    printLine(stdout, QStringLiteral("obleth mock-upstream listening http://%1:%2").arg(host).arg(server.port()));
    app::SignalWatcher watcher;
    QObject::connect(&watcher, &app::SignalWatcher::terminationRequested, &core, [&core] { core.exit(0); });
    return core.exec();
}

int runGui(app::CliOptions options, int argc, char **argv)
{
    QApplication gui(argc, argv);
    QApplication::setQuitOnLastWindowClosed(false);
    if (!options.dataDirGiven)
        options.gateway.dataDir = defaultDataDir();
    ui::SingleInstance instance(options.gateway.dataDir);
    if (!instance.claim()) {
        printLine(stdout,
                  QStringLiteral("obleth is already running for %1; its window was brought forward")
                      .arg(options.gateway.dataDir));
        return 0;
    }
    gateway::GatewayThread gateway(options.gateway);
    app::SignalWatcher watcher;
    ui::GuiApp app(&gateway);
    QObject::connect(&instance, &ui::SingleInstance::activationRequested, &app, &ui::GuiApp::showWindow);
    QObject::connect(&watcher, &app::SignalWatcher::terminationRequested, &app, &ui::GuiApp::quit);
    gateway.start();
    return gui.exec();
}

} // namespace

int main(int argc, char **argv)
{
#ifdef Q_OS_UNIX
    // Everything obleth creates holds or may hold secrets (the database and its WAL files, the admin token, the
    // key file, the data folder itself): private to the user, whatever umask the shell had. SQLite creates its
    // -wal and -shm files as it goes, so this is the one setting that covers them all.
    ::umask(077);
#endif
    setIdentity();
    platform::raiseOpenFileLimit();
    const QStringList arguments = commandLine(argc, argv);

    app::CliOptions options;
    QString error;
    if (!app::CliOptions::parse(arguments, QProcessEnvironment::systemEnvironment(), &options, &error))
        return fail(error + QStringLiteral(" (see --help)"), 2);

    switch (options.mode) {
    case app::CliOptions::Mode::Help: std::fputs(qPrintable(app::CliOptions::helpText()), stdout); return 0;
    case app::CliOptions::Mode::Version: printLine(stdout, QStringLiteral("obleth " OBLETH_VERSION)); return 0;
    case app::CliOptions::Mode::Server: return runServer(options, argc, argv);
    case app::CliOptions::Mode::MockUpstream: return runMockUpstream(options, argc, argv);
    case app::CliOptions::Mode::Gui: return runGui(options, argc, argv);
    }
    return 0;
}
