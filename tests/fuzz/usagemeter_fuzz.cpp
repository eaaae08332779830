// Fuzz target: the usage meter (core/usage/usagemeter.h), which reads token counts out of a response as its
// bytes pass through the relay: an SSE stream line by line, or one JSON body.
//
// The payload is the response body; the control bytes say how it is cut into the pieces the upstream delivers
// (fuzzinput.h). Flag bit 3 clear: an SSE stream (bit 4: also collect the generated text); set: a JSON body.
// Invariants: no crash, no undefined behaviour; the same tokens (and text) however the stream is cut; counts
// are never negative nor beyond 2^53, whatever the upstream reports.

#include "fuzzinput.h"

#include "usage/usagemeter.h"

using obleth::fuzz::Input;
using obleth::usage::TokenCount;
using obleth::usage::UsageMeter;

namespace {

constexpr qint64 kMaxTokens = qint64(1) << 53;

struct Result
{
    TokenCount count;
    qint64 streamed = 0;
    QString text;

    bool operator==(const Result &o) const
    {
        return count.promptTokens == o.count.promptTokens && count.completionTokens == o.count.completionTokens
            && count.estimated == o.count.estimated && streamed == o.streamed && text == o.text;
    }
};

Result run(const QList<QByteArray> &pieces, const Input &in)
{
    static const QByteArray request(
        R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Count to three, please."}],"stream":true})");
    UsageMeter meter(request);
    const bool streaming = !in.flag(3);
    meter.setStreaming(streaming);
    meter.setCollectText(streaming && in.flag(4));
    Result r;
    for (const QByteArray &piece : pieces) {
        const qint64 before = meter.streamedTokens();
        meter.feed(piece);
        FUZZ_CHECK(meter.streamedTokens() >= before);
        r.text += meter.takeText();
    }
    r.streamed = meter.streamedTokens();
    r.count = meter.finish();
    r.text += meter.takeText();
    // Counts feed the token buckets and the costs: whatever the upstream reports, never negative, never absurd.
    FUZZ_CHECK(r.count.promptTokens >= 0 && r.count.completionTokens >= 0);
    FUZZ_CHECK(r.count.promptTokens <= kMaxTokens && r.count.completionTokens <= kMaxTokens);
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    Input in;
    if (!Input::decode(data, size, &in))
        return 0;
    const Result whole = run({in.payload}, in);
    const Result pieces = run(in.pieces(), in);
    FUZZ_CHECK(whole == pieces);
    return 0;
}
