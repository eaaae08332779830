#pragma once

#include <QString>

namespace obleth::config {

/// The Management API's admin token: the one given (OBLETH_ADMIN_TOKEN), or the one kept in
/// DATA_DIR/admin-token, or a new one written there with mode 0600 on first start.
class AdminToken final
{
public:
    static constexpr qsizetype kMinLength = 16;

    /// Returns the token, or an empty string with @p error set.
    [[nodiscard]] static QString resolve(const QString &given, const QString &dataDir, QString *error);
    [[nodiscard]] static QString filePath(const QString &dataDir);
    /// Makes a new token and replaces DATA_DIR/admin-token with it (atomically, mode 0600); returns it, or an
    /// empty string with @p error set.
    [[nodiscard]] static QString regenerate(const QString &dataDir, QString *error);
};

} // namespace obleth::config
