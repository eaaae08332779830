#pragma once

#include "model/requestrecord.h"

#include <QObject>

#include <atomic>

namespace obleth::store {
class RequestLog;
}

namespace obleth::usage {

/// Where every data-plane request is announced as it starts, progresses and finishes: the metrics,
/// /api/v1/events and the GUI listen here, and the request log keeps every finished record. Lives in the gateway
/// thread; listeners in other threads get queued copies. Starts and progress are worth building only while someone
/// listens (anyoneHearsStarts(), anyoneHearsProgress()): nobody does in a gateway without a window or event stream.
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
    /// Someone looks at requests' bodies now (the GUI's Requests page while it shows): traces keep them, bounded.
    [[nodiscard]] bool wantsBodies() const { return m_bodyWatchers > 0; }
    /// Counted like watchProgress(); safe from any thread.
    void watchBodies() { ++m_bodyWatchers; }
    void unwatchBodies() { --m_bodyWatchers; }

    /// The request log, which gets every finished record after the listeners heard of it (handed over, not copied).
    void setRequestLog(store::RequestLog *log) { m_log = log; }

    /// Someone is connected to requestStarted() / requestProgress() (from any thread).
    [[nodiscard]] bool anyoneHearsStarts() const;
    [[nodiscard]] bool anyoneHearsProgress() const;

    void announceStarted(const model::RequestStarted &started) { Q_EMIT requestStarted(started); }
    void announceProgress(const model::RequestProgress &progress) { Q_EMIT requestProgress(progress); }
    /// Emits requestFinished(), then hands @p record to the request log.
    void announceFinished(model::RequestRecord &&record);
    /// The gateway is shutting down: live views end their streams.
    void announceClosing() { Q_EMIT closing(); }

Q_SIGNALS:
    void requestStarted(const obleth::model::RequestStarted &started);
    void requestProgress(const obleth::model::RequestProgress &progress);
    void requestFinished(const obleth::model::RequestRecord &record);
    void closing();

private:
    std::atomic<int> m_progressWatchers{0};
    std::atomic<int> m_bodyWatchers{0};
    store::RequestLog *m_log = nullptr;
};

} // namespace obleth::usage
