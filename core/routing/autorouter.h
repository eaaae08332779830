#pragma once

#include "model/configsnapshot.h"

#include <QList>
#include <QString>

#include <functional>

namespace obleth::routing {

/// "model": "auto" (contract section 11): which registered model answers it. Pure logic over the configuration
/// snapshot; what is in flight and what can answer come from outside.
///
/// The candidates are the enabled models with auto_route that the key's allowed_models take (in registry order).
/// Among those that are available, the one with the most spare capacity wins: free slots ÷ concurrencyCap(), where
/// free = cap − its requests in flight (never below 0) and a model without a cap counts as wholly free (1.0). Ties
/// go to the lower admission_weight, then to the earlier model in the registry.
class AutoRouter final
{
public:
    /// The name clients send.
    static inline const QString kModelName = QStringLiteral("auto");

    /// Whether the model can answer now (its deployments' health, say).
    using Available = std::function<bool(const model::ModelConfig &)>;
    /// A model's requests holding a permit now, by its name.
    using InFlight = std::function<int(const QString &modelName)>;

    /// True while some enabled model has auto_route: "auto" means the router then.
    [[nodiscard]] static bool isOffered(const model::ConfigSnapshot &snapshot);
    /// The enabled auto-routed models that @p key may use, in registry order.
    [[nodiscard]] static QList<const model::ModelConfig *> candidates(const model::ConfigSnapshot &snapshot,
                                                                      const model::ApiKey &key);
    /// @p model's spare capacity with @p inFlight of its requests running: between 0 and 1.
    [[nodiscard]] static double spareCapacity(const model::ModelConfig &model, int inFlight);
    /// The candidate to serve the request, or nullptr when none of @p candidates is available. @p available may be
    /// empty: every candidate is available then.
    [[nodiscard]] static const model::ModelConfig *pick(const QList<const model::ModelConfig *> &candidates,
                                                        const InFlight &inFlight, const Available &available = {});
};

} // namespace obleth::routing
