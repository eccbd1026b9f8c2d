#!/bin/sh
# smime_tools.sh TEST_SMIME: real tools read mailsim's S/MIME. test_smime --write makes a CA, bob's
# key and certificate and a message alice signed and encrypted to bob; then `openssl cms` must
# decrypt it with bob's key and verify the signature inside against the CA (the body text
# comes out), and Python's email module must parse it as application/pkcs7-mime.
set -eu

bin=${1:?usage: smime_tools.sh path/to/test_smime}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailsim-smime.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
    echo "smime_tools: FAIL: $*" >&2
    exit 1
}

"$bin" --write "$tmp" || fail "test_smime --write $tmp"
cd "$tmp"

openssl cms -decrypt -in msg.eml -recip bob.pem -inkey bob.key -out signed.eml 2>err.txt ||
    fail "openssl cms -decrypt: $(cat err.txt)"
grep -q '^Content-Type: multipart/signed' signed.eml ||
    fail "the decrypted layer is not multipart/signed: $(head -3 signed.eml)"

openssl cms -verify -in signed.eml -CAfile ca.pem -purpose smimesign -out text.eml 2>err.txt ||
    fail "openssl cms -verify: $(cat err.txt)"
grep -q 'Verification successful' err.txt || fail "openssl cms -verify said: $(cat err.txt)"
echo "openssl cms -verify: $(cat err.txt)"
grep -q 'The quotation is attached' text.eml || fail "the body text is not in: $(cat text.eml)"
grep -q '^Content-Type: text/plain' text.eml || fail "no text/plain entity in: $(cat text.eml)"

# A key that is not a recipient's: openssl must refuse too (alice.pem is a recipient, but
# bob's key does not match her certificate).
if openssl cms -decrypt -in msg.eml -recip alice.pem -inkey bob.key >/dev/null 2>&1; then
    fail "openssl decrypted with a key that does not match the recipient certificate"
fi

python3 - msg.eml <<'EOF' || fail "Python's email module"
import email, email.policy, sys
with open(sys.argv[1], 'rb') as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
assert m.get_content_type() == 'application/pkcs7-mime', m.get_content_type()
assert m.get_param('smime-type') == 'enveloped-data', m.get_param('smime-type')
assert m.get_filename() == 'smime.p7m', m.get_filename()
assert m['From'].addresses[0].addr_spec == 'alice@a.example', m['From']
assert m['Subject'] == 'Quotation for the widgets', m['Subject']
der = m.get_payload(decode=True)
assert der[:1] == b'\x30' and b'quotation' not in der, 'not DER, or plaintext inside'
print('python email: %s, smime-type=%s, %d bytes of DER, From %s'
      % (m.get_content_type(), m.get_param('smime-type'), len(der), m['From']))
EOF

echo "smime_tools: ok"
