#pragma once

#include "http/headers.h"
#include "http/httprequest.h"
#include "http/httpresponder.h"

#include <QStringList>

namespace obleth::dataplane {

/// Cross-origin access to the data plane for browser apps (contract section 14): which origins may call it,
/// what a preflight answers, and the headers an answer carries for an allowed origin. Origins come from the
/// `cors_allowed_origins` setting: exact origins ("http://localhost:3000"), patterns with `*` standing for any
/// run of characters ("chrome-extension://*", "https://*.example.com"), or "*" for every origin.
class CorsPolicy final
{
public:
    explicit CorsPolicy(const QStringList &allowedOrigins)
        : m_allowed(allowedOrigins)
    { }

    [[nodiscard]] bool allows(const QByteArray &origin) const;
    /// A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
    [[nodiscard]] static bool isPreflight(const http::HttpRequest &request);
    /// The headers of the 204 answer to an allowed preflight.
    [[nodiscard]] static http::Headers preflightHeaders(const http::HttpRequest &request);

private:
    QStringList m_allowed;
};

/// Puts obleth's CORS headers on an answer to an allowed origin, whoever writes it (upstream, cache, error),
/// and drops the upstream's own Access-Control-* headers, so that obleth's policy is the one in force.
class CorsTap final : public http::ResponseTap
{
public:
    CorsTap(QByteArray origin, bool allowed)
        : m_origin(std::move(origin))
        , m_allowed(allowed)
    { }
    void responseHead(int status, http::Headers &headers) override;
    void responseBody(const QByteArray &) override { }
    void responseEnd(bool) override { }

private:
    QByteArray m_origin;
    bool m_allowed;
};

} // namespace obleth::dataplane
