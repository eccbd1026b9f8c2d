#!/usr/bin/env bash
# pcap_run.sh: the pcap of a real simulated run, decoded by tshark. Runs the nine-steps and
# retry-and-bounce scenarios (and three variants of nine-steps: AUTH LOGIN, AUTH CRAM-MD5, a
# long body) with --format jsonl --pcap, and checks that tshark finds every SMTP and POP3
# command and reply of the trace, in order, on one TCP stream per connection, with the trace's
# exact bytes, the message's Subject in each DATA, good checksums, and no TCP analysis flag or
# warning but the one RST of each refused connection. The details are in pcap_run.py.
#   tests/pcap_run.sh build/app/mailsim
#   MAILSIM_PCAP_KEEP=1 keeps the scenarios, traces and pcaps in the temporary folder.
set -u
bin=${1:?usage: pcap_run.sh MAILSIM}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null 2>&1; then
    echo "pcap_run: python3 is not on PATH; install it (scripts/setup.sh)"
    echo "pcap_run: 0 passed, 1 failed"
    exit 1
fi

if ! command -v tshark >/dev/null 2>&1; then
    echo "pcap_run: tshark is not on PATH; install it (scripts/setup.sh)"
    echo "pcap_run: 0 passed, 1 failed"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcap_run.XXXXXX") || exit 1
if [ "${MAILSIM_PCAP_KEEP:-}" = 1 ]; then
    echo "pcap_run: keeping $tmp"
else
    trap 'rm -rf "$tmp"' EXIT
fi
python3 "$here/pcap_run.py" "$bin" "$(cd "$here/.." && pwd)/scenarios" "$tmp"
