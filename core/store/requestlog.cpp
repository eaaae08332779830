#include "requestlog.h"

#include "database.h"
#include "platform/logging.h"

#include <QElapsedTimer>
#include <QPointer>

#include <optional>

namespace obleth::store {

namespace {
/// A write batch, a prune or a query that takes longer than this is worth a warning: callers wait for it.
constexpr qint64 kSlowMs = 200;

void warnIfSlow(const QElapsedTimer &timer, const char *what, qsizetype rows)
{
    if (const qint64 ms = timer.elapsed(); ms > kSlowMs)
        qCWarning(lcStore).noquote() << "slow request log" << what << "-" << rows << "rows took" << ms << "ms";
}
} // namespace

/// Lives in the log's thread, with the connection and the store.
class RequestLog::Worker final : public QObject
{
public:
    explicit Worker(std::shared_ptr<State> state)
        : m_state(std::move(state))
    { }

    bool open(const QString &path, QString *error)
    {
        // A short busy timeout: a lock held by another program costs a write attempt that much, the rows wait
        // in m_unwritten, and queries queued behind the write still answer within a bound.
        if (!m_database.open(path, error) || !m_database.setBusyTimeout(Database::kServingBusyTimeoutMs, error))
            return false;
        m_store.emplace(m_database.connection());
        m_retryTimer.setSingleShot(true);
        m_retryTimer.setInterval(kRetryIntervalMs);
        QObject::connect(&m_retryTimer, &QTimer::timeout, this, [this] { write({}); });
        m_retention = m_store->retention();
        m_pruneTimer.setInterval(kPruneIntervalMs);
        QObject::connect(&m_pruneTimer, &QTimer::timeout, this, [this] { prune(); });
        m_pruneTimer.start();
        if (m_database.dialect() == Database::Dialect::Postgres) {
            m_pingTimer.setInterval(kPingIntervalMs);
            QObject::connect(&m_pingTimer, &QTimer::timeout, this, [this] {
                if (!m_retryTimer.isActive())
                    recover();
            });
            m_pingTimer.start();
        }
        prune();
        return true;
    }

    /// After a failure: on PostgreSQL, checks the connection and opens it again if it went; notes whether the
    /// database can be reached.
    void recover()
    {
        if (m_database.dialect() != Database::Dialect::Postgres)
            return;
        QString why;
        const bool reachable = m_database.ensureConnected(&why);
        const bool was = m_state->reachable.exchange(reachable);
        if (was && !reachable)
            qCWarning(lcStore).noquote() << "the request log's database cannot be reached; rows wait in a buffer of"
                                         << m_state->maxBuffered.load() << "rows:" << why;
        else if (!was && reachable)
            qCInfo(lcStore) << "the request log's database answers again";
    }

    void write(QList<model::RequestRecord> batch)
    {
        if (!m_store)
            return;
        // Rows that could not be written before (disk full, another program holding the lock) go first, so none
        // are lost or reordered.
        if (!m_unwritten.isEmpty()) {
            batch = m_unwritten + batch;
            m_unwritten.clear();
        }
        if (batch.isEmpty())
            return;
        // While a failed write waits for its retry, new rows join it rather than each batch trying (and
        // waiting out the busy timeout) again: queries keep their turn on this thread.
        QString error;
        if (!m_retryTimer.isActive()) {
            QElapsedTimer timer;
            timer.start();
            const bool written = m_store->write(batch, &error);
            warnIfSlow(timer, "write", batch.size());
            if (written) {
                if (m_failing)
                    qCInfo(lcStore) << "request log rows written again -" << batch.size() << "rows";
                m_failing = false;
                m_dropping = false;
                m_state->written.fetch_add(batch.size(), std::memory_order_relaxed);
                m_state->buffered.store(0, std::memory_order_relaxed);
                m_state->reachable.store(true, std::memory_order_relaxed);
                if (m_prunePending)
                    prune();
                return;
            }
            recover();
        }
        if (!error.isEmpty() && !m_failing) {
            qCWarning(lcStore).noquote() << "cannot write" << batch.size() << "request log rows, will retry:" << error;
            m_failing = true;
        } else if (!error.isEmpty()) {
            qCDebug(lcStore).noquote() << "still cannot write" << batch.size() << "request log rows, retrying in"
                                       << kRetryIntervalMs << "ms:" << error;
        }
        if (!m_retryTimer.isActive())
            m_retryTimer.start();
        const qsizetype maxUnwritten = m_state->maxBuffered.load(std::memory_order_relaxed);
        if (batch.size() > maxUnwritten) {
            const qsizetype excess = batch.size() - maxUnwritten;
            m_state->dropped.fetch_add(excess, std::memory_order_relaxed);
            if (!m_dropping)
                qCWarning(lcStore) << "the request log's buffer is full: dropping the oldest rows (counted in"
                                   << "the status as log rows dropped)";
            m_dropping = true;
            batch.remove(0, excess);
        }
        m_state->buffered.store(batch.size(), std::memory_order_relaxed);
        m_unwritten = std::move(batch);
    }

    /// Deletes rows past the retention a slice at a time, coming back after the next write while more remain.
    void prune()
    {
        constexpr qint64 kSlice = 20'000;
        QString error;
        QElapsedTimer timer;
        timer.start();
        const qint64 deleted = m_store->prune(m_retention, QDateTime::currentDateTimeUtc(), kSlice, &error);
        warnIfSlow(timer, "prune", std::max<qint64>(deleted, 0));
        if (deleted < 0 && m_database.dialect() == Database::Dialect::Postgres && !m_state->reachable.load())
            qCDebug(lcStore).noquote() << "cannot prune the request log:" << error;
        else if (deleted < 0)
            qCWarning(lcStore).noquote() << "cannot prune the request log:" << error;
        else if (deleted > 0)
            qCDebug(lcStore) << "pruned" << deleted << "request log rows past the retention";
        m_prunePending = deleted == kSlice;
    }

    void setRetention(const Retention &retention)
    {
        QString error;
        if (!m_store->setRetention(retention, &error))
            qCWarning(lcStore).noquote() << "cannot store the retention setting:" << error;
        m_retention = retention;
        prune();
    }

    void close()
    {
        m_pruneTimer.stop();
        m_pingTimer.stop();
        if (m_retryTimer.isActive()) {
            m_retryTimer.stop();
            write({}); // a last try: the lock may be gone by now
            m_retryTimer.stop();
        }
        if (!m_unwritten.isEmpty())
            qCWarning(lcStore) << "closing with" << m_unwritten.size() << "request log rows not written";
        m_store.reset();
        m_database.close();
    }

    [[nodiscard]] const RequestLogStore &store() const { return *m_store; }
    [[nodiscard]] bool isOpen() const { return m_store.has_value(); }
    [[nodiscard]] Retention retention() const { return m_retention; }

private:
    std::shared_ptr<State> m_state;
    Database m_database;
    std::optional<RequestLogStore> m_store;
    QList<model::RequestRecord> m_unwritten;
    Retention m_retention;
    QTimer m_pruneTimer{this}; // a child, so that it moves to the log's thread with the worker
    QTimer m_retryTimer{this}; // runs while rows wait in m_unwritten
    QTimer m_pingTimer{this}; // PostgreSQL: checks now and then that the server answers
    bool m_prunePending = false;
    bool m_failing = false; ///< the last write failed (warned once per streak)
    bool m_dropping = false; ///< rows were dropped since the last write that worked (warned once per streak)
};

RequestLog::RequestLog(QObject *parent)
    : QObject(parent)
    , m_state(std::make_shared<State>())
    , m_worker(new Worker(m_state))
{
    m_thread.setObjectName(QStringLiteral("obleth-requestlog"));
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &RequestLog::flush);
}

RequestLog::~RequestLog()
{
    flush();
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->close(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete worker;
}

bool RequestLog::open(const QString &path, QString *error)
{
    bool ok = false;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [&] { ok = worker->open(path, error); }, Qt::BlockingQueuedConnection);
    if (ok)
        m_retention = m_worker->retention();
    return ok;
}

void RequestLog::setMaxBufferedRows(qsizetype rows)
{
    m_state->maxBuffered.store(std::max<qsizetype>(rows, 0), std::memory_order_relaxed);
}

void RequestLog::append(model::RequestRecord record)
{
    // Moved, not copied, from the trace to the log's thread, which also frees it (with what a live view showed).
    m_pending.append(std::move(record));
    if (m_pending.size() >= kMaxBatch)
        flush();
    else if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void RequestLog::flush()
{
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    const qsizetype size = m_pending.size();
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, batch = std::exchange(m_pending, {})]() mutable {
        worker->write(std::move(batch));
    });
    m_pending.reserve(size); // the next batch is likely as large: one allocation rather than growing to it
}

namespace {
/// Runs @p query on @p worker's thread and hands its rows to @p answer on @p log's thread (the gateway's),
/// unless @p context is gone by then. A failed or slow query is logged as @p what.
template<typename T, typename Query>
void ask(RequestLog *log, QObject *worker, QObject *context, const char *what, Query query,
         RequestLog::Answer<T> answer)
{
    QMetaObject::invokeMethod(worker,
                              [log, context = QPointer<QObject>(context), what, query = std::move(query),
                               answer = std::move(answer)]() mutable {
                                  QList<T> rows;
                                  QString error;
                                  QElapsedTimer timer;
                                  timer.start();
                                  query(&rows, &error);
                                  warnIfSlow(timer, what, rows.size());
                                  if (isStorageBusyError(error))
                                      qCDebug(lcStore).noquote() << "request log" << what << "answered busy:" << error;
                                  else if (!error.isEmpty())
                                      qCWarning(lcStore).noquote() << "request log" << what << "failed:" << error;
                                  QMetaObject::invokeMethod(
                                      log, [context, answer = std::move(answer), rows = std::move(rows), error] {
                                          if (context)
                                              answer(rows, error);
                                      });
                              });
}
} // namespace

void RequestLog::requests(const RequestFilter &filter, QObject *context, Answer<LoggedRequest> answer)
{
    flush();
    Worker *worker = m_worker;
    ask<LoggedRequest>(
        this, worker, context, "query",
        [worker, filter](QList<LoggedRequest> *rows, QString *error) {
            if (!worker->isOpen() || !worker->store().requests(filter, rows, error)) {
                *error = error->isEmpty() ? QStringLiteral("the request log is not open") : *error;
                worker->recover();
            }
        },
        std::move(answer));
}

void RequestLog::usage(const UsageQuery &query, QObject *context, Answer<UsageRow> answer)
{
    flush();
    Worker *worker = m_worker;
    ask<UsageRow>(
        this, worker, context, "usage query",
        [worker, query](QList<UsageRow> *rows, QString *error) {
            if (!worker->isOpen() || !worker->store().usage(query, rows, error)) {
                *error = error->isEmpty() ? QStringLiteral("the request log is not open") : *error;
                worker->recover();
            }
        },
        std::move(answer));
}

void RequestLog::setRetention(const Retention &retention)
{
    m_retention = retention;
    flush();
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, retention] { worker->setRetention(retention); });
}

} // namespace obleth::store
