// The HTTP server under hostile clients: declared bodies that never come, heads refused before their
// body, trickling clients, the open-file limit, the connection cap and TLS. A real HttpServer on
// 127.0.0.1 port 0 in this process, with a small handler, and real client sockets.

#include "http/httphandler.h"
#include "http/httpresponder.h"
#include "http/httpserver.h"
#include "http/tlsconfig.h"
#include "openai/error.h"
#include "rawclient.h"
#include "sanitizers.h"
#include "testcertificate.h"
#include "testhttp.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QProcess>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

#ifdef Q_OS_LINUX
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

using namespace obleth;
using test::RawClient;

namespace {

using test::kMemoryIsMeaningful;

/// How a response ended, as a tap saw it.
struct EndSeen
{
    bool ended = false;
    bool complete = false;
};

class EndRecorder final : public http::ResponseTap
{
public:
    explicit EndRecorder(EndSeen *seen)
        : m_seen(seen)
    { }
    void responseHead(int, http::Headers &) override { }
    void responseBody(const QByteArray &) override { }
    void responseEnd(bool complete) override { *m_seen = {true, complete}; }

private:
    EndSeen *m_seen;
};

/// Answers 200 with the body's size; refuses (401) any request without X-Allow, on its head alone. A request with
/// X-Hold waits for its answer until release().
class TestHandler final : public http::HttpHandler
{
public:
    bool wantsBody(const http::HttpRequest &head) const override { return head.headers.contains("x-allow"); }

    void handle(http::HttpRequest request, http::HttpResponder *responder) override
    {
        if (!request.headers.contains("x-allow")) {
            openai::sendError(responder, 401, "invalid_api_key", QStringLiteral("no X-Allow"));
            return;
        }
        if (request.headers.contains("x-tap"))
            responder->addTap(std::make_unique<EndRecorder>(&end));
        if (request.headers.contains("x-stream")) { // 32 MiB at once, and the stream stays open
            responder->beginStream(200, {});
            responder->writeChunk(QByteArray(32 * 1024 * 1024, 'x'));
            streaming = responder;
            return;
        }
        const QByteArray answer = "got " + QByteArray::number(request.body.size());
        if (request.headers.contains("x-hold")) {
            held.emplace_back(responder, answer);
            return;
        }
        responder->send(200, {}, answer);
    }

    /// Answers the requests held so far.
    void release()
    {
        for (const auto &[responder, answer] : std::exchange(held, {})) {
            if (responder)
                responder->send(200, {}, answer);
        }
    }

    std::vector<std::pair<QPointer<http::HttpResponder>, QByteArray>> held;
    QPointer<http::HttpResponder> streaming; ///< the last X-Stream answer
    EndSeen end; ///< how the last X-Tap answer ended
};

/// A field of /proc/self/status in KiB (VmRSS, VmSize).
qint64 statusKiB(const QByteArray &field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(QByteArray(field + ':')))
            return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

QByteArray head(const QByteArray &extra)
{
    return "POST /upload HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

#ifdef Q_OS_LINUX
/// CPU time (user + system) this process has used, in ms.
qint64 cpuMs()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return qint64(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
}
#endif

} // namespace

class TestServerLimits : public QObject
{
    Q_OBJECT

private:
    TestHandler handler;
    QTemporaryDir tlsDir;
    QString certFile;
    QString keyFile;

    void requireTls()
    {
        if (const QString why = test::tlsUnavailableReason(); !why.isEmpty())
            QSKIP(qPrintable(why));
        if (certFile.isEmpty())
            QVERIFY(test::makeSelfSignedCertificate(tlsDir.path(), QStringLiteral("server"), &certFile, &keyFile));
    }

    /// Starts @p client's handshake with the test's server on @p port, trusting only the test's certificate; the
    /// caller waits for client.isEncrypted().
    void connectTls(QSslSocket &client, quint16 port) const
    {
        QSslConfiguration clientConfig = QSslConfiguration::defaultConfiguration();
        clientConfig.setCaCertificates(QSslCertificate::fromPath(certFile));
        client.setSslConfiguration(clientConfig);
        client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    }

    std::unique_ptr<http::HttpServer> start(http::ServerOptions options = {})
    {
        auto server = std::make_unique<http::HttpServer>(&handler, std::move(options));
        QString error;
        if (!server->listen(QHostAddress::LocalHost, 0, &error))
            qWarning() << error;
        return server;
    }

private Q_SLOTS:
    // A: a declared Content-Length costs nothing until the bytes arrive (it was reserved at once, so 42
    // keyless connections declaring 64 MiB each ended in std::bad_alloc under an address-space limit).
    void declaredLengthReservesNothing()
    {
#ifndef Q_OS_LINUX
        QSKIP("reads /proc");
#endif
        auto server = start();
        const qint64 sizeBefore = statusKiB("VmSize");
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 200; ++i) {
            clients.push_back(std::make_unique<RawClient>(
                server->port(), head("X-Allow: 1\r\nExpect: 100-continue\r\nContent-Length: 67108864\r\n")));
        }
        // 100 Continue says the server has read each head.
        for (const auto &c : clients)
            QTRY_VERIFY_WITH_TIMEOUT(c->received().contains("100 Continue"), 10'000);
        const qint64 grownKiB = statusKiB("VmSize") - sizeBefore;
        if (kMemoryIsMeaningful) {
            QVERIFY2(grownKiB < 256 * 1024, qPrintable(QStringLiteral("address space grew by %1 KiB").arg(grownKiB)));
        }
        // The bodies are still taken when they do come.
        clients.front()->send(QByteArray(64 * 1024 * 1024, 'x'));
        QTRY_VERIFY_WITH_TIMEOUT(clients.front()->received().contains("got 67108864"), 20'000);
    }

    // A: a head the handler refuses is answered at once, its body is never read, no 100 Continue.
    void refusedHeadIsAnsweredWithoutItsBody()
    {
#ifndef Q_OS_LINUX
        QSKIP("reads /proc");
#endif
        auto server = start();
        const qint64 rssBefore = statusKiB("VmRSS");
        const qint64 sizeBefore = statusKiB("VmSize");
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 200; ++i) {
            const QByteArray expect = i % 2 ? QByteArray("Expect: 100-continue\r\n") : QByteArray();
            clients.push_back(
                std::make_unique<RawClient>(server->port(), head(expect + "Content-Length: 67108864\r\n")));
        }
        for (const auto &c : clients) {
            QTRY_VERIFY_WITH_TIMEOUT(c->isClosed(), 10'000);
            QVERIFY2(c->received().startsWith("HTTP/1.1 401"), c->received().left(100).constData());
            QVERIFY(c->received().contains("\r\nConnection: close\r\n"));
            QVERIFY(!c->received().contains("100 Continue"));
        }
        if (kMemoryIsMeaningful) {
            const qint64 rssGrown = statusKiB("VmRSS") - rssBefore;
            const qint64 sizeGrown = statusKiB("VmSize") - sizeBefore;
            QVERIFY2(rssGrown < 8 * 1024, qPrintable(QStringLiteral("resident memory grew by %1 KiB").arg(rssGrown)));
            QVERIFY2(sizeGrown < 64 * 1024, qPrintable(QStringLiteral("address space grew by %1 KiB").arg(sizeGrown)));
        }
    }

    // A: a client that sends its body anyway still reads the answer (no reset under its feet).
    void refusedClientSendingItsBodyReadsTheAnswer()
    {
        auto server = start();
        RawClient client(server->port(), head("Content-Length: 4194304\r\n") + QByteArray(4 * 1024 * 1024, 'x'));
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("no X-Allow"), 5000);
        QVERIFY(client.received().startsWith("HTTP/1.1 401"));
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 5000);
        QCOMPARE(server->requestsInFlight(), 0);
    }

    // A: while a request is answered, the bytes pipelined after it are read only up to a bound; the rest waits in
    // the client's TCP window, not in the server's memory (the accepted socket was buffered by Qt after all, and its
    // buffer took all that came). Once the answer is out, they are read and served.
    void pipelinedBytesWaitWhileARequestIsAnswered()
    {
        auto server = start();
        constexpr qint64 kBody = 64 * 1024 * 1024;
        RawClient client(server->port(),
                         head("X-Allow: 1\r\nX-Hold: 1\r\nContent-Length: 0\r\n")
                             + head("X-Allow: 1\r\nContent-Length: " + QByteArray::number(kBody) + "\r\n")
                             + QByteArray(kBody, 'x'));
        QTRY_COMPARE_WITH_TIMEOUT(handler.held.size(), std::size_t(1), 5000);
        // The client writes as fast as the server takes its bytes: give it a moment to stall.
        QTest::qWait(500);
        QVERIFY2(client.socket().bytesToWrite() > kBody / 2,
                 qPrintable(QStringLiteral("the server took %1 bytes while answering")
                                .arg(kBody - client.socket().bytesToWrite())));
        QVERIFY(client.received().isEmpty());
        handler.release();
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains(QByteArray("got " + QByteArray::number(kBody))), 20'000);
        QVERIFY(client.received().startsWith("HTTP/1.1 200"));
        QCOMPARE(client.received().count("HTTP/1.1 200"), 2);
        QVERIFY(client.received().contains("got 0"));
        QVERIFY(!client.isClosed());
    }

    // C: a head trickled in a byte at a time (each byte used to restart the idle timer) is cut off a
    // fixed time after its first byte.
    void tricklingHeadGets408()
    {
        http::ServerOptions options;
        options.idleTimeoutMs = 300;
        options.headerTimeoutMs = 600;
        auto server = start(options);
        RawClient client(server->port());
        const QByteArray request = head("X-Allow: 1\r\n" + QByteArray(200, 'a') + ": b\r\n");
        qsizetype sent = 0;
        QTimer trickle;
        connect(&trickle, &QTimer::timeout, this, [&] {
            if (sent < request.size() && !client.isClosed())
                client.send(request.mid(sent++, 1));
        });
        trickle.start(50);
        QElapsedTimer elapsed;
        elapsed.start();
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 5000);
        QVERIFY2(client.received().startsWith("HTTP/1.1 408"), client.received().left(100).constData());
        QVERIFY(elapsed.elapsed() >= 500);
    }

    // C: a body must keep a minimum rate; an honest slow upload that keeps it passes.
    void tricklingBodyGets408()
    {
        http::ServerOptions options;
        options.bodyWindowMs = 300;
        options.minBodyBytesPerWindow = 1024;
        auto server = start(options);
        RawClient slow(server->port(), head("X-Allow: 1\r\nContent-Length: 100000\r\n"));
        RawClient steady(server->port(), head("X-Allow: 1\r\nContent-Length: 8192\r\n"));
        int ticks = 0;
        QTimer trickle;
        connect(&trickle, &QTimer::timeout, this, [&] {
            ++ticks;
            if (!slow.isClosed())
                slow.send("0123456789"); // 10 bytes every 100 ms, far below 1 KiB per 300 ms
            if (ticks <= 8)
                steady.send(QByteArray(1024, 's')); // 1 KiB every 100 ms
        });
        trickle.start(100);
        QTRY_VERIFY_WITH_TIMEOUT(slow.isClosed(), 5000);
        QVERIFY2(slow.received().startsWith("HTTP/1.1 408"), slow.received().left(100).constData());
        QTRY_VERIFY_WITH_TIMEOUT(steady.received().contains("got 8192"), 5000);
    }

    // C: between requests, a keep-alive connection may idle for idleTimeoutMs as before, however short
    // the head timeout is; then a new request has its own head deadline.
    void idleKeepAliveIsNotCutByTheHeadTimeout()
    {
        http::ServerOptions options;
        options.idleTimeoutMs = 3000;
        options.headerTimeoutMs = 300;
        auto server = start(options);
        RawClient client(server->port(), head("X-Allow: 1\r\nContent-Length: 2\r\n") + "hi");
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("got 2"), 5000);
        QTest::qWait(800); // idle, longer than the head timeout: nothing may happen
        QVERIFY(!client.isClosed());
        client.send(head("X-Allow: 1\r\nContent-Length: 3\r\n") + "abc");
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("got 3"), 5000);
        QVERIFY(!client.isClosed());
    }

    // C: a head that stops arriving is cut off after the idle time when that comes before the head's deadline.
    void stalledHeadGets408AfterTheIdleTime()
    {
        http::ServerOptions options;
        options.idleTimeoutMs = 300;
        options.headerTimeoutMs = 20'000;
        auto server = start(options);
        QElapsedTimer elapsed;
        elapsed.start();
        RawClient client(server->port(), "POST /upload HTTP/1.1\r\nHost: t\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 10'000);
        QVERIFY2(client.received().startsWith("HTTP/1.1 408"), client.received().left(100).constData());
        QVERIFY(client.received().contains("did not arrive in time"));
        QVERIFY(elapsed.elapsed() < options.headerTimeoutMs);
    }

    // C: one timer serves every deadline of a connection. When it fires for an earlier one (the head's, here,
    // which no longer applies once the head is in) it arms itself again for what is left of the idle time: the
    // idle connection is closed then, not before.
    void idleTimeFollowsAnEarlierDeadline()
    {
        http::ServerOptions options;
        options.idleTimeoutMs = 1500;
        options.headerTimeoutMs = 300;
        auto server = start(options);
        RawClient client(server->port(), "POST /upload HTTP/1.1\r\nHost: t\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(server->connectionCount(), qsizetype(1), 5000);
        QTest::qWait(50); // the first part is read on its own
        client.send("X-Allow: 1\r\nContent-Length: 2\r\n\r\nhi");
        QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("got 2"), 5000);
        QElapsedTimer idle;
        idle.start();
        QTest::qWait(700); // past the head's deadline: nothing may happen
        QVERIFY(!client.isClosed());
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), 5000);
        QVERIFY2(idle.elapsed() >= 1400, qPrintable(QString::number(idle.elapsed())));
        QCOMPARE(client.received().count("HTTP/1.1"), 1); // closed without a 408: it was idle
    }

    // B: past maxConnections new connections are closed at once; when one goes, a newcomer is served.
    void connectionCapClosesNewcomers()
    {
        http::ServerOptions options;
        options.maxConnections = 5;
        auto server = start(options);
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 5; ++i)
            clients.push_back(std::make_unique<RawClient>(server->port()));
        QTRY_COMPARE_WITH_TIMEOUT(server->connectionCount(), qsizetype(5), 5000);
        RawClient sixth(server->port(), head("X-Allow: 1\r\nContent-Length: 2\r\n") + "hi");
        QTRY_VERIFY_WITH_TIMEOUT(sixth.isClosed(), 3000);
        QVERIFY(sixth.received().isEmpty());
        for (const auto &c : clients)
            QVERIFY(!c->isClosed());
        clients.front()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(server->connectionCount(), qsizetype(4), 5000);
        RawClient next(server->port(), head("X-Allow: 1\r\nContent-Length: 2\r\n") + "hi");
        QTRY_VERIFY_WITH_TIMEOUT(next.received().contains("got 2"), 5000);
    }

    // The operator hears of the cap, but not once per client turned away: one warning names the listener and
    // the limit, and the next waits at least ten seconds.
    void connectionCapIsSaidOnceAWhile()
    {
        http::ServerOptions options;
        options.maxConnections = 1;
        auto server = start(options);
        static QStringList warnings;
        warnings.clear();
        const QtMessageHandler previous
            = qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &context, const QString &message) {
                  if (type == QtWarningMsg && qstrcmp(context.category, "obleth.http") == 0)
                      warnings.append(message);
              });
        struct Restore
        {
            QtMessageHandler handler;
            ~Restore() { qInstallMessageHandler(handler); }
        } restore{previous};
        RawClient first(server->port());
        QTRY_COMPARE_WITH_TIMEOUT(server->connectionCount(), qsizetype(1), 5000);
        std::vector<std::unique_ptr<RawClient>> turnedAway;
        for (int i = 0; i < 3; ++i) {
            turnedAway.push_back(std::make_unique<RawClient>(server->port()));
            QTRY_VERIFY_WITH_TIMEOUT(turnedAway.back()->isClosed(), 3000);
        }
        QCOMPARE(warnings.size(), 1);
        QVERIFY2(warnings.constFirst().contains(server->url())
                     && warnings.constFirst().contains(QLatin1String("limit of 1")),
                 qPrintable(warnings.constFirst()));
    }

    // B: at the open-file limit the server neither spins nor stops for good: it pauses accepting, keeps
    // answering the connections it has, turns the waiting ones away, and accepts again once descriptors
    // are free.
    void outOfDescriptorsPausesAccepting()
    {
#ifndef Q_OS_LINUX
        QSKIP("uses setrlimit and getrusage");
#else
        // The sanitizers' runtime itself needs descriptors (UBSan checks a pointer by writing it to a
        // pipe) and reports false errors when there are none.
        if (!kMemoryIsMeaningful)
            QSKIP("the sanitizers need free descriptors themselves");
        auto server = start();
        RawClient keep(server->port(), head("X-Allow: 1\r\nContent-Length: 2\r\n") + "hi");
        QTRY_VERIFY_WITH_TIMEOUT(keep.received().contains("got 2"), 5000);

        // Lower the soft limit a little above the highest descriptor in use, and fill what is left.
        int highest = 0;
        for (const QString &name : QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System))
            highest = std::max(highest, name.toInt());
        rlimit saved{};
        QCOMPARE(getrlimit(RLIMIT_NOFILE, &saved), 0);
        struct Restore
        {
            rlimit limit;
            std::vector<int> fillers;
            ~Restore()
            {
                for (int fd : fillers)
                    ::close(fd);
                setrlimit(RLIMIT_NOFILE, &limit);
            }
        } restore{saved, {}};
        rlimit low = saved;
        low.rlim_cur = rlim_t(highest + 40);
        QCOMPARE(setrlimit(RLIMIT_NOFILE, &low), 0);
        for (;;) {
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                break;
            restore.fillers.push_back(fd);
        }
        QVERIFY(restore.fillers.size() > 10);

        // Four clients take the last four descriptors: the server has none left to accept them with.
        for (int i = 0; i < 4; ++i) {
            ::close(restore.fillers.back());
            restore.fillers.pop_back();
        }
        std::vector<std::unique_ptr<RawClient>> waiting;
        for (int i = 0; i < 4; ++i)
            waiting.push_back(
                std::make_unique<RawClient>(server->port(), head("X-Allow: 1\r\nContent-Length: 2\r\n") + "hi"));

        const qint64 cpuBefore = cpuMs();
        QElapsedTimer wall;
        wall.start();
        QTest::qWait(1000);
        const qint64 cpuUsed = cpuMs() - cpuBefore;
        QVERIFY2(cpuUsed < wall.elapsed() / 4,
                 qPrintable(QStringLiteral("%1 ms of CPU in %2 ms").arg(cpuUsed).arg(wall.elapsed())));

        // The waiting clients were turned away rather than left hanging.
        for (const auto &c : waiting)
            QTRY_VERIFY_WITH_TIMEOUT(c->isClosed(), 2000);

        // The connection it has still gets answers.
        keep.send(head("X-Allow: 1\r\nContent-Length: 3\r\n") + "abc");
        QTRY_VERIFY_WITH_TIMEOUT(keep.received().contains("got 3"), 5000);

        // Once descriptors are free again, new connections are served.
        for (int fd : restore.fillers)
            ::close(fd);
        restore.fillers.clear();
        RawClient later(server->port(), head("X-Allow: 1\r\nContent-Length: 2\r\n") + "hi");
        QTRY_VERIFY_WITH_TIMEOUT(later.received().contains("got 2"), 5000);
#endif
    }

    // A client that stops reading an answer is closed once it has taken none of it for the send timeout, and the
    // answer's work hears that it went away (an upstream stream would be cut, its permit given back).
    void clientThatStopsReadingIsClosedAfterTheSendTimeout()
    {
        http::ServerOptions options;
        options.sendTimeoutMs = 500;
        auto server = start(options);
        QTcpSocket client;
        client.setReadBufferSize(1024); // reads (almost) nothing: the kernel's buffers fill, then the server's
        bool gone = false;
        client.connectToHost(QHostAddress::LocalHost, server->port());
        QVERIFY(client.waitForConnected(5000));
        client.write("GET /x HTTP/1.1\r\nHost: t\r\nX-Allow: 1\r\nX-Stream: 1\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(handler.streaming, 5000);
        connect(handler.streaming, &http::HttpResponder::clientGone, this, [&gone] { gone = true; });
        QElapsedTimer clock;
        clock.start();
        QTRY_VERIFY_WITH_TIMEOUT(gone, 10'000);
        QVERIFY2(clock.elapsed() >= 400, qPrintable(QString::number(clock.elapsed()))); // not before its time
        // Reading what the kernel still held, the client finds the connection closed, the answer not ended.
        client.setReadBufferSize(0);
        QByteArray received;
        connect(&client, &QTcpSocket::readyRead, this, [&] { received += client.readAll(); });
        received += client.readAll();
        QTRY_VERIFY_WITH_TIMEOUT(client.state() == QAbstractSocket::UnconnectedState, 10'000);
        QVERIFY(received.size() < 32 * 1024 * 1024);
    }

#ifdef Q_OS_LINUX
    // An answer whose write fails (the client reset the connection before it was sent) is not called complete:
    // the request log and the usage meter hear that the client never got it.
    void answerTheClientNeverGotIsNotComplete()
    {
        auto server = start();
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server->port());
        QVERIFY(client.waitForConnected(5000));
        client.write("GET /x HTTP/1.1\r\nHost: t\r\nX-Allow: 1\r\nX-Hold: 1\r\nX-Tap: 1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(handler.held.size(), size_t(1), 5000);
        // A reset, not a close: the kernel refuses the server's next write to this connection.
        const linger reset{1, 0};
        QCOMPARE(::setsockopt(int(client.socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset, sizeof reset), 0);
        client.abort();
        handler.release(); // at once: the server's read has not yet heard of the reset, its write does
        QTRY_VERIFY_WITH_TIMEOUT(handler.end.ended, 5000);
        QVERIFY(!handler.end.complete);
    }
#endif

    // E: over TLS a GET gets its answer; the client trusts only the test's own certificate.
    void tlsRequestIsAnswered()
    {
        requireTls();
        http::ServerOptions options;
        QSslConfiguration tls;
        QString error;
        QVERIFY2(http::loadTlsConfiguration(certFile, keyFile, &tls, &error), qPrintable(error));
        options.tls = tls;
        auto server = start(options);

        QSslSocket client;
        QByteArray received;
        connect(&client, &QSslSocket::readyRead, this, [&] { received += client.readAll(); });
        connectTls(client, server->port());
        QTRY_VERIFY_WITH_TIMEOUT(client.isEncrypted(), 10'000);
        client.write("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Allow: 1\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(received.contains("got 0"), 5000);
        QVERIFY(received.startsWith("HTTP/1.1 200"));
        // Keep-alive works over TLS too, with a body.
        client.write("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Allow: 1\r\nContent-Length: 5\r\n\r\nhello");
        QTRY_VERIFY_WITH_TIMEOUT(received.contains("got 5"), 5000);
    }

    // E: over TLS too (a buffered socket, held to a bound while an answer is under way) the bytes pipelined behind
    // an answer are read and served once it is out.
    void tlsPipelinedBytesAreServedAfterTheAnswer()
    {
        requireTls();
        http::ServerOptions options;
        QSslConfiguration tls;
        QVERIFY(http::loadTlsConfiguration(certFile, keyFile, &tls, nullptr));
        options.tls = tls;
        auto server = start(options);

        QSslSocket client;
        QByteArray received;
        connect(&client, &QSslSocket::readyRead, this, [&] { received += client.readAll(); });
        connectTls(client, server->port());
        QTRY_VERIFY_WITH_TIMEOUT(client.isEncrypted(), 10'000);
        constexpr qint64 kBody = 32 * 1024 * 1024;
        client.write("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Allow: 1\r\nX-Hold: 1\r\n\r\n"
                     "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Allow: 1\r\nContent-Length: "
                     + QByteArray::number(kBody) + "\r\n\r\n" + QByteArray(kBody, 'x'));
        QTRY_COMPARE_WITH_TIMEOUT(handler.held.size(), std::size_t(1), 5000);
        QTest::qWait(300);
        const qint64 unsent = client.encryptedBytesToWrite() + client.bytesToWrite();
        QVERIFY2(unsent > kBody / 2,
                 qPrintable(QStringLiteral("the server took %1 bytes while answering").arg(kBody - unsent)));
        handler.release();
        QTRY_VERIFY_WITH_TIMEOUT(received.contains(QByteArray("got " + QByteArray::number(kBody))), 20'000);
        QVERIFY(received.contains("got 0"));
    }

    // E: a plain-HTTP client on the TLS port is closed without an answer, and one that never starts its
    // handshake is closed after the head timeout; the server goes on serving.
    void tlsPortClosesClientsWithoutTls()
    {
        requireTls();
        http::ServerOptions options;
        options.headerTimeoutMs = 300;
        QSslConfiguration tls;
        QVERIFY(http::loadTlsConfiguration(certFile, keyFile, &tls, nullptr));
        options.tls = tls;
        auto server = start(options);

        RawClient plain(server->port(), "GET /x HTTP/1.1\r\nHost: t\r\nX-Allow: 1\r\n\r\n");
        RawClient silent(server->port());
        QTRY_VERIFY_WITH_TIMEOUT(plain.isClosed(), 5000);
        QVERIFY(!plain.received().contains("got"));
        QTRY_VERIFY_WITH_TIMEOUT(silent.isClosed(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(server->connectionCount(), qsizetype(0), 5000);

        QSslSocket client;
        connectTls(client, server->port());
        QTRY_VERIFY_WITH_TIMEOUT(client.isEncrypted(), 10'000);
    }

    // E: a bad certificate or key is a one-line error naming the file.
    void badTlsFilesAreNamed()
    {
        requireTls();
        QSslConfiguration tls;
        QString error;
        const QString missing = tlsDir.filePath(QStringLiteral("missing.pem"));
        QVERIFY(!http::loadTlsConfiguration(missing, keyFile, &tls, &error));
        QVERIFY2(error.contains(missing) && !error.contains(QLatin1Char('\n')), qPrintable(error));

        const QString garbage = tlsDir.filePath(QStringLiteral("garbage.pem"));
        QFile g(garbage);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("not a certificate\n");
        g.close();
        QVERIFY(!http::loadTlsConfiguration(garbage, keyFile, &tls, &error));
        QVERIFY2(error.contains(garbage), qPrintable(error));
        QVERIFY(!http::loadTlsConfiguration(certFile, garbage, &tls, &error));
        QVERIFY2(error.contains(garbage), qPrintable(error));
        QVERIFY(!http::loadTlsConfiguration(certFile, certFile, &tls, &error)); // a certificate is no key
        QVERIFY2(error.contains(certFile), qPrintable(error));

        QString otherCert;
        QString otherKey;
        QVERIFY(test::makeSelfSignedCertificate(tlsDir.path(), QStringLiteral("other"), &otherCert, &otherKey));
        QVERIFY(!http::loadTlsConfiguration(certFile, otherKey, &tls, &error));
        QVERIFY2(error.contains(otherKey) && error.contains(QStringLiteral("does not match")), qPrintable(error));
        QVERIFY(!error.contains(QStringLiteral("PRIVATE")));
    }
};

QTEST_GUILESS_MAIN(TestServerLimits)
#include "tst_serverlimits.moc"
