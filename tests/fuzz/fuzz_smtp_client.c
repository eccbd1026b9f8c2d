/* fuzz_smtp_client: the SMTP client engine fed a server's replies. The client has mail queued
 * (one or two messages, several recipients, dots to stuff, 8-bit octets), may authenticate
 * (PLAIN, LOGIN, CRAM-MD5) and may want STARTTLS. Checked: every command line ends with CRLF;
 * every mail gets exactly one result, and only after the session began; a reply handed to a
 * hook is well formed; after the server goes away, the client is done. As for the server, the
 * same input is fed again whole and, without a TLS upgrade, must give the same session.
 *
 * Input: byte 0 configuration, byte 1 how to cut (fuzz.h), byte 2 hook behaviour, then the
 * server's bytes. */
#include "fuzz.h"
#include "smtp_client.h"

enum {
    CFG_PIPELINING = 1 << 0,
    CFG_STARTTLS = 1 << 1,
    CFG_REQUIRE_TLS = 1 << 2,
    CFG_MECH_SHIFT = 3, /* 2 bits: 0 no AUTH, 1 PLAIN, 2 LOGIN, 3 CRAM-MD5 */
    CFG_TWO_MAILS = 1 << 5,
    CFG_LONG_CREDS = 1 << 6, /* 255-octet user and password: no initial response fits */
    CFG_TLS_GIVE_UP = 1 << 7,
};

enum {
    HOOK_ADD_MAIL = 1 << 0, /* queue one more mail from the first on_mail_result */
    HOOK_PARTIAL = 1 << 1,  /* drain the output in two pieces */
    HOOK_NULL = 1 << 2,     /* no hooks but the ones the checks need */
    HOOK_AUTHZID = 1 << 3,  /* PLAIN with an authorization identity */
};

#define MAX_MAILS 4

struct fuzz_ctx {
    unsigned cfg_bits, hook_bits;
    struct smtp_client *c; /* only for smtp_client_add_mail from a hook */
    /* What the engine did: its output bytes, and separately its hook calls (their order
     * relative to the output depends on how the input was cut). */
    uint64_t out_hash, hash;
    enum smtp_client_state state;
    size_t nmails;               /* mails queued */
    unsigned results[MAX_MAILS]; /* on_mail_result calls per mail */
    size_t nrcpt[MAX_MAILS];
    bool tls_happened;
    struct fuzz_lines lines;
};

static const char MSG1[] = "From: a@a.example\r\nTo: b@b.example\r\nSubject: dots\r\n\r\n"
                           ".leading dot\r\n..two\r\n.\r\n8-bit: \xe3\x81\x82\r\nno final CRLF";
static const char MSG2[] = "";
static const char MSG3[] = "Subject: added\r\n\r\nfrom a hook\r\n";

static void fuzz_check_reply(const struct smtp_reply *r)
{
    FUZZ_CHECK(r->code >= 200 && r->code <= 599);
    FUZZ_CHECK(memchr(r->enhanced, 0, sizeof r->enhanced) != NULL);
    FUZZ_CHECK(memchr(r->text, 0, sizeof r->text) != NULL);
}

static void fuzz_out_line(void *vctx, const char *line, size_t len, size_t total)
{
    (void)vctx;
    (void)line;
    (void)len;
    /* A command is at most 512 octets; an AUTH response line (base64 of up to 767 octets) or
     * a message line of ours is longer but well under 1100. */
    FUZZ_CHECK(total <= 1100);
}

static void fuzz_drain(struct fuzz_ctx *x, struct smtp_client *c)
{
    const uint8_t *out;
    size_t n = smtp_client_output(c, &out);
    size_t first = (x->hook_bits & HOOK_PARTIAL) && n > 1 ? n / 2 : n;
    fuzz_take(&x->out_hash, &x->lines, out, first, fuzz_out_line, x);
    smtp_client_output_consumed(c, first);
    n = smtp_client_output(c, &out);
    fuzz_take(&x->out_hash, &x->lines, out, n, fuzz_out_line, x);
    smtp_client_output_consumed(c, n);
    FUZZ_CHECK(smtp_client_output(c, &out) == 0);
    FUZZ_CHECK(fuzz_lines_complete(&x->lines));
}

static void h_state(void *ctx, enum smtp_client_state old_state, enum smtp_client_state new_state)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(old_state != new_state && old_state == x->state);
    FUZZ_CHECK((unsigned)new_state < SMTP_CLIENT_STATE_COUNT);
    /* Nothing comes after DONE. */
    FUZZ_CHECK(old_state != SMTP_CLIENT_STATE_DONE);
    x->state = new_state;
    x->hash = fuzz_hash_str(x->hash, smtp_client_state_name(new_state));
}

static void h_reply(void *ctx, const struct smtp_reply *r)
{
    struct fuzz_ctx *x = ctx;
    fuzz_check_reply(r);
    x->hash = fuzz_hash(x->hash, &r->code, sizeof r->code);
    x->hash = fuzz_hash_str(x->hash, r->text);
}

static void h_auth_result(void *ctx, bool ok, const struct smtp_reply *r)
{
    struct fuzz_ctx *x = ctx;
    fuzz_check_reply(r);
    FUZZ_CHECK(!ok || r->code == 235);
    FUZZ_CHECK(((x->cfg_bits >> CFG_MECH_SHIFT) & 3) != 0);
    x->hash = fuzz_hash(x->hash, &ok, sizeof ok);
}

static void h_rcpt_result(void *ctx, size_t mail, size_t rcpt, const struct smtp_reply *r)
{
    struct fuzz_ctx *x = ctx;
    fuzz_check_reply(r);
    FUZZ_CHECK(mail < x->nmails && rcpt < x->nrcpt[mail]);
    FUZZ_CHECK(x->results[mail] == 0); /* the mail is still under way */
    x->hash = fuzz_hash(x->hash, &rcpt, sizeof rcpt);
}

static void h_mail_result(void *ctx, size_t mail, const struct smtp_reply *r)
{
    struct fuzz_ctx *x = ctx;
    fuzz_check_reply(r);
    FUZZ_CHECK(mail < x->nmails);
    FUZZ_CHECK(x->results[mail] == 0); /* exactly once per mail */
    x->results[mail]++;
    x->hash = fuzz_hash(x->hash, &mail, sizeof mail);
    x->hash = fuzz_hash(x->hash, &r->code, sizeof r->code);
    if ((x->hook_bits & HOOK_ADD_MAIL) && mail == 0 && x->nmails < MAX_MAILS) {
        /* An MTA queues more mail for the same server while a session is open. */
        const char *rcpts[] = {"added@b.example"};
        long i = smtp_client_add_mail(x->c, "a@a.example", rcpts, 1, (const uint8_t *)MSG3,
                                      sizeof MSG3 - 1);
        if (i >= 0) {
            FUZZ_CHECK((size_t)i == x->nmails);
            x->nrcpt[x->nmails++] = 1;
        }
    }
}

static int h_starttls_ready(void *ctx)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(x->cfg_bits & CFG_STARTTLS);
    return (x->cfg_bits & CFG_TLS_GIVE_UP) ? 1 : 0;
}

static uint64_t fuzz_session(unsigned cfg_bits, unsigned hook_bits, uint8_t cut,
                             const uint8_t *data, size_t size, bool *tls)
{
    static char long_user[256], long_pass[256];
    if (!long_user[0]) {
        memset(long_user, 'u', sizeof long_user - 1);
        memset(long_pass, 'p', sizeof long_pass - 1);
    }
    struct fuzz_ctx x;
    memset(&x, 0, sizeof x);
    x.cfg_bits = cfg_bits;
    x.hook_bits = hook_bits;
    unsigned mech = (cfg_bits >> CFG_MECH_SHIFT) & 3;
    bool longc = (cfg_bits & CFG_LONG_CREDS) != 0;
    struct smtp_client_config cfg = {
        .ehlo_name = "client.a.example",
        .user = mech == 0 ? NULL
                : longc   ? long_user
                          : "alice",
        .password = longc ? long_pass : "wonderland",
        .authzid = (hook_bits & HOOK_AUTHZID) ? "admin" : NULL,
        .mech = mech == 1   ? SASL_MECH_PLAIN
                : mech == 2 ? SASL_MECH_LOGIN
                            : SASL_MECH_CRAM_MD5,
        .want_pipelining = (cfg_bits & CFG_PIPELINING) != 0,
        .want_starttls = (cfg_bits & CFG_STARTTLS) != 0,
        .require_tls = (cfg_bits & CFG_REQUIRE_TLS) != 0,
    };
    struct smtp_client_hooks hooks = {
        .on_state = h_state,
        .on_reply = h_reply,
        .on_auth_result = h_auth_result,
        .on_rcpt_result = h_rcpt_result,
        .on_mail_result = h_mail_result,
        .on_starttls_ready = h_starttls_ready,
    };
    if (hook_bits & HOOK_NULL) {
        hooks.on_reply = NULL;
        hooks.on_auth_result = NULL;
        hooks.on_rcpt_result = NULL;
    }
    struct smtp_client *c = smtp_client_new(&cfg, &hooks, &x);
    FUZZ_CHECK(c != NULL);
    x.c = c;
    x.state = SMTP_CLIENT_STATE_INIT;
    const char *rcpts[] = {"b@b.example", "Postmaster", "c@[192.0.2.1]"};
    FUZZ_CHECK(smtp_client_add_mail(c, "a@a.example", rcpts, 3, (const uint8_t *)MSG1,
                                    sizeof MSG1 - 1) == 0);
    x.nrcpt[x.nmails++] = 3;
    if (cfg_bits & CFG_TWO_MAILS) {
        FUZZ_CHECK(smtp_client_add_mail(c, "", rcpts, 1, (const uint8_t *)MSG2, 0) == 1);
        x.nrcpt[x.nmails++] = 1;
    }
    smtp_client_start(c);
    fuzz_drain(&x, c);

    struct fuzz_chunker ch;
    for (fuzz_chunker_init(&ch, cut, data, size); fuzz_chunk_next(&ch);) {
        FUZZ_FEED(smtp_client, c, ch.at, ch.n);
        FUZZ_CHECK(smtp_client_state(c) == x.state);
        fuzz_drain(&x, c);
        if (smtp_client_state(c) == SMTP_CLIENT_STATE_TLS) {
            x.tls_happened = true;
            smtp_client_tls_started(c);
            fuzz_drain(&x, c);
        }
    }
    smtp_client_peer_closed(c);
    FUZZ_CHECK(smtp_client_done(c) && x.state == SMTP_CLIENT_STATE_DONE);
    fuzz_drain(&x, c);
    for (size_t i = 0; i < x.nmails; i++) {
        FUZZ_CHECK(x.results[i] == 1);
    }
    /* Nothing more is taken once the session is over. */
    const char *rcpts2[] = {"late@b.example"};
    FUZZ_CHECK(smtp_client_add_mail(c, "a@a.example", rcpts2, 1, NULL, 0) == -1);
    smtp_client_free(c);
    *tls = x.tls_happened;
    return x.out_hash ^ (x.hash * 31u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_cut_and_compare(data, size, fuzz_session);
}
