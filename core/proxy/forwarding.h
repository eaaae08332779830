#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <memory>

namespace obleth::proxy {

class UpstreamEndpoint;

/// The rules of forwarding, as pure functions (contract section 2). The request path takes the forms with an
/// UpstreamEndpoint, which holds the api_base taken apart once; the forms with a QString parse it first.

/// api_base joined with the client's path: a trailing "/v1" on the base and a leading "/v1" on the
/// path are one and the same, so the path is never doubled. @p path and @p query stay percent-encoded.
[[nodiscard]] QUrl upstreamUrl(const QString &apiBase, const QByteArray &path, const QByteArray &query);

/// The request target sent upstream for that URL: the same joined path, and @p query byte for byte as
/// the client sent it (QUrl would re-encode it). Both stay percent-encoded.
[[nodiscard]] QByteArray upstreamTarget(const UpstreamEndpoint &to, QByteArrayView path, QByteArrayView query);
[[nodiscard]] QByteArray upstreamTarget(const QString &apiBase, const QByteArray &path, const QByteArray &query);

/// True when a path forwarded to the upstream at @p apiBase would arrive there as one of obleth's accounted
/// model routes (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/messages, /v1/responses and every
/// path below it, bare or joined to the base) in all
/// but case or ";params". Such a path is refused instead of being forwarded unaccounted: an upstream may
/// well ignore case and matrix parameters. @p path is already normalised (http::normalizePath).
[[nodiscard]] bool reachesModelRoute(const UpstreamEndpoint &to, QByteArrayView path);
[[nodiscard]] bool reachesModelRoute(const QString &apiBase, const QByteArray &path);

/// The client's headers minus hop-by-hop ones, Host, Authorization, x-api-key, Content-Length and Accept-Encoding
/// (obleth reads what it relays: the answer must come uncompressed);
/// with Authorization: @p authorization when one is given, and x-obleth-request-id.
[[nodiscard]] http::Headers upstreamRequestHeaders(const http::Headers &client, const QByteArray &authorization,
                                                   const QByteArray &requestId);
/// The same fields, appended to @p out as they are sent ("Name: value\r\n" each), in one pass over @p client.
void writeUpstreamRequestHeaders(QByteArray &out, const http::Headers &client, const QByteArray &authorization,
                                 const QByteArray &requestId);

/// Which API an upstream request speaks, for the headers that differ (contract section 13).
enum class UpstreamDialect {
    OpenAI, ///< as writeUpstreamRequestHeaders() with the endpoint's Authorization
    /// OpenAI's, for an answer obleth reads (the Responses API's: its id, its usage): as OpenAI, with
    /// Accept-Encoding: identity instead of the client's (obleth decodes no content coding)
    OpenAIRead,
    /// Anthropic's Messages API, natively: the endpoint's key as `x-api-key` (no Authorization), the client's
    /// anthropic-version (kAnthropicVersion added when it sent none) and anthropic-beta passed on; Accept-Encoding:
    /// identity instead of the client's, as OpenAIRead
    AnthropicNative,
    /// A Messages request translated onto Chat Completions: as OpenAIRead, without anthropic-version and
    /// anthropic-beta
    AnthropicTranslated,
};
/// The anthropic-version sent to a native Anthropic upstream when the client sent none.
inline constexpr QByteArrayView kAnthropicVersion = "2023-06-01";
/// writeUpstreamRequestHeaders() for an upstream that speaks @p dialect, with @p to's credentials.
void writeUpstreamRequestHeaders(QByteArray &out, const http::Headers &client, const UpstreamEndpoint &to,
                                 const QByteArray &requestId, UpstreamDialect dialect);

/// "Bearer <key>" for a model's upstream API key; empty when there is none.
[[nodiscard]] QByteArray bearer(const QString &apiKey);

/// The upstream at @p apiBase with @p apiKey sent as its API takes it (contract section 13): Anthropic's
/// (@p anthropic) as `x-api-key`, OpenAI's as `Authorization: Bearer`. The one place that choice is made (requests
/// and health checks).
[[nodiscard]] std::shared_ptr<const UpstreamEndpoint> endpointFor(const QString &apiBase, const QString &apiKey,
                                                                  bool anthropic);

/// The upstream's response headers minus hop-by-hop ones, plus x-obleth-request-id.
/// Content-Length is kept unless the body came chunked. Filters @p upstream in place: handed over with
/// std::move, it is not copied.
[[nodiscard]] http::Headers clientResponseHeaders(http::Headers upstream, const QByteArray &requestId);

/// True for the hop-by-hop header names of RFC 9110 7.6.1 (and Proxy-*).
[[nodiscard]] bool isHopByHop(QByteArrayView name);

/// True when the comma-separated list @p list (a header's value) holds @p token, in any case.
[[nodiscard]] bool listHoldsToken(QByteArrayView list, QByteArrayView token) noexcept;

} // namespace obleth::proxy
