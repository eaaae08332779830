// Takes the README's screenshots: every page of the main window in the light and the dark theme (NAME.png and
// NAME-dark.png: overview, models, tenants, playground, usage, mcp, requests, settings), the first run's Overview
// (firstrun.png: a fresh gateway, no model, a local server found), the model dialog (model-dialog.png) and the tray
// menu (tray-menu.png, desktop.png where there is a tray), with a real gateway, the mock upstream and some traffic.
// Run by scripts/screenshots.sh (under Xvfb with trayer as the tray host when they are installed, offscreen
// otherwise). Not a test: it only writes PNG files.
//   screenshots OUTPUT_DIR

#include "config/configservices.h"
#include "gateway/gatewaythread.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "testhttp.h"
#include "ui/gatewaylink.h"
#include "ui/guiapp.h"
#include "ui/mainwindow.h"
#include "ui/modeldialog.h"
#include "ui/modelspage.h"
#include "ui/palettes.h"
#include "ui/playgroundpage.h"
#include "ui/requestspage.h"
#include "ui/trayicon.h"

// Pages of other branches, scripted through their accessors where they exist (this file builds before and after).
#if __has_include("ui/firstrunpanel.h")
#include "ui/firstrunpanel.h"
#include "ui/overviewpage.h"
#define OBLETH_FIRST_RUN_PANEL 1
#endif
#if __has_include("ui/chatstream.h")
#define OBLETH_PLAYGROUND_ACCESSORS 1
#endif

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <memory>

using namespace obleth;

namespace {
const QByteArray kAdmin = "screenshot-admin-token-000000001";

void wait(int ms)
{
    QTest::qWait(ms);
}

void say(const QString &line)
{
    std::fprintf(stderr, "screenshots: %s\n", qPrintable(line));
}

/// Waits up to @p ms for @p done, letting the event loop run.
template<typename Done> bool waitFor(Done done, int ms)
{
    for (int waited = 0; waited < ms && !done(); waited += 100)
        wait(100);
    return done();
}

QString fileName(const QString &name, ui::Theme theme)
{
    return name + (theme == ui::Theme::Dark ? QStringLiteral("-dark.png") : QStringLiteral(".png"));
}

/// Asks the Playground page for an answer from @p model with @p key; false when it could not be asked.
#if OBLETH_PLAYGROUND_ACCESSORS
bool askPlayground(ui::PlaygroundPage *page, const QString &model, const QByteArray &key, const QString &prompt)
{
    page->keyEdit()->setText(QString::fromLatin1(key));
    if (!waitFor([page, &model] { return page->modelPicker()->findText(model) >= 0; }, 5000))
        return false;
    page->modelPicker()->setCurrentIndex(page->modelPicker()->findText(model));
    page->input()->setPlainText(prompt);
    QTest::mouseClick(page->sendButton(), Qt::LeftButton);
    waitFor([page] { return page->answerCount() > 0 && !page->isStreaming(); }, 15'000);
    wait(1000); // the request log's tokens and cost
    return page->answerCount() > 0;
}
#else
// Before the playground's controls had accessors: they are found by kind (the combo box offering the model, the
// last editable text field, the button saying "Send").
bool askPlayground(ui::PlaygroundPage *page, const QString &model, const QByteArray &, const QString &prompt)
{
    bool picked = false;
    for (QComboBox *box : page->findChildren<QComboBox *>()) {
        if (const int i = box->findText(model, Qt::MatchContains); i >= 0) {
            box->setCurrentIndex(i);
            picked = true;
            break;
        }
    }
    const QList<QPlainTextEdit *> edits = page->findChildren<QPlainTextEdit *>();
    QPlainTextEdit *input = nullptr;
    for (QPlainTextEdit *edit : edits) {
        if (!edit->isReadOnly())
            input = edit;
    }
    for (QPushButton *button : page->findChildren<QPushButton *>()) {
        if (picked && input
            && button->text().remove(QLatin1Char('&')).startsWith(QLatin1String("Send"), Qt::CaseInsensitive)) {
            input->setPlainText(prompt);
            QTest::mouseClick(button, Qt::LeftButton);
            wait(4000);
            return true;
        }
    }
    return false;
}
#endif
} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("obleth-screenshots"));
    QSettings().clear(); // no window geometry, page or theme from an earlier run
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("docs/screenshots");
    QDir().mkpath(out);
    const auto save = [&out](QWidget *widget, const QString &file) {
        if (!widget->grab().save(QDir(out).filePath(file)))
            say(QStringLiteral("could not write %1").arg(file));
    };

    // A local server for the first run to find: the mock upstream, on Ollama's port where it is free.
    auto localServer = std::make_unique<test::MockUpstream>(quint16(11434));
    if (!localServer->ok())
        localServer = std::make_unique<test::MockUpstream>();
    test::MockUpstream mock;
    QTemporaryDir dir;
    gateway::GatewayOptions options;
    options.dataPort = 0;
    options.adminPort = 0;
    options.dataDir = dir.path();
    options.adminToken = QString::fromLatin1(kAdmin);
    gateway::GatewayThread gw(options);
    ui::GuiApp gui(&gw);
    ui::applyTheme(ui::Theme::Light);
    QSignalSpy started(&gw, &gateway::GatewayThread::started);
    gw.start();
    if (!mock.ok() || !started.wait(10'000)) {
        say(QStringLiteral("the gateway or the mock upstream did not start"));
        return 1;
    }
    const quint16 data = quint16(QUrl(started.first().at(0).toString()).port());
    const quint16 adminPort = quint16(QUrl(started.first().at(1).toString()).port());
    const QByteArray key = started.first().at(2).toString().toLatin1();
    const auto admin = [adminPort](const QByteArray &method, const QByteArray &path, const QByteArray &body) {
        return test::request(
            adminPort, method, path,
            test::headers({{"Authorization", "Bearer " + kAdmin}, {"Content-Type", "application/json"}}), body);
    };
    waitFor([&gui] { return gui.link()->isReady(); }, 5000);

    ui::MainWindow *window = gui.window();
    window->resize(1100, 700);
    window->show();

    // The first run: nothing registered yet; the Overview shows what discovery found (a few seconds to look).
    window->pages()->setCurrentWidget(window->page(QStringLiteral("overview")));
#if OBLETH_FIRST_RUN_PANEL
    ui::FirstRunPanel *firstRun = window->overviewPage()->firstRun();
    firstRun->setDiscoveryPorts({{QStringLiteral("Ollama"), localServer->port()}});
    firstRun->lookAgain();
    waitFor([firstRun] { return firstRun->hasLooked() && !firstRun->isLooking(); }, 5000);
    wait(500);
#else
    wait(4000);
#endif
    for (const ui::Theme theme : {ui::Theme::Light, ui::Theme::Dark}) {
        ui::applyTheme(theme);
        wait(500);
        save(window, fileName(QStringLiteral("firstrun"), theme));
    }
    ui::applyTheme(ui::Theme::Light);

    const QByteArray base = mock.url(QStringLiteral("/v1")).toString().toLatin1();
    admin("POST", "/api/v1/models",
          "{\"model_name\":\"gpt-4o-mini\",\"upstream_model\":\"mock-model\",\"api_base\":\"" + base
              + "\",\"api_key\":\"sk-upstream\",\"input_cost_per_token\":0.00000015,\"output_cost_per_token\":0."
                "0000006}");
    admin("POST", "/api/v1/models",
          "{\"model_name\":\"llama3\",\"upstream_model\":\"mock-model\",\"api_base\":\"" + base
              + "\",\"cache_enabled\":true,\"max_concurrency\":4}");
    // llama3 gets a second deployment (whose server is not running: its health shows it), a fallback and auto
    // routing, through the services the window uses.
    bool routed = false;
    gui.link()->change(
        [](config::ConfigServices &c) {
            const auto snapshot = c.live.snapshot();
            const model::ModelConfig *found = snapshot->findModel(QStringLiteral("llama3"));
            if (!found)
                return config::Problem::notFound(QStringLiteral("llama3 was not registered"));
            const model::ModelConfig llama = *found;
            config::DeploymentPatch second;
            second.apiBase = QStringLiteral("http://127.0.0.1:9/v1");
            second.upstreamModel = QStringLiteral("llama3:8b");
            second.maxConcurrency = std::optional<qint64>(2);
            if (config::Problem p = c.models.addDeployment(llama.id, second); !p.ok())
                return p;
            config::DeploymentPatch first;
            first.weight = 3;
            if (config::Problem p = c.models.updateDeployment(llama.id, llama.deployments.value(0).id, first); !p.ok())
                return p;
            config::ModelPatch routing;
            routing.fallbacks = QStringList{QStringLiteral("gpt-4o-mini")};
            routing.autoRoute = true;
            return c.models.update(llama.id, routing);
        },
        &gui,
        [&routed](const config::Problem &p) {
            routed = true;
            if (!p.ok())
                say(p.message);
        });
    waitFor([&routed] { return routed; }, 5000);
    // Two more tenants, each with a key, so that the Usage page has several rows.
    QList<QByteArray> keys{key};
    for (const QByteArray &tenant : {QByteArray("{\"name\":\"research\",\"weight\":300}"),
                                     QByteArray("{\"name\":\"ci-bots\",\"weight\":50,\"tokens_per_minute\":20000}")}) {
        const QString id = admin("POST", "/api/v1/tenants", tenant).json().value(QStringLiteral("id")).toString();
        const QByteArray secret = admin("POST", "/api/v1/tenants/" + id.toLatin1() + "/keys", "{\"name\":\"laptop\"}")
                                      .json()
                                      .value(QStringLiteral("secret"))
                                      .toString()
                                      .toLatin1();
        if (!secret.isEmpty())
            keys << secret;
    }
    admin("POST", "/api/v1/mcp-servers", "{\"name\":\"filesystem\",\"upstream_url\":\"http://127.0.0.1:3001/mcp\"}");

    int n = 0;
    for (const char *model : {"llama3", "gpt-4o-mini", "llama3", "mock-model", "nope", "gpt-4o-mini", "llama3"}) {
        test::postJson(data, "/v1/chat/completions", keys.at(n++ % keys.size()),
                       "{\"model\":\"" + QByteArray(model)
                           + "\",\"max_tokens\":40,\"messages\":[{\"role\":\"user\","
                             "\"content\":\"Say hello\"}]}");
    }

    // Some traffic over a few seconds, so that the overview's chart has a history.
    for (int second = 0; second < 12; ++second) {
        for (int i = 0; i < 3 + (second * 7) % 11; ++i)
            test::postJson(data, "/v1/chat/completions", keys.at(i % keys.size()),
                           "{\"model\":\"" + QByteArray(i % 3 == 0 ? "gpt-4o-mini" : "mock-model")
                               + "\",\"max_tokens\":" + QByteArray::number(8 + i * 4) + "}");
        wait(1000);
    }
    const auto startStream = [data, &key] {
        const QByteArray stream = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"max_tokens\":60,\"messages\":[{"
                                  "\"role\":\"user\",\"content\":\"Tell me a story\"}]}";
        return std::make_unique<test::RawClient>(data,
                                                 "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: "
                                                 "Bearer "
                                                     + key + "\r\nx-mock-chunk-delay-ms: 150\r\nContent-Length: "
                                                     + QByteArray::number(stream.size()) + "\r\n\r\n" + stream);
    };

    // The playground's answer, asked once: both themes show it.
    if (ui::PlaygroundPage *playground = window->playgroundPage()) {
        window->pages()->setCurrentWidget(playground);
        wait(500);
        if (!askPlayground(playground, QStringLiteral("gpt-4o-mini"), key,
                           QStringLiteral("Write a haiku about a gateway that never sleeps.")))
            say(QStringLiteral("the playground was not asked: its page shows without an answer"));
    }

    for (const ui::Theme theme : {ui::Theme::Light, ui::Theme::Dark}) {
        ui::applyTheme(theme);
        const std::unique_ptr<test::RawClient> streaming = startStream(); // a stream in flight for the Requests page
        for (const QString &name : window->pageNames()) {
            QWidget *page = window->page(name);
            window->pages()->setCurrentWidget(page);
            if (name == QLatin1String("requests"))
                window->requestsPage()->table()->selectRow(0);
            if (name == QLatin1String("models")) { // llama3's deployments show under the table
                QTableWidget *models = window->modelsPage()->table();
                for (int row = 0; row < models->rowCount(); ++row) {
                    if (models->item(row, ui::ModelsPage::Name)->text() == QLatin1String("llama3"))
                        models->selectRow(row);
                }
            }
            if (name == QLatin1String("tenants")) {
                if (auto *tenants = page->findChild<QTableWidget *>())
                    tenants->selectRow(1);
            }
            wait(800);
            save(window, fileName(name, theme));
        }

        // The model dialog, editing gpt-4o-mini (its prices per 1M tokens).
        window->pages()->setCurrentWidget(window->modelsPage());
        QTableWidget *models = window->modelsPage()->table();
        for (int row = 0; row < models->rowCount(); ++row) {
            if (models->item(row, ui::ModelsPage::Name)->text() == QLatin1String("gpt-4o-mini"))
                models->selectRow(row);
        }
        QTest::mouseClick(window->modelsPage()->editButton(), Qt::LeftButton);
        if (ui::ModelDialog *dialog = window->modelsPage()->dialog()) {
            wait(500);
            save(dialog, fileName(QStringLiteral("model-dialog"), theme));
            dialog->reject();
        } else {
            say(QStringLiteral("the model dialog did not open"));
        }

        // The tray menu, popped up beside the tray icon (or alone where there is no tray).
        QMenu *menu = gui.tray()->menu();
        QScreen *screen = QGuiApplication::primaryScreen();
        menu->popup(screen->geometry().topRight() + QPoint(-menu->sizeHint().width() - 8, 40));
        wait(500);
        save(menu, fileName(QStringLiteral("tray-menu"), theme));
        if (theme == ui::Theme::Light && QSystemTrayIcon::isSystemTrayAvailable())
            screen->grabWindow(0).save(QDir(out).filePath(QStringLiteral("desktop.png")));
        menu->hide();
    }

    QSignalSpy stopped(&gw, &gateway::GatewayThread::stopped);
    gui.quit();
    stopped.wait(10'000);
    std::printf("screenshots written to %s\n", qPrintable(out));
    return 0;
}
