// Fuzz target: the usage meter (core/usage/usagemeter.h), which reads token counts out of a response as its
// bytes pass through the relay: an SSE stream line by line, or one JSON body.
//
// The payload is the response body; the control bytes say how it is cut into the pieces the upstream delivers
// (fuzzinput.h). Flag bit 3 clear: an SSE stream (bit 4: also collect the generated text); set: a JSON body.
// Invariants: no crash, no undefined behaviour; the same tokens (and text) however the stream is cut; counts
// are never negative nor beyond UsageMeter::kMaxTokensPerAnswer, whatever the upstream reports; and a JSON body's usage
// is what QJsonDocument reads from it (the meter reads plain usage objects without it).

#include "fuzzinput.h"

#include "usage/usagemeter.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <string_view>

using obleth::fuzz::Input;
using obleth::usage::TokenCount;
using obleth::usage::UsageMeter;

namespace {

constexpr qint64 kMaxTokens = UsageMeter::kMaxTokensPerAnswer;

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

/// The reference for a stream's content chunks so far, counted line by line with plain searches: a line is one
/// when the first `"content":"` in its data, or else the first `"text":"`, or else the first `"delta":"`, opens a
/// non-empty string (the meter finds them in one pass).
qint64 contentChunksIn(std::string_view stream)
{
    qint64 chunks = 0;
    // Only whole lines: the streamed count is taken before finish() reads the last line's rest.
    for (size_t nl = stream.find('\n'); nl != std::string_view::npos; nl = stream.find('\n')) {
        std::string_view line = stream.substr(0, nl);
        stream.remove_prefix(nl + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.substr(0, 5) != "data:")
            continue;
        line.remove_prefix(5);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        for (const std::string_view key :
             {std::string_view("\"content\":\""), std::string_view("\"text\":\""), std::string_view("\"delta\":\"")}) {
            const size_t at = line.find(key);
            if (at != std::string_view::npos && at + key.size() < line.size() && line[at + key.size()] != '"') {
                ++chunks;
                break;
            }
        }
    }
    return chunks;
}

/// The reference for a JSON body: its usage object as QJsonDocument reads it (OpenAI chat's prompt_tokens and
/// completion_tokens; else Anthropic's and the Responses API's input_tokens, output_tokens and Anthropic's
/// cache_*_input_tokens, the cached ones counted as prompt tokens).
void checkAgainstQJsonDocument(const QByteArray &body, const TokenCount &count)
{
    if (body.size() > UsageMeter::kMaxJsonBytes)
        return;
    const QJsonObject usage = QJsonDocument::fromJson(obleth::usage::usageObjectIn(body).toByteArray()).object();
    const auto clamped = [&usage](const char *key) {
        return qint64(std::clamp(usage.value(QLatin1String(key)).toDouble(), 0.0, double(kMaxTokens)));
    };
    const auto isNumber = [&usage](const char *key) { return usage.value(QLatin1String(key)).isDouble(); };
    if (isNumber("prompt_tokens")) {
        FUZZ_CHECK(!count.estimated);
        FUZZ_CHECK(count.promptTokens == clamped("prompt_tokens"));
        FUZZ_CHECK(count.completionTokens == clamped("completion_tokens"));
    } else if (isNumber("input_tokens") || isNumber("output_tokens") || isNumber("cache_creation_input_tokens")
               || isNumber("cache_read_input_tokens")) {
        FUZZ_CHECK(!count.estimated);
        const qint64 prompt
            = clamped("input_tokens") + clamped("cache_creation_input_tokens") + clamped("cache_read_input_tokens");
        FUZZ_CHECK(count.promptTokens == std::min(prompt, kMaxTokens));
        FUZZ_CHECK(count.completionTokens == clamped("output_tokens"));
    } else {
        FUZZ_CHECK(count.estimated);
    }
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
    if (in.flag(3))
        checkAgainstQJsonDocument(in.payload, whole.count);
    else if (!in.flag(4) && in.payload.size() < 1024 * 1024) // no line beyond the meter's longest
        FUZZ_CHECK(whole.streamed == contentChunksIn(std::string_view(in.payload.constData(), in.payload.size())));
    return 0;
}
