#!/bin/bash
# icons.sh [SVG] OUTDIR: render the icon (default: mailsim.svg beside this script) to PNGs in the
# hicolor theme layout, OUTDIR/16x16/apps/mailsim.png ... OUTDIR/256x256/apps/mailsim.png.
# Needs rsvg-convert (Debian package librsvg2-bin).
set -euo pipefail

case $# in
1) svg=$(dirname "$0")/mailsim.svg out=$1 ;;
2) svg=$1 out=$2 ;;
*)
    echo "usage: $0 [SVG] OUTDIR" >&2
    exit 2
    ;;
esac

if ! command -v rsvg-convert >/dev/null 2>&1; then
    echo "$0: rsvg-convert not found (apt-get install librsvg2-bin)" >&2
    exit 1
fi

for size in 16 32 48 64 128 256; do
    dir=$out/${size}x${size}/apps
    mkdir -p "$dir"
    rsvg-convert --width "$size" --height "$size" --format png --output "$dir/mailsim.png" "$svg"
done
