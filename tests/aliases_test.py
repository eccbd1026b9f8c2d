#!/usr/bin/env python3
"""aliases_test: the MDA's aliases(5) in variants of envelope-vs-header, checked through each
variant's own expect block (mailsim check): a list member that does not exist gets its bounce
sent to the list's owner (the envelope sender of the copies), not to the author; an alias name
matches whatever its case; an alias that forwards to itself is bounced as a forwarding loop
(5.4.6) instead of going round for ever; an alias without an owner- companion keeps the
author's envelope sender."""
import copy
import subprocess
import sys
import tempfile

from checks import Checks, load_scenario, write_scenario

mailsim = sys.argv[1]
base = load_scenario("envelope-vs-header")

check = Checks("aliases")


def variant(aliases, timeline, expect):
    sc = copy.deepcopy(base)
    for a in sc["agents"]:
        if a["id"] == "mda.b":
            a["aliases"] = aliases
    sc["timeline"] = timeline
    sc["expect"] = expect
    return sc


def run(name, sc):
    with tempfile.TemporaryDirectory() as tmp:
        path = write_scenario(tmp, name, sc)
        r = subprocess.run([mailsim, "check", path], capture_output=True, text=True)
        check(r.returncode == 0, "%s: %s %s" % (name, r.stdout.strip(), r.stderr.strip()))


def run_fails(name, sc, want):
    """The variant's expect block must fail, saying want."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_scenario(tmp, name, sc)
        r = subprocess.run([mailsim, "check", path], capture_output=True, text=True)
        check(r.returncode == 1 and want in r.stdout + r.stderr,
              "%s fails with %r: %d %s %s" % (name, want, r.returncode, r.stdout, r.stderr))


def send(mail, to, at="1s"):
    return {"at": at, "agent": "alice", "action": "send", "mail": mail, "to": [to],
            "subject": mail, "body": "hello\n"}


# A member that does not exist: the bounce goes to owner-staff, which is bob.
run("bounce-to-owner", variant(
    {"staff": ["bob@b.example", "nobody@c.example"], "owner-staff": ["bob@b.example"]},
    [send("m1", "staff@b.example"), {"at": "30s", "agent": "bob", "action": "fetch"}],
    {"bounced": 1,
     "mails": [{"mail": "m1", "state": "expanded"}, {"mail": "m1", "state": "bounced"}],
     "mailboxes": [{"agent": "mda.b", "user": "bob", "count": 2},
                   {"agent": "mda.a", "user": "alice", "count": 0}],
     "trace_contains": ["550 5.1.1 <nobody@c.example>", "To: owner-staff@b.example",
                        "Final-Recipient: rfc822; nobody@c.example"],
     "log_contains": ["from=<owner-staff@b.example>", "to=<owner-staff@b.example>, relay=local"]}))

# Without the owner alias the same failure goes back to alice, the author.
run("bounce-to-author", variant(
    {"staff": ["bob@b.example", "nobody@c.example"]},
    [send("m1", "staff@b.example")],
    {"bounced": 1,
     "mailboxes": [{"agent": "mda.b", "user": "bob", "count": 1},
                   {"agent": "mda.a", "user": "alice", "count": 1}],
     "trace_lacks": ["owner-staff"],
     "log_contains": ["from=<alice@a.example>, size="]}))

# Alias names are not case-sensitive (aliases(5) folds them to lower case).
run("case", variant(
    {"Staff": ["bob@b.example"]},
    [send("m1", "STAFF@b.example")],
    {"delivered": 1, "mails": [{"mail": "m1", "state": "expanded"}],
     "headers": [{"agent": "mda.b", "user": "bob", "mail": "m1",
                  "contains": ["Delivered-To: STAFF@b.example"]}]}))

# A loop: loop -> loop@b.example. The second pass finds its own Delivered-To: and bounces.
run("loop", variant(
    {"loop": ["loop@b.example"]},
    [send("m1", "loop@b.example")],
    {"bounced": 1, "delivered": 1,
     "mailboxes": [{"agent": "mda.a", "user": "alice", "count": 1}],
     "trace_contains": ["mail forwarding loop for loop@b.example"],
     "log_contains": ["dsn=5.4.6, status=bounced (mail forwarding loop for loop@b.example)"]}))

# Two aliases pointing at each other meet the same end.
run("loop-of-two", variant(
    {"ping": ["pong@b.example"], "pong": ["ping@b.example"]},
    [send("m1", "ping@b.example")],
    {"bounced": 1, "trace_contains": ["mail forwarding loop for ping@b.example"]}))

# An unknown local address is still refused at RCPT; an alias is a known one.
run("unknown", variant(
    {"staff": ["bob@b.example"]},
    [send("m1", "nobody@b.example"), send("m2", "staff@b.example", "5s")],
    {"mails": [{"mail": "m1", "state": "bounced"}, {"mail": "m2", "state": "delivered"}],
     "trace_contains": ["550 5.1.1 <nobody@b.example>: Recipient address rejected: User unknown "
                        "in local recipient table"]}))

# expect.headers reads the delivered copy's header section: what is not there, or must not be,
# fails the check with the header and the text named.
headers_base = variant(
    {"staff": ["bob@b.example"], "owner-staff": ["bob@b.example"]},
    [send("m1", "staff@b.example")], {})
wrong = copy.deepcopy(headers_base)
wrong["expect"] = {"headers": [{"agent": "mda.b", "user": "bob", "mail": "m1",
                                "contains": ["Return-Path: <alice@a.example>"]}]}
run_fails("headers-contains", wrong,
          'expect.headers[0].contains[0]: the header of m1 at bob lacks "Return-Path: <alice@a.example>"')
wrong["expect"] = {"headers": [{"agent": "mda.b", "user": "bob", "mail": "m1",
                                "lacks": ["Delivered-To: staff@b.example"]}]}
run_fails("headers-lacks", wrong,
          'expect.headers[0].lacks[0]: the header of m1 at bob holds "Delivered-To: staff@b.example"')
wrong["expect"] = {"headers": [{"agent": "mda.a", "user": "alice", "mail": "m1",
                                "contains": ["x"]}]}
run_fails("headers-no-copy", wrong, "expect.headers[0]: alice's mailbox at mda.a holds no copy of m1")

sys.exit(check.summary())
