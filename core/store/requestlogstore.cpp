#include "requestlogstore.h"

#include "database.h"
#include "statementdeadline.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimeZone>
#include <QVariant>

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <tuple>

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

constexpr qint64 kMsPerHour = 3'600'000;
constexpr qint64 kMsPerDay = 24 * kMsPerHour;

qint64 floorDiv(qint64 a, qint64 b)
{
    return a / b - (a % b < 0 ? 1 : 0);
}

/// The proleptic Gregorian date of day @p days since 1970-01-01 (H. Hinnant's civil_from_days).
void civilFromDays(qint64 days, qint64 *year, int *month, int *day)
{
    days += 719'468;
    const qint64 era = floorDiv(days, 146'097);
    const qint64 dayOfEra = days - era * 146'097;
    const qint64 yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36'524 - dayOfEra / 146'096) / 365;
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 mp = (5 * dayOfYear + 2) / 153;
    *day = int(dayOfYear - (153 * mp + 2) / 5 + 1);
    *month = int(mp < 10 ? mp + 3 : mp - 9);
    *year = yearOfEra + era * 400 + (*month <= 2 ? 1 : 0);
}

/// Writes "yyyy-MM-ddTHH" (13 characters) for hour @p msecs falls in, when its year has four digits.
bool writeHour(qint64 msecs, char16_t *out)
{
    qint64 year = 0;
    int month = 0;
    int day = 0;
    civilFromDays(floorDiv(msecs, kMsPerDay), &year, &month, &day);
    if (year < 1 || year > 9999)
        return false;
    const int hour = int(floorDiv(msecs, kMsPerHour) - floorDiv(msecs, kMsPerDay) * 24);
    const auto put = [&out](int value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10)
            out[i] = char16_t(u'0' + value % 10);
        out += digits;
    };
    put(int(year), 4);
    *out++ = u'-';
    put(month, 2);
    *out++ = u'-';
    put(day, 2);
    *out++ = u'T';
    put(hour, 2);
    return true;
}

/// What isoTime() writes for a UTC time, "yyyy-MM-ddTHH:mm:ss.zzzZ", without QDateTime's formatter (the log writes
/// one for every request); isoTime() itself for what this does not cover (no time, a year beyond four digits).
QString startedAtText(const QDateTime &t)
{
    if (!t.isValid())
        return isoTime(t);
    const qint64 msecs = t.toMSecsSinceEpoch();
    char16_t text[24];
    if (!writeHour(msecs, text))
        return isoTime(t);
    const qint64 inHour = msecs - floorDiv(msecs, kMsPerHour) * kMsPerHour;
    const int minute = int(inHour / 60'000);
    const int second = int(inHour / 1000 % 60);
    const int ms = int(inHour % 1000);
    text[13] = u':';
    text[14] = char16_t(u'0' + minute / 10);
    text[15] = char16_t(u'0' + minute % 10);
    text[16] = u':';
    text[17] = char16_t(u'0' + second / 10);
    text[18] = char16_t(u'0' + second % 10);
    text[19] = u'.';
    text[20] = char16_t(u'0' + ms / 100);
    text[21] = char16_t(u'0' + ms / 10 % 10);
    text[22] = char16_t(u'0' + ms % 10);
    text[23] = u'Z';
    return QString(reinterpret_cast<const QChar *>(text), 24);
}

/// The hour a usage total counts in, as hours since the epoch; kNoHour for a record without a valid time.
constexpr qint64 kNoHour = std::numeric_limits<qint64>::min();
qint64 hourIndexOf(const QDateTime &t)
{
    return t.isValid() ? floorDiv(t.toMSecsSinceEpoch(), kMsPerHour) : kNoHour;
}

/// hourOf() for an hour index: "yyyy-MM-ddTHH".
QString hourText(qint64 hour)
{
    if (hour == kNoHour)
        return hourOf(QDateTime());
    char16_t text[13];
    if (!writeHour(hour * kMsPerHour, text))
        return hourOf(QDateTime::fromMSecsSinceEpoch(hour * kMsPerHour, QTimeZone::utc()));
    return QString(reinterpret_cast<const QChar *>(text), 13);
}

const QVariant &nullText()
{
    static const QVariant null(QMetaType::fromType<QString>());
    return null;
}

QVariant textOrNull(const QString &s)
{
    return s.isEmpty() ? nullText() : QVariant(s);
}

QString errorText(const QSqlDatabase &db, const QSqlError &e)
{
    return Database::isBusyCode(e.nativeErrorCode(), Database::dialectOf(db))
        ? storageBusyError() + QStringLiteral(" (") + e.text() + u')'
        : e.text();
}

bool fail(const QSqlDatabase &db, const QSqlQuery &q, QString *error)
{
    *error = errorText(db, q.lastError());
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
    qint64 hour; ///< hourIndexOf()
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

/// The request_log columns in the order bound. Each value is bound by its placeholder's name, ":v<column>": QtSql
/// binds by name without building a string, by position with one (24 a row). One row a statement: a statement
/// of several rows measured slower.
constexpr const char *kColumns[] = {"id",
                                    "started_at",
                                    "tenant_id",
                                    "tenant",
                                    "key_prefix",
                                    "model",
                                    "method",
                                    "path",
                                    "status",
                                    "latency_ms",
                                    "ttfb_ms",
                                    "prompt_tokens",
                                    "completion_tokens",
                                    "estimated",
                                    "cost",
                                    "streamed",
                                    "bytes_in",
                                    "bytes_out",
                                    "cache",
                                    "error",
                                    "requested_model",
                                    "deployment_id",
                                    "fallback",
                                    "brownout"};
constexpr int kColumnCount = int(std::size(kColumns));
constexpr int kUsageColumnCount = 9;

/// ":v0", ":v1", ...: the names of the values of one statement, made once.
const QList<QString> &placeholders()
{
    static const QList<QString> names = [] {
        QList<QString> out;
        for (int i = 0; i < kColumnCount; ++i)
            out.append(QStringLiteral(":v") + QString::number(i));
        return out;
    }();
    return names;
}

/// On PostgreSQL, rows (and usage totals) go kPgRowsPerInsert to a statement: each statement is a round trip to the
/// server, which one row a statement spends most of its time waiting for (bench/pg-requestlog.sh).
constexpr int kPgRowsPerInsert = 64;

/// ":v0" ... for kPgRowsPerInsert rows: row r's column c is ":v<r * kColumnCount + c>" (the first row's are
/// placeholders()).
const QList<QString> &manyPlaceholders()
{
    static const QList<QString> names = [] {
        QList<QString> out;
        for (int i = 0; i < kColumnCount * kPgRowsPerInsert; ++i)
            out.append(QStringLiteral(":v") + QString::number(i));
        return out;
    }();
    return names;
}

/// INSERT INTO request_log of @p rows rows.
QString insertSql(int rows = 1)
{
    QString sql = QStringLiteral("INSERT INTO request_log (");
    for (int c = 0; c < kColumnCount; ++c)
        sql += (c ? QStringLiteral(", ") : QString()) + QLatin1String(kColumns[c]);
    sql += QStringLiteral(") VALUES ");
    for (int r = 0; r < rows; ++r) {
        sql += r ? QStringLiteral(",(") : QStringLiteral("(");
        for (int c = 0; c < kColumnCount; ++c)
            sql += (c ? QStringLiteral(",") : QString()) + manyPlaceholders().at(r * kColumnCount + c);
        sql += u')';
    }
    return sql;
}

/// The upsert of one usage total into usage_hourly or usage_daily.
QString upsertSql(bool daily, int rows = 1)
{
    QString sql = QStringLiteral(
                      "INSERT INTO %1 (%2, tenant_id, tenant, model, requests, prompt_tokens, completion_tokens, cost,"
                      " estimated_requests) VALUES ")
                      .arg(daily ? QStringLiteral("usage_daily") : QStringLiteral("usage_hourly"),
                           daily ? QStringLiteral("day") : QStringLiteral("hour"));
    for (int r = 0; r < rows; ++r) {
        sql += r ? QStringLiteral(",(") : QStringLiteral("(");
        for (int c = 0; c < kUsageColumnCount; ++c)
            sql += (c ? QStringLiteral(",") : QString()) + manyPlaceholders().at(r * kUsageColumnCount + c);
        sql += u')';
    }
    sql += QStringLiteral(" ON CONFLICT (%1, tenant_id, model) DO UPDATE SET"
                          " tenant = excluded.tenant, requests = %2.requests + excluded.requests,"
                          " prompt_tokens = %2.prompt_tokens + excluded.prompt_tokens,"
                          " completion_tokens = %2.completion_tokens + excluded.completion_tokens,"
                          " cost = %2.cost + excluded.cost,"
                          " estimated_requests = %2.estimated_requests + excluded.estimated_requests")
               .arg(daily ? QStringLiteral("day") : QStringLiteral("hour"),
                    daily ? QStringLiteral("usage_daily") : QStringLiteral("usage_hourly"));
    return sql;
}

/// Binds @p r's values to @p q (the insert), to the placeholders from @p name on.
void bindRow(QSqlQuery &q, const model::RequestRecord &r, const QString *name = placeholders().constData())
{
    // The methods the data plane sees, as text once and for all.
    static const QString kPost = QStringLiteral("POST");
    static const QString kGet = QStringLiteral("GET");
    q.bindValue(name[0], QString::fromLatin1(r.id));
    q.bindValue(name[1], startedAtText(r.startedAt));
    q.bindValue(name[2], textOrNull(r.tenantId));
    q.bindValue(name[3], textOrNull(r.tenantName));
    q.bindValue(name[4], textOrNull(r.keyPrefix));
    q.bindValue(name[5], textOrNull(r.model));
    q.bindValue(name[6], r.method == "POST" ? kPost : r.method == "GET" ? kGet : QString::fromLatin1(r.method));
    q.bindValue(name[7], QString::fromUtf8(r.path));
    q.bindValue(name[8], r.status);
    q.bindValue(name[9], r.latencyMs);
    q.bindValue(name[10], r.firstByteMs >= 0 ? QVariant(r.firstByteMs) : QVariant(QMetaType::fromType<qint64>()));
    q.bindValue(name[11], r.promptTokens);
    q.bindValue(name[12], r.completionTokens);
    q.bindValue(name[13], int(r.estimated));
    q.bindValue(name[14], r.cost);
    q.bindValue(name[15], int(r.streamed));
    q.bindValue(name[16], r.bytesIn);
    q.bindValue(name[17], r.bytesOut);
    q.bindValue(name[18], textOrNull(r.cache));
    q.bindValue(name[19], textOrNull(r.error));
    q.bindValue(name[20], textOrNull(r.requestedModel));
    q.bindValue(name[21], textOrNull(r.deploymentId));
    q.bindValue(name[22], int(r.fallback));
    q.bindValue(name[23], int(r.brownout));
}
/// One usage total on its way to usage_hourly (period "yyyy-MM-ddTHH") or usage_daily ("yyyy-MM-dd").
struct UsageTotal
{
    QString period;
    QString tenantId;
    QString model;
    UsageRow row;
};

/// PostgreSQL: adds the usage totals of @p hours (in key order) to usage_hourly and usage_daily, kPgRowsPerInsert
/// at a time through @p hourlyMany and @p dailyMany, the rest one by one through @p hourly and @p daily. On failure
/// the caller rolls back.
bool writeTotalsMany(const QSqlDatabase &db, const QList<QHash<UsageKey, UsageRow>::const_iterator> &hours,
                     QSqlQuery &hourlyMany, QSqlQuery &hourly, QSqlQuery &dailyMany, QSqlQuery &daily, QString *error)
{
    // Each statement holds a key once (PostgreSQL refuses to update a row twice in one statement), so the hours of
    // one day are added up before they go to usage_daily; both lists in key order, as write() explains.
    QList<UsageTotal> hourlyTotals;
    QList<UsageTotal> dailyTotals;
    QHash<QString, qsizetype> dayIndex;
    hourlyTotals.reserve(hours.size());
    for (const auto &it : hours) {
        const QString hour = hourText(it.key().hour);
        hourlyTotals.append({hour, it.key().tenantId, it.key().model, *it});
        const QString day = hour.left(10);
        const QString key = day + u'\x1f' + it.key().tenantId + u'\x1f' + it.key().model;
        const auto found = dayIndex.constFind(key);
        if (found == dayIndex.cend()) {
            dayIndex.insert(key, dailyTotals.size());
            dailyTotals.append({day, it.key().tenantId, it.key().model, *it});
            continue;
        }
        UsageRow &t = dailyTotals[*found].row;
        t.tenant = it->tenant;
        t.requests += it->requests;
        t.promptTokens += it->promptTokens;
        t.completionTokens += it->completionTokens;
        t.cost += it->cost;
        t.estimatedRequests += it->estimatedRequests;
    }
    std::sort(dailyTotals.begin(), dailyTotals.end(), [](const UsageTotal &a, const UsageTotal &b) {
        return std::tie(a.period, a.tenantId, a.model) < std::tie(b.period, b.tenantId, b.model);
    });
    const QString *names = manyPlaceholders().constData();
    auto bind = [](QSqlQuery &q, const UsageTotal &t, const QString *name) {
        q.bindValue(name[0], t.period);
        q.bindValue(name[1], t.tenantId);
        q.bindValue(name[2], t.row.tenant);
        q.bindValue(name[3], t.model);
        q.bindValue(name[4], t.row.requests);
        q.bindValue(name[5], t.row.promptTokens);
        q.bindValue(name[6], t.row.completionTokens);
        q.bindValue(name[7], t.row.cost);
        q.bindValue(name[8], t.row.estimatedRequests);
    };
    for (auto [list, many, one] :
         {std::tuple{&hourlyTotals, &hourlyMany, &hourly}, std::tuple{&dailyTotals, &dailyMany, &daily}}) {
        qsizetype i = 0;
        for (; list->size() - i >= kPgRowsPerInsert; i += kPgRowsPerInsert) {
            for (int r = 0; r < kPgRowsPerInsert; ++r)
                bind(*many, list->at(i + r), names + r * kUsageColumnCount);
            if (!many->exec())
                return fail(db, *many, error);
        }
        for (; i < list->size(); ++i) {
            bind(*one, list->at(i), names);
            if (!one->exec())
                return fail(db, *one, error);
        }
    }
    return true;
}

} // namespace

/// The statements every write uses, prepared once for the connection and kept; dropped after an error, so that the
/// next write prepares them afresh.
struct RequestLogStore::Statements
{
    explicit Statements(const QSqlDatabase &db)
        : m_db(db)
        , insert(db)
        , hourly(db)
        , daily(db)
    { }

    bool prepare(QString *error)
    {
        for (auto [q, sql] : {std::pair{&insert, insertSql()}, std::pair{&hourly, upsertSql(false)},
                              std::pair{&daily, upsertSql(true)}}) {
            if (!q->prepare(sql))
                return fail(m_db, *q, error);
        }
        if (Database::dialectOf(m_db) == Database::Dialect::Postgres) {
            insertMany.emplace(m_db);
            hourlyMany.emplace(m_db);
            dailyMany.emplace(m_db);
            for (auto [q, sql] : {std::pair{&*insertMany, insertSql(kPgRowsPerInsert)},
                                  std::pair{&*hourlyMany, upsertSql(false, kPgRowsPerInsert)},
                                  std::pair{&*dailyMany, upsertSql(true, kPgRowsPerInsert)}}) {
                if (!q->prepare(sql))
                    return fail(m_db, *q, error);
            }
        }
        return true;
    }

    QSqlDatabase m_db;
    QSqlQuery insert;
    std::optional<QSqlQuery> insertMany; ///< PostgreSQL: kPgRowsPerInsert rows at once
    QSqlQuery hourly;
    QSqlQuery daily;
    std::optional<QSqlQuery> hourlyMany; ///< PostgreSQL: kPgRowsPerInsert totals at once
    std::optional<QSqlQuery> dailyMany;
};

RequestLogStore::RequestLogStore(QSqlDatabase db)
    : m_db(std::move(db))
{ }

RequestLogStore::~RequestLogStore() = default;

bool RequestLogStore::write(const QList<model::RequestRecord> &batch, QString *error)
{
    if (batch.isEmpty())
        return true;
    // A PostgreSQL that hangs fails the batch after the deadline, as a lost one: its rows wait in the bounded buffer
    // rather than every later batch queueing up behind it on this thread.
    const StatementDeadline deadline(m_db, kDeadlineMs);
    if (!m_statements) {
        auto statements = std::make_unique<Statements>(m_db);
        if (!statements->prepare(error))
            return false;
        m_statements = std::move(statements);
    }
    if (!m_db.transaction()) {
        *error = errorText(m_db, m_db.lastError());
        m_statements.reset(); // the connection may be opened again before the next write
        return false;
    }
    auto rollback = [&](const QSqlQuery &q) {
        fail(m_db, q, error);
        m_db.rollback();
        m_statements.reset(); // prepared again by the next write
        return false;
    };
    Statements &s = *m_statements;
    QHash<UsageKey, UsageRow> totals;
    qsizetype many = 0; // rows written by insertMany
    if (s.insertMany) {
        const QString *names = manyPlaceholders().constData();
        for (; batch.size() - many >= kPgRowsPerInsert; many += kPgRowsPerInsert) {
            for (int r = 0; r < kPgRowsPerInsert; ++r)
                bindRow(*s.insertMany, batch.at(many + r), names + r * kColumnCount);
            if (!s.insertMany->exec())
                return rollback(*s.insertMany);
        }
    }
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const model::RequestRecord &r = batch.at(i);
        if (i >= many) {
            bindRow(s.insert, r);
            if (!s.insert.exec())
                return rollback(s.insert);
        }
        if (r.tenantId.isEmpty() || r.model.isEmpty())
            continue;
        UsageRow &t = totals[UsageKey{hourIndexOf(r.startedAt), r.tenantId, r.model}];
        t.tenant = r.tenantName;
        t.requests += 1;
        t.promptTokens += r.promptTokens;
        t.completionTokens += r.completionTokens;
        t.cost += r.cost;
        t.estimatedRequests += r.estimated ? 1 : 0;
    }
    // The same totals by the hour (for `since`) and by the day (so that long ranges stay fast).
    // In one order, so that two instances adding to the same totals on a shared database wait for each other rather
    // than deadlock.
    QList<QHash<UsageKey, UsageRow>::const_iterator> order;
    order.reserve(totals.size());
    for (auto it = totals.cbegin(); it != totals.cend(); ++it)
        order.append(it);
    std::sort(order.begin(), order.end(), [](const auto &a, const auto &b) {
        return std::tie(a.key().hour, a.key().tenantId, a.key().model)
            < std::tie(b.key().hour, b.key().tenantId, b.key().model);
    });
    const QString *name = placeholders().constData();
    if (s.hourlyMany) {
        if (!writeTotalsMany(m_db, order, *s.hourlyMany, s.hourly, *s.dailyMany, s.daily, error)) {
            m_db.rollback();
            m_statements.reset();
            return false;
        }
        order.clear(); // written
    }
    for (const auto &it : std::as_const(order)) {
        const QString hour = hourText(it.key().hour);
        for (QSqlQuery *upsert : {&s.hourly, &s.daily}) {
            upsert->bindValue(name[0], upsert == &s.daily ? hour.left(10) : hour);
            upsert->bindValue(name[1], it.key().tenantId);
            upsert->bindValue(name[2], it->tenant);
            upsert->bindValue(name[3], it.key().model);
            upsert->bindValue(name[4], it->requests);
            upsert->bindValue(name[5], it->promptTokens);
            upsert->bindValue(name[6], it->completionTokens);
            upsert->bindValue(name[7], it->cost);
            upsert->bindValue(name[8], it->estimatedRequests);
            if (!upsert->exec())
                return rollback(*upsert);
        }
    }
    if (!m_db.commit()) {
        *error = errorText(m_db, m_db.lastError());
        m_db.rollback();
        m_statements.reset();
        return false;
    }
    return true;
}

qint64 RequestLogStore::prune(const Retention &retention, const QDateTime &now, qint64 maxDeletes, QString *error)
{
    const StatementDeadline deadline(m_db, kDeadlineMs);
    qint64 deleted = 0;
    QSqlQuery q(m_db);
    if (retention.days > 0) {
        q.prepare(QStringLiteral("DELETE FROM request_log WHERE seq IN"
                                 " (SELECT seq FROM request_log WHERE started_at < ? LIMIT ?)"));
        q.addBindValue(isoTime(now.addDays(-retention.days)));
        q.addBindValue(maxDeletes);
        if (!q.exec())
            return fail(m_db, q, error), -1;
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
            return fail(m_db, q, error), -1;
        deleted += q.numRowsAffected();
    }
    return deleted;
}

bool RequestLogStore::requests(const RequestFilter &filter, QList<LoggedRequest> *out, QString *error) const
{
    const StatementDeadline deadline(m_db, kDeadlineMs);
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
        " prompt_tokens, completion_tokens, estimated, cost, streamed, bytes_in, bytes_out, cache, error,"
        " requested_model, deployment_id, fallback, brownout FROM request_log");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY seq DESC LIMIT ?");
    values << filter.limit;

    QSqlQuery q = select(m_db, sql, values);
    if (!q.isActive())
        return fail(m_db, q, error);
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
        r.path = q.value(8).toString().toUtf8();
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
        r.requestedModel = q.value(21).toString();
        r.deploymentId = q.value(22).toString();
        r.fallback = q.value(23).toBool();
        r.brownout = q.value(24).toBool();
        out->append(std::move(row));
    }
    return true;
}

bool RequestLogStore::usage(const UsageQuery &query, QList<UsageRow> *out, QString *error) const
{
    const StatementDeadline deadline(m_db, kDeadlineMs);
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
    // The tenant's name as of the newest row: with one max() aggregate, SQLite takes the bare column from that row;
    // PostgreSQL is asked for it.
    case UsageQuery::GroupBy::Tenant:
        key = Database::dialectOf(m_db) == Database::Dialect::Postgres
            ? QStringLiteral("tenant_id, (array_agg(tenant ORDER BY day DESC))[1], max(day)")
            : QStringLiteral("tenant_id, tenant, max(day)");
        group = QStringLiteral("tenant_id");
        break;
    case UsageQuery::GroupBy::Model: key = group = QStringLiteral("model"); break;
    case UsageQuery::GroupBy::Day: key = group = QStringLiteral("day"); break;
    }
    const QString sql
        = QStringLiteral("SELECT %1, sum(requests), sum(prompt_tokens), sum(completion_tokens), sum(cost),"
                         " sum(estimated_requests) FROM (%2) AS totals GROUP BY %3 ORDER BY %3")
              .arg(key, rows, group);
    QSqlQuery q = select(m_db, sql, values);
    if (!q.isActive())
        return fail(m_db, q, error);
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
    return q.exec() || fail(m_db, q, error);
}

} // namespace obleth::store
