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

namespace {
/// The checks splitPath() makes of a decoded segment.
bool isRoutableSegment(QByteArrayView decoded)
{
    return decoded != "." && decoded != ".." && !decoded.contains('/') && !decoded.contains('\0');
}
} // namespace

bool PathSegments::split(const QByteArray &path)
{
    m_segments.clear();
    m_decoded.clear();
    if (!path.startsWith('/'))
        return false;
    const QByteArrayView rest = QByteArrayView(path).sliced(1);
    qsizetype start = 0;
    for (;;) {
        const qsizetype slash = rest.indexOf('/', start);
        QByteArrayView segment = rest.sliced(start, (slash < 0 ? rest.size() : slash) - start);
        if (segment.contains('%')) {
            m_decoded.append(QByteArray::fromPercentEncoding(segment.toByteArray()));
            segment = m_decoded.constLast();
        }
        if (!isRoutableSegment(segment))
            return false;
        m_segments.append(segment);
        if (slash < 0)
            break;
        start = slash + 1;
    }
    if (m_segments.size() > 1 && m_segments.last().isEmpty())
        m_segments.removeLast(); // tolerate one trailing slash
    return true;
}

PathPattern::PathPattern(const QString &pattern)
{
    const QStringList parts = pattern.mid(1).split(QLatin1Char('/'));
    m_rest
        = !parts.isEmpty() && parts.last().startsWith(QLatin1Char('{')) && parts.last().endsWith(QLatin1String("...}"));
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString &p = parts.at(i);
        if (m_rest && i == parts.size() - 1)
            m_segments.append(Segment{Kind::Rest, {}, p.mid(1, p.size() - 5)});
        else if (p.startsWith(QLatin1Char('{')) && p.endsWith(QLatin1Char('}')))
            m_segments.append(Segment{Kind::Parameter, {}, p.mid(1, p.size() - 2)});
        else
            m_segments.append(Segment{Kind::Literal, p.toUtf8(), {}});
    }
}

bool PathPattern::matches(const PathSegments &segments) const
{
    if (m_rest ? segments.size() < m_segments.size() : segments.size() != m_segments.size())
        return false;
    for (qsizetype i = 0; i < m_segments.size(); ++i) {
        const Segment &p = m_segments.at(i);
        switch (p.kind) {
        case Kind::Rest: break;
        case Kind::Parameter:
            if (segments.at(i).isEmpty())
                return false;
            break;
        case Kind::Literal:
            if (segments.at(i) != QByteArrayView(p.literal))
                return false;
            break;
        }
    }
    return true;
}

PathParams PathPattern::capture(const PathSegments &segments) const
{
    PathParams params;
    for (qsizetype i = 0; i < m_segments.size(); ++i) {
        const Segment &p = m_segments.at(i);
        if (p.kind == Kind::Parameter) {
            params.insert(p.name, QString::fromUtf8(segments.at(i)));
        } else if (p.kind == Kind::Rest) {
            QString joined = QString::fromUtf8(segments.at(i));
            for (qsizetype j = i + 1; j < segments.size(); ++j)
                joined += QLatin1Char('/') + QString::fromUtf8(segments.at(j));
            params.insert(p.name, joined);
        }
    }
    return params;
}

} // namespace obleth::http
