#pragma once

#include "reply.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace obleth::redis {

/// An incremental RESP2 reply parser: bytes go in as they arrive (append), complete replies come out (next).
///
/// Each byte is looked at a bounded number of times, however the stream is cut, so a reply costs O(its size). It
/// refuses hostile input with Error instead of growing without bound: a bulk string longer than maxBulkBytes, a
/// reply of more than maxArrayElements elements (counted through nested arrays) or more than maxReplyBytes, arrays
/// nested deeper than maxDepth, a header line longer than maxLineBytes, a number that is not one (or overflows 64
/// bits), a type byte that is not one of + - : $ *, or a line not ended by CRLF. The same stream fails the same way
/// however it is cut. After Error the stream cannot be trusted: the connection must be reset.
class RespParser final
{
public:
    struct Limits
    {
        qint64 maxBulkBytes = 64 * 1024 * 1024;
        qint64 maxArrayElements = 1024 * 1024;
        qint64 maxReplyBytes = 256 * 1024 * 1024;
        int maxDepth = 32;
        qsizetype maxLineBytes = 64 * 1024;
    };
    enum class Status {
        NeedMore, ///< Give me more bytes.
        Reply, ///< The next complete reply has been stored in *out.
        Error, ///< errorMessage() says why; sticky until reset().
    };

    RespParser() = default;
    explicit RespParser(Limits limits);

    void append(const QByteArray &bytes);
    void append(const char *data, qsizetype size);
    [[nodiscard]] Status next(Reply *out);
    /// Forgets everything (a new connection).
    void reset();

    [[nodiscard]] const QString &errorMessage() const noexcept { return m_error; }
    /// Bytes received and not yet consumed by a complete value.
    [[nodiscard]] qsizetype bufferedBytes() const noexcept { return m_buffer.size() - m_pos; }

private:
    struct Frame
    {
        Reply array;
        qint64 remaining = 0;
    };

    Status fail(const QString &why);
    /// Completes @p value: into the array being built, or as the next reply. True when a reply is ready in *out.
    bool complete(Reply value, Reply *out);

    Limits m_limits;
    QByteArray m_buffer;
    qsizetype m_pos = 0; ///< first byte not consumed
    qsizetype m_scanned = 0; ///< how far from m_pos the current header line was searched for CR already
    qint64 m_bulkLength = -1; ///< >= 0 while waiting for a bulk string's body
    QList<Frame> m_stack;
    qint64 m_replyElements = 0; ///< of the reply being read, through nested arrays
    qint64 m_replyBytes = 0; ///< of the reply being read
    QString m_error;
};

} // namespace obleth::redis
