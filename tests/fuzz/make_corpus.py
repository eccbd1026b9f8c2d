#!/usr/bin/env python3
"""make_corpus: writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

Real dialogues come from `mailsim run SCENARIO --format jsonl` (the bytes of every SMTP and
POP3 connection, and the plaintext inside TLS); hand-written ones add what the scenarios do
not show (AUTH as the fuzz hooks accept it, CRAM-MD5 with the right digest, abuse). Each file
starts with the option bytes its target reads (see the comment at the top of each fuzz_*.c).

    tests/fuzz/make_corpus.py build/app/mailsim

Run it again after a change of the targets' input format; review the diff like code.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
MAX_FILE = 8192  # seeds stay small; the fuzzers grow them
MAX_PER_SOURCE = 36  # seeds taken from scenario runs per target

SCENARIOS = ["nine-steps", "retry-and-bounce", "open-relay", "relay-restricted", "smtp-auth-587",
             "pop-before-smtp", "sniff-plaintext", "apop", "smtps-one-hop", "starttls-all-hops",
             "pop3s", "starttls-stripping"]


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data[:MAX_FILE] if target != "fuzz_scenario" else data)


def dialogues(mailsim):
    """(scenario, conn, proto, [(side, bytes)]) for every connection, plaintext only."""
    out = []
    for sc in SCENARIOS:
        text = subprocess.run([mailsim, "run", sc, "--format", "jsonl"], check=True,
                              capture_output=True).stdout.decode()
        conns = {}
        for line in text.splitlines():
            ev = json.loads(line)
            if ev["kind"] == "connect":
                conns[ev["conn"]] = (ev["proto"], [])
            elif ev["kind"] in ("data", "plain") and ev["conn"] in conns:
                if ev.get("tls"):
                    continue  # records; their plaintext comes as "plain" events
                raw = ev["text"].encode() if "text" in ev else base64.b64decode(ev["text_b64"])
                conns[ev["conn"]][1].append((ev["from"], raw))
        for conn, (proto, segs) in sorted(conns.items()):
            if segs:
                out.append((sc, conn, proto, segs))
    return out


def side(segs, who):
    return b"".join(raw for s, raw in segs if s == who)


def sniff_segments(segs):
    """fuzz_message's sniff format: each segment led by (len - 1) << 1 | side."""
    out = b""
    for s, raw in segs:
        for i in range(0, len(raw), 120):
            part = raw[i:i + 120]
            out += bytes([((len(part) - 1) << 1) | (1 if s == "server" else 0)]) + part
    return out


def take(items, limit=MAX_PER_SOURCE):
    seen, kept = set(), []
    for name, data in items:
        h = hashlib.sha1(data).hexdigest()
        if h not in seen:
            seen.add(h)
            kept.append((name, data))
    return kept[:limit]


def cram(challenge, secret):
    return hmac.new(secret.encode(), challenge.encode(), hashlib.md5).hexdigest()


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


def main():
    mailsim = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/app/mailsim")
    dl = dialogues(mailsim)
    smtp = [d for d in dl if d[2] in ("smtp", "submission", "smtps")]
    pop = [d for d in dl if d[2] in ("pop3", "pop3s")]

    # ---- SMTP server: client bytes. Options: config, cut, hooks. ----
    items = []
    for i, (sc, conn, proto, segs) in enumerate(smtp):
        cfg = 0x10 if proto != "smtps" else 0x30
        items.append((f"{sc}-{conn}", bytes([cfg, i % 8, 0]) + side(segs, "client")))
    for name, data in take(items):
        write("fuzz_smtp_server", name, data)
    chal = "<1896.697170952@mx.example.net>"
    cram_ok = b64("alice " + cram(chal, "secret"))
    txn = b"MAIL FROM:<a@a.example> SIZE=100 BODY=8BITMIME\r\nRCPT TO:<b@b.example>\r\n" \
          b"RCPT TO:<Postmaster>\r\nDATA\r\nSubject: hi\r\n\r\n..dot\r\nbare\nlf\r\n.\r\nQUIT\r\n"
    hand = {
        "auth-plain": b"EHLO c\r\nAUTH PLAIN " + b64("\0alice\0secret").encode() + b"\r\n" + txn,
        "auth-plain-334": b"EHLO c\r\nAUTH PLAIN\r\n" + b64("admin\0alice\0secret").encode() + b"\r\n",
        "auth-login": b"EHLO c\r\nAUTH LOGIN\r\n" + b64("alice").encode() + b"\r\n" +
                      b64("secret").encode() + b"\r\nAUTH LOGIN\r\n" + txn,
        "auth-login-initial": b"EHLO c\r\nAUTH LOGIN " + b64("alice").encode() + b"\r\n*\r\n",
        "auth-cram": b"EHLO c\r\nAUTH CRAM-MD5\r\n" + cram_ok.encode() + b"\r\n" + txn,
        "auth-bad": b"EHLO c\r\nAUTH PLAIN ====\r\nAUTH PLAIN =\r\nAUTH CRAM-MD5 xx\r\nAUTH X\r\n",
        "starttls": b"EHLO c\r\nSTARTTLS\r\nEHLO c\r\nAUTH PLAIN " +
                    b64("\0alice\0secret").encode() + b"\r\n" + txn,
        "pipelined-starttls": b"EHLO c\r\nSTARTTLS\r\nMAIL FROM:<x@y.z>\r\n",
        "helo-rset": b"HELO x\r\nHELO c\r\nRSET\r\nNOOP\r\nVRFY a\r\nHELP\r\nMAIL FROM:<>\r\n"
                     b"RCPT TO:<n@b.example>\r\nRCPT TO:<@r.example:b@b.example>\r\nDATA x\r\n"
                     b"DATA\r\n\r\n.\r\n",
        "smuggling": b"EHLO c\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nDATA\r\n"
                     b"x\n.\nMAIL FROM:<evil@x.example>\r\n\r.\r\n.\r\n",
        "abuse": b"NOOP\n\0\r\nEHLO " + b"a" * 600 + b"\r\nMAIL FROM:<" + b"b" * 300 + b">\r\n"
                 b"RCPT TO:<b@b.example> X=1\r\nMAIL FROM:<a@a> SIZE=99999999999999999999\r\n",
        "many-rcpts": b"EHLO c\r\nMAIL FROM:<a@a.example>\r\n" +
                      b"".join(b"RCPT TO:<r%d@b.example>\r\n" % i for i in range(6)) + b"DATA\r\n"
                      + b"x" * 1200 + b"\r\n.\r\n",
    }
    for i, (name, data) in enumerate(hand.items()):
        cfg = {"starttls": 0x18, "pipelined-starttls": 0x10, "many-rcpts": 0x07}.get(name, 0)
        write("fuzz_smtp_server", name, bytes([cfg, (i * 3) % 8, 0x01 if i % 2 else 0]) + data)

    # ---- SMTP client: server bytes. Config: pipelining, STARTTLS, mechanism. ----
    items = []
    for i, (sc, conn, proto, segs) in enumerate(smtp):
        server = side(segs, "server")
        mech = 1 if b"AUTH" in side(segs, "client") else 0
        tls = 0x02 if b"STARTTLS" in server else 0
        items.append((f"{sc}-{conn}", bytes([0x01 | tls | mech << 3, i % 8, 0]) + server))
    for name, data in take(items):
        write("fuzz_smtp_client", name, data)
    g = b"220 mx.b.example ESMTP\r\n"
    ehlo = b"250-mx.b.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n" \
           b"250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
    ok = b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n" \
         b"250 2.0.0 queued\r\n221 bye\r\n"
    hand = {
        "plain": (0x09, g + ehlo + b"235 2.7.0 ok\r\n" + ok),
        "login": (0x11, g + ehlo + b"334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n" + ok),
        "cram": (0x19, g + ehlo + b"334 " + b64(chal).encode() + b"\r\n235 ok\r\n" + ok),
        "starttls": (0x03, g + ehlo + b"220 2.0.0 Ready\r\n" + ehlo + ok),
        "helo-fallback": (0x20, g + b"502 no\r\n250 ok\r\n250 ok\r\n550 no\r\n250 ok\r\n"
                          b"250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n"),
        "rejects": (0x21, g + ehlo + b"250 ok\r\n550 5.1.1 no\r\n451 later\r\n552 big\r\n"
                    b"503 no\r\n250 ok\r\n250 ok\r\n354 go\r\n554 no\r\n221 bye\r\n"),
        "421": (0x01, g + ehlo + b"421 4.3.2 shutting down\r\n"),
        "garbage": (0x01, g + b"250-a\r\n251 b\r\n99 x\r\n"),
        "greeting-554": (0x00, b"554 go away\r\n221 bye\r\n"),
    }
    for i, (name, (cfg, data)) in enumerate(hand.items()):
        write("fuzz_smtp_client", name, bytes([cfg, (i * 5) % 8, i % 4]) + data)

    # ---- POP3 server: client bytes. Config: APOP, USER/PASS, STLS. ----
    items = []
    for i, (sc, conn, proto, segs) in enumerate(pop):
        items.append((f"{sc}-{conn}", bytes([0x07, i % 8, 0x10 if i % 3 == 0 else 0]) +
                       side(segs, "client")))
    for name, data in take(items):
        write("fuzz_pop3_server", name, data)
    ts = "<1896.697170952@dbc.mtview.ca.us>"
    apop = hashlib.md5((ts + "secret").encode()).hexdigest().encode()
    session = b"STAT\r\nLIST\r\nLIST 2\r\nUIDL\r\nUIDL 3\r\nRETR 1\r\nRETR 2\r\nTOP 3 1\r\n" \
              b"TOP 1 0\r\nDELE 1\r\nRETR 1\r\nRSET\r\nDELE 2\r\nNOOP\r\nCAPA\r\nQUIT\r\n"
    hand = {
        "user-pass": (0x02, b"CAPA\r\nUSER alice\r\nPASS secret\r\n" + session),
        "apop": (0x01, b"APOP alice " + apop + b"\r\n" + session),
        "stls": (0x07, b"CAPA\r\nSTLS\r\nUSER alice\r\nPASS secret\r\n" + session),
        "locked": (0x83, b"USER locked\r\nPASS secret\r\nUSER alice\r\nPASS secret\r\nDELE 1\r\nQUIT\r\n"),
        "bad": (0x12, b"USER\r\nPASS x\r\nAPOP a b\r\nRETR 18446744073709551617\r\nFOO\r\n\0\r\n"
                b"USER alice\r\nPASS wrong\r\n" + b"x" * 600 + b"\r\n"),
        "lf": (0x0a, b"USER alice\nPASS secret\nRETR 1\nQUIT\n"),
        "policy": (0x42, b"USER alice\r\nPASS secret\r\nDELE 1\r\nTOP 1 2\r\nQUIT\r\n"),
        "big": (0x02, b"USER alice\r\nPASS secret\r\n" + b"RETR 6\r\n" * 4 + b"QUIT\r\n"),
    }
    for i, (name, (cfg, data)) in enumerate(hand.items()):
        hooks = 0x10 if name == "big" else (i % 2) << 2
        write("fuzz_pop3_server", name, bytes([cfg, (i * 3) % 8, hooks]) + data)

    # ---- POP3 client: server bytes. Config: APOP, DELE, CAPA, UIDL, STLS. ----
    items = []
    for i, (sc, conn, proto, segs) in enumerate(pop):
        client = side(segs, "client")
        cfg = (0x01 if b"APOP" in client else 0) | (0x04 if b"CAPA" in client else 0) | \
              (0x10 if b"STLS" in client else 0) | (0x08 if b"UIDL" in client else 0) | \
              (0x02 if b"DELE" in client else 0)
        items.append((f"{sc}-{conn}", bytes([cfg, i % 8, 0]) + side(segs, "server")))
    for name, data in take(items):
        write("fuzz_pop3_client", name, data)
    greet = ("+OK POP3 ready " + ts + "\r\n").encode()
    msg = b"+OK 44 octets\r\nSubject: x\r\n\r\n..dot\r\n.\r\n"
    hand = {
        "user": (0x00, greet + b"+OK\r\n+OK\r\n+OK 2 88\r\n" + msg + msg + b"+OK bye\r\n"),
        "apop-uidl-dele": (0x0b, greet + b"+OK\r\n+OK 2 88\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n" + msg +
                           b"+OK\r\n" + msg + b"+OK\r\n+OK bye\r\n"),
        "capa-stls": (0x14, greet + b"+OK\r\n+OK\r\nCAPA\r\nSTLS\r\n.\r\n+OK\r\n+OK\r\n+OK 0 0\r\n+OK\r\n"),
        "required-tls-refused": (0x30, greet + b"-ERR no\r\n+OK\r\n"),
        "errors": (0x00, greet + b"-ERR [AUTH] no\r\n+OK\r\n"),
        "stat-huge": (0x40, greet + b"+OK\r\n+OK\r\n+OK 18446744073709551615 1\r\n+OK\r\n" +
                      b"x" * 100 + b"\r\n.\r\n-ERR\r\n"),
        "bad-lines": (0x00, b"+OKAY\r\n" + b"+OK " + b"y" * 600 + b"\r\n"),
    }
    for i, (name, (cfg, data)) in enumerate(hand.items()):
        write("fuzz_pop3_client", name, bytes([cfg, (i * 3) % 8, i % 4]) + data)

    # ---- scenario: every bundled scenario and every malformed one. Option bit 0: run it. ----
    sdir = os.path.join(ROOT, "scenarios")
    for f in sorted(os.listdir(sdir)):
        if f.endswith(".json") and "schema" not in f and f != "load-100k.json":
            with open(os.path.join(sdir, f), "rb") as fh:
                write("fuzz_scenario", f, b"\x01" + fh.read())
    bdir = os.path.join(ROOT, "tests", "bad-scenarios")
    bad = sorted(f for f in os.listdir(bdir) if f.endswith(".json"))
    for f in bad[:40]:
        with open(os.path.join(bdir, f), "rb") as fh:
            write("fuzz_scenario", "bad-" + f, b"\x00" + fh.read())

    # ---- message: texts from DATA and RETR (mode 0), build parts (1), dialogues (2, 3). ----
    items = []
    for sc, conn, proto, segs in smtp:
        client = side(segs, "client")
        start = client.find(b"DATA\r\n")
        if start >= 0:
            body = client[start + 6:]
            end = body.find(b"\r\n.\r\n")
            items.append((f"read-{sc}-{conn}", b"\x00" + body[:end + 2 if end >= 0 else None]))
    for name, data in take(items, 12):
        write("fuzz_message", name, data)
    items = []
    for sc, conn, proto, segs in smtp + pop:
        mode = 0x02 if proto in ("smtp", "submission", "smtps") else 0x03
        items.append((f"sniff-{sc}-{conn}", bytes([mode]) + sniff_segments(segs)))
    for name, data in take(items, 16):
        write("fuzz_message", name, data)
    parts = {
        "build-ascii": [b"Alice <alice@a.example>", b"bob@b.example", b"Hello there",
                        b"line one\nline two\r\n.dot\r", b"x-value folded " * 8, b"m1", b"\0\0\0\0\x69\xcc\x2c\x00\x02\x1c", b"X-Other"],
        "build-utf8": [b"a@a.example", b"b@b.example", "明日の打ち合わせ / Tomorrow's meeting".encode(),
                       "本文\n".encode(), b"v", b"id", b"\0\0\0\0\0\0\0\0", b"Subject"],
        "build-eqq": [b"a@a.example", b"b@b.example", b"=?UTF-8?B?YQ==?= literal", b"", b"  spaced  ",
                      b"bad id", b"\xff\xff\xff\xff\xff\xff\xff\xff\x80\x00", b"Bad:Name"],
        "received-v6": [b"client.example", b"rdns.example", b"2001:db8::1", b"body", b"QID123",
                        b"<b@b.example>", b"\0\0\0\0\0\0\0\1", b"X"],
    }
    for i, (name, p) in enumerate(parts.items()):
        write("fuzz_message", name, bytes([0x01 | (0x3c if i % 2 else 0x14)]) + b"\0".join(p))
    hand = {
        "read-words": b"\x00Subject: =?ISO-8859-1?Q?Andr=E9?= =?utf-8?b?44GC?=\r\n =?us-ascii*en?q?a_b?=\r\n"
                      b"From: x\r\nDate: now\r\n\r\nbody\r\n",
        "read-broken": b"\x00 cont\r\nNoColon\r\n: empty\r\nSubject: =?UTF-8?B?###?=\r\n\n\rbody\0",
        "read-lf": b"\x00From: a\nSubject: b\n\tfolded\n\nbody\n",
    }
    for name, data in hand.items():
        write("fuzz_message", name, data)

    # ---- SASL: AUTH responses seen on the wire, and made here. ----
    items = []
    for sc, conn, proto, segs in smtp:
        for line in side(segs, "client").split(b"\r\n"):
            words = line.split(b" ")
            if len(words) == 3 and words[0] == b"AUTH":
                items.append((f"{sc}-{conn}", bytes([0x04]) + words[2]))
    for name, data in take(items, 8):
        write("fuzz_sasl", name, data)
    hand = {
        "plain": (0x00, b64("\0alice\0secret")),
        "plain-authzid": (0x04, b64("admin\0alice\0secret")),
        "plain-3nul": (0x00, b64("a\0b\0c\0d")),
        "login": (0x01, b64("alice") + "\n" + b64("secret")),
        "login-initial": (0x05, b64("alice") + "\n" + b64("secret")),
        "login-cancel": (0x01, "*"),
        "cram": (0x02, b64("alice " + cram(chal, "secret"))),
        "cram-upper": (0x02, b64("a b c " + cram(chal, "x").upper())),
        "cram-initial": (0x06, "x"),
        "empty": (0x04, "="),
        "bad-pad": (0x00, "YQ=a"),
        "bits": (0x00, "YR=="),
        "long": (0x01, b64("u" * 300)),
        "mech-name": (0x00, "CRAM-MD5"),
    }
    for name, (opt, text) in hand.items():
        write("fuzz_sasl", name, bytes([opt]) + text.encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
