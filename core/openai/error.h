#pragma once

#include "http/headers.h"
#include "http/serveroptions.h"

#include <QByteArray>
#include <QString>

namespace obleth::http {
class HttpResponder;
}

/// OpenAI's error shape, which every answer obleth writes itself uses (data plane, Management API, the mock,
/// and the HTTP server's own refusals through ServerOptions::rejection): {"error":{"message","type","code"
/// [,"param"]}}.
namespace obleth::openai {

/// OpenAI's error type for an HTTP status ("authentication_error" for 401, ...).
[[nodiscard]] QByteArray errorType(int status);
/// The whole error document.
[[nodiscard]] QByteArray errorBody(const QByteArray &code, const QString &message, int status,
                                   const QString &param = {});
/// Answers with an error document and @p extra headers.
void sendError(http::HttpResponder *responder, int status, const QByteArray &code, const QString &message,
               http::Headers extra = {}, const QString &param = {});
/// The error code of a refusal the HTTP server makes before any handler sees the request (400, 405, 408, 413, 414,
/// 431, 505).
[[nodiscard]] QByteArray rejectionCode(int status);
/// Such a refusal in this shape: what ServerOptions::rejection takes, for every listener obleth opens.
/// (@p target, the request's, plays no part.)
[[nodiscard]] http::Rejection rejection(int status, const QString &message, QByteArrayView target = {});

} // namespace obleth::openai
