#include "corspolicy.h"

namespace obleth::dataplane {

namespace {
constexpr QByteArrayView kAllowedHeaders = "Authorization, x-api-key, Content-Type, anthropic-version";
constexpr QByteArrayView kExposedHeaders
    = "x-obleth-request-id, x-obleth-cache, x-obleth-model, x-obleth-fallback, x-obleth-brownout, Retry-After";

/// "*" matches any run of characters; everything else literally, case-insensitively (origins are lower-case
/// in scheme and host, and browsers send them that way).
bool wildcardMatch(QStringView pattern, QStringView text)
{
    qsizetype p = 0;
    qsizetype t = 0;
    qsizetype star = -1;
    qsizetype mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == QLatin1Char('*')) {
            star = p++;
            mark = t;
        } else if (p < pattern.size() && pattern[p].toLower() == text[t].toLower()) {
            ++p;
            ++t;
        } else if (star >= 0) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == QLatin1Char('*'))
        ++p;
    return p == pattern.size();
}

bool isHeaderNameList(const QByteArray &value)
{
    for (char c : value) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
            || c == '_' || c == ',' || c == ' ';
        if (!ok)
            return false;
    }
    return true;
}
} // namespace

bool CorsPolicy::allows(const QByteArray &origin) const
{
    if (origin.isEmpty() || origin == "null" || origin.size() > 512)
        return false;
    const QString text = QString::fromLatin1(origin);
    for (const QString &pattern : m_allowed) {
        if (pattern == QLatin1String("*") || wildcardMatch(pattern, text))
            return true;
    }
    return false;
}

bool CorsPolicy::isPreflight(const http::HttpRequest &request)
{
    return request.method == "OPTIONS" && request.headers.contains("origin")
        && request.headers.contains("access-control-request-method");
}

http::Headers CorsPolicy::preflightHeaders(const http::HttpRequest &request)
{
    http::Headers h;
    h.add("Access-Control-Allow-Origin", request.headers.value("origin"));
    h.add("Vary", "Origin");
    h.add("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    // SDKs add headers of their own (x-stainless-*, openai-beta...): the origin is what is checked, so the
    // headers it asks for are allowed when they are plain header names.
    QByteArray allowed = kAllowedHeaders.toByteArray();
    const QByteArray asked = request.headers.value("access-control-request-headers").trimmed();
    if (!asked.isEmpty() && asked.size() <= 2048 && isHeaderNameList(asked))
        allowed += ", " + asked;
    h.add("Access-Control-Allow-Headers", allowed);
    h.add("Access-Control-Max-Age", "600");
    return h;
}

void CorsTap::responseHead(int, http::Headers &headers)
{
    QList<QByteArray> upstreamCors;
    for (const http::Headers::Field &f : headers.fields()) {
        if (f.first.size() > 15 && http::Headers::nameEquals(f.first.first(15), "access-control-"))
            upstreamCors.append(f.first);
    }
    for (const QByteArray &name : upstreamCors)
        headers.remove(name);
    if (!m_allowed)
        return;
    headers.add("Access-Control-Allow-Origin", m_origin);
    headers.add("Vary", "Origin");
    headers.add("Access-Control-Expose-Headers", kExposedHeaders.toByteArray());
}

} // namespace obleth::dataplane
