#!/usr/bin/env python3
"""steps_test: the JSON-lines trace of nine-steps marks steps 1 to 9 in order, each with the
agent that takes it and, where a connection carries it, the right port: 587 for step 1, 25 for
steps 3, 4 and 5, 110 for step 8. Bob's retrieved copy names every MTA hop in a Received line."""
import json
import subprocess
import sys

from checks import Checks

mailsim = sys.argv[1]
run = subprocess.run([mailsim, "run", "nine-steps", "--format", "jsonl"], capture_output=True,
                     text=True, check=True)
events = [json.loads(line) for line in run.stdout.splitlines()]
world = events[0]
conns = {e["conn"]: e for e in events if e["kind"] == "connect"}
roles = {a["id"]: a["role"] for a in world["agents"]}
steps = [e for e in events if e["kind"] == "step" and e["mail"] == "m1"]

check = Checks("steps")


order = []
for s in steps:
    if not order or order[-1] != s["n"]:
        order.append(s["n"])
check(order == list(range(1, 10)), "steps in order 1..9, got %s" % order)
times = [s["t"] for s in steps]
check(times == sorted(times), "step times never go back")

want_port = {1: 587, 3: 25, 4: 25, 5: 25, 8: 110}
want_role = {1: "mua", 2: "msa", 3: ("mta", "filter"), 4: "mta", 5: "mta", 6: "mta", 7: "mda",
             8: "mra", 9: "mua"}
for s in steps:
    n = s["n"]
    role = roles.get(s["agent"])
    want = want_role[n]
    check(role in (want if isinstance(want, tuple) else (want,)),
          "step %d taken by a %s, got %s (%s)" % (n, want, role, s["agent"]))
    if n in want_port:
        c = conns.get(s.get("conn"))
        check(c is not None and c["server"]["port"] == want_port[n],
              "step %d on port %d, got %s" % (n, want_port[n], c and c["server"]["port"]))
    elif n in (2, 6):
        pass  # inside a server: no connection of their own (2 names the submission's)
    else:
        check("conn" not in s, "step %d has no connection" % n)

# Step 4 follows an MX lookup for the recipient's domain.
mx = [e for e in events if e["kind"] == "dns" and e["query"] == "MX b.example"]
step4 = [s for s in steps if s["n"] == 4]
check(mx and step4 and mx[0]["t"] <= step4[0]["t"], "an MX lookup of b.example before step 4")

# The POP3 data Bob received holds one Received line per SMTP server it passed.
pop_conn = [s["conn"] for s in steps if s["n"] == 8][0]
retr = "".join(e.get("text", "") for e in events
               if e["kind"] == "data" and e["conn"] == pop_conn and e["from"] == "server")
hops = [line for line in retr.split("\r\n") if line.startswith("Received: from ")]
check(len(hops) >= 3, "at least 3 Received lines in Bob's copy, got %d" % len(hops))
for host in ("mail.a.example", "filter.a.example", "gw.a.example", "mx.b.example",
             "mail.b.example"):
    check(("by %s (mailsim)" % host) in retr, "a Received line by %s" % host)

sys.exit(check.summary())
