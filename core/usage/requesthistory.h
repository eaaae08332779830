#pragma once

#include "model/requestrecord.h"
#include "model/usagetotals.h"

#include <QList>

#include <functional>

namespace obleth::store {
class RequestLog;
}

namespace obleth::usage {

/// The request log as a window reads it when it opens on a running gateway: the newest requests served, as
/// records. Lives in the gateway's thread, as the log does.
class RequestHistory final
{
public:
    explicit RequestHistory(store::RequestLog *log);

    using Answer = std::function<void(const QList<model::RequestRecord> &records)>;
    /// Asks the log for its newest @p limit requests, newest first; @p answer gets them later, on the gateway's
    /// thread (call this there too). A query the log cannot answer gives an empty list.
    void newest(int limit, Answer answer) const;

    using UsageAnswer = std::function<void(const QList<model::UsageRow> &rows, const QString &error)>;
    /// Usage totals as GET /api/v1/usage counts them; @p answer gets them (or why not) later, on the gateway's
    /// thread (call this there too).
    void usage(const model::UsageQuery &query, UsageAnswer answer) const;

private:
    store::RequestLog *m_log;
};

} // namespace obleth::usage
