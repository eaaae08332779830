#include "requestlogstore.h"

#include "database.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace obleth::store {

QString storageBusyError()
{
    return QStringLiteral("the database is locked by another program");
}

bool isStorageBusyError(const QString &error)
{
    return error.startsWith(storageBusyError());
}

namespace {
const QString kRetentionDays = QStringLiteral("request_log.retention_days");
const QString kRetentionRows = QStringLiteral("request_log.max_rows");

QString isoTime(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

QString hourOf(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH"));
}

QVariant textOrNull(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

QString errorText(const QSqlError &e)
{
    return Database::isBusyCode(e.nativeErrorCode()) ? storageBusyError() + QStringLiteral(" (") + e.text() + u')'
                                                     : e.text();
}

bool fail(const QSqlQuery &q, QString *error)
{
    *error = errorText(q.lastError());
    return false;
}

/// A forward-only SELECT of @p sql with @p values bound in order, executed (check isActive()).
QSqlQuery select(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(sql);
    for (const QVariant &v : values)
        q.addBindValue(v);
    q.exec();
    return q;
}

struct UsageKey
{
    QString hour;
    QString tenantId;
    QString model;
    friend bool operator==(const UsageKey &a, const UsageKey &b)
    {
        return a.hour == b.hour && a.tenantId == b.tenantId && a.model == b.model;
    }
};
size_t qHash(const UsageKey &k, size_t seed = 0)
{
    return qHashMulti(seed, k.hour, k.tenantId, k.model);
}
} // namespace

RequestLogStore::RequestLogStore(QSqlDatabase db)
    : m_db(std::move(db))
{ }

bool RequestLogStore::write(const QList<model::RequestRecord> &batch, QString *error)
{
    if (batch.isEmpty())
        return true;
    QHash<UsageKey, UsageRow> totals;
    if (!m_db.transaction()) {
        *error = errorText(m_db.lastError());
        return false;
    }
    auto rollback = [&](const QSqlQuery &q) {
        fail(q, error);
        m_db.rollback();
        return false;
    };
    QSqlQuery insert(m_db);
    insert.prepare(QStringLiteral(
        "INSERT INTO request_log (id, started_at, tenant_id, tenant, key_prefix, model, method, path, status,"
        " latency_ms, ttfb_ms, prompt_tokens, completion_tokens, estimated, cost, streamed, bytes_in, bytes_out,"
        " cache, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    for (const model::RequestRecord &r : batch) {
        insert.addBindValue(QString::fromLatin1(r.id));
        insert.addBindValue(isoTime(r.startedAt));
        insert.addBindValue(textOrNull(r.tenantId));
        insert.addBindValue(textOrNull(r.tenantName));
        insert.addBindValue(textOrNull(r.keyPrefix));
        insert.addBindValue(textOrNull(r.model));
        insert.addBindValue(QString::fromLatin1(r.method));
        insert.addBindValue(r.path);
        insert.addBindValue(r.status);
        insert.addBindValue(r.latencyMs);
        insert.addBindValue(r.firstByteMs >= 0 ? QVariant(r.firstByteMs) : QVariant(QMetaType::fromType<qint64>()));
        insert.addBindValue(r.promptTokens);
        insert.addBindValue(r.completionTokens);
        insert.addBindValue(int(r.estimated));
        insert.addBindValue(r.cost);
        insert.addBindValue(int(r.streamed));
        insert.addBindValue(r.bytesIn);
        insert.addBindValue(r.bytesOut);
        insert.addBindValue(textOrNull(r.cache));
        insert.addBindValue(textOrNull(r.error));
        if (!insert.exec())
            return rollback(insert);
        if (r.tenantId.isEmpty() || r.model.isEmpty())
            continue;
        UsageRow &t = totals[UsageKey{hourOf(r.startedAt), r.tenantId, r.model}];
        t.tenant = r.tenantName;
        t.requests += 1;
        t.promptTokens += r.promptTokens;
        t.completionTokens += r.completionTokens;
        t.cost += r.cost;
        t.estimatedRequests += r.estimated ? 1 : 0;
    }
    // The same totals by the hour (for `since`) and by the day (so that long ranges stay fast).
    for (const char *table : {"usage_hourly", "usage_daily"}) {
        const bool daily = qstrcmp(table, "usage_daily") == 0;
        QSqlQuery upsert(m_db);
        upsert.prepare(
            QStringLiteral(
                "INSERT INTO %1 (%2, tenant_id, tenant, model, requests, prompt_tokens, completion_tokens, cost,"
                " estimated_requests) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (%2, tenant_id, model) DO UPDATE SET"
                " tenant = excluded.tenant, requests = requests + excluded.requests,"
                " prompt_tokens = prompt_tokens + excluded.prompt_tokens,"
                " completion_tokens = completion_tokens + excluded.completion_tokens, cost = cost + excluded.cost,"
                " estimated_requests = estimated_requests + excluded.estimated_requests")
                .arg(QLatin1String(table), daily ? QStringLiteral("day") : QStringLiteral("hour")));
        for (auto it = totals.cbegin(); it != totals.cend(); ++it) {
            upsert.addBindValue(daily ? it.key().hour.left(10) : it.key().hour);
            upsert.addBindValue(it.key().tenantId);
            upsert.addBindValue(it->tenant);
            upsert.addBindValue(it.key().model);
            upsert.addBindValue(it->requests);
            upsert.addBindValue(it->promptTokens);
            upsert.addBindValue(it->completionTokens);
            upsert.addBindValue(it->cost);
            upsert.addBindValue(it->estimatedRequests);
            if (!upsert.exec())
                return rollback(upsert);
        }
    }
    if (!m_db.commit()) {
        *error = errorText(m_db.lastError());
        m_db.rollback();
        return false;
    }
    return true;
}

qint64 RequestLogStore::prune(const Retention &retention, const QDateTime &now, qint64 maxDeletes, QString *error)
{
    qint64 deleted = 0;
    QSqlQuery q(m_db);
    if (retention.days > 0) {
        q.prepare(QStringLiteral("DELETE FROM request_log WHERE seq IN"
                                 " (SELECT seq FROM request_log WHERE started_at < ? LIMIT ?)"));
        q.addBindValue(isoTime(now.addDays(-retention.days)));
        q.addBindValue(maxDeletes);
        if (!q.exec())
            return fail(q, error), -1;
        deleted += q.numRowsAffected();
    }
    if (retention.maxRows > 0 && deleted < maxDeletes) {
        // Rows are numbered without gaps (AUTOINCREMENT) and leave oldest first, so the newest maxRows are
        // those above max(seq) - maxRows.
        q.prepare(QStringLiteral("DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log WHERE seq <="
                                 " (SELECT max(seq) FROM request_log) - ? ORDER BY seq LIMIT ?)"));
        q.addBindValue(retention.maxRows);
        q.addBindValue(maxDeletes - deleted);
        if (!q.exec())
            return fail(q, error), -1;
        deleted += q.numRowsAffected();
    }
    return deleted;
}

bool RequestLogStore::requests(const RequestFilter &filter, QList<LoggedRequest> *out, QString *error) const
{
    QStringList where;
    QVariantList values;
    if (!filter.tenantId.isEmpty()) {
        where << QStringLiteral("tenant_id = ?");
        values << filter.tenantId;
    }
    if (!filter.model.isEmpty()) {
        where << QStringLiteral("model = ?");
        values << filter.model;
    }
    if (filter.statusMin > 0 && filter.statusMin == filter.statusMax) {
        where << QStringLiteral("status = ?");
        values << filter.statusMin;
    } else if (filter.statusMin > 0) {
        where << QStringLiteral("status BETWEEN ? AND ?");
        values << filter.statusMin << filter.statusMax;
    }
    if (filter.since.isValid()) {
        where << QStringLiteral("started_at >= ?");
        values << isoTime(filter.since);
    }
    if (filter.beforeSeq > 0) {
        where << QStringLiteral("seq < ?");
        values << filter.beforeSeq;
    }
    QString sql = QStringLiteral(
        "SELECT seq, id, started_at, tenant_id, tenant, key_prefix, model, method, path, status, latency_ms, ttfb_ms,"
        " prompt_tokens, completion_tokens, estimated, cost, streamed, bytes_in, bytes_out, cache, error"
        " FROM request_log");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY seq DESC LIMIT ?");
    values << filter.limit;

    QSqlQuery q = select(m_db, sql, values);
    if (!q.isActive())
        return fail(q, error);
    out->clear();
    while (q.next()) {
        LoggedRequest row;
        row.seq = q.value(0).toLongLong();
        model::RequestRecord &r = row.record;
        r.id = q.value(1).toString().toLatin1();
        r.startedAt = QDateTime::fromString(q.value(2).toString(), Qt::ISODateWithMs);
        r.tenantId = q.value(3).toString();
        r.tenantName = q.value(4).toString();
        r.keyPrefix = q.value(5).toString();
        r.model = q.value(6).toString();
        r.method = q.value(7).toString().toLatin1();
        r.path = q.value(8).toString();
        r.status = q.value(9).toInt();
        r.latencyMs = q.value(10).toLongLong();
        r.firstByteMs = q.value(11).isNull() ? -1 : q.value(11).toLongLong();
        r.promptTokens = q.value(12).toLongLong();
        r.completionTokens = q.value(13).toLongLong();
        r.estimated = q.value(14).toBool();
        r.cost = q.value(15).toDouble();
        r.streamed = q.value(16).toBool();
        r.bytesIn = q.value(17).toLongLong();
        r.bytesOut = q.value(18).toLongLong();
        r.cache = q.value(19).toString();
        r.error = q.value(20).toString();
        out->append(std::move(row));
    }
    return true;
}

bool RequestLogStore::usage(const UsageQuery &query, QList<UsageRow> *out, QString *error) const
{
    // Whole days come from usage_daily; the first, partial day of a `since` from usage_hourly.
    QString rows = QStringLiteral("SELECT day, tenant_id, tenant, model, requests, prompt_tokens, completion_tokens,"
                                  " cost, estimated_requests FROM usage_daily");
    QVariantList values;
    if (query.since.isValid()) {
        const QString hour = hourOf(query.since);
        const QString day = hour.left(10);
        rows
            += QStringLiteral(" WHERE day > ? UNION ALL SELECT substr(hour, 1, 10), tenant_id, tenant, model, requests,"
                              " prompt_tokens, completion_tokens, cost, estimated_requests FROM usage_hourly"
                              " WHERE hour >= ? AND hour < ?");
        values << day << hour << QString(day + QStringLiteral("U")); // 'U' sorts after every "THH"
    }
    QString key;
    QString group;
    switch (query.groupBy) {
    // With one max() aggregate, SQLite takes the bare column (the tenant's name) from the newest row.
    case UsageQuery::GroupBy::Tenant:
        key = QStringLiteral("tenant_id, tenant, max(day)");
        group = QStringLiteral("tenant_id");
        break;
    case UsageQuery::GroupBy::Model: key = group = QStringLiteral("model"); break;
    case UsageQuery::GroupBy::Day: key = group = QStringLiteral("day"); break;
    }
    const QString sql
        = QStringLiteral("SELECT %1, sum(requests), sum(prompt_tokens), sum(completion_tokens), sum(cost),"
                         " sum(estimated_requests) FROM (%2) GROUP BY %3 ORDER BY %3")
              .arg(key, rows, group);
    QSqlQuery q = select(m_db, sql, values);
    if (!q.isActive())
        return fail(q, error);
    out->clear();
    const int first = query.groupBy == UsageQuery::GroupBy::Tenant ? 3 : 1;
    while (q.next()) {
        UsageRow row;
        switch (query.groupBy) {
        case UsageQuery::GroupBy::Tenant:
            row.tenantId = q.value(0).toString();
            row.tenant = q.value(1).toString();
            break;
        case UsageQuery::GroupBy::Model: row.model = q.value(0).toString(); break;
        case UsageQuery::GroupBy::Day: row.day = q.value(0).toString(); break;
        }
        row.requests = q.value(first).toLongLong();
        row.promptTokens = q.value(first + 1).toLongLong();
        row.completionTokens = q.value(first + 2).toLongLong();
        row.cost = q.value(first + 3).toDouble();
        row.estimatedRequests = q.value(first + 4).toLongLong();
        out->append(row);
    }
    return true;
}

qint64 RequestLogStore::rowCount() const
{
    QSqlQuery q(m_db);
    return q.exec(QStringLiteral("SELECT count(*) FROM request_log")) && q.next() ? q.value(0).toLongLong() : -1;
}

Retention RequestLogStore::retention() const
{
    Retention r;
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT key, value FROM settings WHERE key IN ('%1', '%2')")
                    .arg(kRetentionDays, kRetentionRows)))
        return r;
    while (q.next()) {
        bool ok = false;
        const qint64 v = q.value(1).toLongLong(&ok);
        if (!ok || v < 0)
            continue; // a damaged setting falls back to the default
        if (q.value(0).toString() == kRetentionDays)
            r.days = int(std::min<qint64>(v, 36500));
        else
            r.maxRows = v;
    }
    return r;
}

bool RequestLogStore::setRetention(const Retention &retention, QString *error)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?), (?, ?)"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q.addBindValue(kRetentionDays);
    q.addBindValue(QString::number(retention.days));
    q.addBindValue(kRetentionRows);
    q.addBindValue(QString::number(retention.maxRows));
    return q.exec() || fail(q, error);
}

} // namespace obleth::store
