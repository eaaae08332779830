#include "instanceregistry.h"

#include "platform/logging.h"
#include "store/clusterrepository.h"
#include "store/database.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSysInfo>
#include <QUuid>

#include <algorithm>

namespace obleth::cluster {

InstanceRegistry::InstanceRegistry(const QSqlDatabase &like, Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_shared(like.driverName() == QLatin1String("QPSQL"))
{
    m_self.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_self.host = QSysInfo::machineHostName();
    m_self.pid = QCoreApplication::applicationPid();
    m_self.self = true;
    if (m_shared) {
        m_connectionName = QStringLiteral("obleth-instance-registry-") + m_self.id;
        store::Database::cloneConnection(like, m_connectionName);
    }
    m_timer.setInterval(m_options.heartbeatMs);
    connect(&m_timer, &QTimer::timeout, this, &InstanceRegistry::beat);
}

InstanceRegistry::~InstanceRegistry()
{
    stop();
    if (!m_connectionName.isEmpty())
        QSqlDatabase::removeDatabase(m_connectionName);
}

void InstanceRegistry::start()
{
    {
        const QMutexLocker lock(&m_mutex);
        m_self.startedAt = m_self.lastHeartbeat = now();
    }
    qCInfo(lcCluster).noquote() << "instance" << m_self.id << "on" << m_self.host << "pid" << m_self.pid
                                << (m_shared ? "shares its database with other instances" : "runs alone");
    beat();
    m_timer.start();
}

void InstanceRegistry::stop()
{
    if (!m_timer.isActive())
        return;
    m_timer.stop();
    if (!m_shared)
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QString error;
    // Once more on a fresh connection when the one held was lost meanwhile.
    const bool removed = (db.isOpen() && store::ClusterRepository::removeInstance(db, m_self.id, &error))
        || (db.close(), db.open() && store::ClusterRepository::removeInstance(db, m_self.id, &error));
    if (!removed) {
        qCWarning(lcCluster).noquote() << "cannot delete this instance's heartbeat row (it goes within a minute):"
                                       << (error.isEmpty() ? db.lastError().text() : error);
    }
    db.close();
}

bool InstanceRegistry::open(QString *error)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (db.isOpen())
        return true;
    if (db.open())
        return true;
    *error = db.lastError().text(); // names host and database at most, never the password
    return false;
}

void InstanceRegistry::failed(const QString &error)
{
    if (m_reachable)
        qCWarning(lcCluster).noquote() << "cannot write this instance's heartbeat:" << error;
    m_reachable = false;
    QSqlDatabase::database(m_connectionName, false).close();
    m_retryMs = m_retryMs <= 0 ? m_options.heartbeatMs : qMin(m_retryMs * 2, m_options.maxRetryMs);
    m_nextTry = now().addMSecs(m_retryMs);
}

void InstanceRegistry::beat()
{
    const QDateTime at = now();
    {
        const QMutexLocker lock(&m_mutex);
        m_self.lastHeartbeat = at;
    }
    if (!m_shared)
        return;
    if (!m_reachable && m_nextTry.isValid() && at < m_nextTry)
        return; // the database is away: tried again after the back-off
    QString error;
    QList<model::InstanceInfo> rows;
    if (!open(&error)
        || !store::ClusterRepository::saveInstance(QSqlDatabase::database(m_connectionName), m_self, &error)
        || !store::ClusterRepository::pruneInstances(QSqlDatabase::database(m_connectionName),
                                                     at.addMSecs(-m_options.pruneAfterMs), &error)
        || !store::ClusterRepository::instances(QSqlDatabase::database(m_connectionName), &rows, &error)) {
        failed(error);
        return;
    }
    if (!m_reachable)
        qCInfo(lcCluster) << "heartbeats written again";
    m_reachable = true;
    m_retryMs = 0;
    m_nextTry = {};
    const QMutexLocker lock(&m_mutex);
    m_readAt = at;
    m_seen.clear();
    for (model::InstanceInfo &row : rows) {
        if (row.id != m_self.id)
            m_seen.append(std::move(row));
    }
}

QList<model::InstanceInfo> InstanceRegistry::instances() const
{
    const QMutexLocker lock(&m_mutex);
    QList<model::InstanceInfo> list = m_seen;
    // This one by the time of its own latest heartbeat, which is the newest it knows of even while away.
    auto at = std::find_if(list.begin(), list.end(),
                           [this](const model::InstanceInfo &i) { return i.lastHeartbeat < m_self.lastHeartbeat; });
    list.insert(at, m_self);
    return list;
}

int InstanceRegistry::liveInstances() const
{
    const QMutexLocker lock(&m_mutex);
    // Counted at the last read: while the database is away, the count stays as it was last known.
    const QDateTime at = m_readAt.isValid() ? m_readAt : now();
    int live = 1;
    for (const model::InstanceInfo &i : m_seen) {
        if (i.lastHeartbeat.msecsTo(at) <= m_options.liveWithinMs)
            ++live;
    }
    return live;
}

void InstanceRegistry::report(model::ClusterState *state) const
{
    state->instanceId = m_self.id;
    state->instances = instances();
    state->liveInstances = liveInstances();
}

} // namespace obleth::cluster
