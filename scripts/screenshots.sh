#!/usr/bin/env bash
# Takes the README's screenshots (docs/screenshots/*.png): every page of the main window in the light and the dark
# theme (NAME.png, NAME-dark.png), the first run's Overview, the model dialog and the tray menu. The first run finds
# a mock "Ollama" on port 11434 when that port is free. Under Xvfb with trayer as the tray host when both are
# installed (apt-get install xvfb trayer), so the tray icon is real; offscreen otherwise.
# Needs a dev build: cmake --preset dev && cmake --build build/dev
# Usage: scripts/screenshots.sh [OUTPUT_DIR]     (default docs/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
bin=build/dev/tests/screenshots
[[ -x $bin ]] || { echo "screenshots: build first (cmake --preset dev && cmake --build build/dev)" >&2; exit 1; }

if command -v Xvfb >/dev/null && command -v trayer >/dev/null; then
    display=:$((90 + RANDOM % 9))
    Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 &
    xvfb=$!
    trap 'kill $xvfb $tray 2>/dev/null || true' EXIT
    for _ in $(seq 1 50); do [[ -e /tmp/.X11-unix/X${display#:} ]] && break; sleep 0.1; done
    DISPLAY=$display trayer --edge top --align right --SetDockType true --widthtype request --height 28 &
    tray=$!
    sleep 1
    DISPLAY=$display QT_QPA_PLATFORM=xcb "$bin" "$out"
else
    echo "screenshots: Xvfb or trayer missing; taking them offscreen (no tray icon)" >&2
    QT_QPA_PLATFORM=offscreen "$bin" "$out"
fi
