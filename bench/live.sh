#!/usr/bin/env bash
# live.sh: live mode under load. Postfix's smtp-source sends 20,000 messages of 1 KiB over 20
# sessions to `mailsim serve`'s smtp port (the recipient domain's MX of nine-steps, which relays
# to the internal server, whose MDA stores them, everything recorded in the trace) and, in the
# same run, to Postfix's smtp-sink on loopback. Both share this machine's cores with smtp-source,
# and single runs swing by a third, so it takes ROUNDS rounds (default 3), the two sides in
# alternating order, and compares the medians. After every serve round it counts bob's mailbox
# over POP3: every accepted message must be there.
# Usage: [ROUNDS=N] [LIVE_MESSAGES=N] bench/live.sh [BUILD_DIR]          (make bench runs it)
set -eu
. "$(dirname "$0")/lib.sh"
bash "$here/scripts/setup.sh" bench
export PATH=$PATH:/usr/sbin
msgs=${LIVE_MESSAGES:-20000}

# smtp-source against 127.0.0.1:$1; prints messages per second
# Prints the rate in messages per second and how busy smtp-source kept itself: its CPU time
# over the wall time, 1.00 being one whole core. Near 1.00 the load generator, not the server,
# sets the pace.
load() {
    python3 - "$msgs" "$1" <<'PY'
import resource, subprocess, sys, time
msgs, port = int(sys.argv[1]), sys.argv[2]
t0 = time.monotonic()
subprocess.run(["smtp-source", "-s", "20", "-m", str(msgs), "-l", "1024", "-f", "sender@a.example",
                "-t", "bob@b.example", "127.0.0.1:" + port], check=True)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.0f %.2f" % (msgs / wall, (ru.ru_utime + ru.ru_stime) / wall))
PY
}

peer_round() {
    local rate
    sink_start
    read -r rate busy < <(load "$sink_port")
    sink_stop
    echo "$rate" >>"$tmp/peer"
    echo "$busy" >>"$tmp/peer_busy"
}

serve_round() {
    local smtp pop3 rate count
    : >"$tmp/serve.out"
    "$bin" serve --no-gui --port submission=off --port smtps=off --port pop3s=off \
        --port smtp=0 --port pop3=0 --max-connections 1000 --format summary >"$tmp/serve.out" \
        2>"$tmp/serve.err" &
    serve=$!
    for _ in $(seq 100); do
        [ -s "$tmp/serve.out" ] && break
        sleep 0.1
    done
    read -r smtp pop3 < <(python3 -c "import json,sys; p=json.loads(open(sys.argv[1]).readline())['ports']; print(p['smtp'], p['pop3'])" "$tmp/serve.out")
    read -r rate busy < <(load "$smtp")
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
    echo "$rate" >>"$tmp/serve"
    echo "$busy" >>"$tmp/serve_busy"
    echo "$count" >>"$tmp/count"
    tail -1 "$tmp/serve.out" >"$tmp/summary"
}

for r in $(seq "$rounds"); do
    bench_alternate "$r" peer_round serve_round
    echo "live.sh: round $r of $rounds: smtp-sink $(tail -1 "$tmp/peer"), mailsim serve $(tail -1 "$tmp/serve") messages/s"
done

python3 - "$tmp" "$msgs" <<'PY'
import json, statistics, sys
tmp, msgs = sys.argv[1], int(sys.argv[2])
peer = [float(x) for x in open(tmp + "/peer").read().split()]
sim = [float(x) for x in open(tmp + "/serve").read().split()]
counts = [int(x) for x in open(tmp + "/count").read().split()]
s = json.loads(open(tmp + "/summary").read())
mp, ms = statistics.median(peer), statistics.median(sim)
print()
print("smtp-source -> smtp-sink (loopback, 20 sessions, %d x 1 KiB):  median %6.0f messages/s"
      % (msgs, mp))
print("smtp-source -> mailsim serve, MX of nine-steps (same load):     median %6.0f messages/s"
      % ms)
print("rounds: %d; smtp-sink %s; mailsim serve %s"
      % (len(peer), ", ".join("%.0f" % x for x in peer), ", ".join("%.0f" % x for x in sim)))
print("ratio mailsim serve / smtp-sink (medians): %.2f" % (ms / mp))
busy_p = statistics.median(float(x) for x in open(tmp + "/peer_busy").read().split())
busy_s = statistics.median(float(x) for x in open(tmp + "/serve_busy").read().split())
print("smtp-source's own CPU over the wall time (medians; 1.00 = one whole core): %.2f against"
      " smtp-sink, %.2f against mailsim serve" % (busy_p, busy_s))
if min(busy_p, busy_s) >= 0.85:
    print("  the single-process load generator is near its ceiling in both: the rates above are"
          " its pace as much as the servers'")
print("bob's mailbox over POP3 after each round: %s of %d messages"
      % (", ".join(str(c) for c in counts), msgs))
print("mailsim serve (last round): %d connections accepted, %d events in the trace, %d delivered"
      % (s["accepted"], s["events"], s["messages_delivered"]))
PY
echo "reproduce: make bench   (or: [ROUNDS=N] bench/live.sh BUILD_DIR)"
for c in $(cat "$tmp/count"); do
    [ "$c" -ge "$msgs" ] || exit 1
done
