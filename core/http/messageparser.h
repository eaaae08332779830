#pragma once

#include "headers.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace obleth::http {

/// An incremental HTTP/1.x message parser for requests (server side) and responses (client side).
///
/// Feed bytes with append(), then call next() until it answers NeedMore. The parser never holds more
/// than the headers and the unread part of the body: body bytes are handed out as they arrive.
class MessageParser final
{
public:
    enum class Kind { Request, Response };
    enum class Event {
        NeedMore, ///< Give me more bytes.
        Headers, ///< The start line and headers are complete; inspect them now.
        Body, ///< takeBody() holds the next piece of the body.
        Complete, ///< The message is complete; call reset() before the next one.
        Error, ///< errorStatus() and errorMessage() say why; the stream cannot be trusted any more.
    };
    struct Limits
    {
        qsizetype maxHeaderBytes = 64 * 1024;
        qsizetype maxTargetBytes = 16 * 1024;
        qsizetype maxHeaderCount = 256;
        qint64 maxBodyBytes = 64 * 1024 * 1024;
        /// When set, the body limit of a request depends on its target (the MCP gateway's is lower).
        std::function<qint64(const QByteArray &target)> bodyLimitFor;
    };

    explicit MessageParser(Kind kind);
    MessageParser(Kind kind, Limits limits);

    void append(const QByteArray &bytes);
    [[nodiscard]] Event next();
    /// For responses without Content-Length or chunking: the peer closed, so the body is complete.
    [[nodiscard]] Event finishAtEof();
    /// Starts the next message on the same stream, keeping bytes not yet consumed.
    void reset();
    /// For responses to HEAD: the next message has no body whatever its headers say.
    void expectNoBody() { m_expectNoBody = true; }

    [[nodiscard]] QByteArray takeBody();

    [[nodiscard]] const QByteArray &method() const noexcept { return m_method; }
    [[nodiscard]] const QByteArray &target() const noexcept { return m_target; }
    [[nodiscard]] int versionMinor() const noexcept { return m_versionMinor; }
    [[nodiscard]] int status() const noexcept { return m_status; }
    [[nodiscard]] const Headers &headers() const noexcept { return m_headers; }
    [[nodiscard]] Headers takeHeaders() { return std::move(m_headers); }
    /// The declared body length, -1 when chunked or delimited by the connection closing.
    [[nodiscard]] qint64 contentLength() const noexcept { return m_contentLength; }
    [[nodiscard]] bool isChunked() const noexcept { return m_chunked; }
    [[nodiscard]] bool isCloseDelimited() const noexcept { return m_closeDelimited; }
    [[nodiscard]] qsizetype bufferedBytes() const noexcept { return m_buffer.size() - m_pos; }
    /// Bytes the parser keeps in memory, read or not (a pooled connection's parser should keep none).
    [[nodiscard]] qsizetype retainedBytes() const noexcept { return m_buffer.capacity(); }
    [[nodiscard]] bool atMessageStart() const noexcept { return m_state == State::StartLine && m_headerBytes == 0; }

    [[nodiscard]] int errorStatus() const noexcept { return m_errorStatus; }
    [[nodiscard]] const QString &errorMessage() const noexcept { return m_errorMessage; }

private:
    enum class State {
        StartLine,
        HeaderLines,
        BodyLength,
        BodyClose,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Complete,
        Failed
    };

    /// The next line, without its end, as a view into m_buffer (valid until the buffer changes).
    [[nodiscard]] bool takeLine(QByteArrayView *line);
    [[nodiscard]] Event fail(int status, const QString &message);
    [[nodiscard]] Event parseStartLine(QByteArrayView line);
    [[nodiscard]] Event parseHeaderLine(QByteArrayView line);
    [[nodiscard]] Event headersDone();
    [[nodiscard]] Event emitBody(qint64 maxBytes);
    void compact();

    Kind m_kind;
    Limits m_limits;
    State m_state = State::StartLine;
    QByteArray m_buffer;
    qsizetype m_pos = 0;
    qsizetype m_headerBytes = 0;

    QByteArray m_method;
    QByteArray m_target;
    int m_versionMinor = 1;
    int m_status = 0;
    Headers m_headers;
    qint64 m_contentLength = -1;
    bool m_chunked = false;
    bool m_closeDelimited = false;
    bool m_expectNoBody = false;
    qint64 m_remaining = 0;
    qint64 m_bodySeen = 0;
    qint64 m_bodyLimit = 0;
    QByteArray m_body;

    int m_errorStatus = 0;
    QString m_errorMessage;
};

} // namespace obleth::http
