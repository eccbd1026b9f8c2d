#!/usr/bin/env python3
"""ppap_tools: the password-protected ZIPs of the ppap scenario, opened by readers nobody here
wrote. Bob keeps his mail on the server, the MDA writes a real Maildir (--maildir), and then
Python's email module finds each attachment (its RFC 2231 name decoded), Python's zipfile and
Info-ZIP's unzip open the archive with the password and refuse it without one or with a wrong
one, and the EICAR test file is inside the attacker's ZIP that the filter let through."""
import email
import email.policy
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

from checks import Checks, load_scenario, run_with_maildir

mailsim = sys.argv[1]
sc = load_scenario("ppap")
for a in sc["agents"]:
    if a["id"] == "bob":
        a["keep_on_server"] = True
sc.pop("expect", None)

check = Checks("ppap_tools")
eicar_half = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"

with tempfile.TemporaryDirectory() as tmp:
    root = run_with_maildir(check, mailsim, tmp, "ppap", sc)
    new = os.path.join(root, "bob", "new")
    zips = {}
    for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
        with open(os.path.join(new, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        for part in msg.iter_attachments():
            zips[part.get_filename()] = part.get_payload(decode=True)
    check(sorted(zips) == ["見積書.zip", "請求書.zip"],
          "bob's mailbox holds the two password-protected ZIPs, names decoded: %s" % sorted(zips))

    want = {"見積書.zip": ("Tokyo2026", "見積書.txt", "お見積書 / Quotation".encode()),
            "請求書.zip": ("1234", "請求書.exe", eicar_half)}
    for zname, (password, inner, text) in want.items():
        data = zips.get(zname)
        if not check(data is not None, "%s was delivered" % zname):
            continue
        z = zipfile.ZipFile(io.BytesIO(data))
        info = z.infolist()
        check([i.filename for i in info] == [inner], "%s holds %s" % (zname, inner))
        check(all(i.flag_bits & 1 for i in info), "%s: every entry is encrypted" % zname)
        try:
            z.read(inner)
            check(False, "%s opened without a password" % zname)
        except RuntimeError:
            check(True, "%s needs a password" % zname)
        try:
            z.read(inner, pwd=b"wrong password")
            check(False, "%s opened with a wrong password" % zname)
        except RuntimeError:
            check(True, "%s refuses a wrong password" % zname)
        got = z.read(inner, pwd=password.encode())
        check(text in got, "zipfile opens %s with %s" % (zname, password))

        # Info-ZIP's unzip, in a UTF-8 locale, names the file and tests it with the password.
        zpath = os.path.join(tmp, "a.zip")
        with open(zpath, "wb") as f:
            f.write(data)
        env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        unzip = shutil.which("unzip")
        if not check(unzip is not None, "unzip is installed (scripts/setup.sh)"):
            continue
        listing = subprocess.run([unzip, "-l", zpath], capture_output=True, text=True, env=env)
        check(inner in listing.stdout, "unzip -l names %s: %s" % (inner, listing.stdout.strip()))
        good = subprocess.run([unzip, "-P", password, "-p", zpath], capture_output=True, env=env)
        check(good.returncode == 0 and text in good.stdout,
              "unzip -P %s extracts %s" % (password, inner))
        bad = subprocess.run([unzip, "-P", "nope", "-t", zpath], capture_output=True, text=True,
                             env=env)
        check(bad.returncode != 0 and "incorrect password" in bad.stdout,
              "unzip -P nope says incorrect password")

sys.exit(check.summary())
