/* session: the glue between sans-I/O engines and simulated connections. */
#include "session.h"

#include "pop3_client.h"
#include "pop3_server.h"
#include "smtp_client.h"
#include "smtp_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each engine's functions take its own struct; these wrappers give them one shape. */
#define SESSION_ENGINE_OPS(prefix, type, name, pause_fn, resume_fn, input_fn)                      \
    static void prefix##_w_start(void *e)                                                          \
    {                                                                                              \
        prefix##_start((type *)e);                                                                 \
    }                                                                                              \
    static void prefix##_w_feed(void *e, const uint8_t *p, size_t n)                               \
    {                                                                                              \
        prefix##_feed((type *)e, p, n);                                                            \
    }                                                                                              \
    static size_t prefix##_w_output(const void *e, const uint8_t **out)                            \
    {                                                                                              \
        return prefix##_output((const type *)e, out);                                              \
    }                                                                                              \
    static void prefix##_w_consumed(void *e, size_t n)                                             \
    {                                                                                              \
        prefix##_output_consumed((type *)e, n);                                                    \
    }                                                                                              \
    static bool prefix##_w_done(const void *e)                                                     \
    {                                                                                              \
        return prefix##_done((const type *)e);                                                     \
    }                                                                                              \
    static void prefix##_w_peer_closed(void *e)                                                    \
    {                                                                                              \
        prefix##_peer_closed((type *)e);                                                           \
    }                                                                                              \
    static void prefix##_w_destroy(void *e)                                                        \
    {                                                                                              \
        prefix##_free((type *)e);                                                                  \
    }                                                                                              \
    static void prefix##_w_tls_started(void *e)                                                    \
    {                                                                                              \
        prefix##_tls_started((type *)e);                                                           \
    }                                                                                              \
    static void prefix##_w_set_notes(void *e, proto_note_fn fn, void *ctx)                         \
    {                                                                                              \
        prefix##_set_notes((type *)e, fn, ctx);                                                    \
    }                                                                                              \
    const struct session_ops session_##prefix##_ops = {                                            \
        .machine = name,                                                                           \
        .start = prefix##_w_start,                                                                 \
        .feed = prefix##_w_feed,                                                                   \
        .output = prefix##_w_output,                                                               \
        .consumed = prefix##_w_consumed,                                                           \
        .done = prefix##_w_done,                                                                   \
        .peer_closed = prefix##_w_peer_closed,                                                     \
        .destroy = prefix##_w_destroy,                                                             \
        .tls_started = prefix##_w_tls_started,                                                     \
        .pause = pause_fn,                                                                         \
        .resume = resume_fn,                                                                       \
        .set_notes = prefix##_w_set_notes,                                                         \
        .set_input_notes = input_fn,                                                               \
    };

/* The servers wait (error sleep, failed logins); the clients never do. */
#define SESSION_ENGINE_PAUSE(prefix, type)                                                         \
    static uint64_t prefix##_w_pause(const void *e)                                                \
    {                                                                                              \
        return prefix##_pause((const type *)e);                                                    \
    }                                                                                              \
    static void prefix##_w_resume(void *e)                                                         \
    {                                                                                              \
        prefix##_resume((type *)e);                                                                \
    }

/* The servers note what they read as well; the clients read only replies, noted by the servers. */
#define SESSION_ENGINE_INPUT(prefix, type)                                                         \
    static void prefix##_w_set_input_notes(void *e, proto_note_fn fn, void *ctx)                   \
    {                                                                                              \
        prefix##_set_input_notes((type *)e, fn, ctx);                                              \
    }

SESSION_ENGINE_PAUSE(smtp_server, struct smtp_server)
SESSION_ENGINE_PAUSE(pop3_server, struct pop3_server)
SESSION_ENGINE_INPUT(smtp_server, struct smtp_server)
SESSION_ENGINE_INPUT(pop3_server, struct pop3_server)
SESSION_ENGINE_OPS(smtp_server, struct smtp_server, "smtp-server", smtp_server_w_pause,
                   smtp_server_w_resume, smtp_server_w_set_input_notes)
SESSION_ENGINE_OPS(smtp_client, struct smtp_client, "smtp-client", NULL, NULL, NULL)
SESSION_ENGINE_OPS(pop3_server, struct pop3_server, "pop3-server", pop3_server_w_pause,
                   pop3_server_w_resume, pop3_server_w_set_input_notes)
SESSION_ENGINE_OPS(pop3_client, struct pop3_client, "pop3-client", NULL, NULL, NULL)

static void session_end(struct session *s)
{
    for (size_t i = 0; i < s->nnotes; i++) {
        free(s->notes[i].value);
    }
    free(s->notes);
    if (s->pause) {
        s->pause->s = NULL; /* the timer finds the session gone */
        s->pause = NULL;
    }
    s->ops->destroy(s->engine);
    s->engine = NULL;
    tls_free(s->tls);
    tls_free(s->tls_next);
    ssh_end_free(s->ssh);
    s->tls = s->tls_next = NULL;
    s->ssh = NULL;
    if (s->on_end) {
        s->on_end(s->w, s->agent_ctx, s);
    }
    free(s);
}

static const char *session_agent(const struct session *s)
{
    struct trace *tr = sim_trace(s->w);
    const struct trace_conn *c = trace_conn_get(tr, s->conn);
    return trace_string(tr, s->side == TRACE_CLIENT ? c->client_agent : c->server_agent);
}

/* ---- the encrypted channel under the engine: TLS (records) or SSH (a forwarded channel) ---- */

static bool chan_on(const struct session *s)
{
    return s->tls || s->ssh;
}

static void chan_feed(struct session *s, const uint8_t *p, size_t n)
{
    if (s->tls) {
        tls_feed_ciphertext(s->tls, p, n);
    } else {
        ssh_end_feed_wire(s->ssh, p, n);
    }
}

static size_t chan_output(struct session *s, const uint8_t **out)
{
    return s->tls ? tls_ciphertext_output(s->tls, out) : ssh_end_wire_output(s->ssh, out);
}

static void chan_consumed(struct session *s, size_t n)
{
    if (s->tls) {
        tls_ciphertext_consumed(s->tls, n);
    } else {
        ssh_end_wire_consumed(s->ssh, n);
    }
}

static int chan_write(struct session *s, const uint8_t *p, size_t n)
{
    return s->tls ? tls_write_plaintext(s->tls, p, n) : ssh_end_write(s->ssh, p, n);
}

static size_t chan_read(struct session *s, uint8_t *buf, size_t cap)
{
    return s->tls ? tls_read_plaintext(s->tls, buf, cap) : ssh_end_read(s->ssh, buf, cap);
}

static bool chan_ready(const struct session *s)
{
    return s->tls ? tls_handshake_done(s->tls) : ssh_end_ready(s->ssh);
}

static const char *chan_error(const struct session *s)
{
    return s->tls ? tls_error(s->tls) : ssh_end_error(s->ssh);
}

static void chan_close(struct session *s)
{
    if (s->tls) {
        tls_close(s->tls); /* close_notify after the last data */
    } else {
        ssh_end_close(s->ssh); /* channel EOF and CLOSE, then DISCONNECT */
    }
}

/* May the TCP side close now? TLS: at once after close_notify. SSH: once the peer answered the
 * channel close and the DISCONNECT went out. */
static bool chan_finished(const struct session *s)
{
    return s->tls ? true : ssh_end_done(s->ssh);
}

void session_ssh_send(struct sim_world *w, uint32_t conn, enum trace_side side, const uint8_t *p,
                      size_t n)
{
    if (!sim_is_tls(w, conn, side)) {
        const uint8_t *nl = memchr(p, '\n', n);
        if (!nl) {
            sim_send(w, conn, side, p, n);
            return;
        }
        size_t k = (size_t)(nl - p) + 1;
        sim_send(w, conn, side, p, k);
        sim_set_tls(w, conn, side, true); /* binary packets from here on */
        p += k;
        n -= k;
    }
    if (n > 0) {
        sim_send(w, conn, side, p, n);
    }
}

/* How far back session_forward_notes looks for the event it forwards: it was delivered a moment
 * ago, so a forwarder finds it among the newest events. */
#define SESSION_FORWARD_SCAN 256

static bool session_is_note(const struct trace_event *e)
{
    return e->kind == TRACE_SECRET || e->kind == TRACE_REPLY || e->kind == TRACE_MESSAGE;
}

void session_forward_notes(struct sim_world *w, uint32_t from_conn, enum trace_side from_side,
                           const uint8_t *p, size_t n, uint32_t to_conn, enum trace_side to_side)
{
    struct trace *tr = sim_trace(w);
    size_t end = tr->nevents, stop = end > SESSION_FORWARD_SCAN ? end - SESSION_FORWARD_SCAN : 0;
    size_t src = SIZE_MAX;
    for (size_t i = end; i > stop && src == SIZE_MAX; i--) {
        const struct trace_event *e = trace_event_at(tr, i - 1);
        /* lines are in clear data and in plaintext, never in the records that carry it */
        bool lines = e->kind == TRACE_PLAIN || (e->kind == TRACE_DATA && !(e->flags & TRACE_TLS));
        if (lines && e->conn == from_conn && e->from == from_side) {
            bool same = e->bytes.len == n && memcmp(trace_bytes_ptr(tr, e->bytes), p, n) == 0;
            if (!same) {
                return; /* cut into other pieces: the offsets would not hold */
            }
            src = i - 1;
        }
    }
    /* its annotations follow it, past the taps' events; copies go to the end, after them */
    for (size_t i = src + 1; src != SIZE_MAX && i < end; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (!session_is_note(e) && e->kind != TRACE_SNIFF && e->kind != TRACE_TAMPER) {
            break;
        }
        if (!session_is_note(e) || e->conn != from_conn || e->from != from_side) {
            continue;
        }
        struct trace_event copy = *e; /* the trace may move its blocks' list as it grows */
        const uint8_t *v = trace_bytes_ptr(tr, copy.bytes);
        uint64_t t = sim_now(w);
        uint32_t off = (uint32_t)copy.num;
        if (copy.kind == TRACE_SECRET) {
            trace_secret(tr, t, to_conn, to_side, trace_secret_agent(tr, &copy),
                         trace_secret_what(tr, &copy), trace_secret_encoding(tr, &copy), off,
                         copy.aux, v, copy.bytes.len);
        } else if (copy.kind == TRACE_REPLY) {
            trace_reply(tr, t, to_conn, to_side, trace_reply_agent(tr, &copy),
                        trace_reply_code(tr, &copy), trace_reply_class(tr, &copy), off, copy.aux, v,
                        copy.bytes.len);
        } else {
            trace_message(tr, t, to_conn, to_side, trace_message_agent(tr, &copy), off, copy.aux);
        }
    }
}

/* Puts the channel's bytes (TLS records, SSH packets) on the wire. */
static void session_send_records(struct session *s)
{
    const uint8_t *p;
    size_t n;
    while ((n = chan_output(s, &p)) > 0) {
        if (s->ssh) {
            session_ssh_send(s->w, s->conn, s->side, p, n);
        } else {
            sim_send(s->w, s->conn, s->side, p, n);
        }
        chan_consumed(s, n);
    }
}

/* Keeps a note of the engine's until its octets go out (proto_note.h). */
static void session_on_note(void *ctx, const struct proto_note *n)
{
    struct session *s = ctx;
    if (s->nnotes == s->cap_notes) {
        size_t cap = s->cap_notes ? 2 * s->cap_notes : 4;
        struct session_note *grown = realloc(s->notes, cap * sizeof *grown);
        if (!grown) {
            abort(); /* a trace without the meaning it should carry would teach something false */
        }
        s->notes = grown;
        s->cap_notes = cap;
    }
    struct session_note *k = &s->notes[s->nnotes++];
    k->kind = n->kind;
    k->at = n->at;
    k->len = n->len;
    struct trace *tr = sim_trace(s->w);
    k->what = trace_string(tr, trace_intern(tr, n->what));
    k->how = trace_string(tr, trace_intern(tr, n->how));
    k->value = NULL;
    k->value_len = n->value_len;
    if (n->value_len > 0) {
        k->value = malloc(n->value_len);
        if (!k->value) {
            abort();
        }
        memcpy(k->value, n->value, n->value_len);
    }
}

/* The n octets of the engine's output just recorded (a data or a plain event) are sent: the notes
 * about them become annotation events right after it, offsets counted in its bytes. A note that
 * runs past the event keeps its rest for the next one. */
static void session_record_notes(struct session *s, size_t n)
{
    struct trace *tr = sim_trace(s->w);
    uint64_t end = s->sent + n;
    size_t kept = 0;
    for (size_t i = 0; i < s->nnotes; i++) {
        struct session_note *k = &s->notes[i];
        if (k->at >= end || k->at + k->len <= s->sent) {
            if (k->at >= end) {
                s->notes[kept++] = *k;
            } else {
                free(k->value);
            }
            continue;
        }
        uint64_t from = k->at > s->sent ? k->at : s->sent;
        uint64_t to = k->at + k->len < end ? k->at + k->len : end;
        uint32_t off = (uint32_t)(from - s->sent), len = (uint32_t)(to - from);
        uint64_t t = sim_now(s->w);
        const char *agent = session_agent(s);
        if (k->kind == PROTO_NOTE_SECRET) {
            trace_secret(tr, t, s->conn, s->side, agent, k->what, k->how, off, len, k->value,
                         k->value_len);
        } else if (k->kind == PROTO_NOTE_REPLY) {
            trace_reply(tr, t, s->conn, s->side, agent, k->what, k->how, off, len, k->value,
                        k->value_len);
        } else {
            trace_message(tr, t, s->conn, s->side, agent, off, len);
        }
        if (k->at + k->len > end) {
            k->len = (size_t)(k->at + k->len - end);
            k->at = end;
            s->notes[kept++] = *k;
        } else {
            free(k->value);
        }
    }
    s->nnotes = kept;
    s->sent = end;
}

/* The engine's output, in the clear or into the channel (recorded as the plaintext this side
 * wrote), each piece followed by what the engine noted about it. */
static void session_send_engine_output(struct session *s)
{
    const uint8_t *p;
    size_t n;
    /* An engine may queue more as its output drains (a POP3 server with pipelined RETRs). */
    while ((n = s->ops->output(s->engine, &p)) > 0) {
        if (chan_on(s)) {
            trace_plain(sim_trace(s->w), sim_now(s->w), s->conn, s->side, p, n);
            session_record_notes(s, n);
            if (chan_write(s, p, n) < 0) {
                break;
            }
        } else {
            sim_send(s->w, s->conn, s->side, p, n);
            session_record_notes(s, n);
        }
        s->ops->consumed(s->engine, n);
    }
}

/* Records that the channel is up, once, and tells an engine that upgraded with STARTTLS. */
static void session_chan_progress(struct session *s)
{
    if (s->tls_up || !chan_ready(s)) {
        return;
    }
    s->tls_up = true;
    struct trace *tr = sim_trace(s->w);
    const struct trace_conn *c = trace_conn_get(tr, s->conn);
    char detail[300];
    if (s->tls) {
        snprintf(detail, sizeof detail, "%s", trace_string(tr, tr->hosts[c->server_host].name));
        trace_secure(tr, sim_now(s->w), s->conn, s->side, session_agent(s), tls_version(s->tls),
                     tls_cipher(s->tls), true, detail);
    } else {
        const char *banner = ssh_end_banner(s->ssh);
        snprintf(detail, sizeof detail, "server host key %s; forwarding to %s",
                 ssh_end_hostkey_fingerprint(s->ssh), s->ssh_dest);
        trace_secure(tr, sim_now(s->w), s->conn, s->side, session_agent(s), "SSH-2.0",
                     banner ? banner : "", true, detail);
    }
    if (s->tls_upgrade && s->ops->tls_started) {
        s->ops->tls_started(s->engine);
    }
}

/* Whether the engine waits before more output (a pause armed or asked for). */
static bool session_paused(const struct session *s)
{
    return s->pause || (s->ops->pause && s->ops->pause(s->engine) > 0);
}

static void session_pause_over(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)w;
    (void)arg;
    struct session_pause *p = ctx;
    struct session *s = p->s;
    free(p);
    if (!s) {
        return;
    }
    s->pause = NULL;
    s->ops->resume(s->engine);
    session_pump(s);
}

/* Once everything before the engine's pause is out, the pause starts on the simulation clock. */
static void session_arm_pause(struct session *s)
{
    const uint8_t *p;
    uint64_t us;
    if (s->pause || !s->ops->pause || (us = s->ops->pause(s->engine)) == 0 ||
        s->ops->output(s->engine, &p) > 0) {
        return;
    }
    s->pause = malloc(sizeof *s->pause);
    if (!s->pause) {
        abort();
    }
    s->pause->s = s;
    sim_schedule(s->w, sim_now(s->w) + us, session_pause_over, s->pause, 0);
}

/* Returns true when the session ended (and s was freed). */
static bool session_flush(struct session *s)
{
    if (sim_is_closed(s->w, s->conn, s->side)) {
        return false;
    }
    if (!chan_on(s)) {
        session_send_engine_output(s);
        if (s->tls_next) {
            /* STARTTLS: the 220 (or +OK) went out in the clear; from here on, records. */
            s->tls = s->tls_next;
            s->tls_next = NULL;
            s->tls_upgrade = true;
            sim_set_tls(s->w, s->conn, s->side, true);
        }
    }
    bool finished = true;
    if (chan_on(s)) {
        session_chan_progress(s);
        /* Until the handshake is done, the engine's bytes wait in the engine. */
        if (s->tls_up) {
            session_send_engine_output(s);
            session_arm_pause(s);
        }
        if (s->ops->done(s->engine) && !session_paused(s) && !s->closing) {
            s->closing = true;
            chan_close(s);
        }
        session_send_records(s);
        const char *err = chan_error(s);
        if (err) {
            /* A failed handshake, login or record: nothing more can be said safely. */
            session_send_records(s);
            trace_secure(sim_trace(s->w), sim_now(s->w), s->conn, s->side, session_agent(s),
                         s->tls ? NULL : "SSH-2.0", NULL, false, err);
            s->ops->peer_closed(s->engine);
            sim_close(s->w, s->conn, s->side);
            session_end(s);
            return true;
        }
        finished = chan_finished(s);
    } else {
        session_arm_pause(s);
    }
    if (s->ops->done(s->engine) && !session_paused(s) && finished) {
        sim_close(s->w, s->conn, s->side);
        session_end(s);
        return true;
    }
    return false;
}

void session_pump(struct session *s)
{
    session_flush(s);
}

/* How far back session_unnoted_event looks past the taps' events and annotations. */
#define SESSION_UNNOTED_SCAN 16

/* The data event that brought [p, p + n) when what the engine reads from it may be annotated on
 * the peer's side: an annotation must follow its event (trace_kinds.h), so the event must still
 * be the newest but for the taps' events and annotations; it is clear data as the peer sent it
 * (not TLS records, no tamper's version); and the peer annotated nothing of it. A mailsim engine
 * annotates what it sends and sshd passes those annotations on, so only a peer that is no
 * engine (live mode's bridge of a real client) leaves its credentials and text to the reader.
 * Returns its index, or SIZE_MAX. A few loads per delivery: nothing is decoded for the rest. */
static size_t session_unnoted_event(const struct session *s, const uint8_t *p, size_t n)
{
    struct trace *tr = sim_trace(s->w);
    enum trace_side peer = s->side == TRACE_CLIENT ? TRACE_SERVER : TRACE_CLIENT;
    for (size_t i = tr->nevents, k = 0; i > 0 && k < SESSION_UNNOTED_SCAN; i--, k++) {
        const struct trace_event *e = trace_event_at(tr, i - 1);
        if (session_is_note(e) && e->conn == s->conn && e->from == peer) {
            return SIZE_MAX;
        }
        if (session_is_note(e) || e->kind == TRACE_SNIFF || e->kind == TRACE_TAMPER) {
            continue;
        }
        bool carries = e->kind == TRACE_DATA && !(e->flags & TRACE_TLS) && e->conn == s->conn &&
                       e->from == peer && e->bytes.len == n && trace_bytes_ptr(tr, e->bytes) == p;
        return carries ? i - 1 : SIZE_MAX;
    }
    return SIZE_MAX;
}

/* A note of the engine's about what it read from the data event being fed: an annotation of the
 * peer's side right after that event, clipped to its octets, as long as nothing but the taps'
 * events and annotations came after it (a hook of an earlier line in the same event may have
 * recorded something: then the rule cannot be kept, and nothing is said). */
static void session_on_input_note(void *ctx, const struct proto_note *n)
{
    struct session *s = ctx;
    struct trace *tr = sim_trace(s->w);
    if (s->in_event == SIZE_MAX) {
        return;
    }
    uint64_t start = s->received, end = start + trace_event_at(tr, s->in_event)->bytes.len;
    if (n->at >= end || n->at + n->len <= start) {
        return;
    }
    for (size_t i = s->in_event + 1; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (!session_is_note(e) && e->kind != TRACE_SNIFF && e->kind != TRACE_TAMPER) {
            s->in_event = SIZE_MAX;
            return;
        }
    }
    uint64_t from = n->at > start ? n->at : start;
    uint64_t to = n->at + n->len < end ? n->at + n->len : end;
    uint32_t off = (uint32_t)(from - start), len = (uint32_t)(to - from);
    enum trace_side peer = s->side == TRACE_CLIENT ? TRACE_SERVER : TRACE_CLIENT;
    uint64_t t = sim_now(s->w);
    const char *agent = session_agent(s);
    if (n->kind == PROTO_NOTE_SECRET) {
        trace_secret(tr, t, s->conn, peer, agent, n->what, n->how, off, len, n->value,
                     n->value_len);
    } else if (n->kind == PROTO_NOTE_MESSAGE) {
        trace_message(tr, t, s->conn, peer, agent, off, len);
    }
}

/* Feeds clear octets that came in one data event to the engine, listening to what it notes
 * about them when nobody else could have said it (session_unnoted_event). */
static void session_feed_event(struct session *s, const uint8_t *p, size_t n)
{
    s->in_event = s->ops->set_input_notes ? session_unnoted_event(s, p, n) : SIZE_MAX;
    if (s->in_event != SIZE_MAX) {
        s->ops->set_input_notes(s->engine, session_on_input_note, s);
        s->ops->feed(s->engine, p, n);
        s->ops->set_input_notes(s->engine, NULL, NULL);
        s->in_event = SIZE_MAX;
    } else {
        s->ops->feed(s->engine, p, n);
    }
    s->received += n;
}

static void session_on_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p,
                            size_t n)
{
    (void)w;
    (void)conn;
    struct session *s = ctx;
    if (!chan_on(s)) {
        session_feed_event(s, p, n);
        session_pump(s);
        return;
    }
    chan_feed(s, p, n);
    session_chan_progress(s);
    uint8_t plain[16384];
    size_t got;
    /* Inside a channel the peer's plaintext is its own plain event or none (a real client's):
     * what the engine reads there is not annotated. */
    while (!chan_error(s) && (got = chan_read(s, plain, sizeof plain)) > 0) {
        s->ops->feed(s->engine, plain, got);
        s->received += got;
    }
    session_pump(s);
}

static void session_on_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    struct session *s = ctx;
    if (s->ssh) {
        ssh_end_feed_eof(s->ssh);
    }
    s->ops->peer_closed(s->engine);
    if (!session_flush(s)) {
        /* The peer is gone, so nothing more can be said: close our side as well. */
        sim_close(w, conn, s->side);
        session_end(s);
    }
}

static void session_on_open(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)conn;
    struct session *s = ctx;
    if (s->tls) {
        sim_set_tls(w, s->conn, s->side, true); /* implicit TLS: the ClientHello first */
    }
    s->ops->start(s->engine);
    session_pump(s);
}

static struct session *session_new(struct sim_world *w, enum trace_side side,
                                   const struct session_ops *ops, void *engine, void *agent_ctx,
                                   session_end_fn on_end)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s) {
        ops->destroy(engine);
        return NULL;
    }
    s->w = w;
    s->side = side;
    s->ops = ops;
    s->engine = engine;
    s->agent_ctx = agent_ctx;
    s->on_end = on_end;
    s->in_event = SIZE_MAX;
    if (ops->set_notes) {
        ops->set_notes(engine, session_on_note, s);
    }
    return s;
}

struct session *session_accept_tls(struct sim_world *w, uint32_t conn,
                                   const struct session_ops *ops, void *engine, void *agent_ctx,
                                   session_end_fn on_end, struct tls_endpoint *tls,
                                   struct sim_endpoint *ep)
{
    struct session *s = session_new(w, TRACE_SERVER, ops, engine, agent_ctx, on_end);
    if (!s) {
        tls_free(tls);
        return NULL;
    }
    s->conn = conn;
    s->tls = tls;
    if (tls) {
        sim_set_tls(w, conn, TRACE_SERVER, true);
    }
    ep->on_data = session_on_data;
    ep->on_close = session_on_close;
    ep->on_open = NULL;
    ep->ctx = s;
    ops->start(engine);
    /* The session cannot end here: a server's engine is never done before its greeting. */
    session_flush(s);
    return s;
}

struct session *session_accept(struct sim_world *w, uint32_t conn, const struct session_ops *ops,
                               void *engine, void *agent_ctx, session_end_fn on_end,
                               struct sim_endpoint *ep)
{
    return session_accept_tls(w, conn, ops, engine, agent_ctx, on_end, NULL, ep);
}

void session_use_tls(struct session *s, struct tls_endpoint *tls)
{
    tls_free(s->tls);
    s->tls = tls;
}

void session_use_ssh(struct session *s, struct ssh_end *ssh, const char *dest)
{
    ssh_end_free(s->ssh);
    s->ssh = ssh;
    snprintf(s->ssh_dest, sizeof s->ssh_dest, "%s", dest ? dest : "");
}

void session_starttls(struct session *s, struct tls_endpoint *tls)
{
    if (!tls) {
        abort(); /* out of memory: a session half upgraded would teach something false */
    }
    tls_free(s->tls_next);
    s->tls_next = tls;
}

struct session *session_connect(struct sim_world *w, int client_host, const char *client_agent,
                                uint32_t ip, uint16_t port, const struct session_ops *ops,
                                void *engine, void *agent_ctx, session_end_fn on_end)
{
    struct session *s = session_new(w, TRACE_CLIENT, ops, engine, agent_ctx, on_end);
    if (!s) {
        return NULL;
    }
    struct sim_endpoint ep = {session_on_data, session_on_close, session_on_open, s};
    s->conn = sim_connect(w, client_host, client_agent, ip, port, &ep);
    if (s->conn == 0) {
        ops->destroy(engine);
        free(s);
        return NULL;
    }
    return s;
}
