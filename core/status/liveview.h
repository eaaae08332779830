#pragma once

#include <QJsonObject>

#include <functional>

namespace obleth::model {
struct ConfigSnapshot;
struct FairShareGroup;
} // namespace obleth::model

namespace obleth::status {

struct GatewayStatus;

/// What admission is doing right now, as GET /api/v1/fairshare/live shows it and the GUI's overview reads it:
/// capacity, permits in flight, queued, requests being answered, and per group, tenant and model their
/// in-flight and queued counts (tenants also their score and share), and each tenant's tokens_per_minute budget
/// with the tokens left in it now. Each group is shown as @p groupJson words it
/// (the Management API's own form, admin::toJson), with its live counts added. Call on the gateway thread.
using GroupJson = std::function<QJsonObject(const model::FairShareGroup &group)>;
[[nodiscard]] QJsonObject liveView(const model::ConfigSnapshot &snapshot, const GatewayStatus &status,
                                   const GroupJson &groupJson);

} // namespace obleth::status
