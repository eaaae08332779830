#include "messageparser.h"

#include <algorithm>

namespace obleth::http {

namespace {

bool isTokenChar(char c)
{
    static constexpr char extra[] = "!#$%&'*+-.^_`|~";
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    for (char e : extra) {
        if (e && c == e)
            return true;
    }
    return false;
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool hasControlChars(QByteArrayView s)
{
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return true;
    }
    return false;
}

bool parseDecimal(QByteArrayView s, qint64 *out)
{
    if (s.isEmpty() || s.size() > 18)
        return false;
    qint64 v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// A chunk-size line (RFC 9112 7.1): 1*HEXDIG, then nothing or BWS ";" and extensions (ignored).
/// Strict on purpose: a size read one way here and another way by a proxy in front is how requests
/// are smuggled, so no "0x", sign, leading or trailing whitespace. At most 15 digits, so it fits.
bool parseChunkSize(QByteArrayView line, qint64 *out)
{
    qsizetype i = 0;
    qint64 v = 0;
    while (i < line.size() && isHexDigit(line.at(i))) {
        if (i == 15)
            return false;
        const char c = line.at(i);
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        ++i;
    }
    if (i == 0)
        return false;
    if (i < line.size()) {
        qsizetype j = i;
        while (j < line.size() && (line.at(j) == ' ' || line.at(j) == '\t'))
            ++j;
        if (j == line.size() || line.at(j) != ';' || hasControlChars(line.sliced(j)))
            return false;
    }
    *out = v;
    return true;
}

/// Room for this many header fields is made at a message's first: most have fewer, and the list then grows once.
constexpr qsizetype kHeadersReserved = 12;

/// The method as a QByteArray, shared for the common ones (no allocation per request).
QByteArray methodBytes(QByteArrayView method)
{
    static const QByteArray known[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (const QByteArray &k : known) {
        if (method == k)
            return k;
    }
    return method.toByteArray();
}

} // namespace

MessageParser::MessageParser(Kind kind)
    : MessageParser(kind, Limits())
{ }

MessageParser::MessageParser(Kind kind, Limits limits)
    : m_kind(kind)
    , m_limits(std::move(limits))
    , m_bodyLimit(m_limits.maxBodyBytes)
{ }

void MessageParser::append(const QByteArray &bytes)
{
    if (m_pos == m_buffer.size()) {
        m_buffer = bytes;
        m_pos = 0;
    } else {
        compact();
        m_buffer.append(bytes);
    }
}

void MessageParser::compact()
{
    if (m_pos > 0) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
}

void MessageParser::reset()
{
    if (m_pos == m_buffer.size()) { // all consumed: the last read is not kept (a pooled connection waits with it)
        m_buffer = QByteArray();
        m_pos = 0;
    }
    m_state = State::StartLine;
    m_headerBytes = 0;
    m_method.clear();
    m_target.clear();
    m_versionMinor = 1;
    m_status = 0;
    m_headers = {};
    m_contentLength = -1;
    m_chunked = false;
    m_closeDelimited = false;
    m_expectNoBody = false;
    m_remaining = 0;
    m_bodySeen = 0;
    m_body.clear();
}

QByteArray MessageParser::takeBody()
{
    return std::exchange(m_body, {});
}

MessageParser::Event MessageParser::fail(int status, const QString &message)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_errorMessage = message;
    return Event::Error;
}

bool MessageParser::takeLine(QByteArrayView *line)
{
    const qsizetype nl = m_buffer.indexOf('\n', m_pos);
    if (nl < 0)
        return false;
    qsizetype end = nl;
    if (end > m_pos && m_buffer.at(end - 1) == '\r')
        --end;
    *line = QByteArrayView(m_buffer).sliced(m_pos, end - m_pos);
    m_headerBytes += nl + 1 - m_pos;
    m_pos = nl + 1;
    return true;
}

MessageParser::Event MessageParser::next()
{
    for (;;) {
        switch (m_state) {
        case State::Failed: return Event::Error;
        case State::Complete: return Event::Complete;
        case State::StartLine:
        case State::HeaderLines:
        case State::Trailers: {
            QByteArrayView line; // into m_buffer, which does not change before the line is used
            if (!takeLine(&line)) {
                if (m_headerBytes + bufferedBytes() > m_limits.maxHeaderBytes) {
                    return fail(m_state == State::StartLine && m_kind == Kind::Request ? 414 : 431,
                                QStringLiteral("request header section is too large"));
                }
                compact();
                return Event::NeedMore;
            }
            if (m_headerBytes > m_limits.maxHeaderBytes) {
                return fail(m_state == State::StartLine && m_kind == Kind::Request ? 414 : 431,
                            QStringLiteral("request header section is too large"));
            }
            if (m_state == State::StartLine) {
                if (line.isEmpty() && m_headerBytes <= 4) {
                    // RFC 9112 2.2: ignore at least one empty line before the request line.
                    continue;
                }
                const Event e = parseStartLine(line);
                if (e == Event::Error)
                    return e;
                m_state = State::HeaderLines;
                continue;
            }
            if (m_state == State::Trailers) {
                if (line.isEmpty()) {
                    m_state = State::Complete;
                    return Event::Complete;
                }
                if (hasControlChars(line))
                    return fail(m_kind == Kind::Request ? 400 : 502, QStringLiteral("control characters in a trailer"));
                continue; // trailer fields are dropped
            }
            if (line.isEmpty()) {
                const Event e = headersDone();
                if (e == Event::Error)
                    return e;
                return Event::Headers;
            }
            const Event e = parseHeaderLine(line);
            if (e == Event::Error)
                return e;
            continue;
        }
        case State::BodyLength:
            if (m_remaining == 0) {
                m_state = State::Complete;
                return Event::Complete;
            }
            return emitBody(m_remaining);
        case State::BodyClose: return emitBody(std::numeric_limits<qint64>::max());
        case State::ChunkSize: {
            const qsizetype nl = m_buffer.indexOf('\n', m_pos);
            if (nl < 0) {
                if (bufferedBytes() > 1024)
                    return fail(400, QStringLiteral("malformed chunk size line"));
                compact();
                return Event::NeedMore;
            }
            if (nl - m_pos > 1024) // as when it came in pieces: the same verdict however the bytes arrive
                return fail(400, QStringLiteral("malformed chunk size line"));
            QByteArrayView line = QByteArrayView(m_buffer).sliced(m_pos, nl - m_pos);
            m_pos = nl + 1;
            if (line.endsWith('\r'))
                line.chop(1);
            qint64 size = 0;
            if (!parseChunkSize(line, &size))
                return fail(400, QStringLiteral("malformed chunk size"));
            if (size == 0) {
                m_state = State::Trailers;
                continue;
            }
            if (m_bodySeen + size > m_bodyLimit)
                return fail(413, QStringLiteral("request body is larger than %1 bytes").arg(m_bodyLimit));
            m_remaining = size;
            m_state = State::ChunkData;
            continue;
        }
        case State::ChunkData:
            if (m_remaining == 0) {
                m_state = State::ChunkDataEnd;
                continue;
            }
            return emitBody(m_remaining);
        case State::ChunkDataEnd: {
            if (bufferedBytes() < 1) {
                compact();
                return Event::NeedMore;
            }
            if (m_buffer.at(m_pos) == '\n') {
                ++m_pos;
            } else {
                if (bufferedBytes() < 2) {
                    compact();
                    return Event::NeedMore;
                }
                if (m_buffer.at(m_pos) != '\r' || m_buffer.at(m_pos + 1) != '\n')
                    return fail(400, QStringLiteral("malformed chunk terminator"));
                m_pos += 2;
            }
            m_state = State::ChunkSize;
            continue;
        }
        }
    }
}

MessageParser::Event MessageParser::emitBody(qint64 maxBytes)
{
    const qsizetype avail = bufferedBytes();
    if (avail == 0) {
        m_buffer.clear();
        m_pos = 0;
        return Event::NeedMore;
    }
    const qsizetype n = qsizetype(std::min<qint64>(avail, maxBytes));
    if (m_pos == 0 && n == m_buffer.size()) {
        m_body = std::exchange(m_buffer, {});
    } else {
        m_body = m_buffer.mid(m_pos, n);
    }
    m_pos += n;
    if (m_buffer.isEmpty())
        m_pos = 0;
    m_bodySeen += n;
    if (m_state != State::BodyClose)
        m_remaining -= n;
    return Event::Body;
}

MessageParser::Event MessageParser::finishAtEof()
{
    if (m_state == State::BodyClose) {
        m_state = State::Complete;
        return Event::Complete;
    }
    if (m_state == State::Complete)
        return Event::Complete;
    return fail(502, QStringLiteral("connection closed before the message was complete"));
}

MessageParser::Event MessageParser::parseStartLine(QByteArrayView line)
{
    if (hasControlChars(line))
        return fail(400, QStringLiteral("control characters in the start line"));
    // The line's parts between single spaces (a request line has exactly three).
    const qsizetype first = line.indexOf(' ');
    const qsizetype second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    const QByteArrayView part0 = first < 0 ? line : line.first(first);
    const QByteArrayView part1
        = first < 0 ? QByteArrayView() : line.sliced(first + 1, (second < 0 ? line.size() : second) - first - 1);
    auto parseVersion = [this](QByteArrayView v) {
        if (v == "HTTP/1.1") {
            m_versionMinor = 1;
            return true;
        }
        if (v == "HTTP/1.0") {
            m_versionMinor = 0;
            return true;
        }
        return false;
    };
    if (m_kind == Kind::Request) {
        if (second < 0 || line.indexOf(' ', second + 1) >= 0)
            return fail(400, QStringLiteral("malformed request line"));
        const QByteArrayView part2 = line.sliced(second + 1);
        if (!isToken(part0))
            return fail(400, QStringLiteral("malformed request method"));
        if (part1.isEmpty())
            return fail(400, QStringLiteral("empty request target"));
        if (part1.size() > m_limits.maxTargetBytes)
            return fail(414, QStringLiteral("request target is too long"));
        if (!part2.startsWith("HTTP/"))
            return fail(400, QStringLiteral("malformed HTTP version"));
        if (!parseVersion(part2))
            return fail(505, QStringLiteral("only HTTP/1.0 and HTTP/1.1 are supported"));
        m_method = methodBytes(part0);
        m_target = part1.toByteArray();
        m_bodyLimit = m_limits.bodyLimitFor ? m_limits.bodyLimitFor(m_target) : m_limits.maxBodyBytes;
        return Event::NeedMore;
    }
    if (first < 0 || !parseVersion(part0) || part1.size() != 3)
        return fail(502, QStringLiteral("malformed status line from upstream"));
    bool ok = false;
    const int status = part1.toInt(&ok);
    if (!ok || status < 100 || status > 999)
        return fail(502, QStringLiteral("malformed status code from upstream"));
    m_status = status;
    return Event::NeedMore;
}

MessageParser::Event MessageParser::parseHeaderLine(QByteArrayView line)
{
    const int bad = m_kind == Kind::Request ? 400 : 502;
    if (line.front() == ' ' || line.front() == '\t')
        return fail(bad, QStringLiteral("obsolete header line folding is not accepted"));
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return fail(bad, QStringLiteral("malformed header line"));
    const QByteArrayView name = line.first(colon);
    if (!isToken(name))
        return fail(bad, QStringLiteral("malformed header name"));
    const QByteArrayView value = line.sliced(colon + 1).trimmed();
    if (hasControlChars(value))
        return fail(bad, QStringLiteral("control characters in header '%1'").arg(QString::fromLatin1(name)));
    if (m_headers.size() >= m_limits.maxHeaderCount)
        return fail(m_kind == Kind::Request ? 431 : 502, QStringLiteral("too many header fields"));
    if (m_headers.isEmpty())
        m_headers.reserve(kHeadersReserved);
    m_headers.add(name.toByteArray(), value.toByteArray());
    return Event::NeedMore;
}

MessageParser::Event MessageParser::headersDone()
{
    const int bad = m_kind == Kind::Request ? 400 : 502;
    const bool hasTe = m_headers.contains("transfer-encoding");
    const qsizetype clCount = m_headers.count("content-length");

    // RFC 9112 3.2: an HTTP/1.1 request has exactly one Host; two are refused in any version, since
    // two parts of a chain could pick different ones.
    const qsizetype hostCount = m_kind == Kind::Request ? m_headers.count("host") : 0;
    if (hostCount > 1 || (m_kind == Kind::Request && m_versionMinor == 1 && hostCount == 0))
        return fail(400, QStringLiteral("an HTTP/1.1 request needs exactly one Host header"));

    if (m_kind == Kind::Response
        && (m_expectNoBody || (m_status >= 100 && m_status < 200) || m_status == 204 || m_status == 304)) {
        m_remaining = 0;
        m_state = State::BodyLength;
        return Event::Headers;
    }
    if (hasTe) {
        if (clCount > 0 && m_kind == Kind::Request)
            return fail(400, QStringLiteral("both Transfer-Encoding and Content-Length were sent"));
        const QByteArray te = m_headers.value("transfer-encoding").trimmed().toLower();
        if (te != "chunked" || m_headers.count("transfer-encoding") != 1) {
            return fail(m_kind == Kind::Request ? 501 : 502,
                        QStringLiteral("only the chunked transfer coding is supported"));
        }
        m_chunked = true;
        m_state = State::ChunkSize;
        return Event::Headers;
    }
    if (clCount > 0) {
        qint64 length = -1;
        for (const Headers::Field &f : m_headers.fields()) {
            if (!Headers::nameEquals(f.first, "content-length"))
                continue;
            qint64 v = 0;
            if (!parseDecimal(f.second, &v) || (length >= 0 && v != length))
                return fail(bad, QStringLiteral("malformed Content-Length"));
            length = v;
        }
        if (m_kind == Kind::Request && length > m_bodyLimit) {
            return fail(413,
                        QStringLiteral("request body of %1 bytes is larger than the limit of %2 bytes")
                            .arg(length)
                            .arg(m_bodyLimit));
        }
        m_contentLength = length;
        m_remaining = length;
        m_state = State::BodyLength;
        return Event::Headers;
    }
    if (m_kind == Kind::Response) {
        m_closeDelimited = true;
        m_state = State::BodyClose;
        return Event::Headers;
    }
    m_contentLength = 0;
    m_remaining = 0;
    m_state = State::BodyLength;
    return Event::Headers;
}

} // namespace obleth::http
