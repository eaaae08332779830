// The Redis client (core/redis) that shared admission state rests on (contract section 15), against a real
// redis-server: pipelining in order, binary-safe values, every reply type, scripts that survive SCRIPT FLUSH, a server
// that goes away and comes back, a server that never answers, pub/sub; and the RESP parser alone, however its input
// is cut and whatever hostile bytes it is given.
#include "pgcluster.h"
#include "redis/redisclient.h"
#include "redis/respparser.h"
#include "redisserver.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace obleth;
using redis::Reply;
using redis::RespParser;

namespace {

std::unique_ptr<redis::Client> clientFor(const QString &url)
{
    redis::Endpoint endpoint;
    QString error;
    if (!redis::Endpoint::parse(url, &endpoint, &error))
        qFatal("bad URL in the test: %s", qPrintable(error));
    return std::make_unique<redis::Client>(endpoint);
}

/// Sends one command and waits for its reply.
Reply call(redis::Client &client, const QList<QByteArray> &args)
{
    Reply reply;
    bool done = false;
    client.command(args, [&](const Reply &r) {
        reply = r;
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 5000))
        return Reply::error("test: no callback within 5 s");
    return reply;
}

QString describe(const Reply &r)
{
    switch (r.type) {
    case Reply::Type::Nil: return QStringLiteral("nil");
    case Reply::Type::Status: return QStringLiteral("+") + QString::fromLatin1(r.text.toHex());
    case Reply::Type::Error: return QStringLiteral("-") + QString::fromLatin1(r.text.toHex());
    case Reply::Type::Integer: return QStringLiteral(":%1").arg(r.integer);
    case Reply::Type::Bulk: return QStringLiteral("$") + QString::fromLatin1(r.text.toHex());
    case Reply::Type::Array: {
        QStringList parts;
        for (const Reply &e : r.elements)
            parts << describe(e);
        return QStringLiteral("[") + parts.join(QLatin1Char(',')) + QLatin1Char(']');
    }
    }
    return {};
}

/// Parses @p pieces in turn: the replies, and the error if the stream was refused.
QStringList parseAll(const QList<QByteArray> &pieces, QString *error = nullptr, RespParser::Limits limits = {})
{
    RespParser parser(limits);
    QStringList out;
    for (const QByteArray &piece : pieces) {
        parser.append(piece);
        for (;;) {
            Reply r;
            const RespParser::Status s = parser.next(&r);
            if (s == RespParser::Status::NeedMore)
                break;
            if (s == RespParser::Status::Error) {
                if (error)
                    *error = parser.errorMessage();
                return out;
            }
            out << describe(r);
        }
    }
    return out;
}

QList<QByteArray> bytewise(const QByteArray &s)
{
    QList<QByteArray> out;
    for (char c : s)
        out << QByteArray(1, c);
    return out;
}

} // namespace

class TestRedisClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The parser alone.

    void parserGivesTheSameRepliesHoweverTheStreamIsCut()
    {
        QByteArray binary;
        for (int i = 0; i < 256; ++i)
            binary += char(i);
        const QByteArray stream = QByteArrayLiteral("+OK\r\n-ERR wrong\r\n:0\r\n:-42\r\n:9223372036854775807\r\n"
                                                    ":-9223372036854775808\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n")
            + "$" + QByteArray::number(binary.size()) + "\r\n" + binary + "\r\n"
            + "*3\r\n$3\r\nfoo\r\n*2\r\n:1\r\n*1\r\n$-1\r\n+x\r\n" + "$7\r\na\r\nb\r\nc\r\n";
        const QStringList whole = parseAll({stream});
        QCOMPARE(whole.size(), 13);
        QCOMPARE(whole.at(0), QStringLiteral("+") + QString::fromLatin1(QByteArray("OK").toHex()));
        QCOMPARE(whole.at(4), QStringLiteral(":9223372036854775807"));
        QCOMPARE(whole.at(5), QStringLiteral(":-9223372036854775808"));
        QCOMPARE(whole.at(6), QStringLiteral("$"));
        QCOMPARE(whole.at(7), QStringLiteral("nil"));
        QCOMPARE(whole.at(8), QStringLiteral("nil"));
        QCOMPARE(whole.at(9), QStringLiteral("[]"));
        QCOMPARE(whole.at(10), QStringLiteral("$") + QString::fromLatin1(binary.toHex()));
        QCOMPARE(whole.at(11), QStringLiteral("[$666f6f,[:1,[nil]],+78]"));
        QCOMPARE(whole.at(12), QStringLiteral("$") + QString::fromLatin1(QByteArray("a\r\nb\r\nc").toHex()));
        for (qsizetype cut = 1; cut < stream.size(); ++cut)
            QCOMPARE(parseAll({stream.left(cut), stream.mid(cut)}), whole);
        QCOMPARE(parseAll(bytewise(stream)), whole);
    }

    void parserRefusesHostileInput_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("why");
        QTest::newRow("unknown type byte") << QByteArray("?what\r\n") << QStringLiteral("type byte");
        QTest::newRow("RESP3 map") << QByteArray("%1\r\n+a\r\n+b\r\n") << QStringLiteral("type byte");
        QTest::newRow("bulk over the limit") << QByteArray("$67108865\r\n") << QStringLiteral("over the limit");
        QTest::newRow("bulk length -2") << QByteArray("$-2\r\n") << QStringLiteral("not a length");
        QTest::newRow("bulk length garbage") << QByteArray("$12a\r\n") << QStringLiteral("not a length");
        QTest::newRow("bulk length empty") << QByteArray("$\r\n") << QStringLiteral("not a length");
        QTest::newRow("bulk without CRLF") << QByteArray("$3\r\nabcde\r\n") << QStringLiteral("CRLF");
        QTest::newRow("array over the limit") << QByteArray("*1048577\r\n") << QStringLiteral("over the limit");
        QTest::newRow("nested arrays over the limit together")
            << QByteArray("*2\r\n*1048575\r\n") << QStringLiteral("more than 1048576 elements");
        QTest::newRow("array length -5") << QByteArray("*-5\r\n") << QStringLiteral("not a length");
        QTest::newRow("nested too deep") << QByteArray("*1\r\n").repeated(40) + ":1\r\n" << QStringLiteral("deeper");
        QTest::newRow("integer overflow") << QByteArray(":9223372036854775808\r\n") << QStringLiteral("64-bit");
        QTest::newRow("integer underflow") << QByteArray(":-9223372036854775809\r\n") << QStringLiteral("64-bit");
        QTest::newRow("integer of 30 digits")
            << QByteArray(":000000000000000000000000000001\r\n") << QStringLiteral("64-bit");
        QTest::newRow("integer garbage") << QByteArray(":12 \r\n") << QStringLiteral("64-bit");
        QTest::newRow("integer empty") << QByteArray(":\r\n") << QStringLiteral("64-bit");
        QTest::newRow("bare LF") << QByteArray("+OK\n") << QStringLiteral("LF without CR");
        QTest::newRow("CR without LF") << QByteArray("+OK\rx\n") << QStringLiteral("not followed by LF");
        QTest::newRow("empty line") << QByteArray("\r\n") << QStringLiteral("empty line");
        QTest::newRow("endless line") << QByteArray("+") + QByteArray(70 * 1024, 'a') << QStringLiteral("longer");
    }

    void parserRefusesHostileInput()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, why);
        QString whole;
        QVERIFY(parseAll({input}, &whole).isEmpty());
        QVERIFY2(whole.contains(why), qPrintable(whole));
        QString pieces;
        QVERIFY(parseAll(bytewise(input), &pieces).isEmpty());
        QCOMPARE(pieces, whole);
        // Refused for good: nothing more comes out of that stream.
        RespParser parser;
        parser.append(input);
        Reply r;
        QCOMPARE(parser.next(&r), RespParser::Status::Error);
        parser.append("+OK\r\n");
        QCOMPARE(parser.next(&r), RespParser::Status::Error);
        parser.reset();
        parser.append("+OK\r\n");
        QCOMPARE(parser.next(&r), RespParser::Status::Reply);
    }

    void parserHoldsNoMoreThanItMustForAHugeDeclaredArray()
    {
        // An array that declares a million elements and sends two holds two.
        RespParser parser;
        parser.append("*1000000\r\n:1\r\n:2\r\n");
        Reply r;
        QCOMPARE(parser.next(&r), RespParser::Status::NeedMore);
        QCOMPARE(parser.bufferedBytes(), 0);
    }

    // Endpoint.

    void endpointParsesRedisUrls_data()
    {
        QTest::addColumn<QByteArray>("url");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("db");
        QTest::newRow("host and port") << QByteArray("redis://127.0.0.1:7000") << true << QByteArray("127.0.0.1")
                                       << 7000 << 0;
        QTest::newRow("default port") << QByteArray("redis://cache.internal") << true << QByteArray("cache.internal")
                                      << 6379 << 0;
        QTest::newRow("database") << QByteArray("redis://127.0.0.1:7000/3") << true << QByteArray("127.0.0.1") << 7000
                                  << 3;
        QTest::newRow("trailing slash") << QByteArray("redis://h:1/") << true << QByteArray("h") << 1 << 0;
        QTest::newRow("IPv6") << QByteArray("redis://[::1]:6380/1") << true << QByteArray("::1") << 6380 << 1;
        QTest::newRow("password") << QByteArray("redis://:s3cret-pw@h:1/2") << true << QByteArray("h") << 1 << 2;
        QTest::newRow("not redis") << QByteArray("http://h:1") << false << QByteArray("") << 0 << 0;
        QTest::newRow("TLS") << QByteArray("rediss://:s3cret-pw@h:1") << false << QByteArray("") << 0 << 0;
        QTest::newRow("no host") << QByteArray("redis://:s3cret-pw@:1") << false << QByteArray("") << 0 << 0;
        QTest::newRow("bad port") << QByteArray("redis://:s3cret-pw@h:99999") << false << QByteArray("") << 0 << 0;
        QTest::newRow("bad db") << QByteArray("redis://:s3cret-pw@h:1/x") << false << QByteArray("") << 0 << 0;
        QTest::newRow("negative db") << QByteArray("redis://:s3cret-pw@h:1/-1") << false << QByteArray("") << 0 << 0;
        QTest::newRow("query") << QByteArray("redis://:s3cret-pw@h:1/0?x=1") << false << QByteArray("") << 0 << 0;
        QTest::newRow("not a URL") << QByteArray("s3cret-pw") << false << QByteArray("") << 0 << 0;
    }

    void endpointParsesRedisUrls()
    {
        QFETCH(QByteArray, url);
        QFETCH(bool, ok);
        redis::Endpoint e;
        QString error;
        QCOMPARE(redis::Endpoint::parse(QString::fromLatin1(url), &e, &error), ok);
        QVERIFY(!error.contains(QStringLiteral("s3cret")));
        if (!ok) {
            QVERIFY(!error.isEmpty());
            return;
        }
        QTEST(e.host.toLatin1(), "host");
        QTEST(int(e.port), "port");
        QTEST(e.db, "db");
        QVERIFY(!e.display().contains(QStringLiteral("s3cret")));
    }

    // Against a real redis-server.

    void pipelinedCommandsAnswerInOrder()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url());
        QSignalSpy connected(client.get(), &redis::Client::connected);
        client->start();
        // Sent while the connection is being made: they wait for it.
        QList<qint64> values;
        for (int i = 0; i < 1000; ++i)
            client->command({"INCR", "counter"}, [&](const Reply &r) { values << (r.isError() ? -1 : r.integer); });
        QTRY_COMPARE(values.size(), 1000);
        QCOMPARE(connected.size(), 1);
        QVERIFY(client->isConnected());
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(values.at(i), qint64(i + 1));
        // And a burst on the open connection.
        values.clear();
        for (int i = 0; i < 1000; ++i)
            client->command({"INCR", "counter"}, [&](const Reply &r) { values << (r.isError() ? -1 : r.integer); });
        QTRY_COMPARE(values.size(), 1000);
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(values.at(i), qint64(1001 + i));
        QCOMPARE(call(*client, {"GET", "counter"}).text, QByteArray("2000"));
        QCOMPARE(redis.cli({QStringLiteral("GET"), QStringLiteral("counter")}), QStringLiteral("2000"));
    }

    void bulkValuesAreBinarySafe()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url());
        client->start();
        QByteArray value;
        for (int i = 0; i < 256; ++i)
            value += char(i);
        value += "\r\n$3\r\n*1\r\n";
        const QByteArray key("key\0with\r\nodd bytes", 19);
        QCOMPARE(call(*client, {"SET", key, value}).text, QByteArray("OK"));
        const Reply got = call(*client, {"GET", key});
        QCOMPARE(got.type, Reply::Type::Bulk);
        QCOMPARE(got.text, value);
        // A large value, in many TCP segments.
        const QByteArray big = QByteArray(3 * 1024 * 1024, 'x') + value;
        QCOMPARE(call(*client, {"SET", "big", big}).text, QByteArray("OK"));
        QCOMPARE(call(*client, {"GET", "big"}).text, big);
        QCOMPARE(call(*client, {"SET", "empty", ""}).text, QByteArray("OK"));
        const Reply empty = call(*client, {"GET", "empty"});
        QCOMPARE(empty.type, Reply::Type::Bulk);
        QVERIFY(empty.text.isEmpty());
    }

    void nilArraysAndErrors()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url());
        client->start();
        QCOMPARE(call(*client, {"GET", "missing"}).type, Reply::Type::Nil);
        QCOMPARE(call(*client, {"RPUSH", "list", "a", "b", "c"}).integer, 3);
        const Reply range = call(*client, {"LRANGE", "list", "0", "-1"});
        QCOMPARE(range.type, Reply::Type::Array);
        QCOMPARE(range.elements.size(), 3);
        QCOMPARE(range.elements.at(2).text, QByteArray("c"));
        QCOMPARE(call(*client, {"LRANGE", "missing", "0", "-1"}).elements.size(), 0);
        QCOMPARE(call(*client, {"MGET", "list", "missing"}).elements.at(1).type, Reply::Type::Nil);
        QCOMPARE(call(*client, {"PING"}).type, Reply::Type::Status);
        const Reply wrongType = call(*client, {"INCR", "list"});
        QVERIFY(wrongType.isError());
        QVERIFY(wrongType.text.startsWith("WRONGTYPE"));
        QVERIFY(!redis::Client::isConnectionError(wrongType));
        const Reply unknown = call(*client, {"NOSUCHCOMMAND"});
        QVERIFY(unknown.text.startsWith("ERR"));
        // An error is one reply among others: the connection goes on.
        QCOMPARE(call(*client, {"LLEN", "list"}).integer, 3);
        // Nested arrays and integers inside them.
        const Reply nested = call(*client, {"EVAL", "return {1, {2, 'x'}, redis.call('GET', 'missing')}", "0"});
        QCOMPARE(describe(nested), QStringLiteral("[:1,[:2,$78],nil]")); // Lua's false is a nil bulk
    }

    void selectsTheDatabase()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url() + QStringLiteral("/3"));
        QSignalSpy connected(client.get(), &redis::Client::connected);
        client->start();
        QCOMPARE(call(*client, {"SET", "where", "three"}).text, QByteArray("OK"));
        QCOMPARE(connected.size(), 1);
        QCOMPARE(redis.cli({QStringLiteral("-n"), QStringLiteral("3"), QStringLiteral("GET"), QStringLiteral("where")}),
                 QStringLiteral("three"));
        QCOMPARE(redis.cli({QStringLiteral("GET"), QStringLiteral("where")}), QStringLiteral(""));
    }

    void scriptsRunAndAreLoadedAgainAfterAFlush()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url());
        client->start();
        const redis::Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        QCOMPARE(script.sha1.size(), 40);
        QByteArrayList order;
        client->eval(script, {"n"}, {"5"}, [&](const Reply &r) { order << QByteArray::number(r.integer); });
        client->command({"GET", "n"}, [&](const Reply &r) { order << r.text; });
        client->eval(script, {"n"}, {"2"}, [&](const Reply &r) { order << QByteArray::number(r.integer); });
        QTRY_COMPARE(order, (QByteArrayList{"5", "5", "7"}));
        QCOMPARE(redis.cli({QStringLiteral("SCRIPT"), QStringLiteral("EXISTS"), QString::fromLatin1(script.sha1)}),
                 QStringLiteral("1"));

        QCOMPARE(redis.cli({QStringLiteral("SCRIPT"), QStringLiteral("FLUSH")}), QStringLiteral("OK"));
        Reply after;
        bool done = false;
        client->eval(script, {"n"}, {"3"}, [&](const Reply &r) {
            after = r;
            done = true;
        });
        QTRY_VERIFY(done);
        QVERIFY2(!after.isError(), after.text.constData());
        QCOMPARE(after.integer, 10);
        // Cached again: the next one is a plain EVALSHA.
        QCOMPARE(redis.cli({QStringLiteral("SCRIPT"), QStringLiteral("EXISTS"), QString::fromLatin1(script.sha1)}),
                 QStringLiteral("1"));
        // A script error is the server's error.
        const redis::Script broken("return redis.call('NOSUCH')");
        Reply failed;
        done = false;
        client->eval(broken, {}, {}, [&](const Reply &r) {
            failed = r;
            done = true;
        });
        QTRY_VERIFY(done);
        QVERIFY(failed.isError());
        QVERIFY(!redis::Client::isConnectionError(failed));
    }

    void aServerThatGoesAwayGivesErrorsPromptlyAndIsReconnected()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url());
        QSignalSpy connected(client.get(), &redis::Client::connected);
        QSignalSpy disconnected(client.get(), &redis::Client::disconnected);
        client->start();
        QCOMPARE(call(*client, {"SET", "k", "v"}).text, QByteArray("OK"));
        QCOMPARE(connected.size(), 1);

        // Pending when the server dies: a command that blocks, and one pipelined behind it.
        QList<Reply> pendingReplies;
        client->command({"BLPOP", "nothing", "0"}, [&](const Reply &r) { pendingReplies << r; });
        client->command({"GET", "k"}, [&](const Reply &r) { pendingReplies << r; });
        QTRY_VERIFY(redis.cli({QStringLiteral("INFO"), QStringLiteral("clients")})
                        .contains(QStringLiteral("blocked_clients:1")));
        QVERIFY(pendingReplies.isEmpty());
        QElapsedTimer elapsed;
        elapsed.start();
        redis.stop();
        QTRY_COMPARE(pendingReplies.size(), 2);
        QVERIFY(elapsed.elapsed() < 1000);
        for (const Reply &r : std::as_const(pendingReplies)) {
            QVERIFY(r.isError());
            QVERIFY2(redis::Client::isConnectionError(r), r.text.constData());
        }
        QTRY_COMPARE(disconnected.size(), 1);
        QVERIFY(!disconnected.at(0).at(0).toString().isEmpty());
        QVERIFY(!client->isConnected());

        // New commands while it is away: errors, from the event loop, promptly; never a hang.
        for (int i = 0; i < 5; ++i) {
            bool inside = true;
            bool answered = false;
            Reply reply;
            elapsed.restart();
            client->command({"GET", "k"}, [&](const Reply &r) {
                QVERIFY(!inside);
                reply = r;
                answered = true;
            });
            inside = false;
            QVERIFY(!answered);
            QTRY_VERIFY_WITH_TIMEOUT(answered, 3000);
            QVERIFY(elapsed.elapsed() < 1500);
            QVERIFY(redis::Client::isConnectionError(reply));
            QTest::qWait(30);
        }
        QCOMPARE(disconnected.size(), 1); // once an outage, not once an attempt

        // Back: the client reconnects by itself (the back-off is at most 2 s).
        QVERIFY2(redis.start(), qPrintable(redis.why()));
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 5000);
        QVERIFY(client->isConnected());
        QCOMPARE(call(*client, {"INCR", "fresh"}).integer, 1);
    }

    void aServerThatNeverAnswersTimesOut()
    {
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        QList<QTcpSocket *> accepted;
        connect(&silent, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *s = silent.nextPendingConnection())
                accepted << s; // read nothing, answer nothing
        });
        auto client = clientFor(QStringLiteral("redis://127.0.0.1:%1").arg(silent.serverPort()));
        client->setCommandTimeoutMs(300);
        QSignalSpy connected(client.get(), &redis::Client::connected);
        QSignalSpy disconnected(client.get(), &redis::Client::disconnected);
        client->start();
        QTRY_COMPARE(connected.size(), 1);
        QList<Reply> replies;
        QElapsedTimer elapsed;
        elapsed.start();
        client->command({"PING"}, [&](const Reply &r) { replies << r; });
        client->command({"PING"}, [&](const Reply &r) { replies << r; });
        QTRY_COMPARE_WITH_TIMEOUT(replies.size(), 2, 3000);
        QVERIFY(elapsed.elapsed() >= 250);
        QVERIFY(elapsed.elapsed() < 1500);
        QVERIFY2(replies.at(0).text.startsWith("TIMEOUT "), replies.at(0).text.constData());
        QVERIFY(redis::Client::isConnectionError(replies.at(1)));
        QCOMPARE(disconnected.size(), 1);
        QVERIFY(disconnected.at(0).at(0).toString().contains(QStringLiteral("no reply within 300 ms")));
        // The connection was reset: the client connects again.
        QTRY_COMPARE(connected.size(), 2);
        QTRY_VERIFY(accepted.size() >= 2);
        qDeleteAll(accepted);
    }

    void aCallbackWhoseContextIsGoneIsNotRun()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url());
        client->start();
        auto context = std::make_unique<QObject>();
        bool ranGone = false;
        bool ranKept = false;
        client->command(
            {"PING"}, [&](const Reply &) { ranGone = true; }, context.get());
        client->command(
            {"PING"}, [&](const Reply &) { ranKept = true; }, this);
        context.reset();
        QTRY_VERIFY(ranKept);
        QVERIFY(!ranGone);
        // Nor when the client itself is gone first.
        bool ranAfterClient = false;
        client->command({"PING"}, [&](const Reply &) { ranAfterClient = true; });
        client.reset();
        QTest::qWait(100);
        QVERIFY(!ranAfterClient);
    }

    void theClientMayBeDestroyedFromItsOwnCallbacks()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        // From a reply's callback, with more replies behind it in the same read.
        auto client = clientFor(redis.url());
        client->start();
        int ran = 0;
        for (int i = 0; i < 10; ++i)
            client->command({"PING"}, [&](const Reply &) {
                ++ran;
                client.reset();
            });
        QTRY_VERIFY(!client);
        QTest::qWait(50);
        QCOMPARE(ran, 1);

        // From disconnected(), while pending commands are being failed.
        client = clientFor(redis.url());
        QSignalSpy connected(client.get(), &redis::Client::connected);
        client->start();
        QTRY_COMPARE(connected.size(), 1);
        connect(client.get(), &redis::Client::disconnected, this, [&] { client.reset(); });
        int failed = 0;
        client->command({"BLPOP", "nothing", "0"}, [&](const Reply &) { ++failed; });
        QTRY_VERIFY(redis.cli({QStringLiteral("INFO"), QStringLiteral("clients")})
                        .contains(QStringLiteral("blocked_clients:1")));
        redis.stop();
        QTRY_VERIFY(!client);
        QCOMPARE(failed, 1);

        // From a subscription's handler.
        QVERIFY(redis.start());
        client = clientFor(redis.url());
        QSignalSpy subscribed(client.get(), &redis::Client::subscribed);
        client->subscribe("obleth:bye", [&](const QByteArray &) { client.reset(); });
        client->start();
        QTRY_COMPARE(subscribed.size(), 1);
        redis.cli({QStringLiteral("PUBLISH"), QStringLiteral("obleth:bye"), QStringLiteral("1")});
        QTRY_VERIFY(!client);
    }

    void commandsBeforeStartFailFromTheEventLoop()
    {
        auto client = clientFor(QStringLiteral("redis://127.0.0.1:1"));
        bool answered = false;
        Reply reply;
        client->command({"PING"}, [&](const Reply &r) {
            reply = r;
            answered = true;
        });
        QVERIFY(!answered);
        QTRY_VERIFY(answered);
        QVERIFY(redis::Client::isConnectionError(reply));
    }

    void subscriptionsGetMessagesAndComeBackAfterARestart()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        auto client = clientFor(redis.url());
        QSignalSpy subscribed(client.get(), &redis::Client::subscribed);
        QList<QByteArray> messages;
        client->subscribe("obleth:test", [&](const QByteArray &payload) { messages << payload; });
        client->start();
        QTRY_COMPARE(subscribed.size(), 1);
        QCOMPARE(subscribed.at(0).at(0).toByteArray(), QByteArray("obleth:test"));
        QCOMPARE(redis.cli({QStringLiteral("PUBLISH"), QStringLiteral("obleth:test"), QStringLiteral("hello")}),
                 QStringLiteral("1"));
        QTRY_COMPARE(messages, QList<QByteArray>{"hello"});
        // Commands go on on their own connection meanwhile.
        QCOMPARE(call(*client, {"PING"}).text, QByteArray("PONG"));
        // A second channel on the open subscription.
        QList<QByteArray> others;
        client->subscribe("obleth:other", [&](const QByteArray &payload) { others << payload; });
        QTRY_COMPARE(subscribed.size(), 2);
        redis.cli({QStringLiteral("PUBLISH"), QStringLiteral("obleth:other"), QStringLiteral("x")});
        QTRY_COMPARE(others, QList<QByteArray>{"x"});

        redis.stop();
        QVERIFY2(redis.start(), qPrintable(redis.why()));
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.size(), 4, 5000); // both channels again
        redis.cli({QStringLiteral("PUBLISH"), QStringLiteral("obleth:test"), QStringLiteral("again")});
        QTRY_COMPARE(messages, (QList<QByteArray>{"hello", "again"}));
    }

    void aPasswordIsSentAndNeverShown()
    {
        test::RedisServer redis;
        OBLETH_REQUIRE_ENGINE(redis);
        QCOMPARE(redis.cli({QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("requirepass"),
                            QStringLiteral("s3cret-pw")}),
                 QStringLiteral("OK"));
        auto good = clientFor(QStringLiteral("redis://:s3cret-pw@127.0.0.1:%1/2").arg(redis.port()));
        good->start();
        QCOMPARE(call(*good, {"PING"}).text, QByteArray("PONG"));

        auto bad = clientFor(QStringLiteral("redis://:wrong-s3cret@127.0.0.1:%1").arg(redis.port()));
        QSignalSpy disconnected(bad.get(), &redis::Client::disconnected);
        bad->start();
        const Reply refused = call(*bad, {"PING"});
        QVERIFY(redis::Client::isConnectionError(refused));
        QVERIFY2(!refused.text.contains("s3cret"), refused.text.constData());
        QTRY_VERIFY(!disconnected.isEmpty());
        const QString why = disconnected.at(0).at(0).toString();
        QVERIFY2(why.contains(QStringLiteral("authentication failed")), qPrintable(why));
        QVERIFY(!why.contains(QStringLiteral("s3cret")));
        QVERIFY(!bad->isConnected());
    }
};

QTEST_GUILESS_MAIN(TestRedisClient)
#include "tst_redisclient.moc"
