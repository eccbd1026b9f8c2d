#!/usr/bin/env python3
"""filter_test: the content filter of step 3 passes clean mail and refuses the EICAR anti-virus
test file with a clear reply; the sending MTA then returns the mail to Alice as a bounce."""
import subprocess
import sys
import tempfile

from checks import load_scenario, write_scenario

mailsim = sys.argv[1]
sc = load_scenario("nine-steps")

# The EICAR test file, assembled here so that this file itself is not taken for a virus.
eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
sc["timeline"] = [
    {"at": "0s", "agent": "alice", "action": "send", "mail": "clean", "to": ["bob@b.example"],
     "subject": "clean", "body": "nothing to see\n"},
    {"at": "5s", "agent": "alice", "action": "send", "mail": "virus", "to": ["bob@b.example"],
     "subject": "invoice", "body": eicar + "\n"},
]
sc["expect"] = {
    "delivered": 2,  # the clean mail to Bob, the bounce to Alice
    "bounced": 1,
    "mails": [{"mail": "clean", "state": "delivered"}, {"mail": "virus", "state": "bounced"}],
    "mailboxes": [{"agent": "mda.b", "user": "bob", "count": 1},
                  {"agent": "mda.a", "user": "alice", "count": 1}],
    "trace_contains": ["554 5.7.0 Reject, id=filter.a - INFECTED: Eicar-Test-Signature"],
}
with tempfile.TemporaryDirectory() as tmp:
    run = subprocess.run([mailsim, "check", write_scenario(tmp, "eicar", sc)], capture_output=True,
                         text=True)
    print(run.stdout.strip())
    if run.stderr.strip():
        print(run.stderr.strip())
    ok = run.returncode == 0
print("filter: %d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
sys.exit(0 if ok else 1)
