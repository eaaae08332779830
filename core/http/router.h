#pragma once

#include "httprequest.h"

#include <functional>
#include <QHash>
#include <QList>

namespace obleth::http {

class HttpResponder;

/// Path parameters captured by a route, such as {id}.
using PathParams = QHash<QString, QString>;

/// Maps a method and a path pattern like /api/v1/tenants/{id}/keys to a function.
class Router final
{
public:
    using Handler = std::function<void(const HttpRequest &, const PathParams &, HttpResponder *)>;

    struct Route
    {
        QByteArray method;
        QString pattern;
        QStringList segments;
        Handler handler;
    };

    void add(const QByteArray &method, const QString &pattern, Handler handler);

    enum class Match { Found, NoPath, NoMethod };
    /// Finds the route for @p request; on NoMethod, @p allowed lists the methods the path takes.
    [[nodiscard]] Match match(const HttpRequest &request, const Route **route, PathParams *params,
                              QByteArrayList *allowed) const;
    [[nodiscard]] const QList<Route> &routes() const noexcept { return m_routes; }

private:
    QList<Route> m_routes;
};

/// Splits a percent-encoded path into decoded segments; false when a segment is "." or ".."
/// or the path is otherwise unsafe.
[[nodiscard]] bool splitPath(const QByteArray &path, QStringList *segments);

} // namespace obleth::http
