/* fuzz_pop3_client: the POP3 client engine fed a server's responses, in every configuration an
 * MUA uses: USER/PASS or APOP, CAPA, UIDL, DELE, STLS (optional or required), a small message
 * limit. Checked: CRLF line ends and 512-octet command lines; on_done exactly once, and the
 * session over after the server hangs up; messages reported in order, within the limit; and
 * the security promises: APOP never sends the password, and a client that requires TLS sends
 * neither user name nor password before the TLS upgrade. The same input fed whole must, without
 * a TLS upgrade, give the same session.
 *
 * Input: byte 0 configuration, byte 1 how to cut (fuzz.h), byte 2 hook behaviour, then the
 * server's bytes. */
#include "fuzz.h"
#include "line.h"
#include "pop3_client.h"

enum {
    CFG_APOP = 1 << 0,
    CFG_DELE = 1 << 1,
    CFG_CAPA = 1 << 2,
    CFG_UIDL = 1 << 3,
    CFG_STLS = 1 << 4,
    CFG_REQUIRE_TLS = 1 << 5,
    CFG_SMALL = 1 << 6, /* max_message 64 */
    CFG_TLS_GIVE_UP = 1 << 7,
};

enum {
    HOOK_NULL = 1 << 0,    /* no hooks but on_done and on_stls_ready */
    HOOK_PARTIAL = 1 << 1, /* drain the output in two pieces */
};

#define USER "alice"
#define PASSWORD "wonder land" /* a space in it: PASS takes the rest of the line */

struct fuzz_ctx {
    unsigned cfg_bits, hook_bits;
    /* What the engine did: its output bytes, and separately its hook calls (their order
     * relative to the output depends on how the input was cut). */
    uint64_t out_hash, hash;
    unsigned done_calls;
    size_t last_index;
    bool tls_happened;
    bool tls_pending;
    struct fuzz_lines lines;
};

static void fuzz_out_line(void *vctx, const char *line, size_t len, size_t total)
{
    (void)len;
    struct fuzz_ctx *x = vctx;
    FUZZ_CHECK(total <= POP3_LINE_MAX);
    /* APOP keeps the password off the wire. */
    FUZZ_CHECK(!(x->cfg_bits & CFG_APOP) || strstr(line, PASSWORD) == NULL);
    if (!x->tls_happened && (x->cfg_bits & CFG_STLS) && (x->cfg_bits & CFG_REQUIRE_TLS)) {
        /* RFC 2595 §4 with TLS required: nothing of the login goes out in the clear. */
        FUZZ_CHECK(strncmp(line, "USER", 4) != 0 && strncmp(line, "PASS", 4) != 0 &&
                   strncmp(line, "APOP", 4) != 0);
    }
    x->out_hash = fuzz_hash_str(x->out_hash, line);
}

static void fuzz_drain(struct fuzz_ctx *x, struct pop3_client *c)
{
    const uint8_t *out;
    size_t n = pop3_client_output(c, &out);
    FUZZ_CHECK(out != NULL);
    size_t first = (x->hook_bits & HOOK_PARTIAL) && n > 1 ? n / 2 : n;
    fuzz_lines_feed(&x->lines, out, first, fuzz_out_line, x);
    pop3_client_output_consumed(c, first);
    n = pop3_client_output(c, &out);
    fuzz_lines_feed(&x->lines, out, n, fuzz_out_line, x);
    pop3_client_output_consumed(c, n);
    FUZZ_CHECK(pop3_client_output(c, &out) == 0 && out != NULL);
    FUZZ_CHECK(fuzz_lines_complete(&x->lines));
}

static void h_reply(void *ctx, bool ok, const char *text)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(strlen(text) < POP3_LINE_MAX);
    x->hash = fuzz_hash(x->hash, &ok, sizeof ok);
    x->hash = fuzz_hash_str(x->hash, text);
}

static void h_auth_result(void *ctx, bool ok)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(x->done_calls == 0);
    x->hash = fuzz_hash(x->hash, &ok, sizeof ok);
}

static void h_uid(void *ctx, size_t index, const char *uid)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(x->cfg_bits & CFG_UIDL);
    FUZZ_CHECK(uid[0] != 0 && strlen(uid) < POP3_LINE_MAX);
    x->hash = fuzz_hash(x->hash, &index, sizeof index);
    x->hash = fuzz_hash_str(x->hash, uid);
}

static void h_message(void *ctx, size_t index, const uint8_t *data, size_t len)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(data != NULL);
    FUZZ_CHECK(index > x->last_index); /* in order, each at most once */
    FUZZ_CHECK(!(x->cfg_bits & CFG_SMALL) || len <= 64);
    x->last_index = index;
    x->hash = fuzz_hash(x->hash, data, len);
}

static void h_done(void *ctx, bool ok, const char *reason)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(reason != NULL && strlen(reason) < 512);
    x->done_calls++;
    FUZZ_CHECK(x->done_calls == 1);
    x->hash = fuzz_hash(x->hash, &ok, sizeof ok);
    x->hash = fuzz_hash_str(x->hash, reason);
}

static int h_stls_ready(void *ctx)
{
    struct fuzz_ctx *x = ctx;
    FUZZ_CHECK(x->cfg_bits & CFG_STLS);
    if (x->cfg_bits & CFG_TLS_GIVE_UP) {
        return 1;
    }
    x->tls_pending = true;
    return 0;
}

static uint64_t fuzz_session(unsigned cfg_bits, unsigned hook_bits, uint8_t cut,
                             const uint8_t *data, size_t size, bool *tls)
{
    struct fuzz_ctx x;
    memset(&x, 0, sizeof x);
    x.cfg_bits = cfg_bits;
    x.hook_bits = hook_bits;
    struct pop3_client_config cfg = {
        .user = USER,
        .password = PASSWORD,
        .use_apop = (cfg_bits & CFG_APOP) != 0,
        .delete_after_retrieve = (cfg_bits & CFG_DELE) != 0,
        .want_capa = (cfg_bits & CFG_CAPA) != 0,
        .want_uidl = (cfg_bits & CFG_UIDL) != 0,
        .max_message = (cfg_bits & CFG_SMALL) ? 64 : 0,
        .want_stls = (cfg_bits & CFG_STLS) != 0,
        .require_tls = (cfg_bits & CFG_REQUIRE_TLS) != 0,
    };
    struct pop3_client_hooks hooks = {
        .on_reply = h_reply,
        .on_auth_result = h_auth_result,
        .on_uid = h_uid,
        .on_message = h_message,
        .on_done = h_done,
        .on_stls_ready = h_stls_ready,
    };
    if (hook_bits & HOOK_NULL) {
        hooks.on_reply = NULL;
        hooks.on_auth_result = NULL;
        hooks.on_uid = NULL;
        hooks.on_message = NULL;
    }
    struct pop3_client *c = pop3_client_new(&cfg, &hooks, &x);
    FUZZ_CHECK(c != NULL);
    pop3_client_start(c);
    fuzz_drain(&x, c);
    struct fuzz_chunker ch;
    for (fuzz_chunker_init(&ch, cut, data, size); fuzz_chunk_next(&ch);) {
        FUZZ_FEED(pop3_client, c, ch.at, ch.n);
        FUZZ_CHECK(pop3_client_retrieved(c) <= pop3_client_message_count(c));
        fuzz_drain(&x, c);
        if (x.tls_pending) {
            FUZZ_CHECK(pop3_client_state(c) == POP3_CLIENT_TLS || pop3_client_done(c));
            x.tls_pending = false;
            x.tls_happened = true;
            pop3_client_tls_started(c);
            fuzz_drain(&x, c);
        }
    }
    pop3_client_peer_closed(c);
    FUZZ_CHECK(pop3_client_done(c) && x.done_calls == 1);
    FUZZ_CHECK(pop3_client_state(c) == POP3_CLIENT_DONE);
    fuzz_drain(&x, c);
    pop3_client_free(c);
    *tls = x.tls_happened;
    return x.out_hash ^ (x.hash * 31u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_cut_and_compare(data, size, fuzz_session);
}
