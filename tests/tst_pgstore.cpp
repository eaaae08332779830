// The store on PostgreSQL (contract section 15, issue 16 points 1 and 4): migrations once for whichever instance
// starts first, the configuration and the request log behind the same interfaces as SQLite's, and a data plane that
// keeps serving while PostgreSQL is down, with the request log's rows waiting in a bounded buffer.
#include "gateway/gateway.h"
#include "gatewayfixture.h"
#include "model/requestrecord.h"
#include "pgcluster.h"
#include "polling.h"
#include "store/database.h"
#include "store/requestlog.h"
#include "store/requestlogstore.h"
#include "store/statementdeadline.h"
#include "testhttp.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QMutex>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <functional>
#include <memory>

using namespace obleth;

namespace {

using test::waitFor;

/// A gateway in its own thread on the database at @p databaseUrl: started (or failed) once made, unless @p wait is
/// false (then call waitStarted()).
struct Instance : test::GatewayFixture
{
    explicit Instance(const QString &databaseUrl, const QString &dataDir = {}, bool wait = true)
        : GatewayFixture(Options{{}, dataDir, 60'000, databaseUrl, {}, wait})
    { }

    [[nodiscard]] model::ClusterState cluster() const { return gateway()->status().cluster(); }
};

model::RequestRecord record(int i)
{
    model::RequestRecord r;
    r.id = "req-" + QByteArray::number(i);
    r.startedAt = QDateTime::currentDateTimeUtc();
    r.tenantId = QStringLiteral("t1");
    r.tenantName = QStringLiteral("team");
    r.model = QStringLiteral("m1");
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.status = 200;
    r.latencyMs = 5;
    r.promptTokens = 10;
    r.completionTokens = 3;
    r.cost = 0.25;
    return r;
}

qint64 rowsIn(test::PgCluster &pg, const QString &table = QStringLiteral("request_log"))
{
    const QString out = pg.psql(QStringLiteral("SELECT count(*) FROM %1").arg(table));
    return out.isNull() ? -1 : out.toLongLong();
}
} // namespace

class TestPgStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void migratesAnEmptyDatabaseAndRefusesOthers()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QString error;
        {
            store::Database db;
            QVERIFY2(db.open(pg.url(), &error), qPrintable(error));
            QCOMPARE(db.dialect(), store::Database::Dialect::Postgres);
            QCOMPARE(db.schemaVersion(), store::Database::latestSchemaVersion());
        }
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM obleth_schema")),
                 QString::number(store::Database::latestSchemaVersion()));
        QCOMPARE(pg.psql(QStringLiteral("SELECT value FROM cluster_state WHERE name = 'config_version'")),
                 QStringLiteral("0"));
        // Money in double precision, integers of 64 bits, text compared byte by byte as SQLite does.
        QCOMPARE(pg.psql(QStringLiteral("SELECT data_type FROM information_schema.columns WHERE table_name ="
                                        " 'request_log' AND column_name = 'cost'")),
                 QStringLiteral("double precision"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT data_type FROM information_schema.columns WHERE table_name ="
                                        " 'request_log' AND column_name = 'bytes_in'")),
                 QStringLiteral("bigint"));
        {
            store::Database again; // opens a current schema as it is
            QVERIFY2(again.open(pg.url(), &error), qPrintable(error));
        }

        // From a newer obleth: refused, and left as it was.
        QVERIFY(!pg.psql(QStringLiteral("UPDATE obleth_schema SET version = 99")).isNull());
        {
            store::Database db;
            QVERIFY(!db.open(pg.url(), &error));
            QVERIFY2(error.contains(QStringLiteral("newer obleth")), qPrintable(error));
        }
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM obleth_schema")), QStringLiteral("99"));

        // Another application's database: refused, untouched, and the password is never in the message.
        QVERIFY(pg.createDatabase(QStringLiteral("other")));
        QVERIFY(!pg.psql(QStringLiteral("CREATE TABLE invoices (id int)"), QStringLiteral("other")).isNull());
        {
            store::Database db;
            QVERIFY(!db.open(pg.url(QStringLiteral("other")), &error));
            QVERIFY2(error.contains(QStringLiteral("not obleth's")), qPrintable(error));
            QVERIFY2(!error.contains(QUrl(pg.url()).password()), "the password is in the error");
        }
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema ="
                                        " 'public'"),
                         QStringLiteral("other")),
                 QStringLiteral("1"));

        // A server that is not there: a clear error within the connect timeout, without the password.
        QVERIFY(pg.stop());
        QElapsedTimer timer;
        timer.start();
        {
            store::Database db;
            QVERIFY(!db.open(pg.url(), &error));
            QVERIFY2(!error.contains(QUrl(pg.url()).password()), "the password is in the error");
        }
        QVERIFY(timer.elapsed() < (store::Database::kPgConnectTimeoutSecs + 2) * 1000);
    }

    void twoInstancesRacingMigrateOnce()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        constexpr int kRacers = 3;
        std::atomic<int> opened{0};
        QStringList errors;
        QMutex mutex;
        std::vector<std::unique_ptr<QThread>> threads;
        for (int i = 0; i < kRacers; ++i) {
            threads.emplace_back(QThread::create([&] {
                store::Database db;
                QString error;
                if (db.open(pg.url(), &error) && db.schemaVersion() == store::Database::latestSchemaVersion()) {
                    ++opened;
                } else {
                    const QMutexLocker lock(&mutex);
                    errors << error;
                }
            }));
        }
        for (auto &t : threads)
            t->start();
        for (auto &t : threads)
            QVERIFY(t->wait(60'000));
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
        QCOMPARE(opened.load(), kRacers);
        QCOMPARE(rowsIn(pg, QStringLiteral("obleth_schema")), 1);
        QCOMPARE(rowsIn(pg, QStringLiteral("cluster_state")), 1);
    }

    void gatewayOnPostgresServesAndLogs()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        Instance a(pg.url());
        QVERIFY2(a.ok(), qPrintable(a.error()));
        QVERIFY(!a.firstKey().isEmpty());
        QCOMPARE(a.cluster().database, QStringLiteral("postgresql"));
        QVERIFY(a.cluster().databaseReachable);
        QCOMPARE(a.chat(a.firstKey()).status, 200);
        QCOMPARE(a.chat(a.firstKey()).status, 200);
        QVERIFY2(waitFor([&] { return rowsIn(pg) == 2; }), qPrintable(QString::number(rowsIn(pg))));
        QCOMPARE(pg.psql(QStringLiteral("SELECT DISTINCT model FROM request_log")), QStringLiteral("mock-model"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT sum(requests) FROM usage_daily")), QStringLiteral("2"));

        // The usage totals and the request list through the same store as SQLite's.
        {
            store::Database db;
            QString error;
            QVERIFY2(db.open(pg.url(), &error), qPrintable(error));
            store::RequestLogStore log(db.connection());
            for (auto groupBy : {store::UsageQuery::GroupBy::Tenant, store::UsageQuery::GroupBy::Model,
                                 store::UsageQuery::GroupBy::Day}) {
                for (const QDateTime &since : {QDateTime(), QDateTime::currentDateTimeUtc().addSecs(-3600)}) {
                    store::UsageQuery query;
                    query.groupBy = groupBy;
                    query.since = since;
                    QList<store::UsageRow> rows;
                    QVERIFY2(log.usage(query, &rows, &error), qPrintable(error));
                    QCOMPARE(rows.size(), 1);
                    QCOMPARE(rows.first().requests, 2);
                    if (groupBy == store::UsageQuery::GroupBy::Tenant)
                        QCOMPARE(rows.first().tenant, QStringLiteral("default"));
                }
            }
            QList<store::LoggedRequest> rows;
            store::RequestFilter filter;
            filter.statusMin = filter.statusMax = 200;
            QVERIFY2(log.requests(filter, &rows, &error), qPrintable(error));
            QCOMPARE(rows.size(), 2);
            QVERIFY(rows.at(0).seq > rows.at(1).seq);
            QCOMPARE(rows.at(0).record.model, QStringLiteral("mock-model"));
            QVERIFY(rows.at(0).record.startedAt.isValid());
        }
        // Through the Management API too.
        const test::Response usage = a.admin("GET", "/api/v1/usage?group_by=model");
        QVERIFY2(usage.status == 200, usage.body.constData());
        const test::Response list = a.admin("GET", "/api/v1/requests?limit=5");
        QVERIFY2(list.status == 200, list.body.constData());

        // A configuration change lands in PostgreSQL.
        const test::Response tenant = a.admin("POST", "/api/v1/tenants", R"({"name":"team-b"})");
        QVERIFY2(tenant.status == 201, tenant.body.constData());
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM tenants WHERE name = 'team-b'")), QStringLiteral("1"));

        // A second instance on the same database with its own data folder: refused without the key file, with
        // what to do; with a copy of it, it starts, makes no second default tenant, and the first key works there.
        QTemporaryDir bDir;
        {
            Instance refused(pg.url(), bDir.path());
            QVERIFY(!refused.ok());
            QVERIFY2(refused.error().contains(QStringLiteral("copy secret.key from another instance")),
                     qPrintable(refused.error()));
            QVERIFY2(!refused.error().contains(QUrl(pg.url()).password()), "the password is in the error");
        }
        QFile::remove(bDir.filePath(QStringLiteral("secret.key")));
        QVERIFY(QFile::copy(a.dataDir() + QStringLiteral("/secret.key"), bDir.filePath(QStringLiteral("secret.key"))));
        Instance b(pg.url(), bDir.path());
        QVERIFY2(b.ok(), qPrintable(b.error()));
        QVERIFY(b.firstKey().isEmpty());
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM tenants WHERE name = 'default'")), QStringLiteral("1"));
        QCOMPARE(b.chat(a.firstKey()).status, 200);
        QVERIFY(waitFor([&] { return rowsIn(pg) == 3; }));
    }

    void instancesStartingAtOnceMakeOneFirstKey()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        // The same key file for both (as a deployment gives every instance); neither has started before.
        QTemporaryDir aDir;
        QTemporaryDir bDir;
        QByteArray key(32, '\0');
        for (int i = 0; i < key.size(); ++i)
            key[i] = char(i * 7 + 1);
        for (const QTemporaryDir *dir : {&aDir, &bDir}) {
            QFile f(dir->filePath(QStringLiteral("secret.key")));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(key);
            f.close();
            QFile::setPermissions(f.fileName(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        auto a = std::make_unique<Instance>(pg.url(), aDir.path(), false);
        auto b = std::make_unique<Instance>(pg.url(), bDir.path(), false);
        a->waitStarted();
        b->waitStarted();
        QVERIFY2(a->ok(), qPrintable(a->error()));
        QVERIFY2(b->ok(), qPrintable(b->error()));
        QCOMPARE(int(!a->firstKey().isEmpty()) + int(!b->firstKey().isEmpty()), 1);
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM api_keys")), QStringLiteral("1"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT count(*) FROM fairshare_groups")), QStringLiteral("1"));
    }

    void postgresDownKeepsServingAndLosesNoBufferedRow()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        Instance a(pg.url());
        QVERIFY2(a.ok(), qPrintable(a.error()));
        QCOMPARE(a.chat(a.firstKey()).status, 200);
        QVERIFY(waitFor([&] { return rowsIn(pg) == 1; }));

        QVERIFY(pg.stop());
        constexpr int kWhileDown = 20;
        for (int i = 0; i < kWhileDown; ++i)
            QCOMPARE(a.chat(a.firstKey()).status, 200); // from the snapshot
        QVERIFY2(waitFor([&] { return a.cluster().logRowsBuffered == kWhileDown; }),
                 qPrintable(QString::number(a.cluster().logRowsBuffered)));
        QVERIFY(!a.cluster().databaseReachable);
        QCOMPARE(a.cluster().logRowsDropped, 0);

        // A configuration change cannot be stored: a clear 503, soon, and the data plane still serves.
        QElapsedTimer timer;
        timer.start();
        const test::Response refused = a.admin("POST", "/api/v1/tenants", R"({"name":"while-down"})");
        QVERIFY2(refused.status == 503, refused.body.constData());
        // It says what is wrong: not "locked by another program" (SQLite's busy), but a database that is away.
        QVERIFY2(refused.body.contains("cannot be reached"), refused.body.constData());
        QVERIFY(timer.elapsed() < 10'000);
        QVERIFY(!refused.body.contains(QUrl(pg.url()).password().toUtf8()));
        QCOMPARE(a.chat(a.firstKey()).status, 200);

        QVERIFY2(pg.start(), qPrintable(pg.why()));
        QVERIFY2(waitFor([&] { return rowsIn(pg) == 1 + kWhileDown + 1; }, 30'000),
                 qPrintable(QString::number(rowsIn(pg))));
        QVERIFY(waitFor([&] { return a.cluster().logRowsBuffered == 0 && a.cluster().databaseReachable; }));
        QCOMPARE(pg.psql(QStringLiteral("SELECT sum(requests) FROM usage_daily")), QString::number(1 + kWhileDown + 1));
        // Configuration writes work again on the gateway's own connection (opened again at most once a second: a
        // write within that second of the last try may still get its 503).
        test::Response tenant;
        QVERIFY(waitFor(
            [&] {
                tenant = a.admin("POST", "/api/v1/tenants", R"({"name":"after"})");
                return tenant.status != 503;
            },
            5000));
        QVERIFY2(tenant.status == 201, tenant.body.constData());
        QCOMPARE(a.chat(a.firstKey()).status, 200);
        QVERIFY(waitFor([&] { return rowsIn(pg) == 1 + kWhileDown + 2; }));
    }

    /// A database host that hangs (connections open, nothing answers) does not stop the data plane: the heartbeat
    /// and the version check wait on their own thread, the request log on its own; requests and the status answer.
    void aHungDatabaseDoesNotStopTheDataPlane()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        Instance a(pg.url());
        QVERIFY2(a.ok(), qPrintable(a.error()));
        QCOMPARE(a.chat(a.firstKey()).status, 200);
        // Should a check fail while it is frozen, the server is let go on before the gateway stops.
        struct ResumeFirst
        {
            test::PgCluster &pg;
            ~ResumeFirst() { pg.resume(); }
        } resumeFirst{pg};
        QVERIFY2(pg.freeze(), qPrintable(pg.why()));
        // Past two heartbeats (2 s) and a version check (5 s), each request answered at once.
        QElapsedTimer frozen;
        frozen.start();
        int answered = 0;
        while (frozen.elapsed() < 7'000) {
            QElapsedTimer one;
            one.start();
            const int status = test::postJson(a.dataPort(), "/v1/chat/completions", a.firstKey(),
                                              R"({"model":"mock-model","messages":[{"role":"user","content":"hi"}]})")
                                   .status;
            QVERIFY2(status == 200,
                     qPrintable(QStringLiteral("after %1 ms frozen: %2").arg(frozen.elapsed()).arg(status)));
            QVERIFY2(one.elapsed() < 1'000, qPrintable(QStringLiteral("a request took %1 ms").arg(one.elapsed())));
            ++answered;
            QTest::qWait(100);
        }
        qInfo("%d requests answered while the database was frozen for 7 s", answered);
        QCOMPARE(a.admin("GET", "/api/v1/status").status, 200);
        if (!store::StatementDeadline::isAvailable())
            QSKIP("built without libpq's header (libpq-dev): a change would wait for as long as the database hangs");
        // A configuration change waits for the database on the gateway's thread: a clear 503 within the statement
        // deadline, and requests are answered again after it.
        QElapsedTimer change;
        change.start();
        const test::Response refused = a.admin("POST", "/api/v1/tenants", R"({"name":"while-frozen"})");
        qInfo("a configuration change while the database hangs: %d after %lld ms", refused.status, change.elapsed());
        QVERIFY2(refused.status == 503, refused.body.constData());
        QVERIFY2(refused.body.contains("cannot be reached"), refused.body.constData());
        QVERIFY(change.elapsed() < store::Database::kStatementDeadlineMs + 3'000);
        QCOMPARE(a.chat(a.firstKey()).status, 200);
        QVERIFY(pg.resume());
        QVERIFY(waitFor([&] { return rowsIn(pg) == 2 + answered; }, 30'000));
        // The cut connection is opened again: changes are made again.
        test::Response tenant;
        QVERIFY(waitFor(
            [&] {
                tenant = a.admin("POST", "/api/v1/tenants", R"({"name":"after-frozen"})");
                return tenant.status != 503;
            },
            10'000));
        QVERIFY2(tenant.status == 201, tenant.body.constData());
    }

    /// The same batch written to PostgreSQL (64 rows to a statement, totals added up by the day first) and to SQLite
    /// (one row a statement) reads back the same: every value of every row, and the same usage totals.
    void aBatchReadsBackAsOnSqlite()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QTemporaryDir dir;
        store::Database onPg;
        store::Database onSqlite;
        QString error;
        QVERIFY2(onPg.open(pg.url(), &error), qPrintable(error));
        QVERIFY2(onSqlite.open(dir.filePath(QStringLiteral("obleth.db")), &error), qPrintable(error));
        store::RequestLogStore pgLog(onPg.connection());
        store::RequestLogStore sqliteLog(onSqlite.connection());
        QList<model::RequestRecord> batch;
        const QDateTime start = QDateTime::currentDateTimeUtc().addDays(-3);
        for (int i = 0; i < 1000; ++i) {
            model::RequestRecord r = record(i);
            r.startedAt = start.addSecs(i * 97); // about 27 hours: several hours and days in one batch
            r.tenantId = QStringLiteral("t%1").arg(i % 7);
            r.tenantName = QStringLiteral("team \"%1\" 'quoted'").arg(i % 7);
            r.model = QStringLiteral("m%1").arg(i % 5);
            r.status = i % 10 ? 200 : 429;
            r.firstByteMs = i % 3 ? i : -1;
            r.cost = 0.000123 * i;
            r.estimated = i % 4 == 0;
            r.streamed = i % 2;
            r.cache = i % 5 ? QString() : QStringLiteral("hit");
            r.error = i % 10 ? QString() : QStringLiteral("rate limited: ünïcödé");
            r.fallback = i % 6 == 0;
            batch.append(r);
        }
        for (int part = 0; part < 2; ++part) { // twice: the second time the totals are updates
            QVERIFY2(pgLog.write(batch, &error), qPrintable(error));
            QVERIFY2(sqliteLog.write(batch, &error), qPrintable(error));
        }
        QCOMPARE(pgLog.rowCount(), 2000);
        store::RequestFilter filter;
        filter.limit = 5000;
        QList<store::LoggedRequest> fromPg;
        QList<store::LoggedRequest> fromSqlite;
        QVERIFY2(pgLog.requests(filter, &fromPg, &error), qPrintable(error));
        QVERIFY2(sqliteLog.requests(filter, &fromSqlite, &error), qPrintable(error));
        QCOMPARE(fromPg.size(), fromSqlite.size());
        for (qsizetype i = 0; i < fromPg.size(); ++i) {
            const model::RequestRecord &a = fromPg.at(i).record;
            const model::RequestRecord &b = fromSqlite.at(i).record;
            QCOMPARE(a.id, b.id);
            QCOMPARE(a.startedAt, b.startedAt);
            QCOMPARE(a.tenantName, b.tenantName);
            QCOMPARE(a.model, b.model);
            QCOMPARE(a.status, b.status);
            QCOMPARE(a.firstByteMs, b.firstByteMs);
            QCOMPARE(a.cost, b.cost);
            QCOMPARE(a.estimated, b.estimated);
            QCOMPARE(a.streamed, b.streamed);
            QCOMPARE(a.cache, b.cache);
            QCOMPARE(a.error, b.error);
            QCOMPARE(a.fallback, b.fallback);
            QCOMPARE(a.path, b.path);
        }
        for (auto groupBy :
             {store::UsageQuery::GroupBy::Tenant, store::UsageQuery::GroupBy::Model, store::UsageQuery::GroupBy::Day}) {
            for (const QDateTime &since : {QDateTime(), start.addSecs(3600 * 5)}) {
                store::UsageQuery query;
                query.groupBy = groupBy;
                query.since = since;
                QList<store::UsageRow> a;
                QList<store::UsageRow> b;
                QVERIFY2(pgLog.usage(query, &a, &error), qPrintable(error));
                QVERIFY2(sqliteLog.usage(query, &b, &error), qPrintable(error));
                QCOMPARE(a.size(), b.size());
                for (qsizetype i = 0; i < a.size(); ++i) {
                    QCOMPARE(a.at(i).tenantId, b.at(i).tenantId);
                    QCOMPARE(a.at(i).tenant, b.at(i).tenant);
                    QCOMPARE(a.at(i).model, b.at(i).model);
                    QCOMPARE(a.at(i).day, b.at(i).day);
                    QCOMPARE(a.at(i).requests, b.at(i).requests);
                    QCOMPARE(a.at(i).promptTokens, b.at(i).promptTokens);
                    QCOMPARE(a.at(i).estimatedRequests, b.at(i).estimatedRequests);
                    QVERIFY(qAbs(a.at(i).cost - b.at(i).cost) < 1e-9);
                }
            }
        }
        // Pruning by row count keeps the newest.
        QCOMPARE(pgLog.prune(store::Retention{0, 500}, QDateTime::currentDateTimeUtc(), 20'000, &error), 1500);
        QCOMPARE(pgLog.rowCount(), 500);
    }

    void aFullBufferCountsWhatItDrops()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QString error;
        {
            store::Database db; // the schema, as the gateway makes it before the log opens
            QVERIFY2(db.open(pg.url(), &error), qPrintable(error));
        }
        store::RequestLog log;
        log.setMaxBufferedRows(10);
        QVERIFY2(log.open(pg.url(), &error), qPrintable(error));
        log.append(record(0));
        QVERIFY(waitFor([&] { return log.rowsWritten() == 1; }));

        QVERIFY(pg.stop());
        for (int i = 1; i <= 25; ++i)
            log.append(record(i));
        QVERIFY2(waitFor([&] { return log.rowsDropped() == 15 && log.rowsBuffered() == 10; }),
                 qPrintable(QStringLiteral("dropped %1, buffered %2").arg(log.rowsDropped()).arg(log.rowsBuffered())));
        QVERIFY(!log.databaseReachable());

        QVERIFY2(pg.start(), qPrintable(pg.why()));
        QVERIFY(waitFor([&] { return log.rowsWritten() == 11; }, 30'000));
        QCOMPARE(log.rowsBuffered(), 0);
        QCOMPARE(log.rowsDropped(), 15);
        QCOMPARE(rowsIn(pg), 11);
        // The oldest went: the newest ten are there, in order.
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(id, ',' ORDER BY seq) FROM request_log WHERE seq > 1")),
                 QStringLiteral("req-16,req-17,req-18,req-19,req-20,req-21,req-22,req-23,req-24,req-25"));
    }
};

QTEST_GUILESS_MAIN(TestPgStore)
#include "tst_pgstore.moc"
