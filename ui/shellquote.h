#pragma once

#include <QString>

namespace obleth::ui {

/// @p text quoted for a POSIX shell: in single quotes, a single quote written as '\''. Snippets and "Copy as curl"
/// put every value that comes from outside (a URL, a key, a body) through it.
[[nodiscard]] QString shellQuoted(const QString &text);

} // namespace obleth::ui
