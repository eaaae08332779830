#!/usr/bin/env bash
# Renders resources/obleth.svg into the PNG sizes a Linux desktop looks for (hicolor theme) and writes them to
# resources/icons/obleth-SIZE.png. Run it once after changing the SVG and commit the PNGs, so that building
# the packages needs no SVG renderer. Needs rsvg-convert (Debian package librsvg2-bin).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v rsvg-convert >/dev/null || { echo "render-icons: install librsvg2-bin (rsvg-convert)" >&2; exit 1; }
mkdir -p "$root/resources/icons"
for size in 16 22 24 32 48 64 128 256 512; do
    rsvg-convert --width "$size" --height "$size" --format png \
        --output "$root/resources/icons/obleth-$size.png" "$root/resources/obleth.svg"
done
echo "render-icons: wrote resources/icons/obleth-{16..512}.png"
