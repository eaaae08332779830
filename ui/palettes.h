#pragma once

#include <QString>

namespace obleth::ui {

/// The colour schemes: the desktop's own, or obleth's light or dark one.
enum class Theme { System, Light, Dark };

/// Applies @p theme to the whole application.
void applyTheme(Theme theme);
[[nodiscard]] QString themeName(Theme theme);

} // namespace obleth::ui
