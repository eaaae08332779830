#include "liveconfig.h"

#include "fieldcheck.h"
#include "platform/logging.h"
#include "secrets.h"
#include "store/clusterrepository.h"
#include "store/configrepository.h"
#include "store/database.h"
#include "store/secretcipher.h"
#include "store/statementdeadline.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

#include <atomic>

namespace obleth::config {

const QString LiveConfig::kCapacitySetting = QStringLiteral("capacity");
const QString LiveConfig::kCorsOriginsSetting = QStringLiteral("cors_allowed_origins");
const QString LiveConfig::kBrownoutWaitMsSetting = QStringLiteral("admission.brownout_wait_ms");
const QString LiveConfig::kBrownoutMaxTokensSetting = QStringLiteral("admission.brownout_max_tokens");
const QString LiveConfig::kMaxQueueWaitSecsSetting = QStringLiteral("admission.max_queue_wait_secs");
const QString LiveConfig::kMaxQueueLengthSetting = QStringLiteral("admission.max_queue_length");
const QString LiveConfig::kAlertWebhookSetting = QStringLiteral("alerts.webhook_url");
const QString LiveConfig::kAlertEventsSetting = QStringLiteral("alerts.events");

namespace {
/// The whole number stored under @p key, or @p fallback when it is missing or damaged (not a number, or out of
/// @p min..@p max).
qint64 integerSetting(const QHash<QString, QString> &settings, const QString &key, qint64 min, qint64 max,
                      qint64 fallback)
{
    bool ok = false;
    const qint64 v = settings.value(key).toLongLong(&ok);
    return ok && v >= min && v <= max ? v : fallback;
}
} // namespace

QString newEntityId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QDateTime currentTime()
{
    QDateTime t = QDateTime::currentDateTimeUtc();
    return t.addMSecs(-t.time().msec()); // whole seconds, as the API shows them
}

LiveConfig::LiveConfig(store::Database *db, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_repo(std::make_unique<store::ConfigRepository>(db))
    , m_snapshot(std::make_shared<model::ConfigSnapshot>())
{ }

LiveConfig::~LiveConfig() = default;

std::shared_ptr<const model::ConfigSnapshot> LiveConfig::snapshot() const
{
    return std::atomic_load(&m_snapshot);
}

Problem LiveConfig::storageProblem(const QString &error) const
{
    if (m_repo->lastFailureWasUnreachable()) {
        // PostgreSQL went away (contract section 15): the data plane serves from the last snapshot meanwhile.
        qCWarning(lcConfig) << "database unreachable: the change was not made";
        return Problem::busy(QStringLiteral("the database cannot be reached; try again once it is back"));
    }
    if (m_repo->lastFailureWasBusy() || m_versionBusy) {
        // Another program holds the database's lock (the sqlite3 shell inside a transaction, a backup tool):
        // nothing is wrong with the change, it can be sent again once the lock is gone.
        qCWarning(lcConfig) << "database busy: another program holds its lock";
        return Problem::busy(QStringLiteral("the database is locked by another program; try again shortly"));
    }
    qCWarning(lcConfig) << "database write failed:" << error;
    return Problem::storage(QStringLiteral("the database refused the change: %1").arg(error));
}

bool LiveConfig::writeVersioned(const Write &write, QString *error)
{
    m_versionBusy = false;
    return m_repo->atomically(
        [&] {
            qint64 version = 0;
            // The change first: a database that went away is found by the repository, which says so.
            return write(*m_repo, error)
                && store::ClusterRepository::raiseConfigVersion(m_db->connection(), &version, error, &m_versionBusy);
        },
        error);
}

Problem LiveConfig::commit(const Write &write)
{
    {
        // On the gateway's thread: a PostgreSQL that hangs holds the requests too, for the deadline at most.
        const store::StatementDeadline deadline(m_db->connection(), store::Database::kStatementDeadlineMs);
        QString error;
        if (!writeVersioned(write, &error))
            return storageProblem(error);
        if (Problem p = reload(); !p.ok())
            return p;
    }
    Q_EMIT changed(); // its listeners' own time is not the database's
    return {};
}

Problem LiveConfig::refresh()
{
    qint64 was = 0;
    {
        const store::StatementDeadline deadline(m_db->connection(), store::Database::kStatementDeadlineMs);
        qint64 stored = 0;
        QString error;
        if (!store::ClusterRepository::configVersion(m_db->connection(), &stored, &error)) {
            qCWarning(lcConfig).noquote() << "cannot read the configuration version:" << error;
            return Problem::storage(QStringLiteral("cannot read the configuration version: %1").arg(error));
        }
        if (stored == version())
            return {};
        was = version();
        if (Problem p = reload(); !p.ok()) {
            qCWarning(lcConfig).noquote() << "cannot reload the configuration changed elsewhere:" << p.message;
            return p;
        }
    }
    qCInfo(lcConfig).noquote() << "configuration reloaded: version" << was << "->" << version();
    Q_EMIT changed();
    return {};
}

Problem LiveConfig::reload()
{
    store::ConfigRepository::Contents contents;
    QString error;
    // The version first: a change that lands between the two reads is loaded, and merely reloaded once more later.
    qint64 version = 0;
    if (!store::ClusterRepository::configVersion(m_db->connection(), &version, &error)
        || !m_repo->loadAll(&contents, &error)) {
        // Said once, by whoever reports the problem (the start's error line, the API's answer).
        return m_repo->lastFailureWasBusy()
            ? Problem::busy(QStringLiteral("the database is locked by another program; try again shortly"))
            : Problem::storage(QStringLiteral("cannot read the configuration: %1").arg(error));
    }
    auto snap = std::make_shared<model::ConfigSnapshot>();
    snap->models = std::move(contents.models);
    snap->tenants = std::move(contents.tenants);
    snap->keys = std::move(contents.keys);
    snap->groups = std::move(contents.groups);
    snap->mcpServers = std::move(contents.mcpServers);
    bool ok = false;
    const qint64 capacity = contents.settings.value(kCapacitySetting).toLongLong(&ok);
    snap->capacity = ok && capacity > 0 ? capacity : 64;
    const QJsonArray origins = QJsonDocument::fromJson(contents.settings.value(kCorsOriginsSetting).toUtf8()).array();
    for (const QJsonValue &origin : origins)
        snap->corsAllowedOrigins.append(origin.toString());
    const model::AdmissionSettings admission;
    snap->admission.brownoutWaitMs
        = integerSetting(contents.settings, kBrownoutWaitMsSetting, limits::kBrownoutWaitMs.min,
                         limits::kBrownoutWaitMs.max, admission.brownoutWaitMs);
    snap->admission.brownoutMaxTokens
        = integerSetting(contents.settings, kBrownoutMaxTokensSetting, limits::kBrownoutMaxTokens.min,
                         limits::kBrownoutMaxTokens.max, admission.brownoutMaxTokens);
    snap->admission.maxQueueWaitSecs
        = integerSetting(contents.settings, kMaxQueueWaitSecsSetting, limits::kMaxQueueWaitSecs.min,
                         limits::kMaxQueueWaitSecs.max, admission.maxQueueWaitSecs);
    snap->admission.maxQueueLength
        = integerSetting(contents.settings, kMaxQueueLengthSetting, limits::kMaxQueueLength.min,
                         limits::kMaxQueueLength.max, admission.maxQueueLength);
    snap->alerts.webhookUrl = contents.settings.value(kAlertWebhookSetting);
    const QJsonDocument events = QJsonDocument::fromJson(contents.settings.value(kAlertEventsSetting).toUtf8());
    if (events.isArray()) {
        QStringList names;
        const QJsonArray array = events.array();
        for (const QJsonValue &name : array)
            names.append(name.toString());
        snap->alerts.events = names;
    }
    snap->buildIndexes();
    std::atomic_store(&m_snapshot, std::shared_ptr<const model::ConfigSnapshot>(std::move(snap)));
    m_version->store(version);
    return {};
}

bool LiveConfig::load(QString *error)
{
    const QString keyPath = store::SecretCipher::keyFilePath(QFileInfo(m_db->path()).absolutePath());
    if (!m_repo->openSecrets(keyPath, error))
        return false;
    Problem p = reload();
    if (p.ok() && !nameTaken(snapshot()->groups, model::kDefaultGroup, {}, [](const model::FairShareGroup &g) {
            return g.name;
        })) {
        model::FairShareGroup g;
        g.id = newEntityId();
        g.name = model::kDefaultGroup;
        g.createdAt = currentTime();
        QString why;
        if (!writeVersioned([&g](store::ConfigRepository &repo, QString *e) { return repo.saveGroup(g, true, e); },
                            &why))
            p = storageProblem(why);
        else
            p = reload();
        if (p.ok())
            qCInfo(lcConfig).noquote() << "fair-share group 'default' created";
    }
    if (!p.ok())
        *error = p.message;
    return p.ok();
}

QString LiveConfig::bootstrapDefaultTenant(QString *error)
{
    if (!snapshot()->tenants.isEmpty())
        return {};
    model::Tenant t;
    t.id = newEntityId();
    t.name = QStringLiteral("default");
    t.createdAt = t.updatedAt = currentTime();
    model::ApiKey k;
    const QString secret = generateApiKey();
    k.id = newEntityId();
    k.tenantId = t.id;
    k.name = QStringLiteral("default");
    k.keyPrefix = keyPrefix(secret);
    k.keyHash = hashSecret(secret.toLatin1());
    k.createdAt = t.createdAt;
    // saveTenantWithKey() makes its own transaction (it cannot join another): the version is raised right after.
    qint64 version = 0;
    if (!m_repo->saveTenantWithKey(t, k, error)
        || !store::ClusterRepository::raiseConfigVersion(m_db->connection(), &version, error, &m_versionBusy))
        return {};
    const Problem p = reload();
    if (!p.ok()) {
        *error = p.message;
        return {};
    }
    qCInfo(lcConfig).noquote() << "tenant 'default' created with its first key" << k.keyPrefix + QStringLiteral("...");
    Q_EMIT changed();
    return secret;
}

} // namespace obleth::config
