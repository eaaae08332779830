// Takes the README's screenshots: every page of the main window and the tray menu, with a real gateway, the
// mock upstream and some traffic. Run by scripts/screenshots.sh (under Xvfb with trayer as the tray host
// when they are installed, offscreen otherwise). Not a test: it only writes PNG files.
//   screenshots OUTPUT_DIR

#include "config/configservices.h"
#include "gateway/gatewaythread.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "testhttp.h"
#include "ui/gatewaylink.h"
#include "ui/guiapp.h"
#include "ui/mainwindow.h"
#include "ui/modelspage.h"
#include "ui/requestspage.h"
#include "ui/trayicon.h"

#include <QApplication>
#include <QDir>
#include <QMenu>
#include <QScreen>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

using namespace obleth;

namespace {
const QByteArray kAdmin = "screenshot-admin-token-000000001";

void wait(int ms)
{
    QTest::qWait(ms);
}
} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("obleth-screenshots"));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("docs/screenshots");
    QDir().mkpath(out);

    test::MockUpstream mock;
    QTemporaryDir dir;
    gateway::GatewayOptions options;
    options.dataPort = 0;
    options.adminPort = 0;
    options.dataDir = dir.path();
    options.adminToken = QString::fromLatin1(kAdmin);
    gateway::GatewayThread gw(options);
    ui::GuiApp gui(&gw);
    QSignalSpy started(&gw, &gateway::GatewayThread::started);
    gw.start();
    if (!mock.ok() || !started.wait(10'000)) {
        std::fprintf(stderr, "screenshots: the gateway or the mock upstream did not start\n");
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
    for (int i = 0; i < 50 && !gui.link()->isReady(); ++i)
        wait(100);
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
                std::fprintf(stderr, "screenshots: %s\n", qPrintable(p.message));
        });
    for (int i = 0; i < 50 && !routed; ++i)
        wait(100);
    admin("POST", "/api/v1/tenants", "{\"name\":\"research\",\"weight\":300}");
    admin("POST", "/api/v1/tenants", "{\"name\":\"ci-bots\",\"weight\":50,\"tokens_per_minute\":20000}");
    admin("POST", "/api/v1/mcp-servers", "{\"name\":\"filesystem\",\"upstream_url\":\"http://127.0.0.1:3001/mcp\"}");

    for (const char *model : {"llama3", "gpt-4o-mini", "llama3", "mock-model", "nope"}) {
        test::postJson(data, "/v1/chat/completions", key,
                       "{\"model\":\"" + QByteArray(model)
                           + "\",\"max_tokens\":12,\"messages\":[{\"role\":\"user\","
                             "\"content\":\"Say hello\"}]}");
    }

    ui::MainWindow *window = gui.window();
    window->resize(1100, 680);
    window->show();
    // Some traffic over a few seconds, so that the overview's chart has a history.
    for (int second = 0; second < 12; ++second) {
        for (int i = 0; i < 3 + (second * 7) % 11; ++i)
            test::postJson(data, "/v1/chat/completions", key,
                           "{\"model\":\"mock-model\",\"max_tokens\":" + QByteArray::number(8 + i * 4) + "}");
        wait(1000);
    }
    const QByteArray stream = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"max_tokens\":60,\"messages\":[{\"role\":"
                              "\"user\",\"content\":\"Tell me a story\"}]}";
    test::RawClient streaming(data,
                              "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key
                                  + "\r\nx-mock-chunk-delay-ms: 150\r\nContent-Length: "
                                  + QByteArray::number(stream.size()) + "\r\n\r\n" + stream);
    const QStringList names{QStringLiteral("overview"), QStringLiteral("models"),   QStringLiteral("tenants"),
                            QStringLiteral("mcp"),      QStringLiteral("requests"), QStringLiteral("settings")};
    for (int i = 0; i < window->pages()->count() && i < names.size(); ++i) {
        window->pages()->setCurrentIndex(i);
        if (names.at(i) == QLatin1String("requests"))
            window->requestsPage()->table()->selectRow(0);
        if (names.at(i) == QLatin1String("models")) { // llama3's deployments show under the table
            QTableWidget *models = window->modelsPage()->table();
            for (int row = 0; row < models->rowCount(); ++row) {
                if (models->item(row, ui::ModelsPage::Name)->text() == QLatin1String("llama3"))
                    models->selectRow(row);
            }
        }
        if (names.at(i) == QLatin1String("tenants"))
            window->pages()->currentWidget()->findChild<QTableWidget *>()->selectRow(1);
        wait(800);
        window->grab().save(QDir(out).filePath(names.at(i) + QStringLiteral(".png")));
    }

    // The tray menu, popped up beside the tray icon (or alone where there is no tray).
    QMenu *menu = gui.tray()->menu();
    QScreen *screen = QGuiApplication::primaryScreen();
    menu->popup(screen->geometry().topRight() + QPoint(-menu->sizeHint().width() - 8, 40));
    wait(500);
    menu->grab().save(QDir(out).filePath(QStringLiteral("tray-menu.png")));
    if (QSystemTrayIcon::isSystemTrayAvailable())
        screen->grabWindow(0).save(QDir(out).filePath(QStringLiteral("desktop.png")));
    menu->hide();

    QSignalSpy stopped(&gw, &gateway::GatewayThread::stopped);
    gui.quit();
    stopped.wait(10'000);
    std::printf("screenshots written to %s\n", qPrintable(out));
    return 0;
}
