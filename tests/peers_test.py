#!/usr/bin/env python3
"""peers_test.py: the dialogues of the comparison with real Postfix 3.7 and Dovecot 2.3
(../shared/reviews/peers-2026-12.md, its SMTP and POP3 side-by-side tables), replayed over raw
sockets against `mailsim serve`, with the replies Postfix and Dovecot gave.

Usage: peers_test.py MAILSIM

Three servers on free loopback ports (the ready line says which):
  nine-steps           smtp (mx.b, b.example a relay domain, as the review's Postfix MX),
                       submission (msa.a: Debian's master.cf submission template), pop3 (mra.b)
  starttls-all-hops    submission with smtpd_tls_security_level = encrypt
  apop                 smtp: an MX that is b.example's final destination (local recipients),
                       for VRFY and RCPT of an unknown local user

Every reply is checked for Postfix's or Dovecot's code, and for its whole text where mailsim
claims Postfix's or Dovecot's wording. Where mailsim still differs on purpose, the row checks
mailsim's documented reply and says why (an extension mailsim does not offer, an RFC limit kept,
a text-only difference the review did not rank). The waits are checked in real time: a failed
AUTH or POP3 login is answered after Dovecot's auth_failure_delay (2 s), and 25 bad commands
reach Postfix's 421 after smtpd_error_sleep_time has slowed the 10th to 20th reply (11 s). The
slow SMTP dialogues run in threads beside the others, each on its own connection.

Each server is ended on every way out (serve_proc.py). A dialogue that breaks (a timeout, a
closed connection) is one failed check naming it; the others go on.

Prints "peers: N passed, N failed" and exits 1 on any failure.
"""

import contextlib
import hashlib
import re
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback

from checks import Checks
from serve_proc import mailsim_argument, serve

check = Checks("peers", verbose=True)

HOST_MX = "mx.b.example"
PLAIN_ALICE = "AGFsaWNlAHdvbmRlcmxhbmQ="        # \0alice\0wonderland
PLAIN_WRONG = "AGFsaWNlAHdyb25nLXBhc3N3b3Jk"    # \0alice\0wrong-password
PLAIN_NOBODY = "AG1hbGxvcnkAeA=="               # \0mallory\0x
OK_MAIL = "250 2.1.0 Ok"
OK_RCPT = "250 2.1.5 Ok"
OK = "250 2.0.0 Ok"
GO = "354 End data with <CR><LF>.<CR><LF>"
UNKNOWN = "500 5.5.2 Error: command not recognized"
NO_RCPTS = "554 5.5.1 Error: no valid recipients"
BYE = "221 2.0.0 Bye"
AUTH_OK = "235 2.7.0 Authentication successful"
AUTH_FAILED = "535 5.7.8 Error: authentication failed: "  # then Dovecot's reason, text differs
NEED_TLS = "530 5.7.0 Must issue a STARTTLS command first"
POP_FAILED = "-ERR [AUTH] Authentication failed."
# Postfix's EHLO keywords (the review's list); mailsim offers a subset (no ETRN, DSN, SMTPUTF8,
# CHUNKING: not implemented, and consistently refused).
POSTFIX_EHLO = {"PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "AUTH PLAIN LOGIN",
                "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"}
DELAY = 1.9  # Dovecot's auth_failure_delay is 2 s; a little room for scheduling


class Broken(Exception):
    """The dialogue cannot go on (timeout, closed connection)."""


class Tally:
    """The results of one dialogue, reported by the main thread (threads only collect)."""

    def __init__(self, name):
        self.name = name
        self.results = []

    def ok(self, ok, what):
        self.results.append((bool(ok), "%s: %s" % (self.name, what)))
        return ok

    def eq(self, got, want, what):
        return self.ok(got == want, "%s -> %r%s" % (what, want, "" if got == want else
                                                     " (got %r)" % (got,)))

    def starts(self, got, prefix, what):
        ok = got is not None and got.startswith(prefix)
        return self.ok(ok, "%s -> %r...%s" % (what, prefix, "" if ok else " (got %r)" % (got,)))


class Conn:
    """A raw client connection: bytes out exactly as given, replies read line by line."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.eof = False

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()

    def send(self, data):
        self.sock.sendall(data.encode("latin-1") if isinstance(data, str) else data)

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise Broken("no reply within %.1f s" % timeout)
        except (ConnectionResetError, ssl.SSLError, OSError) as e:
            self.eof = True
            raise Broken("connection broken: %s" % e)
        if not chunk:
            self.eof = True
            raise Broken("connection closed by server")
        self.buf += chunk

    def line(self, timeout=10):
        while b"\r\n" not in self.buf:
            self._fill(timeout)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("latin-1")

    def smtp(self, timeout=10):
        """One SMTP reply, its lines joined by newlines."""
        lines = [self.line(timeout)]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.line(timeout))
        return "\n".join(lines)

    def cmd(self, text, timeout=10):
        self.send(text + "\r\n")
        return self.smtp(timeout)

    def pop(self, text, timeout=10):
        self.send(text + "\r\n")
        return self.line(timeout)

    def multi(self, timeout=10):
        """The lines of a POP3 multi-line response after its +OK, unstuffed, up to the '.'."""
        lines = []
        while True:
            line = self.line(timeout)
            if line == ".":
                return lines
            lines.append(line[1:] if line.startswith(".") else line)

    def silent(self, seconds):
        """True when nothing comes within seconds (the connection still open)."""
        try:
            self._fill(seconds)
        except Broken:
            return not self.eof
        return False

    def closed(self, timeout=5):
        """True when the server closes the connection (after what is still buffered)."""
        try:
            while True:
                self._fill(timeout)
        except Broken:
            return self.eof

    def starttls(self, ctx):
        if self.buf:
            raise Broken("bytes after the TLS go-ahead: %r" % self.buf[:60])
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")


def message(subject, body="Hello.\r\n"):
    stamp = "%s.%d" % (re.sub(r"[^a-z0-9]", "", subject.lower())[:20], time.time_ns())
    return ("From: Alice <alice@a.example>\r\nTo: Bob <bob@b.example>\r\nSubject: peers %s\r\n"
            "Message-ID: <%s@a.example>\r\n\r\n%s" % (subject, stamp, body))


def ehlo_ok(t, reply, host, starttls, auth, what="EHLO"):
    """Postfix's first line, 250 on every line, mailsim's keywords a subset of Postfix's."""
    lines = reply.split("\n")
    words = {l[4:] for l in lines[1:]}
    t.eq(lines[0], "250-" + host, what + ": the first line")
    t.ok(all(l.startswith("250") for l in lines) and words <= POSTFIX_EHLO,
         "%s: keywords %s within Postfix's" % (what, sorted(words)))
    t.ok(("STARTTLS" in words) == starttls, "%s: STARTTLS %s" % (what, "offered" if starttls
                                                                   else "not offered"))
    t.ok(("AUTH PLAIN LOGIN" in words) == auth, "%s: AUTH %s" % (what, "offered" if auth
                                                               else "not offered"))


def greet(t, port, host):
    c = Conn(port)
    t.starts(c.smtp(), "220 %s ESMTP Postfix" % host, "greeting")
    return c


def greet_ehlo(t, port, host, starttls=True, auth=False):
    c = greet(t, port, host)
    ehlo_ok(t, c.cmd("EHLO client.example"), host, starttls, auth)
    return c


def send_message(t, c, subject, body="Hello.\r\n", what="the message"):
    t.eq(c.cmd("DATA"), GO, "DATA")
    c.send(message(subject, body) + ".\r\n")
    t.starts(c.smtp(), "250 2.0.0 Ok: queued as ", what)


# ---- SMTP: the recipient's MX (nine-steps mx.b; b.example is a relay domain) ----------------

def d_greeting(P, t):
    c = greet(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("QUIT"), BYE, "QUIT")
    t.ok(c.closed(), "the server closes after QUIT")


def d_helo(P, t):
    c = greet(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("HELO client.example"), "250 " + HOST_MX, "HELO")
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MX, True, False)


def d_mail_normal(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "mail_normal")


def d_relay_denied(P, t):
    # #7: stock Postfix >= 2.10 (defer_unauth_destination) defers relaying with 454.
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<spammer@evil.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<victim@c.example>"), "454 4.7.1 <victim@c.example>: Relay access denied",
         "RCPT to a foreign domain (#7)")
    t.eq(c.cmd("DATA"), NO_RCPTS, "DATA")


def d_unknown_user_relay_domain(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<nobody@b.example>"), OK_RCPT, "RCPT nobody@ a relay domain")
    send_message(t, c, "unknown_user")


def d_mail_before_helo(P, t):
    # #4: smtpd_helo_required = no, Postfix's default.
    c = greet(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL before HELO (#4)")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT before HELO")
    t.eq(c.cmd("RSET"), OK, "RSET")


def d_rcpt_before_mail(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), "503 5.5.1 Error: need MAIL command", "RCPT")
    t.eq(c.cmd("DATA"), "503 5.5.1 Error: need RCPT command", "DATA")


def d_data_without_rcpt(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("DATA"), NO_RCPTS, "DATA without RCPT (#5)")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), "503 5.5.1 Error: nested MAIL command", "MAIL")
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MX, True, False, "EHLO resets")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), "503 5.5.1 Error: need MAIL command", "RCPT")


def d_unknown_commands(P, t):
    # #6: 500, not 502; ETRN and BDAT are not offered by mailsim (consistent with its EHLO).
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("FOO bar"), UNKNOWN, "FOO (#6)")
    t.eq(c.cmd("EXPN bob"), UNKNOWN, "EXPN (#6)")
    t.eq(c.cmd("ETRN b.example"), UNKNOWN, "ETRN (not offered; Postfix: 250 Queuing started)")
    t.eq(c.cmd("BDAT 0 LAST"), UNKNOWN, "BDAT (no CHUNKING; Postfix: 503 need RCPT)")
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), "503 5.5.1 Error: authentication not enabled",
         "AUTH on 25")
    t.eq(c.cmd("MAIL"), "501 5.5.4 Syntax: MAIL FROM:<address>", "MAIL")
    t.eq(c.cmd(""), "500 5.5.2 Error: bad syntax", "empty line")


def d_misc(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("NOOP"), OK, "NOOP")
    t.eq(c.cmd("NOOP hello"), OK, "NOOP hello")
    t.eq(c.cmd("RSET"), OK, "RSET")
    t.eq(c.cmd("RSET now"), "501 5.5.4 Syntax: RSET", "RSET now")
    t.eq(c.cmd("VRFY bob@b.example"), "252 2.0.0 bob@b.example", "VRFY")
    t.eq(c.cmd("VRFY <bob@b.example>"), "252 2.0.0 <bob@b.example>", "VRFY <>")
    t.eq(c.cmd("VRFY bob"), "252 2.0.0 bob", "VRFY bob")
    # Postfix adds " [SMTPUTF8]", which mailsim does not offer.
    t.eq(c.cmd("VRFY"), "501 5.5.4 Syntax: VRFY address", "VRFY without address")
    t.eq(c.cmd("HELP"), UNKNOWN, "HELP (#6: Postfix has none)")
    t.eq(c.cmd("HELP MAIL"), UNKNOWN, "HELP MAIL (#6)")
    t.eq(c.cmd("noop"), OK, "noop")
    t.eq(c.cmd("QUIT now"), BYE, "QUIT now")
    t.ok(c.closed(), "closed after QUIT")


def d_pipelining(P, t):
    c = greet(t, P["smtp"], HOST_MX)
    c.send("EHLO client.example\r\nMAIL FROM:<alice@a.example>\r\nRCPT TO:<bob@b.example>\r\n"
           "RCPT TO:<victim@c.example>\r\nDATA\r\n")
    ehlo_ok(t, c.smtp(), HOST_MX, True, False)
    t.eq([c.smtp() for _ in range(4)],
         [OK_MAIL, OK_RCPT, "454 4.7.1 <victim@c.example>: Relay access denied", GO],
         "pipelined MAIL, RCPT, RCPT, DATA")
    c.send(message("pipelining") + ".\r\n")
    t.starts(c.smtp(), "250 2.0.0 Ok: queued as ", "the message")


def d_pipelining_whole(P, t):
    c = greet(t, P["smtp"], HOST_MX)
    c.send("EHLO client.example\r\nMAIL FROM:<alice@a.example>\r\nRCPT TO:<bob@b.example>\r\n"
           "DATA\r\n" + message("pipelining_whole") + ".\r\nQUIT\r\n")
    ehlo_ok(t, c.smtp(), HOST_MX, True, False)
    got = [c.smtp() for _ in range(5)]
    t.eq(got[:3], [OK_MAIL, OK_RCPT, GO], "MAIL, RCPT, DATA in one write")
    t.starts(got[3], "250 2.0.0 Ok: queued as ", "the message in the same write")
    t.eq(got[4], BYE, "QUIT in the same write")
    t.ok(c.closed(), "closed")


def d_long_command(P, t):
    # #9: Postfix reads 2048 octets of a command line (line_length_limit) and skips the rest.
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("NOOP " + "x" * 1995), OK, "NOOP of 2000 octets (#9)")
    t.eq(c.cmd("NOOP"), OK, "NOOP")
    t.eq(c.cmd("X" * 2000), UNKNOWN, "a 2000-octet verb")
    t.eq(c.cmd("NOOP"), OK, "NOOP")
    # RFC 5321 §4.5.3.1.1's 64-octet local part, kept on purpose (Postfix: 250).
    t.eq(c.cmd("MAIL FROM:<" + "a" * 1980 + "@a.example>"), "501 5.1.7 Bad sender address syntax",
         "MAIL with a 1980-octet local part (RFC limit kept)")
    t.eq(c.cmd("RSET"), OK, "RSET")
    t.eq(c.cmd("NOOP " + "x" * 5000), OK, "NOOP of 5005 octets (#9)")
    t.eq(c.cmd("NOOP"), OK, "NOOP, still in step")


def d_long_data_line(P, t):
    # #3: a message line over 1000 octets is queued, not refused.
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "long_data_line", "short line\r\n " + "y" * 2000 + "\r\n end\r\n",
                 "a message with a 2000-octet line (#3)")


def d_8bitmime(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example> BODY=8BITMIME"), OK_MAIL, "BODY=8BITMIME")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "8bitmime", "caf\xe9\r\n")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> BODY=BINARYMIME"),
         "555 5.5.4 Unsupported option: BODY=BINARYMIME", "BODY=BINARYMIME (#16)")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> BODY=FOO"), "555 5.5.4 Unsupported option: BODY=FOO",
         "BODY=FOO (#16)")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> BODY=7BIT"), OK_MAIL, "BODY=7BIT")
    t.eq(c.cmd("RSET"), OK, "RSET")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> FOO=BAR"), "555 5.5.4 Unsupported option: FOO=BAR",
         "FOO=BAR")
    # DSN is not offered (#16, left): RET= is an unsupported option, as SMTPUTF8 is.
    t.eq(c.cmd("MAIL FROM:<alice@a.example> RET=HDRS ENVID=x1"),
         "555 5.5.4 Unsupported option: RET=HDRS", "RET= (no DSN offered; Postfix: 250)")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> SMTPUTF8"), "555 5.5.4 Unsupported option: SMTPUTF8",
         "SMTPUTF8 (not offered; Postfix: 250)")


def d_size(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example> SIZE=20000000"),
         "552 5.3.4 Message size exceeds fixed limit", "SIZE=20000000")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> SIZE=abc"), "501 5.5.4 Bad message size syntax",
         "SIZE=abc")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> SIZE=10240001"),
         "552 5.3.4 Message size exceeds fixed limit", "SIZE=10240001")
    t.eq(c.cmd("MAIL FROM:<alice@a.example> SIZE=10240000"), OK_MAIL, "SIZE=10240000")
    t.eq(c.cmd("RSET"), OK, "RSET")


def d_size_actual(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    t.eq(c.cmd("DATA"), GO, "DATA")
    c.send(("z" * 998 + "\r\n") * 10500 + ".\r\n")
    t.eq(c.smtp(30), "552 5.3.4 Error: message file too big", "a 10.5 MB message")
    t.eq(c.cmd("NOOP"), OK, "NOOP")


def d_null_sender(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<>"), OK_MAIL, "MAIL FROM:<>")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "null_sender")
    t.eq(c.cmd("MAIL FROM: <>"), OK_MAIL, "MAIL FROM: <> (#15)")


def d_bad_sender_syntax(P, t):
    # #15: strict_rfc821_envelopes = no, Postfix's default; a bare name gets @myorigin.
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    for line in ("MAIL FROM:alice@a.example", "MAIL FROM: <alice@a.example>", "MAIL FROM:<alice>"):
        t.eq(c.cmd(line), OK_MAIL, line + " (#15)")
        t.eq(c.cmd("RSET"), OK, "RSET")
    for line in ("MAIL FROM:<alice@>", "MAIL FROM:<a b@a.example>", "MAIL FROM:<alice@a.example"):
        t.eq(c.cmd(line), "501 5.1.7 Bad sender address syntax", line)
    t.eq(c.cmd("MAIL TO:<alice@a.example>"), "501 5.5.4 Syntax: MAIL FROM:<address>", "MAIL TO:")


def d_bad_rcpt_syntax(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:bob@b.example"), OK_RCPT, "RCPT TO:bob@b.example (#15)")
    t.eq(c.cmd("RCPT TO:<bob>"), OK_RCPT, "RCPT TO:<bob> (#15: bob@$myorigin)")
    t.eq(c.cmd("RCPT TO:<bob@b.example"), "501 5.1.3 Bad recipient address syntax", "unclosed")
    t.eq(c.cmd("RCPT TO:<@relay.example:bob@b.example>"), OK_RCPT, "source route")
    t.eq(c.cmd("RCPT TO:<Postmaster>"), OK_RCPT, "RCPT TO:<Postmaster> (#8)")
    t.eq(c.cmd("RCPT TO:<>"), "501 5.1.3 Bad recipient address syntax", "RCPT TO:<>")
    t.eq(c.cmd('RCPT TO:<"bob smith"@b.example>'), OK_RCPT, "quoted local part")
    t.eq(c.cmd("RCPT FROM:<bob@b.example>"), "501 5.5.4 Syntax: RCPT TO:<address>", "RCPT FROM:")
    t.eq(c.cmd("RSET"), OK, "RSET")


def d_many_rcpts(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    c.send("".join("RCPT TO:<r%d@b.example>\r\n" % i for i in range(1002)))
    got = [c.smtp() for _ in range(1002)]
    t.eq((got.count(OK_RCPT), got[1000:]),
         (1000, ["452 4.5.3 Error: too many recipients"] * 2), "1002 RCPTs")
    t.eq(c.cmd("RSET"), OK, "RSET")


def d_dot_stuffing(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "dot_stuffing", "..one leading dot\r\n...two leading dots\r\n.x\r\n"
                 "last line\r\n")


def d_bare_lf_body(P, t):
    # Delivered to bob: the POP3 dialogues then check its size as sent (#13).
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "bare_lf_body", "line one\nline two\nline three\r\n",
                 "a message with bare LFs")
    t.eq(c.cmd("NOOP"), OK, "NOOP")


def d_smuggle_lf_dot_lf(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    t.eq(c.cmd("DATA"), GO, "DATA")
    c.send("Subject: peers smuggle-outer\r\n\r\nouter body\n.\nRSET\r\nMAIL FROM:<ceo@b.example>\r\n"
           "RCPT TO:<bob@b.example>\r\nDATA\r\nSubject: smuggled\r\n\r\ninner\r\n.\r\n")
    t.starts(c.smtp(), "250 2.0.0 Ok: queued as ", "one message, not two")
    t.eq(c.cmd("NOOP"), OK, "NOOP (no smuggled replies before it)")


def d_smuggle_lf_dot_crlf(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    t.eq(c.cmd("DATA"), GO, "DATA")
    c.send(message("lf_dot_crlf") + "x\n.\r\n")
    t.ok(c.silent(1.0), "LF.CRLF does not end DATA (smtpd_forbid_bare_newline = normalize)")
    c.send("NOOP\r\n")
    t.ok(c.silent(1.0), "NOOP is still message text")
    t.starts(c.cmd("."), "250 2.0.0 Ok: queued as ", "CRLF.CRLF ends it")
    t.eq(c.cmd("QUIT"), BYE, "QUIT")


def d_bare_lf_command(P, t):
    # #10: normalize (Postfix >= 3.9's default) takes a bare LF as a command's end.
    c = greet(t, P["smtp"], HOST_MX)
    c.send("EHLO client.example\n")
    ehlo_ok(t, c.smtp(), HOST_MX, True, False, "EHLO ended by a bare LF (#10)")
    c.send("NOOP\n")
    t.eq(c.smtp(), OK, "NOOP ended by a bare LF (#10)")
    t.eq(c.cmd("NOOP"), OK, "NOOP")
    # Postfix: "command not recognized"; same code, another text (not ranked).
    t.starts(c.cmd("NO\rOP"), "500 5.5.2 Error: ", "a bare CR inside a command")


def d_starttls_ok(P, ctx, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "STARTTLS")
    c.starttls(ctx)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL after TLS without EHLO (#4)")
    t.eq(c.cmd("RSET"), OK, "RSET")
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MX, False, False, "EHLO inside TLS")
    t.eq(c.cmd("STARTTLS"), "554 5.5.1 Error: TLS already active", "STARTTLS again")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "starttls_ok")


def d_starttls_args(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("STARTTLS now"), "501 5.5.4 Syntax: STARTTLS", "STARTTLS now")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    # Postfix starts TLS in the middle of a transaction; mailsim refuses (not ranked).
    t.eq(c.cmd("STARTTLS"), "503 5.5.1 Error: MAIL transaction in progress",
         "STARTTLS inside a transaction (differs, not ranked)")


def d_starttls_plain_after(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "STARTTLS")
    c.send("EHLO client.example\r\n")
    t.ok(c.closed(), "plain text instead of a ClientHello: the connection is closed")


def d_starttls_injection(P, ctx, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    c.send("STARTTLS\r\nRSET\r\n")
    t.eq(c.smtp(), "220 2.0.0 Ready to start TLS", "STARTTLS with RSET behind it")
    c.starttls(ctx)
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MX, False, False,
            "EHLO inside TLS (the injected RSET was discarded)")


def d_abort_mid_data(P, t):
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    t.eq(c.cmd("DATA"), GO, "DATA")
    c.send("Subject: peers abort_mid_data\r\n\r\nhalf")
    t.ok(c.silent(1.0), "no reply to half a message")


def d_too_many_errors(P, t):
    # #6 and #17: 20 errors, each "500"; from the 10th on Postfix sleeps 1 s before each reply
    # (smtpd_soft_error_limit 10, smtpd_error_sleep_time 1s), the 421 included: 11 s.
    c = greet_ehlo(t, P["smtp"], HOST_MX)
    t0 = time.time()
    c.send("".join("FOO %d\r\n" % i for i in range(25)))
    got = [c.smtp(15) for _ in range(21)]
    took = time.time() - t0
    t.eq(got, [UNKNOWN] * 20 + ["421 4.7.0 %s Error: too many errors" % HOST_MX],
         "25 bad commands: 20 x 500, then 421 (#6)")
    t.ok(10.5 <= took < 14, "the 421 came after the tarpit's 11 s (took %.1f s, #17)" % took)
    t.ok(c.closed(), "closed after 421")


# ---- SMTP: VRFY and RCPT at a final destination (apop's MX, b.example local) -----------------

def d_unknown_user_local(P, t):
    # #11: disable_vrfy_command = no: VRFY goes through the recipient checks.
    host = "mail.b.example"
    c = greet_ehlo(t, P["local"], host)
    unknown = ("550 5.1.1 <nobody@b.example>: Recipient address rejected: "
               "User unknown in local recipient table")
    t.eq(c.cmd("VRFY nobody@b.example"), unknown, "VRFY an unknown local user (#11)")
    t.eq(c.cmd("VRFY bob@b.example"), "252 2.0.0 bob@b.example", "VRFY a known local user")
    t.eq(c.cmd("MAIL FROM:<carol@c.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<nobody@b.example>"), unknown, "RCPT an unknown local user")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT a local user")
    t.eq(c.cmd("RSET"), OK, "RSET")


# ---- SMTP: submission (nine-steps msa.a, Debian's master.cf template) ----------------------

HOST_MSA = "mail.a.example"


def d_sub_ehlo(P, t):
    c = greet(t, P["submission"], HOST_MSA)
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MSA, True, True)
    t.eq(c.cmd("QUIT"), BYE, "QUIT")


def d_sub_noauth(P, t):
    # #1: permit_sasl_authenticated, reject: MAIL is taken, every recipient refused.
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL without AUTH (#1)")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"),
         "554 5.7.1 <bob@b.example>: Recipient address rejected: Access denied", "RCPT (#1)")
    t.eq(c.cmd("RCPT TO:<alice@a.example>"),
         "554 5.7.1 <alice@a.example>: Recipient address rejected: Access denied", "RCPT (#1)")
    t.eq(c.cmd("DATA"), NO_RCPTS, "DATA (#1)")


def d_sub_auth_plain(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), AUTH_OK, "AUTH PLAIN")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "sub_auth_plain")
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), "503 5.5.1 Error: already authenticated",
         "AUTH again")


def timed(c, line):
    t0 = time.time()
    reply = c.cmd(line)
    return reply, time.time() - t0


def d_sub_auth_plain_bad(P, t):
    # #17: the SASL server's auth_failure_delay (2 s) before each 535.
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    for creds, what in ((PLAIN_WRONG, "wrong password"), (PLAIN_NOBODY, "unknown user")):
        reply, took = timed(c, "AUTH PLAIN " + creds)
        t.starts(reply, AUTH_FAILED, "AUTH PLAIN, " + what)
        t.ok(took >= DELAY, "%s: answered after the auth_failure_delay (%.1f s, #17)" % (what, took))
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL after failed AUTH (#1)")


def d_sub_auth_plain_2step(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH PLAIN"), "334 ", "AUTH PLAIN")
    t.eq(c.cmd(PLAIN_ALICE), AUTH_OK, "the response")


def d_sub_auth_login(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6", "AUTH LOGIN")
    t.eq(c.cmd("YWxpY2U="), "334 UGFzc3dvcmQ6", "user name")
    t.eq(c.cmd("d29uZGVybGFuZA=="), AUTH_OK, "password")


def d_sub_auth_login_bad(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6", "AUTH LOGIN")
    t.eq(c.cmd("YWxpY2U="), "334 UGFzc3dvcmQ6", "user name")
    reply, took = timed(c, "bm9wZQ==")
    t.starts(reply, AUTH_FAILED, "a wrong password")
    t.ok(took >= DELAY, "answered after the auth_failure_delay (%.1f s, #17)" % took)


def d_sub_auth_login_initial(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH LOGIN YWxpY2U="), "334 UGFzc3dvcmQ6", "AUTH LOGIN with the user name")
    t.eq(c.cmd("d29uZGVybGFuZA=="), AUTH_OK, "password")


def d_sub_auth_errors(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6", "AUTH LOGIN")
    t.eq(c.cmd("*"), "501 5.7.0 Authentication aborted", "cancelled")
    # RFC 4954's codes, kept on purpose (Postfix: 535 5.7.8 for both).
    t.eq(c.cmd("AUTH PLAIN !!!notbase64!!!"), "501 5.5.2 Cannot decode response",
         "bad base64 (RFC 4954, not Postfix)")
    t.eq(c.cmd("AUTH CRAM-MD5"), "504 5.5.4 Unrecognized authentication type",
         "an unoffered mechanism (RFC 4954, not Postfix)")
    t.eq(c.cmd("AUTH FOO"), "504 5.5.4 Unrecognized authentication type", "AUTH FOO")
    t.eq(c.cmd("AUTH"), "501 5.5.4 Syntax: AUTH mechanism", "AUTH")
    reply, took = timed(c, "AUTH PLAIN =")
    t.starts(reply, AUTH_FAILED, "AUTH PLAIN =")
    t.ok(took >= DELAY, "answered after the auth_failure_delay (%.1f s)" % took)


def d_sub_auth_before_ehlo(P, t):
    c = greet(t, P["submission"], HOST_MSA)
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), AUTH_OK, "AUTH before EHLO (#4)")


def d_sub_auth_in_transaction(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), AUTH_OK, "AUTH")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), "503 5.5.1 Error: MAIL transaction in progress",
         "AUTH inside a transaction")
    t.eq(c.cmd("RSET"), OK, "RSET")


def d_sub_rcpts_after_auth(P, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), AUTH_OK, "AUTH")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<nobody@a.example>"), OK_RCPT, "an unknown local user")
    t.eq(c.cmd("RCPT TO:<victim@c.example>"), OK_RCPT, "a foreign domain")
    t.eq(c.cmd("RSET"), OK, "RSET")


def d_sub_starttls_auth(P, ctx, t):
    c = greet_ehlo(t, P["submission"], HOST_MSA, True, True)
    t.eq(c.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "STARTTLS")
    c.starttls(ctx)
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MSA, False, True, "EHLO inside TLS")
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), AUTH_OK, "AUTH")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "sub_starttls_auth")


# ---- SMTP: TLS required (starttls-all-hops, smtpd_tls_security_level = encrypt) --------------

def d_tlsreq_before_tls(P, t):
    # #1 and #12: Postfix at encrypt: 530 to everything but EHLO, STARTTLS, NOOP, QUIT.
    c = greet(t, P["tlsreq"], HOST_MSA)
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MSA, True, False)
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), NEED_TLS, "AUTH PLAIN before STARTTLS (#12)")
    t.eq(c.cmd("AUTH LOGIN"), NEED_TLS, "AUTH LOGIN before STARTTLS (#12)")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), NEED_TLS, "MAIL before STARTTLS (#1)")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), NEED_TLS, "RCPT before STARTTLS (#1)")
    t.eq(c.cmd("QUIT"), BYE, "QUIT")


def d_tlsreq_full(P, ctx, t):
    c = greet(t, P["tlsreq"], HOST_MSA)
    t.eq(c.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "STARTTLS")
    c.starttls(ctx)
    ehlo_ok(t, c.cmd("EHLO client.example"), HOST_MSA, False, True, "EHLO inside TLS")
    reply, took = timed(c, "AUTH PLAIN " + PLAIN_WRONG)
    t.starts(reply, AUTH_FAILED, "a wrong password")
    t.ok(took >= DELAY, "answered after the auth_failure_delay (%.1f s)" % took)
    t.eq(c.cmd("AUTH PLAIN " + PLAIN_ALICE), AUTH_OK, "AUTH")
    t.eq(c.cmd("MAIL FROM:<alice@a.example>"), OK_MAIL, "MAIL")
    t.eq(c.cmd("RCPT TO:<bob@b.example>"), OK_RCPT, "RCPT")
    send_message(t, c, "tlsreq_full")


# ---- POP3 (nine-steps mra.b) ---------------------------------------------------------------

STAMP = re.compile(r"^\+OK mailsim POP3 ready\. (<\d+\.\d+\.[0-9a-f]{16}@mail\.b\.example>)$")


def pop_greet(t, port):
    c = Conn(port)
    greeting = c.line()
    m = STAMP.match(greeting)
    t.ok(m, "greeting with an APOP timestamp <pid.clock.random@host> (%r)" % greeting)
    return c, (m.group(1) if m else "")


def pop_login(t, port):
    c, _ = pop_greet(t, port)
    t.eq(c.pop("USER bob"), "+OK", "USER")
    t.eq(c.pop("PASS builder42"), "+OK Logged in.", "PASS")
    return c


def pop_stat(t, c):
    reply = c.pop("STAT")
    m = re.match(r"^\+OK (\d+) (\d+)$", reply)
    t.ok(m, "STAT (%r)" % reply)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def p_greeting(P, t):
    c, _ = pop_greet(t, P["pop3"])
    t.starts(c.pop("QUIT"), "+OK Logging out", "QUIT")  # Dovecot has no dot here (text only)
    t.ok(c.closed(), "closed")


def p_capa(P, t):
    c, _ = pop_greet(t, P["pop3"])
    t.eq(c.pop("CAPA"), "+OK", "CAPA")
    capa = c.multi()
    t.ok({"TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "USER", "STLS"} <=
         set(capa), "CAPA lists Dovecot's capabilities but SASL (%s)" % capa)
    t.eq(c.pop("USER bob"), "+OK", "USER")
    t.eq(c.pop("PASS builder42"), "+OK Logged in.", "PASS")
    t.eq(c.pop("QUIT"), "+OK Logging out.", "QUIT")


def p_pass_bad(P, t):
    c, _ = pop_greet(t, P["pop3"])
    t.eq(c.pop("USER bob"), "+OK", "USER bob")
    t0 = time.time()
    t.eq(c.pop("PASS wrong"), POP_FAILED, "a wrong password")
    took = time.time() - t0
    t.ok(took >= DELAY, "answered after Dovecot's auth_failure_delay (%.1f s, #17)" % took)
    t.eq(c.pop("PASS builder42"), "-ERR No username given.", "PASS without USER")
    t.eq(c.pop("USER nobody"), "+OK", "USER nobody")
    t0 = time.time()
    t.eq(c.pop("PASS x"), POP_FAILED, "an unknown user")
    t.ok(time.time() - t0 >= DELAY, "answered after the auth_failure_delay")
    t.eq(c.pop("USER bob"), "+OK", "failed logins are no bad commands: USER still answered")
    t0 = time.time()
    t.eq(c.pop("PASS builder42 extra"), POP_FAILED, "PASS with a space")
    t.ok(time.time() - t0 >= DELAY, "answered after the auth_failure_delay")


def p_apop(P, t):
    c, stamp = pop_greet(t, P["pop3"])
    digest = hashlib.md5((stamp + "builder42").encode()).hexdigest()
    t0 = time.time()
    t.eq(c.pop("APOP bob " + "0" * 32), POP_FAILED, "APOP with a wrong digest")
    t.ok(time.time() - t0 >= DELAY, "answered after the auth_failure_delay")
    # Dovecot says "Invalid parameters." (text only, not ranked).
    t.starts(c.pop("APOP bob xyz"), "-ERR Invalid ", "APOP with a digest that is no digest")
    t0 = time.time()
    t.eq(c.pop("APOP nobody " + digest), POP_FAILED, "APOP for an unknown user")
    t.ok(time.time() - t0 >= DELAY, "answered after the auth_failure_delay")
    t.eq(c.pop("APOP bob " + digest.upper()), "+OK Logged in.", "APOP, upper-case digest")
    pop_stat(t, c)
    t.eq(c.pop("QUIT"), "+OK Logging out.", "QUIT")


def p_transaction(P, t):
    # #13: STAT, LIST and RETR all give the size as sent: every line ended by CRLF.
    c = pop_login(t, P["pop3"])
    n, octets = pop_stat(t, c)
    t.eq(c.pop("LIST"), "+OK %d messages:" % n, "LIST")
    sizes = {}
    for line in c.multi():
        num, size = line.split()
        sizes[int(num)] = int(size)
    t.eq((len(sizes), sum(sizes.values())), (n, octets), "LIST adds up to STAT")
    t.eq(c.pop("LIST 1"), "+OK 1 %d" % sizes.get(1, 0), "LIST 1")
    t.eq(c.pop("LIST 99"), "-ERR There's no message 99.", "LIST 99")
    t.eq(c.pop("LIST 0"), "-ERR There's no message 0.", "LIST 0")
    t.eq(c.pop("UIDL"), "+OK", "UIDL")
    t.eq(len(c.multi()), n, "UIDL lists every message")
    t.starts(c.pop("UIDL 1"), "+OK 1 ", "UIDL 1")
    t.eq(c.pop("UIDL 99"), "-ERR There's no message 99.", "UIDL 99")
    t.eq(c.pop("TOP 1 0"), "+OK", "TOP 1 0")
    t.ok(c.multi()[-1] == "", "TOP 1 0 ends with the blank line after the header")
    bare_lf_seen = False
    for i in range(1, n + 1):
        reply = c.pop("RETR %d" % i)
        lines = c.multi()
        sent = sum(len(l.encode("latin-1")) + 2 for l in lines)
        bare_lf_seen |= any("peers bare_lf_body" in l for l in lines)
        t.eq((reply, sent), ("+OK %d octets" % sizes.get(i, -1), sizes.get(i, -1)),
             "RETR %d: its size as LIST said and as sent (#13)" % i)
    t.ok(bare_lf_seen, "the message with bare LFs was among them")
    t.eq(c.pop("RETR 99"), "-ERR There's no message 99.", "RETR 99")
    t.eq(c.pop("NOOP"), "+OK", "NOOP")
    t.eq(c.pop("QUIT"), "+OK Logging out.", "QUIT")


def p_dele_rset(P, t):
    c = pop_login(t, P["pop3"])
    n, octets = pop_stat(t, c)
    size1 = int(c.pop("LIST 1").split()[2])
    t.eq(c.pop("DELE 1"), "+OK Marked to be deleted.", "DELE 1")
    t.eq(c.pop("DELE 1"), "-ERR Message is deleted.", "DELE 1 again")
    t.eq(c.pop("RETR 1"), "-ERR Message is deleted.", "RETR 1")
    t.eq(c.pop("LIST 1"), "-ERR Message is deleted.", "LIST 1")
    t.eq(pop_stat(t, c), (n - 1, octets - size1), "STAT leaves it out")
    t.eq(c.pop("RSET"), "+OK", "RSET")
    t.eq(pop_stat(t, c), (n, octets), "STAT after RSET")
    t.eq(c.pop("QUIT"), "+OK Logging out.", "QUIT")


def pop_third_unknown(P, t, commands):
    """#14: before login Dovecot's login process knows no TRANSACTION command, and hangs up at the
    third unknown one in a row. commands: three (command, what the check says)."""
    c, _ = pop_greet(t, P["pop3"])
    for command, what in commands[:2]:
        t.eq(c.pop(command), "-ERR Unknown command.", what)
    command, what = commands[2]
    c.send(command + "\r\n")
    t.eq([c.line(), c.line()], ["-ERR Unknown command.", "-ERR Too many invalid bad commands."],
         what)
    t.ok(c.closed(), "closed")


def p_wrong_state(P, t):
    pop_third_unknown(P, t, [("STAT", "STAT before login (#14)"),
                             ("LIST", "LIST before login (#14)"),
                             ("RETR 1", "RETR 1: the third (#14)")])


def p_unknown(P, t):
    pop_third_unknown(P, t, [("FOO bar", "FOO bar (#14)"), ("", "an empty line (#14)"),
                             ("a1 LOGIN bob builder42", "an IMAP command: the third (#14)")])


def p_too_many_bad(P, t):
    c, _ = pop_greet(t, P["pop3"])
    c.send("".join("FOO %d\r\n" % i for i in range(14)))
    t.eq([c.line() for _ in range(4)], ["-ERR Unknown command."] * 3 +
         ["-ERR Too many invalid bad commands."], "14 bad commands before login (#14)")
    t.ok(c.closed(), "closed after the third")


def p_bad_after_login(P, t):
    # Dovecot's pop3 process: 20 failed commands in a row pass, the 21st ends the session.
    c = pop_login(t, P["pop3"])
    c.send("".join("FOO %d\r\n" % i for i in range(21)))
    got = [c.line() for _ in range(22)]
    t.eq(got, ["-ERR Unknown command: FOO"] * 21 + ["-ERR Too many bad commands."],
         "21 bad commands after login")
    t.ok(c.closed(), "closed")


def p_case(P, t):
    c, _ = pop_greet(t, P["pop3"])
    t.eq(c.pop("user bob"), "+OK", "user")
    t.eq(c.pop("pass builder42"), "+OK Logged in.", "pass")
    pop_stat(t, c)
    t.eq(c.pop("Quit"), "+OK Logging out.", "Quit")


def p_pipelining(P, t):
    c, _ = pop_greet(t, P["pop3"])
    c.send("USER bob\r\nPASS builder42\r\nSTAT\r\nLIST\r\nUIDL 1\r\nQUIT\r\n")
    t.eq([c.line(), c.line()], ["+OK", "+OK Logged in."], "USER, PASS in one write")
    stat = c.line()
    t.ok(re.match(r"^\+OK \d+ \d+$", stat), "STAT (%r)" % stat)
    t.starts(c.line(), "+OK ", "LIST")
    c.multi()
    t.starts(c.line(), "+OK 1 ", "UIDL 1")
    t.eq(c.line(), "+OK Logging out.", "QUIT")


def p_stls(P, ctx, t):
    c, _ = pop_greet(t, P["pop3"])
    t.eq(c.pop("STLS"), "+OK Begin TLS negotiation now.", "STLS")
    c.starttls(ctx)
    t.eq(c.pop("CAPA"), "+OK", "CAPA inside TLS")
    t.ok("STLS" not in c.multi(), "no STLS inside TLS")
    # Dovecot: "-ERR TLS is already active." (text only, not ranked).
    t.starts(c.pop("STLS"), "-ERR ", "STLS again")
    t.eq(c.pop("USER bob"), "+OK", "USER")
    t.eq(c.pop("PASS builder42"), "+OK Logged in.", "PASS")
    pop_stat(t, c)
    t.eq(c.pop("QUIT"), "+OK Logging out.", "QUIT")


def p_dele_no_quit_then_quit(P, t):
    c = pop_login(t, P["pop3"])
    n, _ = pop_stat(t, c)
    t.eq(c.pop("DELE 1"), "+OK Marked to be deleted.", "DELE 1")
    c.close()  # no QUIT: no UPDATE (RFC 1939 §6)
    time.sleep(0.3)
    c = pop_login(t, P["pop3"])
    t.eq(pop_stat(t, c)[0], n, "the client vanished without QUIT: nothing deleted")
    t.eq(c.pop("DELE 1"), "+OK Marked to be deleted.", "DELE 1")
    t.eq(c.pop("QUIT"), "+OK Logging out, messages deleted.", "QUIT")
    c = pop_login(t, P["pop3"])
    t.eq(pop_stat(t, c)[0], n - 1, "after DELE and QUIT: one less")
    t.eq(c.pop("QUIT"), "+OK Logging out.", "QUIT")


# ---- the run ---------------------------------------------------------------------------------

def run(name, fn, *args):
    """Runs one dialogue; returns its Tally (an exception is one failed check naming it)."""
    t = Tally(name)
    try:
        fn(*args, t)
    except Exception as e:  # noqa: BLE001 -- a broken dialogue is its own failure
        t.ok(False, "the dialogue broke: %s: %s" % (type(e).__name__, str(e)[:200]))
        if not isinstance(e, (Broken, OSError)):
            traceback.print_exc()
    return t


def report(t):
    for ok, what in t.results:
        check(ok, what)


def main():
    mailsim = mailsim_argument(__doc__, "peers")
    with tempfile.TemporaryDirectory(prefix="peers-test-") as tmp:
        ca = tmp + "/ca.pem"
        off = ["--port", "smtps=off", "--port", "pop3s=off"]
        with serve(mailsim, ["nine-steps", "--ca-out", ca, "--port", "submission=0",
                             "--port", "smtp=0", "--port", "pop3=0"] + off) as (_, r1), \
                serve(mailsim, ["starttls-all-hops", "--port", "submission=0", "--port", "smtp=off",
                                "--port", "pop3=off"] + off) as (_, r2), \
                serve(mailsim, ["apop", "--port", "submission=off", "--port", "smtp=0",
                                "--port", "pop3=off"] + off) as (_, r3):
            P = dict(r1["ports"])
            P["tlsreq"] = r2["ports"]["submission"]
            P["local"] = r3["ports"]["smtp"]
            # Each server has its own scenario CA; the one written is nine-steps'. The TLS
            # dialogues of the other server do not verify (the handshake is what they test).
            ctx = ssl.create_default_context(cafile=ca)
            loose = ssl.create_default_context()
            loose.check_hostname = False
            loose.verify_mode = ssl.CERT_NONE
            slow = [("too_many_errors", d_too_many_errors, P),
                    ("sub_auth_plain_bad", d_sub_auth_plain_bad, P),
                    ("sub_auth_login_bad", d_sub_auth_login_bad, P),
                    ("sub_auth_errors", d_sub_auth_errors, P),
                    ("tlsreq_full", d_tlsreq_full, P, loose)]
            results = {}
            threads = [threading.Thread(target=lambda d=d: results.__setitem__(d[0], run(*d)))
                       for d in slow]
            for th in threads:
                th.start()
            smtp = [("greeting", d_greeting), ("helo", d_helo), ("mail_normal", d_mail_normal),
                    ("relay_denied", d_relay_denied),
                    ("unknown_user_relay_domain", d_unknown_user_relay_domain),
                    ("mail_before_helo", d_mail_before_helo),
                    ("rcpt_before_mail", d_rcpt_before_mail),
                    ("data_without_rcpt", d_data_without_rcpt),
                    ("unknown_commands", d_unknown_commands), ("misc", d_misc),
                    ("pipelining", d_pipelining), ("pipelining_whole", d_pipelining_whole),
                    ("long_command", d_long_command), ("long_data_line", d_long_data_line),
                    ("8bitmime", d_8bitmime), ("size", d_size), ("size_actual", d_size_actual),
                    ("null_sender", d_null_sender), ("bad_sender_syntax", d_bad_sender_syntax),
                    ("bad_rcpt_syntax", d_bad_rcpt_syntax), ("many_rcpts", d_many_rcpts),
                    ("dot_stuffing", d_dot_stuffing), ("bare_lf_body", d_bare_lf_body),
                    ("smuggle_lf_dot_lf", d_smuggle_lf_dot_lf),
                    ("smuggle_lf_dot_crlf", d_smuggle_lf_dot_crlf),
                    ("bare_lf_command", d_bare_lf_command),
                    ("starttls_args", d_starttls_args),
                    ("starttls_plain_after", d_starttls_plain_after),
                    ("abort_mid_data", d_abort_mid_data),
                    ("unknown_user_local", d_unknown_user_local),
                    ("sub_ehlo", d_sub_ehlo), ("sub_noauth", d_sub_noauth),
                    ("sub_auth_plain", d_sub_auth_plain),
                    ("sub_auth_plain_2step", d_sub_auth_plain_2step),
                    ("sub_auth_login", d_sub_auth_login),
                    ("sub_auth_login_initial", d_sub_auth_login_initial),
                    ("sub_auth_before_ehlo", d_sub_auth_before_ehlo),
                    ("sub_auth_in_transaction", d_sub_auth_in_transaction),
                    ("sub_rcpts_after_auth", d_sub_rcpts_after_auth),
                    ("tlsreq_before_tls", d_tlsreq_before_tls)]
            for name, fn in smtp:
                report(run(name, fn, P))
            for name, fn in (("starttls_ok", d_starttls_ok),
                             ("starttls_injection", d_starttls_injection),
                             ("sub_starttls_auth", d_sub_starttls_auth)):
                report(run(name, fn, P, ctx))
            time.sleep(2.0)  # the messages travel mx.b -> mail.b -> bob's mailbox
            pop = [("p_greeting", p_greeting), ("p_capa", p_capa), ("p_pass_bad", p_pass_bad),
                   ("p_apop", p_apop), ("p_transaction", p_transaction),
                   ("p_dele_rset", p_dele_rset), ("p_wrong_state", p_wrong_state),
                   ("p_unknown", p_unknown), ("p_too_many_bad", p_too_many_bad),
                   ("p_bad_after_login", p_bad_after_login), ("p_case", p_case),
                   ("p_pipelining", p_pipelining)]
            for name, fn in pop:
                report(run(name, fn, P))
            report(run("p_stls", p_stls, P, ctx))
            report(run("p_dele_quit", p_dele_no_quit_then_quit, P))
            for th in threads:
                th.join(60)
            for d in slow:
                t = results.get(d[0])
                if t is None:
                    check(False, "%s: the dialogue did not finish within 60 s" % d[0])
                else:
                    report(t)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
