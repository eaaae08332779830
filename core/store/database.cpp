#include "database.h"

#include "migrations.h"
#include "platform/logging.h"

#include <QAtomicInt>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QSqlError>
#include <QSqlQuery>

namespace obleth::store {

namespace {
QAtomicInt s_connectionCounter;

/// The database files this process has open, by canonical path, with how many connections each: a file in
/// here is never opened outside SQLite again (see the class comment).
struct OpenFiles
{
    QMutex mutex;
    QHash<QString, int> connections;
};
OpenFiles &openFiles()
{
    static OpenFiles files;
    return files;
}

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

/// Makes the database and its WAL files private to the user (chmod: no descriptor is opened). SQLite creates the
/// -wal and -shm files with the database file's mode, so a private database keeps them private too; this also
/// tightens files that an older obleth left readable by everyone.
void makePrivate(const QString &path)
{
#ifdef Q_OS_UNIX
    const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    const QStringList files = {path, QString(path + QStringLiteral("-wal")), QString(path + QStringLiteral("-shm"))};
    for (const QString &file : files) {
        if (QFileInfo::exists(file) && QFile::permissions(file) != ownerOnly && !QFile::setPermissions(file, ownerOnly))
            qCWarning(lcStore).noquote() << "cannot make" << file << "private to its owner (chmod 600 it)";
    }
#else
    Q_UNUSED(path) // the per-user app-data folder is private on Windows
#endif
}
} // namespace

int Database::latestSchemaVersion()
{
    return int(migrations().size());
}

bool Database::isBusyCode(const QString &nativeErrorCode)
{
    bool ok = false;
    const int code = nativeErrorCode.toInt(&ok) & 0xff; // the primary code of an extended one
    constexpr int kSqliteBusy = 5;
    constexpr int kSqliteLocked = 6;
    return ok && (code == kSqliteBusy || code == kSqliteLocked);
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
    if (QSqlDatabase::contains(m_connectionName)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    if (!m_registeredPath.isEmpty()) {
        OpenFiles &files = openFiles();
        const QMutexLocker lock(&files.mutex);
        if (--files.connections[m_registeredPath] <= 0)
            files.connections.remove(m_registeredPath);
        m_registeredPath.clear();
    }
}

bool Database::setBusyTimeout(int ms, QString *error)
{
    QSqlDatabase db = connection();
    return exec(db, QStringLiteral("PRAGMA busy_timeout=%1").arg(ms), error);
}

bool Database::open(const QString &path, QString *error)
{
    close(); // a Database opened twice: the first connection goes (and takes the registry's lock, so not below)
    m_path = path;
    auto failWith = [&](const QString &why) {
        *error = QStringLiteral("cannot use database %1: %2").arg(path, why);
        close();
        return false;
    };

    // Opening is rare (start-up): one at a time, so that "is this file open already?" stays true until the
    // first connection has registered it.
    OpenFiles &files = openFiles();
    const QMutexLocker lock(&files.mutex);
    const QString canonical = QFileInfo(path).canonicalFilePath();
    const bool openAlready = !canonical.isEmpty() && files.connections.value(canonical) > 0;

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!db.isValid())
        return failWith(QStringLiteral("Qt's SQLite driver (libqt6sql6-sqlite) is not installed"));
    QString why;
    if (!(openAlready ? openFurther(db, &why) : openFirst(db, path, &why)))
        return failWith(why);
    m_registeredPath = QFileInfo(path).canonicalFilePath();
    ++files.connections[m_registeredPath];
    m_schemaVersion = latestSchemaVersion();
    qCDebug(lcStore).noquote() << (openAlready ? "opened a further connection to" : "opened") << path << "- schema"
                               << m_schemaVersion;
    return true;
}

bool Database::openFirst(QSqlDatabase &db, const QString &path, QString *error)
{
    // Look before SQLite touches the file: anything that is not a SQLite file is refused untouched. Safe only
    // because no connection of this process has the file open yet (closing this QFile would drop its locks).
    const QFileInfo info(path);
    if (info.exists() && info.size() > 0) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            *error = f.errorString();
            return false;
        }
        if (f.read(16) != QByteArray("SQLite format 3\0", 16)) {
            *error = QStringLiteral("the file is not a SQLite database (is it obleth's?)");
            return false;
        }
    }

    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kStartupBusyTimeoutMs));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    makePrivate(path); // before the WAL files exist, so that they are made private too

    qint64 appId = 0;
    qint64 version = 0;
    qint64 tables = 0;
    QString why;
    if (!queryInt(db, QStringLiteral("PRAGMA application_id"), &appId, &why)
        || !queryInt(db, QStringLiteral("PRAGMA user_version"), &version, &why)
        || !queryInt(db, QStringLiteral("SELECT count(*) FROM sqlite_master"), &tables, &why)) {
        *error = QStringLiteral("the file is corrupt or unreadable (%1)").arg(why);
        return false;
    }
    if (appId != kApplicationId && (tables > 0 || appId != 0)) {
        *error = QStringLiteral("the file is a SQLite database, but not obleth's");
        return false;
    }
    if (version > latestSchemaVersion()) {
        *error = QStringLiteral("it was written by a newer obleth (schema %1; this build knows up to %2)")
                     .arg(version)
                     .arg(latestSchemaVersion());
        return false;
    }
    if (!exec(db, QStringLiteral("PRAGMA journal_mode=WAL"), error)
        || !exec(db, QStringLiteral("PRAGMA synchronous=NORMAL"), error)
        || !exec(db, QStringLiteral("PRAGMA foreign_keys=ON"), error)) {
        return false;
    }
    if (version < latestSchemaVersion() && !migrate(int(version), &why)) {
        *error = QStringLiteral("upgrade from schema %1 failed: %2").arg(version).arg(why);
        return false;
    }
    makePrivate(path);
    return true;
}

bool Database::openFurther(QSqlDatabase &db, QString *error)
{
    // The first connection checked the header, set WAL mode (kept in the file) and migrated: this one only
    // makes sure, through SQLite, that it sees the same schema.
    db.setDatabaseName(m_path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kStartupBusyTimeoutMs));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    qint64 appId = 0;
    qint64 version = 0;
    if (!queryInt(db, QStringLiteral("PRAGMA application_id"), &appId, error)
        || !queryInt(db, QStringLiteral("PRAGMA user_version"), &version, error)) {
        return false;
    }
    if (appId != kApplicationId || version != latestSchemaVersion()) {
        *error = QStringLiteral("the file changed since it was opened (schema %1)").arg(version);
        return false;
    }
    return exec(db, QStringLiteral("PRAGMA synchronous=NORMAL"), error)
        && exec(db, QStringLiteral("PRAGMA foreign_keys=ON"), error);
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
