#pragma once

#include <QObject>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QTimer>

#include <functional>

namespace obleth::cluster {

/// Notices configuration changes that other instances made on the shared PostgreSQL database (contract section 15):
/// LISTENs on store::ClusterRepository::kConfigChannel on a connection of its own, and reads the stored
/// configuration version every checkIntervalMs as the safety net for a NOTIFY that was missed. When the stored
/// version differs from the one the configuration was loaded at (@p loadedVersion), it emits outdated(); the
/// gateway then has config::LiveConfig::refresh() reload. A lost connection is opened again with back-off, LISTENs
/// again and checks the version at once (a NOTIFY may have gone by meanwhile). Lives on the cluster worker's thread
/// (ClusterWorker), so that a database that hangs holds up nothing else; @p loadedVersion is called there.
class ConfigWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigWatcher)

public:
    struct Options
    {
        int checkIntervalMs = 5'000; ///< the version check: the safety net behind NOTIFY
        int livenessIntervalMs = 500; ///< how often the connection is looked at (no query: whether it is open)
        int firstRetryMs = 250; ///< the first reopening after a loss; doubles up to maxRetryMs
        int maxRetryMs = 10'000;
    };

    /// Opens its connection with the parameters of @p like (cloned: @p like itself is not used) when start()ed.
    ConfigWatcher(const QSqlDatabase &like, std::function<qint64()> loadedVersion, Options options,
                  QObject *parent = nullptr);
    ConfigWatcher(const QSqlDatabase &like, std::function<qint64()> loadedVersion, QObject *parent = nullptr)
        : ConfigWatcher(like, std::move(loadedVersion), Options(), parent)
    { }
    ~ConfigWatcher() override;

    /// Connects and LISTENs (or keeps trying with back-off), and starts the checks.
    void start();
    /// True while its connection is open and LISTENing.
    [[nodiscard]] bool listening() const noexcept { return m_listening; }

    /// Reads the stored version now and emits outdated() when it differs from the loaded one.
    void checkNow();

Q_SIGNALS:
    /// The stored configuration version (@p stored) is not the one the configuration was loaded at.
    void outdated(qint64 stored);
    /// The connection was (re)opened and LISTENs; emitted after each reconnect too.
    void listeningChanged(bool listening);

private:
    void onNotification(const QString &name, QSqlDriver::NotificationSource source, const QVariant &payload);
    bool connectAndListen();
    void lost(const QString &why);
    void scheduleRetry();
    void checkLiveness();
    /// Has the driver look at its socket again after a query: libpq may have read a notification along with the
    /// query's answer, which the socket notifier then never reports.
    void pollNotifications();

    QString m_connectionName;
    std::function<qint64()> m_loadedVersion;
    Options m_options;
    QTimer m_checkTimer{this};
    QTimer m_livenessTimer{this};
    QTimer m_retryTimer{this};
    int m_retryMs = 0;
    bool m_listening = false;
    bool m_started = false;
};

} // namespace obleth::cluster
