#pragma once

#include "requestlogstore.h"

#include <QObject>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace obleth::store {

/// The request log as the gateway thread uses it: records are collected and handed in batches to a thread
/// of the log's own, which writes them to SQLite (at most kFlushIntervalMs later, so a crash loses at most
/// that much), prunes by the retention setting, and answers queries. A query first writes what is pending,
/// so it sees every request that finished before it; its answer comes back to the caller's thread.
///
/// Rows that cannot be written (another program holds SQLite's lock; PostgreSQL cannot be reached) wait in a
/// bounded buffer on the log's thread and are written, in order, when the database takes them again; on PostgreSQL
/// the log's connection is opened again as soon as the server answers. Rows that do not fit in the buffer are
/// dropped oldest first and counted (rowsDropped()), never silently lost.
class RequestLog final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestLog)

public:
    explicit RequestLog(QObject *parent = nullptr);
    /// Writes what is pending and stops the log's thread.
    ~RequestLog() override;

    /// Opens the log on its thread (the schema is already there: the gateway opened the database first).
    bool open(const QString &path, QString *error);

    /// Queues @p record for the log's thread (hand it over with std::move: it is not needed here any more).
    void append(model::RequestRecord record);

    template<typename T> using Answer = std::function<void(const QList<T> &rows, const QString &error)>;
    /// Runs a query on the log's thread; @p answer runs on @p context's thread, unless @p context is gone.
    void requests(const RequestFilter &filter, QObject *context, Answer<LoggedRequest> answer);
    void usage(const UsageQuery &query, QObject *context, Answer<UsageRow> answer);

    /// Rows waiting for the database (not counting the last kFlushIntervalMs of requests), from any thread.
    [[nodiscard]] qint64 rowsBuffered() const noexcept { return m_state->buffered.load(std::memory_order_relaxed); }
    /// Rows dropped since start because the buffer was full, from any thread.
    [[nodiscard]] qint64 rowsDropped() const noexcept { return m_state->dropped.load(std::memory_order_relaxed); }
    /// False while the database cannot be reached (PostgreSQL down), from any thread.
    [[nodiscard]] bool databaseReachable() const noexcept { return m_state->reachable.load(std::memory_order_relaxed); }
    /// Rows written since start, from any thread.
    [[nodiscard]] qint64 rowsWritten() const noexcept { return m_state->written.load(std::memory_order_relaxed); }

    /// How many unwritten rows the buffer holds at most (kMaxBufferedRows unless a test says otherwise); call
    /// before open().
    void setMaxBufferedRows(qsizetype rows);

    [[nodiscard]] Retention retention() const { return m_retention; }
    /// Stores the setting and prunes by it at once.
    void setRetention(const Retention &retention);

    static constexpr int kFlushIntervalMs = 200;
    static constexpr int kMaxBatch = 4096;
    static constexpr int kPruneIntervalMs = 60'000;
    /// How soon rows that could not be written (the database locked by another program, say) are tried again.
    static constexpr int kRetryIntervalMs = 500;
    /// The most rows kept while the database cannot take them (about 100 MB at the most).
    static constexpr qsizetype kMaxBufferedRows = 100'000;
    /// On PostgreSQL, how often an idle log checks that the server still answers (for databaseReachable()).
    static constexpr int kPingIntervalMs = 5000;

    /// Shared between the log's thread and readers anywhere.
    struct State
    {
        std::atomic<qint64> buffered{0};
        std::atomic<qint64> dropped{0};
        std::atomic<qint64> written{0};
        std::atomic<bool> reachable{true};
        std::atomic<qsizetype> maxBuffered{kMaxBufferedRows};
    };

private:
    class Worker;
    void flush();

    QThread m_thread;
    std::shared_ptr<State> m_state;
    Worker *m_worker = nullptr;
    QList<model::RequestRecord> m_pending;
    QTimer m_flushTimer;
    Retention m_retention;
};

} // namespace obleth::store
