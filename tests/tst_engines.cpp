// The real engines the multi-instance tests run on (contract section 15): a throwaway PostgreSQL cluster and a
// redis-server, each started on a free port, stopped and started again.
#include "pgcluster.h"
#include "redisserver.h"

#include <QTest>

using namespace obleth;

class TestEngines : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void postgresStartsStopsAndStartsAgain()
    {
        test::PgCluster pg;
        OBLETH_REQUIRE_ENGINE(pg);
        QCOMPARE(pg.psql(QStringLiteral("SELECT 40 + 2")), QStringLiteral("42"));
        QVERIFY(pg.url().startsWith(QStringLiteral("postgresql://obleth:")));
        QVERIFY(pg.stop());
        QVERIFY(pg.psql(QStringLiteral("SELECT 1")).isNull());
        QVERIFY2(pg.start(), qPrintable(pg.why()));
        QCOMPARE(pg.psql(QStringLiteral("SELECT 1")), QStringLiteral("1"));
    }

    void redisStartsStopsAndStartsAgain()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        QCOMPARE(redis.cli({QStringLiteral("SET"), QStringLiteral("k"), QStringLiteral("v")}), QStringLiteral("OK"));
        QCOMPARE(redis.cli({QStringLiteral("GET"), QStringLiteral("k")}), QStringLiteral("v"));
        redis.stop();
        QVERIFY(!redis.ok());
        QVERIFY2(redis.start(), qPrintable(redis.why()));
        QCOMPARE(redis.cli({QStringLiteral("GET"), QStringLiteral("k")}), QStringLiteral("")); // nothing persisted
    }
};

QTEST_GUILESS_MAIN(TestEngines)
#include "tst_engines.moc"
