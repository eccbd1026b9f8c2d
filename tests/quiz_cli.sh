#!/usr/bin/env bash
# quiz_cli: `mailsim quiz` driven end to end through stdin, as a student at a terminal would —
# a seeded round of five with four right answers and one wrong (the score line, progress.json
# under a temporary XDG_DATA_HOME), a --review round that asks the wrong one again, Japanese,
# the order by exam weight (high first) and --weight and --topic selecting, each answer's source
# and weight, the bank as JSON lines, --verify, the glossary, and bad options (exit 2, a message,
# nothing on stdout).
set -u
bin=${1:?usage: quiz_cli.sh MAILSIM}
. "$(dirname "$0")/lib.sh"
check() { if eval "$1"; then ok; else fail "$2"; fi; }
unset LANG LC_ALL LC_MESSAGES

# The bank as JSON lines: one object a question, with the keys a program needs.
"$bin" quiz --list --format jsonl >"$tmp/bank.jsonl" 2>"$tmp/err"
check '[ $? -eq 0 ] && [ ! -s "$tmp/err" ]' "--list --format jsonl failed: $(cat "$tmp/err")"
python3 - "$tmp/bank.jsonl" <<'EOF' && ok || fail "--list --format jsonl: see above"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
assert len(rows) >= 80, "%d questions" % len(rows)
for r in rows:
    for key in ("id", "topic", "exam_weight", "scenario", "step", "kind", "answer", "source",
                "ja", "en", "checkable"):
        assert key in r, "%s lacks %s" % (r.get("id"), key)
    assert r["exam_weight"] in ("high", "medium", "low") and r["source"].strip(), r["id"]
    for lang in ("ja", "en"):
        assert r[lang]["question"] and r[lang]["explanation"], r["id"]
assert len({r["id"] for r in rows}) == len(rows), "ids repeat"
assert sum(r["checkable"] for r in rows) * 10 >= len(rows) * 6, "fewer than 60% checkable"
EOF

# Round 1 learns which five questions seed 28 asks (and their numbered choices); nothing has
# been asked yet, so all five are of high exam weight.
export XDG_DATA_HOME="$tmp/first"
printf '1\n1\n1\n1\n1\n' | "$bin" quiz --lang en --seed 28 --count 5 >"$tmp/first.txt" 2>"$tmp/err"
check '[ $? -eq 0 ]' "the first round failed: $(cat "$tmp/err")"
# The answers for round 2: right, right, wrong, right, right.
python3 - "$tmp/bank.jsonl" "$tmp/first.txt" >"$tmp/answers" <<'EOF' || fail "cannot plan round 2"
import json, re, sys
bank = {r["id"]: r for r in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
text = open(sys.argv[2], encoding="utf-8").read()
blocks = re.split(r"\n\[\d+/5\] ", text)[1:]
assert len(blocks) == 5, "%d questions asked" % len(blocks)
for k, block in enumerate(blocks):
    qid = block.split("\n", 1)[0].rsplit(" · ", 1)[1]
    q = bank[qid]
    choices = re.findall(r"^  (\d+)\) (.*)$", block, re.M)
    if q["kind"] == "choice":
        right = q["answer"] + 1
    elif isinstance(q["answer"], str):
        right = next(int(n) for n, c in choices if c.startswith(q["answer"] + " ("))
    else:
        a, b = q["answer"]
        right = next(int(n) for n, c in choices if c in (a + " — " + b, b + " — " + a))
    wrong = 1 if right != 1 else 2
    # On a diagram question the right answer is typed as the agent's name (the window's click).
    if k == 2:
        print(wrong)
    elif q["kind"] == "click" and isinstance(q["answer"], str):
        print(q["answer"])
    elif q["kind"] == "click" and k % 2 == 0:
        print(" ".join(reversed(q["answer"])))  # a link by its two host names, either order
    else:
        print(right)
EOF
python3 - "$tmp/bank.jsonl" "$tmp/first.txt" <<'EOF' && ok || fail "the first round did not ask high-weight questions first"
import json, re, sys
bank = {r["id"]: r for r in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
ids = re.findall(r"^\[\d+/5\] .* · (\S+)$", open(sys.argv[2], encoding="utf-8").read(), re.M)
assert len(ids) == 5 and all(bank[i]["exam_weight"] == "high" for i in ids), ids
EOF
check 'grep -q "^Source: .* · Exam weight: high$" "$tmp/first.txt"' \
    "no source and weight after an answer: $(grep -c Source "$tmp/first.txt")"
check '[ "$(grep -c "^Source: " "$tmp/first.txt")" -eq 5 ]' "not one source line per answer"
export XDG_DATA_HOME="$tmp/data"
"$bin" quiz --lang en --seed 28 --count 5 <"$tmp/answers" >"$tmp/round.txt" 2>"$tmp/err"
check '[ $? -eq 0 ]' "round 2 failed: $(cat "$tmp/err")"
check 'grep -q "^mailsim quiz: 5 questions (seed 28)$" "$tmp/round.txt"' "no header line"
check 'grep -q "^Score: 4/5 (80%)$" "$tmp/round.txt"' "no score line 4/5: $(grep Score "$tmp/round.txt")"
check '[ "$(grep -c "^✓ Right\.$" "$tmp/round.txt")" -eq 4 ]' "not four right"
check '[ "$(grep -c "^✗ Wrong\. The answer is " "$tmp/round.txt")" -eq 1 ]' "not one wrong"
check 'grep -q "^Progress saved in $tmp/data/mailsim/progress.json$" "$tmp/round.txt"' \
    "no progress line"
check '[ -f "$tmp/data/mailsim/progress.json" ]' "progress.json was not written"
check '[ -z "$(ls "$tmp/data/mailsim" | grep -v "^progress.json$")" ]' "a temporary file was left"
python3 - "$tmp/data/mailsim/progress.json" "$tmp/first.txt" <<'EOF' && ok || fail "progress.json: see above"
import json, re, sys
p = json.load(open(sys.argv[1], encoding="utf-8"))
ids = re.findall(r"^\[\d+/5\] .* · (\S+)$", open(sys.argv[2], encoding="utf-8").read(), re.M)
q = p["questions"]
assert p["version"] == 1 and sorted(q) == sorted(ids), (sorted(q), ids)
assert all(q[i]["asked"] == 1 for i in ids)
assert [q[i]["last"] for i in ids] == ["right", "right", "wrong", "right", "right"], q
assert sum(q[i]["right"] for i in ids) == 4
assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", q[i]["last_at"]) for i in ids)
EOF

# --review asks only the question answered wrong; answered right now, it leaves the review.
third=$(python3 -c 'import re,sys; print(re.findall(r"^\[\d+/5\] .* · (\S+)$", open(sys.argv[1]).read(), re.M)[2])' "$tmp/first.txt")
right3=$(python3 - "$tmp/bank.jsonl" "$third" <<'EOF'
import json, sys
q = next(r for r in map(json.loads, open(sys.argv[1], encoding="utf-8")) if r["id"] == sys.argv[2])
print(q["answer"] + 1 if q["kind"] == "choice" else (q["answer"] if isinstance(q["answer"], str) else " ".join(q["answer"])))
EOF
)
echo "$right3" | "$bin" quiz --lang en --review >"$tmp/review.txt" 2>"$tmp/err"
check '[ $? -eq 0 ]' "--review failed: $(cat "$tmp/err")"
check 'grep -q "^mailsim quiz: 1 question (seed " "$tmp/review.txt"' "--review did not ask one question"
check 'grep -q " · $third$" "$tmp/review.txt"' "--review did not ask $third"
check 'grep -q "^Score: 1/1 (100%)$" "$tmp/review.txt"' "--review: $(grep Score "$tmp/review.txt")"
"$bin" quiz --lang en --review </dev/null >"$tmp/review2.txt" 2>&1
check 'grep -q "^Nothing to review" "$tmp/review2.txt"' "--review after fixing: $(cat "$tmp/review2.txt")"

# Japanese, and the end of input stops the round like q.
printf '1\n' | "$bin" quiz --lang ja --seed 5 --count 2 --topic ports >"$tmp/ja.txt" 2>"$tmp/err"
check '[ $? -eq 0 ]' "--lang ja failed: $(cat "$tmp/err")"
check 'grep -q "^mailsim 学習モード: 2問 (seed 5)$" "$tmp/ja.txt"' "no Japanese header"
check 'grep -q "^中断しました。$" "$tmp/ja.txt"' "the end of input did not stop the round"
check 'grep -q "^得点: [01]/1 " "$tmp/ja.txt"' "no Japanese score line"
check 'grep -q "ポート番号 · " "$tmp/ja.txt"' "the topic is not named in Japanese"
LANG=ja_JP.UTF-8 "$bin" quiz --seed 5 --count 1 </dev/null >"$tmp/locale.txt" 2>&1
check 'grep -q "^mailsim 学習モード" "$tmp/locale.txt"' "the locale does not choose Japanese"

# --weight and --topic select, as comma lists or repeated (the bank as JSON lines shows which).
export XDG_DATA_HOME="$tmp/order"
"$bin" quiz --list --format jsonl --weight low >"$tmp/low.jsonl" 2>"$tmp/err"
"$bin" quiz --list --format jsonl --topic ports >"$tmp/ports.jsonl" 2>>"$tmp/err"
"$bin" quiz --list --format jsonl --topic ports,tls --weight high,medium >"$tmp/pt.jsonl" 2>>"$tmp/err"
"$bin" quiz --list --format jsonl --weight high --weight low >"$tmp/hl.jsonl" 2>>"$tmp/err"
check '[ ! -s "$tmp/err" ]' "--weight or --topic failed: $(cat "$tmp/err")"
python3 - "$tmp/bank.jsonl" "$tmp/low.jsonl" "$tmp/ports.jsonl" "$tmp/pt.jsonl" "$tmp/hl.jsonl" <<'EOF' && ok || fail "--weight/--topic select the wrong questions"
import json, sys
def rows(p): return [json.loads(l) for l in open(p, encoding="utf-8")]
bank, low, ports, pt, hl = map(rows, sys.argv[1:6])
assert low and {r["id"] for r in low} == {r["id"] for r in bank if r["exam_weight"] == "low"}
assert ports and {r["id"] for r in ports} == {r["id"] for r in bank if r["topic"] == "ports"}
assert pt and {r["id"] for r in pt} == {r["id"] for r in bank if r["topic"] in ("ports", "tls")
                                        and r["exam_weight"] != "low"}
assert {r["id"] for r in hl} == {r["id"] for r in bank if r["exam_weight"] != "medium"}
EOF
# A round: --weight low asks every low one and nothing else; --topic ports only ports, high first.
printf 'q\n' | "$bin" quiz --lang en --seed 2 --count all --weight low >"$tmp/rlow.txt" 2>&1
printf '1\n1\n1\n' | "$bin" quiz --lang en --seed 2 --count 3 --topic ports >"$tmp/rports.txt" 2>&1
python3 - "$tmp/bank.jsonl" "$tmp/rlow.txt" "$tmp/rports.txt" <<'EOF' && ok || fail "a --weight or --topic round asked the wrong questions"
import json, re, sys
bank = {r["id"]: r for r in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
def asked(p):
    text = open(p, encoding="utf-8").read()
    return re.findall(r"^\[\d+/\d+\] .* · (\S+)$", text, re.M), text
ids, text = asked(sys.argv[2])
nlow = sum(r["exam_weight"] == "low" for r in bank.values())
assert re.search(r"^mailsim quiz: %d questions " % nlow, text, re.M), text[:200]
assert ids and all(bank[i]["exam_weight"] == "low" for i in ids), ids
ids, _ = asked(sys.argv[3])
assert len(ids) == 3 and all(bank[i]["topic"] == "ports" for i in ids), ids
assert bank[ids[0]]["exam_weight"] == "high", ids
EOF

# A corrupt progress file is set aside, not lost and not fatal.
export XDG_DATA_HOME="$tmp/data"
echo '{"questions": ' >"$tmp/data/mailsim/progress.json"
echo q | "$bin" quiz --lang en --count 1 --seed 1 >/dev/null 2>"$tmp/err"
check '[ $? -eq 0 ] && [ -f "$tmp/data/mailsim/progress.json.bad" ]' "a corrupt progress.json stopped the quiz"
check 'grep -q "progress.json: not valid JSON; kept it as progress.json.bad" "$tmp/err"' \
    "no warning about the corrupt file: $(cat "$tmp/err")"

# --verify: every check holds against its run.
"$bin" quiz --verify >"$tmp/verify.txt" 2>"$tmp/err"
check '[ $? -eq 0 ]' "--verify failed: $(grep -v '^ok\|^--' "$tmp/verify.txt" | head -5)"
check 'grep -q " 0 failed$" "$tmp/verify.txt"' "--verify summary"
# ... and says so when one does not (exit 1).
cat >"$tmp/wrong.json" <<'EOF'
{"version": 1, "questions": [{"id": "wrong", "topic": "ports", "scenario": "nine-steps", "step": 1,
 "kind": "choice", "answer": 0, "source": "RFC 6409 §3.1", "exam_weight": "high",
 "ja": {"question": "q", "choices": ["465", "587"], "explanation": "e"},
 "en": {"question": "q", "choices": ["465", "587"], "explanation": "e"},
 "check": {"step_port": {"step": 1, "port": 465}}}]}
EOF
"$bin" quiz --verify --bank "$tmp/wrong.json" >"$tmp/verify.txt" 2>&1
check '[ $? -eq 1 ]' "--verify of a wrong check did not exit 1"
check 'grep -q "^FAIL  wrong .*step 1 of m1 went to port 587" "$tmp/verify.txt"' "--verify: $(cat "$tmp/verify.txt")"

# The glossary.
"$bin" quiz --glossary --lang en >"$tmp/gl.txt" 2>"$tmp/err"
check '[ $? -eq 0 ] && grep -q "^STARTTLS$" "$tmp/gl.txt"' "--glossary"
"$bin" quiz --glossary --format jsonl | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) >= 60 and all(r["ja"]["term"] and r["en"]["definition"] for r in rows)
' && ok || fail "--glossary --format jsonl"
"$bin" quiz --help | grep -q "^usage: mailsim quiz" && ok || fail "--help"

# Bad options and bad input: exit 2, a message on stderr, nothing on stdout.
bad() {
    local want=$1
    shift
    "$bin" quiz "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    if [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -qF -- "$want" "$tmp/err"; then
        ok
    else
        fail "quiz $*: exit $rc, stderr: $(cat "$tmp/err"), want: $want"
    fi
}
bad 'unknown option --bogus' --bogus
bad 'unknown option --lis' --lis
bad 'unknown option --list=1' --list=1
bad 'unknown option --' -- --list
bad 'unknown option -' -
bad 'option --seed needs a value' --lang en --seed
bad '--lang: "fr" is not ja or en' --lang fr
bad '--topic: "dkim" is not one of' --topic dkim
bad '--topic: "tl" is not one of' --topic ports,tl
bad '--weight: "urgent" is not one of high, medium, low' --weight urgent
bad '--weight: "" is not one of high, medium, low' --weight high,
bad 'option --weight needs a value' --weight
bad '--glossary takes only --lang and --format' --glossary --weight high
bad '--count: "0" is not a whole number from 1 to 100000' --count 0
bad '--count: "five" is not a whole number from 1 to 100000' --count five
bad '--seed: "-1" is not a whole number' --seed -1
bad 'option --count needs a value' --count
bad '--format: "xml" is not text or jsonl' --list --format xml
bad '--format goes with --list or --glossary' --format jsonl
bad '--verify: choose one of --list, --verify and --glossary' --list --verify
bad '--seed or --review goes with a round' --list --review
bad '--count goes with a round' --verify --count 3
bad '--scenario: no question is about "nine-step"' --scenario nine-step
bad 'unexpected argument "nine-steps"' nine-steps
bad "$tmp/none.json: error: cannot open: No such file or directory" --bank "$tmp/none.json"
echo '{"version": 1, "questions": [{"id": "x", "topic": "ports", "scenario": "nine-steps", "step": 1, "kind": "choice", "answer": 0, "colour": "red"}]}' >"$tmp/bad.json"
bad "$tmp/bad.json: error: at \$.questions[0]: unknown key \"colour\" for a question" --bank "$tmp/bad.json"

finish
