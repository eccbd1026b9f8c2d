#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS [TARGET...]: runs each fuzz target of BUILD_DIR (a MAILSIM_FUZZ=ON
# build) for SECONDS, one after the other, on one core. The seed corpus (corpus/<target>) and
# the regression corpus (regress/<target>) are copied into BUILD_DIR/fuzz-work/<target>/corpus,
# which keeps growing from run to run; findings land in BUILD_DIR/fuzz-work/<target>/.
# FUZZ_WORK overrides BUILD_DIR/fuzz-work. Prints one line per target and exits nonzero when
# any target found something.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}"
seconds="${2:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}"
shift 2
build="$(cd "$build" && pwd)"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(smtp_server smtp_client pop3_server pop3_client scenario message sasl trace_read)
fi

# The longest input each target is given: a few dozen commands or replies, a whole scenario, a
# SASL response line of RFC 4954's 12288 octets.
max_len() {
    case "$1" in
    scenario | sasl | trace_read) echo 16384 ;;
    pop3_server) echo 4096 ;;
    *) echo 8192 ;;
    esac
}

status=0
printf '%-12s %7s %10s %7s %6s %7s  %s\n' target seconds execs exec/s cov ft result
for t in "${targets[@]}"; do
    bin="$build/tests/fuzz/fuzz_$t"
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin is missing (build the fuzz_targets target first)" >&2
        exit 2
    fi
    mkdir -p "${FUZZ_WORK:-$build/fuzz-work}/$t/corpus"
    work="$(cd "${FUZZ_WORK:-$build/fuzz-work}/$t" && pwd)"
    cp "$here/corpus/fuzz_$t/"* "$work/corpus/" 2>/dev/null
    cp "$here/regress/fuzz_$t/"* "$work/corpus/" 2>/dev/null
    rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$work"/slow-unit-*
    log="$work/last.log"
    start=$(date +%s)
    # One process, one thread (no -jobs: the machine is shared). Leaks are findings too.
    (cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=25 \
        -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$work/" \
        corpus >"$log" 2>&1)
    rc=$?
    elapsed=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    finding=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1)
    if [ $rc -ne 0 ] || [ -n "$finding" ]; then
        result="FINDING ${finding:-exit $rc} (log: $log)"
        status=1
    else
        result="no finding"
    fi
    printf '%-12s %7s %10s %7s %6s %7s  %s\n' "$t" "$elapsed" "${execs:-?}" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "$result"
done
exit $status
