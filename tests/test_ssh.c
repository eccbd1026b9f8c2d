/* test_ssh: the SSH port-forwarding endpoints (ssh -L 1110:localhost:110), pumped against each
 * other in memory, whole outputs and one byte at a time: handshake, banners, host key
 * fingerprint and pinning, a POP3-like exchange both ways that never shows on the wire, early
 * writes, a wrong password, a refused destination, close from either side, the peer's TCP
 * close, a link with latency that cuts bytes at random, more than a channel window each way,
 * no file descriptor left open. With --pcap FILE it records one tunnelled POP3 session into a
 * trace and writes it as a pcap for tests/ssh_pcap.sh (tshark). */
#include "buf.h"
#include "export_pcap.h"
#include "harness.h"
#include "ssh.h"
#include "trace.h"
#include "wire_pair.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER "bob"
#define PASS "s3cret-Pa55"

/* A side is done when its SSH connection is over: it closes its TCP half. */
static bool ssh_wire_done(void *e)
{
    return ssh_end_done(e);
}

WIRE_PAIR_OPS(ssh_wire, struct ssh_end, ssh_end_wire_output, ssh_end_wire_consumed,
              ssh_end_feed_wire, ssh_wire_done, false);

static struct ssh_end *server_new(const struct ssh_end_hostkey *key)
{
    char err[256] = "";
    struct ssh_end *s = ssh_end_server_new(USER, PASS, "localhost", 110, key, err, sizeof err);
    if (!s) {
        fprintf(stderr, "test_ssh: server: %s\n", err);
    }
    return s;
}

static struct ssh_end *client_new(const char *password, const char *host, uint16_t port)
{
    char err[256] = "";
    struct ssh_end *c = ssh_end_client_new(USER, password, host, port, err, sizeof err);
    if (!c) {
        fprintf(stderr, "test_ssh: client: %s\n", err);
    }
    return c;
}

static void pair_open(struct wire_pair *p, const struct ssh_end_hostkey *key, const char *password,
                      const char *host, uint16_t port)
{
    wire_pair_init(p, &ssh_wire);
    p->s = server_new(key);
    p->c = client_new(password, host, port);
}

static void pair_close(struct wire_pair *p)
{
    ssh_end_free(p->c);
    ssh_end_free(p->s);
    wire_pair_fini(p);
}

static bool contains(const struct buf *b, const void *s, size_t n)
{
    return harness_contains(b->data, b->len, s, n);
}

static bool contains_str(const struct buf *b, const char *s)
{
    return contains(b, s, strlen(s));
}

/* Reads everything available into out (cap bytes at most); returns the length. */
static size_t read_all(struct ssh_end *e, uint8_t *out, size_t cap)
{
    size_t len = 0, n;
    while (len < cap && (n = ssh_end_read(e, out + len, cap - len)) > 0) {
        len += n;
    }
    return len;
}

static size_t read_str(struct ssh_end *e, char *out, size_t cap)
{
    size_t n = read_all(e, (uint8_t *)out, cap - 1);
    out[n] = '\0';
    return n;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d) {
        return -1;
    }
    while (readdir(d)) {
        n++;
    }
    closedir(d);
    return n;
}

static bool has_line(const char *log, const char *line)
{
    return strstr(log, line) != NULL;
}

/* The lesson's session: +OK ready, USER bob, a 20 KiB reply, close from the client. */
static void test_exchange(struct harness *h, const struct ssh_end_hostkey *key, size_t step)
{
    struct wire_pair p;
    pair_open(&p, key, PASS, "localhost", 110);
    if (!CHECK(h, p.c && p.s)) {
        pair_close(&p);
        return;
    }
    const uint8_t *out;
    /* Both identification strings are ready at once (RFC 4253 4.2 lets either go first). */
    CHECK(h, ssh_end_wire_output(p.s, &out) > 8 && memcmp(out, "SSH-2.0-", 8) == 0);
    CHECK(h, ssh_end_wire_output(p.c, &out) > 8 && memcmp(out, "SSH-2.0-", 8) == 0);
    CHECK(h, !ssh_end_ready(p.c) && !ssh_end_ready(p.s));
    CHECK(h, ssh_end_banner(p.c) == NULL && ssh_end_hostkey_fingerprint(p.c) == NULL);
    wire_pair_pump(&p, step);
    CHECK(h, ssh_end_ready(p.c));
    CHECK(h, ssh_end_ready(p.s));
    CHECK(h, ssh_end_error(p.c) == NULL && ssh_end_error(p.s) == NULL);
    if (ssh_end_error(p.c) || ssh_end_error(p.s)) {
        fprintf(stderr, "  client: %s\n  server: %s\n",
                ssh_end_error(p.c) ? ssh_end_error(p.c) : "-",
                ssh_end_error(p.s) ? ssh_end_error(p.s) : "-");
    }
    CHECK(h, ssh_end_banner(p.c) && strncmp(ssh_end_banner(p.c), "SSH-2.0-", 8) == 0);
    CHECK(h, ssh_end_banner(p.s) && strncmp(ssh_end_banner(p.s), "SSH-2.0-", 8) == 0);
    CHECK(h, p.s2c.len > 8 && memcmp(p.s2c.data, "SSH-2.0-", 8) == 0);
    CHECK(h, p.c2s.len > 8 && memcmp(p.c2s.data, "SSH-2.0-", 8) == 0);
    const char *fp = ssh_end_hostkey_fingerprint(p.c);
    CHECK(h, fp && strncmp(fp, "SHA256:", 7) == 0 && strlen(fp) == 7 + 43);
    CHECK_STR(h, fp, ssh_end_hostkey_fingerprint(p.s));
    if (key) {
        CHECK_STR(h, fp, ssh_end_hostkey_sha256(key));
    }
    CHECK(h, has_line(ssh_end_log(p.s), "Accepted password for " USER "\n"));
    CHECK(h, has_line(ssh_end_log(p.s), "direct-tcpip to localhost:110 from 127.0.0.1:"));

    char got[256];
    CHECK_INT(h, ssh_end_write(p.s, (const uint8_t *)"+OK ready\r\n", 11), 0);
    wire_pair_pump(&p, step);
    read_str(p.c, got, sizeof got);
    CHECK_STR(h, got, "+OK ready\r\n");
    CHECK_INT(h, ssh_end_write(p.c, (const uint8_t *)"USER bob\r\n", 10), 0);
    CHECK_INT(h, ssh_end_write(p.c, (const uint8_t *)"PASS " PASS "\r\n", 7 + strlen(PASS)), 0);
    wire_pair_pump(&p, step);
    read_str(p.s, got, sizeof got);
    CHECK_STR(h, got, "USER bob\r\nPASS " PASS "\r\n");

    size_t big = 20 * 1024;
    uint8_t *reply = malloc(big), *back = malloc(big + 64);
    for (size_t i = 0; i < big; i++) {
        reply[i] = (uint8_t)(i % 64 == 63 ? '\n' : 'A' + i % 26);
    }
    memcpy(reply, "+OK 20480 octets\r\n", 18);
    CHECK_INT(h, ssh_end_write(p.s, reply, big), 0);
    wire_pair_pump(&p, step);
    size_t n = read_all(p.c, back, big + 64);
    CHECK_INT(h, n, big);
    CHECK(h, n == big && memcmp(back, reply, big) == 0);
    CHECK_INT(h, read_all(p.c, back, big), 0);
    CHECK(h, !ssh_end_peer_closed(p.c) && !ssh_end_peer_closed(p.s));

    /* The link carries only SSH: none of the plaintext shows either way (strings long enough
     * that ciphertext will not hold them by chance). */
    CHECK(h, !contains_str(&p.c2s, "USER bob") && !contains_str(&p.c2s, PASS));
    CHECK(h, !contains_str(&p.s2c, "+OK ready") && !contains_str(&p.s2c, "+OK 20480"));
    CHECK(h, !contains(&p.s2c, reply + 18, 40));
    CHECK(h, p.s2c.len > big);

    /* The client closes: EOF and CLOSE, the server answers CLOSE, the client disconnects. */
    ssh_end_close(p.c);
    CHECK_INT(h, ssh_end_write(p.c, (const uint8_t *)"x", 1), -1);
    wire_pair_pump(&p, step);
    CHECK(h, ssh_end_peer_closed(p.s));
    CHECK(h, ssh_end_done(p.c));
    CHECK(h, ssh_end_done(p.s));
    CHECK(h, ssh_end_error(p.c) == NULL && ssh_end_error(p.s) == NULL);
    CHECK(h, !ssh_end_ready(p.c));
    CHECK_INT(h, ssh_end_write(p.s, (const uint8_t *)"x", 1), -1);
    ssh_end_close(p.s); /* harmless now */
    wire_pair_pump(&p, step);
    CHECK(h, ssh_end_done(p.s));
    free(reply);
    free(back);
    pair_close(&p);
}

/* Plaintext written before the channel is open waits for it; the server closes first. */
static void test_early_and_server_close(struct harness *h, const struct ssh_end_hostkey *key)
{
    struct wire_pair p;
    pair_open(&p, key, PASS, "LocalHost", 110); /* the host name is compared without case */
    CHECK_INT(h, ssh_end_write(p.c, (const uint8_t *)"CAPA\r\n", 6), 0);
    CHECK_INT(h, ssh_end_write(p.s, (const uint8_t *)"+OK hi\r\n", 8), 0); /* waits too */
    wire_pair_pump(&p, 0);
    CHECK(h, ssh_end_ready(p.c) && ssh_end_ready(p.s));
    char got[256];
    read_str(p.s, got, sizeof got);
    CHECK_STR(h, got, "CAPA\r\n");
    read_str(p.c, got, sizeof got);
    CHECK_STR(h, got, "+OK hi\r\n");
    CHECK_INT(h, ssh_end_write(p.s, (const uint8_t *)"+OK bye\r\n", 9), 0);
    ssh_end_close(p.s); /* after the queued reply, like a POP3 server after QUIT */
    wire_pair_pump(&p, 0);
    read_str(p.c, got, sizeof got);
    CHECK_STR(h, got, "+OK bye\r\n");
    CHECK(h, ssh_end_peer_closed(p.c));
    CHECK(h, ssh_end_done(p.s)); /* the server disconnected once its CLOSE was answered */
    CHECK(h, ssh_end_done(p.c));
    CHECK(h, ssh_end_error(p.c) == NULL && ssh_end_error(p.s) == NULL);
    ssh_end_close(p.c);
    wire_pair_pump(&p, 0);
    CHECK(h, ssh_end_done(p.c) && ssh_end_error(p.c) == NULL);
    pair_close(&p);
}

static void test_wrong_password(struct harness *h, const struct ssh_end_hostkey *key, size_t step)
{
    struct wire_pair p;
    pair_open(&p, key, "guess-W0rd", "localhost", 110);
    wire_pair_pump(&p, step);
    CHECK(h, !ssh_end_ready(p.c) && !ssh_end_ready(p.s));
    const char *ce = ssh_end_error(p.c), *se = ssh_end_error(p.s);
    CHECK(h, ce && strncmp(ce, "authentication failed", 21) == 0);
    CHECK(h, se && strncmp(se, "authentication failed", 21) == 0);
    CHECK(h, has_line(ssh_end_log(p.s), "Failed password for " USER "\n"));
    CHECK(h, !has_line(ssh_end_log(p.s), "Accepted"));
    CHECK(h, ssh_end_done(p.c) && ssh_end_done(p.s));
    CHECK(h, !contains_str(&p.c2s, "guess-W0rd"));
    CHECK_INT(h, ssh_end_write(p.c, (const uint8_t *)"x", 1), -1);
    pair_close(&p);
}

/* ssh -L 2525:mx.b.example:25: the server allows only localhost:110. */
static void test_refused(struct harness *h, const struct ssh_end_hostkey *key)
{
    struct wire_pair p;
    pair_open(&p, key, PASS, "mx.b.example", 25);
    CHECK_INT(h, ssh_end_write(p.c, (const uint8_t *)"EHLO x\r\n", 8), 0);
    wire_pair_pump(&p, 0);
    CHECK(h, !ssh_end_ready(p.c) && !ssh_end_ready(p.s));
    const char *ce = ssh_end_error(p.c);
    CHECK_STR(h, ce,
              "port forwarding to mx.b.example:25 refused by the server "
              "(administratively prohibited)");
    CHECK(h, ssh_end_error(p.s) == NULL); /* the server only said no */
    CHECK(h, has_line(ssh_end_log(p.s), "Accepted password for " USER));
    CHECK(h, has_line(ssh_end_log(p.s), "refused direct-tcpip to mx.b.example:25"));
    CHECK(h, ssh_end_done(p.c) && ssh_end_done(p.s));
    pair_close(&p);

    pair_open(&p, key, PASS, "localhost", 995);
    wire_pair_pump(&p, 0);
    CHECK(h, ssh_end_error(p.c) && strstr(ssh_end_error(p.c), "refused"));
    CHECK(h, has_line(ssh_end_log(p.s), "refused direct-tcpip to localhost:995"));
    pair_close(&p);
}

/* known_hosts: the right fingerprint connects, another one stops the client. */
static void test_pin(struct harness *h, const struct ssh_end_hostkey *key)
{
    struct wire_pair p;
    pair_open(&p, key, PASS, "localhost", 110);
    CHECK_INT(h, ssh_end_client_pin_hostkey(p.c, ssh_end_hostkey_sha256(key)), 0);
    wire_pair_pump(&p, 0);
    CHECK(h, ssh_end_ready(p.c) && ssh_end_error(p.c) == NULL);
    CHECK_INT(h, ssh_end_client_pin_hostkey(p.c, "SHA256:x"), -1); /* too late */
    pair_close(&p);

    char err[256];
    struct ssh_end_hostkey *other = ssh_end_hostkey_new(err, sizeof err);
    CHECK(h, other != NULL);
    if (!other) {
        return;
    }
    CHECK(h, strcmp(ssh_end_hostkey_sha256(other), ssh_end_hostkey_sha256(key)) != 0);
    CHECK(h, strncmp(ssh_end_hostkey_public(other), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", 32) == 0);
    pair_open(&p, other, PASS, "localhost", 110);
    CHECK_INT(h, ssh_end_client_pin_hostkey(p.c, ssh_end_hostkey_sha256(key)), 0);
    wire_pair_pump(&p, 0);
    const char *ce = ssh_end_error(p.c);
    CHECK(h, ce && strncmp(ce, "host key verification failed: ", 30) == 0);
    CHECK(h,
          ssh_end_error(p.s) &&
              strstr(ssh_end_error(p.s), "the client disconnected (host key verification failed)"));
    CHECK(h, !ssh_end_ready(p.c) && !ssh_end_ready(p.s));
    CHECK(h, !has_line(ssh_end_log(p.s), "password")); /* the password never left */
    CHECK(h, ssh_end_done(p.c) && ssh_end_done(p.s));
    CHECK_INT(h, ssh_end_client_pin_hostkey(p.s, "SHA256:x"), -1); /* a server has no pin */
    pair_close(&p);
    ssh_end_hostkey_free(other);
}

/* The peer's TCP side closes without SSH_MSG_DISCONNECT while the channel is open. */
static void test_tcp_close(struct harness *h, const struct ssh_end_hostkey *key)
{
    struct wire_pair p;
    pair_open(&p, key, PASS, "localhost", 110);
    wire_pair_pump(&p, 0);
    CHECK(h, ssh_end_ready(p.s));
    ssh_end_feed_eof(p.s);
    wire_pair_pump(&p, 0);
    CHECK(h, ssh_end_peer_closed(p.s));
    CHECK(h, ssh_end_error(p.s) && strncmp(ssh_end_error(p.s), "connection closed", 17) == 0);
    CHECK(h, ssh_end_done(p.s));
    pair_close(&p);
}

static uint32_t rnd(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* A link with latency: what a side sends is in flight for a while and arrives in random pieces
 * (none at all in some turns), while both sides keep writing: the client pipelines its
 * commands before the channel is even open, the server greets before it is asked anything,
 * then answers LIST with 50 KB; the client closes once it has it all. */
static void test_latency(struct harness *h, const struct ssh_end_hostkey *key, uint32_t seed)
{
    struct wire_pair p;
    pair_open(&p, key, PASS, "localhost", 110);
    struct buf fly[2], got[2];
    for (int i = 0; i < 2; i++) {
        buf_init(&fly[i], 0);
        buf_init(&got[i], 0);
    }
    static const char greeting[] = "+OK ready\r\n", cmds[] = "USER bob\r\nLIST\r\n";
    size_t big = 50000;
    uint8_t *reply = malloc(big);
    for (size_t i = 0; i < big; i++) {
        reply[i] = (uint8_t)(' ' + (i * 7 + i / 1000) % 95);
    }
    ssh_end_write(p.s, (const uint8_t *)greeting, strlen(greeting));
    ssh_end_write(p.c, (const uint8_t *)cmds, strlen(cmds));
    bool answered = false, closed = false;
    int turns = 0;
    for (; turns < 200000; turns++) {
        struct ssh_end *side[2] = {p.c, p.s};
        for (int i = 0; i < 2; i++) { /* 0: client to server, 1: server to client */
            const uint8_t *out;
            size_t n = ssh_end_wire_output(side[i], &out);
            buf_append(&fly[i], out, n);
            buf_append(i ? &p.s2c : &p.c2s, out, n);
            ssh_end_wire_consumed(side[i], n);
            size_t k = rnd(&seed) % 4 == 0 ? 0 : rnd(&seed) % 700 + 1;
            k = k < fly[i].len ? k : fly[i].len;
            if (k) {
                ssh_end_feed_wire(side[i ^ 1], fly[i].data, k);
                buf_consume(&fly[i], k);
            }
            uint8_t tmp[4096];
            size_t r;
            while ((r = ssh_end_read(side[i ^ 1], tmp, sizeof tmp)) > 0) {
                buf_append(&got[i], tmp, r);
            }
        }
        if (!answered && contains_str(&got[0], "LIST\r\n")) {
            answered = true;
            CHECK_INT(h, ssh_end_write(p.s, reply, big), 0);
        }
        if (!closed && got[1].len == strlen(greeting) + big) {
            closed = true;
            ssh_end_close(p.c);
        }
        if (ssh_end_done(p.c) && ssh_end_done(p.s) && fly[0].len == 0 && fly[1].len == 0) {
            break;
        }
    }
    CHECK(h, turns < 200000);
    CHECK(h, got[0].len == strlen(cmds) && memcmp(got[0].data, cmds, strlen(cmds)) == 0);
    CHECK(h, got[1].len == strlen(greeting) + big &&
                 memcmp(got[1].data, greeting, strlen(greeting)) == 0 &&
                 memcmp(got[1].data + strlen(greeting), reply, big) == 0);
    CHECK(h, ssh_end_error(p.c) == NULL && ssh_end_error(p.s) == NULL);
    CHECK(h, ssh_end_peer_closed(p.s));
    CHECK(h, !contains_str(&p.c2s, "USER bob") && !contains_str(&p.s2c, "+OK ready"));
    for (int i = 0; i < 2; i++) {
        buf_free(&fly[i]);
        buf_free(&got[i]);
    }
    free(reply);
    pair_close(&p);
}

/* More than a channel window (libssh opens 1,280,000 bytes) each way: WINDOW_ADJUST works. */
static void test_bulk(struct harness *h, const struct ssh_end_hostkey *key)
{
    struct wire_pair p;
    pair_open(&p, key, PASS, "localhost", 110);
    size_t big = 3 << 20;
    uint8_t *data = malloc(big), *back = malloc(big + 1);
    uint32_t seed = 7;
    for (size_t i = 0; i < big; i++) {
        data[i] = (uint8_t)rnd(&seed);
    }
    wire_pair_pump(&p, 0);
    CHECK_INT(h, ssh_end_write(p.s, data, big), 0);
    CHECK_INT(h, ssh_end_write(p.c, data, big), 0);
    wire_pair_pump(&p, 0);
    size_t n = read_all(p.c, back, big + 1);
    CHECK(h, n == big && memcmp(back, data, big) == 0);
    n = read_all(p.s, back, big + 1);
    CHECK(h, n == big && memcmp(back, data, big) == 0);
    CHECK(h, ssh_end_error(p.c) == NULL && ssh_end_error(p.s) == NULL);
    free(data);
    free(back);
    pair_close(&p);
}

/* Records one tunnelled POP3 session into a trace and writes it as a pcap. */
static int write_pcap(const char *path)
{
    char err[256];
    struct trace tr;
    if (trace_init(&tr) < 0) {
        return 1;
    }
    uint32_t zone = trace_add_zone(&tr, "internet");
    uint32_t pc = trace_add_host(&tr, "bob-pc", zone, 0xC000020Au);           /* 192.0.2.10 */
    uint32_t mail = trace_add_host(&tr, "mail.b.example", zone, 0xCB00718Cu); /* 203.0.113.140 */
    trace_add_agent(&tr, "bob", "mua", "Thunderbird over ssh -L", pc);
    trace_add_agent(&tr, "mail.b", "mra", "Dovecot behind sshd", mail);
    trace_add_link(&tr, pc, mail, 500);
    struct trace_conn c = wire_pair_conn(&tr, "ssh", pc, 0xC000020Au, 50022, mail, 0xCB00718Cu, 22);
    struct wire_pair p;
    pair_open(&p, NULL, PASS, "localhost", 110);
    int rc = 1;
    if (p.c && p.s) {
        p.tr = &tr;
        p.conn = trace_connect(&tr, 0, &c);
        p.t = 2000;
        wire_pair_pump(&p, 0);
        static const char *const lines[][2] = {{"", "+OK Dovecot ready.\r\n"},
                                               {"USER bob\r\n", "+OK\r\n"},
                                               {"PASS " PASS "\r\n", "+OK Logged in.\r\n"},
                                               {"QUIT\r\n", "+OK Logging out.\r\n"}};
        char got[256];
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            ssh_end_write(p.c, (const uint8_t *)lines[i][0], strlen(lines[i][0]));
            wire_pair_pump(&p, 0);
            read_str(p.s, got, sizeof got);
            ssh_end_write(p.s, (const uint8_t *)lines[i][1], strlen(lines[i][1]));
            wire_pair_pump(&p, 0);
            read_str(p.c, got, sizeof got);
        }
        ssh_end_close(p.s);
        wire_pair_pump(&p, 0);
        ssh_end_close(p.c);
        wire_pair_pump(&p, 0);
        if (!ssh_end_error(p.c) && !ssh_end_error(p.s) && p.fin_c && p.fin_s) {
            FILE *f = fopen(path, "wb");
            if (f && export_pcap(&tr, f, err, sizeof err) == 0) {
                rc = 0;
            } else {
                fprintf(stderr, "test_ssh: cannot write %s: %s\n", path, f ? err : "fopen");
            }
            if (f && fclose(f) != 0) {
                rc = 1;
            }
        } else {
            fprintf(stderr, "test_ssh: the session failed: %s / %s\n",
                    ssh_end_error(p.c) ? ssh_end_error(p.c) : "-",
                    ssh_end_error(p.s) ? ssh_end_error(p.s) : "-");
        }
    }
    pair_close(&p);
    trace_free(&tr);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--pcap") == 0) {
        return write_pcap(argv[2]);
    }
    struct harness hs = {"test_ssh", 0, 0}, *h = &hs;
    int fds = count_fds();
    char err[256];
    struct ssh_end_hostkey *key = ssh_end_hostkey_new(err, sizeof err);
    if (!key) {
        fprintf(stderr, "test_ssh: host key: %s\n", err);
        return 1;
    }
    CHECK(h, strncmp(ssh_end_hostkey_sha256(key), "SHA256:", 7) == 0);
    test_exchange(h, key, 0);
    test_exchange(h, key, 1);
    test_exchange(h, NULL, 0); /* a server with a key of its own */
    test_early_and_server_close(h, key);
    test_wrong_password(h, key, 0);
    test_wrong_password(h, key, 1);
    test_refused(h, key);
    test_pin(h, key);
    test_tcp_close(h, key);
    test_latency(h, key, 1);
    test_latency(h, key, 2);
    test_bulk(h, key);
    ssh_end_hostkey_free(key);
    CHECK_INT(h, count_fds(), fds); /* every socketpair closed, once */
    return harness_finish(h);
}
