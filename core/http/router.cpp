#include "router.h"

namespace obleth::http {

bool splitPath(const QByteArray &path, QStringList *segments)
{
    segments->clear();
    if (!path.startsWith('/'))
        return false;
    const QList<QByteArray> raw = path.mid(1).split('/');
    for (const QByteArray &part : raw) {
        const QByteArray decoded = QByteArray::fromPercentEncoding(part);
        if (decoded == "." || decoded == ".." || decoded.contains('/') || decoded.contains('\0'))
            return false;
        segments->append(QString::fromUtf8(decoded));
    }
    if (segments->size() > 1 && segments->last().isEmpty())
        segments->removeLast(); // tolerate one trailing slash
    return true;
}

void Router::add(const QByteArray &method, const QString &pattern, Handler handler)
{
    Route r{method, pattern, pattern.mid(1).split(QLatin1Char('/')), std::move(handler)};
    m_routes.append(std::move(r));
}

Router::Match Router::match(const HttpRequest &request, const Route **route, PathParams *params,
                            QByteArrayList *allowed) const
{
    QStringList segments;
    if (!splitPath(request.path, &segments))
        return Match::NoPath;
    bool pathMatched = false;
    for (const Route &r : m_routes) {
        if (r.segments.size() != segments.size())
            continue;
        PathParams captured;
        bool ok = true;
        for (qsizetype i = 0; i < segments.size() && ok; ++i) {
            const QString &p = r.segments.at(i);
            if (p.startsWith(QLatin1Char('{')) && p.endsWith(QLatin1Char('}'))) {
                if (segments.at(i).isEmpty())
                    ok = false;
                else
                    captured.insert(p.mid(1, p.size() - 2), segments.at(i));
            } else if (p != segments.at(i)) {
                ok = false;
            }
        }
        if (!ok)
            continue;
        pathMatched = true;
        const bool methodOk = r.method == request.method || (request.method == "HEAD" && r.method == "GET");
        if (methodOk) {
            *route = &r;
            *params = std::move(captured);
            return Match::Found;
        }
        if (allowed && !allowed->contains(r.method))
            allowed->append(r.method);
    }
    return pathMatched ? Match::NoMethod : Match::NoPath;
}

} // namespace obleth::http
