// Fuzz target: the HTTP/1.1 message parser (core/http/messageparser.h), built once for requests
// (fuzz_request_parser) and once for responses (fuzz_response_parser, OBLETH_FUZZ_RESPONSE).
//
// The payload is a byte stream on one connection (pipelined messages allowed); the control bytes say how it is
// cut into the pieces a socket delivers (see fuzzinput.h). Flag bit 3 selects small limits, so that every
// limit is reached with short inputs; bit 4 (responses) says the first request was a HEAD.
//
// Invariants: no crash, no hang (every event makes progress); Body and Complete only after Headers; Error and
// Complete are sticky; never more body than Content-Length declares, and exactly that much at Complete; never
// more request body than the limit; what the parser hands out is well-formed (method and header names are
// tokens, no control characters); and the outcome is the same whether the stream comes in one piece or in many.

#include "fuzzinput.h"

#include "http/messageparser.h"

#include <optional>

using obleth::fuzz::Input;
using obleth::http::Headers;
using obleth::http::MessageParser;

namespace {

#ifdef OBLETH_FUZZ_RESPONSE
constexpr MessageParser::Kind kKind = MessageParser::Kind::Response;
#else
constexpr MessageParser::Kind kKind = MessageParser::Kind::Request;
#endif

struct Message
{
    QByteArray method;
    QByteArray target;
    int status = 0;
    int versionMinor = 0;
    QList<Headers::Field> headers;
    qint64 contentLength = -1;
    bool chunked = false;
    bool closeDelimited = false;
    QByteArray body;
    bool complete = false;

    bool operator==(const Message &o) const
    {
        return method == o.method && target == o.target && status == o.status && versionMinor == o.versionMinor
            && headers == o.headers && contentLength == o.contentLength && chunked == o.chunked
            && closeDelimited == o.closeDelimited && body == o.body && complete == o.complete;
    }
};

struct Outcome
{
    QList<Message> messages;
    int errorStatus = 0;

    bool operator==(const Outcome &o) const { return messages == o.messages && errorStatus == o.errorStatus; }
};

bool isTokenChar(char c)
{
    static const QByteArray extra("!#$%&'*+-.^_`|~");
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || extra.contains(c);
}

bool isToken(const QByteArray &s)
{
    return !s.isEmpty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

bool hasControlChars(const QByteArray &s)
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

MessageParser::Limits limitsFor(const Input &in)
{
    MessageParser::Limits limits;
    if (in.flag(3)) {
        limits.maxHeaderBytes = 256;
        limits.maxTargetBytes = 64;
        limits.maxHeaderCount = 8;
        limits.maxBodyBytes = 512;
        limits.bodyLimitFor = [](const QByteArray &target) -> qint64 { return target.startsWith("/mcp") ? 64 : 512; };
    }
    return limits;
}

qint64 bodyLimit(const MessageParser::Limits &limits, const QByteArray &target)
{
    return limits.bodyLimitFor ? limits.bodyLimitFor(target) : limits.maxBodyBytes;
}

void checkErrorStatus(int status)
{
    if (kKind == MessageParser::Kind::Request) {
        FUZZ_CHECK(status == 400 || status == 413 || status == 414 || status == 431 || status == 501 || status == 505);
    } else {
        // The upstream client turns any of these into its own 502; the chunk and size checks share the
        // request's statuses.
        FUZZ_CHECK(status == 502 || status == 400 || status == 413 || status == 431);
    }
}

Outcome run(const QList<QByteArray> &pieces, const Input &in)
{
    const MessageParser::Limits limits = limitsFor(in);
    const bool head = kKind == MessageParser::Kind::Response && in.flag(4);
    MessageParser parser(kKind, limits);
    if (head)
        parser.expectNoBody();
    Outcome out;
    std::optional<Message> current;
    // Every event but NeedMore consumes at least one byte or ends a message: a generous bound catches a loop.
    qint64 budget = 4 * in.payload.size() + 64;

    const auto onHeaders = [&] {
        FUZZ_CHECK(!current);
        Message m;
        m.method = parser.method();
        m.target = parser.target();
        m.status = parser.status();
        m.versionMinor = parser.versionMinor();
        m.headers = parser.headers().fields();
        m.contentLength = parser.contentLength();
        m.chunked = parser.isChunked();
        m.closeDelimited = parser.isCloseDelimited();
        FUZZ_CHECK(m.versionMinor == 0 || m.versionMinor == 1);
        if (kKind == MessageParser::Kind::Request) {
            FUZZ_CHECK(isToken(m.method));
            FUZZ_CHECK(!m.target.isEmpty() && !m.target.contains(' ') && !hasControlChars(m.target));
            FUZZ_CHECK(m.target.size() <= limits.maxTargetBytes);
            FUZZ_CHECK(!m.closeDelimited);
        } else {
            FUZZ_CHECK(m.status >= 100 && m.status <= 999);
        }
        FUZZ_CHECK(m.headers.size() <= limits.maxHeaderCount);
        for (const Headers::Field &f : m.headers) {
            FUZZ_CHECK(isToken(f.first));
            FUZZ_CHECK(!hasControlChars(f.second));
            FUZZ_CHECK(f.second == f.second.trimmed());
        }
        FUZZ_CHECK(!(m.chunked && m.contentLength >= 0));
        FUZZ_CHECK(!(m.chunked && m.closeDelimited));
        current = m;
    };

    // Drives the parser until it needs more bytes; false once it has failed.
    const auto drive = [&]() -> bool {
        for (;;) {
            FUZZ_CHECK(--budget > 0);
            switch (parser.next()) {
            case MessageParser::Event::NeedMore: return true;
            case MessageParser::Event::Headers: onHeaders(); break;
            case MessageParser::Event::Body: {
                FUZZ_CHECK(current);
                const QByteArray piece = parser.takeBody();
                FUZZ_CHECK(!piece.isEmpty());
                current->body += piece;
                if (current->contentLength >= 0)
                    FUZZ_CHECK(current->body.size() <= current->contentLength);
                if (kKind == MessageParser::Kind::Request)
                    FUZZ_CHECK(current->body.size() <= bodyLimit(limits, current->target));
                FUZZ_CHECK(!(head && out.messages.isEmpty())); // HEAD is the first request's; reset() forgets it
                break;
            }
            case MessageParser::Event::Complete:
                FUZZ_CHECK(current);
                FUZZ_CHECK(parser.next() == MessageParser::Event::Complete);
                if (current->contentLength >= 0)
                    FUZZ_CHECK(current->body.size() == current->contentLength);
                current->complete = true;
                out.messages.append(*current);
                current.reset();
                parser.reset();
                break;
            case MessageParser::Event::Error:
                checkErrorStatus(parser.errorStatus());
                FUZZ_CHECK(!parser.errorMessage().isEmpty());
                FUZZ_CHECK(parser.next() == MessageParser::Event::Error);
                out.errorStatus = parser.errorStatus();
                return false;
            }
        }
    };

    bool failed = false;
    for (const QByteArray &piece : pieces) {
        parser.append(piece);
        if (!drive()) {
            failed = true;
            break;
        }
    }
    if (!failed && kKind == MessageParser::Kind::Response
        && (current || !parser.atMessageStart() || parser.bufferedBytes() > 0)) {
        // The upstream closed the connection.
        if (parser.finishAtEof() == MessageParser::Event::Complete) {
            FUZZ_CHECK(current);
            FUZZ_CHECK(current->contentLength < 0 || current->body.size() == current->contentLength);
            current->complete = true;
            out.messages.append(*current);
            current.reset();
        } else {
            FUZZ_CHECK(parser.errorStatus() == 502);
            out.errorStatus = parser.errorStatus();
        }
    }
    if (current)
        out.messages.append(*current); // incomplete
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    Input in;
    if (!Input::decode(data, size, &in))
        return 0;
    const Outcome whole = run({in.payload}, in);
    const Outcome pieces = run(in.pieces(), in);
    FUZZ_CHECK(whole == pieces);
    return 0;
}
