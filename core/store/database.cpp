#include "database.h"

#include "migrations.h"

#include <QAtomicInt>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcStore, "obleth.store", QtInfoMsg)

namespace obleth::store {

namespace {
QAtomicInt s_connectionCounter;

bool exec(QSqlDatabase &db, const QString &sql, QString *error)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    *error = q.lastError().text();
    return false;
}

bool queryInt(QSqlDatabase &db, const QString &sql, qint64 *out, QString *error)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next()) {
        *error = q.lastError().text();
        return false;
    }
    *out = q.value(0).toLongLong();
    return true;
}
} // namespace

int Database::latestSchemaVersion()
{
    return int(migrations().size());
}

Database::Database()
    : m_connectionName(QStringLiteral("obleth-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1)))
{ }

Database::~Database()
{
    close();
}

QSqlDatabase Database::connection() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

void Database::close()
{
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool Database::open(const QString &path, QString *error)
{
    m_path = path;
    auto failWith = [&](const QString &why) {
        *error = QStringLiteral("cannot use database %1: %2").arg(path, why);
        close();
        return false;
    };

    // Look before SQLite touches the file: anything that is not a SQLite file is refused untouched.
    const QFileInfo info(path);
    if (info.exists() && info.size() > 0) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return failWith(f.errorString());
        if (f.read(16) != QByteArray("SQLite format 3\0", 16))
            return failWith(QStringLiteral("the file is not a SQLite database (is it obleth's?)"));
    }

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!db.isValid())
        return failWith(QStringLiteral("Qt's SQLite driver (libqt6sql6-sqlite) is not installed"));
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open())
        return failWith(db.lastError().text());

    qint64 appId = 0;
    qint64 version = 0;
    qint64 tables = 0;
    QString why;
    if (!queryInt(db, QStringLiteral("PRAGMA application_id"), &appId, &why)
        || !queryInt(db, QStringLiteral("PRAGMA user_version"), &version, &why)
        || !queryInt(db, QStringLiteral("SELECT count(*) FROM sqlite_master"), &tables, &why)) {
        return failWith(QStringLiteral("the file is corrupt or unreadable (%1)").arg(why));
    }
    if (appId != kApplicationId && (tables > 0 || appId != 0))
        return failWith(QStringLiteral("the file is a SQLite database, but not obleth's"));
    if (version > latestSchemaVersion()) {
        return failWith(QStringLiteral("it was written by a newer obleth (schema %1; this build knows up to %2)")
                            .arg(version)
                            .arg(latestSchemaVersion()));
    }
    if (!exec(db, QStringLiteral("PRAGMA journal_mode=WAL"), &why)
        || !exec(db, QStringLiteral("PRAGMA synchronous=NORMAL"), &why)
        || !exec(db, QStringLiteral("PRAGMA foreign_keys=ON"), &why)) {
        return failWith(why);
    }
    if (version < latestSchemaVersion() && !migrate(int(version), &why))
        return failWith(QStringLiteral("upgrade from schema %1 failed: %2").arg(version).arg(why));
    m_schemaVersion = latestSchemaVersion();
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

bool Database::migrate(int from, QString *error)
{
    QSqlDatabase db = connection();
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    const auto &steps = migrations();
    for (int v = from + 1; v <= latestSchemaVersion(); ++v) {
        for (const QString &sql : steps.at(v - 1)) {
            if (!exec(db, sql, error)) {
                db.rollback();
                return false;
            }
        }
        if (from > 0)
            qCInfo(lcStore) << "database schema upgraded to version" << v;
    }
    if (!exec(db, QStringLiteral("PRAGMA application_id=%1").arg(kApplicationId), error)
        || !exec(db, QStringLiteral("PRAGMA user_version=%1").arg(latestSchemaVersion()), error)) {
        db.rollback();
        return false;
    }
    if (!db.commit()) {
        *error = db.lastError().text();
        db.rollback();
        return false;
    }
    return true;
}

} // namespace obleth::store
