#!/usr/bin/env bash
# smoke.sh [SECONDS]: what CI runs of the fuzzers. Builds build-fuzz/ with clang (libFuzzer,
# AddressSanitizer, UndefinedBehaviorSanitizer) and runs every fuzz target for SECONDS (default
# 10) from its seed and regression corpora. Exits nonzero on any finding or build failure, and
# when clang is missing (scripts/setup.sh installs it). About two minutes on two cores.
set -eu
seconds="${1:-10}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build-fuzz"
if ! command -v clang >/dev/null 2>&1; then
    echo "smoke.sh: clang not found; install it (scripts/setup.sh)"
    exit 1
fi
jobs="$(nproc 2>/dev/null || echo 2)"
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILSIM_FUZZ=ON \
    -DMAILSIM_WERROR=ON \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
    >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_targets >/dev/null
# A fresh work directory: CI starts from the reviewed corpora only.
rm -rf "$build/fuzz-smoke"
FUZZ_WORK="$build/fuzz-smoke" bash "$root/tests/fuzz/run.sh" "$build" "$seconds"
