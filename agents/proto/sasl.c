/* sasl: PLAIN, LOGIN and CRAM-MD5 for SMTP AUTH, client and server halves (see sasl.h).
 * Decoded secrets live only in caller buffers; scratch copies are wiped with OPENSSL_cleanse. */
#include "sasl.h"

#include "base64.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define SASL_MECH_NAME(id, name) name,
static const char *const sasl_mech_names[] = {SASL_MECH_LIST(SASL_MECH_NAME)};
#undef SASL_MECH_NAME

#define SASL_STEP_NAME(id, name) name,
static const char *const sasl_step_names[] = {SASL_STEP_LIST(SASL_STEP_NAME)};
#undef SASL_STEP_NAME

/* Where a server exchange stands (struct sasl_server's step). */
enum sasl_server_step {
    SASL_SERVER_RESPONSE,   /* PLAIN or CRAM-MD5: waiting for the one response */
    SASL_SERVER_LOGIN_USER, /* LOGIN: after "Username:" */
    SASL_SERVER_LOGIN_PASS, /* LOGIN: after "Password:" */
};

/* Largest PLAIN message a client builds: three fields and two NULs. */
#define SASL_PLAIN_MAX (3 * SASL_FIELD_MAX + 2)

const char *sasl_mech_name(enum sasl_mech m)
{
    if ((unsigned)m >= SASL_MECH_COUNT) {
        return "?";
    }
    return sasl_mech_names[m];
}

int sasl_mech_parse(const char *name, size_t len, enum sasl_mech *out)
{
    for (unsigned m = 0; m < SASL_MECH_COUNT; m++) {
        const char *want = sasl_mech_names[m];
        if (strlen(want) != len) {
            continue;
        }
        size_t i = 0;
        while (i < len && toupper((unsigned char)name[i]) == want[i]) {
            i++;
        }
        if (i == len) {
            *out = (enum sasl_mech)m;
            return 0;
        }
    }
    return -1;
}

/* Base64 of in[0..n) into out; the one place that checks the output room. */
static long sasl_encode(const void *in, size_t n, char *out, size_t cap)
{
    if (cap < BASE64_ENCODED_LEN(n) + 1) {
        return SASL_ERR_SPACE;
    }
    return (long)base64_encode(in, n, out);
}

long sasl_encode_text(const char *text, char *out, size_t cap)
{
    return sasl_encode(text, strlen(text), out, cap);
}

long sasl_plain_response(const char *authzid, const char *user, const char *password, char *out,
                         size_t cap)
{
    /* RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd */
    uint8_t msg[SASL_PLAIN_MAX];
    size_t z = authzid ? strlen(authzid) : 0;
    size_t u = strlen(user);
    size_t p = strlen(password);
    if (z > SASL_FIELD_MAX || u > SASL_FIELD_MAX || p > SASL_FIELD_MAX) {
        return SASL_ERR_SPACE;
    }
    if (z > 0) {
        memcpy(msg, authzid, z);
    }
    msg[z] = 0;
    memcpy(msg + z + 1, user, u);
    msg[z + 1 + u] = 0;
    memcpy(msg + z + 2 + u, password, p);
    long rc = sasl_encode(msg, z + u + p + 2, out, cap);
    OPENSSL_cleanse(msg, sizeof msg);
    return rc;
}

long sasl_login_response(const char *field, char *out, size_t cap)
{
    return sasl_encode(field, strlen(field), out, cap);
}

/* Every response a server decodes came in one line of at most SASL_RESPONSE_LINE_MAX octets. */
#define SASL_DECODED_MAX BASE64_DECODED_MAX(SASL_RESPONSE_LINE_MAX)

/* Decodes base64 into out (SASL_DECODED_MAX bytes). Returns the length or a SASL_ERR_* code. */
static long sasl_decode(const char *b64, size_t n, uint8_t *out)
{
    if (n > SASL_RESPONSE_LINE_MAX) {
        return SASL_ERR_SPACE;
    }
    long len = base64_decode(b64, n, out, SASL_DECODED_MAX);
    return len < 0 ? SASL_ERR_BASE64 : len;
}

int sasl_plain_decode(const char *b64, size_t n, struct sasl_credentials *cred)
{
    uint8_t msg[SASL_DECODED_MAX];
    memset(cred, 0, sizeof *cred);
    long len = sasl_decode(b64, n, msg);
    if (len < 0) {
        return (int)len;
    }
    /* Split at the two NULs; a third one, or a missing one, is a malformed message. */
    const uint8_t *end = msg + len;
    const uint8_t *nul1 = memchr(msg, 0, (size_t)len);
    const uint8_t *nul2 = nul1 ? memchr(nul1 + 1, 0, (size_t)(end - nul1 - 1)) : NULL;
    int rc = SASL_ERR_SYNTAX;
    if (nul2 && !memchr(nul2 + 1, 0, (size_t)(end - nul2 - 1))) {
        size_t z = (size_t)(nul1 - msg);
        size_t u = (size_t)(nul2 - nul1 - 1);
        size_t p = (size_t)(end - nul2 - 1);
        /* RFC 4616 §2: "authcid = 1*SAFE" and "passwd = 1*SAFE" — neither may be empty. */
        if (z <= SASL_FIELD_MAX && u >= 1 && u <= SASL_FIELD_MAX && p >= 1 && p <= SASL_FIELD_MAX) {
            memcpy(cred->authzid, msg, z);
            memcpy(cred->user, nul1 + 1, u);
            memcpy(cred->password, nul2 + 1, p);
            rc = 0;
        }
    }
    OPENSSL_cleanse(msg, (size_t)len);
    return rc;
}

int sasl_login_decode(const char *b64, size_t n, char *field, size_t cap)
{
    uint8_t tmp[SASL_DECODED_MAX];
    if (cap > 0) {
        field[0] = 0;
    }
    long len = sasl_decode(b64, n, tmp);
    if (len < 0) {
        return (int)len;
    }
    int rc = SASL_ERR_SYNTAX;
    if ((size_t)len <= SASL_FIELD_MAX && (size_t)len < cap && !memchr(tmp, 0, (size_t)len)) {
        memcpy(field, tmp, (size_t)len);
        field[len] = 0;
        rc = 0;
    }
    OPENSSL_cleanse(tmp, (size_t)len);
    return rc;
}

/* Writes "a NUL b" and a NUL into out; a may be the only field (b NULL). */
static long sasl_reveal_fields(const char *a, const char *b, char *out, size_t cap)
{
    size_t na = strlen(a), nb = b ? strlen(b) + 1 : 0;
    if (na + nb + 1 > cap) {
        return SASL_ERR_SPACE;
    }
    memcpy(out, a, na);
    if (b) {
        out[na] = 0;
        memcpy(out + na + 1, b, nb - 1);
    }
    out[na + nb] = 0;
    return (long)(na + nb);
}

long sasl_response_reveal(enum sasl_mech mech, const char *b64, size_t n, char *out, size_t cap)
{
    long rc;
    switch (mech) {
    case SASL_MECH_PLAIN: {
        struct sasl_credentials cred;
        rc = sasl_plain_decode(b64, n, &cred);
        rc = rc < 0 ? rc : sasl_reveal_fields(cred.user, cred.password, out, cap);
        OPENSSL_cleanse(&cred, sizeof cred);
        return rc;
    }
    case SASL_MECH_LOGIN: {
        char field[SASL_FIELD_MAX + 1];
        rc = sasl_login_decode(b64, n, field, sizeof field);
        rc = rc < 0 ? rc : sasl_reveal_fields(field, NULL, out, cap);
        OPENSSL_cleanse(field, sizeof field);
        return rc;
    }
    case SASL_MECH_CRAM_MD5: {
        char user[SASL_FIELD_MAX + 1], digest[SASL_CRAM_MD5_HEX_LEN + 1];
        rc = sasl_cram_md5_decode(b64, n, user, sizeof user, digest);
        return rc < 0 ? rc : sasl_reveal_fields(user, digest, out, cap);
    }
    default:
        return SASL_ERR_SYNTAX;
    }
}

long sasl_challenge_reveal(const char *b64, size_t n, char *out, size_t cap)
{
    uint8_t text[SASL_DECODED_MAX];
    long len = sasl_decode(b64, n, text);
    if (len < 0 || cap == 0) {
        return len < 0 ? len : SASL_ERR_SPACE;
    }
    size_t k = (size_t)len < cap - 1 ? (size_t)len : cap - 1;
    memcpy(out, text, k);
    out[k] = 0;
    return (long)k;
}

int sasl_cram_md5_digest(const char *challenge, const char *secret,
                         char hex[SASL_CRAM_MD5_HEX_LEN + 1])
{
    /* RFC 2195 §2: "the digest is computed by applying the keyed MD5 algorithm from [KEYED-MD5]
     * where the key is a shared secret and the digested text is the timestamp (including
     * angle-brackets)." KEYED-MD5 is HMAC-MD5 (RFC 2104). */
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t klen = strlen(secret);
    if (klen > (size_t)0x7fffffff ||
        !HMAC(EVP_md5(), secret, (int)klen, (const unsigned char *)challenge, strlen(challenge), md,
              &mdlen) ||
        mdlen != SASL_CRAM_MD5_HEX_LEN / 2) {
        hex[0] = 0;
        return SASL_ERR_CRYPTO;
    }
    for (unsigned i = 0; i < mdlen; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[SASL_CRAM_MD5_HEX_LEN] = 0;
    OPENSSL_cleanse(md, sizeof md);
    return 0;
}

long sasl_cram_md5_response(const char *user, const char *secret, const char *challenge_b64,
                            size_t n, char *out, size_t cap)
{
    uint8_t challenge[SASL_DECODED_MAX + 1];
    long clen = sasl_decode(challenge_b64, n, challenge);
    if (clen < 0) {
        return clen;
    }
    if (clen > SASL_CHALLENGE_MAX || memchr(challenge, 0, (size_t)clen)) {
        return SASL_ERR_SYNTAX;
    }
    challenge[clen] = 0;
    char hex[SASL_CRAM_MD5_HEX_LEN + 1];
    if (sasl_cram_md5_digest((const char *)challenge, secret, hex) != 0) {
        return SASL_ERR_CRYPTO;
    }
    /* RFC 2195 §2: "The client makes note of the data and then responds with a string consisting
     * of the user name, a space, and a 'digest'." */
    char msg[SASL_FIELD_MAX + 1 + SASL_CRAM_MD5_HEX_LEN + 1];
    size_t u = strlen(user);
    if (u > SASL_FIELD_MAX) {
        return SASL_ERR_SPACE;
    }
    memcpy(msg, user, u);
    msg[u] = ' ';
    memcpy(msg + u + 1, hex, SASL_CRAM_MD5_HEX_LEN);
    return sasl_encode(msg, u + 1 + SASL_CRAM_MD5_HEX_LEN, out, cap);
}

int sasl_cram_md5_decode(const char *b64, size_t n, char *user, size_t cap,
                         char digest[SASL_CRAM_MD5_HEX_LEN + 1])
{
    uint8_t msg[SASL_DECODED_MAX];
    user[0] = 0;
    digest[0] = 0;
    long len = sasl_decode(b64, n, msg);
    if (len < 0) {
        return (int)len;
    }
    /* The user name may itself hold spaces: the digest follows the last one. */
    size_t sp = (size_t)len;
    while (sp > 0 && msg[sp - 1] != ' ') {
        sp--;
    }
    if (sp < 2 || (size_t)len - sp != SASL_CRAM_MD5_HEX_LEN || sp - 1 >= cap ||
        sp - 1 > SASL_FIELD_MAX || memchr(msg, 0, (size_t)len)) {
        return SASL_ERR_SYNTAX;
    }
    for (size_t i = 0; i < SASL_CRAM_MD5_HEX_LEN; i++) {
        int c = tolower(msg[sp + i]);
        if (!isxdigit(c)) {
            return SASL_ERR_SYNTAX;
        }
        digest[i] = (char)c;
    }
    digest[SASL_CRAM_MD5_HEX_LEN] = 0;
    memcpy(user, msg, sp - 1);
    user[sp - 1] = 0;
    return 0;
}

bool sasl_cram_md5_verify(const char *challenge, const char *secret, const char *digest)
{
    char want[SASL_CRAM_MD5_HEX_LEN + 1];
    if (strlen(digest) != SASL_CRAM_MD5_HEX_LEN ||
        sasl_cram_md5_digest(challenge, secret, want) != 0) {
        return false;
    }
    /* Constant time, so that response timing does not leak how many digits were right. */
    bool ok = CRYPTO_memcmp(want, digest, SASL_CRAM_MD5_HEX_LEN) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}

const char *sasl_step_name(enum sasl_step st)
{
    return (unsigned)st < SASL_STEP_COUNT ? sasl_step_names[st] : "?";
}

/* Maps a decoder's return code to the step result; DONE on success. */
static enum sasl_step sasl_server_outcome(int rc)
{
    return rc == 0                 ? SASL_STEP_DONE
           : rc == SASL_ERR_BASE64 ? SASL_STEP_BAD_BASE64
                                   : SASL_STEP_FAILED;
}

/* One response: the initial one or a line of its own. */
static enum sasl_step sasl_server_response(struct sasl_server *x, const char *b64, size_t n,
                                           char *out, size_t cap)
{
    int rc;
    switch (x->mech) {
    case SASL_MECH_PLAIN:
        return sasl_server_outcome(sasl_plain_decode(b64, n, &x->cred));
    case SASL_MECH_LOGIN:
        if (x->step == SASL_SERVER_LOGIN_USER) {
            rc = sasl_login_decode(b64, n, x->cred.user, sizeof x->cred.user);
            if (rc != 0) {
                return sasl_server_outcome(rc);
            }
            x->step = SASL_SERVER_LOGIN_PASS;
            snprintf(out, cap, "%s", SASL_LOGIN_PASSWORD_CHALLENGE);
            return SASL_STEP_CHALLENGE;
        }
        return sasl_server_outcome(
            sasl_login_decode(b64, n, x->cred.password, sizeof x->cred.password));
    case SASL_MECH_CRAM_MD5:
        return sasl_server_outcome(
            sasl_cram_md5_decode(b64, n, x->cred.user, sizeof x->cred.user, x->digest));
    default:
        return SASL_STEP_FAILED;
    }
}

enum sasl_step sasl_server_start(struct sasl_server *x, enum sasl_mech mech, const char *initial,
                                 const char *challenge, char *out, size_t cap)
{
    memset(x, 0, sizeof *x);
    x->mech = mech;
    x->step = mech == SASL_MECH_LOGIN ? SASL_SERVER_LOGIN_USER : SASL_SERVER_RESPONSE;
    if (cap > 0) {
        out[0] = 0;
    }
    if (mech == SASL_MECH_CRAM_MD5) {
        /* RFC 4954 §4: "If the client uses an initial-response argument to the AUTH command with
         * a SASL mechanism in which the client does not begin the authentication exchange, the
         * server MUST reject the AUTH command with a 501 reply." */
        if (initial) {
            return SASL_STEP_BAD_INITIAL;
        }
        snprintf(x->challenge, sizeof x->challenge, "%s", challenge ? challenge : "");
        return sasl_encode_text(x->challenge, out, cap) < 0 ? SASL_STEP_FAILED
                                                            : SASL_STEP_CHALLENGE;
    }
    if (initial) {
        /* RFC 4954 §4: "If the client is transmitting an initial response of zero length, it
         * MUST instead transmit the response as a single equals sign ("=")." */
        size_t n = strcmp(initial, "=") == 0 ? 0 : strlen(initial);
        return sasl_server_response(x, initial, n, out, cap);
    }
    /* PLAIN: RFC 4954 §4, "a server challenge that contains no data is defined as a 334 reply
     * with no text part". LOGIN asks for the user name. */
    snprintf(out, cap, "%s", mech == SASL_MECH_LOGIN ? SASL_LOGIN_USERNAME_CHALLENGE : "");
    return SASL_STEP_CHALLENGE;
}

enum sasl_step sasl_server_step(struct sasl_server *x, const char *line, size_t n, char *out,
                                size_t cap)
{
    /* RFC 4954 §4: "If the client wishes to cancel the authentication exchange, it issues a line
     * with a single "*". If the server receives such a response, it MUST reject the AUTH command
     * by sending a 501 reply." */
    if (n == 1 && line[0] == '*') {
        return SASL_STEP_CANCELLED;
    }
    if (memchr(line, 0, n)) {
        return SASL_STEP_BAD_BASE64;
    }
    return sasl_server_response(x, line, n, out, cap);
}

bool sasl_server_cram_md5_ok(const struct sasl_server *x, const char *secret)
{
    return x->mech == SASL_MECH_CRAM_MD5 && secret &&
           sasl_cram_md5_verify(x->challenge, secret, x->digest);
}

void sasl_server_clear(struct sasl_server *x)
{
    OPENSSL_cleanse(x, sizeof *x);
}
