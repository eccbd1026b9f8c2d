# lib.sh: what the benchmarks share, sourced first thing (after `set -eu`): $here, the source
# tree; $bin, mailsim in the build directory $1 (build/ by default), which must be built; $tmp,
# a scratch directory; $rounds, from ROUNDS (default 3), since single runs swing on a shared
# machine and the benchmarks compare medians; and at exit the servers a round left running
# ($sink, $serve) stopped and $tmp removed. Messages start with the script's name, $bench.
bench=$(basename "$0")
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
bin=$build/app/mailsim
[ -x "$bin" ] || { echo "$bench: build mailsim first (make build)"; exit 2; }
rounds=${ROUNDS:-3}
case $rounds in '' | *[!0-9]* | 0) echo "$bench: ROUNDS must be a whole number above 0"; exit 2 ;; esac
tmp=$(mktemp -d)
sink=
serve=
bench_cleanup() {
    [ -n "$sink" ] && kill "$sink" 2>/dev/null || true
    [ -n "$serve" ] && kill "$serve" 2>/dev/null || true
    rm -rf "$tmp"
}
trap bench_cleanup EXIT

now() { date +%s.%N; }

# The peer: Postfix's smtp-sink on a free loopback port, $sink_port, as nobody when this runs as
# root (smtp-sink will not), listening before sink_start returns; sink_stop ends it.
sink_start() {
    local user
    sink_port=$(free_port)
    user=$(id -un)
    [ "$(id -u)" -eq 0 ] && user=nobody
    smtp-sink -u "$user" 127.0.0.1:"$sink_port" 256 &
    sink=$!
    wait_port "$sink_port"
}
sink_stop() {
    kill "$sink" 2>/dev/null || true
    wait "$sink" 2>/dev/null || true
    sink=
}

# bench_alternate R A B: round R of two sides, A then B in odd rounds and B then A in even ones,
# so that neither always runs on a machine the other has warmed or loaded.
bench_alternate() {
    if [ $(($1 % 2)) -eq 1 ]; then
        "$2"
        "$3"
    else
        "$3"
        "$2"
    fi
}

# A TCP port that is free on loopback now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits up to 10 s for a listener on loopback port $1; exits when none comes.
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$bench: nothing listens on $1"
    exit 1
}
