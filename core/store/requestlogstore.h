#pragma once

#include "model/requestrecord.h"
#include "model/usagetotals.h"

#include <QList>
#include <QSqlDatabase>

#include <memory>

namespace obleth::store {

/// The start of the error text of a read or write that another program's lock on the database held up past the
/// connection's busy timeout: the database is busy, not broken, and the same call may succeed later.
[[nodiscard]] QString storageBusyError();
[[nodiscard]] bool isStorageBusyError(const QString &error);

/// Which logged requests to list, newest first.
struct RequestFilter
{
    int limit = 100;
    QString tenantId;
    QString model;
    int statusMin = 0; ///< with statusMax: a status or a class (400..499); 0 for any
    int statusMax = 0;
    QDateTime since;
    qint64 beforeSeq = 0; ///< paging: only rows older than this one
};

struct LoggedRequest
{
    qint64 seq = 0; ///< the row's place in the log, for paging
    model::RequestRecord record;
};

using UsageQuery = model::UsageQuery;
using UsageRow = model::UsageRow;

/// How long the request log keeps rows. Usage totals are kept apart and never pruned.
struct Retention
{
    int days = 30; ///< 0: no age limit
    qint64 maxRows = 1'000'000; ///< 0: no row limit
    friend bool operator==(const Retention &a, const Retention &b)
    {
        return a.days == b.days && a.maxRows == b.maxRows;
    }
};

/// The request log and the hourly usage totals in SQLite, on one connection (one thread). Writes come in
/// batches, each one transaction that adds the rows and the usage totals together.
class RequestLogStore final
{
public:
    /// PostgreSQL: how long one batch, prune slice or query may wait for a server that hangs (StatementDeadline); a
    /// batch of 4,096 rows takes a fraction of a second, the slowest query at 1,000,000 rows about 0.1 s.
    static constexpr int kDeadlineMs = 15'000;

    /// @p db is an open obleth database, used only on the calling thread.
    explicit RequestLogStore(QSqlDatabase db);
    ~RequestLogStore();
    Q_DISABLE_COPY_MOVE(RequestLogStore)

    /// Adds @p batch and its usage totals in one transaction (all or nothing). The statements are prepared with
    /// the first write and kept for the next.
    bool write(const QList<model::RequestRecord> &batch, QString *error);
    /// Deletes rows past @p retention, at most @p maxDeletes at a time; returns how many went (-1 on error).
    qint64 prune(const Retention &retention, const QDateTime &now, qint64 maxDeletes, QString *error);
    bool requests(const RequestFilter &filter, QList<LoggedRequest> *out, QString *error) const;
    bool usage(const UsageQuery &query, QList<UsageRow> *out, QString *error) const;
    [[nodiscard]] qint64 rowCount() const;

    [[nodiscard]] Retention retention() const;
    bool setRetention(const Retention &retention, QString *error);

private:
    struct Statements;

    QSqlDatabase m_db;
    std::unique_ptr<Statements> m_statements; ///< prepared by the first write; dropped after an error
};

} // namespace obleth::store
