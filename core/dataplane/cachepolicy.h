#pragma once

#include "model/entities.h"

namespace obleth::cache {
class ResponseCache;
}

namespace obleth::dataplane {

struct RequestContext;

/// The response cache in front of a registered model (contract section 7): a model with `cache_enabled` is
/// answered from the cache on a hit (unless the client sends Cache-Control: no-cache), and its answer is stored on
/// a miss. Every answer says which it was in x-obleth-cache ("hit", "miss" or "off"), as does the request log.
class CachePolicy final
{
public:
    explicit CachePolicy(cache::ResponseCache *cache)
        : m_cache(cache)
    { }

    /// Answers a hit and returns true; on a miss arranges for the answer to be stored and returns false. @p route
    /// (empty for chat and completions) is part of the key: /v1/messages and /v1/responses each have their own
    /// entries (contract section 13).
    bool serveFromCache(RequestContext &ctx, const model::ModelConfig &model, QByteArrayView route = {}) const;
    /// The answer does not go through the cache (a model without it, mock-model, a count of tokens): it says
    /// x-obleth-cache: off, as does the request log.
    static void markUncached(RequestContext &ctx);

private:
    cache::ResponseCache *m_cache;
};

} // namespace obleth::dataplane
