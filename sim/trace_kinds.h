/* trace_kinds: the schema of the trace. One row per event kind names the kind and its fields;
 * from it come the enum, the JSON names, the JSONL writer and reader (export_jsonl.c,
 * trace_read.c) and the named accessors below, so that no reader of a trace decodes an event by
 * the position of a field. Adding a kind is one row here and, when it has a field no row had
 * before, one visitor.
 *
 * A row is X(ENUM, name, FIELDS). FIELDS is a macro that takes the kind's name and one visitor
 * per field type, and lists the fields in the order the JSON line gives them:
 *   S(k, key, slot)   a string held in s[slot]
 *   SO(k, key, slot)  the same, left out of the JSON line when it is empty
 *   N(k, key)         num, a signed number
 *   A(k, key)         aux, an unsigned number
 *   C(k, key)         conn, the connection id
 *   CO(k, key)        conn, left out when it is 0 (the event belongs to no connection)
 *   F(k, key)         from: "client" or "server"
 *   B(k, key)         the bytes: "key":"text" when they are UTF-8, else "key_b64":"base64"
 *   OK(k, key)        flags & TRACE_OK, as true or false
 *   X(k, key)         written and read by the kind's own code: connect's endpoints, data's
 *                     "tls"/"ssh", close's "refused"
 * JSON keys are a contract (users have scripts on them): a key never changes once released. */
#ifndef MAILSIM_TRACE_KINDS_H
#define MAILSIM_TRACE_KINDS_H

#define TRACE_F_CONNECT(k, S, SO, N, A, C, CO, F, B, OK, X) C(k, conn) X(k, endpoints)
#define TRACE_F_DATA(k, S, SO, N, A, C, CO, F, B, OK, X) C(k, conn) F(k, from) B(k, text) X(k, tls)
#define TRACE_F_CLOSE(k, S, SO, N, A, C, CO, F, B, OK, X) C(k, conn) F(k, from) X(k, refused)
#define TRACE_F_STEP(k, S, SO, N, A, C, CO, F, B, OK, X)                                           \
    N(k, n) S(k, mail, 0) S(k, agent, 1) CO(k, conn)
#define TRACE_F_MAIL(k, S, SO, N, A, C, CO, F, B, OK, X)                                           \
    S(k, mail, 0) S(k, state, 1) S(k, agent, 2) N(k, code)
#define TRACE_F_AUTH(k, S, SO, N, A, C, CO, F, B, OK, X)                                           \
    S(k, agent, 0) S(k, user, 1) S(k, mech, 2) OK(k, ok) CO(k, conn)
#define TRACE_F_POLICY(k, S, SO, N, A, C, CO, F, B, OK, X)                                         \
    S(k, agent, 0) S(k, rule, 1) S(k, decision, 2) N(k, code) CO(k, conn)
#define TRACE_F_SNIFF(k, S, SO, N, A, C, CO, F, B, OK, X)                                          \
    S(k, tap, 0) C(k, conn) S(k, finding, 1) B(k, value)
#define TRACE_F_STATE(k, S, SO, N, A, C, CO, F, B, OK, X)                                          \
    S(k, agent, 0) S(k, machine, 1) S(k, state, 2) CO(k, conn)
#define TRACE_F_DNS(k, S, SO, N, A, C, CO, F, B, OK, X) S(k, agent, 0) S(k, query, 1) B(k, answer)
#define TRACE_F_NOTE(k, S, SO, N, A, C, CO, F, B, OK, X) SO(k, agent, 0) S(k, ja, 1) S(k, en, 2)
#define TRACE_F_LOG(k, S, SO, N, A, C, CO, F, B, OK, X)                                            \
    S(k, agent, 0) S(k, program, 1) CO(k, conn) B(k, text)
#define TRACE_F_PLAIN(k, S, SO, N, A, C, CO, F, B, OK, X) C(k, conn) F(k, from) B(k, text)
#define TRACE_F_SECURE(k, S, SO, N, A, C, CO, F, B, OK, X)                                         \
    C(k, conn) F(k, from) S(k, agent, 0) S(k, version, 1) S(k, cipher, 2) OK(k, ok) B(k, detail)
#define TRACE_F_TAMPER(k, S, SO, N, A, C, CO, F, B, OK, X)                                         \
    C(k, conn) F(k, from) S(k, agent, 0) B(k, text)
#define TRACE_F_KEY(k, S, SO, N, A, C, CO, F, B, OK, X)                                            \
    S(k, agent, 0) S(k, system, 1) S(k, identity, 2) B(k, id)
/* Rows longer than a line, which clang-format 14 wraps differently each run: */
/* clang-format off */
#define TRACE_F_SECRET(k, S, SO, N, A, C, CO, F, B, OK, X)                                         \
    C(k, conn) F(k, from) S(k, agent, 0) S(k, what, 1) SO(k, encoding, 2) N(k, offset)             \
    A(k, length) B(k, value)
#define TRACE_F_REPLY(k, S, SO, N, A, C, CO, F, B, OK, X)                                          \
    C(k, conn) F(k, from) S(k, agent, 0) S(k, code, 1) S(k, class, 2) N(k, offset)                 \
    A(k, length) B(k, challenge)
/* clang-format on */
#define TRACE_F_MESSAGE(k, S, SO, N, A, C, CO, F, B, OK, X)                                        \
    C(k, conn) F(k, from) S(k, agent, 0) N(k, offset) A(k, length)
#define TRACE_F_BEAT(k, S, SO, N, A, C, CO, F, B, OK, X)                                           \
    N(k, n) SO(k, mail, 0) S(k, agent, 1) A(k, step) CO(k, conn) X(k, words)

/* What each kind means:
 *   connect  a TCP connection opened (details in the connection table)
 *   data     the exact octets one side sent; tls: they are TLS records (or SSH packets)
 *   close    one side closed; refused: nobody listened (a TCP RST)
 *   step     mail reached step n (1..9) of the delivery path, at agent
 *   mail     mail's state changed at agent; code is the reply code that decided it (0 none)
 *   auth     agent authenticated user (or failed to) with mechanism mech
 *   policy   agent's rule decided decision, answering code
 *   sniff    a tap found something (finding) on conn: value is what it read
 *   state    agent's protocol machine ("smtp-server", ...) entered state
 *   dns      agent asked query ("MX b.example"); answer as text
 *   note     the scenario's narration at that moment, in Japanese and English, about agent
 *   log      one line of agent's mail log, in the real program's format
 *   plain    application data one side put into an encrypted channel (TLS or SSH), as that
 *            endpoint saw it; the wire carried only records, so taps never see these bytes
 *   secure   an encrypted channel established (ok) or failed; detail: the server name checked,
 *            or the reason of the failure
 *   tamper   a man in the middle replaced the data event just before (same conn and side):
 *            text is what the other side received instead
 *   key      agent holds a private key of system ("S/MIME", "OpenPGP") for identity; id is how
 *            others know it (a certificate's issuer and serial, or a fingerprint)
 * Annotations: what the engine that sent some bytes knew they mean, so that no reader parses
 * SMTP or POP3 again (DESIGN.md principle 7). Each describes the data or plain event recorded
 * just before it on the same conn and side (the taps' sniff and tamper events of that data event
 * may come between); offset and length say where in that event's bytes the meaning lies, and
 * agent is whose engine said it. The text transcript and the pcap show nothing of them.
 * A peer that is no mailsim engine (a real client under `mailsim serve`) annotates nothing, so
 * the server that read its bytes does (agent: the server's), still on the client's side: only in
 * the clear, only while that data event is the newest but for the taps' events, and only when
 * the sender annotated nothing of it (so runs between engines carry what the senders said and no
 * more). A data event is what the client sent in one piece: a line split across two carries the
 * secret in the piece that ends it (its length what lies there, its value the whole credential,
 * decoded); a message's text gets one message event per data event that holds a piece of it.
 *   secret   a credential: what is "AUTH PLAIN", "AUTH LOGIN user", "AUTH LOGIN password",
 *            "AUTH CRAM-MD5" (SMTP AUTH, RFC 4954), "USER", "PASS" or "APOP" (POP3, RFC 1939);
 *            encoding is how the wire writes it ("base64"; left out when as is); value is what
 *            it says, decoded, its fields separated by a NUL (PLAIN: user and password; CRAM-MD5
 *            and APOP: user and digest)
 *   reply    a server reply that refuses (SMTP 4xx, 5xx; POP3 -ERR) or challenges (SMTP 334,
 *            a SASL challenge); code "550", "-ERR"; class "3xx", "4xx", "5xx" or "-ERR";
 *            challenge: a 334's text decoded from base64 ("Username:"), else empty. Successes
 *            (2xx, 354, +OK) are not annotated: they are most replies of a long run, and a
 *            reply of a mailsim server without a reply event is one
 *   message  a message's text: SMTP DATA's after the 354, a POP3 RETR or TOP answer's after its
 *            +OK line; dot-stuffed as sent, up to the line with the single "." (left out)
 * The story (DESIGN.md principle 8):
 *   beat     the n-th moment of the run's story (1, 2, ... in time order), recorded just after
 *            the events that make it: a delivery step of mail (step 1..9), or an actor's moment
 *            that is no delivery (step 0: an attacker connects, a refusal, a tamper, a sniffed
 *            secret, a retry, a bounce). agent is the actor; conn the connection it plays on,
 *            where one. words (written "what", "title" {ja, en} and "text" {ja, en}) are held
 *            as one interned string, the five parts joined by U+001F (trace_beat_word); what
 *            names the kind of moment ("step", "connect", "refusal", ...) */
#define TRACE_KINDS(X)                                                                             \
    X(TRACE_CONNECT, connect, TRACE_F_CONNECT)                                                     \
    X(TRACE_DATA, data, TRACE_F_DATA)                                                              \
    X(TRACE_CLOSE, close, TRACE_F_CLOSE)                                                           \
    X(TRACE_STEP, step, TRACE_F_STEP)                                                              \
    X(TRACE_MAIL, mail, TRACE_F_MAIL)                                                              \
    X(TRACE_AUTH, auth, TRACE_F_AUTH)                                                              \
    X(TRACE_POLICY, policy, TRACE_F_POLICY)                                                        \
    X(TRACE_SNIFF, sniff, TRACE_F_SNIFF)                                                           \
    X(TRACE_STATE, state, TRACE_F_STATE)                                                           \
    X(TRACE_DNS, dns, TRACE_F_DNS)                                                                 \
    X(TRACE_NOTE, note, TRACE_F_NOTE)                                                              \
    X(TRACE_LOG, log, TRACE_F_LOG)                                                                 \
    X(TRACE_PLAIN, plain, TRACE_F_PLAIN)                                                           \
    X(TRACE_SECURE, secure, TRACE_F_SECURE)                                                        \
    X(TRACE_TAMPER, tamper, TRACE_F_TAMPER)                                                        \
    X(TRACE_KEY, key, TRACE_F_KEY)                                                                 \
    X(TRACE_SECRET, secret, TRACE_F_SECRET)                                                        \
    X(TRACE_REPLY, reply, TRACE_F_REPLY)                                                           \
    X(TRACE_MESSAGE, message, TRACE_F_MESSAGE)                                                     \
    X(TRACE_BEAT, beat, TRACE_F_BEAT)

#endif
