#pragma once

#include "gateway/gateway.h"

#include <QProcessEnvironment>
#include <QStringList>

namespace obleth::app {

/// What the command line and the environment ask for (contract section 1).
struct CliOptions
{
    enum class Mode { Gui, Server, MockUpstream, Help, Version };
    Mode mode = Mode::Gui;
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
};

} // namespace obleth::app
