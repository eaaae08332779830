#include "forwarding.h"

#include "http/pathnormalization.h"

namespace obleth::proxy {

bool isHopByHop(QByteArrayView name)
{
    using http::Headers;
    static constexpr const char *names[]
        = {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"};
    for (const char *n : names) {
        if (Headers::nameEquals(name, n))
            return true;
    }
    return name.size() >= 6 && Headers::nameEquals(name.first(6), "proxy-");
}

namespace {
/// Copies @p from without hop-by-hop fields, the fields named in Connection, and @p drop.
http::Headers withoutHopByHop(const http::Headers &from, std::initializer_list<QByteArrayView> drop)
{
    QByteArrayList named;
    for (const auto &f : from.fields()) {
        if (http::Headers::nameEquals(f.first, "connection")) {
            const QList<QByteArray> tokens = f.second.split(',');
            for (const QByteArray &t : tokens)
                named.append(t.trimmed());
        }
    }
    http::Headers out;
    for (const auto &f : from.fields()) {
        if (isHopByHop(f.first))
            continue;
        bool skip = false;
        for (QByteArrayView d : drop)
            skip = skip || http::Headers::nameEquals(f.first, d);
        for (const QByteArray &n : named)
            skip = skip || http::Headers::nameEquals(f.first, n);
        if (!skip)
            out.add(f.first, f.second);
    }
    return out;
}
} // namespace

namespace {
/// api_base's path joined with the client's path, "/v1" once.
QByteArray joinedPath(const QUrl &base, const QByteArray &path)
{
    QByteArray basePath = base.path(QUrl::FullyEncoded).toLatin1();
    while (basePath.endsWith('/'))
        basePath.chop(1);
    QByteArray rest = path;
    if (basePath.endsWith("/v1") && (rest == "/v1" || rest.startsWith("/v1/")))
        rest = rest.mid(3);
    return basePath + rest;
}
} // namespace

QUrl upstreamUrl(const QString &apiBase, const QByteArray &path, const QByteArray &query)
{
    QUrl url(apiBase);
    url.setPath(QString::fromLatin1(joinedPath(url, path)), QUrl::TolerantMode);
    url.setQuery(query.isEmpty() ? QString() : QString::fromLatin1(query), QUrl::TolerantMode);
    return url;
}

QByteArray upstreamTarget(const QString &apiBase, const QByteArray &path, const QByteArray &query)
{
    QByteArray target = joinedPath(QUrl(apiBase), path);
    if (target.isEmpty())
        target = "/";
    if (!query.isEmpty())
        target += '?' + query;
    return target;
}

bool reachesModelRoute(const QString &apiBase, const QByteArray &path)
{
    static const QByteArray routes[] = {"/v1/chat/completions", "/v1/completions", "/v1/embeddings"};
    const QUrl base(apiBase);
    const QByteArray arriving = http::routeLookalikeKey(joinedPath(base, path));
    for (const QByteArray &route : routes) {
        if (arriving == route || arriving == http::routeLookalikeKey(joinedPath(base, route)))
            return true;
    }
    return false;
}

QByteArray bearer(const QString &apiKey)
{
    return apiKey.isEmpty() ? QByteArray() : "Bearer " + apiKey.toUtf8();
}

http::Headers upstreamRequestHeaders(const http::Headers &client, const QByteArray &authorization,
                                     const QByteArray &requestId)
{
    http::Headers out = withoutHopByHop(
        client, {"host", "authorization", "x-api-key", "content-length", "expect", "x-obleth-request-id"});
    if (!authorization.isEmpty())
        out.add("Authorization", authorization);
    out.add("x-obleth-request-id", requestId);
    return out;
}

http::Headers clientResponseHeaders(const http::Headers &upstream, const QByteArray &requestId)
{
    const bool chunked = upstream.contains("transfer-encoding");
    http::Headers out = chunked ? withoutHopByHop(upstream, {"content-length", "x-obleth-request-id"})
                                : withoutHopByHop(upstream, {"x-obleth-request-id"});
    out.add("x-obleth-request-id", requestId);
    return out;
}

} // namespace obleth::proxy
