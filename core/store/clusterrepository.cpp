#include "clusterrepository.h"

#include "database.h"

#include <QSqlError>
#include <QSqlQuery>

namespace obleth::store {

const QString ClusterRepository::kConfigChannel = QStringLiteral("obleth_config");

namespace {
const QString kConfigVersion = QStringLiteral("config_version");

/// Times are kept as UTC ISO 8601 text with milliseconds, the same width in every row, so that they compare as text.
QString timeText(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
}

QDateTime timeFrom(const QVariant &v)
{
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.toUTC();
}

bool failed(QSqlDatabase db, const QSqlQuery &q, QString *error, bool *busy)
{
    *error = q.lastError().text();
    const bool locked = Database::isBusyCode(q.lastError().nativeErrorCode(), Database::dialectOf(db));
    // A PostgreSQL connection that was lost is closed here, so that the next Database::connection() opens it again.
    const bool lost = !locked && Database::connectionLost(db);
    if (busy)
        *busy = locked || lost;
    return false;
}

bool run(QSqlDatabase db, const QString &sql, const QVariantList &binds, QString *error, QSqlQuery *result = nullptr,
         bool *busy = nullptr)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return failed(db, q, error, busy);
    for (const QVariant &v : binds)
        q.addBindValue(v);
    if (!q.exec())
        return failed(db, q, error, busy);
    if (result)
        *result = std::move(q);
    return true;
}

bool isPostgres(const QSqlDatabase &db)
{
    return db.driverName() == QLatin1String("QPSQL");
}
} // namespace

bool ClusterRepository::configVersion(QSqlDatabase db, qint64 *version, QString *error)
{
    QSqlQuery q;
    if (!run(db, QStringLiteral("SELECT value FROM cluster_state WHERE name = ?"), {kConfigVersion}, error, &q))
        return false;
    *version = q.next() ? q.value(0).toLongLong() : 0;
    return true;
}

bool ClusterRepository::raiseConfigVersion(QSqlDatabase db, qint64 *version, QString *error, bool *busy)
{
    QSqlQuery q;
    if (!run(db, QStringLiteral("UPDATE cluster_state SET value = value + 1 WHERE name = ?"), {kConfigVersion}, error,
             nullptr, busy)
        || !run(db, QStringLiteral("SELECT value FROM cluster_state WHERE name = ?"), {kConfigVersion}, error, &q,
                busy)) {
        return false;
    }
    *version = q.next() ? q.value(0).toLongLong() : 0;
    if (isPostgres(db)) {
        QSqlQuery notify;
        return run(db, QStringLiteral("SELECT pg_notify(?, ?)"), {kConfigChannel, QString::number(*version)}, error,
                   &notify, busy);
    }
    return true;
}

bool ClusterRepository::saveInstance(QSqlDatabase db, const model::InstanceInfo &instance, QString *error)
{
    return run(
        db,
        QStringLiteral("INSERT INTO instances (id, host, pid, started_at, last_heartbeat) VALUES (?,?,?,?,?)"
                       " ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid,"
                       " started_at = excluded.started_at, last_heartbeat = excluded.last_heartbeat"),
        {instance.id, instance.host, instance.pid, timeText(instance.startedAt), timeText(instance.lastHeartbeat)},
        error);
}

bool ClusterRepository::pruneInstances(QSqlDatabase db, const QDateTime &before, QString *error)
{
    return run(db, QStringLiteral("DELETE FROM instances WHERE last_heartbeat < ?"), {timeText(before)}, error);
}

bool ClusterRepository::removeInstance(QSqlDatabase db, const QString &id, QString *error)
{
    return run(db, QStringLiteral("DELETE FROM instances WHERE id = ?"), {id}, error);
}

bool ClusterRepository::instances(QSqlDatabase db, QList<model::InstanceInfo> *out, QString *error)
{
    QSqlQuery q;
    if (!run(db,
             QStringLiteral("SELECT id, host, pid, started_at, last_heartbeat FROM instances"
                            " ORDER BY last_heartbeat DESC, id"),
             {}, error, &q)) {
        return false;
    }
    out->clear();
    while (q.next()) {
        model::InstanceInfo i;
        i.id = q.value(0).toString();
        i.host = q.value(1).toString();
        i.pid = q.value(2).toLongLong();
        i.startedAt = timeFrom(q.value(3));
        i.lastHeartbeat = timeFrom(q.value(4));
        out->append(i);
    }
    return true;
}

} // namespace obleth::store
