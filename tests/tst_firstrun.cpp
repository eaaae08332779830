// A first start with no model: the Overview finds the local model servers and registers one's models in a click,
// then steps aside; "Connect your tools" hands out snippets that work as they are, with the first key or one made
// there. Real widgets (offscreen) on a real gateway and real local servers; snippets run with sh and curl.

#include "captureserver.h"
#include "guifixture.h"
#include "mockupstream.h"
#include "testhttp.h"
#include "ui/connectsnippets.h"
#include "ui/connecttoolscard.h"
#include "ui/firstrunpanel.h"
#include "ui/gatewaylink.h"
#include "ui/mainwindow.h"
#include "ui/overviewpage.h"
#include "ui/shellquote.h"
#include "ui/throughputchart.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTcpServer>
#include <QTest>

using namespace obleth;
using test::GuiFixture;

namespace {

constexpr int kCrossThread = 15'000; ///< deadline for anything that crosses to the gateway's thread and back
#ifdef Q_OS_WIN
constexpr bool kPosixShell = false; ///< the snippets are run by sh with curl: where both are sure to be at hand
#else
constexpr bool kPosixShell = true;
#endif

/// What `sh -c script` prints on its standard output (the environment given added), or why it failed.
struct ShellRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};
ShellRun runShell(const QString &script, const QMap<QString, QString> &environment = {})
{
    QProcess sh;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // The snippets talk to 127.0.0.1: never through a proxy the machine may have set.
    env.insert(QStringLiteral("no_proxy"), QStringLiteral("127.0.0.1,localhost"));
    env.insert(QStringLiteral("NO_PROXY"), QStringLiteral("127.0.0.1,localhost"));
    for (auto it = environment.cbegin(); it != environment.cend(); ++it)
        env.insert(it.key(), it.value());
    sh.setProcessEnvironment(env);
    sh.start(QStringLiteral("sh"), {QStringLiteral("-c"), script});
    ShellRun run;
    if (!sh.waitForFinished(30'000)) {
        sh.kill();
        sh.waitForFinished();
        run.err = "timed out";
        return run;
    }
    run.exitCode = sh.exitCode();
    run.out = sh.readAllStandardOutput();
    run.err = sh.readAllStandardError();
    return run;
}

/// The arguments a snippet passes to curl, with a stand-in curl that prints them one per line (NUL-free).
QStringList curlArguments(const QString &snippet)
{
    const ShellRun run
        = runShell(QStringLiteral("curl() { for a in \"$@\"; do printf '%s\\036' \"$a\"; done; }\n") + snippet);
    QStringList args = QString::fromUtf8(run.out).split(QChar(0x1e));
    if (!args.isEmpty() && args.last().isEmpty())
        args.removeLast();
    return args;
}

ui::ConnectSnippet snippetTitled(const QList<ui::ConnectSnippet> &snippets, const QString &title)
{
    for (const ui::ConnectSnippet &s : snippets) {
        if (s.title == title)
            return s;
    }
    return {};
}

/// A port nothing listens on.
quint16 closedPort()
{
    QTcpServer closed;
    closed.listen(QHostAddress::LocalHost);
    const quint16 port = closed.serverPort();
    closed.close();
    return port;
}

/// A local server that lists @p models at GET /v1/models.
QByteArray modelsResponse(const QStringList &models)
{
    QJsonArray data;
    for (const QString &m : models)
        data.append(QJsonObject{{QStringLiteral("id"), m}, {QStringLiteral("object"), QStringLiteral("model")}});
    const QByteArray body
        = QJsonDocument(QJsonObject{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}})
              .toJson(QJsonDocument::Compact);
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\n\r\n" + body;
}

QJsonObject storedModel(GuiFixture &f, const QString &name)
{
    for (const QJsonValue &v : f.admin("GET", "/api/v1/models").data()) {
        if (v.toObject().value(QStringLiteral("model_name")).toString() == name)
            return v.toObject();
    }
    return {};
}

/// The chat completion a curl snippet printed, checked for an answer.
bool answered(const ShellRun &run, QString *why)
{
    const QJsonObject answer = QJsonDocument::fromJson(run.out).object();
    const QString content = answer.value(QStringLiteral("choices"))
                                .toArray()
                                .first()
                                .toObject()
                                .value(QStringLiteral("message"))
                                .toObject()
                                .value(QStringLiteral("content"))
                                .toString();
    *why = QStringLiteral("exit %1, out %2, err %3")
               .arg(run.exitCode)
               .arg(QString::fromUtf8(run.out), QString::fromUtf8(run.err));
    return run.exitCode == 0 && answer.value(QStringLiteral("object")).toString() == QLatin1String("chat.completion")
        && !content.isEmpty();
}

} // namespace

class TestFirstRun : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    // --- the snippet builder ---

    void shellQuotingSurvivesTheShell_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("plain") << QStringLiteral("sk_0123abcd");
        QTest::newRow("single quote") << QStringLiteral("it's");
        QTest::newRow("only quotes") << QStringLiteral("''\"\"");
        QTest::newRow("expansions") << QStringLiteral("$HOME `id` $(id) \\n \\ !x *");
        QTest::newRow("spaces and tab") << QStringLiteral("a b\tc");
        QTest::newRow("newline") << QStringLiteral("line 1\nline 2");
        QTest::newRow("empty") << QString();
    }
    void shellQuotingSurvivesTheShell()
    {
        if (!kPosixShell)
            QSKIP("needs sh");
        QFETCH(QString, text);
        const ShellRun run = runShell(QStringLiteral("printf '%s' ") + ui::shellQuoted(text));
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(QString::fromUtf8(run.out), text);
    }

    void codeStringsReadBack_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("literal");
        QTest::newRow("plain") << QStringLiteral("http://127.0.0.1:8088/v1")
                               << QStringLiteral("\"http://127.0.0.1:8088/v1\"");
        QTest::newRow("double quote") << QStringLiteral("a\"b") << QStringLiteral("\"a\\\"b\"");
        QTest::newRow("backslash") << QStringLiteral("a\\b") << QStringLiteral("\"a\\\\b\"");
        QTest::newRow("single quote kept") << QStringLiteral("it's") << QStringLiteral("\"it's\"");
        QTest::newRow("newline and tab") << QStringLiteral("a\nb\tc") << QStringLiteral("\"a\\nb\\tc\"");
        QTest::newRow("control") << QStringLiteral("a") + QChar(0x01) << QStringLiteral("\"a\\u0001\"");
        QTest::newRow("line separator") << QString(QChar(0x2028)) << QStringLiteral("\"\\u2028\"");
        QTest::newRow("unicode kept") << QStringLiteral("modèle-ü") << QStringLiteral("\"modèle-ü\"");
    }
    void codeStringsReadBack()
    {
        QFETCH(QString, text);
        QFETCH(QString, literal);
        QCOMPARE(ui::codeString(text), literal);
        // JSON's string syntax is the common part of Python's, JavaScript's and TOML's: it reads back as it was.
        const QJsonArray back
            = QJsonDocument::fromJson((QLatin1Char('[') + literal + QLatin1Char(']')).toUtf8()).array();
        QCOMPARE(back.size(), 1);
        QCOMPARE(back.first().toString(), text);
    }

    void snippetsCarryUrlKeyAndModel()
    {
        if (!kPosixShell)
            QSKIP("needs sh");
        const QString key = QStringLiteral("sk_it's\"a$key");
        const QString model = QStringLiteral("my \"quoted\" model's");
        const QList<ui::ConnectSnippet> snippets
            = ui::connectSnippets(QStringLiteral("http://127.0.0.1:8088/"), key, model);
        QStringList titles;
        for (const ui::ConnectSnippet &s : snippets)
            titles << s.title;
        QCOMPARE(titles,
                 QStringList({QStringLiteral("curl"), QStringLiteral("OpenAI Python"), QStringLiteral("OpenAI Node"),
                              QStringLiteral("LangChain (Python)"), QStringLiteral("Claude Code"),
                              QStringLiteral("Codex")}));

        // curl gets its URL, key and body as the shell hands them over.
        const QStringList args = curlArguments(snippetTitled(snippets, QStringLiteral("curl")).text);
        QVERIFY2(args.contains(QStringLiteral("http://127.0.0.1:8088/v1/chat/completions")),
                 qPrintable(args.join(QLatin1Char('|'))));
        QVERIFY(args.contains(QStringLiteral("Authorization: Bearer ") + key));
        const int body = int(args.indexOf(QStringLiteral("-d")));
        QVERIFY(body >= 0 && body + 1 < args.size());
        QCOMPARE(QJsonDocument::fromJson(args.at(body + 1).toUtf8()).object().value(QStringLiteral("model")).toString(),
                 model);

        const QString python = snippetTitled(snippets, QStringLiteral("OpenAI Python")).text;
        QVERIFY2(python.contains(QStringLiteral("base_url=\"http://127.0.0.1:8088/v1\"")), qPrintable(python));
        QVERIFY(python.contains(QStringLiteral("api_key=\"sk_it's\\\"a$key\"")));
        QVERIFY(python.contains(QStringLiteral("model=\"my \\\"quoted\\\" model's\"")));
        const QString node = snippetTitled(snippets, QStringLiteral("OpenAI Node")).text;
        QVERIFY2(node.contains(QStringLiteral("baseURL: \"http://127.0.0.1:8088/v1\"")), qPrintable(node));
        QVERIFY(node.contains(QStringLiteral("apiKey: \"sk_it's\\\"a$key\"")));
        const QString langChain = snippetTitled(snippets, QStringLiteral("LangChain (Python)")).text;
        QVERIFY(langChain.contains(QStringLiteral("base_url=\"http://127.0.0.1:8088/v1\"")));
        QVERIFY(langChain.contains(QStringLiteral("api_key=\"sk_it's\\\"a$key\"")));

        // Claude Code: the data URL without /v1, the key as the auth token, the model; as the shell sets them.
        QString claude = snippetTitled(snippets, QStringLiteral("Claude Code")).text;
        QVERIFY(claude.endsWith(QStringLiteral("claude\n")));
        claude.chop(int(qstrlen("claude\n")));
        const ShellRun env = runShell(claude
                                      + QStringLiteral("printf '%s\\n%s\\n%s\\n%s' \"$ANTHROPIC_BASE_URL\" "
                                                       "\"$ANTHROPIC_AUTH_TOKEN\" \"$ANTHROPIC_MODEL\" "
                                                       "\"$ANTHROPIC_DEFAULT_HAIKU_MODEL\""));
        QCOMPARE(QString::fromUtf8(env.out).split(QLatin1Char('\n')),
                 QStringList({QStringLiteral("http://127.0.0.1:8088"), key, model, model}));

        const QString codex = snippetTitled(snippets, QStringLiteral("Codex")).text;
        QVERIFY(codex.contains(QStringLiteral("base_url = \"http://127.0.0.1:8088/v1\"")));
        QVERIFY(codex.contains(QStringLiteral("env_key = \"OBLETH_API_KEY\"")));
    }

    void withoutAKeySnippetsReadTheEnvironment()
    {
        if (!kPosixShell)
            QSKIP("needs sh");
        const QList<ui::ConnectSnippet> snippets
            = ui::connectSnippets(QStringLiteral("http://127.0.0.1:8088/v1"), QString(), QStringLiteral("mock-model"));
        const QStringList args = curlArguments(snippetTitled(snippets, QStringLiteral("curl")).text);
        QVERIFY(args.contains(QStringLiteral("http://127.0.0.1:8088/v1/chat/completions")));
        const ShellRun run = runShell(QStringLiteral("curl() { printf '%s\\n' \"$@\"; }\n")
                                          + snippetTitled(snippets, QStringLiteral("curl")).text,
                                      {{QStringLiteral("OBLETH_API_KEY"), QStringLiteral("sk_from_env")}});
        QVERIFY2(run.out.contains("Authorization: Bearer sk_from_env\n"), run.out.constData());
        QVERIFY(snippetTitled(snippets, QStringLiteral("OpenAI Python"))
                    .text.contains(QStringLiteral("api_key=os.environ[\"OBLETH_API_KEY\"]")));
        QVERIFY(snippetTitled(snippets, QStringLiteral("OpenAI Python")).text.contains(QStringLiteral("import os\n")));
        QVERIFY(snippetTitled(snippets, QStringLiteral("OpenAI Node"))
                    .text.contains(QStringLiteral("apiKey: process.env.OBLETH_API_KEY")));
        QVERIFY(snippetTitled(snippets, QStringLiteral("Claude Code"))
                    .text.contains(QStringLiteral("export ANTHROPIC_AUTH_TOKEN=\"$OBLETH_API_KEY\"")));
    }

    // --- the Overview on a first start ---

    void firstRunFindsLocalServersAndUsesOne()
    {
        test::MockUpstream mock;
        QVERIFY(mock.ok());
        test::CaptureServer many(
            modelsResponse({QStringLiteral("mock-model"), QStringLiteral("alpha"), QStringLiteral("beta")}));
        QVERIFY(many.isListening());
        GuiFixture f;
        QVERIFY(f.start());
        ui::OverviewPage *overview = f.app->window()->overviewPage();
        ui::FirstRunPanel *panel = overview->firstRun();
        // No model: the first-run panel leads, and has already looked for servers.
        QTRY_VERIFY_WITH_TIMEOUT(overview->isFirstRun(), kCrossThread);
        QVERIFY(!panel->isHidden());
        QVERIFY(panel->hasLooked());
        QTRY_VERIFY_WITH_TIMEOUT(panel->lookAgainButton()->isEnabled(), kCrossThread); // the usual ports answered

        panel->setDiscoveryPorts({{QStringLiteral("Mock"), mock.port()},
                                  {QStringLiteral("Many"), many.port()},
                                  {QStringLiteral("Nothing"), closedPort()}});
        QTest::mouseClick(panel->lookAgainButton(), Qt::LeftButton);
        QVERIFY(panel->isLooking());
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isLooking(), kCrossThread);
        const QStringList shown = panel->serversShown();
        QCOMPARE(shown.size(), 2);
        QCOMPARE(panel->useButtons().size(), 2);
        QVERIFY(panel->emptyState()->isHidden());
        const int mockRow = shown.first().startsWith(QStringLiteral("Mock")) ? 0 : 1;
        const QString mockBase = mock.url(QStringLiteral("/v1")).toString();
        QCOMPARE(shown.at(mockRow), QStringLiteral("Mock at %1: mock-model").arg(mockBase));
        QVERIFY2(shown.at(1 - mockRow).endsWith(QStringLiteral(": mock-model, alpha, beta")),
                 qPrintable(shown.at(1 - mockRow)));
        for (QPushButton *use : panel->useButtons())
            QVERIFY(!use->accessibleName().isEmpty());

        // "Use this" registers what the server serves; the panel then steps aside for the live view.
        QTest::mouseClick(panel->useButtons().at(mockRow), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!storedModel(f, QStringLiteral("mock-model")).isEmpty(), kCrossThread);
        QCOMPARE(storedModel(f, QStringLiteral("mock-model")).value(QStringLiteral("api_base")).toString(), mockBase);
        QTRY_VERIFY_WITH_TIMEOUT(!overview->isFirstRun(), kCrossThread);
        QVERIFY(panel->isHidden());
        QVERIFY(!overview->connectCard()->isHidden()); // "Connect your tools" stays
        QVERIFY(!overview->chart()->isHidden());

        // A server whose models are partly registered already: only the new ones are added (the panel is out of
        // sight by now; its button still answers, as it would to a click made just before the panel left).
        panel->useButtons().at(1 - mockRow)->click();
        QTRY_VERIFY_WITH_TIMEOUT(!storedModel(f, QStringLiteral("beta")).isEmpty(), kCrossThread);
        QTRY_VERIFY_WITH_TIMEOUT(panel->message()->text().contains(QStringLiteral("Registered 2 model(s)")),
                                 kCrossThread);
        QVERIFY2(panel->message()->text().contains(QStringLiteral("Skipped 1")), qPrintable(panel->message()->text()));
        QCOMPARE(f.admin("GET", "/api/v1/models").data().size(), 3);
        QCOMPARE(storedModel(f, QStringLiteral("mock-model")).value(QStringLiteral("api_base")).toString(), mockBase);
        QCOMPARE(storedModel(f, QStringLiteral("alpha")).value(QStringLiteral("api_base")).toString(),
                 QStringLiteral("http://127.0.0.1:%1/v1").arg(many.port()));

        // The snippets now name the registered model, with the first start's key; the curl one answers through the
        // gateway from the server just registered.
        ui::ConnectToolsCard *card = overview->connectCard();
        QTRY_COMPARE_WITH_TIMEOUT(card->modelChoice()->currentText(), QStringLiteral("mock-model"), kCrossThread);
        QCOMPARE(card->key().toLatin1(), f.firstKey);
        const QString curl = card->snippet(QStringLiteral("curl"));
        QVERIFY2(curl.contains(QStringLiteral("http://127.0.0.1:%1/v1/chat/completions").arg(f.dataPort)),
                 qPrintable(curl));
        QVERIFY(curl.contains(QString::fromLatin1(f.firstKey)));
        const QJsonObject before = mock.stats();
        QString why;
        QVERIFY2(!kPosixShell || answered(runShell(curl), &why), qPrintable(why));
        QVERIFY2(!kPosixShell || mock.stats() != before, "the answer came from the registered server");
    }

    void nothingFoundSaysWhatToDo()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::OverviewPage *overview = f.app->window()->overviewPage();
        ui::FirstRunPanel *panel = overview->firstRun();
        QTRY_VERIFY_WITH_TIMEOUT(overview->isFirstRun(), kCrossThread);
        QTRY_VERIFY_WITH_TIMEOUT(panel->lookAgainButton()->isEnabled(), kCrossThread);
        panel->setDiscoveryPorts({{QStringLiteral("Nothing"), closedPort()}});
        QTest::mouseClick(panel->lookAgainButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isLooking(), kCrossThread);
        QVERIFY(panel->useButtons().isEmpty());
        QVERIFY(!panel->emptyState()->isHidden());
        const QString advice = panel->emptyState()->text();
        QVERIFY2(advice.contains(QStringLiteral("ollama serve")), qPrintable(advice));
        QVERIFY(advice.contains(QStringLiteral("Models page")));
        QVERIFY(advice.contains(QStringLiteral("mock-model")));
        QVERIFY(advice.contains(QStringLiteral("Look again")));
        // Adding one by hand is a click away.
        QSignalSpy addByHand(overview, &ui::OverviewPage::addModelRequested);
        QTest::mouseClick(panel->addByHandButton(), Qt::LeftButton);
        QCOMPARE(addByHand.size(), 1);
        // Even with nothing found, mock-model answers the snippets as they are.
        ui::ConnectToolsCard *card = overview->connectCard();
        QCOMPARE(card->modelChoice()->currentText(), QStringLiteral("mock-model"));
        QString why;
        QVERIFY2(!kPosixShell || answered(runShell(card->snippet(QStringLiteral("curl"))), &why), qPrintable(why));
    }

    void snippetsAreCopiedAndTheNodeAndPythonOnesPointHere()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::ConnectToolsCard *card = f.app->window()->overviewPage()->connectCard();
        QTRY_COMPARE_WITH_TIMEOUT(card->key().toLatin1(), f.firstKey, kCrossThread);
        const QString v1 = QStringLiteral("http://127.0.0.1:%1/v1").arg(f.dataPort);
        const QString key = QString::fromLatin1(f.firstKey);
        QVERIFY(card->snippet(QStringLiteral("OpenAI Python"))
                    .contains(QStringLiteral("base_url=\"%1\", api_key=\"%2\"").arg(v1, key)));
        QVERIFY(card->snippet(QStringLiteral("OpenAI Node"))
                    .contains(QStringLiteral("baseURL: \"%1\", apiKey: \"%2\"").arg(v1, key)));
        QVERIFY(card->snippet(QStringLiteral("LangChain (Python)"))
                    .contains(QStringLiteral("base_url=\"%1\", api_key=\"%2\", model=\"mock-model\"").arg(v1, key)));
        QVERIFY(card->snippet(QStringLiteral("Claude Code"))
                    .contains(QStringLiteral("export ANTHROPIC_BASE_URL='http://127.0.0.1:%1'\n").arg(f.dataPort)));

        // The Claude Code variables reach the gateway's Messages API as Claude Code would use them.
        if (kPosixShell) {
            QString claude = card->snippet(QStringLiteral("Claude Code"));
            claude.chop(int(qstrlen("claude\n")));
            const ShellRun messages = runShell(
                claude
                + QStringLiteral("curl -s \"$ANTHROPIC_BASE_URL/v1/messages\" -H \"Authorization: Bearer "
                                 "$ANTHROPIC_AUTH_TOKEN\" -H 'Content-Type: application/json' -H 'anthropic-version: "
                                 "2023-06-01' -d \"{\\\"model\\\":\\\"$ANTHROPIC_MODEL\\\",\\\"max_tokens\\\":8,"
                                 "\\\"messages\\\":[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"hi\\\"}]}\""));
            QVERIFY2(QJsonDocument::fromJson(messages.out).object().value(QStringLiteral("type")).toString()
                         == QLatin1String("message"),
                     messages.out.constData());
        }

        // Copy puts the snippet shown on the clipboard.
        card->tabs()->setCurrentIndex(1);
        QTest::mouseClick(card->copyButton(), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), card->snippet(QStringLiteral("OpenAI Python")));
        QVERIFY(!card->copyButton()->accessibleName().isEmpty());
        QVERIFY(!card->createKeyButton()->accessibleName().isEmpty());
    }

    void createAKeyMakesOneThatWorksShownOnce()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::ConnectToolsCard *card = f.app->window()->overviewPage()->connectCard();
        QTRY_COMPARE_WITH_TIMEOUT(card->tenantChoice()->currentText(), QStringLiteral("default"), kCrossThread);
        QVERIFY(card->newKey()->isHidden());
        QTest::mouseClick(card->createKeyButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!card->newKey()->isHidden(), kCrossThread);
        const QString key = card->newKey()->text();
        QVERIFY(!key.isEmpty());
        QVERIFY(key.toLatin1() != f.firstKey);
        QCOMPARE(card->key(), key);
        QVERIFY(card->keyNote()->text().contains(QStringLiteral("cannot show it again")));
        const QString curl = card->snippet(QStringLiteral("curl"));
        QVERIFY(curl.contains(key));
        QString why;
        QVERIFY2(!kPosixShell || answered(runShell(curl), &why), qPrintable(why));
        // The default tenant has it; obleth keeps only its hash: the Management API never shows it again.
        const QString tenantId = f.tenant(QStringLiteral("default")).value(QStringLiteral("id")).toString();
        const test::Response keys = f.admin("GET", "/api/v1/tenants/" + tenantId.toLatin1() + "/keys");
        QCOMPARE(keys.status, 200);
        QCOMPARE(keys.data().size(), 2);
        QVERIFY(!keys.body.contains(key.toLatin1()));
    }

    void aCardWithoutAKeyReadsItFromTheEnvironment()
    {
        GuiFixture f;
        QVERIFY(f.start());
        QTRY_VERIFY_WITH_TIMEOUT(f.app->link()->isReady(), kCrossThread);
        // A card that was shown no key (as after a restart: the first key is shown only at the first start).
        ui::ConnectToolsCard card(f.app->link());
        QVERIFY(card.key().isEmpty());
        QVERIFY(card.keyNote()->text().contains(QStringLiteral("$OBLETH_API_KEY")));
        const QString curl = card.snippet(QStringLiteral("curl"));
        QVERIFY2(curl.contains(QStringLiteral("$OBLETH_API_KEY")), qPrintable(curl));
        QString why;
        QVERIFY2(!kPosixShell
                     || answered(runShell(curl, {{QStringLiteral("OBLETH_API_KEY"), QString::fromLatin1(f.firstKey)}}),
                                 &why),
                 qPrintable(why));
    }
};

QTEST_MAIN(TestFirstRun)
#include "tst_firstrun.moc"
