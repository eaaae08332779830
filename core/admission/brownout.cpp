#include "brownout.h"

#include <algorithm>

namespace obleth::admission {

std::optional<qint64> brownoutCap(qint64 waitedMs, const model::AdmissionSettings &settings)
{
    if (settings.brownoutWaitMs <= 0 || waitedMs <= settings.brownoutWaitMs)
        return std::nullopt;
    return std::max<qint64>(settings.brownoutMaxTokens, 1);
}

} // namespace obleth::admission
