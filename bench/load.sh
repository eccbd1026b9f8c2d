#!/usr/bin/env bash
# load.sh: mailsim's headless simulation of 100,000 messages of 1 KiB (scenarios/load-100k.json:
# MSA, MTA, MTA and MDA, with the whole trace recorded) against Postfix's own load pair in the
# same run: smtp-source sending 20,000 messages of 1 KiB over 20 sessions to smtp-sink on
# loopback. Both swing from run to run on a shared machine, so it takes ROUNDS rounds (default
# 3), the two sides in alternating order, and compares the medians. Prints the rates in messages
# per second, their ratio, and mailsim's peak memory.
# Usage: [ROUNDS=N] bench/load.sh [BUILD_DIR]          (make bench runs it)
set -eu
. "$(dirname "$0")/lib.sh"
bash "$here/scripts/setup.sh" bench
for t in smtp-source smtp-sink; do
    command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "load.sh: $t missing"; exit 2; }
done
export PATH=$PATH:/usr/sbin

# --- the peer: smtp-source -> smtp-sink on loopback, 20,000 x 1 KiB over 20 sessions ---
peer_msgs=20000
peer_round() {
    local t0 t1
    sink_start
    t0=$(now)
    smtp-source -s 20 -m $peer_msgs -l 1024 -f sender@a.example -t bob@b.example 127.0.0.1:"$sink_port"
    t1=$(now)
    sink_stop
    python3 -c "print(f'{$peer_msgs / ($t1 - $t0):.0f}')" >>"$tmp/peer"
}

# --- mailsim: 100,000 messages through four agents, trace recorded ---
sim_msgs=100000
sim_round() {
    local t0 t1
    t0=$(now)
    "$bin" run "$here/scenarios/load-100k.json" --format summary >"$tmp/summary"
    t1=$(now)
    python3 -c "print(f'{$sim_msgs / ($t1 - $t0):.0f}')" >>"$tmp/sim"
}

for r in $(seq "$rounds"); do
    bench_alternate "$r" peer_round sim_round
    echo "load.sh: round $r of $rounds: smtp-sink $(tail -1 "$tmp/peer"), mailsim $(tail -1 "$tmp/sim") messages/s"
done

python3 - "$tmp" <<'PY'
import json, statistics, sys
tmp = sys.argv[1]
peer = [float(x) for x in open(tmp + "/peer").read().split()]
sim = [float(x) for x in open(tmp + "/sim").read().split()]
s = json.loads(open(tmp + "/summary").read())
mp, ms = statistics.median(peer), statistics.median(sim)
print()
print("smtp-source -> smtp-sink (loopback, 20 sessions, 20,000 x 1 KiB): median %8.0f messages/s" % mp)
print("mailsim run load-100k (MSA, MTA, MTA, MDA; 100,000 x 1 KiB):       median %8.0f messages/s" % ms)
print("rounds: %d; smtp-sink %s; mailsim %s"
      % (len(peer), ", ".join("%.0f" % x for x in peer), ", ".join("%.0f" % x for x in sim)))
print("ratio mailsim / smtp-sink (medians): %.2f" % (ms / mp))
# Issue 3 asks for 30 times the peer's rate; say what that means for this run.
print("30x smtp-sink would be %.0f messages/s: the 100,000 in %.2f s (mailsim's median run: %.2f s)"
      % (30 * mp, 100000 / (30 * mp), 100000 / ms))
print("mailsim: %d delivered, %d events, %d connections, %.1f virtual seconds"
      % (s["messages_delivered"], s["events"], s["connections"], s["virtual_seconds"]))
print("mailsim peak memory: %.0f MiB; trace %.0f MiB holding %.0f MiB of payload (%.2fx)"
      % (s["peak_rss_kib"] / 1024, s["trace_bytes"] / 2**20, s["payload_bytes"] / 2**20,
         s["trace_bytes"] / s["payload_bytes"]))
print("expectations: %s" % s["expectations"])
PY
echo "reproduce: make bench   (or: [ROUNDS=N] bench/load.sh BUILD_DIR)"
