// Fuzz target: the RESP2 reply parser of the Redis client (core/redis/respparser.h).
//
// The payload is what a Redis server (or something pretending to be one) sends on one connection; the control
// bytes say how it is cut into the pieces a socket delivers (see fuzzinput.h). Flag bit 3 selects small limits, so
// that every limit is reached with short inputs.
//
// Invariants: no crash, no hang, no unbounded growth (what the parser keeps is what it was given); every reply is
// within the limits (bulk length, elements and bytes of a reply, nesting depth); an error names its cause and is
// sticky; a reply written back in RESP parses to the same reply; and the outcome is the same whether the stream comes
// in one piece or in many.

#include "fuzzinput.h"

#include "redis/respparser.h"

using obleth::fuzz::Input;
using obleth::redis::Reply;
using obleth::redis::RespParser;

namespace {

struct Outcome
{
    QList<Reply> replies;
    bool failed = false;
    QString error;
};

bool same(const Reply &a, const Reply &b)
{
    if (a.type != b.type || a.text != b.text || a.integer != b.integer || a.elements.size() != b.elements.size())
        return false;
    for (qsizetype i = 0; i < a.elements.size(); ++i) {
        if (!same(a.elements.at(i), b.elements.at(i)))
            return false;
    }
    return true;
}

bool same(const Outcome &a, const Outcome &b)
{
    if (a.failed != b.failed || a.error != b.error || a.replies.size() != b.replies.size())
        return false;
    for (qsizetype i = 0; i < a.replies.size(); ++i) {
        if (!same(a.replies.at(i), b.replies.at(i)))
            return false;
    }
    return true;
}

QByteArray encode(const Reply &r)
{
    switch (r.type) {
    case Reply::Type::Nil: return QByteArrayLiteral("$-1\r\n");
    case Reply::Type::Status: return '+' + r.text + "\r\n";
    case Reply::Type::Error: return '-' + r.text + "\r\n";
    case Reply::Type::Integer: return ':' + QByteArray::number(r.integer) + "\r\n";
    case Reply::Type::Bulk: return '$' + QByteArray::number(r.text.size()) + "\r\n" + r.text + "\r\n";
    case Reply::Type::Array: {
        QByteArray out = '*' + QByteArray::number(r.elements.size()) + "\r\n";
        for (const Reply &e : r.elements)
            out += encode(e);
        return out;
    }
    }
    return {};
}

qint64 elements(const Reply &r)
{
    qint64 n = r.elements.size();
    for (const Reply &e : r.elements)
        n += elements(e);
    return n;
}

void checkWithin(const Reply &r, const RespParser::Limits &limits, int depth)
{
    FUZZ_CHECK(depth <= limits.maxDepth + 1);
    switch (r.type) {
    case Reply::Type::Status:
    case Reply::Type::Error:
        FUZZ_CHECK(r.text.size() <= limits.maxLineBytes);
        FUZZ_CHECK(!r.text.contains('\r') && !r.text.contains('\n'));
        FUZZ_CHECK(r.elements.isEmpty());
        break;
    case Reply::Type::Bulk:
        FUZZ_CHECK(r.text.size() <= limits.maxBulkBytes);
        FUZZ_CHECK(r.elements.isEmpty());
        break;
    case Reply::Type::Array:
        FUZZ_CHECK(r.elements.size() <= limits.maxArrayElements);
        FUZZ_CHECK(r.text.isEmpty());
        for (const Reply &e : r.elements)
            checkWithin(e, limits, depth + 1);
        break;
    case Reply::Type::Nil:
    case Reply::Type::Integer: FUZZ_CHECK(r.text.isEmpty() && r.elements.isEmpty()); break;
    }
}

RespParser::Limits limitsFor(const Input &in)
{
    RespParser::Limits limits;
    if (in.flag(3)) {
        limits.maxBulkBytes = 64;
        limits.maxArrayElements = 8;
        limits.maxDepth = 4;
        limits.maxLineBytes = 32;
        limits.maxReplyBytes = 256;
    }
    return limits;
}

Outcome run(const QList<QByteArray> &pieces, const RespParser::Limits &limits)
{
    RespParser parser(limits);
    Outcome out;
    qsizetype given = 0;
    for (const QByteArray &piece : pieces) {
        parser.append(piece);
        given += piece.size();
        // Every reply consumes at least three bytes: a generous bound catches a loop.
        for (qsizetype budget = piece.size() + 2;; --budget) {
            FUZZ_CHECK(budget > 0);
            Reply r;
            const RespParser::Status s = parser.next(&r);
            if (s == RespParser::Status::NeedMore)
                break;
            if (s == RespParser::Status::Error) {
                out.failed = true;
                out.error = parser.errorMessage();
                FUZZ_CHECK(!out.error.isEmpty());
                FUZZ_CHECK(parser.next(&r) == RespParser::Status::Error);
                return out;
            }
            out.replies.append(r);
        }
        FUZZ_CHECK(parser.bufferedBytes() <= given);
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    Input in;
    if (!Input::decode(data, size, &in))
        return 0;
    const RespParser::Limits limits = limitsFor(in);
    const Outcome whole = run({in.payload}, limits);
    for (const Reply &r : whole.replies) {
        checkWithin(r, limits, 1);
        FUZZ_CHECK(elements(r) <= limits.maxArrayElements);
        FUZZ_CHECK(encode(r).size() <= limits.maxReplyBytes + 16);
        // Written back, it reads the same (the null array comes back as the null bulk: both are Nil).
        const Outcome again = run({encode(r)}, limits);
        FUZZ_CHECK(!again.failed && again.replies.size() == 1 && same(again.replies.at(0), r));
    }
    const Outcome pieces = run(in.pieces(), limits);
    FUZZ_CHECK(same(whole, pieces));
    return 0;
}
