#include "responsecache.h"

#include "platform/logging.h"

#include <QCryptographicHash>
#include <QElapsedTimer>

namespace obleth::cache {

namespace {
qint64 sizeOf(const QByteArray &key, const CachedResponse &r)
{
    qint64 n = key.size() + r.body.size() + 128;
    for (const auto &field : r.headers.fields())
        n += field.first.size() + field.second.size() + 32;
    return n;
}
} // namespace

ResponseCache::ResponseCache(qint64 maxBytes, Clock clock)
    : m_maxBytes(maxBytes)
    , m_clock(std::move(clock))
{
    if (!m_clock) {
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_clock = [timer] { return timer->elapsed(); };
    }
}

QByteArray ResponseCache::keyFor(const QString &model, const QByteArray &requestBody)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(model.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(requestBody);
    return hash.result();
}

QByteArray ResponseCache::keyFor(QByteArrayView route, const QString &model, const QByteArray &requestBody)
{
    // A request body is JSON, which never holds a raw NUL: "route\0model\0body" is never "model\0body".
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(route);
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(model.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(requestBody);
    return hash.result();
}

std::shared_ptr<const CachedResponse> ResponseCache::lookup(const QByteArray &key)
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend()) {
        ++m_stats.misses;
        return nullptr;
    }
    const Lru::iterator it = *found;
    if (it->expiresAtMs != 0 && m_clock() >= it->expiresAtMs) {
        qCDebug(lcCache) << "an entry expired; the request goes on";
        erase(it);
        ++m_stats.misses;
        return nullptr;
    }
    m_lru.splice(m_lru.begin(), m_lru, it);
    ++m_stats.hits;
    m_stats.tokensSaved += it->response->tokens;
    return it->response;
}

void ResponseCache::insert(const QByteArray &key, CachedResponse response, qint64 ttlSecs)
{
    const qint64 size = sizeOf(key, response);
    if (response.body.size() > kMaxEntryBytes || size > m_maxBytes) {
        qCDebug(lcCache) << "not caching a response of" << size << "bytes: larger than an entry may be";
        return;
    }
    if (const auto old = m_index.constFind(key); old != m_index.cend())
        erase(*old);
    int evicted = 0;
    const qint64 bytesBefore = m_stats.bytes;
    while (m_stats.bytes + size > m_maxBytes && !m_lru.empty()) {
        erase(std::prev(m_lru.end()));
        ++m_stats.evictions;
        ++evicted;
    }
    if (evicted > 0) {
        qCDebug(lcCache) << "evicted the" << evicted << "least recently used entries (" << bytesBefore - m_stats.bytes
                         << "bytes) to hold" << size << "bytes within" << m_maxBytes;
    }
    m_lru.push_front(Node{key, std::make_shared<const CachedResponse>(std::move(response)),
                          ttlSecs > 0 ? m_clock() + ttlSecs * 1000 : 0, size});
    m_index.insert(key, m_lru.begin());
    m_stats.bytes += size;
    ++m_stats.entries;
}

void ResponseCache::erase(Lru::iterator it)
{
    m_stats.bytes -= it->size;
    --m_stats.entries;
    m_index.remove(it->key);
    m_lru.erase(it);
}

ResponseCache::Stats ResponseCache::stats() const
{
    Stats s = m_stats;
    s.maxBytes = m_maxBytes;
    return s;
}

} // namespace obleth::cache
