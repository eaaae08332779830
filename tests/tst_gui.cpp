// The tray app's status window follows the gateway it runs (offscreen).

#include "gateway/gatewaythread.h"
#include "gatewayfixture.h"
#include "testhttp.h"
#include "ui/guiapp.h"
#include "ui/statuswindow.h"

#include <QApplication>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace obleth;

class TestGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
