#pragma once

#include <QJsonObject>

namespace obleth::model {
struct ConfigSnapshot;
}

namespace obleth::status {

struct GatewayStatus;

/// What admission is doing right now, as GET /api/v1/fairshare/live shows it and the GUI's overview reads it:
/// capacity, permits in flight, queued, requests being answered, and per group, tenant and model their
/// in-flight and queued counts (tenants also their score and share). Call on the gateway thread.
[[nodiscard]] QJsonObject liveView(const model::ConfigSnapshot &snapshot, const GatewayStatus &status);

} // namespace obleth::status
