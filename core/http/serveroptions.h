#pragma once

#include "messageparser.h"

#include <QByteArray>
#include <QSslConfiguration>
#include <QString>

#include <functional>
#include <optional>

namespace obleth::http {

/// An answer the server gives itself, before any handler sees the request (400, 405, 408, 413, 414, 431, 505).
struct Rejection
{
    QByteArray contentType;
    QByteArray body;
};

/// How an HttpServer and each of its connections behave: limits, timeouts, TLS and the words of its refusals.
struct ServerOptions
{
    MessageParser::Limits limits;
    /// An idle keep-alive connection, or a request that stops arriving, is closed after this long.
    int idleTimeoutMs = 60'000;
    /// A request's line and headers must be complete this long after its first byte arrived (408
    /// otherwise). Not restarted by each byte, so a client trickling a header byte now and then cannot
    /// hold a connection for ever. For TLS, the handshake must also finish within this time.
    int headerTimeoutMs = 30'000;
    /// A body must keep a minimum rate: in every window of bodyWindowMs after the head, at least
    /// minBodyBytesPerWindow bytes (or the rest of the body) must arrive, else 408. A fixed window rather
    /// than one deadline for the whole body, so that a large upload on a slow but honest link still fits.
    int bodyWindowMs = 10'000;
    qint64 minBodyBytesPerWindow = 1024;
    /// While an answer is written, a client that takes none of what waits for it for this long is closed (like
    /// nginx's send_timeout), so that one that stops reading cannot hold its answer's work (an upstream stream, an
    /// admission permit) for ever.
    int sendTimeoutMs = 60'000;
    /// At most this many client connections; past it new ones are closed as soon as they are accepted.
    int maxConnections = 10'000;
    /// When set, connections speak TLS (server mode) with this configuration (see tlsconfig.h):
    /// requests are read once the handshake is done, and a handshake must finish within
    /// headerTimeoutMs. A client that does not speak TLS is closed.
    std::optional<QSslConfiguration> tls;
    /// Words the server's own refusals; unset: the message as plain text. The gateway answers in the API's
    /// error shape (openai/error.h; Anthropic's on its Messages routes), so that a client reads every error the same
    /// way. @p target is the request's target as the client sent it once its request line was read, else empty.
    std::function<Rejection(int status, const QString &message, QByteArrayView target)> rejection;
};

} // namespace obleth::http
