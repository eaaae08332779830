// The HTTP/1.x parser both listeners and the upstream client stand on.

#include "http/messageparser.h"

#include <QElapsedTimer>
#include <QTest>

#include <limits>

using obleth::http::MessageParser;
using Event = MessageParser::Event;

namespace {
struct Parsed
{
    Event last = Event::NeedMore;
    QByteArray method, target, body;
    int status = 0;
    int errorStatus = 0;
    int messages = 0;
};

Parsed feed(MessageParser::Kind kind, const QList<QByteArray> &pieces, MessageParser::Limits limits = {})
{
    MessageParser p(kind, limits);
    Parsed out;
    for (const QByteArray &piece : pieces) {
        p.append(piece);
        for (;;) {
            out.last = p.next();
            if (out.last == Event::Headers) {
                out.method = p.method();
                out.target = p.target();
                out.status = p.status();
            } else if (out.last == Event::Body) {
                out.body += p.takeBody();
            } else if (out.last == Event::Complete) {
                ++out.messages;
                p.reset();
            } else if (out.last == Event::Error) {
                out.errorStatus = p.errorStatus();
                return out;
            } else {
                break;
            }
        }
    }
    return out;
}
} // namespace

class TestMessageParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validRequests_data()
    {
        QTest::addColumn<QList<QByteArray>>("pieces");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("get") << QList<QByteArray>{"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"} << QByteArray("GET")
                             << QByteArray("/health") << QByteArray();
        QTest::newRow("post with length, split everywhere")
            << QList<QByteArray>{"PO", "ST /v1/x?a=1 HTTP/1.1\r", "\nHost: x\r\nContent-Length: 5\r\n", "\r\nhel", "lo"}
            << QByteArray("POST") << QByteArray("/v1/x?a=1") << QByteArray("hello");
        QTest::newRow("chunked with extension and trailer")
            << QList<QByteArray>{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                 "chunked\r\n\r\n3;x=y\r\nabc\r\n2 ; y\r\nde\r\n0\r\nT: 1\r\n\r\n"}
            << QByteArray("POST") << QByteArray("/") << QByteArray("abcde");
        QTest::newRow("bare LF line ends")
            << QList<QByteArray>{"GET / HTTP/1.0\nA: b\n\n"} << QByteArray("GET") << QByteArray("/") << QByteArray();
        QTest::newRow("upper-case hex chunk size, leading zeros")
            << QList<QByteArray>{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                 "chunked\r\n\r\n00A\r\n0123456789\r\n0\r\n\r\n"}
            << QByteArray("POST") << QByteArray("/") << QByteArray("0123456789");
        QTest::newRow("http/1.0 without host")
            << QList<QByteArray>{"GET / HTTP/1.0\r\n\r\n"} << QByteArray("GET") << QByteArray("/") << QByteArray();
        QTest::newRow("leading empty line") << QList<QByteArray>{"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"}
                                            << QByteArray("GET") << QByteArray("/") << QByteArray();
    }
    void validRequests()
    {
        QFETCH(QList<QByteArray>, pieces);
        const Parsed p = feed(MessageParser::Kind::Request, pieces);
        QCOMPARE(p.messages, 1);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, body);
        QCOMPARE(p.method, method);
        QCOMPARE(p.target, target);
        QCOMPARE(p.body, body);
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status");
        QTest::newRow("garbage") << QByteArray("hello\r\n\r\n") << 400;
        QTest::newRow("no version") << QByteArray("GET /\r\n\r\n") << 400;
        QTest::newRow("http/2") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505;
        QTest::newRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n") << 400;
        QTest::newRow("space in header name") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n") << 400;
        QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n  c\r\n\r\n") << 400;
        QTest::newRow("control char in value") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n") << 400;
        QTest::newRow("bad content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n") << 400;
        QTest::newRow("negative content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n") << 400;
        QTest::newRow("two different lengths")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") << 400;
        QTest::newRow("te and cl (smuggling)")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
            << 400;
        QTest::newRow("unknown coding") << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
                                        << 501;
        QTest::newRow("huge content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 209715200\r\n\r\n") << 413;
        QTest::newRow("absurd content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n") << 400;
        QTest::newRow("bad chunk size") << QByteArray(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                        << 400;
        QTest::newRow("overlong header") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: " + QByteArray(70'000, 'a')
                                                       + "\r\n\r\n")
                                         << 431;
        QTest::newRow("overlong target") << QByteArray("GET /" + QByteArray(20'000, 'a')
                                                       + " HTTP/1.1\r\nHost: x\r\n\r\n")
                                         << 414;
    }
    // RFC 9112 strictness: what one parser reads one way and another parser another way.
    void strictFraming_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status");
        const QByteArray chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        QTest::newRow("chunk size 0x3b") << QByteArray(chunked + "0x3b\r\n") << 400;
        QTest::newRow("chunk size +3b") << QByteArray(chunked + "+3b\r\n") << 400;
        QTest::newRow("chunk size -1") << QByteArray(chunked + "-1\r\n") << 400;
        QTest::newRow("chunk size leading space") << QByteArray(chunked + " 3b\r\n") << 400;
        QTest::newRow("chunk size trailing space") << QByteArray(chunked + "3b \r\n") << 400;
        QTest::newRow("chunk size trailing tab") << QByteArray(chunked + "3b\t\r\n") << 400;
        QTest::newRow("chunk size non-hex") << QByteArray(chunked + "3g\r\n") << 400;
        QTest::newRow("chunk size empty") << QByteArray(chunked + "\r\n") << 400;
        QTest::newRow("chunk size 16 hex digits") << QByteArray(chunked + "0000000000000001\r\n") << 400;
        QTest::newRow("chunk size overflow") << QByteArray(chunked + "fffffffffffffffff\r\n") << 400;
        QTest::newRow("bare CR in chunk size") << QByteArray(chunked + "3\rb\r\n") << 400;
        QTest::newRow("control char in chunk extension") << QByteArray(chunked + "3;a=\x01\r\n") << 400;
        QTest::newRow("control char in trailer") << QByteArray(chunked + "1\r\na\r\n0\r\nT: \x01\r\n\r\n") << 400;
        QTest::newRow("no host in HTTP/1.1") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("two hosts") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
        QTest::newRow("two hosts in HTTP/1.0") << QByteArray("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("bare CR in header value")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: b\rC: d\r\n\r\n") << 400;
        QTest::newRow("bare CR in header name") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA\rB: d\r\n\r\n") << 400;
        QTest::newRow("bare CR in request line") << QByteArray("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
        QTest::newRow("NUL in header value")
            << QByteArray(QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: b") + '\0' + "c\r\n\r\n") << 400;
        QTest::newRow("NUL in header name")
            << QByteArray(QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA") + '\0' + ": c\r\n\r\n") << 400;
    }
    void strictFraming()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        const Parsed p = feed(MessageParser::Kind::Request, {raw});
        QCOMPARE(p.last, Event::Error);
        QCOMPARE(p.errorStatus, status);
    }

    // A body in 200,000 one-byte chunks is taken correctly and quickly, and never held twice.
    void keepsNothingOnceAMessageIsDone()
    {
        // A pooled upstream connection keeps its parser while it waits in the pool (and a keep-alive client
        // connection between requests): a finished message must not leave the last read held there.
        MessageParser::Limits limits;
        limits.maxBodyBytes = std::numeric_limits<qint64>::max();
        MessageParser parser(MessageParser::Kind::Response, limits);
        parser.append("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + QByteArray(1 << 20, 'x'));
        qint64 body = 0;
        for (bool done = false; !done;) {
            switch (parser.next()) {
            case MessageParser::Event::Headers: (void)parser.takeHeaders(); break;
            case MessageParser::Event::Body: body += parser.takeBody().size(); break;
            case MessageParser::Event::Complete: done = true; break;
            case MessageParser::Event::NeedMore:
            case MessageParser::Event::Error: QFAIL("the message did not parse"); break;
            }
        }
        QCOMPARE(body, qint64(1 << 20));
        parser.reset();
        QCOMPARE(parser.bufferedBytes(), qsizetype(0));
        QVERIFY2(parser.retainedBytes() < 4096, qPrintable(QString::number(parser.retainedBytes())));
    }

    void manyTinyChunks()
    {
        QByteArray raw = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 200'000; ++i)
            raw += "1\r\nz\r\n";
        raw += "0\r\n\r\n";
        QList<QByteArray> pieces;
        for (qsizetype at = 0; at < raw.size(); at += 4096)
            pieces.append(raw.mid(at, 4096));
        QElapsedTimer t;
        t.start();
        const Parsed p = feed(MessageParser::Kind::Request, pieces);
        QCOMPARE(p.messages, 1);
        QCOMPARE(p.body, QByteArray(200'000, 'z'));
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
    }

    void rejects()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        const Parsed p = feed(MessageParser::Kind::Request, {raw});
        QCOMPARE(p.last, Event::Error);
        QCOMPARE(p.errorStatus, status);
    }

    void chunkedBodyOverTheLimitIsCut()
    {
        MessageParser::Limits limits;
        limits.maxBodyBytes = 10;
        const Parsed p = feed(
            MessageParser::Kind::Request,
            {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n"},
            limits);
        QCOMPARE(p.errorStatus, 413);
    }

    void pipelinedRequestsAreSeparated()
    {
        const Parsed p
            = feed(MessageParser::Kind::Request,
                   {"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nxyGET /b HTTP/1.1\r\nHost: x\r\n\r\n"});
        QCOMPARE(p.messages, 2);
        QCOMPARE(p.target, QByteArray("/b"));
        QCOMPARE(p.body, QByteArray("xy"));
    }

    void responseBodiesAreFramed()
    {
        Parsed p = feed(MessageParser::Kind::Response, {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"});
        QCOMPARE(p.status, 200);
        QCOMPARE(p.body, QByteArray("abc"));
        QCOMPARE(p.messages, 1);
        p = feed(MessageParser::Kind::Response, {"HTTP/1.1 204 No Content\r\n\r\n"});
        QCOMPARE(p.messages, 1);

        MessageParser close(MessageParser::Kind::Response);
        close.append("HTTP/1.0 200 OK\r\n\r\nuntil the end");
        QCOMPARE(close.next(), Event::Headers);
        QVERIFY(close.isCloseDelimited());
        QCOMPARE(close.next(), Event::Body);
        QCOMPARE(close.takeBody(), QByteArray("until the end"));
        QCOMPARE(close.next(), Event::NeedMore);
        QCOMPARE(close.finishAtEof(), Event::Complete);
    }

    void malformedUpstreamIs502()
    {
        const Parsed p = feed(MessageParser::Kind::Response, {"SSH-2.0-OpenSSH\r\n\r\n"});
        QCOMPARE(p.errorStatus, 502);
    }
};

QTEST_GUILESS_MAIN(TestMessageParser)
#include "tst_messageparser.moc"
