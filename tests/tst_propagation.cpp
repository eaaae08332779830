// Configuration changes across instances (contract section 15): the configuration version that every change raises,
// the watcher that hears of a change made elsewhere (PostgreSQL LISTEN/NOTIFY, and the version checked as the safety
// net, also after a lost connection), the instances' heartbeats, and how /api/v1/status, /metrics and the alerts show
// the cluster. The PostgreSQL rows run on a throwaway cluster (test::PgCluster) and are skipped without one.

#include "admin/statuscontroller.h"
#include "alerts/alertcenter.h"
#include "cluster/configwatcher.h"
#include "cluster/instanceregistry.h"
#include "config/configservices.h"
#include "gateway/gateway.h"
#include "gatewayfixture.h"
#include "metrics/metrics.h"
#include "pgcluster.h"
#include "polling.h"
#include "status/eventfeed.h"
#include "store/clusterrepository.h"
#include "store/database.h"
#include "testhttp.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace obleth;

namespace {

/// A QPSQL connection named @p name to @p url (postgresql://user:pass@host:port/db), not opened.
QSqlDatabase pgConnection(const QString &name, const QString &url)
{
    const QUrl u(url);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    db.setHostName(u.host());
    db.setPort(u.port(5432));
    db.setUserName(u.userName());
    db.setPassword(u.password());
    db.setDatabaseName(u.path().mid(1));
    return db;
}

/// The tables of migration 7, as the store makes them.
bool createClusterTables(QSqlDatabase db)
{
    QSqlQuery q(db);
    return q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, host TEXT NOT NULL,"
                                 " pid INTEGER NOT NULL, started_at TEXT NOT NULL, last_heartbeat TEXT NOT NULL)"))
        && q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS cluster_state (name TEXT PRIMARY KEY,"
                                 " value INTEGER NOT NULL)"))
        && q.exec(QStringLiteral("INSERT INTO cluster_state (name, value) VALUES ('config_version', 0)"
                                 " ON CONFLICT DO NOTHING"));
}

/// Raises the version as a configuration change does: in a transaction, with its NOTIFY sent on commit.
bool raiseVersion(QSqlDatabase db, qint64 *version)
{
    QString error;
    if (!db.transaction())
        return false;
    if (!store::ClusterRepository::raiseConfigVersion(db, version, &error)) {
        qWarning() << error;
        db.rollback();
        return false;
    }
    return db.commit();
}

using test::waitFor;

/// A gateway in its own thread on the database at @p databaseUrl, with its own data folder (@p dataDir).
struct Instance : test::GatewayFixture
{
    Instance(const QString &databaseUrl, const QString &dataDir)
        : GatewayFixture(Options{{}, dataDir, 60'000, databaseUrl, {}, true})
    { }
};

struct SqliteConfig
{
    store::Database db;
    std::unique_ptr<config::ConfigServices> config;
    bool open(const QString &path)
    {
        QString error;
        if (!db.open(path, &error))
            return false;
        config = std::make_unique<config::ConfigServices>(&db);
        return config->live.load(&error);
    }
};

} // namespace

class TestPropagation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // --- the configuration version (any database) ---

    void everyChangeRaisesTheVersionAndAnotherConnectionReloadsOnce()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        SqliteConfig a;
        QVERIFY(a.open(path));
        SqliteConfig b; // a second LiveConfig on the same database, as another instance would have
        QVERIFY(b.open(path));
        const qint64 start = a.config->live.version();
        QVERIFY(start >= 1); // the default group made on first load is a change too
        QCOMPARE(b.config->live.version(), start);

        QSignalSpy changedA(&a.config->live, &config::LiveConfig::changed);
        QSignalSpy changedB(&b.config->live, &config::LiveConfig::changed);
        config::TenantPatch tenant;
        tenant.name = QStringLiteral("acme");
        model::Tenant made;
        QVERIFY(a.config->tenants.create(tenant, &made).ok());
        const QString id = made.id;
        QCOMPARE(a.config->live.version(), start + 1);
        QCOMPARE(changedA.count(), 1);

        // The instance that made the change does not reload it again.
        QVERIFY(a.config->live.refresh().ok());
        QCOMPARE(changedA.count(), 1);
        // The other one reloads it once, then no more.
        QVERIFY(!b.config->live.snapshot()->findTenant(id));
        QVERIFY(b.config->live.refresh().ok());
        QCOMPARE(changedB.count(), 1);
        QVERIFY(b.config->live.snapshot()->findTenant(id));
        QCOMPARE(b.config->live.version(), start + 1);
        QVERIFY(b.config->live.refresh().ok());
        QCOMPARE(changedB.count(), 1);

        // A refused change raises nothing.
        QVERIFY(!a.config->tenants.create(tenant).ok()); // the name is taken
        QCOMPARE(a.config->live.version(), start + 1);
    }

    // --- the watcher on PostgreSQL ---

    void aChangeMadeElsewhereIsHeardWithinASecondByNotify()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QSqlDatabase other = pgConnection(QStringLiteral("other-notify"), pg.url());
        QVERIFY2(other.open(), qPrintable(other.lastError().text()));
        QVERIFY(createClusterTables(other));

        qint64 loaded = 0;
        cluster::ConfigWatcher::Options options;
        options.checkIntervalMs = 600'000; // NOTIFY alone
        QSqlDatabase like = pgConnection(QStringLiteral("like-notify"), pg.url());
        cluster::ConfigWatcher watcher(
            like, [&loaded] { return loaded; }, options);
        QSignalSpy outdated(&watcher, &cluster::ConfigWatcher::outdated);
        watcher.start();
        QVERIFY(watcher.listening());
        QCOMPARE(outdated.count(), 0);

        qint64 version = 0;
        for (int round = 0; round < 3; ++round) {
            QElapsedTimer since;
            since.start();
            QVERIFY(raiseVersion(other, &version));
            QVERIFY(outdated.wait(1'000));
            qInfo("NOTIFY heard %lld ms after the change's commit", since.elapsed());
            QVERIFY(since.elapsed() < 1'000);
            QCOMPARE(outdated.takeFirst().at(0).toLongLong(), version);
            loaded = version;
        }
        // A change that is loaded already (this instance's own) is not told.
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("SELECT pg_notify('obleth_config', '%1')").arg(loaded)));
        QVERIFY(!outdated.wait(300));
        other.close();
    }

    void withoutNotifyTheVersionCheckFindsTheChange()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QSqlDatabase other = pgConnection(QStringLiteral("other-check"), pg.url());
        QVERIFY2(other.open(), qPrintable(other.lastError().text()));
        QVERIFY(createClusterTables(other));

        qint64 loaded = 0;
        cluster::ConfigWatcher::Options options;
        options.checkIntervalMs = 200;
        cluster::ConfigWatcher watcher(
            pgConnection(QStringLiteral("like-check"), pg.url()), [&loaded] { return loaded; }, options);
        QSignalSpy outdated(&watcher, &cluster::ConfigWatcher::outdated);
        watcher.start();
        QVERIFY(watcher.listening());
        QVERIFY(!outdated.wait(500)); // nothing changed: nothing told

        // A change whose NOTIFY never came (written without one).
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("UPDATE cluster_state SET value = 41 WHERE name = 'config_version'")));
        QElapsedTimer since;
        since.start();
        QVERIFY(outdated.wait(1'000));
        qInfo("version check found the change %lld ms after it", since.elapsed());
        QCOMPARE(outdated.first().at(0).toLongLong(), 41);
        other.close();
    }

    void afterALostConnectionItListensAgain()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        {
            QSqlDatabase setup = pgConnection(QStringLiteral("setup-lost"), pg.url());
            QVERIFY(setup.open());
            QVERIFY(createClusterTables(setup));
            setup.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("setup-lost"));

        qint64 loaded = 0;
        cluster::ConfigWatcher::Options options;
        options.checkIntervalMs = 600'000; // NOTIFY and the check made on reconnecting, nothing else
        options.firstRetryMs = 100;
        options.maxRetryMs = 400;
        cluster::ConfigWatcher watcher(
            pgConnection(QStringLiteral("like-lost"), pg.url()), [&loaded] { return loaded; }, options);
        QSignalSpy listening(&watcher, &cluster::ConfigWatcher::listeningChanged);
        QSignalSpy outdated(&watcher, &cluster::ConfigWatcher::outdated);
        watcher.start();
        QVERIFY(watcher.listening());
        listening.clear();

        QVERIFY(pg.stop());
        QTRY_VERIFY_WITH_TIMEOUT(!watcher.listening(), 5'000);
        QVERIFY2(pg.start(), qPrintable(pg.why()));
        // A change made before the watcher is back (its NOTIFY went to nobody) is found on reconnecting.
        QVERIFY(!pg.psql(QStringLiteral("UPDATE cluster_state SET value = 7 WHERE name = 'config_version'")).isNull());
        QTRY_VERIFY_WITH_TIMEOUT(watcher.listening(), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(outdated.count(), 1, 2'000);
        QCOMPARE(outdated.takeFirst().at(0).toLongLong(), 7);
        loaded = 7;

        // And it LISTENs again.
        QSqlDatabase other = pgConnection(QStringLiteral("other-lost"), pg.url());
        QVERIFY(other.open());
        qint64 version = 0;
        QElapsedTimer since;
        since.start();
        QVERIFY(raiseVersion(other, &version));
        QVERIFY(outdated.wait(1'000));
        QVERIFY(since.elapsed() < 1'000);
        QCOMPARE(outdated.first().at(0).toLongLong(), version);
        other.close();
    }

    void twoGatewaysOnOnePostgresAgreeWithinASecond()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QTemporaryDir aDir;
        QTemporaryDir bDir;
        Instance a(pg.url(), aDir.path());
        QVERIFY2(a.ok(), qPrintable(a.error()));
        // The second instance shares the first one's key file for the stored secrets.
        QVERIFY(QFile::copy(aDir.filePath(QStringLiteral("secret.key")), bDir.filePath(QStringLiteral("secret.key"))));
        Instance b(pg.url(), bDir.path());
        QVERIFY2(b.ok(), qPrintable(b.error()));

        // A key made on A works on B within a second.
        const test::Response tenant = a.admin("POST", "/api/v1/tenants", R"({"name":"team-x"})");
        QVERIFY2(tenant.status == 201, tenant.body.constData());
        const QByteArray tenantId = tenant.json().value(QStringLiteral("id")).toString().toLatin1();
        const test::Response made = a.admin("POST", "/api/v1/tenants/" + tenantId + "/keys", R"({"name":"ci"})");
        QVERIFY2(made.status == 201, made.body.constData());
        QElapsedTimer sinceMade;
        sinceMade.start();
        const QByteArray secret = made.json().value(QStringLiteral("secret")).toString().toLatin1();
        const QByteArray keyId
            = made.json().value(QStringLiteral("key")).toObject().value(QStringLiteral("id")).toString().toLatin1();
        QVERIFY(!secret.isEmpty() && !keyId.isEmpty());
        QVERIFY2(waitFor([&] { return b.chat(secret).status == 200; }, 1'000, 10), "the key made on A is refused on B");
        const qint64 madeMs = sinceMade.elapsed();
        QCOMPARE(a.chat(secret).status, 200);

        // Disabled on B: 403 on A within a second of the change.
        const test::Response disabled = b.admin("PUT", "/api/v1/keys/" + keyId + "/disabled", R"({"disabled":true})");
        QElapsedTimer sinceDisabled;
        sinceDisabled.start();
        QVERIFY2(disabled.status == 200, disabled.body.constData());
        QCOMPARE(b.chat(secret).status, 403);
        int status = 0;
        QVERIFY2(waitFor([&] { return (status = a.chat(secret).status) == 403; }, 1'000, 10),
                 qPrintable(QStringLiteral("A still answers %1 a second after the key was disabled on B").arg(status)));
        const qint64 disabledMs = sinceDisabled.elapsed();
        qInfo("key made on A served by B after %lld ms; disabled on B refused by A after %lld ms", madeMs, disabledMs);

        // Enabled again on A: B serves it again.
        QCOMPARE(a.admin("PUT", "/api/v1/keys/" + keyId + "/disabled", R"({"disabled":false})").status, 200);
        QVERIFY(waitFor([&] { return b.chat(secret).status == 200; }, 1'000, 10));

        // A's status lists both instances (B's first heartbeat reaches A with A's next one, within 2 s).
        QJsonObject cluster;
        QVERIFY(waitFor(
            [&] {
                cluster = a.admin("GET", "/api/v1/status").json().value(QStringLiteral("cluster")).toObject();
                return cluster.value(QStringLiteral("instances")).toArray().size() == 2;
            },
            10'000));
        QCOMPARE(cluster.value(QStringLiteral("database")).toString(), QStringLiteral("postgresql"));
        QCOMPARE(cluster.value(QStringLiteral("database_reachable")).toBool(), true);
        QCOMPARE(cluster.value(QStringLiteral("redis")).toString(), QStringLiteral("none"));
        QCOMPARE(cluster.value(QStringLiteral("live_instances")).toInt(), 2);
        const QString aId = cluster.value(QStringLiteral("instance_id")).toString();
        const QString bId = b.admin("GET", "/api/v1/status")
                                .json()[QStringLiteral("cluster")][QStringLiteral("instance_id")]
                                .toString();
        QVERIFY(!aId.isEmpty() && !bId.isEmpty() && aId != bId);
        QStringList ids;
        for (const QJsonValue &v : cluster.value(QStringLiteral("instances")).toArray()) {
            const QJsonObject i = v.toObject();
            ids << i.value(QStringLiteral("id")).toString();
            QCOMPARE(i.value(QStringLiteral("self")).toBool(), i.value(QStringLiteral("id")).toString() == aId);
            QVERIFY(!i.value(QStringLiteral("host")).toString().isEmpty());
            QCOMPARE(i.value(QStringLiteral("pid")).toInteger(), QCoreApplication::applicationPid());
            const QDateTime started
                = QDateTime::fromString(i.value(QStringLiteral("started_at")).toString(), Qt::ISODate);
            const QDateTime heartbeat
                = QDateTime::fromString(i.value(QStringLiteral("last_heartbeat")).toString(), Qt::ISODate);
            QVERIFY(started.isValid() && heartbeat.isValid());
            QVERIFY(heartbeat >= started);
            QVERIFY(qAbs(heartbeat.secsTo(QDateTime::currentDateTimeUtc())) <= 10);
        }
        QCOMPARE(QSet<QString>(ids.begin(), ids.end()), (QSet<QString>{aId, bId}));

        // /metrics shows the gauges.
        const test::Response metrics = a.admin("GET", "/metrics");
        QCOMPARE(metrics.status, 200);
        QVERIFY2(metrics.body.contains("\nobleth_instances_live 2\n"), metrics.body.constData());
        QVERIFY(metrics.body.contains("\nobleth_database_up 1\n"));
        QVERIFY(metrics.body.contains("\nobleth_log_rows_dropped_total 0\n"));

        // B stops cleanly: its row goes, and A lists itself alone at its next heartbeat.
        b.stop();
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM instances WHERE id = '%1'").arg(bId)),
                 QStringLiteral("0"));
        QVERIFY(waitFor(
            [&] {
                return a.admin("GET", "/api/v1/status")
                           .json()[QStringLiteral("cluster")][QStringLiteral("live_instances")]
                           .toInt()
                    == 1;
            },
            10'000));
    }

    // --- the instances seen ---

    void instancesSeeEachOtherOnPostgres()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QSqlDatabase other = pgConnection(QStringLiteral("other-instances"), pg.url());
        QVERIFY(other.open());
        QVERIFY(createClusterTables(other));
        // A row of an instance gone without a clean stop two minutes ago: pruned by the next heartbeat.
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("INSERT INTO instances VALUES ('gone', 'old-host', 1,"
                                      " '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')")));

        const QSqlDatabase like = pgConnection(QStringLiteral("like-instances"), pg.url());
        cluster::InstanceRegistry a(like);
        cluster::InstanceRegistry b(like);
        QVERIFY(a.shared());
        QVERIFY(a.instanceId() != b.instanceId());
        a.start();
        QCOMPARE(a.liveInstances(), 1); // b has not beaten yet
        b.start();
        QCOMPARE(b.liveInstances(), 2);
        a.beat();
        QCOMPARE(a.liveInstances(), 2);

        model::ClusterState state;
        a.report(&state);
        QCOMPARE(state.instanceId, a.instanceId());
        QCOMPARE(state.liveInstances, 2);
        QCOMPARE(state.instances.size(), 2); // "gone" was pruned
        QStringList ids;
        int selves = 0;
        for (const model::InstanceInfo &i : std::as_const(state.instances)) {
            ids << i.id;
            selves += i.self ? 1 : 0;
            QCOMPARE(i.self, i.id == a.instanceId());
            QVERIFY(!i.host.isEmpty());
            QCOMPARE(i.pid, QCoreApplication::applicationPid());
            QVERIFY(i.startedAt.isValid());
            QVERIFY(i.lastHeartbeat >= i.startedAt);
        }
        QCOMPARE(selves, 1);
        QVERIFY(ids.contains(b.instanceId()));
        QVERIFY(state.instances.at(0).lastHeartbeat >= state.instances.at(1).lastHeartbeat);
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM instances WHERE id = 'gone'")), QStringLiteral("0"));

        // A clean stop deletes the instance's row.
        b.stop();
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM instances")), QStringLiteral("1"));
        a.beat();
        QCOMPARE(a.liveInstances(), 1);
        QCOMPARE(a.instances().size(), 1);

        // While the database is away, this one is still listed, and the count stays as last known.
        cluster::InstanceRegistry c(like);
        c.start();
        a.beat();
        QCOMPARE(a.liveInstances(), 2);
        QVERIFY(pg.stop());
        a.beat();
        QCOMPARE(a.liveInstances(), 2);
        QCOMPARE(a.instances().size(), 2);
        QVERIFY(pg.start());
        other.close();
    }

    void aLoneInstanceOnSqliteListsItself()
    {
        QTemporaryDir dir;
        store::Database db;
        QString error;
        QVERIFY2(db.open(dir.filePath(QStringLiteral("obleth.db")), &error), qPrintable(error));
        cluster::InstanceRegistry registry(db.connection());
        QVERIFY(!registry.shared());
        registry.start();
        model::ClusterState state;
        registry.report(&state);
        QCOMPARE(state.liveInstances, 1);
        QCOMPARE(state.instances.size(), 1);
        QVERIFY(state.instances.first().self);
        QCOMPARE(state.instances.first().id, registry.instanceId());
        // Nothing written to the laptop's file.
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM instances")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }

    // --- how the cluster is shown ---

    void statusJsonShowsTheCluster()
    {
        model::ClusterState c;
        c.instanceId = QStringLiteral("i-1");
        c.database = QStringLiteral("postgresql");
        c.databaseReachable = false;
        c.redis = QStringLiteral("unreachable");
        c.localCapacity = 16;
        c.liveInstances = 2;
        c.logRowsBuffered = 120;
        c.logRowsDropped = 3;
        model::InstanceInfo self{QStringLiteral("i-1"),
                                 QStringLiteral("gw-a"),
                                 4242,
                                 QDateTime(QDate(2026, 12, 1), QTime(2, 0, 0), Qt::UTC),
                                 QDateTime(QDate(2026, 12, 1), QTime(3, 0, 4, 500), Qt::UTC),
                                 true};
        model::InstanceInfo other{QStringLiteral("i-2"),
                                  QStringLiteral("gw-b"),
                                  77,
                                  QDateTime(QDate(2026, 12, 1), QTime(2, 30, 0), Qt::UTC),
                                  QDateTime(QDate(2026, 12, 1), QTime(3, 0, 3), Qt::UTC),
                                  false};
        c.instances = {self, other};
        const QJsonObject json = admin::toJson(c);
        QCOMPARE(json.value(QStringLiteral("instance_id")).toString(), QStringLiteral("i-1"));
        QCOMPARE(json.value(QStringLiteral("database")).toString(), QStringLiteral("postgresql"));
        QCOMPARE(json.value(QStringLiteral("database_reachable")).toBool(true), false);
        QCOMPARE(json.value(QStringLiteral("redis")).toString(), QStringLiteral("unreachable"));
        QCOMPARE(json.value(QStringLiteral("local_capacity")).toInt(), 16);
        QCOMPARE(json.value(QStringLiteral("live_instances")).toInt(), 2);
        QCOMPARE(json.value(QStringLiteral("log_rows_buffered")).toInt(), 120);
        QCOMPARE(json.value(QStringLiteral("log_rows_dropped")).toInt(), 3);
        const QJsonArray instances = json.value(QStringLiteral("instances")).toArray();
        QCOMPARE(instances.size(), 2);
        const QJsonObject first = instances.at(0).toObject();
        QCOMPARE(first.value(QStringLiteral("id")).toString(), QStringLiteral("i-1"));
        QCOMPARE(first.value(QStringLiteral("host")).toString(), QStringLiteral("gw-a"));
        QCOMPARE(first.value(QStringLiteral("pid")).toInt(), 4242);
        QCOMPARE(first.value(QStringLiteral("started_at")).toString(), QStringLiteral("2026-12-01T02:00:00Z"));
        QCOMPARE(first.value(QStringLiteral("last_heartbeat")).toString(), QStringLiteral("2026-12-01T03:00:04Z"));
        QCOMPARE(first.value(QStringLiteral("self")).toBool(), true);
        QCOMPARE(instances.at(1).toObject().value(QStringLiteral("self")).toBool(true), false);
        QCOMPARE(instances.at(1).toObject().value(QStringLiteral("host")).toString(), QStringLiteral("gw-b"));

        // A lone instance: sqlite, no Redis, itself.
        const QJsonObject lone = admin::toJson(model::ClusterState());
        QCOMPARE(lone.value(QStringLiteral("database")).toString(), QStringLiteral("sqlite"));
        QCOMPARE(lone.value(QStringLiteral("redis")).toString(), QStringLiteral("none"));
        QCOMPARE(lone.value(QStringLiteral("live_instances")).toInt(), 1);
        QCOMPARE(lone.value(QStringLiteral("database_reachable")).toBool(), true);
    }

    void metricsShowTheCluster()
    {
        model::ClusterState c;
        c.liveInstances = 3;
        c.logRowsBuffered = 12;
        c.logRowsDropped = 2;
        metrics::Metrics m;
        QByteArray text = m.render(metrics::Metrics::clusterGauges(c));
        QVERIFY(text.contains("# TYPE obleth_instances_live gauge\nobleth_instances_live 3\n"));
        QVERIFY(text.contains("# TYPE obleth_database_up gauge\nobleth_database_up 1\n"));
        QVERIFY(text.contains("obleth_log_rows_buffered 12\n"));
        QVERIFY(text.contains("# TYPE obleth_log_rows_dropped_total counter\nobleth_log_rows_dropped_total 2\n"));
        QVERIFY(!text.contains("obleth_redis_up")); // no Redis configured
        c.databaseReachable = false;
        c.redis = QStringLiteral("unreachable");
        c.localCapacity = 21;
        text = m.render(metrics::Metrics::clusterGauges(c));
        QVERIFY(text.contains("obleth_database_up 0\n"));
        QVERIFY(text.contains("obleth_redis_up 0\n"));
        QVERIFY(text.contains("obleth_local_capacity 21\n"));
        c.redis = QStringLiteral("connected");
        QVERIFY(m.render(metrics::Metrics::clusterGauges(c)).contains("obleth_redis_up 1\n"));
    }

    void alertsTellTheDatabaseAndRedisGoingAndComingBack()
    {
        status::EventFeed feed;
        QDateTime now(QDate(2026, 12, 1), QTime(3, 0), Qt::UTC);
        model::ClusterState state;
        state.instanceId = QStringLiteral("i-1");
        state.database = QStringLiteral("postgresql");
        state.redis = QStringLiteral("connected");
        alerts::AlertCenter center(&feed, alerts::AlertCenter::Sources{});
        center.setClock([&now] { return now; });
        center.setClusterSource([&state] { return state; });
        QList<QPair<QString, QJsonObject>> published;
        connect(&feed, &status::EventFeed::published, this, [&published](const QString &type, const QJsonObject &data) {
            published.append({type, data});
        });
        auto names = [&published] {
            QStringList n;
            for (const auto &p : std::as_const(published))
                n << p.first;
            return n;
        };

        center.sampleCluster();
        QVERIFY(published.isEmpty()); // all well: nothing to tell

        state.databaseReachable = false;
        state.logRowsBuffered = 5;
        center.sampleCluster();
        center.sampleCluster(); // still down: told once
        QCOMPARE(names(), QStringList{QStringLiteral("database_down")});
        const QJsonObject down = published.first().second;
        QCOMPARE(down.value(QStringLiteral("event")).toString(), QStringLiteral("database_down"));
        QVERIFY(down.value(QStringLiteral("time")).toString().endsWith(QLatin1Char('Z')));
        QVERIFY(down.value(QStringLiteral("message")).toString().contains(QStringLiteral("postgresql")));
        const QJsonObject details = down.value(QStringLiteral("details")).toObject();
        QCOMPARE(details.value(QStringLiteral("instance_id")).toString(), QStringLiteral("i-1"));
        QCOMPARE(details.value(QStringLiteral("log_rows_buffered")).toInt(), 5);
        QVERIFY(alerts::AlertCenter::isAlert(QStringLiteral("database_down")));

        now = now.addSecs(30);
        state.databaseReachable = true;
        center.sampleCluster();
        QCOMPARE(names().last(), QStringLiteral("database_up"));

        state.redis = QStringLiteral("unreachable");
        state.localCapacity = 8;
        state.liveInstances = 4;
        center.sampleCluster();
        center.sampleCluster();
        QCOMPARE(names().count(QStringLiteral("redis_down")), 1);
        QCOMPARE(
            published.last().second.value(QStringLiteral("details")).toObject().value(QStringLiteral("local_capacity")),
            8);
        state.redis = QStringLiteral("connected");
        center.sampleCluster();
        QCOMPARE(names(),
                 (QStringList{QStringLiteral("database_down"), QStringLiteral("database_up"),
                              QStringLiteral("redis_down"), QStringLiteral("redis_up")}));
        for (const QString &name : names())
            QVERIFY(alerts::AlertCenter::isAlert(name));

        // Without Redis configured nothing about it is told.
        state.redis = QStringLiteral("none");
        center.sampleCluster();
        QCOMPARE(published.size(), 4);
    }
};

QTEST_GUILESS_MAIN(TestPropagation)
#include "tst_propagation.moc"
