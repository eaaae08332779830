#pragma once

// Shared by the fuzz targets: an invariant check that works without assert() (release builds keep it),
// and the input layout that lets the fuzzer choose how a byte stream is cut into the pieces a socket
// would deliver.

#include <QByteArray>
#include <QList>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

/// Aborts (which libFuzzer and the replay runner report as a failure) when @p cond is false.
#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                          \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (0)

namespace obleth::fuzz {

/// A fuzz input cut into its control bytes and its payload.
///
/// Layout: byte 0 holds flags; its low three bits are n, the number of piece-size bytes that follow.
/// Piece-size byte b stands for a piece of b + 1 bytes; the sizes are used in turn, over and over, until
/// the payload is used up (n == 0: the payload comes in one piece). Everything after them is the payload.
/// Bits 3 to 7 of the flags are the target's to use. A readable seed starts with e.g. "#!0@" (n = 3,
/// pieces of 34, 49 and 65 bytes) or "\0" (one piece).
struct Input
{
    std::uint8_t flags = 0;
    QList<int> pieceSizes;
    QByteArray payload;

    [[nodiscard]] bool flag(int bit) const { return (flags >> bit) & 1; }

    /// Decodes @p data; false when it is too short to hold its own control bytes.
    static bool decode(const std::uint8_t *data, std::size_t size, Input *out)
    {
        if (size < 1)
            return false;
        out->flags = data[0];
        const std::size_t n = data[0] & 7;
        if (size < 1 + n)
            return false;
        for (std::size_t i = 0; i < n; ++i)
            out->pieceSizes.append(int(data[1 + i]) + 1);
        out->payload = QByteArray(reinterpret_cast<const char *>(data + 1 + n), qsizetype(size - 1 - n));
        return true;
    }

    /// The payload cut as the piece sizes say.
    [[nodiscard]] QList<QByteArray> pieces() const
    {
        if (pieceSizes.isEmpty())
            return {payload};
        QList<QByteArray> out;
        qsizetype at = 0;
        for (int i = 0; at < payload.size(); i = (i + 1) % int(pieceSizes.size())) {
            out.append(payload.mid(at, pieceSizes.at(i)));
            at += pieceSizes.at(i);
        }
        return out;
    }
};

} // namespace obleth::fuzz
