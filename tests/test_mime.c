/* test_mime: the one header and MIME reader of proto (mime.c): the field iterator over folded
 * lines, unfolded values, the header/body split with CRLF, bare LF or no empty line at all,
 * Content-Type and Content-Disposition parameters (quoting, escapes, white space and comments
 * around '=', case), CRLF canonical form, the entity/outer header split that S/MIME and
 * PGP/MIME share, and headers the earlier separate readers of smime and pgp read wrongly. */
#include "harness.h"
#include "mime.h"
#include "pgp.h"
#include "smime.h"

#include <stdio.h>
#include <string.h>

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

/* The text a buffer holds: buf keeps a NUL after its bytes once it has any. */
static const char *text(const struct buf *b)
{
    return b->data ? (const char *)b->data : "";
}

/* ---- the field iterator -------------------------------------------------------------------- */

#define FIELDS_MAX 4

struct fields_case {
    const char *what;
    const char *msg;
    size_t count;                   /* fields the iterator gives */
    const char *names[FIELDS_MAX];  /* each field's name; "" when it has none */
    const char *values[FIELDS_MAX]; /* each field's unfolded value; NULL: not checked */
    const char *texts[FIELDS_MAX];  /* each field's raw text, line end excluded */
    long body;                      /* where the iterator leaves *pos at the end */
};

static const struct fields_case fields_cases[] = {
    {"folded with CRLF (RFC 5322 2.2.3)",
     "Subject: one\r\n two\r\n\tthree\r\nFrom: a@a.example\r\n\r\nbody\r\n",
     2,
     {"Subject", "From"},
     {"one two\tthree", "a@a.example"},
     {"Subject: one\r\n two\r\n\tthree", "From: a@a.example"},
     49},
    {"folded with bare LF",
     "Subject: one\n two\nX-A: b\n\nbody",
     2,
     {"Subject", "X-A"},
     {"one two", "b"},
     {"Subject: one\n two", "X-A: b"},
     26},
    {"white space before the colon (RFC 5322 4.5.3) and around the value",
     "Subject \t:   spaced  \r\n\r\n",
     1,
     {"Subject"},
     {"spaced"},
     {"Subject \t:   spaced  "},
     25},
    {"a continuation line before any field, and a line without a colon",
     " orphan\r\nno colon here\r\nTo: b@b.example\r\n\r\n",
     3,
     {"", "", "To"},
     {"", "", "b@b.example"},
     {" orphan", "no colon here", "To: b@b.example"},
     43},
    {"no empty line: the header runs to the end, and the last line has no line end",
     "From: a@a.example\r\nSubject: x\r\n y",
     2,
     {"From", "Subject"},
     {"a@a.example", "x y"},
     {"From: a@a.example", "Subject: x\r\n y"},
     33},
    {"an empty header section", "\r\nbody", 0, {NULL}, {NULL}, {NULL}, 2},
    {"a folded value that is all white space",
     "X-Empty:\r\n \r\n\r\n",
     1,
     {"X-Empty"},
     {""},
     {"X-Empty:\r\n "},
     15},
};

static void test_fields(struct harness *h)
{
    for (size_t i = 0; i < sizeof fields_cases / sizeof fields_cases[0]; i++) {
        const struct fields_case *c = &fields_cases[i];
        size_t len = strlen(c->msg), pos = 0, n = 0;
        struct mime_field f;
        int failed = h->failed;
        while (mime_field_next(u8(c->msg), len, &pos, &f)) {
            if (!CHECK(h, n < c->count)) {
                break;
            }
            char name[64], value[128], text[128];
            snprintf(name, sizeof name, "%.*s", (int)f.name_len, (const char *)f.p);
            snprintf(text, sizeof text, "%.*s", (int)f.len, (const char *)f.p);
            CHECK_STR(h, name, c->names[n]);
            CHECK_STR(h, text, c->texts[n]);
            CHECK(h, f.name_len == 0 || mime_field_is(&f, c->names[n]));
            if (c->values[n]) {
                CHECK_INT(h, mime_field_value(&f, value, sizeof value),
                          (long long)strlen(c->values[n]));
                CHECK_STR(h, value, c->values[n]);
            }
            n++;
        }
        CHECK_INT(h, n, c->count);
        CHECK_INT(h, pos, c->body);
        if (h->failed != failed) {
            fprintf(stderr, "    in the case: %s\n", c->what);
        }
    }
}

/* ---- values by name, counts, the split ----------------------------------------------------- */

static void test_header_get(struct harness *h)
{
    static const char msg[] = "Received: from x\r\n\tby y\r\n"
                              "CONTENT-TYPE: text/plain;\r\n charset=\"utf-8\"\r\n"
                              "received: from z\r\n"
                              "Subject: a long subject line\r\n"
                              "\r\n"
                              "Subject: not a header field, the body\r\n";
    size_t len = sizeof msg - 1;
    char out[64];
    CHECK_INT(h, mime_header_get(u8(msg), len, "Content-Type", out, sizeof out), 27);
    CHECK_STR(h, out, "text/plain; charset=\"utf-8\"");
    CHECK_INT(h, mime_header_get(u8(msg), len, "received", out, sizeof out), 11);
    CHECK_STR(h, out, "from x\tby y");
    CHECK_INT(h, mime_header_count(u8(msg), len, "Received"), 2);
    CHECK_INT(h, mime_header_count(u8(msg), len, "Subject"), 1);
    CHECK_INT(h, mime_header_get(u8(msg), len, "Cc", out, sizeof out), -1);
    CHECK_STR(h, out, "");
    /* Cut like snprintf: the full length comes back. */
    char small[7];
    CHECK_INT(h, mime_header_get(u8(msg), len, "Subject", small, sizeof small), 19);
    CHECK_STR(h, small, "a long");
    CHECK_INT(h, mime_header_get(u8(msg), len, "Subject", small, 0), -1);
    /* A prefix of a field name is another name. */
    CHECK_INT(h, mime_header_get(u8(msg), len, "Content", out, sizeof out), -1);
    CHECK_INT(h, mime_header_get(u8(msg), len, "Content-Type-X", out, sizeof out), -1);
}

struct split_case {
    const char *msg;
    bool found;
    size_t header_len, body;
};

static const struct split_case split_cases[] = {
    {"A: b\r\n\r\nbody", true, 6, 8},
    {"A: b\n\nbody", true, 5, 6},
    {"A: b\r\n c\r\n\r\n", true, 10, 12}, /* nothing after the empty line */
    {"\r\nbody", true, 0, 2},             /* no fields at all */
    {"A: b\r\nB: c\r\n", false, 12, 12},  /* no empty line: all header */
    {"A: b\r\n \r\nbody", false, 13, 13}, /* a line of white space folds, it does not end */
    {"A: b\r\n\r", false, 7, 7},          /* a CR alone is no line end */
    {"", false, 0, 0},
};

static void test_split(struct harness *h)
{
    for (size_t i = 0; i < sizeof split_cases / sizeof split_cases[0]; i++) {
        const struct split_case *c = &split_cases[i];
        size_t header_len = 99, body = 99;
        CHECK_INT(h, mime_split(u8(c->msg), strlen(c->msg), &header_len, &body), c->found);
        CHECK_INT(h, header_len, c->header_len);
        CHECK_INT(h, body, c->body);
    }
    /* Without an empty line the fields are still read. */
    static const char nobody[] = "From: a@a.example\r\nContent-Type: text/plain";
    char out[32];
    CHECK_INT(h, mime_header_get(u8(nobody), sizeof nobody - 1, "Content-Type", out, sizeof out),
              10);
}

/* ---- parameters ---------------------------------------------------------------------------- */

struct param_case {
    const char *value;
    const char *name;
    const char *want; /* NULL: no such parameter, or malformed */
};

static const struct param_case param_cases[] = {
    /* token and quoted-string (RFC 2045 5.1) */
    {"multipart/mixed; boundary=simple", "boundary", "simple"},
    {"multipart/mixed; boundary=\"a b;c=d\"", "boundary", "a b;c=d"},
    {"text/plain; charset=\"\"", "charset", ""},
    /* quoted-pairs (RFC 822 3.4.4): the backslash goes, the octet after it stays */
    {"attachment; filename=\"say \\\"hi\\\".txt\"", "filename", "say \"hi\".txt"},
    {"attachment; filename=\"back\\\\slash\"", "filename", "back\\slash"},
    {"attachment; filename=\"a\\b\"", "filename", "ab"},
    /* white space around '=' and ';', folding left in */
    {"text/plain; charset = \"utf-8\"", "charset", "utf-8"},
    {"text/plain;charset=\tus-ascii ;format=flowed", "charset", "us-ascii"},
    {"text/plain;charset=\tus-ascii ;format=flowed", "format", "flowed"},
    {"multipart/mixed;\r\n boundary=\"x\"", "boundary", "x"},
    /* names without regard to case; values as they are */
    {"text/plain; CharSet=UTF-8", "charset", "UTF-8"},
    {"text/plain; charset=UTF-8", "CHARSET", "UTF-8"},
    /* comments (RFC 2045 5.1's own example) */
    {"text/plain; charset=us-ascii (Plain text)", "charset", "us-ascii"},
    {"text/plain; (a comment; with \\) and (nesting)) charset=x", "charset", "x"},
    /* a name is whole, a ';' or name inside another value is not one */
    {"multipart/mixed; x-boundary=a; boundary=b", "boundary", "b"},
    {"multipart/mixed; boundaryx=a", "boundary", NULL},
    {"multipart/mixed; name=\"x; boundary=evil\"; boundary=good", "boundary", "good"},
    {"multipart/mixed; name=\"x\\\"; boundary=evil\"; boundary=good", "boundary", "good"},
    {"multipart/mixed; boundary=first; boundary=second", "boundary", "first"},
    {"multipart/mixed", "boundary", NULL},
    {"boundary=x", "boundary", NULL}, /* the type comes first, it is no parameter */
    /* an unquoted '/' (RFC 1847 wants it quoted) is read leniently */
    {"multipart/encrypted; protocol=application/pgp-encrypted", "protocol",
     "application/pgp-encrypted"},
    /* malformed: no value, an unclosed quote, more than one value; the next one still counts */
    {"multipart/mixed; boundary=; charset=x", "boundary", NULL},
    {"multipart/mixed; boundary=; charset=x", "charset", "x"},
    {"multipart/mixed; boundary", "boundary", NULL},
    {"multipart/mixed; boundary=\"open", "boundary", NULL},
    {"multipart/mixed; boundary=\"x\\", "boundary", NULL},
    {"multipart/mixed; boundary=a b", "boundary", NULL},
    {"multipart/mixed; boundary=a b; boundary=c", "boundary", "c"},
    {"multipart/mixed; boundary=\"a\"b", "boundary", NULL},
};

static void test_params(struct harness *h)
{
    for (size_t i = 0; i < sizeof param_cases / sizeof param_cases[0]; i++) {
        const struct param_case *c = &param_cases[i];
        char out[64] = "untouched";
        long n = mime_param(c->value, c->name, out, sizeof out);
        if (!c->want) {
            if (!CHECK_INT(h, n, -1)) {
                fprintf(stderr, "    value: %s\n", c->value);
            }
            CHECK_STR(h, out, "");
            continue;
        }
        if (!CHECK_INT(h, n, (long long)strlen(c->want))) {
            fprintf(stderr, "    value: %s\n", c->value);
        }
        CHECK_STR(h, out, c->want);
    }
    /* Cut like snprintf, the full length returned; out may be NULL with cap 0. */
    char small[4];
    CHECK_INT(h, mime_param("a/b; boundary=\"abcdef\"", "boundary", small, sizeof small), 6);
    CHECK_STR(h, small, "abc");
    CHECK_INT(h, mime_param("a/b; boundary=\"abcdef\"", "boundary", NULL, 0), 6);
}

static void test_type_is(struct harness *h)
{
    CHECK(h, mime_type_is("Multipart/Encrypted; protocol=x", "multipart/encrypted"));
    CHECK(h, mime_type_is("text/plain", "text/plain"));
    CHECK(h, mime_type_is("text/plain (comment)", "text/plain"));
    CHECK(h, mime_type_is("text/plain ;charset=x", "text/plain"));
    CHECK(h, !mime_type_is("text/plains", "text/plain"));
    CHECK(h, !mime_type_is("text/plai", "text/plain"));
    CHECK(h, !mime_type_is("", "text/plain"));
    CHECK(h, !mime_type_is("text/plain", ""));
}

/* ---- writing ------------------------------------------------------------------------------- */

struct crlf_case {
    const char *in;
    const char *crlf;  /* mime_append_crlf */
    const char *lines; /* mime_append_lines */
};

static const struct crlf_case crlf_cases[] = {
    {"a\nb\r\nc\n", "a\r\nb\r\nc\r\n", "a\r\nb\r\nc\r\n"},
    {"\n\n", "\r\n\r\n", "\r\n\r\n"},
    {"no end", "no end", "no end\r\n"},
    {"", "", "\r\n"},
    {"cr\ralone", "cr\ralone", "cr\ralone\r\n"}, /* only bare LF is mended */
    {"\r\n", "\r\n", "\r\n"},
};

static void test_crlf(struct harness *h)
{
    for (size_t i = 0; i < sizeof crlf_cases / sizeof crlf_cases[0]; i++) {
        const struct crlf_case *c = &crlf_cases[i];
        struct buf b;
        buf_init(&b, 0);
        buf_append_str(&b, "<");
        CHECK_INT(h, mime_append_crlf(&b, u8(c->in), strlen(c->in)), 0);
        CHECK_STR(h, text(&b) + 1, c->crlf);
        buf_clear(&b);
        CHECK_INT(h, mime_append_lines(&b, u8(c->in), strlen(c->in)), 0);
        CHECK_STR(h, text(&b), c->lines);
        buf_free(&b);
    }
    /* Over the buffer's limit: -1 and the buffer as it was, even half way through. */
    struct buf b;
    buf_init(&b, 8);
    buf_append_str(&b, "ab");
    CHECK_INT(h, mime_append_crlf(&b, u8("1\n2\n3\n"), 6), -1);
    CHECK_STR(h, text(&b), "ab");
    CHECK_INT(h, mime_append_lines(&b, u8("cdefgh"), 6), -1);
    CHECK_STR(h, text(&b), "ab");
    buf_free(&b);
}

/* The header of the wrapped entity and the one that stays outside, as S/MIME and PGP/MIME
 * split a message. */
static const char ENTITY_MSG[] = "From: a@a.example\n"
                                 "MIME-Version: 1.0\r\n"
                                 "Content-Type: text/plain;\n charset=utf-8\r\n"
                                 "Subject: hi\r\n"
                                 "content-transfer-encoding: 8bit\r\n"
                                 "Content-: not a MIME field\r\n"
                                 "\r\n"
                                 "Content-Type: the body\r\n";

struct entity_case {
    int (*append)(struct buf *out, const uint8_t *msg, size_t len);
    const char *msg;
    const char *want;
};

static const struct entity_case entity_cases[] = {
    {mime_append_content_fields, ENTITY_MSG,
     "Content-Type: text/plain;\r\n charset=utf-8\r\ncontent-transfer-encoding: 8bit\r\n"},
    {mime_append_other_fields, ENTITY_MSG,
     "From: a@a.example\r\nSubject: hi\r\nContent-: not a MIME field\r\n"},
    /* RFC 2045 5.2's default, made explicit */
    {mime_append_content_fields, "From: a@a.example\r\nContent-Transfer-Encoding: 7bit\r\n\r\nx",
     "Content-Transfer-Encoding: 7bit\r\nContent-Type: text/plain; charset=us-ascii\r\n"},
    {mime_append_other_fields, "MIME-Version: 1.0\r\n\r\n", ""},
};

static void test_entity_fields(struct harness *h)
{
    for (size_t i = 0; i < sizeof entity_cases / sizeof entity_cases[0]; i++) {
        const struct entity_case *c = &entity_cases[i];
        struct buf b;
        buf_init(&b, 0);
        CHECK_INT(h, c->append(&b, u8(c->msg), strlen(c->msg)), 0);
        CHECK_STR(h, text(&b), c->want);
        buf_free(&b);
    }
}

static void test_err(struct harness *h)
{
    char err[8] = "";
    CHECK_INT(h, mime_err_setf(err, sizeof err, "bad %s", "boundary"), -1);
    CHECK_STR(h, err, "bad bou");
    CHECK_INT(h, mime_err_setf(NULL, 0, "ignored"), -1);
}

/* ---- headers the earlier readers got wrong --------------------------------------------------- */

static void test_misread_before(struct harness *h)
{
    /* smime's reader took every '"' as a quote, so the escaped one in name= ended the string
     * early and smime-type seemed to sit inside quotes: the message was "not encrypted". */
    static const char escaped[] =
        "From: a@a.example\r\n"
        "Content-Type: application/pkcs7-mime; name=\"smime\\\".p7m\";\r\n"
        " smime-type=enveloped-data\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n";
    CHECK(h, smime_is_encrypted(u8(escaped), sizeof escaped - 1));
    /* smime's reader wanted "smime-type=" with no space before the '='. */
    static const char spaced[] = "Content-Type: application/pkcs7-mime;\r\n"
                                 "\tsmime-type = \"enveloped-data\" (S/MIME)\r\n\r\nAAAA\r\n";
    CHECK(h, smime_is_encrypted(u8(spaced), sizeof spaced - 1));
    /* and now reads what it must refuse the same way pgp does */
    static const char signed_data[] = "Content-Type: application/pkcs7-mime; smime-type =\r\n"
                                      " signed-data\r\n\r\nAAAA\r\n";
    CHECK(h, !smime_is_encrypted(u8(signed_data), sizeof signed_data - 1));
    /* pgp's reader knew no comments: the ';' inside this one started a parameter there, and
     * the message seemed to use another protocol. */
    static const char pgp[] = "Content-Type: multipart/encrypted (PGP/MIME);\r\n"
                              " boundary=\"b\" (see; protocol=application/x-other);\r\n"
                              " protocol=\"application/pgp-encrypted\"\r\n\r\n";
    CHECK(h, pgp_is_encrypted(u8(pgp), sizeof pgp - 1));
    static const char pgp_bad[] = "Content-Type: multipart/encrypted;\r\n"
                                  " protocol=\"application/pgp-encrypted\\\"x\"\r\n\r\n";
    CHECK(h, !pgp_is_encrypted(u8(pgp_bad), sizeof pgp_bad - 1));
}

static const struct harness_test test_mime_tests[] = {
    HARNESS_TEST(test_fields),         HARNESS_TEST(test_header_get),
    HARNESS_TEST(test_split),          HARNESS_TEST(test_params),
    HARNESS_TEST(test_type_is),        HARNESS_TEST(test_crlf),
    HARNESS_TEST(test_entity_fields),  HARNESS_TEST(test_err),
    HARNESS_TEST(test_misread_before),
};

int main(int argc, char **argv)
{
    return HARNESS_MAIN("test_mime", test_mime_tests, argc, argv);
}
