#!/usr/bin/env bash
# cli.sh: the command line as a user meets it — help, version, exit statuses, formats, the
# no-display fallback, pcap output, and errors that name the file and say what is wrong.
set -u
bin=${1:?usage: cli.sh MAILSIM}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

check() { # check NAME WANT_STATUS GREP_PATTERN FILE -- COMMAND...
    local name=$1 want=$2 pattern=$3 file=$4
    shift 5
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$name: exit status $rc, want $want"; sed -n 1,5p "$tmp/err"
        return
    fi
    if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$tmp/$file"; then
        fail "$name: no line matching '$pattern' on $file:"; sed -n 1,5p "$tmp/$file"
        return
    fi
    ok
}

check help 0 "usage: mailsim" out -- "$bin" --help
check version 0 "^mailsim [0-9]" out -- "$bin" --version
check unknown-option 2 "unknown option --frobnicate" err -- "$bin" run --frobnicate
check bad-format 2 "is not text, jsonl or summary" err -- "$bin" run --format xml
check missing-value 2 "needs a value" err -- "$bin" run --pcap
check bad-seed 2 "not a non-negative integer" err -- "$bin" run --seed -4
check seed-digits-only 2 '--seed: "+4" is not a non-negative integer' err -- "$bin" run --seed +4
# Options are spelled whole, as --help gives them: no abbreviation, no --name=value, no "--".
check abbreviated-option 2 "unknown option --form$" err -- "$bin" run --form summary
check option-equals-value 2 "unknown option --format=jsonl" err -- "$bin" run --format=jsonl
check double-dash 2 "unknown option --$" err -- "$bin" run -- nine-steps
# The scenario may stand before, between or after the options; only one is taken.
check scenario-first 0 '"scenario":"open-relay"' out -- "$bin" run open-relay --format summary --no-check
check scenario-between 0 '"scenario":"open-relay"' out -- \
    "$bin" run --format summary open-relay --no-check
check scenario-last 0 '"scenario":"open-relay"' out -- "$bin" run --format summary --no-check open-relay
check two-scenarios 2 'more than one scenario given ("nine-steps")' err -- \
    "$bin" run open-relay --format summary nine-steps
check value-not-scenario 2 "no bundled scenario of that name" err -- "$bin" run --pcap "$tmp/x.pcap" x
check shot-not-its-option 2 "option --pcap is not one of shot's" err -- "$bin" shot --step 4 --pcap x
check shot-unknown 2 "unknown option --frobnicate" err -- "$bin" shot --frobnicate
check shot-missing-value 2 "option --out needs a value" err -- "$bin" shot --step 4 --out
check run-not-its-option 2 "unknown option --step" err -- "$bin" run --step 4
check no-such-scenario 2 "no bundled scenario of that name" err -- "$bin" run no-such-thing
check run-text 0 "④" out -- "$bin" run --lang en
check run-ja 0 "MDAが受信者のメールボックスにメールを格納する" out -- "$bin" run --lang ja
check run-jsonl 0 '"kind":"world"' out -- "$bin" run --format jsonl
check run-summary 0 '"messages_delivered":1' out -- "$bin" run --format summary
check list 0 "nine-steps" out -- "$bin" list --lang en
check matrix 0 "relay_restriction" out -- "$bin" matrix open-relay --lang en
check serve-help 0 "usage: mailsim serve" out -- "$bin" serve --help
check serve-help-first 0 "usage: mailsim serve" out -- "$bin" serve --help --frobnicate
check serve-unknown 2 "unknown option --frobnicate" err -- "$bin" serve --frobnicate
check serve-port 2 "is not SERVICE=PORT" err -- "$bin" serve --port imap=143
check serve-port-range 2 "no port number from 0 to 65535" err -- "$bin" serve --port smtp=70000
check serve-value 2 "option --port needs a value" err -- "$bin" serve --port
check serve-scenario 2 "no bundled scenario of that name" err -- "$bin" serve no-such-thing
check serve-scenario-between 2 "no bundled scenario of that name" err -- \
    "$bin" serve --no-gui no-such-thing --bind 127.0.0.1
check serve-two-scenarios 2 'more than one scenario given ("b")' err -- "$bin" serve a --no-gui b
check serve-abbreviated 2 "unknown option --no-g$" err -- "$bin" serve --no-g
check matrix-csv 0 "^on,no,yes,no" out -- "$bin" matrix open-relay --format csv
check matrix-scenario-last 0 "^on,no,yes,no" out -- "$bin" matrix --format csv open-relay
check matrix-unknown 2 "unknown option --frobnicate" err -- "$bin" matrix --frobnicate open-relay
check matrix-missing-value 2 "option --seed needs a value" err -- "$bin" matrix open-relay --seed
check matrix-no-scenario 2 "which scenario?" err -- "$bin" matrix --format csv
check matrix-bad-format 2 '--format: "xml" is not text, csv or md' err -- \
    "$bin" matrix open-relay --format xml
check check-ok 0 "ok (nine-steps)" out -- "$bin" check "$here/../scenarios/nine-steps.json"
check lang-from-locale 0 "メール配送の9ステップ" out -- env LANG=ja_JP.UTF-8 "$bin" run
check no-display 0 "No display found" out -- env -u DISPLAY -u WAYLAND_DISPLAY LANG=C "$bin"
check no-display-transcript 0 "C: EHLO" out -- env -u DISPLAY -u WAYLAND_DISPLAY LANG=C "$bin"
check version-gui 0 "^gui: \(yes\|no (built without the window (MAILSIM_GUI=OFF))\)$" out -- \
    "$bin" --version

# A build without the window (-DMAILSIM_GUI=OFF): even with a display, the transcript stands in
# for the window and says why; shot exits 2 and says why; a bad scenario is still an error.
if "$bin" --version | grep -q '^gui: no'; then
    echo "cli: this mailsim was built without the window: checking its fallbacks"
    check no-window 0 "MAILSIM_GUI=OFF" out -- env DISPLAY=:99 LANG=C "$bin"
    check no-window-transcript 0 "C: EHLO" out -- env DISPLAY=:99 LANG=C "$bin"
    check no-window-shot 2 "built without the window" err -- \
        "$bin" shot nine-steps --step 4 --out "$tmp/shot.png"
    check no-window-scenario 2 "no bundled scenario of that name" err -- \
        env DISPLAY=:99 "$bin" no-such-thing
fi

# A bad scenario: exit 2, a located message on stderr, and nothing on stdout.
printf '{"meta": {"id": "x", "title": {"ja": "x", "en": "x"}},\n "seed": "one"}\n' >"$tmp/bad.json"
check bad-scenario 2 "bad.json" err -- "$bin" run "$tmp/bad.json"
[ -s "$tmp/out" ] && fail "bad-scenario printed on stdout"

# An expectation that cannot hold: exit 1, naming it.
sed 's/"delivered": 1,/"delivered": 7,/' "$here/../scenarios/nine-steps.json" >"$tmp/wrong.json"
check failed-expectation 1 "expect.delivered: want 7, got 1" err -- "$bin" check "$tmp/wrong.json"

# pcap: written, and a failed write leaves nothing behind.
check pcap 0 "" out -- "$bin" run --format summary --pcap "$tmp/run.pcap"
if [ "$(head -c 4 "$tmp/run.pcap" | od -An -tx1 | tr -d ' ')" != "d4c3b2a1" ]; then
    fail "pcap: no pcap magic"
else
    ok
fi
check pcap-unwritable 2 "cannot write" err -- "$bin" run --format summary --pcap /nonexistent/dir/x.pcap

# Same scenario and seed: the same trace; another seed: another one.
"$bin" run --format jsonl >"$tmp/a" && "$bin" run --format jsonl >"$tmp/b"
if cmp -s "$tmp/a" "$tmp/b"; then ok; else fail "two runs with the same seed differ"; fi
"$bin" run --format jsonl --seed 99 >"$tmp/c"
if ! cmp -s "$tmp/a" "$tmp/c"; then ok; else fail "another seed gave the same trace"; fi

finish
