#pragma once

#include "model/entities.h"
#include "problem.h"

#include <optional>

namespace obleth::config {

class LiveConfig;

/// The fields of a new fair-share group; weight defaults to 100.
struct GroupPatch
{
    std::optional<QString> name;
    std::optional<qint64> weight;
};

/// Fair-share admission's settings: the groups tenants belong to, and the global capacity (how many requests
/// run upstream at once).
class FairShareService final
{
public:
    explicit FairShareService(LiveConfig *config);

    /// name is required and must be new.
    Problem createGroup(const GroupPatch &fields, model::FairShareGroup *out = nullptr);
    Problem setCapacity(qint64 maxInFlight);

    /// Checks @p patch against the field rules and applies it to @p group (with @p complete, name is required).
    [[nodiscard]] static Problem apply(const GroupPatch &patch, model::FairShareGroup *group, bool complete);

private:
    LiveConfig *m_config;
};

} // namespace obleth::config
