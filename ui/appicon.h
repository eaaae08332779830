#pragma once

#include <QIcon>
#include <QList>

namespace obleth::ui {

/// The sizes the app icon is drawn at (resources/icons/obleth-SIZE.png, rendered from resources/obleth.svg by
/// scripts/render-icons.sh): enough for every place and pixel ratio, so that no size is blown up from a small one.
[[nodiscard]] QList<int> appIconSizes();
/// obleth's icon (the window's, the taskbar's, the dialogs'), one pixmap per size in appIconSizes(): sharp at any
/// device pixel ratio, without needing an SVG renderer at run time.
[[nodiscard]] QIcon appIcon();

} // namespace obleth::ui
