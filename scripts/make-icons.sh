#!/usr/bin/env bash
# (Re)generates the installers' icon sets from resources/obleth.svg: packaging/windows/obleth.ico (the .exe's icon
# and the installer's) and packaging/macos/obleth.icns (the .app's icon). The generated files are committed, so
# only whoever changes the SVG needs this script and its tools (Debian: librsvg2-bin, icoutils, icnsutils).
# Usage: scripts/make-icons.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
svg="$root/resources/obleth.svg"
ico="$root/packaging/windows/obleth.ico"
icns="$root/packaging/macos/obleth.icns"

for tool in rsvg-convert icotool png2icns; do
    command -v "$tool" >/dev/null || {
        echo "make-icons: $tool is missing (apt-get install librsvg2-bin icoutils icnsutils)" >&2
        exit 1
    }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

render() { rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio --output "$work/icon-$1.png" "$svg"; }

# Windows: the sizes Explorer, the taskbar and the Start menu ask for; 256 px is stored as PNG (Vista and later),
# the smaller ones as bitmaps so that every Windows version reads them.
for size in 16 20 24 32 40 48 64 256; do render "$size"; done
icotool --create --output "$ico" \
    "$work/icon-16.png" "$work/icon-20.png" "$work/icon-24.png" "$work/icon-32.png" "$work/icon-40.png" \
    "$work/icon-48.png" "$work/icon-64.png" --raw="$work/icon-256.png"

# macOS: png2icns picks the icon type from each PNG's size (16, 32, 48, 128, 256, 512 and 1024 px).
for size in 16 32 48 128 512 1024; do render "$size"; done
png2icns "$icns" "$work/icon-16.png" "$work/icon-32.png" "$work/icon-48.png" "$work/icon-128.png" \
    "$work/icon-256.png" "$work/icon-512.png" "$work/icon-1024.png" >/dev/null

echo "make-icons: wrote $ico and $icns"
