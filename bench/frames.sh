#!/usr/bin/env bash
# frames.sh: how fast the window draws the busiest scenario. `mailsim shot load-100k` builds the
# 100,000-message run, then draws 120 frames of 1/60 s at step 4 (the Internet hop, the most in
# flight) at 1920x1080 offscreen and times each; the peer is the frame budget of a 60 Hz
# projector, 16.7 ms. Prints the median and 99th-percentile frame times and the budget's ratio
# to the p99 (above 1: every frame is on time, with room to spare).
# Usage: bench/frames.sh [BUILD_DIR]          (make bench runs it)
set -eu
. "$(dirname "$0")/lib.sh"
stats=$(SDL_VIDEODRIVER=dummy "$bin" shot load-100k --step 4 --size 1920x1080 --frames 120 \
    --stats --out "$tmp/frame.png")
python3 - "$stats" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
budget = 1000.0 / 60
print()
print("mailsim shot load-100k, step 4, %dx%d, %d frames:" % (s["width"], s["height"], s["frames"]))
print("  median %.2f ms, p99 %.2f ms per frame" % (s["median_ms"], s["p99_ms"]))
print("ratio 60 Hz frame budget (16.7 ms) / p99: %.1f" % (budget / s["p99_ms"]))
PY
echo "reproduce: make bench   (or: bench/frames.sh BUILD_DIR)"
