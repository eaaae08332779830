// `obleth` as a user runs it: flags and environment, the listening line, the first key, the admin
// token file, one-line errors, and a clean drain on SIGTERM.

#include "mockupstream.h"
#include "serverprocess.h"
#include "testhttp.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

using namespace obleth;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runToEnd(const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(test::oblethBinary(), args);
    p.waitForFinished(20'000);
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

using Server = test::ServerProcess;

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpAndVersion()
    {
        Run r = runToEnd({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char *word : {"--server", "--mock-upstream", "--host", "--port", "--admin-port", "--data-dir",
                                 "--upstream", "OBLETH_ADMIN_TOKEN", "--version"})
            QVERIFY2(r.out.contains(word), word);
        r = runToEnd({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(), QByteArray("obleth " OBLETH_VERSION));
    }

    void badOptionsGiveOneLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("env");
        QTest::addColumn<QByteArray>("mentions");
        QTest::newRow("unknown flag") << QStringList{QStringLiteral("--server"), QStringLiteral("--frobnicate")}
                                      << QString() << QByteArray("frobnicate");
        QTest::newRow("port not a number")
            << QStringList{QStringLiteral("--server"), QStringLiteral("--port"), QStringLiteral("http")} << QString()
            << QByteArray("--port");
        QTest::newRow("port too big") << QStringList{QStringLiteral("--server"), QStringLiteral("--port"),
                                                     QStringLiteral("70000")}
                                      << QString() << QByteArray("--port");
        QTest::newRow("bad host") << QStringList{QStringLiteral("--server"), QStringLiteral("--host"),
                                                 QStringLiteral("not a host")}
                                  << QString() << QByteArray("--host");
        QTest::newRow("bad upstream") << QStringList{QStringLiteral("--server"), QStringLiteral("--upstream"),
                                                     QStringLiteral("localhost:11434")}
                                      << QString() << QByteArray("--upstream");
        QTest::newRow("bad env port") << QStringList{QStringLiteral("--server")}
                                      << QStringLiteral("OBLETH_ADMIN_PORT=-1") << QByteArray("OBLETH_ADMIN_PORT");
        QTest::newRow("two modes") << QStringList{QStringLiteral("--server"), QStringLiteral("--mock-upstream")}
                                   << QString() << QByteArray("together");
        QTest::newRow("tls cert without key")
            << QStringList{QStringLiteral("--server"), QStringLiteral("--tls-cert"), QStringLiteral("cert.pem")}
            << QString() << QByteArray("--tls-key");
        QTest::newRow("tls key from env without cert")
            << QStringList{QStringLiteral("--server")} << QStringLiteral("OBLETH_TLS_KEY=key.pem")
            << QByteArray("--tls-cert");
        QTest::newRow("bad admin host") << QStringList{QStringLiteral("--server"), QStringLiteral("--admin-host"),
                                                       QStringLiteral("evil.example")}
                                        << QString() << QByteArray("--admin-host");
        QTest::newRow("stray argument") << QStringList{QStringLiteral("--server"), QStringLiteral("serve")} << QString()
                                        << QByteArray("serve");
        QTest::newRow("bad log level") << QStringList{QStringLiteral("--server"), QStringLiteral("--log-level"),
                                                      QStringLiteral("loud")}
                                       << QString() << QByteArray("--log-level");
        QTest::newRow("bad env log level")
            << QStringList{QStringLiteral("--server")} << QStringLiteral("OBLETH_LOG_LEVEL=verbose")
            << QByteArray("OBLETH_LOG_LEVEL");
        QTest::newRow("log level without a value")
            << QStringList{QStringLiteral("--server"), QStringLiteral("--log-level")} << QString()
            << QByteArray("log-level");
        QTest::newRow("database of another kind")
            << QStringList{QStringLiteral("--server"), QStringLiteral("--database"),
                           QStringLiteral("mysql://u:hunter2@db/obleth")}
            << QString() << QByteArray("--database");
        QTest::newRow("postgresql without a database")
            << QStringList{QStringLiteral("--server")}
            << QStringLiteral("OBLETH_DATABASE_URL=postgresql://u:hunter2@db:5432")
            << QByteArray("OBLETH_DATABASE_URL");
        QTest::newRow("sqlite without a path")
            << QStringList{QStringLiteral("--server"), QStringLiteral("--database"), QStringLiteral("sqlite:")}
            << QString() << QByteArray("--database");
        QTest::newRow("redis of another scheme") << QStringList{QStringLiteral("--server"), QStringLiteral("--redis"),
                                                                QStringLiteral("http://:hunter2@r:6379")}
                                                 << QString() << QByteArray("--redis");
        QTest::newRow("redis with a bad database number")
            << QStringList{QStringLiteral("--server")} << QStringLiteral("OBLETH_REDIS_URL=redis://r:6379/first")
            << QByteArray("OBLETH_REDIS_URL");
    }
    void badOptionsGiveOneLine()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, env);
        QFETCH(QByteArray, mentions);
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        if (!env.isEmpty())
            e.insert(env.section(QLatin1Char('='), 0, 0), env.section(QLatin1Char('='), 1));
        const Run r = runToEnd(args, e);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty());
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.startsWith("obleth: ") && r.err.contains(mentions), r.err.constData());
        QVERIFY2(!r.err.contains("hunter2"), r.err.constData()); // a URL's password is never echoed
    }

    void helpNamesTheLogLevel()
    {
        const Run r = runToEnd({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("--log-level"));
        QVERIFY(r.out.contains("OBLETH_LOG_LEVEL"));
    }

    // --log-level (or OBLETH_LOG_LEVEL) sets how much obleth's categories say; QT_LOGGING_RULES, applied after
    // it, still wins for what it names.
    void logLevelChoosesWhatStderrShows_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("envLevel");
        QTest::addColumn<QString>("qtRules");
        QTest::addColumn<bool>("listeningLine"); // obleth.gateway at info
        QTest::addColumn<bool>("debugLine"); // obleth.store at debug
        QTest::newRow("default") << QStringList{} << QString() << QString() << true << false;
        QTest::newRow("info") << QStringList{QStringLiteral("--log-level"), QStringLiteral("info")} << QString()
                              << QString() << true << false;
        QTest::newRow("warning from the environment")
            << QStringList{} << QStringLiteral("warning") << QString() << false << false;
        QTest::newRow("the flag beats the environment")
            << QStringList{QStringLiteral("--log-level"), QStringLiteral("info")} << QStringLiteral("error")
            << QString() << true << false;
        QTest::newRow("debug") << QStringList{QStringLiteral("--log-level"), QStringLiteral("DEBUG")} << QString()
                               << QString() << true << true;
        QTest::newRow("QT_LOGGING_RULES wins")
            << QStringList{QStringLiteral("--log-level"), QStringLiteral("debug")} << QString()
            << QStringLiteral("obleth.gateway.info=false") << false << true;
    }
    void logLevelChoosesWhatStderrShows()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, envLevel);
        QFETCH(QString, qtRules);
        QFETCH(bool, listeningLine);
        QFETCH(bool, debugLine);
        QTemporaryDir dir;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("QT_LOGGING_RULES"));
        env.insert(QStringLiteral("QT_FORCE_STDERR_LOGGING"), QStringLiteral("1")); // not the journal, where Qt has it
        env.remove(QStringLiteral("OBLETH_LOG_LEVEL"));
        if (!envLevel.isEmpty())
            env.insert(QStringLiteral("OBLETH_LOG_LEVEL"), envLevel);
        if (!qtRules.isEmpty())
            env.insert(QStringLiteral("QT_LOGGING_RULES"), qtRules);
        Server s(QStringList{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                             QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()}
                     + args,
                 env);
        QVERIFY(s.ok());
        s.terminate();
        QVERIFY(s.waitForExit(10'000));
        QCOMPARE(s.exitCode(), 0);
        const QByteArray err = s.errorOutput();
        const QByteArray listening
            = "obleth.gateway: listening: data plane on http://127.0.0.1:" + QByteArray::number(s.dataPort);
        QVERIFY2(err.contains(listening) == listeningLine, err.constData());
        QVERIFY2(err.contains("obleth.store: opened") == debugLine, err.constData());
    }

    // What an operator reads when an upstream fails: the request id and the upstream's address, never a key.
    void upstreamFailureIsLoggedWithoutSecrets()
    {
        QTemporaryDir dir;
        QTcpServer closed; // a port with nothing listening: the upstream refuses
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 deadPort = closed.serverPort();
        closed.close();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("QT_LOGGING_RULES"));
        env.insert(QStringLiteral("QT_FORCE_STDERR_LOGGING"), QStringLiteral("1")); // not the journal, where Qt has it
        Server s({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"), QStringLiteral("0"),
                  QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--log-level"), QStringLiteral("debug")},
                 env);
        QVERIFY(s.ok());
        const QByteArray key = s.firstKey();
        QVERIFY(!key.isEmpty());
        QFile tokenFile(dir.filePath(QStringLiteral("admin-token")));
        QVERIFY(tokenFile.open(QIODevice::ReadOnly));
        const QByteArray adminToken = tokenFile.readAll().trimmed();
        const QByteArray upstreamKey = "sk-upstream-secret-0123456789";
        const QByteArray upstreamBase = "http://127.0.0.1:" + QByteArray::number(deadPort);
        const test::Response created = test::request(
            s.adminPort, "POST", "/api/v1/models", test::headers({{"Authorization", "Bearer " + adminToken}}),
            "{\"model_name\":\"gone\",\"api_base\":\"" + upstreamBase + "/v1\",\"api_key\":\"" + upstreamKey + "\"}");
        QCOMPARE(created.status, 201);

        const test::Response r
            = test::postJson(s.dataPort, "/v1/chat/completions", key, test::chatBody({QStringLiteral("gone")}));
        QCOMPARE(r.status, 502);
        const QByteArray requestId = r.headers.value("x-obleth-request-id");
        QVERIFY(!requestId.isEmpty());

        const QByteArray line = "obleth.proxy: request " + requestId + " to upstream " + upstreamBase + " failed:";
        QByteArray err;
        QTRY_VERIFY2_WITH_TIMEOUT((err += s.errorOutput()).contains(line), err.constData(), 5000);
        s.terminate();
        QVERIFY(s.waitForExit(10'000));
        err += s.errorOutput();
        QVERIFY(
            err.contains(QByteArray("obleth.http: listening on http://127.0.0.1:" + QByteArray::number(s.dataPort))));
        QVERIFY2(!err.contains(key), "the tenant key is in the log");
        QVERIFY2(!err.contains(key.mid(3)), "the tenant key is in the log");
        QVERIFY2(!err.contains(upstreamKey), "the upstream key is in the log");
        // Nor a digest of it: the connection pool's key (the upstream, '#', a digest of its credentials) would let a
        // weak key be confirmed offline from the log.
        QVERIFY2(!err.contains(QByteArray(upstreamBase + "#")), "a digest of the upstream key is in the log");
        QVERIFY2(!err.contains(adminToken), "the admin token is in the log");
    }

    void firstStartPrintsTheKeyOnceAndKeepsTheToken()
    {
        QTemporaryDir dir;
        QString adminToken;
        {
            Server s({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                      QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
            QVERIFY(s.dataPort != 0);
            QCOMPARE(s.host, QStringLiteral("127.0.0.1"));
            QVERIFY(s.adminPort != 0 && s.adminPort != s.dataPort);
            const QByteArray key = s.firstKey();
            QVERIFY2(!key.isEmpty(), s.out.constData());
            QVERIFY(s.out.indexOf("first api key") < s.out.indexOf("obleth listening"));

            const QString tokenPath = dir.filePath(QStringLiteral("admin-token"));
            QFile token(tokenPath);
            QVERIFY(token.open(QIODevice::ReadOnly));
            adminToken = QString::fromLatin1(token.readAll().trimmed());
            QVERIFY(adminToken.size() >= 32);
#ifdef Q_OS_UNIX
            QCOMPARE(QFile::permissions(tokenPath)
                         & ~(QFileDevice::ReadUser | QFileDevice::WriteUser | QFileDevice::ExeUser),
                     QFileDevice::ReadOwner | QFileDevice::WriteOwner);
#endif
            QCOMPARE(test::postJson(s.dataPort, "/v1/chat/completions", key, "{\"model\":\"mock-model\"}").status, 200);
            http::Headers h;
            h.add("Authorization", "Bearer " + adminToken.toLatin1());
            QCOMPARE(test::request(s.adminPort, "GET", "/api/v1/status", h).status, 200);
            QVERIFY(!s.out.contains(adminToken.toLatin1()));
        }
        // Second start: same token, no new key printed.
        Server again({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                      QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
        QVERIFY(again.dataPort != 0);
        QVERIFY(again.firstKey().isEmpty());
        http::Headers h;
        h.add("Authorization", "Bearer " + adminToken.toLatin1());
        QCOMPARE(test::request(again.adminPort, "GET", "/api/v1/tenants", h).data().size(), 1);
    }

    void environmentAndFlags()
    {
        QTemporaryDir dir;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("OBLETH_DATA_DIR"), dir.path());
        env.insert(QStringLiteral("OBLETH_PORT"), QStringLiteral("1")); // overridden by --port below
        env.insert(QStringLiteral("OBLETH_ADMIN_PORT"), QStringLiteral("0"));
        env.insert(QStringLiteral("OBLETH_HOST"), QStringLiteral("127.0.0.1"));
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 freePort = probe.serverPort();
        probe.close();
        Server s({QStringLiteral("--port"), QString::number(freePort)}, env);
        QCOMPARE(s.dataPort, freePort);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("obleth.db"))));

        // OBLETH_ADMIN_TOKEN is used as given and not written to disk.
        QTemporaryDir dir2;
        QProcess p;
        env.insert(QStringLiteral("OBLETH_DATA_DIR"), dir2.path());
        env.insert(QStringLiteral("OBLETH_PORT"), QStringLiteral("0"));
        env.insert(QStringLiteral("OBLETH_ADMIN_TOKEN"), QStringLiteral("my-own-admin-token-123456"));
        p.setProcessEnvironment(env);
        p.start(test::oblethBinary(), {QStringLiteral("--server")});
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains("obleth listening"), 15'000);
        const quint16 adminPort = quint16(QRegularExpression(QStringLiteral("admin=http://127.0.0.1:(\\d+)"))
                                              .match(QString::fromLatin1(out))
                                              .captured(1)
                                              .toUInt());
        QCOMPARE(test::request(adminPort, "GET", "/api/v1/status",
                               test::headers({{"Authorization", "Bearer my-own-admin-token-123456"}}))
                     .status,
                 200);
        QVERIFY(!QFile::exists(dir2.filePath(QStringLiteral("admin-token"))));
        p.terminate();
        QVERIFY(p.waitForFinished(10'000));
        QCOMPARE(p.exitCode(), 0);
    }

    void portInUseIsAOneLineError()
    {
        QTcpServer busy;
        QVERIFY(busy.listen(QHostAddress::LocalHost, 0));
        QTemporaryDir dir;
        const Run r
            = runToEnd({QStringLiteral("--server"), QStringLiteral("--port"), QString::number(busy.serverPort()),
                        QStringLiteral("--admin-port"), QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!r.out.contains("listening"));
        const QList<QByteArray> errLines = r.err.trimmed().split('\n');
        QVERIFY2(errLines.last().startsWith(QByteArray(QByteArray("obleth: cannot listen on 127.0.0.1:")
                                                       + QByteArray::number(busy.serverPort()))),
                 r.err.constData());
    }

    void unusableDatabaseIsAClearError()
    {
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("obleth.db")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("my shopping list\n");
        f.close();
        const Run r
            = runToEnd({QStringLiteral("--server"), QStringLiteral("--port"), QStringLiteral("0"),
                        QStringLiteral("--admin-port"), QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("not a SQLite database"), r.err.constData());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("my shopping list\n"));
    }

    void sigtermDrainsInFlightRequests()
    {
#ifndef Q_OS_UNIX
        QSKIP("POSIX signals");
#else
        QTemporaryDir dir;
        Server s({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"), QStringLiteral("0"),
                  QStringLiteral("--data-dir"), dir.path()});
        QVERIFY(s.dataPort != 0);
        const QByteArray key = s.firstKey();
        // A request that takes 800 ms is in flight when SIGTERM arrives: it still gets its answer.
        QTcpSocket client;
        QByteArray reply;
        connect(&client, &QTcpSocket::readyRead, &client, [&] { reply += client.readAll(); });
        client.connectToHost(QHostAddress::LocalHost, s.dataPort);
        QVERIFY(client.waitForConnected(5000));
        const QByteArray body = "{\"model\":\"mock-model\"}";
        client.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                     + "\r\nx-mock-latency-ms: 800\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
                     + body);
        QVERIFY(client.waitForBytesWritten(5000));
        // SIGTERM must arrive while the request is in flight: wait until the gateway says so.
        QFile tokenFile(dir.filePath(QStringLiteral("admin-token")));
        QVERIFY(tokenFile.open(QIODevice::ReadOnly));
        const http::Headers admin = test::headers({{"Authorization", "Bearer " + tokenFile.readAll().trimmed()}});
        QTRY_COMPARE_WITH_TIMEOUT(test::request(s.adminPort, "GET", "/api/v1/status", admin)
                                      .json()
                                      .value(QStringLiteral("in_flight"))
                                      .toInt(),
                                  1, 5000);
        s.terminate();
        QTRY_VERIFY_WITH_TIMEOUT(reply.contains("chat.completion"), 5000);
        QVERIFY(reply.startsWith("HTTP/1.1 200"));
        QVERIFY(s.waitForExit(10'000));
        QCOMPARE(s.exitStatus(), QProcess::NormalExit);
        QCOMPARE(s.exitCode(), 0);
#endif
    }

    void mockUpstreamMode()
    {
        test::MockUpstream mock;
        QVERIFY(mock.ok());
        QCOMPARE(mock.stats().value(QStringLiteral("requests")).toInt(), 0);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
