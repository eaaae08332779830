// The SQLite store: migrations, upgrades in place, and refusing files that are not obleth's
// without touching them. Also the configuration snapshot that the data plane reads.

#include "config/configservices.h"
#include "config/secrets.h"
#include "store/database.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_LINUX
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace obleth;

namespace {
QByteArray fileDigest(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

/// Builds a SQLite file from SQL statements with a plain connection (not obleth's code).
void buildDatabase(const QString &path, const QString &sql)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fixture"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        const QStringList statements = sql.split(QLatin1Char(';'), Qt::SkipEmptyParts);
        for (QString s : statements) {
            QStringList lines = s.split(QLatin1Char('\n'));
            lines.removeIf([](const QString &l) { return l.trimmed().startsWith(QLatin1String("--")); });
            s = lines.join(QLatin1Char('\n')).trimmed();
            if (s.isEmpty())
                continue;
            QSqlQuery q(db);
            QVERIFY2(q.exec(s), qPrintable(s));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("fixture"));
}
#ifdef Q_OS_LINUX
/// How many POSIX locks /proc/locks lists for this process on @p path's inode.
int locksHeldOn(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    QFile locks(QStringLiteral("/proc/locks"));
    if (!locks.open(QIODevice::ReadOnly))
        return -1;
    int count = 0;
    const QList<QByteArray> lines = locks.readAll().split('\n');
    for (const QByteArray &line : lines) {
        QList<QByteArray> fields = line.simplified().split(' ');
        fields.removeAll("->");
        if (fields.size() >= 6 && fields.at(4).toLongLong() == ::getpid()
            && fields.at(5).split(':').value(2).toULongLong() == quint64(st.st_ino)) {
            ++count;
        }
    }
    return count;
}
#endif
} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void freshDatabaseGetsLatestSchema()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        store::Database db;
        QString error;
        QVERIFY2(db.open(path, &error), qPrintable(error));
        QCOMPARE(db.schemaVersion(), store::Database::latestSchemaVersion());
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
        QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
    }

    /// Finding: the request log's connection, opened after the configuration's, read the file's header with a
    /// QFile; closing it dropped every SQLite lock of the process, and other programs then deleted the WAL.
    void secondConnectionKeepsTheFirstOnesLocks()
    {
#ifndef Q_OS_LINUX
        QSKIP("reads /proc/locks");
#else
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        store::Database first;
        QString error;
        QVERIFY2(first.open(path, &error), qPrintable(error));
        const int held = locksHeldOn(path);
        QVERIFY(held > 0); // a connection in WAL mode holds a shared lock on the file while open
        store::Database second;
        QVERIFY2(second.open(path, &error), qPrintable(error));
        QVERIFY2(locksHeldOn(path) >= held, "opening a second connection dropped the first one's locks");
        second.close();
        QVERIFY(locksHeldOn(path) > 0);
#endif
    }

    void reopeningKeepsData()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        QString error;
        QString tenantId;
        {
            store::Database db;
            QVERIFY(db.open(path, &error));
            config::ConfigServices config(&db);
            QVERIFY(config.live.load(&error));
            model::Tenant t;
            config::TenantPatch fields;
            fields.name = QStringLiteral("acme");
            QVERIFY(config.tenants.create(fields, &t).ok());
            tenantId = t.id;
        }
        store::Database db;
        QVERIFY(db.open(path, &error));
        config::LiveConfig config(&db);
        QVERIFY(config.load(&error));
        QVERIFY(config.snapshot()->findTenant(tenantId));
    }

    void olderSchemaUpgradesInPlace()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        QFile fixture(QStringLiteral(OBLETH_TEST_DATA "/schema-v1.sql"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        buildDatabase(path, QString::fromUtf8(fixture.readAll()));

        store::Database db;
        QString error;
        QVERIFY2(db.open(path, &error), qPrintable(error));
        QCOMPARE(db.schemaVersion(), store::Database::latestSchemaVersion());
        config::ConfigServices config(&db);
        QVERIFY(config.live.load(&error));
        const auto snap = config.live.snapshot();
        const model::ModelConfig *m = snap->findModel(QStringLiteral("llama"));
        QVERIFY(m);
        QCOMPARE(m->upstreamModel, QStringLiteral("llama3:8b"));
        QCOMPARE(m->apiKey, QStringLiteral("secret-upstream-key"));
        QCOMPARE(m->maxConcurrency, std::optional<qint64>(4));
        QCOMPARE(m->connectTimeoutSecs, 10); // new column, default value
        QCOMPARE(m->firstByteTimeoutSecs, 600);
        QCOMPARE(snap->tenants.size(), 1);
        QCOMPARE(snap->tenants.first().weight, 300);
        QCOMPARE(snap->tenants.first().tokensPerMinute, std::optional<qint64>(5000));
        QCOMPARE(snap->keys.size(), 1);
        QCOMPARE(snap->capacity, 32);
        QVERIFY(snap->mcpServers.isEmpty());
        config::McpServerPatch server;
        server.name = QStringLiteral("fs");
        server.upstreamUrl = QStringLiteral("http://127.0.0.1:3001/mcp");
        QVERIFY(config.mcpServers.create(server).ok());
    }

    void refusesFilesThatAreNotOurs_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("expected");
        QTest::newRow("text file") << QByteArray("these are my notes, not a database\n") << QString()
                                   << QStringLiteral("not a SQLite database");
        QTest::newRow("random bytes") << QByteArray(4096, '\x5a') << QString()
                                      << QStringLiteral("not a SQLite database");
        QTest::newRow("corrupt sqlite") << QByteArray("SQLite format 3\0", 16) + QByteArray(4000, '\xff') << QString()
                                        << QStringLiteral("corrupt");
        QTest::newRow("another app's sqlite")
            << QByteArray() << QStringLiteral("CREATE TABLE photos (id INTEGER); INSERT INTO photos VALUES (1)")
            << QStringLiteral("not obleth's");
        QTest::newRow("newer obleth")
            << QByteArray()
            << QStringLiteral("PRAGMA application_id=1329744980; CREATE TABLE future (x); PRAGMA user_version=99")
            << QStringLiteral("newer obleth");
    }
    void refusesFilesThatAreNotOurs()
    {
        QFETCH(QByteArray, contents);
        QFETCH(QString, sql);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        if (sql.isEmpty())
            writeFile(path, contents);
        else
            buildDatabase(path, sql);
        const QByteArray before = fileDigest(path);

        store::Database db;
        QString error;
        QVERIFY(!db.open(path, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error.contains(path), qPrintable(error));
        QCOMPARE(fileDigest(path), before);
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")) || QFileInfo(path + QStringLiteral("-wal")).size() == 0);
    }

    void snapshotFollowsEveryChange()
    {
        QTemporaryDir dir;
        store::Database db;
        QString error;
        QVERIFY(db.open(dir.filePath(QStringLiteral("obleth.db")), &error));
        config::LiveConfig config(&db);
        QVERIFY(config.load(&error));
        QSignalSpy changed(&config, &config::LiveConfig::changed);

        const QString secret = config.bootstrapDefaultTenant(&error);
        QVERIFY(config::isWellFormedApiKey(secret.toLatin1()));
        QVERIFY(config.bootstrapDefaultTenant(&error).isEmpty()); // only on an empty database
        const auto before = config.snapshot();
        const model::ApiKey *key = before->findKeyByHash(config::hashSecret(secret.toLatin1()));
        QVERIFY(key);
        QCOMPARE(key->keyPrefix, secret.left(18));

        config::KeyService keys(&config);
        config::KeyPatch disable;
        disable.disabled = true;
        QVERIFY(keys.update(key->id, disable).ok());
        QVERIFY(config.snapshot()->findKeyByHash(config::hashSecret(secret.toLatin1()))->disabled);
        QVERIFY(!before->findKeyByHash(config::hashSecret(secret.toLatin1()))->disabled); // old snapshot unchanged
        QCOMPARE(changed.size(), 2);

        // The secret itself is nowhere in the file.
        db.close();
        QFile f(dir.filePath(QStringLiteral("obleth.db")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains(secret.toLatin1()));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
