#!/usr/bin/env bash
# load.sh: mailsim's headless simulation of 100,000 messages of 1 KiB (scenarios/load-100k.json:
# MSA, MTA, MTA and MDA, with the whole trace recorded) against Postfix's own load pair in the
# same run: smtp-source sending 20,000 messages of 1 KiB over 20 sessions to smtp-sink on
# loopback. Prints both rates in messages per second, their ratio, and mailsim's peak memory.
# Usage: bench/load.sh [BUILD_DIR]          (make bench runs it)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
bin=$build/app/mailsim
bash "$here/scripts/setup.sh" bench
[ -x "$bin" ] || { echo "load.sh: build mailsim first (make build)"; exit 2; }
for t in smtp-source smtp-sink; do
    command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "load.sh: $t missing"; exit 2; }
done
export PATH=$PATH:/usr/sbin

now() { date +%s.%N; }

# --- the peer: smtp-source -> smtp-sink on loopback ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sink_user=$(id -un)
[ "$(id -u)" -eq 0 ] && sink_user=nobody
smtp-sink -u "$sink_user" 127.0.0.1:$port 256 &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.1
done
peer_msgs=20000
t0=$(now)
smtp-source -s 20 -m $peer_msgs -l 1024 -f sender@a.example -t bob@b.example 127.0.0.1:$port
t1=$(now)
peer_rate=$(python3 -c "print(f'{$peer_msgs / ($t1 - $t0):.0f}')")

# --- mailsim: 100,000 messages through four agents, trace recorded ---
sim_msgs=100000
t0=$(now)
summary=$("$bin" run "$here/scenarios/load-100k.json" --format summary)
t1=$(now)
sim_rate=$(python3 -c "print(f'{$sim_msgs / ($t1 - $t0):.0f}')")

python3 - "$summary" "$peer_rate" "$sim_rate" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); peer = float(sys.argv[2]); sim = float(sys.argv[3])
print()
print("smtp-source -> smtp-sink (loopback, 20 sessions, 20,000 x 1 KiB): %8.0f messages/s" % peer)
print("mailsim run load-100k (MSA, MTA, MTA, MDA; 100,000 x 1 KiB):       %8.0f messages/s" % sim)
print("ratio mailsim / smtp-sink: %.2f" % (sim / peer))
print("mailsim: %d delivered, %d events, %d connections, %.1f virtual seconds"
      % (s["messages_delivered"], s["events"], s["connections"], s["virtual_seconds"]))
print("mailsim peak memory: %.0f MiB; trace %.0f MiB holding %.0f MiB of payload (%.2fx)"
      % (s["peak_rss_kib"] / 1024, s["trace_bytes"] / 2**20, s["payload_bytes"] / 2**20,
         s["trace_bytes"] / s["payload_bytes"]))
print("expectations: %s" % s["expectations"])
PY
echo "reproduce: make bench   (or: bench/load.sh BUILD_DIR)"
