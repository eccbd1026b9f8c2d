"""checks: the tally of passed and failed checks that the Python tests share, and the way they
hand mailsim a variant of a bundled scenario.

    check = Checks("steps")          # prints only failures
    check = Checks("serve_test", verbose=True)   # prints "ok   ..." / "FAIL ..." for each
    check(ok, "what was checked")
    sys.exit(check.summary())        # "steps: N passed, N failed"; 1 on any failure

    sc = load_scenario("nine-steps")              # a dict to change
    path = write_scenario(tmp, "variant", sc)     # tmp/variant.json
    root = run_with_maildir(check, mailsim, tmp, "variant", sc)
"""
import json
import os
import subprocess
import sys

SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios")


class Checks:
    def __init__(self, name, verbose=False):
        self.name = name
        self.verbose = verbose
        self.passed = 0
        self.failed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
            if self.verbose:
                print("ok   " + what)
        else:
            self.failed += 1
            print(("FAIL " if self.verbose else self.name + ": FAILED: ") + what)
        sys.stdout.flush()
        return ok

    def summary(self):
        """Prints the tally; returns the exit status (1 on any failure)."""
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed))
        return 1 if self.failed else 0


def load_scenario(name):
    """The bundled scenarios/NAME.json as a dict, for a test to make a variant of."""
    with open(os.path.join(SCENARIOS, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def write_scenario(tmp, name, sc):
    """Writes the scenario sc as tmp/NAME.json, the file mailsim reads; returns its path."""
    path = os.path.join(tmp, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sc, f, ensure_ascii=False)
    return path


def run_with_maildir(check, mailsim, tmp, name, sc):
    """`mailsim run` of sc with the MDAs writing real Maildirs under tmp/mail (--maildir), checked
    to exit 0; returns that root."""
    root = os.path.join(tmp, "mail")
    run = subprocess.run([mailsim, "run", write_scenario(tmp, name, sc), "--format", "summary",
                          "--maildir", root], capture_output=True, text=True)
    check(run.returncode == 0, "mailsim exited %d: %s" % (run.returncode, run.stderr.strip()))
    return root
