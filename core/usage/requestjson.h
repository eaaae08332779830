#pragma once

#include "requestrecord.h"

#include <QJsonObject>

namespace obleth::usage {

/// A logged request as the Management API and /api/v1/events show it.
[[nodiscard]] QJsonObject toJson(const RequestRecord &record);
[[nodiscard]] QJsonObject toJson(const RequestStarted &started);
[[nodiscard]] QJsonObject toJson(const RequestProgress &progress);

} // namespace obleth::usage
