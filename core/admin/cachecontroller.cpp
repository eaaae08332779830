#include "cachecontroller.h"

#include "cache/responsecache.h"

namespace obleth::admin {

void CacheController::addRoutes(const RouteSink &add)
{
    add("GET", QStringLiteral("/api/v1/usage/cache"), [this](ApiCall &call) {
        const cache::ResponseCache::Stats s = m_cache->stats();
        const qint64 lookups = s.hits + s.misses;
        call.reply(200,
                   QJsonObject{
                       {QStringLiteral("hits"), double(s.hits)},
                       {QStringLiteral("misses"), double(s.misses)},
                       {QStringLiteral("hit_rate"), lookups > 0 ? double(s.hits) / double(lookups) : 0.0},
                       {QStringLiteral("tokens_saved"), double(s.tokensSaved)},
                       {QStringLiteral("entries"), double(s.entries)},
                       {QStringLiteral("bytes"), double(s.bytes)},
                       {QStringLiteral("max_bytes"), double(s.maxBytes)},
                       {QStringLiteral("evictions"), double(s.evictions)},
                   });
    });
}

} // namespace obleth::admin
