/* smtp_client: the SMTP client engine (see smtp_client.h). Every command sent leaves an entry in
 * a queue of expected replies; each reply read takes the head entry and goes to the handler for
 * its kind. Without PIPELINING the queue holds one entry, with it a whole MAIL/RCPT/DATA group. */
#include "smtp_client.h"

#include "base64.h"
#include "proto_out.h"
#include "utf8.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SMTP_CLIENT_STATE_NAME(id, name) name,
static const char *const smtp_client_state_names[] = {
    SMTP_CLIENT_STATE_LIST(SMTP_CLIENT_STATE_NAME)};
#undef SMTP_CLIENT_STATE_NAME

/* A reply the client waits for: its kind is the state while it is awaited. */
struct smtp_client_pending {
    enum smtp_client_state kind;
    size_t rcpt; /* RCPT: which recipient */
};

struct smtp_client_mail {
    char *from;
    char **rcpt;
    size_t nrcpt;
    uint8_t *data;
    size_t len;
};

/* Steps of the client's side of a SASL exchange. */
enum smtp_client_auth_step {
    SMTP_CLIENT_AUTH_PLAIN,      /* AUTH PLAIN without initial response: send it on 334 */
    SMTP_CLIENT_AUTH_LOGIN_USER, /* send the user on 334 */
    SMTP_CLIENT_AUTH_LOGIN_PASS, /* send the password on 334 */
    SMTP_CLIENT_AUTH_CRAM,       /* answer the challenge on 334 */
    SMTP_CLIENT_AUTH_FINAL,      /* all sent: only 235 or a failure may come */
    SMTP_CLIENT_AUTH_CANCELLED,  /* "*" sent: the 501 ends it */
};

struct smtp_client {
    struct smtp_client_config cfg; /* strings point at the copies below */
    char *ehlo_name;
    char *user;
    char *password;
    char *authzid;
    struct smtp_client_hooks hooks;
    void *ctx;
    enum smtp_client_state state;
    struct smtp_reply_parser parser;
    struct proto_out out; /* the commands sent, and notes about them; a client never pauses */
    struct smtp_client_pending *pending; /* FIFO: [head, npending) */
    size_t head, npending, pending_cap;
    struct smtp_client_mail *mails;
    size_t nmails, mails_cap;
    size_t next_mail;      /* first mail not yet started */
    struct smtp_ehlo caps; /* what EHLO said */
    bool tls;
    bool quit_sent;
    /* The transaction under way: mail number cur. */
    size_t cur;
    bool in_transaction;
    bool mail_ok;
    size_t accepted;
    bool have_fail;
    bool mail_failed;
    struct smtp_reply fail;
    enum smtp_client_auth_step auth_step;
};

const char *smtp_client_state_name(enum smtp_client_state st)
{
    return (unsigned)st < SMTP_CLIENT_STATE_COUNT ? smtp_client_state_names[st] : "?";
}

static void smtp_client_set_state(struct smtp_client *c, enum smtp_client_state st)
{
    enum smtp_client_state old = c->state;
    if (old == st) {
        return;
    }
    c->state = st;
    if (c->hooks.on_state) {
        c->hooks.on_state(c->ctx, old, st);
    }
}

/* The session is over: close once the output is sent. */
static void smtp_client_finish(struct smtp_client *c)
{
    c->npending = c->head = 0;
    smtp_client_set_state(c, SMTP_CLIENT_STATE_DONE);
}

static void smtp_client_abort(struct smtp_client *c, int code, const char *enh, const char *what);

/* Remembers that a reply of this kind is expected; the state follows the queue's head. */
static void smtp_client_expect(struct smtp_client *c, enum smtp_client_state kind, size_t rcpt)
{
    if (c->state == SMTP_CLIENT_STATE_DONE) {
        return;
    }
    if (c->npending == c->pending_cap) {
        size_t cap = c->pending_cap ? 2 * c->pending_cap : 8;
        struct smtp_client_pending *grown = realloc(c->pending, cap * sizeof *grown);
        if (!grown) {
            smtp_client_abort(c, 451, "4.3.0", "out of memory");
            return;
        }
        c->pending = grown;
        c->pending_cap = cap;
    }
    c->pending[c->npending++] = (struct smtp_client_pending){kind, rcpt};
    if (c->npending - c->head == 1) {
        smtp_client_set_state(c, kind);
    }
}

__attribute__((format(printf, 3, 4))) static void
smtp_client_send(struct smtp_client *c, enum smtp_client_state kind, const char *fmt, ...)
{
    char line[SMTP_COMMAND_LINE_MAX + 1];
    if (c->state == SMTP_CLIENT_STATE_DONE) {
        return;
    }
    int n;
    size_t fixed = strchr(fmt, '%') ? sizeof line : strlen(fmt);
    if (fixed < sizeof line) { /* DATA, QUIT, ".": no printf needed */
        memcpy(line, fmt, fixed + 1);
        n = (int)fixed;
    } else {
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
    }
    /* RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with its CRLF. */
    if (n < 0 || (size_t)n + 2 > SMTP_COMMAND_LINE_MAX) {
        smtp_client_abort(c, 554, "5.5.0", "command line too long");
        return;
    }
    if (buf_append(&c->out.buf, line, (size_t)n) || buf_append(&c->out.buf, "\r\n", 2)) {
        smtp_client_abort(c, 451, "4.3.0", "out of memory");
        return;
    }
    smtp_client_expect(c, kind, 0);
    /* vsnprintf wrote n octets and a NUL: wipe those (an AUTH line holds a secret). */
    OPENSSL_cleanse(line, (size_t)n + 1);
}

static void smtp_client_send_rcpt(struct smtp_client *c, size_t i)
{
    smtp_client_send(c, SMTP_CLIENT_STATE_RCPT, "RCPT TO:<%s>", c->mails[c->cur].rcpt[i]);
    if (c->npending > c->head) {
        c->pending[c->npending - 1].rcpt = i;
    }
}

/* A reply the client makes up (see smtp_client.h). */
static void smtp_client_local_reply(struct smtp_reply *r, int code, const char *enh,
                                    const char *what)
{
    smtp_reply_set(r, code, enh, "mailsim client: %s", what);
}

/* Reports the result of mail i. */
static void smtp_client_report(struct smtp_client *c, size_t i, const struct smtp_reply *r)
{
    if (c->hooks.on_mail_result) {
        c->hooks.on_mail_result(c->ctx, i, r);
    }
    /* The content is in the output buffer or not needed any more: a reused session should not
     * keep a copy of every message it carried. */
    free(c->mails[i].data);
    c->mails[i].data = NULL;
    c->mails[i].len = 0;
}

/* Fails the transaction under way and every mail not yet started with r. */
static void smtp_client_fail_all(struct smtp_client *c, const struct smtp_reply *r)
{
    if (c->in_transaction) {
        c->in_transaction = false;
        smtp_client_report(c, c->cur, r);
    }
    while (c->next_mail < c->nmails) {
        smtp_client_report(c, c->next_mail++, r);
    }
}

static void smtp_client_quit(struct smtp_client *c)
{
    if (!c->quit_sent) {
        c->quit_sent = true;
        smtp_client_send(c, SMTP_CLIENT_STATE_QUIT, "QUIT");
    }
}

/* The session cannot carry its mails: each fails with r, and the client still says QUIT. RFC
 * 5321 §3.1, on a 554 greeting: "A server taking this approach MUST still wait for the client to
 * send a QUIT (see Section 4.1.1.10) before closing the connection". */
static void smtp_client_give_up(struct smtp_client *c, const struct smtp_reply *r)
{
    smtp_client_fail_all(c, r);
    smtp_client_quit(c);
}

static size_t smtp_client_wire_size(const struct smtp_client_mail *m)
{
    bool crlf = m->len >= 2 && m->data[m->len - 2] == '\r' && m->data[m->len - 1] == '\n';
    return m->len + (m->len > 0 && !crlf ? 2 : 0);
}

/* Starts the next mail, or says QUIT when there is none. */
static void smtp_client_next(struct smtp_client *c)
{
    if (c->next_mail >= c->nmails) {
        smtp_client_quit(c);
        return;
    }
    const struct smtp_client_mail *m = &c->mails[c->next_mail];
    c->cur = c->next_mail++;
    c->in_transaction = true;
    c->mail_ok = false;
    c->mail_failed = false;
    c->accepted = 0;
    c->have_fail = false;
    char size[40] = "";
    if (c->caps.size) {
        snprintf(size, sizeof size, " SIZE=%zu", smtp_client_wire_size(m));
    }
    /* RFC 6152 §3: the BODY=8BITMIME parameter says the message holds octets above 127. */
    bool eight = c->caps.eightbitmime && utf8_has_8bit(m->data, m->len);
    smtp_client_send(c, SMTP_CLIENT_STATE_MAIL, "MAIL FROM:<%s>%s%s", m->from, size,
                     eight ? " BODY=8BITMIME" : "");
    if (c->caps.pipelining && c->cfg.want_pipelining) {
        /* RFC 2920 §3.1: "the commands RSET, MAIL FROM, SEND FROM, SOML FROM, SAML FROM, and
         * RCPT TO can all appear anywhere in a pipelined command group. The EHLO, DATA, VRFY,
         * EXPN, TURN, QUIT, and NOOP commands can only appear as the last command in a group".
         * MAIL, every RCPT and DATA go out together; the body waits for the 354. */
        for (size_t i = 0; i < c->mails[c->cur].nrcpt; i++) {
            smtp_client_send_rcpt(c, i);
        }
        smtp_client_send(c, SMTP_CLIENT_STATE_DATA, "DATA");
    }
}

/* The transaction under way is over: reports it and moves on. server_reset: the server has
 * forgotten the transaction by itself (after the end of data). */
static void smtp_client_end_transaction(struct smtp_client *c, bool ok, const struct smtp_reply *r,
                                        bool server_reset)
{
    c->in_transaction = false;
    smtp_client_report(c, c->cur, ok ? r : &c->fail);
    bool open = !ok && c->mail_ok && !server_reset;
    if (open && c->next_mail < c->nmails) {
        /* The server may still hold the failed transaction: clear it before the next MAIL. */
        smtp_client_send(c, SMTP_CLIENT_STATE_RSET, "RSET");
    } else {
        smtp_client_next(c);
    }
}

/* Keeps the reply that explains a failure (see on_mail_result in smtp_client.h). */
static void smtp_client_note_fail(struct smtp_client *c, const struct smtp_reply *r, bool decisive)
{
    bool better =
        !c->have_fail || decisive ||
        (!c->mail_failed && smtp_reply_is_permanent(&c->fail) && smtp_reply_is_transient(r));
    if (better && !c->mail_failed) {
        c->fail = *r;
        c->have_fail = true;
    }
}

/* Notes that the n octets of base64 at offset off of the output are a response of the AUTH
 * exchange, decoded by the decoder the eavesdropper uses. */
static void smtp_client_note_secret(struct smtp_client *c, const char *what, size_t off,
                                    const char *b64, size_t n)
{
    char value[SASL_REVEAL_MAX];
    long len = sasl_response_reveal(c->cfg.mech, b64, n, value, sizeof value);
    if (len >= 0 && off + n <= c->out.buf.len) {
        proto_notes_tell(&c->out.notes, PROTO_NOTE_SECRET, off, n, what, "base64", value,
                         (size_t)len);
    }
    OPENSSL_cleanse(value, len > 0 ? (size_t)len : 0);
}

/* Dot-stuffs the message into the output and ends it. */
static void smtp_client_send_body(struct smtp_client *c, const struct smtp_client_mail *m)
{
    size_t text = c->out.buf.len;
    /* RFC 5321 §4.5.2: "Before sending a line of mail text, the SMTP client checks the first
     * character of the line. If it is a period, one additional period is inserted at the
     * beginning of the line." Lines are what CRLF ends, as the receiving server sees them. */
    size_t start = 0;
    int rc = 0;
    /* room for the message, a few stuffed dots and the final ".CRLF"; a hint, the appends check */
    (void)buf_reserve(&c->out.buf, smtp_client_wire_size(m) + 16);
    /* the lines that start with a period: the first, and any after a CRLF */
    for (size_t i = 0; i < m->len && rc == 0;) {
        if (m->data[i] == '.' && (i == 0 || (i >= 2 && m->data[i - 2] == '\r'))) {
            rc = buf_append(&c->out.buf, m->data + start, i - start);
            rc = rc ? rc : buf_append(&c->out.buf, ".", 1);
            start = i;
        }
        const uint8_t *lf = memchr(m->data + i, '\n', m->len - i);
        i = lf ? (size_t)(lf - m->data) + 1 : m->len;
    }
    rc = rc ? rc : buf_append(&c->out.buf, m->data + start, m->len - start);
    if (rc == 0 && smtp_client_wire_size(m) != m->len) {
        rc = buf_append(&c->out.buf, "\r\n", 2);
    }
    if (rc == 0) {
        if (c->out.buf.len > text) {
            proto_notes_tell(&c->out.notes, PROTO_NOTE_MESSAGE, text, c->out.buf.len - text, NULL,
                             NULL, NULL, 0);
        }
        smtp_client_send(c, SMTP_CLIENT_STATE_BODY, ".");
    } else {
        smtp_client_abort(c, 451, "4.3.0", "out of memory");
    }
}

/* ---- Reply handlers, one per kind of expected reply ---- */

typedef void smtp_client_handler(struct smtp_client *c, const struct smtp_reply *r,
                                 const struct smtp_client_pending *p);

static void smtp_client_after_hello(struct smtp_client *c);
static void smtp_client_start_auth(struct smtp_client *c);

static void smtp_client_on_greeting(struct smtp_client *c, const struct smtp_reply *r,
                                    const struct smtp_client_pending *p)
{
    (void)p;
    if (smtp_reply_class(r) != 2) {
        smtp_client_give_up(c, r);
        return;
    }
    smtp_client_send(c, SMTP_CLIENT_STATE_EHLO, "EHLO %s", c->ehlo_name);
}

static void smtp_client_on_ehlo(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)p;
    if (smtp_reply_class(r) == 2) {
        smtp_reply_ehlo_parse(r, &c->caps);
        smtp_client_after_hello(c);
    } else if (smtp_reply_is_permanent(r)) {
        /* RFC 5321 §4.1.4: "If the EHLO command is not acceptable to the SMTP server, 501, 500,
         * 502, or 550 failure replies MUST be returned as appropriate." An old server that
         * knows no extensions still knows HELO. */
        smtp_client_send(c, SMTP_CLIENT_STATE_HELO, "HELO %s", c->ehlo_name);
    } else {
        smtp_client_give_up(c, r);
    }
}

static void smtp_client_on_helo(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)p;
    if (smtp_reply_class(r) != 2) {
        smtp_client_give_up(c, r);
        return;
    }
    memset(&c->caps, 0, sizeof c->caps); /* HELO: no extensions at all */
    smtp_client_after_hello(c);
}

/* After the hello: STARTTLS if wanted, then AUTH if configured, then the mails. */
static void smtp_client_after_hello(struct smtp_client *c)
{
    if (c->cfg.want_starttls && !c->tls) {
        if (c->caps.starttls && c->hooks.on_starttls_ready) {
            smtp_client_send(c, SMTP_CLIENT_STATE_STARTTLS, "STARTTLS");
            return;
        }
        if (c->cfg.require_tls) {
            struct smtp_reply r;
            smtp_client_local_reply(&r, 451, "4.7.4", "TLS is required, but was not offered");
            smtp_client_give_up(c, &r);
            return;
        }
    }
    smtp_client_start_auth(c);
}

static void smtp_client_on_starttls(struct smtp_client *c, const struct smtp_reply *r,
                                    const struct smtp_client_pending *p)
{
    (void)p;
    if (r->code == 220) {
        if (c->hooks.on_starttls_ready(c->ctx) == 0) {
            smtp_client_set_state(c, SMTP_CLIENT_STATE_TLS);
            return;
        }
        /* The server now waits for a handshake: nothing else can be said on this connection. */
        struct smtp_reply local;
        smtp_client_local_reply(&local, 451, "4.7.5", "TLS handshake not started");
        smtp_client_fail_all(c, &local);
        smtp_client_finish(c);
        return;
    }
    if (c->cfg.require_tls) {
        smtp_client_give_up(c, r);
        return;
    }
    smtp_client_start_auth(c);
}

static void smtp_client_auth_failed(struct smtp_client *c, const struct smtp_reply *r)
{
    if (c->hooks.on_auth_result) {
        c->hooks.on_auth_result(c->ctx, false, r);
    }
    smtp_client_give_up(c, r);
}

static void smtp_client_start_auth(struct smtp_client *c)
{
    if (!c->cfg.user) {
        smtp_client_next(c);
        return;
    }
    enum sasl_mech mech = c->cfg.mech;
    if (!(c->caps.auth & SASL_MECH_BIT(mech))) {
        struct smtp_reply r;
        smtp_reply_set(&r, 530, "5.7.0", "mailsim client: server does not offer AUTH %s",
                       sasl_mech_name(mech));
        smtp_client_auth_failed(c, &r);
        return;
    }
    if (mech == SASL_MECH_PLAIN) {
        char b64[BASE64_ENCODED_LEN(3 * SASL_FIELD_MAX + 2) + 1];
        long n = sasl_plain_response(c->authzid, c->user, c->password, b64, sizeof b64);
        /* RFC 4954 §4: "If use of the initial response argument would cause the AUTH command to
         * exceed this length, the client MUST NOT use the initial response parameter". */
        if (n >= 0 && sizeof "AUTH PLAIN " - 1 + (size_t)n + 2 <= SMTP_COMMAND_LINE_MAX) {
            c->auth_step = SMTP_CLIENT_AUTH_FINAL;
            size_t line = c->out.buf.len;
            smtp_client_send(c, SMTP_CLIENT_STATE_AUTH, "AUTH PLAIN %s", b64);
            smtp_client_note_secret(c, "AUTH PLAIN", line + sizeof "AUTH PLAIN " - 1, b64,
                                    (size_t)n);
        } else {
            c->auth_step = SMTP_CLIENT_AUTH_PLAIN;
            smtp_client_send(c, SMTP_CLIENT_STATE_AUTH, "AUTH PLAIN");
        }
        OPENSSL_cleanse(b64, sizeof b64);
    } else if (mech == SASL_MECH_LOGIN) {
        /* LOGIN as designed takes no initial response: wait for "Username:". */
        c->auth_step = SMTP_CLIENT_AUTH_LOGIN_USER;
        smtp_client_send(c, SMTP_CLIENT_STATE_AUTH, "AUTH LOGIN");
    } else {
        c->auth_step = SMTP_CLIENT_AUTH_CRAM;
        smtp_client_send(c, SMTP_CLIENT_STATE_AUTH, "AUTH CRAM-MD5");
    }
}

/* Sends one response line of the exchange (it may be longer than a command line). */
static void smtp_client_auth_line(struct smtp_client *c, const char *b64, long n)
{
    if (n < 0 || buf_append(&c->out.buf, b64, (size_t)n) || buf_append(&c->out.buf, "\r\n", 2)) {
        smtp_client_abort(c, 451, "4.3.0", "out of memory");
        return;
    }
    smtp_client_expect(c, SMTP_CLIENT_STATE_AUTH, 0);
}

static void smtp_client_on_auth(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)p;
    if (r->code == 235) {
        if (c->hooks.on_auth_result) {
            c->hooks.on_auth_result(c->ctx, true, r);
        }
        smtp_client_next(c);
        return;
    }
    if (r->code != 334 || c->auth_step == SMTP_CLIENT_AUTH_CANCELLED) {
        smtp_client_auth_failed(c, r);
        return;
    }
    char b64[BASE64_ENCODED_LEN(3 * SASL_FIELD_MAX + 2) + 1];
    long n = -1;
    switch (c->auth_step) {
    case SMTP_CLIENT_AUTH_PLAIN:
        n = sasl_plain_response(c->authzid, c->user, c->password, b64, sizeof b64);
        break;
    case SMTP_CLIENT_AUTH_LOGIN_USER:
        n = sasl_login_response(c->user, b64, sizeof b64);
        break;
    case SMTP_CLIENT_AUTH_LOGIN_PASS:
        n = sasl_login_response(c->password, b64, sizeof b64);
        break;
    case SMTP_CLIENT_AUTH_CRAM:
        n = sasl_cram_md5_response(c->user, c->password, r->text, strlen(r->text), b64, sizeof b64);
        break;
    default:
        break;
    }
    if (n < 0) {
        /* RFC 4954 §4: "If the client cannot BASE64 decode any of the server's challenges, it
         * MUST cancel the authentication using the "*" response." */
        c->auth_step = SMTP_CLIENT_AUTH_CANCELLED;
        smtp_client_auth_line(c, "*", 1);
        return;
    }
    /* The names of the trace's secret events (trace_kinds.h). */
    const char *what = c->auth_step == SMTP_CLIENT_AUTH_LOGIN_USER   ? "AUTH LOGIN user"
                       : c->auth_step == SMTP_CLIENT_AUTH_LOGIN_PASS ? "AUTH LOGIN password"
                       : c->auth_step == SMTP_CLIENT_AUTH_CRAM       ? "AUTH CRAM-MD5"
                                                                     : "AUTH PLAIN";
    c->auth_step = c->auth_step == SMTP_CLIENT_AUTH_LOGIN_USER ? SMTP_CLIENT_AUTH_LOGIN_PASS
                                                               : SMTP_CLIENT_AUTH_FINAL;
    size_t line = c->out.buf.len;
    smtp_client_auth_line(c, b64, n);
    smtp_client_note_secret(c, what, line, b64, (size_t)n);
    OPENSSL_cleanse(b64, sizeof b64);
}

static void smtp_client_on_mail(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)p;
    bool pipelined = c->npending > c->head;
    if (smtp_reply_class(r) == 2) {
        c->mail_ok = true;
        if (!pipelined) {
            smtp_client_send_rcpt(c, 0);
        }
        return;
    }
    smtp_client_note_fail(c, r, true);
    c->mail_failed = true;
    if (!pipelined) {
        smtp_client_end_transaction(c, false, r, false);
    }
}

static void smtp_client_on_rcpt(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    if (c->hooks.on_rcpt_result) {
        c->hooks.on_rcpt_result(c->ctx, c->cur, p->rcpt, r);
    }
    const struct smtp_client_mail *m = &c->mails[c->cur];
    if (smtp_reply_class(r) == 2) {
        c->accepted++;
    } else {
        smtp_client_note_fail(c, r, false);
    }
    if (c->npending > c->head) {
        return; /* pipelined: DATA is already on its way */
    }
    if (p->rcpt + 1 < m->nrcpt) {
        smtp_client_send_rcpt(c, p->rcpt + 1);
    } else if (c->accepted > 0) {
        smtp_client_send(c, SMTP_CLIENT_STATE_DATA, "DATA");
    } else {
        smtp_client_end_transaction(c, false, r, false);
    }
}

static void smtp_client_on_data(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)p;
    bool viable = c->mail_ok && c->accepted > 0;
    if (r->code == 354) {
        if (viable) {
            smtp_client_send_body(c, &c->mails[c->cur]);
        } else {
            /* RFC 2920 §3.1: a server that still answers 354 gets an empty message, ended at
             * once, and the mail is failed whatever the reply to it. */
            c->mail_ok = false;
            smtp_client_send(c, SMTP_CLIENT_STATE_BODY, ".");
        }
        return;
    }
    if (viable) {
        smtp_client_note_fail(c, r, true);
    } else if (!c->have_fail) {
        smtp_client_note_fail(c, r, false);
    }
    smtp_client_end_transaction(c, false, r, false);
}

static void smtp_client_on_body(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)p;
    bool ok = c->mail_ok && smtp_reply_class(r) == 2;
    if (!ok && c->mail_ok) {
        smtp_client_note_fail(c, r, true);
    }
    smtp_client_end_transaction(c, ok, r, true);
}

static void smtp_client_on_rset(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)r;
    (void)p;
    smtp_client_next(c);
}

static void smtp_client_on_quit(struct smtp_client *c, const struct smtp_reply *r,
                                const struct smtp_client_pending *p)
{
    (void)r;
    (void)p;
    smtp_client_finish(c);
}

static smtp_client_handler *const smtp_client_handlers[SMTP_CLIENT_STATE_COUNT] = {
    [SMTP_CLIENT_STATE_GREETING] = smtp_client_on_greeting,
    [SMTP_CLIENT_STATE_EHLO] = smtp_client_on_ehlo,
    [SMTP_CLIENT_STATE_HELO] = smtp_client_on_helo,
    [SMTP_CLIENT_STATE_STARTTLS] = smtp_client_on_starttls,
    [SMTP_CLIENT_STATE_AUTH] = smtp_client_on_auth,
    [SMTP_CLIENT_STATE_MAIL] = smtp_client_on_mail,
    [SMTP_CLIENT_STATE_RCPT] = smtp_client_on_rcpt,
    [SMTP_CLIENT_STATE_DATA] = smtp_client_on_data,
    [SMTP_CLIENT_STATE_BODY] = smtp_client_on_body,
    [SMTP_CLIENT_STATE_RSET] = smtp_client_on_rset,
    [SMTP_CLIENT_STATE_QUIT] = smtp_client_on_quit,
};

/* The session cannot go on (a protocol error, no memory): fails what is left and closes. */
static void smtp_client_abort(struct smtp_client *c, int code, const char *enh, const char *what)
{
    if (c->state == SMTP_CLIENT_STATE_DONE) {
        return;
    }
    struct smtp_reply r;
    smtp_client_local_reply(&r, code, enh, what);
    smtp_client_finish(c);
    smtp_client_fail_all(c, &r);
}

static void smtp_client_protocol_error(struct smtp_client *c, const char *what)
{
    smtp_client_abort(c, 451, "4.5.0", what);
}

static void smtp_client_reply(struct smtp_client *c, const struct smtp_reply *r)
{
    if (c->hooks.on_reply) {
        c->hooks.on_reply(c->ctx, r);
    }
    if (c->head == c->npending) {
        /* RFC 5321 §3.8: a server may announce a shutdown with 421 at any time. */
        if (r->code == 421) {
            smtp_client_fail_all(c, r);
            smtp_client_finish(c);
        } else {
            smtp_client_protocol_error(c, "protocol error: unexpected reply");
        }
        return;
    }
    struct smtp_client_pending p = c->pending[c->head++];
    if (c->head == c->npending) {
        c->head = c->npending = 0;
    } else {
        smtp_client_set_state(c, c->pending[c->head].kind);
    }
    if (r->code == 421 && p.kind != SMTP_CLIENT_STATE_QUIT) {
        /* RFC 5321 §3.8: "421 <domain> Service not available, closing transmission channel". */
        if (p.kind == SMTP_CLIENT_STATE_AUTH && c->hooks.on_auth_result) {
            c->hooks.on_auth_result(c->ctx, false, r);
        }
        smtp_client_fail_all(c, r);
        smtp_client_finish(c);
        return;
    }
    smtp_client_handlers[p.kind](c, r, &p);
}

void smtp_client_feed(struct smtp_client *c, const uint8_t *in, size_t n)
{
    if (c->state == SMTP_CLIENT_STATE_INIT) {
        smtp_client_start(c);
    }
    size_t off = 0;
    while (off < n && c->state != SMTP_CLIENT_STATE_DONE && c->state != SMTP_CLIENT_STATE_TLS) {
        size_t used = 0;
        struct smtp_reply r;
        int got = smtp_reply_parser_feed(&c->parser, in + off, n - off, &used, &r);
        off += used;
        if (got < 0) {
            smtp_client_protocol_error(c, "protocol error: malformed reply");
        } else if (got == 1) {
            smtp_client_reply(c, &r);
        } else {
            break;
        }
    }
}

/* ---- Life cycle ---- */

static char *smtp_client_strdup(const char *s, bool *ok)
{
    if (!s) {
        return NULL;
    }
    char *d = strdup(s);
    *ok = *ok && d != NULL;
    return d;
}

struct smtp_client *smtp_client_new(const struct smtp_client_config *cfg,
                                    const struct smtp_client_hooks *hooks, void *ctx)
{
    struct smtp_client *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    bool ok = true;
    /* RFC 5321 §4.1.1.1: "ehlo = "EHLO" SP ( Domain / address-literal ) CRLF" */
    const char *name = cfg->ehlo_name ? cfg->ehlo_name : "localhost";
    for (const char *p = name; *p; p++) {
        ok = ok && (unsigned char)*p > 0x20 && *p != 0x7f;
    }
    ok = ok && *name && strlen(name) <= SMTP_DOMAIN_MAX;
    c->cfg = *cfg;
    c->ehlo_name = smtp_client_strdup(name, &ok);
    c->user = smtp_client_strdup(cfg->user, &ok);
    c->password = smtp_client_strdup(cfg->user ? (cfg->password ? cfg->password : "") : NULL, &ok);
    c->authzid = smtp_client_strdup(cfg->authzid, &ok);
    c->cfg.ehlo_name = c->ehlo_name;
    c->cfg.user = c->user;
    c->cfg.password = c->password;
    c->cfg.authzid = c->authzid;
    if (hooks) {
        c->hooks = *hooks;
    }
    c->ctx = ctx;
    buf_init(&c->out.buf, 0);
    if (!ok || smtp_reply_parser_init(&c->parser) != 0) {
        smtp_client_free(c);
        return NULL;
    }
    return c;
}

static void smtp_client_free_mail(struct smtp_client_mail *m)
{
    free(m->from);
    for (size_t i = 0; i < m->nrcpt; i++) {
        free(m->rcpt[i]);
    }
    free(m->rcpt);
    free(m->data);
}

void smtp_client_free(struct smtp_client *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->nmails; i++) {
        smtp_client_free_mail(&c->mails[i]);
    }
    free(c->mails);
    free(c->pending);
    smtp_reply_parser_free(&c->parser);
    buf_free(&c->out.buf);
    if (c->password) {
        OPENSSL_cleanse(c->password, strlen(c->password));
    }
    free(c->ehlo_name);
    free(c->user);
    free(c->password);
    free(c->authzid);
    free(c);
}

long smtp_client_add_mail(struct smtp_client *c, const char *from, const char *const *rcpts,
                          size_t nrcpt, const uint8_t *data, size_t len)
{
    /* Paths are checked as the server checks them: an address with a CR LF in it would
     * otherwise smuggle commands into the session. */
    if (c->quit_sent || c->state == SMTP_CLIENT_STATE_DONE || !from ||
        !smtp_path_valid(from, SMTP_PATH_NULL_OK) || nrcpt == 0 || (len > 0 && !data)) {
        return -1;
    }
    for (size_t i = 0; i < nrcpt; i++) {
        if (!rcpts[i] || !smtp_path_valid(rcpts[i], SMTP_PATH_POSTMASTER_OK)) {
            return -1;
        }
    }
    if (c->nmails == c->mails_cap) {
        size_t cap = c->mails_cap ? 2 * c->mails_cap : 4;
        struct smtp_client_mail *grown = realloc(c->mails, cap * sizeof *grown);
        if (!grown) {
            return -1;
        }
        c->mails = grown;
        c->mails_cap = cap;
    }
    struct smtp_client_mail m = {0};
    bool ok = true;
    m.from = smtp_client_strdup(from, &ok);
    m.rcpt = calloc(nrcpt, sizeof *m.rcpt);
    m.data = malloc(len > 0 ? len : 1);
    ok = ok && m.rcpt && m.data;
    for (size_t i = 0; ok && i < nrcpt; i++) {
        m.rcpt[i] = smtp_client_strdup(rcpts[i], &ok);
        m.nrcpt = i + 1;
    }
    if (!ok) {
        smtp_client_free_mail(&m);
        return -1;
    }
    if (len > 0) {
        memcpy(m.data, data, len);
    }
    m.len = len;
    c->mails[c->nmails] = m;
    return (long)c->nmails++;
}

void smtp_client_start(struct smtp_client *c)
{
    if (c->state == SMTP_CLIENT_STATE_INIT) {
        smtp_client_expect(c, SMTP_CLIENT_STATE_GREETING, 0);
    }
}

size_t smtp_client_output(const struct smtp_client *c, const uint8_t **out)
{
    return proto_out_ready(&c->out, out);
}

void smtp_client_output_consumed(struct smtp_client *c, size_t n)
{
    proto_out_consumed(&c->out, n);
}

void smtp_client_set_notes(struct smtp_client *c, proto_note_fn fn, void *ctx)
{
    proto_out_set_notes(&c->out, fn, ctx);
}

bool smtp_client_done(const struct smtp_client *c)
{
    return c->state == SMTP_CLIENT_STATE_DONE;
}

void smtp_client_peer_closed(struct smtp_client *c)
{
    if (c->state == SMTP_CLIENT_STATE_DONE) {
        return;
    }
    struct smtp_reply r;
    if (c->state == SMTP_CLIENT_STATE_GREETING) {
        /* No greeting ever came: refused, or gone before the 220. Postfix gives 4.4.1 to a
         * failed connect and 4.4.2 to a session lost on the way. */
        smtp_client_local_reply(&r, 421, "4.4.1",
                                "connection refused or closed before the greeting");
    } else {
        smtp_client_local_reply(&r, 421, "4.4.2", "connection closed by the server");
    }
    smtp_client_fail_all(c, &r);
    smtp_client_finish(c);
}

enum smtp_client_state smtp_client_state(const struct smtp_client *c)
{
    return c->state;
}

void smtp_client_tls_started(struct smtp_client *c)
{
    if (c->state != SMTP_CLIENT_STATE_TLS) {
        return;
    }
    c->tls = true;
    smtp_reply_parser_reset(&c->parser);
    memset(&c->caps, 0, sizeof c->caps);
    smtp_client_send(c, SMTP_CLIENT_STATE_EHLO, "EHLO %s", c->ehlo_name);
}
