// The Playground page chats through the gateway itself, as a client does: real widgets (offscreen) on a real
// gateway, the answers checked against the request log of the Management API. Also the stream reader on its own:
// split inputs, error bodies, a dropped connection.

#include "guifixture.h"
#include "mockupstream.h"
#include "testhttp.h"
#include "ui/chatbubble.h"
#include "ui/chatstream.h"
#include "ui/chatstreamparser.h"
#include "ui/mainwindow.h"
#include "ui/playgroundpage.h"
#include "ui/tables.h"

#include <QComboBox>
#include <QDeadlineTimer>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace obleth;
using test::GuiFixture;
using ui::ChatStreamEvent;

namespace {

constexpr int kCrossThreadMs = 15'000;

ui::PlaygroundPage *openPlayground(GuiFixture &f)
{
    ui::PlaygroundPage *page = f.app->window()->playgroundPage();
    f.app->window()->pages()->setCurrentWidget(page);
    return page;
}

/// Picks @p tenant and presses "Create a playground key"; @p key gets the key the page then holds.
bool makePlaygroundKey(ui::PlaygroundPage *page, const QString &tenant, QString *key = nullptr)
{
    if (!QTest::qWaitFor([&] { return page->tenantPicker()->findText(tenant) >= 0; }, kCrossThreadMs))
        return false;
    page->tenantPicker()->setCurrentIndex(page->tenantPicker()->findText(tenant));
    const QString before = page->keyEdit()->text();
    if (!QTest::qWaitFor([&] { return page->createKeyButton()->isEnabled(); }, kCrossThreadMs))
        return false;
    QTest::mouseClick(page->createKeyButton(), Qt::LeftButton);
    const bool made = QTest::qWaitFor(
        [&] {
            return !page->keyEdit()->text().isEmpty() && page->keyEdit()->text() != before
                && page->keyStatus()->text().contains(tenant);
        },
        kCrossThreadMs);
    if (key)
        *key = page->keyEdit()->text();
    return made;
}

void pickModel(ui::PlaygroundPage *page, const QString &name)
{
    page->modelPicker()->setCurrentText(name);
}

/// Types @p text into the message box and sends it with Ctrl+Enter.
void type(ui::PlaygroundPage *page, const QString &text)
{
    page->input()->setFocus();
    QTest::keyClicks(page->input(), text);
    QTest::keyClick(page->input(), Qt::Key_Return, Qt::ControlModifier);
}

/// The request log's row with id @p id, waiting (with a deadline) for the log to write it.
QJsonObject logRow(GuiFixture &f, const QByteArray &id)
{
    QJsonObject found;
    const QDeadlineTimer deadline(kCrossThreadMs);
    while (found.isEmpty() && !deadline.hasExpired()) {
        for (const QJsonValue &v : f.admin("GET", "/api/v1/requests?limit=50").data()) {
            if (v.toObject().value(QStringLiteral("id")).toString() == QString::fromLatin1(id))
                found = v.toObject();
        }
        if (found.isEmpty())
            QTest::qWait(50);
    }
    return found;
}

QList<QJsonObject> keysNamed(GuiFixture &f, const QString &tenantId, const QString &name)
{
    QList<QJsonObject> keys;
    for (const QJsonValue &v : f.admin("GET", "/api/v1/tenants/" + tenantId.toLatin1() + "/keys").data()) {
        if (v.toObject().value(QStringLiteral("name")).toString() == name)
            keys.append(v.toObject());
    }
    return keys;
}

QJsonArray messagesOf(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object().value(QStringLiteral("messages")).toArray();
}

/// A one-shot HTTP server: answers the first request with @p answer, then closes the connection.
class CannedServer
{
public:
    explicit CannedServer(QByteArray answer)
        : m_answer(std::move(answer))
    {
        m_server.listen(QHostAddress::LocalHost);
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            QTcpSocket *socket = m_server.nextPendingConnection();
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                m_request += socket->readAll();
                if (!m_request.contains("\r\n\r\n") || m_answered)
                    return;
                m_answered = true;
                socket->write(m_answer);
                socket->flush();
                socket->disconnectFromHost();
            });
        });
    }
    [[nodiscard]] QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1/v1/chat/completions").arg(m_server.serverPort()));
    }
    [[nodiscard]] const QByteArray &request() const { return m_request; }

private:
    QTcpServer m_server;
    QByteArray m_answer;
    QByteArray m_request;
    bool m_answered = false;
};

/// What a ChatStream said, gathered.
struct StreamOutcome
{
    QString text;
    int status = 0;
    QByteArray requestId;
    std::optional<ui::ChatStream::End> end;
    QString error;
    qint64 prompt = -1;
    qint64 completion = -1;
};

StreamOutcome runStream(const QUrl &url, const QByteArray &key)
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    ui::ChatStream stream(&network);
    StreamOutcome out;
    QObject::connect(&stream, &ui::ChatStream::answered, [&out](int status, const QByteArray &id, const QString &) {
        out.status = status;
        out.requestId = id;
    });
    QObject::connect(&stream, &ui::ChatStream::textArrived, [&out](const QString &t) { out.text += t; });
    QObject::connect(&stream, &ui::ChatStream::usageArrived, [&out](qint64 p, qint64 c) {
        out.prompt = p;
        out.completion = c;
    });
    QObject::connect(&stream, &ui::ChatStream::ended, [&out](ui::ChatStream::End end, const QString &error) {
        out.end = end;
        out.error = error;
    });
    stream.start(url, key, R"({"model":"m","messages":[],"stream":true})");
    (void)QTest::qWaitFor([&out] { return out.end.has_value(); }, kCrossThreadMs);
    return out;
}

} // namespace

class TestPlayground : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings go to a test location
    }

    // --- the stream reader on its own ---

    void parserReadsAStreamSplitAnywhere_data()
    {
        QTest::addColumn<QByteArray>("newline");
        QTest::newRow("LF") << QByteArray("\n");
        QTest::newRow("CRLF") << QByteArray("\r\n");
        QTest::newRow("CR") << QByteArray("\r");
    }

    void parserReadsAStreamSplitAnywhere()
    {
        QFETCH(QByteArray, newline);
        const QByteArray nl = newline;
        // A comment, a chunk whose text holds a multi-byte character, a chunk in two data lines, a finish reason, the
        // usage, something not JSON, then [DONE].
        const QByteArray stream = ": keep-alive" + nl
            + "data: {\"choices\":[{\"delta\":{\"content\":\"H\xc3\xa9llo\"}}]}" + nl + nl + "event: message" + nl
            + "data: {\"choices\":[{\"delta\":" + nl + "data: {\"content\":\" w\"}}]}" + nl + nl
            + "data:{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}" + nl + nl
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}" + nl + nl
            + "data: not json" + nl + nl + "data: [DONE]" + nl + nl;

        const auto summary = [](const QList<ChatStreamEvent> &events) {
            QStringList s;
            for (const ChatStreamEvent &e : events) {
                switch (e.kind) {
                case ChatStreamEvent::Kind::Text: s << QStringLiteral("text:") + e.text; break;
                case ChatStreamEvent::Kind::Usage:
                    s << QStringLiteral("usage:%1/%2").arg(e.promptTokens).arg(e.completionTokens);
                    break;
                case ChatStreamEvent::Kind::FinishReason: s << QStringLiteral("finish:") + e.text; break;
                case ChatStreamEvent::Kind::Error: s << QStringLiteral("error:") + e.text; break;
                case ChatStreamEvent::Kind::Done: s << QStringLiteral("done"); break;
                }
            }
            return s;
        };
        const QStringList expected{QStringLiteral("text:H\u00e9llo"), QStringLiteral("text: w"),
                                   QStringLiteral("finish:stop"), QStringLiteral("usage:7/2"), QStringLiteral("done")};

        // Whole, then cut at every byte into two pieces, then one byte at a time.
        for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
            ui::ChatStreamParser parser;
            QList<ChatStreamEvent> events = parser.feed(stream.first(cut));
            events += parser.feed(stream.sliced(cut));
            events += parser.finish();
            QCOMPARE(summary(events), expected);
            QVERIFY(parser.sawDone());
        }
        ui::ChatStreamParser parser;
        QList<ChatStreamEvent> events;
        for (const char c : stream)
            events += parser.feed(QByteArrayView(&c, 1));
        events += parser.finish();
        QCOMPARE(summary(events), expected);
    }

    void parserReadsErrorsAndAnUnendedLastEvent()
    {
        ui::ChatStreamParser parser;
        QList<ChatStreamEvent> events
            = parser.feed("data: {\"error\":{\"message\":\"upstream went away\",\"code\":\"upstream_error\"}}\n\n"
                          "data: {\"choices\":[{\"delta\":{\"content\":\"tail\"}}]}");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().kind, ChatStreamEvent::Kind::Error);
        QCOMPARE(events.first().text, QStringLiteral("upstream went away"));
        QCOMPARE(events.first().code, QStringLiteral("upstream_error"));
        events = parser.finish(); // the connection closed without a blank line: the last event still counts
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().text, QStringLiteral("tail"));
        QVERIFY(!parser.sawDone());
    }

    void streamShowsAnErrorBodyWithItsStatus()
    {
        const QByteArray error = R"({"error":{"message":"slow down","type":"rate_limit","code":"tokens_exceeded"}})";
        CannedServer server("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: "
                            + QByteArray::number(error.size()) + "\r\nConnection: close\r\n\r\n" + error);
        StreamOutcome out = runStream(server.url(), "sk_secret_never_shown");
        QVERIFY(out.end);
        QCOMPARE(out.status, 429);
        QCOMPARE(*out.end, ui::ChatStream::End::Failed);
        QVERIFY2(out.error.startsWith(QStringLiteral("429 Too Many Requests")), qPrintable(out.error));
        QVERIFY2(out.error.contains(QStringLiteral("slow down"))
                     && out.error.contains(QStringLiteral("tokens_exceeded")),
                 qPrintable(out.error));
        QVERIFY(!out.error.contains(QStringLiteral("sk_secret")));
        QVERIFY(server.request().contains("Authorization: Bearer sk_secret_never_shown"));
    }

    void streamSaysWhenTheConnectionDrops()
    {
        // A head and two chunks, then the connection closes mid-stream (no end chunk, no [DONE]).
        const auto chunk = [](const QByteArray &text) -> QByteArray {
            const QByteArray event = "data: {\"choices\":[{\"delta\":{\"content\":\"" + text + "\"}}]}\n\n";
            return QByteArray::number(event.size(), 16) + "\r\n" + event + "\r\n";
        };
        CannedServer server("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nx-obleth-request-id: req-1\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n"
                            + chunk("Hi") + chunk(" t"));
        StreamOutcome out = runStream(server.url(), "k");
        QVERIFY(out.end);
        QCOMPARE(out.status, 200);
        QCOMPARE(out.requestId, QByteArray("req-1"));
        QCOMPARE(out.text, QStringLiteral("Hi t")); // what came stays
        QCOMPARE(*out.end, ui::ChatStream::End::Failed);
        QVERIFY2(out.error.contains(QStringLiteral("closed")), qPrintable(out.error));
    }

    void streamSaysWhenNothingListens()
    {
        quint16 port = 0;
        {
            QTcpServer gone;
            QVERIFY(gone.listen(QHostAddress::LocalHost));
            port = gone.serverPort();
        }
        const StreamOutcome out
            = runStream(QUrl(QStringLiteral("http://127.0.0.1:%1/v1/chat/completions").arg(port)), "k");
        QVERIFY(out.end);
        QCOMPARE(*out.end, ui::ChatStream::End::Failed);
        QVERIFY2(out.error.startsWith(QStringLiteral("Could not reach the gateway")), qPrintable(out.error));
    }

    // --- the page on a real gateway ---

    void emptyStateThenAPlaygroundKey()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::PlaygroundPage *page = openPlayground(f);

        // Without a key the page says what to do, and cannot send.
        QTRY_VERIFY_WITH_TIMEOUT(page->emptyState()->isVisible()
                                     && page->emptyState()->text().contains(QStringLiteral("Create a playground key")),
                                 kCrossThreadMs);
        QVERIFY(!page->sendButton()->isEnabled());
        QVERIFY(!page->stopButton()->isEnabled());

        // Every control a person can operate has a name for screen readers (its own, or its label's).
        QHash<const QWidget *, QString> buddies;
        for (const QLabel *l : page->findChildren<QLabel *>()) {
            if (l->buddy())
                buddies.insert(l->buddy(), l->text());
        }
        for (const QWidget *w : page->findChildren<QWidget *>()) {
            if (w->focusPolicy() == Qt::NoFocus || !w->isVisibleTo(page) || qobject_cast<const QLabel *>(w)
                || w->parentWidget()->inherits("QAbstractSpinBox") || w->parentWidget()->inherits("QComboBox")
                || w->inherits("QScrollBar"))
                continue;
            QVERIFY2(!w->accessibleName().isEmpty() || buddies.contains(w), w->metaObject()->className());
        }

        // A playground key for the default tenant: made through the configuration services, shown by name only.
        const QString tenantId = f.tenant(QStringLiteral("default")).value(QStringLiteral("id")).toString();
        QString first;
        QVERIFY(makePlaygroundKey(page, QStringLiteral("default"), &first));
        QCOMPARE(keysNamed(f, tenantId, ui::PlaygroundPage::playgroundKeyName()).size(), 1);
        QVERIFY(page->keyStatus()->text().contains(QStringLiteral("made for this run")));
        QVERIFY(page->emptyState()->text().contains(QStringLiteral("Ctrl+Enter")));
        QVERIFY(page->sendButton()->isEnabled());
        QCOMPARE(page->keyEdit()->echoMode(), QLineEdit::Password);
        for (const QWidget *w : f.app->window()->findChildren<QWidget *>()) {
            const auto *label = qobject_cast<const QLabel *>(w);
            QVERIFY(!(label && label->text().contains(first)));
            QVERIFY(!w->toolTip().contains(first));
            QVERIFY(!w->accessibleName().contains(first) && !w->accessibleDescription().contains(first));
        }
        // It works on the data plane.
        QCOMPARE(
            test::postJson(f.dataPort, "/v1/chat/completions", first.toLatin1(), R"({"model":"mock-model"})").status,
            200);

        // A new one replaces it: the old one is removed, they do not pile up.
        QString second;
        QVERIFY(makePlaygroundKey(page, QStringLiteral("default"), &second));
        QVERIFY(second != first);
        QCOMPARE(keysNamed(f, tenantId, ui::PlaygroundPage::playgroundKeyName()).size(), 1);
        QCOMPARE(
            test::postJson(f.dataPort, "/v1/chat/completions", first.toLatin1(), R"({"model":"mock-model"})").status,
            401);
        QCOMPARE(
            test::postJson(f.dataPort, "/v1/chat/completions", second.toLatin1(), R"({"model":"mock-model"})").status,
            200);

        // A pasted key is named by what the gateway knows of it.
        page->keyEdit()->setText(QString::fromLatin1(f.firstKey));
        QVERIFY2(page->keyStatus()->text().contains(QStringLiteral("of tenant default")),
                 qPrintable(page->keyStatus()->text()));
        page->keyEdit()->setText(QStringLiteral("sk_not_a_key_the_gateway_knows"));
        QVERIFY(page->keyStatus()->text().contains(QStringLiteral("401")));
    }

    void anAnswerStreamsWithItsFiguresFromTheLog()
    {
        test::MockUpstream mock;
        QVERIFY(mock.ok());
        GuiFixture f;
        QVERIFY(f.start());
        QCOMPARE(f.admin("POST", "/api/v1/tenants", R"({"name":"playground-team"})").status, 201);
        const QByteArray model = "{\"model_name\":\"priced\",\"api_base\":\""
            + mock.url(QStringLiteral("/v1")).toString().toLatin1()
            + "\",\"input_cost_per_token\":0.000002,\"output_cost_per_token\":0.00001}";
        QCOMPARE(f.admin("POST", "/api/v1/models", model).status, 201);
        ui::PlaygroundPage *page = openPlayground(f);
        QVERIFY(makePlaygroundKey(page, QStringLiteral("playground-team")));
        QTRY_VERIFY_WITH_TIMEOUT(page->modelPicker()->findText(QStringLiteral("priced")) >= 0, kCrossThreadMs);
        QVERIFY(page->modelPicker()->findText(QStringLiteral("mock-model")) >= 0);
        pickModel(page, QStringLiteral("priced"));
        page->maxTokens()->setValue(12);
        page->setExtraHeaders({{"x-mock-chunk-delay-ms", "60"}}); // a paced stream

        type(page, QStringLiteral("tell me something short"));
        QVERIFY(page->isStreaming());
        QVERIFY(page->stopButton()->isEnabled() && !page->sendButton()->isEnabled());
        QVERIFY(page->input()->toPlainText().isEmpty());
        QCOMPARE(page->answerCount(), 1);

        // The text grows in several steps while the stream runs.
        QSet<qsizetype> lengths;
        const QDeadlineTimer deadline(30'000);
        while (page->isStreaming() && !deadline.hasExpired()) {
            const qsizetype length = page->answerBubble(0)->textLabel()->text().size();
            if (length > 0)
                lengths.insert(length);
            QTest::qWait(5);
        }
        QVERIFY(!page->isStreaming());
        const ui::PlaygroundPage::Answer &answer = page->answer(0);
        QVERIFY2(answer.error.isEmpty(), qPrintable(answer.error));
        QVERIFY2(lengths.size() >= 3, qPrintable(QString::number(lengths.size())));
        QCOMPARE(page->answerBubble(0)->textLabel()->text(), answer.text);
        QCOMPARE(answer.completionTokens, 12);

        // Time to first token and speed are shown.
        QVERIFY(answer.ttftMs >= 0);
        QVERIFY(answer.tokensPerSecond > 0);
        QVERIFY(page->answerBubble(0)->ttftLabel()->text().contains(QStringLiteral("ms")));
        QVERIFY(page->answerBubble(0)->speedLabel()->text().contains(QStringLiteral("tokens/s")));

        // Tokens and cost are the request log's row, which has the playground key's tenant.
        QTRY_VERIFY_WITH_TIMEOUT(page->answer(0).logged, kCrossThreadMs);
        const QJsonObject row = logRow(f, answer.requestId);
        QVERIFY2(!row.isEmpty(), answer.requestId.constData());
        QCOMPARE(row.value(QStringLiteral("tenant")).toString(), QStringLiteral("playground-team"));
        QCOMPARE(row.value(QStringLiteral("model")).toString(), QStringLiteral("priced"));
        QCOMPARE(row.value(QStringLiteral("status")).toInt(), 200);
        QVERIFY(row.value(QStringLiteral("streamed")).toBool());
        QCOMPARE(answer.promptTokens, qint64(row.value(QStringLiteral("prompt_tokens")).toDouble()));
        QCOMPARE(answer.completionTokens, qint64(row.value(QStringLiteral("completion_tokens")).toDouble()));
        QVERIFY(row.value(QStringLiteral("cost")).toDouble() > 0);
        QCOMPARE(*answer.cost, row.value(QStringLiteral("cost")).toDouble());
        QVERIFY(page->answerBubble(0)->tokensLabel()->text().contains(ui::countText(answer.promptTokens)));
        QVERIFY2(page->answerBubble(0)->costLabel()->text().contains(ui::moneyText(*answer.cost)),
                 qPrintable(page->answerBubble(0)->costLabel()->text()));
        QVERIFY(page->answerBubble(0)->outcomeLabel()->text().isEmpty()
                || answer.finishReason == QStringLiteral("length"));
    }

    void stopEndsTheStreamAndKeepsWhatCame()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::PlaygroundPage *page = openPlayground(f);
        QVERIFY(makePlaygroundKey(page, QStringLiteral("default")));
        pickModel(page, QStringLiteral("mock-model"));
        page->maxTokens()->setValue(40);
        page->setExtraHeaders({{"x-mock-chunk-delay-ms", "150"}});

        type(page, QStringLiteral("a long answer please"));
        QTRY_VERIFY_WITH_TIMEOUT(page->answer(0).text.split(QLatin1Char(' '), Qt::SkipEmptyParts).size() >= 2,
                                 kCrossThreadMs);
        QVERIFY(page->isStreaming());
        QTest::mouseClick(page->stopButton(), Qt::LeftButton);
        QVERIFY(!page->isStreaming());
        const QString partial = page->answer(0).text;
        QVERIFY(page->answer(0).stopped);
        QVERIFY(page->answerBubble(0)->outcomeLabel()->text().contains(QStringLiteral("Stopped")));
        QVERIFY(page->sendButton()->isEnabled() && !page->stopButton()->isEnabled());

        // The gateway logs the request; the partial answer stays as it was.
        const QJsonObject row = logRow(f, page->answer(0).requestId);
        QVERIFY(!row.isEmpty());
        QCOMPARE(row.value(QStringLiteral("model")).toString(), QStringLiteral("mock-model"));
        QVERIFY(qint64(row.value(QStringLiteral("completion_tokens")).toDouble()) < 40);
        QTRY_VERIFY_WITH_TIMEOUT(page->answer(0).logged, kCrossThreadMs);
        QCOMPARE(page->answer(0).text, partial);
        QCOMPARE(page->answerBubble(0)->textLabel()->text(), partial);
    }

    void errorsAreShownReadably()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::PlaygroundPage *page = openPlayground(f);
        QVERIFY(makePlaygroundKey(page, QStringLiteral("default")));

        pickModel(page, QStringLiteral("no-such-model"));
        type(page, QStringLiteral("hello?"));
        QTRY_VERIFY_WITH_TIMEOUT(!page->isStreaming(), kCrossThreadMs);
        const QString shown = page->answerBubble(0)->outcomeLabel()->text();
        QVERIFY2(shown.contains(QStringLiteral("404 Not Found")) && shown.contains(QStringLiteral("model_not_found")),
                 qPrintable(shown));
        QVERIFY(page->answer(0).text.isEmpty());

        // A key the gateway does not know: 401, said as such.
        page->keyEdit()->setText(QStringLiteral("sk_0000000000000000000000000000000000000000000000000"));
        pickModel(page, QStringLiteral("mock-model"));
        type(page, QStringLiteral("hello again"));
        QTRY_VERIFY_WITH_TIMEOUT(!page->isStreaming(), kCrossThreadMs);
        QVERIFY2(page->answer(1).error.startsWith(QStringLiteral("401")), qPrintable(page->answer(1).error));
        QVERIFY(!page->answer(1).error.contains(page->keyEdit()->text()));

        // Clear empties the conversation and shows what to do again.
        QTest::mouseClick(page->clearButton(), Qt::LeftButton);
        QCOMPARE(page->answerCount(), 0);
        QVERIFY(page->emptyState()->isVisible());
    }

    void aSecondTurnSendsTheHistory()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::PlaygroundPage *page = openPlayground(f);
        QVERIFY(makePlaygroundKey(page, QStringLiteral("default")));
        pickModel(page, QStringLiteral("mock-model"));
        page->systemPrompt()->setPlainText(QStringLiteral("Answer briefly."));
        page->temperature()->setValue(0.5);

        // A failed exchange is not part of the history.
        pickModel(page, QStringLiteral("no-such-model"));
        type(page, QStringLiteral("lost question"));
        QTRY_VERIFY_WITH_TIMEOUT(!page->isStreaming(), kCrossThreadMs);
        QVERIFY(!page->answer(0).error.isEmpty());

        pickModel(page, QStringLiteral("mock-model"));
        type(page, QStringLiteral("first question"));
        QTRY_VERIFY_WITH_TIMEOUT(!page->isStreaming(), kCrossThreadMs);
        QVERIFY2(page->answer(1).error.isEmpty(), qPrintable(page->answer(1).error));
        const QString firstAnswer = page->answer(1).text;
        QVERIFY(!firstAnswer.isEmpty());

        type(page, QStringLiteral("second question"));
        QTRY_VERIFY_WITH_TIMEOUT(!page->isStreaming(), kCrossThreadMs);
        QVERIFY(page->answer(2).error.isEmpty());
        const QJsonObject body = QJsonDocument::fromJson(page->lastRequestBody()).object();
        QCOMPARE(body.value(QStringLiteral("temperature")).toDouble(), 0.5);
        QVERIFY(body.value(QStringLiteral("stream")).toBool());
        QVERIFY(
            body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool());
        const QJsonArray messages = messagesOf(page->lastRequestBody());
        QCOMPARE(messages.size(), 4);
        const auto message = [&messages](int i) -> QString {
            const QJsonObject m = messages.at(i).toObject();
            return m.value(QStringLiteral("role")).toString() + QLatin1Char(':')
                + m.value(QStringLiteral("content")).toString();
        };
        QCOMPARE(message(0), QStringLiteral("system:Answer briefly."));
        QCOMPARE(message(1), QStringLiteral("user:first question"));
        QCOMPARE(message(2), QStringLiteral("assistant:") + firstAnswer);
        QCOMPARE(message(3), QStringLiteral("user:second question"));
        // The model got it: the second prompt is the longer by the first exchange.
        QTRY_VERIFY_WITH_TIMEOUT(page->answer(2).logged && page->answer(1).logged, kCrossThreadMs);
        QVERIFY(page->answer(2).promptTokens > page->answer(1).promptTokens);
    }
};

QTEST_MAIN(TestPlayground)
#include "tst_playground.moc"
