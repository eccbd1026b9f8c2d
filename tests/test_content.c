/* test_content: what a message carries besides its text — attachments (multipart/mixed, base64,
 * RFC 2231 file names), ZIP archives with and without ZipCrypto, and the content filter's view of
 * them (agents/proto/avscan.c): what it finds, and what an encrypted archive hides from it. */
#include "avscan.h"
#include "base64.h"
#include "harness.h"
#include "message.h"
#include "zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has(const struct buf *b, const char *needle)
{
    return harness_contains(b->data, b->len, needle, strlen(needle));
}

/* ---- CRC-32 and ZIP ------------------------------------------------------------------------ */

static void test_crc(struct harness *h)
{
    /* The check value of CRC-32/ISO-HDLC (the catalogue of parametrised CRC algorithms). */
    CHECK_INT(h, zip_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
    CHECK_INT(h, zip_crc32(0, NULL, 0), 0);
    uint32_t part = zip_crc32(0, (const uint8_t *)"1234", 4);
    CHECK_INT(h, zip_crc32(part, (const uint8_t *)"56789", 5), 0xCBF43926u);
}

struct walk_seen {
    int n;
    struct zip_entry e[4];
};

static void walk_keep(void *ctx, const struct zip_entry *e)
{
    struct walk_seen *w = ctx;
    if (w->n < 4) {
        w->e[w->n] = *e;
    }
    w->n++;
}

struct zip_case {
    const char *name;
    const char *password; /* NULL: stored in the clear */
};

static const struct zip_case zip_cases[] = {
    {"stored", NULL},
    {"zipcrypto", "Tokyo2026"},
    {"zipcrypto with a one-letter password", "x"},
};

static void test_zip_roundtrip(struct harness *h)
{
    const char *text = "お見積書 / Quotation\n";
    struct zip_file files[2] = {{"見積書.txt", (const uint8_t *)text, strlen(text)},
                                {"empty", NULL, 0}};
    struct zip_time when = {2026, 4, 1, 9, 0, 1};
    for (size_t i = 0; i < sizeof zip_cases / sizeof zip_cases[0]; i++) {
        const struct zip_case *c = &zip_cases[i];
        struct sim_rng rng;
        rng_seed(&rng, 7);
        struct buf z;
        buf_init(&z, 0);
        if (!CHECK_INT(h, zip_build(files, 2, c->password, &when, &rng, &z), 0)) {
            fprintf(stderr, "    case: %s\n", c->name);
            continue;
        }
        CHECK(h, zip_is_archive(z.data, z.len));
        struct walk_seen w = {0};
        CHECK_INT(h, zip_walk(z.data, z.len, walk_keep, &w), 2);
        CHECK_INT(h, w.n, 2);
        CHECK(h, w.e[0].name_len == strlen("見積書.txt") &&
                     memcmp(w.e[0].name, "見積書.txt", w.e[0].name_len) == 0);
        CHECK(h, (w.e[0].flags & ZIP_FLAG_UTF8) != 0);
        CHECK_INT(h, w.e[0].method, 0);
        CHECK_INT(h, w.e[0].crc, zip_crc32(0, (const uint8_t *)text, strlen(text)));
        bool crypt = c->password != NULL;
        CHECK(h, ((w.e[0].flags & ZIP_FLAG_ENCRYPTED) != 0) == crypt);
        CHECK_INT(h, w.e[0].len, strlen(text) + (crypt ? ZIP_CRYPT_HEADER : 0));
        if (crypt) {
            uint8_t out[64];
            CHECK_INT(h, zip_decrypt(&w.e[0], c->password, out), 0);
            CHECK(h, memcmp(out, text, strlen(text)) == 0);
            /* The ciphertext does not show the text. */
            CHECK(h, !has(&z, "Quotation"));
            /* A wrong password: the check byte or the CRC says so (as unzip's "incorrect
             * password"); the one-in-256 chance of a matching check byte is caught by the CRC. */
            CHECK_INT(h, zip_decrypt(&w.e[0], "tokyo2026", out), -1);
            CHECK_INT(h, zip_decrypt(&w.e[1], c->password, out), 0); /* empty file */
        } else {
            CHECK(h, has(&z, "Quotation"));
            uint8_t out[64];
            CHECK_INT(h, zip_decrypt(&w.e[0], "x", out), -1); /* nothing to decrypt */
        }
        /* Cut short anywhere inside the first entry: the walk says so. */
        CHECK_INT(h, zip_walk(z.data, 40, NULL, NULL), -1);
        buf_free(&z);
    }
    /* Same seed, same bytes: a run is reproducible. */
    struct sim_rng r1, r2;
    rng_seed(&r1, 3);
    rng_seed(&r2, 3);
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    zip_build(files, 1, "pw", &when, &r1, &a);
    zip_build(files, 1, "pw", &when, &r2, &b);
    CHECK(h, a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    buf_free(&a);
    buf_free(&b);
    /* Refused: no files, an empty name, a name over 255 octets. */
    struct sim_rng rng;
    rng_seed(&rng, 1);
    struct buf z;
    buf_init(&z, 0);
    CHECK_INT(h, zip_build(files, 0, NULL, &when, &rng, &z), -1);
    struct zip_file unnamed = {"", (const uint8_t *)"x", 1};
    CHECK_INT(h, zip_build(&unnamed, 1, NULL, &when, &rng, &z), -1);
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    struct zip_file longer = {long_name, (const uint8_t *)"x", 1};
    CHECK_INT(h, zip_build(&longer, 1, NULL, &when, &rng, &z), -1);
    CHECK_INT(h, z.len, 0);
    buf_free(&z);
}

/* ZipCrypto against an archive from another implementation: Info-ZIP's `zip -0 -P secret`
 * storing a.txt ("hello\n"). It writes a data descriptor (flag bit 3), so its check byte is the
 * time's high byte; the entry is taken apart by hand, since zip_walk stops at descriptors. */
static void test_zipcrypto_known(struct harness *h)
{
    static const uint8_t kat[] = {0x50, 0x4b, 0x03, 0x04, 0x0a, 0x00, 0x09, 0x00, 0x00, 0x00, 0x16,
                                  0x1a, 0x87, 0x5d, 0x20, 0x30, 0x3a, 0x36, 0x12, 0x00, 0x00, 0x00,
                                  0x06, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x61, 0x2e, 0x74,
                                  0x78, 0x74, 0xee, 0x43, 0xa0, 0x9e, 0x70, 0xb5, 0xc7, 0x8b, 0x09,
                                  0x20, 0x43, 0xf1, 0xe6, 0x5b, 0xc0, 0x7a, 0x1c, 0x96};
    struct zip_entry e = {0};
    e.name = (const char *)kat + 30;
    e.name_len = 5;
    e.flags = 0x0009;
    e.time = 0x1a16;
    e.crc = 0x363a3020u;
    e.data = kat + 35;
    e.len = 0x12;
    uint8_t out[8];
    CHECK_INT(h, zip_decrypt(&e, "secret", out), 0);
    CHECK(h, memcmp(out, "hello\n", 6) == 0);
    CHECK_INT(h, zip_decrypt(&e, "Secret", out), -1);
    CHECK_INT(h, zip_crc32(0, (const uint8_t *)"hello\n", 6), 0x363a3020u);
    /* zip_walk reports nothing past a descriptor, rather than guess sizes. */
    CHECK_INT(h, zip_walk(kat, sizeof kat, NULL, NULL), 0);
}

/* ---- attachments --------------------------------------------------------------------------- */

static void test_attachment(struct harness *h)
{
    static const uint8_t zipbytes[] = "PK\003\004 not really a zip, just bytes for base64";
    struct message_attachment att = {"見積書.zip", "application/zip", zipbytes,
                                     sizeof zipbytes - 1};
    const char *to[] = {"bob@b.example"};
    struct message_spec sp = {0};
    sp.from = "Alice <alice@a.example>";
    sp.to = to;
    sp.to_count = 1;
    sp.subject = "quote";
    sp.date = 1775001600;
    sp.tz_minutes = 540;
    sp.message_id_local = "m1.1";
    sp.message_id_domain = "a.example";
    sp.body = "See the file.\n";
    sp.attachments = &att;
    sp.attachment_count = 1;
    struct buf out;
    buf_init(&out, 0);
    CHECK_INT(h, message_build(&sp, &out), MESSAGE_OK);
    CHECK(h, has(&out, "Content-Type: multipart/mixed;\r\n boundary=\"------------m1.1\"\r\n"));
    CHECK(h, has(&out, "\r\n--------------m1.1\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
    CHECK(h, has(&out, "Content-Disposition: attachment;\r\n"
                       " filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.zip\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n"));
    char b64[BASE64_ENCODED_LEN(sizeof zipbytes) + 1];
    base64_encode(zipbytes, sizeof zipbytes - 1, b64);
    CHECK(h, has(&out, b64));
    CHECK(h, has(&out, "\r\n--------------m1.1--\r\n"));
    /* The message is well formed, lines and all. */
    CHECK_INT(h, message_check(out.data, out.len, NULL), MESSAGE_CHECK_OK);
    /* A plain ASCII name is quoted; a line break in a name is a header injection. */
    buf_clear(&out);
    att.filename = "quote.zip";
    CHECK_INT(h, message_build(&sp, &out), MESSAGE_OK);
    CHECK(h, has(&out, " filename=\"quote.zip\"\r\n"));
    buf_clear(&out);
    att.filename = "a.zip\r\nBcc: x@c.example";
    CHECK_INT(h, message_build(&sp, &out), MESSAGE_ERR_HEADER_CRLF);
    CHECK_INT(h, out.len, 0);
    /* A body that holds the boundary line makes the boundary longer. */
    att.filename = "quote.zip";
    sp.body = "--------------m1.1\n";
    CHECK_INT(h, message_build(&sp, &out), MESSAGE_OK);
    CHECK(h, has(&out, "boundary=\"------------m1.1x\""));
    buf_free(&out);
}

/* ---- the content filter -------------------------------------------------------------------- */

/* A message with one ZIP attachment of one file; eicar: the file is the test file. */
static void make_mail(struct buf *out, bool eicar, const char *password)
{
    uint8_t file[AVSCAN_EICAR_LEN];
    avscan_eicar(file);
    const char *clean = "just a quotation\n";
    struct zip_file zf = {"f.bin", eicar ? file : (const uint8_t *)clean,
                          eicar ? sizeof file : strlen(clean)};
    struct sim_rng rng;
    rng_seed(&rng, 5);
    struct buf z;
    buf_init(&z, 0);
    struct zip_time when = {2026, 4, 1, 9, 0, 0};
    if (zip_build(&zf, 1, password, &when, &rng, &z) != 0) {
        abort();
    }
    struct message_attachment att = {"f.zip", "application/zip", z.data, z.len};
    const char *to[] = {"bob@b.example"};
    struct message_spec sp = {0};
    sp.from = "x@shop.example";
    sp.to = to;
    sp.to_count = 1;
    sp.date = 1775001600;
    sp.body = "invoice\n";
    sp.attachments = &att;
    sp.attachment_count = 1;
    if (message_build(&sp, out) != MESSAGE_OK) {
        abort();
    }
    buf_free(&z);
}

struct scan_case {
    const char *name;
    bool eicar;
    const char *password;
    bool alert;
    enum avscan_verdict want;
    const char *want_name;
    size_t want_encrypted;
};

static const struct scan_case scan_cases[] = {
    {"a clean zip", false, NULL, false, AVSCAN_CLEAN, "", 0},
    {"EICAR in a stored zip", true, NULL, false, AVSCAN_INFECTED, "Eicar-Test-Signature", 0},
    {"EICAR in an encrypted zip", true, "1234", false, AVSCAN_UNCHECKED, "", 1},
    {"a clean encrypted zip", false, "1234", false, AVSCAN_UNCHECKED, "", 1},
    {"EICAR in an encrypted zip, AlertEncryptedArchive", true, "1234", true, AVSCAN_INFECTED,
     "Heuristics.Encrypted.Zip", 1},
    {"a clean encrypted zip, AlertEncryptedArchive", false, "1234", true, AVSCAN_INFECTED,
     "Heuristics.Encrypted.Zip", 1},
    {"EICAR in a stored zip, AlertEncryptedArchive", true, NULL, true, AVSCAN_INFECTED,
     "Eicar-Test-Signature", 0},
};

static void test_scan(struct harness *h)
{
    for (size_t i = 0; i < sizeof scan_cases / sizeof scan_cases[0]; i++) {
        const struct scan_case *c = &scan_cases[i];
        struct buf m;
        buf_init(&m, 0);
        make_mail(&m, c->eicar, c->password);
        struct avscan_result r;
        avscan_message(m.data, m.len, c->alert, &r);
        bool ok = CHECK_INT(h, r.verdict, c->want) & CHECK_STR(h, r.name, c->want_name) &
                  CHECK_INT(h, r.encrypted, c->want_encrypted) & CHECK_INT(h, r.parts, 1) &
                  CHECK_INT(h, r.entries, 1);
        if (!ok) {
            fprintf(stderr, "    case: %s\n", c->name);
        }
        buf_free(&m);
    }
    /* The test file in the text itself, as the bundled filter test sends it. */
    uint8_t e[AVSCAN_EICAR_LEN + 2];
    avscan_eicar(e);
    e[AVSCAN_EICAR_LEN] = '\r';
    e[AVSCAN_EICAR_LEN + 1] = '\n';
    struct avscan_result r;
    avscan_message(e, sizeof e, false, &r);
    CHECK_INT(h, r.verdict, AVSCAN_INFECTED);
    /* Broken MIME says nothing and crashes nothing: bad base64, a missing boundary, no body. */
    static const char *const broken[] = {
        ("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n--b--\r\n"),
        "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n",
        "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n",
        "Subject: no body",
        "",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        avscan_message((const uint8_t *)broken[i], strlen(broken[i]), true, &r);
        CHECK_INT(h, r.verdict, AVSCAN_CLEAN);
        CHECK_INT(h, r.parts, 0);
    }
}

static const struct harness_test test_content_tests[] = {
    HARNESS_TEST(test_crc),
    HARNESS_TEST(test_zip_roundtrip),
    HARNESS_TEST(test_zipcrypto_known),
    HARNESS_TEST(test_attachment),
    HARNESS_TEST(test_scan),
};

int main(int argc, char **argv)
{
    return HARNESS_MAIN("test_content", test_content_tests, argc, argv);
}
