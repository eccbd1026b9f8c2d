#!/usr/bin/env python3
"""pcap_run.py: the pcap of a real simulated run, decoded by tshark.

Usage: pcap_run.py MAILSIM SCENARIO_DIR TMPDIR   (normally via pcap_run.sh)

For each case (the bundled nine-steps and retry-and-bounce scenarios, and three variants of
nine-steps written into TMPDIR: AUTH LOGIN, AUTH CRAM-MD5, and a long body that spans several
TCP segments and holds a dot-stuffed line) it runs

    mailsim run SCENARIO --format jsonl --pcap TMPDIR/CASE.pcap

computes from the JSON-lines trace what every connection said, and compares that with what
tshark decodes from the pcap, per TCP stream (streams are matched to the trace's connections by
the addresses and ports of the "connect" lines):

  run      mailsim exits 0; the trace parses; the pcap exists.
  streams  one TCP stream per connection, same addresses and ports; a refused connection is a
           SYN answered by RST|ACK and nothing else.
  bytes    the TCP payload of each direction (tcp.payload, in frame order) is exactly the bytes
           of the trace's "data" lines of that connection and direction.
  smtp     per SMTP stream: the client's command verbs (smtp.req.command) and the server's
           reply codes (smtp.response.code, one per reply; a multi-line 250- reply is one reply)
           equal the trace's, in order, each side alone and both sides interleaved.
  pop3     per POP3 stream: the command verbs (pop.request.command) and the +OK/-ERR indicators
           (pop.response.indicator) equal the trace's, in order, each side alone and interleaved.
  imf      each SMTP DATA body is one IMF message to tshark, with the message's Subject
           (tshark shows the header's raw RFC 2047 form, folding included; the decoded form is
           accepted too).
  clean    with checksum validation on, every frame's IP and TCP checksums are good, and
           tshark -Y 'tcp.analysis.flags || _ws.expert.severity >= warning' shows nothing but
           one "Connection reset (RST)" per refused connection, on that connection's RST. The
           bundled scenarios run that exact command (and it must agree with the decode's own
           tcp.analysis.flags and _ws.expert.severity fields); the variants use those fields
           only, to spare a tshark start-up of most of a second each.

Every tshark run is  tshark -n -r PCAP -d tcp.port==587,smtp -o smtp.decryption:TRUE
-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -T json -e FIELD...  with an empty
WIRESHARK_CONFIG_DIR, so that a user's own Wireshark preferences cannot change the decode.

How the trace is modelled (the "expected" side):

  SMTP  Client bytes are cut into CRLF lines. Outside DATA, each line is a command and its verb
        is the text up to the first space (PIPELINING sends MAIL, RCPT... DATA in one data
        line of the trace: each of its lines is a command). A server reply is complete at a
        line whose fourth octet is not "-"; its code is its first three octets. After a 354
        reply, client lines up to the line "." (CRLF.CRLF) are the message body, not commands.
        After a 334 reply, the next client line is a SASL response (base64, or "*"), not a
        command: tshark shows such lines as "User:"/"Pass:" for AUTH LOGIN and as a "DATA
        fragment" for CRAM-MD5, never as smtp.req.command, so they are left out of the command
        sequence and counted on their own ("SASL lines"). The 334 replies themselves are replies.
  POP3  Each client line is a command. Each server line outside a multi-line body is a
        response, its indicator the first word (+OK or -ERR); the first is the greeting. After
        +OK to RETR, TOP, CAPA, or LIST/UIDL without an argument, server lines up to "." are the
        body, not responses. (tshark only reassembles a RETR into IMF when "+OK n octets" has a
        segment of its own; mailsim sends it with the message, so no IMF is expected there.)

Prints a report and a last line "pcap_run: N passed, N failed"; exits 1 on any failure.
"""

import base64
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from email.header import decode_header, make_header

TIMEOUT = 60
ROOT_NOTE = 'Running as user "root" and group "root". This could be dangerous.'
# The decode options of every tshark run: SMTP on the submission port, AUTH PLAIN's base64
# decoded (else tshark warns that it did not), and both checksums verified.
TSHARK_OPTS = ["-n", "-d", "tcp.port==587,smtp", "-o", "smtp.decryption:TRUE",
               "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
CLEAN_FILTER = "tcp.analysis.flags || _ws.expert.severity >= warning"
FIELDS = ["frame.number", "frame.protocols", "tcp.stream", "ip.src", "ip.dst", "tcp.srcport",
          "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.reset", "tcp.flags.fin",
          "tcp.len", "tcp.payload", "ip.checksum.status", "tcp.checksum.status",
          "smtp.req.command", "smtp.response.code", "smtp.auth.username", "smtp.auth.password",
          "smtp.eom", "imf.subject", "pop.request.command", "pop.response.indicator"]
CLEAN_FIELDS = ["frame.number", "tcp.stream", "tcp.flags.reset", "tcp.analysis.flags",
                "_ws.expert.message", "_ws.expert.severity", "_ws.col.Info"]
PI_WARN = 0x00600000  # epan/proto.h: PI_WARN; _ws.expert.severity >= warning means this
POP3_MULTILINE = {"RETR", "TOP", "CAPA"}
POP3_MULTILINE_NOARG = {"LIST", "UIDL"}


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, case, name, ok, summary, details=()):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {summary}")
        for d in details:
            print(f"         {d}")
        return ok


def lines_of(data):
    """Complete CRLF-terminated lines of data (without CRLF), and the unterminated rest."""
    out = []
    start = 0
    while True:
        i = data.find(b"\r\n", start)
        if i < 0:
            return out, data[start:]
        out.append(data[start:i])
        start = i + 2


def verb_of(line):
    return line.split(b" ", 1)[0].decode("utf-8", "replace")


# ---- The trace ----------------------------------------------------------------------------


class Conn:
    def __init__(self, obj):
        self.id = obj["conn"]
        self.proto = obj.get("proto", "")
        self.client = obj["client"]
        self.server = obj["server"]
        self.events = []  # (from, bytes), in trace order
        self.refused = False

    @property
    def key(self):
        return (self.client["ip"], int(self.client["port"]),
                self.server["ip"], int(self.server["port"]))

    @property
    def kind(self):
        if self.proto in ("smtp", "submission"):
            return "smtp"
        if self.proto in ("pop3",):
            return "pop3"
        port = int(self.server["port"])
        return {25: "smtp", 587: "smtp", 110: "pop3"}.get(port, "")

    def bytes_from(self, side):
        return b"".join(d for f, d in self.events if f == side)


def read_trace(path):
    conns = {}
    order = []
    with open(path, "rb") as fp:
        for n, raw in enumerate(fp, 1):
            obj = json.loads(raw)
            kind = obj.get("kind")
            if kind == "connect":
                c = Conn(obj)
                conns[c.id] = c
                order.append(c)
            elif kind == "data":
                if "text_b64" in obj:
                    data = base64.b64decode(obj["text_b64"])
                else:
                    data = obj["text"].encode("utf-8")
                conns[obj["conn"]].events.append((obj["from"], data))
            elif kind == "close" and obj.get("refused"):
                conns[obj["conn"]].refused = True
    return order


class Expect:
    def __init__(self):
        self.tokens = []  # ("C", verb) / ("S", code or indicator), in trace order
        self.sasl = 0
        self.bodies = []  # SMTP DATA bodies (bytes, without the final ".")

    def side(self, s):
        return [t for f, t in self.tokens if f == s]


def expect_smtp(conn):
    e = Expect()
    cbuf = sbuf = b""
    in_body = False
    body = []
    sasl_next = False
    for side, data in conn.events:
        if side == "server":
            lines, sbuf = lines_of(sbuf + data)
            for line in lines:
                if line[3:4] == b"-":
                    continue  # a multi-line reply goes on
                code = line[:3].decode("ascii", "replace")
                e.tokens.append(("S", code))
                if code == "354":
                    in_body, body = True, []
                sasl_next = code == "334"
        else:
            lines, cbuf = lines_of(cbuf + data)
            for line in lines:
                if in_body:
                    if line == b".":
                        e.bodies.append(b"".join(l + b"\r\n" for l in body))
                        in_body = False
                    else:
                        body.append(line)
                elif sasl_next:
                    e.sasl += 1
                    sasl_next = False
                else:
                    e.tokens.append(("C", verb_of(line)))
    return e


def expect_pop3(conn):
    e = Expect()
    cbuf = sbuf = b""
    pending = [("greeting", False)]
    in_body = False
    for side, data in conn.events:
        if side == "client":
            lines, cbuf = lines_of(cbuf + data)
            for line in lines:
                verb = verb_of(line)
                has_arg = len(line.split()) > 1
                e.tokens.append(("C", verb))
                pending.append((verb.upper(), has_arg))
        else:
            lines, sbuf = lines_of(sbuf + data)
            for line in lines:
                if in_body:
                    if line == b".":
                        in_body = False
                    continue
                ind = verb_of(line)
                e.tokens.append(("S", ind))
                verb, has_arg = pending.pop(0) if pending else ("?", False)
                if ind == "+OK" and (verb in POP3_MULTILINE or
                                     (verb in POP3_MULTILINE_NOARG and not has_arg)):
                    in_body = True
    return e


def subject_of(body):
    """The Subject header of an RFC 5322 message: (raw unfolded value, decoded value)."""
    head = body.split(b"\r\n\r\n", 1)[0]
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line  # unfold: drop the CRLF, keep the white space
        else:
            fields.append(line)
    for f in fields:
        name, _, value = f.partition(b":")
        if name.strip().lower() == b"subject":
            raw = value.decode("utf-8", "replace").strip()
            try:
                decoded = str(make_header(decode_header(raw)))
            except Exception:  # a malformed encoded word: only the raw form can match
                decoded = raw
            return raw, decoded
    return None, None


# ---- tshark ---------------------------------------------------------------------------------


def tshark_json(args, env):
    p = subprocess.run(["tshark"] + args, capture_output=True, timeout=TIMEOUT, env=env)
    err = [l for l in p.stderr.decode("utf-8", "replace").splitlines()
           if l.strip() and l.strip() != ROOT_NOTE]
    if p.returncode != 0:
        raise RuntimeError(f"tshark exited {p.returncode}: " + " | ".join(err[:5]))
    text = p.stdout.decode("utf-8", "replace").strip()
    frames = json.loads(text) if text else []
    return [f["_source"]["layers"] for f in frames], err


def fv(layers, name):
    """All values of a field in a frame, in order (tshark -T json gives lists)."""
    v = layers.get(name, [])
    return v if isinstance(v, list) else [v]


def f1(layers, name, default=""):
    v = fv(layers, name)
    return v[0] if v else default


def truthy(v):
    return v in ("1", "True", "true")


class Stream:
    def __init__(self, sid):
        self.id = sid
        self.frames = []
        self.key = None  # (client ip, port, server ip, port)

    def from_client(self, fr):
        return (f1(fr, "ip.src"), int(f1(fr, "tcp.srcport", "0"))) == self.key[:2]


def streams_of(frames):
    streams = {}
    for fr in frames:
        sid = f1(fr, "tcp.stream")
        if sid == "":
            continue
        st = streams.setdefault(int(sid), Stream(int(sid)))
        st.frames.append(fr)
    for st in streams.values():
        first = st.frames[0]
        for fr in st.frames:  # the client is who sent the SYN without ACK
            if truthy(f1(fr, "tcp.flags.syn")) and not truthy(f1(fr, "tcp.flags.ack")):
                first = fr
                break
        st.key = (f1(first, "ip.src"), int(f1(first, "tcp.srcport", "0")),
                  f1(first, "ip.dst"), int(f1(first, "tcp.dstport", "0")))
    return [streams[k] for k in sorted(streams)]


def got_tokens(stream, cfield, sfield):
    """[(side, value, frame number)] of tshark's decode of one stream, in frame order."""
    out = []
    for fr in stream.frames:
        side = "C" if stream.from_client(fr) else "S"
        for v in fv(fr, cfield if side == "C" else sfield):
            out.append((side, v, f1(fr, "frame.number")))
    return out


def first_diff(want, got):
    for i in range(max(len(want), len(got))):
        if i >= len(want) or i >= len(got) or want[i] != got[i]:
            return i
    return None


def compare(label, want, got):
    """want: [token]; got: [(token, frame)]. Returns a list of detail lines (empty if equal)."""
    gt = [t for t, _ in got]
    i = first_diff(want, gt)
    if i is None:
        return []
    w = want[i] if i < len(want) else "(nothing)"
    g = f"{gt[i]} in frame {got[i][1]}" if i < len(gt) else "(nothing)"
    return [f"{label}: {len(want)} in the trace, {len(gt)} from tshark; item {i + 1}: "
            f"trace {w}, tshark {g}",
            f"  trace:  {' '.join(map(str, want[max(0, i - 3):i + 4]))}",
            f"  tshark: {' '.join(map(str, gt[max(0, i - 3):i + 4]))}"]


def compare_dialogue(name, e, got):
    """Each side alone, then both interleaved. Returns detail lines."""
    det = []
    for side, what in (("C", "commands"), ("S", "replies")):
        det += compare(f"{name} {what}", e.side(side),
                       [(v, fr) for s, v, fr in got if s == side])
    if not det:
        det += compare(f"{name} interleaving", [f"{s}:{v}" for s, v in e.tokens],
                       [(f"{s}:{v}", fr) for s, v, fr in got])
    return det


# ---- One case -------------------------------------------------------------------------------


def prepare(rep, name, scenario, tmp, mailsim, extra_args, bundled):
    """Runs mailsim; returns the case (its trace and what tshark should find) or None.
    A bundled scenario also gets the exact "clean" tshark command of the issue."""
    print(f"== {name}")
    jsonl = os.path.join(tmp, name + ".jsonl")
    pcap = os.path.join(tmp, name + ".pcap")
    cmd = [mailsim, "run", scenario, "--format", "jsonl", "--pcap", pcap] + extra_args
    print("  $ " + " ".join(cmd) + " > " + jsonl)
    try:
        with open(jsonl, "wb") as out:
            p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, timeout=TIMEOUT)
        conns = read_trace(jsonl) if p.returncode == 0 else []
        ok = p.returncode == 0 and os.path.getsize(pcap) > 24 and conns
        why = f"exit status {p.returncode}" + (
            ": " + p.stderr.decode("utf-8", "replace").strip()[:300] if p.stderr else "")
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired) as ex:
        ok, why, conns = False, f"{type(ex).__name__}: {ex}", []
    refused = [c for c in conns if c.refused]
    if not rep.check(name, "run", ok, f"{len(conns)} connections ({len(refused)} refused), "
                     f"{os.path.getsize(pcap) if ok else 0} octets of pcap" if ok else why):
        return None
    smtp = {c.id: expect_smtp(c) for c in conns if c.kind == "smtp" and not c.refused}
    pop3 = {c.id: expect_pop3(c) for c in conns if c.kind == "pop3" and not c.refused}
    fig = {"conns": len(conns), "refused": len(refused),
           "smtp_cmds": sum(len(e.side("C")) for e in smtp.values()),
           "smtp_replies": sum(len(e.side("S")) for e in smtp.values()),
           "sasl": sum(e.sasl for e in smtp.values()),
           "bodies": sum(len(e.bodies) for e in smtp.values()),
           "pop3_cmds": sum(len(e.side("C")) for e in pop3.values()),
           "pop3_replies": sum(len(e.side("S")) for e in pop3.values())}
    print(f"  trace: {fig['smtp_cmds']} SMTP commands, {fig['smtp_replies']} replies, "
          f"{fig['sasl']} SASL lines, {fig['bodies']} DATA bodies; {fig['pop3_cmds']} POP3 "
          f"commands, {fig['pop3_replies']} replies")
    return {"name": name, "pcap": pcap, "exact": bundled, "conns": conns, "refused": refused, "smtp": smtp,
            "pop3": pop3, "fig": fig}


def run_tshark(case, env):
    """tshark on a case: the decode of every frame; for the bundled scenarios also the exact
    "clean" filter (the variants take the same frames from the decode's fields)."""
    pcap = case["pcap"]
    try:
        frames, err = tshark_json(["-r", pcap] + TSHARK_OPTS + ["-T", "json"] +
                                  [a for f in dict.fromkeys(FIELDS + CLEAN_FIELDS) for a in ("-e", f)], env)
        flagged = None
        if case["exact"]:
            flagged, err2 = tshark_json(["-r", pcap] + TSHARK_OPTS + ["-Y", CLEAN_FILTER,
                                        "-T", "json"] +
                                        [a for f in CLEAN_FIELDS for a in ("-e", f)], env)
            err += err2
    except (OSError, ValueError, RuntimeError, subprocess.TimeoutExpired) as ex:
        return None, None, [f"{type(ex).__name__}: {ex}"]
    return frames, flagged, err


def analyse(rep, case, frames, flagged, err):
    name, conns, refused = case["name"], case["conns"], case["refused"]
    smtp, pop3, fig = case["smtp"], case["pop3"], case["fig"]
    print(f"== {name}: tshark")
    if frames is None:
        rep.check(name, "tshark", False, "tshark did not run", err)
        return None
    if err:
        rep.check(name, "tshark", False, "tshark wrote to stderr", err[:5])
    fig["frames"] = len(frames)

    # -- streams
    streams = streams_of(frames)
    det = []
    by_key = {}
    for st in streams:
        by_key.setdefault(st.key, []).append(st)
    conn_stream = {}
    for c in conns:
        cands = by_key.get(c.key, [])
        if not cands:
            det.append(f"conn {c.id} {c.key}: no TCP stream with these addresses and ports")
            continue
        conn_stream[c.id] = cands.pop(0)
    for k, rest in by_key.items():
        for st in rest:
            det.append(f"tcp.stream {st.id} {k}: no connection in the trace")
    for c in refused:
        st = conn_stream.get(c.id)
        if not st:
            continue
        shape = [(st.from_client(fr), truthy(f1(fr, "tcp.flags.syn")),
                  truthy(f1(fr, "tcp.flags.reset")), int(f1(fr, "tcp.len", "0")))
                 for fr in st.frames]
        if shape != [(True, True, False, 0), (False, False, True, 0)]:
            det.append(f"refused conn {c.id} (tcp.stream {st.id}): want SYN then RST, got "
                       f"frames {[f1(fr, 'frame.number') for fr in st.frames]}")
    rep.check(name, "streams", not det,
              f"{len(streams)} TCP streams for {len(conns)} connections ("
              + ", ".join(f"#{c.id}={conn_stream[c.id].id}" for c in conns if c.id in conn_stream)
              + ")", det)
    fig["streams"] = len(streams)

    # -- bytes
    det = []
    total = 0
    for c in conns:
        st = conn_stream.get(c.id)
        if not st:
            continue
        for side, label in (("client", "client->server"), ("server", "server->client")):
            want = c.bytes_from(side)
            got = b"".join(bytes.fromhex(f1(fr, "tcp.payload").replace(":", ""))
                           for fr in st.frames if st.from_client(fr) == (side == "client"))
            total += len(want)
            if want != got:
                i = first_diff(want, got)
                det.append(f"conn {c.id} {label}: trace {len(want)} octets, pcap {len(got)}; "
                           f"first difference at octet {i}: trace {want[i:i + 16]!r}, "
                           f"pcap {got[i:i + 16]!r}")
    rep.check(name, "bytes", not det,
              f"{total} payload octets of {len(conn_stream)} streams "
              + ("identical to the trace" if not det else "compared; differences:"), det)
    fig["octets"] = total

    # -- SMTP and POP3 dialogues
    for proto, table, cf, sf in (("smtp", smtp, "smtp.req.command", "smtp.response.code"),
                                 ("pop3", pop3, "pop.request.command",
                                  "pop.response.indicator")):
        if not table:
            continue
        det = []
        sasl_seen = 0
        for cid, e in table.items():
            st = conn_stream.get(cid)
            if not st:
                det.append(f"conn {cid}: no stream")
                continue
            got = got_tokens(st, cf, sf)
            det += compare_dialogue(f"conn {cid} (tcp.stream {st.id})", e, got)
            sasl_seen += sum(len(fv(fr, "smtp.auth.username")) + len(fv(fr, "smtp.auth.password"))
                             for fr in st.frames)
        n = len(table)
        verdict = "matched in order" if not det else "in the trace; tshark differs:"
        if proto == "smtp":
            summary = (f"{n} streams, {fig['smtp_cmds']} commands and {fig['smtp_replies']} "
                       f"replies {verdict} ({fig['sasl']} SASL response lines, not commands; "
                       f"tshark decoded {sasl_seen} smtp.auth.username/password fields)")
        else:
            summary = (f"{n} stream{'s' if n != 1 else ''}, {fig['pop3_cmds']} commands and "
                       f"{fig['pop3_replies']} +OK/-ERR replies {verdict}")
        rep.check(name, proto, not det, summary, det)

    # -- IMF: one message per DATA body, with its Subject
    det = []
    forms = set()
    eoms = 0
    for cid, e in smtp.items():
        st = conn_stream.get(cid)
        if not st:
            continue
        imf = [fr for fr in st.frames if "imf" in f1(fr, "frame.protocols").split(":")]
        eoms += sum(1 for fr in st.frames if "smtp.eom" in fr)
        if len(imf) != len(e.bodies):
            det.append(f"conn {cid} (tcp.stream {st.id}): {len(e.bodies)} DATA bodies, "
                       f"{len(imf)} IMF messages from tshark")
        for body, fr in zip(e.bodies, imf):
            raw, decoded = subject_of(body)
            got = f1(fr, "imf.subject", None)
            g = None if got is None else " ".join(
                got.replace("\\r\\n", " ").replace("\r\n", " ").split())
            if raw is None:
                if got is not None:
                    det.append(f"frame {f1(fr, 'frame.number')}: no Subject sent, tshark {got!r}")
            elif g == " ".join(raw.split()):
                forms.add("raw RFC 2047" if raw != decoded else "plain")
            elif g == " ".join(decoded.split()):
                forms.add("decoded")
            else:
                det.append(f"frame {f1(fr, 'frame.number')} (conn {cid}): Subject {raw!r} "
                           f"({decoded!r}), tshark imf.subject {got!r}")
    if eoms != fig["bodies"]:
        det.append(f"{eoms} smtp.eom (end of data) for {fig['bodies']} DATA bodies")
    if fig["bodies"]:
        rep.check(name, "imf", not det,
                  f"{fig['bodies']} DATA bodies, each one IMF message with its Subject "
                  f"({', '.join(sorted(forms)) or '-'} form) and an end-of-data mark"
                  if not det else f"{fig['bodies']} DATA bodies; tshark differs:", det)

    # -- clean: checksums, analysis flags and expert warnings
    det = []
    bad_sum = [f1(fr, "frame.number") for fr in frames
               if f1(fr, "ip.checksum.status") != "1" or f1(fr, "tcp.checksum.status") != "1"]
    if bad_sum:
        det.append(f"{len(bad_sum)} frames without good IP and TCP checksums "
                   f"(status 1): frames {bad_sum[:10]}")
    # What the filter tcp.analysis.flags || _ws.expert.severity >= warning selects.
    selected = [fr for fr in frames if "tcp.analysis.flags" in fr or
                any(int(v) >= PI_WARN for v in fv(fr, "_ws.expert.severity"))]
    if flagged is None:
        flagged = selected
        how = "frames the filter selects"
    else:
        how = "frames the -Y filter printed"
        a = [f1(fr, "frame.number") for fr in selected]
        b = [f1(fr, "frame.number") for fr in flagged]
        if a != b:
            det.append(f"the -Y filter printed frames {b}, the decode's fields select {a}")
    stream_conn = {st.id: c for c in conns for st in [conn_stream.get(c.id)] if st}
    rst_ok = {}
    for fr in flagged:
        num = f1(fr, "frame.number")
        c = stream_conn.get(int(f1(fr, "tcp.stream", "-1")))
        msgs = [m for m, s in zip(fv(fr, "_ws.expert.message"), fv(fr, "_ws.expert.severity"))
                if int(s) >= PI_WARN]
        expected_rst = (c is not None and c.refused and truthy(f1(fr, "tcp.flags.reset"))
                        and "tcp.analysis.flags" not in fr
                        and msgs == ["Connection reset (RST)"] and c.id not in rst_ok)
        line = f"frame {num} (conn {c.id if c else '?'}): {f1(fr, '_ws.col.Info')} -- " + (
            "; ".join(msgs) + (" [tcp.analysis.flags]" if "tcp.analysis.flags" in fr else ""))
        if expected_rst:
            rst_ok[c.id] = line
        else:
            det.append("unexpected: " + line)
    for c in refused:
        if c.id not in rst_ok:
            det.append(f"refused conn {c.id}: no \"Connection reset (RST)\" shown")
    fig["flags"] = len(flagged) - len(rst_ok)
    rep.check(name, "clean", not det,
              f"{len(frames)} frames, {len(frames) - len(bad_sum)} with good checksums; "
              f"{len(flagged)} {how}: {fig['flags']} analysis flags or warnings besides "
              f"{len(rst_ok)} expected RST of refused connections",
              [f"expected: {l}" for l in rst_ok.values()] + det)
    return fig


# ---- Variants of nine-steps -------------------------------------------------------------------


def variants(base, tmp):
    """(name, path) of scenarios derived from nine-steps, written into tmp."""
    with open(base, encoding="utf-8") as fp:
        s = json.load(fp)
    senders = {t["agent"] for t in s.get("timeline", []) if t.get("action") == "send"}
    if not senders:
        raise ValueError(f"{base}: no send in the timeline")
    out = []

    def write(name, mutate):
        v = json.loads(json.dumps(s))
        v["expect"] = {}
        mutate(v)
        path = os.path.join(tmp, name + ".json")
        with open(path, "w", encoding="utf-8") as fp:
            json.dump(v, fp, ensure_ascii=False, indent=1)
        out.append((name, path))

    def auth(mech):
        def m(v):
            for a in v["agents"]:
                if a["id"] in senders:
                    a["auth_mech"] = mech
                if a.get("role") == "msa":
                    a["auth_mechs"] = ["PLAIN", "LOGIN", "CRAM-MD5"]
        return m

    def long_body(v):
        for t in v["timeline"]:
            if t.get("action") == "send":
                t["body"] = ("Bob,\n\n" + "".join(
                    f"Line {i:02} of a long letter, long enough to fill several TCP segments.\n"
                    for i in range(80)) + ".A line that starts with a dot, dot-stuffed.\n"
                    "\nAlice\n")

    write("nine-steps+auth-login", auth("LOGIN"))
    write("nine-steps+auth-cram-md5", auth("CRAM-MD5"))
    write("nine-steps+long-body", long_body)
    return out


def main(argv):
    if len(argv) < 4:
        print("usage: pcap_run.py MAILSIM SCENARIO_DIR TMPDIR")
        return 2
    mailsim, sdir, tmp = argv[1:4]
    env = dict(os.environ)
    # An empty personal configuration: a user's Wireshark preferences must not change the decode.
    env["WIRESHARK_CONFIG_DIR"] = os.path.join(tmp, "wireshark")
    os.makedirs(env["WIRESHARK_CONFIG_DIR"], exist_ok=True)
    rep = Report()
    cases = [(n, os.path.join(sdir, n + ".json"), [], True) for n in ("nine-steps", "retry-and-bounce")]
    try:
        cases += [(n, p, ["--no-check"], False) for n, p in
                  variants(os.path.join(sdir, "nine-steps.json"), tmp)]
    except (OSError, ValueError, KeyError) as ex:
        rep.check("variants", "variants", False, f"cannot derive from nine-steps: {ex}")
    prepared = [prepare(rep, n, p, tmp, mailsim, extra, bundled) for n, p, extra, bundled in cases]
    figs = {n: (c["fig"] if c else None) for (n, _, _, _), c in zip(cases, prepared)}
    todo = [c for c in prepared if c]
    # tshark spends most of a second starting up: run the cases side by side.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: run_tshark(c, env), todo))
    for c, (frames, flagged, err) in zip(todo, results):
        if analyse(rep, c, frames, flagged, err) is None:
            figs[c["name"]] = None
    print("== figures")
    for name, f in figs.items():
        if not f:
            print(f"  {name}: (failed before the figures)")
        else:
            print(f"  {name}: {f['frames']} frames, {f['streams']} TCP streams "
                  f"({f['refused']} refused), {f['smtp_cmds']} SMTP commands, "
                  f"{f['smtp_replies']} SMTP replies, {f['sasl']} SASL lines, "
                  f"{f['bodies']} DATA bodies/IMF subjects, {f['pop3_cmds']} POP3 commands, "
                  f"{f['pop3_replies']} POP3 replies, {f['octets']} payload octets; "
                  f"{f['flags']} analysis flags/warnings besides {f['refused']} RST")
    print(f"pcap_run: {rep.passed} passed, {rep.failed} failed")
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
