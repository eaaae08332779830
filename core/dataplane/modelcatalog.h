#pragma once

#include "model/configsnapshot.h"

#include <QJsonObject>

#include <optional>

namespace obleth::dataplane {

/// The models obleth serves itself, as /v1/models shows them (contract section 2): the enabled registered
/// models, the built-in mock-model unless a registered model has taken its name, and "auto" (contract section 11)
/// while an enabled model is auto-routed (for a key that may use one of them).
class ModelCatalog final
{
public:
    explicit ModelCatalog(const model::ConfigSnapshot &snapshot)
        : m_snapshot(snapshot)
    { }

    /// The body of GET /v1/models for @p key: the models above that its allowed_models take.
    [[nodiscard]] QJsonObject list(const model::ApiKey &key) const;
    /// The body of GET /v1/models/{name}; nothing when obleth does not serve @p name (unknown or disabled).
    [[nodiscard]] std::optional<QJsonObject> find(const QString &name) const;

private:
    /// "auto" means the auto router: some enabled model has auto_route, and no registered model is named "auto".
    [[nodiscard]] bool offersAuto() const;

    const model::ConfigSnapshot &m_snapshot;
};

} // namespace obleth::dataplane
