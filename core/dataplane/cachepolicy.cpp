#include "cachepolicy.h"

#include "cache/cacherecorder.h"
#include "cache/responsecache.h"
#include "http/httpresponder.h"
#include "requestcontext.h"
#include "usage/requesttrace.h"

namespace obleth::dataplane {

void CachePolicy::markUncached(RequestContext &ctx)
{
    ctx.responder->addHeader(QByteArrayLiteral("x-obleth-cache"), QByteArrayLiteral("off"));
    ctx.trace->setCache(QStringLiteral("off"));
}

bool CachePolicy::serveFromCache(RequestContext &ctx, const model::ModelConfig &model, QByteArrayView route) const
{
    if (!model.cacheEnabled) {
        markUncached(ctx);
        return false;
    }
    const QByteArray key = route.isEmpty() ? cache::ResponseCache::keyFor(model.modelName, ctx.request.body)
                                           : cache::ResponseCache::keyFor(route, model.modelName, ctx.request.body);
    const bool lookup = !ctx.request.headers.hasToken("cache-control", "no-cache");
    if (const auto hit = lookup ? m_cache->lookup(key) : nullptr) {
        ctx.trace->setCache(QStringLiteral("hit"));
        http::Headers headers = hit->headers;
        headers.add("x-obleth-request-id", ctx.requestId);
        headers.add("x-obleth-cache", "hit");
        if (!hit->streamed)
            headers.set("Content-Length", QByteArray::number(hit->body.size()));
        const http::HttpResponder::Batch batch(ctx.responder); // head, body and end in one write
        ctx.responder->beginStream(200, std::move(headers));
        ctx.responder->writeChunk(hit->body);
        ctx.responder->endStream();
        return true;
    }
    if (!lookup)
        m_cache->countMiss();
    ctx.trace->setCache(QStringLiteral("miss"));
    ctx.responder->addHeader(QByteArrayLiteral("x-obleth-cache"), QByteArrayLiteral("miss"));
    ctx.responder->addTap(std::make_unique<cache::CacheRecorder>(m_cache, key, model.cacheTtlSecs, ctx.request.body));
    return false;
}

} // namespace obleth::dataplane
