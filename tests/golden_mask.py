#!/usr/bin/env python3
"""golden_mask.py jsonl|text < RUN > MASKED: a run's trace or transcript with the bytes that
come from a random source replaced by a marker, so that a golden trace can hold every bundled
scenario (DESIGN principle 4 allows random bytes only inside TLS, SSH and end-to-end crypto).

What is masked, and nothing else:
  - the payload of TLS records and SSH packets (their octets and their count: record sizes
    follow certificate and signature lengths, which vary);
  - lines of base64 at least 40 characters long, and the CRC line of an OpenPGP armour (CMS and
    OpenPGP ciphertext and signatures), each run of them becoming one marker line;
  - OpenPGP fingerprints (groups of four hex digits) and SSH host key digests;
  - the sizes that follow the ciphertext: SIZE=, "N octets", the sizes of POP3 STAT and LIST.
Everything else, addresses, replies, the order and time of every event, stays as it was.
"""
import json
import re
import sys

B64_LINE = re.compile(r"^[A-Za-z0-9+/]{40,}={0,2}$")
CRC_LINE = re.compile(r"^=[A-Za-z0-9+/]{4}$")
FINGERPRINT = re.compile(r"(?:[0-9A-F]{4} {1,2}){4,}[0-9A-F]{2,4}")
HOSTKEY = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
SIZES = [
    (re.compile(r"SIZE=\d+"), "SIZE=<n>"),
    (re.compile(r"\b\d+ octets"), "<n> octets"),
    (re.compile(r"^\+OK \d+ \d+$"), "+OK <n> <n>"),
    (re.compile(r"^(\d+) \d+$"), r"\1 <n>"),
]
RECORDS = re.compile(r"(~ (?:TLS records \(ciphertext\)|SSH packets)), .*$")


def mask_lines(text, sizes):
    out, in_b64 = [], False
    for line in text.split("\n"):
        bare = line.rstrip("\r")
        cr = line[len(bare):]
        if B64_LINE.match(bare) or (in_b64 and CRC_LINE.match(bare)):
            if not in_b64:
                out.append("<base64>" + cr)
            in_b64 = True
            continue
        in_b64 = False
        bare = FINGERPRINT.sub("<fingerprint>", bare)
        bare = HOSTKEY.sub("SHA256:<hostkey>", bare)
        if sizes:
            for pattern, repl in SIZES:
                bare = pattern.sub(repl, bare)
        out.append(bare + cr)
    return "\n".join(out)


def crypto_in(texts):
    """Whether a run carries end-to-end ciphertext (long base64 lines) or OpenPGP keys: only
    then do the sizes that follow it vary, and only then are they masked."""
    return any(B64_LINE.match(l.rstrip("\r")) or "fingerprint" in l
               for t in texts for l in t.split("\n"))


def mask_jsonl(lines):
    events = [json.loads(line) for line in lines]
    sizes = crypto_in(v for e in events for v in e.values() if isinstance(v, str))
    for e in events:
        if e.get("kind") == "data" and (e.get("tls") or e.get("ssh")):
            e.pop("text", None)
            e.pop("text_b64", None)
            e["masked"] = True
        for k, v in e.items():
            if isinstance(v, str):
                e[k] = mask_lines(v, sizes)
        yield json.dumps(e, ensure_ascii=False, separators=(",", ":"))


def mask_text(lines):
    # A line that crossed a link is shown after "#N C: " or "#N S: ", with or without the time.
    prefix = re.compile(r"^(.*?#\d+ [CS]: )(.*)$")
    sizes = crypto_in(lines)
    in_b64 = False
    for line in lines:
        line = RECORDS.sub(r"\1, <masked>", line)
        m = prefix.match(line)
        content = m.group(2) if m else line
        if B64_LINE.match(content) or (in_b64 and CRC_LINE.match(content)):
            if not in_b64:
                yield (m.group(1) if m else "") + "<base64>"
            in_b64 = True
            continue
        in_b64 = False
        yield mask_lines(line, sizes)


def main(argv):
    if len(argv) != 2 or argv[1] not in ("jsonl", "text"):
        print(__doc__, file=sys.stderr)
        return 2
    lines = sys.stdin.read().splitlines()
    for line in (mask_jsonl(lines) if argv[1] == "jsonl" else mask_text(lines)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
