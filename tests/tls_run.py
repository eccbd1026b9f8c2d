#!/usr/bin/env python3
"""tls_run.py: real TLS in the simulation, judged by tshark and by the files a run writes.

Usage: tls_run.py MAILSIM SCENARIO_DIR

For the bundled TLS scenarios it runs

    mailsim run SCENARIO --format jsonl --pcap T/S.pcap --keylog T/S.keys [--maildir T/md]

and checks, with an empty WIRESHARK_CONFIG_DIR so that no user preference changes the decode:

  smtps-one-hop      tshark finds a ClientHello to port 465 naming mail.a.example (SNI); without
                     the key log it decodes no SMTP command on that stream (AUTH is hidden);
                     with the key log it reads "AUTH PLAIN <alice's credentials>" there; the
                     body is still readable in the clear on the Internet hop (IMF on port 25).
  pop3s              without keys tshark sees no POP3 request on port 995; with the key log it
                     reads USER, PASS and RETR there; carol's PASS on 110 is readable without
                     keys.
  starttls-all-hops  every SMTP and POP3 stream switches: tshark sees STARTTLS (or STLS) in the
                     clear and then TLS on the same stream; no AUTH, PASS or message body is
                     readable without keys; with the key log, AUTH and RETR come out; and the
                     admin's view: bob's Maildir file (--maildir) holds the body in plain text.
  ssh-tunnel         tshark recognises SSH on port 22 (both identification strings, the key
                     exchange, encrypted packets), reads no POP3 there, finds no TCP analysis
                     flag; bob's USER/PASS are not in the bytes on port 22, only in what his
                     MUA wrote into the channel (plain events) and on sshd's own connection to
                     localhost:110 on the server.
  starttls-stripping the trace holds the server's 250-STARTTLS as sent and mallory's "tamper"
                     version without it; no TLS at all crosses the Internet hop; the body is IMF
                     in the clear there.

Also: the key log has the five TLS 1.3 secrets per handshake in NSS key log format, every trace
"secure" event is ok and names TLSv1.3, and the "plain" bytes of each connection are what the
other side's engine answered to (the transcript of the TLS stream decrypted by tshark equals the
trace's plain events for that connection and direction).

Prints one line per check and "tls_run: N passed, N failed"; exits 1 on any failure.
"""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile

from checks import Checks

check = Checks("tls_run", verbose=True)


def run_mailsim(mailsim, scen, tmp, name, extra=()):
    pcap = os.path.join(tmp, name + ".pcap")
    keys = os.path.join(tmp, name + ".keys")
    p = subprocess.run([mailsim, "run", scen, "--format", "jsonl", "--pcap", pcap,
                        "--keylog", keys, *extra], capture_output=True, text=True)
    check(p.returncode == 0, "%s: mailsim run exits 0 (%s)" % (name, p.stderr.strip()[:200]))
    events = [json.loads(line) for line in p.stdout.splitlines()]
    return events, pcap, keys


def tshark(pcap, fields, display=None, keys=None):
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = tempfile.mkdtemp(prefix="ws-")
    cmd = ["tshark", "-n", "-r", pcap, "-o", "tls.desegment_ssl_records:TRUE",
           "-o", "tls.desegment_ssl_application_data:TRUE"]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    if display:
        cmd += ["-Y", display]
    cmd += ["-T", "fields", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print("tshark failed: " + p.stderr)
    return [line.split("|") for line in p.stdout.splitlines() if line]


def text_of(e):
    if "text" in e:
        return e["text"].encode()
    return base64.b64decode(e.get("b64", ""))


def conns(events):
    return {e["conn"]: e for e in events if e["kind"] == "connect"}


def port_of(events, conn):
    return conns(events)[conn]["server"]["port"]


def keylog_ok(keys, events, name):
    lines = open(keys).read().splitlines()
    labels = {}
    for line in lines:
        parts = line.split(" ")
        check(len(parts) == 3 and re.fullmatch(r"[0-9a-f]{64}", parts[1]) is not None and
              re.fullmatch(r"[0-9a-f]+", parts[2]) is not None,
              "%s: key log line is LABEL <client random> <secret>" % name)
        labels[parts[0]] = labels.get(parts[0], 0) + 1
    handshakes = sum(1 for e in events if e["kind"] == "secure" and e["from"] == "client")
    want = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"]
    check(handshakes > 0 and all(labels.get(w) == handshakes for w in want),
          "%s: key log holds the five TLS 1.3 secrets for each of %d handshakes" % (name, handshakes))
    secure = [e for e in events if e["kind"] == "secure"]
    check(secure and all(e["ok"] and e["version"] == "TLSv1.3" for e in secure),
          "%s: every handshake in the trace succeeded with TLSv1.3" % name)


def stream_of(pcap, port):
    rows = tshark(pcap, ["tcp.stream"], "tcp.port==%d && tcp.flags.syn==1 && tcp.flags.ack==0" % port)
    return [int(r[0]) for r in rows]


def smtp_commands(pcap, stream, keys=None):
    rows = tshark(pcap, ["smtp.req.command", "smtp.req.parameter"],
                  "tcp.stream==%d && smtp.req" % stream, keys)
    return [tuple(r) for r in rows]


def smtps_one_hop(mailsim, sdir, tmp):
    name = "smtps-one-hop"
    events, pcap, keys = run_mailsim(mailsim, os.path.join(sdir, name + ".json"), tmp, name)
    keylog_ok(keys, events, name)
    hello = tshark(pcap, ["tcp.dstport", "tls.handshake.extensions_server_name"],
                   "tls.handshake.type==1")
    check(["465", "mail.a.example"] in hello,
          "%s: tshark finds a ClientHello to 465 with SNI mail.a.example" % name)
    s465 = stream_of(pcap, 465)
    check(len(s465) == 2, "%s: two connections to 465, alice's then dave's" % name)
    if not s465:
        return
    plain = smtp_commands(pcap, s465[0])
    check(plain == [], "%s: without keys tshark reads no SMTP command on 465 (got %r)" % (name, plain))
    auth = "AUTH PLAIN " + base64.b64encode(b"\0alice\0wonderland").decode()
    with_keys = smtp_commands(pcap, s465[0], keys)
    check(any(c[0] == "AUTH" and ("AUTH " + c[1]) == auth for c in with_keys),
          "%s: with the key log tshark reads %s" % (name, auth))
    check(any(c[0] == "EHLO" for c in with_keys), "%s: with keys EHLO inside TLS" % name)
    # The Internet hop: gw.a -> mx.b on 25 in the clear, the body readable as IMF.
    imf = tshark(pcap, ["imf.subject", "tcp.dstport"], "imf")
    check(any(r[1] == "25" for r in imf), "%s: the body crosses port 25 as readable IMF" % name)
    sniff = [e for e in events if e["kind"] == "sniff" and e["tap"] == "internet-tap"
             and e["finding"] == "body"]
    check(sniff and "1,200,000 yen" in sniff[0]["value"],
          "%s: the sniffer reads the body on the Internet hop" % name)
    raw = b"".join(text_of(e) for e in events if e["kind"] == "data" and e["conn"] == 1)
    check(b"wonderland" not in raw and auth.encode() not in raw and b"1,200,000" not in raw,
          "%s: no plaintext AUTH or body in the bytes of connection 1" % name)
    # What tshark decrypts equals what the trace says each side wrote inside TLS. In tshark's
    # "follow,tls,raw" output, lines of the first node (the server here, which spoke first
    # inside TLS) come unindented and the other side's lines with a tab.
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = tempfile.mkdtemp(prefix="ws-")
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-o", "tls.keylog_file:" + keys, "-q",
                          "-z", "follow,tls,raw,%d" % s465[0]], capture_output=True, text=True,
                         env=env).stdout
    got = {"server": b"", "client": b""}
    for line in out.splitlines():
        if re.fullmatch(r"\t?[0-9a-f]+", line):
            got["client" if line.startswith("\t") else "server"] += bytes.fromhex(line.strip())
    for side in ("client", "server"):
        want = b"".join(text_of(e) for e in events
                        if e["kind"] == "plain" and e["conn"] == 1 and e["from"] == side)
        check(want and got[side] == want,
              "%s: tshark's decrypted %s stream equals the trace's plain events (%d octets)"
              % (name, side, len(want)))


def pop3s(mailsim, sdir, tmp):
    name = "pop3s"
    events, pcap, keys = run_mailsim(mailsim, os.path.join(sdir, name + ".json"), tmp, name)
    keylog_ok(keys, events, name)
    s995 = stream_of(pcap, 995)
    check(len(s995) == 1, "%s: one connection to 995" % name)
    if not s995:
        return
    q = "tcp.stream==%d && pop.request" % s995[0]
    check(tshark(pcap, ["pop.request.command"], q) == [],
          "%s: without keys tshark reads no POP3 request on 995" % name)
    cmds = [r[0] for r in tshark(pcap, ["pop.request.command"], q, keys)]
    check("USER" in cmds and "PASS" in cmds and "RETR" in cmds,
          "%s: with the key log tshark reads USER, PASS, RETR on 995 (%s)" % (name, ",".join(cmds)))
    s110 = stream_of(pcap, 110)
    params = tshark(pcap, ["pop.request.command", "pop.request.parameter"],
                    "tcp.stream==%d && pop.request" % s110[0]) if s110 else []
    check(["PASS", "lighthouse7"] in params, "%s: carol's PASS on 110 is readable without keys" % name)


def starttls_all_hops(mailsim, sdir, tmp):
    name = "starttls-all-hops"
    md = os.path.join(tmp, "md")
    events, pcap, keys = run_mailsim(mailsim, os.path.join(sdir, name + ".json"), tmp, name,
                                     ["--maildir", md])
    keylog_ok(keys, events, name)
    smtp_conns = [c for c, e in conns(events).items() if e["server"]["port"] in (25, 587)]
    pop_conns = [c for c, e in conns(events).items() if e["server"]["port"] == 110]
    check(len(smtp_conns) >= 4 and len(pop_conns) == 1,
          "%s: %d SMTP and %d POP3 connections" % (name, len(smtp_conns), len(pop_conns)))
    # tshark names the STARTTLS command by its first four letters; the frame holds the word.
    starttls = tshark(pcap, ["tcp.stream"], "smtp.req && frame contains \"STARTTLS\\r\\n\"")
    check(len(starttls) == len(smtp_conns), "%s: tshark sees STARTTLS on each of the %d SMTP streams"
          % (name, len(smtp_conns)))
    stls = tshark(pcap, ["tcp.stream"], "pop.request.command==\"STLS\"")
    check(len(stls) == 1, "%s: tshark sees STLS on the POP3 stream" % name)
    tls_streams = {r[0] for r in tshark(pcap, ["tcp.stream"], "tls.record.opaque_type==23")}
    check(len(tls_streams) == len(smtp_conns) + len(pop_conns),
          "%s: every SMTP and POP3 stream carries TLS application data after the switch" % name)
    clear = tshark(pcap, ["smtp.req.command", "pop.request.command"],
                   "smtp.req.command==\"AUTH\" || pop.request.command==\"PASS\" || imf")
    check(clear == [], "%s: without keys no AUTH, PASS or message is readable (got %r)" % (name, clear[:3]))
    dec = tshark(pcap, ["smtp.req.command", "pop.request.command"],
                 "smtp.req.command==\"AUTH\" || pop.request.command==\"RETR\"", keys)
    check(any(r[0] == "AUTH" for r in dec) and any(r[1] == "RETR" for r in dec),
          "%s: with the key log AUTH and RETR come out" % name)
    found = []
    for root, _dirs, files in os.walk(md):
        for f in files:
            if os.sep + "new" in root or os.sep + "cur" in root:
                data = open(os.path.join(root, f), "rb").read()
                found.append(b"The price is 1,200,000 yen." in data)
    check(any(found),  # alice's message; dave's is the other file
          "%s: the admin's view: the Maildir file on the server holds the body in plain text" % name)


def starttls_stripping(mailsim, sdir, tmp):
    name = "starttls-stripping"
    events, pcap, keys = run_mailsim(mailsim, os.path.join(sdir, name + ".json"), tmp, name)
    tamper = [e for e in events if e["kind"] == "tamper"]
    check(len(tamper) == 1 and tamper[0]["agent"] == "mallory" and "STARTTLS" not in tamper[0]["text"]
          and tamper[0]["text"].startswith("250-mx.b.example"),
          "%s: mallory's version of the EHLO reply has no STARTTLS line" % name)
    if tamper:
        conn = tamper[0]["conn"]
        sent = [e for e in events if e["kind"] == "data" and e["conn"] == conn and
                e["from"] == "server" and "250-STARTTLS" in e.get("text", "")]
        check(len(sent) == 1, "%s: the trace keeps mx.b's reply as sent, with 250-STARTTLS" % name)
        check(not any(e["kind"] == "secure" and e["conn"] == conn for e in events),
              "%s: no TLS on the stripped connection" % name)
        check(not any(e["kind"] == "data" and e["conn"] == conn and e["tls"] for e in events),
              "%s: no TLS record crosses the Internet hop" % name)
    imf = tshark(pcap, ["tcp.dstport"], "imf")
    check(["25"] in imf, "%s: tshark reads the message in the clear on port 25" % name)


def ssh_tunnel(mailsim, sdir, tmp):
    name = "ssh-tunnel"
    events, pcap, keys = run_mailsim(mailsim, os.path.join(sdir, name + ".json"), tmp, name)
    s22 = stream_of(pcap, 22)
    check(len(s22) == 1, "%s: one connection to port 22" % name)
    if not s22:
        return
    rows = tshark(pcap, ["ssh.protocol", "ssh.message_code"], "tcp.stream==%d && ssh" % s22[0])
    protos = [r[0] for r in rows if r[0]]
    codes = {c for r in rows for c in r[1].split(",") if c}
    check(len(protos) == 2 and all(p.startswith("SSH-2.0-") for p in protos),
          "%s: tshark sees both SSH identification strings (%s)" % (name, ", ".join(protos)))
    check({"20", "21"} <= codes and ("30" in codes or "31" in codes),
          "%s: tshark sees KEXINIT, key exchange and NEWKEYS (message codes %s)"
          % (name, ",".join(sorted(codes, key=int))))
    enc = tshark(pcap, ["frame.number"], "tcp.stream==%d && ssh && !ssh.message_code && !ssh.protocol" % s22[0])
    check(len(enc) >= 10, "%s: %d encrypted SSH packets after the key exchange" % (name, len(enc)))
    check(tshark(pcap, ["frame.number"], "tcp.stream==%d && pop" % s22[0]) == [],
          "%s: no POP3 readable on the SSH stream" % name)
    check(tshark(pcap, ["frame.number"], "tcp.stream==%d && tcp.analysis.flags" % s22[0]) == [],
          "%s: no TCP analysis flags on the SSH stream" % name)
    raw = b"".join(text_of(e) for e in events if e["kind"] == "data" and
                   conns(events)[e["conn"]]["server"]["port"] == 22)
    check(b"builder42" not in raw and b"USER bob" not in raw,
          "%s: bob's USER and PASS are not in the bytes on port 22" % name)
    plain = b"".join(text_of(e) for e in events if e["kind"] == "plain" and e["from"] == "client")
    check(b"PASS builder42" in plain, "%s: the trace keeps what bob's MUA wrote into the tunnel" % name)
    inner = [c for c, e in conns(events).items() if e["server"]["port"] == 110 and
             e["client"]["host"] == e["server"]["host"] == "mail.b.example"]
    check(len(inner) == 1, "%s: sshd forwards to localhost:110 on the server itself" % name)
    sec = [e for e in events if e["kind"] == "secure" and e["version"] == "SSH-2.0"]
    check(len(sec) == 2 and all(e["ok"] and "SHA256:" in e["detail"] for e in sec),
          "%s: both ends record the SSH channel with the host key fingerprint" % name)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    mailsim, sdir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="tls-run-") as tmp:
        smtps_one_hop(mailsim, sdir, tmp)
        pop3s(mailsim, sdir, tmp)
        starttls_all_hops(mailsim, sdir, tmp)
        starttls_stripping(mailsim, sdir, tmp)
        ssh_tunnel(mailsim, sdir, tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
