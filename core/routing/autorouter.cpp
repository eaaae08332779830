#include "autorouter.h"

#include <algorithm>

namespace obleth::routing {

bool AutoRouter::isOffered(const model::ConfigSnapshot &snapshot)
{
    return std::any_of(snapshot.models.cbegin(), snapshot.models.cend(),
                       [](const model::ModelConfig &m) { return m.enabled && m.autoRoute; });
}

QList<const model::ModelConfig *> AutoRouter::candidates(const model::ConfigSnapshot &snapshot,
                                                         const model::ApiKey &key)
{
    QList<const model::ModelConfig *> out;
    for (const model::ModelConfig &m : snapshot.models) {
        if (m.enabled && m.autoRoute && key.allowsModel(m.modelName))
            out.append(&m);
    }
    return out;
}

double AutoRouter::spareCapacity(const model::ModelConfig &model, int inFlight)
{
    const std::optional<qint64> cap = model.concurrencyCap();
    if (!cap)
        return 1.0;
    if (*cap <= 0)
        return 0.0;
    const qint64 free = std::max<qint64>(*cap - inFlight, 0);
    return double(free) / double(*cap);
}

const model::ModelConfig *AutoRouter::pick(const QList<const model::ModelConfig *> &candidates,
                                           const InFlight &inFlight, const Available &available)
{
    const model::ModelConfig *best = nullptr;
    double bestSpare = 0;
    for (const model::ModelConfig *m : candidates) {
        if (available && !available(*m))
            continue;
        const double spare = spareCapacity(*m, inFlight ? inFlight(m->modelName) : 0);
        // Strictly better only: on a tie the earlier model (registry order) stays.
        if (!best || spare > bestSpare || (spare == bestSpare && m->admissionWeight < best->admissionWeight)) {
            best = m;
            bestSpare = spare;
        }
    }
    return best;
}

} // namespace obleth::routing
