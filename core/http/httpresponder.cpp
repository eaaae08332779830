#include "httpresponder.h"

#include <iterator>

namespace obleth::http {

HttpResponder::Batch::Batch(HttpResponder *responder)
    : m_responder(responder)
{
    if (responder)
        ++responder->m_batches;
}

HttpResponder::Batch::~Batch()
{
    if (m_responder && --m_responder->m_batches == 0)
        m_responder->flush();
}

HttpResponder::~HttpResponder()
{
    endTaps(false);
    m_works.clear(); // after the taps: a tap's end may still use what a work holds (an admission ticket, say)
}

void HttpResponder::handOn()
{
    if (m_batches == 0)
        flush();
}

void HttpResponder::addTap(std::unique_ptr<ResponseTap> tap)
{
    m_taps.push_back(std::move(tap));
}

void HttpResponder::adopt(std::unique_ptr<ResponseWork> work)
{
    m_works.push_back(std::move(work));
}

void HttpResponder::setFilter(FilterStage stage, std::unique_ptr<ResponseFilter> filter)
{
    if (m_started)
        return;
    m_filters[std::size_t(stage)] = std::move(filter);
    m_filtering = m_filters[0] || m_filters[1];
}

QByteArray HttpResponder::filtered(QByteArray data) const
{
    for (std::size_t i = 0; i < std::size(m_filters) && !data.isEmpty(); ++i) {
        if (m_filters[i])
            data = m_filters[i]->body(data);
    }
    return data;
}

void HttpResponder::notifyDrained()
{
    const QPointer<HttpResponder> self(this);
    for (std::size_t i = 0; i < m_works.size(); ++i) // by index: a work may adopt another
        m_works[i]->clientDrained();
    if (self)
        Q_EMIT drained();
}

void HttpResponder::notifyClientGone()
{
    m_clientGone = true;
    for (std::size_t i = 0; i < m_works.size(); ++i)
        m_works[i]->clientGone();
    Q_EMIT clientGone();
}

void HttpResponder::endTaps(bool complete)
{
    if (m_tapsEnded)
        return;
    m_tapsEnded = true;
    for (const auto &tap : m_taps)
        tap->responseEnd(complete);
}

void HttpResponder::send(int status, Headers headers, const QByteArray &body)
{
    if (m_started)
        return;
    const Batch batch(this); // head and body in one write
    headers.set("Content-Length", QByteArray::number(body.size()));
    beginStream(status, std::move(headers));
    if (!body.isEmpty())
        writeChunk(body);
    endStream();
}

void HttpResponder::sendJson(int status, const QByteArray &json, Headers extra)
{
    extra.set("Content-Type", "application/json");
    send(status, std::move(extra), json);
}

void HttpResponder::beginStream(int status, Headers headers)
{
    if (m_started)
        return;
    m_started = true;
    headers.remove("transfer-encoding");
    for (const auto &[name, value] : m_extraHeaders.fields())
        headers.set(name, value);
    if (m_filtering) {
        for (const auto &filter : m_filters) {
            if (filter)
                filter->head(status, headers);
        }
    }
    const bool noBody = m_head || status == 204 || status == 304 || (status >= 100 && status < 200);
    if (headers.contains("content-length")) {
        m_framing = Framing::Length;
    } else if (noBody) {
        m_framing = Framing::Length;
        if (status != 204 && status != 304 && status >= 200)
            headers.add("Content-Length", "0");
    } else {
        m_framing = streamFraming();
    }
    if (m_framing == Framing::Chunked)
        headers.add("Transfer-Encoding", "chunked");
    for (const auto &tap : m_taps)
        tap->responseHead(status, headers);
    writeHead(status, headers, m_framing);
    if (noBody)
        m_head = true; // swallow any body the caller still writes
    handOn();
}

void HttpResponder::writeChunk(const QByteArray &data)
{
    if (!m_started || m_finished || data.isEmpty() || m_head)
        return;
    if (m_filtering) {
        const QByteArray out = filtered(data);
        if (!out.isEmpty())
            writeFiltered(out);
        return;
    }
    writeFiltered(data);
}

void HttpResponder::writeFiltered(const QByteArray &data)
{
    for (const auto &tap : m_taps)
        tap->responseBody(data);
    if (m_framing == Framing::Chunked) {
        // One chunk, however many pieces (events) the data holds.
        QByteArray framed;
        framed.reserve(data.size() + 16);
        framed += QByteArray::number(data.size(), 16);
        framed += "\r\n";
        framed += data;
        framed += "\r\n";
        writeBody(framed);
    } else {
        writeBody(data);
    }
    handOn();
}

void HttpResponder::endStream()
{
    if (!m_started || m_finished)
        return;
    if (m_filtering && !m_head) {
        // Each filter's last words pass the filters after it, which then say their own.
        QByteArray tail;
        for (std::size_t i = 0; i < std::size(m_filters); ++i) {
            if (!m_filters[i])
                continue;
            if (!tail.isEmpty())
                tail = m_filters[i]->body(tail);
            tail += m_filters[i]->end();
        }
        if (!tail.isEmpty())
            writeFiltered(tail);
    }
    if (m_framing == Framing::Chunked && !m_head)
        writeBody(QByteArrayLiteral("0\r\n\r\n"));
    flush(); // whatever batch is open: the end must be on its way before the connection moves on
    m_finished = true;
    writeEnd();
    endTaps(!m_clientGone); // a last write that failed closed the connection: the client never got the end
    Q_EMIT finished();
}

void HttpResponder::markFinished()
{
    m_finished = true;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return QByteArrayLiteral("Continue");
    case 101: return QByteArrayLiteral("Switching Protocols");
    case 200: return QByteArrayLiteral("OK");
    case 201: return QByteArrayLiteral("Created");
    case 202: return QByteArrayLiteral("Accepted");
    case 204: return QByteArrayLiteral("No Content");
    case 206: return QByteArrayLiteral("Partial Content");
    case 301: return QByteArrayLiteral("Moved Permanently");
    case 302: return QByteArrayLiteral("Found");
    case 304: return QByteArrayLiteral("Not Modified");
    case 307: return QByteArrayLiteral("Temporary Redirect");
    case 308: return QByteArrayLiteral("Permanent Redirect");
    case 400: return QByteArrayLiteral("Bad Request");
    case 401: return QByteArrayLiteral("Unauthorized");
    case 403: return QByteArrayLiteral("Forbidden");
    case 404: return QByteArrayLiteral("Not Found");
    case 405: return QByteArrayLiteral("Method Not Allowed");
    case 408: return QByteArrayLiteral("Request Timeout");
    case 409: return QByteArrayLiteral("Conflict");
    case 411: return QByteArrayLiteral("Length Required");
    case 413: return QByteArrayLiteral("Content Too Large");
    case 414: return QByteArrayLiteral("URI Too Long");
    case 415: return QByteArrayLiteral("Unsupported Media Type");
    case 422: return QByteArrayLiteral("Unprocessable Content");
    case 429: return QByteArrayLiteral("Too Many Requests");
    case 431: return QByteArrayLiteral("Request Header Fields Too Large");
    case 500: return QByteArrayLiteral("Internal Server Error");
    case 501: return QByteArrayLiteral("Not Implemented");
    case 502: return QByteArrayLiteral("Bad Gateway");
    case 503: return QByteArrayLiteral("Service Unavailable");
    case 504: return QByteArrayLiteral("Gateway Timeout");
    case 505: return QByteArrayLiteral("HTTP Version Not Supported");
    default: return QByteArrayLiteral("Unknown");
    }
}

} // namespace obleth::http
