/* fuzz_smtp_server: the SMTP server engine fed a client's bytes. Every hook is set (AUTH
 * PLAIN, LOGIN and CRAM-MD5 against a fixed secret, STARTTLS), the input is fed in chunks, the
 * output drained and checked line by line (CRLF, three digits, ' ' or '-', one code per
 * multiline reply, no control octet, at most 512 octets), and the envelope the hooks see is
 * checked against the configuration. The same input is then fed whole: unless a TLS upgrade
 * happened (its timing depends on the cut), both runs must do exactly the same.
 *
 * Input: byte 0 configuration, byte 1 how to cut (fuzz.h), byte 2 hook behaviour, then the
 * client's bytes. */
#include "fuzz.h"
#include "smtp_server.h"

/* Byte 0: the server's configuration. */
enum {
    CFG_SIZE = 1 << 0,      /* max_message_size 2048 */
    CFG_RCPTS = 1 << 1,     /* max_recipients 3 */
    CFG_ERRORS = 1 << 2,    /* max_errors 4 */
    CFG_AUTH_TLS = 1 << 3,  /* auth_requires_tls */
    CFG_TLS = 1 << 4,       /* tls_available */
    CFG_TLS_ON = 1 << 5,    /* tls_active (port 465) */
    CFG_FEW_MECHS = 1 << 6, /* only PLAIN and CRAM-MD5 offered */
    CFG_LONG_HOST = 1 << 7, /* a 250-octet host name, the default banner */
};

/* Byte 2: how the hooks behave. */
enum {
    HOOK_REFUSE = 1 << 0,    /* refuse some HELO names, senders, recipients, messages */
    HOOK_NO_REPLY = 1 << 1,  /* refuse without setting a reply (the engine's 451) */
    HOOK_TWEAK = 1 << 2,     /* accept with a changed code and text (the engine puts it back) */
    HOOK_LONG_CHAL = 1 << 3, /* a CRAM-MD5 challenge of the largest size */
    HOOK_TLS_FAIL = 1 << 4,  /* on_starttls refuses (454) */
    HOOK_PARTIAL = 1 << 5,   /* drain the output in two pieces */
    HOOK_NULL = 1 << 6,      /* no hooks at all: the engine's defaults */
    /* Postfix's stricter settings: smtpd_helo_required, strict_rfc821_envelopes,
     * smtpd_forbid_bare_newline = reject, disable_vrfy_command, smtpd_tls_security_level =
     * encrypt (with CFG_TLS); and the waits: error sleep after 2 errors, auth failure delay. */
    HOOK_STRICT = 1 << 7,
};

#define SECRET "secret"
#define USER "alice"
#define CHALLENGE "<1896.697170952@mx.example.net>"

struct fuzz_ctx {
    unsigned cfg_bits, hook_bits;
    struct smtp_server_config cfg;
    /* What the engine did: its output bytes, and separately its hook calls (their order
     * relative to the output depends on how the input was cut). */
    uint64_t out_hash, hash;
    enum smtp_server_state state; /* as the hooks were told */
    bool tls_asked;
    bool tls_happened;
    /* Output line checking. */
    struct fuzz_lines lines;
    int multiline_code; /* the code of an unfinished multiline reply, 0 when none */
};

static void fuzz_reply_line(void *vctx, const char *line, size_t len, size_t total)
{
    struct fuzz_ctx *c = vctx;
    /* RFC 5321 §4.5.3.1.5: "The maximum total length of a reply line including the reply code
     * and the <CRLF> is 512 octets." */
    FUZZ_CHECK(total <= SMTP_REPLY_LINE_MAX);
    FUZZ_CHECK(len >= 4);
    for (int i = 0; i < 3; i++) {
        FUZZ_CHECK(line[i] >= '0' && line[i] <= '9');
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    FUZZ_CHECK(code >= 200 && code <= 599);
    FUZZ_CHECK(line[3] == ' ' || line[3] == '-');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)line[i];
        FUZZ_CHECK(ch >= 0x20 && ch != 0x7f);
    }
    FUZZ_CHECK(c->multiline_code == 0 || c->multiline_code == code);
    c->multiline_code = line[3] == '-' ? code : 0;
}

/* Drains what the server wrote and checks it. */
static void fuzz_drain(struct fuzz_ctx *c, struct smtp_server *s)
{
    const uint8_t *out;
    size_t n = smtp_server_output(s, &out);
    size_t first = (c->hook_bits & HOOK_PARTIAL) ? n / 2 + 1 : n;
    if (first > n) {
        first = n;
    }
    fuzz_take(&c->out_hash, &c->lines, out, first, fuzz_reply_line, c);
    smtp_server_output_consumed(s, first);
    n = smtp_server_output(s, &out);
    fuzz_take(&c->out_hash, &c->lines, out, n, fuzz_reply_line, c);
    smtp_server_output_consumed(s, n);
    /* Waits (error sleep, failed AUTH) hold the rest; the caller lets the time pass. */
    while (smtp_server_pause(s) > 0) {
        FUZZ_CHECK(c->cfg.error_sleep_us > 0 || c->cfg.auth_failure_delay_us > 0);
        smtp_server_resume(s);
        n = smtp_server_output(s, &out);
        fuzz_take(&c->out_hash, &c->lines, out, n, fuzz_reply_line, c);
        smtp_server_output_consumed(s, n);
    }
    FUZZ_CHECK(smtp_server_output(s, &out) == 0);
    /* Replies are written whole: between two calls no line is cut. */
    FUZZ_CHECK(fuzz_lines_complete(&c->lines));
    FUZZ_CHECK(c->multiline_code == 0);
}

static bool fuzz_path_ok(const char *path, unsigned flags)
{
    return (path[0] == 0 && (flags & SMTP_PATH_NULL_OK)) || smtp_path_valid(path, flags);
}

/* What must hold of the envelope whenever the engine is between calls or inside a hook. */
static void fuzz_check_envelope(const struct fuzz_ctx *c, const struct smtp_envelope *env)
{
    FUZZ_CHECK(strlen(env->helo) < sizeof env->helo);
    if (env->authenticated) {
        /* Only the fixed user with the fixed password gets in (without hooks: everyone). */
        FUZZ_CHECK((c->hook_bits & HOOK_NULL) || strcmp(env->auth_user, USER) == 0);
        FUZZ_CHECK(!c->cfg.auth_requires_tls || env->tls);
        FUZZ_CHECK(!c->cfg.tls_required || env->tls);
        FUZZ_CHECK(c->cfg.auth_mechs & SASL_MECH_BIT(env->auth_mech));
    } else {
        FUZZ_CHECK(env->auth_user[0] == 0);
    }
    FUZZ_CHECK(!c->cfg.tls_active || env->tls);
    FUZZ_CHECK(c->cfg.max_recipients == 0 || env->nrcpt <= c->cfg.max_recipients);
    FUZZ_CHECK(env->nrcpt == 0 || env->has_mail);
    if (env->has_mail) {
        FUZZ_CHECK(!c->cfg.tls_required || env->tls);
        FUZZ_CHECK(fuzz_path_ok(env->mail_from, SMTP_PATH_NULL_OK));
    } else {
        FUZZ_CHECK(env->mail_from[0] == 0);
    }
    for (size_t i = 0; i < env->nrcpt; i++) {
        FUZZ_CHECK(fuzz_path_ok(env->rcpt[i], SMTP_PATH_POSTMASTER_OK));
    }
    FUZZ_CHECK(c->cfg.max_message_size == 0 || env->declared_size <= c->cfg.max_message_size);
}

static void fuzz_check_state(const struct fuzz_ctx *c, const struct smtp_server *s)
{
    const struct smtp_envelope *env = smtp_server_envelope(s);
    enum smtp_server_state st = smtp_server_state(s);
    FUZZ_CHECK(st == c->state);
    fuzz_check_envelope(c, env);
    switch (st) {
    case SMTP_SERVER_STATE_GREETED:
        FUZZ_CHECK(env->helo[0] == 0 && !env->has_mail);
        break;
    /* Without smtpd_helo_required, Postfix's default, a transaction may start before HELO. */
    case SMTP_SERVER_STATE_READY:
        FUZZ_CHECK(env->helo[0] != 0 && !env->has_mail);
        break;
    case SMTP_SERVER_STATE_AUTH:
        FUZZ_CHECK((env->helo[0] != 0 || !c->cfg.helo_required) && !env->has_mail);
        break;
    case SMTP_SERVER_STATE_MAIL:
        FUZZ_CHECK((env->helo[0] != 0 || !c->cfg.helo_required) && env->has_mail &&
                   env->nrcpt == 0);
        break;
    case SMTP_SERVER_STATE_RCPT:
    case SMTP_SERVER_STATE_DATA:
        FUZZ_CHECK((env->helo[0] != 0 || !c->cfg.helo_required) && env->has_mail && env->nrcpt > 0);
        break;
    default:
        break;
    }
    if (c->cfg.max_errors > 0 && smtp_server_errors(s) >= c->cfg.max_errors) {
        FUZZ_CHECK(smtp_server_done(s));
    }
    /* Memory stays bounded by the line limits and the message size limit. */
    if (c->cfg.max_message_size > 0) {
        FUZZ_CHECK(smtp_server_buffered(s) <= c->cfg.max_message_size + SMTP_SERVER_LINE_LIMIT + 2 +
                                                  SMTP_TEXT_LINE_MAX + 1 + SASL_RESPONSE_LINE_MAX);
    }
}

/* ---- The hooks ---- */

static void h_state(void *vctx, enum smtp_server_state old_state, enum smtp_server_state new_state)
{
    struct fuzz_ctx *c = vctx;
    FUZZ_CHECK(old_state != new_state);
    FUZZ_CHECK(old_state == c->state);
    FUZZ_CHECK((unsigned)new_state < SMTP_SERVER_STATE_COUNT);
    c->state = new_state;
    c->hash = fuzz_hash_str(c->hash, smtp_server_state_name(new_state));
}

/* A hook's answer. Under HOOK_REFUSE, what the fuzz policy refuses (refused) gets a refusal
 * as the hook contract asks for it, or none at all (HOOK_NO_REPLY). Anything else is accepted,
 * with a changed reply under HOOK_TWEAK: the engine must put the code back. */
static bool hook_answer(struct fuzz_ctx *c, struct smtp_reply *reply, bool refused, int code,
                        const char *enh)
{
    if ((c->hook_bits & HOOK_REFUSE) && refused) {
        if (!(c->hook_bits & HOOK_NO_REPLY)) {
            smtp_reply_set(reply, code, enh, "Refused by the fuzz policy\nsecond line");
        }
        return false;
    }
    if (c->hook_bits & HOOK_TWEAK) {
        smtp_reply_set(reply, 599, "", "tweaked\r\ninjected: line\x7f");
    }
    return true;
}

static bool h_helo(void *vctx, const char *name, bool esmtp, struct smtp_reply *reply)
{
    struct fuzz_ctx *c = vctx;
    size_t n = strlen(name);
    FUZZ_CHECK(n > 0 && n <= SMTP_SERVER_LINE_LIMIT);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK((unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
    }
    FUZZ_CHECK(reply->code == 250);
    c->hash = fuzz_hash_str(c->hash, name);
    c->hash = fuzz_hash(c->hash, &esmtp, sizeof esmtp);
    return hook_answer(c, reply, name[0] == 'x', 550, "5.7.1");
}

static bool h_auth(void *vctx, enum sasl_mech mech, const char *authzid, const char *user,
                   const char *password, struct smtp_reply *reply)
{
    struct fuzz_ctx *c = vctx;
    FUZZ_CHECK(mech == SASL_MECH_PLAIN || mech == SASL_MECH_LOGIN);
    FUZZ_CHECK(c->cfg.auth_mechs & SASL_MECH_BIT(mech));
    FUZZ_CHECK(strlen(authzid) <= SASL_FIELD_MAX && strlen(user) <= SASL_FIELD_MAX &&
               strlen(password) <= SASL_FIELD_MAX);
    FUZZ_CHECK(reply->code == 235);
    c->hash = fuzz_hash_str(c->hash, user);
    if (strcmp(user, "tempfail") == 0) {
        smtp_reply_set(reply, 454, "4.7.0", "Temporary authentication failure");
        return false;
    }
    return strcmp(user, USER) == 0 && strcmp(password, SECRET) == 0;
}

static const char *h_secret(void *vctx, const char *user)
{
    (void)vctx;
    FUZZ_CHECK(strlen(user) <= SASL_FIELD_MAX);
    return strcmp(user, USER) == 0 ? SECRET : NULL;
}

static void h_challenge(void *vctx, char *out, size_t cap)
{
    struct fuzz_ctx *c = vctx;
    FUZZ_CHECK(cap > SASL_CHALLENGE_MAX);
    if (c->hook_bits & HOOK_LONG_CHAL) {
        /* The longest challenge the engine allows room for. */
        memset(out, 'c', cap - 1);
        out[0] = '<';
        out[cap - 2] = '>';
        out[cap - 1] = 0;
    } else {
        snprintf(out, cap, "%s", CHALLENGE);
    }
}

static void h_auth_result(void *vctx, enum sasl_mech mech, const char *user, bool ok)
{
    struct fuzz_ctx *c = vctx;
    FUZZ_CHECK((unsigned)mech < SASL_MECH_COUNT);
    FUZZ_CHECK(!ok || strcmp(user, USER) == 0);
    c->hash = fuzz_hash_str(c->hash, user);
    c->hash = fuzz_hash(c->hash, &ok, sizeof ok);
}

static bool h_mail(void *vctx, const struct smtp_envelope *env, const char *reverse_path,
                   struct smtp_reply *reply)
{
    struct fuzz_ctx *c = vctx;
    fuzz_check_envelope(c, env);
    FUZZ_CHECK(!env->has_mail && env->nrcpt == 0);
    FUZZ_CHECK(fuzz_path_ok(reverse_path, SMTP_PATH_NULL_OK));
    FUZZ_CHECK(reply->code == 250);
    c->hash = fuzz_hash_str(c->hash, reverse_path);
    return hook_answer(c, reply, strstr(reverse_path, "spam") != NULL, 553, "5.7.1");
}

static bool h_rcpt(void *vctx, const struct smtp_envelope *env, const char *forward_path,
                   struct smtp_reply *reply)
{
    struct fuzz_ctx *c = vctx;
    fuzz_check_envelope(c, env);
    FUZZ_CHECK(env->has_mail);
    FUZZ_CHECK(c->cfg.max_recipients == 0 || env->nrcpt < c->cfg.max_recipients);
    FUZZ_CHECK(fuzz_path_ok(forward_path, SMTP_PATH_POSTMASTER_OK) && forward_path[0]);
    FUZZ_CHECK(reply->code == 250);
    c->hash = fuzz_hash_str(c->hash, forward_path);
    return hook_answer(c, reply, forward_path[0] == 'n', 450, "4.1.1");
}

static bool h_vrfy(void *vctx, const struct smtp_envelope *env, const char *address,
                   struct smtp_reply *reply)
{
    struct fuzz_ctx *c = vctx;
    fuzz_check_envelope(c, env);
    FUZZ_CHECK(!c->cfg.disable_vrfy);
    FUZZ_CHECK(fuzz_path_ok(address, SMTP_PATH_POSTMASTER_OK) && address[0]);
    FUZZ_CHECK(reply->code == 252);
    c->hash = fuzz_hash_str(c->hash, address);
    return hook_answer(c, reply, address[0] == 'n', 550, "5.1.1");
}

static bool h_data_start(void *vctx, const struct smtp_envelope *env, struct smtp_reply *reply)
{
    struct fuzz_ctx *c = vctx;
    fuzz_check_envelope(c, env);
    FUZZ_CHECK(env->has_mail && env->nrcpt > 0);
    FUZZ_CHECK(reply->code == 354);
    return hook_answer(c, reply, env->nrcpt == 2, 554, "5.5.1");
}

static bool h_message(void *vctx, const struct smtp_envelope *env, const uint8_t *data, size_t len,
                      struct smtp_reply *reply)
{
    struct fuzz_ctx *c = vctx;
    fuzz_check_envelope(c, env);
    FUZZ_CHECK(env->has_mail && env->nrcpt > 0);
    FUZZ_CHECK(reply->code == 250);
    FUZZ_CHECK(c->cfg.max_message_size == 0 || len <= c->cfg.max_message_size);
    /* The message is unstuffed, every line ended by CRLF; a lone CR or LF only when the
     * envelope says so. Lines over 998 octets are kept whole, as Postfix keeps them. */
    FUZZ_CHECK(len == 0 || (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n'));
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n') {
            i++;
            continue;
        }
        FUZZ_CHECK(data[i] != '\n' || env->body_bare_lf);
        FUZZ_CHECK(data[i] != '\r' || env->body_bare_cr);
    }
    c->hash = fuzz_hash(c->hash, data, len);
    return hook_answer(c, reply, env->body_bare_lf || env->body_bare_cr, 554, "5.7.0");
}

static int h_starttls(void *vctx)
{
    struct fuzz_ctx *c = vctx;
    FUZZ_CHECK(c->cfg.tls_available);
    if (c->hook_bits & HOOK_TLS_FAIL) {
        return 1;
    }
    c->tls_asked = true;
    return 0;
}

static const struct smtp_server_hooks fuzz_hooks = {
    .on_state = h_state,
    .on_helo = h_helo,
    .on_auth = h_auth,
    .get_secret = h_secret,
    .make_challenge = h_challenge,
    .on_auth_result = h_auth_result,
    .on_mail = h_mail,
    .on_rcpt = h_rcpt,
    .on_vrfy = h_vrfy,
    .on_data_start = h_data_start,
    .on_message = h_message,
    .on_starttls = h_starttls,
};

/* One session over the client bytes, cut as cut_option says. Returns the hash of what the
 * server did; *tls tells whether a TLS upgrade happened. */
static uint64_t fuzz_session(unsigned cfg_bits, unsigned hook_bits, uint8_t cut_option,
                             const uint8_t *data, size_t size, bool *tls)
{
    static char long_host[251];
    if (!long_host[0]) {
        memset(long_host, 'h', sizeof long_host - 1);
        memcpy(long_host + sizeof long_host - 9, ".example", 8);
    }
    struct fuzz_ctx c;
    memset(&c, 0, sizeof c);
    c.cfg_bits = cfg_bits;
    c.hook_bits = hook_bits;
    c.cfg = (struct smtp_server_config){
        .hostname = (cfg_bits & CFG_LONG_HOST) ? long_host : "mx.example.net",
        .banner = (cfg_bits & CFG_LONG_HOST) ? NULL : "ESMTP Postfix (mailsim)",
        .max_message_size = (cfg_bits & CFG_SIZE) ? 2048 : 0,
        .max_recipients = (cfg_bits & CFG_RCPTS) ? 3 : 0,
        .max_errors = (cfg_bits & CFG_ERRORS) ? 4 : 0,
        .auth_mechs = (cfg_bits & CFG_FEW_MECHS)
                          ? SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_CRAM_MD5)
                          : SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_LOGIN) |
                                SASL_MECH_BIT(SASL_MECH_CRAM_MD5),
        .auth_requires_tls = (cfg_bits & CFG_AUTH_TLS) != 0,
        .tls_available = (cfg_bits & CFG_TLS) != 0,
        .tls_active = (cfg_bits & CFG_TLS_ON) != 0,
        .session_id = 42,
    };
    if (hook_bits & HOOK_STRICT) {
        c.cfg.helo_required = true;
        c.cfg.strict_rfc821_envelopes = true;
        c.cfg.reject_bare_lf = true;
        c.cfg.disable_vrfy = true;
        c.cfg.tls_required = c.cfg.tls_available && !c.cfg.tls_active;
        c.cfg.soft_error_limit = 2;
        c.cfg.error_sleep_us = 1000000;
        c.cfg.auth_failure_delay_us = 2000000;
        c.cfg.myorigin = "example.org";
    }
    c.state = SMTP_SERVER_STATE_INIT;
    struct smtp_server_hooks none;
    memset(&none, 0, sizeof none);
    bool null_hooks = (hook_bits & HOOK_NULL) != 0;
    if (null_hooks) {
        /* Only the state hook, which the checks need. */
        none.on_state = h_state;
    }
    struct smtp_server *s = smtp_server_new(&c.cfg, null_hooks ? &none : &fuzz_hooks, &c);
    FUZZ_CHECK(s != NULL);
    smtp_server_start(s);
    fuzz_drain(&c, s);
    fuzz_check_state(&c, s);

    struct fuzz_chunker ch;
    for (fuzz_chunker_init(&ch, cut_option, data, size); fuzz_chunk_next(&ch);) {
        FUZZ_FEED(smtp_server, s, ch.at, ch.n);
        fuzz_drain(&c, s);
        fuzz_check_state(&c, s);
        if (smtp_server_state(s) == SMTP_SERVER_STATE_STARTTLS) {
            FUZZ_CHECK(c.tls_asked);
            c.tls_asked = false;
            c.tls_happened = true;
            smtp_server_tls_started(s);
            FUZZ_CHECK(smtp_server_envelope(s)->tls);
            fuzz_check_state(&c, s);
        }
    }
    smtp_server_peer_closed(s);
    fuzz_check_state(&c, s);
    FUZZ_CHECK(smtp_server_done(s) && smtp_server_state(s) == SMTP_SERVER_STATE_CLOSED);
    const struct smtp_envelope *env = smtp_server_envelope(s);
    FUZZ_CHECK(!env->has_mail && env->nrcpt == 0);
    fuzz_drain(&c, s);
    smtp_server_free(s);
    *tls = c.tls_happened;
    return c.out_hash ^ (c.hash * 31u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_cut_and_compare(data, size, fuzz_session);
}
