#pragma once

#include "model/entities.h"
#include "problem.h"

#include <QStringList>

namespace obleth::config {

class LiveConfig;

/// Gateway-wide settings kept in the configuration: the browser origins the data plane answers, admission's
/// tunables (brownout and the queue's bounds) and where alerts go.
class SettingsService final
{
public:
    explicit SettingsService(LiveConfig *config);

    /// At most 256 entries, each "*" or scheme://host[:port] where `*` may stand for any run of characters
    /// (contract section 14). An empty list: no browser origin.
    Problem setCorsOrigins(const QStringList &origins);

    /// "*", or scheme://host[:port] where `*` may stand for any run of characters; no path.
    [[nodiscard]] static bool isOriginPattern(const QString &entry);

    /// Contract section 11: brownout_wait_ms 0..600000 (0: no brownout), brownout_max_tokens 1..1000000,
    /// max_queue_wait_secs 1..3600, max_queue_length 1..1000000. Refused as a whole when a value is out of range.
    Problem setAdmission(const model::AdmissionSettings &settings);
    /// Contract section 12: webhook_url empty (no webhook) or an http(s) URL, kept sealed at rest and logged only
    /// by scheme, host and port (it may carry a token); events: none (every alert) or alert names from
    /// alertNames(), a name given twice counted once.
    Problem setAlerts(const model::AlertSettings &settings);

    /// The alerts there are: deployment_down, deployment_up, model_unavailable, tenant_rate_limited,
    /// key_expiring, queue_saturated, database_down, database_up, redis_down, redis_up.
    [[nodiscard]] static const QStringList &alertNames();

private:
    LiveConfig *m_config;
};

} // namespace obleth::config
