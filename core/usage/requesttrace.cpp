#include "requesttrace.h"

#include "http/httprequest.h"
#include "requestmonitor.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::usage {

namespace {
constexpr qsizetype kMaxErrorBody = 64 * 1024;
constexpr qint64 kProgressIntervalMs = 100;

/// The `code` (else `type`, else `message`) of an error body's `error` object: OpenAI's shape
/// {"error":{"message","type","code"}} gives its code, Anthropic's {"type":"error","error":{"type","message"}} its
/// error type (rate_limit_error, overloaded_error, ...).
QString errorCodeOf(const QByteArray &body)
{
    const QJsonObject error = QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
    for (const char *field : {"code", "type", "message"}) {
        const QString value = error.value(QLatin1String(field)).toString();
        if (!value.isEmpty())
            return value.left(200);
    }
    return {};
}
} // namespace

namespace {
/// @p headers with credentials shortened to what identifies them: "Bearer sk_1fab…".
model::HeaderList masked(const http::Headers &headers)
{
    model::HeaderList out;
    for (const auto &[name, value] : headers.fields()) {
        const bool secret = http::Headers::nameEquals(name, "authorization")
            || http::Headers::nameEquals(name, "x-api-key") || http::Headers::nameEquals(name, "api-key")
            || http::Headers::nameEquals(name, "proxy-authorization") || http::Headers::nameEquals(name, "cookie")
            || http::Headers::nameEquals(name, "set-cookie");
        out.append({name, secret ? value.left(std::min<qsizetype>(value.size() / 3, 14)) + "…(masked)" : value});
    }
    return out;
}
} // namespace

RequestTrace::RequestTrace(RequestMonitor *monitor, const http::HttpRequest &request, const QByteArray &id)
    : m_monitor(monitor)
{
    if (monitor->wantsProgress()) // a live view shows them; nothing else keeps them
        m_record.requestHeaders = masked(request.headers);
    if (monitor->wantsBodies()) { // someone looks at the Requests page now
        m_watched = true;
        m_record.query = request.query;
        m_record.requestBody = request.body.left(model::kMaxLiveBodyBytes);
        m_record.requestBodyCut = request.body.size() > model::kMaxLiveBodyBytes;
    }
    m_clock.start();
    m_record.id = id;
    m_record.startedAt = QDateTime::currentDateTimeUtc();
    m_record.method = request.method;
    m_record.path = request.path.left(512); // shared, not copied (the log's thread makes it text)
    m_record.bytesIn = request.body.size();
}

RequestTrace::~RequestTrace()
{
    responseEnd(false);
}

void RequestTrace::setTenant(const QString &id, const QString &name, const QString &keyPrefix)
{
    m_record.tenantId = id;
    m_record.tenantName = name;
    m_record.keyPrefix = keyPrefix;
}

void RequestTrace::setModel(const QString &name, double inputCostPerToken, double outputCostPerToken)
{
    m_record.model = name;
    m_inputCost = inputCostPerToken;
    m_outputCost = outputCostPerToken;
}

void RequestTrace::meterUsage(const QByteArray &requestBody)
{
    m_meter.emplace(requestBody);
}

void RequestTrace::announceStart()
{
    if (m_started)
        return;
    m_started = true;
    if (!m_monitor->anyoneHearsStarts())
        return;
    m_monitor->announceStarted(model::RequestStarted{m_record.id, m_record.startedAt, m_record.tenantId,
                                                     m_record.tenantName, m_record.keyPrefix, m_record.model,
                                                     m_record.method, m_record.path, m_record.requestHeaders,
                                                     m_record.query, m_record.requestBody, m_record.requestBodyCut});
}

void RequestTrace::responseHead(int status, http::Headers &headers)
{
    announceStart();
    m_record.status = status;
    if (m_monitor->wantsProgress())
        m_record.responseHeaders = masked(headers);
    m_record.streamed = headers.value("content-type").startsWith("text/event-stream");
    m_metering = m_meter && status >= 200 && status < 300 && m_record.cache != QLatin1String("hit");
    if (m_metering) {
        m_meter->setStreaming(m_record.streamed);
        m_liveText = m_record.streamed && m_monitor->wantsProgress();
        m_meter->setCollectText(m_liveText);
    }
    if (m_record.firstByteMs < 0 && headers.value("content-length") == "0")
        m_record.firstByteMs = m_clock.elapsed();
}

void RequestTrace::responseBody(const QByteArray &data)
{
    if (m_record.firstByteMs < 0)
        m_record.firstByteMs = m_clock.elapsed();
    m_record.bytesOut += data.size();
    if (m_metering)
        m_meter->feed(data);
    if (m_watched) {
        const qsizetype room = model::kMaxLiveBodyBytes - m_record.responseBody.size();
        if (data.size() > room)
            m_record.responseBodyCut = true;
        if (room > 0)
            m_record.responseBody += data.left(room);
    }
    if (m_record.status >= 400 && m_errorBody.size() < kMaxErrorBody)
        m_errorBody += data.left(kMaxErrorBody - m_errorBody.size());
    if (m_record.streamed)
        reportProgress(false);
}

void RequestTrace::reportProgress(bool force)
{
    if (!m_monitor->anyoneHearsProgress()) {
        if (m_liveText) { // the watchers left: the text is no longer collected (a JSON parse per chunk) nor kept
            m_liveText = false;
            m_meter->setCollectText(false);
            [[maybe_unused]] const QString dropped = m_meter->takeText();
        }
        return;
    }
    const qint64 now = m_clock.elapsed();
    if (!force && m_lastProgressMs >= 0 && now - m_lastProgressMs < kProgressIntervalMs)
        return;
    if (force && m_progressBytes == m_record.bytesOut)
        return;
    m_lastProgressMs = now;
    m_progressBytes = m_record.bytesOut;
    model::RequestProgress progress{m_record.id, m_record.bytesOut, m_metering ? m_meter->streamedTokens() : 0, {}};
    if (m_liveText)
        progress.text = m_meter->takeText();
    m_monitor->announceProgress(progress);
}

void RequestTrace::responseEnd(bool complete)
{
    if (m_ended)
        return;
    m_ended = true;
    announceStart();
    if (m_record.streamed)
        reportProgress(true);
    m_record.latencyMs = m_clock.elapsed();
    if (m_record.firstByteMs < 0 && m_record.status != 0)
        m_record.firstByteMs = m_record.latencyMs;
    if (m_metering) {
        const TokenCount count = m_meter->finish();
        m_record.promptTokens = count.promptTokens;
        m_record.completionTokens = count.completionTokens;
        m_record.estimated = count.estimated || m_usageEstimated;
        m_record.cost = double(count.promptTokens) * m_inputCost + double(count.completionTokens) * m_outputCost;
    }
    if (m_record.error.isEmpty() && m_record.status >= 400)
        m_record.error = errorCodeOf(m_errorBody);
    if (m_record.error.isEmpty() && m_record.status >= 400)
        m_record.error = QStringLiteral("http_%1").arg(m_record.status);
    if (m_record.error.isEmpty() && !complete)
        m_record.error = m_record.status == 0 ? QStringLiteral("client_gone") : QStringLiteral("incomplete");
    if (m_onFinished)
        m_onFinished(m_record);
    m_monitor->announceFinished(std::move(m_record)); // not needed here any more
}

} // namespace obleth::usage
