#pragma once

#include <QElapsedTimer>
#include <QString>

#include <functional>

namespace obleth::gateway {

/// What /api/v1/status and the GUI show about the running gateway.
struct GatewayStatus
{
    QString dataUrl;
    QString adminUrl;
    QElapsedTimer uptime;
    std::function<int()> inFlight = [] {
        return 0;
    };
    std::function<int()> queued = [] {
        return 0;
    };
};

} // namespace obleth::gateway
