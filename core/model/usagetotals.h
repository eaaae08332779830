#pragma once

#include <QDateTime>
#include <QString>

namespace obleth::model {

/// Usage totals grouped one way (GET /api/v1/usage).
struct UsageQuery
{
    enum class GroupBy { Tenant, Model, Day };
    GroupBy groupBy = GroupBy::Tenant;
    QDateTime since; ///< counted from the start of its hour; invalid: everything
};

/// One group's totals: the tenant's, the model's or the day's, as the query grouped them.
struct UsageRow
{
    QString tenantId;
    QString tenant;
    QString model;
    QString day; ///< yyyy-MM-dd, UTC
    qint64 requests = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    double cost = 0;
    qint64 estimatedRequests = 0;
};

} // namespace obleth::model
