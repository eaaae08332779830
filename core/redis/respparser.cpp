#include "respparser.h"

#include <algorithm>
#include <limits>

namespace obleth::redis {

namespace {

/// A RESP integer: an optional '-' and 1..19 digits, within qint64. False when it is anything else.
bool parseInteger(const char *p, qsizetype n, qint64 *out)
{
    bool negative = false;
    if (n > 0 && *p == '-') {
        negative = true;
        ++p;
        --n;
    }
    if (n <= 0 || n > 19)
        return false;
    // Accumulate negatively so that INT64_MIN fits.
    qint64 value = 0;
    constexpr qint64 kMin = std::numeric_limits<qint64>::min();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = p[i];
        if (c < '0' || c > '9')
            return false;
        const int digit = c - '0';
        if (value < (kMin + digit) / 10)
            return false;
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == kMin)
            return false;
        value = -value;
    }
    *out = value;
    return true;
}

} // namespace

RespParser::RespParser(Limits limits)
    : m_limits(limits)
{ }

void RespParser::append(const QByteArray &bytes)
{
    append(bytes.constData(), bytes.size());
}

void RespParser::append(const char *data, qsizetype size)
{
    if (!m_error.isEmpty() || size <= 0)
        return;
    // Drop what has been consumed once it is at least half of the buffer: amortised O(1) a byte.
    if (m_pos > 0 && (m_pos == m_buffer.size() || m_pos >= m_buffer.size() / 2)) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
    m_buffer.append(data, size);
}

void RespParser::reset()
{
    m_buffer.clear();
    m_buffer.squeeze();
    m_pos = 0;
    m_scanned = 0;
    m_bulkLength = -1;
    m_stack.clear();
    m_replyElements = 0;
    m_replyBytes = 0;
    m_error.clear();
}

RespParser::Status RespParser::fail(const QString &why)
{
    m_error = why;
    m_buffer.clear();
    m_pos = 0;
    m_stack.clear();
    return Status::Error;
}

bool RespParser::complete(Reply value, Reply *out)
{
    while (!m_stack.isEmpty()) {
        Frame &top = m_stack.last();
        top.array.elements.append(std::move(value));
        if (--top.remaining > 0)
            return false;
        value = std::move(top.array);
        m_stack.removeLast();
    }
    *out = std::move(value);
    m_replyElements = 0;
    m_replyBytes = 0;
    return true;
}

RespParser::Status RespParser::next(Reply *out)
{
    if (!m_error.isEmpty())
        return Status::Error;
    const char *const data = m_buffer.constData();
    const qsizetype size = m_buffer.size();
    for (;;) {
        if (m_bulkLength >= 0) {
            if (size - m_pos < m_bulkLength + 2)
                return Status::NeedMore;
            if (data[m_pos + m_bulkLength] != '\r' || data[m_pos + m_bulkLength + 1] != '\n')
                return fail(QStringLiteral("a bulk string is not followed by CRLF"));
            Reply bulk;
            bulk.type = Reply::Type::Bulk;
            bulk.text = QByteArray(data + m_pos, qsizetype(m_bulkLength));
            m_pos += qsizetype(m_bulkLength) + 2;
            m_bulkLength = -1;
            if (complete(std::move(bulk), out))
                return Status::Reply;
            continue;
        }

        // A header line: type byte, text, CRLF. Search only the bytes not searched before.
        const qsizetype available = size - m_pos;
        const char *const line = data + m_pos;
        qsizetype cr = -1;
        for (qsizetype i = m_scanned; i < available; ++i) {
            // Checked byte by byte, so that the same stream fails the same way however it is cut.
            if (i > m_limits.maxLineBytes)
                return fail(QStringLiteral("a line is longer than %1 bytes").arg(m_limits.maxLineBytes));
            if (line[i] == '\r') {
                cr = i;
                break;
            }
            if (line[i] == '\n')
                return fail(QStringLiteral("a line ends with LF without CR"));
        }
        if (cr < 0) {
            m_scanned = available;
            return Status::NeedMore;
        }
        if (cr + 1 >= available) {
            m_scanned = cr; // look at the CR again once its LF may be there
            return Status::NeedMore;
        }
        if (line[cr + 1] != '\n')
            return fail(QStringLiteral("a CR is not followed by LF"));
        if (cr == 0)
            return fail(QStringLiteral("an empty line where a reply was expected"));

        const char type = line[0];
        const char *const text = line + 1;
        const qsizetype textSize = cr - 1;
        m_pos += cr + 2;
        m_replyBytes += cr + 2;
        if (m_replyBytes > m_limits.maxReplyBytes)
            return fail(QStringLiteral("a reply of more than %1 bytes is over the limit").arg(m_limits.maxReplyBytes));
        m_scanned = 0;

        Reply value;
        switch (type) {
        case '+':
        case '-':
            value.type = type == '+' ? Reply::Type::Status : Reply::Type::Error;
            value.text = QByteArray(text, textSize);
            break;
        case ':':
            value.type = Reply::Type::Integer;
            if (!parseInteger(text, textSize, &value.integer))
                return fail(QStringLiteral("an integer reply is not a 64-bit integer"));
            break;
        case '$': {
            qint64 length = 0;
            if (!parseInteger(text, textSize, &length) || length < -1)
                return fail(QStringLiteral("a bulk string's length is not a length"));
            if (length > m_limits.maxBulkBytes)
                return fail(QStringLiteral("a bulk string of %1 bytes is over the limit of %2")
                                .arg(length)
                                .arg(m_limits.maxBulkBytes));
            if (m_replyBytes + length > m_limits.maxReplyBytes)
                return fail(
                    QStringLiteral("a reply of more than %1 bytes is over the limit").arg(m_limits.maxReplyBytes));
            if (length >= 0) {
                m_replyBytes += length + 2;
                m_bulkLength = length;
                continue;
            }
            break; // the null bulk string: Nil
        }
        case '*': {
            qint64 count = 0;
            if (!parseInteger(text, textSize, &count) || count < -1)
                return fail(QStringLiteral("an array's length is not a length"));
            if (count > m_limits.maxArrayElements - m_replyElements)
                return fail(QStringLiteral("a reply of more than %1 elements is over the limit")
                                .arg(m_limits.maxArrayElements));
            if (count > 0)
                m_replyElements += count;
            if (count > 0) {
                if (m_stack.size() >= m_limits.maxDepth)
                    return fail(QStringLiteral("arrays are nested deeper than %1").arg(m_limits.maxDepth));
                Frame frame;
                frame.array.type = Reply::Type::Array;
                // Never trust a declared size for memory: the elements have to arrive first.
                frame.array.elements.reserve(qsizetype(std::min<qint64>(count, 64)));
                frame.remaining = count;
                m_stack.append(std::move(frame));
                continue;
            }
            if (count == 0)
                value.type = Reply::Type::Array;
            break; // *-1: the null array, Nil
        }
        default:
            return fail(QStringLiteral("unexpected type byte 0x%1").arg(uint(uchar(type)), 2, 16, QLatin1Char('0')));
        }
        if (complete(std::move(value), out))
            return Status::Reply;
    }
}

} // namespace obleth::redis
