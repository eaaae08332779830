#pragma once

#include "http/httpresponder.h"
#include "responsecache.h"

namespace obleth::cache {

/// Taps a response on a cache miss and stores it when it turns out cacheable: a complete 200 of at most
/// ResponseCache::kMaxEntryBytes. Anything larger passes through and is forgotten as soon as it is too big.
class CacheRecorder final : public http::ResponseTap
{
public:
    CacheRecorder(ResponseCache *cache, QByteArray key, qint64 ttlSecs, QByteArray requestBody);

    void responseHead(int status, http::Headers &headers) override;
    void responseBody(const QByteArray &data) override;
    void responseEnd(bool complete) override;

    /// Headers a stored answer does not keep: framing, and what is particular to one request.
    [[nodiscard]] static bool isPerRequestHeader(const QByteArray &name);

private:
    ResponseCache *m_cache;
    QByteArray m_key;
    qint64 m_ttlSecs;
    QByteArray m_requestBody;
    CachedResponse m_response;
    bool m_storing = false;
};

} // namespace obleth::cache
