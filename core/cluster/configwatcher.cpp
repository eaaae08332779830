#include "configwatcher.h"

#include "platform/logging.h"
#include "store/clusterrepository.h"
#include "store/database.h"

#include <QSqlError>

#include <atomic>

namespace obleth::cluster {

namespace {
/// Each connection gets a name of its own: a reopened one starts from a fresh driver, with nothing left of the lost.
QString nextConnectionName()
{
    static std::atomic<int> counter{0};
    return QStringLiteral("obleth-config-watcher-%1").arg(++counter);
}
} // namespace

ConfigWatcher::ConfigWatcher(const QSqlDatabase &like, std::function<qint64()> loadedVersion, Options options,
                             QObject *parent)
    : QObject(parent)
    , m_connectionName(nextConnectionName())
    , m_loadedVersion(std::move(loadedVersion))
    , m_options(options)
{
    store::Database::cloneConnection(like, m_connectionName); // a server that does not answer: a bounded wait
    m_checkTimer.setInterval(m_options.checkIntervalMs);
    connect(&m_checkTimer, &QTimer::timeout, this, &ConfigWatcher::checkNow);
    m_livenessTimer.setInterval(m_options.livenessIntervalMs);
    connect(&m_livenessTimer, &QTimer::timeout, this, &ConfigWatcher::checkLiveness);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        if (connectAndListen())
            checkNow(); // a NOTIFY may have gone by while the connection was away
        else
            scheduleRetry();
    });
}

ConfigWatcher::~ConfigWatcher()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

void ConfigWatcher::start()
{
    if (m_started)
        return;
    m_started = true;
    m_checkTimer.start();
    m_livenessTimer.start();
    if (connectAndListen())
        checkNow();
    else
        scheduleRetry();
}

bool ConfigWatcher::connectAndListen()
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.isValid())
        return false;
    if (!db.isOpen() && !db.open()) {
        // The driver's text names host and database at most, never the password.
        qCWarning(lcCluster).noquote() << "configuration watcher: cannot connect to the database:"
                                       << db.lastError().text();
        return false;
    }
    QSqlDriver *driver = db.driver();
    if (driver->hasFeature(QSqlDriver::EventNotifications)) {
        connect(driver, &QSqlDriver::notification, this, &ConfigWatcher::onNotification, Qt::UniqueConnection);
        if (!driver->subscribedToNotifications().contains(store::ClusterRepository::kConfigChannel)
            && !driver->subscribeToNotification(store::ClusterRepository::kConfigChannel)) {
            qCWarning(lcCluster).noquote() << "configuration watcher: cannot LISTEN:" << driver->lastError().text();
            db.close();
            return false;
        }
    }
    m_retryMs = 0;
    if (!m_listening) {
        m_listening = true;
        qCInfo(lcCluster) << "configuration watcher: listening for changes made by other instances";
        Q_EMIT listeningChanged(true);
    }
    return true;
}

void ConfigWatcher::lost(const QString &why)
{
    if (m_listening) {
        m_listening = false;
        qCWarning(lcCluster).noquote() << "configuration watcher: lost the database connection:" << why
                                       << "- reconnecting";
        Q_EMIT listeningChanged(false);
    }
    // A fresh connection (and driver) next time: nothing of the lost one is reused.
    const QString old = m_connectionName;
    {
        QSqlDatabase db = QSqlDatabase::database(old, false);
        m_connectionName = nextConnectionName();
        QSqlDatabase::cloneDatabase(db, m_connectionName);
        db.close();
    }
    QSqlDatabase::removeDatabase(old);
    if (!m_retryTimer.isActive())
        scheduleRetry();
}

void ConfigWatcher::scheduleRetry()
{
    m_retryMs = m_retryMs <= 0 ? m_options.firstRetryMs : qMin(m_retryMs * 2, m_options.maxRetryMs);
    m_retryTimer.start(m_retryMs);
}

void ConfigWatcher::checkLiveness()
{
    if (!m_listening)
        return;
    if (!QSqlDatabase::database(m_connectionName, false).isOpen()) // no handle kept: lost() removes the connection
        lost(QStringLiteral("closed by the server"));
}

void ConfigWatcher::checkNow()
{
    if (!m_listening)
        return; // checked right after the connection is back
    qint64 stored = 0;
    QString error;
    if (!store::ClusterRepository::configVersion(QSqlDatabase::database(m_connectionName, false), &stored, &error)) {
        lost(error); // no handle kept: lost() removes the connection
        return;
    }
    pollNotifications();
    if (stored != m_loadedVersion()) {
        qCDebug(lcCluster) << "configuration version" << stored << "stored, loaded" << m_loadedVersion();
        Q_EMIT outdated(stored);
    }
}

void ConfigWatcher::onNotification(const QString &name, QSqlDriver::NotificationSource, const QVariant &payload)
{
    if (name != store::ClusterRepository::kConfigChannel)
        return;
    bool ok = false;
    const qint64 version = payload.toString().toLongLong(&ok);
    if (!ok) {
        checkNow();
        return;
    }
    // Versions only grow: one at or below the loaded one is a change this instance has (its own, say).
    if (version > m_loadedVersion())
        Q_EMIT outdated(version);
}

void ConfigWatcher::pollNotifications()
{
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlDriver *driver = db.driver();
    if (!driver || !driver->hasFeature(QSqlDriver::EventNotifications))
        return;
    // The PostgreSQL driver's own handler (a private slot, reached by name; newer Qt runs it after each query).
    static const char *const kHandler = "_q_handleNotification";
    if (driver->metaObject()->indexOfMethod("_q_handleNotification()") >= 0)
        QMetaObject::invokeMethod(driver, kHandler, Qt::QueuedConnection);
}

} // namespace obleth::cluster
