/* test_message: the RFC 5322 helpers: dates, Message-IDs, building (RFC 2047 subjects, 7bit and
 * 8bit bodies, folding), the Received: line, reading header fields back, message_check().
 * Set MAILSIM_MESSAGE_OUT=FILE to keep a built Japanese message for checking by hand. */
#include "harness.h"
#include "message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_bytes(struct harness *h, const char *name, const struct buf *got,
                        const char *want, int line)
{
    size_t wlen = strlen(want);
    bool ok = got->len == wlen && (wlen == 0 || memcmp(got->data, want, wlen) == 0);
    if (!harness_check(h, ok, name, __FILE__, line)) {
        fprintf(stderr, "    got:  \"%.*s\"\n    want: \"%s\"\n", (int)got->len,
                got->data ? (const char *)got->data : "", want);
    }
}

/* ---- dates ----------------------------------------------------------------------------------- */

struct date_case {
    long long t;
    int tz;
    const char *want; /* NULL: must fail */
};

/* Expected values from Python's email.utils.format_datetime. */
static const struct date_case date_cases[] = {
    {1795776002, 540, "Fri, 27 Nov 2026 19:40:02 +0900"},
    {0, 0, "Thu, 01 Jan 1970 00:00:00 +0000"},
    {1709208000, 0, "Thu, 29 Feb 2024 12:00:00 +0000"},   /* leap day */
    {951825600, -480, "Tue, 29 Feb 2000 04:00:00 -0800"}, /* leap day of a 400th year */
    {-2203891201, 0, "Wed, 28 Feb 1900 23:59:59 +0000"},  /* 1900 is no leap year */
    {-2203891200, 0, "Thu, 01 Mar 1900 00:00:00 +0000"},
    {-2208988800, 0, "Mon, 01 Jan 1900 00:00:00 +0000"},
    {1795776002, -300, "Fri, 27 Nov 2026 05:40:02 -0500"}, /* negative zone */
    {1795776002, -210, "Fri, 27 Nov 2026 07:10:02 -0330"}, /* negative zone, half hour */
    {1798759800, 60, "Fri, 01 Jan 2027 00:30:00 +0100"},   /* the zone moves the year */
    {-1, 0, "Wed, 31 Dec 1969 23:59:59 +0000"},
    {2147483648LL, 0, "Tue, 19 Jan 2038 03:14:08 +0000"}, /* past 32-bit time_t */
    {253402300799LL, 0, "Fri, 31 Dec 9999 23:59:59 +0000"},
    {-2208988801LL, 0, NULL},  /* 1899 */
    {253402300800LL, 0, NULL}, /* year 10000 */
    {0, 6000, NULL},           /* zone beyond +9959 */
    {0, -6000, NULL},
};

static void test_dates(struct harness *h)
{
    for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
        const struct date_case *c = &date_cases[i];
        char out[MESSAGE_DATE_SIZE];
        int n = message_date_format((time_t)c->t, c->tz, out, sizeof out);
        if (c->want) {
            CHECK_INT(h, n, (long long)strlen(c->want));
            CHECK_STR(h, out, c->want);
        } else {
            CHECK_INT(h, n, -1);
        }
    }
    char small[31]; /* one octet short */
    CHECK_INT(h, message_date_format(1795776002, 540, small, sizeof small), -1);
}

static void test_message_id(struct harness *h)
{
    char out[128];
    CHECK_INT(h, message_id_format("20261127194002.1a2b", "a.example", out, sizeof out), 31);
    CHECK_STR(h, out, "<20261127194002.1a2b@a.example>");
    CHECK_INT(h, message_id_format("a..b", "a.example", out, sizeof out), -1);
    CHECK_INT(h, message_id_format(".a", "a.example", out, sizeof out), -1);
    CHECK_INT(h, message_id_format("a b", "a.example", out, sizeof out), -1);
    CHECK_INT(h, message_id_format("x@y", "a.example", out, sizeof out), -1);
    CHECK_INT(h, message_id_format("x", "", out, sizeof out), -1);
    CHECK_INT(h, message_id_format("x", "a.example>", out, sizeof out), -1);
    CHECK_INT(h, message_id_format("abc", "a.example", out, 8), -1);
}

/* ---- building -------------------------------------------------------------------------------- */

static const char *const to_two[] = {"Bob <bob@b.example>", "carol@b.example"};
static const char *const cc_one[] = {"dave@c.example"};

static struct message_spec base_spec(void)
{
    struct message_spec sp = {
        .from = "Alice <alice@a.example>",
        .to = to_two,
        .to_count = 2,
        .subject = "Lunch",
        .date = 1795776002,
        .tz_minutes = 540,
        .message_id_local = "20261127194002.1a2b",
        .message_id_domain = "a.example",
        .body = "Hello\nWorld",
    };
    return sp;
}

static void test_build_ascii(struct harness *h)
{
    struct message_field extra[] = {{"X-Mailer", "mailsim"}};
    struct message_spec sp = base_spec();
    sp.cc = cc_one;
    sp.cc_count = 1;
    sp.extra = extra;
    sp.extra_count = 1;
    struct buf b;
    buf_init(&b, 0);
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    check_bytes(h, "ascii message", &b,
                "Date: Fri, 27 Nov 2026 19:40:02 +0900\r\n"
                "From: Alice <alice@a.example>\r\n"
                "To: Bob <bob@b.example>, carol@b.example\r\n"
                "Cc: dave@c.example\r\n"
                "Subject: Lunch\r\n"
                "Message-ID: <20261127194002.1a2b@a.example>\r\n"
                "X-Mailer: mailsim\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: 7bit\r\n"
                "\r\n"
                "Hello\r\n"
                "World\r\n",
                __LINE__);
    CHECK_INT(h, message_check(b.data, b.len, NULL), MESSAGE_CHECK_OK);
    buf_free(&b);

    /* Line ends: CR, LF and CRLF all become CRLF; a trailing CRLF is not doubled. */
    sp = base_spec();
    sp.body = "a\rb\nc\r\nd\r\n";
    buf_init(&b, 0);
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    size_t hl;
    size_t bo;
    CHECK(h, message_split(b.data, b.len, &hl, &bo));
    CHECK_INT(h, b.len - bo, 12);
    CHECK(h, memcmp(b.data + bo, "a\r\nb\r\nc\r\nd\r\n", 12) == 0);
    buf_free(&b);

    /* An empty body: the message ends with the empty line. */
    sp = base_spec();
    sp.body = NULL;
    sp.subject = NULL;
    sp.message_id_local = NULL;
    buf_init(&b, 0);
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    CHECK(h, b.len > 4 && memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    CHECK_INT(h, message_header_count(b.data, b.len, "Subject"), 0);
    CHECK_INT(h, message_header_count(b.data, b.len, "Message-ID"), 0);
    buf_free(&b);
}

static void test_build_8bit_and_errors(struct harness *h)
{
    struct buf b;
    buf_init(&b, 0);
    struct message_spec sp = base_spec();
    sp.body = "こんにちは\n";
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    char v[128];
    CHECK(h, message_header_get(b.data, b.len, "Content-Transfer-Encoding", v, sizeof v) == 4);
    CHECK_STR(h, v, "8bit");
    buf_free(&b);

    /* Errors leave the buffer as it was. */
    struct errcase {
        const char *name;
        enum message_error want;
        struct message_spec sp;
    } cases[8];
    size_t n = 0;
    static char long_line[1001];
    memset(long_line, 'x', 999);
    long_line[999] = '\n';
    long_line[1000] = 0;
    static const char *const injected[] = {"bob@b.example\r\nBcc: eve@e.example"};
    struct message_field bad_name[] = {{"X Bad", "v"}};
    struct message_field bad_value[] = {{"X-Ok", "v\r\nBcc: eve@e.example"}};

    cases[n] = (struct errcase){"subject with CRLF", MESSAGE_ERR_HEADER_CRLF, base_spec()};
    cases[n++].sp.subject = "hi\r\nBcc: eve@e.example";
    cases[n] = (struct errcase){"to with CRLF", MESSAGE_ERR_HEADER_CRLF, base_spec()};
    cases[n].sp.to = injected;
    cases[n++].sp.to_count = 1;
    cases[n] = (struct errcase){"invalid UTF-8 subject", MESSAGE_ERR_BAD_UTF8, base_spec()};
    cases[n++].sp.subject = "caf\xe9";
    cases[n] = (struct errcase){"body line of 999 octets", MESSAGE_ERR_LINE_TOO_LONG, base_spec()};
    cases[n++].sp.body = long_line;
    cases[n] = (struct errcase){"bad extra field name", MESSAGE_ERR_BAD_FIELD_NAME, base_spec()};
    cases[n].sp.extra = bad_name;
    cases[n++].sp.extra_count = 1;
    cases[n] = (struct errcase){"extra value with CRLF", MESSAGE_ERR_HEADER_CRLF, base_spec()};
    cases[n].sp.extra = bad_value;
    cases[n++].sp.extra_count = 1;
    cases[n] = (struct errcase){"no recipients", MESSAGE_ERR_MISSING, base_spec()};
    cases[n++].sp.to_count = 0;
    cases[n] = (struct errcase){"bad Message-ID", MESSAGE_ERR_BAD_MESSAGE_ID, base_spec()};
    cases[n++].sp.message_id_local = "a b";
    for (size_t i = 0; i < n; i++) {
        buf_init(&b, 0);
        buf_append_str(&b, "keep");
        enum message_error e = message_build(&cases[i].sp, &b);
        if (!harness_check(h, e == cases[i].want, cases[i].name, __FILE__, __LINE__)) {
            fprintf(stderr, "    got %s\n", message_error_name(e));
        }
        check_bytes(h, cases[i].name, &b, "keep", __LINE__);
        buf_free(&b);
    }
    /* A body line of exactly 998 octets is fine. */
    long_line[998] = '\n';
    long_line[999] = 0;
    sp = base_spec();
    sp.body = long_line;
    buf_init(&b, 0);
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    CHECK_INT(h, message_check(b.data, b.len, NULL), MESSAGE_CHECK_OK);
    buf_free(&b);
    CHECK_STR(h, message_error_name(MESSAGE_ERR_LINE_TOO_LONG), "a line longer than 998 octets");
}

/* Every line of the header section: at most max columns. */
static bool header_lines_within(const struct buf *b, size_t max)
{
    size_t hl;
    size_t bo;
    if (!message_split(b->data, b->len, &hl, &bo)) {
        return false;
    }
    size_t col = 0;
    for (size_t i = 0; i < hl; i++) {
        if (b->data[i] == '\r') {
            continue;
        }
        col = b->data[i] == '\n' ? 0 : col + 1;
        if (col > max) {
            return false;
        }
    }
    return true;
}

static void test_rfc2047(struct harness *h)
{
    struct buf b;
    char v[512];
    char d[512];
    buf_init(&b, 0);
    struct message_spec sp = base_spec();
    sp.subject = "会議の件";
    sp.body = "明日の会議は10時からです。\n";
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    CHECK(h, message_header_get(b.data, b.len, "Subject", v, sizeof v) > 0);
    CHECK_STR(h, v, "=?UTF-8?B?5Lya6K2w44Gu5Lu2?=");
    CHECK_INT(h, message_decode_words(v, d, sizeof d), strlen("会議の件"));
    CHECK_STR(h, d, "会議の件");
    CHECK_INT(h, message_check(b.data, b.len, NULL), MESSAGE_CHECK_OK);
    const char *keep = getenv("MAILSIM_MESSAGE_OUT");
    if (keep) {
        FILE *f = fopen(keep, "wb");
        if (f) {
            fwrite(b.data, 1, b.len, f);
            fclose(f);
        }
    }
    buf_free(&b);

    /* A long subject: several words, each line within 76 columns, no character split. */
    const char *longs = "会議の件についてのご連絡と来週の打ち合わせ日程の再調整のお願い";
    sp.subject = longs;
    buf_init(&b, 0);
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    CHECK(h, header_lines_within(&b, MESSAGE_ENCODED_LINE_MAX));
    CHECK(h, message_header_get(b.data, b.len, "Subject", v, sizeof v) > 0);
    CHECK_INT(h, message_decode_words(v, d, sizeof d), strlen(longs));
    CHECK_STR(h, d, longs);
    size_t words = 0;
    for (char *p = strstr(v, "=?"); p; p = strstr(p + 2, "=?")) {
        char one[128];
        char dec[128];
        char *end = strstr(p, "?=");
        size_t len = (size_t)(end + 2 - p);
        CHECK(h, len <= MESSAGE_ENCODED_WORD_MAX);
        memcpy(one, p, len);
        one[len] = 0;
        long got = message_decode_words(one, dec, sizeof dec);
        CHECK(h, got > 0 && got % 3 == 0); /* whole three-octet characters only */
        words++;
    }
    CHECK_INT(h, words, 3);
    buf_free(&b);

    /* An ASCII subject that looks like an encoded-word is encoded, so it reads back as typed. */
    sp.subject = "=?UTF-8?B?5Lya?=";
    buf_init(&b, 0);
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    message_header_get(b.data, b.len, "Subject", v, sizeof v);
    message_decode_words(v, d, sizeof d);
    CHECK_STR(h, d, "=?UTF-8?B?5Lya?=");
    buf_free(&b);

    struct {
        const char *in;
        const char *want;
    } dec[] = {
        {"=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"},
        {"=?ISO-8859-1?Q?caf=E9?=", "café"},
        {"=?UTF-8?B?5Lya6K2w?= =?UTF-8?B?44Gu5Lu2?=", "会議の件"},
        {"=?UTF-8?B?5Lya6K2w?=\r\n =?UTF-8?B?44Gu5Lu2?=", "会議の件"},
        {"Re: =?UTF-8?B?5Lya6K2w44Gu5Lu2?= (draft)", "Re: 会議の件 (draft)"},
        {"=?UTF-8*ja?B?5Lya6K2w44Gu5Lu2?=", "会議の件"},
        {"=?UTF-8?B?5Lya6K2w44Gu5Lu2?=", "会議の件"},
        {"=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
        {"=?KOI8-R?B?5Lya?=", "=?KOI8-R?B?5Lya?="},
        {"=?UTF-8?Q?bad=Z1?=", "=?UTF-8?Q?bad=Z1?="},
        {"=?UTF-8?B?5Lya", "=?UTF-8?B?5Lya"},
        {"plain  text ", "plain  text "},
        {"a =?UTF-8?Q?b?= c", "a b c"},
    };
    for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++) {
        message_decode_words(dec[i].in, d, sizeof d);
        CHECK_STR(h, d, dec[i].want);
    }
    /* Truncation is reported like snprintf. */
    char tiny[4];
    CHECK_INT(h, message_decode_words("=?UTF-8?B?5Lya6K2w44Gu5Lu2?=", tiny, sizeof tiny), 12);
    CHECK_INT(h, strlen(tiny), 3);
}

static void test_folding(struct harness *h)
{
    static const char *const many[] = {
        "Recipient Number One <one@recipients.example>",
        "Recipient Number Two <two@recipients.example>",
        "Recipient Number Three <three@recipients.example>",
        "four@recipients.example",
    };
    const char *subject = "This subject is long enough that it has to be folded at least once, "
                          "maybe twice, to stay within the recommended seventy-eight columns";
    struct message_spec sp = base_spec();
    sp.to = many;
    sp.to_count = 4;
    sp.subject = subject;
    struct buf b;
    buf_init(&b, 0);
    CHECK_INT(h, message_build(&sp, &b), MESSAGE_OK);
    CHECK(h, header_lines_within(&b, MESSAGE_LINE_SOFT));
    char v[512];
    CHECK_INT(h, message_header_get(b.data, b.len, "subject", v, sizeof v), strlen(subject));
    CHECK_STR(h, v, subject);
    CHECK(h, message_header_get(b.data, b.len, "TO", v, sizeof v) > 0);
    CHECK_STR(h, v,
              "Recipient Number One <one@recipients.example>, Recipient Number Two "
              "<two@recipients.example>, Recipient Number Three <three@recipients.example>, "
              "four@recipients.example");
    CHECK_INT(h, message_check(b.data, b.len, NULL), MESSAGE_CHECK_OK);
    buf_free(&b);
}

/* ---- Received: ------------------------------------------------------------------------------- */

struct received_case {
    const char *name;
    struct message_received r;
    const char *want;
};

static const struct received_case received_cases[] = {
    {"received",
     {.helo = "mail.a.example",
      .rdns = "mail.a.example",
      .ip = "192.0.2.10",
      .by = "mx.b.example",
      .with = MESSAGE_WITH_ESMTPS,
      .id = "4F1C2A0B3",
      .rcpt = "bob@b.example",
      .date = 1795776002,
      .tz_minutes = 540},
     "Received: from mail.a.example (mail.a.example [192.0.2.10])\r\n"
     "\tby mx.b.example (mailsim) with ESMTPS id 4F1C2A0B3\r\n"
     "\tfor <bob@b.example>; Fri, 27 Nov 2026 19:40:02 +0900\r\n"},
    {"received, no rdns, IPv6, no rcpt",
     {.helo = "[192.0.2.99]",
      .ip = "2001:db8::25",
      .by = "mx.b.example",
      .with = MESSAGE_WITH_SMTP,
      .id = "4F1C2A0B3",
      .date = 1795776002,
      .tz_minutes = 540},
     "Received: from [192.0.2.99] (unknown [IPv6:2001:db8::25])\r\n"
     "\tby mx.b.example (mailsim) with SMTP id 4F1C2A0B3;\r\n"
     "\tFri, 27 Nov 2026 19:40:02 +0900\r\n"},
};

static void test_received(struct harness *h)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < sizeof received_cases / sizeof received_cases[0]; i++) {
        buf_clear(&b);
        CHECK_INT(h, message_received_line(&received_cases[i].r, &b), MESSAGE_OK);
        check_bytes(h, received_cases[i].name, &b, received_cases[i].want, __LINE__);
    }
    /* A CR LF in any field would start a header of the client's choosing: refused, and what the
     * buffer held is left as it was. */
    struct message_received r = received_cases[1].r;
    r.helo = "evil\r\nX-Injected: yes";
    buf_clear(&b);
    buf_append_str(&b, "keep");
    CHECK_INT(h, message_received_line(&r, &b), MESSAGE_ERR_HEADER_CRLF);
    check_bytes(h, "received injection refused", &b, "keep", __LINE__);
    buf_free(&b);

    CHECK_INT(h, message_with_for(false, false, false), MESSAGE_WITH_SMTP);
    CHECK_INT(h, message_with_for(true, false, false), MESSAGE_WITH_ESMTP);
    CHECK_INT(h, message_with_for(true, false, true), MESSAGE_WITH_ESMTPA);
    CHECK_INT(h, message_with_for(true, true, false), MESSAGE_WITH_ESMTPS);
    CHECK_INT(h, message_with_for(true, true, true), MESSAGE_WITH_ESMTPSA);
    CHECK_STR(h, message_with_name(MESSAGE_WITH_ESMTPSA), "ESMTPSA");
}

/* ---- reading --------------------------------------------------------------------------------- */

static void test_header_access(struct harness *h)
{
    static const char msg[] = "Received: from a\r\n\tby b; Fri, 27 Nov 2026 19:40:02 +0900\r\n"
                              "Subject: a long\r\n  folded\r\n\tvalue  \r\n"
                              "received: from c by d; Fri, 27 Nov 2026 19:40:01 +0900\r\n"
                              "X-Empty:\r\n"
                              "Old-Style : obsolete\r\n"
                              "RECEIVED: from e\r\n"
                              "\r\n"
                              "Subject: not a header, in the body\r\n";
    const uint8_t *d = (const uint8_t *)msg;
    size_t n = sizeof msg - 1;
    char v[64];
    CHECK_INT(h, message_header_get(d, n, "SUBJECT", v, sizeof v), 20);
    CHECK_STR(h, v, "a long  folded\tvalue");
    CHECK_INT(h, message_header_count(d, n, "Received"), 3);
    CHECK_INT(h, message_header_count(d, n, "Subject"), 1);
    CHECK_INT(h, message_header_get(d, n, "Received", v, sizeof v), 44);
    CHECK_STR(h, v, "from a\tby b; Fri, 27 Nov 2026 19:40:02 +0900");
    CHECK_INT(h, message_header_get(d, n, "X-Empty", v, sizeof v), 0);
    CHECK_STR(h, v, "");
    CHECK_INT(h, message_header_get(d, n, "Old-Style", v, sizeof v), 8);
    CHECK_INT(h, message_header_get(d, n, "Missing", v, sizeof v), -1);
    CHECK_INT(h, message_header_get(d, n, "Receive", v, sizeof v), -1);
    char small[5];
    CHECK_INT(h, message_header_get(d, n, "Subject", small, sizeof small), 20);
    CHECK_STR(h, small, "a lo");
    size_t hl;
    size_t bo;
    CHECK(h, message_split(d, n, &hl, &bo));
    CHECK_INT(h, bo, hl + 2);
    CHECK(h, memcmp(msg + bo, "Subject: not", 12) == 0);
    CHECK(h, !message_split((const uint8_t *)"A: b\r\n", 6, &hl, &bo));

    /* Bare-LF messages are read leniently. */
    static const char lf[] = "Subject: x\n y\nFrom: a\n\nbody\n";
    CHECK_INT(h, message_header_get((const uint8_t *)lf, sizeof lf - 1, "Subject", v, sizeof v), 3);
    CHECK_STR(h, v, "x y");
    CHECK(h, message_split((const uint8_t *)lf, sizeof lf - 1, &hl, &bo));
    CHECK_INT(h, bo, 23);
}

/* ---- checking -------------------------------------------------------------------------------- */

#define HDR "Date: Fri, 27 Nov 2026 19:40:02 +0900\r\nFrom: a@a.example\r\n"

struct check_case {
    const char *name;
    const char *data;
    size_t len; /* 0: strlen */
    enum message_check want;
    size_t want_offset;
};

static const struct check_case check_cases[] = {
    {"good", HDR "\r\nbody\r\n", 0, MESSAGE_CHECK_OK, 0},
    {"good, empty body", HDR "\r\n", 0, MESSAGE_CHECK_OK, 0},
    {"good, folded field", HDR "Subject: a\r\n b\r\n\r\n", 0, MESSAGE_CHECK_OK, 0},
    {"good, last body line without CRLF", HDR "\r\nbody", 0, MESSAGE_CHECK_OK, 0},
    {"bare LF in body", HDR "\r\nline\nnext\r\n", 0, MESSAGE_CHECK_BARE_LF, 64},
    {"bare LF in header", "Date: x\nFrom: y\r\n\r\n", 0, MESSAGE_CHECK_BARE_LF, 7},
    {"bare CR", HDR "\r\nli\rne\r\n", 0, MESSAGE_CHECK_BARE_CR, 62},
    {"CR at the very end", HDR "\r\nx\r", 0, MESSAGE_CHECK_BARE_CR, 61},
    {"NUL", HDR "\r\nab\0c\r\n", 66, MESSAGE_CHECK_NUL, 62},
    {"no blank line", HDR, 0, MESSAGE_CHECK_NO_BLANK_LINE, 58},
    {"no blank line, last line unterminated", HDR "X: y", 0, MESSAGE_CHECK_NO_BLANK_LINE, 62},
    {"space in field name", HDR "Bad Name: x\r\n\r\n", 0, MESSAGE_CHECK_BAD_FIELD_NAME, 61},
    {"space before colon (obsolete)", HDR "Subject : x\r\n\r\n", 0, MESSAGE_CHECK_BAD_FIELD_NAME,
     65},
    {"8-bit field name",
     HDR "S\xc3\xbc"
         "bject: x\r\n\r\n",
     0, MESSAGE_CHECK_BAD_FIELD_NAME, 59},
    {"empty field name", HDR ": x\r\n\r\n", 0, MESSAGE_CHECK_BAD_FIELD_NAME, 58},
    {"no colon", HDR "Nocolon\r\n\r\n", 0, MESSAGE_CHECK_NO_COLON, 58},
    {"body text without the empty line", HDR "Hello there\r\n", 0, MESSAGE_CHECK_NO_COLON, 58},
    {"continuation first", " x: y\r\n" HDR "\r\n", 0, MESSAGE_CHECK_CONTINUATION_FIRST, 0},
    {"no Date", "From: a@a.example\r\n\r\nx\r\n", 0, MESSAGE_CHECK_NO_DATE, 0},
    {"no From", "Date: Fri, 27 Nov 2026 19:40:02 +0900\r\n\r\n", 0, MESSAGE_CHECK_NO_FROM, 0},
    {"empty input", "", 0, MESSAGE_CHECK_NO_BLANK_LINE, 0},
};

static void test_check(struct harness *h)
{
    for (size_t i = 0; i < sizeof check_cases / sizeof check_cases[0]; i++) {
        const struct check_case *c = &check_cases[i];
        size_t off = 12345;
        size_t len = c->len ? c->len : strlen(c->data);
        enum message_check got = message_check((const uint8_t *)c->data, len, &off);
        bool ok = got == c->want && off == c->want_offset;
        if (!harness_check(h, ok, c->name, __FILE__, __LINE__)) {
            fprintf(stderr, "    got %s at %zu, want %s at %zu\n", message_check_name(got), off,
                    message_check_name(c->want), c->want_offset);
        }
    }
    /* Line length: 998 octets pass, 999 do not. */
    size_t len = strlen(HDR "\r\n") + 999 + 2;
    char *big = malloc(len + 1);
    if (!big) {
        abort();
    }
    memcpy(big, HDR "\r\n", strlen(HDR "\r\n"));
    memset(big + strlen(HDR "\r\n"), 'x', 999);
    memcpy(big + len - 2, "\r\n", 2);
    size_t off;
    CHECK_INT(h, message_check((const uint8_t *)big, len, &off), MESSAGE_CHECK_LINE_TOO_LONG);
    CHECK_INT(h, off, 60);
    memcpy(big + len - 3, "\r\n", 2);
    CHECK_INT(h, message_check((const uint8_t *)big, len - 1, &off), MESSAGE_CHECK_OK);
    free(big);
    CHECK_STR(h, message_check_name(MESSAGE_CHECK_BARE_LF), "LF not preceded by CR");
}

int main(void)
{
    struct harness h = {"test_message", 0, 0};
    test_dates(&h);
    test_message_id(&h);
    test_build_ascii(&h);
    test_build_8bit_and_errors(&h);
    test_rfc2047(&h);
    test_folding(&h);
    test_received(&h);
    test_header_access(&h);
    test_check(&h);
    return harness_finish(&h);
}
