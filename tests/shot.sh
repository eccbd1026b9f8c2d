#!/usr/bin/env bash
# shot.sh: `mailsim shot` without a display — a PNG of the asked size, the frame-time JSON line,
# and exit status 2 with a message for each kind of bad argument.
set -u
bin=${1:?usage: shot.sh MAILSIM}
. "$(dirname "$0")/lib.sh"

# A PNG: its signature, then the IHDR chunk's width and height (big-endian, bytes 16..23).
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8 }'; }

unset DISPLAY WAYLAND_DISPLAY
if "$bin" shot nine-steps --step 4 --size 640x360 --lang ja --out "$tmp/s4.png" 2>"$tmp/err"; then
    if [ "$(head -c 8 "$tmp/s4.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
        fail "no PNG signature"
    elif [ "$(png_size "$tmp/s4.png")" != "640x360" ]; then
        fail "size $(png_size "$tmp/s4.png"), want 640x360"
    elif [ "$(stat -c %s "$tmp/s4.png")" -lt 10000 ]; then
        fail "a PNG of $(stat -c %s "$tmp/s4.png") bytes is too small to hold the picture"
    else
        ok
    fi
else
    fail "shot failed: $(head -3 "$tmp/err")"
fi
ls "$tmp"/*.tmp-* >/dev/null 2>&1 && fail "a temporary file was left behind" || ok

out=$("$bin" shot nine-steps --time 3 --frames 5 --speed 2 --stats --size 320x180 2>&1)
if echo "$out" | grep -qE '^\{"frames":5,"median_ms":[0-9.]+,"p99_ms":[0-9.]+,"width":320,"height":180\}$'; then
    ok
else
    fail "--stats printed: $out"
fi

usage() { # usage NAME PATTERN ARGS...: exit status 2 and a line matching PATTERN on stderr
    local name=$1 pattern=$2
    shift 2
    "$bin" shot "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne 2 ]; then
        fail "$name: exit status $rc, want 2"
    elif ! grep -q -- "$pattern" "$tmp/err"; then
        fail "$name: no '$pattern' in: $(head -2 "$tmp/err")"
    elif [ -s "$tmp/out" ]; then
        fail "$name: printed on stdout"
    else
        ok
    fi
}
usage no-moment "needs one of --step N, --beat N and --time T" nine-steps --out "$tmp/x.png"
usage both "only one of" nine-steps --step 2 --time 1 --out "$tmp/x.png"
usage beat-and-step "only one of" nine-steps --step 2 --beat 3 --out "$tmp/x.png"
usage beat-word "is not a whole beat number" nine-steps --beat 2.5 --out "$tmp/x.png"
usage beat-range "--beat 99: this run has 10 beats" nine-steps --beat 99 --out "$tmp/x.png"
usage no-out "needs --out" nine-steps --step 2
usage step-range "not a number from 1 to 9" nine-steps --step 10 --out "$tmp/x.png"
usage step-word "not a number" nine-steps --step four --out "$tmp/x.png"
usage size "not WIDTHxHEIGHT" nine-steps --step 2 --size 640 --out "$tmp/x.png"
usage speed "goes with --frames" nine-steps --step 2 --speed 2 --out "$tmp/x.png"
usage lang "is not ja or en" nine-steps --step 2 --lang fr --out "$tmp/x.png"
usage unknown "unknown option --frobnicate" nine-steps --step 2 --frobnicate --out "$tmp/x.png"
usage no-scenario "no bundled scenario" no-such-thing --step 2 --out "$tmp/x.png"
usage unwritable "cannot write" nine-steps --step 2 --out /nonexistent/dir/x.png
usage value "needs a value" nine-steps --step
# retry-and-bounce has no step 8 or 9 for its first mail? Whatever it lacks is said plainly.
for n in 1 2 3 4 5 6 7 8 9; do
    "$bin" shot retry-and-bounce --step $n --size 320x180 --out "$tmp/r.png" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 0 ] && ! { [ $rc -eq 2 ] && grep -q "this run has no step $n" "$tmp/err"; }; then
        fail "retry-and-bounce --step $n: status $rc: $(head -2 "$tmp/err")"
    fi
done
ok

# The countermeasure matrix over the picture (the window's M): a PNG is written.
if "$bin" shot open-relay --time 5 --matrix --size 640x360 --out "$tmp/mx.png" 2>"$tmp/err"; then
    if [ "$(head -c 8 "$tmp/mx.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
        fail "--matrix: no PNG signature"
    elif [ "$(png_size "$tmp/mx.png")" != "640x360" ]; then
        fail "--matrix: size $(png_size "$tmp/mx.png"), want 640x360"
    else
        ok
    fi
else
    fail "--matrix failed: $(head -3 "$tmp/err")"
fi

# The study mode's question (the window's Q) and the glossary (G) over the picture: PNGs, without
# --step or --time (the question's step; the end); a question by number or by id.
picture() { # picture NAME ARGS...: a PNG of 640x360
    local name=$1
    shift
    if "$bin" shot "$@" --size 640x360 --out "$tmp/$name.png" 2>"$tmp/err"; then
        if [ "$(head -c 8 "$tmp/$name.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
            fail "$name: no PNG signature"
        elif [ "$(png_size "$tmp/$name.png")" != "640x360" ]; then
            fail "$name: size $(png_size "$tmp/$name.png"), want 640x360"
        else
            ok
        fi
    else
        fail "$name failed: $(head -3 "$tmp/err")"
    fi
}
picture quiz-ja nine-steps --quiz 1 --lang ja
picture quiz-en nine-steps --quiz 2 --lang en
picture quiz-id nine-steps --quiz nine-steps-4-link --lang ja
picture quiz-whole open-relay --quiz open-relay-click-relay --lang en
picture quiz-step nine-steps --quiz 1 --step 3
picture quiz-answer-ja smime --quiz end-to-end-key-loss --answer --lang ja
picture quiz-answer-en nine-steps --quiz nine-steps-1-who --answer --lang en
picture glossary-ja nine-steps --glossary --lang ja
picture glossary-en nine-steps --glossary --lang en --presenter
usage quiz-range "is not a number from 1 to 19" nine-steps --quiz 20 --out "$tmp/x.png"
usage quiz-id "no question \"nope\"" nine-steps --quiz nope --out "$tmp/x.png"
usage quiz-value "needs a value" nine-steps --quiz
usage quiz-answer "--answer goes with --quiz" nine-steps --step 2 --answer --out "$tmp/x.png"

finish
