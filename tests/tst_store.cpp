// The SQLite store: migrations, upgrades in place, and refusing files that are not obleth's
// without touching them. Also the configuration snapshot that the data plane reads.

#include "config/configservices.h"
#include "config/secrets.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/secretcipher.h"

#include <QCryptographicHash>
#include <QDir>
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

    /// Contract section 10: a database of schema 4 (before deployments), its keys sealed for models.api_key, gives
    /// each model one deployment made of its own api_base, upstream_model and api_key; the key is sealed anew for
    /// its place in deployments (the sealed value names its table, column and row, so SQL could not copy it).
    void schema4ModelsGetOneDeploymentEach()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        const QString sealedKey = QStringLiteral("sk-old-sealed-upstream-key");
        {
            store::SecretCipher cipher;
            QString error;
            QVERIFY2(cipher.open(store::SecretCipher::keyFilePath(dir.path()), true, &error), qPrintable(error));
            QString sql = QStringLiteral("PRAGMA application_id=%1;").arg(store::Database::kApplicationId);
            for (int v = 0; v < 4; ++v)
                sql += store::migrations().at(v).join(QLatin1Char(';')) + QLatin1Char(';');
            sql += QStringLiteral(
                       "INSERT INTO models (id, model_name, upstream_model, api_base, api_key, max_concurrency,"
                       " created_at, updated_at) VALUES ('m-1', 'llama', 'llama3:8b', 'http://127.0.0.1:11434/v1',"
                       " '%1', 4, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');"
                       "INSERT INTO models (id, model_name, upstream_model, api_base, created_at, updated_at) VALUES"
                       " ('m-2', 'open', 'open', 'https://example.com', '2026-01-02T00:00:00.000Z',"
                       " '2026-01-02T00:00:00.000Z');"
                       "INSERT INTO request_log (id, started_at, method, path, status, latency_ms, prompt_tokens,"
                       " completion_tokens, estimated, cost, streamed, bytes_in, bytes_out) VALUES ('req_old',"
                       " '2026-01-01T00:00:00.000Z', 'POST', '/v1/chat/completions', 200, 1, 0, 0, 0, 0, 0, 0, 0);"
                       "PRAGMA user_version=4")
                       .arg(cipher.encrypt(sealedKey, QStringLiteral("models.api_key:m-1")));
            buildDatabase(path, sql);
        }

        QString deploymentId;
        for (int start = 0; start < 2; ++start) { // the second start finds every model with its deployment
            store::Database db;
            QString error;
            QVERIFY2(db.open(path, &error), qPrintable(error));
            QCOMPARE(db.schemaVersion(), store::Database::latestSchemaVersion());
            config::ConfigServices config(&db);
            QVERIFY2(config.live.load(&error), qPrintable(error));
            const auto snap = config.live.snapshot();
            const model::ModelConfig *llama = snap->findModel(QStringLiteral("llama"));
            QVERIFY(llama);
            QCOMPARE(llama->deployments.size(), 1);
            const model::Deployment &d = llama->deployments.first();
            QCOMPARE(d.apiBase, QStringLiteral("http://127.0.0.1:11434/v1"));
            QCOMPARE(d.upstreamModel, QStringLiteral("llama3:8b"));
            QCOMPARE(d.apiKey, sealedKey);
            QCOMPARE(d.weight, 1.0);
            QCOMPARE(d.maxConcurrency, std::nullopt);
            QVERIFY(d.enabled);
            QCOMPARE(llama->apiKey, sealedKey);
            QCOMPARE(llama->maxConcurrency, std::optional<qint64>(4)); // the model's own cap stays the model's
            QCOMPARE(llama->unhealthyAfter, 3);
            QCOMPARE(llama->cooldownSecs, 30);
            QCOMPARE(llama->healthCheckSecs, 15);
            QCOMPARE(llama->maxRetries, 2);
            QVERIFY(llama->fallbacks.isEmpty());
            QVERIFY(!llama->autoRoute);
            if (start == 0)
                deploymentId = d.id;
            QCOMPARE(d.id, deploymentId);
            const model::ModelConfig *open = snap->findModel(QStringLiteral("open"));
            QVERIFY(open);
            QCOMPARE(open->deployments.size(), 1);
            QVERIFY(open->deployments.first().apiKey.isEmpty());

            QSqlQuery q(db.connection());
            QVERIFY(q.exec(QStringLiteral("SELECT api_key FROM deployments WHERE model_id = 'm-1'")) && q.next());
            QVERIFY(store::SecretCipher::isEncrypted(q.value(0).toString()));
            QVERIFY(q.exec(QStringLiteral("SELECT fallback, brownout, requested_model FROM request_log")) && q.next());
            QCOMPARE(q.value(0).toInt(), 0);
            QVERIFY(q.value(2).isNull());
        }

        // Deleting a model deletes its deployments (and their sealed keys).
        store::Database db;
        QString error;
        QVERIFY(db.open(path, &error));
        config::ConfigServices config(&db);
        QVERIFY(config.live.load(&error));
        QVERIFY(config.models.remove(QStringLiteral("m-1")).ok());
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM deployments WHERE model_id = 'm-1'")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }

    /// Contract section 13: a database of schema 5 (before api_format) keeps working: its models speak OpenAI's API
    /// and their deployments follow their model; a model's api_format and a deployment's own are stored and read
    /// back after a restart (NULL in the store: the model's).
    void schema5ModelsSpeakOpenAi()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        {
            QString sql = QStringLiteral("PRAGMA application_id=%1;").arg(store::Database::kApplicationId);
            for (int v = 0; v < 5; ++v)
                sql += store::migrations().at(v).join(QLatin1Char(';')) + QLatin1Char(';');
            sql += QStringLiteral(
                "INSERT INTO models (id, model_name, upstream_model, api_base, created_at, updated_at) VALUES"
                " ('m-1', 'llama', 'llama3:8b', 'http://127.0.0.1:11434/v1', '2026-01-01T00:00:00.000Z',"
                " '2026-01-01T00:00:00.000Z');"
                "INSERT INTO deployments (id, model_id, position, api_base, upstream_model) VALUES"
                " ('d-1', 'm-1', 0, 'http://127.0.0.1:11434/v1', 'llama3:8b');"
                "INSERT INTO deployments (id, model_id, position, api_base, upstream_model) VALUES"
                " ('d-2', 'm-1', 1, 'http://127.0.0.1:11435/v1', 'llama3:8b');"
                "PRAGMA user_version=5");
            buildDatabase(path, sql);
        }
        for (int start = 0; start < 2; ++start) {
            store::Database db;
            QString error;
            QVERIFY2(db.open(path, &error), qPrintable(error));
            QCOMPARE(db.schemaVersion(), store::Database::latestSchemaVersion());
            config::ConfigServices config(&db);
            QVERIFY2(config.live.load(&error), qPrintable(error));
            const auto snap = config.live.snapshot();
            const model::ModelConfig *llama = snap->findModel(QStringLiteral("llama"));
            QVERIFY(llama);
            QCOMPARE(llama->deployments.size(), 2);
            if (start == 0) {
                QVERIFY(llama->apiFormat == model::ApiFormat::OpenAI);
                QVERIFY(!llama->deployments.at(0).apiFormat);
                QVERIFY(!llama->deployments.at(1).apiFormat);
                config::ModelPatch patch;
                patch.apiFormat = QStringLiteral("anthropic");
                QVERIFY(config.models.update(llama->id, patch).ok());
                config::DeploymentPatch own;
                own.apiFormat = QStringLiteral("openai");
                QVERIFY(config.models.updateDeployment(llama->id, QStringLiteral("d-2"), own).ok());
            } else {
                QVERIFY(llama->apiFormat == model::ApiFormat::Anthropic);
                QVERIFY(!llama->deployments.at(0).apiFormat);
                QVERIFY(llama->deployments.at(1).apiFormat == model::ApiFormat::OpenAI);
                QVERIFY(llama->formatOf(llama->deployments.at(0)) == model::ApiFormat::Anthropic);
                QVERIFY(llama->formatOf(llama->deployments.at(1)) == model::ApiFormat::OpenAI);
                QSqlQuery q(db.connection());
                QVERIFY(q.exec(QStringLiteral("SELECT api_format FROM deployments ORDER BY position")) && q.next());
                QVERIFY(q.value(0).isNull());
                QVERIFY(q.next());
                QCOMPARE(q.value(0).toString(), QStringLiteral("openai"));
            }
        }
    }

    /// Deployments (in their order, keys sealed), the models' new fields and the admission and alert settings
    /// (the webhook's URL sealed: it may carry a token) are read back as written after a restart.
    void deploymentsAndSettingsSurviveARestart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("obleth.db"));
        const QString webhook = QStringLiteral("https://hooks.example.com/services/T000/B000/webhook-token-123");
        QString error;
        QStringList ids;
        {
            store::Database db;
            QVERIFY(db.open(path, &error));
            config::ConfigServices config(&db);
            QVERIFY(config.live.load(&error));
            config::ModelPatch other;
            other.modelName = QStringLiteral("small");
            other.apiBase = QStringLiteral("http://127.0.0.1:1/v1");
            QVERIFY(config.models.create(other).ok());
            config::ModelPatch fields;
            fields.modelName = QStringLiteral("big");
            config::DeploymentPatch a;
            a.apiBase = QStringLiteral("http://127.0.0.1:2/v1");
            a.apiKey = QStringLiteral("sk-key-of-a");
            a.weight = 3;
            config::DeploymentPatch b;
            b.apiBase = QStringLiteral("http://127.0.0.1:3");
            b.upstreamModel = QStringLiteral("big-q4");
            b.maxConcurrency = std::optional<qint64>(2);
            b.enabled = false;
            b.apiKey = QStringLiteral("sk-key-of-b");
            fields.deployments = QList<config::DeploymentPatch>{a, b};
            fields.fallbacks = QStringList{QStringLiteral("small")};
            fields.autoRoute = true;
            fields.unhealthyAfter = 5;
            fields.cooldownSecs = 60;
            fields.healthCheckSecs = 0;
            fields.maxRetries = 1;
            model::ModelConfig big;
            const config::Problem p = config.models.create(fields, &big);
            QVERIFY2(p.ok(), qPrintable(p.message));
            for (const model::Deployment &d : big.deployments)
                ids.append(d.id);
            QVERIFY(config.settings.setAdmission({100, 64, 10, 50}).ok());
            QVERIFY(config.settings.setAlerts({webhook, QStringList{QStringLiteral("deployment_down")}}).ok());
        }
        for (const QString &file : QDir(dir.path()).entryList(QDir::Files)) {
            QFile f(dir.filePath(file));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            QVERIFY2(!bytes.contains("webhook-token-123") && !bytes.contains("sk-key-of-"), qPrintable(file));
        }
        store::Database db;
        QVERIFY(db.open(path, &error));
        config::LiveConfig live(&db);
        QVERIFY(live.load(&error));
        const auto snap = live.snapshot();
        const model::ModelConfig *big = snap->findModel(QStringLiteral("big"));
        QVERIFY(big);
        QCOMPARE(big->deployments.size(), 2);
        QCOMPARE(big->deployments.at(0).id, ids.at(0));
        QCOMPARE(big->deployments.at(1).id, ids.at(1));
        QCOMPARE(big->deployments.at(0).apiKey, QStringLiteral("sk-key-of-a"));
        QCOMPARE(big->deployments.at(0).weight, 3.0);
        QCOMPARE(big->deployments.at(0).upstreamModel, QStringLiteral("big"));
        QCOMPARE(big->deployments.at(1).apiKey, QStringLiteral("sk-key-of-b"));
        QCOMPARE(big->deployments.at(1).upstreamModel, QStringLiteral("big-q4"));
        QCOMPARE(big->deployments.at(1).maxConcurrency, std::optional<qint64>(2));
        QVERIFY(!big->deployments.at(1).enabled);
        QCOMPARE(big->apiBase, QStringLiteral("http://127.0.0.1:2/v1"));
        QCOMPARE(big->apiKey, QStringLiteral("sk-key-of-a"));
        QCOMPARE(big->fallbacks, QStringList{QStringLiteral("small")});
        QVERIFY(big->autoRoute);
        QCOMPARE(big->unhealthyAfter, 5);
        QCOMPARE(big->cooldownSecs, 60);
        QCOMPARE(big->healthCheckSecs, 0);
        QCOMPARE(big->maxRetries, 1);
        QCOMPARE(snap->admission.brownoutWaitMs, 100);
        QCOMPARE(snap->admission.brownoutMaxTokens, 64);
        QCOMPARE(snap->admission.maxQueueWaitSecs, 10);
        QCOMPARE(snap->admission.maxQueueLength, 50);
        QCOMPARE(snap->alerts.webhookUrl, webhook);
        QCOMPARE(snap->alerts.events, std::optional<QStringList>(QStringList{QStringLiteral("deployment_down")}));
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
