#pragma once

#include "gateway/gateway.h"

#include <QProcessEnvironment>
#include <QStringList>

#include <optional>

namespace obleth::app {

/// What the command line and the environment ask for (contract section 1).
struct CliOptions
{
    enum class Mode { Gui, Server, MockUpstream, Help, Version };
    /// The least severe messages of obleth's logging categories that are shown (--log-level).
    enum class LogLevel { Error, Warning, Info, Debug };
    Mode mode = Mode::Gui;
    /// Unset: the categories' own default (info and above), or what QT_LOGGING_RULES says.
    std::optional<LogLevel> logLevel;
    gateway::GatewayOptions gateway;
    bool dataDirGiven = false;
    /// --mock-upstream listens on --port, or on this when none is given.
    static constexpr quint16 kMockDefaultPort = 8089;
    quint16 mockPort = kMockDefaultPort;

    /// Parses @p arguments (argv[0] first) and @p env; on failure returns false with a one-line @p error.
    static bool parse(const QStringList &arguments, const QProcessEnvironment &env, CliOptions *out, QString *error);
    [[nodiscard]] static QString helpText();
    /// One line to print when the data plane is reachable from the network without TLS; else empty.
    [[nodiscard]] QString exposureWarning() const;
    /// The rules for QLoggingCategory::setFilterRules() that show obleth's messages from @p level up.
    [[nodiscard]] static QString loggingRules(LogLevel level);
};

} // namespace obleth::app
