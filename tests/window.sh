#!/usr/bin/env bash
# window.sh: the window as a user meets it. Without a usable display, one line and the transcript.
# Under a virtual X display (Xvfb, when installed): the first scene frame appears, keys work, F12
# writes a PNG into the current directory, the study mode keeps progress under XDG_DATA_HOME, and
# Escape closes overlays, then asks whether to quit (Return quits).
set -u
bin=${1:?usage: window.sh MAILSIM}
. "$(dirname "$0")/lib.sh"
xpid=""
apid=""
# stop PID...: SIGTERM, three seconds to go, then SIGKILL; reaped. A hung window ignores the
# polite request, and nothing this test started may outlive it.
stop() {
    local pid
    for pid in "$@"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || continue
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
cleanup() {
    stop "$apid" "$xpid"
    rm -rf "$tmp"
}
# Every way out goes through cleanup: a signal ends the script (a trap that returned would let
# it run on), and the exit runs the EXIT trap.
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# A DISPLAY that names no server: SDL fails, and mailsim says so once and prints the transcript.
DISPLAY=:59999 WAYLAND_DISPLAY= LANG=C "$bin" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ]; then
    fail "no server: exit status $rc"
elif [ "$(grep -c "Cannot open a window" "$tmp/out")" -ne 1 ] || ! grep -q "C: EHLO" "$tmp/out"; then
    fail "no server: not one notice and the transcript: $(head -3 "$tmp/out")"
elif [ -s "$tmp/err" ]; then
    fail "no server: printed on stderr: $(head -2 "$tmp/err")"
else
    ok
fi

# The set-up step installs Xvfb and xdotool, so their absence is a failure, not a skip.
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
    fail "Xvfb or xdotool missing (scripts/setup.sh installs them)"
    finish
    exit 1
fi

disp=""
for n in $(seq 120 160); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then
        disp=:$n
        break
    fi
done
Xvfb "$disp" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${disp#:}" ] && break; sleep 0.1; done

# wait_for FILE PATTERN SECONDS
wait_for() {
    for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

(cd "$tmp" && DISPLAY=$disp MAILSIM_TIMING=1 XDG_DATA_HOME="$tmp/xdg" exec "$bin" --lang en \
    >"$tmp/wout" 2>"$tmp/werr") &
apid=$!
if wait_for "$tmp/werr" "first scene frame" 10; then
    ok
else
    fail "no first scene frame within 10 s: $(head -3 "$tmp/werr")"
fi
key() { DISPLAY=$disp xdotool key "$@"; sleep 0.3; }
key space Right Right Down l o Down Escape F1 Escape m Escape p p
key F12
if wait_for "$tmp/wout" "mailsim-.*\.png" 5 && f=$(grep -o "mailsim-.*\.png" "$tmp/wout") &&
    [ "$(head -c 4 "$tmp/$f" | od -An -tx1 | tr -d ' \n')" = "89504e47" ]; then
    ok
else
    fail "F12 wrote no PNG: $(cat "$tmp/wout" "$tmp/werr" | head -3)"
fi
# The study mode: Q asks the first question (a click on the diagram, skipped with N), 2 answers
# the second, and the answer is kept in $XDG_DATA_HOME/mailsim/progress.json; N, then Esc
# leaves. The glossary opens from the help (F1, G); Esc closes it, then the help.
key q n 2
if wait_for "$tmp/xdg/mailsim/progress.json" '"asked"' 5; then
    ok
else
    fail "no progress.json with an entry after answering: $(head -3 "$tmp/werr")"
fi
key n L n Escape F1 g Down Next L Escape Escape
if kill -0 "$apid" 2>/dev/null; then
    ok
else
    fail "the window closed during the quiz or the glossary: $(head -3 "$tmp/werr")"
fi
# Escape with nothing open asks first: one Esc too many must not end a lesson. Each Escape here
# closes something or asks, and N says stay (outside the question it does nothing), so nothing
# is open after the last N; the last Escape asks, and Return quits.
key Escape n Escape n Escape n Escape
if kill -0 "$apid" 2>/dev/null; then
    ok
else
    fail "Escape with nothing open closed the window without asking: $(head -3 "$tmp/werr")"
fi
key Return
for _ in $(seq 50); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$apid" 2>/dev/null; then
    fail "Escape, then Return, did not close the window"
else
    wait "$apid"
    rc=$?
    apid=""
    [ $rc -eq 0 ] && ok || fail "the window exited with status $rc: $(head -3 "$tmp/werr")"
fi
grep "mailsim: first" "$tmp/werr"

finish
