#!/bin/sh
# ssh_pcap.sh TEST_SSH: the wire of an SSH port forward is real SSH. test_ssh --pcap records one
# POP3 session through ssh -L 1110:localhost:110 (libssh client and server inside mailsim) as a
# pcap; tshark must find both identification strings on port 22, the key exchange (KEXINIT 20,
# ECDH init 30 and reply 31, NEWKEYS 21, each from the right side), only SSH in every segment
# with data, a FIN each way, no TCP analysis flag, and none of the POP3 plaintext.
set -u

bin=${1:?usage: ssh_pcap.sh path/to/test_ssh}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailsim-ssh.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
pcap=$tmp/ssh.pcap
passed=0
failed=0

check() { # check WHAT: the last command's status
    if [ "$1" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "ssh_pcap: FAIL: $2" >&2
    fi
}

finish() {
    echo "ssh_pcap: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit $?
}

"$bin" --pcap "$pcap"
check $? "test_ssh --pcap $pcap"
[ -s "$pcap" ]
check $? "no pcap written"
if grep -aq -e 'USER bob' -e 'PASS ' -e 'Dovecot' "$pcap"; then
    check 1 "POP3 plaintext in the capture"
else
    check 0 ""
fi

if ! command -v tshark >/dev/null 2>&1; then
    echo "ssh_pcap: tshark is not on PATH; install it (scripts/setup.sh)"
    check 1 "no tshark"
    finish
fi

ts() { tshark -n -r "$pcap" "$@" 2>/dev/null; }

ts -Y ssh >"$tmp/summary.txt"
check $? "tshark -r $pcap"
echo "tshark -Y ssh:"
cat "$tmp/summary.txt"

# One line per SSH frame: source port, version string (first frames), message codes.
ts -Y ssh -T fields -e tcp.srcport -e ssh.protocol -e ssh.message_code >"$tmp/fields.txt"
echo "tshark -T fields -e tcp.srcport -e ssh.protocol -e ssh.message_code:"
cat "$tmp/fields.txt"

grep -q '^50022	SSH-2\.0-' "$tmp/fields.txt"
check $? "no client identification string (SSH-2.0-) from port 50022"
grep -q '^22	SSH-2\.0-' "$tmp/fields.txt"
check $? "no server identification string (SSH-2.0-) from port 22"

# has SIDE CODE: a frame from that side carries that message code.
has() {
    awk -F '\t' -v port="$1" -v code="$2" '
        $1 == port { n = split($3, c, ","); for (i = 1; i <= n; i++) if (c[i] == code) found = 1 }
        END { exit !found }' "$tmp/fields.txt"
}
for code in 20 30 21; do
    has 50022 $code
    check $? "no message code $code from the client"
done
for code in 20 31 21; do
    has 22 $code
    check $? "no message code $code from the server"
done

extra=$(ts -Y 'tcp.len > 0 && !ssh' -T fields -e frame.number)
[ -z "$extra" ]
check $? "segments with data that tshark does not read as SSH: frames $extra"
flags=$(ts -Y tcp.analysis.flags -T fields -e frame.number -e _ws.col.Info)
[ -z "$flags" ]
check $? "TCP analysis flags: $flags"
fins=$(ts -Y 'tcp.flags.fin == 1' -T fields -e tcp.srcport | sort | tr '\n' ' ')
[ "$fins" = "22 50022 " ]
check $? "expected one FIN from each side, got: $fins"
pop=$(ts -Y 'pop || tcp.port == 110 || tcp.port == 1110' -T fields -e frame.number)
[ -z "$pop" ]
check $? "POP3 visible on the link: frames $pop"

finish
