#!/usr/bin/env python3
"""serve_test.py: live mode driven by real mail clients nobody here wrote.

Usage: serve_test.py MAILSIM

Starts `mailsim serve --no-gui` on free loopback ports (the ready line says which) with the
scenario CA written by --ca-out, short timeouts and a connection cap, then:

  send     Python smtplib: STARTTLS + AUTH on submission, and a wrong password refused with 535;
           smtplib over SMTPS (CA verified, name localhost); swaks with AUTH PLAIN in the clear
           and again with STARTTLS; msmtp (STARTTLS, CA verified); curl smtp:// with --ssl-reqd
           and curl smtps://. Every message has a body line that starts with a dot.
  fetch    curl pop3:// and pop3s:// (RETR without DELE); Python poplib with USER/PASS, with
           APOP, and over POP3S; mpop over POP3S (CA verified) into an mbox. Each fetched
           message must be exactly what was sent, after the lines the servers put on top
           (Return-Path, Delivered-To, and one Received per hop, at least four).
  steps    the JSONL trace written at exit holds steps 1 to 8 for each message a real client
           sent (mail ids live1, live2, ...), on the live hosts' connections.
  limits   500 idle connections held at once and all greeted, and a new client still served;
           a slowloris client (a command line never finished) cut off with 421 after the
           command timeout; a 10 MB line and NUL bytes answered with 500 replies, the server
           alive afterwards; over the connection cap, 421 4.7.0.

Prints "serve_test: N passed, N failed" and exits 1 on any failure.
"""

import email
import json
import mailbox
import os
import poplib
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from checks import Checks

check = Checks("serve_test", verbose=True)


def message(n, subject):
    return ("From: Alice <alice@a.example>\r\nTo: bob@b.example\r\nSubject: %s\r\n"
            "Message-ID: <real-%d@a.example>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0900\r\n"
            "\r\nHello from a real client (%s).\r\n.this line starts with a dot\r\n"
            "..and this one with two\r\nBye.\r\n" % (subject, n, subject))


def run(cmd, what, stdin=None):
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "%s exits 0%s" % (what, "" if p.returncode == 0 else
                                                ": " + (p.stderr or p.stdout).strip()[-300:]))
    return p


def strip_trace(fetched):
    """The fetched message without the lines servers added on top; and the Received count."""
    lines = fetched.split("\r\n")
    received = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Received:"):
            received += 1
        elif line.startswith("Return-Path:") or line.startswith("Delivered-To:"):
            pass
        elif line[:1] in (" ", "\t") and i > 0:
            pass
        else:
            break
        i += 1
    return "\r\n".join(lines[i:]), received


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    mailsim = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="serve-test-")
    ca = os.path.join(tmp, "ca.pem")
    args = [mailsim, "serve", "--no-gui", "--ca-out", ca, "--idle-timeout", "20",
            "--command-timeout", "2", "--max-connections", "520", "--format", "jsonl"]
    for svc in ("submission", "smtps", "smtp", "pop3", "pop3s"):
        args += ["--port", svc + "=0"]
    trace_path = os.path.join(tmp, "trace.jsonl")
    out = open(trace_path, "w")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = json.loads(proc.stdout.readline())
    P = ready["ports"]
    check(ready.get("ready") is True and set(P) == {"submission", "smtps", "smtp", "pop3", "pop3s"},
          "the ready line lists the five services (%s)" % P)
    acct = {a["user"]: a for a in ready["accounts"]}
    check(acct.get("alice", {}).get("password") == "wonderland" and "bob" in acct,
          "the ready line lists the accounts")
    ctx = ssl.create_default_context(cafile=ca)
    sent = {}

    # ---- send ----
    s = smtplib.SMTP("localhost", P["submission"], timeout=10)
    s.starttls(context=ctx)
    s.login("alice", "wonderland")
    sent[1] = message(1, "smtplib STARTTLS")
    s.sendmail("alice@a.example", ["bob@b.example"], sent[1])
    s.quit()
    check(True, "smtplib: STARTTLS (CA verified) + AUTH + a message")
    try:
        s = smtplib.SMTP("localhost", P["submission"], timeout=10)
        s.starttls(context=ctx)
        s.login("alice", "not-her-password")
        check(False, "smtplib: a wrong password is refused")
    except smtplib.SMTPAuthenticationError as e:
        check(e.smtp_code == 535, "smtplib: a wrong password is refused (%d %s)" %
              (e.smtp_code, e.smtp_error.decode()))
    s = smtplib.SMTP_SSL("localhost", P["smtps"], context=ctx, timeout=10)
    s.login("alice", "wonderland")
    sent[2] = message(2, "smtplib SMTPS")
    s.sendmail("alice@a.example", ["bob@b.example"], sent[2])
    s.quit()
    check(True, "smtplib: SMTPS on the smtps port, CA verified, AUTH + a message")

    for n, tls in ((3, []), (4, ["--tls", "--tls-verify", "--tls-ca-path", ca])):
        sent[n] = message(n, "swaks " + ("STARTTLS" if tls else "plain"))
        path = os.path.join(tmp, "m%d.eml" % n)
        with open(path, "w", newline="") as f:
            f.write(sent[n])
        run(["swaks", "--server", "localhost:%d" % P["submission"], "--from", "alice@a.example",
             "--to", "bob@b.example", "--auth", "PLAIN", "--auth-user", "alice",
             "--auth-password", "wonderland", "--data", "@" + path] + tls,
            "swaks AUTH PLAIN" + (" with STARTTLS" if tls else ""))

    sent[5] = message(5, "msmtp")
    run(["msmtp", "--host=localhost", "--port=%d" % P["submission"], "--auth=on",
         "--user=alice", "--passwordeval=echo wonderland", "--tls=on", "--tls-starttls=on",
         "--tls-trust-file=" + ca, "--from=alice@a.example", "bob@b.example"],
        "msmtp (STARTTLS, CA verified)", stdin=sent[5])

    for n, url, extra in ((6, "smtp://localhost:%d" % P["submission"], ["--ssl-reqd"]),
                          (7, "smtps://localhost:%d" % P["smtps"], [])):
        sent[n] = message(n, "curl " + url.split(":")[0])
        path = os.path.join(tmp, "m%d.eml" % n)
        with open(path, "w", newline="") as f:
            f.write(sent[n])
        run(["curl", "-sS", "--url", url, "--mail-from", "alice@a.example", "--mail-rcpt",
             "bob@b.example", "--upload-file", path, "--user", "alice:wonderland", "--cacert", ca]
            + extra, "curl " + url.split(":")[0] + "://")

    # ---- the mail travels the simulated servers ----
    time.sleep(1.5)

    # ---- fetch ----
    by_id = {}

    def keep(raw, who):
        msg = email.message_from_string(raw)
        mid = msg.get("Message-ID", "")
        try:
            n = int(mid.split("-")[1].split("@")[0])
        except (IndexError, ValueError):
            check(False, "%s: a message with a Message-ID of ours (%r)" % (who, mid))
            return
        by_id.setdefault(n, raw)

    c = run(["curl", "-sS", "pop3://localhost:%d/1" % P["pop3"], "--user", "bob:builder42"],
            "curl pop3:// RETR 1")
    keep(c.stdout.replace("\n", "\r\n").replace("\r\r\n", "\r\n"), "curl pop3")
    c = run(["curl", "-sS", "pop3s://localhost:%d/" % P["pop3s"], "--user", "bob:builder42",
             "--cacert", ca], "curl pop3s:// LIST")
    check(len([l for l in c.stdout.splitlines() if l.strip()]) == len(sent),
          "curl pop3s:// lists %d messages" % len(sent))

    p = poplib.POP3("localhost", P["pop3"], timeout=10)
    p.user("bob")
    p.pass_("builder42")
    count, _ = p.stat()
    check(count == len(sent), "poplib USER/PASS: STAT says %d messages (sent %d)" % (count, len(sent)))
    for i in range(1, count + 1):
        _, lines, _ = p.retr(i)
        keep("\r\n".join(l.decode("utf-8") for l in lines) + "\r\n", "poplib")
    p.quit()
    p = poplib.POP3("localhost", P["pop3"], timeout=10)
    p.apop("bob", "builder42")
    check(p.stat()[0] == len(sent), "poplib APOP login and STAT")
    p.quit()
    p = poplib.POP3_SSL("localhost", P["pop3s"], context=ctx, timeout=10)
    p.user("bob")
    p.pass_("builder42")
    check(p.stat()[0] == len(sent), "poplib over POP3S (CA verified) and STAT")
    p.quit()

    mbox_path = os.path.join(tmp, "bob.mbox")
    open(mbox_path, "w").close()
    run(["mpop", "--host=localhost", "--port=%d" % P["pop3s"], "--auth=user", "--user=bob",
         "--passwordeval=echo builder42", "--tls=on", "--tls-starttls=off",
         "--tls-trust-file=" + ca, "--keep=on", "--delivery=mbox," + mbox_path,
         "--uidls-file=" + os.path.join(tmp, "uidls")],
        "mpop over POP3S (CA verified)")
    check(len(mailbox.mbox(mbox_path)) == len(sent),
          "mpop delivered %d messages into the mbox" % len(mailbox.mbox(mbox_path)))

    for n, raw in sorted(sent.items()):
        got = by_id.get(n)
        if got is None:
            check(False, "message %d was fetched" % n)
            continue
        body, received = strip_trace(got)
        if n in (3, 4) and body == raw + "\r\n":
            body = raw  # swaks --data ends the message with one more empty line of its own
        check(body == raw and received >= 4,
              "message %d: fetched = sent (dot lines intact) + %d Received lines" % (n, received))

    # ---- limits ----
    idle = []
    for _ in range(500):
        k = socket.create_connection(("127.0.0.1", P["smtp"]))
        idle.append(k)
    greeted = 0
    for k in idle:
        k.settimeout(10)
        if k.recv(512).startswith(b"220 "):
            greeted += 1
    check(greeted == 500, "500 idle connections held, %d greeted with 220" % greeted)
    over = [socket.create_connection(("127.0.0.1", P["smtp"])) for _ in range(25)]
    replies = []
    for k in over:
        k.settimeout(10)
        replies.append(k.recv(512))
    check(any(r.startswith(b"421 4.7.0") for r in replies),
          "over the connection cap: 421 4.7.0 Error: too many connections")
    for k in idle + over:
        k.close()
    time.sleep(0.5)
    s = smtplib.SMTP("localhost", P["smtp"], timeout=10)
    check(s.ehlo()[0] == 250, "after the crowd left, a new client is served")
    s.quit()

    k = socket.create_connection(("127.0.0.1", P["smtp"]))
    k.settimeout(10)
    k.recv(512)
    k.sendall(b"EHLO slow")
    t0 = time.time()
    data = b""
    while True:
        chunk = k.recv(512)
        if not chunk:
            break
        data += chunk
    check(data.startswith(b"421 4.4.2") and 1.5 < time.time() - t0 < 6,
          "slowloris: an unfinished line is cut off with 421 after %.1f s" % (time.time() - t0))
    k.close()

    k = socket.create_connection(("127.0.0.1", P["smtp"]))
    k.settimeout(20)
    k.recv(512)
    k.sendall(b"EHLO x\r\n")
    k.recv(4096)
    k.sendall(b"NOOP \x00 nul\r\n")
    r1 = k.recv(512)
    big = b"A" * (10 * 1024 * 1024) + b"\r\n"
    k.sendall(big)
    r2 = b""
    while b"\r\n" not in r2:
        chunk = k.recv(512)
        if not chunk:
            break
        r2 += chunk
    check(r1.startswith(b"500 5.5.2"), "NUL bytes answered: %r" % r1.strip())
    check(r2.startswith(b"500 5.5.2"), "a 10 MB line answered: %r" % r2.strip()[:60])
    k.close()
    s = smtplib.SMTP("localhost", P["smtp"], timeout=10)
    check(s.noop()[0] == 250, "the server survived the 10 MB line and the NUL bytes")
    s.quit()

    # ---- stop; the trace ----
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, "SIGTERM: mailsim serve exits 0 (%s)" % err.strip()[-200:])
    out.write(rest)
    out.close()
    events = [json.loads(l) for l in rest.splitlines() if l.startswith("{")]
    steps = {}
    for e in events:
        if e.get("kind") == "step" and e.get("mail", "").startswith("live"):
            steps.setdefault(e["mail"], set()).add(e["n"])
    full = [m for m, ns in steps.items() if set(range(1, 9)) <= ns]
    check(len(full) >= len(sent), "the trace marks steps 1-8 for %d live mails (sent %d)" %
          (len(full), len(sent)))
    live_window(mailsim, tmp)
    return check.summary()


def live_window(mailsim, tmp):
    """The window follows live: under Xvfb, serve opens it (no --no-gui), a real client's mail
    goes through, and the window's F12 screenshot shows the live host that played the client."""
    disp = ":%d" % (120 + os.getpid() % 60)
    xvfb = subprocess.Popen(["Xvfb", disp, "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.7)
        env = dict(os.environ, DISPLAY=disp, WAYLAND_DISPLAY="", LANG="C")
        proc = subprocess.Popen([mailsim, "serve", "--port", "submission=0", "--port", "smtps=off",
                                 "--port", "smtp=off", "--port", "pop3=0", "--port", "pop3s=off",
                                 "--format", "summary"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=tmp)
        ready = json.loads(proc.stdout.readline())
        P = ready["ports"]
        s = smtplib.SMTP("localhost", P["submission"], timeout=10)
        s.login("alice", "wonderland")
        s.sendmail("alice@a.example", ["bob@b.example"], message(99, "live window"))
        s.quit()
        time.sleep(2.5)
        shots = set(os.listdir(tmp))
        subprocess.run(["xdotool", "key", "F12"], env=env, capture_output=True, timeout=20)
        time.sleep(1.0)
        new = [f for f in set(os.listdir(tmp)) - shots if f.endswith(".png")]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        check(proc.returncode == 0 and "without a window" not in err,
              "with a display, serve runs in its window and exits 0 on SIGTERM (%s)" % err.strip()[-200:])
        summary = json.loads(out.strip().splitlines()[-1])
        check(summary.get("messages_delivered") == 1,
              "the real client's mail was delivered while the window played (%s)" % summary)
        check(len(new) == 1 and os.path.getsize(os.path.join(tmp, new[0])) > 20000,
              "F12 in the live window wrote a screenshot (%s)" % new)
    finally:
        xvfb.kill()


if __name__ == "__main__":
    sys.exit(main())
