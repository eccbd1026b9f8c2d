#!/usr/bin/env python3
"""maildir_test: mailsim's MDA writes real Maildirs (--maildir DIR); Python's mailbox module,
a reader nobody here wrote, must open them and find each message whole: its Subject decoded,
its body intact (a line that starts with a dot included), one Received line per MTA hop."""
import email.policy
import mailbox
import os
import sys
import tempfile

from checks import Checks, load_scenario, run_with_maildir

mailsim = sys.argv[1]
sc = load_scenario("nine-steps")

# Bob does not fetch here, so the messages stay in his Maildir; Alice sends two.
body2 = "first line\n.a line that starts with a dot\n.\nlast line\n"
sc["timeline"] = [
    dict(sc["timeline"][0]),
    {"at": "10s", "agent": "alice", "action": "send", "mail": "m2", "to": ["bob@b.example"],
     "subject": "二通目 / second", "body": body2},
]
sc["expect"] = {"delivered": 2}

check = Checks("maildir")


with tempfile.TemporaryDirectory() as tmp:
    root = run_with_maildir(check, mailsim, tmp, "maildir", sc)
    check(os.path.isdir(os.path.join(root, "bob", "new")), "bob/new exists")
    check(os.listdir(os.path.join(root, "bob", "tmp")) == [], "nothing left in bob/tmp")
    box = mailbox.Maildir(os.path.join(root, "bob"), factory=None, create=False)
    msgs = sorted((box.get_bytes(k) for k in box.keys()), key=lambda b: b.find(b"m2."))
    check(len(msgs) == 2, "bob's Maildir holds 2 messages, found %d" % len(msgs))
    parsed = [email.message_from_bytes(b, policy=email.policy.default) for b in msgs]
    subjects = sorted(str(m["subject"]) for m in parsed)
    check(subjects == sorted(["明日の打ち合わせ / Tomorrow's meeting", "二通目 / second"]),
          "subjects decode: %r" % subjects)
    for m in parsed:
        check(len(m.get_all("Received", [])) >= 3, "at least 3 Received lines")
        check(m["Return-Path"] == "<alice@a.example>", "Return-Path of final delivery")
        check(m["Delivered-To"] == "bob@b.example", "Delivered-To")
        check(not m.defects, "no parser defects: %r" % m.defects)
    second = [m for m in parsed if "second" in str(m["subject"])]
    if second:
        text = second[0].get_content()
        check(text.replace("\r\n", "\n") == body2, "the dot lines survive: %r" % text)
    # Alice's MDA wrote nothing for her: no directory appears for users without mail.
    check(not os.path.exists(os.path.join(root, "alice")), "no Maildir for alice")

sys.exit(check.summary())
