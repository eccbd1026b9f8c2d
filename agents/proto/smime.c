/* smime: sign-then-encrypt and decrypt-then-verify with OpenSSL's CMS (see smime.h). OpenSSL
 * makes and checks the CMS structures; the MIME around them is written here, CRLF throughout.
 *
 * The signed layer is multipart/signed (RFC 8551 3.5, RFC 1847) rather than an opaque
 * application/pkcs7-mime signed-data: once decrypted, the text is plain MIME that any reader
 * (and mailsim's viewer) can show next to its signature part, which is how Thunderbird signs
 * before encrypting. The usual risk of multipart/signed, a gateway re-encoding the signed part
 * in transit, cannot happen inside the encryption. Decryption accepts both forms.
 *
 * The cipher is AES-256-CBC in EnvelopedData, with RSA PKCS #1 v1.5 key transport: what
 * `openssl cms`, Thunderbird and Outlook all read. RFC 8551 2.7 prefers AES-GCM in
 * AuthEnvelopedData (RFC 5083), which older clients cannot open. CBC alone does not detect a
 * changed ciphertext; the signature inside does. */
#include "smime.h"

#include "base64.h"
#include "mime.h"

#include <limits.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 2045 6.8: "The encoded output stream must be represented in lines of no more than 76
 * characters each": 57 octets make 76 characters. */
#define SMIME_B64_LINE_OCTETS 57
/* Content-Type values we look at; a longer one is not ours. */
#define SMIME_CT_MAX 512

/* ---- errors -------------------------------------------------------------------------------- */

/* "what: reason of the last OpenSSL error" into err, then clears OpenSSL's error queue. */
static void smime_fail_ssl(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    mime_err_setf(err, errlen, "%s: %s", what, reason ? reason : "unknown error");
    ERR_clear_error();
}

/* ---- MIME text ----------------------------------------------------------------------------- */

/* Base64 of der in lines of 76 characters, each ended by CRLF. */
static int smime_append_base64(struct buf *out, const uint8_t *der, size_t len)
{
    char line[BASE64_ENCODED_LEN(SMIME_B64_LINE_OCTETS) + 1];
    for (size_t i = 0; i < len; i += SMIME_B64_LINE_OCTETS) {
        size_t take = len - i < SMIME_B64_LINE_OCTETS ? len - i : SMIME_B64_LINE_OCTETS;
        size_t n = base64_encode(der + i, take, line);
        if (buf_append(out, line, n) < 0 || buf_append(out, "\r\n", 2) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The inner entity: the message's Content-* fields (or the RFC 2045 default type), the empty
 * line and the body, all canonical. */
static int smime_inner_entity(const uint8_t *msg, size_t body, size_t len, struct buf *out)
{
    if (mime_append_content_fields(out, msg, len) < 0 || buf_append(out, "\r\n", 2) < 0) {
        return -1;
    }
    return mime_append_crlf(out, msg + body, len - body);
}

/* The outer header: every field but Content-* and MIME-Version, verbatim and in order, then the
 * fields of an application/pkcs7-mime body (RFC 8551 3.2, 3.3) and the empty line. */
static int smime_outer_header(const uint8_t *msg, size_t len, struct buf *out)
{
    if (mime_append_other_fields(out, msg, len) < 0) {
        return -1;
    }
    return buf_append_str(out,
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n"
                          " name=\"smime.p7m\"\r\n"
                          "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
                          "Content-Transfer-Encoding: base64\r\n"
                          "\r\n");
}

/* ---- sending ------------------------------------------------------------------------------- */

static int smime_append_der(CMS_ContentInfo *cms, struct buf *out)
{
    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    int rc = n > 0 ? buf_append(out, der, (size_t)n) : -1;
    OPENSSL_free(der);
    return rc;
}

/* CMS SignedData (RFC 5652 5) over content, without the content (detached): SHA-256, the
 * signer's certificate included, signed attributes (content type, signing time, message
 * digest, S/MIME capabilities). CMS_BINARY: content is already canonical, sign it as is. */
static int smime_sign_detached(const struct buf *content, const struct tls_cert *signer,
                               struct buf *der, char *err, size_t errlen)
{
    const unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
    BIO *in = BIO_new_mem_buf(content->data, (int)content->len);
    CMS_ContentInfo *cms = in ? CMS_sign(NULL, NULL, NULL, NULL, flags) : NULL;
    int rc = -1;
    if (cms && CMS_add1_signer(cms, signer->cert, signer->key, EVP_sha256(), 0) &&
        CMS_final(cms, in, NULL, flags)) {
        rc = smime_append_der(cms, der);
    }
    if (rc < 0) {
        smime_fail_ssl(err, errlen, "signing");
    }
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return rc;
}

/* RFC 1847 2.1, RFC 8551 3.5: the signed entity, then the signature. The boundary is made from
 * the entity's SHA-256, so it cannot occur inside it and the same input gives the same text. */
static int smime_multipart_signed(const struct buf *entity, const struct buf *sig, struct buf *out)
{
    unsigned char md[32];
    char boundary[48];
    if (!EVP_Digest(entity->data, entity->len, md, NULL, EVP_sha256(), NULL)) {
        return -1;
    }
    int k = snprintf(boundary, sizeof boundary, "----mailsim-signed-");
    for (int i = 0; i < 12; i++) {
        k += snprintf(boundary + k, sizeof boundary - (size_t)k, "%02x", md[i]);
    }
    if (buf_printf(out,
                   "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
                   " micalg=sha-256; boundary=\"%s\"\r\n"
                   "\r\n"
                   "This is an S/MIME signed message.\r\n"
                   "\r\n"
                   "--%s\r\n",
                   boundary, boundary) < 0 ||
        buf_append(out, entity->data, entity->len) < 0 ||
        buf_printf(out,
                   "\r\n--%s\r\n"
                   "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
                   "Content-Transfer-Encoding: base64\r\n"
                   "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
                   "\r\n",
                   boundary) < 0 ||
        smime_append_base64(out, sig->data, sig->len) < 0) {
        return -1;
    }
    return buf_printf(out, "--%s--\r\n", boundary);
}

/* CMS EnvelopedData (RFC 5652 6): a fresh AES-256 key encrypts content once; each recipient
 * gets a RecipientInfo holding that key encrypted to her certificate's public key. */
static int smime_encrypt_to(const struct buf *content, X509 *const *recipients, size_t n,
                            struct buf *der, char *err, size_t errlen)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    bool ok = certs != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = recipients[i] && sk_X509_push(certs, recipients[i]) > 0;
    }
    BIO *in = ok ? BIO_new_mem_buf(content->data, (int)content->len) : NULL;
    CMS_ContentInfo *cms = in ? CMS_encrypt(certs, in, EVP_aes_256_cbc(), CMS_BINARY) : NULL;
    int rc = cms ? smime_append_der(cms, der) : -1;
    if (rc < 0) {
        smime_fail_ssl(err, errlen, "encrypting");
    }
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    sk_X509_free(certs); /* the certificates are the caller's */
    return rc;
}

int smime_sign_encrypt(const uint8_t *msg, size_t len, const struct tls_cert *signer,
                       X509 *const *recipients, size_t n, struct buf *out, char *err, size_t errlen)
{
    size_t hlen, body;
    if (!signer || !signer->key || !signer->cert || !recipients || n == 0) {
        mime_err_setf(err, errlen, "no signer key and certificate, or no recipient");
        return -1;
    }
    if (!msg || len > INT_MAX / 2 || !mime_split(msg, len, &hlen, &body)) {
        mime_err_setf(err, errlen, "not a message: no empty line after the header fields");
        return -1;
    }
    struct buf inner, sig, layer, der;
    buf_init(&inner, 0);
    buf_init(&sig, 0);
    buf_init(&layer, 0);
    buf_init(&der, 0);
    size_t mark = out->len;
    int rc = smime_inner_entity(msg, body, len, &inner);
    if (rc == 0) {
        rc = smime_sign_detached(&inner, signer, &sig, err, errlen);
    } else {
        mime_err_setf(err, errlen, "out of memory");
    }
    if (rc == 0 && smime_multipart_signed(&inner, &sig, &layer) < 0) {
        mime_err_setf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        rc = smime_encrypt_to(&layer, recipients, n, &der, err, errlen);
    }
    if (rc == 0 && (smime_outer_header(msg, len, out) < 0 ||
                    smime_append_base64(out, der.data, der.len) < 0)) {
        mime_err_setf(err, errlen, "out of memory or over the output buffer's limit");
        buf_truncate(out, mark);
        rc = -1;
    }
    buf_free(&inner);
    buf_free(&sig);
    buf_free(&layer);
    buf_free(&der);
    return rc;
}

/* ---- receiving ----------------------------------------------------------------------------- */

/* Content-Type: application/pkcs7-mime (x- is the pre-RFC 2633 name) with an encrypted
 * smime-type; the value goes to ct (cap bytes, "" when there is none) for messages. */
static bool smime_encrypted_type(const uint8_t *msg, size_t len, char *ct, size_t cap)
{
    char st[32];
    long n = mime_header_get(msg, len, "Content-Type", ct, cap);
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    bool p7m =
        mime_type_is(ct, "application/pkcs7-mime") || mime_type_is(ct, "application/x-pkcs7-mime");
    long k = p7m ? mime_param(ct, "smime-type", st, sizeof st) : -1;
    return k > 0 && (size_t)k < sizeof st &&
           (strcasecmp(st, "enveloped-data") == 0 || strcasecmp(st, "authEnveloped-data") == 0);
}

bool smime_is_encrypted(const uint8_t *msg, size_t len)
{
    char ct[SMIME_CT_MAX];
    return msg && smime_encrypted_type(msg, len, ct, sizeof ct);
}

bool smime_from_matches(const uint8_t *msg, size_t len, const char *address)
{
    char from[512];
    long n = msg ? mime_header_get(msg, len, "From", from, sizeof from) : -1;
    if (n < 0 || (size_t)n >= sizeof from || !address || !*address) {
        return false;
    }
    const char *start = from, *lt = strrchr(from, '<');
    size_t alen = strlen(from);
    if (lt) {
        start = lt + 1;
        alen = strcspn(start, ">");
        if (start[alen] != '>') {
            return false;
        }
    }
    return alen == strlen(address) && strncasecmp(start, address, alen) == 0;
}

/* The base64 body, white space skipped, decoded into a new array (*der, free it) of *n bytes. */
static int smime_decode_body(const uint8_t *msg, size_t len, uint8_t **der, size_t *n, char *err,
                             size_t errlen)
{
    size_t hlen, body;
    char cte[64];
    long c = mime_header_get(msg, len, "Content-Transfer-Encoding", cte, sizeof cte);
    if (!mime_split(msg, len, &hlen, &body) || c < 0 || strcasecmp(cte, "base64") != 0) {
        mime_err_setf(err, errlen,
                      "bad base64: the body is not in base64 (Content-Transfer-Encoding: %s)",
                      c < 0 ? "none" : cte);
        return -1;
    }
    char *text = malloc(len - body + 1);
    size_t k = 0;
    for (size_t i = body; text && i < len; i++) {
        bool space = msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' || msg[i] == '\n';
        if (!space) {
            text[k++] = (char)msg[i];
        }
    }
    *der = text ? malloc(BASE64_DECODED_MAX(k)) : NULL;
    long got = *der ? base64_decode(text, k, *der, BASE64_DECODED_MAX(k)) : -2;
    free(text);
    if (got <= 0) {
        free(*der);
        *der = NULL;
        mime_err_setf(err, errlen,
                      got == -2 ? "out of memory" : "bad base64: the body does not decode");
        return -1;
    }
    *n = (size_t)got;
    return 0;
}

/* True when one of the RecipientInfos names cert: key transport (RSA) by issuer and serial or
 * key identifier, key agreement (EC) likewise for each of its recipient keys. */
static bool smime_addressed_to(CMS_ContentInfo *cms, X509 *cert, int *count)
{
    STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
    *count = sk_CMS_RecipientInfo_num(ris);
    for (int i = 0; i < *count; i++) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
        if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS &&
            CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0) {
            return true;
        }
        if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
            STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
            for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks); j++) {
                if (CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, j),
                                                       cert) == 0) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* The first e-mail address the certificate names (subject emailAddress, then subjectAltName
 * rfc822Name) into out; "" when it names none. */
static void smime_cert_address(X509 *cert, char *out, size_t cap)
{
    STACK_OF(OPENSSL_STRING) *emails = X509_get1_email(cert);
    const char *first = sk_OPENSSL_STRING_num(emails) > 0 ? sk_OPENSSL_STRING_value(emails, 0) : "";
    snprintf(out, cap, "%s", first);
    X509_email_free(emails);
}

/* Opens the EnvelopedData in der[0..n) with me's key; the content goes to plain. */
static int smime_open_envelope(const uint8_t *der, size_t n, const struct tls_cert *me,
                               struct buf *plain, char *err, size_t errlen)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
    int nid = cms ? OBJ_obj2nid(CMS_get0_type(cms)) : NID_undef;
    int count = 0;
    BIO *out = NULL;
    int rc = -1;
    if (nid != NID_pkcs7_enveloped && nid != NID_id_smime_ct_authEnvelopedData) {
        mime_err_setf(err, errlen, "not a CMS EnvelopedData: the body decodes to %s",
                      cms ? OBJ_nid2ln(nid) : "something that is not CMS");
    } else if (!smime_addressed_to(cms, me->cert, &count)) {
        char who[SMIME_ADDRESS_MAX];
        smime_cert_address(me->cert, who, sizeof who);
        mime_err_setf(err, errlen,
                      "not addressed to this key: none of its %d recipient infos names the "
                      "certificate of %s, so this private key cannot open it",
                      count, who[0] ? who : "this recipient");
    } else if (!(out = BIO_new(BIO_s_mem())) ||
               !CMS_decrypt(cms, me->key, me->cert, NULL, out, CMS_BINARY)) {
        smime_fail_ssl(err, errlen, "decryption failed");
    } else {
        char *data = NULL;
        long len = BIO_get_mem_data(out, &data);
        rc = len > 0 && buf_append(plain, data, (size_t)len) == 0 ? 0 : -1;
        if (rc < 0) {
            mime_err_setf(err, errlen, "decryption failed: no content, or out of memory");
        }
    }
    ERR_clear_error();
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    return rc;
}

/* Checks each signer's certificate against ca alone, for e-mail signing (keyUsage, extended
 * key usage emailProtection), at the current real time; the first signer's address goes to
 * signer. */
static int smime_check_signers(CMS_ContentInfo *cms, X509 *ca, char *signer, size_t cap, char *err,
                               size_t errlen)
{
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int rc = -1;
    if (!signers || sk_X509_num(signers) == 0 || !store || !ctx ||
        !X509_STORE_add_cert(store, ca)) {
        smime_fail_ssl(err, errlen, "signer not trusted by the CA: no signer certificate");
    } else {
        rc = 0;
    }
    for (int i = 0; rc == 0 && i < sk_X509_num(signers); i++) {
        X509 *cert = sk_X509_value(signers, i);
        if (!X509_STORE_CTX_init(ctx, store, cert, certs) ||
            !X509_STORE_CTX_set_default(ctx, "smime_sign") || X509_verify_cert(ctx) != 1) {
            char who[SMIME_ADDRESS_MAX];
            smime_cert_address(cert, who, sizeof who);
            mime_err_setf(err, errlen, "signer not trusted by the CA: %s: %s",
                          who[0] ? who : "signer",
                          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
            rc = -1;
        }
        X509_STORE_CTX_cleanup(ctx);
    }
    if (rc == 0) {
        smime_cert_address(sk_X509_value(signers, 0), signer, cap);
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_pop_free(certs, X509_free);
    sk_X509_free(signers); /* its certificates belong to cms */
    return rc;
}

/* Why CMS_verify failed, from OpenSSL's last error. */
static void smime_signature_failed(char *err, size_t errlen)
{
    int reason = ERR_GET_REASON(ERR_peek_last_error());
    if (reason == CMS_R_CONTENT_VERIFY_ERROR) {
        mime_err_setf(err, errlen,
                      "signature does not verify: the content was changed after signing");
        ERR_clear_error();
    } else if (reason == CMS_R_VERIFICATION_FAILURE) {
        mime_err_setf(
            err, errlen,
            "signature does not verify: the signature was changed or made with another key");
        ERR_clear_error();
    } else {
        smime_fail_ssl(err, errlen, "signature does not verify");
    }
}

/* The decrypted entity, multipart/signed or application/pkcs7-mime signed-data: the signature
 * over the signed content first, then the signer's certificate; the content goes to entity. */
static int smime_verify_signed(const struct buf *plain, X509 *ca, struct buf *entity, char *signer,
                               size_t cap, char *err, size_t errlen)
{
    BIO *in = BIO_new_mem_buf(plain->data, (int)plain->len);
    BIO *content = NULL; /* the first part of a multipart/signed */
    BIO *out = BIO_new(BIO_s_mem());
    CMS_ContentInfo *cms = in && out ? SMIME_read_CMS(in, &content) : NULL;
    int rc = -1;
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        mime_err_setf(err, errlen,
                      "not a signed MIME entity: the decrypted content is neither multipart/signed "
                      "nor signed-data");
    } else if (CMS_verify(cms, NULL, NULL, content, out, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) !=
               1) {
        smime_signature_failed(err, errlen);
    } else if (smime_check_signers(cms, ca, signer, cap, err, errlen) == 0) {
        char *data = NULL;
        long len = BIO_get_mem_data(out, &data);
        rc = len >= 0 && buf_append(entity, data, (size_t)len) == 0 ? 0 : -1;
        if (rc < 0) {
            mime_err_setf(err, errlen, "out of memory or over the output buffer's limit");
        }
    }
    ERR_clear_error();
    CMS_ContentInfo_free(cms);
    BIO_free(content);
    BIO_free(out);
    BIO_free(in);
    return rc;
}

int smime_decrypt_verify(const uint8_t *msg, size_t len, const struct tls_cert *me, X509 *ca,
                         struct buf *entity, char *signer, size_t signer_cap, char *err,
                         size_t errlen)
{
    char ct[SMIME_CT_MAX] = "";
    if (!me || !me->key || !me->cert || !ca || !signer || signer_cap == 0) {
        mime_err_setf(err, errlen, "no recipient key and certificate, trusted CA or signer buffer");
        return -1;
    }
    if (!msg || len > INT_MAX || !smime_encrypted_type(msg, len, ct, sizeof ct)) {
        mime_err_setf(
            err, errlen,
            "not an S/MIME encrypted message: Content-Type is %s, not application/pkcs7-mime "
            "with smime-type=enveloped-data",
            ct[0] ? ct : "missing");
        return -1;
    }
    uint8_t *der = NULL;
    size_t n = 0;
    struct buf plain, inner;
    buf_init(&plain, 0);
    buf_init(&inner, 0);
    int rc = smime_decode_body(msg, len, &der, &n, err, errlen);
    if (rc == 0) {
        rc = smime_open_envelope(der, n, me, &plain, err, errlen);
    }
    if (rc == 0) {
        rc = smime_verify_signed(&plain, ca, &inner, signer, signer_cap, err, errlen);
    }
    if (rc == 0 && buf_append(entity, inner.data, inner.len) < 0) {
        mime_err_setf(err, errlen, "out of memory or over the output buffer's limit");
        rc = -1;
    }
    free(der);
    buf_free(&plain);
    buf_free(&inner);
    return rc;
}
