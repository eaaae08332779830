#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

/// Anthropic's error shape, which every answer on the Messages routes uses (contract section 13):
/// {"type":"error","error":{"type":"…","message":"…"}}, with the same statuses as the OpenAI routes.
namespace obleth::anthropic {

/// Anthropic's error type for an HTTP status: 400 invalid_request_error, 401 authentication_error, 402
/// billing_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error, 503 and
/// 529 overloaded_error, 504 timeout_error, other 5xx api_error, other 4xx invalid_request_error.
[[nodiscard]] QByteArray errorType(int status);

/// The whole error document for @p status with @p message.
[[nodiscard]] QByteArray errorBody(int status, const QString &message);

/// @p body (an answer with @p status) in Anthropic's shape when it is an OpenAI-style error document
/// ({"error":{"message":…}} or {"error":"…"}, obleth's own or an upstream's; also vLLM's older {"object":"error",
/// "message":…} and FastAPI's {"detail":"…"} or {"detail":[{"loc","msg"},…]}; an error object without a message
/// gives its JSON text as the message); nothing when it already is in
/// Anthropic's shape or is no JSON error at all (it then goes to the client as it is).
[[nodiscard]] std::optional<QByteArray> fromOpenAiError(int status, QByteArrayView body);

} // namespace obleth::anthropic
