/* test_smime: S/MIME between two MUAs. A scenario CA issues alice's, bob's and carol's e-mail
 * certificates; alice signs and encrypts to bob and herself. Checked: the header stays visible
 * and the body is really encrypted; bob and alice read it, carol (not a recipient) cannot;
 * damaged ciphertext, bad base64, a changed signed text and a signer from another CA are
 * refused; Received lines on top do not matter; the opaque signed-data form is read too; an
 * Ed25519 CA works as well.
 * With "--write DIR" it only writes ca.pem, alice.pem, bob.pem, bob.key and msg.eml into DIR,
 * for tests/smime_tools.sh to check with openssl and Python. */
#include "base64.h"
#include "harness.h"
#include "message.h"
#include "smime.h"
#include "tls_ca.h"

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALICE "alice@a.example"
#define BOB "bob@b.example"
#define CAROL "carol@c.example"
/* A phrase of the body that must never be seen on the wire. */
#define SECRET "The quotation is attached"
#define BODY                                                                                       \
    SECRET " below, as promised on the phone.\r\n"                                                 \
           "\r\n"                                                                                  \
           "  12 widgets, type B, at 40.00 EUR each: 480.00 EUR\r\n"                               \
           "  delivery to Lyon within three weeks, paid on receipt.\r\n"                           \
           "\r\n"                                                                                  \
           "Best regards,\r\n"                                                                     \
           "Alice\r\n"

struct fixture {
    struct tls_ca ca;
    struct tls_cert alice, bob, carol;
    struct buf plain; /* alice's message as her MUA builds it */
    struct buf sent;  /* the same, signed and encrypted to bob and alice */
};

/* ---- helpers ------------------------------------------------------------------------------- */

/* The offset of s in p[0..len), or -1. */
static long find(const uint8_t *p, size_t len, const char *s)
{
    const uint8_t *at = bytes_find(p, len, s, strlen(s));
    return at ? (long)(at - p) : -1;
}

static bool contains(const uint8_t *p, size_t len, const char *s)
{
    return find(p, len, s) >= 0;
}

static bool buf_has(const struct buf *b, const char *s)
{
    return contains(b->data, b->len, s);
}

static bool buf_is(const struct buf *b, const char *s)
{
    return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

/* The body's base64 decoded (white space skipped); NULL when it does not decode. */
static uint8_t *body_der(const struct buf *msg, size_t *n)
{
    size_t hlen, body, k = 0;
    if (!message_split(msg->data, msg->len, &hlen, &body)) {
        return NULL;
    }
    char *text = malloc(msg->len - body + 1);
    for (size_t i = body; i < msg->len; i++) {
        if (!strchr(" \t\r\n", msg->data[i])) {
            text[k++] = (char)msg->data[i];
        }
    }
    uint8_t *der = malloc(BASE64_DECODED_MAX(k));
    long got = base64_decode(text, k, der, BASE64_DECODED_MAX(k));
    free(text);
    if (got <= 0) {
        free(der);
        return NULL;
    }
    *n = (size_t)got;
    return der;
}

/* msg's header (up to and with the empty line) followed by der in base64 lines of 76. */
static void rewrap(const struct buf *msg, const uint8_t *der, size_t n, struct buf *out)
{
    size_t hlen, body;
    message_split(msg->data, msg->len, &hlen, &body);
    buf_append(out, msg->data, body);
    char line[80];
    for (size_t i = 0; i < n; i += 57) {
        size_t k = base64_encode(der + i, n - i < 57 ? n - i : 57, line);
        buf_append(out, line, k);
        buf_append(out, "\r\n", 2);
    }
}

/* Decrypts and verifies m as who; returns the result, the entity and signer through out. */
static int receive(struct fixture *f, const struct buf *m, const struct tls_cert *who,
                   struct buf *entity, char *signer, char *err, size_t errlen)
{
    signer[0] = '\0';
    err[0] = '\0';
    return smime_decrypt_verify(m->data, m->len, who, f->ca.root.cert, entity, signer,
                                SMIME_ADDRESS_MAX, err, errlen);
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- fixture ------------------------------------------------------------------------------- */

static int build_plain(struct buf *out)
{
    static const char *const to[] = {"Bob <" BOB ">"};
    static const char *const cc[] = {"dave@d.example"};
    static const struct message_field extra[] = {{"X-Mailer", "mailsim MUA"}};
    struct message_spec spec = {0};
    spec.from = "Alice <" ALICE ">";
    spec.to = to;
    spec.to_count = 1;
    spec.cc = cc;
    spec.cc_count = 1;
    spec.subject = "Quotation for the widgets";
    spec.date = 1795776002;
    spec.tz_minutes = 60;
    spec.message_id_local = "q1.alice";
    spec.message_id_domain = "a.example";
    spec.body = BODY;
    spec.extra = extra;
    spec.extra_count = 1;
    return message_build(&spec, out) == MESSAGE_OK ? 0 : -1;
}

static int fixture_init(struct fixture *f)
{
    char err[256] = "";
    memset(f, 0, sizeof *f);
    buf_init(&f->plain, 0);
    buf_init(&f->sent, 0);
    if (tls_ca_init(&f->ca, "mailsim scenario CA", TLS_KEY_P256, err, sizeof err) < 0 ||
        tls_ca_issue_email(&f->ca, ALICE, "Alice Example", &f->alice, err, sizeof err) < 0 ||
        tls_ca_issue_email(&f->ca, BOB, "Bob Example", &f->bob, err, sizeof err) < 0 ||
        tls_ca_issue_email(&f->ca, CAROL, NULL, &f->carol, err, sizeof err) < 0 ||
        build_plain(&f->plain) < 0) {
        fprintf(stderr, "test_smime: fixture: %s\n", err);
        return -1;
    }
    X509 *rcpt[] = {f->bob.cert, f->alice.cert}; /* alice keeps a readable sent copy */
    if (smime_sign_encrypt(f->plain.data, f->plain.len, &f->alice, rcpt, 2, &f->sent, err,
                           sizeof err) < 0) {
        fprintf(stderr, "test_smime: fixture: %s\n", err);
        return -1;
    }
    return 0;
}

static void fixture_free(struct fixture *f)
{
    tls_cert_free(&f->alice);
    tls_cert_free(&f->bob);
    tls_cert_free(&f->carol);
    tls_ca_free(&f->ca);
    buf_free(&f->plain);
    buf_free(&f->sent);
}

/* ---- cases --------------------------------------------------------------------------------- */

/* The e-mail certificates: RSA 2048, the address in subjectAltName and subject, S/MIME usage,
 * issued by the CA; bad addresses are refused. */
static void test_certificates(struct harness *h, struct fixture *f)
{
    X509 *c = f->alice.cert;
    CHECK(h, EVP_PKEY_is_a(f->alice.key, "RSA"));
    CHECK_INT(h, EVP_PKEY_get_bits(f->alice.key), 2048);
    CHECK_INT(h, X509_check_email(c, ALICE, 0, 0), 1);
    CHECK_INT(h, X509_check_email(c, BOB, 0, 0), 0);
    CHECK_INT(h, X509_check_issued(f->ca.root.cert, c), X509_V_OK);
    CHECK_INT(h, X509_check_purpose(c, X509_PURPOSE_SMIME_SIGN, 0), 1);
    CHECK_INT(h, X509_check_purpose(c, X509_PURPOSE_SMIME_ENCRYPT, 0), 1);
    CHECK_INT(h, X509_check_ca(c), 0);
    CHECK_INT(h, X509_get_key_usage(c), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
    CHECK_INT(h, X509_get_extended_key_usage(c), XKU_SMIME);
    CHECK(h, X509_get0_subject_key_id(c) != NULL && X509_get0_authority_key_id(c) != NULL);
    char cn[64] = "", email[64] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, cn, sizeof cn);
    X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_pkcs9_emailAddress, email,
                              sizeof email);
    CHECK_STR(h, cn, "Alice Example");
    CHECK_STR(h, email, ALICE);
    X509_NAME_get_text_by_NID(X509_get_subject_name(f->carol.cert), NID_commonName, cn, sizeof cn);
    CHECK_STR(h, cn, CAROL); /* no display name: the address */

    static const char *const bad[] = {
        "no-at-sign",           "@a.example",        "a@", "a@b@c", "a b@c.example",
        "a,DNS:evil@c.example", "\xc3\xa9@c.example"};
    char err[200];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tls_cert none = {0};
        CHECK_INT(h, tls_ca_issue_email(&f->ca, bad[i], "X", &none, err, sizeof err), -1);
        CHECK(h, none.key == NULL && none.cert == NULL);
    }
    struct tls_cert none = {0};
    CHECK_INT(h, tls_ca_issue_email(&f->ca, NULL, "X", &none, err, sizeof err), -1);
}

/* What travels: the header fields verbatim, the S/MIME MIME fields, base64 lines of 76 of a
 * CMS EnvelopedData (AES-256-CBC, one RecipientInfo each for bob and alice), and nothing of
 * the text, in the message or in the DER. */
static void test_on_the_wire(struct harness *h, struct fixture *f)
{
    const struct buf *s = &f->sent;
    size_t hlen, body;
    CHECK(h, message_split(s->data, s->len, &hlen, &body));
    CHECK_INT(h, message_check(s->data, s->len, NULL), MESSAGE_CHECK_OK);
    static const char *const visible[] = {"Date",    "From",       "To",      "Cc",
                                          "Subject", "Message-ID", "X-Mailer"};
    for (size_t i = 0; i < sizeof visible / sizeof visible[0]; i++) {
        char want[256], got[256], line[300];
        CHECK(h,
              message_header_get(f->plain.data, f->plain.len, visible[i], want, sizeof want) > 0);
        CHECK(h, message_header_get(s->data, s->len, visible[i], got, sizeof got) > 0);
        CHECK_STR(h, got, want);
        snprintf(line, sizeof line, "\r\n%s: %s\r\n", visible[i], want);
        CHECK(h, contains(s->data, hlen, line) || starts((const char *)s->data, line + 2));
    }
    char v[256];
    CHECK_INT(h, message_header_count(s->data, s->len, "MIME-Version"), 1);
    CHECK_INT(h, message_header_count(s->data, s->len, "Content-Type"), 1);
    CHECK_INT(h, message_header_count(s->data, s->len, "Content-Transfer-Encoding"), 1);
    message_header_get(s->data, s->len, "Content-Type", v, sizeof v);
    CHECK_STR(h, v, "application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"");
    message_header_get(s->data, s->len, "Content-Disposition", v, sizeof v);
    CHECK_STR(h, v, "attachment; filename=\"smime.p7m\"");
    message_header_get(s->data, s->len, "Content-Transfer-Encoding", v, sizeof v);
    CHECK_STR(h, v, "base64");
    CHECK(h, smime_is_encrypted(s->data, s->len));
    CHECK(h, !smime_is_encrypted(f->plain.data, f->plain.len));

    /* Lines of 76 base64 characters (the last one shorter), each ended by CRLF. */
    size_t lines = 0, bad = 0;
    for (size_t i = body; i < s->len; lines++) {
        const uint8_t *crlf = memchr(s->data + i, '\r', s->len - i);
        size_t n = crlf ? (size_t)(crlf - (s->data + i)) : s->len - i;
        bool last = !crlf || (size_t)(crlf - s->data) + 2 >= s->len;
        bad += n == 0 || n > 76 || (!last && n != 76) ||
               strspn((const char *)s->data + i,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") < n;
        i += n + 2;
    }
    CHECK(h, lines > 20);
    CHECK_INT(h, bad, 0);

    CHECK(h, !buf_has(s, SECRET) && !buf_has(s, "480.00") && !buf_has(s, "text/plain"));
    size_t n = 0;
    uint8_t *der = body_der(s, &n);
    CHECK(h, der != NULL);
    if (!der) {
        return;
    }
    CHECK(h, !contains(der, n, SECRET) && !contains(der, n, "480.00"));
    CHECK(h, !contains(der, n, "text/plain") && !contains(der, n, "multipart/signed"));
    static const char aes256cbc[] = "\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2a"; /* OID */
    CHECK(h, contains(der, n, aes256cbc));
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
    CHECK(h, cms != NULL);
    if (cms) {
        CHECK_INT(h, OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_enveloped);
        CHECK_INT(h, sk_CMS_RecipientInfo_num(CMS_get0_RecipientInfos(cms)), 2);
    }
    CMS_ContentInfo_free(cms);
    free(der);
}

/* The inner entity alice's message had: its Content-* fields, the empty line, the body. */
static const char INNER[] = "Content-Type: text/plain; charset=UTF-8\r\n"
                            "Content-Transfer-Encoding: 7bit\r\n"
                            "\r\n" BODY;

/* Bob reads it and sees alice's signature; alice reads her sent copy; MTAs' Received lines
 * on top change nothing. */
static void test_recipients_read(struct harness *h, struct fixture *f)
{
    char signer[SMIME_ADDRESS_MAX], err[300];
    struct buf entity;
    buf_init(&entity, 0);
    CHECK_INT(h, receive(f, &f->sent, &f->bob, &entity, signer, err, sizeof err), 0);
    CHECK_STR(h, err, "");
    CHECK_STR(h, signer, ALICE);
    CHECK(h, buf_is(&entity, INNER));
    CHECK(h, smime_from_matches(f->sent.data, f->sent.len, signer));
    CHECK(h, !smime_from_matches(f->sent.data, f->sent.len, "mallory@m.example"));
    CHECK(h, !smime_from_matches(f->sent.data, f->sent.len, ""));

    buf_clear(&entity);
    CHECK_INT(h, receive(f, &f->sent, &f->alice, &entity, signer, err, sizeof err), 0);
    CHECK_STR(h, signer, ALICE);
    CHECK(h, buf_is(&entity, INNER));

    struct buf relayed;
    buf_init(&relayed, 0);
    buf_append_str(&relayed, "Received: from mail.a.example (mail.a.example [192.0.2.10])\r\n"
                             "\tby mx.b.example (mailsim) with ESMTPS id 4F1C2A0B3\r\n"
                             "\tfor <" BOB ">; Fri, 27 Nov 2026 19:40:03 +0100\r\n"
                             "Received: from [192.0.2.55] (unknown [192.0.2.55])\r\n"
                             "\tby mail.a.example (mailsim) with ESMTPSA id 77A1;\r\n"
                             "\tFri, 27 Nov 2026 19:40:02 +0100\r\n");
    buf_append(&relayed, f->sent.data, f->sent.len);
    CHECK(h, smime_is_encrypted(relayed.data, relayed.len));
    buf_clear(&entity);
    CHECK_INT(h, receive(f, &relayed, &f->bob, &entity, signer, err, sizeof err), 0);
    CHECK_STR(h, signer, ALICE);
    CHECK(h, buf_is(&entity, INNER));
    buf_free(&relayed);
    buf_free(&entity);
}

/* Carol has a certificate from the same CA, but the message was not encrypted to it. */
static void test_not_a_recipient(struct harness *h, struct fixture *f)
{
    char signer[SMIME_ADDRESS_MAX], err[300];
    struct buf entity;
    buf_init(&entity, 0);
    buf_append_str(&entity, "keep");
    CHECK_INT(h, receive(f, &f->sent, &f->carol, &entity, signer, err, sizeof err), -1);
    CHECK(h, starts(err, "not addressed to this key"));
    CHECK(h, strstr(err, CAROL) != NULL);
    CHECK(h, buf_is(&entity, "keep"));
    CHECK_STR(h, signer, "");
    buf_free(&entity);
}

/* Damage on the way: one base64 character changed, a character outside the alphabet, the
 * S/MIME fields missing, a body that is base64 but not CMS. */
static void test_damaged(struct harness *h, struct fixture *f)
{
    char signer[SMIME_ADDRESS_MAX], err[300];
    struct buf m, entity;
    buf_init(&m, 0);
    buf_init(&entity, 0);
    size_t hlen, body;
    message_split(f->sent.data, f->sent.len, &hlen, &body);

    /* One character in the middle of the base64: 6 bits of ciphertext. */
    buf_append(&m, f->sent.data, f->sent.len);
    size_t at = body + (m.len - body) / 2;
    while (m.data[at] == '\r' || m.data[at] == '\n') {
        at++;
    }
    m.data[at] = m.data[at] == 'A' ? 'B' : 'A';
    CHECK_INT(h, receive(f, &m, &f->bob, &entity, signer, err, sizeof err), -1);
    CHECK(h, err[0] != '\0' && entity.len == 0);
    fprintf(stderr, "test_smime: one base64 character changed: %s\n", err);

    m.data[at] = '*';
    CHECK_INT(h, receive(f, &m, &f->bob, &entity, signer, err, sizeof err), -1);
    CHECK(h, starts(err, "bad base64"));

    CHECK_INT(h, receive(f, &f->plain, &f->bob, &entity, signer, err, sizeof err), -1);
    CHECK(h, starts(err, "not an S/MIME encrypted message"));
    CHECK(h, strstr(err, "text/plain") != NULL);

    buf_clear(&m);
    buf_append(&m, f->sent.data, body);
    buf_append_str(&m, "SGVsbG8sIEJvYiE=\r\n"); /* "Hello, Bob!" */
    CHECK_INT(h, receive(f, &m, &f->bob, &entity, signer, err, sizeof err), -1);
    CHECK(h, starts(err, "not a CMS EnvelopedData"));

    const char *notenc = "From: " ALICE "\r\nContent-Type: application/pkcs7-mime; "
                         "smime-type=signed-data\r\n\r\nAAAA\r\n";
    CHECK(h, !smime_is_encrypted((const uint8_t *)notenc, strlen(notenc)));
    CHECK(h, entity.len == 0);
    buf_free(&m);
    buf_free(&entity);
}

/* CBC has no integrity of its own: a bit flipped in the ciphertext block holding the text
 * decrypts to a garbled block and a flipped bit in the next, and nothing in the encryption
 * notices. The signature inside does. */
static void test_changed_text(struct harness *h, struct fixture *f)
{
    size_t n = 0;
    uint8_t *der = body_der(&f->sent, &n);
    const unsigned char *p = der;
    CMS_ContentInfo *cms = der ? d2i_CMS_ContentInfo(NULL, &p, (long)n) : NULL;
    BIO *plain = BIO_new(BIO_s_mem());
    CHECK(h, cms && plain && CMS_decrypt(cms, f->bob.key, f->bob.cert, NULL, plain, 0) == 1);
    char *text = NULL;
    long tlen = BIO_get_mem_data(plain, &text);
    long off = tlen > 0 ? find((const uint8_t *)text, (size_t)tlen, SECRET) : -1;
    CHECK(h, off > 0);
    ASN1_OCTET_STRING **ct = cms ? CMS_get0_content(cms) : NULL;
    if (off > 0 && ct && *ct) {
        /* The first block wholly in the body, and the next one, both within the body. */
        size_t block = ((size_t)off + 15) / 16;
        CHECK(h, block * 16 + 32 <= (size_t)off + strlen(BODY));
        (*ct)->data[block * 16 + 3] ^= 0x01;
        unsigned char *changed = NULL;
        int clen = i2d_CMS_ContentInfo(cms, &changed);
        struct buf m, entity;
        buf_init(&m, 0);
        buf_init(&entity, 0);
        rewrap(&f->sent, changed, (size_t)clen, &m);
        char signer[SMIME_ADDRESS_MAX], err[300];
        CHECK_INT(h, receive(f, &m, &f->bob, &entity, signer, err, sizeof err), -1);
        CHECK(h, starts(err, "signature does not verify"));
        fprintf(stderr, "test_smime: one ciphertext bit in the text flipped: %s\n", err);
        OPENSSL_free(changed);
        buf_free(&m);
        buf_free(&entity);
    }
    BIO_free(plain);
    CMS_ContentInfo_free(cms);
    free(der);
}

/* Mallory's own CA issues a certificate for alice's address; the signature is sound, but bob
 * trusts only the scenario CA. */
static void test_foreign_signer(struct harness *h, struct fixture *f)
{
    char err[300] = "", signer[SMIME_ADDRESS_MAX];
    struct tls_ca other;
    struct tls_cert fake = {0};
    struct buf m, entity;
    buf_init(&m, 0);
    buf_init(&entity, 0);
    CHECK_INT(h, tls_ca_init(&other, "mallory CA", TLS_KEY_P256, err, sizeof err), 0);
    CHECK_INT(h, tls_ca_issue_email(&other, ALICE, "Alice Example", &fake, err, sizeof err), 0);
    X509 *rcpt[] = {f->bob.cert};
    CHECK_INT(
        h, smime_sign_encrypt(f->plain.data, f->plain.len, &fake, rcpt, 1, &m, err, sizeof err), 0);
    CHECK_INT(h, receive(f, &m, &f->bob, &entity, signer, err, sizeof err), -1);
    CHECK(h, starts(err, "signer not trusted by the CA"));
    CHECK(h, strstr(err, "unable to get local issuer certificate") != NULL);
    CHECK(h, entity.len == 0 && signer[0] == '\0');
    fprintf(stderr, "test_smime: signer from another CA: %s\n", err);

    /* Signed by bob's CA-issued key but with carol's certificate: the key does not match. */
    struct tls_cert mixed = {f->bob.key, f->carol.cert};
    buf_clear(&m);
    CHECK_INT(h,
              smime_sign_encrypt(f->plain.data, f->plain.len, &mixed, rcpt, 1, &m, err, sizeof err),
              -1);
    CHECK(h, starts(err, "signing") && m.len == 0);
    tls_cert_free(&fake);
    tls_ca_free(&other);
    buf_free(&m);
    buf_free(&entity);
}

/* A bare RFC 5322 message, LF line ends, no MIME fields: the inner entity gets CRLF and the
 * RFC 2045 default type. Refused input leaves out as it was. */
static void test_plain_rfc5322(struct harness *h, struct fixture *f)
{
    static const char msg[] = "From: " ALICE "\nTo: " BOB "\nSubject: lunch\n"
                              "Date: Fri, 27 Nov 2026 12:00:00 +0100\n\nNoon?\nA.\n";
    char err[300], signer[SMIME_ADDRESS_MAX];
    struct buf m, entity;
    buf_init(&m, 0);
    buf_init(&entity, 0);
    X509 *rcpt[] = {f->bob.cert};
    CHECK_INT(h,
              smime_sign_encrypt((const uint8_t *)msg, strlen(msg), &f->alice, rcpt, 1, &m, err,
                                 sizeof err),
              0);
    CHECK_INT(h, message_check(m.data, m.len, NULL), MESSAGE_CHECK_OK);
    CHECK(h, buf_has(&m, "\r\nSubject: lunch\r\n"));
    CHECK_INT(h, receive(f, &m, &f->bob, &entity, signer, err, sizeof err), 0);
    CHECK(h, buf_is(&entity, "Content-Type: text/plain; charset=us-ascii\r\n\r\nNoon?\r\nA.\r\n"));

    buf_clear(&m);
    buf_append_str(&m, "keep");
    static const char nohead[] = "From: " ALICE "\r\nno empty line";
    CHECK_INT(h,
              smime_sign_encrypt((const uint8_t *)nohead, strlen(nohead), &f->alice, rcpt, 1, &m,
                                 err, sizeof err),
              -1);
    CHECK(h, starts(err, "not a message"));
    CHECK_INT(h,
              smime_sign_encrypt((const uint8_t *)msg, strlen(msg), &f->alice, rcpt, 0, &m, err,
                                 sizeof err),
              -1);
    CHECK(h, buf_is(&m, "keep"));
    struct buf tiny;
    buf_init(&tiny, 100); /* far too small for the result */
    CHECK_INT(h,
              smime_sign_encrypt((const uint8_t *)msg, strlen(msg), &f->alice, rcpt, 1, &tiny, err,
                                 sizeof err),
              -1);
    CHECK_INT(h, tiny.len, 0);
    buf_free(&tiny);
    buf_free(&m);
    buf_free(&entity);
}

/* Outlook's form: the signed layer is application/pkcs7-mime; smime-type=signed-data (the
 * content inside the SignedData), made here with OpenSSL's own S/MIME writer. */
static void test_opaque_signed(struct harness *h, struct fixture *f)
{
    static const char inner[] = "Content-Type: text/plain; charset=us-ascii\r\n\r\nopaque\r\n";
    BIO *in = BIO_new_mem_buf(inner, (int)strlen(inner));
    BIO *mime = BIO_new(BIO_s_mem());
    CMS_ContentInfo *sig = CMS_sign(f->alice.cert, f->alice.key, NULL, in, CMS_BINARY);
    CHECK(h, sig && SMIME_write_CMS(mime, sig, NULL, CMS_BINARY) == 1);
    STACK_OF(X509) *rcpt = sk_X509_new_null();
    sk_X509_push(rcpt, f->bob.cert);
    CMS_ContentInfo *env = CMS_encrypt(rcpt, mime, EVP_aes_256_cbc(), CMS_BINARY);
    unsigned char *der = NULL;
    int n = env ? i2d_CMS_ContentInfo(env, &der) : 0;
    CHECK(h, n > 0);
    struct buf head, m, entity;
    buf_init(&head, 0);
    buf_init(&m, 0);
    buf_init(&entity, 0);
    buf_append_str(&head, "From: " ALICE "\r\nTo: " BOB "\r\nMIME-Version: 1.0\r\n"
                          "Content-Type: application/x-pkcs7-mime; smime-type=enveloped-data; "
                          "name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    rewrap(&head, der, (size_t)n, &m);
    char err[300], signer[SMIME_ADDRESS_MAX];
    CHECK_INT(h, receive(f, &m, &f->bob, &entity, signer, err, sizeof err), 0);
    CHECK_STR(h, err, "");
    CHECK_STR(h, signer, ALICE);
    CHECK(h, buf_is(&entity, inner));
    OPENSSL_free(der);
    CMS_ContentInfo_free(env);
    CMS_ContentInfo_free(sig);
    sk_X509_free(rcpt);
    BIO_free(in);
    BIO_free(mime);
    buf_free(&head);
    buf_free(&m);
    buf_free(&entity);
}

/* A scenario CA with Ed25519 keys still issues RSA e-mail certificates, and they chain. */
static void test_ed25519_ca(struct harness *h, struct fixture *f)
{
    char err[300] = "", signer[SMIME_ADDRESS_MAX];
    struct tls_ca ca;
    struct tls_cert dave = {0};
    struct buf m, entity;
    buf_init(&m, 0);
    buf_init(&entity, 0);
    CHECK_INT(h, tls_ca_init(&ca, "Ed25519 CA", TLS_KEY_ED25519, err, sizeof err), 0);
    CHECK_INT(h, tls_ca_issue_email(&ca, "dave@d.example", "Dave", &dave, err, sizeof err), 0);
    CHECK(h, EVP_PKEY_is_a(dave.key, "RSA"));
    X509 *rcpt[] = {dave.cert};
    CHECK_INT(
        h, smime_sign_encrypt(f->plain.data, f->plain.len, &dave, rcpt, 1, &m, err, sizeof err), 0);
    CHECK_INT(h,
              smime_decrypt_verify(m.data, m.len, &dave, ca.root.cert, &entity, signer,
                                   sizeof signer, err, sizeof err),
              0);
    CHECK_STR(h, signer, "dave@d.example");
    CHECK(h, buf_is(&entity, INNER));
    tls_cert_free(&dave);
    tls_ca_free(&ca);
    buf_free(&m);
    buf_free(&entity);
}

/* ---- files for smime_tools.sh -------------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const struct buf *b, X509 *cert,
                      EVP_PKEY *key)
{
    FILE *fp = harness_create(dir, name);
    if (!fp) {
        return -1;
    }
    bool ok = b      ? fwrite(b->data, 1, b->len, fp) == b->len
              : cert ? PEM_write_X509(fp, cert) == 1
                     : PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) == 1;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

static int write_files(struct fixture *f, const char *dir)
{
    struct buf pem;
    buf_init(&pem, 0);
    int rc = tls_ca_pem(&f->ca, &pem) < 0 || write_file(dir, "ca.pem", &pem, NULL, NULL) < 0 ||
                     write_file(dir, "alice.pem", NULL, f->alice.cert, NULL) < 0 ||
                     write_file(dir, "bob.pem", NULL, f->bob.cert, NULL) < 0 ||
                     write_file(dir, "bob.key", NULL, NULL, f->bob.key) < 0 ||
                     write_file(dir, "msg.eml", &f->sent, NULL, NULL) < 0
                 ? 1
                 : 0;
    buf_free(&pem);
    return rc;
}

int main(int argc, char **argv)
{
    struct harness h = {"test_smime", 0, 0};
    struct fixture f;
    if (fixture_init(&f) < 0) {
        fixture_free(&f);
        return 1;
    }
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        int rc = write_files(&f, argv[2]);
        fixture_free(&f);
        return rc;
    }
    test_certificates(&h, &f);
    test_on_the_wire(&h, &f);
    test_recipients_read(&h, &f);
    test_not_a_recipient(&h, &f);
    test_damaged(&h, &f);
    test_changed_text(&h, &f);
    test_foreign_signer(&h, &f);
    test_plain_rfc5322(&h, &f);
    test_opaque_signed(&h, &f);
    test_ed25519_ca(&h, &f);
    fixture_free(&f);
    return harness_finish(&h);
}
