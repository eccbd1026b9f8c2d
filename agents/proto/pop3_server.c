/* pop3_server: the POP3 server session machine (see pop3_server.h). A command table says which
 * states allow which command; pop3_server_dispatch() checks states and arguments in one place,
 * and every state change goes through pop3_server_set_state(). Handlers: pop3_server_cmd.c. */
#include "pop3_server.h"
#include "pop3_server_int.h"

#include "buf.h"
#include "line.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pop3_server_state_names[] = {
#define POP3_X_NAME(e, name) name,
    POP3_SERVER_STATE_LIST(POP3_X_NAME)
#undef POP3_X_NAME
};

#define POP3_ARGS_REST 255 /* max_args value: the rest of the line is one argument (PASS) */
#define POP3_STATE_BIT(st) (1u << (st))
#define POP3_IN_AUTH POP3_STATE_BIT(POP3_STATE_AUTHORIZATION)
#define POP3_IN_TRANS POP3_STATE_BIT(POP3_STATE_TRANSACTION)

struct pop3_command {
    const char *name;
    unsigned states; /* POP3_STATE_BIT() of every state where the command is allowed */
    unsigned char min_args;
    unsigned char max_args; /* POP3_ARGS_REST: the rest of the line is the only argument */
    pop3_handler *handler;
};

/* ---- helpers ---------------------------------------------------------------------------- */

const char *pop3_server_state_name(enum pop3_server_state st)
{
    size_t i = (size_t)st;
    if (i >= sizeof pop3_server_state_names / sizeof pop3_server_state_names[0]) {
        return "?";
    }
    return pop3_server_state_names[i];
}

static bool pop3_server_line_safe(const char *s)
{
    return s && strpbrk(s, "\r\n") == NULL;
}

static void pop3_server_hex(const unsigned char *md, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * n] = 0;
}

int pop3_server_md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL) != 1 || mdlen != 16) {
        return -1;
    }
    pop3_server_hex(md, 16, out);
    return 0;
}

/* RFC 1939 §7: "The `digest' parameter is calculated by applying the MD5 algorithm [RFC1321] to
 * a string consisting of the timestamp (including angle-brackets) followed by a shared secret."
 * "The `digest' parameter itself is a 16-octet value which is sent in hexadecimal format, using
 * lower-case ASCII characters." */
int pop3_apop_digest(const char *timestamp, const char *secret, char out[33])
{
    struct buf b;
    buf_init(&b, 0);
    int rc = -1;
    if (buf_append_str(&b, timestamp) == 0 && buf_append_str(&b, secret) == 0) {
        rc = pop3_server_md5_hex(b.data ? b.data : (const uint8_t *)"", b.len, out);
    }
    if (b.data) {
        OPENSSL_cleanse(b.data, b.len); /* the secret was in there */
    }
    buf_free(&b);
    return rc;
}

/* Appends one reply line and its CRLF. RFC 1939 §3: "Responses may be up to 512 characters
 * long, including the terminating CRLF." Longer text is cut to fit. */
static void pop3_server_vline(struct pop3_server *s, const char *prefix, const char *fmt,
                              va_list ap)
{
    char line[POP3_LINE_MAX];
    size_t p = strlen(prefix);
    memcpy(line, prefix, p + 1);
    int n = vsnprintf(line + p, sizeof line - p, fmt, ap);
    if (n < 0) {
        line[p] = 0;
    }
    size_t len = strlen(line);
    if (len > POP3_LINE_MAX - 2) {
        len = POP3_LINE_MAX - 2;
    }
    memcpy(line + len, "\r\n", 2);
    if (buf_append(&s->out.buf, line, len + 2) != 0) {
        s->done = true; /* out of memory: nothing sensible is left to say */
    }
}

void pop3_server_ok(struct pop3_server *s, const char *fmt, ...)
{
    s->bad = 0; /* Dovecot counts failed commands in a row */
    va_list ap;
    va_start(ap, fmt);
    pop3_server_vline(s, "+OK", fmt, ap);
    va_end(ap);
}

void pop3_server_raw(struct pop3_server *s, const void *p, size_t n)
{
    if (buf_append(&s->out.buf, p, n) != 0) {
        s->done = true;
    }
}

void pop3_server_raw_str(struct pop3_server *s, const char *str)
{
    pop3_server_raw(s, str, strlen(str));
}

/* Notes the -ERR line queued from offset at of the output on (proto_note.h). */
static void pop3_server_note_err(struct pop3_server *s, size_t at)
{
    if (s->out.buf.len > at) {
        proto_notes_tell(&s->out.notes, PROTO_NOTE_REPLY, at, s->out.buf.len - at, "-ERR", "-ERR",
                         NULL, 0);
    }
}

/* A whole "-ERR ...\r\n" line that ends the session. */
static void pop3_server_err_line(struct pop3_server *s, const char *line)
{
    size_t at = s->out.buf.len;
    pop3_server_raw_str(s, line);
    pop3_server_note_err(s, at);
}

/* The session ends without UPDATE: RFC 1939 §6: "If a session terminates for some reason other
 * than a client-issued QUIT command, the POP3 session does NOT enter the UPDATE state and MUST
 * not remove any messages from the maildrop." */
void pop3_server_close_maildrop(struct pop3_server *s)
{
    if (!s->drop_open) {
        return;
    }
    s->drop_open = false;
    if (s->hooks.close_maildrop) {
        s->hooks.close_maildrop(s->ctx, s->login);
    }
    free(s->deleted);
    s->deleted = NULL;
    free(s->sizes);
    s->sizes = NULL;
    memset(&s->drop, 0, sizeof s->drop);
}

void pop3_server_end(struct pop3_server *s)
{
    pop3_server_close_maildrop(s);
    s->done = true;
    buf_clear(&s->in);
}

/* Queues "-ERR " and the text, and notes it. */
static void pop3_server_verr(struct pop3_server *s, const char *fmt, va_list ap)
{
    size_t at = s->out.buf.len;
    pop3_server_vline(s, "-ERR ", fmt, ap);
    pop3_server_note_err(s, at);
}

/* Dovecot's pop3 process: "if (ret >= 0) client->bad_counter = 0; else if (++client->bad_counter >
 * CLIENT_MAX_BAD_COMMANDS) { ... "-ERR Too many bad commands." ... }". */
static void pop3_server_count_bad(struct pop3_server *s)
{
    if (++s->bad > s->max_bad) {
        pop3_server_err_line(s, "-ERR Too many bad commands.\r\n");
        pop3_server_end(s);
    }
}

/* After login a failed command counts; before it the login process answers, and it counts only
 * what it does not know (pop3_server_unknown). */
void pop3_server_err(struct pop3_server *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pop3_server_verr(s, fmt, ap);
    va_end(ap);
    if (!s->done && s->state != POP3_STATE_AUTHORIZATION) {
        pop3_server_count_bad(s);
    }
}

/* A line the server does not take as a command. Before login, Dovecot's login process answers
 * it (unknown verbs and TRANSACTION commands alike: "-ERR Unknown command.") and ends the session
 * at the third in a row; after login it is an ordinary failed command. */
static void pop3_server_unknown(struct pop3_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void pop3_server_unknown(struct pop3_server *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pop3_server_verr(s, fmt, ap);
    va_end(ap);
    if (s->done) {
        return;
    }
    if (s->state != POP3_STATE_AUTHORIZATION) {
        pop3_server_count_bad(s);
    } else if (++s->bad >= s->max_bad_auth) {
        pop3_server_err_line(s, "-ERR Too many invalid bad commands.\r\n");
        pop3_server_end(s);
    }
}

/* A printable copy of client text for an error reply: never echo CR, LF or control bytes. */
static void pop3_server_sanitize(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap && i < POP3_ECHO_MAX; i++) {
        unsigned char c = (unsigned char)in[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[i] = 0;
}

void pop3_server_set_state(struct pop3_server *s, enum pop3_server_state st)
{
    enum pop3_server_state old = s->state;
    if (old == st) {
        return;
    }
    s->state = st;
    if (s->hooks.on_state) {
        s->hooks.on_state(s->ctx, old, st);
    }
}

/* ---- the command table ----------------------------------------------------------------- */

static const struct pop3_command pop3_commands[] = {
    {"USER", POP3_IN_AUTH, 1, 1, pop3_server_cmd_user},
    {"PASS", POP3_IN_AUTH, 1, POP3_ARGS_REST, pop3_server_cmd_pass},
    {"APOP", POP3_IN_AUTH, 2, 2, pop3_server_cmd_apop},
    {"STLS", POP3_IN_AUTH, 0, 0, pop3_server_cmd_stls},
    {"CAPA", POP3_IN_AUTH | POP3_IN_TRANS, 0, 0, pop3_server_cmd_capa},
    {"QUIT", POP3_IN_AUTH | POP3_IN_TRANS, 0, 0, pop3_server_cmd_quit},
    {"STAT", POP3_IN_TRANS, 0, 0, pop3_server_cmd_stat},
    {"LIST", POP3_IN_TRANS, 0, 1, pop3_server_cmd_list},
    {"UIDL", POP3_IN_TRANS, 0, 1, pop3_server_cmd_uidl},
    {"RETR", POP3_IN_TRANS, 1, 1, pop3_server_cmd_retr},
    {"TOP", POP3_IN_TRANS, 2, 2, pop3_server_cmd_top},
    {"DELE", POP3_IN_TRANS, 1, 1, pop3_server_cmd_dele},
    {"NOOP", POP3_IN_TRANS, 0, 0, pop3_server_cmd_noop},
    {"RSET", POP3_IN_TRANS, 0, 0, pop3_server_cmd_rset},
};

/* ---- dispatch --------------------------------------------------------------------------- */

static const struct pop3_command *pop3_server_lookup(const char *word, size_t len)
{
    for (size_t i = 0; i < sizeof pop3_commands / sizeof pop3_commands[0]; i++) {
        const char *name = pop3_commands[i].name;
        if (strlen(name) != len) {
            continue;
        }
        size_t k = 0;
        while (k < len) {
            char c = word[k];
            if (c >= 'a' && c <= 'z') {
                c = (char)(c - 'a' + 'A');
            }
            if (c != name[k]) {
                break;
            }
            k++;
        }
        if (k == len) {
            return &pop3_commands[i];
        }
    }
    return NULL;
}

/* Splits the arguments in place. Returns false when there are too many or they hold control
 * characters. RFC 1939 §3: "Keywords and arguments consist of printable ASCII characters.
 * Keywords and arguments are each separated by a single SPACE character." Runs of spaces are
 * accepted; 8-bit octets are let through for UTF-8 passwords. */
static bool pop3_server_split(char *rest, const struct pop3_command *cmd, struct pop3_args *a)
{
    a->n = 0;
    for (const char *p = rest; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    if (cmd->max_args == POP3_ARGS_REST) {
        if (rest[0]) {
            a->v[a->n++] = rest;
        }
        return true;
    }
    char *p = rest;
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        if (a->n == POP3_ARGS_MAX) {
            return false;
        }
        a->v[a->n++] = p;
        while (*p && *p != ' ') {
            p++;
        }
        if (*p) {
            *p++ = 0;
        }
    }
    return true;
}

/* Notes the credential of a USER, PASS or APOP line l (text: its copy, which a's arguments point
 * into) as the client engine notes what it sends: from the first argument to the end of the
 * last, the value its arguments separated by a NUL. Told before the hooks hear of the line. */
static void pop3_server_note_secret(struct pop3_server *s, const char *verb,
                                    const struct pop3_args *a, const char *text,
                                    const struct line *l)
{
    if (a->n == 0 ||
        (strcmp(verb, "USER") != 0 && strcmp(verb, "PASS") != 0 && strcmp(verb, "APOP") != 0)) {
        return;
    }
    uint64_t line_at = s->in_read - l->len - ((l->flags & LINE_BARE_LF) ? 1 : 2);
    size_t from = (size_t)(a->v[0] - text);
    const char *last = a->v[a->n - 1];
    size_t to = (size_t)(last - text) + strlen(last);
    char value[POP3_LINE_MAX];
    size_t na = strlen(a->v[0]), nb = a->n > 1 ? strlen(last) + 1 : 0;
    if (na + nb > sizeof value) {
        return;
    }
    memcpy(value, a->v[0], na);
    if (nb > 0) {
        value[na] = 0;
        memcpy(value + na + 1, last, nb - 1);
    }
    proto_notes_tell_at(&s->in_notes, PROTO_NOTE_SECRET, line_at + from, to - from, verb, "", value,
                        na + nb);
    OPENSSL_cleanse(value, na + nb);
}

/* RFC 1939 §3: "Commands in the POP3 consist of a case-insensitive keyword, possibly followed by
 * one or more arguments. All commands are terminated by a CRLF pair." */
static void pop3_server_dispatch(struct pop3_server *s, const struct line *l)
{
    /* RFC 2449 §4 raises the command line limit to "255 octets, including the terminating
     * CRLF"; like Dovecot we take up to the 512 octets of a reply line. */
    if (l->flags & LINE_TOO_LONG) {
        pop3_server_unknown(s, "Line too long.");
        return;
    }
    if (l->flags & LINE_HAS_NUL) {
        pop3_server_unknown(s, "NUL byte in command.");
        return;
    }
    if ((l->flags & LINE_BARE_LF) && s->strict_crlf) {
        pop3_server_unknown(s, "Line must end with CRLF.");
        return;
    }
    char text[POP3_LINE_MAX];
    memcpy(text, l->text, l->len + 1);
    size_t wlen = strcspn(text, " ");
    if (wlen == 0) {
        pop3_server_unknown(s, "Unknown command.");
        return;
    }
    const struct pop3_command *cmd = pop3_server_lookup(text, wlen);
    /* The one place where states are checked. Before login, Dovecot's login process knows only
     * the AUTHORIZATION commands: a TRANSACTION command is unknown there. */
    if (s->state == POP3_STATE_AUTHORIZATION && !(cmd && (cmd->states & POP3_IN_AUTH))) {
        pop3_server_unknown(s, "Unknown command.");
        return;
    }
    if (!cmd) {
        char echo[POP3_ECHO_MAX + 1];
        text[wlen] = 0;
        pop3_server_sanitize(text, echo, sizeof echo);
        pop3_server_unknown(s, "Unknown command: %s", echo);
        return;
    }
    if (!(cmd->states & POP3_STATE_BIT(s->state))) {
        pop3_server_err(s, "Already logged in.");
        return;
    }
    if (s->state == POP3_STATE_AUTHORIZATION) {
        s->bad = 0; /* a command the login process knows, whatever its outcome */
    }
    char *rest = text + wlen;
    if (*rest == ' ') {
        rest++;
    }
    char raw[POP3_LINE_MAX]; /* the arguments as sent, for the policy hook */
    memcpy(raw, rest, strlen(rest) + 1);
    struct pop3_args a;
    if (!pop3_server_split(rest, cmd, &a) || a.n < cmd->min_args ||
        (cmd->max_args != POP3_ARGS_REST && a.n > cmd->max_args)) {
        pop3_server_err(s, "Invalid arguments.");
        return;
    }
    if (s->in_notes.fn) {
        pop3_server_note_secret(s, cmd->name, &a, text, l);
    }
    if (s->hooks.policy) {
        const char *refusal = s->hooks.policy(s->ctx, cmd->name, raw);
        if (refusal) {
            char echo[POP3_LINE_MAX];
            size_t k = 0;
            for (; refusal[k] && k + 1 < sizeof echo; k++) {
                unsigned char c = (unsigned char)refusal[k];
                echo[k] = (c >= 0x20 && c != 0x7f) ? (char)c : ' ';
            }
            echo[k] = 0;
            pop3_server_err(s, "%s", echo);
            return;
        }
    }
    cmd->handler(s, &a);
}

/* Reads queued input as lines while the peer keeps up with our output. */
static void pop3_server_pump(struct pop3_server *s)
{
    while (!s->done && !s->tls_pending && s->in.len > 0 &&
           s->out.buf.len < POP3_SERVER_OUTPUT_HIGH) {
        size_t used = 0;
        struct line l;
        int rc = line_reader_feed(&s->reader, s->in.data, s->in.len, &used, &l);
        buf_consume(&s->in, used);
        s->in_read += used;
        if (rc == 1) {
            pop3_server_dispatch(s, &l);
        }
    }
    if (s->done) {
        buf_clear(&s->in);
    }
}

/* ---- public ----------------------------------------------------------------------------- */

struct pop3_server *pop3_server_new(const struct pop3_server_config *cfg,
                                    const struct pop3_server_hooks *hooks, void *ctx)
{
    const char *greeting = cfg->greeting ? cfg->greeting : "mailsim POP3 ready.";
    if (!pop3_server_line_safe(greeting) ||
        (cfg->apop_timestamp && !pop3_server_line_safe(cfg->apop_timestamp)) ||
        cfg->capa_extra_count > POP3_SERVER_CAPA_EXTRA_MAX ||
        (cfg->capa_extra_count > 0 && !cfg->capa_extra)) {
        return NULL;
    }
    for (size_t i = 0; i < cfg->capa_extra_count; i++) {
        if (!pop3_server_line_safe(cfg->capa_extra[i]) || cfg->capa_extra[i][0] == 0) {
            return NULL;
        }
    }
    struct pop3_server *s = calloc(1, sizeof *s);
    if (!s) {
        return NULL;
    }
    buf_init(&s->in, POP3_SERVER_INPUT_MAX);
    buf_init(&s->out.buf, 0);
    s->state = POP3_STATE_AUTHORIZATION;
    s->allow_user_pass = cfg->allow_user_pass;
    s->tls_available = cfg->tls_available;
    s->strict_crlf = cfg->strict_crlf;
    s->max_bad = cfg->max_bad_commands ? cfg->max_bad_commands : POP3_DEFAULT_MAX_BAD_COMMANDS;
    s->max_bad_auth = cfg->max_bad_commands_auth ? cfg->max_bad_commands_auth
                                                 : POP3_DEFAULT_MAX_BAD_COMMANDS_AUTH;
    s->auth_failure_delay_us = cfg->auth_failure_delay_us;
    if (hooks) {
        s->hooks = *hooks;
    }
    s->ctx = ctx;
    bool ok = line_reader_init(&s->reader, POP3_LINE_MAX, LINE_END_LF) == 0;
    s->greeting = ok ? strdup(greeting) : NULL;
    ok = ok && s->greeting;
    if (ok && cfg->apop_timestamp) {
        s->timestamp = strdup(cfg->apop_timestamp);
        ok = s->timestamp != NULL;
    }
    for (size_t i = 0; ok && i < cfg->capa_extra_count; i++) {
        s->capa_extra[i] = strdup(cfg->capa_extra[i]);
        ok = s->capa_extra[i] != NULL;
        s->capa_extra_count = i + 1;
    }
    if (!ok) {
        pop3_server_free(s);
        return NULL;
    }
    return s;
}

void pop3_server_free(struct pop3_server *s)
{
    if (!s) {
        return;
    }
    pop3_server_close_maildrop(s);
    line_reader_free(&s->reader);
    buf_free(&s->in);
    buf_free(&s->out.buf);
    free(s->greeting);
    free(s->timestamp);
    for (size_t i = 0; i < s->capa_extra_count; i++) {
        free(s->capa_extra[i]);
    }
    free(s);
}

/* RFC 1939 §4: "Once the TCP connection has been opened by a POP3 client, the POP3 server
 * issues a one line greeting." §7: "A POP3 server which implements the APOP command will
 * include a timestamp in its banner greeting." */
void pop3_server_start(struct pop3_server *s)
{
    if (s->timestamp) {
        pop3_server_ok(s, " %s %s", s->greeting, s->timestamp);
    } else {
        pop3_server_ok(s, " %s", s->greeting);
    }
}

void pop3_server_feed(struct pop3_server *s, const uint8_t *in, size_t n)
{
    if (s->done || n == 0) {
        return;
    }
    if (buf_append(&s->in, in, n) != 0) {
        pop3_server_err_line(s, "-ERR Too much pipelined input.\r\n");
        pop3_server_end(s);
        return;
    }
    pop3_server_pump(s);
}

size_t pop3_server_output(const struct pop3_server *s, const uint8_t **out)
{
    return proto_pauses_ready(&s->pauses, proto_out_ready(&s->out, out));
}

void pop3_server_set_notes(struct pop3_server *s, proto_note_fn fn, void *ctx)
{
    proto_out_set_notes(&s->out, fn, ctx);
}

void pop3_server_set_input_notes(struct pop3_server *s, proto_note_fn fn, void *ctx)
{
    s->in_notes.fn = fn;
    s->in_notes.ctx = ctx;
}

void pop3_server_output_consumed(struct pop3_server *s, size_t n)
{
    proto_out_consumed(&s->out, n); /* before the pump below queues more */
    proto_pauses_consumed(&s->pauses, n);
    pop3_server_pump(s);
}

uint64_t pop3_server_pause(const struct pop3_server *s)
{
    return proto_pauses_first(&s->pauses);
}

void pop3_server_resume(struct pop3_server *s)
{
    proto_pauses_resume(&s->pauses);
}

bool pop3_server_done(const struct pop3_server *s)
{
    return s->done;
}

void pop3_server_peer_closed(struct pop3_server *s)
{
    pop3_server_end(s);
}

enum pop3_server_state pop3_server_state(const struct pop3_server *s)
{
    return s->state;
}

/* RFC 2595 §4 (STLS): after the handshake the session starts again from the greeting's
 * AUTHORIZATION state; anything the client sent in plaintext after STLS is dropped. */
void pop3_server_tls_started(struct pop3_server *s)
{
    if (!s->tls_pending) {
        return;
    }
    s->tls_pending = false;
    s->tls_active = true;
    s->user[0] = 0;
    buf_clear(&s->in);
    line_reader_reset(&s->reader);
}

unsigned pop3_server_bad_commands(const struct pop3_server *s)
{
    return s->bad;
}
