#pragma once

#include <QJsonObject>

namespace obleth::config {
struct ConfigSnapshot;
}

namespace obleth::gateway {

struct GatewayStatus;

/// What admission is doing right now, as GET /api/v1/fairshare/live shows it and the GUI's overview reads it:
/// capacity, permits in flight, queued, requests being answered, and per group, tenant and model their
/// in-flight and queued counts (tenants also their score and share). Call on the gateway thread.
[[nodiscard]] QJsonObject liveView(const config::ConfigSnapshot &snapshot, const GatewayStatus &status);

} // namespace obleth::gateway
