#!/usr/bin/env bash
# test_cli_errors.sh: the command line's errors about scenario files, scenario names and usage,
# whole lines compared: in English, and in Japanese with --lang ja or a Japanese locale; the
# full-width character hints; did-you-mean for a bundled scenario's name; a folder named like
# a bundled scenario. Bad input exits 2 and prints nothing on stdout.
set -u
bin=${1:?usage: test_cli_errors.sh MAILSIM}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# expect NAME STATUS WANT_STDERR -- COMMAND...: run in $tmp, with no locale but what COMMAND
# sets; stderr must be WANT_STDERR exactly, and stdout empty when STATUS is not 0.
expect() {
    local name=$1 want=$2 err=$3
    shift 4
    (cd "$tmp" && env -u LC_ALL -u LC_MESSAGES -u LANG "$@") >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$name: exit status $rc, want $want"
        sed -n 1,5p "$tmp/err"
    elif [ "$(cat "$tmp/err")" != "$err" ]; then
        fail "$name: stderr differs"
        printf '    got:  %s\n    want: %s\n' "$(cat "$tmp/err")" "$err"
    elif [ "$want" -ne 0 ] && [ -s "$tmp/out" ]; then
        fail "$name: printed on stdout"
    else
        ok
    fi
}

meta='"meta": {"id": "x", "title": {"ja": "x", "en": "x"}}'
printf '{%s，"seed": 1}\n' "$meta" >"$tmp/comma.json"
printf '{%s,\n "seed"： 1}\n' "$meta" >"$tmp/colon.json"
printf '{%s,\n　"seed": 1}\n' "$meta" >"$tmp/space.json"
printf '{%s,\n “seed”: 1}\n' "$meta" >"$tmp/quote.json"
printf '{%s, "seed": "one"}\n' "$meta" >"$tmp/type.json"
printf '{%s, "hostz": []}\n' "$meta" >"$tmp/key.json"
printf '{%s, "seed": 1\n' "$meta" >"$tmp/open.json"
mkdir "$tmp/apop" "$tmp/notes"

# Full-width characters: named, said to be full-width, and what to type instead.
expect comma-en 2 "comma.json:1:54: error: JSON syntax error: expected ',' or '}', near \
'\\uff0c\"seed\": 1}'; U+FF0C is a full-width character: type the half-width ',' instead" -- \
    "$bin" run comma.json
expect comma-ja 2 "comma.json:1:54: error: JSON の構文エラー: 「,」か「}」が必要です\
（'\\uff0c\"seed\": 1}' の付近。「，」(U+FF0C) は全角文字です。半角の「,」に直してください）" -- \
    "$bin" run comma.json --lang ja
expect colon-ja 2 "colon.json:2:8: error: JSON の構文エラー: キー \"seed\" の後には「:」が必要です\
（'\\uff1a 1}' の付近。「：」(U+FF1A) は全角文字です。半角の「:」に直してください）" -- \
    LANG=ja_JP.UTF-8 "$bin" run colon.json
expect space-ja 2 "space.json:2:1: error: JSON の構文エラー: ダブルクォートで囲んだキーが必要です\
（'\\u3000\"seed\": 1}' の付近。U+3000 は全角スペースです。半角スペースに直してください）" -- \
    "$bin" run --lang ja space.json
expect space-en 2 "space.json:2:1: error: JSON syntax error: expected a key in double quotes, \
near '\\u3000\"seed\": 1}'; U+3000 is a full-width space: type a half-width space instead" -- \
    "$bin" run space.json
expect quote-ja 2 "quote.json:2:2: error: JSON の構文エラー: ダブルクォートで囲んだキーが必要です\
（'\\u201cseed\\u201d: 1}' の付近。「“」(U+201C) は全角の引用符です。JSON では半角の「\"」を\
使います）" -- LC_MESSAGES=ja_JP.UTF-8 LANG=C "$bin" run quote.json
expect open-ja 2 "open.json:2:1: error: JSON の構文エラー: オブジェクト（1:1 で開始）の途中で\
ファイルが終わっています（「}」が抜けていませんか？）" -- LC_ALL=ja_JP.UTF-8 "$bin" run open.json

# The tree: a wrong type, an unknown key with its did-you-mean; --lang wins over the locale.
expect type-ja 2 "type.json: error: at \$.seed: 0 以上の整数が必要です（実際は文字列 \"one\"）" -- \
    "$bin" run type.json --lang ja
expect type-en 2 "type.json: error: at \$.seed: expected a non-negative integer, got a string \
\"one\"" -- LANG=ja_JP.UTF-8 "$bin" run type.json --lang en
keys='$schema, meta, seed, start, until, zones, hosts, links, accounts, agents, timeline, expect, taps, countermeasures, attacks, beats'
expect key-ja 2 "key.json: error: at \$: 不明なキー \"hostz\" at the top level。\"hosts\" の誤りでは\
ありませんか？（使えるキー: $keys）" -- "$bin" run key.json --lang ja
expect check-ja 2 "key.json: error: at \$: 不明なキー \"hostz\" at the top level。\"hosts\" の誤り\
ではありませんか？（使えるキー: $keys）" -- LANG=ja_JP.UTF-8 "$bin" check key.json

# Scenario names and files.
expect name-mean-en 2 "nine-step: error: no such file, and no bundled scenario of that name; \
did you mean \"nine-steps\"? (see \`mailsim list\`)" -- "$bin" run nine-step
expect name-mean-ja 2 "nine-step: error: そのようなファイルはなく、その名前の同梱シナリオも\
ありません。\"nine-steps\" の誤りではありませんか？（同梱シナリオは \`mailsim list\` で確かめ\
られます）" -- "$bin" run nine-step --lang ja
expect name-far-en 2 "zzz: error: no such file, and no bundled scenario of that name (see \
\`mailsim list\`)" -- "$bin" run zzz
expect missing-en 2 "missing.json: error: cannot open: No such file or directory" -- \
    "$bin" run missing.json
expect missing-ja 2 "missing.json: error: 開けません: ファイルがありません" -- \
    "$bin" run missing.json --lang ja
expect folder-en 2 "notes: error: is a directory, not a scenario file (a scenario is a .json \
file; \`mailsim list\` shows the bundled ones)" -- "$bin" run notes
expect folder-ja 2 "notes/: error: ディレクトリです。シナリオファイルではありません（シナリオは \
.json ファイルです。同梱シナリオは \`mailsim list\` で確かめられます）" -- \
    LANG=ja_JP.UTF-8 "$bin" check notes/
# ./apop is a folder: the bundled apop still runs, named with or without the shell's slash.
for arg in apop apop/; do
    expect "folder-bundled-$arg" 0 "" -- "$bin" run "$arg" --format summary --no-check
    if grep -q '"scenario":"apop"' "$tmp/out"; then ok; else fail "folder-bundled-$arg: not apop"; fi
done

# Usage of run, check and shot.
hint_ja="使い方は 'mailsim --help' で確かめられます。"
expect usage-en 2 "mailsim: unknown option --frobnicate
Try 'mailsim --help'." -- "$bin" run --frobnicate
expect usage-ja 2 "mailsim: 不明なオプション --frobnicate
$hint_ja" -- "$bin" run --frobnicate --lang ja
expect format-ja 2 "mailsim: --format: \"xml\" は text、jsonl、summary のどれでもありません
$hint_ja" -- LANG=ja_JP.UTF-8 "$bin" run --format xml
expect two-ja 2 "mailsim: シナリオが 2 つ以上指定されています（\"apop\"）
$hint_ja" -- "$bin" run nine-steps apop --lang ja
expect check-none-ja 2 "mailsim: check にはシナリオを 1 つ以上指定してください
$hint_ja" -- LANG=ja_JP.UTF-8 "$bin" check
expect shot-none-ja 2 "mailsim: shot には --step N、--beat N、--time T のどれか1つが必要です
$hint_ja" -- "$bin" shot --lang ja
expect shot-both-ja 2 "mailsim: shot には --step N、--beat N、--time T のどれか1つだけを指定してください
$hint_ja" -- "$bin" shot --step 4 --time 1 --lang ja
expect shot-step-ja 2 "mailsim: --step: \"4.5\" はステップの番号（整数）ではありません
$hint_ja" -- "$bin" shot --lang ja --step 4.5 --out x.png
expect shot-beat-ja 2 "mailsim: --beat: \"2.5\" は場面の番号（整数）ではありません
$hint_ja" -- "$bin" shot --lang ja --beat 2.5 --out x.png
expect shot-option-ja 2 "mailsim: オプション --pcap は shot では使えません
$hint_ja" -- "$bin" shot --step 4 --pcap x --lang ja

finish
