#!/usr/bin/env python3
"""apop_replay_test.py: a recorded APOP login does not log in again after `mailsim serve`
restarts, because in live mode the APOP timestamp comes from the operating system's random
source (RFC 1939 §7: it "MUST be different each time the POP3 server issues a banner greeting").

Usage: apop_replay_test.py MAILSIM

  record   serve #1: read the greeting's timestamp, log in as bob with APOP (the digest is
           MD5(timestamp + password)), and keep the APOP line exactly as sent.
  replay   serve #2 (a restart, same scenario and seed): send the recorded line unchanged:
           "-ERR [AUTH] Authentication failed."; a fresh digest for the new timestamp logs in.
  stamps   the greetings of both runs, and of two connections within one run, all differ, and
           each has the form <process-ID.clock.random@mail.b.example>.
  scripted a scripted `mailsim run apop` stays reproducible: its timestamps come from the seed,
           the same on every run.

Every server is ended on every way out (serve_proc.py). Prints "apop_replay: N passed, N failed"
and exits 1 on any failure.
"""

import hashlib
import re
import socket
import subprocess
import sys

from checks import Checks
from serve_proc import mailsim_argument, serve

check = Checks("apop_replay", verbose=True)

STAMP = re.compile(r"^\+OK .* (<[^<>]+>)\r\n$")
FORM = re.compile(r"^<\d+\.\d+\.[0-9a-f]{16}@mail\.b\.example>$")  # <pid.clock.random@host>
ARGS = ["nine-steps", "--port", "pop3=0", "--port", "submission=off", "--port", "smtps=off",
        "--port", "smtp=off", "--port", "pop3s=off"]


class Pop:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.sock.makefile("rb")
        self.greeting = self.f.readline().decode()

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.f.readline().decode().rstrip("\r\n")

    def close(self):
        self.f.close()
        self.sock.close()


def stamp_of(greeting):
    m = STAMP.match(greeting)
    stamp = m.group(1) if m else ""
    check(FORM.match(stamp), "the greeting carries <pid.clock.random@host>: %r" % greeting.strip())
    return stamp


def main():
    mailsim = mailsim_argument(__doc__, "apop_replay")
    # record
    with serve(mailsim, ARGS) as (_, ready):
        port = ready["ports"]["pop3"]
        c = Pop(port)
        stamp1 = stamp_of(c.greeting)
        line = "APOP bob " + hashlib.md5((stamp1 + "builder42").encode()).hexdigest()
        check(c.cmd(line) == "+OK Logged in.", "run 1: APOP with the digest for %s logs in" % stamp1)
        check(c.cmd("QUIT") == "+OK Logging out.", "run 1: QUIT")
        c.close()
        c = Pop(port)
        stamp1b = stamp_of(c.greeting)
        check(stamp1b != stamp1, "run 1: the next greeting has another timestamp (%s)" % stamp1b)
        check(c.cmd(line) == "-ERR [AUTH] Authentication failed.",
              "run 1: the recorded line on the next connection is refused")
        c.close()
    # replay after a restart
    with serve(mailsim, ARGS) as (_, ready):
        c = Pop(ready["ports"]["pop3"])
        stamp2 = stamp_of(c.greeting)
        check(stamp2 not in (stamp1, stamp1b),
              "run 2 (restarted) greets with a new timestamp (%s)" % stamp2)
        check(c.cmd(line) == "-ERR [AUTH] Authentication failed.",
              "run 2: the recorded line, sent unchanged, is refused: " + line)
        fresh = "APOP bob " + hashlib.md5((stamp2 + "builder42").encode()).hexdigest()
        check(c.cmd(fresh) == "+OK Logged in.", "run 2: the digest for its own timestamp logs in")
        c.cmd("QUIT")
        c.close()
    # a third start, for the restarts' sake
    with serve(mailsim, ARGS) as (_, ready):
        c = Pop(ready["ports"]["pop3"])
        stamp3 = stamp_of(c.greeting)
        check(len({stamp1, stamp1b, stamp2, stamp3}) == 4,
              "three starts, four greetings, four timestamps")
        c.close()
    # scripted runs keep their seeded timestamps
    stamps = []
    for _ in range(2):
        p = subprocess.run([mailsim, "run", "apop", "--format", "text", "--lang", "en"],
                           capture_output=True, text=True, timeout=60)
        stamps.append(re.findall(r"<\d+\.\d+@mail\.b\.example>", p.stdout))
    check(stamps[0] and stamps[0] == stamps[1],
          "mailsim run apop: the same seeded timestamps on every run (%s)" % stamps[0][:1])
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
