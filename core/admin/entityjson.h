#pragma once

#include "config/fairshareservice.h"
#include "config/keyservice.h"
#include "config/mcpserverservice.h"
#include "config/modelservice.h"
#include "config/problem.h"
#include "config/tenantservice.h"
#include "model/entities.h"

#include <QJsonObject>

namespace obleth::admin {

/// JSON as the Management API shows each entity. Write-only secrets are never included.
[[nodiscard]] QJsonObject toJson(const model::ModelConfig &model);
[[nodiscard]] QJsonObject toJson(const model::Deployment &deployment);
[[nodiscard]] QJsonObject toJson(const model::Tenant &tenant);
[[nodiscard]] QJsonObject toJson(const model::ApiKey &key);
[[nodiscard]] QJsonObject toJson(const model::FairShareGroup &group);
[[nodiscard]] QJsonObject toJson(const model::McpServer &server);
[[nodiscard]] QString isoTime(const QDateTime &time);

/// Reads a request body into the typed change its service takes: the fields present, each of the right type, no
/// unknown one; with @p complete (a create or a PUT), the required ones present. The values' rules are the
/// services' to check. Read-only fields a client echoes back from a GET (id, created_at, ...) are ignored.
[[nodiscard]] config::Problem fromJson(const QJsonObject &json, bool complete, config::ModelPatch *patch);
/// One deployment (the sub-resource's body, or an entry of a model's `deployments`); with @p complete, api_base is
/// required. Its id is read (it names the deployment kept in a model's whole list); has_api_key is ignored.
[[nodiscard]] config::Problem fromJson(const QJsonObject &json, bool complete, config::DeploymentPatch *patch);
[[nodiscard]] config::Problem fromJson(const QJsonObject &json, bool complete, config::TenantPatch *patch);
[[nodiscard]] config::Problem fromJson(const QJsonObject &json, bool complete, config::GroupPatch *patch);
[[nodiscard]] config::Problem fromJson(const QJsonObject &json, bool complete, config::McpServerPatch *patch);
/// A key's body on create and in a PATCH: name, expires_at, allowed_models and max_in_flight.
[[nodiscard]] config::Problem fromJson(const QJsonObject &json, config::KeyPatch *patch);

} // namespace obleth::admin
