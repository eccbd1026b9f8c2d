"""serve_proc: starting `mailsim serve` (or Xvfb) from a Python test and ending it on every way out.

    with serve(mailsim, ["nine-steps", "--port", "pop3=0"]) as (proc, ready):
        port = ready["ports"]["pop3"]
    # here the server and its process group are gone, whatever happened inside

The server runs in a process group of its own and is ended (SIGTERM, then SIGKILL after a grace)
when the block is left: normally, by an exception, or by SIGINT/SIGTERM once the test has called
stop_on_signals() (they then raise SystemExit, so every finally runs). On Linux the kernel also
sends it SIGTERM if the test itself dies by SIGKILL (CTest's timeout), where no finally runs.
"""
import contextlib
import ctypes
import json
import os
import select
import signal
import subprocess
import sys

_libc = ctypes.CDLL(None) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1
_test_pid = os.getpid()


def _die_with_test():
    """In the child before exec: SIGTERM when the test dies, even by SIGKILL."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != _test_pid:  # the test died before prctl: nobody would send it
            os._exit(1)


def end(proc, grace=5):
    """Ends PROC's process group: SIGTERM, SIGKILL after GRACE seconds, then whatever of the
    group outlived its leader; waits and closes the pipes. SIGINT and SIGTERM are held
    meanwhile, so that a second Ctrl-C cannot cut the clean-up short."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=wait)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if f:
                with contextlib.suppress(OSError):
                    f.close()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def ready_line(proc, seconds=30):
    """Serve's first line (JSON: ports, accounts); an exception if it does not come."""
    if not select.select([proc.stdout], [], [], seconds)[0]:
        raise TimeoutError("no ready line from mailsim serve within %d s" % seconds)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("mailsim serve exited (%s) before its ready line: %s" %
                           (proc.wait(timeout=10), proc.stderr.read().strip()[-300:]))
    return json.loads(line)


@contextlib.contextmanager
def started(args, **kw):
    """Popen(ARGS, **KW) in a process group of its own (a server, Xvfb); yields the process
    and ends it (see end) on every way out of the block."""
    proc = subprocess.Popen(args, start_new_session=True, preexec_fn=_die_with_test, **kw)
    try:
        yield proc
    finally:
        try:
            end(proc)
        except BaseException:
            end(proc)  # a signal came before end() held them: once again
            raise


@contextlib.contextmanager
def serve(mailsim, args):
    """`mailsim serve --no-gui ARGS`; yields (proc, ready line) and ends the server on every
    way out of the block."""
    with started([mailsim, "serve", "--no-gui"] + list(args), stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True) as proc:
        yield proc, ready_line(proc)


def mailsim_argument(doc, name):
    """The one argument of a test that starts servers: the mailsim binary. Without it, prints the
    test's usage (doc) and exits 2; with it, signals end the servers (stop_on_signals)."""
    if len(sys.argv) != 2:
        print(doc)
        sys.exit(2)
    stop_on_signals(name)
    return sys.argv[1]


def stop_on_signals(name):
    """SIGINT and SIGTERM raise SystemExit(128 + N), so that every finally runs and every server
    is ended; the clean-up runs once, to the end."""
    def interrupted(signum, frame):
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)
        print("%s: %s, stopping the servers" % (name, signal.Signals(signum).name))
        sys.stdout.flush()
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
