#include "database.h"

#include "migrations.h"
#include "platform/logging.h"
#include "statementdeadline.h"

#include <QAtomicInt>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>

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

bool Database::isBusyCode(const QString &nativeErrorCode, Dialect dialect)
{
    if (dialect == Dialect::Sqlite)
        return isBusyCode(nativeErrorCode);
    // lock_not_available (lock_timeout ran out), deadlock_detected, serialization_failure
    return nativeErrorCode == QLatin1String("55P03") || nativeErrorCode == QLatin1String("40P01")
        || nativeErrorCode == QLatin1String("40001");
}

bool Database::isPostgresUrl(const QString &location)
{
    return location.startsWith(QLatin1String("postgresql://")) || location.startsWith(QLatin1String("postgres://"));
}

QString Database::displayName(const QString &location)
{
    if (!isPostgresUrl(location))
        return location;
    QUrl url(location);
    url.setPassword(QString());
    url.setQuery(QString());
    return url.toString();
}

Database::Dialect Database::dialectOf(const QSqlDatabase &db)
{
    return db.driverName() == QLatin1String("QPSQL") ? Dialect::Postgres : Dialect::Sqlite;
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
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    // At most one try a second from here: a configuration write runs several statements, and each one need not wait
    // out the connect timeout of a server that is not there.
    if (m_dialect == Dialect::Postgres && db.isValid() && !db.isOpen()
        && (!m_lastReopen.isValid() || m_lastReopen.hasExpired(kPgReopenIntervalMs))) {
        m_lastReopen.start();
        reopen(db, nullptr);
    }
    return db;
}

bool Database::connectionLost(QSqlDatabase db)
{
    if (dialectOf(db) != Dialect::Postgres || !db.isOpen())
        return dialectOf(db) == Dialect::Postgres;
    QSqlQuery q(db);
    if (q.exec(QStringLiteral("SELECT 1")))
        return false;
    // The server answered with a SQLSTATE (say, 25P02: inside a transaction that failed): it is there. A lost
    // connection has none, or one of class 08 (connection exception), or 57P0x (the server shut down).
    const QString state = q.lastError().nativeErrorCode();
    if (!state.isEmpty() && !state.startsWith(QLatin1String("08")) && !state.startsWith(QLatin1String("57P")))
        return false;
    q = QSqlQuery();
    db.close();
    return true;
}

QSqlDatabase Database::cloneConnection(const QSqlDatabase &like, const QString &connectionName)
{
    QSqlDatabase db = QSqlDatabase::cloneDatabase(like.connectionName(), connectionName);
    if (dialectOf(db) == Dialect::Postgres && !db.connectOptions().contains(QLatin1String("connect_timeout"))) {
        const QString options = db.connectOptions();
        const QString timeout = QStringLiteral("connect_timeout=%1").arg(kPgConnectTimeoutSecs);
        db.setConnectOptions(options.isEmpty() ? timeout : options + u';' + timeout);
    }
    return db;
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
    if (m_dialect == Dialect::Postgres) {
        m_lockTimeoutMs = ms;
        return exec(db, QStringLiteral("SET lock_timeout = %1").arg(ms), error);
    }
    return exec(db, QStringLiteral("PRAGMA busy_timeout=%1").arg(ms), error);
}

bool Database::ensureConnected(QString *error)
{
    if (m_dialect != Dialect::Postgres)
        return true;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.isValid())
        return false;
    QString why;
    {
        const StatementDeadline deadline(db, kStatementDeadlineMs); // a server that hangs: a lost connection
        if (db.isOpen() && exec(db, QStringLiteral("SELECT 1"), &why))
            return true;
    }
    db.close();
    return reopen(db, error);
}

bool Database::reopen(QSqlDatabase &db, QString *error) const
{
    QString why;
    if (!db.open()) {
        if (error)
            *error = QStringLiteral("cannot reach database %1: %2").arg(displayName(m_path), db.lastError().text());
        return false;
    }
    if (!startPostgresSession(db, &why)
        || (m_lockTimeoutMs > 0 && !exec(db, QStringLiteral("SET lock_timeout = %1").arg(m_lockTimeoutMs), &why))) {
        db.close();
        if (error)
            *error = QStringLiteral("cannot reach database %1: %2").arg(displayName(m_path), why);
        return false;
    }
    qCInfo(lcStore).noquote() << "connected again to" << displayName(m_path);
    return true;
}

bool Database::open(const QString &path, QString *error)
{
    close(); // a Database opened twice: the first connection goes (and takes the registry's lock, so not below)
    m_path = path;
    m_lockTimeoutMs = 0;
    if (isPostgresUrl(path)) {
        m_dialect = Dialect::Postgres;
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        QString why;
        if (!db.isValid())
            why = QStringLiteral("Qt's PostgreSQL driver (libqt6sql6-psql) is not installed");
        if (!why.isEmpty() || !openPostgres(db, path, &why)) {
            *error = QStringLiteral("cannot use database %1: %2").arg(displayName(path), why);
            db = QSqlDatabase();
            close();
            return false;
        }
        m_schemaVersion = latestSchemaVersion();
        qCDebug(lcStore).noquote() << "opened" << displayName(path) << "- schema" << m_schemaVersion;
        return true;
    }
    m_dialect = Dialect::Sqlite;
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

bool Database::startPostgresSession(QSqlDatabase &db, QString *error) const
{
    // Notices (such as "relation already exists, skipping") are not for obleth's log.
    return exec(db, QStringLiteral("SET client_min_messages = warning"), error);
}

bool Database::openPostgres(QSqlDatabase &db, const QString &location, QString *error)
{
    const QUrl url(location);
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QStringLiteral("the URL is not postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
        return false;
    }
    db.setHostName(url.host());
    db.setPort(url.port(5432));
    db.setUserName(url.userName());
    db.setPassword(url.password());
    QString name = url.path();
    if (name.startsWith(u'/'))
        name.remove(0, 1);
    db.setDatabaseName(name.isEmpty() ? url.userName() : name);
    // connect_timeout: a database that went away costs a bounded wait. Other libpq options of the URL's query
    // (sslmode, sslrootcert, application_name, ...) are passed on.
    QStringList options = {QStringLiteral("connect_timeout=%1").arg(kPgConnectTimeoutSecs)};
    const QList<QPair<QString, QString>> items = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto &[key, value] : items) {
        if (key != QLatin1String("connect_timeout"))
            options.append(key + u'=' + value);
    }
    db.setConnectOptions(options.join(u';'));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    if (!startPostgresSession(db, error))
        return false;
    // One instance at a time checks and migrates: a second one starting meanwhile waits here (bounded), then finds
    // the schema current. The lock is the session's, so a connection that dies lets go of it.
    if (!exec(db, QStringLiteral("SET lock_timeout = %1").arg(kPgMigrationLockWaitMs), error)
        || !exec(db, QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kApplicationId), error)) {
        return false;
    }
    QString why;
    const bool ok = checkAndMigratePostgres(db, &why);
    QString ignored;
    exec(db, QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kApplicationId), &ignored);
    exec(db, QStringLiteral("SET lock_timeout = 0"), &ignored);
    if (!ok)
        *error = why;
    return ok;
}

bool Database::checkAndMigratePostgres(QSqlDatabase &db, QString *error)
{
    const QString table = postgresSchemaTable();
    qint64 hasSchemaTable = 0;
    qint64 tables = 0;
    QString why;
    if (!queryInt(db,
                  QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
                                 " AND table_name = '%1'")
                      .arg(table),
                  &hasSchemaTable, &why)
        || !queryInt(
            db, QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"),
            &tables, &why)) {
        *error = QStringLiteral("cannot read the database's tables (%1)").arg(why);
        return false;
    }
    qint64 version = 0;
    if (hasSchemaTable > 0) {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT application_id, version FROM %1").arg(table)) || !q.next()
            || q.value(0).toLongLong() != kApplicationId) {
            *error = QStringLiteral("the database holds a table %1, but not obleth's").arg(table);
            return false;
        }
        version = q.value(1).toLongLong();
    } else if (tables > 0) {
        *error
            = QStringLiteral("the database holds tables, but not obleth's (give obleth an empty database of its own)");
        return false;
    }
    if (version > latestSchemaVersion()) {
        *error = QStringLiteral("it was written by a newer obleth (schema %1; this build knows up to %2)")
                     .arg(version)
                     .arg(latestSchemaVersion());
        return false;
    }
    if (version == latestSchemaVersion())
        return true;
    // PostgreSQL's DDL is transactional: the whole upgrade happens, or none of it.
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    auto rollback = [&](const QString &what) {
        *error = QStringLiteral("upgrade from schema %1 failed: %2").arg(version).arg(what);
        db.rollback();
        return false;
    };
    if (version == 0
        && (!exec(
                db,
                QStringLiteral("CREATE TABLE %1 (application_id BIGINT NOT NULL, version BIGINT NOT NULL)").arg(table),
                &why)
            || !exec(db,
                     QStringLiteral("INSERT INTO %1 (application_id, version) VALUES (%2, 0)")
                         .arg(table)
                         .arg(kApplicationId),
                     &why))) {
        return rollback(why);
    }
    const auto &steps = migrations();
    for (int v = int(version) + 1; v <= latestSchemaVersion(); ++v) {
        for (const QString &sql : steps.at(v - 1)) {
            if (!exec(db, forPostgres(sql), &why))
                return rollback(why);
        }
        if (version > 0)
            qCInfo(lcStore) << "database schema upgraded to version" << v;
    }
    if (!exec(db, QStringLiteral("UPDATE %1 SET version = %2").arg(table).arg(latestSchemaVersion()), &why))
        return rollback(why);
    if (!db.commit()) {
        *error = db.lastError().text();
        db.rollback();
        return false;
    }
    if (version == 0)
        qCInfo(lcStore).noquote() << "made obleth's tables in" << displayName(m_path);
    return true;
}

Database::StartupLock::StartupLock(Database *db)
    : m_db(db)
{
    if (db->dialect() != Dialect::Postgres)
        return;
    QSqlDatabase c = db->connection();
    QString ignored;
    // The same key as the migration's: a start-up waits for another instance's whole start-up, migration included.
    m_ok = exec(c, QStringLiteral("SET lock_timeout = %1").arg(kPgMigrationLockWaitMs), &m_error)
        && exec(c, QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kApplicationId), &m_error);
    exec(c, QStringLiteral("SET lock_timeout = %1").arg(db->m_lockTimeoutMs), &ignored);
    m_locked = m_ok;
    if (!m_ok)
        m_error = QStringLiteral("cannot wait for other instances starting on database %1: %2")
                      .arg(displayName(db->path()), m_error);
}

Database::StartupLock::~StartupLock()
{
    if (!m_locked)
        return;
    QSqlDatabase c = m_db->connection();
    QString ignored;
    exec(c, QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kApplicationId), &ignored);
}

} // namespace obleth::store
