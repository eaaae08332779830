// How fast the Redis client (core/redis) is on one connection: INCR and a small EVALSHA, one at a time (each command
// waits for the previous reply: the round trip) and pipelined (batches of --pipeline commands, the next batch sent when
// the last reply of the previous one is in, as redis-benchmark -P does). Prints one CSV line a case: name, requests
// per second, and the p50 and p99 latency of a command in ms (sent to answered). bench/redis.sh runs it next to
// redis-benchmark on the same server.
//
// Run: build/release/bench/redis_bench redis://127.0.0.1:6379 [--requests N] [--pipeline P]

#include "redis/redisclient.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace obleth;

namespace {

struct Result
{
    double rps = 0;
    double p50 = 0;
    double p99 = 0;
    int errors = 0;
};

double percentile(std::vector<qint64> &ns, double p)
{
    if (ns.empty())
        return 0;
    const auto at = std::min(ns.size() - 1, size_t(double(ns.size()) * p));
    std::nth_element(ns.begin(), ns.begin() + qsizetype(at), ns.end());
    return double(ns[at]) / 1e6;
}

/// Runs @p requests commands made by @p send, @p pipeline at a time, and waits for every reply.
Result run(redis::Client &client, int requests, int pipeline,
           const std::function<void(redis::Client &, redis::Client::Callback)> &send)
{
    QEventLoop loop;
    QElapsedTimer clock;
    std::vector<qint64> latencies;
    latencies.reserve(size_t(requests));
    Result result;
    int sent = 0;
    int answered = 0;
    int inBatch = 0;
    std::function<void()> sendBatch = [&] {
        const int n = std::min(pipeline, requests - sent);
        inBatch = n;
        for (int i = 0; i < n; ++i) {
            const qint64 start = clock.nsecsElapsed();
            ++sent;
            send(client, [&, start](const redis::Reply &reply) {
                latencies.push_back(clock.nsecsElapsed() - start);
                if (reply.isError())
                    ++result.errors;
                ++answered;
                if (--inBatch > 0)
                    return;
                if (answered == requests)
                    loop.quit();
                else
                    sendBatch();
            });
        }
    };
    clock.start();
    sendBatch();
    loop.exec();
    result.rps = double(requests) / (double(clock.nsecsElapsed()) / 1e9);
    result.p50 = percentile(latencies, 0.50);
    result.p99 = percentile(latencies, 0.99);
    return result;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: redis_bench redis://HOST:PORT [--requests N] [--pipeline P]\n");
        return 2;
    }
    int requests = 100'000;
    int pipeline = 16;
    for (qsizetype i = 2; i + 1 < args.size(); i += 2) {
        if (args.at(i) == QLatin1String("--requests"))
            requests = args.at(i + 1).toInt();
        else if (args.at(i) == QLatin1String("--pipeline"))
            pipeline = args.at(i + 1).toInt();
    }
    redis::Endpoint endpoint;
    QString error;
    if (!redis::Endpoint::parse(args.at(1), &endpoint, &error)) {
        std::fprintf(stderr, "redis_bench: %s\n", qPrintable(error));
        return 2;
    }
    redis::Client client(endpoint);
    client.setCommandTimeoutMs(10'000);
    QEventLoop wait;
    QObject::connect(&client, &redis::Client::connected, &wait, &QEventLoop::quit);
    QObject::connect(&client, &redis::Client::disconnected, &wait, [&](const QString &why) {
        std::fprintf(stderr, "redis_bench: %s\n", qPrintable(why));
        wait.exit(1);
    });
    client.start();
    if (wait.exec() != 0)
        return 1;

    // The script redis.sh gives redis-benchmark too (loaded there with SCRIPT LOAD).
    const redis::Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    const auto incr = [](redis::Client &c, redis::Client::Callback cb) { c.command({"INCR", "bench:incr"}, cb); };
    const auto evalsha
        = [&script](redis::Client &c, redis::Client::Callback cb) { c.eval(script, {"bench:eval"}, {"1"}, cb); };
    run(client, 1000, pipeline, incr); // warm up (and load the script)
    run(client, 1000, pipeline, evalsha);

    const int single = std::max(1, requests / 5);
    struct Case
    {
        const char *name;
        int requests;
        int pipeline;
        std::function<void(redis::Client &, redis::Client::Callback)> send;
    };
    const Case cases[] = {
        {"INCR one at a time", single, 1, incr},
        {"INCR pipelined", requests, pipeline, incr},
        {"EVALSHA one at a time", single, 1, evalsha},
        {"EVALSHA pipelined", requests, pipeline, evalsha},
    };
    std::printf("case,rps,p50_ms,p99_ms\n");
    int errors = 0;
    for (const Case &c : cases) {
        const Result r = run(client, c.requests, c.pipeline, c.send);
        errors += r.errors;
        std::printf("%s,%.0f,%.3f,%.3f\n", c.name, r.rps, r.p50, r.p99);
        std::fflush(stdout);
    }
    if (errors > 0)
        std::fprintf(stderr, "redis_bench: %d error replies\n", errors);
    return errors == 0 ? 0 : 1;
}
