// The request log's storage (contract section 6): rows written in batches on the log's own thread, usage
// totals kept with them, pruning by age and row count that never touches the totals, a log that stays
// readable while written, and `kill -9` under load losing at most the last second.

#include "loadclient.h"
#include "mockupstream.h"
#include "serverprocess.h"
#include "store/database.h"
#include "store/requestlog.h"
#include "store/requestlogstore.h"
#include "testhttp.h"
#include "usage/requestjson.h"

#include <QElapsedTimer>
#include <QHash>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <csignal>
#include <tuple>
#ifdef Q_OS_UNIX
#include <sys/types.h>
#include <unistd.h>
#endif

using namespace obleth;

namespace {
model::RequestRecord record(int i, const QDateTime &at, const QString &tenant = QStringLiteral("t1"))
{
    model::RequestRecord r;
    r.id = "req_" + QByteArray::number(i);
    r.startedAt = at;
    r.tenantId = tenant;
    r.tenantName = tenant + QStringLiteral("-name");
    r.keyPrefix = QStringLiteral("sk_0123456789abcde");
    r.model = i % 2 ? QStringLiteral("a") : QStringLiteral("b");
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.status = i % 10 == 0 ? 429 : 200;
    r.latencyMs = 10;
    r.firstByteMs = 5;
    r.promptTokens = 3;
    r.completionTokens = 7;
    r.cost = 0.5;
    return r;
}

/// Waits for a RequestLog answer.
template<typename T> QList<T> await(const std::function<void(QObject *, store::RequestLog::Answer<T>)> &ask)
{
    QObject context;
    QList<T> rows;
    bool done = false;
    ask(&context, [&](const QList<T> &r, const QString &error) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
        rows = r;
        done = true;
    });
    [&] { QTRY_VERIFY_WITH_TIMEOUT(done, 10000); }();
    return rows;
}

QList<store::LoggedRequest> requests(store::RequestLog &log, store::RequestFilter filter)
{
    return await<store::LoggedRequest>(
        [&](QObject *c, store::RequestLog::Answer<store::LoggedRequest> a) { log.requests(filter, c, std::move(a)); });
}

QList<store::UsageRow> usageBy(store::RequestLog &log, store::UsageQuery::GroupBy by)
{
    store::UsageQuery q;
    q.groupBy = by;
    return await<store::UsageRow>(
        [&](QObject *c, store::RequestLog::Answer<store::UsageRow> a) { log.usage(q, c, std::move(a)); });
}

} // namespace

class TestRequestLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void batchesAddRowsAndUsageTogether()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        store::RequestLog log;
        QString error;
        QVERIFY2(log.open(path, &error), qPrintable(error));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (int i = 1; i <= 10'000; ++i)
            log.append(record(i, now, i <= 4000 ? QStringLiteral("t1") : QStringLiteral("t2")));

        // A query sees everything appended before it, newest first.
        store::RequestFilter all;
        all.limit = 5;
        const QList<store::LoggedRequest> newest = requests(log, all);
        QCOMPARE(newest.size(), 5);
        QCOMPARE(newest.first().record.id, QByteArray("req_10000"));
        QCOMPARE(newest.first().record.tenantName, QStringLiteral("t2-name"));
        QCOMPARE(newest.first().record.firstByteMs, 5);
        QCOMPARE(newest.first().record.startedAt, now);

        store::RequestFilter errors;
        errors.limit = 1000;
        errors.statusMin = 400;
        errors.statusMax = 499;
        errors.tenantId = QStringLiteral("t1");
        QCOMPARE(requests(log, errors).size(), 400);

        const QList<store::UsageRow> byTenant = usageBy(log, store::UsageQuery::GroupBy::Tenant);
        QCOMPARE(byTenant.size(), 2);
        QCOMPARE(byTenant.at(0).tenantId, QStringLiteral("t1"));
        QCOMPARE(byTenant.at(0).requests, 4000);
        QCOMPARE(byTenant.at(0).completionTokens, 4000 * 7);
        QCOMPARE(byTenant.at(1).cost, 6000 * 0.5);
        const QList<store::UsageRow> byModel = usageBy(log, store::UsageQuery::GroupBy::Model);
        QCOMPARE(byModel.size(), 2);
        QCOMPARE(byModel.at(0).requests + byModel.at(1).requests, 10'000);
    }

    void pruningNeverTouchesUsageTotals()
    {
        QTemporaryDir dir;
        store::RequestLog log;
        QString error;
        QVERIFY(log.open(dir.filePath(QStringLiteral("obleth.db")), &error));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (int i = 1; i <= 100; ++i)
            log.append(record(i, now.addDays(-(i <= 40 ? 45 : 1)))); // 40 rows older than 30 days
        const auto totals = usageBy(log, store::UsageQuery::GroupBy::Tenant);
        QCOMPARE(totals.first().requests, 100);

        log.setRetention(store::Retention{30, 0});
        store::RequestFilter all;
        all.limit = 1000;
        QCOMPARE(requests(log, all).size(), 60);
        log.setRetention(store::Retention{30, 25});
        const QList<store::LoggedRequest> kept = requests(log, all);
        QCOMPARE(kept.size(), 25);
        QCOMPARE(kept.first().record.id, QByteArray("req_100")); // the newest are kept
        QCOMPARE(kept.last().record.id, QByteArray("req_76"));
        QCOMPARE(usageBy(log, store::UsageQuery::GroupBy::Tenant).first().requests, 100);
        QCOMPARE(usageBy(log, store::UsageQuery::GroupBy::Day).size(), 2); // 45 days ago and yesterday
    }

    void usageSinceCountsFromTheHour()
    {
        QTemporaryDir dir;
        store::RequestLog log;
        QString error;
        QVERIFY(log.open(dir.filePath(QStringLiteral("obleth.db")), &error));
        // The (date, time, Qt::TimeSpec) constructor is deprecated from Qt 6.8 on; QTimeZone::UTC exists from 6.5.
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
        const QDateTime yesterday(QDate::currentDate().addDays(-1), QTime(0, 0), QTimeZone::UTC);
#else
        const QDateTime yesterday(QDate::currentDate().addDays(-1), QTime(0, 0), Qt::UTC);
#endif
        log.append(record(1, yesterday.addSecs(10 * 3600)));
        log.append(record(2, yesterday.addSecs(20 * 3600)));
        log.append(record(3, yesterday.addDays(-3)));
        log.append(record(4, QDateTime::currentDateTimeUtc()));
        store::UsageQuery q;
        q.groupBy = store::UsageQuery::GroupBy::Day;
        q.since = yesterday.addSecs(15 * 3600 + 59);
        const auto days = await<store::UsageRow>(
            [&](QObject *c, store::RequestLog::Answer<store::UsageRow> a) { log.usage(q, c, std::move(a)); });
        QCOMPARE(days.size(), 2);
        QCOMPARE(days.at(0).day, yesterday.date().toString(Qt::ISODate));
        QCOMPARE(days.at(0).requests, 1); // 20:00 counts, 10:00 does not
        QCOMPARE(days.at(1).requests, 1);
        q.since = QDateTime();
        const auto all = await<store::UsageRow>(
            [&](QObject *c, store::RequestLog::Answer<store::UsageRow> a) { log.usage(q, c, std::move(a)); });
        QCOMPARE(all.size(), 3);
    }

    /// The log writes its times without QDateTime's formatter: the text must be what it wrote (and what the
    /// queries compare with), for any time and time zone.
    void timesAreWrittenAsQDateTimeWritesThem()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        QList<QDateTime> times{
            QDateTime::currentDateTimeUtc(),
            QDateTime::fromMSecsSinceEpoch(0, QTimeZone::utc()),
            QDateTime::fromMSecsSinceEpoch(-1, QTimeZone::utc()), // 1969-12-31T23:59:59.999Z
            QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), QTimeZone::utc()),
            QDateTime(QDate(2000, 3, 1), QTime(0, 0), QTimeZone::utc()),
            QDateTime(QDate(1, 1, 1), QTime(0, 0, 0, 1), QTimeZone::utc()),
            QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59, 999), QTimeZone::utc()),
            QDateTime(QDate(2024, 6, 1), QTime(2, 30), QTimeZone(5 * 3600 + 1800)), // UTC+05:30: the day before
        };
        QRandomGenerator rng(12);
        for (int i = 0; i < 200; ++i) { // from 1600 to 2400
            const qint64 ms = qint64(rng.generateDouble() * 25'246'000'000'000.0) - 11'676'000'000'000LL;
            times.append(QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()));
        }
        QString error;
        {
            store::RequestLog log;
            QVERIFY2(log.open(path, &error), qPrintable(error));
            log.setRetention(store::Retention{0, 0});
            for (int i = 0; i < times.size(); ++i)
                log.append(record(i, times.at(i)));
        } // the destructor writes what is pending
        store::Database db;
        QVERIFY2(db.open(path, &error), qPrintable(error));
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT id, started_at FROM request_log")));
        int rows = 0;
        while (q.next()) {
            const int i = q.value(0).toString().mid(4).toInt();
            QCOMPARE(q.value(1).toString(), times.at(i).toUTC().toString(Qt::ISODateWithMs));
            ++rows;
        }
        QCOMPARE(rows, times.size());
        QSet<QString> hours;
        QSet<QString> days;
        for (const QDateTime &t : std::as_const(times)) {
            hours.insert(t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH")));
            days.insert(t.toUTC().toString(QStringLiteral("yyyy-MM-dd")));
        }
        for (const auto &[table, column, expected] :
             {std::tuple{"usage_hourly", "hour", hours}, std::tuple{"usage_daily", "day", days}}) {
            QSet<QString> found;
            QVERIFY(
                q.exec(QStringLiteral("SELECT DISTINCT %1 FROM %2").arg(QLatin1String(column), QLatin1String(table))));
            while (q.next())
                found.insert(q.value(0).toString());
            QCOMPARE(found, expected);
        }
    }

    /// The log keeps its statements prepared from one batch to the next, and prepares them again after an error.
    void aFailedWriteIsFollowedByGoodOnes()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        QString error;
        store::Database db;
        QVERIFY2(db.open(path, &error), qPrintable(error));
        store::RequestLogStore store(db.connection());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY2(store.write({record(1, now), record(2, now)}, &error), qPrintable(error));
        model::RequestRecord broken = record(3, now);
        broken.path = QByteArray(); // NOT NULL: the whole batch is refused
        QVERIFY(!store.write({record(4, now), broken}, &error));
        QVERIFY(!error.isEmpty());
        error.clear();
        QVERIFY2(store.write({record(5, now)}, &error), qPrintable(error));
        QVERIFY2(store.write({record(6, now), record(7, now)}, &error), qPrintable(error));
        QCOMPARE(store.rowCount(), 5);
        QList<store::UsageRow> usage;
        QVERIFY(store.usage(store::UsageQuery{}, &usage, &error));
        QCOMPARE(usage.size(), 1);
        QCOMPARE(usage.first().requests, 5); // the refused batch counted nothing
    }

    /// Contract sections 10 and 11: a row keeps the model asked for, the deployment that answered, and whether a
    /// fallback answered or the answer was shortened (brownout); GET /api/v1/requests shows them.
    void routingFieldsRoundTrip()
    {
        QTemporaryDir dir;
        QString error;
        store::Database db;
        QVERIFY2(db.open(dir.filePath(QStringLiteral("obleth.db")), &error), qPrintable(error));
        store::RequestLogStore store(db.connection());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        model::RequestRecord fellBack = record(1, now);
        fellBack.model = QStringLiteral("small");
        fellBack.requestedModel = QStringLiteral("big");
        fellBack.deploymentId = QStringLiteral("0b7d6f3e-9c0a-4d55-8f1e-5f3c2a9d1b44");
        fellBack.fallback = true;
        fellBack.brownout = true;
        const model::RequestRecord plain = record(2, now);
        QVERIFY2(store.write({fellBack, plain}, &error), qPrintable(error));
        QList<store::LoggedRequest> rows;
        QVERIFY2(store.requests(store::RequestFilter{}, &rows, &error), qPrintable(error));
        QCOMPARE(rows.size(), 2);
        const model::RequestRecord &a = rows.at(1).record;
        QCOMPARE(a.requestedModel, QStringLiteral("big"));
        QCOMPARE(a.deploymentId, fellBack.deploymentId);
        QVERIFY(a.fallback);
        QVERIFY(a.brownout);
        const model::RequestRecord &b = rows.at(0).record;
        QVERIFY(b.requestedModel.isEmpty() && b.deploymentId.isEmpty() && !b.fallback && !b.brownout);

        const QJsonObject shown = usage::toJson(a);
        QCOMPARE(shown.value(QStringLiteral("requested_model")).toString(), QStringLiteral("big"));
        QCOMPARE(shown.value(QStringLiteral("deployment_id")).toString(), fellBack.deploymentId);
        QCOMPARE(shown.value(QStringLiteral("fallback")).toBool(), true);
        QCOMPARE(shown.value(QStringLiteral("brownout")).toBool(), true);
        const QJsonObject none = usage::toJson(b);
        QVERIFY(none.value(QStringLiteral("requested_model")).isNull());
        QVERIFY(none.value(QStringLiteral("deployment_id")).isNull());
        QCOMPARE(none.value(QStringLiteral("fallback")).toBool(true), false);
        QCOMPARE(none.value(QStringLiteral("brownout")).toBool(true), false);
    }

    void retentionSurvivesARestart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        QString error;
        {
            store::RequestLog log;
            QVERIFY(log.open(path, &error));
            QCOMPARE(log.retention(), (store::Retention{30, 1'000'000}));
            log.setRetention(store::Retention{7, 5000});
            log.append(record(1, QDateTime::currentDateTimeUtc()));
        } // the destructor writes what is pending
        store::RequestLog log;
        QVERIFY(log.open(path, &error));
        QCOMPARE(log.retention(), (store::Retention{7, 5000}));
        store::RequestFilter all;
        QCOMPARE(requests(log, all).size(), 1);
    }

    void killNineLosesAtMostTheLastSecond()
    {
#ifndef Q_OS_UNIX
        QSKIP("uses kill -9");
#else
        QTemporaryDir dir;
        auto server = std::make_unique<test::ServerProcess>(
            QStringList{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                        QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
        QVERIFY(server->ok());
        test::LoadClient load(server->dataPort, server->firstKey(), 8);
        QTRY_VERIFY_WITH_TIMEOUT(load.answered.size() > 2000, 20000);
        const qint64 killedAt = load.now();
        QCOMPARE(::kill(pid_t(server->pid()), SIGKILL), 0);
        QVERIFY(server->waitForExit(5000));
        load.stop();

        store::Database db;
        QString error;
        QVERIFY2(db.open(dir.filePath(QStringLiteral("obleth.db")), &error), qPrintable(error));
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
        QSet<QByteArray> logged;
        QVERIFY(q.exec(QStringLiteral("SELECT id FROM request_log")));
        while (q.next())
            logged.insert(q.value(0).toString().toLatin1());
        const QList<QByteArray> olderIds = load.answeredBefore(killedAt - 1000);
        const int older = int(olderIds.size());
        int missing = 0;
        for (const QByteArray &id : olderIds)
            missing += logged.contains(id) ? 0 : 1;
        qInfo("%lld answered, %d more than 1 s before the kill, %d of those missing; %lld rows logged",
              qint64(load.answered.size()), older, missing, qint64(logged.size()));
        QVERIFY(older > 0);
        QCOMPARE(missing, 0);
        // Usage totals are written in the same transactions as the rows.
        QVERIFY(q.exec(QStringLiteral("SELECT sum(requests) FROM usage_hourly")) && q.next());
        QCOMPARE(q.value(0).toLongLong(), qint64(logged.size()));
#endif
    }
};

QTEST_MAIN(TestRequestLog)
#include "tst_requestlog.moc"
