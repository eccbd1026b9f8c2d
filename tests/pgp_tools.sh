#!/bin/sh
# pgp_tools: what agents/proto/pgp.c makes, checked by other implementations. test_pgp --write
# leaves Bob's secret key, Alice's public key and Alice's PGP/MIME message to Bob in a temporary
# directory; GnuPG (with its own temporary home, agent killed at the end) must see Ed25519 and
# Cv25519 keys, decrypt the message and report a good signature by Alice's fingerprint; Python's
# email module must see multipart/encrypted with its two parts.
# Usage: pgp_tools.sh path/to/test_pgp
set -eu

test_pgp=${1:?usage: pgp_tools.sh path/to/test_pgp}
command -v gpg >/dev/null || { echo "pgp_tools: gpg not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "pgp_tools: python3 not installed" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgp_tools.XXXXXX")
GNUPGHOME="$tmp/gnupg"
export GNUPGHOME
cleanup() {
    gpgconf --kill all >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
# The agent gpg starts is killed on every way out. A signal ends the script (a trap that only
# cleaned up would let it run on, without its home, and exit 0); the exit runs the EXIT trap.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "pgp_tools: FAIL: $*" >&2
    for f in "$tmp"/gpg.err "$tmp"/status.txt; do
        [ -s "$f" ] && sed "s|^|    $(basename "$f"): |" "$f" >&2
    done
    exit 1
}
ok() { echo "pgp_tools: ok: $*"; }

mkdir -m 700 "$GNUPGHOME"
"$test_pgp" --write "$tmp" 2>"$tmp/gpg.err" || fail "test_pgp --write $tmp"
alice=$(cat "$tmp/alice.fpr")
gpg_() { gpg --batch --no-tty --pinentry-mode loopback "$@"; }

# Keys: Bob's secret key and Alice's public key, the algorithms gpg and Thunderbird default to.
gpg_ --import "$tmp/bob.sec.asc" 2>"$tmp/gpg.err" || fail "gpg cannot import Bob's secret key"
gpg_ --import "$tmp/alice.pub.asc" 2>"$tmp/gpg.err" || fail "gpg cannot import Alice's public key"
gpg_ --list-secret-keys --with-colons >"$tmp/sec.txt" 2>"$tmp/gpg.err"
grep -q '^sec:' "$tmp/sec.txt" || fail "gpg lists no secret key after importing Bob's"
gpg_ --list-keys --with-colons "$alice" >"$tmp/keys.txt" 2>"$tmp/gpg.err" ||
    fail "gpg does not know Alice's key $alice"
# --with-colons: field 4 algorithm (22 EdDSA, 18 ECDH), field 12 usage, field 17 curve.
awk -F: '$1 == "pub" && $4 == 22 && $17 == "ed25519" { p = 1 }
         $1 == "sub" && $4 == 18 && $17 == "cv25519" && $12 ~ /e/ { s = 1 }
         END { exit !(p && s) }' "$tmp/keys.txt" ||
    fail "Alice's key is not EdDSA/Ed25519 + ECDH/Cv25519: $(cat "$tmp/keys.txt")"
ok "gpg imported the keys; Alice's is Ed25519 (sign) + Cv25519 (encrypt), $alice"

# The armored part, decrypted and verified by gpg.
sed -n '/^-----BEGIN PGP MESSAGE-----/,/^-----END PGP MESSAGE-----/p' "$tmp/message.eml" \
    >"$tmp/part.asc"
[ -s "$tmp/part.asc" ] || fail "no armored PGP MESSAGE in message.eml"
gpg_ --status-fd 1 --output "$tmp/inner.txt" --decrypt "$tmp/part.asc" \
    >"$tmp/status.txt" 2>"$tmp/gpg.err" || fail "gpg --decrypt failed"
grep -q '^\[GNUPG:\] DECRYPTION_OKAY' "$tmp/status.txt" || fail "gpg: no DECRYPTION_OKAY"
grep -q '^\[GNUPG:\] GOODSIG ' "$tmp/status.txt" || fail "gpg: no GOODSIG"
grep -q "^\[GNUPG:\] VALIDSIG $alice " "$tmp/status.txt" ||
    fail "gpg: no VALIDSIG by Alice's fingerprint $alice"
grep -q 'The password is swordfish\.' "$tmp/inner.txt" || fail "gpg's plaintext lacks the body"
grep -q '^Content-Type: text/plain; charset=UTF-8' "$tmp/inner.txt" ||
    fail "gpg's plaintext does not start with the inner MIME entity's header"
ok "gpg decrypted the message: DECRYPTION_OKAY, GOODSIG, VALIDSIG $alice, body intact"

# The MIME structure, as Python's email package (policy.default) reads it.
python3 - "$tmp/message.eml" <<'EOF' || fail "Python's email module disagrees (see above)"
import sys
from email import message_from_binary_file, policy

with open(sys.argv[1], "rb") as f:
    msg = message_from_binary_file(f, policy=policy.default)
checks = [
    ("top level is multipart/encrypted", msg.get_content_type() == "multipart/encrypted"),
    ("protocol parameter", msg.get_param("protocol") == "application/pgp-encrypted"),
    ("From visible", msg["From"] == "Alice <alice@a.example>"),
    ("Subject visible", msg["Subject"] == "Quarterly numbers, folded onto a second line"),
    ("no defects", not msg.defects),
]
parts = msg.get_payload() if msg.is_multipart() else []
checks.append(("two parts", len(parts) == 2))
if len(parts) == 2:
    checks += [
        ("part 1 application/pgp-encrypted",
         parts[0].get_content_type() == "application/pgp-encrypted"),
        ("part 1 Version: 1", parts[0].get_payload().strip() == "Version: 1"),
        ("part 2 application/octet-stream",
         parts[1].get_content_type() == "application/octet-stream"),
        ("part 2 name encrypted.asc", parts[1].get_param("name") == "encrypted.asc"),
        ("part 2 armored message",
         parts[1].get_payload().lstrip().startswith("-----BEGIN PGP MESSAGE-----")),
    ]
bad = [name for name, good in checks if not good]
for name in bad:
    print("python: failed:", name, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
ok "Python email: multipart/encrypted, application/pgp-encrypted + application/octet-stream"
