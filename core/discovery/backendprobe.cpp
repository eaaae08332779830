#include "backendprobe.h"

#include "platform/logging.h"
#include "proxy/forwarding.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>

#include <memory>

namespace obleth::discovery {

namespace {
void logResult(const char *what, const QUrl &url, const BackendProbe::TestResult &r)
{
    if (r.ok) {
        qCDebug(lcDiscovery).noquote() << what << loggableUrl(url) << "answered in" << r.latencyMs << "ms";
    } else if (r.status > 0) {
        qCInfo(lcDiscovery).noquote() << what << loggableUrl(url) << "failed: HTTP" << r.status << "after"
                                      << r.latencyMs << "ms";
    } else {
        qCInfo(lcDiscovery).noquote() << what << loggableUrl(url) << "failed: no answer after" << r.latencyMs << "ms";
    }
}
} // namespace

BackendProbe::BackendProbe(QObject *parent)
    : QObject(parent)
{ }

QList<BackendProbe::Candidate> BackendProbe::usualLocalServers()
{
    return {{QStringLiteral("Ollama"), 11434},
            {QStringLiteral("LM Studio"), 1234},
            {QStringLiteral("llama.cpp server"), 8080},
            {QStringLiteral("vLLM"), 8000},
            {QStringLiteral("LocalAI"), 8081},
            {QStringLiteral("text-generation-webui"), 5000},
            {QStringLiteral("Jan"), 1337},
            {QStringLiteral("KoboldCpp"), 5001}};
}

void BackendProbe::testModel(const QString &apiBase, const QString &upstreamModel, const QString &apiKey,
                             std::function<void(const TestResult &)> done, int timeoutMs)
{
    const QUrl url = proxy::upstreamUrl(apiBase, "/v1/chat/completions", {});
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!apiKey.isEmpty())
        request.setRawHeader("Authorization", proxy::bearer(apiKey));
    request.setTransferTimeout(timeoutMs);
    const QJsonObject body{{QStringLiteral("model"), upstreamModel},
                           {QStringLiteral("max_tokens"), 1},
                           {QStringLiteral("messages"),
                            QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                   {QStringLiteral("content"), QStringLiteral("ping")}}}}};
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QNetworkReply *reply = m_network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this, [reply, clock, done = std::move(done), url] {
        reply->deleteLater();
        TestResult r;
        r.latencyMs = clock->elapsed();
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray data = reply->readAll();
        const QJsonObject json = QJsonDocument::fromJson(data).object();
        if (r.status == 200) {
            r.ok = true;
            const QJsonObject first = json.value(QStringLiteral("choices")).toArray().first().toObject();
            r.answer = first.value(QStringLiteral("message")).toObject().value(QStringLiteral("content")).toString();
        } else if (r.status > 0) {
            const QString message
                = json.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
            r.error = tr("%1 answered %2%3. Check the upstream model name and the API key.")
                          .arg(url.toString())
                          .arg(r.status)
                          .arg(message.isEmpty() ? QString() : QStringLiteral(": ") + message.left(300));
        } else {
            r.error = tr("cannot reach %1: %2. Is the server running, and is api_base right?")
                          .arg(url.toString(), reply->errorString());
        }
        logResult("model test of", url, r);
        done(r);
    });
}

void BackendProbe::testMcpServer(const QUrl &url, const QString &authHeader,
                                 std::function<void(const TestResult &)> done, int timeoutMs)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", "application/json, text/event-stream");
    if (!authHeader.isEmpty())
        request.setRawHeader("Authorization", authHeader.toUtf8());
    request.setTransferTimeout(timeoutMs);
    const QByteArray initialize
        = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
          "\"capabilities\":{},\"clientInfo\":{\"name\":\"obleth\",\"version\":\"" OBLETH_VERSION "\"}}}";
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QNetworkReply *reply = m_network.post(request, initialize);
    connect(reply, &QNetworkReply::finished, this, [reply, clock, url, done = std::move(done)] {
        reply->deleteLater();
        TestResult r;
        r.latencyMs = clock->elapsed();
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        QByteArray body = reply->readAll();
        // An SSE answer carries the JSON-RPC response in a data: line.
        if (const qsizetype data = body.indexOf("data:"); data >= 0 && !body.trimmed().startsWith('{'))
            body = body.mid(data + 5, body.indexOf('\n', data) - data - 5);
        const QJsonObject result = QJsonDocument::fromJson(body).object().value(QStringLiteral("result")).toObject();
        const QJsonObject info = result.value(QStringLiteral("serverInfo")).toObject();
        if (r.status >= 200 && r.status < 300 && !result.isEmpty()) {
            r.ok = true;
            r.answer = QStringLiteral("%1 %2").arg(info.value(QStringLiteral("name")).toString(),
                                                   info.value(QStringLiteral("version")).toString());
        } else if (r.status > 0) {
            r.error = tr("%1 answered %2 to an MCP initialize. Check the URL (streamable HTTP endpoint) and the "
                         "auth header.")
                          .arg(url.toString())
                          .arg(r.status);
        } else {
            r.error = tr("cannot reach %1: %2. Is the MCP server running?").arg(url.toString(), reply->errorString());
        }
        logResult("MCP test of", url, r);
        done(r);
    });
}

void BackendProbe::discover(const QList<Candidate> &candidates, std::function<void(const QList<Server> &)> done,
                            int timeoutMs)
{
    struct Round
    {
        int pending = 0;
        QList<Server> found;
        std::function<void(const QList<Server> &)> done;
    };
    auto round = std::make_shared<Round>();
    round->pending = int(candidates.size());
    round->done = std::move(done);
    if (candidates.isEmpty())
        return round->done({});
    for (const Candidate &c : candidates) {
        QUrl base;
        base.setScheme(QStringLiteral("http"));
        base.setHost(QStringLiteral("127.0.0.1"));
        base.setPort(c.port);
        base.setPath(QStringLiteral("/v1"));
        QNetworkRequest request(QUrl(base.toString() + QStringLiteral("/models")));
        request.setTransferTimeout(timeoutMs);
        QNetworkReply *reply = m_network.get(request);
        connect(reply, &QNetworkReply::finished, this, [reply, round, c, base] {
            reply->deleteLater();
            const QJsonArray data
                = QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("data")).toArray();
            if (reply->error() == QNetworkReply::NoError && !data.isEmpty()) {
                Server s{c.name, base, {}};
                for (const QJsonValue &m : data) {
                    const QString id = m.toObject().value(QStringLiteral("id")).toString();
                    if (!id.isEmpty())
                        s.models.append(id);
                }
                qCDebug(lcDiscovery).noquote()
                    << "found" << c.name << "at" << base.toString() << "with" << s.models.size() << "models";
                round->found.append(s);
            }
            if (--round->pending == 0) {
                qCDebug(lcDiscovery) << "discovery done:" << round->found.size() << "local server(s) found";
                round->done(round->found);
            }
        });
    }
}

} // namespace obleth::discovery
