#include "pathnormalization.h"

#include <QList>

namespace obleth::http {

namespace {

bool isUnreserved(uchar c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
        || c == '_' || c == '~';
}

/// Characters a path segment may hold raw besides unreserved ones (RFC 3986 pchar: sub-delims, ':' and '@').
bool isRawPathChar(uchar c)
{
    switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@': return true;
    default: return isUnreserved(c);
    }
}

bool isControl(uchar c)
{
    return c < 0x20 || c == 0x7f;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void appendEscape(QByteArray *out, uchar c)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    out->append('%');
    out->append(hex[c >> 4]);
    out->append(hex[c & 0xf]);
}

int upperHexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

NormalizedPath refused(const char *why)
{
    return NormalizedPath{{}, QStringLiteral("the request path is not valid: %1").arg(QLatin1String(why))};
}

} // namespace

bool isNormalPath(QByteArrayView path)
{
    if (!path.startsWith('/'))
        return false;
    if (path.size() == 1)
        return true;
    if (path.endsWith('/'))
        return false;
    qsizetype segmentStart = 1;
    for (qsizetype i = 1; i <= path.size(); ++i) {
        if (i == path.size() || path.at(i) == '/') {
            const QByteArrayView segment = path.sliced(segmentStart, i - segmentStart);
            if (segment.isEmpty() || segment == "." || segment == "..")
                return false;
            segmentStart = i + 1;
            continue;
        }
        const auto c = uchar(path.at(i));
        if (c == '%') {
            // Kept only as normalizePath() writes it: uppercase hex, of a byte that is not decoded or refused.
            const int hi = i + 2 < path.size() ? upperHexValue(path.at(i + 1)) : -1;
            const int lo = i + 2 < path.size() ? upperHexValue(path.at(i + 2)) : -1;
            if (hi < 0 || lo < 0)
                return false;
            const auto decoded = uchar(hi * 16 + lo);
            if (isUnreserved(decoded) || decoded == '/' || decoded == '\\' || isControl(decoded))
                return false;
            i += 2;
            continue;
        }
        if (!isRawPathChar(c))
            return false;
    }
    return true;
}

NormalizedPath normalizePath(const QByteArray &path)
{
    if (isNormalPath(path))
        return NormalizedPath{path, {}}; // shared, not copied
    return normalizePath(QByteArrayView(path));
}

NormalizedPath normalizePath(QByteArrayView path)
{
    if (isNormalPath(path))
        return NormalizedPath{path.toByteArray(), {}};
    if (!path.startsWith('/'))
        return refused("it must start with '/'");

    // Pass 1: one canonical spelling per byte. Slashes stay raw; they are the only separators left.
    QByteArray canonical;
    canonical.reserve(path.size());
    for (qsizetype i = 0; i < path.size(); ++i) {
        const auto c = uchar(path.at(i));
        if (c == '%') {
            const int hi = i + 2 < path.size() ? hexValue(path.at(i + 1)) : -1;
            const int lo = i + 2 < path.size() ? hexValue(path.at(i + 2)) : -1;
            if (hi < 0 || lo < 0)
                return refused("a '%' is not followed by two hex digits");
            const auto decoded = uchar(hi * 16 + lo);
            i += 2;
            if (decoded == '/' || decoded == '\\')
                return refused("it holds an encoded slash or backslash");
            if (isControl(decoded))
                return refused("it holds an encoded NUL or control byte");
            if (isUnreserved(decoded))
                canonical.append(char(decoded));
            else
                appendEscape(&canonical, decoded);
            continue;
        }
        if (isControl(c))
            return refused("it holds a control byte");
        if (c == '\\')
            return refused("it holds a backslash");
        if (c == '/' || isRawPathChar(c))
            canonical.append(char(c));
        else
            appendEscape(&canonical, c);
    }

    // Pass 2: segments. Empty ones (repeated or trailing slashes) go; dot segments are refused rather
    // than resolved, since no client of an API has a reason to send them.
    QByteArray out;
    out.reserve(canonical.size());
    const QList<QByteArray> segments = canonical.split('/');
    for (const QByteArray &segment : segments) {
        if (segment.isEmpty())
            continue;
        if (segment == "." || segment == "..")
            return refused("it holds a '.' or '..' segment");
        out.append('/');
        out.append(segment);
    }
    if (out.isEmpty())
        out = "/";
    return NormalizedPath{out, {}};
}

QByteArray routeLookalikeKey(QByteArrayView normalizedPath)
{
    QByteArray key;
    key.reserve(normalizedPath.size());
    bool inParams = false;
    for (const char c : normalizedPath) {
        if (c == '/')
            inParams = false;
        else if (c == ';')
            inParams = true;
        if (inParams || (c == '/' && key.endsWith('/')))
            continue; // a segment that was nothing but params leaves no empty segment behind
        key.append(c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c);
    }
    if (key.size() > 1 && key.endsWith('/'))
        key.chop(1);
    return key;
}

} // namespace obleth::http
