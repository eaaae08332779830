#pragma once

#include "model/entities.h"
#include "problem.h"

#include <optional>

namespace obleth::config {

class LiveConfig;

/// The fields of a tenant's API key to set; a field left unset is not touched (on create: keeps its default).
struct KeyPatch
{
    std::optional<QString> name;
    std::optional<std::optional<QDateTime>> expiresAt; ///< set to std::nullopt: never expires
    std::optional<std::optional<QStringList>> allowedModels; ///< set to std::nullopt: every model
    std::optional<std::optional<qint64>> maxInFlight; ///< set to std::nullopt: no cap of its own
    std::optional<bool> disabled;
};

/// Tenants' API keys: made with a new secret (shown once, only its hash is kept), changed, disabled, deleted.
class KeyService final
{
public:
    explicit KeyService(LiveConfig *config);

    Problem find(const QString &id, model::ApiKey *out = nullptr) const;
    /// A new key of tenant @p tenantId (named "key" unless @p fields names it); @p secret gets its secret.
    Problem create(const QString &tenantId, const KeyPatch &fields, model::ApiKey *out, QString *secret);
    /// Changes name, expires_at, allowed_models, max_in_flight and disabled (contract section 14).
    Problem update(const QString &id, const KeyPatch &patch, model::ApiKey *out = nullptr);
    Problem remove(const QString &id);

    /// Checks @p patch against the field rules and applies it to @p key (times to the whole second, in UTC).
    [[nodiscard]] static Problem apply(const KeyPatch &patch, model::ApiKey *key);

private:
    LiveConfig *m_config;
};

} // namespace obleth::config
