/* tls_ca: a scenario certificate authority made at run time (EC P-256 or Ed25519, X509 v3), the
 * server certificates it signs for given DNS names, its PEM export, the SSL_CTX constructors for
 * clients (trusting only this CA) and servers, and an NSS key log hook (SSLKEYLOGFILE). It also
 * issues S/MIME certificates (RSA) for e-mail addresses. */
#ifndef MAILSIM_TLS_CA_H
#define MAILSIM_TLS_CA_H

#include "buf.h"

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdio.h>

/* A key and its certificate; both NULL when empty. */
struct tls_cert {
    EVP_PKEY *key;
    X509 *cert;
};

/* P-256 (ECDSA, SHA-256) is what mail servers commonly present. Ed25519 (RFC 8410) signs
 * deterministically with 64 bytes every time, so a run's TLS record lengths never vary;
 * ECDSA's DER signatures are 70 to 72 bytes, and a server's flight varies by a few bytes. */
enum tls_key_alg { TLS_KEY_P256, TLS_KEY_ED25519 };

struct tls_ca {
    struct tls_cert root; /* self-signed, CA:TRUE */
    enum tls_key_alg alg; /* of the CA and of every certificate it issues */
    long next_serial;     /* serials 1 (the CA), 2, 3 ... in order of issue */
};

/* Where key log lines go: appended to buf, written to file, or both (either may be NULL).
 * The caller owns both and keeps them alive as long as any context it was attached to. */
struct tls_keylog {
    struct buf *buf;
    FILE *file;
    size_t lines; /* lines delivered so far */
};

/* Makes a CA named common_name (e.g. "mailsim scenario CA") with alg keys, valid from an hour
 * ago for ten years of real time (OpenSSL verifies against the real clock, not the virtual
 * one). Returns 0, or -1 with a message in err (errlen bytes). */
int tls_ca_init(struct tls_ca *ca, const char *common_name, enum tls_key_alg alg, char *err,
                size_t errlen);
void tls_ca_free(struct tls_ca *ca);

/* Issues a server certificate for names[0..n) (n >= 1): subject CN names[0], subjectAltName
 * DNS for each name, serverAuth, signed by ca. out must be empty; on success it owns a new key
 * and certificate (release with tls_cert_free). Returns 0, or -1 with a message in err. */
int tls_ca_issue(struct tls_ca *ca, const char *const *names, size_t n, struct tls_cert *out,
                 char *err, size_t errlen);
void tls_cert_free(struct tls_cert *c);

/* Issues an S/MIME certificate (RFC 8550 4.4) for one e-mail address, e.g. "alice@a.example":
 * an RSA 2048 key whatever ca->alg is (the key S/MIME users commonly have; every client can
 * encrypt to it), subject O=mailsim, CN display_name (UTF-8; NULL: the address) and
 * emailAddress, subjectAltName rfc822Name, keyUsage digitalSignature and keyEncipherment,
 * extendedKeyUsage emailProtection, CA:FALSE, subject and authority key identifiers, signed by
 * ca. out must be empty; on success it owns the new key and certificate (tls_cert_free). The
 * address must be printable ASCII with one '@', no space and no comma. Returns 0, or -1 with a
 * message in err. */
int tls_ca_issue_email(struct tls_ca *ca, const char *address, const char *display_name,
                       struct tls_cert *out, char *err, size_t errlen);

/* Appends the CA certificate in PEM ("-----BEGIN CERTIFICATE-----" ...). Returns 0 or -1. */
int tls_ca_pem(const struct tls_ca *ca, struct buf *out);

/* A client context: TLS 1.2 or later, verifies the peer against ca only (no system store).
 * A server context: TLS 1.2 or later, presents cert, sends no session tickets.
 * Each returns a new SSL_CTX (SSL_CTX_free) or NULL with a message in err. */
SSL_CTX *tls_ca_client_ctx(const struct tls_ca *ca, char *err, size_t errlen);
SSL_CTX *tls_ca_server_ctx(const struct tls_cert *cert, char *err, size_t errlen);

/* Sends every secret negotiated through ctx to kl as NSS key log lines, "LABEL <64 hex client
 * random> <hex secret>\n", the format of SSLKEYLOGFILE that Wireshark and tshark read. kl is
 * kept as ctx's app data (ex_data index 0); attach it to one side of a connection only, or
 * each line comes twice. */
void tls_keylog_attach(SSL_CTX *ctx, struct tls_keylog *kl);

#endif
