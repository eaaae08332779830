#pragma once

#include "model/requestrecord.h"

#include <QObject>

#include <atomic>

namespace obleth::usage {

/// Where every data-plane request is announced as it starts, progresses and finishes: the request log,
/// the metrics, /api/v1/events and the GUI all listen here. Lives in the gateway thread; listeners in
/// other threads get queued copies.
class RequestMonitor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestMonitor)

public:
    explicit RequestMonitor(QObject *parent = nullptr);

    /// Someone wants progress events with the generated text (it costs a JSON parse per stream chunk).
    [[nodiscard]] bool wantsProgress() const { return m_progressWatchers > 0; }
    /// Live views call this while they show progress (counted; call unwatch() when done).
    void watchProgress() { ++m_progressWatchers; }
    void unwatchProgress() { --m_progressWatchers; }

    void announceStarted(const model::RequestStarted &started) { Q_EMIT requestStarted(started); }
    void announceProgress(const model::RequestProgress &progress) { Q_EMIT requestProgress(progress); }
    void announceFinished(const model::RequestRecord &record) { Q_EMIT requestFinished(record); }
    /// The gateway is shutting down: live views end their streams.
    void announceClosing() { Q_EMIT closing(); }

Q_SIGNALS:
    void requestStarted(const obleth::model::RequestStarted &started);
    void requestProgress(const obleth::model::RequestProgress &progress);
    void requestFinished(const obleth::model::RequestRecord &record);
    void closing();

private:
    std::atomic<int> m_progressWatchers{0};
};

} // namespace obleth::usage
