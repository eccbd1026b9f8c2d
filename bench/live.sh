#!/usr/bin/env bash
# live.sh: live mode under load. Postfix's smtp-source sends 20,000 messages of 1 KiB over 20
# sessions to `mailsim serve`'s smtp port (the recipient domain's MX of nine-steps, which relays
# to the internal server, whose MDA stores them, everything recorded in the trace) and, in the
# same run, to Postfix's smtp-sink on loopback. Prints both rates in messages per second, their
# ratio, and then counts bob's mailbox over POP3: every accepted message must be there.
# Usage: bench/live.sh [BUILD_DIR]          (make bench runs it)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
bin=$build/app/mailsim
bash "$here/scripts/setup.sh" bench
[ -x "$bin" ] || { echo "live.sh: build mailsim first (make build)"; exit 2; }
export PATH=$PATH:/usr/sbin
msgs=${LIVE_MESSAGES:-20000}
tmp=$(mktemp -d)
sink=
serve=
cleanup() {
    [ -n "$sink" ] && kill "$sink" 2>/dev/null || true
    [ -n "$serve" ] && kill "$serve" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "live.sh: nothing listens on $1"
    exit 1
}

# --- the peer: smtp-source -> smtp-sink ---
port=$(free_port)
sink_user=$(id -un)
[ "$(id -u)" -eq 0 ] && sink_user=nobody
smtp-sink -u "$sink_user" 127.0.0.1:"$port" 256 &
sink=$!
wait_port "$port"
t0=$(now)
smtp-source -s 20 -m "$msgs" -l 1024 -f sender@a.example -t bob@b.example 127.0.0.1:"$port"
t1=$(now)
peer_rate=$(python3 -c "print(f'{$msgs / ($t1 - $t0):.0f}')")

# --- mailsim serve: the same load at the MX ---
"$bin" serve --no-gui --port submission=off --port smtps=off --port pop3s=off \
    --port smtp=0 --port pop3=0 --max-connections 1000 --format summary >"$tmp/serve.out" \
    2>"$tmp/serve.err" &
serve=$!
for _ in $(seq 100); do
    [ -s "$tmp/serve.out" ] && break
    sleep 0.1
done
read -r smtp pop3 < <(python3 -c "import json,sys; p=json.loads(open(sys.argv[1]).readline())['ports']; print(p['smtp'], p['pop3'])" "$tmp/serve.out")
t0=$(now)
smtp-source -s 20 -m "$msgs" -l 1024 -f sender@a.example -t bob@b.example 127.0.0.1:"$smtp"
t1=$(now)
sim_rate=$(python3 -c "print(f'{$msgs / ($t1 - $t0):.0f}')")

# Every accepted message must reach bob's mailbox (through mx.b, mta.b and the MDA).
count=$(python3 - "$pop3" "$msgs" <<'PY'
import poplib, sys, time
port, want = int(sys.argv[1]), int(sys.argv[2])
n = 0
for _ in range(100):
    p = poplib.POP3("127.0.0.1", port, timeout=30)
    p.user("bob")
    p.pass_("builder42")
    n = p.stat()[0]
    p.quit()
    if n >= want:
        break
    time.sleep(0.2)
print(n)
PY
)
kill -TERM "$serve"
wait "$serve" || true
serve=
summary=$(tail -1 "$tmp/serve.out")

python3 - "$peer_rate" "$sim_rate" "$count" "$msgs" "$summary" <<'PY'
import json, sys
peer, sim, count, msgs = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = json.loads(sys.argv[5])
print()
print("smtp-source -> smtp-sink (loopback, 20 sessions, %d x 1 KiB):     %8.0f messages/s" % (msgs, peer))
print("smtp-source -> mailsim serve, MX of nine-steps (same load):        %8.0f messages/s" % sim)
print("ratio mailsim serve / smtp-sink: %.2f" % (sim / peer))
print("bob's mailbox over POP3 afterwards: %d of %d messages" % (count, msgs))
print("mailsim serve: %d connections accepted, %d events in the trace, %d delivered"
      % (s["accepted"], s["events"], s["messages_delivered"]))
PY
echo "reproduce: make bench   (or: bench/live.sh BUILD_DIR)"
[ "$count" -ge "$msgs" ]
