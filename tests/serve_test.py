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
  window   under Xvfb, serve opens its window, a real client's mail goes through, F12 writes a
           screenshot. A mailsim built without the window (-DMAILSIM_GUI=OFF, `--version` says
           "gui: no") has no window to check: instead, with a display named, it says why it
           serves without one, and a real client's mail still goes through.

A failure counts only itself. Each client and each phase is guarded: an exception (smtplib
raising because the server refused, a client missing) becomes one FAIL line naming it, and the
test goes on. A client that failed sent nothing, so the counts after it (LIST, STAT, mpop,
fetched = sent, the trace's steps) are compared with the messages the server really accepted.

Every process started here (the two servers, Xvfb) runs in a process group of its own and is
ended on every way out: a failure, an exception, SIGINT or SIGTERM (raised as SystemExit, so
the clean-ups run), and on Linux the test's own death by SIGKILL (the parent-death signal).
The temporary directory is kept only when a check failed, for a look at trace.jsonl.

Prints "serve_test: N passed, N failed" and exits 1 on any failure (128+N on signal N).
"""

import contextlib
import email
import json
import mailbox
import os
import poplib
import select
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from checks import Checks
from serve_proc import mailsim_argument, ready_line, started

check = Checks("serve_test", verbose=True)


def message(n, subject):
    return ("From: Alice <alice@a.example>\r\nTo: bob@b.example\r\nSubject: %s\r\n"
            "Message-ID: <real-%d@a.example>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0900\r\n"
            "\r\nHello from a real client (%s).\r\n.this line starts with a dot\r\n"
            "..and this one with two\r\nBye.\r\n" % (subject, n, subject))


def skip(what, why):
    """A check that cannot be made because something already counted as failed; not counted."""
    print("skip %s (%s)" % (what, why))
    sys.stdout.flush()


def run(cmd, what, stdin=None):
    """Runs a client to the end (subprocess.run kills it on a timeout or an interrupt)."""
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "%s exits 0%s" % (what, "" if p.returncode == 0 else
                                                ": " + (p.stderr or p.stdout).strip()[-300:]))
    return p


@contextlib.contextmanager
def guarded(what):
    """An exception in the block becomes one failed check naming WHAT and the exception, and the
    test goes on after the block. SIGINT and SIGTERM raise SystemExit, which is no Exception:
    they pass through to the clean-ups."""
    try:
        yield
    except Exception as e:  # whatever it is, it is the failure to report
        check(False, "%s: %s: %s" % (what, type(e).__name__, str(e).strip()[-300:]))


# ---- the checks ----------------------------------------------------------------------------

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
    mailsim = mailsim_argument(__doc__, "serve_test")
    if os.sep in mailsim:
        mailsim = os.path.abspath(mailsim)  # the window's serve runs in the temporary directory
    tmp = tempfile.mkdtemp(prefix="serve-test-")
    try:
        with guarded("live mode"):
            live(mailsim, tmp)
        if has_window(mailsim):
            with guarded("live window"):
                live_window(mailsim, tmp)
        else:
            print("left out: the live window under Xvfb (this mailsim was built without the "
                  "window, MAILSIM_GUI=OFF); checking that it serves without one instead")
            with guarded("live without a window"):
                live_no_window(mailsim, tmp)
    finally:
        if check.failed:
            print("serve_test: files kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


def live(mailsim, tmp):
    """The headless server and the clients: send, fetch, limits, stop and the trace."""
    ca = os.path.join(tmp, "ca.pem")
    args = [mailsim, "serve", "--no-gui", "--ca-out", ca, "--idle-timeout", "20",
            "--command-timeout", "2", "--max-connections", "520", "--format", "jsonl"]
    for svc in ("submission", "smtps", "smtp", "pop3", "pop3s"):
        args += ["--port", svc + "=0"]
    with started(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        ready = ready_line(proc)
        P = ready["ports"]
        check(ready.get("ready") is True and
              set(P) == {"submission", "smtps", "smtp", "pop3", "pop3s"},
              "the ready line lists the five services (%s)" % P)
        acct = {a["user"]: a for a in ready["accounts"]}
        check(acct.get("alice", {}).get("password") == "wonderland" and "bob" in acct,
              "the ready line lists the accounts")
        ctx = ssl.create_default_context(cafile=ca)
        accepted = {}  # n -> message n, for each message the server took from its client
        with guarded("send"):
            send(P, ca, ctx, tmp, accepted)
        print("     the server accepted %d messages (%s)" %
              (len(accepted), " ".join(map(str, sorted(accepted))) or "none"))
        time.sleep(1.5)  # the mail travels the simulated servers
        with guarded("fetch"):
            fetch(P, ca, ctx, tmp, accepted)
        with guarded("limits"):
            limits(P)
        with guarded("stop and trace"):
            stop(proc, tmp, accepted)


def send(P, ca, ctx, tmp, accepted):
    """Each client sends one message; ACCEPTED gets those the server took. A client that
    fails is one failure and sends nothing, and the counts after it leave its message out."""

    def smtplib_send(n, subject, s, starttls):
        with contextlib.closing(s):
            if starttls:
                s.starttls(context=ctx)
            s.login("alice", "wonderland")
            msg = message(n, subject)
            s.sendmail("alice@a.example", ["bob@b.example"], msg)
            accepted[n] = msg  # 250 after the data: the message is the server's now
            s.quit()

    what = "smtplib: STARTTLS (CA verified) + AUTH + a message"
    with guarded(what):
        smtplib_send(1, "smtplib STARTTLS",
                     smtplib.SMTP("localhost", P["submission"], timeout=10), True)
        check(True, what)
    with guarded("smtplib: a wrong password is refused"):
        with contextlib.closing(smtplib.SMTP("localhost", P["submission"], timeout=10)) as s:
            s.starttls(context=ctx)
            try:
                s.login("alice", "not-her-password")
                check(False, "smtplib: a wrong password is refused")
            except smtplib.SMTPAuthenticationError as e:
                check(e.smtp_code == 535, "smtplib: a wrong password is refused (%d %s)" %
                      (e.smtp_code, e.smtp_error.decode()))
    what = "smtplib: SMTPS on the smtps port, CA verified, AUTH + a message"
    with guarded(what):
        smtplib_send(2, "smtplib SMTPS",
                     smtplib.SMTP_SSL("localhost", P["smtps"], context=ctx, timeout=10), False)
        check(True, what)

    def client(n, msg, cmd, what, stdin=None):
        with guarded(what):
            if run(cmd, what, stdin).returncode == 0:
                accepted[n] = msg

    def eml(n, msg):
        path = os.path.join(tmp, "m%d.eml" % n)
        with open(path, "w", newline="") as f:
            f.write(msg)
        return path

    for n, tls in ((3, []), (4, ["--tls", "--tls-verify", "--tls-ca-path", ca])):
        msg = message(n, "swaks " + ("STARTTLS" if tls else "plain"))
        client(n, msg, ["swaks", "--server", "localhost:%d" % P["submission"],
                        "--from", "alice@a.example", "--to", "bob@b.example", "--auth", "PLAIN",
                        "--auth-user", "alice", "--auth-password", "wonderland",
                        "--data", "@" + eml(n, msg)] + tls,
               "swaks AUTH PLAIN" + (" with STARTTLS" if tls else ""))

    msg = message(5, "msmtp")
    client(5, msg, ["msmtp", "--host=localhost", "--port=%d" % P["submission"], "--auth=on",
                    "--user=alice", "--passwordeval=echo wonderland", "--tls=on",
                    "--tls-starttls=on", "--tls-trust-file=" + ca, "--from=alice@a.example",
                    "bob@b.example"],
           "msmtp (STARTTLS, CA verified)", stdin=msg)

    for n, url, extra in ((6, "smtp://localhost:%d" % P["submission"], ["--ssl-reqd"]),
                          (7, "smtps://localhost:%d" % P["smtps"], [])):
        msg = message(n, "curl " + url.split(":")[0])
        client(n, msg, ["curl", "-sS", "--url", url, "--mail-from", "alice@a.example",
                        "--mail-rcpt", "bob@b.example", "--upload-file", eml(n, msg),
                        "--user", "alice:wonderland", "--cacert", ca] + extra,
               "curl " + url.split(":")[0] + "://")


def fetch(P, ca, ctx, tmp, accepted):
    """Each reader must see exactly the accepted messages, and each must come back as sent."""
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

    what = "curl pop3:// RETR 1"
    if not accepted:
        skip(what, "no message was accepted")  # an empty maildrop has no message 1
    else:
        with guarded(what):
            c = run(["curl", "-sS", "pop3://localhost:%d/1" % P["pop3"], "--user",
                     "bob:builder42"], what)
            if c.returncode == 0:
                keep(c.stdout.replace("\n", "\r\n").replace("\r\r\n", "\r\n"), "curl pop3")
    what = "curl pop3s:// LIST"
    with guarded(what):
        c = run(["curl", "-sS", "pop3s://localhost:%d/" % P["pop3s"], "--user", "bob:builder42",
                 "--cacert", ca], what)
        listed = len([l for l in c.stdout.splitlines() if l.strip()])
        if c.returncode == 0:
            check(listed == len(accepted),
                  "curl pop3s:// lists %d messages (accepted %d)" % (listed, len(accepted)))

    # poplib USER/PASS fetches every message; if it breaks, "message n was fetched" would only
    # repeat its failure.
    fetched_all = False
    with guarded("poplib USER/PASS"):
        with contextlib.closing(poplib.POP3("localhost", P["pop3"], timeout=10)) as p:
            p.user("bob")
            p.pass_("builder42")
            count, _ = p.stat()
            check(count == len(accepted), "poplib USER/PASS: STAT says %d messages (accepted %d)"
                  % (count, len(accepted)))
            for i in range(1, count + 1):
                _, lines, _ = p.retr(i)
                keep("\r\n".join(l.decode("utf-8") for l in lines) + "\r\n", "poplib")
            p.quit()
            fetched_all = True
    with guarded("poplib APOP"):
        with contextlib.closing(poplib.POP3("localhost", P["pop3"], timeout=10)) as p:
            p.apop("bob", "builder42")
            count = p.stat()[0]
            check(count == len(accepted), "poplib APOP login and STAT (%d, accepted %d)" %
                  (count, len(accepted)))
            p.quit()
    with guarded("poplib over POP3S"):
        with contextlib.closing(poplib.POP3_SSL("localhost", P["pop3s"], context=ctx,
                                                timeout=10)) as p:
            p.user("bob")
            p.pass_("builder42")
            count = p.stat()[0]
            check(count == len(accepted), "poplib over POP3S (CA verified) and STAT (%d, "
                  "accepted %d)" % (count, len(accepted)))
            p.quit()

    what = "mpop over POP3S (CA verified)"
    with guarded(what):
        mbox_path = os.path.join(tmp, "bob.mbox")
        open(mbox_path, "w").close()
        m = run(["mpop", "--host=localhost", "--port=%d" % P["pop3s"], "--auth=user",
                 "--user=bob", "--passwordeval=echo builder42", "--tls=on", "--tls-starttls=off",
                 "--tls-trust-file=" + ca, "--keep=on", "--delivery=mbox," + mbox_path,
                 "--uidls-file=" + os.path.join(tmp, "uidls")], what)
        if m.returncode == 0:
            got = len(mailbox.mbox(mbox_path))
            check(got == len(accepted), "mpop delivered %d messages into the mbox (accepted %d)"
                  % (got, len(accepted)))

    for n, raw in sorted(accepted.items()):
        got = by_id.get(n)
        if got is None:
            if fetched_all:
                check(False, "message %d was fetched" % n)
            else:
                skip("message %d: fetched = sent" % n, "poplib USER/PASS fetched nothing")
            continue
        body, received = strip_trace(got)
        if n in (3, 4) and body == raw + "\r\n":
            body = raw  # swaks --data ends the message with one more empty line of its own
        check(body == raw and received >= 4,
              "message %d: fetched = sent (dot lines intact) + %d Received lines" % (n, received))


def limits(P):
    """The crowd and the connection cap, slowloris, the 10 MB line and NUL bytes; each part on
    its own, so one that breaks does not hide the others."""
    with guarded("500 idle connections"):
        idle, over = [], []
        try:
            for _ in range(500):
                idle.append(socket.create_connection(("127.0.0.1", P["smtp"])))
            greeted = 0
            for k in idle:
                k.settimeout(10)
                with contextlib.suppress(OSError):  # no greeting in time: not greeted
                    if k.recv(512).startswith(b"220 "):
                        greeted += 1
            check(greeted == 500, "500 idle connections held, %d greeted with 220" % greeted)
            over = [socket.create_connection(("127.0.0.1", P["smtp"])) for _ in range(25)]
            replies = []
            for k in over:
                k.settimeout(10)
                try:
                    replies.append(k.recv(512))
                except OSError:
                    replies.append(b"")
            check(any(r.startswith(b"421 4.7.0") for r in replies),
                  "over the connection cap: 421 4.7.0 Error: too many connections")
        finally:
            for k in idle + over:
                k.close()
    time.sleep(0.5)
    what = "after the crowd left, a new client is served"
    with guarded(what):
        with contextlib.closing(smtplib.SMTP("localhost", P["smtp"], timeout=10)) as s:
            check(s.ehlo()[0] == 250, what)
            s.quit()

    with guarded("slowloris"):
        with socket.create_connection(("127.0.0.1", P["smtp"])) as k:
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
                  "slowloris: an unfinished line is cut off with 421 after %.1f s" %
                  (time.time() - t0))

    with guarded("NUL bytes and a 10 MB line"):
        with socket.create_connection(("127.0.0.1", P["smtp"])) as k:
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
    what = "the server survived the 10 MB line and the NUL bytes"
    with guarded(what):
        with contextlib.closing(smtplib.SMTP("localhost", P["smtp"], timeout=10)) as s:
            check(s.noop()[0] == 250, what)
            s.quit()


def stop(proc, tmp, accepted):
    """SIGTERM: serve exits 0 and writes its trace, with steps 1-8 for each accepted message."""
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, "SIGTERM: mailsim serve exits 0 (%s)" % err.strip()[-200:])
    with open(os.path.join(tmp, "trace.jsonl"), "w") as out:
        out.write(rest)
    events = [json.loads(l) for l in rest.splitlines() if l.startswith("{")]
    steps = {}
    for e in events:
        if e.get("kind") == "step" and e.get("mail", "").startswith("live"):
            steps.setdefault(e["mail"], set()).add(e["n"])
    full = [m for m, ns in steps.items() if set(range(1, 9)) <= ns]
    check(len(full) >= len(accepted), "the trace marks steps 1-8 for %d live mails (accepted %d)"
          % (len(full), len(accepted)))


def has_window(mailsim):
    """Whether this mailsim was built with the window: `--version` says "gui: yes" or "gui: no"."""
    out = subprocess.run([mailsim, "--version"], capture_output=True, text=True,
                         timeout=30).stdout
    return not any(line.startswith("gui: no") for line in out.splitlines())


# The two serves with a display named: only submission and pop3, the summary line at the end.
ONE_CLIENT_ARGS = ["serve", "--port", "submission=0", "--port", "smtps=off", "--port", "smtp=off",
                   "--port", "pop3=0", "--port", "pop3s=off", "--format", "summary"]


def send_one(P, n, subject, what):
    """One real client's message on submission (AUTH, no TLS); whether the server took it."""
    took = False
    with guarded(what):
        with contextlib.closing(smtplib.SMTP("localhost", P["submission"], timeout=10)) as s:
            s.login("alice", "wonderland")
            s.sendmail("alice@a.example", ["bob@b.example"], message(n, subject))
            took = True  # 250 after the data: a failing QUIT does not take it back
            s.quit()
    return took


def check_delivered(sent, out, what):
    """The summary line serve printed at exit says the one message was delivered."""
    if not sent:
        skip(what, "the client failed")
        return
    with guarded(what):
        summary = json.loads(out.strip().splitlines()[-1])
        check(summary.get("messages_delivered") == 1, "%s (%s)" % (what, summary))


def live_window(mailsim, tmp):
    """The window follows live: under Xvfb, serve opens it (no --no-gui), a real client's mail
    goes through, and the window's F12 screenshot shows the live host that played the client."""
    # Xvfb picks a free display itself and writes its number on the pipe once it is ready, so
    # it cannot collide with window.sh's display when CTest runs both at once.
    rfd, wfd = os.pipe()
    with started(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "1280x720x24", "-nolisten",
                  "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(wfd,)):
        os.close(wfd)
        with os.fdopen(rfd) as r:
            if not select.select([r], [], [], 30)[0]:
                raise TimeoutError("Xvfb gave no display number within 30 s")
            disp = ":" + r.readline().strip()
        env = dict(os.environ, DISPLAY=disp, WAYLAND_DISPLAY="", LANG="C")
        with started([mailsim] + ONE_CLIENT_ARGS, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True, env=env, cwd=tmp) as proc:
            P = ready_line(proc)["ports"]
            sent = send_one(P, 99, "live window", "live window: smtplib AUTH + a message")
            time.sleep(2.5)
            shots = set(os.listdir(tmp))
            subprocess.run(["xdotool", "key", "F12"], env=env, capture_output=True, timeout=20)
            time.sleep(1.0)
            new = [f for f in set(os.listdir(tmp)) - shots if f.endswith(".png")]
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
            check(proc.returncode == 0 and "without a window" not in err,
                  "with a display, serve runs in its window and exits 0 on SIGTERM (%s)" %
                  err.strip()[-200:])
            check_delivered(sent, out, "the real client's mail was delivered while the window "
                            "played")
            check(len(new) == 1 and os.path.getsize(os.path.join(tmp, new[0])) > 20000,
                  "F12 in the live window wrote a screenshot (%s)" % new)



def live_no_window(mailsim, tmp):
    """A build without the window, with a display named: serve says why it has no window,
    serves a real client all the same, and exits 0 on SIGTERM."""
    env = dict(os.environ, DISPLAY=":99", WAYLAND_DISPLAY="", LANG="C")
    with started([mailsim] + ONE_CLIENT_ARGS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                 text=True, env=env, cwd=tmp) as proc:
        P = ready_line(proc)["ports"]
        sent = send_one(P, 98, "no window", "live without a window: smtplib AUTH + a message")
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        check(proc.returncode == 0 and "built without the window (MAILSIM_GUI=OFF): serving "
              "without a window" in err,
              "with a display but no window built, serve says so, serves, and exits 0 on "
              "SIGTERM (%s)" % err.strip()[-200:])
        check_delivered(sent, out, "the real client's mail was delivered without a window")


if __name__ == "__main__":
    sys.exit(main())
