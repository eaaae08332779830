#include "requesthistory.h"

#include "store/requestlog.h"

namespace obleth::usage {

RequestHistory::RequestHistory(store::RequestLog *log)
    : m_log(log)
{ }

void RequestHistory::newest(int limit, Answer answer) const
{
    store::RequestFilter filter;
    filter.limit = limit;
    m_log->requests(filter, m_log,
                    [answer = std::move(answer)](const QList<store::LoggedRequest> &rows, const QString &) {
                        QList<model::RequestRecord> records;
                        records.reserve(rows.size());
                        for (const store::LoggedRequest &row : rows)
                            records.append(row.record);
                        answer(records);
                    });
}

void RequestHistory::usage(const store::UsageQuery &query, UsageAnswer answer) const
{
    m_log->usage(query, m_log, std::move(answer));
}

} // namespace obleth::usage
