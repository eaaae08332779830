#pragma once

#include "model/requestrecord.h"

#include <QJsonObject>

namespace obleth::usage {

/// A logged request as the Management API and /api/v1/events show it.
[[nodiscard]] QJsonObject toJson(const model::RequestRecord &record);
[[nodiscard]] QJsonObject toJson(const model::RequestStarted &started);
[[nodiscard]] QJsonObject toJson(const model::RequestProgress &progress);

} // namespace obleth::usage
