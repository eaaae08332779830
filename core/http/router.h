#pragma once

#include "httprequest.h"

#include <functional>
#include <QHash>
#include <QList>

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
        QStringList segments;
        Handler handler;
    };

    /// @p method "*" takes every method (the route's handler answers them).
    void add(const QByteArray &method, const QString &pattern, Handler handler)
    {
        m_routes.append(Route{method, pattern, pattern.mid(1).split(QLatin1Char('/')), std::move(handler)});
    }

    enum class Match { Found, NoPath, NoMethod };
    /// Finds the route for @p request; on NoMethod, @p allowed (if given) lists the methods the path takes.
    [[nodiscard]] Match match(const HttpRequest &request, const Route **route, PathParams *params,
                              QByteArrayList *allowed) const
    {
        QStringList segments;
        if (!splitPath(request.path, &segments))
            return Match::NoPath;
        bool pathMatched = false;
        for (const Route &r : m_routes) {
            PathParams captured;
            if (!matchPattern(r.segments, segments, &captured))
                continue;
            pathMatched = true;
            if (methodMatches(r.method, request.method)) {
                *route = &r;
                *params = std::move(captured);
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
