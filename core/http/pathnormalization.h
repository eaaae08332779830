#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace obleth::http {

/// A request path brought to the one form that is routed and forwarded, or why it cannot be.
struct NormalizedPath
{
    QByteArray path; ///< the normal form; empty when refused
    QString error; ///< why the path is refused; empty when it is not

    [[nodiscard]] bool ok() const noexcept { return error.isEmpty(); }
};

/// Normalises a request path (the target before '?'), so that what obleth routes is exactly what it
/// forwards and no spelling of a route reaches an upstream as something else:
/// - percent-escapes of unreserved characters (ALPHA / DIGIT / "-" / "." / "_" / "~") are decoded,
///   the hex digits of the remaining escapes are uppercased;
/// - bytes that may not appear raw in a path (such as '"', '{', '|', or any byte >= 0x80) are
///   percent-encoded; everything else (sub-delims such as ';', ':' and '@') is kept as it is;
/// - repeated slashes are collapsed and a trailing slash is dropped ("/" stays "/").
/// Refused, because no normal form is safe to route or to hand to an upstream that decodes paths its own
/// way: a path that does not start with '/', a dot segment ("." or "..", also spelled %2e), an encoded
/// slash (%2F) or backslash (%5C), a raw backslash, %00 or any other control byte (raw or encoded), and a
/// malformed escape.
[[nodiscard]] NormalizedPath normalizePath(QByteArrayView path);
/// The same; a path already in its normal form (the common case) is returned as it is, shared, not copied.
[[nodiscard]] NormalizedPath normalizePath(const QByteArray &path);
/// True when @p path is in the normal form already: normalizePath() would return it unchanged. No allocation.
[[nodiscard]] bool isNormalPath(QByteArrayView path);

/// The form in which a normalised path is compared with obleth's own routes to tell whether it merely
/// looks like one: ASCII lowercased, with every segment's ";params" removed. An upstream may ignore the
/// case of a path or its matrix parameters, so such a path must not be forwarded as something else.
[[nodiscard]] QByteArray routeLookalikeKey(QByteArrayView normalizedPath);

} // namespace obleth::http
