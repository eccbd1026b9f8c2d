/* fuzz_pop3_server: the POP3 server engine fed a client's bytes. The maildrop holds a few
 * messages (dots to stuff, bare LF, no final CRLF, a NUL, an empty one, and one large enough
 * that two RETRs stop the reading of commands until the output drains); USER/PASS and APOP
 * work for one user, STLS through the hook. Checked: CRLF line ends only; every status line is
 * "+OK" or "-ERR " within 512 octets and without control octets; the maildrop is opened and
 * closed in pairs, committed only from UPDATE; the bad-command limit ends the session. The
 * same input fed whole must, without a TLS upgrade, give the same session.
 *
 * Input: byte 0 configuration, byte 1 how to cut (fuzz.h), byte 2 hook behaviour, then the
 * client's bytes. */
#include "fuzz.h"
#include "line.h"
#include "pop3_server.h"

enum {
    CFG_APOP = 1 << 0,
    CFG_USER_PASS = 1 << 1,
    CFG_TLS = 1 << 2,
    CFG_STRICT = 1 << 3,
    CFG_MAX3 = 1 << 4,     /* max_bad_commands 3 after login (else the default) */
    CFG_CAPA = 1 << 5,     /* extra CAPA lines */
    CFG_POLICY = 1 << 6,   /* the policy hook refuses DELE and TOP */
    CFG_FAILURES = 1 << 7, /* the maildrop of "locked" cannot be opened; commit fails */
};

enum {
    HOOK_STLS_NO = 1 << 0, /* on_stls says no */
    HOOK_EMPTY = 1 << 1,   /* an empty maildrop */
    HOOK_PARTIAL = 1 << 2, /* drain the output a little at a time */
    HOOK_NULL = 1 << 3,    /* no hooks at all but on_state: the defaults */
    HOOK_BIG = 1 << 4,     /* a 40 KiB message: flow control */
    HOOK_DELAY = 1 << 5,   /* auth_failure_delay: failed logins are held (pause, resume) */
};

#define USER "alice"
#define PASS "secret"
#define TIMESTAMP "<1896.697170952@dbc.mtview.ca.us>"

/* No line of a message starts with '+' or '-', so any line that does is a status line. */
static const char M1[] = "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n";
static const char M2[] = "Subject: dots\r\n\r\nline1\r\n.\r\n..two\r\n.x\r\nend";
static const char M3[] = "Subject: lf\n\nbare\nlf\n";
static const char M4[] = "Subject: nul\r\n\r\na\0b\r\n";

struct fuzz_ctx {
    unsigned cfg_bits, hook_bits;
    /* What the engine did: its output bytes, and separately its hook calls (their order
     * relative to the output depends on how the input was cut). */
    uint64_t out_hash, hash;
    enum pop3_server_state state;
    struct pop3_message msgs[6];
    size_t count;
    int opens, closes, commits;
    bool stls_asked;
    bool tls_happened;
    struct fuzz_lines lines;
};

static void fuzz_out_line(void *vctx, const char *line, size_t len, size_t total)
{
    (void)vctx;
    if (len == 0 || (line[0] != '+' && line[0] != '-')) {
        return; /* a line of a multi-line response */
    }
    /* RFC 1939 §3: "Responses may be up to 512 characters long, including the terminating
     * CRLF." */
    FUZZ_CHECK(total <= POP3_LINE_MAX);
    FUZZ_CHECK(strncmp(line, "+OK", 3) == 0 || strncmp(line, "-ERR ", 5) == 0);
    FUZZ_CHECK(line[0] == '-' || len == 3 || line[3] == ' ');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7f);
    }
}

static void fuzz_drain(struct fuzz_ctx *x, struct pop3_server *s)
{
    const uint8_t *out;
    size_t n;
    /* Consuming may answer queued commands: loop until nothing is left. A pause (a failed
     * login's delay) is let pass at once. */
    for (;;) {
        while ((n = pop3_server_output(s, &out)) > 0) {
            FUZZ_CHECK(out != NULL);
            if ((x->hook_bits & HOOK_PARTIAL) && n > 4096) {
                n = n / 3;
            }
            fuzz_take(&x->out_hash, &x->lines, out, n, fuzz_out_line, x);
            pop3_server_output_consumed(s, n);
        }
        if (pop3_server_pause(s) == 0) {
            break;
        }
        FUZZ_CHECK(x->hook_bits & HOOK_DELAY);
        pop3_server_resume(s);
    }
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(fuzz_lines_complete(&x->lines));
}

static void h_state(void *ctx, enum pop3_server_state o, enum pop3_server_state n)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(o == x->state && o != n);
    FUZZ_CHECK((o == POP3_STATE_AUTHORIZATION && n == POP3_STATE_TRANSACTION) ||
               (o == POP3_STATE_TRANSACTION && n == POP3_STATE_UPDATE));
    FUZZ_CHECK(n != POP3_STATE_TRANSACTION || (x->hook_bits & HOOK_NULL) ||
               x->opens == x->closes + 1);
    x->state = n;
    x->hash = fuzz_hash_str(x->hash, pop3_server_state_name(n));
}

static const char *h_policy(void *ctx, const char *command, const char *args)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(strlen(command) <= 4 && strlen(args) < POP3_LINE_MAX);
    x->hash = fuzz_hash_str(x->hash, command);
    x->hash = fuzz_hash_str(x->hash, args);
    if (!(x->cfg_bits & CFG_POLICY)) {
        return NULL;
    }
    if (strcmp(command, "DELE") == 0) {
        return "Refused by policy.";
    }
    /* A refusal text with line ends in it must not break the reply line. */
    return strcmp(command, "TOP") == 0 ? "bad\r\nhook\x01text" : NULL;
}

static void check_user(const char *user)
{
    size_t n = strlen(user);
    FUZZ_CHECK(n > 0 && n < POP3_LINE_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)user[i];
        FUZZ_CHECK(c > 0x20 && c != 0x7f);
    }
}

static bool h_password(void *ctx, const char *user, const char *pass)
{
    struct fuzz_ctx *x = ctx;
    check_user(user);
    FUZZ_CHECK(x->cfg_bits & CFG_USER_PASS);
    FUZZ_CHECK(strlen(pass) > 0 && strlen(pass) < POP3_LINE_MAX);
    return (strcmp(user, USER) == 0 || strcmp(user, "locked") == 0) && strcmp(pass, PASS) == 0;
}

static const char *h_apop_secret(void *ctx, const char *user)
{
    struct fuzz_ctx *x = ctx;
    check_user(user);
    FUZZ_CHECK(x->cfg_bits & CFG_APOP);
    return strcmp(user, USER) == 0 || strcmp(user, "locked") == 0 ? PASS : NULL;
}

static void h_auth_result(void *ctx, const char *mech, const char *user, bool ok)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(strcmp(mech, "USER") == 0 || strcmp(mech, "APOP") == 0);
    FUZZ_CHECK(x->state == POP3_STATE_AUTHORIZATION);
    FUZZ_CHECK(!ok || strcmp(user, USER) == 0 || strcmp(user, "locked") == 0);
    x->hash = fuzz_hash_str(x->hash, user);
    x->hash = fuzz_hash(x->hash, &ok, sizeof ok);
}

static bool h_open(void *ctx, const char *user, struct pop3_maildrop *out)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(x->opens == x->closes); /* never opened twice */
    FUZZ_CHECK(x->state == POP3_STATE_AUTHORIZATION);
    if ((x->cfg_bits & CFG_FAILURES) && strcmp(user, "locked") == 0) {
        return false;
    }
    x->opens++;
    out->messages = x->count ? x->msgs : NULL;
    out->count = x->count;
    return true;
}

static bool h_commit(void *ctx, const char *user, const bool *deleted, size_t n)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(x->state == POP3_STATE_UPDATE);
    FUZZ_CHECK(x->opens == x->closes + 1 && x->commits == 0);
    FUZZ_CHECK(n == x->count && (n == 0 || deleted != NULL));
    check_user(user);
    x->commits++;
    for (size_t i = 0; i < n; i++) {
        x->hash = fuzz_hash(x->hash, &deleted[i], sizeof deleted[i]);
    }
    return !(x->cfg_bits & CFG_FAILURES);
}

static void h_close(void *ctx, const char *user)
{
    struct fuzz_ctx *x = ctx;
    check_user(user);
    FUZZ_CHECK(x->opens == x->closes + 1);
    x->closes++;
}

static bool h_stls(void *ctx)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(x->cfg_bits & CFG_TLS);
    FUZZ_CHECK(x->state == POP3_STATE_AUTHORIZATION);
    if (x->hook_bits & HOOK_STLS_NO) {
        return false;
    }
    x->stls_asked = true;
    return true;
}

static uint64_t fuzz_session(unsigned cfg_bits, unsigned hook_bits, uint8_t cut,
                             const uint8_t *data, size_t size, bool *tls)
{
    static uint8_t big[40 * 1024];
    if (!big[0]) {
        /* Lines of text, some starting with a dot. */
        for (size_t i = 0; i < sizeof big; i++) {
            big[i] = (uint8_t)(i % 64 == 62   ? '\r'
                               : i % 64 == 63 ? '\n'
                               : i % 128 == 0 ? '.'
                                              : 'a' + i % 26);
        }
    }
    struct fuzz_ctx x;
    memset(&x, 0, sizeof x);
    x.cfg_bits = cfg_bits;
    x.hook_bits = hook_bits;
    x.msgs[0] = (struct pop3_message){(const uint8_t *)M1, sizeof M1 - 1, "uid-one"};
    x.msgs[1] = (struct pop3_message){(const uint8_t *)M2, sizeof M2 - 1, "bad uid with spaces"};
    x.msgs[2] = (struct pop3_message){(const uint8_t *)M3, sizeof M3 - 1, NULL};
    x.msgs[3] = (struct pop3_message){(const uint8_t *)M4, sizeof M4 - 1, "uid-four"};
    x.msgs[4] = (struct pop3_message){NULL, 0, ""};
    x.count = 5;
    if (hook_bits & HOOK_BIG) {
        x.msgs[5] = (struct pop3_message){big, sizeof big, "uid-big"};
        x.count = 6;
    }
    if (hook_bits & HOOK_EMPTY) {
        x.count = 0;
    }
    static const char *const capa[] = {"IMPLEMENTATION mailsim", ".dotted capability",
                                       "SASL PLAIN"};
    struct pop3_server_config cfg = {
        .hostname = "mail.b.example",
        .greeting = (cfg_bits & CFG_CAPA) ? NULL : "Dovecot ready.",
        .apop_timestamp = (cfg_bits & CFG_APOP) ? TIMESTAMP : NULL,
        .allow_user_pass = (cfg_bits & CFG_USER_PASS) != 0,
        .tls_available = (cfg_bits & CFG_TLS) != 0,
        .strict_crlf = (cfg_bits & CFG_STRICT) != 0,
        .max_bad_commands = (cfg_bits & CFG_MAX3) ? 3 : 0,
        .auth_failure_delay_us = (hook_bits & HOOK_DELAY) ? 2000000 : 0,
        .capa_extra = (cfg_bits & CFG_CAPA) ? capa : NULL,
        .capa_extra_count = (cfg_bits & CFG_CAPA) ? 3 : 0,
    };
    struct pop3_server_hooks hooks = {
        .on_state = h_state,
        .policy = h_policy,
        .check_password = h_password,
        .get_apop_secret = h_apop_secret,
        .on_auth_result = h_auth_result,
        .open_maildrop = h_open,
        .commit = h_commit,
        .close_maildrop = h_close,
        .on_stls = h_stls,
    };
    if (hook_bits & HOOK_NULL) {
        memset(&hooks, 0, sizeof hooks);
        hooks.on_state = h_state;
    }
    struct pop3_server *s = pop3_server_new(&cfg, &hooks, &x);
    FUZZ_CHECK(s != NULL);
    x.state = POP3_STATE_AUTHORIZATION;
    pop3_server_start(s);
    fuzz_drain(&x, s);

    unsigned max_bad = (cfg_bits & CFG_MAX3) ? 3 : POP3_DEFAULT_MAX_BAD_COMMANDS;
    struct fuzz_chunker ch;
    for (fuzz_chunker_init(&ch, cut, data, size); fuzz_chunk_next(&ch);) {
        FUZZ_FEED(pop3_server, s, ch.at, ch.n);
        FUZZ_CHECK(pop3_server_state(s) == x.state);
        /* Failed commands in a row: after login max_bad pass and the next ends the session;
         * before login the 3rd unknown one ends it (max_bad is at least 3). */
        FUZZ_CHECK(pop3_server_bad_commands(s) <= max_bad + 1);
        FUZZ_CHECK(pop3_server_bad_commands(s) <= max_bad || pop3_server_done(s));
        FUZZ_CHECK(pop3_server_state(s) != POP3_STATE_AUTHORIZATION ||
                   pop3_server_bad_commands(s) < POP3_DEFAULT_MAX_BAD_COMMANDS_AUTH ||
                   pop3_server_done(s));
        fuzz_drain(&x, s);
        if (x.stls_asked) {
            x.stls_asked = false;
            x.tls_happened = true;
            pop3_server_tls_started(s);
            fuzz_drain(&x, s);
        }
        if (pop3_server_done(s)) {
            /* The maildrop is released when the session ends. */
            FUZZ_CHECK(x.opens == x.closes);
        }
    }
    pop3_server_peer_closed(s);
    FUZZ_CHECK(pop3_server_done(s));
    FUZZ_CHECK(x.opens == x.closes);
    FUZZ_CHECK(x.commits <= 1 && (x.commits == 0 || x.state == POP3_STATE_UPDATE));
    fuzz_drain(&x, s);
    pop3_server_free(s);
    FUZZ_CHECK(x.opens == x.closes);
    *tls = x.tls_happened;
    return x.out_hash ^ (x.hash * 31u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_cut_and_compare(data, size, fuzz_session);
}
