# lib.sh: what the shell tests share, sourced after `set -u` and reading $bin: a scratch
# directory $tmp, removed at exit (a test that starts processes sets its own EXIT trap, which
# removes it too), and the count of checks: ok; fail MESSAGE, printed after the test's name;
# finish, the summary line, whose status is the test's.
suite=$(basename "$0" .sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "$suite: $*"
}
finish() {
    echo "$suite: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
