/* pop3_client: the POP3 client session machine (see pop3_client.h). Status lines go through the
 * line reader; multi-line bodies through a byte-level unstuffing machine, so a reply may be
 * split anywhere. One command is in flight at a time. */
#include "pop3_client.h"

#include "buf.h"
#include "line.h"
#include "proto_out.h"
#include "pop3_server.h" /* pop3_apop_digest() */

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pop3_client_state_names[] = {
#define POP3_CLIENT_X_NAME(e, name) name,
    POP3_CLIENT_STATE_LIST(POP3_CLIENT_X_NAME)
#undef POP3_CLIENT_X_NAME
};

/* Where the unstuffing machine is within a multi-line body. */
enum pop3_client_ml {
    POP3_ML_BOL,    /* at the beginning of a line */
    POP3_ML_MID,    /* inside a line */
    POP3_ML_DOT,    /* a line began with "." */
    POP3_ML_DOT_CR, /* a line began with ".\r" */
};

struct pop3_client {
    struct pop3_client_config cfg; /* user and password point at the copies below */
    char *user;
    char *password;
    struct pop3_client_hooks hooks;
    void *ctx;

    struct line_reader reader; /* status lines */
    struct proto_out out;      /* the commands sent, and notes about them; a client never pauses */
    struct buf multi;          /* the multi-line body being received, unstuffed */
    bool multi_overflow;
    bool in_multi;
    enum pop3_client_ml ml;
    enum pop3_client_state state;
    bool done;
    bool logged_in;
    bool failing; /* QUIT was sent after a failure; reason holds it */
    char reason[160];
    char timestamp[POP3_LINE_MAX]; /* from the greeting; empty when none */
    size_t count;                  /* messages announced by STAT */
    size_t current;                /* message being retrieved, from 1 */
    size_t retrieved;
};

const char *pop3_client_state_name(enum pop3_client_state st)
{
    size_t i = (size_t)st;
    if (i >= sizeof pop3_client_state_names / sizeof pop3_client_state_names[0]) {
        return "?";
    }
    return pop3_client_state_names[i];
}

static void pop3_client_finish(struct pop3_client *c, bool ok, const char *reason)
{
    if (c->done) {
        return;
    }
    c->done = true;
    c->state = POP3_CLIENT_DONE;
    c->in_multi = false;
    if (c->hooks.on_done) {
        c->hooks.on_done(c->ctx, ok, reason);
    }
}

static void pop3_client_send(struct pop3_client *c, enum pop3_client_state next, const char *fmt,
                             ...) __attribute__((format(printf, 3, 4)));
static void pop3_client_send(struct pop3_client *c, enum pop3_client_state next, const char *fmt,
                             ...)
{
    char line[POP3_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 2, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 2) {
        pop3_client_finish(c, false, "Command too long.");
        return;
    }
    memcpy(line + n, "\r\n", 2);
    if (buf_append(&c->out.buf, line, (size_t)n + 2) != 0) {
        pop3_client_finish(c, false, "Out of memory.");
        return;
    }
    c->state = next;
}

/* Sends "VERB a[ b]" whose arguments are a credential (USER, PASS, APOP) and notes them: as the
 * wire writes them, the value a NUL b. */
static void pop3_client_send_secret(struct pop3_client *c, enum pop3_client_state next,
                                    const char *verb, const char *a, const char *b)
{
    size_t line = c->out.buf.len;
    if (b) {
        pop3_client_send(c, next, "%s %s %s", verb, a, b);
    } else {
        pop3_client_send(c, next, "%s %s", verb, a);
    }
    char value[POP3_LINE_MAX];
    size_t na = strlen(a), nb = b ? strlen(b) + 1 : 0;
    size_t off = line + strlen(verb) + 1;
    if (na + nb < sizeof value && off + na + nb <= c->out.buf.len) {
        memcpy(value, a, na);
        if (b) {
            value[na] = 0;
            memcpy(value + na + 1, b, nb - 1);
        }
        proto_notes_tell(&c->out.notes, PROTO_NOTE_SECRET, off, na + nb, verb, "", value, na + nb);
        OPENSSL_cleanse(value, na + nb);
    }
}

/* Gives up politely: QUIT, then report reason when the server answers (or hangs up). */
static void pop3_client_fail_quit(struct pop3_client *c, const char *reason)
{
    snprintf(c->reason, sizeof c->reason, "%s", reason);
    c->failing = true;
    pop3_client_send(c, POP3_CLIENT_QUIT, "QUIT");
}

static void pop3_client_next_message(struct pop3_client *c)
{
    c->current++;
    if (c->current <= c->count) {
        pop3_client_send(c, POP3_CLIENT_RETR, "RETR %zu", c->current);
        return;
    }
    pop3_client_send(c, POP3_CLIENT_QUIT, "QUIT");
}

static void pop3_client_authenticate(struct pop3_client *c)
{
    if (!c->cfg.use_apop) {
        pop3_client_send_secret(c, POP3_CLIENT_USER, "USER", c->user, NULL);
        return;
    }
    /* RFC 1939 §7: "A POP3 server which implements the APOP command will include a timestamp
     * in its banner greeting." No timestamp, no APOP. */
    if (c->timestamp[0] == 0) {
        pop3_client_fail_quit(c, "APOP impossible: no timestamp in the greeting.");
        return;
    }
    char digest[33];
    if (pop3_apop_digest(c->timestamp, c->password, digest) != 0) {
        pop3_client_fail_quit(c, "APOP digest failed.");
        return;
    }
    pop3_client_send_secret(c, POP3_CLIENT_APOP, "APOP", c->user, digest);
}

/* After the greeting (or after STLS): CAPA when wanted, else straight to logging in. */
static void pop3_client_after_greeting(struct pop3_client *c)
{
    if (c->cfg.want_capa) {
        pop3_client_send(c, POP3_CLIENT_CAPA, "CAPA");
    } else {
        pop3_client_authenticate(c);
    }
}

/* The banner timestamp: RFC 1939 §7 gives it msg-id syntax, "<...@...>". */
static void pop3_client_take_timestamp(struct pop3_client *c, const char *text)
{
    const char *lt = strchr(text, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    c->timestamp[0] = 0;
    if (lt && gt && memchr(lt, '@', (size_t)(gt - lt)) != NULL) {
        snprintf(c->timestamp, sizeof c->timestamp, "%.*s", (int)(gt - lt + 1), lt);
    }
}

/* A decimal number, overflow-checked. Advances *p past it. */
static bool pop3_client_number(const char **p, size_t *out)
{
    const char *s = *p;
    size_t v = 0;
    if (*s < '0' || *s > '9') {
        return false;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        size_t d = (size_t)(*s - '0');
        if (v > (SIZE_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return true;
}

static void pop3_client_start_multi(struct pop3_client *c)
{
    buf_clear(&c->multi);
    c->multi_overflow = false;
    c->in_multi = true;
    c->ml = POP3_ML_BOL;
}

static void pop3_client_uidl_lines(struct pop3_client *c)
{
    /* An empty listing (an empty maildrop) leaves multi.data NULL, and NULL + 0 below is
     * undefined behaviour (found by fuzz_pop3_client under UBSan). */
    if (c->multi.len == 0) {
        return;
    }
    const char *p = (const char *)c->multi.data;
    const char *end = p + c->multi.len;
    while (p && p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        const char *stop = lf ? lf : end;
        char line[POP3_UID_MAX + 32];
        size_t len = (size_t)(stop - p);
        if (len > 0 && p[len - 1] == '\r') {
            len--;
        }
        if (len < sizeof line) {
            memcpy(line, p, len);
            line[len] = 0;
            const char *q = line;
            size_t index;
            if (pop3_client_number(&q, &index) && *q == ' ' && q[1] && c->hooks.on_uid) {
                c->hooks.on_uid(c->ctx, index, q + 1);
            }
        }
        p = lf ? lf + 1 : end;
    }
}

/* A multi-line body ended with its ".CRLF". */
static void pop3_client_end_multi(struct pop3_client *c)
{
    c->in_multi = false;
    switch (c->state) {
    case POP3_CLIENT_CAPA:
        pop3_client_authenticate(c);
        break;
    case POP3_CLIENT_UIDL:
        pop3_client_uidl_lines(c);
        pop3_client_next_message(c);
        break;
    case POP3_CLIENT_RETR:
        if (!c->multi_overflow) {
            c->retrieved++;
            if (c->hooks.on_message) {
                c->hooks.on_message(c->ctx, c->current,
                                    c->multi.data ? c->multi.data : (const uint8_t *)"",
                                    c->multi.len);
            }
            if (c->cfg.delete_after_retrieve) {
                pop3_client_send(c, POP3_CLIENT_DELE, "DELE %zu", c->current);
                break;
            }
        }
        pop3_client_next_message(c);
        break;
    default:
        break;
    }
    buf_clear(&c->multi);
}

static void pop3_client_keep(struct pop3_client *c, uint8_t b)
{
    if (!c->multi_overflow && buf_append(&c->multi, &b, 1) != 0) {
        c->multi_overflow = true; /* read on to the terminator, then skip this response */
    }
}

/* RFC 1939 §3: "When examining a multi-line response, the client checks to see if the line
 * begins with the termination octet. If so and if octets other than CRLF follow, the first
 * octet of the line (the termination octet) is stripped away. If so and if CRLF immediately
 * follows the termination character, then the response from the POP server is ended". Returns
 * the octets of in[0..n) taken; stops right after the terminator. */
static size_t pop3_client_multi_feed(struct pop3_client *c, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = in[i];
        switch (c->ml) {
        case POP3_ML_BOL:
            if (b == '.') {
                c->ml = POP3_ML_DOT;
                continue;
            }
            break;
        case POP3_ML_DOT:
            if (b == '\r') {
                c->ml = POP3_ML_DOT_CR;
                continue;
            }
            if (b == '\n') { /* ".LF": a bare-LF terminator, accepted */
                pop3_client_end_multi(c);
                return i + 1;
            }
            break; /* the stuffed dot is dropped; b is text */
        case POP3_ML_DOT_CR:
            if (b == '\n') {
                pop3_client_end_multi(c);
                return i + 1;
            }
            pop3_client_keep(c, '\r');
            break;
        case POP3_ML_MID:
            break;
        }
        pop3_client_keep(c, b);
        c->ml = (b == '\n') ? POP3_ML_BOL : POP3_ML_MID;
    }
    return n;
}

static void pop3_client_login_result(struct pop3_client *c, bool ok)
{
    if (c->hooks.on_auth_result) {
        c->hooks.on_auth_result(c->ctx, ok);
    }
    if (!ok) {
        pop3_client_fail_quit(c, "Authentication failed.");
        return;
    }
    c->logged_in = true;
    pop3_client_send(c, POP3_CLIENT_STAT, "STAT");
}

/* A status line: "+OK ..." or "-ERR ...". */
static void pop3_client_on_line(struct pop3_client *c, const struct line *l)
{
    if (l->flags & (LINE_TOO_LONG | LINE_HAS_NUL)) {
        pop3_client_finish(c, false, "Bad reply line from server.");
        return;
    }
    bool ok;
    const char *text;
    if (strncmp(l->text, "+OK", 3) == 0 && (l->text[3] == 0 || l->text[3] == ' ')) {
        ok = true;
        text = l->text[3] ? l->text + 4 : "";
    } else if (strncmp(l->text, "-ERR", 4) == 0 && (l->text[4] == 0 || l->text[4] == ' ')) {
        ok = false;
        text = l->text[4] ? l->text + 5 : "";
    } else {
        pop3_client_finish(c, false, "Bad reply from server.");
        return;
    }
    if (c->hooks.on_reply) {
        c->hooks.on_reply(c->ctx, ok, text);
    }
    switch (c->state) {
    case POP3_CLIENT_GREETING:
        if (!ok) {
            pop3_client_finish(c, false, "Server refused the connection.");
            return;
        }
        pop3_client_take_timestamp(c, text);
        if (c->cfg.want_stls) {
            pop3_client_send(c, POP3_CLIENT_STLS, "STLS");
        } else {
            pop3_client_after_greeting(c);
        }
        return;
    case POP3_CLIENT_STLS:
        if (!ok) {
            if (c->cfg.require_tls) {
                pop3_client_fail_quit(c, "STLS refused and TLS is required.");
            } else {
                pop3_client_after_greeting(c); /* opportunistic: on in the clear */
            }
        } else if (!c->hooks.on_stls_ready || c->hooks.on_stls_ready(c->ctx) != 0) {
            pop3_client_finish(c, false, "TLS could not be started.");
        } else {
            c->state = POP3_CLIENT_TLS;
        }
        return;
    case POP3_CLIENT_TLS:
        return; /* plaintext after +OK to STLS is not trusted; the glue switches to TLS */
    case POP3_CLIENT_CAPA:
        if (ok) {
            pop3_client_start_multi(c);
        } else {
            pop3_client_authenticate(c); /* an RFC 1939-only server */
        }
        return;
    case POP3_CLIENT_USER:
        if (ok) {
            pop3_client_send_secret(c, POP3_CLIENT_PASS, "PASS", c->password, NULL);
        } else {
            pop3_client_login_result(c, false); /* a refused USER is a failed login */
        }
        return;
    case POP3_CLIENT_PASS:
    case POP3_CLIENT_APOP:
        pop3_client_login_result(c, ok);
        return;
    case POP3_CLIENT_STAT: {
        /* "The positive response consists of "+OK" followed by a single space, the number of
         * messages in the maildrop, a single space, and the size of the maildrop in octets." */
        const char *p = text;
        size_t octets;
        if (!ok || !pop3_client_number(&p, &c->count) || *p++ != ' ' ||
            !pop3_client_number(&p, &octets)) {
            pop3_client_fail_quit(c, "STAT failed.");
            return;
        }
        c->current = 0;
        if (c->cfg.want_uidl) {
            pop3_client_send(c, POP3_CLIENT_UIDL, "UIDL");
        } else {
            pop3_client_next_message(c);
        }
        return;
    }
    case POP3_CLIENT_UIDL:
    case POP3_CLIENT_RETR:
        if (ok) {
            pop3_client_start_multi(c);
        } else {
            pop3_client_next_message(c); /* skip what cannot be had */
        }
        return;
    case POP3_CLIENT_DELE:
        pop3_client_next_message(c);
        return;
    case POP3_CLIENT_QUIT:
        if (c->failing) {
            pop3_client_finish(c, false, c->reason);
        } else if (!ok) {
            pop3_client_finish(c, false, "QUIT failed: some deleted messages not removed.");
        } else {
            char msg[96];
            snprintf(msg, sizeof msg, "Retrieved %zu of %zu messages.", c->retrieved, c->count);
            pop3_client_finish(c, true, msg);
        }
        return;
    case POP3_CLIENT_DONE:
        return;
    }
}

struct pop3_client *pop3_client_new(const struct pop3_client_config *cfg,
                                    const struct pop3_client_hooks *hooks, void *ctx)
{
    if (!cfg->user || !cfg->password || cfg->user[0] == 0 || strpbrk(cfg->user, " \r\n") ||
        strpbrk(cfg->password, "\r\n")) {
        return NULL;
    }
    struct pop3_client *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    c->cfg = *cfg;
    if (hooks) {
        c->hooks = *hooks;
    }
    c->ctx = ctx;
    c->state = POP3_CLIENT_GREETING;
    buf_init(&c->out.buf, 0);
    buf_init(&c->multi, cfg->max_message ? cfg->max_message : POP3_CLIENT_DEFAULT_MESSAGE_MAX);
    c->user = strdup(cfg->user);
    c->password = strdup(cfg->password);
    c->cfg.user = c->user;
    c->cfg.password = c->password;
    if (!c->user || !c->password || line_reader_init(&c->reader, POP3_LINE_MAX, LINE_END_LF)) {
        pop3_client_free(c);
        return NULL;
    }
    return c;
}

void pop3_client_free(struct pop3_client *c)
{
    if (!c) {
        return;
    }
    if (c->password) {
        OPENSSL_cleanse(c->password, strlen(c->password));
    }
    free(c->user);
    free(c->password);
    line_reader_free(&c->reader);
    buf_free(&c->out.buf);
    buf_free(&c->multi);
    free(c);
}

void pop3_client_start(struct pop3_client *c)
{
    (void)c; /* RFC 1939 §4: the server speaks first */
}

void pop3_client_feed(struct pop3_client *c, const uint8_t *in, size_t n)
{
    while (n > 0 && !c->done) {
        size_t used;
        if (c->in_multi) {
            used = pop3_client_multi_feed(c, in, n);
        } else {
            struct line l;
            int rc = line_reader_feed(&c->reader, in, n, &used, &l);
            if (rc == 1) {
                pop3_client_on_line(c, &l);
            }
        }
        in += used;
        n -= used;
    }
}

size_t pop3_client_output(const struct pop3_client *c, const uint8_t **out)
{
    return proto_out_ready(&c->out, out);
}

void pop3_client_output_consumed(struct pop3_client *c, size_t n)
{
    proto_out_consumed(&c->out, n);
}

void pop3_client_set_notes(struct pop3_client *c, proto_note_fn fn, void *ctx)
{
    proto_out_set_notes(&c->out, fn, ctx);
}

bool pop3_client_done(const struct pop3_client *c)
{
    return c->done;
}

void pop3_client_peer_closed(struct pop3_client *c)
{
    pop3_client_finish(c, false, c->failing ? c->reason : "Connection closed by server.");
}

void pop3_client_tls_started(struct pop3_client *c)
{
    if (c->state != POP3_CLIENT_TLS || c->done) {
        return;
    }
    line_reader_reset(&c->reader);
    pop3_client_after_greeting(c);
}

enum pop3_client_state pop3_client_state(const struct pop3_client *c)
{
    return c->state;
}

size_t pop3_client_message_count(const struct pop3_client *c)
{
    return c->count;
}

size_t pop3_client_retrieved(const struct pop3_client *c)
{
    return c->retrieved;
}
