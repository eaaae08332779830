#pragma once

#include "requestlogstore.h"

#include <QObject>
#include <QThread>
#include <QTimer>

#include <functional>

namespace obleth::store {

/// The request log as the gateway thread uses it: records are collected and handed in batches to a thread
/// of the log's own, which writes them to SQLite (at most kFlushIntervalMs later, so a crash loses at most
/// that much), prunes by the retention setting, and answers queries. A query first writes what is pending,
/// so it sees every request that finished before it; its answer comes back to the caller's thread.
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

    [[nodiscard]] Retention retention() const { return m_retention; }
    /// Stores the setting and prunes by it at once.
    void setRetention(const Retention &retention);

    static constexpr int kFlushIntervalMs = 200;
    static constexpr int kMaxBatch = 4096;
    static constexpr int kPruneIntervalMs = 60'000;
    /// How soon rows that could not be written (the database locked by another program, say) are tried again.
    static constexpr int kRetryIntervalMs = 500;

private:
    class Worker;
    void flush();

    QThread m_thread;
    Worker *m_worker = nullptr;
    QList<model::RequestRecord> m_pending;
    QTimer m_flushTimer;
    Retention m_retention;
};

} // namespace obleth::store
