#pragma once

#include "model/entities.h"
#include "problem.h"

#include <optional>

namespace obleth::config {

class LiveConfig;

/// The fields of a tenant to set; a field left unset is not touched (on create: keeps its default).
struct TenantPatch
{
    std::optional<QString> name;
    std::optional<QString> fairshareGroup; ///< must name an existing group
    std::optional<qint64> weight;
    std::optional<std::optional<qint64>> tokensPerMinute; ///< set to std::nullopt: no limit
    std::optional<std::optional<qint64>> maxInFlight; ///< set to std::nullopt: no limit
};

/// Tenants: their name, fair-share group, weight and quota. Deleting one deletes its keys.
class TenantService final
{
public:
    explicit TenantService(LiveConfig *config);

    Problem find(const QString &id, model::Tenant *out = nullptr) const;
    /// name is required.
    Problem create(const TenantPatch &fields, model::Tenant *out = nullptr);
    Problem update(const QString &id, const TenantPatch &patch, model::Tenant *out = nullptr);
    Problem remove(const QString &id);

    /// Checks @p patch against the field rules and applies it to @p tenant (with @p complete, name is required).
    /// The rules that need the configuration (a unique name, an existing group) are checked on saving.
    [[nodiscard]] static Problem apply(const TenantPatch &patch, model::Tenant *tenant, bool complete);

private:
    Problem save(model::Tenant tenant, bool insert, model::Tenant *out, const model::Tenant *before);

    LiveConfig *m_config;
};

} // namespace obleth::config
