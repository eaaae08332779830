#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::test {

/// A response as a test sees it.
struct Response
{
    int status = 0; ///< 0 when no response arrived
    http::Headers headers;
    QByteArray body;
    QByteArray raw;

    [[nodiscard]] QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    [[nodiscard]] QJsonArray data() const { return json().value(QStringLiteral("data")).toArray(); }
    [[nodiscard]] QString errorCode() const
    {
        return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
    }
    /// True when the body is an error in OpenAI's shape with message, type and code.
    [[nodiscard]] bool isOpenAiError() const;
};

/// Sends one request over a fresh connection to 127.0.0.1:@p port and waits (with a deadline) for
/// the whole response, running the caller's event loop meanwhile.
Response request(quint16 port, const QByteArray &method, const QByteArray &target, const http::Headers &headers = {},
                 const QByteArray &body = {}, int timeoutMs = 15'000);

/// Convenience: JSON POST with a bearer token.
Response postJson(quint16 port, const QByteArray &target, const QByteArray &token, const QByteArray &json,
                  http::Headers extra = {});

/// Writes @p raw to a fresh connection and returns whatever comes back until the server closes the
/// connection, a complete response arrives (when @p oneResponse), or the deadline passes.
Response rawExchange(quint16 port, const QByteArray &raw, int timeoutMs = 5'000, bool oneResponse = true);

/// A chat completion request body.
struct Chat
{
    QString model;
    int maxTokens = 16;
    bool stream = false;
    bool includeUsage = false; ///< stream_options.include_usage
    QString prompt = QStringLiteral("count the tokens of this");
};
[[nodiscard]] QByteArray chatBody(const Chat &chat);

/// http::Headers from {{"name","value"},...}.
http::Headers headers(std::initializer_list<std::pair<const char *, QByteArray>> fields);

} // namespace obleth::test
