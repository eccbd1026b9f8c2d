/* fuzz_sasl: strict base64 (sim/base64.h) and the SASL decoders a server runs on a client's
 * responses (agents/proto/sasl.h): PLAIN, LOGIN, CRAM-MD5, and the server-side exchange
 * machine. Checked: base64 decoding is the exact inverse of encoding (strict: whatever decodes
 * encodes back to the same text); decoders never write past their fields, which stay within
 * SASL_FIELD_MAX; what the client side encodes, the server side decodes to the same fields.
 *
 * Input: byte 0 picks the mechanism and where the input splits, then response lines separated
 * by LF. */
#include "base64.h"
#include "fuzz.h"
#include "sasl.h"

/* base64: decode with several output sizes, then encode back. */
static void fuzz_base64(const uint8_t *d, size_t n)
{
    static uint8_t out[BASE64_DECODED_MAX(16384)];
    static char again[BASE64_ENCODED_LEN(sizeof out) + 1];
    const char *text = (const char *)d;
    long len = base64_decode(text, n, out, sizeof out);
    if (n <= 16384) {
        FUZZ_CHECK(len >= -1);
        if (len >= 0) {
            FUZZ_CHECK(n % 4 == 0 && (size_t)len <= BASE64_DECODED_MAX(n));
            size_t m = base64_encode(out, (size_t)len, again);
            /* Strict decoding: canonical text only, so encoding gives it back exactly. */
            FUZZ_CHECK(m == n && memcmp(again, text, n) == 0);
            /* One octet less room must fail, not overflow. */
            if (len > 0) {
                uint8_t *tight = malloc((size_t)len);
                FUZZ_CHECK(tight != NULL);
                FUZZ_CHECK(base64_decode(text, n, tight, (size_t)len - 1) == -1);
                free(tight);
                uint8_t *exact = malloc((size_t)len);
                FUZZ_CHECK(exact != NULL);
                FUZZ_CHECK(base64_decode(text, n, exact, (size_t)len) == len);
                FUZZ_CHECK(memcmp(exact, out, (size_t)len) == 0);
                free(exact);
            }
        }
    }
    /* Encoding the raw input and decoding it gives it back. */
    if (n <= sizeof out) {
        size_t m = base64_encode(d, n, again);
        FUZZ_CHECK(m == BASE64_ENCODED_LEN(n) && again[m] == 0);
        long back = base64_decode(again, m, out, sizeof out);
        FUZZ_CHECK(back == (long)n && memcmp(out, d, n) == 0);
    }
}

static bool fuzz_field_ok(const char *f, size_t cap)
{
    const char *nul = memchr(f, 0, cap);
    return nul && (size_t)(nul - f) <= SASL_FIELD_MAX;
}

/* The server-side decoders, straight. */
static void fuzz_decoders(const char *b64, size_t n)
{
    struct sasl_credentials cred;
    int rc = sasl_plain_decode(b64, n, &cred);
    FUZZ_CHECK(rc == 0 || rc == SASL_ERR_BASE64 || rc == SASL_ERR_SYNTAX || rc == SASL_ERR_SPACE);
    if (rc == 0) {
        FUZZ_CHECK(fuzz_field_ok(cred.authzid, sizeof cred.authzid));
        FUZZ_CHECK(fuzz_field_ok(cred.user, sizeof cred.user) && cred.user[0]);
        FUZZ_CHECK(fuzz_field_ok(cred.password, sizeof cred.password) && cred.password[0]);
        /* Encoding the fields again gives the same response. */
        char again[BASE64_ENCODED_LEN(3 * SASL_FIELD_MAX + 2) + 1];
        long m = sasl_plain_response(cred.authzid, cred.user, cred.password, again, sizeof again);
        FUZZ_CHECK(m >= 0 && (size_t)m == n && memcmp(again, b64, n) == 0);
    }
    /* LOGIN into fields of several sizes. */
    static const size_t caps[] = {1, 2, 16, SASL_FIELD_MAX + 1, 1024};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char *field = malloc(caps[i]);
        FUZZ_CHECK(field != NULL);
        rc = sasl_login_decode(b64, n, field, caps[i]);
        FUZZ_CHECK(rc == 0 || rc == SASL_ERR_BASE64 || rc == SASL_ERR_SYNTAX ||
                   rc == SASL_ERR_SPACE);
        FUZZ_CHECK(memchr(field, 0, caps[i]) != NULL);
        if (rc == 0) {
            FUZZ_CHECK(strlen(field) <= SASL_FIELD_MAX && strlen(field) < caps[i]);
            char again[BASE64_ENCODED_LEN(SASL_FIELD_MAX) + 1];
            long m = sasl_login_response(field, again, sizeof again);
            FUZZ_CHECK(m >= 0 && (size_t)m == n && memcmp(again, b64, n) == 0);
        }
        free(field);
    }
    /* CRAM-MD5 into user fields of several sizes. */
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char *user = malloc(caps[i]);
        FUZZ_CHECK(user != NULL);
        char digest[SASL_CRAM_MD5_HEX_LEN + 1];
        rc = sasl_cram_md5_decode(b64, n, user, caps[i], digest);
        FUZZ_CHECK(rc == 0 || rc == SASL_ERR_BASE64 || rc == SASL_ERR_SYNTAX ||
                   rc == SASL_ERR_SPACE);
        FUZZ_CHECK(memchr(user, 0, caps[i]) != NULL);
        if (rc == 0) {
            FUZZ_CHECK(strlen(user) >= 1 && strlen(user) <= SASL_FIELD_MAX);
            FUZZ_CHECK(strlen(digest) == SASL_CRAM_MD5_HEX_LEN);
            for (size_t k = 0; k < SASL_CRAM_MD5_HEX_LEN; k++) {
                FUZZ_CHECK((digest[k] >= '0' && digest[k] <= '9') ||
                           (digest[k] >= 'a' && digest[k] <= 'f'));
            }
            (void)sasl_cram_md5_verify("<1896.697170952@mx.example.net>", "secret", digest);
        }
        free(user);
    }
    /* The client's CRAM-MD5 answer to this text as a challenge. */
    char resp[BASE64_ENCODED_LEN(SASL_FIELD_MAX + 1 + SASL_CRAM_MD5_HEX_LEN) + 1];
    long m = sasl_cram_md5_response("alice", "secret", b64, n, resp, sizeof resp);
    if (m >= 0) {
        char user[SASL_FIELD_MAX + 1];
        char digest[SASL_CRAM_MD5_HEX_LEN + 1];
        FUZZ_CHECK(sasl_cram_md5_decode(resp, (size_t)m, user, sizeof user, digest) == 0);
        FUZZ_CHECK(strcmp(user, "alice") == 0);
    }
    enum sasl_mech mech;
    if (sasl_mech_parse(b64, n, &mech) == 0) {
        FUZZ_CHECK((unsigned)mech < SASL_MECH_COUNT);
        FUZZ_CHECK(strlen(sasl_mech_name(mech)) == n);
    }
}

/* The server's exchange machine over the lines of the input. */
static void fuzz_exchange(enum sasl_mech mech, bool with_initial, const uint8_t *d, size_t n)
{
    struct sasl_server x;
    char out[SASL_CHALLENGE_B64_MAX];
    const uint8_t *lf = memchr(d, '\n', n);
    size_t first = lf ? (size_t)(lf - d) : n;
    char *initial = NULL;
    if (with_initial) {
        initial = malloc(first + 1);
        FUZZ_CHECK(initial != NULL);
        memcpy(initial, d, first);
        initial[first] = 0;
        d += lf ? first + 1 : n;
        n -= lf ? first + 1 : n;
    }
    enum sasl_step st =
        sasl_server_start(&x, mech, initial, "<1896.697170952@mx.example.net>", out, sizeof out);
    free(initial);
    unsigned steps = 0;
    while (st == SASL_STEP_CHALLENGE) {
        FUZZ_CHECK(memchr(out, 0, sizeof out) != NULL);
        FUZZ_CHECK(++steps <= 3); /* no mechanism here takes more than two challenges */
        if (n == 0) {
            break;
        }
        lf = memchr(d, '\n', n);
        size_t len = lf ? (size_t)(lf - d) : n;
        /* The engines hand over a line without its terminator, NUL-terminated after it. */
        char *line = malloc(len + 1);
        FUZZ_CHECK(line != NULL);
        memcpy(line, d, len);
        line[len] = 0;
        st = sasl_server_step(&x, line, len, out, sizeof out);
        free(line);
        d += lf ? len + 1 : n;
        n -= lf ? len + 1 : n;
    }
    FUZZ_CHECK((unsigned)st < SASL_STEP_COUNT);
    if (st == SASL_STEP_DONE) {
        FUZZ_CHECK(fuzz_field_ok(x.cred.user, sizeof x.cred.user));
        FUZZ_CHECK(fuzz_field_ok(x.cred.password, sizeof x.cred.password));
        FUZZ_CHECK(fuzz_field_ok(x.cred.authzid, sizeof x.cred.authzid));
        if (mech == SASL_MECH_CRAM_MD5) {
            (void)sasl_server_cram_md5_ok(&x, "secret");
            FUZZ_CHECK(x.cred.user[0] != 0);
        }
    }
    sasl_server_clear(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    unsigned opt = fuzz_byte(&in);
    fuzz_base64(in.p, in.n);
    fuzz_decoders((const char *)in.p, in.n);
    fuzz_exchange((enum sasl_mech)(opt % SASL_MECH_COUNT), (opt & 4) != 0, in.p, in.n);
    return 0;
}
