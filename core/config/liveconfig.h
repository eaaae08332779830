#pragma once

#include "model/configsnapshot.h"
#include "problem.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

namespace obleth::store {
class ConfigRepository;
class Database;
} // namespace obleth::store

namespace obleth::config {

/// The live configuration, shared by the services: owns the store's configuration tables (through
/// store::ConfigRepository) and the published snapshot. The resource services (ModelService, TenantService, KeyService,
/// FairShareService, SettingsService, McpServerService) validate a change, then commit() it here: it is written to
/// SQLite, a new snapshot is published and changed() emitted. The Management API and the GUI both go through those
/// services, so they always agree. Lives in the gateway thread; snapshot() may be read from any thread.
class LiveConfig final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveConfig)

public:
    explicit LiveConfig(store::Database *db, QObject *parent = nullptr);
    ~LiveConfig() override;

    /// Opens the key file of the stored upstream secrets (secret.key next to the database, made on first
    /// start), encrypts secrets an older obleth stored in plain text, loads the configuration and makes sure the
    /// group "default" exists.
    bool load(QString *error);
    [[nodiscard]] std::shared_ptr<const model::ConfigSnapshot> snapshot() const;

    /// On a database with no tenant at all: creates tenant "default" and a key for it, and returns the
    /// key's secret (shown once). Otherwise returns an empty string.
    [[nodiscard]] QString bootstrapDefaultTenant(QString *error);

    /// For the resource services: runs @p write against the store, then publishes the new snapshot and emits
    /// changed(). A refusal of the store becomes a storage problem (busy when another program holds the lock).
    /// The write raises the stored configuration version in its transaction (on PostgreSQL with a NOTIFY), so that
    /// the other instances on the same database reload (contract section 15).
    using Write = std::function<bool(store::ConfigRepository &repository, QString *error)>;
    Problem commit(const Write &write);

    /// The configuration version the published snapshot was loaded at.
    [[nodiscard]] qint64 version() const noexcept { return m_version->load(); }
    /// version() for another thread (the configuration watcher's), safe to call even after this LiveConfig is gone.
    [[nodiscard]] std::function<qint64()> versionReader() const
    {
        return [version = m_version] { return version->load(); };
    }
    /// Reloads from the database when its configuration version differs from version() (another instance changed
    /// the configuration): publishes the new snapshot and emits changed(). Nothing when it is the same. On a failure
    /// the published snapshot stays as it was (requests keep being served from it).
    Problem refresh();

    /// The settings keys of the values kept in the settings table.
    static const QString kCapacitySetting;
    static const QString kCorsOriginsSetting;
    static const QString kBrownoutWaitMsSetting;
    static const QString kBrownoutMaxTokensSetting;
    static const QString kMaxQueueWaitSecsSetting;
    static const QString kMaxQueueLengthSetting;
    static const QString kAlertWebhookSetting; ///< sealed at rest: a webhook URL may carry a token
    static const QString kAlertEventsSetting; ///< a JSON array of alert names, or null: every alert

Q_SIGNALS:
    /// The configuration changed; snapshot() already shows it.
    void changed();

private:
    Problem reload();
    Problem storageProblem(const QString &error) const;
    /// Runs @p write and raises the configuration version, in one transaction.
    bool writeVersioned(const Write &write, QString *error);

    store::Database *m_db;
    std::unique_ptr<store::ConfigRepository> m_repo;
    std::shared_ptr<const model::ConfigSnapshot> m_snapshot;
    /// The stored configuration version m_snapshot was loaded at; -1 before the first load. Shared with the readers
    /// of versionReader().
    std::shared_ptr<std::atomic<qint64>> m_version = std::make_shared<std::atomic<qint64>>(-1);
    bool m_versionBusy = false; ///< raising the version failed on a lock held elsewhere or a lost PostgreSQL
};

/// A new entity id (a UUID without braces).
[[nodiscard]] QString newEntityId();
/// Now, to the whole second, as the API shows times.
[[nodiscard]] QDateTime currentTime();

/// The entity of @p list with @p id, or nullptr.
template<typename T> const T *findById(const QList<T> &list, const QString &id)
{
    for (const T &item : list) {
        if (item.id == id)
            return &item;
    }
    return nullptr;
}

/// True when an entity of @p list other than @p exceptId is called @p name (by @p nameOf).
template<typename T, typename Name>
bool nameTaken(const QList<T> &list, const QString &name, const QString &exceptId, Name nameOf)
{
    for (const T &item : list) {
        if (nameOf(item) == name && item.id != exceptId)
            return true;
    }
    return false;
}

} // namespace obleth::config
