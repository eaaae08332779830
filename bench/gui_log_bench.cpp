// Is the window responsive while the request log fills at 1,000 rows a second? Feeds the Requests page
// (its real model and view, on screen: offscreen or a display) with started+finished events at RATE per
// second for SECONDS, and measures how late a 10 ms timer fires on the GUI thread meanwhile.
//   QT_QPA_PLATFORM=offscreen build/release/bench/gui_log_bench [RATE=1000] [SECONDS=10]

#include "ui/requestlogmodel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace obleth;

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    const int rate = argc > 1 ? QByteArray(argv[1]).toInt() : 1000;
    const int seconds = argc > 2 ? QByteArray(argv[2]).toInt() : 10;

    ui::RequestLogModel model;
    QTableView view;
    view.setModel(&model);
    view.resize(1000, 600);
    view.show();

    QElapsedTimer clock;
    clock.start();
    qint64 sent = 0;
    // Events arrive in bursts every 10 ms, as queued signals from the gateway thread do.
    QTimer feeder;
    feeder.setInterval(10);
    QObject::connect(&feeder, &QTimer::timeout, &app, [&] {
        const qint64 due = clock.elapsed() * rate / 1000;
        for (; sent < due; ++sent) {
            model::RequestRecord r;
            r.id = "req_" + QByteArray::number(sent);
            r.startedAt = QDateTime::currentDateTimeUtc();
            r.tenantName = QStringLiteral("team-%1").arg(sent % 7);
            r.model = QStringLiteral("model-%1").arg(sent % 3);
            r.method = "POST";
            r.path = "/v1/chat/completions";
            r.status = sent % 50 == 0 ? 429 : 200;
            r.latencyMs = 120;
            r.promptTokens = 40;
            r.completionTokens = 200;
            model.started(
                model::RequestStarted{r.id, r.startedAt, {}, r.tenantName, {}, r.model, r.method, r.path, {}});
            model.finished(r);
        }
    });
    // The probe: a 10 ms timer; how late is it?
    QList<qint64> lateness;
    QElapsedTimer tick;
    tick.start();
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        lateness.append(std::max<qint64>(0, tick.restart() - 10));
        if (clock.elapsed() > seconds * 1000)
            app.quit();
    });
    feeder.start();
    probe.start();
    app.exec();

    std::sort(lateness.begin(), lateness.end());
    const auto pct
        = [&](double p) { return lateness.isEmpty() ? 0 : lateness.at(qsizetype(p * (lateness.size() - 1))); };
    std::printf("%lld rows in %d s (%d/s), %d rows kept; a 10 ms GUI timer was late by p50 %lld ms, p99 %lld ms, "
                "max %lld ms\n",
                sent, seconds, rate, model.rowCount(), pct(0.5), pct(0.99), lateness.isEmpty() ? 0 : lateness.last());
    return 0;
}
