/* tls_ca: the scenario CA, its server certificates and the SSL_CTX constructors (see tls_ca.h).
 * EC keys (P-256 or Ed25519): quick to make, and small certificates keep handshakes short.
 * S/MIME certificates get RSA 2048 keys: what mail clients expect to encrypt to. */
#include "tls_ca.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define TLS_CA_VALID_SECONDS (10L * 365 * 24 * 3600)

/* "what: reason of the last OpenSSL error" into err, then clears OpenSSL's error queue. */
static void fail(char *err, size_t errlen, const char *what)
{
    char reason[160];
    unsigned long e = ERR_peek_last_error();
    if (e != 0) {
        ERR_error_string_n(e, reason, sizeof reason);
    } else {
        snprintf(reason, sizeof reason, "unknown error");
    }
    ERR_clear_error();
    if (err && errlen) {
        snprintf(err, errlen, "%s: %s", what, reason);
    }
}

static EVP_PKEY *new_key(enum tls_key_alg alg)
{
    return alg == TLS_KEY_ED25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") : EVP_EC_gen("P-256");
}

/* Ed25519 hashes internally and takes no digest (RFC 8410 6); ECDSA signs SHA-256. */
static int sign(X509 *cert, const struct tls_ca *ca)
{
    return X509_sign(cert, ca->root.key, ca->alg == TLS_KEY_ED25519 ? NULL : EVP_sha256());
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext) {
        return -1;
    }
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A v3 certificate for key with subject CN cn, serial, valid from an hour ago; not signed. */
static X509 *new_cert(EVP_PKEY *key, const char *cn, long serial)
{
    X509 *cert = X509_new();
    if (!cert) {
        return NULL;
    }
    X509_NAME *name = X509_get_subject_name(cert);
    if (!X509_set_version(cert, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), TLS_CA_VALID_SECONDS) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"mailsim", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_pubkey(cert, key)) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

int tls_ca_init(struct tls_ca *ca, const char *common_name, enum tls_key_alg alg, char *err,
                size_t errlen)
{
    memset(ca, 0, sizeof *ca);
    ca->alg = alg;
    ca->next_serial = 1;
    ca->root.key = new_key(alg);
    if (!ca->root.key) {
        fail(err, errlen, "CA key");
        return -1;
    }
    X509 *cert = new_cert(ca->root.key, common_name, ca->next_serial++);
    if (!cert || !X509_set_issuer_name(cert, X509_get_subject_name(cert)) ||
        add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
        add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
        add_ext(cert, cert, NID_subject_key_identifier, "hash") < 0 || sign(cert, ca) <= 0) {
        X509_free(cert);
        tls_ca_free(ca);
        fail(err, errlen, "CA certificate");
        return -1;
    }
    ca->root.cert = cert;
    return 0;
}

void tls_cert_free(struct tls_cert *c)
{
    X509_free(c->cert);
    EVP_PKEY_free(c->key);
    c->cert = NULL;
    c->key = NULL;
}

void tls_ca_free(struct tls_ca *ca)
{
    tls_cert_free(&ca->root);
}

int tls_ca_issue(struct tls_ca *ca, const char *const *names, size_t n, struct tls_cert *out,
                 char *err, size_t errlen)
{
    struct buf san;
    buf_init(&san, 4096);
    int bad = n == 0 || !ca->root.cert;
    for (size_t i = 0; i < n && !bad; i++) {
        bad = buf_printf(&san, "%sDNS:%s", i ? "," : "", names[i]) < 0 ||
              strchr(names[i], ',') != NULL;
    }
    if (bad) {
        buf_free(&san);
        if (err && errlen) {
            snprintf(err, errlen, "certificate names: none, bad, or too many");
        }
        return -1;
    }
    out->key = new_key(ca->alg);
    out->cert = out->key ? new_cert(out->key, names[0], ca->next_serial++) : NULL;
    /* RFC 6125 6.4.4: a client must not look at the CN when a subjectAltName DNS is present,
     * so the names that count are all in subjectAltName. */
    if (!out->cert || !X509_set_issuer_name(out->cert, X509_get_subject_name(ca->root.cert)) ||
        add_ext(out->cert, ca->root.cert, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
        add_ext(out->cert, ca->root.cert, NID_key_usage, "critical,digitalSignature") < 0 ||
        add_ext(out->cert, ca->root.cert, NID_ext_key_usage, "serverAuth") < 0 ||
        add_ext(out->cert, ca->root.cert, NID_authority_key_identifier, "keyid:always") < 0 ||
        add_ext(out->cert, ca->root.cert, NID_subject_alt_name, (const char *)san.data) < 0 ||
        sign(out->cert, ca) <= 0) {
        buf_free(&san);
        tls_cert_free(out);
        fail(err, errlen, "server certificate");
        return -1;
    }
    buf_free(&san);
    return 0;
}

/* An e-mail address for the certificate: printable ASCII, one '@' with text either side, and
 * none of the characters that would end a value in OpenSSL's extension syntax. */
static bool email_ok(const char *address)
{
    const char *at = strchr(address, '@');
    if (!at || at == address || at[1] == '\0' || strchr(at + 1, '@')) {
        return false;
    }
    for (const char *p = address; *p; p++) {
        if (*p <= ' ' || *p > '~' || *p == ',') {
            return false;
        }
    }
    return true;
}

int tls_ca_issue_email(struct tls_ca *ca, const char *address, const char *display_name,
                       struct tls_cert *out, char *err, size_t errlen)
{
    char san[320];
    if (!ca->root.cert || !address || !email_ok(address) || strlen(address) > 254) {
        if (err && errlen) {
            snprintf(err, errlen, "certificate address: missing or not a plain e-mail address");
        }
        return -1;
    }
    snprintf(san, sizeof san, "email:%s", address);
    /* RFC 8550 4.4.2: keyEncipherment lets senders encrypt to the key (RSA key transport),
     * digitalSignature lets its owner sign; 4.4.4: emailProtection. */
    const struct {
        int nid;
        const char *value;
    } exts[] = {
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
        {NID_ext_key_usage, "emailProtection"},
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid:always"},
        {NID_subject_alt_name, san},
    };
    out->key = EVP_RSA_gen(2048);
    out->cert = out->key
                    ? new_cert(out->key, display_name ? display_name : address, ca->next_serial++)
                    : NULL;
    /* RFC 8550 3: the address belongs in subjectAltName; emailAddress in the subject is the
     * legacy place some clients still show. */
    bool ok = out->cert &&
              X509_NAME_add_entry_by_txt(X509_get_subject_name(out->cert), "emailAddress",
                                         MBSTRING_ASC, (const unsigned char *)address, -1, -1, 0) &&
              X509_set_issuer_name(out->cert, X509_get_subject_name(ca->root.cert));
    for (size_t i = 0; ok && i < sizeof exts / sizeof exts[0]; i++) {
        ok = add_ext(out->cert, ca->root.cert, exts[i].nid, exts[i].value) == 0;
    }
    if (!ok || sign(out->cert, ca) <= 0) {
        tls_cert_free(out);
        fail(err, errlen, "e-mail certificate");
        return -1;
    }
    return 0;
}

int tls_ca_pem(const struct tls_ca *ca, struct buf *out)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *p = NULL;
    int rc = -1;
    if (mem && ca->root.cert && PEM_write_bio_X509(mem, ca->root.cert)) {
        long n = BIO_get_mem_data(mem, &p);
        rc = n > 0 ? buf_append(out, p, (size_t)n) : -1;
    }
    BIO_free(mem);
    ERR_clear_error();
    return rc;
}

/* RFC 8997 (updating RFC 8314 4.1) deprecates TLS 1.1 for mail: TLS 1.2 is the minimum on
 * both sides. OpenSSL prefers TLS 1.3 (RFC 8446) when both support it, as here. */
static SSL_CTX *new_ctx(const SSL_METHOD *method, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        SSL_CTX_free(ctx);
        fail(err, errlen, "TLS context");
        return NULL;
    }
    return ctx;
}

SSL_CTX *tls_ca_client_ctx(const struct tls_ca *ca, char *err, size_t errlen)
{
    SSL_CTX *ctx = new_ctx(TLS_client_method(), err, errlen);
    if (!ctx) {
        return NULL;
    }
    /* Trust the scenario CA only; SSL_VERIFY_PEER makes a failed check abort the handshake
     * (RFC 8314 4.4: MUAs MUST validate TLS server certificates, per RFC 7817). */
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    if (!store || !ca->root.cert || !X509_STORE_add_cert(store, ca->root.cert)) {
        SSL_CTX_free(ctx);
        fail(err, errlen, "trusting the scenario CA");
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

SSL_CTX *tls_ca_server_ctx(const struct tls_cert *cert, char *err, size_t errlen)
{
    SSL_CTX *ctx = new_ctx(TLS_server_method(), err, errlen);
    if (!ctx) {
        return NULL;
    }
    if (!cert->cert || !cert->key || SSL_CTX_use_certificate(ctx, cert->cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, cert->key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        fail(err, errlen, "server certificate and key");
        return NULL;
    }
    /* RFC 8446 4.6.1: the server MAY send NewSessionTicket. Agents never resume, so none is
     * sent: fewer records in the trace and nothing arriving after the handshake unasked. */
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

static void keylog_line(const SSL *ssl, const char *line)
{
    struct tls_keylog *kl = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    if (!kl) {
        return;
    }
    if (kl->buf && buf_printf(kl->buf, "%s\n", line) < 0) {
        return;
    }
    if (kl->file) {
        fprintf(kl->file, "%s\n", line);
        fflush(kl->file);
    }
    kl->lines++;
}

void tls_keylog_attach(SSL_CTX *ctx, struct tls_keylog *kl)
{
    SSL_CTX_set_app_data(ctx, kl);
    SSL_CTX_set_keylog_callback(ctx, kl ? keylog_line : NULL);
}
