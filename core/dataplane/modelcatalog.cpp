#include "modelcatalog.h"

#include "routing/autorouter.h"

#include <QJsonArray>

namespace obleth::dataplane {

namespace {
QJsonObject modelObject(const QString &name, qint64 created)
{
    return QJsonObject{{QStringLiteral("id"), name},
                       {QStringLiteral("object"), QStringLiteral("model")},
                       {QStringLiteral("created"), double(created)},
                       {QStringLiteral("owned_by"), QStringLiteral("obleth")}};
}
} // namespace

QJsonObject ModelCatalog::list(const model::ApiKey &key) const
{
    QJsonArray data;
    bool mockRegistered = false;
    for (const model::ModelConfig &m : m_snapshot.models) {
        mockRegistered = mockRegistered || m.modelName == model::kMockModelName;
        if (m.enabled && key.allowsModel(m.modelName))
            data.append(modelObject(m.modelName, m.createdAt.toSecsSinceEpoch()));
    }
    if (!mockRegistered && key.allowsModel(model::kMockModelName))
        data.append(modelObject(model::kMockModelName, 0));
    if (offersAuto() && !routing::AutoRouter::candidates(m_snapshot, key).isEmpty())
        data.append(modelObject(routing::AutoRouter::kModelName, 0));
    return QJsonObject{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}};
}

bool ModelCatalog::offersAuto() const
{
    // A registered model that took the name "auto" is served as itself (and listed as such).
    return !m_snapshot.findModel(routing::AutoRouter::kModelName) && routing::AutoRouter::isOffered(m_snapshot);
}

std::optional<QJsonObject> ModelCatalog::find(const QString &name) const
{
    const model::ModelConfig *m = m_snapshot.findModel(name);
    if (m && m->enabled)
        return modelObject(m->modelName, m->createdAt.toSecsSinceEpoch());
    if (!m && name == model::kMockModelName)
        return modelObject(name, 0);
    if (!m && name == routing::AutoRouter::kModelName && offersAuto())
        return modelObject(name, 0);
    return std::nullopt;
}

} // namespace obleth::dataplane
