#include "mockbackend.h"

#include "http/httpresponder.h"
#include "mockreply.h"
#include "openai/error.h"
#include "platform/logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>

namespace obleth::mock {

namespace {

/// Reads a whole-number header; false when present but not a number within [min, max].
bool headerInt(const http::HttpRequest &request, QByteArrayView name, int min, int max, int *out)
{
    const QByteArray raw = request.headers.value(name);
    if (raw.isNull())
        return true;
    bool ok = false;
    const int v = raw.trimmed().toInt(&ok);
    if (!ok || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/// Keeps the in-flight count honest: lives as long as the responder.
class InFlightTicket final : public QObject
{
public:
    InFlightTicket(QObject *responder, int *inFlight)
        : QObject(responder)
        , m_inFlight(inFlight)
    { }
    ~InFlightTicket() override { --*m_inFlight; }

private:
    int *m_inFlight;
};

QByteArray modelsJson()
{
    const QJsonObject model{{QStringLiteral("id"), QStringLiteral("mock-model")},
                            {QStringLiteral("object"), QStringLiteral("model")},
                            {QStringLiteral("created"), double(MockReply::kCreated)},
                            {QStringLiteral("owned_by"), QStringLiteral("obleth")}};
    return QJsonDocument(QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                                     {QStringLiteral("data"), QJsonArray{model}}})
        .toJson(QJsonDocument::Compact);
}

/// Writes a mock SSE stream: one event every @p delayMs, or, without a delay, as fast as the client
/// takes them, never holding more than kHighWater bytes unsent. Each step is one write: the head goes with
/// the first events, the end with the last.
class MockStreamWriter final : public QObject
{
public:
    static constexpr qint64 kHighWater = 256 * 1024;
    static constexpr qsizetype kBatch = 16 * 1024;

    MockStreamWriter(http::HttpResponder *responder, MockReply reply, http::Headers headers, int delayMs)
        : QObject(responder)
        , m_responder(responder)
        , m_reply(std::move(reply))
        , m_events(m_reply)
        , m_headers(std::move(headers))
        , m_delayMs(delayMs)
    {
        if (delayMs == 0)
            connect(responder, &http::HttpResponder::drained, this, &MockStreamWriter::pump);
        pump();
    }

private:
    void pump()
    {
        if (m_done)
            return;
        if (m_delayMs > 0) {
            const QByteArray event = m_events.next();
            const http::HttpResponder::Batch write(m_responder);
            begin();
            if (event.isEmpty())
                return finish();
            m_responder->writeChunk(event);
            QTimer::singleShot(m_delayMs, this, &MockStreamWriter::pump);
            return;
        }
        while (m_responder->bufferedBytes() < kHighWater) {
            const http::HttpResponder::Batch write(m_responder);
            begin();
            QByteArray batch;
            while (batch.size() < kBatch) {
                const QByteArray event = m_events.next();
                if (event.isEmpty()) {
                    m_responder->writeChunk(batch);
                    return finish();
                }
                batch += event;
            }
            m_responder->writeChunk(batch);
        }
    }
    void begin()
    {
        if (!m_responder->hasStarted())
            m_responder->beginStream(200, m_headers);
    }
    void finish()
    {
        m_done = true;
        m_responder->endStream();
    }

    http::HttpResponder *m_responder;
    MockReply m_reply;
    MockReply::EventStream m_events;
    http::Headers m_headers;
    int m_delayMs;
    bool m_done = false;
};

} // namespace

MockBackend::MockBackend(QObject *parent)
    : QObject(parent)
{ }

void MockBackend::handle(http::HttpRequest request, http::HttpResponder *responder)
{
    serve(request, responder, {});
}

void MockBackend::track(http::HttpResponder *responder)
{
    ++m_stats.inFlight;
    m_stats.maxInFlight = std::max(m_stats.maxInFlight, m_stats.inFlight);
    new InFlightTicket(responder, &m_stats.inFlight);
}

void MockBackend::serve(const http::HttpRequest &request, http::HttpResponder *responder,
                        const http::Headers &extraHeaders)
{
    if (request.path == "/stats" && (request.method == "GET" || request.method == "HEAD")) {
        const QJsonObject stats{{QStringLiteral("requests"), double(m_stats.requests)},
                                {QStringLiteral("chat_completions"), double(m_stats.chatCompletions)},
                                {QStringLiteral("completions"), double(m_stats.completions)},
                                {QStringLiteral("embeddings"), double(m_stats.embeddings)},
                                {QStringLiteral("models"), double(m_stats.models)},
                                {QStringLiteral("in_flight"), m_stats.inFlight},
                                {QStringLiteral("max_in_flight"), m_stats.maxInFlight}};
        responder->sendJson(200, QJsonDocument(stats).toJson(QJsonDocument::Compact), extraHeaders);
        return;
    }
    ++m_stats.requests;
    track(responder);

    int latencyMs = 0;
    int chunkDelayMs = 0;
    int status = 0;
    if (!headerInt(request, "x-mock-latency-ms", 0, 600'000, &latencyMs)
        || !headerInt(request, "x-mock-chunk-delay-ms", 0, 60'000, &chunkDelayMs)
        || !headerInt(request, "x-mock-status", 100, 599, &status)) {
        qCDebug(lcMock) << "refusing a request with invalid x-mock-* headers";
        openai::sendError(responder, 400, "invalid_request",
                          QStringLiteral("x-mock-latency-ms (0-600000), x-mock-chunk-delay-ms (0-60000) and "
                                         "x-mock-status (100-599) take whole numbers"),
                          extraHeaders);
        return;
    }
    if (latencyMs != 0 || chunkDelayMs != 0 || status != 0) {
        qCDebug(lcMock).noquote() << "scenario for" << request.method << QString::fromUtf8(request.path).left(128)
                                  << "- latency" << latencyMs << "ms, chunk delay" << chunkDelayMs << "ms, status"
                                  << (status != 0 ? status : 200);
    }
    auto answer = [this, request, extraHeaders, chunkDelayMs, status](http::HttpResponder *r) {
        if (status != 0 && status != 200) {
            openai::sendError(r, status, "mock_status_" + QByteArray::number(status),
                              QStringLiteral("the mock backend was asked to answer %1").arg(status), extraHeaders);
            return;
        }
        respond(request, r, extraHeaders, chunkDelayMs);
    };
    if (latencyMs == 0) {
        answer(responder);
        return;
    }
    QPointer<http::HttpResponder> guard(responder);
    QTimer::singleShot(latencyMs, responder, [guard, answer] {
        if (guard)
            answer(guard);
    });
}

void MockBackend::respond(const http::HttpRequest &request, http::HttpResponder *responder, const http::Headers &extra,
                          int chunkDelayMs)
{
    const QByteArray &path = request.path;
    const bool chat = path == "/v1/chat/completions" || path == "/chat/completions";
    const bool completion = path == "/v1/completions" || path == "/completions";
    const bool embeddings = path == "/v1/embeddings" || path == "/embeddings";
    if (path == "/v1/models" || path == "/models") {
        ++m_stats.models;
        responder->sendJson(200, modelsJson(), extra);
        return;
    }
    if (!chat && !completion && !embeddings) {
        qCDebug(lcMock).noquote() << "no mock route for" << QString::fromUtf8(path).left(128);
        openai::sendError(responder, 404, "not_found",
                          QStringLiteral("the mock backend has no route %1").arg(QString::fromUtf8(path)), extra);
        return;
    }
    if (request.method != "POST") {
        openai::sendError(responder, 405, "method_not_allowed", QStringLiteral("use POST"), extra);
        return;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        openai::sendError(responder, 400, "invalid_request", QStringLiteral("the request body must be a JSON object"),
                          extra);
        return;
    }
    const QJsonObject json = doc.object();
    if (!json.value(QStringLiteral("model")).isString()) {
        openai::sendError(responder, 400, "invalid_request", QStringLiteral("model is required"), extra,
                          QStringLiteral("model"));
        return;
    }
    if (embeddings) {
        ++m_stats.embeddings;
        QString error;
        const QByteArray body = mockEmbeddingsJson(json, &error);
        if (body.isEmpty())
            openai::sendError(responder, 400, "invalid_request", error, extra, QStringLiteral("input"));
        else
            responder->sendJson(200, body, extra);
        return;
    }
    (chat ? m_stats.chatCompletions : m_stats.completions)++;
    const MockReply reply(chat ? MockReply::Kind::Chat : MockReply::Kind::Completion, json, request.body);
    if (!json.value(QStringLiteral("stream")).toBool()) {
        responder->sendJson(200, reply.completeJson(), extra);
        return;
    }
    http::Headers headers = extra;
    headers.add("Content-Type", "text/event-stream");
    headers.add("Cache-Control", "no-cache");
    new MockStreamWriter(responder, reply, std::move(headers), chunkDelayMs);
}

} // namespace obleth::mock
