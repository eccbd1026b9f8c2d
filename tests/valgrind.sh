#!/usr/bin/env bash
# valgrind.sh: memcheck on a scripted run and on an offscreen picture (where the build has the
# window). Any invalid read or write, use of uninitialised memory, or leak that valgrind calls
# definite or indirect fails it.
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
check "mailsim run ppap (attachments, ZIP, the filter's scan)" "$bin" run ppap --format summary
check "mailsim run header-injection (the web form, msmtp -t)" "$bin" run header-injection \
    --format summary
runs=4
# A build without the window (-DMAILSIM_GUI=OFF) has no shot to check.
if "$bin" --version | grep -q '^gui: no'; then
    echo "valgrind: left out mailsim shot: this mailsim was built without the window (MAILSIM_GUI=OFF)"
else
    export SDL_VIDEODRIVER=dummy # offscreen: no display is needed or used
    check "mailsim shot nine-steps (offscreen)" "$bin" shot nine-steps --step 4 --size 960x540 \
        --out "$tmp/shot.png"
    runs=5
fi
echo "valgrind: $((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
