#pragma once

#include <QSqlDatabase>
#include <QString>

namespace obleth::store {

/// obleth's SQLite file: opens it on the calling thread with a connection of its own, checks that it
/// is obleth's, and brings its schema up to date. A file that is not obleth's, is corrupt, or comes
/// from a newer obleth is refused with a clear error and left as it was.
///
/// The file is only ever touched through SQLite once SQLite has it open in this process: POSIX record locks
/// belong to the process, and closing ANY descriptor of the file (a QFile that reads its header, say) drops
/// every lock SQLite holds on it. Without those locks another program (the sqlite3 shell) believes it is the
/// only user, checkpoints and deletes the WAL under obleth, and what obleth writes afterwards is lost. So the
/// first connection in the process checks the file's header and migrates; every further connection to the
/// same file (the request log's) is opened by SQLite alone (see open()).
class Database final
{
    Q_DISABLE_COPY_MOVE(Database)

public:
    /// Stored in PRAGMA application_id so that obleth recognises its own files ("OBLT").
    static constexpr qint32 kApplicationId = 0x4F424C54;
    /// The schema version this build writes (PRAGMA user_version).
    static int latestSchemaVersion();
    /// How long a connection waits for another one's lock while opening and migrating.
    static constexpr int kStartupBusyTimeoutMs = 5000;
    /// How long a connection serving requests waits for a lock: long enough to ride out obleth's own request
    /// log transactions, short enough that a lock held by another program (`sqlite3 obleth.db` with BEGIN
    /// EXCLUSIVE) costs a caller a bounded wait and then a clear "busy" answer rather than a hang.
    static constexpr int kServingBusyTimeoutMs = 300;

    Database();
    ~Database();

    /// Opens (creating when missing) the database at @p path. On failure @p error says why.
    /// The first connection to a file in this process checks its header and migrates its schema; when another
    /// Database of this process already has the file open, this one is a further connection through SQLite
    /// only (the file was checked, and the schema is current).
    bool open(const QString &path, QString *error);
    void close();

    /// Sets how long this connection waits for a lock held by another connection (PRAGMA busy_timeout).
    bool setBusyTimeout(int ms, QString *error);

    [[nodiscard]] QSqlDatabase connection() const;
    [[nodiscard]] int schemaVersion() const noexcept { return m_schemaVersion; }
    [[nodiscard]] const QString &path() const noexcept { return m_path; }

    /// True when @p error (a QSqlError's native code) says that another connection held a lock until the busy
    /// timeout ran out (SQLITE_BUSY or SQLITE_LOCKED, extended codes included).
    [[nodiscard]] static bool isBusyCode(const QString &nativeErrorCode);

private:
    bool openFirst(QSqlDatabase &db, const QString &path, QString *error);
    bool openFurther(QSqlDatabase &db, QString *error);
    bool migrate(int from, QString *error);

    QString m_connectionName;
    QString m_path;
    QString m_registeredPath; ///< canonical path while open (see the registry in database.cpp)
    int m_schemaVersion = 0;
};

} // namespace obleth::store
