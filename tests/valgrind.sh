#!/usr/bin/env bash
# valgrind.sh: memcheck on a scripted run and on an offscreen picture. Any invalid read or
# write, use of uninitialised memory, or leak that valgrind calls definite or indirect fails it.
# (Reachable blocks at exit are libraries' own: fontconfig, SDL.)
set -u
bin=${1:?usage: valgrind.sh MAILSIM}
command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/setup.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
check() {
    local name=$1
    shift
    if valgrind --quiet --error-exitcode=9 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "$@" >"$tmp/out" 2>"$tmp/err"; then
        echo "valgrind: ok   $name"
    else
        echo "valgrind: FAIL $name"
        head -40 "$tmp/err"
        failed=$((failed + 1))
    fi
}
check "mailsim run nine-steps" "$bin" run nine-steps --format summary
check "mailsim run starttls-all-hops (TLS)" "$bin" run starttls-all-hops --format summary
export SDL_VIDEODRIVER=dummy # offscreen: no display is needed or used
check "mailsim shot nine-steps (offscreen)" "$bin" shot nine-steps --step 4 --size 960x540 \
    --out "$tmp/shot.png"
echo "valgrind: $((3 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
