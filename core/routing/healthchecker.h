#pragma once

#include "model/configsnapshot.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace obleth::proxy {
class UpstreamClient;
}

namespace obleth::routing {

class HealthBoard;

/// Active health checks (contract section 10): every health_check_secs of its model (0: none), each enabled
/// deployment gets `GET {api_base}/v1/models` with its key, through the upstream client (the path joined as
/// forwarding joins it, so a base ending in /v1 is not doubled). A failure (refused, reset, timeout, or
/// 500/502/503/504) counts on the board like a failed request; any other answer heals. At most one check per deployment
/// at a time; never on a request's path. Lives in the gateway thread.
class HealthChecker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthChecker)

public:
    using SnapshotSource = std::function<std::shared_ptr<const model::ConfigSnapshot>()>;
    HealthChecker(proxy::UpstreamClient *client, HealthBoard *board, SnapshotSource snapshot,
                  QObject *parent = nullptr);
    ~HealthChecker() override;

    /// A check waits at most this long for the answer's head.
    static constexpr int kCheckTimeoutMs = 10'000;
    /// How often the checker looks for checks that are due.
    static constexpr int kTickMs = 250;

private:
    class Check;
    void tick();
    void finished(Check *check);

    proxy::UpstreamClient *m_client;
    HealthBoard *m_board;
    SnapshotSource m_snapshot;
    QTimer m_timer;
    QHash<QString, qint64> m_lastStartMs; ///< by deployment id
    QHash<QString, Check *> m_running; ///< by deployment id
    std::vector<std::unique_ptr<Check>> m_done; ///< finished, deleted on the next tick (never inside its own report)
};

} // namespace obleth::routing
