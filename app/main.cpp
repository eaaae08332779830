// obleth: one binary, three ways to run it (contract section 1). The headless modes live in headless.cpp,
// which obleth-server (servermain.cpp) shares.

#include "cli.h"
#include "gateway/gatewaythread.h"
#include "headless.h"
#include "signalwatcher.h"
#include "ui/guiapp.h"
#include "ui/singleinstance.h"

#include <QApplication>

using namespace obleth;

namespace {

int runGui(app::CliOptions options, int argc, char **argv)
{
    QApplication gui(argc, argv);
    QApplication::setQuitOnLastWindowClosed(false);
    // Wayland compositors and docks take the window's icon and name from the desktop entry (obleth.desktop); high
    // pixel densities need nothing more in Qt 6 (the app icon comes in every size, see ui/appicon.h).
    QGuiApplication::setDesktopFileName(QStringLiteral("obleth"));
    if (!options.dataDirGiven)
        options.gateway.dataDir = app::defaultDataDir();
    ui::SingleInstance instance(options.gateway.dataDir);
    if (!instance.claim()) {
        app::printLine(stdout,
                       QStringLiteral("obleth is already running for %1; its window was brought forward")
                           .arg(options.gateway.dataDir));
        return 0;
    }
    if (const QString warning = options.exposureWarning(); !warning.isEmpty())
        app::printLine(stderr, QStringLiteral("obleth: ") + warning);
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
    app::prepareProcess();
    const app::CliOptions options = app::parseOrExit(argc, argv);

    switch (options.mode) {
    case app::CliOptions::Mode::Help: std::fputs(qPrintable(app::CliOptions::helpText()), stdout); return 0;
    case app::CliOptions::Mode::Version: app::printLine(stdout, QStringLiteral("obleth " OBLETH_VERSION)); return 0;
    case app::CliOptions::Mode::Server: return app::runServer(options, argc, argv);
    case app::CliOptions::Mode::MockUpstream: return app::runMockUpstream(options, argc, argv);
    case app::CliOptions::Mode::Gui: return runGui(options, argc, argv);
    }
    return 0;
}
