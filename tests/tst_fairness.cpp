// Fair-share admission end to end (contract section 3): a real gateway, real sockets, tenants that keep
// it saturated, and what each of them gets.

#include "gatewayfixture.h"
#include "http/messageparser.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTest>

using namespace obleth;
using test::GatewayFixture;

namespace {

/// One client that sends a request again as soon as the previous answer is complete, and records
/// when each 200 arrived.
class LoopClient final : public QObject
{
public:
    LoopClient(quint16 port, const QByteArray &request, const QElapsedTimer &clock, QList<qint64> *completions)
        : m_request(request)
        , m_clock(clock)
        , m_completions(completions)
        , m_parser(http::MessageParser::Kind::Response)
    {
        connect(&m_socket, &QTcpSocket::connected, this, [this] { m_socket.write(m_request); });
        connect(&m_socket, &QTcpSocket::readyRead, this, &LoopClient::onReadyRead);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }
    void stop() { m_stopped = true; }

private:
    void onReadyRead()
    {
        m_parser.append(m_socket.readAll());
        for (;;) {
            const auto event = m_parser.next();
            if (event == http::MessageParser::Event::Body) {
                m_parser.takeBody().clear();
            } else if (event == http::MessageParser::Event::Complete) {
                if (m_parser.status() == 200)
                    m_completions->append(m_clock.elapsed());
                m_parser.reset();
                if (!m_stopped)
                    m_socket.write(m_request);
            } else if (event != http::MessageParser::Event::Headers) {
                return;
            }
        }
    }

    QTcpSocket m_socket;
    QByteArray m_request;
    const QElapsedTimer &m_clock;
    QList<qint64> *m_completions;
    http::MessageParser m_parser;
    bool m_stopped = false;
};

QByteArray chat(const QByteArray &key)
{
    const QByteArray body = "{\"model\":\"mock-model\",\"max_tokens\":1}";
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key
        + "\r\nx-mock-latency-ms: 20\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

int countBetween(const QList<qint64> &times, qint64 from, qint64 to)
{
    return int(std::count_if(times.begin(), times.end(), [=](qint64 t) { return t >= from && t < to; }));
}

} // namespace

class TestFairness : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> gw;

    QByteArray tenantKey(const QString &name, int weight)
    {
        QString id;
        const QByteArray key = gw->addTenantKey(name, &id);
        const QByteArray body = "{\"weight\":" + QByteArray::number(weight) + "}";
        if (gw->admin("PATCH", "/api/v1/tenants/" + id.toLatin1() + "/weight", body).status != 200)
            return {};
        return key;
    }

private Q_SLOTS:
    void init()
    {
        gw = std::make_unique<GatewayFixture>();
        QVERIFY(gw->ok());
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":4}").status, 200);
    }
    void cleanup() { gw.reset(); }

    void queuedRequestsGetTheirTurn()
    {
        QElapsedTimer clock;
        clock.start();
        QList<qint64> done;
        std::vector<std::unique_ptr<LoopClient>> clients;
        for (int i = 0; i < 10; ++i)
            clients.push_back(std::make_unique<LoopClient>(gw->dataPort(), chat(gw->firstKey()), clock, &done));
        QTRY_VERIFY_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("queued")).toInt() > 0, 5000);
        const QJsonObject live = gw->admin("GET", "/api/v1/fairshare/live").json();
        QCOMPARE(live.value(QStringLiteral("in_flight")).toInt(), 4); // never more than the capacity
        QCOMPARE(gw->admin("GET", "/api/v1/status").json().value(QStringLiteral("queued")).toInt() > 0, true);
        for (auto &c : clients)
            c->stop();
        QTRY_VERIFY_WITH_TIMEOUT(done.size() >= 10, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 0, 5000);
    }

    /// A client that goes while its request waits for a permit gives up its place at once; it is never served,
    /// and the permit goes on to whoever waits next.
    void aClientLeavingTheQueueGivesUpItsPlace()
    {
        QCOMPARE(gw->admin("PUT", "/api/v1/capacity", "{\"max_in_flight\":1}").status, 200);
        const auto queued = [this] {
            return gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("queued")).toInt();
        };
        const auto send = [this](QTcpSocket &socket, int latencyMs) {
            const QByteArray body = "{\"model\":\"mock-model\",\"max_tokens\":1}";
            socket.connectToHost(QHostAddress::LocalHost, gw->dataPort());
            socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + gw->firstKey()
                         + "\r\nx-mock-latency-ms: " + QByteArray::number(latencyMs)
                         + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        };
        QTcpSocket holder; // holds the only permit for a while
        send(holder, 1500);
        QTRY_COMPARE_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 1, 5000);
        QTcpSocket leaving;
        send(leaving, 0);
        QTRY_COMPARE_WITH_TIMEOUT(queued(), 1, 5000);
        leaving.abort();
        QTRY_COMPARE_WITH_TIMEOUT(queued(), 0, 5000); // its place is given up, not kept until its turn

        QTcpSocket next;
        send(next, 0);
        QTRY_COMPARE_WITH_TIMEOUT(queued(), 1, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(holder.bytesAvailable() > 0, 10'000);
        QVERIFY(holder.readAll().startsWith("HTTP/1.1 200"));
        QTRY_VERIFY_WITH_TIMEOUT(next.bytesAvailable() > 0, 10'000); // the permit went on to it
        QVERIFY(next.readAll().startsWith("HTTP/1.1 200"));
        QTRY_COMPARE_WITH_TIMEOUT(
            gw->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("in_flight")).toInt(), 0, 5000);
    }

    void weightsOneToThreeThroughTheServer()
    {
        const QByteArray light = tenantKey(QStringLiteral("light"), 1);
        const QByteArray heavy = tenantKey(QStringLiteral("heavy"), 3);
        QVERIFY(!light.isEmpty() && !heavy.isEmpty());
        QElapsedTimer clock;
        clock.start();
        QList<qint64> lightDone;
        QList<qint64> heavyDone;
        std::vector<std::unique_ptr<LoopClient>> clients;
        for (int i = 0; i < 8; ++i) {
            clients.push_back(std::make_unique<LoopClient>(gw->dataPort(), chat(light), clock, &lightDone));
            clients.push_back(std::make_unique<LoopClient>(gw->dataPort(), chat(heavy), clock, &heavyDone));
        }
        QTRY_VERIFY_WITH_TIMEOUT(clock.elapsed() >= 12'000, 20'000); // 2 s to settle, then a 10 s window
        for (auto &c : clients)
            c->stop();
        const int l = countBetween(lightDone, 2000, 12'000);
        const int h = countBetween(heavyDone, 2000, 12'000);
        qInfo("completions over 10 s: heavy (weight 3) %d, light (weight 1) %d, ratio %.3f", h, l, double(h) / l);
        QVERIFY(l > 100);
        QVERIFY2(double(h) / l > 2.7 && double(h) / l < 3.3, qPrintable(QString::number(double(h) / l)));
    }

    void aLateTenantGetsItsShareWithinTwoSeconds()
    {
        const QByteArray flood = tenantKey(QStringLiteral("flood"), 100);
        const QByteArray late = tenantKey(QStringLiteral("late"), 100);
        QElapsedTimer clock;
        clock.start();
        QList<qint64> floodDone;
        QList<qint64> lateDone;
        std::vector<std::unique_ptr<LoopClient>> clients;
        for (int i = 0; i < 16; ++i)
            clients.push_back(std::make_unique<LoopClient>(gw->dataPort(), chat(flood), clock, &floodDone));
        QTRY_VERIFY_WITH_TIMEOUT(clock.elapsed() >= 3000, 10'000); // the flood has the gateway to itself
        const qint64 joined = clock.elapsed();
        for (int i = 0; i < 4; ++i)
            clients.push_back(std::make_unique<LoopClient>(gw->dataPort(), chat(late), clock, &lateDone));
        QTRY_VERIFY_WITH_TIMEOUT(clock.elapsed() >= joined + 4000, 10'000);
        for (auto &c : clients)
            c->stop();
        // Between 2 s and 4 s after joining, the late tenant has its equal share (half), though it has
        // four clients against sixteen.
        const int l = countBetween(lateDone, joined + 2000, joined + 4000);
        const int f = countBetween(floodDone, joined + 2000, joined + 4000);
        qInfo("2-4 s after joining: late %d, flood %d", l, f);
        QVERIFY(l > 0);
        QVERIFY2(double(l) / (l + f) > 0.4, qPrintable(QString::number(double(l) / (l + f))));
    }
};

QTEST_GUILESS_MAIN(TestFairness)
#include "tst_fairness.moc"
