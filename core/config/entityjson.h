#pragma once

#include "model/entities.h"
#include "jsonfields.h"

#include <QJsonObject>

namespace obleth::config {

/// JSON as the Management API shows each entity. Write-only secrets are never included.
[[nodiscard]] QJsonObject toJson(const model::ModelConfig &model);
[[nodiscard]] QJsonObject toJson(const model::Tenant &tenant);
[[nodiscard]] QJsonObject toJson(const model::ApiKey &key);
[[nodiscard]] QJsonObject toJson(const model::FairShareGroup &group);
[[nodiscard]] QJsonObject toJson(const model::McpServer &server);
[[nodiscard]] QString isoTime(const QDateTime &time);

/// Applies the fields present in @p json to @p model (a PATCH); for a create or PUT, start from a
/// default-constructed entity and set @p complete so that required fields are checked.
[[nodiscard]] Problem applyJson(const QJsonObject &json, model::ModelConfig *model, bool complete);
[[nodiscard]] Problem applyJson(const QJsonObject &json, model::Tenant *tenant, bool complete);
[[nodiscard]] Problem applyJson(const QJsonObject &json, model::FairShareGroup *group, bool complete);
[[nodiscard]] Problem applyJson(const QJsonObject &json, model::McpServer *server, bool complete);

} // namespace obleth::config
