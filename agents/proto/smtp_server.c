/* smtp_server: the SMTP server engine. A command table drives it; the dispatcher checks the
 * state in one place; every handler runs check (syntax, limits), then the policy hook, then
 * proceeds. DATA and SASL exchanges read lines of their own kinds (see smtp_server.h). */
#include "smtp_server.h"

#include <ctype.h>
#include <errno.h>
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

struct smtp_server {
    struct smtp_server_config cfg; /* hostname and banner point at the copies below */
    char *hostname;
    char *banner;
    struct smtp_server_hooks hooks;
    void *ctx;
    enum smtp_server_state state;
    bool done;
    unsigned errors;
    struct line_reader cmd_reader;  /* commands: LF ends a line (bare LF flagged), 512 */
    struct line_reader data_reader; /* DATA: only CRLF ends a line, 1000 + the stuffed dot */
    struct line_reader sasl_reader; /* AUTH responses: 12288 */
    struct buf out;
    struct smtp_envelope env;
    size_t rcpt_cap;
    bool rcpt_seen; /* a RCPT command came in this transaction (accepted or not) */
    struct buf msg; /* the unstuffed message being received */
    size_t msg_size;
    bool msg_too_big;
    bool msg_line_too_long;
    bool msg_no_memory;
    unsigned msg_count;
    struct sasl_server sasl; /* the SASL exchange under way */
    unsigned auth_attempts;
};

typedef void smtp_server_handler(struct smtp_server *s, const char *arg);

/* One row per command: where it is allowed, and the 503 text for each state where it is not
 * (NULL: "bad sequence of commands"). */
struct smtp_server_command {
    const char *name;
    unsigned allowed;
    smtp_server_handler *handler;
    const char *refusal[SMTP_SERVER_STATE_COUNT];
};

static smtp_server_handler smtp_server_cmd_helo, smtp_server_cmd_ehlo, smtp_server_cmd_mail,
    smtp_server_cmd_rcpt, smtp_server_cmd_data, smtp_server_cmd_rset, smtp_server_cmd_noop,
    smtp_server_cmd_quit, smtp_server_cmd_vrfy, smtp_server_cmd_help, smtp_server_cmd_auth,
    smtp_server_cmd_starttls;

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

/* The one place where the state changes, so the agent can record every change. */
static void smtp_server_set_state(struct smtp_server *s, enum smtp_server_state st)
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

static void smtp_server_vreply(struct smtp_server *s, int code, const char *enh, const char *fmt,
                               va_list ap)
{
    struct smtp_reply r;
    r.code = code;
    snprintf(r.enhanced, sizeof r.enhanced, "%s", enh ? enh : "");
    int n = vsnprintf(r.text, sizeof r.text, fmt, ap);
    if (n < 0) {
        r.text[0] = 0;
    }
    r.truncated = n < 0 || (size_t)n >= sizeof r.text; /* smtp_reply_format cuts lines anyway */
    smtp_server_send(s, &r);
}

__attribute__((format(printf, 4, 5))) static void
smtp_server_reply(struct smtp_server *s, int code, const char *enh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    smtp_server_vreply(s, code, enh, fmt, ap);
    va_end(ap);
}

/* Counts a protocol error; at max_errors the session ends with 421. */
static void smtp_server_count_error(struct smtp_server *s)
{
    s->errors++;
    if (s->cfg.max_errors > 0 && s->errors >= s->cfg.max_errors && !s->done) {
        smtp_server_reply(s, 421, "4.7.0", "%s Error: too many errors", s->hostname);
        smtp_server_set_state(s, SMTP_SERVER_STATE_QUIT);
        s->done = true;
    }
}

/* A reply from the dispatcher or a check stage: sent, then counted as an error. */
__attribute__((format(printf, 4, 5))) static void
smtp_server_fail(struct smtp_server *s, int code, const char *enh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    smtp_server_vreply(s, code, enh, fmt, ap);
    va_end(ap);
    smtp_server_count_error(s);
}

/* Applies the hook contract of smtp_server.h to a verdict and sends the reply. */
static bool smtp_server_verdict(struct smtp_server *s, bool ok, struct smtp_reply *r,
                                int success_code)
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
static void smtp_server_reset_transaction(struct smtp_server *s)
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

static enum smtp_server_state smtp_server_idle_state(const struct smtp_server *s)
{
    return s->env.helo[0] ? SMTP_SERVER_STATE_READY : SMTP_SERVER_STATE_GREETED;
}

/* Case-insensitive "keyword" at the start of s; returns the rest or NULL. */
static const char *smtp_server_prefix(const char *s, const char *keyword)
{
    size_t n = strlen(keyword);
    return strncasecmp(s, keyword, n) == 0 ? s + n : NULL;
}

/* Next space-separated parameter of a MAIL or RCPT command into param (cap bytes). */
static const char *smtp_server_next_param(const char *p, char *param, size_t cap)
{
    while (*p == ' ') {
        p++;
    }
    size_t n = strcspn(p, " ");
    snprintf(param, cap, "%.*s", (int)n, p);
    return p + n;
}

/* ---- The commands ---- */

static void smtp_server_hello(struct smtp_server *s, const char *arg, bool esmtp)
{
    if (!*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: %s hostname", esmtp ? "EHLO" : "HELO");
        return;
    }
    struct smtp_reply r;
    if (!esmtp) {
        smtp_reply_set(&r, 250, NULL, "%s", s->hostname);
    } else {
        /* RFC 3207 §4.2: "A server MUST NOT return the STARTTLS extension in response to an EHLO
         * command received after a TLS handshake has completed." AUTH is hidden until TLS when
         * the configuration asks for it (RFC 4954 §4, the note on plaintext mechanisms). */
        struct smtp_ehlo e = {
            .pipelining = true,
            .size = true,
            .size_max = s->cfg.max_message_size,
            .vrfy = true,
            .starttls = s->cfg.tls_available && !s->env.tls,
            .auth = !s->cfg.auth_requires_tls || s->env.tls ? s->cfg.auth_mechs : 0,
            .enhanced = true,
            .eightbitmime = true,
        };
        smtp_reply_ehlo_format(&r, s->hostname, &e);
    }
    bool ok = !s->hooks.on_helo || s->hooks.on_helo(s->ctx, arg, esmtp, &r);
    if (!smtp_server_verdict(s, ok, &r, 250)) {
        return;
    }
    /* RFC 5321 §4.1.4: "If it is issued after the session begins and the EHLO command is
     * acceptable to the SMTP server, the SMTP server MUST clear all buffers and reset the state
     * exactly as if a RSET command had been issued." */
    smtp_server_reset_transaction(s);
    snprintf(s->env.helo, sizeof s->env.helo, "%s", arg);
    s->env.esmtp = esmtp;
    smtp_server_set_state(s, SMTP_SERVER_STATE_READY);
}

static void smtp_server_cmd_helo(struct smtp_server *s, const char *arg)
{
    smtp_server_hello(s, arg, false);
}

static void smtp_server_cmd_ehlo(struct smtp_server *s, const char *arg)
{
    smtp_server_hello(s, arg, true);
}

/* The check stage shared by MAIL and RCPT: "FROM:<path>" or "TO:<path>". Returns the parameters
 * after the path, or NULL after answering 501. */
static const char *smtp_server_path_arg(struct smtp_server *s, const char *arg, bool mail,
                                        char addr[SMTP_PATH_MAX + 1])
{
    /* RFC 5321 §3.3: "spaces are not permitted on either side of the colon following FROM in
     * the MAIL command or TO in the RCPT command." */
    const char *p = smtp_server_prefix(arg, mail ? "FROM:" : "TO:");
    int rc = p ? smtp_path_parse(&p, addr, mail ? SMTP_PATH_NULL_OK : SMTP_PATH_POSTMASTER_OK)
               : SMTP_PATH_ERR_SYNTAX;
    if (rc == SMTP_PATH_ERR_SYNTAX || (rc == 0 && *p && *p != ' ')) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: %s",
                         mail ? "MAIL FROM:<address>" : "RCPT TO:<address>");
        return NULL;
    }
    if (rc == SMTP_PATH_ERR_ADDRESS) {
        smtp_server_fail(s, 501, mail ? "5.1.7" : "5.1.3", "Bad %s address syntax",
                         mail ? "sender" : "recipient");
        return NULL;
    }
    return p;
}

static void smtp_server_cmd_mail(struct smtp_server *s, const char *arg)
{
    char addr[SMTP_PATH_MAX + 1];
    const char *p = smtp_server_path_arg(s, arg, true, addr);
    if (!p) {
        return;
    }
    enum smtp_body body = SMTP_BODY_NONE;
    size_t size = 0;
    while (*p) {
        char param[SMTP_COMMAND_LINE_MAX];
        p = smtp_server_next_param(p, param, sizeof param);
        const char *v;
        if (!param[0]) {
            continue;
        }
        if ((v = smtp_server_prefix(param, "SIZE="))) {
            /* RFC 1870 §6: "size-value ::= 1*20DIGIT" */
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (!isdigit((unsigned char)*v) || *end || strlen(v) > 20 || errno) {
                smtp_server_fail(s, 501, "5.5.4", "Bad message size syntax");
                return;
            }
            /* RFC 1870 §6.2: a declared size over the fixed limit gets "552 ... message size
             * exceeds fixed maximum message size" right at MAIL. */
            if (s->cfg.max_message_size > 0 && n > s->cfg.max_message_size) {
                smtp_server_fail(s, 552, "5.3.4", "Message size exceeds fixed limit");
                return;
            }
            size = (size_t)n;
        } else if ((v = smtp_server_prefix(param, "BODY="))) {
            if (strcasecmp(v, "8BITMIME") == 0) {
                body = SMTP_BODY_8BITMIME;
            } else if (strcasecmp(v, "7BIT") == 0) {
                body = SMTP_BODY_7BIT;
            } else {
                smtp_server_fail(s, 501, "5.5.4", "Bad BODY keyword value");
                return;
            }
        } else if (smtp_server_prefix(param, "AUTH=") && s->cfg.auth_mechs) {
            /* RFC 4954 §5: "servers that advertise support for this extension MUST support the
             * AUTH parameter to the MAIL FROM command"; mailsim accepts and ignores it. */
        } else {
            smtp_server_fail(s, 555, "5.5.4", "Unsupported option: %s", param);
            return;
        }
    }
    struct smtp_reply r;
    smtp_reply_set(&r, 250, "2.1.0", "Ok");
    bool ok = !s->hooks.on_mail || s->hooks.on_mail(s->ctx, &s->env, addr, &r);
    if (!smtp_server_verdict(s, ok, &r, 250)) {
        return;
    }
    s->env.has_mail = true;
    snprintf(s->env.mail_from, sizeof s->env.mail_from, "%s", addr);
    s->env.body = body;
    s->env.declared_size = size;
    smtp_server_set_state(s, SMTP_SERVER_STATE_MAIL);
}

static void smtp_server_cmd_rcpt(struct smtp_server *s, const char *arg)
{
    s->rcpt_seen = true;
    char addr[SMTP_PATH_MAX + 1];
    const char *p = smtp_server_path_arg(s, arg, false, addr);
    if (!p) {
        return;
    }
    char param[SMTP_COMMAND_LINE_MAX];
    smtp_server_next_param(p, param, sizeof param);
    if (param[0]) {
        smtp_server_fail(s, 555, "5.5.4", "Unsupported option: %s", param);
        return;
    }
    if (s->cfg.max_recipients > 0 && s->env.nrcpt >= s->cfg.max_recipients) {
        /* RFC 5321 §4.5.3.1.10: "The correct reply code for this condition is 452." A client
         * sends the rest in another transaction, so, as in Postfix, this is not counted as an
         * error. */
        smtp_server_reply(s, 452, "4.5.3", "Error: too many recipients");
        return;
    }
    struct smtp_reply r;
    smtp_reply_set(&r, 250, "2.1.5", "Ok");
    bool ok = !s->hooks.on_rcpt || s->hooks.on_rcpt(s->ctx, &s->env, addr, &r);
    if (!smtp_server_verdict(s, ok, &r, 250)) {
        return;
    }
    if (s->env.nrcpt == s->rcpt_cap) {
        size_t cap = s->rcpt_cap ? 2 * s->rcpt_cap : 8;
        char **grown = realloc(s->env.rcpt, cap * sizeof *grown);
        if (!grown) {
            s->done = true;
            return;
        }
        s->env.rcpt = grown;
        s->rcpt_cap = cap;
    }
    s->env.rcpt[s->env.nrcpt] = strdup(addr);
    if (!s->env.rcpt[s->env.nrcpt]) {
        s->done = true;
        return;
    }
    s->env.nrcpt++;
    smtp_server_set_state(s, SMTP_SERVER_STATE_RCPT);
}

static void smtp_server_cmd_data(struct smtp_server *s, const char *arg)
{
    if (*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: DATA");
        return;
    }
    /* RFC 5321 §3.3: "If there was no MAIL, or no RCPT, command, or all such commands were
     * rejected, the server MAY return a "command out of sequence" (503) or "no valid recipients"
     * (554) reply in response to the DATA command." No MAIL is the dispatcher's 503; here no
     * RCPT is 503 and all RCPTs rejected is 554, as in Postfix. */
    if (s->env.nrcpt == 0) {
        if (s->rcpt_seen) {
            smtp_server_fail(s, 554, "5.5.1", "Error: no valid recipients");
        } else {
            smtp_server_fail(s, 503, "5.5.1", "Error: need RCPT command");
        }
        return;
    }
    struct smtp_reply r;
    smtp_reply_set(&r, 354, NULL, "End data with <CR><LF>.<CR><LF>");
    bool ok = !s->hooks.on_data_start || s->hooks.on_data_start(s->ctx, &s->env, &r);
    if (!smtp_server_verdict(s, ok, &r, 354)) {
        return;
    }
    buf_init(&s->msg, s->cfg.max_message_size);
    s->msg_size = 0;
    smtp_server_set_state(s, SMTP_SERVER_STATE_DATA);
}

static void smtp_server_cmd_rset(struct smtp_server *s, const char *arg)
{
    if (*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: RSET");
        return;
    }
    smtp_server_reset_transaction(s);
    smtp_server_reply(s, 250, "2.0.0", "Ok");
    smtp_server_set_state(s, smtp_server_idle_state(s));
}

static void smtp_server_cmd_noop(struct smtp_server *s, const char *arg)
{
    (void)arg; /* RFC 5321 §4.1.1.9: "If a parameter string is specified, servers SHOULD ignore
                * it." */
    smtp_server_reply(s, 250, "2.0.0", "Ok");
}

static void smtp_server_cmd_quit(struct smtp_server *s, const char *arg)
{
    (void)arg;
    /* RFC 5321 §4.1.1.10: "The receiver MUST NOT intentionally close the transmission channel
     * until it receives and replies to a QUIT command". */
    smtp_server_reply(s, 221, "2.0.0", "Bye");
    smtp_server_set_state(s, SMTP_SERVER_STATE_QUIT);
    s->done = true;
}

static void smtp_server_cmd_vrfy(struct smtp_server *s, const char *arg)
{
    if (!*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: VRFY address");
        return;
    }
    /* RFC 5321 §3.5.3: 252 means "Cannot VRFY user, but will accept message and attempt
     * delivery" — the engine does not reveal which mailboxes exist. */
    smtp_server_reply(s, 252, "2.0.0", "%s", arg);
}

static void smtp_server_cmd_help(struct smtp_server *s, const char *arg)
{
    (void)arg;
    char list[128] = "";
    size_t len = 0;
    for (size_t i = 0; i < SMTP_SERVER_NCOMMANDS && len < sizeof list; i++) {
        len += (size_t)snprintf(list + len, sizeof list - len, " %s", smtp_server_commands[i].name);
    }
    smtp_server_reply(s, 214, "2.0.0", "Commands:%s", list);
}

/* ---- AUTH (RFC 4954) ---- */

/* Ends a SASL exchange with a verdict on the identities. A failure counts as an error, as in
 * Postfix, so that password guessing runs into max_errors. */
static void smtp_server_auth_done(struct smtp_server *s, bool ok, struct smtp_reply *r)
{
    const struct sasl_credentials *cred = &s->sasl.cred;
    if (!ok && r->code == 235) {
        /* RFC 4954 §4: "If the server is unable to authenticate the client, it SHOULD reject the
         * AUTH command with a 535 reply unless a more specific error code is appropriate." */
        smtp_reply_set(r, 535, "5.7.8", "Error: authentication failed: authentication failure");
    }
    if (s->hooks.on_auth_result) {
        s->hooks.on_auth_result(s->ctx, s->sasl.mech, cred->user, ok);
    }
    smtp_server_set_state(s, SMTP_SERVER_STATE_READY);
    if (ok) {
        s->env.authenticated = true;
        s->env.auth_mech = s->sasl.mech;
        snprintf(s->env.auth_user, sizeof s->env.auth_user, "%s", cred->user);
    }
    smtp_server_verdict(s, ok, r, 235);
    sasl_server_clear(&s->sasl);
    if (!ok) {
        smtp_server_count_error(s);
    }
}

/* Ends a SASL exchange with a protocol error (no verdict on the identities). */
__attribute__((format(printf, 4, 5))) static void
smtp_server_auth_abort(struct smtp_server *s, int code, const char *enh, const char *fmt, ...)
{
    smtp_server_set_state(s, SMTP_SERVER_STATE_READY);
    sasl_server_clear(&s->sasl);
    va_list ap;
    va_start(ap, fmt);
    smtp_server_vreply(s, code, enh, fmt, ap);
    va_end(ap);
    smtp_server_count_error(s);
}

/* Acts on what the mechanism says after the AUTH line or after a response line. */
static void smtp_server_auth_step(struct smtp_server *s, enum sasl_step step, const char *challenge)
{
    const struct sasl_credentials *cred = &s->sasl.cred;
    struct smtp_reply r;
    smtp_reply_set(&r, 235, "2.7.0", "Authentication successful");
    if (step == SASL_STEP_CHALLENGE) {
        /* RFC 4954 §4: "A server challenge is sent as a 334 reply with the text part containing
         * the [BASE64] encoded string supplied by the SASL mechanism." */
        smtp_server_reply(s, 334, NULL, "%s", challenge);
        smtp_server_set_state(s, SMTP_SERVER_STATE_AUTH);
    } else if (step == SASL_STEP_DONE && s->sasl.mech == SASL_MECH_CRAM_MD5) {
        const char *secret = s->hooks.get_secret ? s->hooks.get_secret(s->ctx, cred->user) : NULL;
        smtp_server_auth_done(s, sasl_server_cram_md5_ok(&s->sasl, secret), &r);
    } else if (step == SASL_STEP_DONE) {
        bool ok = !s->hooks.on_auth || s->hooks.on_auth(s->ctx, s->sasl.mech, cred->authzid,
                                                        cred->user, cred->password, &r);
        smtp_server_auth_done(s, ok, &r);
    } else if (step == SASL_STEP_FAILED) {
        smtp_server_auth_done(s, false, &r);
    } else if (step == SASL_STEP_BAD_BASE64) {
        /* RFC 4954 §4: "If the server cannot [BASE64] decode any client response, it MUST
         * reject the AUTH command with a 501 reply (and an enhanced status code of 5.5.2)." */
        smtp_server_auth_abort(s, 501, "5.5.2", "Cannot decode response");
    } else if (step == SASL_STEP_CANCELLED) {
        smtp_server_auth_abort(s, 501, "5.7.0", "Authentication aborted");
    } else {
        /* RFC 4954 §4 (a server-first mechanism with an initial response): "Servers using the
         * enhanced status codes extension [ESMTP-CODES] SHOULD return an enhanced status code
         * of 5.7.0 in this case." */
        smtp_server_auth_abort(s, 501, "5.7.0", "Error: %s takes no initial response",
                               sasl_mech_name(s->sasl.mech));
    }
}

static void smtp_server_cmd_auth(struct smtp_server *s, const char *arg)
{
    if (!s->cfg.auth_mechs) {
        smtp_server_fail(s, 503, "5.5.1", "Error: authentication not enabled");
        return;
    }
    /* RFC 3207 §4: "530 Must issue a STARTTLS command first" */
    if (s->cfg.auth_requires_tls && !s->env.tls) {
        smtp_server_fail(s, 530, "5.7.0", "Must issue a STARTTLS command first");
        return;
    }
    /* RFC 4954 §4: "After a successful AUTH command completes, a server MUST reject any further
     * AUTH commands with a 503 reply." */
    if (s->env.authenticated) {
        smtp_server_fail(s, 503, "5.5.1", "Error: already authenticated");
        return;
    }
    size_t mlen = strcspn(arg, " ");
    const char *initial = arg[mlen] == ' ' ? arg + mlen + 1 : NULL;
    if (mlen == 0 || (initial && (!*initial || strchr(initial, ' ')))) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: AUTH mechanism");
        return;
    }
    enum sasl_mech mech;
    /* RFC 4954 §4: "If the requested authentication mechanism is invalid (e.g., is not supported
     * or requires an encryption layer), the server rejects the AUTH command with a 504 reply. If
     * the server supports the [ESMTP-CODES] extension, it SHOULD return a 5.5.4 enhanced response
     * code." (Postfix answers 535 here; mailsim follows the RFC.) */
    if (sasl_mech_parse(arg, mlen, &mech) != 0 || !(s->cfg.auth_mechs & SASL_MECH_BIT(mech))) {
        smtp_server_fail(s, 504, "5.5.4", "Unrecognized authentication type");
        return;
    }
    char challenge[SASL_CHALLENGE_MAX + 1] = "";
    s->auth_attempts++;
    if (mech == SASL_MECH_CRAM_MD5 && s->hooks.make_challenge) {
        s->hooks.make_challenge(s->ctx, challenge, sizeof challenge);
    } else if (mech == SASL_MECH_CRAM_MD5) {
        snprintf(challenge, sizeof challenge, "<%lu.%u@%s>", s->cfg.session_id, s->auth_attempts,
                 s->hostname);
    }
    char out[SASL_CHALLENGE_B64_MAX];
    enum sasl_step step = sasl_server_start(&s->sasl, mech, initial, challenge, out, sizeof out);
    smtp_server_auth_step(s, step, out);
}

static void smtp_server_cmd_starttls(struct smtp_server *s, const char *arg)
{
    if (*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: STARTTLS");
        return;
    }
    if (s->env.tls) {
        smtp_server_fail(s, 554, "5.5.1", "Error: TLS already active");
        return;
    }
    if (!s->cfg.tls_available) {
        smtp_server_fail(s, 502, "5.5.1", "Error: command not implemented");
        return;
    }
    if (!s->hooks.on_starttls || s->hooks.on_starttls(s->ctx) != 0) {
        /* RFC 3207 §4: "454 TLS not available due to temporary reason" */
        smtp_server_reply(s, 454, "4.7.0", "TLS not available due to local problem");
        return;
    }
    smtp_server_reply(s, 220, "2.0.0", "Ready to start TLS");
    smtp_server_set_state(s, SMTP_SERVER_STATE_STARTTLS);
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
    snprintf(args, sizeof args, "%.*s", (int)alen, arg);
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
