/* smtp_server_cmd: the SMTP server's command handlers, one per row of the command table in
 * smtp_server.c. Each runs check (syntax, limits), then the policy hook, then proceeds; AUTH
 * runs the SASL exchange (RFC 4954) whose response lines smtp_server.c reads. */
#include "smtp_server.h"
#include "smtp_server_int.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
            /* Postfix: "smtpd_tls_security_level = encrypt" implies "smtpd_tls_auth_only = yes" */
            .auth = (!s->cfg.auth_requires_tls && !s->cfg.tls_required) || s->env.tls
                        ? s->cfg.auth_mechs
                        : 0,
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

void smtp_server_cmd_helo(struct smtp_server *s, const char *arg)
{
    smtp_server_hello(s, arg, false);
}

void smtp_server_cmd_ehlo(struct smtp_server *s, const char *arg)
{
    smtp_server_hello(s, arg, true);
}

/* The check stage shared by MAIL and RCPT, read as Postfix's smtpd_token() and extract_addr()
 * read them: "FROM:" or "TO:", spaces allowed after the colon, the address with or without its
 * <brackets>, then the parameters. Returns the parameters, or NULL after answering 501. */
static const char *smtp_server_path_arg(struct smtp_server *s, const char *arg, bool mail,
                                        char addr[SMTP_PATH_MAX + 1])
{
    const char *p = smtp_server_prefix(arg, mail ? "FROM:" : "TO:");
    while (p && *p == ' ') {
        p++;
    }
    if (!p || !*p) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: %s",
                         mail ? "MAIL FROM:<address>" : "RCPT TO:<address>");
        return NULL;
    }
    const char *start = p, *end, *rest;
    bool ok = true;
    if (*p == '<') {
        bool quoted = false; /* a '>' inside a quoted local part does not close the path */
        for (end = ++start; *end && (quoted || *end != '>'); end++) {
            if (*end == '\\' && quoted && end[1]) {
                end++;
            } else if (*end == '"') {
                quoted = !quoted;
            }
        }
        ok = *end == '>' && (end[1] == 0 || end[1] == ' ');
        rest = *end ? end + 1 : end;
    } else {
        /* RFC 5321 §4.1.2 wants the brackets; so does Postfix's strict_rfc821_envelopes. Its
         * default takes the address without them, as many hand-typed sessions send it. */
        ok = !s->cfg.strict_rfc821_envelopes;
        end = start + strcspn(start, " ");
        rest = end;
    }
    /* The address, with @myorigin after a local part alone: Postfix's append_at_myorigin
     * (RCPT TO:<Postmaster> stays as it is: RFC 5321 §4.5.1). */
    size_t n = (size_t)(end - start);
    char path[SMTP_SERVER_LINE_LIMIT + SMTP_DOMAIN_MAX + 4];
    if (ok && n + 2 < sizeof path) {
        bool bare = n > 0 && !memchr(start, '@', n) &&
                    !(!mail && n == 10 && strncasecmp(start, "postmaster", 10) == 0);
        int len = snprintf(path, sizeof path, "<%.*s%s%s>", (int)n, start, bare ? "@" : "",
                           bare ? s->myorigin : "");
        const char *q = path;
        ok = len > 0 && (size_t)len < sizeof path &&
             smtp_path_parse(&q, addr, mail ? SMTP_PATH_NULL_OK : SMTP_PATH_POSTMASTER_OK) == 0;
    } else {
        ok = false;
    }
    if (!ok) {
        smtp_server_fail(s, 501, mail ? "5.1.7" : "5.1.3", "Bad %s address syntax",
                         mail ? "sender" : "recipient");
        return NULL;
    }
    return rest;
}

/* The policy stage shared by MAIL and RCPT: the hook (NULL accepts) judges the path, the reply
 * preset to "250 2.1.0 Ok" or "250 2.1.5 Ok" (RFC 3463: 2.1.0 other address status, 2.1.5
 * destination address valid). Returns whether the path was accepted; the reply is sent. */
static inline bool smtp_server_path_policy(struct smtp_server *s, bool mail, const char *addr)
{
    struct smtp_reply r;
    smtp_reply_set(&r, 250, mail ? "2.1.0" : "2.1.5", "Ok");
    bool ok = mail ? !s->hooks.on_mail || s->hooks.on_mail(s->ctx, &s->env, addr, &r)
                   : !s->hooks.on_rcpt || s->hooks.on_rcpt(s->ctx, &s->env, addr, &r);
    return smtp_server_verdict(s, ok, &r, 250);
}

void smtp_server_cmd_mail(struct smtp_server *s, const char *arg)
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
                smtp_server_fail(s, 555, "5.5.4", "Unsupported option: %s", param);
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
    if (!smtp_server_path_policy(s, true, addr)) {
        return;
    }
    s->env.has_mail = true;
    snprintf(s->env.mail_from, sizeof s->env.mail_from, "%s", addr);
    s->env.body = body;
    s->env.declared_size = size;
    smtp_server_set_state(s, SMTP_SERVER_STATE_MAIL);
}

void smtp_server_cmd_rcpt(struct smtp_server *s, const char *arg)
{
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
    if (!smtp_server_path_policy(s, false, addr)) {
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

void smtp_server_cmd_data(struct smtp_server *s, const char *arg)
{
    /* RFC 5321 §3.3: "If there was no MAIL, or no RCPT, command, or all such commands were
     * rejected, the server MAY return a "command out of sequence" (503) or "no valid recipients"
     * (554) reply in response to the DATA command." No MAIL is the dispatcher's "503 5.5.1 Error:
     * need RCPT command"; inside a mail transaction without a recipient, Postfix always says
     * 554, whether no RCPT came or every one was refused. */
    if (s->env.nrcpt == 0) {
        smtp_server_fail(s, 554, "5.5.1", "Error: no valid recipients");
        return;
    }
    if (*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: DATA");
        return;
    }
    struct smtp_reply r;
    smtp_reply_set(&r, 354, NULL, "End data with <CR><LF>.<CR><LF>");
    bool ok = !s->hooks.on_data_start || s->hooks.on_data_start(s->ctx, &s->env, &r);
    if (!smtp_server_verdict(s, ok, &r, 354)) {
        return;
    }
    buf_init(&s->msg, s->cfg.max_message_size);
    /* RFC 1870 §6: "the size of the message ... is the number of octets, including CR-LF
     * pairs, but not the SMTP DATA command's terminating dot or doubled quoting dots". That is
     * what s->msg will hold, so it is allocated once instead of doubling line by line. Only a
     * hint: a wrong SIZE costs a realloc, and a client is trusted with no more than the cap. */
    size_t hint = s->env.declared_size;
    if (hint > 0) {
        (void)buf_reserve(&s->msg, hint < SMTP_SERVER_SIZE_HINT ? hint : SMTP_SERVER_SIZE_HINT);
    }
    s->msg_size = 0;
    s->text_noted = s->line_end; /* the text starts after the DATA line */
    smtp_server_set_state(s, SMTP_SERVER_STATE_DATA);
}

void smtp_server_cmd_rset(struct smtp_server *s, const char *arg)
{
    if (*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: RSET");
        return;
    }
    smtp_server_reset_transaction(s);
    smtp_server_reply(s, 250, "2.0.0", "Ok");
    smtp_server_set_state(s, smtp_server_idle_state(s));
}

void smtp_server_cmd_noop(struct smtp_server *s, const char *arg)
{
    (void)arg; /* RFC 5321 §4.1.1.9: "If a parameter string is specified, servers SHOULD ignore
                * it." */
    smtp_server_reply(s, 250, "2.0.0", "Ok");
}

void smtp_server_cmd_quit(struct smtp_server *s, const char *arg)
{
    (void)arg;
    /* RFC 5321 §4.1.1.10: "The receiver MUST NOT intentionally close the transmission channel
     * until it receives and replies to a QUIT command". */
    smtp_server_reply(s, 221, "2.0.0", "Bye");
    smtp_server_set_state(s, SMTP_SERVER_STATE_QUIT);
    s->done = true;
}

void smtp_server_cmd_vrfy(struct smtp_server *s, const char *arg)
{
    /* Postfix's disable_vrfy_command: VRFY lets an outsider try names one by one. */
    if (s->cfg.disable_vrfy) {
        smtp_server_fail(s, 502, "5.5.1", "VRFY command is disabled");
        return;
    }
    if (!*arg) {
        smtp_server_fail(s, 501, "5.5.4", "Syntax: VRFY address");
        return;
    }
    /* The address as Postfix takes it (brackets optional, a local part alone gets @myorigin),
     * put through the recipient checks by the hook. RFC 5321 §3.5.3: 252 means "Cannot VRFY
     * user, but will accept message and attempt delivery". */
    size_t n = strlen(arg);
    const char *start = arg;
    if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>') {
        start++;
        n -= 2;
    }
    char path[SMTP_SERVER_LINE_LIMIT + SMTP_DOMAIN_MAX + 4], addr[SMTP_PATH_MAX + 1];
    bool bare =
        n > 0 && !memchr(start, '@', n) && !(n == 10 && strncasecmp(start, "postmaster", 10) == 0);
    int len = snprintf(path, sizeof path, "<%.*s%s%s>", (int)n, start, bare ? "@" : "",
                       bare ? s->myorigin : "");
    const char *q = path;
    if (n == 0 || len < 0 || (size_t)len >= sizeof path ||
        smtp_path_parse(&q, addr, SMTP_PATH_POSTMASTER_OK) != 0) {
        smtp_server_fail(s, 501, "5.1.3", "Bad recipient address syntax");
        return;
    }
    struct smtp_reply r;
    smtp_reply_set(&r, 252, "2.0.0", "%s", arg);
    bool ok = !s->hooks.on_vrfy || s->hooks.on_vrfy(s->ctx, &s->env, addr, &r);
    if (ok) {
        smtp_reply_set(&r, 252, "2.0.0", "%s", arg);
    }
    smtp_server_verdict(s, ok, &r, 252);
}

/* ---- AUTH (RFC 4954) ---- */

/* Ends a SASL exchange with a verdict on the identities. A failure counts as an error, as in
 * Postfix, so that password guessing runs into max_errors; and its reply waits out the SASL
 * server's auth_failure_delay. */
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
    smtp_server_set_state(s, smtp_server_idle_state(s));
    if (ok) {
        s->env.authenticated = true;
        s->env.auth_mech = s->sasl.mech;
        snprintf(s->env.auth_user, sizeof s->env.auth_user, "%s", cred->user);
    }
    if (!ok) {
        proto_pauses_hold(&s->pauses, s->out.buf.len, s->cfg.auth_failure_delay_us);
    }
    smtp_server_verdict(s, ok, r, 235); /* a failure counts as an error there */
    sasl_server_clear(&s->sasl);
}

/* Ends a SASL exchange with a protocol error (no verdict on the identities). */
void smtp_server_auth_abort(struct smtp_server *s, int code, const char *enh, const char *fmt, ...)
{
    smtp_server_set_state(s, smtp_server_idle_state(s));
    sasl_server_clear(&s->sasl);
    va_list ap;
    va_start(ap, fmt);
    smtp_server_vreply(s, code, enh, fmt, ap);
    va_end(ap);
    smtp_server_count_error(s);
}

/* Acts on what the mechanism says after the AUTH line or after a response line. */
void smtp_server_auth_step(struct smtp_server *s, enum sasl_step step, const char *challenge)
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

void smtp_server_note_response(struct smtp_server *s, enum sasl_mech mech, uint64_t at,
                               const char *b64, size_t n)
{
    unsigned k = s->sasl_responses++;
    /* "*" cancels (RFC 4954 §4): no credential in it */
    if (!s->in_notes.fn || at == UINT64_MAX || (n == 1 && b64[0] == '*')) {
        return;
    }
    /* The names of the trace's secret events (trace_kinds.h), as the client engine says them. */
    const char *what = mech == SASL_MECH_LOGIN
                           ? (k == 0 ? "AUTH LOGIN user" : "AUTH LOGIN password")
                       : mech == SASL_MECH_CRAM_MD5 ? "AUTH CRAM-MD5"
                                                    : "AUTH PLAIN";
    char value[SASL_REVEAL_MAX];
    long len = sasl_response_reveal(mech, b64, n, value, sizeof value);
    if (len >= 0) {
        proto_notes_tell_at(&s->in_notes, PROTO_NOTE_SECRET, at, n, what, "base64", value,
                            (size_t)len);
    }
    OPENSSL_cleanse(value, len > 0 ? (size_t)len : 0);
}

void smtp_server_cmd_auth(struct smtp_server *s, const char *arg)
{
    if (!s->cfg.auth_mechs) {
        smtp_server_fail(s, 503, "5.5.1", "Error: authentication not enabled");
        return;
    }
    /* smtpd_tls_auth_only: Postfix turns SASL on only inside TLS, so before it AUTH is simply
     * not enabled. (With smtpd_tls_security_level = encrypt the dispatcher has already said
     * "530 5.7.0 Must issue a STARTTLS command first".) */
    if (s->cfg.auth_requires_tls && !s->env.tls) {
        smtp_server_fail(s, 503, "5.5.1", "Error: authentication not enabled");
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
    s->sasl_responses = 0;
    /* the initial response, RFC 4954 §4; "=" is an empty one. A server-first mechanism takes
     * none (refused below), so there is nothing it could mean. */
    if (initial && mech != SASL_MECH_CRAM_MD5 && strcmp(initial, "=") != 0) {
        uint64_t at = s->arg_at == UINT64_MAX ? UINT64_MAX : s->arg_at + (uint64_t)(initial - arg);
        smtp_server_note_response(s, mech, at, initial, strlen(initial));
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

void smtp_server_cmd_starttls(struct smtp_server *s, const char *arg)
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
        smtp_server_fail(s, 454, "4.7.0", "TLS not available due to local problem");
        return;
    }
    smtp_server_reply(s, 220, "2.0.0", "Ready to start TLS");
    smtp_server_set_state(s, SMTP_SERVER_STATE_STARTTLS);
}
