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

bool matchPattern(const QStringList &patternSegments, const QStringList &segments, PathParams *params)
{
    const bool rest = !patternSegments.isEmpty() && patternSegments.last().startsWith(QLatin1Char('{'))
        && patternSegments.last().endsWith(QLatin1String("...}"));
    if (rest ? segments.size() < patternSegments.size() : segments.size() != patternSegments.size())
        return false;
    for (qsizetype i = 0; i < patternSegments.size(); ++i) {
        const QString &p = patternSegments.at(i);
        if (rest && i == patternSegments.size() - 1) {
            params->insert(p.mid(1, p.size() - 5), segments.mid(i).join(QLatin1Char('/')));
        } else if (p.startsWith(QLatin1Char('{')) && p.endsWith(QLatin1Char('}'))) {
            if (segments.at(i).isEmpty())
                return false;
            params->insert(p.mid(1, p.size() - 2), segments.at(i));
        } else if (p != segments.at(i)) {
            return false;
        }
    }
    return true;
}

bool methodMatches(QByteArrayView routeMethod, QByteArrayView requestMethod)
{
    return routeMethod == "*" || routeMethod == requestMethod || (requestMethod == "HEAD" && routeMethod == "GET");
}

} // namespace obleth::http
