#!/usr/bin/env python3
"""view_trace.py: a recorded run plays as the run itself does.

Usage: view_trace.py MAILSIM

  shots    for scenarios and steps (TLS on every hop, attacks, NAT, SSH; Japanese and English),
           `mailsim shot SCENARIO --step N` and `mailsim shot --trace RUN.jsonl --step N`, where
           RUN.jsonl is `mailsim run SCENARIO --format jsonl`, are the same picture, pixel for
           pixel: the trace holds all that the screen shows.
  serve    a trace written by `mailsim serve --format jsonl` after a real client sent a mail
           opens in `shot --trace` and in `view` without a display.
  text     `mailsim view RUN.jsonl` without a display prints what the demo prints without one:
           the same notice and, for the same run, the same transcript, byte for byte.
  errors   a missing, cut or damaged trace: exit status 2, a message naming the file and line,
           nothing on stdout; so too a scenario and --trace together, and run's options.
  window   under Xvfb, `mailsim view RUN.jsonl` opens the window on the trace: its first scene
           frame, the keys (play, step, F12 writes a screenshot), Escape and Return close it.

Every process started here (serve, Xvfb, the window) is ended on every way out. Prints
"view_trace: N passed, N failed" and exits 1 on any failure.
"""

import contextlib
import os
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
import zlib

from checks import Checks
from serve_proc import ready_line, started, stop_on_signals

check = Checks("view_trace")

# (scenario, step, lang): the nine steps; TLS on every hop; an eavesdropper; the stripping of
# STARTTLS by a man in the middle; a client behind NAT; SSH port forwarding.
SHOTS = [
    ("nine-steps", 1, "en"), ("nine-steps", 4, "ja"), ("nine-steps", 8, "en"),
    ("starttls-all-hops", 3, "ja"), ("starttls-all-hops", 5, "en"),
    ("sniff-plaintext", 1, "en"), ("sniff-plaintext", 8, "ja"),
    ("starttls-stripping", 4, "en"), ("starttls-stripping", 1, "ja"),
    ("pop-before-smtp", 1, "ja"), ("ssh-tunnel", 1, "en"),
]
SIZE = "800x450"
NO_DISPLAY = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
NO_DISPLAY["LANG"] = "C"


def run(args, env=None, timeout=120):
    return subprocess.run(args, capture_output=True, env=env or NO_DISPLAY, timeout=timeout)


def png_pixels(path):
    """The decompressed image data of a PNG (its IDAT chunks inflated): equal for equal pixels
    when one encoder wrote both, whatever its compression chose."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat = 8, b""
    while pos + 8 <= len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    return zlib.decompress(idat)


def same_picture(a, b):
    with open(a, "rb") as f, open(b, "rb") as g:
        if f.read() == g.read():
            return True
    return png_pixels(a) == png_pixels(b)


def shots(mailsim, tmp):
    traces = {}
    for scenario, step, lang in SHOTS:
        if scenario not in traces:
            path = os.path.join(tmp, scenario + ".jsonl")
            r = run([mailsim, "run", scenario, "--format", "jsonl"])
            with open(path, "wb") as out:
                out.write(r.stdout)
            traces[scenario] = path if check(r.returncode == 0, "run %s --format jsonl: exit %d"
                                             % (scenario, r.returncode)) else None
        if not traces[scenario]:
            continue
        what = "%s --step %d --lang %s" % (scenario, step, lang)
        a = os.path.join(tmp, "%s-%d-%s-run.png" % (scenario, step, lang))
        b = os.path.join(tmp, "%s-%d-%s-trace.png" % (scenario, step, lang))
        common = ["--step", str(step), "--lang", lang, "--size", SIZE]
        ra = run([mailsim, "shot", scenario, "--out", a] + common)
        rb = run([mailsim, "shot", "--trace", traces[scenario], "--out", b] + common)
        if not check(ra.returncode == 0 and rb.returncode == 0,
                     "shot %s: exit %d from the scenario, %d from its trace (%s)"
                     % (what, ra.returncode, rb.returncode,
                        (ra.stderr + rb.stderr).decode().strip()[-200:])):
            continue
        check(os.path.getsize(b) > 10000, "shot --trace %s: a picture (%d bytes)"
              % (what, os.path.getsize(b)))
        check(same_picture(a, b), "shot %s: the scenario's and its trace's pictures are the "
              "same (%s, %s)" % (what, a, b))
    return traces


def serve_trace(mailsim, tmp):
    """A real client's mail through `mailsim serve`; the JSON lines it writes when stopped."""
    ca = os.path.join(tmp, "ca.pem")
    args = [mailsim, "serve", "--no-gui", "--ca-out", ca, "--format", "jsonl",
            "--port", "submission=0", "--port", "smtps=off", "--port", "smtp=off",
            "--port", "pop3=0", "--port", "pop3s=off"]
    with started(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                 env=NO_DISPLAY) as proc:
        port = ready_line(proc)["ports"]["submission"]
        ctx = ssl.create_default_context(cafile=ca)
        with contextlib.closing(smtplib.SMTP("localhost", port, timeout=10)) as s:
            s.starttls(context=ctx)
            s.login("alice", "wonderland")
            s.sendmail("alice@a.example", ["bob@b.example"],
                       "Subject: recorded live\r\n\r\nPlayed again in class.\r\n")
            s.quit()
        time.sleep(1.5)  # the mail travels the simulated servers
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, "serve exits 0 on SIGTERM (%s)" % err.strip()[-200:])
    path = os.path.join(tmp, "serve.jsonl")
    with open(path, "w") as out:
        out.write(rest)  # what follows the ready line: the trace
    return path


def served(mailsim, tmp):
    path = serve_trace(mailsim, tmp)
    png = os.path.join(tmp, "serve.png")
    # The real client is no agent of the world: its mail is marked from step 2 on.
    r = run([mailsim, "shot", "--trace", path, "--step", "4", "--size", SIZE, "--out", png])
    check(r.returncode == 0 and os.path.getsize(png) > 10000,
          "serve's trace opens in shot --trace --step 4: exit %d %s"
          % (r.returncode, r.stderr.decode().strip()[-200:]))
    r = run([mailsim, "view", path, "--lang", "en"])
    out = r.stdout.decode(errors="replace")  # TLS records are shown as they came
    check(r.returncode == 0 and "No display found" in out and "recorded live" in out,
          "serve's trace in view without a display: exit %d, %s"
          % (r.returncode, (out[:200] + r.stderr.decode()[-200:]).strip()))


def text(mailsim, traces):
    """Without a display, view says what the demo says, and prints the same transcript."""
    demo = run([mailsim, "nine-steps", "--lang", "en"])
    view = run([mailsim, "view", traces["nine-steps"], "--lang", "en"])
    notice = [l for l in view.stdout.decode().splitlines() if "No display found" in l]
    check(view.returncode == 0 and len(notice) == 1 and not view.stderr,
          "view without a display: exit %d, one notice (%d), nothing on stderr (%s)"
          % (view.returncode, len(notice), view.stderr.decode().strip()[-200:]))
    check(demo.returncode == 0 and view.stdout == demo.stdout,
          "view RUN.jsonl prints what `mailsim nine-steps` prints without a display, byte for "
          "byte (%d and %d bytes)" % (len(view.stdout), len(demo.stdout)))
    ja = run([mailsim, "view", traces["nine-steps"], "--lang", "ja"]).stdout.decode()
    check("ディスプレイが見つかりません" in ja, "view --lang ja: the notice in Japanese")


def errors(mailsim, tmp, traces):
    good = traces["nine-steps"]
    with open(good, "rb") as f:
        lines = f.read().split(b"\n")
    cut = os.path.join(tmp, "cut.jsonl")
    with open(cut, "wb") as f:
        f.write(b"\n".join(lines[:5]) + b"\n" + lines[5][:40])
    host = os.path.join(tmp, "host.jsonl")
    with open(host, "wb") as f:
        f.write(b"\n".join(lines[:1] + [lines[1].replace(b'"alice-pc.a.example"', b'"nowhere"', 1)]
                           + lines[2:]))
    world = os.path.join(tmp, "world.jsonl")
    with open(world, "wb") as f:  # as a trace written before conn_latency_us was
        f.write(re.sub(rb',"conn_latency_us":\[[0-9,]*\]', b"", lines[0]) + b"\n")
    png = os.path.join(tmp, "never.png")
    cases = [
        ("view a missing file", ["view", os.path.join(tmp, "none.jsonl")], "none.jsonl: cannot open"),
        ("view a cut file", ["view", cut], "cut.jsonl:6:"),
        ("shot --trace a cut file", ["shot", "--trace", cut, "--step", "1", "--out", png],
         "cut.jsonl:6:"),
        ("shot --trace an unknown host", ["shot", "--trace", host, "--step", "1", "--out", png],
         "host.jsonl:2: connect \"client\".host: \"nowhere\" is not a host"),
        ("shot a scenario and --trace", ["shot", "nine-steps", "--trace", good, "--step", "1",
                                         "--out", png], "not both"),
        ("shot --trace --seed", ["shot", "--trace", good, "--seed", "4", "--step", "1",
                                 "--out", png], "--seed goes with a scenario"),
        ("view without a trace", ["view"], "view needs a recorded trace"),
        ("view --format", ["view", good, "--format", "jsonl"], "not one of view's"),
        ("shot --trace, a world and no events", ["shot", "--trace", world, "--step", "1",
                                                 "--out", png], "this run has no step 1"),
    ]
    for what, args, want in cases:
        r = run([mailsim] + args)
        err = r.stderr.decode()
        check(r.returncode == 2 and want in err and not r.stdout,
              "%s: exit %d, \"%s\" in: %s" % (what, r.returncode, want, err.strip()[-200:]))
    check(not os.path.exists(png), "no picture is written for a bad trace")


def free_display():
    for n in range(170, 210):
        if not os.path.exists("/tmp/.X%d-lock" % n) and not os.path.exists("/tmp/.X11-unix/X%d" % n):
            return ":%d" % n
    return None


def wait_for(path, text, seconds):
    for _ in range(seconds * 10):
        with contextlib.suppress(OSError):
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        time.sleep(0.1)
    return False


def window(mailsim, tmp, traces):
    if not shutil.which("Xvfb") or not shutil.which("xdotool"):
        check(False, "Xvfb and xdotool are installed (scripts/setup.sh installs them)")
        return
    disp = free_display()
    with started(["Xvfb", disp, "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        for _ in range(50):
            if os.path.exists("/tmp/.X11-unix/X" + disp[1:]):
                break
            time.sleep(0.1)
        env = dict(NO_DISPLAY, DISPLAY=disp, MAILSIM_TIMING="1",
                   XDG_DATA_HOME=os.path.join(tmp, "xdg"))
        r = run([mailsim, "view", os.path.join(tmp, "cut.jsonl")], env=env)
        check(r.returncode == 2 and b"cut.jsonl:6:" in r.stderr,
              "view a cut file with a display: exit %d before any window" % r.returncode)
        wout, werr = os.path.join(tmp, "wout"), os.path.join(tmp, "werr")
        with open(wout, "w") as o, open(werr, "w") as e, \
                started([mailsim, "view", traces["sniff-plaintext"], "--lang", "en"], cwd=tmp,
                        env=env, stdout=o, stderr=e) as app:
            check(wait_for(werr, "first scene frame", 10),
                  "view opens the window on the trace: its first scene frame")

            def key(*keys):
                subprocess.run(["xdotool", "key"] + list(keys), env=dict(env), timeout=30)
                time.sleep(0.3)

            key("space", "Right", "Right", "Left", "Down", "p", "p")
            key("F12")
            check(wait_for(wout, ".png", 5), "F12 in view writes a screenshot")
            check(app.poll() is None, "the window plays the trace on (keys pressed)")
            # Escape closes what is open, then asks whether to quit; N stays (and does nothing
            # when nothing asks), so the last Escape asks and Return quits.
            key("Escape", "n", "Escape", "n", "Escape")
            check(app.poll() is None, "Escape with nothing open asks before closing the view")
            key("Return")
            for _ in range(50):
                if app.poll() is not None:
                    break
                time.sleep(0.1)
            check(app.poll() == 0, "Escape, then Return, closes the view, exit status %s"
                  % app.poll())


def main():
    stop_on_signals("view_trace")
    mailsim = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="view_trace.")
    try:
        traces = shots(mailsim, tmp)
        if all(traces.values()):
            text(mailsim, traces)
            errors(mailsim, tmp, traces)
            window(mailsim, tmp, traces)
        served(mailsim, tmp)
    finally:
        if check.failed == 0:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("view_trace: kept %s" % tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
