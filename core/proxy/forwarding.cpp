#include "forwarding.h"

#include "http/pathnormalization.h"
#include "upstreamendpoint.h"

#include <QVarLengthArray>

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

bool listHoldsToken(QByteArrayView list, QByteArrayView token) noexcept
{
    while (!list.isEmpty()) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView item = (comma < 0 ? list : list.first(comma)).trimmed();
        if (http::Headers::nameEquals(item, token))
            return true;
        if (comma < 0)
            break;
        list = list.sliced(comma + 1);
    }
    return false;
}

namespace {
/// Which of a message's fields go on to the next hop: not the hop-by-hop ones, not those its Connection fields
/// name, and not those in @p drop. Holds the Connection fields' values, without splitting them into lists.
class FieldFilter
{
public:
    template<std::size_t N>
    FieldFilter(const http::Headers &from, const QByteArrayView (&drop)[N])
        : m_drop(drop)
        , m_dropCount(N)
    {
        for (const auto &f : from.fields()) {
            if (http::Headers::nameEquals(f.first, "connection"))
                m_connection.append(f.second);
        }
    }

    [[nodiscard]] bool keeps(QByteArrayView name) const
    {
        if (isHopByHop(name))
            return false;
        for (std::size_t i = 0; i < m_dropCount; ++i) {
            if (http::Headers::nameEquals(name, m_drop[i]))
                return false;
        }
        for (const QByteArray &list : m_connection) {
            if (listHoldsToken(list, name))
                return false;
        }
        return true;
    }

private:
    const QByteArrayView *m_drop;
    std::size_t m_dropCount;
    QVarLengthArray<QByteArray, 2> m_connection; ///< the values of the Connection fields (shared, not copied)
};

/// The client's fields that are not forwarded as they came (see upstreamRequestHeaders()). Accept-Encoding neither:
/// obleth reads the answers it relays (usage and cost, the cache, Responses ids, the Messages translation), and an
/// upstream that compresses because the client allows it (OpenAI's API, anything behind nginx or a CDN; Node's fetch
/// sends "gzip, deflate" in every SDK request) would make them unreadable: usage unmetered, a translation broken.
constexpr QByteArrayView kNotForwarded[]
    = {"host", "authorization", "x-api-key", "content-length", "expect", "x-obleth-request-id", "accept-encoding"};
/// The same for a Messages request translated onto Chat Completions: Anthropic's headers mean nothing there.
constexpr QByteArrayView kNotForwardedTranslated[]
    = {"host",           "authorization",       "x-api-key",         "content-length",
       "expect",         "x-obleth-request-id", "anthropic-version", "anthropic-beta",
       "accept-encoding"};
/// The upstream's fields that are not relayed as they came (see clientResponseHeaders()).
constexpr QByteArrayView kNotRelayed[] = {"x-obleth-request-id"};
constexpr QByteArrayView kNotRelayedWhenChunked[] = {"content-length", "x-obleth-request-id"};

/// api_base's path (without trailing slashes) joined with the client's path, "/v1" once; @p extra bytes are
/// reserved beyond it.
QByteArray joinedPath(QByteArrayView basePath, QByteArrayView path, qsizetype extra = 0)
{
    QByteArrayView rest = path;
    if (basePath.endsWith("/v1") && (rest == QByteArrayView("/v1") || rest.startsWith("/v1/")))
        rest = rest.sliced(3);
    QByteArray joined;
    joined.reserve(basePath.size() + rest.size() + extra);
    joined.append(basePath).append(rest);
    return joined;
}
} // namespace

QUrl upstreamUrl(const QString &apiBase, const QByteArray &path, const QByteArray &query)
{
    const UpstreamEndpoint to{QUrl(apiBase)};
    QUrl url = to.base();
    url.setPath(QString::fromLatin1(joinedPath(to.basePath(), path)), QUrl::TolerantMode);
    url.setQuery(query.isEmpty() ? QString() : QString::fromLatin1(query), QUrl::TolerantMode);
    return url;
}

QByteArray upstreamTarget(const UpstreamEndpoint &to, QByteArrayView path, QByteArrayView query)
{
    QByteArray target = joinedPath(to.basePath(), path, query.isEmpty() ? 0 : query.size() + 1);
    if (target.isEmpty())
        target = "/";
    if (!query.isEmpty())
        target.append('?').append(query);
    return target;
}

QByteArray upstreamTarget(const QString &apiBase, const QByteArray &path, const QByteArray &query)
{
    return upstreamTarget(UpstreamEndpoint(QUrl(apiBase)), path, query);
}

bool reachesModelRoute(const UpstreamEndpoint &to, QByteArrayView path)
{
    static constexpr QByteArrayView routes[]
        = {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/messages", "/v1/responses"};
    const QByteArray arriving = http::routeLookalikeKey(joinedPath(to.basePath(), path));
    for (QByteArrayView route : routes) {
        if (arriving == route || arriving == http::routeLookalikeKey(joinedPath(to.basePath(), route)))
            return true;
    }
    // Every path below /v1/responses is obleth's too (a response's id, kept to its tenant): a look-alike of one
    // must not reach an upstream that holds the responses. (Below /v1/messages only count_tokens is, and costs
    // nothing; Anthropic's other paths there, such as message batches, go to the default upstream as documented.)
    const QByteArray below = http::routeLookalikeKey(joinedPath(to.basePath(), "/v1/responses")) + '/';
    return arriving.startsWith("/v1/responses/") || arriving.startsWith(below);
}

bool reachesModelRoute(const QString &apiBase, const QByteArray &path)
{
    return reachesModelRoute(UpstreamEndpoint(QUrl(apiBase)), path);
}

QByteArray bearer(const QString &apiKey)
{
    return apiKey.isEmpty() ? QByteArray() : "Bearer " + apiKey.toUtf8();
}

std::shared_ptr<const UpstreamEndpoint> endpointFor(const QString &apiBase, const QString &apiKey, bool anthropic)
{
    return anthropic ? std::make_shared<const UpstreamEndpoint>(QUrl(apiBase), QByteArray(), apiKey.toUtf8())
                     : std::make_shared<const UpstreamEndpoint>(QUrl(apiBase), bearer(apiKey));
}

http::Headers upstreamRequestHeaders(const http::Headers &client, const QByteArray &authorization,
                                     const QByteArray &requestId)
{
    const FieldFilter filter(client, kNotForwarded);
    http::Headers out;
    for (const auto &f : client.fields()) {
        if (filter.keeps(f.first))
            out.add(f.first, f.second);
    }
    if (!authorization.isEmpty())
        out.add("Authorization", authorization);
    out.add("x-obleth-request-id", requestId);
    return out;
}

namespace {
/// The one writer of an upstream request's header lines: the client's fields that @p filter keeps, then obleth's.
void writeHeaderLines(QByteArray &out, const http::Headers &client, const FieldFilter &filter,
                      QByteArrayView authorization, QByteArrayView apiKey, QByteArrayView requestId, bool addVersion,
                      bool identity)
{
    qsizetype size = out.size() + authorization.size() + apiKey.size() + requestId.size() + 128;
    for (const auto &f : client.fields())
        size += f.first.size() + f.second.size() + 4;
    out.reserve(size);
    const auto line = [&out](QByteArrayView name, QByteArrayView value) {
        out.append(name).append(": ", 2).append(value).append("\r\n", 2);
    };
    bool version = false;
    for (const auto &f : client.fields()) {
        if (filter.keeps(f.first)) {
            line(f.first, f.second);
            version = version || (addVersion && http::Headers::nameEquals(f.first, "anthropic-version"));
        }
    }
    if (addVersion && !version)
        line("anthropic-version", kAnthropicVersion);
    if (identity)
        line("Accept-Encoding", "identity");
    if (!authorization.isEmpty())
        line("Authorization", authorization);
    if (!apiKey.isEmpty())
        line("x-api-key", apiKey);
    line("x-obleth-request-id", requestId);
}
} // namespace

void writeUpstreamRequestHeaders(QByteArray &out, const http::Headers &client, const QByteArray &authorization,
                                 const QByteArray &requestId)
{
    writeHeaderLines(out, client, FieldFilter(client, kNotForwarded), authorization, {}, requestId, false, false);
}

void writeUpstreamRequestHeaders(QByteArray &out, const http::Headers &client, const UpstreamEndpoint &to,
                                 const QByteArray &requestId, UpstreamDialect dialect)
{
    switch (dialect) {
    case UpstreamDialect::OpenAI:
        return writeHeaderLines(out, client, FieldFilter(client, kNotForwarded), to.authorization(), to.apiKey(),
                                requestId, false, false);
    case UpstreamDialect::OpenAIRead:
        return writeHeaderLines(out, client, FieldFilter(client, kNotForwarded), to.authorization(), to.apiKey(),
                                requestId, false, true);
    case UpstreamDialect::AnthropicNative:
        return writeHeaderLines(out, client, FieldFilter(client, kNotForwarded), to.authorization(), to.apiKey(),
                                requestId, true, true);
    case UpstreamDialect::AnthropicTranslated:
        return writeHeaderLines(out, client, FieldFilter(client, kNotForwardedTranslated), to.authorization(),
                                to.apiKey(), requestId, false, true);
    }
}

http::Headers clientResponseHeaders(http::Headers upstream, const QByteArray &requestId)
{
    const bool chunked = upstream.contains("transfer-encoding");
    const FieldFilter filter
        = chunked ? FieldFilter(upstream, kNotRelayedWhenChunked) : FieldFilter(upstream, kNotRelayed);
    // In place: a field that goes is removed with every other of its name, which goes too (the filter decides by
    // name, with the Connection fields it read before any was removed).
    for (qsizetype i = 0; i < upstream.size();) {
        const QByteArray name = upstream.fields().at(i).first;
        if (filter.keeps(name))
            ++i;
        else
            upstream.remove(name);
    }
    upstream.add("x-obleth-request-id", requestId);
    return upstream;
}

} // namespace obleth::proxy
