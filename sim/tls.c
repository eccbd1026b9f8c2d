/* tls: the sans-I/O TLS endpoint (see tls.h). Every call ends by draining what OpenSSL wrote
 * into the wire buffer, so output is ready the moment an input or a write produced it. */
#include "tls.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_error(struct tls_endpoint *t, const char *fmt, const char *detail)
{
    if (!t->failed) {
        t->failed = true;
        snprintf(t->err, sizeof t->err, fmt, detail);
    }
}

/* Names the reason of a failed OpenSSL call: a rejected certificate by its verify result, an
 * alert or other error by OpenSSL's reason string; then clears OpenSSL's error queue. */
static void ssl_failed(struct tls_endpoint *t, const char *what)
{
    long verify = SSL_get_verify_result(t->ssl);
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    char msg[sizeof t->err];
    if (!SSL_is_server(t->ssl) && verify != X509_V_OK) {
        snprintf(msg, sizeof msg, "certificate verify failed: %s",
                 X509_verify_cert_error_string(verify));
    } else {
        snprintf(msg, sizeof msg, "%s: %s", what, reason ? reason : "unexpected error");
    }
    set_error(t, "%s", msg);
    ERR_clear_error();
}

/* Moves what OpenSSL wrote into the wire buffer. */
static void drain(struct tls_endpoint *t)
{
    size_t n;
    while ((n = BIO_ctrl_pending(t->wbio)) > 0) {
        if (n > INT_MAX) {
            n = INT_MAX;
        }
        if (buf_reserve(&t->wire, n) < 0) {
            set_error(t, "%s", "outgoing records exceed the queue limit");
            return;
        }
        int got = BIO_read(t->wbio, t->wire.data + t->wire.len, (int)n);
        if (got <= 0) {
            return;
        }
        t->wire.len += (size_t)got;
    }
}

/* Drives the handshake, then encrypts queued plaintext and a requested close. */
static void advance(struct tls_endpoint *t)
{
    ERR_clear_error();
    if (!t->failed && !t->done) {
        int rc = SSL_do_handshake(t->ssl);
        if (rc == 1) {
            t->done = true;
        } else {
            int e = SSL_get_error(t->ssl, rc);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                ssl_failed(t, "handshake failed");
            }
        }
    }
    if (!t->failed && t->done && t->pending.len > 0) {
        size_t n = t->pending.len < INT_MAX ? t->pending.len : INT_MAX;
        int rc = SSL_write(t->ssl, t->pending.data, (int)n);
        if (rc > 0) {
            buf_consume(&t->pending, (size_t)rc);
        } else {
            ssl_failed(t, "write failed");
        }
    }
    if (!t->failed && t->done && t->closing && t->pending.len == 0 && !t->shut) {
        t->shut = true;
        SSL_shutdown(t->ssl);
        ERR_clear_error();
    }
    drain(t);
}

static struct tls_endpoint *endpoint_new(SSL_CTX *ctx)
{
    struct tls_endpoint *t = calloc(1, sizeof *t);
    if (!t) {
        return NULL;
    }
    buf_init(&t->wire, TLS_QUEUE_MAX);
    buf_init(&t->pending, TLS_QUEUE_MAX);
    t->ssl = SSL_new(ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        t->rbio = t->wbio = NULL;
        tls_free(t);
        return NULL;
    }
    /* An empty input BIO means "wait for more", not end of stream. */
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    return t;
}

struct tls_endpoint *tls_client_new(SSL_CTX *ctx, const char *server_name)
{
    struct tls_endpoint *t = endpoint_new(ctx);
    if (!t) {
        return NULL;
    }
    SSL_set_connect_state(t->ssl);
    /* RFC 3207 4.1 / RFC 8314 4.4: the client checks that the certificate names the server
     * it meant to reach; SNI (RFC 6066 3) tells the server which name that is. Wildcards in
     * a left-most label only, never partial ones (RFC 6125 6.4.3). */
    SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (!SSL_set1_host(t->ssl, server_name) || !SSL_set_tlsext_host_name(t->ssl, server_name)) {
        ERR_clear_error();
        tls_free(t);
        return NULL;
    }
    advance(t);
    return t;
}

struct tls_endpoint *tls_server_new(SSL_CTX *ctx)
{
    struct tls_endpoint *t = endpoint_new(ctx);
    if (t) {
        SSL_set_accept_state(t->ssl);
    }
    return t;
}

void tls_free(struct tls_endpoint *t)
{
    if (!t) {
        return;
    }
    SSL_free(t->ssl); /* frees both BIOs */
    buf_free(&t->wire);
    buf_free(&t->pending);
    free(t);
}

void tls_feed_ciphertext(struct tls_endpoint *t, const uint8_t *in, size_t n)
{
    while (n > 0 && !t->failed) {
        int chunk = n < INT_MAX ? (int)n : INT_MAX;
        int rc = BIO_write(t->rbio, in, chunk);
        if (rc <= 0) {
            set_error(t, "%s", "out of memory for incoming records");
            break;
        }
        in += rc;
        n -= (size_t)rc;
    }
    advance(t);
}

size_t tls_ciphertext_output(const struct tls_endpoint *t, const uint8_t **out)
{
    *out = t->wire.data;
    return t->wire.len;
}

void tls_ciphertext_consumed(struct tls_endpoint *t, size_t n)
{
    buf_consume(&t->wire, n);
}

int tls_write_plaintext(struct tls_endpoint *t, const uint8_t *p, size_t n)
{
    if (t->failed || t->closing || buf_append(&t->pending, p, n) < 0) {
        return -1;
    }
    advance(t);
    return t->failed ? -1 : 0;
}

size_t tls_read_plaintext(struct tls_endpoint *t, uint8_t *buf, size_t cap)
{
    if (t->failed || !t->done || t->peer_closed || cap == 0) {
        return 0;
    }
    ERR_clear_error();
    size_t got = 0;
    int rc = SSL_read_ex(t->ssl, buf, cap, &got);
    if (!rc) {
        int e = SSL_get_error(t->ssl, rc);
        if (e == SSL_ERROR_ZERO_RETURN) {
            t->peer_closed = true;
        } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            ssl_failed(t, "read failed");
        }
        got = 0;
    }
    drain(t); /* a read may answer the peer (a KeyUpdate, RFC 8446 4.6.3) */
    return got;
}

void tls_close(struct tls_endpoint *t)
{
    t->closing = true;
    advance(t);
}

bool tls_handshake_done(const struct tls_endpoint *t)
{
    return t->done && !t->failed;
}

bool tls_peer_closed(const struct tls_endpoint *t)
{
    return t->peer_closed;
}

const char *tls_error(const struct tls_endpoint *t)
{
    return t->failed ? t->err : NULL;
}

const char *tls_version(const struct tls_endpoint *t)
{
    return t->done ? SSL_get_version(t->ssl) : NULL;
}

const char *tls_cipher(const struct tls_endpoint *t)
{
    return t->done ? SSL_CIPHER_get_name(SSL_get_current_cipher(t->ssl)) : NULL;
}
