#include "headless.h"

#include "gateway/gatewaythread.h"
#include "http/httpserver.h"
#include "mock/mockbackend.h"
#include "openai/error.h"
#include "platform/filelimit.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QStandardPaths>

#include <cstdlib>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif
#ifdef Q_OS_WIN
#include <qt_windows.h>
#include <shellapi.h>
#endif

namespace obleth::app {

namespace {

constexpr int kDrainMs = 10'000;

/// Headless modes use Qt's own event dispatcher rather than GLib's: fewer system calls per request
/// (about 15 % more requests per second, measured with bench/run.sh). Set QT_NO_GLIB to an empty value
/// to keep GLib.
void preferQtEventDispatcher()
{
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
}

} // namespace

void prepareProcess()
{
#ifdef Q_OS_UNIX
    // Everything obleth creates holds or may hold secrets (the database and its WAL files, the admin token, the
    // key file, the data folder itself): private to the user, whatever umask the shell had. SQLite creates its
    // -wal and -shm files as it goes, so this is the one setting that covers them all.
    ::umask(077);
#endif
    QCoreApplication::setApplicationName(QStringLiteral("obleth"));
    QCoreApplication::setApplicationVersion(QStringLiteral(OBLETH_VERSION));
    platform::raiseOpenFileLimit();
}

void printLine(FILE *stream, const QString &line)
{
    std::fputs(qPrintable(line + QLatin1Char('\n')), stream);
    std::fflush(stream);
}

int fail(const QString &message, int code)
{
    printLine(stderr, QStringLiteral("obleth: ") + message);
    return code;
}

CliOptions parseOrExit(int argc, char **argv)
{
    CliOptions options;
    QString error;
    if (!CliOptions::parse(argumentsOf(argc, argv), QProcessEnvironment::systemEnvironment(), &options, &error))
        std::exit(fail(error + QStringLiteral(" (see --help)"), 2));
    if (options.logLevel)
        QLoggingCategory::setFilterRules(CliOptions::loggingRules(*options.logLevel));
    return options;
}

QString defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

QStringList argumentsOf(int argc, char **argv)
{
    // Read before any application object exists, because the mode decides which one to make. On Windows argv
    // is in the ANSI code page and loses what it cannot spell (a data folder with non-ASCII letters), so the
    // UTF-16 command line is split the way Qt itself does; elsewhere argv is in the locale's encoding.
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

int runServer(CliOptions options, int argc, char **argv)
{
    preferQtEventDispatcher();
    QCoreApplication core(argc, argv);
    if (!options.dataDirGiven)
        options.gateway.dataDir = defaultDataDir();
    if (const QString warning = options.exposureWarning(); !warning.isEmpty())
        printLine(stderr, QStringLiteral("obleth: ") + warning);
    gateway::GatewayThread gateway(options.gateway);
    SignalWatcher watcher;
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
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &core, [&](int count) {
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

int runMockUpstream(const CliOptions &options, int argc, char **argv)
{
    preferQtEventDispatcher();
    QCoreApplication core(argc, argv);
    mock::MockBackend backend;
    http::ServerOptions serverOptions;
    serverOptions.rejection = &openai::rejection; // refusals in the same shape as the mock's own errors
    http::HttpServer server(&backend, serverOptions);
    QString error;
    if (!server.listen(options.gateway.host, options.mockPort, &error))
        return fail(error);
    printLine(stdout, QStringLiteral("obleth mock-upstream listening ") + server.url());
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &core, [&core] { core.exit(0); });
    return core.exec();
}

} // namespace obleth::app
