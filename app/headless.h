#pragma once

#include "cli.h"

#include <QString>

#include <cstdio>

// What both executables share: `obleth` (the tray app, which also runs headless with --server) and
// `obleth-server` (headless only, links no GUI library, a console program on Windows).
namespace obleth::app {

/// Process-wide settings made before anything else: a private umask, the open-file limit, the application's
/// name and version. Both executables set the same name so that they share one default data folder.
void prepareProcess();

/// Writes @p line and a newline to @p stream, flushed at once (scripts wait for these lines).
void printLine(FILE *stream, const QString &line);

/// Prints "obleth: <message>" to stderr and returns @p code.
int fail(const QString &message, int code = 1);

/// The command line and the environment, read before any application object exists. An invalid option
/// prints one line and exits with code 2. Applies --log-level (OBLETH_LOG_LEVEL) to obleth's logging
/// categories; QT_LOGGING_RULES, applied after it, still wins for the rules it names.
CliOptions parseOrExit(int argc, char **argv);

/// The platform's per-user app-data folder for obleth.
QString defaultDataDir();

/// The headless gateway (`--server`) until SIGINT/SIGTERM; returns the exit code.
int runServer(CliOptions options, int argc, char **argv);

/// Only the built-in mock OpenAI backend (`--mock-upstream`); returns the exit code.
int runMockUpstream(const CliOptions &options, int argc, char **argv);

/// The command line as QStrings, argv[0] first.
QStringList argumentsOf(int argc, char **argv);

} // namespace obleth::app
