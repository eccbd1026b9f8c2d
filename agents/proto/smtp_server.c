/* smtp_server: the SMTP server engine. A command table drives it; the dispatcher checks the
 * state in one place; the handlers (smtp_server_cmd.c) check, call the policy hook, proceed.
 * DATA and SASL exchanges read lines of their own kinds (see smtp_server.h). */
#include "smtp_server.h"
#include "smtp_server_int.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SMTP_SERVER_STATE_NAME(id, name) name,
static const char *const smtp_server_state_names[] = {
    SMTP_SERVER_STATE_LIST(SMTP_SERVER_STATE_NAME)};
#undef SMTP_SERVER_STATE_NAME

#define SMTP_BODY_NAME(id, name) name,
static const char *const smtp_body_names[] = {SMTP_BODY_LIST(SMTP_BODY_NAME)};
#undef SMTP_BODY_NAME

/* One row per command: where it is allowed, and the 503 text for each state where it is not
 * (NULL: "bad sequence of commands"). */
struct smtp_server_command {
    const char *name;
    unsigned allowed;
    smtp_server_handler *handler;
    const char *refusal[SMTP_SERVER_STATE_COUNT];
};

#define IN(st) (1u << SMTP_SERVER_STATE_##st)
#define WHEN(st) [SMTP_SERVER_STATE_##st]
#define SESSION (IN(GREETED) | IN(READY) | IN(MAIL) | IN(RCPT))

static const struct smtp_server_command smtp_server_commands[] = {
    {"HELO", SESSION, smtp_server_cmd_helo, {NULL}},
    {"EHLO", SESSION, smtp_server_cmd_ehlo, {NULL}},
    {"MAIL",
     IN(READY),
     smtp_server_cmd_mail,
     {WHEN(GREETED) = "send HELO/EHLO first", WHEN(MAIL) = "nested MAIL command",
      WHEN(RCPT) = "nested MAIL command"}},
    {"RCPT",
     IN(MAIL) | IN(RCPT),
     smtp_server_cmd_rcpt,
     {WHEN(GREETED) = "need MAIL command", WHEN(READY) = "need MAIL command"}},
    {"DATA",
     IN(MAIL) | IN(RCPT),
     smtp_server_cmd_data,
     {WHEN(GREETED) = "need RCPT command", WHEN(READY) = "need RCPT command"}},
    {"RSET", SESSION, smtp_server_cmd_rset, {NULL}},
    {"NOOP", SESSION, smtp_server_cmd_noop, {NULL}},
    {"QUIT", SESSION, smtp_server_cmd_quit, {NULL}},
    {"VRFY", SESSION, smtp_server_cmd_vrfy, {NULL}},
    {"HELP", SESSION, smtp_server_cmd_help, {NULL}},
    /* RFC 4954 §4: "The AUTH command is not permitted during a mail transaction. An AUTH command
     * issued during a mail transaction MUST be rejected with a 503 reply." */
    {"AUTH",
     IN(READY),
     smtp_server_cmd_auth,
     {WHEN(GREETED) = "send HELO/EHLO first", WHEN(MAIL) = "MAIL transaction in progress",
      WHEN(RCPT) = "MAIL transaction in progress"}},
    {"STARTTLS",
     IN(GREETED) | IN(READY),
     smtp_server_cmd_starttls,
     {WHEN(MAIL) = "MAIL transaction in progress", WHEN(RCPT) = "MAIL transaction in progress"}},
};

#define SMTP_SERVER_NCOMMANDS (sizeof smtp_server_commands / sizeof smtp_server_commands[0])

const char *smtp_server_state_name(enum smtp_server_state st)
{
    return (unsigned)st < SMTP_SERVER_STATE_COUNT ? smtp_server_state_names[st] : "?";
}

const char *smtp_body_name(enum smtp_body b)
{
    return (unsigned)b < SMTP_BODY_COUNT ? smtp_body_names[b] : "?";
}

const char *smtp_server_command_name(size_t i)
{
    return i < SMTP_SERVER_NCOMMANDS ? smtp_server_commands[i].name : NULL;
}

/* The one place where the state changes, so the agent can record every change. */
void smtp_server_set_state(struct smtp_server *s, enum smtp_server_state st)
{
    enum smtp_server_state old = s->state;
    if (old == st) {
        return;
    }
    s->state = st;
    if (s->hooks.on_state) {
        s->hooks.on_state(s->ctx, old, st);
    }
}

static void smtp_server_send(struct smtp_server *s, const struct smtp_reply *r)
{
    if (smtp_reply_format(&s->out, r) != 0) {
        s->done = true; /* no memory for the reply: end the session rather than lie */
    }
}

void smtp_server_vreply(struct smtp_server *s, int code, const char *enh, const char *fmt,
                        va_list ap)
{
    struct smtp_reply r;
    smtp_reply_vset(&r, code, enh, fmt, ap); /* a cut text is fine: smtp_reply_format cuts lines */
    smtp_server_send(s, &r);
}

void smtp_server_reply(struct smtp_server *s, int code, const char *enh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    smtp_server_vreply(s, code, enh, fmt, ap);
    va_end(ap);
}

/* Counts a protocol error; at max_errors the session ends with 421. */
void smtp_server_count_error(struct smtp_server *s)
{
    s->errors++;
    if (s->cfg.max_errors > 0 && s->errors >= s->cfg.max_errors && !s->done) {
        smtp_server_reply(s, 421, "4.7.0", "%s Error: too many errors", s->hostname);
        smtp_server_set_state(s, SMTP_SERVER_STATE_QUIT);
        s->done = true;
    }
}

/* A reply from the dispatcher or a check stage: sent, then counted as an error. */
void smtp_server_fail(struct smtp_server *s, int code, const char *enh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    smtp_server_vreply(s, code, enh, fmt, ap);
    va_end(ap);
    smtp_server_count_error(s);
}

/* Applies the hook contract of smtp_server.h to a verdict and sends the reply. */
bool smtp_server_verdict(struct smtp_server *s, bool ok, struct smtp_reply *r, int success_code)
{
    if (ok) {
        r->code = success_code;
    } else if (r->code < 400 || r->code > 599) {
        smtp_reply_set(r, 451, "4.3.0", "Error: policy hook gave no reply");
    }
    smtp_server_send(s, r);
    return ok;
}

static void smtp_server_free_rcpts(struct smtp_server *s)
{
    for (size_t i = 0; i < s->env.nrcpt; i++) {
        free(s->env.rcpt[i]);
    }
    s->env.nrcpt = 0;
}

/* Forgets the mail transaction: what RSET does (RFC 5321 §4.1.1.5). */
void smtp_server_reset_transaction(struct smtp_server *s)
{
    smtp_server_free_rcpts(s);
    s->env.has_mail = false;
    s->env.mail_from[0] = 0;
    s->env.body = SMTP_BODY_NONE;
    s->env.declared_size = 0;
    s->env.body_bare_lf = false;
    s->env.body_bare_cr = false;
    s->rcpt_seen = false;
    buf_free(&s->msg);
    s->msg_size = 0;
    s->msg_too_big = false;
    s->msg_line_too_long = false;
    s->msg_no_memory = false;
}

/* ---- Lines in: the dispatcher, DATA, SASL ---- */

static void smtp_server_dispatch(struct smtp_server *s, const struct line *l)
{
    /* RFC 5321 §4.5.3.1.9: "Errors due to exceeding these limits may be reported by using the
     * reply codes. Some examples of reply codes are: 500 Line too long." */
    if (l->flags & LINE_TOO_LONG) {
        smtp_server_fail(s, 500, "5.5.2", "Error: line too long");
        return;
    }
    /* RFC 5321 §2.3.8: "SMTP client implementations MUST NOT transmit these characters except
     * when they are intended as line terminators and then MUST ... transmit them only as a
     * <CRLF> sequence." A command ended by a bare LF is refused, not executed. */
    if (l->flags & LINE_BARE_LF) {
        smtp_server_fail(s, 500, "5.5.2", "Error: bare <LF> received");
        return;
    }
    for (size_t i = 0; i < l->len; i++) {
        unsigned char c = (unsigned char)l->text[i];
        if (c < 0x20 || c == 0x7f) { /* NUL, a bare CR, TAB, other controls */
            smtp_server_fail(s, 500, "5.5.2", "Error: bad syntax");
            return;
        }
    }
    if (l->len == 0) {
        smtp_server_fail(s, 500, "5.5.2", "Error: bad syntax");
        return;
    }
    size_t vlen = strcspn(l->text, " ");
    const char *arg = l->text + vlen;
    while (*arg == ' ') {
        arg++;
    }
    char args[SMTP_COMMAND_LINE_MAX];
    size_t alen = strlen(arg);
    while (alen > 0 && arg[alen - 1] == ' ') {
        alen--;
    }
    alen = alen < sizeof args - 1 ? alen : sizeof args - 1;
    memcpy(args, arg, alen);
    args[alen] = 0;
    for (size_t i = 0; i < SMTP_SERVER_NCOMMANDS; i++) {
        const struct smtp_server_command *cmd = &smtp_server_commands[i];
        /* RFC 5321 §2.4: "Verbs and argument values ... are not case sensitive" */
        if (strlen(cmd->name) != vlen || strncasecmp(cmd->name, l->text, vlen) != 0) {
            continue;
        }
        if (!(cmd->allowed & (1u << s->state))) {
            const char *why = cmd->refusal[s->state];
            smtp_server_fail(s, 503, "5.5.1", "Error: %s", why ? why : "bad sequence of commands");
            return;
        }
        cmd->handler(s, args);
        return;
    }
    smtp_server_fail(s, 502, "5.5.2", "Error: command not recognized");
}

static void smtp_server_data_end(struct smtp_server *s)
{
    struct smtp_reply r;
    if (s->msg_line_too_long) {
        /* RFC 5321 §4.5.3.1.6: "The maximum total length of a text line including the <CRLF> is
         * 1000 octets". The whole message was read (the client would otherwise take its lines
         * for commands); it is refused, not cut. */
        smtp_server_fail(s, 500, "5.5.0", "Error: message line too long");
    } else if (s->msg_too_big) {
        smtp_server_fail(s, 552, "5.3.4", "Error: message file too big");
    } else if (s->msg_no_memory) {
        smtp_server_reply(s, 452, "4.3.1", "Insufficient system storage");
    } else {
        s->msg_count++;
        smtp_reply_set(&r, 250, "2.0.0", "Ok: queued as %08lX%02X", s->cfg.session_id,
                       s->msg_count);
        bool ok = !s->hooks.on_message ||
                  s->hooks.on_message(s->ctx, &s->env, s->msg.data, s->msg.len, &r);
        smtp_server_verdict(s, ok, &r, 250);
    }
    smtp_server_reset_transaction(s);
    if (s->state == SMTP_SERVER_STATE_DATA) {
        smtp_server_set_state(s, SMTP_SERVER_STATE_READY);
    }
}

static void smtp_server_data_line(struct smtp_server *s, const struct line *l)
{
    const char *text = l->text;
    size_t len = l->len;
    /* RFC 5321 §4.1.1.4: "The mail data are terminated by a line containing only a period, that
     * is, the character sequence "<CRLF>.<CRLF>", where the first <CRLF> is actually the
     * terminator of the previous line". The data reader ends lines only at CRLF, so "\n.\n",
     * "\r.\r" or "\n.\r\n" never end the message: they stay body bytes (SMTP smuggling). */
    if (len == 1 && text[0] == '.' && !(l->flags & LINE_TOO_LONG)) {
        smtp_server_data_end(s);
        return;
    }
    /* RFC 5321 §4.5.2: "If the first character is a period and there are other characters on
     * the line, the first character is deleted." */
    if (len > 0 && text[0] == '.') {
        text++;
        len--;
    }
    if ((l->flags & LINE_TOO_LONG) || len > SMTP_TEXT_LINE_MAX - 2) {
        s->msg_line_too_long = true;
    }
    if (memchr(text, '\n', len)) {
        s->env.body_bare_lf = true;
    }
    if (memchr(text, '\r', len)) {
        s->env.body_bare_cr = true;
    }
    size_t add = len + 2;
    s->msg_size = s->msg_size > SIZE_MAX - add ? SIZE_MAX : s->msg_size + add;
    if (s->cfg.max_message_size > 0 && s->msg_size > s->cfg.max_message_size) {
        s->msg_too_big = true;
    }
    if (s->msg_line_too_long || s->msg_too_big || s->msg_no_memory) {
        buf_free(&s->msg); /* keep reading to the end, storing nothing */
        return;
    }
    if (buf_append(&s->msg, text, len) != 0 || buf_append(&s->msg, "\r\n", 2) != 0) {
        s->msg_no_memory = true;
        buf_free(&s->msg);
    }
}

static void smtp_server_sasl_line(struct smtp_server *s, const struct line *l)
{
    /* RFC 4954 §4: "If, during an authentication exchange, the server receives a line that is
     * longer than the server's authentication buffer, the server fails the AUTH command with the
     * 500 reply. Servers using the enhanced status codes extension [ESMTP-CODES] SHOULD return
     * an enhanced status code of 5.5.6 in this case." */
    if (l->flags & LINE_TOO_LONG) {
        smtp_server_auth_abort(s, 500, "5.5.6", "Authentication Exchange line is too long");
    } else if (l->flags & LINE_BARE_LF) {
        smtp_server_auth_abort(s, 500, "5.5.2", "Error: bare <LF> received");
    } else {
        char out[SASL_CHALLENGE_B64_MAX];
        smtp_server_auth_step(s, sasl_server_step(&s->sasl, l->text, l->len, out, sizeof out), out);
    }
}

/* The reader for the current state; NULL when input is not read at all. */
static struct line_reader *smtp_server_reader(struct smtp_server *s)
{
    if (s->done) {
        return NULL;
    }
    switch (s->state) {
    case SMTP_SERVER_STATE_DATA:
        return &s->data_reader;
    case SMTP_SERVER_STATE_AUTH:
        return &s->sasl_reader;
    case SMTP_SERVER_STATE_STARTTLS:
    case SMTP_SERVER_STATE_QUIT:
    case SMTP_SERVER_STATE_CLOSED:
        return NULL;
    default:
        return &s->cmd_reader;
    }
}

void smtp_server_feed(struct smtp_server *s, const uint8_t *in, size_t n)
{
    if (s->state == SMTP_SERVER_STATE_INIT) {
        smtp_server_start(s);
    }
    size_t off = 0;
    struct line_reader *r;
    while (off < n && (r = smtp_server_reader(s)) != NULL) {
        size_t used = 0;
        struct line l;
        int got = line_reader_feed(r, in + off, n - off, &used, &l);
        off += used;
        if (got != 1) {
            break;
        }
        if (r == &s->data_reader) {
            smtp_server_data_line(s, &l);
        } else if (r == &s->sasl_reader) {
            smtp_server_sasl_line(s, &l);
        } else {
            smtp_server_dispatch(s, &l);
        }
    }
}

/* ---- Life cycle ---- */

struct smtp_server *smtp_server_new(const struct smtp_server_config *cfg,
                                    const struct smtp_server_hooks *hooks, void *ctx)
{
    struct smtp_server *s = calloc(1, sizeof *s);
    if (!s) {
        return NULL;
    }
    s->cfg = *cfg;
    if (hooks) {
        s->hooks = *hooks;
    }
    s->ctx = ctx;
    s->hostname = strdup(cfg->hostname ? cfg->hostname : "localhost");
    s->banner = strdup(cfg->banner ? cfg->banner : "ESMTP mailsim");
    s->cfg.hostname = s->hostname;
    s->cfg.banner = s->banner;
    s->env.tls = cfg->tls_active;
    buf_init(&s->out, 0);
    buf_init(&s->msg, cfg->max_message_size);
    bool ok = s->hostname && s->banner;
    ok = ok && line_reader_init(&s->cmd_reader, SMTP_COMMAND_LINE_MAX, LINE_END_LF) == 0;
    /* RFC 5321 §4.5.3.1.6 counts the text line "not counting the leading dot duplicated for
     * transparency": one octet more on the wire. */
    ok = ok && line_reader_init(&s->data_reader, SMTP_TEXT_LINE_MAX + 1, LINE_END_CRLF) == 0;
    ok = ok && line_reader_init(&s->sasl_reader, SASL_RESPONSE_LINE_MAX, LINE_END_LF) == 0;
    if (!ok) {
        smtp_server_free(s);
        return NULL;
    }
    return s;
}

void smtp_server_free(struct smtp_server *s)
{
    if (!s) {
        return;
    }
    smtp_server_reset_transaction(s);
    free(s->env.rcpt);
    line_reader_free(&s->cmd_reader);
    line_reader_free(&s->data_reader);
    line_reader_free(&s->sasl_reader);
    buf_free(&s->out);
    buf_free(&s->msg);
    free(s->hostname);
    free(s->banner);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

void smtp_server_start(struct smtp_server *s)
{
    if (s->state != SMTP_SERVER_STATE_INIT) {
        return;
    }
    /* RFC 5321 §4.2: "220 <domain> Service ready" */
    smtp_server_reply(s, 220, NULL, "%s %s", s->hostname, s->banner);
    smtp_server_set_state(s, SMTP_SERVER_STATE_GREETED);
}

size_t smtp_server_output(const struct smtp_server *s, const uint8_t **out)
{
    *out = s->out.data;
    return s->out.len;
}

void smtp_server_output_consumed(struct smtp_server *s, size_t n)
{
    buf_consume(&s->out, n);
}

bool smtp_server_done(const struct smtp_server *s)
{
    return s->done;
}

void smtp_server_peer_closed(struct smtp_server *s)
{
    smtp_server_reset_transaction(s);
    smtp_server_set_state(s, SMTP_SERVER_STATE_CLOSED);
    s->done = true;
}

enum smtp_server_state smtp_server_state(const struct smtp_server *s)
{
    return s->state;
}

void smtp_server_tls_started(struct smtp_server *s)
{
    if (s->state != SMTP_SERVER_STATE_STARTTLS) {
        return;
    }
    smtp_server_reset_transaction(s);
    s->env.helo[0] = 0;
    s->env.esmtp = false;
    s->env.authenticated = false;
    s->env.auth_user[0] = 0;
    s->env.tls = true;
    line_reader_reset(&s->cmd_reader);
    smtp_server_set_state(s, SMTP_SERVER_STATE_GREETED);
}

const struct smtp_envelope *smtp_server_envelope(const struct smtp_server *s)
{
    return &s->env;
}

unsigned smtp_server_errors(const struct smtp_server *s)
{
    return s->errors;
}

size_t smtp_server_buffered(const struct smtp_server *s)
{
    return s->cmd_reader.len + s->data_reader.len + s->sasl_reader.len + s->msg.len;
}
