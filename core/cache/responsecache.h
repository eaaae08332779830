#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QHash>

#include <functional>
#include <list>
#include <memory>

namespace obleth::cache {

/// One stored answer: replayed as it was sent (a stream's bytes as one body, byte for byte).
struct CachedResponse
{
    http::Headers headers; ///< the end-to-end headers the client got, without framing and ids
    QByteArray body;
    bool streamed = false;
    qint64 tokens = 0; ///< prompt + completion tokens a hit saves
};

/// The exact-match response cache (contract section 7): an LRU bounded by the bytes it holds, with a
/// time to live per entry. Keys are SHA-256 of the client-facing model name and the request body.
/// Counts hits, misses and tokens saved for GET /api/v1/usage/cache. Used on the gateway thread only.
class ResponseCache final
{
public:
    using Clock = std::function<qint64()>; ///< milliseconds, monotonic

    /// Only answers up to this size are stored; larger ones stream through uncached.
    static constexpr qint64 kMaxEntryBytes = 512 * 1024;
    static constexpr qint64 kDefaultMaxBytes = 64 * 1024 * 1024;

    explicit ResponseCache(qint64 maxBytes = kDefaultMaxBytes, Clock clock = {});

    [[nodiscard]] static QByteArray keyFor(const QString &model, const QByteArray &requestBody);
    /// The key of a request to another route than chat and completions (contract section 13: /v1/messages,
    /// /v1/responses): @p route is part of it, so that the same body on two routes (whose answers differ in shape)
    /// never shares an entry, nor with keyFor() without a route.
    [[nodiscard]] static QByteArray keyFor(QByteArrayView route, const QString &model, const QByteArray &requestBody);

    /// The live entry for @p key, or null (expired entries are dropped). Counts a hit or a miss.
    [[nodiscard]] std::shared_ptr<const CachedResponse> lookup(const QByteArray &key);
    /// A request that skipped the lookup (Cache-Control: no-cache) counts as a miss.
    void countMiss() { ++m_stats.misses; }
    /// Stores @p response for @p ttlSecs seconds (0: until evicted); too large a response is not stored.
    void insert(const QByteArray &key, CachedResponse response, qint64 ttlSecs);

    struct Stats
    {
        qint64 hits = 0;
        qint64 misses = 0;
        qint64 tokensSaved = 0;
        qint64 entries = 0;
        qint64 bytes = 0;
        qint64 maxBytes = 0;
        qint64 evictions = 0;
    };
    [[nodiscard]] Stats stats() const;

private:
    struct Node
    {
        QByteArray key;
        std::shared_ptr<const CachedResponse> response;
        qint64 expiresAtMs = 0; ///< 0: never
        qint64 size = 0;
    };
    using Lru = std::list<Node>; ///< most recently used first
    void erase(Lru::iterator it);

    qint64 m_maxBytes;
    Clock m_clock;
    Lru m_lru;
    QHash<QByteArray, Lru::iterator> m_index;
    Stats m_stats;
};

} // namespace obleth::cache
