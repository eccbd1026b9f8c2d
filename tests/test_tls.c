/* test_tls: the TLS endpoint and scenario CA, pumped in memory (whole flights, one byte at a
 * time): handshake, plaintext both ways and never on the wire, name mismatch, untrusted CA,
 * TLS 1.2, key log lines, repeatable flights (P-256, Ed25519), and tshark decrypting. */
#include "export_pcap.h"
#include "harness.h"
#include "tls.h"
#include "tls_ca.h"
#include "trace.h"
#include "wire_pair.h"

#include <ctype.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The world every case shares: one CA, a certificate for mx.b.example, both contexts. */
struct fixture {
    struct tls_ca ca;
    struct tls_cert mx;
    SSL_CTX *client;
    SSL_CTX *server;
    struct buf keylog;
    struct tls_keylog kl;
};

WIRE_PAIR_OPS(tls_wire, struct tls_endpoint, tls_ciphertext_output, tls_ciphertext_consumed,
              tls_feed_ciphertext, NULL, true);

static void pair_open(struct wire_pair *p, struct fixture *f, SSL_CTX *client, const char *name)
{
    wire_pair_init(p, &tls_wire);
    p->c = tls_client_new(client ? client : f->client, name);
    p->s = tls_server_new(f->server);
}

static void pair_close(struct wire_pair *p)
{
    tls_free(p->c);
    tls_free(p->s);
    wire_pair_fini(p);
}

static bool contains(const struct buf *b, const char *s)
{
    return harness_contains(b->data, b->len, s, strlen(s));
}

/* Reads everything available into a NUL-terminated string (cap bytes at most). */
static size_t read_all(struct tls_endpoint *t, char *out, size_t cap)
{
    size_t len = 0, n;
    while (len + 1 < cap && (n = tls_read_plaintext(t, (uint8_t *)out + len, cap - 1 - len))) {
        len += n;
    }
    out[len] = '\0';
    return len;
}

static int fixture_init(struct fixture *f)
{
    char err[256];
    memset(f, 0, sizeof *f);
    static const char *const names[] = {"mx.b.example", "smtp.b.example"};
    if (tls_ca_init(&f->ca, "mailsim scenario CA", TLS_KEY_P256, err, sizeof err) < 0 ||
        tls_ca_issue(&f->ca, names, 2, &f->mx, err, sizeof err) < 0 ||
        !(f->client = tls_ca_client_ctx(&f->ca, err, sizeof err)) ||
        !(f->server = tls_ca_server_ctx(&f->mx, err, sizeof err))) {
        fprintf(stderr, "test_tls: fixture: %s\n", err);
        return -1;
    }
    buf_init(&f->keylog, 0);
    f->kl.buf = &f->keylog;
    tls_keylog_attach(f->client, &f->kl);
    return 0;
}

static void fixture_free(struct fixture *f)
{
    SSL_CTX_free(f->client);
    SSL_CTX_free(f->server);
    tls_cert_free(&f->mx);
    tls_ca_free(&f->ca);
    buf_free(&f->keylog);
}

/* Handshake, "EHLO x" one way and a reply the other, close_notify; step 0 or 1 byte. */
static void test_exchange(struct harness *h, struct fixture *f, size_t step)
{
    struct wire_pair p;
    pair_open(&p, f, NULL, "mx.b.example");
    CHECK(h, p.c && p.s);
    const uint8_t *out;
    CHECK(h, tls_ciphertext_output(p.c, &out) > 0); /* the ClientHello is ready at once */
    CHECK(h, !tls_handshake_done(p.c) && !tls_version(p.c));
    wire_pair_pump(&p, step);
    CHECK(h, tls_handshake_done(p.c));
    CHECK(h, tls_handshake_done(p.s));
    CHECK(h, tls_error(p.c) == NULL && tls_error(p.s) == NULL);
    CHECK_STR(h, tls_version(p.c), "TLSv1.3");
    CHECK_STR(h, tls_cipher(p.c), tls_cipher(p.s));

    char got[256];
    CHECK_INT(h, tls_write_plaintext(p.c, (const uint8_t *)"EHLO x\r\n", 8), 0);
    wire_pair_pump(&p, step);
    read_all(p.s, got, sizeof got);
    CHECK_STR(h, got, "EHLO x\r\n");
    CHECK_INT(h, tls_write_plaintext(p.s, (const uint8_t *)"250 mx.b.example\r\n", 18), 0);
    wire_pair_pump(&p, step);
    read_all(p.c, got, sizeof got);
    CHECK_STR(h, got, "250 mx.b.example\r\n");
    CHECK_INT(h, read_all(p.c, got, sizeof got), 0);

    tls_close(p.c);
    CHECK_INT(h, tls_write_plaintext(p.c, (const uint8_t *)"x", 1), -1);
    wire_pair_pump(&p, step);
    read_all(p.s, got, sizeof got);
    CHECK(h, tls_peer_closed(p.s));
    CHECK(h, !contains(&p.c2s, "EHLO") && !contains(&p.s2c, "250 "));
    CHECK(h, p.c2s.len > 8 && p.s2c.len > 100);
    pair_close(&p);
}

/* Plaintext written before the handshake waits for it; a large write arrives whole. */
static void test_early_and_large(struct harness *h, struct fixture *f)
{
    struct wire_pair p;
    pair_open(&p, f, NULL, "smtp.b.example"); /* the second subjectAltName */
    CHECK_INT(h, tls_write_plaintext(p.c, (const uint8_t *)"EHLO early\r\n", 12), 0);
    size_t big = 100000;
    uint8_t *data = malloc(big);
    uint8_t *back = malloc(big + 64);
    for (size_t i = 0; i < big; i++) {
        data[i] = (uint8_t)('a' + i % 26);
    }
    CHECK_INT(h, tls_write_plaintext(p.c, data, big), 0);
    wire_pair_pump(&p, 0);
    CHECK(h, tls_handshake_done(p.s));
    size_t len = 0, n;
    while ((n = tls_read_plaintext(p.s, back + len, big + 64 - len)) > 0) {
        len += n;
    }
    CHECK_INT(h, len, big + 12);
    CHECK(h, memcmp(back, "EHLO early\r\n", 12) == 0 && memcmp(back + 12, data, big) == 0);
    free(data);
    free(back);
    pair_close(&p);
}

static void test_name_mismatch(struct harness *h, struct fixture *f)
{
    struct wire_pair p;
    pair_open(&p, f, NULL, "mail.b.example");
    wire_pair_pump(&p, 0);
    CHECK(h, !tls_handshake_done(p.c) && !tls_handshake_done(p.s));
    CHECK_STR(h, tls_error(p.c), "certificate verify failed: hostname mismatch");
    /* The client told the server why, in an alert (RFC 8446 6.2: bad_certificate). */
    CHECK(h, tls_error(p.s) && strstr(tls_error(p.s), "alert bad certificate"));
    CHECK_INT(h, tls_write_plaintext(p.c, (const uint8_t *)"EHLO x\r\n", 8), -1);
    pair_close(&p);
}

static void test_untrusted(struct harness *h, struct fixture *f)
{
    char err[256];
    struct tls_ca other;
    CHECK_INT(h, tls_ca_init(&other, "someone else", TLS_KEY_P256, err, sizeof err), 0);
    SSL_CTX *ctx = tls_ca_client_ctx(&other, err, sizeof err);
    struct wire_pair p;
    pair_open(&p, f, ctx, "mx.b.example");
    wire_pair_pump(&p, 1);
    CHECK(h, !tls_handshake_done(p.c));
    CHECK_STR(h, tls_error(p.c),
              "certificate verify failed: unable to get local issuer certificate");
    CHECK(h, tls_error(p.s) && strstr(tls_error(p.s), "alert unknown ca"));
    pair_close(&p);
    SSL_CTX_free(ctx);
    tls_ca_free(&other);
}

/* Checks a key log line "LABEL <64 hex> <hex>" with a known label; returns the label. */
static const char *keylog_label(const char *line, const char *random_hex, size_t secret_hex)
{
    static const char *const labels[] = {"CLIENT_RANDOM",
                                         "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                         "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                         "CLIENT_TRAFFIC_SECRET_0",
                                         "SERVER_TRAFFIC_SECRET_0",
                                         "EXPORTER_SECRET"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        size_t n = strlen(labels[i]);
        if (strncmp(line, labels[i], n) != 0 || line[n] != ' ') {
            continue;
        }
        const char *r = line + n + 1;
        if (strncmp(r, random_hex, 64) != 0 || r[64] != ' ') {
            return NULL;
        }
        const char *s = r + 65;
        size_t len = strspn(s, "0123456789abcdef");
        return len == secret_hex && s[len] == '\0' ? labels[i] : NULL;
    }
    return NULL;
}

/* Runs one handshake with a fresh key log and checks its lines. */
static void check_keylog(struct harness *h, struct fixture *f, SSL_CTX *client,
                         const char *const *want, size_t nwant, size_t secret_hex)
{
    buf_clear(&f->keylog);
    struct wire_pair p;
    pair_open(&p, f, client, "mx.b.example");
    wire_pair_pump(&p, 0);
    struct tls_endpoint *client_end = p.c;
    CHECK(h, tls_handshake_done(client_end));
    unsigned char random[32];
    char hex[65];
    CHECK_INT(h, SSL_get_client_random(client_end->ssl, random, sizeof random), 32);
    for (size_t i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", random[i]);
    }
    size_t lines = 0, matched = 0;
    char *text = strndup((const char *)f->keylog.data, f->keylog.len);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *label = keylog_label(line, hex, secret_hex);
        CHECK(h, label != NULL);
        for (size_t i = 0; label && i < nwant; i++) {
            matched += strcmp(label, want[i]) == 0;
        }
        lines++;
    }
    CHECK_INT(h, lines, nwant);
    CHECK_INT(h, matched, nwant);
    CHECK(h, f->keylog.len > 0 && f->keylog.data[f->keylog.len - 1] == '\n');
    free(text);
    pair_close(&p);
}

static void test_keylog(struct harness *h, struct fixture *f)
{
    static const char *const tls13[] = {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"};
    size_t before = f->kl.lines;
    /* TLS_AES_256_GCM_SHA384 is OpenSSL's first choice: SHA-384 secrets, 96 hex digits. */
    check_keylog(h, f, NULL, tls13, 5, 96);
    CHECK_INT(h, f->kl.lines - before, 5);

    /* TLS 1.2 still works (the floor, RFC 8997) and logs its master secret (48 bytes). */
    char err[256];
    SSL_CTX *ctx12 = tls_ca_client_ctx(&f->ca, err, sizeof err);
    SSL_CTX_set_max_proto_version(ctx12, TLS1_2_VERSION);
    tls_keylog_attach(ctx12, &f->kl);
    static const char *const tls12[] = {"CLIENT_RANDOM"};
    check_keylog(h, f, ctx12, tls12, 1, 96);
    SSL_CTX_free(ctx12);
}

/* The CA's PEM reads back as a CA; the server certificate names both hosts and chains to it. */
static void test_certificates(struct harness *h, struct fixture *f)
{
    struct buf pem;
    buf_init(&pem, 0);
    CHECK_INT(h, tls_ca_pem(&f->ca, &pem), 0);
    CHECK(h, pem.len > 100 && memcmp(pem.data, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
    BIO *mem = BIO_new_mem_buf(pem.data, (int)pem.len);
    X509 *ca = PEM_read_bio_X509(mem, NULL, NULL, NULL);
    CHECK(h, ca != NULL);
    CHECK_INT(h, X509_check_ca(ca), 1);
    CHECK_INT(h, X509_cmp(ca, f->ca.root.cert), 0);
    CHECK_INT(h, X509_check_host(f->mx.cert, "mx.b.example", 0, 0, NULL), 1);
    CHECK_INT(h, X509_check_host(f->mx.cert, "smtp.b.example", 0, 0, NULL), 1);
    CHECK_INT(h, X509_check_host(f->mx.cert, "mail.b.example", 0, 0, NULL), 0);
    CHECK_INT(h, X509_check_issued(ca, f->mx.cert), X509_V_OK);
    CHECK_INT(h, X509_get_version(f->mx.cert), X509_VERSION_3);
    X509_free(ca);
    BIO_free(mem);
    buf_free(&pem);

    char err[128];
    struct tls_cert none = {0};
    CHECK_INT(h, tls_ca_issue(&f->ca, NULL, 0, &none, err, sizeof err), -1);
    static const char *const bad[] = {"a.example,DNS:evil.example"};
    CHECK_INT(h, tls_ca_issue(&f->ca, bad, 1, &none, err, sizeof err), -1);
    CHECK(h, none.key == NULL && none.cert == NULL);
}

/* One handshake, whole flights in turn; the flights' lengths go to len[], their count back. */
static size_t flights(SSL_CTX *client, SSL_CTX *server, size_t *len, size_t max)
{
    struct tls_endpoint *t[2] = {tls_client_new(client, "mx.b.example"), tls_server_new(server)};
    size_t n = 0;
    for (int side = 0, idle = 0; idle < 2 && n < max; side ^= 1) {
        const uint8_t *out;
        size_t k = tls_ciphertext_output(t[side], &out);
        idle = k ? 0 : idle + 1;
        if (k) {
            len[n++] = k;
            tls_feed_ciphertext(t[side ^ 1], out, k);
            tls_ciphertext_consumed(t[side], k);
        }
    }
    bool ok = tls_handshake_done(t[0]) && tls_handshake_done(t[1]);
    tls_free(t[0]);
    tls_free(t[1]);
    return ok ? n : 0;
}

/* Same events every run: P-256 gives the same flights (lengths vary with ECDSA's DER
 * signatures), Ed25519 the very same lengths too, across fresh CAs and certificates. */
static void test_repeatable(struct harness *h)
{
    for (int alg = TLS_KEY_P256; alg <= TLS_KEY_ED25519; alg++) {
        size_t first[8] = {0}, nfirst = 0;
        for (int run = 0; run < 4; run++) {
            char err[256];
            struct tls_ca ca;
            struct tls_cert mx = {0};
            static const char *const names[] = {"mx.b.example"};
            CHECK_INT(h, tls_ca_init(&ca, "CA", (enum tls_key_alg)alg, err, sizeof err), 0);
            CHECK_INT(h, tls_ca_issue(&ca, names, 1, &mx, err, sizeof err), 0);
            SSL_CTX *c = tls_ca_client_ctx(&ca, err, sizeof err);
            SSL_CTX *s = tls_ca_server_ctx(&mx, err, sizeof err);
            size_t len[8] = {0};
            size_t n = flights(c, s, len, 8);
            CHECK_INT(h, n, 3); /* ClientHello; ServerHello..Finished; client Finished */
            if (run == 0) {
                nfirst = n;
                memcpy(first, len, sizeof first);
            }
            CHECK_INT(h, n, nfirst);
            CHECK_INT(h, len[0], first[0]);
            CHECK_INT(h, len[2], first[2]);
            if (alg == TLS_KEY_ED25519) {
                CHECK_INT(h, len[1], first[1]);
            }
            SSL_CTX_free(c);
            SSL_CTX_free(s);
            tls_cert_free(&mx);
            tls_ca_free(&ca);
        }
    }
}

/* SMTP over implicit TLS (port 465, RFC 8314 3.3) in a pcap; tshark with the key log must
 * read the SMTP command inside. scripts/setup.sh installs tshark: without it this fails. */
static void test_tshark(struct harness *h, struct fixture *f)
{
    if (!CHECK(h, system("command -v tshark >/dev/null 2>&1") == 0)) {
        fprintf(stderr, "test_tls: tshark is not on PATH; install it (scripts/setup.sh)\n");
        return;
    }
    struct trace tr;
    CHECK_INT(h, trace_init(&tr), 0);
    uint32_t zone = trace_add_zone(&tr, "internet");
    uint32_t a = trace_add_host(&tr, "mail.a.example", zone, 0xC000020Au);
    uint32_t b = trace_add_host(&tr, "mx.b.example", zone, 0xCB00718Cu);
    trace_add_agent(&tr, "gw.a", "mta", "Postfix", a);
    trace_add_agent(&tr, "mx.b", "mta", "Postfix", b);
    struct trace_conn c = wire_pair_conn(&tr, "smtps", a, 0xC000020Au, 40000, b, 0xCB00718Cu, 465);
    buf_clear(&f->keylog);
    struct wire_pair p;
    pair_open(&p, f, NULL, "mx.b.example");
    p.tr = &tr;
    p.conn = trace_connect(&tr, 0, &c);
    p.t = 2000;
    wire_pair_pump(&p, 0);
    tls_write_plaintext(p.s, (const uint8_t *)"220 mx.b.example ESMTP\r\n", 24);
    wire_pair_pump(&p, 0);
    tls_write_plaintext(p.c, (const uint8_t *)"EHLO mail.a.example\r\n", 21);
    wire_pair_pump(&p, 0);
    char pcap[] = "/tmp/mailsim-tls-XXXXXX", keys[] = "/tmp/mailsim-keys-XXXXXX";
    int fd1 = mkstemp(pcap), fd2 = mkstemp(keys);
    FILE *fp = fd1 >= 0 ? fdopen(fd1, "wb") : NULL;
    FILE *fk = fd2 >= 0 ? fdopen(fd2, "wb") : NULL;
    char err[256];
    CHECK(h, fp && fk);
    if (fp && fk) {
        CHECK_INT(h, export_pcap(&tr, fp, err, sizeof err), 0);
        fwrite(f->keylog.data, 1, f->keylog.len, fk);
    }
    if (fp) {
        fclose(fp);
    }
    if (fk) {
        fclose(fk);
    }
    char cmd[512], out[512] = "";
    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s' -o 'tls.keylog_file:%s' -Y smtp -T fields -e smtp.req.command "
             "-e smtp.response.code 2>&1",
             pcap, keys);
    FILE *tp = popen(cmd, "r");
    size_t len = tp ? fread(out, 1, sizeof out - 1, tp) : 0;
    out[len] = '\0';
    if (tp) {
        pclose(tp);
    }
    CHECK(h, strstr(out, "\t220\n") != NULL); /* the greeting: a response code */
    CHECK(h, strstr(out, "EHLO\t") != NULL);  /* then the command */
    if (!strstr(out, "EHLO")) {
        fprintf(stderr, "test_tls: tshark said: %s\n", out);
    }
    unlink(pcap);
    unlink(keys);
    pair_close(&p);
    trace_free(&tr);
}

int main(void)
{
    struct harness h = {"test_tls", 0, 0};
    struct fixture f;
    if (fixture_init(&f) < 0) {
        return 1;
    }
    test_exchange(&h, &f, 0);
    test_exchange(&h, &f, 1);
    test_early_and_large(&h, &f);
    test_name_mismatch(&h, &f);
    test_untrusted(&h, &f);
    test_keylog(&h, &f);
    test_certificates(&h, &f);
    test_repeatable(&h);
    test_tshark(&h, &f);
    fixture_free(&f);
    return harness_finish(&h);
}
