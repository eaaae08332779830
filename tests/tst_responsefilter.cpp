// Response filters (http::ResponseFilter): an answer rewritten on its way to the client, whoever writes it, in the
// order of the stages, with the framing following what the filters made of it, and the taps seeing what the client
// gets. A real HttpServer on 127.0.0.1 port 0 in this process, with a small handler, and real client sockets.

#include "http/httphandler.h"
#include "http/httpresponder.h"
#include "http/httpserver.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QPointer>
#include <QTest>

#include <memory>

using namespace obleth;
using test::RawClient;

namespace {

/// Wraps every piece it is given in @p open and @p close, says @p last at the end, and (with @p dropLength) drops
/// Content-Length as a filter that changes the body's length must.
class WrappingFilter final : public http::ResponseFilter
{
public:
    WrappingFilter(QByteArray open, QByteArray close, QByteArray last, bool dropLength, int *bodies = nullptr)
        : m_open(std::move(open))
        , m_close(std::move(close))
        , m_last(std::move(last))
        , m_dropLength(dropLength)
        , m_bodies(bodies)
    { }
    void head(int &status, http::Headers &headers) override
    {
        if (status == 418)
            status = 200;
        if (m_dropLength)
            headers.remove("content-length");
        headers.add("x-filtered-by", m_open);
    }
    QByteArray body(const QByteArray &data) override
    {
        if (m_bodies)
            ++*m_bodies;
        return m_open + data + m_close;
    }
    QByteArray end() override { return m_last; }

private:
    QByteArray m_open;
    QByteArray m_close;
    QByteArray m_last;
    bool m_dropLength;
    int *m_bodies;
};

/// Holds everything until the end, then gives it back at once.
class HoldingFilter final : public http::ResponseFilter
{
public:
    void head(int &, http::Headers &headers) override { headers.remove("content-length"); }
    QByteArray body(const QByteArray &data) override
    {
        m_held += data;
        return {};
    }
    QByteArray end() override { return "held:" + std::exchange(m_held, {}); }

private:
    QByteArray m_held;
};

/// What a tap saw of the answer.
class BodyRecorder final : public http::ResponseTap
{
public:
    explicit BodyRecorder(QByteArray *seen)
        : m_seen(seen)
    { }
    void responseHead(int, http::Headers &) override { }
    void responseBody(const QByteArray &data) override { *m_seen += data; }
    void responseEnd(bool) override { }

private:
    QByteArray *m_seen;
};

/// Answers by the request's path: /send (one send()), /stream (three pieces), /teapot (418, which the wrapping
/// filter turns into 200); X-Filters lists the filters to set: "translate" a wrapping filter at Translate, "errors"
/// one at Errors, "hold" a holding filter at Translate, "late" a filter set after the answer started (ignored),
/// "removed" one set and then removed.
class FilteringHandler final : public http::HttpHandler
{
public:
    bool wantsBody(const http::HttpRequest &) const override { return true; }

    void handle(http::HttpRequest request, http::HttpResponder *responder) override
    {
        using Stage = http::HttpResponder::FilterStage;
        const QList<QByteArray> filters = request.headers.value("x-filters").split(',');
        if (filters.contains("translate"))
            responder->setFilter(Stage::Translate, std::make_unique<WrappingFilter>("<", ">", "[t-end]", true));
        if (filters.contains("errors")) {
            responder->setFilter(Stage::Errors,
                                 std::make_unique<WrappingFilter>("(", ")", "[e-end]", true, &errorBodies));
        }
        if (filters.contains("hold"))
            responder->setFilter(Stage::Translate, std::make_unique<HoldingFilter>());
        if (filters.contains("removed")) {
            responder->setFilter(Stage::Translate, std::make_unique<WrappingFilter>("!", "!", "!", true));
            responder->setFilter(Stage::Translate, nullptr);
        }
        seen.clear();
        responder->addTap(std::make_unique<BodyRecorder>(&seen));
        if (request.path == "/send")
            return responder->send(200, {}, "abc");
        if (request.path == "/teapot")
            return responder->send(418, {}, "tea");
        responder->beginStream(200, {});
        if (filters.contains("late"))
            responder->setFilter(Stage::Translate, std::make_unique<WrappingFilter>("?", "?", "?", true));
        for (const char *piece : {"one", "two", "three"})
            responder->writeChunk(QByteArray(piece));
        responder->endStream();
    }

    QByteArray seen; ///< what the tap saw of the last answer
    int errorBodies = 0; ///< pieces the Errors-stage filter was given
};

} // namespace

class TestResponseFilter : public QObject
{
    Q_OBJECT

private:
    FilteringHandler handler;
    std::unique_ptr<http::HttpServer> server;

    test::Response get(const QByteArray &path, const QByteArray &filters, const QByteArray &method = "GET")
    {
        return test::request(server->port(), method, path, test::headers({{"X-Filters", filters}}));
    }

private Q_SLOTS:
    void initTestCase()
    {
        server = std::make_unique<http::HttpServer>(&handler, http::ServerOptions{});
        QString error;
        QVERIFY2(server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    }

    void noFilterLeavesTheAnswerAlone()
    {
        const test::Response r = get("/send", "");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("abc"));
        QCOMPARE(r.headers.value("content-length"), QByteArray("3"));
        QVERIFY(!r.headers.contains("x-filtered-by"));
    }

    void aWholeAnswerIsRewrittenAndReframed()
    {
        // send() sets Content-Length; the filter changes the length and drops it: the answer goes chunked, and
        // the client reads the filtered body whole.
        const test::Response r = get("/send", "translate");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("<abc>[t-end]"));
        QVERIFY(!r.headers.contains("content-length"));
        QCOMPARE(r.headers.value("transfer-encoding"), QByteArray("chunked"));
        QCOMPARE(r.headers.value("x-filtered-by"), QByteArray("<"));
        QCOMPARE(handler.seen, r.body); // the taps see what the client gets
    }

    void aStreamIsRewrittenPieceByPiece()
    {
        RawClient client(server->port(), "GET /stream HTTP/1.1\r\nHost: t\r\nX-Filters: translate\r\n\r\n");
        // Each piece goes out as its own chunk, as the writer wrote it, and the filter's last words before the end.
        QTRY_VERIFY(client.received().endsWith("0\r\n\r\n"));
        const QByteArray raw = client.received();
        QVERIFY2(raw.contains("5\r\n<one>\r\n5\r\n<two>\r\n7\r\n<three>\r\n7\r\n[t-end]\r\n0\r\n\r\n"),
                 raw.constData());
    }

    void stagesRunInOrder()
    {
        // Translate first, then Errors; what Translate says at the end passes Errors as body, then Errors ends.
        const test::Response r = get("/stream", "translate,errors");
        QCOMPARE(r.body, QByteArray("(<one>)(<two>)(<three>)([t-end])[e-end]"));
        QCOMPARE(handler.seen, r.body);
        QCOMPARE(handler.errorBodies, 4);
    }

    void aFilterMayHoldTheWholeAnswer()
    {
        const test::Response r = get("/stream", "hold");
        QCOMPARE(r.body, QByteArray("held:onetwothree"));
        const test::Response both = get("/stream", "hold,errors");
        QCOMPARE(both.body, QByteArray("(held:onetwothree)[e-end]"));
    }

    void aFilterMayChangeTheStatus()
    {
        const test::Response r = get("/teapot", "translate");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("<tea>[t-end]"));
    }

    void headAnswersPassNoBodyThroughTheFilters()
    {
        handler.errorBodies = 0;
        const test::Response r = get("/send", "errors", "HEAD");
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(handler.errorBodies, 0);
    }

    void aFilterSetLateOrRemovedDoesNothing()
    {
        QCOMPARE(get("/stream", "late").body, QByteArray("onetwothree"));
        QCOMPARE(get("/stream", "removed").body, QByteArray("onetwothree"));
        QCOMPARE(get("/send", "removed").headers.value("content-length"), QByteArray("3"));
    }
};

QTEST_GUILESS_MAIN(TestResponseFilter)
#include "tst_responsefilter.moc"
