#!/usr/bin/env bash
# golden.sh: runs every bundled scenario (but load-100k, which is a benchmark) and compares its
# JSON-lines trace and English transcript with the recorded ones in tests/golden/. The bytes
# that come from a random source (TLS and SSH payloads, end-to-end ciphertext, OpenPGP
# fingerprints: golden_mask.py) are masked on both sides; everything else must be equal, so a
# refactoring cannot change behaviour unseen. Record once, compare forever, update
# deliberately:  tests/golden.sh build/app/mailsim --update-golden
set -u
bin=${1:?usage: golden.sh MAILSIM [--update-golden]}
update=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
scenarios=()
for f in "$here"/../scenarios/*.json; do
    name=$(basename "$f" .json)
    case $name in scenario.schema | load-100k) continue ;; esac
    scenarios+=("$name")
done
status=0
passed=0
failed=0
for name in "${scenarios[@]}"; do
    for fmt in jsonl text; do
        want="$here/golden/$name.$fmt"
        got=$(mktemp)
        LANG=C "$bin" run "$here/../scenarios/$name.json" --format "$fmt" --lang en >"$got.raw"
        rc=$?
        python3 "$here/golden_mask.py" "$fmt" <"$got.raw" >"$got" || rc=3
        rm -f "$got.raw"
        if [ $rc -ne 0 ]; then
            echo "golden: mailsim run $name --format $fmt exited $rc"
            failed=$((failed + 1)); status=1; rm -f "$got"; continue
        fi
        if [ "$update" = "--update-golden" ]; then
            cp "$got" "$want"
            echo "golden: recorded $want"
            passed=$((passed + 1))
        elif [ ! -f "$want" ]; then
            echo "golden: $want is missing; record it with: tests/golden.sh $bin --update-golden"
            failed=$((failed + 1)); status=1
        elif ! diff -u "$want" "$got" >"$got.diff"; then
            echo "golden: $name.$fmt differs from the recorded trace (first lines of the diff):"
            head -n 40 "$got.diff"
            echo "If the change is intended, record it: tests/golden.sh $bin --update-golden"
            failed=$((failed + 1)); status=1
        else
            passed=$((passed + 1))
        fi
        rm -f "$got" "$got.diff"
    done
done
echo "golden: $passed passed, $failed failed"
exit $status
