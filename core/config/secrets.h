#pragma once

#include <QByteArray>
#include <QString>

namespace obleth::config {

/// A new tenant API key: "sk_" followed by 48 hex digits (24 random bytes from the system CSPRNG).
[[nodiscard]] QString generateApiKey();
/// A new admin token: 64 hex digits.
[[nodiscard]] QString generateAdminToken();
/// True when @p key looks like a tenant API key at all (cheap check before hashing).
[[nodiscard]] bool isWellFormedApiKey(QByteArrayView key);
/// Lower-case hex SHA-256 of @p secret: the only form in which keys are stored.
[[nodiscard]] QByteArray hashSecret(QByteArrayView secret);
/// Compares two secrets in time that depends on neither content nor length.
[[nodiscard]] bool constantTimeEquals(QByteArrayView a, QByteArrayView b);
/// The first 18 characters of a key, shown to identify it.
[[nodiscard]] QString keyPrefix(const QString &key);

} // namespace obleth::config
