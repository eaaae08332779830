#pragma once

#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QString>

namespace obleth::store {

/// obleth's database: opens it on the calling thread with a connection of its own, checks that it is obleth's, and
/// brings its schema up to date. A database that is not obleth's, is corrupt, or comes from a newer obleth is
/// refused with a clear error and left as it was.
///
/// Two engines (contract section 15): a SQLite file (the default, one machine), or a PostgreSQL database that
/// several instances share, given as postgresql://USER:PASSWORD@HOST:PORT/DB. On PostgreSQL the schema version
/// lives in the table obleth_schema, and opening takes an advisory lock while it checks and migrates, so that
/// whichever instance starts first migrates once and the others wait and then see the current schema.
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
    /// PostgreSQL: how long a configuration change or reload on the gateway's thread may wait for a server that
    /// hangs before its connection is cut (StatementDeadline); well past kServingBusyTimeoutMs's lock waits.
    static constexpr int kStatementDeadlineMs = 3000;

    /// The SQL engine behind a connection: what little SQL differs between them is chosen by this.
    enum class Dialect { Sqlite, Postgres };
    /// How long opening a PostgreSQL connection may take before it fails (libpq's connect_timeout, in seconds):
    /// a database that went away costs a caller this much, never a hang.
    static constexpr int kPgConnectTimeoutSecs = 2;
    /// How long a PostgreSQL instance waits for another one that is migrating the shared schema.
    static constexpr int kPgMigrationLockWaitMs = 120'000;
    /// How often connection() tries again to open a PostgreSQL connection that was lost.
    static constexpr int kPgReopenIntervalMs = 1000;

    Database();
    ~Database();

    /// Opens @p location: a SQLite file's path (created when missing), or a postgresql:// URL. On failure @p error
    /// says why (never with the URL's password).
    /// The first connection to a file in this process checks its header and migrates its schema; when another
    /// Database of this process already has the file open, this one is a further connection through SQLite
    /// only (the file was checked, and the schema is current). Every PostgreSQL connection checks the schema
    /// under the advisory lock, and migrates it when it is older than this build's.
    bool open(const QString &location, QString *error);
    void close();

    /// Sets how long this connection waits for a lock held by another connection (PRAGMA busy_timeout; on
    /// PostgreSQL, lock_timeout).
    bool setBusyTimeout(int ms, QString *error);

    /// PostgreSQL: true when the connection answers; if it does not, closes it and opens it again (at most
    /// kPgConnectTimeoutSecs), and says whether that worked. Queries prepared on it must be prepared again.
    /// SQLite: always true (a file does not go away).
    bool ensureConnected(QString *error = nullptr);

    /// The connection. On PostgreSQL, one that connectionLost() closed is opened again first (at most
    /// kPgConnectTimeoutSecs; when that fails the connection stays closed and its statements fail at once).
    [[nodiscard]] QSqlDatabase connection() const;
    /// After a statement on @p db failed: on PostgreSQL, true when the connection itself is gone (the server
    /// stopped or the network failed), in which case it is closed so that the next connection() opens it again.
    /// False on SQLite, and for a statement the server refused.
    static bool connectionLost(QSqlDatabase db);
    /// A connection of its own with the parameters of @p like, named @p connectionName, for another thread (cloned by
    /// name, Qt's way across threads); a PostgreSQL one waits at most kPgConnectTimeoutSecs to connect.
    static QSqlDatabase cloneConnection(const QSqlDatabase &like, const QString &connectionName);
    [[nodiscard]] int schemaVersion() const noexcept { return m_schemaVersion; }
    /// What open() was given (a PostgreSQL URL with its password: never log it; see displayName()).
    [[nodiscard]] const QString &path() const noexcept { return m_path; }
    [[nodiscard]] Dialect dialect() const noexcept { return m_dialect; }

    /// Where the key file of the upstream secrets is (SecretCipher): a PostgreSQL URL has no folder, so the gateway
    /// names its data folder's secret.key here. Empty unless set.
    void setSecretKeyPath(const QString &path) { m_secretKeyPath = path; }
    [[nodiscard]] const QString &secretKeyPath() const noexcept { return m_secretKeyPath; }

    /// Held while an instance loads the configuration and makes what a first start makes (the default tenant and
    /// its first key, the key file's fingerprint), so that two instances starting at once on an empty shared
    /// database do not both make them: on PostgreSQL a session advisory lock (waits at most
    /// kPgMigrationLockWaitMs); on SQLite nothing (one process owns the file).
    class StartupLock final
    {
        Q_DISABLE_COPY_MOVE(StartupLock)

    public:
        explicit StartupLock(Database *db);
        ~StartupLock();
        [[nodiscard]] bool ok() const noexcept { return m_ok; }
        [[nodiscard]] const QString &error() const noexcept { return m_error; }

    private:
        Database *m_db;
        bool m_locked = false;
        bool m_ok = true;
        QString m_error;
    };

    /// True when @p location names a PostgreSQL database (postgresql:// or postgres://).
    [[nodiscard]] static bool isPostgresUrl(const QString &location);
    /// @p location as logs and messages may show it: a URL without its password.
    [[nodiscard]] static QString displayName(const QString &location);
    /// The dialect of an open connection @p db.
    [[nodiscard]] static Dialect dialectOf(const QSqlDatabase &db);

    /// True when @p error (a QSqlError's native code) says that another connection held a lock until the busy
    /// timeout ran out (SQLITE_BUSY or SQLITE_LOCKED, extended codes included).
    [[nodiscard]] static bool isBusyCode(const QString &nativeErrorCode);
    /// The same for @p dialect: on PostgreSQL, a lock timeout, a deadlock or a serialization failure.
    [[nodiscard]] static bool isBusyCode(const QString &nativeErrorCode, Dialect dialect);

private:
    bool openFirst(QSqlDatabase &db, const QString &path, QString *error);
    bool openFurther(QSqlDatabase &db, QString *error);
    bool migrate(int from, QString *error);
    bool openPostgres(QSqlDatabase &db, const QString &url, QString *error);
    bool checkAndMigratePostgres(QSqlDatabase &db, QString *error);
    bool startPostgresSession(QSqlDatabase &db, QString *error) const;
    bool reopen(QSqlDatabase &db, QString *error) const;

    Dialect m_dialect = Dialect::Sqlite;
    QString m_secretKeyPath;
    mutable QElapsedTimer m_lastReopen; ///< PostgreSQL: when connection() last tried to open a lost connection
    int m_lockTimeoutMs = 0; ///< PostgreSQL: lock_timeout set again after a reconnection (0: none)

    QString m_connectionName;
    QString m_path;
    QString m_registeredPath; ///< canonical path while open (see the registry in database.cpp)
    int m_schemaVersion = 0;
};

} // namespace obleth::store
