"""checks: the tally of passed and failed checks that the Python tests share.

    check = Checks("steps")          # prints only failures
    check = Checks("serve_test", verbose=True)   # prints "ok   ..." / "FAIL ..." for each
    check(ok, "what was checked")
    sys.exit(check.summary())        # "steps: N passed, N failed"; 1 on any failure
"""
import sys


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
