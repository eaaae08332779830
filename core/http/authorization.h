#pragma once

#include "headers.h"

#include <QByteArray>

namespace obleth::http {

/// The token of an "Authorization: Bearer <token>" field (the scheme in any case), without surrounding spaces.
/// Null when the request has no Authorization field; empty (not null) when it has one that is not a bearer token.
[[nodiscard]] QByteArray bearerToken(const Headers &headers);

} // namespace obleth::http
