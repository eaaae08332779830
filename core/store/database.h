#pragma once

#include <QSqlDatabase>
#include <QString>

namespace obleth::store {

/// obleth's SQLite file: opens it on the calling thread with a connection of its own, checks that it
/// is obleth's, and brings its schema up to date. A file that is not obleth's, is corrupt, or comes
/// from a newer obleth is refused with a clear error and left as it was.
class Database final
{
    Q_DISABLE_COPY_MOVE(Database)

public:
    /// Stored in PRAGMA application_id so that obleth recognises its own files ("OBLT").
    static constexpr qint32 kApplicationId = 0x4F424C54;
    /// The schema version this build writes (PRAGMA user_version).
    static int latestSchemaVersion();

    Database();
    ~Database();

    /// Opens (creating when missing) the database at @p path. On failure @p error says why.
    bool open(const QString &path, QString *error);
    void close();

    [[nodiscard]] QSqlDatabase connection() const;
    [[nodiscard]] int schemaVersion() const noexcept { return m_schemaVersion; }
    [[nodiscard]] const QString &path() const noexcept { return m_path; }

private:
    bool migrate(int from, QString *error);

    QString m_connectionName;
    QString m_path;
    int m_schemaVersion = 0;
};

} // namespace obleth::store
