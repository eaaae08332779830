// The tray app's window follows the gateway it runs, and its pages drive the gateway's own services: real
// widgets, clicked and typed into (offscreen), against a real gateway, checked through the Management API.

#include "config/liveconfig.h"
#include "gateway/gateway.h"
#include "gateway/gatewaythread.h"
#include "gatewayfixture.h"
#include "guifixture.h"
#include "mockupstream.h"
#include "rawclient.h"
#include "testhttp.h"
#include "ui/autostart.h"
#include "ui/currency.h"
#include "ui/deploymentseditor.h"
#include "ui/deploymentspane.h"
#include "ui/gatewaylink.h"
#include "ui/guiapp.h"
#include "ui/mainwindow.h"
#include "ui/mcpserverspage.h"
#include "ui/modeldialog.h"
#include "ui/modelspage.h"
#include "ui/overviewpage.h"
#include "ui/requestlogmodel.h"
#include "ui/requestspage.h"
#include "ui/settingspage.h"
#include "ui/singleinstance.h"
#include "ui/statuswindow.h"
#include "ui/tables.h"
#include "ui/tenantspage.h"
#include "ui/throughputchart.h"
#include "ui/trayicon.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocalSocket>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

using namespace obleth;

namespace {
const QByteArray kAdminToken = test::GuiFixture::kAdminToken;
using test::GuiFixture;
} // namespace

class TestGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings and autostart entries go to a test location
        ui::DisplayCurrency::set(QStringLiteral("USD")); // a run cut short may have left another
    }

    void windowShowsWhereTheGatewayListens()
    {
        QTemporaryDir dir;
        gateway::GatewayOptions options;
        options.dataPort = 0;
        options.adminPort = 0;
        options.dataDir = dir.path();
        options.adminToken = QStringLiteral("gui-test-admin-token-0001");
        gateway::GatewayThread gw(options);
        ui::GuiApp app(&gw);
        QSignalSpy started(&gw, &gateway::GatewayThread::started);
        gw.start();
        QVERIFY(started.wait(10'000));
        const QString dataUrl = started.first().at(0).toString();
        const QString firstKey = started.first().at(2).toString();

        const QList<QLineEdit *> fields = app.window()->findChildren<QLineEdit *>();
        QStringList texts;
        for (QLineEdit *f : fields)
            texts.append(f->text());
        QVERIFY2(texts.contains(dataUrl + QStringLiteral("/v1")), qPrintable(texts.join(QLatin1Char(','))));
        QVERIFY(texts.contains(firstKey));
        QVERIFY(app.window()->isVisible());

        // The key shown works on the data plane right away.
        const test::Response r = test::postJson(quint16(QUrl(dataUrl).port()), "/v1/chat/completions",
                                                firstKey.toLatin1(), "{\"model\":\"mock-model\"}");
        QCOMPARE(r.status, 200);

        QSignalSpy stopped(&gw, &gateway::GatewayThread::stopped);
        app.quit();
        QVERIFY(stopped.wait(10'000));
    }

    void tenantAndKeyMadeInTheWindowWork()
    {
        GuiFixture f;
        QVERIFY(f.start());
        f.app->window()->pages()->setCurrentWidget(f.tenants());
        QTRY_VERIFY(f.tenantRow(QStringLiteral("default")) >= 0);

        QTest::keyClicks(f.tenants()->newTenantName(), QStringLiteral("gui-team"));
        QTest::mouseClick(f.tenants()->addTenantButton(), Qt::LeftButton);
        QTRY_VERIFY(f.tenantRow(QStringLiteral("gui-team")) >= 0);
        QVERIFY(f.tenants()->newTenantName()->text().isEmpty());
        QCOMPARE(f.tenant(QStringLiteral("gui-team")).value(QStringLiteral("weight")).toInt(), 100);

        // A duplicate name is refused where the user looks.
        QTest::keyClicks(f.tenants()->newTenantName(), QStringLiteral("gui-team"));
        QTest::keyClick(f.tenants()->newTenantName(), Qt::Key_Return);
        QTRY_VERIFY(!f.tenants()->message()->text().isEmpty());

        f.tenants()->tenants()->selectRow(f.tenantRow(QStringLiteral("gui-team")));
        QTest::keyClicks(f.tenants()->newKeyName(), QStringLiteral("laptop"));
        QTest::mouseClick(f.tenants()->newKeyButton(), Qt::LeftButton);
        QTRY_VERIFY(f.tenants()->secret()->text().startsWith(QStringLiteral("sk_")));
        QTRY_COMPARE(f.tenants()->keys()->rowCount(), 1);
        QCOMPARE(f.tenants()->keys()->item(0, ui::TenantsPage::KeyName)->text(), QStringLiteral("laptop"));
        const QByteArray secret = f.tenants()->secret()->text().toLatin1();
        QCOMPARE(test::postJson(f.dataPort, "/v1/chat/completions", secret, "{\"model\":\"mock-model\"}").status, 200);

        // Disable from the window: the data plane refuses the key at once.
        f.tenants()->keys()->selectRow(0);
        QTest::mouseClick(f.tenants()->toggleKeyButton(), Qt::LeftButton);
        QTRY_COMPARE(f.tenants()->keys()->item(0, ui::TenantsPage::KeyState)->text(), QStringLiteral("disabled"));
        QCOMPARE(test::postJson(f.dataPort, "/v1/chat/completions", secret, "{\"model\":\"mock-model\"}").status, 403);
    }

    void weightEditedInPlaceShowsInTheApiAndBack()
    {
        GuiFixture f;
        QVERIFY(f.start());
        QTableWidget *table = f.tenants()->tenants();
        f.app->window()->pages()->setCurrentWidget(f.tenants());
        QTRY_VERIFY(f.tenantRow(QStringLiteral("default")) >= 0);
        const int row = f.tenantRow(QStringLiteral("default"));
        // Edit the cell the way a user does: open the editor, type, press Enter.
        table->editItem(table->item(row, ui::TenantsPage::Weight));
        auto *editor = qobject_cast<QLineEdit *>(QApplication::focusWidget());
        QVERIFY(editor);
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("300"));
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(f.tenant(QStringLiteral("default")).value(QStringLiteral("weight")).toInt(), 300);

        // And the other way: a change made through the Management API shows in the window.
        const QString id = f.tenant(QStringLiteral("default")).value(QStringLiteral("id")).toString();
        QCOMPARE(test::request(f.adminPort, "PATCH", "/api/v1/tenants/" + id.toLatin1() + "/weight",
                               test::headers({{"Authorization", "Bearer " + kAdminToken}}), "{\"weight\":42}")
                     .status,
                 200);
        QTRY_COMPARE(table->item(f.tenantRow(QStringLiteral("default")), ui::TenantsPage::Weight)->text(),
                     QStringLiteral("42"));

        // The fair-share group too, in place; only an existing group is accepted.
        QCOMPARE(f.admin("GET", "/api/v1/fairshare/groups").status, 200);
        QCOMPARE(test::request(f.adminPort, "POST", "/api/v1/fairshare/groups",
                               test::headers({{"Authorization", "Bearer " + kAdminToken}}), "{\"name\":\"batch\"}")
                     .status,
                 201);
        table->editItem(table->item(f.tenantRow(QStringLiteral("default")), ui::TenantsPage::Group));
        editor = qobject_cast<QLineEdit *>(QApplication::focusWidget());
        QVERIFY(editor);
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("batch"));
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(f.tenant(QStringLiteral("default")).value(QStringLiteral("fairshare_group")).toString(),
                     QStringLiteral("batch"));

        // A bad value is refused with the reason, and the stored value comes back.
        table->editItem(table->item(f.tenantRow(QStringLiteral("default")), ui::TenantsPage::Weight));
        editor = qobject_cast<QLineEdit *>(QApplication::focusWidget());
        QVERIFY(editor);
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("0"));
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_VERIFY(f.tenants()->message()->text().contains(QStringLiteral("weight")));
        QTRY_COMPARE(table->item(f.tenantRow(QStringLiteral("default")), ui::TenantsPage::Weight)->text(),
                     QStringLiteral("42"));
    }

    void requestsAppearLiveAndAStreamsTextGrows()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::RequestsPage *page = f.app->window()->requestsPage();
        f.app->window()->pages()->setCurrentWidget(page);
        QCOMPARE(test::postJson(f.dataPort, "/v1/chat/completions", f.firstKey,
                                "{\"model\":\"mock-model\",\"max_tokens\":3}")
                     .status,
                 200);
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QTRY_COMPARE(page->model()->data(page->model()->index(0, ui::RequestLogModel::Status)).toString(),
                     QStringLiteral("200"));
        QCOMPARE(page->model()->data(page->model()->index(0, ui::RequestLogModel::Model)).toString(),
                 QStringLiteral("mock-model"));

        const QByteArray body = "{\"model\":\"mock-model\",\"stream\":true,\"max_tokens\":8}";
        test::RawClient stream(f.dataPort,
                               "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + f.firstKey
                                   + "\r\nx-mock-chunk-delay-ms: 250\r\nContent-Length: "
                                   + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QTRY_COMPARE(page->model()->rowCount(), 2);
        page->table()->selectRow(0); // newest first
        QTRY_VERIFY(page->details()->toPlainText().contains(QStringLiteral("In progress")));
        QTRY_VERIFY(page->details()->toPlainText().split(QLatin1Char('\n')).last().size() > 0);
        const QString early = page->details()->toPlainText();
        QTRY_VERIFY_WITH_TIMEOUT(page->details()->toPlainText().contains(QStringLiteral("Status 200")), 10000);
        const QString done = page->details()->toPlainText();
        QVERIFY(!stream.received().isEmpty());
        QVERIFY2(done.size() > early.size(), qPrintable(early + QStringLiteral(" | ") + done));
        QVERIFY(done.contains(QStringLiteral("completion")));
        // Headers both ways, with the key masked.
        QVERIFY(done.contains(QStringLiteral("Request headers")));
        QVERIFY(done.contains(QStringLiteral("x-mock-chunk-delay-ms: 250")));
        QVERIFY(done.contains(QStringLiteral("content-type: text/event-stream"), Qt::CaseInsensitive));
        QVERIFY(done.contains(QStringLiteral("(masked)")));
        QVERIFY(!done.contains(QString::fromLatin1(f.firstKey)));

        // The filters narrow the log: by status class, tenant, model and text.
        QCOMPARE(test::postJson(f.dataPort, "/v1/chat/completions", f.firstKey, "{\"model\":\"nope\"}").status, 404);
        QTRY_COMPARE(page->model()->rowCount(), 3);
        QAbstractItemModel *shown = page->table()->model();
        page->statusFilter()->setCurrentIndex(page->statusFilter()->findText(QStringLiteral("4xx")));
        QCOMPARE(shown->rowCount(), 1);
        QCOMPARE(shown->index(0, ui::RequestLogModel::Status).data().toString(), QStringLiteral("404"));
        page->statusFilter()->setCurrentIndex(page->statusFilter()->findText(QStringLiteral("2xx")));
        QCOMPARE(shown->rowCount(), 2);
        QVERIFY(page->modelFilter()->findText(QStringLiteral("mock-model")) >= 0);
        page->tenantFilter()->setCurrentIndex(page->tenantFilter()->findText(QStringLiteral("default")));
        QCOMPARE(shown->rowCount(), 2);
        QTest::keyClicks(page->textFilter(), QStringLiteral("streaming-nothing-matches"));
        QCOMPARE(shown->rowCount(), 0);
        page->textFilter()->clear();
        page->statusFilter()->setCurrentIndex(0);
        QCOMPARE(shown->rowCount(), 3);
    }

    /// Issue 15, point 4: the request log sorts by any column, numbers by value (latency here: "1,100 ms" after
    /// "90 ms", which text order would not give).
    void requestsSortByValue()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::RequestsPage *page = f.app->window()->requestsPage();
        f.app->window()->pages()->setCurrentWidget(page);
        QTRY_VERIFY(page->findChild<QLabel *>(QStringLiteral("emptyState"))->isVisible()); // no requests yet
        for (const QByteArray latency : {"90", "1100", "0"}) {
            QCOMPARE(test::request(f.dataPort, "POST", "/v1/chat/completions",
                                   test::headers({{"Authorization", "Bearer " + f.firstKey},
                                                  {"Content-Type", "application/json"},
                                                  {"x-mock-latency-ms", latency}}),
                                   "{\"model\":\"mock-model\",\"max_tokens\":2}")
                         .status,
                     200);
        }
        QTRY_COMPARE(page->model()->rowCount(), 3);
        QTRY_VERIFY(!page->findChild<QLabel *>(QStringLiteral("emptyState"))->isVisible());
        QAbstractItemModel *shown = page->table()->model();
        const auto latencies = [shown] {
            QList<qint64> values;
            for (int row = 0; row < shown->rowCount(); ++row)
                values << shown->index(row, ui::RequestLogModel::Latency).data(ui::kSortRole).toLongLong();
            return values;
        };
        page->table()->sortByColumn(ui::RequestLogModel::Latency, Qt::AscendingOrder);
        QList<qint64> ascending = latencies();
        QVERIFY2(std::is_sorted(ascending.cbegin(), ascending.cend()), qPrintable(QString::number(ascending.last())));
        QVERIFY(ascending.first() < 90 && ascending.at(1) >= 90 && ascending.last() >= 1100);
        QVERIFY(shown->index(2, ui::RequestLogModel::Latency).data().toString().endsWith(QStringLiteral(" ms")));
        QCOMPARE(shown->index(2, ui::RequestLogModel::Latency).data(Qt::TextAlignmentRole).toInt(),
                 int(Qt::AlignRight | Qt::AlignVCenter));
        page->table()->sortByColumn(ui::RequestLogModel::Latency, Qt::DescendingOrder);
        QVERIFY(latencies().first() >= 1100);
        // Back to time, newest first; the time is relative, exact in its tooltip.
        page->table()->sortByColumn(ui::RequestLogModel::Time, Qt::DescendingOrder);
        QVERIFY(latencies().first() < 90);
        const QString time = shown->index(0, ui::RequestLogModel::Time).data().toString();
        QVERIFY2(time.endsWith(QStringLiteral("ago")) || time == QStringLiteral("just now"), qPrintable(time));
        QVERIFY(shown->index(0, ui::RequestLogModel::Time).data(Qt::ToolTipRole).toString().contains(QLatin1Char(':')));
    }

    /// Issue 15, point 4: a request made while the page watches shows its body and its answer pretty-printed, the key
    /// masked; "Copy as curl" gives a command that, with the key in $OBLETH_API_KEY, sends the same request again.
    void requestDetailsShowBodiesAndCopyAsCurl()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::RequestsPage *page = f.app->window()->requestsPage();
        {
            // Nobody looks at the Requests page: the gateway keeps no request's body.
            QSignalSpy finished(f.app->link(), &ui::GatewayLink::requestFinished);
            QCOMPARE(test::postJson(f.dataPort, "/v1/chat/completions", f.firstKey,
                                    "{\"model\":\"mock-model\",\"max_tokens\":2}")
                         .status,
                     200);
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 15'000);
            const auto unseen = finished.first().first().value<model::RequestRecord>();
            QVERIFY(unseen.requestBody.isEmpty());
            QVERIFY(unseen.responseBody.isEmpty());
            QVERIFY(!unseen.requestHeaders.isEmpty()); // the headers are the live log's, as before
        }
        f.app->window()->pages()->setCurrentWidget(page);
        const QByteArray body = "{\"model\":\"mock-model\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\","
                                "\"content\":\"it's a \\\"quoted\\\" $HOME `test`\"}]}";
        const test::Response answer = test::request(f.dataPort, "POST", "/v1/chat/completions?trace=1",
                                                    test::headers({{"Authorization", "Bearer " + f.firstKey},
                                                                   {"Content-Type", "application/json"},
                                                                   {"x-mock-seed", "7"}}),
                                                    body);
        QCOMPARE(answer.status, 200);
        QTRY_COMPARE(page->model()->rowCount(), 2);
        QTRY_COMPARE(page->model()->entryAt(0)->done, true);
        page->table()->selectRow(0); // the newest
        QTRY_VERIFY(page->details()->toPlainText().contains(QStringLiteral("Response body")));
        const QString details = page->details()->toPlainText();
        QVERIFY2(
            details.contains(QStringLiteral("Request body\n{\n    \"model\": \"mock-model\",\n    \"max_tokens\": 3,")),
            qPrintable(details));
        QVERIFY(details.contains(QStringLiteral("\"content\": \"it's a \\\"quoted\\\" $HOME `test`\"")));
        QVERIFY(details.contains(QStringLiteral("    \"choices\": [")));
        QVERIFY(details.contains(QStringLiteral("(masked)")));
        QVERIFY(!details.contains(QString::fromLatin1(f.firstKey)));
        // Kept for the window only: the request log has no bodies.
        QVERIFY(!f.admin("GET", "/api/v1/requests?limit=5").body.contains("quoted"));

        QVERIFY(page->copyCurlButton()->isEnabled());
        QTest::mouseClick(page->copyCurlButton(), Qt::LeftButton);
        const QString curl = QApplication::clipboard()->text();
        QCOMPARE(curl, page->curlCommand());
        QVERIFY2(
            curl.startsWith(QStringLiteral("curl 'http://127.0.0.1:%1/v1/chat/completions?trace=1'").arg(f.dataPort)),
            qPrintable(curl));
        QVERIFY(curl.contains(QStringLiteral("-H \"Authorization: Bearer $OBLETH_API_KEY\"")));
        QVERIFY(!curl.contains(QString::fromLatin1(f.firstKey)) && !curl.contains(QStringLiteral("masked")));
        QVERIFY(!curl.contains(QStringLiteral("Content-Length"), Qt::CaseInsensitive));
        QVERIFY(curl.contains(QStringLiteral("--data-raw '")));

        // Run as a user would, with their key in the environment: the gateway gets the same request again.
        QProcess shell;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("OBLETH_API_KEY"), QString::fromLatin1(f.firstKey));
        shell.setProcessEnvironment(env);
        shell.start(QStringLiteral("sh"), {QStringLiteral("-c"), curl + QStringLiteral(" -sS")});
        QVERIFY(shell.waitForFinished(30'000));
        QCOMPARE(shell.exitCode(), 0);
        const QJsonObject again = QJsonDocument::fromJson(shell.readAllStandardOutput()).object();
        QCOMPARE(again.value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion"));
        QCOMPARE(again.value(QStringLiteral("choices")).toArray().first().toObject().value(QStringLiteral("message")),
                 answer.json()
                     .value(QStringLiteral("choices"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QStringLiteral("message")));
        QTRY_COMPARE(page->model()->rowCount(), 2);
        QTRY_COMPARE(page->model()->entryAt(0)->done, true);
        const model::RequestRecord &replayed = page->model()->entryAt(0)->record;
        QCOMPARE(replayed.status, 200);
        QCOMPARE(replayed.tenantName, QStringLiteral("default")); // the key worked
        QCOMPARE(replayed.requestBody, body);
        QCOMPARE(replayed.query, QByteArray("trace=1"));
    }

    void modelRegisteredInTheDialogAndTested()
    {
        test::MockUpstream mock;
        QVERIFY(mock.ok());
        GuiFixture f;
        QVERIFY(f.start());
        ui::ModelsPage *page = f.app->window()->modelsPage();
        f.app->window()->pages()->setCurrentWidget(page);

        QTest::mouseClick(page->addButton(), Qt::LeftButton);
        ui::ModelDialog *dialog = page->dialog();
        QVERIFY(dialog && dialog->isVisible());
        QTest::keyClicks(dialog->name, QStringLiteral("local"));
        QTest::keyClicks(dialog->upstreamModel, QStringLiteral("mock-model"));
        QTest::keyClicks(dialog->apiBase, QStringLiteral("not a url"));
        QTest::keyClicks(dialog->apiKey, QStringLiteral("sk-upstream-secret"));
        dialog->cacheEnabled->setChecked(true);
        dialog->maxConcurrency->setValue(2);
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        // Refused with the reason in the dialog, which stays open to be fixed.
        QTRY_VERIFY(dialog->isVisible() && dialog->problem()->text().contains(QStringLiteral("api_base")));
        dialog->apiBase->clear();
        QTest::keyClicks(dialog->apiBase, mock.url(QStringLiteral("/v1")).toString());
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_COMPARE(page->table()->rowCount(), 1);
        QCOMPARE(page->table()->item(0, ui::ModelsPage::Name)->text(), QStringLiteral("local"));

        const QJsonObject stored = f.admin("GET", "/api/v1/models").data().first().toObject();
        QCOMPARE(stored.value(QStringLiteral("has_api_key")).toBool(), true);
        QCOMPARE(stored.value(QStringLiteral("cache_enabled")).toBool(), true);
        QCOMPARE(stored.value(QStringLiteral("max_concurrency")).toInt(), 2);
        QVERIFY(!stored.contains(QStringLiteral("api_key")));

        // Test: a one-token request to the backend, with the answer and its latency.
        page->table()->selectRow(0);
        QTest::mouseClick(page->testButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->message()->text().contains(QStringLiteral("answered in")), 10000);

        // The enable toggle in the table acts at once.
        page->table()->item(0, ui::ModelsPage::Enabled)->setCheckState(Qt::Unchecked);
        QTRY_COMPARE(
            f.admin("GET", "/api/v1/models").data().first().toObject().value(QStringLiteral("enabled")).toBool(),
            false);

        // An unreachable backend: the error says what to check.
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 closedPort = closed.serverPort();
        closed.close();
        QTest::mouseClick(page->editButton(), Qt::LeftButton);
        QVERIFY(page->dialog());
        QCOMPARE(page->dialog()->name->text(), QStringLiteral("local"));
        QVERIFY(page->dialog()->apiKey->placeholderText().contains(QStringLiteral("stored")));
        page->dialog()->apiBase->setText(QStringLiteral("http://127.0.0.1:%1/v1").arg(closedPort));
        QTest::mouseClick(page->dialog()->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save),
                          Qt::LeftButton);
        QTRY_VERIFY(page->table()->item(0, ui::ModelsPage::ApiBase)->text().contains(QString::number(closedPort)));
        QCOMPARE(
            f.admin("GET", "/api/v1/models").data().first().toObject().value(QStringLiteral("has_api_key")).toBool(),
            true); // the key was kept
        page->table()->selectRow(0);
        QTest::mouseClick(page->testButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->message()->text().contains(QStringLiteral("cannot reach")), 10000);
        QVERIFY(page->message()->text().contains(QStringLiteral("api_base")));
    }

    /// Issue 15, point 4: prices are typed and shown per million tokens with the currency; the API keeps them per
    /// token, exactly as typed (0.15 per 1M is 1.5e-07, not 1.4999999999999999e-07).
    void pricesAreTypedAndShownPerMillionTokens()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::ModelsPage *page = f.app->window()->modelsPage();
        f.app->window()->pages()->setCurrentWidget(page);
        QTRY_VERIFY(page->emptyState()->isVisible()); // no model yet: the table says what to do
        QVERIFY(page->emptyState()->text().contains(QStringLiteral("discover")));

        QTest::mouseClick(page->addButton(), Qt::LeftButton);
        ui::ModelDialog *dialog = page->dialog();
        QVERIFY(dialog && dialog->isVisible());
        QVERIFY(dialog->inputCost->suffix().contains(QStringLiteral("1M tokens")));
        QVERIFY(dialog->inputCost->prefix().contains(QStringLiteral("$")));
        QTest::keyClicks(dialog->name, QStringLiteral("priced"));
        QTest::keyClicks(dialog->apiBase, QStringLiteral("http://127.0.0.1:9/v1"));
        dialog->inputCost->selectAll();
        QTest::keyClicks(dialog->inputCost, QStringLiteral("0.15"));
        dialog->outputCost->selectAll();
        QTest::keyClicks(dialog->outputCost, QStringLiteral("0.60"));
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_COMPARE(page->table()->rowCount(), 1);
        QVERIFY(!page->emptyState()->isVisible());

        const test::Response listed = f.admin("GET", "/api/v1/models");
        QVERIFY2(listed.body.contains("\"input_cost_per_token\":1.5e-07"), listed.body.constData());
        QVERIFY2(listed.body.contains("\"output_cost_per_token\":6e-07"), listed.body.constData());
        QCOMPARE(page->table()->item(0, ui::ModelsPage::Prices)->text(), QStringLiteral("$0.15 / $0.60"));
        QVERIFY(page->table()->horizontalHeaderItem(ui::ModelsPage::Prices)->text().contains(QStringLiteral("1M")));

        // Reopened, the dialog shows what was typed; saved unchanged, the prices stay exactly the same.
        page->table()->selectRow(0);
        QTest::mouseClick(page->editButton(), Qt::LeftButton);
        dialog = page->dialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->inputCost->value(), 0.15);
        QCOMPARE(dialog->outputCost->value(), 0.6);
        QCOMPARE(dialog->inputCost->cleanText(), QStringLiteral("0.15"));
        QCOMPARE(dialog->outputCost->cleanText(), QStringLiteral("0.60"));
        dialog->contextWindow->setValue(8192);
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_COMPARE(f.storedModel(QStringLiteral("priced"))->contextWindow, std::optional<qint64>(8192));
        QCOMPARE(f.storedModel(QStringLiteral("priced"))->inputCostPerToken, 1.5e-07);
        QCOMPARE(f.storedModel(QStringLiteral("priced"))->outputCostPerToken, 6e-07);

        // Another display currency: the table follows at once (the gateway's numbers do not change).
        ui::SettingsPage *settings = f.app->window()->settingsPage();
        settings->currency()->setCurrentIndex(settings->currency()->findData(QStringLiteral("EUR")));
        QTRY_COMPARE(page->table()->item(0, ui::ModelsPage::Prices)->text(), QStringLiteral("€0.15 / €0.60"));
        settings->currency()->setCurrentIndex(settings->currency()->findData(QStringLiteral("USD")));
        QTRY_COMPARE(page->table()->item(0, ui::ModelsPage::Prices)->text(), QStringLiteral("$0.15 / $0.60"));
    }

    /// Issue 15, point 4: a long API base is elided in the middle, whole in its tooltip; headers are not cut; every
    /// column sorts (numbers by value).
    void modelsTableIsReadableAndSortable()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::ModelsPage *page = f.app->window()->modelsPage();
        f.app->window()->pages()->setCurrentWidget(page);
        const QByteArray longBase = "http://inference-gateway.eu-west-1.internal.example.com:11434/tenants/acme/v1";
        QCOMPARE(f.admin("POST", "/api/v1/models",
                         "{\"model_name\":\"zeta\",\"api_base\":\"" + longBase
                             + "\",\"max_concurrency\":10,\"input_cost_per_token\":2.5e-06}")
                     .status,
                 201);
        QCOMPARE(f.admin("POST", "/api/v1/models",
                         "{\"model_name\":\"alpha\",\"api_base\":\"http://127.0.0.1:9/v1\",\"max_concurrency\":9}")
                     .status,
                 201);
        QTRY_COMPARE(page->table()->rowCount(), 2);
        QTableWidget *table = page->table();
        QCOMPARE(table->item(0, ui::ModelsPage::Name)->text(), QStringLiteral("alpha")); // sorted by name
        const int zeta = f.modelRow(QStringLiteral("zeta"));
        QTableWidgetItem *base = table->item(zeta, ui::ModelsPage::ApiBase);
        QCOMPARE(base->toolTip(), QString::fromLatin1(longBase));
        QCOMPARE(table->textElideMode(), Qt::ElideMiddle);
        const QHeaderView *header = table->horizontalHeader();
        QVERIFY(header->sectionSize(ui::ModelsPage::ApiBase) < table->fontMetrics().horizontalAdvance(base->text()));
        for (int c = 0; c + 1 < table->columnCount(); ++c) // the last one stretches
            QVERIFY2(header->sectionSize(c) >= header->sectionSizeHint(c),
                     qPrintable(table->horizontalHeaderItem(c)->text()));
        QCOMPARE(table->item(zeta, ui::ModelsPage::MaxConcurrency)->textAlignment(),
                 int(Qt::AlignRight | Qt::AlignVCenter));
        // By max concurrency: 9 before 10 (by value, not as text).
        table->sortByColumn(ui::ModelsPage::MaxConcurrency, Qt::AscendingOrder);
        QCOMPARE(table->item(0, ui::ModelsPage::Name)->text(), QStringLiteral("alpha"));
        table->sortByColumn(ui::ModelsPage::MaxConcurrency, Qt::DescendingOrder);
        QCOMPARE(table->item(0, ui::ModelsPage::Name)->text(), QStringLiteral("zeta"));
        // A reload keeps the order and the selection.
        table->selectRow(0);
        QCOMPARE(f.admin("PATCH", "/api/v1/models/" + f.storedModel(QStringLiteral("alpha"))->id.toLatin1(),
                         "{\"max_concurrency\":50}")
                     .status,
                 200);
        QTRY_COMPARE(table->item(0, ui::ModelsPage::Name)->text(), QStringLiteral("alpha"));
        QCOMPARE(table->selectedItems().value(0)->row(), f.modelRow(QStringLiteral("zeta")));
    }

    void deploymentsAndFallbacksEditedInTheDialog()
    {
        test::MockUpstream mock;
        QVERIFY(mock.ok());
        GuiFixture f;
        QVERIFY(f.start());
        ui::ModelsPage *page = f.app->window()->modelsPage();
        f.app->window()->pages()->setCurrentWidget(page);
        const QString base = mock.url(QStringLiteral("/v1")).toString();
        for (const char *name : {"backup", "spare"}) {
            QCOMPARE(test::request(f.adminPort, "POST", "/api/v1/models",
                                   test::headers({{"Authorization", "Bearer " + kAdminToken}}),
                                   "{\"model_name\":\"" + QByteArray(name) + "\",\"api_base\":\"" + base.toLatin1()
                                       + "\",\"api_key\":\"sk-" + QByteArray(name) + "\"}")
                         .status,
                     201);
        }
        QTRY_COMPARE(page->table()->rowCount(), 2);

        // A model with one deployment looks as it always did: no list, no weight; then a second deployment.
        QTest::mouseClick(page->addButton(), Qt::LeftButton);
        ui::ModelDialog *dialog = page->dialog();
        QVERIFY(dialog && dialog->isVisible());
        ui::DeploymentsEditor *editor = dialog->deployments;
        QCOMPARE(editor->count(), 1);
        QVERIFY(!editor->list->isVisibleTo(dialog));
        QVERIFY(!editor->weight->isVisibleTo(dialog));
        QVERIFY(editor->addButton->isVisibleTo(dialog));
        QTest::keyClicks(dialog->name, QStringLiteral("primary"));
        QTest::keyClicks(dialog->upstreamModel, QStringLiteral("mock-model"));
        QTest::keyClicks(dialog->apiBase, base);
        QTest::keyClicks(dialog->apiKey, QStringLiteral("sk-first-secret"));
        QTest::mouseClick(editor->addButton, Qt::LeftButton);
        QCOMPARE(editor->count(), 2);
        QCOMPARE(editor->current(), 1);
        QVERIFY(editor->list->isVisibleTo(dialog));
        QVERIFY(editor->weight->isVisibleTo(dialog));
        QVERIFY(dialog->apiBase->text().isEmpty()); // the form now edits the new one
        QTest::keyClicks(dialog->apiBase, QStringLiteral("http://127.0.0.1:1/v1"));
        QTest::keyClicks(dialog->upstreamModel, QStringLiteral("mock-model"));
        QTest::keyClicks(dialog->apiKey, QStringLiteral("sk-second-secret"));
        editor->weight->setValue(3);
        editor->maxConcurrency->setValue(5);
        QCOMPARE(editor->list->item(1, ui::DeploymentsEditor::ApiBase)->text(),
                 QStringLiteral("http://127.0.0.1:1/v1"));
        QCOMPARE(editor->list->item(1, ui::DeploymentsEditor::Key)->text(), QStringLiteral("new"));
        QVERIFY(!editor->list->item(1, ui::DeploymentsEditor::Key)->text().contains(QStringLiteral("secret")));
        // The first one is still as typed.
        editor->list->selectRow(0);
        editor->list->setCurrentCell(0, 0);
        QCOMPARE(dialog->apiBase->text(), base);

        // Fallbacks, chosen among the other registered models and put in order; auto routing; the tunables.
        QCOMPARE(dialog->fallbackChoice->count(), 2);
        QVERIFY(dialog->fallbackChoice->findText(QStringLiteral("primary")) < 0);
        dialog->fallbackChoice->setCurrentIndex(dialog->fallbackChoice->findText(QStringLiteral("backup")));
        QTest::mouseClick(dialog->addFallback, Qt::LeftButton);
        QCOMPARE(dialog->fallbackChoice->count(), 1); // backup is taken
        QTest::mouseClick(dialog->addFallback, Qt::LeftButton); // spare
        QCOMPARE(dialog->fallbacks->count(), 2);
        QVERIFY(!dialog->addFallback->isEnabled());
        dialog->fallbacks->setCurrentRow(1);
        QTest::mouseClick(dialog->fallbackUp, Qt::LeftButton);
        QCOMPARE(dialog->fallbacks->item(0)->text(), QStringLiteral("spare"));
        dialog->fallbacks->setCurrentRow(1);
        QTest::mouseClick(dialog->removeFallback, Qt::LeftButton); // backup out again
        QCOMPARE(dialog->fallbackChoice->count(), 1);
        QTest::mouseClick(dialog->addFallback, Qt::LeftButton); // and back, last
        dialog->autoRoute->setChecked(true);
        dialog->unhealthyAfter->setValue(5);
        dialog->cooldown->setValue(45);
        dialog->healthCheck->setValue(0);
        dialog->maxRetries->setValue(1);
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_VERIFY(f.storedModel(QStringLiteral("primary")));
        QTRY_VERIFY(!page->dialog() || page->dialog()->problem()->isVisible());
        QVERIFY2(!page->dialog(), qPrintable(page->dialog() ? page->dialog()->problem()->text() : QString()));

        const model::ModelConfig *stored = f.storedModel(QStringLiteral("primary"));
        QCOMPARE(stored->deployments.size(), 2);
        const model::Deployment first = stored->deployments.at(0);
        const model::Deployment second = stored->deployments.at(1);
        QCOMPARE(first.apiBase, base);
        QCOMPARE(first.upstreamModel, QStringLiteral("mock-model"));
        QCOMPARE(first.apiKey, QStringLiteral("sk-first-secret"));
        QCOMPARE(second.apiBase, QStringLiteral("http://127.0.0.1:1/v1"));
        QCOMPARE(second.apiKey, QStringLiteral("sk-second-secret"));
        QCOMPARE(second.weight, 3.0);
        QCOMPARE(second.maxConcurrency, std::optional<qint64>(5));
        QVERIFY(!first.id.isEmpty() && !second.id.isEmpty() && first.id != second.id);
        QCOMPARE(stored->apiBase, base); // the model's own fields mirror the first
        QCOMPARE(stored->fallbacks, QStringList({QStringLiteral("spare"), QStringLiteral("backup")}));
        QVERIFY(stored->autoRoute);
        QCOMPARE(stored->unhealthyAfter, qint64(5));
        QCOMPARE(stored->cooldownSecs, qint64(45));
        QCOMPARE(stored->healthCheckSecs, qint64(0));
        QCOMPARE(stored->maxRetries, qint64(1));

        // The page: the table says it, the pane under it lists the deployments with a health dot and its word.
        QTRY_VERIFY(f.modelRow(QStringLiteral("primary")) >= 0);
        const int row = f.modelRow(QStringLiteral("primary"));
        QCOMPARE(page->table()->item(row, ui::ModelsPage::Deployments)->text(), QStringLiteral("2"));
        QCOMPARE(page->table()->item(row, ui::ModelsPage::Fallbacks)->text(), QStringLiteral("spare → backup"));
        QCOMPARE(page->table()->item(row, ui::ModelsPage::AutoRoute)->text(), QStringLiteral("yes"));
        page->table()->selectRow(row);
        ui::DeploymentsPane *pane = page->deployments();
        QCOMPARE(pane->modelId(), stored->id);
        QTRY_COMPARE(pane->table()->rowCount(), 2);
        QVERIFY(pane->summary()->text().contains(QStringLiteral("spare → backup")));
        QVERIFY(pane->summary()->text().contains(QStringLiteral("auto-routed")));
        for (int r = 0; r < 2; ++r) {
            QTableWidgetItem *health = pane->table()->item(r, ui::DeploymentsPane::Health);
            QVERIFY(health);
            QCOMPARE(health->text(), QStringLiteral("unknown")); // no traffic yet
            QVERIFY(!health->icon().isNull());
            QVERIFY(!health->toolTip().isEmpty());
        }
        QCOMPARE(pane->table()->item(1, ui::DeploymentsPane::ApiBase)->text(), QStringLiteral("http://127.0.0.1:1/v1"));
        QCOMPARE(pane->table()->item(1, ui::DeploymentsPane::Weight)->text(), QLocale().toString(3.0));
        QCOMPARE(pane->table()->item(1, ui::DeploymentsPane::MaxConcurrency)->text(), QStringLiteral("5"));
        // The live refresh asks the gateway thread and keeps the rows.
        QSignalSpy refreshed(pane, &ui::DeploymentsPane::healthRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.size() >= 2, 5000); // once on selection, then every second
        QCOMPARE(pane->table()->rowCount(), 2);
        QCOMPARE(pane->table()->item(0, ui::DeploymentsPane::Health)->text(), QStringLiteral("unknown"));

        // Editing: a blank key keeps the stored one; ids stay.
        QTest::mouseClick(page->editButton(), Qt::LeftButton);
        dialog = page->dialog();
        QVERIFY(dialog);
        editor = dialog->deployments;
        QCOMPARE(editor->count(), 2);
        QVERIFY(editor->list->isVisibleTo(dialog));
        QVERIFY(dialog->apiKey->text().isEmpty());
        QVERIFY(dialog->apiKey->placeholderText().contains(QStringLiteral("stored")));
        QCOMPARE(editor->list->item(0, ui::DeploymentsEditor::Key)->text(), QStringLiteral("stored"));
        QCOMPARE(dialog->fallbacks->count(), 2);
        QVERIFY(dialog->autoRoute->isChecked());
        editor->list->setCurrentCell(1, 0);
        QCOMPARE(editor->current(), 1);
        QCOMPARE(dialog->apiBase->text(), QStringLiteral("http://127.0.0.1:1/v1"));
        editor->weight->setValue(2);
        editor->enabled->setChecked(false);
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_VERIFY(f.storedModel(QStringLiteral("primary"))->deployments.value(1).weight == 2.0);
        QTRY_VERIFY(!page->dialog() || page->dialog()->problem()->isVisible());
        QVERIFY2(!page->dialog(), qPrintable(page->dialog() ? page->dialog()->problem()->text() : QString()));
        stored = f.storedModel(QStringLiteral("primary"));
        QCOMPARE(stored->deployments.size(), 2);
        QCOMPARE(stored->deployments.at(0).id, first.id);
        QCOMPARE(stored->deployments.at(1).id, second.id);
        QCOMPARE(stored->deployments.at(0).apiKey, QStringLiteral("sk-first-secret"));
        QCOMPARE(stored->deployments.at(1).apiKey, QStringLiteral("sk-second-secret"));
        QVERIFY(!stored->deployments.at(1).enabled);
        QTRY_COMPARE(page->table()->item(f.modelRow(QStringLiteral("primary")), ui::ModelsPage::Deployments)->text(),
                     QStringLiteral("2 (1 disabled)"));

        // Removing the first deployment: the second, with its key, is all that is left and the model mirrors it.
        page->table()->selectRow(f.modelRow(QStringLiteral("primary")));
        QTest::mouseClick(page->editButton(), Qt::LeftButton);
        dialog = page->dialog();
        QVERIFY(dialog);
        editor = dialog->deployments;
        QCOMPARE(editor->current(), 0);
        QTest::mouseClick(editor->removeButton, Qt::LeftButton);
        QCOMPARE(editor->count(), 1);
        QVERIFY(!editor->list->isVisibleTo(dialog));
        QVERIFY(!editor->removeButton->isVisibleTo(dialog));
        QCOMPARE(dialog->apiBase->text(), QStringLiteral("http://127.0.0.1:1/v1"));
        editor->enabled->setChecked(true);
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_COMPARE(f.storedModel(QStringLiteral("primary"))->deployments.size(), 1);
        stored = f.storedModel(QStringLiteral("primary"));
        QCOMPARE(stored->deployments.first().id, second.id);
        QCOMPARE(stored->deployments.first().apiKey, QStringLiteral("sk-second-secret"));
        QCOMPARE(stored->apiBase, QStringLiteral("http://127.0.0.1:1/v1"));
        QTRY_COMPARE(pane->table()->rowCount(), 1);

        // A model made through the API with the single-deployment fields: saved from the dialog, it keeps its key.
        const model::Deployment backup = f.storedModel(QStringLiteral("backup"))->deployments.value(0);
        page->table()->selectRow(f.modelRow(QStringLiteral("backup")));
        QTest::mouseClick(page->editButton(), Qt::LeftButton);
        dialog = page->dialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->deployments->count(), 1);
        QVERIFY(!dialog->deployments->list->isVisibleTo(dialog));
        QTest::keyClicks(dialog->upstreamModel, QStringLiteral("-v2"));
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_VERIFY(f.storedModel(QStringLiteral("backup"))->upstreamModel.endsWith(QStringLiteral("-v2")));
        QCOMPARE(f.storedModel(QStringLiteral("backup"))->deployments.size(), 1);
        QCOMPARE(f.storedModel(QStringLiteral("backup"))->deployments.first().id, backup.id);
        QCOMPARE(f.storedModel(QStringLiteral("backup"))->apiKey, QStringLiteral("sk-backup"));
    }

    /// Contract section 13: the model's API format is chosen in the dialog, and a deployment's own in its editor
    /// (shown, like the weight, once there are several); the stored model gets them, and the dialog shows them again.
    void apiFormatChosenInTheDialog()
    {
        test::MockUpstream mock;
        QVERIFY(mock.ok());
        GuiFixture f;
        QVERIFY(f.start());
        ui::ModelsPage *page = f.app->window()->modelsPage();
        f.app->window()->pages()->setCurrentWidget(page);

        QTest::mouseClick(page->addButton(), Qt::LeftButton);
        ui::ModelDialog *dialog = page->dialog();
        QVERIFY(dialog && dialog->isVisible());
        ui::DeploymentsEditor *editor = dialog->deployments;
        QCOMPARE(dialog->apiFormat->currentData().toString(), QStringLiteral("openai")); // the default
        QVERIFY(!editor->apiFormat->isVisibleTo(dialog));
        QTest::keyClicks(dialog->name, QStringLiteral("claude"));
        QTest::keyClicks(dialog->apiBase, mock.url(QStringLiteral("/v1")).toString());
        dialog->apiFormat->setCurrentIndex(dialog->apiFormat->findData(QStringLiteral("anthropic")));
        QTest::mouseClick(editor->addButton, Qt::LeftButton);
        QVERIFY(editor->apiFormat->isVisibleTo(dialog));
        QCOMPARE(editor->apiFormat->currentData().toString(), QString()); // the model's
        QTest::keyClicks(dialog->apiBase, QStringLiteral("http://127.0.0.1:1/v1"));
        editor->apiFormat->setCurrentIndex(editor->apiFormat->findData(QStringLiteral("openai")));
        QCOMPARE(editor->list->item(1, ui::DeploymentsEditor::Format)->text(), editor->apiFormat->currentText());
        QCOMPARE(editor->list->item(0, ui::DeploymentsEditor::Format)->text(), editor->apiFormat->itemText(0));
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_VERIFY(f.storedModel(QStringLiteral("claude")));
        QTRY_VERIFY(!page->dialog() || page->dialog()->problem()->isVisible());
        QVERIFY2(!page->dialog(), qPrintable(page->dialog() ? page->dialog()->problem()->text() : QString()));

        const model::ModelConfig *stored = f.storedModel(QStringLiteral("claude"));
        QVERIFY(stored->apiFormat == model::ApiFormat::Anthropic);
        QCOMPARE(stored->deployments.size(), 2);
        QVERIFY(!stored->deployments.at(0).apiFormat);
        QVERIFY(stored->deployments.at(1).apiFormat == model::ApiFormat::OpenAI);

        // Edited again: the dialog shows both; the model goes back to OpenAI's API, the deployment keeps its own.
        QTRY_VERIFY(f.modelRow(QStringLiteral("claude")) >= 0);
        page->table()->selectRow(f.modelRow(QStringLiteral("claude")));
        QTest::mouseClick(page->editButton(), Qt::LeftButton);
        dialog = page->dialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->apiFormat->currentData().toString(), QStringLiteral("anthropic"));
        QCOMPARE(dialog->deployments->apiFormat->currentData().toString(), QString());
        dialog->deployments->setCurrent(1);
        QCOMPARE(dialog->deployments->apiFormat->currentData().toString(), QStringLiteral("openai"));
        dialog->apiFormat->setCurrentIndex(dialog->apiFormat->findData(QStringLiteral("openai")));
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_VERIFY(f.storedModel(QStringLiteral("claude"))->apiFormat == model::ApiFormat::OpenAI);
        QTRY_VERIFY(!page->dialog());
        stored = f.storedModel(QStringLiteral("claude"));
        QVERIFY(!stored->deployments.at(0).apiFormat);
        QVERIFY(stored->deployments.at(1).apiFormat == model::ApiFormat::OpenAI);
    }

    void requestsShowFallbackAndBrownout()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::RequestsPage *page = f.app->window()->requestsPage();
        f.app->window()->pages()->setCurrentWidget(page);
        // As the gateway reports a finished request: a fallback answered, capped by brownout.
        model::RequestRecord r;
        r.id = "req_fallback_1";
        r.startedAt = QDateTime::currentDateTimeUtc();
        r.tenantName = QStringLiteral("default");
        r.model = QStringLiteral("backup");
        r.requestedModel = QStringLiteral("primary");
        r.fallback = true;
        r.brownout = true;
        r.deploymentId = QStringLiteral("dep_0123");
        r.method = "POST";
        r.path = "/v1/chat/completions";
        r.status = 200;
        Q_EMIT f.app->link()->requestFinished(r);
        model::RequestRecord plain = r;
        plain.id = "req_plain_1";
        plain.model = QStringLiteral("primary");
        plain.requestedModel.clear();
        plain.fallback = false;
        plain.brownout = false;
        Q_EMIT f.app->link()->requestFinished(plain);
        ui::RequestLogModel *log = page->model();
        QTRY_COMPARE(log->rowCount(), 2);
        const int row = log->rowOf("req_fallback_1");
        QCOMPARE(log->index(row, ui::RequestLogModel::Model).data().toString(), QStringLiteral("backup ← primary"));
        QVERIFY(log->index(row, ui::RequestLogModel::Model)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("Fallback")));
        const QString notes = log->index(row, ui::RequestLogModel::Notes).data().toString();
        QVERIFY2(notes.contains(QStringLiteral("fallback")) && notes.contains(QStringLiteral("brownout")),
                 qPrintable(notes));
        QVERIFY(log->index(row, ui::RequestLogModel::Notes)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("max_tokens")));
        const int plainRow = log->rowOf("req_plain_1");
        QCOMPARE(log->index(plainRow, ui::RequestLogModel::Model).data().toString(), QStringLiteral("primary"));
        QVERIFY(log->index(plainRow, ui::RequestLogModel::Notes).data().toString().isEmpty());

        page->table()->selectRow(row);
        QTRY_VERIFY(page->details()->toPlainText().contains(QStringLiteral("Deployment dep_0123")));
        QVERIFY(page->details()->toPlainText().contains(QStringLiteral("Fallback: backup answered")));
        QVERIFY(page->details()->toPlainText().contains(QStringLiteral("Brownout")));
        // The text filter finds it by its badge.
        QTest::keyClicks(page->textFilter(), QStringLiteral("brownout"));
        QCOMPARE(page->table()->model()->rowCount(), 1);
    }

    void discoverFindsLocalServersAndRegistersThem()
    {
        test::MockUpstream mock;
        QVERIFY(mock.ok());
        GuiFixture f;
        QVERIFY(f.start());
        ui::ModelsPage *page = f.app->window()->modelsPage();
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 closedPort = closed.serverPort();
        closed.close();
        page->setDiscoveryPorts({{QStringLiteral("Mock"), mock.port()}, {QStringLiteral("Nothing"), closedPort}});
        QTest::mouseClick(page->discoverButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->discovered()->count() == 1, 10000);
        QVERIFY(page->discovered()->item(0)->text().startsWith(QStringLiteral("mock-model (Mock)")));
        QTest::mouseClick(page->registerButton(), Qt::LeftButton);
        QTRY_COMPARE(page->table()->rowCount(), 1);
        const QJsonObject stored = f.admin("GET", "/api/v1/models").data().first().toObject();
        QCOMPARE(stored.value(QStringLiteral("model_name")).toString(), QStringLiteral("mock-model"));
        QCOMPARE(stored.value(QStringLiteral("api_base")).toString(), mock.url(QStringLiteral("/v1")).toString());
    }

    void settingsShowRevealAndRegenerateTheAdminToken()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::SettingsPage *page = f.app->window()->settingsPage();
        f.app->window()->pages()->setCurrentWidget(page);
        QTRY_COMPARE(page->adminToken()->text().toLatin1(), kAdminToken);
        QCOMPARE(page->dataFolder()->text(), f.dir.path());
        QCOMPARE(page->adminToken()->echoMode(), QLineEdit::Password);
        QTest::mouseClick(page->revealButton(), Qt::LeftButton);
        QCOMPARE(page->adminToken()->echoMode(), QLineEdit::Normal);
        QTest::mouseClick(page->copyButton(), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text().toLatin1(), kAdminToken);
        // A token from OBLETH_ADMIN_TOKEN (as in this fixture) cannot be regenerated here.
        QVERIFY(!page->regenerateButton()->isEnabled());
    }

    void healthAskedForWhileTheGatewayStopsIsAnswered()
    {
        // The health pane polls every second: a poll queued to the gateway thread just behind the stop ran after the
        // gateway had let go of its parts, and read the freed health board (the app crashed). Regression.
        GuiFixture f;
        QVERIFY(f.start());
        const test::Response created = test::postJson(f.adminPort, "/api/v1/models", kAdminToken,
                                                      "{\"model_name\":\"local\",\"api_base\":\"http://127.0.0.1:9\"}");
        QCOMPARE(created.status, 201);
        const QString modelId = created.json().value(QStringLiteral("id")).toString();
        QSignalSpy stopped(f.gw.get(), &gateway::GatewayThread::stopped);
        f.gw->shutdown(1000);
        bool answered = false;
        qsizetype entries = -1;
        for (int i = 0; i < 3; ++i) {
            f.app->link()->fetchDeploymentHealth(modelId, f.app.get(),
                                                 [&](const QList<model::DeploymentHealth> &health) {
                                                     answered = true;
                                                     entries = health.size();
                                                 });
        }
        QVERIFY(stopped.wait(10'000));
        QTRY_VERIFY_WITH_TIMEOUT(answered, 10'000);
        QVERIFY(entries == 0 || entries == 1); // nothing once stopped; the model's one deployment before
    }

    void regeneratedTokenReplacesTheOldOneAtOnce()
    {
        QTemporaryDir dir;
        gateway::GatewayOptions options;
        options.dataPort = 0;
        options.adminPort = 0;
        options.dataDir = dir.path();
        gateway::GatewayThread gw(options);
        ui::GuiApp app(&gw);
        QSignalSpy started(&gw, &gateway::GatewayThread::started);
        gw.start();
        QVERIFY(started.wait(10'000));
        const quint16 adminPort = quint16(QUrl(started.first().at(1).toString()).port());
        ui::SettingsPage *page = app.window()->settingsPage();
        QTRY_VERIFY(!page->adminToken()->text().isEmpty());
        const QByteArray old = page->adminToken()->text().toLatin1();
        const auto status = [adminPort](const QByteArray &token) {
            return test::request(adminPort, "GET", "/api/v1/status",
                                 test::headers({{"Authorization", "Bearer " + token}}))
                .status;
        };
        QCOMPARE(status(old), 200);
        QVERIFY(page->regenerateButton()->isEnabled());
        QTimer::singleShot(0, this, [] { // answer the confirmation
            if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget()))
                box->button(QMessageBox::Yes)->click();
        });
        QTest::mouseClick(page->regenerateButton(), Qt::LeftButton);
        QTRY_VERIFY(page->adminToken()->text().toLatin1() != old);
        const QByteArray fresh = page->adminToken()->text().toLatin1();
        QCOMPARE(status(old), 401);
        QCOMPARE(status(fresh), 200);
        QFile file(dir.filePath(QStringLiteral("admin-token")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().trimmed(), fresh);
        QCOMPARE(file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
        QSignalSpy stopped(&gw, &gateway::GatewayThread::stopped);
        app.quit();
        QVERIFY(stopped.wait(10'000));
    }

    void startAtLoginAndColours()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::SettingsPage *page = f.app->window()->settingsPage();
        const ui::Autostart entry(QCoreApplication::applicationFilePath());
        page->startAtLogin()->setChecked(true);
        QVERIFY(entry.isEnabled());
        QFile desktop(entry.location());
        QVERIFY(desktop.open(QIODevice::ReadOnly));
        QVERIFY(desktop.readAll().contains(QCoreApplication::applicationFilePath().toUtf8()));
        page->startAtLogin()->setChecked(false);
        QVERIFY(!entry.isEnabled());

        page->theme()->setCurrentIndex(2); // dark
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
        page->theme()->setCurrentIndex(1); // light
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
        page->theme()->setCurrentIndex(0);
    }

    void aSecondInstanceBringsTheFirstForward()
    {
        QTemporaryDir dir;
        ui::SingleInstance first(dir.path());
        QVERIFY(first.claim());
        QSignalSpy activated(&first, &ui::SingleInstance::activationRequested);
        ui::SingleInstance second(dir.path());
        QVERIFY(!second.claim());
        QTRY_COMPARE(activated.size(), 1);
        QTemporaryDir other;
        QVERIFY(ui::SingleInstance(other.path()).claim()); // another data folder is another instance
    }

    void aSecondObleth()
    {
        // Two real `obleth` GUI processes on one data folder: the second exits at once, saying so.
        QTemporaryDir dir;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        const QStringList args{QStringLiteral("--data-dir"),   dir.path(),
                               QStringLiteral("--port"),       QStringLiteral("0"),
                               QStringLiteral("--admin-port"), QStringLiteral("0")};
        QProcess first;
        first.setProcessEnvironment(env);
        first.start(test::oblethBinary(), args);
        QVERIFY(first.waitForStarted());
        const QString name = ui::SingleInstance(dir.path()).name();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&name] {
                QLocalSocket probe;
                probe.connectToServer(name);
                return probe.waitForConnected(100);
            }(),
            10000);
        QProcess second;
        second.setProcessEnvironment(env);
        second.start(test::oblethBinary(), args);
        QVERIFY(second.waitForFinished(10000));
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.exitCode(), 0);
        QVERIFY(second.readAllStandardOutput().contains("already running"));
        QCOMPARE(first.state(), QProcess::Running);
        first.terminate();
        QVERIFY(first.waitForFinished(10000));
    }

    void startErrorsSayWhatToDo_data()
    {
        QTest::addColumn<bool>("portTaken");
        QTest::addColumn<QString>("advice");
        QTest::newRow("port in use") << true << QStringLiteral("Another program");
        QTest::newRow("corrupt database") << false << QStringLiteral("Move it away");
    }
    void startErrorsSayWhatToDo()
    {
        QFETCH(bool, portTaken);
        QFETCH(QString, advice);
        QTemporaryDir dir;
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost));
        gateway::GatewayOptions options;
        options.dataPort = portTaken ? taken.serverPort() : 0;
        options.adminPort = 0;
        options.dataDir = dir.path();
        if (!portTaken) {
            QFile db(dir.filePath(QStringLiteral("obleth.db")));
            QVERIFY(db.open(QIODevice::WriteOnly));
            db.write("this is not a database");
        }
        gateway::GatewayThread gw(options);
        ui::GuiApp app(&gw);
        QSignalSpy failed(&gw, &gateway::GatewayThread::startFailed);
        gw.start();
        QVERIFY(failed.wait(10'000));
        QTRY_VERIFY(app.window()->overview()->stateText().contains(advice));
        QCOMPARE(app.tray()->state(), ui::TrayIcon::State::Error);
        QVERIFY(app.window()->isVisible());
    }

    void mcpServerRegisteredEditedAndTested()
    {
#ifndef OBLETH_NODE
        QSKIP("needs Node.js and the MCP reference server (scripts/install-deps.sh --tests)");
#else
        // The MCP reference server, over streamable HTTP.
        QTcpServer portFinder;
        QVERIFY(portFinder.listen(QHostAddress::LocalHost));
        const quint16 port = portFinder.serverPort();
        portFinder.close();
        QProcess everything;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PORT"), QString::number(port));
        everything.setProcessEnvironment(env);
        everything.start(
            QStringLiteral(OBLETH_NODE),
            {QStringLiteral(OBLETH_NODE_DIR "/node_modules/@modelcontextprotocol/server-everything/dist/index.js"),
             QStringLiteral("streamableHttp")});
        QVERIFY(everything.waitForStarted());
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT((log += everything.readAllStandardError()).contains("listening on port"), 15000);

        GuiFixture f;
        QVERIFY(f.start());
        ui::McpServersPage *page = f.app->window()->mcpPage();
        f.app->window()->pages()->setCurrentWidget(page);
        QTest::mouseClick(page->addButton(), Qt::LeftButton);
        const ui::McpServersPage::Form &form = page->form();
        QVERIFY(form.dialog && form.dialog->isVisible());
        QTest::keyClicks(form.name, QStringLiteral("everything"));
        QTest::keyClicks(form.url, QStringLiteral("http://127.0.0.1:%1/mcp").arg(port));
        QTest::keyClicks(form.auth, QStringLiteral("Bearer upstream-secret"));
        QCOMPARE(form.tenants->count(), 1); // the default tenant
        form.tenants->item(0)->setCheckState(Qt::Checked);
        QTest::mouseClick(form.dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save), Qt::LeftButton);
        QTRY_COMPARE(page->table()->rowCount(), 1);
        QCOMPARE(page->table()->item(0, ui::McpServersPage::Tenants)->text(), QStringLiteral("default"));
        const QJsonObject stored = f.admin("GET", "/api/v1/mcp-servers").data().first().toObject();
        QCOMPARE(stored.value(QStringLiteral("has_auth_header")).toBool(), true);
        QCOMPARE(stored.value(QStringLiteral("allowed_tenants")).toArray().size(), 1);

        page->table()->selectRow(0);
        QTest::mouseClick(page->testButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->message()->text().contains(QStringLiteral("answered in")), 10000);
        // And clients reach it through the gateway.
        const test::Response init = test::request(
            f.dataPort, "POST", "/mcp/everything",
            test::headers({{"Authorization", "Bearer " + f.firstKey},
                           {"Content-Type", "application/json"},
                           {"Accept", "application/json, text/event-stream"}}),
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
            "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        QCOMPARE(init.status, 200);

        // A bad URL is refused in the form, which stays open.
        page->table()->selectRow(0);
        QTest::mouseClick(page->editButton(), Qt::LeftButton);
        QVERIFY(page->form().dialog);
        page->form().url->setText(QStringLiteral("ftp://nope"));
        QTest::mouseClick(page->form().dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save),
                          Qt::LeftButton);
        QTRY_VERIFY(page->form().problem->text().contains(QStringLiteral("upstream_url")));
        everything.terminate();
        everything.waitForFinished(5000);
#endif
    }

    void trayMenuPausesCopiesAndOpens()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::TrayIcon *tray = f.app->tray();
        QTRY_COMPARE(tray->state(), ui::TrayIcon::State::Running);
        QVERIFY(!tray->icon().isNull());
        QVERIFY(!tray->icon().pixmap(64).isNull()); // the SVG renders (needs the Qt SVG icon plugin)

        tray->copyUrlAction()->trigger();
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("http://127.0.0.1:%1/v1").arg(f.dataPort));

        tray->pauseAction()->trigger();
        QTRY_COMPARE(tray->state(), ui::TrayIcon::State::Paused);
        QVERIFY(tray->toolTip().contains(QStringLiteral("paused")));
        QCOMPARE(tray->pauseAction()->text(), QStringLiteral("&Resume gateway"));
        const test::Response paused
            = test::postJson(f.dataPort, "/v1/chat/completions", f.firstKey, "{\"model\":\"mock-model\"}");
        QCOMPARE(paused.status, 503);
        QCOMPARE(paused.errorCode(), QStringLiteral("gateway_paused"));
        QCOMPARE(test::request(f.dataPort, "GET", "/health").status, 503);
        QCOMPARE(f.admin("GET", "/api/v1/status").json().value(QStringLiteral("paused")).toBool(), true);

        tray->pauseAction()->trigger();
        QTRY_COMPARE(tray->state(), ui::TrayIcon::State::Running);
        QCOMPARE(test::postJson(f.dataPort, "/v1/chat/completions", f.firstKey, "{\"model\":\"mock-model\"}").status,
                 200);

        f.app->window()->pages()->setCurrentIndex(0);
        tray->newKeyAction()->trigger();
        QCOMPARE(f.app->window()->pages()->currentWidget(), f.tenants());
    }

    void overviewShowsLiveCounts()
    {
        GuiFixture f;
        QVERIFY(f.start());
        ui::OverviewPage *overview = f.app->window()->overviewPage();
        // A slow request holds a permit: the overview and the tray's tooltip show it.
        test::RawClient slow(f.dataPort);
        const QByteArray body = "{\"model\":\"mock-model\",\"max_tokens\":5}";
        slow.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + f.firstKey
                  + "\r\nx-mock-latency-ms: 4000\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
                  + body);
        QTRY_VERIFY_WITH_TIMEOUT(overview->counters()->text().startsWith(QStringLiteral("1 request in flight")), 5000);
        QVERIFY(overview->counters()->text().contains(QStringLiteral("1 of 64 permits")));
        QTRY_VERIFY(f.app->tray()->toolTip().contains(QStringLiteral("1 in flight")));
        QTRY_VERIFY(overview->admission()->rowCount() >= 2); // the model and the tenant
        QStringList rows;
        for (int r = 0; r < overview->admission()->rowCount(); ++r)
            rows << overview->admission()->item(r, 0)->text();
        QVERIFY2(rows.contains(QStringLiteral("model mock-model")), qPrintable(rows.join(QLatin1Char(','))));
        QVERIFY(rows.contains(QStringLiteral("tenant default")));
        QTRY_VERIFY_WITH_TIMEOUT(slow.received().contains("HTTP/1.1 200"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(overview->counters()->text().startsWith(QStringLiteral("0 requests in flight")), 5000);
    }

    void chartCountsRequestsAndTokensPerSecond()
    {
        ui::ThroughputChart chart;
        chart.add(10);
        chart.add(5);
        QCOMPARE(chart.requestsPerSecond(), 0.0); // the second is not over yet
        chart.tick();
        QCOMPARE(chart.requestsPerSecond(), 2.0);
        QCOMPARE(chart.tokensPerSecond(), 15.0);
        for (int i = 0; i < ui::ThroughputChart::kSeconds + 10; ++i)
            chart.tick();
        QCOMPARE(chart.requestsPerSecond(), 0.0);
        chart.resize(400, 120);
        QVERIFY(!chart.grab().isNull()); // paints with any amount of history
    }

    void theLogOpensWithThePreviousRequests()
    {
        QTemporaryDir dir;
        gateway::GatewayOptions options;
        options.dataPort = 0;
        options.adminPort = 0;
        options.dataDir = dir.path();
        {
            test::GatewayFixture first(QUrl(), dir.path());
            QVERIFY(first.ok());
            for (int i = 0; i < 3; ++i)
                QCOMPARE(test::postJson(first.dataPort(), "/v1/chat/completions", first.firstKey(),
                                        "{\"model\":\"mock-model\",\"max_tokens\":2}")
                             .status,
                         200);
        } // stopped: the log is written
        gateway::GatewayThread gw(options);
        ui::GuiApp app(&gw);
        QSignalSpy started(&gw, &gateway::GatewayThread::started);
        gw.start();
        QVERIFY(started.wait(10'000));
        ui::RequestLogModel *model = app.window()->requestsPage()->model();
        QTRY_COMPARE(model->rowCount(), 3);
        QCOMPARE(model->data(model->index(0, ui::RequestLogModel::Status)).toString(), QStringLiteral("200"));
        QCOMPARE(model->data(model->index(2, ui::RequestLogModel::Model)).toString(), QStringLiteral("mock-model"));
        // New requests go on top of them.
        const quint16 port = quint16(QUrl(started.first().at(0).toString()).port());
        QSignalSpy stopped(&gw, &gateway::GatewayThread::stopped);
        QCOMPARE(test::request(port, "GET", "/v1/models").status, 401);
        QTRY_COMPARE(model->rowCount(), 4);
        QCOMPARE(model->data(model->index(0, ui::RequestLogModel::Status)).toString(), QStringLiteral("401"));
        QCOMPARE(model->rowOf(model->entryAt(3)->record.id), 3);
        app.quit();
        QVERIFY(stopped.wait(10'000));
    }

    void aThousandRequestsASecondKeepTheLogBounded()
    {
        ui::RequestLogModel model;
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (int i = 0; i < ui::RequestLogModel::kMaxRows + 1000; ++i) {
            model::RequestRecord r;
            r.id = "req_" + QByteArray::number(i);
            r.startedAt = now;
            r.status = 200;
            model.started(model::RequestStarted{r.id, now, {}, {}, {}, {}, "POST", "/v1/chat/completions", {}});
            model.finished(r);
        }
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QTRY_COMPARE(model.rowCount(), ui::RequestLogModel::kMaxRows);
        QCOMPARE(inserted.size(), 1); // one batch, not one insert per request
        QCOMPARE(model.entryAt(0)->record.id, QByteArray("req_5999"));
        QCOMPARE(model.rowOf("req_1000"), ui::RequestLogModel::kMaxRows - 1);
        QCOMPARE(model.rowOf("req_999"), -1);
    }

    void gatewayAnswersWhileTheMainThreadIsBusy()
    {
        test::GatewayFixture gw;
        QVERIFY(gw.ok());
        // The main (GUI) thread is blocked in wait() below; a client on another thread still gets
        // its answer, because both listeners live in the gateway's own thread.
        int status = 0;
        std::unique_ptr<QThread> client(QThread::create([&] {
            status = test::postJson(gw.dataPort(), "/v1/chat/completions", gw.firstKey(), "{\"model\":\"mock-model\"}")
                         .status;
        }));
        client->start();
        QVERIFY(client->wait(10'000));
        QCOMPARE(status, 200);
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
