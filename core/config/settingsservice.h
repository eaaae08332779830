#pragma once

#include "problem.h"

#include <QStringList>

namespace obleth::config {

class LiveConfig;

/// Gateway-wide settings kept in the configuration: the browser origins the data plane answers.
class SettingsService final
{
public:
    explicit SettingsService(LiveConfig *config);

    /// At most 256 entries, each "*" or scheme://host[:port] where `*` may stand for any run of characters
    /// (contract section 14). An empty list: no browser origin.
    Problem setCorsOrigins(const QStringList &origins);

    /// "*", or scheme://host[:port] where `*` may stand for any run of characters; no path.
    [[nodiscard]] static bool isOriginPattern(const QString &entry);

private:
    LiveConfig *m_config;
};

} // namespace obleth::config
