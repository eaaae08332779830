// How fast the request log is at size: fills a log with N rows (default 1,000,000) the way the gateway
// writes them (batches of RequestLog::kMaxBatch, each one transaction with its usage totals), then times
// the Management API's queries against it. Run: build/release/bench/requestlog_bench [rows] [--write-only]
// [--database postgresql://USER:PASSWORD@HOST:PORT/DB] (an empty database: bench/pg-requestlog.sh makes one; by
// default a SQLite file in a temporary folder).

#include "store/database.h"
#include "store/requestlog.h"
#include "store/requestlogstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>

using namespace obleth;

namespace {
double medianMs(const std::function<void()> &run, int times = 21)
{
    QList<double> ms;
    for (int i = 0; i < times; ++i) {
        QElapsedTimer t;
        t.start();
        run();
        ms << double(t.nsecsElapsed()) / 1e6;
    }
    std::sort(ms.begin(), ms.end());
    return ms.at(ms.size() / 2);
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const qint64 rows = argc > 1 && !args.at(1).startsWith(u'-') ? args.at(1).toLongLong() : 1'000'000;
    const bool writeOnly = args.contains(QStringLiteral("--write-only"));
    const qsizetype databaseAt = args.indexOf(QStringLiteral("--database"));
    QTemporaryDir dir;
    const QString location = databaseAt > 0 && databaseAt + 1 < args.size() ? args.at(databaseAt + 1)
                                                                            : dir.filePath(QStringLiteral("obleth.db"));
    store::Database db;
    QString error;
    std::printf("database: %s\n", qPrintable(store::Database::displayName(location)));
    if (!db.open(location, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    store::RequestLogStore log(db.connection());

    // 20 tenants, 10 models, 30 days; 95 % 200, 3 % 429, 1 % 404, 1 % 500.
    QRandomGenerator rng(42);
    const QDateTime start = QDateTime::currentDateTimeUtc().addDays(-30);
    const qint64 spanMs = 30LL * 24 * 3600 * 1000;
    QElapsedTimer fill;
    fill.start();
    qint64 writeNs = 0; // in RequestLogStore::write alone (the log's thread), without building the records
    std::clock_t writeCpu = 0; // the same in CPU time (steadier than the clock on a busy machine)
    QList<model::RequestRecord> batch;
    for (qint64 i = 0; i < rows; ++i) {
        model::RequestRecord r;
        r.id = "req_" + QByteArray::number(i, 16).rightJustified(32, '0');
        r.startedAt = start.addMSecs(spanMs * i / rows);
        const int tenant = int(rng.bounded(20));
        r.tenantId = QStringLiteral("tenant-%1").arg(tenant);
        r.tenantName = QStringLiteral("team %1").arg(tenant);
        r.keyPrefix = QStringLiteral("sk_0123456789abcde");
        r.model = QStringLiteral("model-%1").arg(rng.bounded(10));
        r.method = "POST";
        r.path = "/v1/chat/completions";
        const int roll = int(rng.bounded(100));
        r.status = roll < 95 ? 200 : roll < 98 ? 429 : roll < 99 ? 404 : 500;
        r.latencyMs = rng.bounded(2000);
        r.firstByteMs = r.latencyMs / 4;
        r.promptTokens = rng.bounded(500);
        r.completionTokens = rng.bounded(500);
        r.cost = double(r.promptTokens + r.completionTokens) * 1e-6;
        r.streamed = roll % 2;
        r.bytesIn = 400;
        r.bytesOut = 2000;
        r.cache = QStringLiteral("off");
        batch.append(r);
        if (batch.size() == store::RequestLog::kMaxBatch || i == rows - 1) {
            QElapsedTimer write;
            write.start();
            const std::clock_t cpu = std::clock();
            const bool written = log.write(batch, &error);
            writeCpu += std::clock() - cpu;
            writeNs += write.nsecsElapsed();
            if (!written) {
                std::fprintf(stderr, "%s\n", qPrintable(error));
                return 1;
            }
            batch.clear();
        }
    }
    const double fillSecs = double(fill.elapsed()) / 1000.0;
    std::printf("rows: %lld, written in %.1f s (%.0f rows/s, batches of %d)\n", rows, fillSecs, double(rows) / fillSecs,
                store::RequestLog::kMaxBatch);
    const double cpuSecs = double(writeCpu) / CLOCKS_PER_SEC;
    std::printf("of which writing: %.1f s (%.0f rows/s); CPU %.1f s (%.0f rows per CPU second)\n",
                double(writeNs) / 1e9, double(rows) / (double(writeNs) / 1e9), cpuSecs, double(rows) / cpuSecs);
    if (writeOnly)
        return 0;

    struct Case
    {
        const char *name;
        std::function<void()> run;
    };
    QList<store::LoggedRequest> out;
    QList<store::UsageRow> usage;
    auto filtered = [&](std::function<void(store::RequestFilter &)> set) {
        return [&out, &log, set] {
            store::RequestFilter f;
            set(f);
            QString e;
            log.requests(f, &out, &e);
        };
    };
    auto grouped = [&](store::UsageQuery::GroupBy by, QDateTime since = {}) {
        return [&usage, &log, by, since] {
            QString e;
            log.usage(store::UsageQuery{by, since}, &usage, &e);
        };
    };
    const QList<Case> cases{
        {"newest 100", filtered([](store::RequestFilter &) {})},
        {"newest 1000", filtered([](store::RequestFilter &f) { f.limit = 1000; })},
        {"tenant_id, 100", filtered([](store::RequestFilter &f) { f.tenantId = QStringLiteral("tenant-7"); })},
        {"model, 100", filtered([](store::RequestFilter &f) { f.model = QStringLiteral("model-3"); })},
        {"status=500, 100", filtered([](store::RequestFilter &f) { f.statusMin = f.statusMax = 500; })},
        {"status=4xx, 100", filtered([](store::RequestFilter &f) {
             f.statusMin = 400;
             f.statusMax = 499;
         })},
        {"tenant + status=429", filtered([](store::RequestFilter &f) {
             f.tenantId = QStringLiteral("tenant-7");
             f.statusMin = f.statusMax = 429;
         })},
        {"page 100 deep (before)", filtered([rows](store::RequestFilter &f) { f.beforeSeq = rows / 2; })},
        {"since 1 h ago",
         filtered([](store::RequestFilter &f) { f.since = QDateTime::currentDateTimeUtc().addSecs(-3600); })},
        {"usage by tenant", grouped(store::UsageQuery::GroupBy::Tenant)},
        {"usage by model", grouped(store::UsageQuery::GroupBy::Model)},
        {"usage by day", grouped(store::UsageQuery::GroupBy::Day)},
        {"usage by tenant, 7 days",
         grouped(store::UsageQuery::GroupBy::Tenant, QDateTime::currentDateTimeUtc().addDays(-7))},
    };
    std::printf("%-28s %10s\n", "query", "median ms");
    for (const Case &c : cases)
        std::printf("%-28s %10.2f\n", c.name, medianMs(c.run));
    QElapsedTimer prune;
    prune.start();
    qint64 deleted = 0;
    for (qint64 n = 1; n > 0; deleted += n)
        n = log.prune(store::Retention{0, rows / 2}, QDateTime::currentDateTimeUtc(), 20'000, &error);
    std::printf("pruning %lld rows (to max_rows %lld): %.2f s in slices of 20,000\n", deleted, rows / 2,
                double(prune.elapsed()) / 1000.0);
    return 0;
}
