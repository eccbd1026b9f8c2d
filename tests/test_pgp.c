/* test_pgp: OpenPGP keyrings and PGP/MIME. Alice, Bob and Carol each hold a ring with their own
 * key; Alice and Bob have swapped public keys, Carol has met nobody. Alice signs and encrypts to
 * Bob (and herself): the routing fields stay readable, the body does not; Bob and Alice read it
 * with a good signature, Carol cannot; a flipped armor byte, a forged signature (built with
 * librnp directly) and an unknown signer are refused with their reasons.
 *
 * `test_pgp --write DIR` writes bob.sec.asc, alice.pub.asc, alice.fpr and message.eml for
 * tests/pgp_tools.sh, which checks them with gpg and Python's email module. */
#include "harness.h"
#include "pgp.h"

#include <ctype.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The visible header, verbatim: everything before MIME-Version in MSG. */
#define VISIBLE                                                                                    \
    "Date: Fri, 27 Nov 2026 19:40:02 +0900\r\n"                                                    \
    "From: Alice <alice@a.example>\r\n"                                                            \
    "To: Bob <bob@b.example>\r\n"                                                                  \
    "Cc: Dave <dave@d.example>\r\n"                                                                \
    "Subject: Quarterly numbers,\r\n"                                                              \
    " folded onto a second line\r\n"                                                               \
    "Message-ID: <20261127.1@a.example>\r\n"
#define BODY                                                                                       \
    "Meet me at the usual place at noon.\r\n"                                                      \
    "The password is swordfish.\r\n"
#define INNER                                                                                      \
    "Content-Type: text/plain; charset=UTF-8\r\n"                                                  \
    "Content-Transfer-Encoding: 7bit\r\n"                                                          \
    "\r\n" BODY

static const char MSG[] = VISIBLE "MIME-Version: 1.0\r\n"
                                  "Content-Type: text/plain; charset=UTF-8\r\n"
                                  "Content-Transfer-Encoding: 7bit\r\n"
                                  "\r\n" BODY;

static const char RECEIVED[] =
    "Received: from mx.a.example (mx.a.example [192.0.2.10])\r\n"
    "\tby mx.b.example with ESMTPS id 42; Fri, 27 Nov 2026 19:40:04 +0900\r\n"
    "Received: from [192.0.2.1] by mx.a.example with ESMTPSA id 7;\r\n"
    "\tFri, 27 Nov 2026 19:40:03 +0900\r\n";

struct user {
    struct pgp_ring *ring;
    char fpr[PGP_FPR_SIZE];
};

struct world {
    struct user alice, bob, carol;
};

static bool contains(const struct buf *b, const char *s)
{
    return harness_contains(b->data, b->len, s, strlen(s));
}

static bool buf_is(const struct buf *b, const char *s)
{
    return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

static bool is_upper_hex40(const char *s)
{
    if (strlen(s) != 40) {
        return false;
    }
    for (size_t i = 0; i < 40; i++) {
        if (!isxdigit((unsigned char)s[i]) || islower((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Copies from's public key into to's ring. */
static int give_key(struct user *from, struct user *to)
{
    struct buf pub;
    char err[256], fpr[PGP_FPR_SIZE];
    buf_init(&pub, 0);
    int ret = pgp_export_public(from->ring, from->fpr, &pub, err, sizeof err);
    if (ret == 0) {
        ret = pgp_import_public(to->ring, pub.data, pub.len, fpr, err, sizeof err);
    }
    if (ret == 0 && strcmp(fpr, from->fpr) != 0) {
        snprintf(err, sizeof err, "imported %s, wanted %s", fpr, from->fpr);
        ret = -1;
    }
    if (ret < 0) {
        fprintf(stderr, "test_pgp: give_key: %s\n", err);
    }
    buf_free(&pub);
    return ret;
}

static int user_init(struct user *u, const char *userid)
{
    char err[256];
    if (!(u->ring = pgp_ring_new(err, sizeof err)) ||
        pgp_generate(u->ring, userid, u->fpr, err, sizeof err) < 0) {
        fprintf(stderr, "test_pgp: %s: %s\n", userid, err);
        return -1;
    }
    return 0;
}

static int world_init(struct world *w)
{
    memset(w, 0, sizeof *w);
    if (user_init(&w->alice, "Alice <alice@a.example>") < 0 ||
        user_init(&w->bob, "Bob <bob@b.example>") < 0 ||
        user_init(&w->carol, "Carol <carol@c.example>") < 0) {
        return -1;
    }
    /* Alice and Bob have met; Alice also knows Carol's key, Carol knows nobody's. */
    return give_key(&w->alice, &w->bob) < 0 || give_key(&w->bob, &w->alice) < 0 ||
                   give_key(&w->carol, &w->alice) < 0
               ? -1
               : 0;
}

static void world_free(struct world *w)
{
    pgp_ring_free(w->alice.ring);
    pgp_ring_free(w->bob.ring);
    pgp_ring_free(w->carol.ring);
}

/* Alice's message to Bob, encrypted to Bob and Alice, into out. */
static int alice_sends(struct world *w, const char *msg, const char *to_fpr, struct buf *out)
{
    char err[256];
    const char *rcpts[] = {to_fpr, w->alice.fpr};
    if (pgp_encrypt_sign(w->alice.ring, (const uint8_t *)msg, strlen(msg), w->alice.fpr, rcpts, 2,
                         out, err, sizeof err) < 0) {
        fprintf(stderr, "test_pgp: encrypt: %s\n", err);
        return -1;
    }
    return 0;
}

/* pgp_decrypt_verify into a fresh inner buffer; err receives the reason on failure. */
static int open_msg(struct user *u, const struct buf *msg, struct buf *inner, struct pgp_verify *v,
                    char *err, size_t errlen)
{
    err[0] = '\0';
    return pgp_decrypt_verify(u->ring, msg->data, msg->len, inner, v, err, errlen);
}

static void test_keys(struct harness *h, struct world *w)
{
    char err[256], fpr[PGP_FPR_SIZE], lower[PGP_FPR_SIZE];
    struct pgp_key_info info;
    CHECK(h, is_upper_hex40(w->alice.fpr));
    CHECK(h, is_upper_hex40(w->bob.fpr));
    CHECK(h, is_upper_hex40(w->carol.fpr));
    CHECK(h, strcmp(w->alice.fpr, w->bob.fpr) != 0 && strcmp(w->bob.fpr, w->carol.fpr) != 0);

    /* Bob's ring: his own secret key, Alice's public key, nothing of Carol's. */
    CHECK_INT(h, pgp_key_lookup(w->bob.ring, w->bob.fpr, &info, err, sizeof err), 0);
    CHECK(h, info.secret);
    CHECK_STR(h, info.userid, "Bob <bob@b.example>");
    CHECK_INT(h, pgp_key_lookup(w->bob.ring, w->alice.fpr, &info, err, sizeof err), 0);
    CHECK(h, !info.secret);
    CHECK_STR(h, info.fpr, w->alice.fpr);
    CHECK_STR(h, info.userid, "Alice <alice@a.example>");
    CHECK_INT(h, pgp_key_lookup(w->bob.ring, w->carol.fpr, &info, err, sizeof err), -1);
    CHECK(h, strstr(err, "no key") != NULL);
    CHECK_INT(h, pgp_key_lookup(w->bob.ring, "not-a-fingerprint", NULL, err, sizeof err), -1);
    for (size_t i = 0; i < PGP_FPR_SIZE; i++) {
        lower[i] = (char)tolower((unsigned char)w->alice.fpr[i]);
    }
    CHECK_INT(h, pgp_key_lookup(w->bob.ring, lower, NULL, err, sizeof err), 0);

    CHECK_INT(h, pgp_find_by_address(w->bob.ring, "ALICE@a.example", fpr, err, sizeof err), 0);
    CHECK_STR(h, fpr, w->alice.fpr);
    CHECK_INT(h, pgp_find_by_address(w->bob.ring, "carol@c.example", fpr, err, sizeof err), -1);
    CHECK_INT(h, pgp_find_by_address(w->bob.ring, "lice@a.example", fpr, err, sizeof err), -1);

    /* Armored exports; only the owner can export the secret key. */
    struct buf pub, sec;
    buf_init(&pub, 0);
    buf_init(&sec, 0);
    CHECK_INT(h, pgp_export_public(w->bob.ring, w->alice.fpr, &pub, err, sizeof err), 0);
    CHECK(h, contains(&pub, "-----BEGIN PGP PUBLIC KEY BLOCK-----\r\n"));
    CHECK(h, contains(&pub, "-----END PGP PUBLIC KEY BLOCK-----\r\n"));
    CHECK_INT(h, pgp_export_secret(w->bob.ring, w->alice.fpr, &sec, err, sizeof err), -1);
    CHECK_INT(h, sec.len, 0);
    CHECK_INT(h, pgp_export_secret(w->bob.ring, w->bob.fpr, &sec, err, sizeof err), 0);
    CHECK(h, contains(&sec, "-----BEGIN PGP PRIVATE KEY BLOCK-----\r\n"));

    /* Importing a secret key block takes only its public half. */
    struct pgp_ring *r = pgp_ring_new(err, sizeof err);
    CHECK(h, r != NULL);
    CHECK_INT(h, pgp_import_public(r, sec.data, sec.len, fpr, err, sizeof err), 0);
    CHECK_STR(h, fpr, w->bob.fpr);
    CHECK_INT(h, pgp_key_lookup(r, w->bob.fpr, &info, err, sizeof err), 0);
    CHECK(h, !info.secret);
    CHECK_INT(h, pgp_import_public(r, (const uint8_t *)"hello", 5, fpr, err, sizeof err), -1);
    pgp_ring_free(r);
    buf_free(&pub);
    buf_free(&sec);
}

/* Every line ends in CRLF and is at most 78 characters long (RFC 5322 2.1.1 SHOULD). */
static bool lines_ok(const struct buf *b)
{
    size_t start = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\n') {
            if (i == 0 || b->data[i - 1] != '\r' || i - 1 - start > 78) {
                return false;
            }
            start = i + 1;
        }
    }
    return start == b->len;
}

static void test_form(struct harness *h, struct world *w, const struct buf *out)
{
    static const char *const secrets[] = {"Meet me", "swordfish", "usual place", "text/plain"};
    /* The routing fields stay readable, in order and verbatim, then the PGP/MIME skeleton. */
    CHECK(h, out->len > strlen(VISIBLE) && memcmp(out->data, VISIBLE, strlen(VISIBLE)) == 0);
    CHECK(h, contains(out, VISIBLE "MIME-Version: 1.0\r\nContent-Type: multipart/encrypted;"));
    CHECK(h, contains(out, "protocol=\"application/pgp-encrypted\""));
    CHECK(h, contains(out, "\r\n\r\nVersion: 1\r\n"));
    CHECK(h, contains(out, "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"));
    CHECK(h, contains(out, "\r\n-----BEGIN PGP MESSAGE-----\r\n"));
    CHECK(h, contains(out, "\r\n-----END PGP MESSAGE-----\r\n"));
    CHECK(h, lines_ok(out));
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        CHECK(h, !contains(out, secrets[i]));
    }
    CHECK(h, pgp_is_encrypted(out->data, out->len));
    CHECK(h, !pgp_is_encrypted((const uint8_t *)MSG, strlen(MSG)));

    /* The boundary depends on the message only: the same message gives the same skeleton. */
    struct buf again;
    buf_init(&again, 0);
    CHECK_INT(h, alice_sends(w, MSG, w->bob.fpr, &again), 0);
    const char *b1 = strstr((const char *)out->data, "boundary=\"");
    const char *b2 = strstr((const char *)again.data, "boundary=\"");
    CHECK(h, b1 && b2 && memcmp(b1, b2, 40) == 0);
    buf_free(&again);
}

static void test_read(struct harness *h, struct world *w, const struct buf *out)
{
    char err[256];
    struct buf inner;
    struct pgp_verify v;
    buf_init(&inner, 0);

    /* Bob reads it; the signature is Alice's. */
    CHECK_INT(h, open_msg(&w->bob, out, &inner, &v, err, sizeof err), 0);
    CHECK(h, buf_is(&inner, INNER));
    CHECK(h, v.is_signed && v.verified);
    CHECK_STR(h, v.signer, w->alice.fpr);

    /* Alice reads her own sent copy. */
    buf_clear(&inner);
    CHECK_INT(h, open_msg(&w->alice, out, &inner, &v, err, sizeof err), 0);
    CHECK(h, buf_is(&inner, INNER));
    CHECK(h, v.verified);

    /* Carol was not a recipient: no secret key, no plaintext. */
    buf_clear(&inner);
    CHECK_INT(h, open_msg(&w->carol, out, &inner, &v, err, sizeof err), -1);
    CHECK(h, strstr(err, "not addressed to any key in this ring") != NULL);
    CHECK_INT(h, inner.len, 0);

    /* Received: lines added on the way change nothing. */
    struct buf relayed;
    buf_init(&relayed, 0);
    buf_append_str(&relayed, RECEIVED);
    buf_append(&relayed, out->data, out->len);
    CHECK(h, pgp_is_encrypted(relayed.data, relayed.len));
    CHECK_INT(h, open_msg(&w->bob, &relayed, &inner, &v, err, sizeof err), 0);
    CHECK(h, buf_is(&inner, INNER));
    CHECK(h, v.verified);
    buf_free(&relayed);

    /* A plain message is not PGP/MIME. */
    struct buf plain;
    buf_init(&plain, 0);
    buf_append_str(&plain, MSG);
    buf_clear(&inner);
    CHECK_INT(h, open_msg(&w->bob, &plain, &inner, &v, err, sizeof err), -1);
    CHECK(h, strncmp(err, "not PGP/MIME", 12) == 0);
    buf_free(&plain);
    buf_free(&inner);
}

/* Flips one base64 character in the second half of the armored data, where the encrypted
 * content lies (the first holds a session-key packet per recipient: a flip in Alice's does not
 * concern Bob); every flip must be caught, by the MDC or the CFB check. */
static void test_tamper(struct harness *h, struct world *w, const struct buf *out)
{
    const char *text = (const char *)out->data;
    const char *b = strstr(text, "-----BEGIN PGP MESSAGE-----\r\n\r\n");
    const char *e = strstr(text, "\r\n="); /* the CRC-24 line after the data */
    CHECK(h, b && e && e > b);
    if (!b || !e) {
        return;
    }
    size_t from = (size_t)(b - text) + strlen("-----BEGIN PGP MESSAGE-----\r\n\r\n");
    size_t to = (size_t)(e - text);
    static const size_t permille[] = {550, 650, 750, 850, 900, 950};
    for (size_t k = 0; k < sizeof permille / sizeof *permille; k++) {
        char err[256];
        struct buf bad, inner;
        buf_init(&bad, 0);
        buf_init(&inner, 0);
        buf_append(&bad, out->data, out->len);
        size_t at = from + (to - from) * permille[k] / 1000;
        while (bad.data[at] == '\r' || bad.data[at] == '\n') {
            at++;
        }
        bad.data[at] = bad.data[at] == 'A' ? 'B' : 'A';
        CHECK_INT(h, open_msg(&w->bob, &bad, &inner, NULL, err, sizeof err), -1);
        CHECK(h, strstr(err, "damaged or altered") != NULL);
        if (!strstr(err, "damaged or altered")) {
            fprintf(stderr, "    flip at %zu: %s\n", at - from, err);
        }
        CHECK_INT(h, inner.len, 0);
        buf_free(&bad);
        buf_free(&inner);
    }
}

/* Replaces the armored block of msg by armor. */
static void splice_armor(const struct buf *msg, const uint8_t *armor, size_t alen, struct buf *out)
{
    const char *text = (const char *)msg->data;
    const char *b = strstr(text, "-----BEGIN PGP MESSAGE-----");
    const char *e = strstr(text, "-----END PGP MESSAGE-----\r\n");
    e += strlen("-----END PGP MESSAGE-----\r\n");
    buf_append(out, text, (size_t)(b - text));
    buf_append(out, armor, alen);
    buf_append(out, e, msg->len - (size_t)(e - text));
}

/* Alice's key in a bare librnp context, secret half included. */
static rnp_ffi_t forger_ffi(struct world *w)
{
    rnp_ffi_t ffi = NULL;
    rnp_input_t in = NULL;
    struct buf keys;
    char err[256];
    buf_init(&keys, 0);
    if (pgp_export_secret(w->alice.ring, w->alice.fpr, &keys, err, sizeof err) < 0 ||
        pgp_export_public(w->bob.ring, w->bob.fpr, &keys, err, sizeof err) < 0 ||
        rnp_ffi_create(&ffi, "GPG", "GPG") != RNP_SUCCESS ||
        rnp_input_from_memory(&in, keys.data, keys.len, false) != RNP_SUCCESS ||
        rnp_import_keys(ffi, in, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, NULL) !=
            RNP_SUCCESS) {
        rnp_ffi_destroy(ffi);
        ffi = NULL;
    }
    rnp_input_destroy(in);
    buf_free(&keys);
    return ffi;
}

/* Appends what a memory output collected to dst. */
static int collect(rnp_output_t o, struct buf *dst)
{
    uint8_t *data = NULL;
    size_t len = 0;
    return rnp_output_memory_get_buf(o, &data, &len, false) == RNP_SUCCESS
               ? buf_append(dst, data, len)
               : -1;
}

/* INNER signed by Alice (one-pass signature, literal data, uncompressed) into dst. */
static int sign_inner(rnp_ffi_t ffi, rnp_key_handle_t alice, struct buf *dst)
{
    rnp_input_t in = NULL;
    rnp_output_t o = NULL;
    rnp_op_sign_t op = NULL;
    int ret = -1;
    if (rnp_input_from_memory(&in, (const uint8_t *)INNER, strlen(INNER), false) == RNP_SUCCESS &&
        rnp_output_to_memory(&o, 0) == RNP_SUCCESS &&
        rnp_op_sign_create(&op, ffi, in, o) == RNP_SUCCESS &&
        rnp_op_sign_set_compression(op, "Uncompressed", 0) == RNP_SUCCESS &&
        rnp_op_sign_add_signature(op, alice, NULL) == RNP_SUCCESS &&
        rnp_op_sign_execute(op) == RNP_SUCCESS) {
        ret = collect(o, dst);
    }
    rnp_op_sign_destroy(op);
    rnp_output_destroy(o);
    rnp_input_destroy(in);
    return ret;
}

/* data encrypted to Bob, armored: as it is when it is already signed (wrap false: no second
 * literal packet), else wrapped in a literal packet and not signed. */
static int encrypt_to_bob(rnp_ffi_t ffi, rnp_key_handle_t bob, const struct buf *data, bool wrap,
                          struct buf *dst)
{
    rnp_input_t in = NULL;
    rnp_output_t o = NULL;
    rnp_op_encrypt_t op = NULL;
    int ret = -1;
    if (rnp_input_from_memory(&in, data->data, data->len, false) == RNP_SUCCESS &&
        rnp_output_to_memory(&o, 0) == RNP_SUCCESS &&
        rnp_op_encrypt_create(&op, ffi, in, o) == RNP_SUCCESS &&
        rnp_op_encrypt_set_flags(op, wrap ? 0 : RNP_ENCRYPT_NOWRAP) == RNP_SUCCESS &&
        rnp_op_encrypt_set_armor(op, true) == RNP_SUCCESS &&
        rnp_op_encrypt_add_recipient(op, bob) == RNP_SUCCESS &&
        rnp_op_encrypt_execute(op) == RNP_SUCCESS) {
        ret = collect(o, dst);
    }
    rnp_op_encrypt_destroy(op);
    rnp_output_destroy(o);
    rnp_input_destroy(in);
    return ret;
}

/* A message signed by Alice, then altered (one letter of the signed text), then encrypted to
 * Bob: what someone who can change the content but holds no key of Alice's would produce. */
static int forge(rnp_ffi_t ffi, struct world *w, struct buf *armored)
{
    rnp_key_handle_t alice = NULL, bob = NULL;
    struct buf signed_data;
    int ret = -1;
    buf_init(&signed_data, 0);
    rnp_locate_key(ffi, "fingerprint", w->alice.fpr, &alice);
    rnp_locate_key(ffi, "fingerprint", w->bob.fpr, &bob);
    if (alice && bob && sign_inner(ffi, alice, &signed_data) == 0) {
        for (size_t i = 0; i + 9 <= signed_data.len; i++) {
            if (memcmp(signed_data.data + i, "swordfish", 9) == 0) {
                signed_data.data[i] = 'S'; /* "The password is Swordfish." */
                ret = encrypt_to_bob(ffi, bob, &signed_data, false, armored);
                break;
            }
        }
    }
    rnp_key_handle_destroy(alice);
    rnp_key_handle_destroy(bob);
    buf_free(&signed_data);
    return ret;
}

static void test_bad_signature(struct harness *h, struct world *w, const struct buf *out)
{
    char err[256];
    struct buf armored, forged, inner;
    struct pgp_verify v;
    buf_init(&armored, 0);
    buf_init(&forged, 0);
    buf_init(&inner, 0);
    rnp_ffi_t ffi = forger_ffi(w);
    CHECK(h, ffi != NULL);
    CHECK_INT(h, ffi ? forge(ffi, w, &armored) : -1, 0);
    splice_armor(out, armored.data, armored.len, &forged);
    CHECK_INT(h, open_msg(&w->bob, &forged, &inner, &v, err, sizeof err), -1);
    CHECK(h, strncmp(err, "bad signature", 13) == 0);
    CHECK(h, v.is_signed && !v.verified);
    CHECK_STR(h, v.signer, w->alice.fpr);
    CHECK_INT(h, inner.len, 0);
    rnp_ffi_destroy(ffi);
    buf_free(&armored);
    buf_free(&forged);
    buf_free(&inner);
}

/* Encrypted but not signed (what `gpg -e` without -s makes): readable, and said to be unsigned. */
static void test_unsigned(struct harness *h, struct world *w, const struct buf *out)
{
    char err[256];
    struct buf plain, armored, msg, inner;
    struct pgp_verify v;
    rnp_key_handle_t bob = NULL;
    buf_init(&plain, 0);
    buf_init(&armored, 0);
    buf_init(&msg, 0);
    buf_init(&inner, 0);
    buf_append_str(&plain, INNER);
    rnp_ffi_t ffi = forger_ffi(w);
    CHECK(h, ffi != NULL);
    if (ffi) {
        rnp_locate_key(ffi, "fingerprint", w->bob.fpr, &bob);
    }
    CHECK_INT(h, bob ? encrypt_to_bob(ffi, bob, &plain, true, &armored) : -1, 0);
    splice_armor(out, armored.data, armored.len, &msg);
    CHECK_INT(h, open_msg(&w->bob, &msg, &inner, &v, err, sizeof err), 0);
    CHECK(h, buf_is(&inner, INNER));
    CHECK(h, !v.is_signed && !v.verified);
    CHECK_STR(h, v.signer, "");
    rnp_key_handle_destroy(bob);
    rnp_ffi_destroy(ffi);
    buf_free(&plain);
    buf_free(&armored);
    buf_free(&msg);
    buf_free(&inner);
}

/* multipart/encrypted that breaks RFC 3156 4: each is refused before any decryption. */
static void test_not_pgp_mime(struct harness *h, struct world *w)
{
    static const char *const bad[] = {
        /* one part only */
        "From: a@a.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted;"
        " protocol=\"application/pgp-encrypted\"; boundary=\"b\"\r\n\r\n"
        "--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b--\r\n",
        /* no armored message in part 2 */
        "From: a@a.example\r\nContent-Type: multipart/encrypted; boundary=b;\r\n"
        " protocol=application/pgp-encrypted\r\n\r\n"
        "--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--b--\r\n",
        /* S/MIME's protocol */
        ("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; "
         "boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256];
        struct buf msg, inner;
        buf_init(&msg, 0);
        buf_init(&inner, 0);
        buf_append_str(&msg, bad[i]);
        CHECK_INT(h, open_msg(&w->bob, &msg, &inner, NULL, err, sizeof err), -1);
        CHECK(h, strncmp(err, "not PGP/MIME", 12) == 0);
        buf_free(&msg);
        buf_free(&inner);
    }
    CHECK(h, pgp_is_encrypted((const uint8_t *)bad[1], strlen(bad[1])));
    CHECK(h, !pgp_is_encrypted((const uint8_t *)bad[2], strlen(bad[2])));
}

/* Alice writes to Carol, who has never imported Alice's key: readable, but unverifiable until
 * Carol gets Alice's public key. */
static void test_unknown_signer(struct harness *h, struct world *w)
{
    char err[256];
    struct buf out, inner;
    struct pgp_verify v;
    buf_init(&out, 0);
    buf_init(&inner, 0);
    CHECK_INT(h, alice_sends(w, MSG, w->carol.fpr, &out), 0);
    CHECK_INT(h, open_msg(&w->carol, &out, &inner, &v, err, sizeof err), -1);
    CHECK(h, strncmp(err, "signer's key unknown", 20) == 0);
    CHECK(h, strstr(err, w->alice.fpr) != NULL);
    CHECK_STR(h, v.signer, w->alice.fpr);
    CHECK(h, v.is_signed && !v.verified);
    CHECK_INT(h, inner.len, 0);
    CHECK_INT(h, give_key(&w->alice, &w->carol), 0);
    CHECK_INT(h, open_msg(&w->carol, &out, &inner, &v, err, sizeof err), 0);
    CHECK(h, buf_is(&inner, INNER));
    CHECK(h, v.verified);
    buf_free(&out);
    buf_free(&inner);
}

static void test_encrypt_errors(struct harness *h, struct world *w)
{
    char err[256];
    struct buf out;
    const uint8_t *m = (const uint8_t *)MSG;
    const char *to_bob[] = {w->bob.fpr};
    const char *to_nobody[] = {"0123456789ABCDEF0123456789ABCDEF01234567"};
    buf_init(&out, 0);
    /* Bob holds only Alice's public key: he cannot sign as her. */
    CHECK_INT(h,
              pgp_encrypt_sign(w->bob.ring, m, strlen(MSG), w->alice.fpr, to_bob, 1, &out, err,
                               sizeof err),
              -1);
    CHECK(h, strstr(err, "no secret key") != NULL);
    /* Without a recipient's public key there is nothing to encrypt to. */
    CHECK_INT(h,
              pgp_encrypt_sign(w->alice.ring, m, strlen(MSG), w->alice.fpr, to_nobody, 1, &out, err,
                               sizeof err),
              -1);
    CHECK(h, strstr(err, "no public key") != NULL);
    CHECK_INT(h,
              pgp_encrypt_sign(w->alice.ring, m, strlen(MSG), w->alice.fpr, to_bob, 0, &out, err,
                               sizeof err),
              -1);
    CHECK_INT(h, out.len, 0);
    /* A message with no Content-Type gets the RFC 2045 default in the inner entity. */
    static const char bare[] = "From: a@a.example\r\nTo: b@b.example\r\n\r\nhi\r\n";
    struct buf inner;
    struct pgp_verify v;
    buf_init(&inner, 0);
    CHECK_INT(h, alice_sends(w, bare, w->bob.fpr, &out), 0);
    CHECK_INT(h, open_msg(&w->bob, &out, &inner, &v, err, sizeof err), 0);
    CHECK(h, buf_is(&inner, "Content-Type: text/plain; charset=us-ascii\r\n\r\nhi\r\n"));
    buf_free(&inner);
    buf_free(&out);
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
    FILE *f = harness_create(dir, name);
    if (!f) {
        return -1;
    }
    size_t put = fwrite(p, 1, n, f);
    return fclose(f) == 0 && put == n ? 0 : -1;
}

/* --write DIR: the files pgp_tools.sh hands to gpg and Python. */
static int write_mode(const char *dir)
{
    struct world w;
    struct buf sec, pub, msg;
    char err[256];
    int ret = -1;
    buf_init(&sec, 0);
    buf_init(&pub, 0);
    buf_init(&msg, 0);
    if (world_init(&w) == 0 &&
        pgp_export_secret(w.bob.ring, w.bob.fpr, &sec, err, sizeof err) == 0 &&
        pgp_export_public(w.bob.ring, w.alice.fpr, &pub, err, sizeof err) == 0 &&
        alice_sends(&w, MSG, w.bob.fpr, &msg) == 0 &&
        write_file(dir, "bob.sec.asc", sec.data, sec.len) == 0 &&
        write_file(dir, "alice.pub.asc", pub.data, pub.len) == 0 &&
        write_file(dir, "alice.fpr", w.alice.fpr, strlen(w.alice.fpr)) == 0 &&
        write_file(dir, "message.eml", msg.data, msg.len) == 0) {
        ret = 0;
    } else {
        fprintf(stderr, "test_pgp: --write %s failed\n", dir);
    }
    world_free(&w);
    buf_free(&sec);
    buf_free(&pub);
    buf_free(&msg);
    return ret == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        return write_mode(argv[2]);
    }
    struct harness h = {"test_pgp", 0, 0};
    struct world w;
    struct buf out;
    buf_init(&out, 0);
    if (world_init(&w) < 0) {
        world_free(&w);
        return 1;
    }
    test_keys(&h, &w);
    CHECK_INT(&h, alice_sends(&w, MSG, w.bob.fpr, &out), 0);
    test_form(&h, &w, &out);
    test_read(&h, &w, &out);
    test_tamper(&h, &w, &out);
    test_bad_signature(&h, &w, &out);
    test_unsigned(&h, &w, &out);
    test_not_pgp_mime(&h, &w);
    test_unknown_signer(&h, &w);
    test_encrypt_errors(&h, &w);
    buf_free(&out);
    world_free(&w);
    return harness_finish(&h);
}
