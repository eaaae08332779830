#pragma once

#include "apicontroller.h"

namespace obleth::cache {
class ResponseCache;
}

namespace obleth::admin {

/// GET /api/v1/usage/cache: the response cache's hits, misses, tokens saved and size.
class CacheController final : public ApiController
{
public:
    CacheController(config::ConfigServices *config, const cache::ResponseCache *cache)
        : ApiController(config)
        , m_cache(cache)
    { }
    void addRoutes(const RouteSink &add) override;

private:
    const cache::ResponseCache *m_cache;
};

} // namespace obleth::admin
