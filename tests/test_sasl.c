/* test_sasl: the SASL mechanisms against the examples of their RFCs (4616, 2195, 4954) and
 * against malformed input, table-driven. */
#include "harness.h"
#include "sasl.h"

#include <stdbool.h>
#include <string.h>

static void test_mech_names(struct harness *h)
{
    static const struct {
        const char *name;
        int rc;
        enum sasl_mech mech;
    } cases[] = {
        {"PLAIN", 0, SASL_MECH_PLAIN},       {"plain", 0, SASL_MECH_PLAIN},
        {"LOGIN", 0, SASL_MECH_LOGIN},       {"CRAM-MD5", 0, SASL_MECH_CRAM_MD5},
        {"cram-md5", 0, SASL_MECH_CRAM_MD5}, {"GSSAPI", -1, SASL_MECH_PLAIN},
        {"PLAINX", -1, SASL_MECH_PLAIN},     {"", -1, SASL_MECH_PLAIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum sasl_mech m = SASL_MECH_PLAIN;
        int rc = sasl_mech_parse(cases[i].name, strlen(cases[i].name), &m);
        if (!CHECK_INT(h, rc, cases[i].rc)) {
            fprintf(stderr, "    case: mech %s\n", cases[i].name);
        }
        if (rc == 0) {
            CHECK_STR(h, sasl_mech_name(m), sasl_mech_name(cases[i].mech));
        }
    }
    CHECK_STR(h, sasl_mech_name(SASL_MECH_CRAM_MD5), "CRAM-MD5");
    CHECK_STR(h, sasl_mech_name((enum sasl_mech)99), "?");
}

static void test_plain(struct harness *h)
{
    char b64[1100];
    /* RFC 4954 §4.1: "C: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=" is "\0test\01234". */
    CHECK_INT(h, sasl_plain_response(NULL, "test", "1234", b64, sizeof b64), 16);
    CHECK_STR(h, b64, "AHRlc3QAMTIzNA==");
    CHECK_INT(h, sasl_plain_response("", "test", "test", b64, sizeof b64), 16);
    CHECK_STR(h, b64, "AHRlc3QAdGVzdA==");
    CHECK_INT(h, sasl_plain_response("admin", "u", "p", b64, sizeof b64), 12);
    CHECK_STR(h, b64, "YWRtaW4AdQBw");
    CHECK_INT(h, sasl_plain_response(NULL, "u", "p", b64, 4), SASL_ERR_SPACE);

    static const struct {
        const char *name;
        const char *b64;
        int rc;
        const char *authzid, *user, *password;
    } cases[] = {
        {"rfc 4954 example", "dGVzdAB0ZXN0ADEyMzQ=", 0, "test", "test", "1234"},
        {"no authzid", "AHRlc3QAMTIzNA==", 0, "", "test", "1234"},
        {"bad base64", "!!!!", SASL_ERR_BASE64, "", "", ""},
        {"missing padding", "AHRlc3QAMTIzNA", SASL_ERR_BASE64, "", "", ""},
        {"one nul", "dGVzdAAxMjM0", SASL_ERR_SYNTAX, "", "", ""},
        {"no nul", "YWxpY2U=", SASL_ERR_SYNTAX, "", "", ""},
        {"three nuls", "AHUAcAB4", SASL_ERR_SYNTAX, "", "", ""},
        {"empty user", "eAAAcA==", SASL_ERR_SYNTAX, "", "", ""},
        {"empty password", "AHUA", SASL_ERR_SYNTAX, "", "", ""},
        {"empty", "", SASL_ERR_SYNTAX, "", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sasl_credentials cred;
        int rc = sasl_plain_decode(cases[i].b64, strlen(cases[i].b64), &cred);
        if (!CHECK_INT(h, rc, cases[i].rc)) {
            fprintf(stderr, "    case: plain %s\n", cases[i].name);
        }
        CHECK_STR(h, cred.authzid, cases[i].authzid);
        CHECK_STR(h, cred.user, cases[i].user);
        CHECK_STR(h, cred.password, cases[i].password);
    }
    /* A field of 256 octets is over the RFC 4616 limit. */
    char big[300];
    memset(big, 'a', 256);
    big[256] = 0;
    CHECK_INT(h, sasl_plain_response(NULL, big, "p", b64, sizeof b64), SASL_ERR_SPACE);
}

static void test_login(struct harness *h)
{
    char b64[64];
    char field[SASL_FIELD_MAX + 1];
    CHECK_INT(h, sasl_login_response("Username:", b64, sizeof b64), 12);
    CHECK_STR(h, b64, SASL_LOGIN_USERNAME_CHALLENGE);
    CHECK_INT(h, sasl_login_response("Password:", b64, sizeof b64), 12);
    CHECK_STR(h, b64, SASL_LOGIN_PASSWORD_CHALLENGE);
    CHECK_INT(h, sasl_login_decode("YWxpY2U=", 8, field, sizeof field), 0);
    CHECK_STR(h, field, "alice");
    CHECK_INT(h, sasl_login_decode("", 0, field, sizeof field), 0);
    CHECK_STR(h, field, "");
    CHECK_INT(h, sasl_login_decode("YWxpY2U", 7, field, sizeof field), SASL_ERR_BASE64);
    CHECK_INT(h, sasl_login_decode("YQBi", 4, field, sizeof field), SASL_ERR_SYNTAX); /* a\0b */
    CHECK_INT(h, sasl_login_decode("YWxpY2U=", 8, field, 3), SASL_ERR_SYNTAX);
}

static void test_cram_md5(struct harness *h)
{
    /* RFC 2195 §2: challenge <1896.697170952@postoffice.reston.mci.net>, secret
     * "tanstaaftanstaaf", answer "tim b913a602c7eda7a495b4e6e7334d3890". */
    const char *challenge = "<1896.697170952@postoffice.reston.mci.net>";
    char hex[SASL_CRAM_MD5_HEX_LEN + 1];
    CHECK_INT(h, sasl_cram_md5_digest(challenge, "tanstaaftanstaaf", hex), 0);
    CHECK_STR(h, hex, "b913a602c7eda7a495b4e6e7334d3890");

    char cb64[128];
    CHECK(h, sasl_encode_text(challenge, cb64, sizeof cb64) > 0);
    CHECK_STR(h, cb64, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    char resp[128];
    long n =
        sasl_cram_md5_response("tim", "tanstaaftanstaaf", cb64, strlen(cb64), resp, sizeof resp);
    CHECK_INT(h, n, 48);
    CHECK_STR(h, resp, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CHECK_INT(h, sasl_cram_md5_response("tim", "x", "!!", 2, resp, sizeof resp), SASL_ERR_BASE64);

    char user[SASL_FIELD_MAX + 1];
    char digest[SASL_CRAM_MD5_HEX_LEN + 1];
    CHECK_INT(h, sasl_cram_md5_decode(resp, (size_t)n, user, sizeof user, digest), 0);
    CHECK_STR(h, user, "tim");
    CHECK_STR(h, digest, "b913a602c7eda7a495b4e6e7334d3890");
    CHECK(h, sasl_cram_md5_verify(challenge, "tanstaaftanstaaf", digest));
    CHECK(h, !sasl_cram_md5_verify(challenge, "wrong", digest));
    CHECK(h, !sasl_cram_md5_verify("<other@host>", "tanstaaftanstaaf", digest));
    CHECK(h, !sasl_cram_md5_verify(challenge, "tanstaaftanstaaf", "b913"));
    /* "tim B913A602..." (upper case) is accepted and lower-cased. */
    CHECK_INT(h,
              sasl_cram_md5_decode("dGltIEI5MTNBNjAyQzdFREE3QTQ5NUI0RTZFNzMzNEQzODkw", 48, user,
                                   sizeof user, digest),
              0);
    CHECK_STR(h, digest, "b913a602c7eda7a495b4e6e7334d3890");
    /* "tim xyz": digest too short; "timb913...": no space; not hex. */
    CHECK_INT(h, sasl_cram_md5_decode("dGltIHh5eg==", 12, user, sizeof user, digest),
              SASL_ERR_SYNTAX);
    CHECK_INT(h,
              sasl_cram_md5_decode("dGltYjkxM2E2MDJjN2VkYTdhNDk1YjRlNmU3MzM0ZDM4OTA=", 48, user,
                                   sizeof user, digest),
              SASL_ERR_SYNTAX);
    CHECK_INT(h,
              sasl_cram_md5_decode("dGltIHo5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", 48, user,
                                   sizeof user, digest),
              SASL_ERR_SYNTAX);
    CHECK_INT(h, sasl_cram_md5_decode("@@@@", 4, user, sizeof user, digest), SASL_ERR_BASE64);
}

/* The server's exchange, step by step: what each line leads to. */
struct exchange_case {
    const char *name;
    enum sasl_mech mech;
    const char *initial; /* NULL: none */
    const char *lines[3];
    enum sasl_step want[4];     /* after start, then after each line */
    const char *want_challenge; /* the first challenge, when there is one */
    const char *user, *password;
};

static const struct exchange_case exchange_cases[] = {
    {.name = "plain initial",
     SASL_MECH_PLAIN,
     "dGVzdAB0ZXN0ADEyMzQ=",
     {NULL},
     {SASL_STEP_DONE},
     NULL,
     "test",
     "1234"},
    {.name = "plain after empty challenge",
     SASL_MECH_PLAIN,
     NULL,
     {"dGVzdAB0ZXN0ADEyMzQ="},
     {SASL_STEP_CHALLENGE, SASL_STEP_DONE},
     "",
     "test",
     "1234"},
    {.name = "plain empty initial", SASL_MECH_PLAIN, "=", {NULL}, {SASL_STEP_FAILED}},
    {.name = "plain bad base64", SASL_MECH_PLAIN, "!!!!", {NULL}, {SASL_STEP_BAD_BASE64}},
    {.name = "login",
     SASL_MECH_LOGIN,
     NULL,
     {"YWxpY2U=", "c2VjcmV0"},
     {SASL_STEP_CHALLENGE, SASL_STEP_CHALLENGE, SASL_STEP_DONE},
     SASL_LOGIN_USERNAME_CHALLENGE,
     "alice",
     "secret"},
    {.name = "login initial user",
     SASL_MECH_LOGIN,
     "YWxpY2U=",
     {"c2VjcmV0"},
     {SASL_STEP_CHALLENGE, SASL_STEP_DONE},
     SASL_LOGIN_PASSWORD_CHALLENGE,
     "alice",
     "secret"},
    {.name = "login cancelled",
     SASL_MECH_LOGIN,
     NULL,
     {"*"},
     {SASL_STEP_CHALLENGE, SASL_STEP_CANCELLED}},
    {.name = "cram initial refused", SASL_MECH_CRAM_MD5, "abcd", {NULL}, {SASL_STEP_BAD_INITIAL}},
    {.name = "cram",
     SASL_MECH_CRAM_MD5,
     NULL,
     {"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"},
     {SASL_STEP_CHALLENGE, SASL_STEP_DONE},
     "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
     "tim",
     ""},
    {.name = "cram malformed",
     SASL_MECH_CRAM_MD5,
     NULL,
     {"dGltIHh5eg=="},
     {SASL_STEP_CHALLENGE, SASL_STEP_FAILED}},
};

static void test_exchange(struct harness *h)
{
    for (size_t i = 0; i < sizeof exchange_cases / sizeof exchange_cases[0]; i++) {
        const struct exchange_case *c = &exchange_cases[i];
        struct sasl_server x;
        char out[SASL_CHALLENGE_B64_MAX];
        enum sasl_step st = sasl_server_start(
            &x, c->mech, c->initial, "<1896.697170952@postoffice.reston.mci.net>", out, sizeof out);
        bool ok = CHECK_STR(h, sasl_step_name(st), sasl_step_name(c->want[0]));
        if (c->want_challenge) {
            ok &= CHECK_STR(h, out, c->want_challenge);
        }
        for (size_t k = 0; k < 3 && c->lines[k]; k++) {
            st = sasl_server_step(&x, c->lines[k], strlen(c->lines[k]), out, sizeof out);
            ok &= CHECK_STR(h, sasl_step_name(st), sasl_step_name(c->want[k + 1]));
        }
        if (c->user) {
            ok &= CHECK_STR(h, x.cred.user, c->user);
            ok &= CHECK_STR(h, x.cred.password, c->password);
        }
        if (c->mech == SASL_MECH_CRAM_MD5 && st == SASL_STEP_DONE) {
            ok &= CHECK(h, sasl_server_cram_md5_ok(&x, "tanstaaftanstaaf"));
            ok &= CHECK(h, !sasl_server_cram_md5_ok(&x, "tanstaaf"));
            ok &= CHECK(h, !sasl_server_cram_md5_ok(&x, NULL));
        }
        sasl_server_clear(&x);
        ok &= CHECK_STR(h, x.cred.password, "");
        if (!ok) {
            fprintf(stderr, "    case: exchange %s\n", c->name);
        }
    }
}

/* The one decoder of credentials: a response line as a person reads it, fields split by a NUL.
 * The authzid is left out of PLAIN's; what the mechanism rejects, it rejects too. */
static void test_reveal(struct harness *h)
{
    static const struct {
        enum sasl_mech mech;
        const char *b64;
        long want_rc;
        const char *want; /* with one '|' standing for the NUL between two fields */
    } cases[] = {
        /* RFC 4616 §4: "\0tim\0tanstaaftanstaaf" */
        {SASL_MECH_PLAIN, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm", 20, "tim|tanstaaftanstaaf"},
        /* RFC 4616 §4's second example: authzid Ursel, authcid Kurt, passwd xipj3plmq */
        {SASL_MECH_PLAIN, "VXJzZWwAS3VydAB4aXBqM3BsbXE=", 14, "Kurt|xipj3plmq"},
        {SASL_MECH_PLAIN, "YWxpY2U=", SASL_ERR_SYNTAX, NULL}, /* "alice": no NULs */
        {SASL_MECH_PLAIN, "not base64!", SASL_ERR_BASE64, NULL},
        {SASL_MECH_LOGIN, "YWxpY2U=", 5, "alice"},
        {SASL_MECH_LOGIN, "d29uZGVybGFuZA==", 10, "wonderland"},
        /* RFC 2195 §2's answer, "tim b913a602c7eda7a495b4e6e7334d3890" */
        {SASL_MECH_CRAM_MD5, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", 36,
         "tim|b913a602c7eda7a495b4e6e7334d3890"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[SASL_REVEAL_MAX];
        long rc = sasl_response_reveal(cases[i].mech, cases[i].b64, strlen(cases[i].b64), out,
                                       sizeof out);
        bool ok = CHECK_INT(h, rc, cases[i].want_rc);
        if (rc >= 0 && cases[i].want) {
            for (long k = 0; k < rc; k++) {
                out[k] = out[k] == 0 ? '|' : out[k];
            }
            ok &= CHECK_STR(h, out, cases[i].want);
        }
        if (!ok) {
            fprintf(stderr, "    case: reveal %s %s\n", sasl_mech_name(cases[i].mech),
                    cases[i].b64);
        }
    }
    char small[6];
    CHECK_INT(h, sasl_response_reveal(SASL_MECH_LOGIN, "d29uZGVybGFuZA==", 16, small, sizeof small),
              SASL_ERR_SPACE);
    /* RFC 4954 §4's LOGIN challenges, and an empty one (PLAIN's "334 ") */
    char text[SASL_CHALLENGE_MAX + 1];
    CHECK_INT(h, sasl_challenge_reveal(SASL_LOGIN_USERNAME_CHALLENGE, 12, text, sizeof text), 9);
    CHECK_STR(h, text, "Username:");
    CHECK_INT(h, sasl_challenge_reveal(SASL_LOGIN_PASSWORD_CHALLENGE, 12, text, sizeof text), 9);
    CHECK_STR(h, text, "Password:");
    CHECK_INT(h, sasl_challenge_reveal("", 0, text, sizeof text), 0);
    CHECK_STR(h, text, "");
    CHECK_INT(h, sasl_challenge_reveal("VXNlcm5hbWU", 11, text, sizeof text), SASL_ERR_BASE64);
}

int main(void)
{
    struct harness h = {"test_sasl", 0, 0};
    test_reveal(&h);
    test_mech_names(&h);
    test_plain(&h);
    test_login(&h);
    test_cram_md5(&h);
    test_exchange(&h);
    return harness_finish(&h);
}
