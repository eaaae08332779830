#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

namespace obleth::model {

/// One obleth instance seen on the shared database (contract section 15): its row in the instances table,
/// written by its heartbeat.
struct InstanceInfo
{
    QString id; ///< made at start, unique per process
    QString host; ///< the machine's host name
    qint64 pid = 0;
    QDateTime startedAt;
    QDateTime lastHeartbeat;
    bool self = false; ///< this process
};

/// How this instance shares state with others (contract section 15), as /api/v1/status, /metrics, the alerts and
/// the GUI show it. A lone instance on SQLite without Redis has database "sqlite", redis "none" and itself as the
/// only instance.
struct ClusterState
{
    QString instanceId;
    QString database = QStringLiteral("sqlite"); ///< "sqlite" or "postgresql"
    bool databaseReachable = true; ///< false while PostgreSQL cannot be reached: serving from the last snapshot
    QString redis = QStringLiteral("none"); ///< "none" (no --redis), "connected" or "unreachable"
    /// While Redis is unreachable: the share of the global capacity this instance admits on its own (capacity ÷
    /// the live instances last seen); 0 otherwise.
    int localCapacity = 0;
    int liveInstances = 1; ///< instances whose heartbeat is recent (this one included)
    qint64 logRowsBuffered = 0; ///< request log rows waiting for the database
    qint64 logRowsDropped = 0; ///< rows dropped because that buffer was full: counted, never silent
    QList<InstanceInfo> instances; ///< seen on the shared database, newest heartbeat first
};

} // namespace obleth::model
