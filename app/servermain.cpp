// obleth-server: the headless gateway alone. It runs like `obleth --server` (and accepts --server and
// --mock-upstream too), links only the core (no Qt Widgets or Gui), so that a server's package pulls in no GUI
// library, and it is a console program on Windows, where `obleth` is a GUI executable without a console.

#include "cli.h"
#include "headless.h"

using namespace obleth;

namespace {

/// obleth's help with this program's usage and modes in front of the options they share.
QString serverHelpText()
{
    const QString full = app::CliOptions::helpText();
    const qsizetype options = full.indexOf(QLatin1String("Options ("));
    return QStringLiteral("Usage: obleth-server [--mock-upstream] [options]\n"
                          "\n"
                          "The headless obleth gateway, an OpenAI-compatible gateway for local and remote LLM\n"
                          "backends; the same as `obleth --server`, without the tray app's libraries.\n"
                          "\n"
                          "Modes:\n"
                          "  (none), --server       headless gateway (no display needed)\n"
                          "  --mock-upstream        only the built-in mock OpenAI backend, on --port [8089]\n"
                          "\n")
        + (options < 0 ? QString() : full.mid(options));
}

} // namespace

int main(int argc, char **argv)
{
    app::prepareProcess();
    const app::CliOptions options = app::parseOrExit(argc, argv);

    switch (options.mode) {
    case app::CliOptions::Mode::Help: std::fputs(qPrintable(serverHelpText()), stdout); return 0;
    case app::CliOptions::Mode::Version:
        app::printLine(stdout, QStringLiteral("obleth-server " OBLETH_VERSION));
        return 0;
    case app::CliOptions::Mode::MockUpstream: return app::runMockUpstream(options, argc, argv);
    case app::CliOptions::Mode::Server:
    case app::CliOptions::Mode::Gui: return app::runServer(options, argc, argv);
    }
    return 0;
}
