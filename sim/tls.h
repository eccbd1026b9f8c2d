/* tls: a sans-I/O TLS endpoint. OpenSSL runs over two memory BIOs: records from the wire are
 * fed in, records to send are taken out, plaintext goes through write/read. It owns no
 * socket and no clock, like the SMTP and POP3 engines, and an agent pumps it the same way. */
#ifndef MAILSIM_TLS_H
#define MAILSIM_TLS_H

#include "buf.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes queued either way before the endpoint refuses more (a runaway peer or agent). */
#define TLS_QUEUE_MAX ((size_t)1 << 24)

struct tls_endpoint {
    SSL *ssl;
    BIO *rbio;          /* ciphertext from the wire, read by OpenSSL */
    BIO *wbio;          /* ciphertext written by OpenSSL, drained into wire */
    struct buf wire;    /* records to send, in order */
    struct buf pending; /* plaintext written before the handshake finished */
    bool done;          /* handshake complete */
    bool closing;       /* tls_close called: close_notify follows the queued data */
    bool shut;          /* close_notify written */
    bool peer_closed;   /* close_notify received */
    bool failed;        /* a fatal error: see err */
    char err[200];
};

/* A client that verifies the server's certificate with ctx (see tls_ca_client_ctx) and checks
 * that it names server_name (SNI and host name check), or a server presenting ctx's
 * certificate. The client's first flight (ClientHello) is ready at once in
 * tls_ciphertext_output. Each returns NULL when memory is exhausted; free with tls_free. */
struct tls_endpoint *tls_client_new(SSL_CTX *ctx, const char *server_name);
struct tls_endpoint *tls_server_new(SSL_CTX *ctx);
void tls_free(struct tls_endpoint *t);

/* Records from the peer, any cut (one byte at a time works). Drives the handshake. */
void tls_feed_ciphertext(struct tls_endpoint *t, const uint8_t *in, size_t n);

/* Records to send: *out points at them (valid until the next call on t), the return value is
 * their length; consumed(n) drops the first n once the caller has put them on the wire. */
size_t tls_ciphertext_output(const struct tls_endpoint *t, const uint8_t **out);
void tls_ciphertext_consumed(struct tls_endpoint *t, size_t n);

/* Queues application data; it is encrypted as soon as the handshake is done, in order.
 * Returns 0, or -1 after a failure, a close, or when the queue limit is reached. */
int tls_write_plaintext(struct tls_endpoint *t, const uint8_t *p, size_t n);

/* Decrypted application data: up to cap bytes into buf; 0 when none is available now. */
size_t tls_read_plaintext(struct tls_endpoint *t, uint8_t *buf, size_t cap);

/* Sends close_notify (RFC 8446 6.1) after any queued data. */
void tls_close(struct tls_endpoint *t);

bool tls_handshake_done(const struct tls_endpoint *t);
bool tls_peer_closed(const struct tls_endpoint *t);
/* NULL while all is well; after a fatal error a readable reason, e.g. "certificate verify
 * failed: hostname mismatch" or "peer sent alert: unknown ca". */
const char *tls_error(const struct tls_endpoint *t);
/* "TLSv1.3", "TLS_AES_256_GCM_SHA384": what was negotiated (NULL before the handshake). */
const char *tls_version(const struct tls_endpoint *t);
const char *tls_cipher(const struct tls_endpoint *t);

#endif
