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

enum smtp_server_state smtp_server_idle_state(const struct smtp_server *s)
{
    return s->env.helo[0] ? SMTP_SERVER_STATE_READY : SMTP_SERVER_STATE_GREETED;
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
    /* Postfix's smtpd_chat_reply: "Slow down clients that make errors. Sleep-on-anything slows
     * down clients that make an excessive number of errors within a session." Every reply, not
     * only the refusals, once the soft limit is reached. */
    if (s->cfg.soft_error_limit > 0 && s->errors >= s->cfg.soft_error_limit) {
        proto_pauses_hold(&s->pauses, s->out.buf.len, s->cfg.error_sleep_us);
    }
    size_t at = s->out.buf.len;
    if (smtp_reply_format(&s->out.buf, r) != 0) {
        s->done = true; /* no memory for the reply: end the session rather than lie */
        return;
    }
    /* Refusals and challenges are noted; a success goes without (see proto_note.h). */
    int cls = smtp_reply_class(r);
    if (cls == 4 || cls == 5 || r->code == 334) {
        char code[8], klass[8], challenge[SASL_CHALLENGE_MAX + 1];
        snprintf(code, sizeof code, "%03d", r->code);
        snprintf(klass, sizeof klass, "%dxx", cls);
        long n = r->code == 334
                     ? sasl_challenge_reveal(r->text, strlen(r->text), challenge, sizeof challenge)
                     : 0;
        proto_notes_tell(&s->out.notes, PROTO_NOTE_REPLY, at, s->out.buf.len - at, code, klass,
                         challenge, n > 0 ? (size_t)n : 0);
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

/* Applies the hook contract of smtp_server.h to a verdict and sends the reply. In Postfix every
 * command that fails counts against the error limits, whoever refused it. */
bool smtp_server_verdict(struct smtp_server *s, bool ok, struct smtp_reply *r, int success_code)
{
    if (ok) {
        r->code = success_code;
    } else if (r->code < 400 || r->code > 599) {
        smtp_reply_set(r, 451, "4.3.0", "Error: policy hook gave no reply");
    }
    smtp_server_send(s, r);
    if (!ok) {
        smtp_server_count_error(s);
    }
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
    buf_free(&s->msg);
    s->msg_size = 0;
    s->msg_too_big = false;
    s->msg_no_memory = false;
    s->msg_mid_line = false;
}

/* ---- Lines in: the dispatcher, DATA, SASL ---- */

/* Postfix's SMTPD_CMD_FLAG_PRE_TLS: what smtpd_tls_security_level = encrypt lets through
 * before STARTTLS. */
static bool smtp_server_pre_tls(const char *name)
{
    return strcmp(name, "HELO") == 0 || strcmp(name, "EHLO") == 0 ||
           strcmp(name, "STARTTLS") == 0 || strcmp(name, "NOOP") == 0 || strcmp(name, "QUIT") == 0;
}

static void smtp_server_dispatch(struct smtp_server *s, const struct line *l)
{
    /* Postfix's smtpd_forbid_bare_newline = reject: "Reject the request with "550 5.5.2 Error:
     * bare <LF> received" and disconnect". Its default, normalize, takes a bare LF as the end of
     * a command line, and so does RFC 5321 §2.3.8's advice to be tolerant. */
    if ((l->flags & LINE_BARE_LF) && s->cfg.reject_bare_lf) {
        smtp_server_reply(s, 550, "5.5.2", "%s Error: bare <LF> received", s->hostname);
        smtp_server_count_error(s);
        smtp_server_set_state(s, SMTP_SERVER_STATE_QUIT);
        s->done = true;
        return;
    }
    /* A line over SMTP_SERVER_LINE_LIMIT was cut by the reader: like Postfix, the first part is
     * the command and the rest was skipped. */
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
    uint64_t line_at = smtp_server_line_at(s, l);
    s->arg_at = line_at == UINT64_MAX ? UINT64_MAX : line_at + (uint64_t)(arg - l->text);
    char args[SMTP_SERVER_LINE_LIMIT + 1];
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
        /* RFC 3207 §4: "A SMTP server that is not publicly referenced may choose to require that
         * the client perform a TLS negotiation before accepting other commands. ... the server
         * should reply to every command other than NOOP, EHLO, STARTTLS, or QUIT with the 530
         * reply code." Postfix lets HELO through as well. */
        if (s->cfg.tls_required && !s->env.tls && !smtp_server_pre_tls(cmd->name)) {
            smtp_server_fail(s, 530, "5.7.0", "Must issue a STARTTLS command first");
            return;
        }
        /* Without smtpd_helo_required, Postfix takes MAIL and AUTH before HELO/EHLO. */
        enum smtp_server_state st = s->state;
        if (st == SMTP_SERVER_STATE_GREETED && !s->cfg.helo_required) {
            st = SMTP_SERVER_STATE_READY;
        }
        if (!(cmd->allowed & (1u << st))) {
            const char *why = cmd->refusal[st];
            smtp_server_fail(s, 503, "5.5.1", "Error: %s", why ? why : "bad sequence of commands");
            return;
        }
        cmd->handler(s, args);
        return;
    }
    /* Postfix: "500 5.5.2 Error: command not recognized" (EXPN, HELP, ETRN and BDAT included:
     * mailsim offers none of them). */
    smtp_server_fail(s, 500, "5.5.2", "Error: command not recognized");
}

static void smtp_server_data_end(struct smtp_server *s)
{
    struct smtp_reply r;
    if (s->msg_too_big) {
        smtp_server_fail(s, 552, "5.3.4", "Error: message file too big");
    } else if (s->msg_no_memory) {
        smtp_server_reply(s, 452, "4.3.1", "Insufficient system storage");
    } else if (s->cfg.reject_bare_lf && s->env.body_bare_lf) {
        /* smtpd_forbid_bare_newline = reject, inside a message: refused, the session goes on. */
        smtp_server_fail(s, 550, "5.5.2", "%s Error: bare <LF> received", s->hostname);
    } else {
        s->msg_count++;
        smtp_reply_set(&r, 250, "2.0.0", "Ok: queued as %08lX%02X", s->cfg.session_id,
                       s->msg_count);
        bool ok = !s->hooks.on_message ||
                  s->hooks.on_message(s->ctx, &s->env, s->msg.data, s->msg.len, &r);
        if (ok) {
            /* Postfix: "Forgive any previous client errors when a message was received
             * successfully." */
            s->errors = 0;
        }
        smtp_server_verdict(s, ok, &r, 250);
    }
    smtp_server_reset_transaction(s);
    if (s->state == SMTP_SERVER_STATE_DATA) {
        smtp_server_set_state(s, smtp_server_idle_state(s));
    }
}

static void smtp_server_data_line(struct smtp_server *s, const struct line *l)
{
    const char *text = l->text;
    size_t len = l->len;
    bool line_start = !s->msg_mid_line;         /* this piece begins a line */
    bool line_end = !(l->flags & LINE_PARTIAL); /* and this one ends it */
    s->msg_mid_line = !line_end;
    /* RFC 5321 §4.1.1.4: "The mail data are terminated by a line containing only a period, that
     * is, the character sequence "<CRLF>.<CRLF>", where the first <CRLF> is actually the
     * terminator of the previous line". The data reader ends lines only at CRLF, so "\n.\n",
     * "\r.\r" or "\n.\r\n" never end the message: they stay body bytes (SMTP smuggling). */
    if (line_start && line_end && len == 1 && text[0] == '.') {
        /* the text up to the "." line, noted before the message's hooks record their events */
        uint64_t dot = s->line_end - 3;
        if (s->in_notes.fn && dot > s->text_noted) {
            proto_notes_tell_at(&s->in_notes, PROTO_NOTE_MESSAGE, s->text_noted,
                                (size_t)(dot - s->text_noted), NULL, NULL, NULL, 0);
        }
        s->text_noted = s->line_end;
        smtp_server_data_end(s);
        return;
    }
    /* RFC 5321 §4.5.2: "If the first character is a period and there are other characters on
     * the line, the first character is deleted." */
    if (line_start && len > 0 && text[0] == '.') {
        text++;
        len--;
    }
    if (memchr(text, '\n', len)) {
        s->env.body_bare_lf = true;
    }
    if (memchr(text, '\r', len)) {
        s->env.body_bare_cr = true;
    }
    size_t add = len + (line_end ? 2 : 0);
    s->msg_size = s->msg_size > SIZE_MAX - add ? SIZE_MAX : s->msg_size + add;
    if (s->cfg.max_message_size > 0 && s->msg_size > s->cfg.max_message_size) {
        s->msg_too_big = true;
    }
    if (s->msg_too_big || s->msg_no_memory) {
        buf_free(&s->msg); /* keep reading to the end, storing nothing */
        return;
    }
    if (buf_append(&s->msg, text, len) != 0 || (line_end && buf_append(&s->msg, "\r\n", 2) != 0)) {
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
    } else if ((l->flags & LINE_BARE_LF) && s->cfg.reject_bare_lf) {
        smtp_server_auth_abort(s, 550, "5.5.2", "%s Error: bare <LF> received", s->hostname);
        smtp_server_set_state(s, SMTP_SERVER_STATE_QUIT);
        s->done = true;
    } else {
        smtp_server_note_response(s, s->sasl.mech, smtp_server_line_at(s, l), l->text, l->len);
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

uint64_t smtp_server_line_at(const struct smtp_server *s, const struct line *l)
{
    if (l->flags & (LINE_TOO_LONG | LINE_PARTIAL)) {
        return UINT64_MAX;
    }
    return s->line_end - l->len - ((l->flags & LINE_BARE_LF) ? 1 : 2);
}

/* The DATA text that came in this feed, up to end, is noted: each data event holds its own
 * piece. Only a "." that opens the last line, and its CR, wait for the next octets to say
 * whether they end the text; they are not noted if they turn out to be text. */
static void smtp_server_note_text(struct smtp_server *s, uint64_t end)
{
    const struct line_reader *r = &s->data_reader;
    if (!s->msg_mid_line && r->len == 1 && r->buf[0] == '.') {
        end -= 1 + (r->pending_cr ? 1 : 0);
    }
    if (end > s->text_noted) {
        proto_notes_tell_at(&s->in_notes, PROTO_NOTE_MESSAGE, s->text_noted,
                            (size_t)(end - s->text_noted), NULL, NULL, NULL, 0);
        s->text_noted = end;
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
        s->line_end = s->in_at + off;
        if (r == &s->data_reader) {
            smtp_server_data_line(s, &l);
        } else if (r == &s->sasl_reader) {
            smtp_server_sasl_line(s, &l);
        } else {
            smtp_server_dispatch(s, &l);
        }
    }
    if (s->in_notes.fn && s->state == SMTP_SERVER_STATE_DATA) {
        smtp_server_note_text(s, s->in_at + n);
    }
    s->in_at += n;
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
    s->myorigin = strdup(cfg->myorigin ? cfg->myorigin : s->hostname ? s->hostname : "");
    s->cfg.hostname = s->hostname;
    s->cfg.banner = s->banner;
    s->cfg.myorigin = s->myorigin;
    s->env.tls = cfg->tls_active;
    buf_init(&s->out.buf, 0);
    buf_init(&s->msg, cfg->max_message_size);
    bool ok = s->hostname && s->banner && s->myorigin;
    ok = ok && line_reader_init(&s->cmd_reader, SMTP_SERVER_LINE_LIMIT + 2, LINE_END_LF) == 0;
    /* RFC 5321 §4.5.3.1.6 counts the text line "not counting the leading dot duplicated for
     * transparency": one octet more on the wire. Longer lines come in pieces, and are kept. */
    ok = ok && line_reader_init(&s->data_reader, SMTP_TEXT_LINE_MAX + 1, LINE_END_CRLF) == 0;
    line_reader_set_split(&s->data_reader, true);
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
    buf_free(&s->out.buf);
    buf_free(&s->msg);
    free(s->hostname);
    free(s->banner);
    free(s->myorigin);
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
    return proto_pauses_ready(&s->pauses, proto_out_ready(&s->out, out));
}

void smtp_server_set_notes(struct smtp_server *s, proto_note_fn fn, void *ctx)
{
    proto_out_set_notes(&s->out, fn, ctx);
}

void smtp_server_set_input_notes(struct smtp_server *s, proto_note_fn fn, void *ctx)
{
    s->in_notes.fn = fn;
    s->in_notes.ctx = ctx;
}

void smtp_server_output_consumed(struct smtp_server *s, size_t n)
{
    proto_out_consumed(&s->out, n);
    proto_pauses_consumed(&s->pauses, n);
}

uint64_t smtp_server_pause(const struct smtp_server *s)
{
    return proto_pauses_first(&s->pauses);
}

void smtp_server_resume(struct smtp_server *s)
{
    proto_pauses_resume(&s->pauses);
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
