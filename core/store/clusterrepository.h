#pragma once

#include "model/clusterstate.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace obleth::store {

/// Reads and writes the tables instances share on one database (contract section 15, migration 7): cluster_state's
/// configuration version, which every configuration change raises, and the instances' heartbeat rows. Works on any
/// open connection (SQLite or PostgreSQL); each call returns false with @p error set when the database refuses it.
class ClusterRepository final
{
public:
    /// The channel a raised version is announced on (PostgreSQL NOTIFY, its payload the new version).
    static const QString kConfigChannel;

    /// The stored configuration version.
    static bool configVersion(QSqlDatabase db, qint64 *version, QString *error);
    /// Raises the configuration version by one and gives the new one; on PostgreSQL also NOTIFYs kConfigChannel with
    /// it (delivered when the surrounding transaction commits, never for one rolled back). On a failure, @p busy (when
    /// given) says whether it was a lock held elsewhere past the busy timeout or a PostgreSQL that went away: the same
    /// change may succeed later.
    static bool raiseConfigVersion(QSqlDatabase db, qint64 *version, QString *error, bool *busy = nullptr);

    /// Writes (inserts or updates) @p instance's heartbeat row.
    static bool saveInstance(QSqlDatabase db, const model::InstanceInfo &instance, QString *error);
    /// Deletes the rows whose last heartbeat is older than @p before.
    static bool pruneInstances(QSqlDatabase db, const QDateTime &before, QString *error);
    static bool removeInstance(QSqlDatabase db, const QString &id, QString *error);
    /// Every row, newest heartbeat first (self is left false).
    static bool instances(QSqlDatabase db, QList<model::InstanceInfo> *out, QString *error);
};

} // namespace obleth::store
