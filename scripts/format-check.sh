#!/usr/bin/env bash
# format-check.sh: fails when a tracked C file is not laid out as .clang-format says, naming it
# (clang-format 14, Debian 12's; scripts/setup.sh installs it). `clang-format -i FILE` fixes one.
set -eu
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
    echo "format-check: clang-format not found; install it (scripts/setup.sh)"
    exit 1
fi
bad=0
while IFS= read -r f; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "format-check: $f is not formatted (clang-format -i $f)"
        bad=1
    fi
done < <(git ls-files '*.c' '*.h')
[ "$bad" = 0 ] && echo "format-check: every C file as .clang-format says"
exit "$bad"
