/* test_sniffer: the eavesdropper's line parsers (agents/sniff.c), table-driven. Each case is a
 * conversation as a tap sees it — bytes from the client (C) and the server (S), in the order
 * they were sent, TLS records in lower case (c, s) — fed whole, then one byte at a time, and
 * must give exactly the findings listed. */
#include "harness.h"
#include "sniff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNIFF_TEST_STEPS 12

struct sniff_step {
    char side; /* 'C', 'S'; 'c', 's' for TLS records */
    const char *bytes;
};

struct sniff_case {
    const char *name;
    enum sniff_proto proto;
    struct sniff_step steps[SNIFF_TEST_STEPS];
    const char *want; /* "finding=value\n" for each finding, in order */
};

static const struct sniff_case sniff_cases[] = {
    {"smtp auth plain initial response",
     SNIFF_SMTP,
     {{'S', "220 mail.a.example ESMTP\r\n"},
      {'C', "EHLO pc\r\n"},
      {'S', "250-mail.a.example\r\n250 AUTH PLAIN LOGIN\r\n"},
      {'C', "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"},
      {'S', "235 2.7.0 Authentication successful\r\n"}},
     "username=alice\npassword=wonderland\n"},
    {"smtp auth plain after an empty 334",
     SNIFF_SMTP,
     {{'C', "AUTH PLAIN\r\n"},
      {'S', "334 \r\n"},
      {'C', "AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"},
      {'S', "235 2.7.0 Authentication successful\r\n"},
      {'C', "MAIL FROM:<alice@a.example>\r\n"}},
     "username=alice\npassword=wonderland\nmail_from=alice@a.example\n"},
    {"smtp auth plain with an authzid",
     SNIFF_SMTP,
     {{'C', "AUTH PLAIN YWRtaW4AYWxpY2UAd29uZGVybGFuZA==\r\n"}},
     "username=alice\npassword=wonderland\n"},
    {"smtp auth login, two challenges",
     SNIFF_SMTP,
     {{'C', "AUTH LOGIN\r\n"},
      {'S', "334 VXNlcm5hbWU6\r\n"},
      {'C', "ZGF2ZQ==\r\n"},
      {'S', "334 UGFzc3dvcmQ6\r\n"},
      {'C', "c3dvcmRmaXNo\r\n"},
      {'S', "235 2.7.0 Authentication successful\r\n"}},
     "username=dave\npassword=swordfish\n"},
    {"smtp auth login with the user name as initial response",
     SNIFF_SMTP,
     {{'C', "auth login ZGF2ZQ==\r\n"}, {'S', "334 UGFzc3dvcmQ6\r\n"}, {'C', "c3dvcmRmaXNo\r\n"}},
     "username=dave\npassword=swordfish\n"},
    {"smtp auth refused: the next line is a command, not a response",
     SNIFF_SMTP,
     {{'C', "AUTH LOGIN\r\n"},
      {'S', "504 5.5.4 Unrecognized authentication type\r\n"},
      {'C', "QUIT\r\n"}},
     ""},
    {"smtp auth cancelled with *",
     SNIFF_SMTP,
     {{'C', "AUTH LOGIN\r\n"},
      {'S', "334 VXNlcm5hbWU6\r\n"},
      {'C', "*\r\n"},
      {'S', "501 5.7.0 Authentication aborted\r\n"},
      {'C', "ZGF2ZQ==\r\n"}},
     ""},
    {"smtp auth cram-md5 shows the user, not the secret",
     SNIFF_SMTP,
     {{'C', "AUTH CRAM-MD5\r\n"},
      {'S', "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"},
      {'C', "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"}},
     "username=tim\n"},
    {"smtp bad base64 in a response gives nothing",
     SNIFF_SMTP,
     {{'C', "AUTH PLAIN\r\n"}, {'S', "334 \r\n"}, {'C', "!!!!\r\n"}},
     ""},
    {"smtp pipelined envelope and a message",
     SNIFF_SMTP,
     {{'C', "MAIL FROM:<alice@a.example> SIZE=300 BODY=8BITMIME\r\nRCPT TO:<bob@b.example>\r\n"
            "RCPT TO:<carol@c.example>\r\nDATA\r\n"},
      {'S',
       "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"},
      {'C',
       "Received: from x\r\n\tby y\r\nFrom: Alice <alice@a.example>\r\n"
       "Subject: =?UTF-8?B?5piO5pel44Gu5omT44Gh5ZCI44KP44Gb?=\r\n =?UTF-8?B?IC8gVG9tb3Jyb3c=?=\r\n"
       "\r\nBob,\r\n\r\n..dotted line\r\n.\r\n"},
      {'S', "250 2.0.0 Ok: queued as 1\r\n"},
      {'C', "QUIT\r\n"}},
     "mail_from=alice@a.example\nrcpt_to=bob@b.example\nrcpt_to=carol@c.example\n"
     "header_from=Alice <alice@a.example>\nsubject=明日の打ち合わせ / Tomorrow\n"
     "body=Bob, .dotted line\n"},
    {"smtp data refused: no message is read",
     SNIFF_SMTP,
     {{'C', "MAIL FROM:<x@y.example>\r\nRCPT TO:<v@c.example>\r\nDATA\r\n"},
      {'S', "250 2.1.0 Ok\r\n554 5.7.1 <v@c.example>: Relay access denied\r\n"
            "554 5.5.1 Error: no valid recipients\r\n"},
      {'C', "QUIT\r\n"}},
     "mail_from=x@y.example\nrcpt_to=v@c.example\n"},
    {"smtp bare LF lines are read too",
     SNIFF_SMTP,
     {{'C', "MAIL FROM:<a@a.example>\nDATA\n"},
      {'S', "354 go\n"},
      {'C', "Subject: hi\n\nbody\n.\n"}},
     "mail_from=a@a.example\nsubject=hi\nbody=body\n"},
    {"smtp after STARTTLS: only ciphertext, once per direction",
     SNIFF_SMTP,
     {{'C', "STARTTLS\r\n"},
      {'S', "220 2.0.0 Ready to start TLS\r\n"},
      {'c', "\x16\x03\x01\x01\x05hello"},
      {'s', "\x16\x03\x03\x01\x02ok"},
      {'c', "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"}},
     "ciphertext=10 octets of TLS records\nciphertext=7 octets of TLS records\n"},
    {"smtp a long body is cut at a character boundary",
     SNIFF_SMTP,
     {{'S', "354 go\r\n"},
      {'C',
       "\r\n"
       "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよ"
       "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよ\r\n.\r\n"}},
     "body=あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよあい\n"},
    {"smtp a body line that fills the excerpt exactly, then more lines",
     SNIFF_SMTP,
     {{'S', "354 go\r\n"},
      {'C', "\r\n"
            "0123456789012345678901234567890123456789012345678901234567890123456789"
            "01234567890123456789012345678901234567890123456789\r\n"
            "next line\r\nand another\r\n.\r\n"}},
     "body=0123456789012345678901234567890123456789012345678901234567890123456789"
     "01234567890123456789012345678901234567890123456789\n"},
    {"pop3 user and pass, then a message",
     SNIFF_POP3,
     {{'S', "+OK mailsim POP3 ready.\r\n"},
      {'C', "USER bob\r\n"},
      {'S', "+OK\r\n"},
      {'C', "PASS builder42\r\n"},
      {'S', "+OK Logged in.\r\n"},
      {'C', "LIST\r\n"},
      {'S', "+OK 1 messages:\r\n1 120\r\n.\r\n"},
      {'C', "RETR 1\r\n"},
      {'S', "+OK 120 octets\r\nFrom: Alice <alice@a.example>\r\nSubject: hello\r\n\r\n"
            "..hidden\r\nsecond line\r\n.\r\n"},
      {'C', "QUIT\r\n"},
      {'S', "+OK Logging out.\r\n"}},
     "username=bob\npassword=builder42\nheader_from=Alice <alice@a.example>\nsubject=hello\n"
     "body=.hidden second line\n"},
    {"smtp multipart: the text part's lines, the attachment's name, type and size",
     SNIFF_SMTP,
     {{'C', "MAIL FROM:<alice@a.example>\r\nRCPT TO:<bob@b.example>\r\nDATA\r\n"},
      {'S', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"},
      {'C', "From: Alice <alice@a.example>\r\nSubject: quote\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed;\r\n boundary=\"----b1\"\r\n\r\n"
            "This is a multi-part message in MIME format.\r\n------b1\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n\r\nSee the file.\r\n"},
      {'C', "------b1\r\nContent-Type: application/zip\r\nContent-Disposition: attachment;\r\n"
            " filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.zip\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAQAAAA==\r\nAAE=\r\n"
            "------b1--\r\n.\r\n"}},
     "mail_from=alice@a.example\nrcpt_to=bob@b.example\nheader_from=Alice <alice@a.example>\n"
     "subject=quote\nattachment=\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8.zip (application/zip, 12 "
     "octets)\n"
     "body=See the file.\n"},
    {"smtp multipart: a quoted name, an RFC 2047 name, no closing delimiter",
     SNIFF_SMTP,
     {{'C', "DATA\r\n"},
      {'S', "354 go ahead\r\n"},
      {'C', "Subject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
            "Content-Type: application/pdf; name=\"a.pdf\"\r\n\r\nAAAA\r\n--zz\r\n"
            "Content-Type: application/zip; name=\"=?UTF-8?B?5pel5pys?=.zip\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nAAAAAA==\r\n.\r\n"}},
     "subject=x\nattachment=a.pdf (application/pdf, 3 octets)\n"
     "attachment=\xe6\x97\xa5\xe6\x9c\xac.zip (application/zip, 4 octets)\n"},
    {"pop3 RETR refused is not a message",
     SNIFF_POP3,
     {{'S', "+OK ready.\r\n"},
      {'C', "RETR 9\r\n"},
      {'S', "-ERR There's no message 9.\r\n"},
      {'C', "USER x\r\n"}},
     "username=x\n"},
    {"pop3 apop: timestamp, user and digest, no password",
     SNIFF_POP3,
     {{'S', "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"},
      {'C', "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"},
      {'S', "+OK maildrop has 1 message (369 octets)\r\n"}},
     "apop_timestamp=<1896.697170952@dbc.mtview.ca.us>\nusername=mrose\n"
     "apop_digest=c4c9334bac560ecc979e58001b3e22fb\n"},
    {"pop3 after STLS: ciphertext",
     SNIFF_POP3,
     {{'S', "+OK ready.\r\n"},
      {'C', "STLS\r\n"},
      {'S', "+OK Begin TLS negotiation now.\r\n"},
      {'c', "\x16\x03\x01"},
      {'c', "PASS x\r\n"}},
     "ciphertext=3 octets of TLS records\n"},
};

struct sniff_collect {
    char text[2048];
    size_t len;
};

static void sniff_collect(void *ctx, enum sniff_finding f, const char *value, size_t n)
{
    struct sniff_collect *c = ctx;
    int w = snprintf(c->text + c->len, sizeof c->text - c->len, "%s=%.*s\n", sniff_finding_name(f),
                     (int)n, value);
    if (w > 0 && (size_t)w < sizeof c->text - c->len) {
        c->len += (size_t)w;
    }
}

/* Runs a case with the given chunk size (0: each step whole). */
static void sniff_run(const struct sniff_case *tc, size_t chunk, struct sniff_collect *out,
                      struct sniff_apop *apop, bool *have_apop)
{
    memset(out, 0, sizeof *out);
    struct sniff_stream *s = sniff_stream_new(tc->proto, sniff_collect, out);
    if (!s) {
        abort();
    }
    for (size_t k = 0; k < SNIFF_TEST_STEPS && tc->steps[k].side; k++) {
        const struct sniff_step *st = &tc->steps[k];
        enum trace_side side = (st->side == 'C' || st->side == 'c') ? TRACE_CLIENT : TRACE_SERVER;
        bool tls = st->side == 'c' || st->side == 's';
        const uint8_t *p = (const uint8_t *)st->bytes;
        size_t n = strlen(st->bytes), step = chunk ? chunk : n;
        if (tls) {
            step = n; /* a TLS record arrives as one send */
        }
        for (size_t off = 0; off < n; off += step) {
            sniff_stream_feed(s, side, tls, p + off, n - off < step ? n - off : step);
        }
    }
    *have_apop = sniff_stream_apop(s, apop);
    sniff_stream_free(s);
}

static void test_cases(struct harness *h)
{
    for (size_t i = 0; i < sizeof sniff_cases / sizeof sniff_cases[0]; i++) {
        const struct sniff_case *tc = &sniff_cases[i];
        struct sniff_collect whole, bytes;
        struct sniff_apop a1, a2;
        bool h1, h2;
        sniff_run(tc, 0, &whole, &a1, &h1);
        sniff_run(tc, 1, &bytes, &a2, &h2);
        if (!CHECK_STR(h, whole.text, tc->want)) {
            fprintf(stderr, "    case: %s (fed whole)\n", tc->name);
        }
        if (!CHECK_STR(h, bytes.text, tc->want)) {
            fprintf(stderr, "    case: %s (fed byte by byte)\n", tc->name);
        }
        CHECK(h, h1 == h2);
    }
}

/* The capture an offline attack needs: RFC 1939's own example. */
static void test_apop_capture(struct harness *h)
{
    const struct sniff_case *tc = NULL;
    for (size_t i = 0; i < sizeof sniff_cases / sizeof sniff_cases[0]; i++) {
        if (strncmp(sniff_cases[i].name, "pop3 apop", 9) == 0) {
            tc = &sniff_cases[i];
        }
    }
    if (!CHECK(h, tc != NULL)) {
        return;
    }
    struct sniff_collect out;
    struct sniff_apop a;
    bool have;
    sniff_run(tc, 1, &out, &a, &have);
    CHECK(h, have);
    CHECK_STR(h, a.timestamp, "<1896.697170952@dbc.mtview.ca.us>");
    CHECK_STR(h, a.user, "mrose");
    CHECK_STR(h, a.digest, "c4c9334bac560ecc979e58001b3e22fb");
    /* USER/PASS leaves no APOP capture. */
    sniff_run(&sniff_cases[0], 0, &out, &a, &have);
    CHECK(h, !have);
}

static void test_names(struct harness *h)
{
    CHECK_STR(h, sniff_finding_name(SNIFF_USERNAME), "username");
    CHECK_STR(h, sniff_finding_name(SNIFF_CIPHERTEXT), "ciphertext");
    CHECK_STR(h, sniff_finding_name(SNIFF_FINDING_COUNT), "?");
}

int main(void)
{
    struct harness h = {"test_sniffer", 0, 0};
    test_cases(&h);
    test_apop_capture(&h);
    test_names(&h);
    return harness_finish(&h);
}
