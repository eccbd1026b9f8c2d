#!/usr/bin/env python3
"""live_notes_test.py: what a real client says means the same in the trace as what a simulated
one says.

Usage: live_notes_test.py MAILSIM

A real client's credentials and message text are noted by the simulated server that read them,
since no mailsim engine sent them. Runs `mailsim serve --no-gui --format jsonl` (submission and
pop3 only) and drives it with Python's smtplib (AUTH PLAIN with its initial response, AUTH PLAIN
after a 334, AUTH LOGIN, then a message), poplib (USER/PASS, APOP), and a socket that sends the
AUTH PLAIN line and a message's text each in two pieces; after SIGTERM, the trace must hold:

  - a secret event for each credential, with the value decoded ("alice" NUL "wonderland" for
    PLAIN, "alice" and "wonderland" for LOGIN's two, "bob" and "builder42" for USER and PASS,
    "bob" NUL the digest for APOP), placed as every annotation is: right after the data event
    that carries it (only the taps' events between), on the client's side, its offset and length
    inside that event's text, where the wire writes the credential;
  - a message event after the DATA whose bytes are the message as the client sent it,
    dot-stuffed, without the final "." line;
  - for the line in two pieces, the secret after the second (the piece that ends the line), its
    value the whole credential; for the text in two pieces, a message event after each.

Prints "live_notes: N passed, N failed" and exits 1 on any failure.
"""

import base64
import contextlib
import json
import poplib
import signal
import smtplib
import socket
import sys
import time

from checks import Checks
from serve_proc import mailsim_argument, serve

check = Checks("live_notes", verbose=True)

MESSAGE = ("From: alice@a.example\r\nTo: bob@b.example\r\nSubject: live notes\r\n\r\n"
           "Hello.\r\n.a line that starts with a dot\r\nBye.\r\n")
# what smtplib puts on the wire: the dot doubled, and the "." line after it
STUFFED = MESSAGE.replace("\r\n.", "\r\n..")

ANNOTATIONS = ("secret", "reply", "message")


def annotated(events):
    """Each annotation with the data or plain event it describes, by the trace's rule: the newest
    such event of the same conn and side, with nothing but the taps' events and other
    annotations between. An annotation that follows anything else is paired with None."""
    pairs = []
    last = {}  # (conn, from) -> the newest data/plain event, while only annotations follow
    for e in events:
        kind = e.get("kind")
        if kind in ("data", "plain"):
            last = {(e["conn"], e["from"]): e}
        elif kind in ANNOTATIONS:
            pairs.append((e, last.get((e["conn"], e["from"]))))
        elif kind not in ("sniff", "tamper"):
            last = {}
    return pairs


def text_of(e):
    return e["text"].encode() if "text" in e else base64.b64decode(e["text_b64"])


def value_of(e):
    return e["value"].encode() if "value" in e else base64.b64decode(e.get("value_b64", ""))


def find_secrets(pairs, what):
    """The secret annotations named WHAT, each as (decoded value, the octets it points at)."""
    out = []
    for note, data in pairs:
        if note["kind"] == "secret" and note["what"] == what:
            wire = None
            if data is not None and data["from"] == "client":
                wire = text_of(data)[note["offset"]:note["offset"] + note["length"]]
            out.append((value_of(note), wire))
    return out


def b64(s):
    return base64.b64encode(s.encode()).decode()


def clients(P):
    """Each client's dialogue, guarded: one that breaks is one failure."""
    def attempt(what, fn):
        try:
            fn()
        except Exception as e:  # whatever it is, it is the failure to report
            check(False, "%s: %s: %s" % (what, type(e).__name__, str(e).strip()[-300:]))

    def smtp(mech, initial):
        with contextlib.closing(smtplib.SMTP("localhost", P["submission"], timeout=10)) as s:
            s.ehlo()
            s.user, s.password = "alice", "wonderland"
            code, _ = s.auth(mech, getattr(s, "auth_" + mech.lower()),
                             initial_response_ok=initial)
            check(code == 235, "smtplib AUTH %s%s: 235" % (mech, "" if initial else " after 334"))
            if mech == "LOGIN":
                s.sendmail("alice@a.example", ["bob@b.example"], MESSAGE)
            s.quit()

    attempt("smtplib AUTH PLAIN", lambda: smtp("PLAIN", True))
    attempt("smtplib AUTH PLAIN after 334", lambda: smtp("PLAIN", False))
    attempt("smtplib AUTH LOGIN and a message", lambda: smtp("LOGIN", True))

    def pop(apop):
        with contextlib.closing(poplib.POP3("localhost", P["pop3"], timeout=10)) as p:
            if apop:
                p.apop("bob", "builder42")
            else:
                p.user("bob")
                p.pass_("builder42")
            p.stat()
            p.quit()

    attempt("poplib USER/PASS", lambda: pop(False))
    attempt("poplib APOP", lambda: pop(True))
    attempt("a client that sends lines in two pieces", lambda: split_client(P))


SPLIT_CRED = b64("\0alice\0wonderland")
SPLIT_TEXT = ("Subject: in two pieces\r\n\r\nthe first half, ", "and the second.\r\n")


def split_client(P):
    """AUTH PLAIN's line and the DATA text each sent in two pieces, a pause between, so that the
    bridge reads them as two data events."""
    with socket.create_connection(("127.0.0.1", P["submission"]), timeout=10) as k:
        f = k.makefile("rb")

        def reply():
            line = f.readline()
            while line[3:4] == b"-":
                line = f.readline()
            return line[:3]

        def say(*pieces):
            for i, piece in enumerate(pieces):
                if i:
                    time.sleep(0.3)
                k.sendall(piece.encode())
            return reply()

        reply()
        say("EHLO split\r\n")
        ok = say("AUTH PLAIN " + SPLIT_CRED[:10], SPLIT_CRED[10:] + "\r\n") == b"235"
        ok = ok and say("MAIL FROM:<alice@a.example>\r\n") == b"250"
        ok = ok and say("RCPT TO:<bob@b.example>\r\n") == b"250"
        ok = ok and say("DATA\r\n") == b"354"
        ok = ok and say(SPLIT_TEXT[0], SPLIT_TEXT[1] + ".\r\n") == b"250"
        say("QUIT\r\n")
        check(ok, "a client that sends AUTH PLAIN and its text in two pieces: 235, 250")


def main():
    mailsim = mailsim_argument(__doc__, "live_notes")
    args = ["--format", "jsonl", "--port", "submission=0", "--port", "smtps=off", "--port",
            "smtp=off", "--port", "pop3=0", "--port", "pop3s=off"]
    with serve(mailsim, args) as (proc, ready):
        clients(ready["ports"])
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, "SIGTERM: mailsim serve exits 0 (%s)" % err.strip()[-200:])
    events = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    pairs = annotated(events)

    orphans = [n for n, d in pairs if d is None]
    check(not orphans, "every annotation follows the data event it describes (%d do not)" %
          len(orphans))

    plain = find_secrets(pairs, "AUTH PLAIN")
    want = (b"alice\0wonderland", SPLIT_CRED.encode())
    check(len(plain) == 3 and plain[:2] == [want, want],
          "AUTH PLAIN, on the AUTH line and after the 334: alice / wonderland, at its base64 "
          "(%r)" % plain[:2])
    # a line in two data events: the piece that ends it carries the secret, its value whole
    check(plain[2:] == [(want[0], SPLIT_CRED[10:].encode())],
          "AUTH PLAIN in two pieces: the second piece's base64, the whole credential (%r)" %
          plain[2:])
    user = find_secrets(pairs, "AUTH LOGIN user")
    password = find_secrets(pairs, "AUTH LOGIN password")
    check(user == [(b"alice", b64("alice").encode())] and
          password == [(b"wonderland", b64("wonderland").encode())],
          "AUTH LOGIN: the user and the password, each at its base64 (%r %r)" % (user, password))
    pop_user = find_secrets(pairs, "USER")
    pop_pass = find_secrets(pairs, "PASS")
    check(pop_user == [(b"bob", b"bob")] and pop_pass == [(b"builder42", b"builder42")],
          "POP3 USER and PASS: bob and builder42, as the wire writes them (%r %r)" %
          (pop_user, pop_pass))
    apop = find_secrets(pairs, "APOP")
    check(len(apop) == 1 and apop[0][0].startswith(b"bob\0") and len(apop[0][0]) == 4 + 32 and
          apop[0][1] == apop[0][0].replace(b"\0", b" "),
          "POP3 APOP: bob and the digest, at \"bob <digest>\" (%r)" % apop)

    # a message may reach the server in more than one data event: each holds its piece. The
    # simulated servers relay the messages on; only the live hosts' connections count here.
    live = {e["conn"] for e in events
            if e.get("kind") == "connect" and e["client"]["host"].startswith("live-")}
    pieces = {}
    for n, d in pairs:
        if n["kind"] == "message" and d is not None and d["from"] == "client" and \
                n["conn"] in live:
            pieces.setdefault(n["conn"], []).append(
                text_of(d)[n["offset"]:n["offset"] + n["length"]])
    texts = sorted(b"".join(p) for p in pieces.values())
    check(texts == sorted([STUFFED.encode(), "".join(SPLIT_TEXT).encode()]),
          "a message event covers each DATA text as sent, dot-stuffed, without the \".\" line "
          "(%r)" % [t[:40] for t in texts])
    split = [p for p in pieces.values() if b"".join(p) == "".join(SPLIT_TEXT).encode()]
    check(split == [[t.encode() for t in SPLIT_TEXT]],
          "the text sent in two pieces: a message event for each (%r)" % split)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
