// http::BasicRouter: method and path-pattern matching, as the Management API and the data plane use it.

#include "http/router.h"

#include <QTest>

using namespace obleth;

namespace {
http::HttpRequest requestFor(const QByteArray &method, const QByteArray &target)
{
    http::HttpRequest r;
    r.method = method;
    r.setTarget(target);
    return r;
}
} // namespace

class TestRouter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void patterns()
    {
        const auto split = [](const char *path) { return QString::fromLatin1(path).mid(1).split(QLatin1Char('/')); };
        http::PathParams params;
        QVERIFY(http::matchPattern(split("/v1/models"), split("/v1/models"), &params));
        QVERIFY(!http::matchPattern(split("/v1/models"), split("/v1/models/x"), &params));
        QVERIFY(http::matchPattern(split("/v1/models/{name}"), split("/v1/models/a b"), &params));
        QCOMPARE(params.value(QStringLiteral("name")), QStringLiteral("a b"));
        QVERIFY(!http::matchPattern(split("/v1/models/{name}"), split("/v1/models/"), &params));
        params.clear();
        QVERIFY(http::matchPattern(split("/mcp/{path...}"), split("/mcp/srv/x/y"), &params));
        QCOMPARE(params.value(QStringLiteral("path")), QStringLiteral("srv/x/y"));
        QVERIFY(http::matchPattern(split("/mcp/{path...}"), split("/mcp/srv"), &params));
        QVERIFY(!http::matchPattern(split("/mcp/{path...}"), split("/mcp"), &params));
        QVERIFY(!http::matchPattern(split("/mcp/{path...}"), split("/other/srv"), &params));
    }

    // The router matches request paths as bytes (PathSegments, PathPattern) and must decide as splitPath() and
    // matchPattern() do, escapes, trailing slashes, dot segments and parameters included.
    void bytesMatchAsStrings_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QByteArray>("path");
        const QStringList patterns{QStringLiteral("/"),
                                   QStringLiteral("/v1/models"),
                                   QStringLiteral("/v1/models/{name}"),
                                   QStringLiteral("/mcp/{path...}"),
                                   QStringLiteral("/api/v1/tenants/{id}/keys"),
                                   QStringLiteral("/caf\u00e9/{x}")};
        const QList<QByteArray> paths{"/",
                                      "//",
                                      "/v1/models",
                                      "/v1/models/",
                                      "/v1/models//",
                                      "/v1//models",
                                      "/v1/%6Dodels",
                                      "/v1/models/a%20b",
                                      "/v1/models/a%2Fb",
                                      "/v1/models/%00",
                                      "/v1/models/%2e%2E",
                                      "/v1/models/.",
                                      "/v1/models/x/..",
                                      "/v1/models/%C3%A9t%C3%A9",
                                      "/v1/models/\xff\xfe",
                                      "/v1/models/gpt-4o:mini;x=1",
                                      "/mcp",
                                      "/mcp/",
                                      "/mcp/srv",
                                      "/mcp/srv/",
                                      "/mcp/srv/x/y",
                                      "/mcp//x",
                                      "/mcp/a%2Fb/c",
                                      "/mcp/a%252F/c%3F",
                                      "/api/v1/tenants/t1/keys",
                                      "/api/v1/tenants//keys",
                                      "/api/v1/tenants/t1/keys/",
                                      "/caf%C3%A9/1",
                                      "/caf\xc3\xa9/1",
                                      "v1/models",
                                      ""};
        for (const QString &pattern : patterns) {
            for (const QByteArray &path : paths)
                QTest::addRow("%s %s", qPrintable(pattern), path.toPercentEncoding("/%").constData())
                    << pattern << path;
        }
    }
    void bytesMatchAsStrings()
    {
        QFETCH(QString, pattern);
        QFETCH(QByteArray, path);
        QStringList segments;
        http::PathParams expected;
        const bool splits = http::splitPath(path, &segments);
        const bool expectMatch
            = splits && http::matchPattern(pattern.mid(1).split(QLatin1Char('/')), segments, &expected);

        http::PathSegments bytes;
        QCOMPARE(bytes.split(path), splits);
        const http::PathPattern compiled(pattern);
        QCOMPARE(splits && compiled.matches(bytes), expectMatch);
        if (expectMatch)
            QCOMPARE(compiled.capture(bytes), expected);
    }

    void methods()
    {
        QVERIFY(http::methodMatches("GET", "GET"));
        QVERIFY(http::methodMatches("GET", "HEAD"));
        QVERIFY(!http::methodMatches("POST", "HEAD"));
        QVERIFY(!http::methodMatches("GET", "POST"));
        QVERIFY(http::methodMatches("*", "DELETE"));
    }

    void firstAddedFirstMatched()
    {
        http::BasicRouter<int> router;
        router.add("POST", QStringLiteral("/v1/chat/completions"), 1);
        router.add("*", QStringLiteral("/v1/chat/completions"), 2);
        router.add("GET", QStringLiteral("/v1/models"), 3);
        const http::BasicRouter<int>::Route *route = nullptr;
        http::PathParams params;
        QByteArrayList allowed;
        using Match = http::BasicRouter<int>::Match;
        QCOMPARE(router.match(requestFor("POST", "/v1/chat/completions"), &route, &params, &allowed), Match::Found);
        QCOMPARE(route->handler, 1);
        QCOMPARE(router.match(requestFor("GET", "/v1/chat/completions?x=1"), &route, &params, &allowed), Match::Found);
        QCOMPARE(route->handler, 2);
        QCOMPARE(router.match(requestFor("HEAD", "/v1/models"), &route, &params, &allowed), Match::Found);
        QCOMPARE(route->handler, 3);
        allowed.clear();
        QCOMPARE(router.match(requestFor("POST", "/v1/models"), &route, &params, &allowed), Match::NoMethod);
        QCOMPARE(allowed, QByteArrayList{"GET"});
        QCOMPARE(router.match(requestFor("GET", "/v2/models"), &route, &params, nullptr), Match::NoPath);
        QCOMPARE(router.match(requestFor("GET", "/v1/../v1/models"), &route, &params, nullptr), Match::NoPath);
    }
};

QTEST_GUILESS_MAIN(TestRouter)
#include "tst_router.moc"
