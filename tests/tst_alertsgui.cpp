// Alerts in the tray app (contract section 12): an alert the gateway publishes reaches the GUI through its link and
// becomes one desktop notification; the tray's own guard lets one a minute through per kind and subject.

#include "gateway/gateway.h"
#include "gateway/gatewaythread.h"
#include "status/eventfeed.h"
#include "ui/alertthrottle.h"
#include "ui/gatewaylink.h"
#include "ui/guiapp.h"
#include "ui/trayicon.h"

#include <QAction>
#include <QApplication>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace obleth;

namespace {

QJsonObject alert(const QString &event, const QJsonObject &details)
{
    return QJsonObject{{QStringLiteral("event"), event},
                       {QStringLiteral("time"), QStringLiteral("2026-06-01T12:00:00Z")},
                       {QStringLiteral("message"), QStringLiteral("%1 happened").arg(event)},
                       {QStringLiteral("details"), details}};
}

QJsonObject modelDown(const QString &model)
{
    return alert(QStringLiteral("model_unavailable"), QJsonObject{{QStringLiteral("model"), model}});
}

/// Publishes @p data on the gateway's feed, on the gateway's thread (as the alerts do).
void publish(gateway::Gateway *gateway, const QString &type, const QJsonObject &data)
{
    status::EventFeed *feed = gateway->eventFeed();
    QMetaObject::invokeMethod(feed, [feed, type, data] { feed->publish(type, data); });
}

} // namespace

class TestAlertsGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings go to a test location
    }

    void throttleLetsOneAMinuteThroughPerKindAndSubject()
    {
        ui::AlertThrottle throttle;
        const QDateTime t0 = QDateTime::currentDateTimeUtc();
        QVERIFY(throttle.admit(QStringLiteral("model_unavailable"), QStringLiteral("a"), t0));
        QVERIFY(!throttle.admit(QStringLiteral("model_unavailable"), QStringLiteral("a"), t0.addSecs(59)));
        QVERIFY(throttle.admit(QStringLiteral("model_unavailable"), QStringLiteral("b"), t0.addSecs(1)));
        QVERIFY(throttle.admit(QStringLiteral("deployment_down"), QStringLiteral("a"), t0.addSecs(1)));
        QVERIFY(throttle.admit(QStringLiteral("model_unavailable"), QStringLiteral("a"), t0.addSecs(60)));

        QCOMPARE(
            ui::AlertThrottle::subjectOf(alert(QStringLiteral("deployment_down"),
                                               QJsonObject{{QStringLiteral("model_id"), QStringLiteral("m1")},
                                                           {QStringLiteral("model"), QStringLiteral("gpt")},
                                                           {QStringLiteral("deployment_id"), QStringLiteral("d1")}})),
            QStringLiteral("m1/d1"));
        QCOMPARE(ui::AlertThrottle::subjectOf(alert(QStringLiteral("key_expiring"),
                                                    QJsonObject{{QStringLiteral("key_id"), QStringLiteral("k1")},
                                                                {QStringLiteral("tenant_id"), QStringLiteral("t1")}})),
                 QStringLiteral("k1"));
        QCOMPARE(ui::AlertThrottle::subjectOf(alert(QStringLiteral("queue_saturated"), {})),
                 QStringLiteral("queue_saturated"));
    }

    void alertReachingTheLinkShowsOneTrayMessage()
    {
        QTemporaryDir dir;
        gateway::GatewayOptions options;
        options.dataPort = 0;
        options.adminPort = 0;
        options.dataDir = dir.path();
        options.adminToken = QStringLiteral("alerts-gui-test-admin-token-01");
        gateway::GatewayThread gw(options);
        ui::GuiApp app(&gw);
        QSignalSpy started(&gw, &gateway::GatewayThread::started);
        gw.start();
        QVERIFY(started.wait(10'000));
        QTRY_VERIFY(app.link()->isReady());
        ui::TrayIcon *tray = app.tray();
        tray->alertsAction()->setChecked(true);
        QSignalSpy raised(app.link(), &ui::GatewayLink::alertRaised);
        QSignalSpy notified(tray, &ui::TrayIcon::notified);

        publish(gw.gateway(), QStringLiteral("model_unavailable"), modelDown(QStringLiteral("gpt-x")));
        QTRY_COMPARE(notified.size(), 1);
        QCOMPARE(notified.first().at(0).toString(), QStringLiteral("obleth: model unavailable"));
        QCOMPARE(notified.first().at(1).toString(), QStringLiteral("model_unavailable happened"));

        // The same subject within the minute: the link hears it, the tray shows nothing. A health event that is no
        // alert does not even reach the tray. Another model is another subject.
        publish(gw.gateway(), QStringLiteral("model_unavailable"), modelDown(QStringLiteral("gpt-x")));
        publish(gw.gateway(), QStringLiteral("deployment_health_changed"),
                QJsonObject{{QStringLiteral("model_id"), QStringLiteral("m1")}});
        publish(gw.gateway(), QStringLiteral("model_unavailable"), modelDown(QStringLiteral("other")));
        QTRY_COMPARE(raised.size(), 3);
        QTRY_COMPARE(notified.size(), 2);
        QCOMPARE(notified.last().at(1).toString(), QStringLiteral("model_unavailable happened"));

        // Silenced from the menu: nothing is shown.
        tray->alertsAction()->setChecked(false);
        publish(gw.gateway(), QStringLiteral("queue_saturated"), alert(QStringLiteral("queue_saturated"), {}));
        QTRY_COMPARE(raised.size(), 4);
        QCOMPARE(notified.size(), 2);
        tray->alertsAction()->setChecked(true);

        QSignalSpy stopped(&gw, &gateway::GatewayThread::stopped);
        app.quit();
        QVERIFY(stopped.wait(10'000));
    }

    void trayGuardUsesItsClock()
    {
        ui::TrayIcon tray;
        tray.alertsAction()->setChecked(true);
        QDateTime now = QDateTime::currentDateTimeUtc();
        tray.setClock([&now] { return now; });
        QSignalSpy notified(&tray, &ui::TrayIcon::notified);
        tray.notifyAlert(QStringLiteral("model_unavailable"), modelDown(QStringLiteral("a")));
        now = now.addSecs(30);
        tray.notifyAlert(QStringLiteral("model_unavailable"), modelDown(QStringLiteral("a")));
        QCOMPARE(notified.size(), 1);
        now = now.addSecs(31);
        tray.notifyAlert(QStringLiteral("model_unavailable"), modelDown(QStringLiteral("a")));
        QCOMPARE(notified.size(), 2);
    }
};

QTEST_MAIN(TestAlertsGui)
#include "tst_alertsgui.moc"
