#include "cacherecorder.h"

#include "usage/usagemeter.h"

namespace obleth::cache {

CacheRecorder::CacheRecorder(ResponseCache *cache, QByteArray key, qint64 ttlSecs, QByteArray requestBody)
    : m_cache(cache)
    , m_key(std::move(key))
    , m_ttlSecs(ttlSecs)
    , m_requestBody(std::move(requestBody))
{ }

bool CacheRecorder::isPerRequestHeader(const QByteArray &name)
{
    for (const char *h : {"content-length", "transfer-encoding", "connection", "keep-alive", "date",
                          "x-obleth-request-id", "x-obleth-cache", "x-request-id", "set-cookie"}) {
        if (http::Headers::nameEquals(name, h))
            return true;
    }
    return false;
}

void CacheRecorder::responseHead(int status, http::Headers &headers)
{
    // A browned-out answer (contract section 11) is shorter than its request asked for, and a fallback's (section 10)
    // comes from another model than the one the cache key names: neither is kept for others.
    m_storing = status == 200 && !headers.contains("x-obleth-brownout") && !headers.contains("x-obleth-fallback");
    if (!m_storing)
        return;
    for (const auto &[name, value] : headers.fields()) {
        if (!isPerRequestHeader(name))
            m_response.headers.add(name, value);
    }
    m_response.streamed = headers.value("content-type").startsWith("text/event-stream");
}

void CacheRecorder::responseBody(const QByteArray &data)
{
    if (!m_storing)
        return;
    if (m_response.body.size() + data.size() > ResponseCache::kMaxEntryBytes) {
        m_storing = false;
        m_response = {};
        return;
    }
    m_response.body += data;
}

void CacheRecorder::responseEnd(bool complete)
{
    if (!complete || !m_storing)
        return;
    m_storing = false;
    usage::UsageMeter meter(m_requestBody);
    meter.setStreaming(m_response.streamed);
    meter.feed(m_response.body);
    const usage::TokenCount count = meter.finish();
    m_response.tokens = count.promptTokens + count.completionTokens;
    m_cache->insert(m_key, std::move(m_response), m_ttlSecs);
}

} // namespace obleth::cache
