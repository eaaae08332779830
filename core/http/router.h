#pragma once

#include "httprequest.h"

#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QVarLengthArray>

#include <functional>

namespace obleth::http {

class HttpResponder;

/// Path parameters captured by a route, such as {id}.
using PathParams = QHash<QString, QString>;

/// Splits a percent-encoded path into decoded segments; false when a segment is "." or ".."
/// or the path is otherwise unsafe.
[[nodiscard]] bool splitPath(const QByteArray &path, QStringList *segments);

/// True when decoded @p segments fit a pattern's @p patternSegments: a literal takes itself, "{name}" one
/// non-empty segment, and a last "{name...}" every segment left (one or more, captured joined by '/').
[[nodiscard]] bool matchPattern(const QStringList &patternSegments, const QStringList &segments, PathParams *params);

/// True when a route for @p routeMethod takes @p requestMethod: the same method, HEAD for GET, anything for "*".
[[nodiscard]] bool methodMatches(QByteArrayView routeMethod, QByteArrayView requestMethod);

/// A request path as routes see it: split into segments and percent-decoded, as splitPath() does, but as bytes
/// that point into the path itself when it holds no escape (the common case: nothing is allocated).
class PathSegments final
{
public:
    /// False when the path is not one a route can take (as splitPath()).
    [[nodiscard]] bool split(const QByteArray &path);
    [[nodiscard]] qsizetype size() const noexcept { return m_segments.size(); }
    [[nodiscard]] QByteArrayView at(qsizetype i) const { return m_segments.at(i); }

private:
    QVarLengthArray<QByteArrayView, 12> m_segments;
    QByteArrayList m_decoded; ///< the segments that held escapes, decoded (m_segments points into them)
};

/// A route's path pattern (see matchPattern()), kept as bytes so that a request path is matched without
/// allocating; only the parameters of the route that is taken are made into strings.
class PathPattern final
{
public:
    explicit PathPattern(const QString &pattern);
    /// True when @p segments fit the pattern (as matchPattern(), for UTF-8 paths and patterns).
    [[nodiscard]] bool matches(const PathSegments &segments) const;
    /// The parameters of @p segments, which matches().
    [[nodiscard]] PathParams capture(const PathSegments &segments) const;

private:
    enum class Kind { Literal, Parameter, Rest };
    struct Segment
    {
        Kind kind;
        QByteArray literal; ///< UTF-8, for Literal
        QString name; ///< for Parameter and Rest
    };
    QList<Segment> m_segments;
    bool m_rest = false;
};

/// Maps a method and a path pattern like /api/v1/tenants/{id}/keys to a handler, first added first matched.
/// The handler's type is the user's: the Management API's take the request, its path parameters and the
/// responder (Router); the data plane's its own request context.
template<typename Handler> class BasicRouter final
{
public:
    struct Route
    {
        QByteArray method;
        QString pattern;
        PathPattern compiled;
        Handler handler;
    };

    /// @p method "*" takes every method (the route's handler answers them).
    void add(const QByteArray &method, const QString &pattern, Handler handler)
    {
        m_routes.append(Route{method, pattern, PathPattern(pattern), std::move(handler)});
    }

    enum class Match { Found, NoPath, NoMethod };
    /// Finds the route for @p request; on NoMethod, @p allowed (if given) lists the methods the path takes.
    [[nodiscard]] Match match(const HttpRequest &request, const Route **route, PathParams *params,
                              QByteArrayList *allowed) const
    {
        PathSegments segments;
        if (!segments.split(request.path))
            return Match::NoPath;
        bool pathMatched = false;
        for (const Route &r : m_routes) {
            if (!r.compiled.matches(segments))
                continue;
            pathMatched = true;
            if (methodMatches(r.method, request.method)) {
                *route = &r;
                *params = r.compiled.capture(segments);
                return Match::Found;
            }
            if (allowed && !allowed->contains(r.method))
                allowed->append(r.method);
        }
        return pathMatched ? Match::NoMethod : Match::NoPath;
    }
    [[nodiscard]] const QList<Route> &routes() const noexcept { return m_routes; }

private:
    QList<Route> m_routes;
};

/// The Management API's router.
using Router = BasicRouter<std::function<void(const HttpRequest &, const PathParams &, HttpResponder *)>>;

} // namespace obleth::http
