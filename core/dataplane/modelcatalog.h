#pragma once

#include "model/configsnapshot.h"

#include <QJsonObject>

#include <optional>

namespace obleth::dataplane {

/// The models obleth serves itself, as /v1/models shows them (contract section 2): the enabled registered
/// models, and the built-in mock-model unless a registered model has taken its name.
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
    const model::ConfigSnapshot &m_snapshot;
};

} // namespace obleth::dataplane
