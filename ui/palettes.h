#pragma once

#include <QPalette>
#include <QString>

namespace obleth::ui {

/// The colour schemes: the desktop's own, or obleth's light or dark one.
enum class Theme { System, Light, Dark };

/// Applies @p theme to the whole application: System and Light keep the platform's native style (as it was when
/// the first theme was applied); Dark switches to Fusion, which draws every control from the palette.
void applyTheme(Theme theme);
/// The palette @p theme applies (System: the desktop's, as it was before obleth changed anything).
[[nodiscard]] QPalette themePalette(Theme theme);
[[nodiscard]] QString themeName(Theme theme);

} // namespace obleth::ui
