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
