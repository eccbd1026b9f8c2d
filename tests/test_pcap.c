/* test_pcap: the pcap exporter. Traces built by hand (SMTP submission with AUTH PLAIN and a
 * body of several segments, SMTP relay on 25 overlapping it, a POP3 retrieval) are written,
 * parsed back here (headers, checksums, seq/ack, handshake, FIN, reassembly), then read by
 * tshark, which must see no TCP problem and every SMTP and POP3 command and reply in order. */
#include "buf.h"
#include "export_pcap.h"
#include "harness.h"
#include "trace.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
    for (; n > 1; p += 2, n -= 2) {
        sum += get16(p);
    }
    if (n) {
        sum += (uint32_t)p[0] << 8;
    }
    return sum;
}

/* A correct one's complement checksum makes the sum over the covered words 0xffff. */
static bool sum_ok(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    return sum == 0xffffu;
}

/* ---- Building traces ---------------------------------------------------------------- */

/* One thing a session does: a line (or any bytes) from a side, or a close (text NULL). The
 * time is the previous step's time plus gap, plus the latency when the side changes (a reply
 * is sent after the request has arrived). */
struct step {
    int from;
    uint32_t gap_us;
    const char *text;
};

struct session {
    const char *client_agent, *server_agent, *proto;
    uint32_t client_host, server_host;
    uint16_t client_port, server_port;
    uint32_t latency_us;
    uint64_t t_open;
    const struct step *steps;
    size_t nsteps;
    bool refused;
};

struct pending {
    uint64_t t;
    size_t order;
    size_t session;
    int from;
    const char *text; /* NULL: close; */
    bool connect;
};

static int pending_cmp(const void *a, const void *b)
{
    const struct pending *x = a;
    const struct pending *y = b;
    if (x->t != y->t) {
        return x->t < y->t ? -1 : 1;
    }
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

/* Appends the sessions' events to tr in time order, as the simulation would record them.
 * Returns the connection id of each session in ids. */
static void play(struct trace *tr, const struct session *ss, size_t nss, uint32_t *ids)
{
    size_t cap = 0;
    for (size_t i = 0; i < nss; i++) {
        cap += ss[i].nsteps + 2;
    }
    struct pending *p = calloc(cap, sizeof *p);
    if (!p) {
        abort();
    }
    size_t n = 0;
    for (size_t i = 0; i < nss; i++) {
        const struct session *s = &ss[i];
        p[n] = (struct pending){s->t_open, n, i, TRACE_CLIENT, NULL, true};
        n++;
        if (s->refused) {
            p[n] = (struct pending){s->t_open + s->latency_us, n, i, TRACE_SERVER, NULL, false};
            n++;
            continue;
        }
        uint64_t t = s->t_open;
        int prev = TRACE_CLIENT;
        for (size_t k = 0; k < s->nsteps; k++) {
            const struct step *st = &s->steps[k];
            /* The server's first words come once the client's handshake ACK has arrived. */
            t += st->gap_us + (st->from != prev ? s->latency_us : 0) +
                 (k == 0 ? 2u * s->latency_us : 0);
            prev = st->from;
            p[n] = (struct pending){t, n, i, st->from, st->text, false};
            n++;
        }
    }
    qsort(p, n, sizeof *p, pending_cmp);
    for (size_t k = 0; k < n; k++) {
        const struct session *s = &ss[p[k].session];
        if (p[k].connect) {
            struct trace_conn c = {0};
            c.proto = trace_intern(tr, s->proto);
            c.client_host = s->client_host;
            c.server_host = s->server_host;
            c.client_agent = trace_intern(tr, s->client_agent);
            c.server_agent = s->refused ? 0 : trace_intern(tr, s->server_agent);
            c.client_ip = tr->hosts[s->client_host].ip;
            c.server_ip = tr->hosts[s->server_host].ip;
            c.client_port = s->client_port;
            c.server_port = s->server_port;
            c.latency_us = s->latency_us;
            ids[p[k].session] = trace_connect(tr, p[k].t, &c);
        } else if (p[k].text == NULL) {
            trace_close(tr, p[k].t, ids[p[k].session], (enum trace_side)p[k].from);
            if (s->refused) {
                trace_event_mut(tr, tr->nevents - 1)->flags |= TRACE_REFUSED;
            }
        } else {
            trace_data(tr, p[k].t, ids[p[k].session], (enum trace_side)p[k].from, false,
                       (const uint8_t *)p[k].text, strlen(p[k].text));
        }
    }
    free(p);
}

/* The world of the tests: hosts from the documentation ranges (RFC 5737). */
enum { H_ALICE, H_MSA, H_MX_OUT, H_MX_IN, H_BOB, H_NOBODY, H_COUNT };

static void world(struct trace *tr)
{
    if (trace_init(tr) != 0) {
        abort();
    }
    uint32_t lan = trace_add_zone(tr, "sender-lan");
    uint32_t net = trace_add_zone(tr, "internet");
    uint32_t rlan = trace_add_zone(tr, "recipient-lan");
    trace_add_host(tr, "alice-pc", lan, ip4(192, 0, 2, 10));
    trace_add_host(tr, "mail.example.org", lan, ip4(192, 0, 2, 25));
    trace_add_host(tr, "mx.example.org", net, ip4(198, 51, 100, 25));
    trace_add_host(tr, "mx.example.net", net, ip4(203, 0, 113, 25));
    trace_add_host(tr, "bob-pc", rlan, ip4(203, 0, 113, 10));
    trace_add_host(tr, "nobody.example.net", net, ip4(203, 0, 113, 99));
    trace_add_agent(tr, "mua-alice", "mua", "Thunderbird", H_ALICE);
    trace_add_agent(tr, "msa", "msa", "Postfix", H_MSA);
    trace_add_agent(tr, "mta-out", "mta", "Postfix", H_MX_OUT);
    trace_add_agent(tr, "mra", "mra", "Dovecot", H_MX_IN);
    trace_add_agent(tr, "mua-bob", "mua", "Thunderbird", H_BOB);
}

/* A message of about n bytes: headers, a blank line, lines of text, CRLF at the end. */
static char *message(const char *subject, size_t n)
{
    size_t cap = n + 1024;
    char *m = malloc(cap);
    if (!m) {
        abort();
    }
    int k = snprintf(m, cap,
                     "From: Alice <alice@example.org>\r\n"
                     "To: Bob <bob@example.net>\r\n"
                     "Subject: %s\r\n"
                     "Date: Thu, 01 Jan 2026 09:00:00 +0000\r\n"
                     "Message-ID: <%s@example.org>\r\n"
                     "\r\n",
                     subject, subject);
    if (k < 0 || (size_t)k >= cap) {
        abort();
    }
    size_t len = (size_t)k;
    for (int line = 1; len < n; line++) {
        k = snprintf(m + len, cap - len,
                     "Line %03d of the body: the quick brown fox jumps over the lazy dog.\r\n",
                     line);
        if (k < 0 || (size_t)k >= cap - len) {
            abort();
        }
        len += (size_t)k;
    }
    return m;
}

/* "body" + ".\r\n": what a client sends after 354, and a POP3 server after +OK for RETR. */
static char *with_dot(const char *prefix, const char *body)
{
    size_t n = strlen(prefix) + strlen(body) + 4;
    char *s = malloc(n);
    if (!s) {
        abort();
    }
    int k = snprintf(s, n, "%s%s.\r\n", prefix, body);
    if (k < 0 || (size_t)k >= n) {
        abort();
    }
    return s;
}

/* ---- Reading the pcap back -------------------------------------------------------------- */

struct pkt {
    uint64_t t; /* virtual microseconds (timestamp minus the epoch) */
    const uint8_t *frame;
    uint32_t len;
    uint32_t mac_src, mac_dst; /* host index from 02:00:00:00:hh:ll */
    uint32_t ip_src, ip_dst;
    uint32_t ip_id;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint32_t win;
    uint32_t mss; /* 0 when absent */
    int wscale;   /* -1 when absent */
    const uint8_t *payload;
    uint32_t plen;
};

struct capture {
    uint8_t *data;
    size_t size;
    struct pkt *p;
    size_t n;
};

static void capture_free(struct capture *c)
{
    free(c->data);
    free(c->p);
    memset(c, 0, sizeof *c);
}

/* The whole file into *data (the caller frees it); false, with nothing to free, when it cannot. */
static bool read_file(const char *path, uint8_t **data, size_t *size)
{
    struct buf b;
    buf_init(&b, 0);
    if (buf_read_file(&b, path) != 0) {
        buf_free(&b);
        return false;
    }
    *data = b.data;
    *size = b.len;
    return true;
}

/* Parses a pcap written by export_pcap and checks everything that holds packet by packet:
 * file header, record lengths, Ethernet, IPv4 header and checksum, TCP checksum, fixed fields
 * (TTL 64, DF, window), IP IDs counting up per sender, timestamps never going back. */
static bool capture_parse(struct harness *h, const char *path, struct capture *c)
{
    memset(c, 0, sizeof *c);
    if (!CHECK(h, read_file(path, &c->data, &c->size))) {
        return false;
    }
    if (!CHECK(h, c->size >= 24)) {
        return false;
    }
    const uint8_t *d = c->data;
    CHECK_INT(h, get32le(d), 0xa1b2c3d4u);
    CHECK_INT(h, d[4] | d[5] << 8, 2);
    CHECK_INT(h, d[6] | d[7] << 8, 4);
    CHECK_INT(h, get32le(d + 8), 0);
    CHECK_INT(h, get32le(d + 12), 0);
    CHECK_INT(h, get32le(d + 16), 65535);
    CHECK_INT(h, get32le(d + 20), 1);

    size_t cap = 64;
    c->p = calloc(cap, sizeof *c->p);
    uint32_t next_id[H_COUNT];
    for (int i = 0; i < H_COUNT; i++) {
        next_id[i] = 1;
    }
    size_t off = 24;
    uint64_t last_t = 0;
    int bad = 0;
    while (c->p && off < c->size && bad == 0) {
        if (!CHECK(h, c->size - off >= 16)) {
            return false;
        }
        uint32_t sec = get32le(d + off), usec = get32le(d + off + 4);
        uint32_t incl = get32le(d + off + 8), orig = get32le(d + off + 12);
        off += 16;
        bad += !CHECK(h, incl == orig && incl <= c->size - off && incl >= 54);
        bad += !CHECK(h, usec < 1000000u && sec >= EXPORT_PCAP_EPOCH);
        if (bad) {
            break;
        }
        if (c->n == cap) {
            cap *= 2;
            struct pkt *np = realloc(c->p, cap * sizeof *np);
            if (!np) {
                abort();
            }
            c->p = np;
        }
        struct pkt *k = &c->p[c->n++];
        memset(k, 0, sizeof *k);
        k->t = (uint64_t)(sec - EXPORT_PCAP_EPOCH) * 1000000u + usec;
        bad += !CHECK(h, k->t >= last_t);
        last_t = k->t;
        const uint8_t *f = d + off;
        k->frame = f;
        k->len = incl;
        off += incl;

        /* Ethernet */
        bad += !CHECK(h, f[0] == 2 && f[1] == 0 && f[2] == 0 && f[3] == 0);
        bad += !CHECK(h, f[6] == 2 && f[7] == 0 && f[8] == 0 && f[9] == 0);
        k->mac_dst = get16(f + 4);
        k->mac_src = get16(f + 10);
        bad += !CHECK(h, get16(f + 12) == 0x0800);
        /* IPv4 */
        const uint8_t *ip = f + 14;
        bad += !CHECK(h, ip[0] == 0x45);
        bad += !CHECK(h, get16(ip + 2) == incl - 14);
        k->ip_id = get16(ip + 4);
        bad += !CHECK(h, get16(ip + 6) == 0x4000);
        bad += !CHECK(h, ip[8] == 64 && ip[9] == 6);
        bad += !CHECK(h, sum_ok(sum16(0, ip, 20)));
        k->ip_src = get32(ip + 12);
        k->ip_dst = get32(ip + 16);
        if (CHECK(h, k->mac_src < H_COUNT)) {
            bad += !CHECK_INT(h, k->ip_id, next_id[k->mac_src]);
            next_id[k->mac_src] = (k->ip_id + 1) & 0xffffu;
        } else {
            bad++;
        }
        /* TCP */
        const uint8_t *tcp = ip + 20;
        uint32_t tcp_len = incl - 34;
        uint32_t hlen = (uint32_t)(tcp[12] >> 4) * 4;
        bad += !CHECK(h, hlen >= 20 && hlen <= tcp_len);
        if (bad) {
            break;
        }
        k->sport = (uint16_t)get16(tcp);
        k->dport = (uint16_t)get16(tcp + 2);
        k->seq = get32(tcp + 4);
        k->ack = get32(tcp + 8);
        k->flags = tcp[13];
        k->win = get16(tcp + 14);
        bad += !CHECK(h, get16(tcp + 18) == 0);
        k->wscale = -1;
        for (uint32_t o = 20; o < hlen;) {
            uint8_t kind = tcp[o];
            if (kind == 1) {
                o++;
                continue;
            }
            if (kind == 0 || o + 1 >= hlen || tcp[o + 1] < 2 || o + tcp[o + 1] > hlen) {
                bad += !CHECK(h, !"malformed TCP option");
                break;
            }
            if (kind == 2 && tcp[o + 1] == 4) {
                k->mss = get16(tcp + o + 2);
            } else if (kind == 3 && tcp[o + 1] == 3) {
                k->wscale = tcp[o + 2];
            } else {
                bad += !CHECK(h, !"unexpected TCP option");
            }
            o += tcp[o + 1];
        }
        uint8_t pseudo[12];
        memcpy(pseudo, ip + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = 6;
        pseudo[10] = (uint8_t)(tcp_len >> 8);
        pseudo[11] = (uint8_t)tcp_len;
        bad += !CHECK(h, sum_ok(sum16(sum16(0, pseudo, 12), tcp, tcp_len)));
        k->payload = tcp + hlen;
        k->plen = tcp_len - hlen;
        bad += !CHECK(h, k->plen <= EXPORT_PCAP_MSS);
        bad += !CHECK(h, (k->flags & TH_RST) ? k->win == 0 : k->win == 65535);
    }
    return c->p && bad == 0 && CHECK(h, off == c->size);
}

/* ---- Checking one connection against the trace ------------------------------------------ */

static bool pkt_from(const struct pkt *k, const struct trace_conn *c, int side)
{
    if (side == TRACE_CLIENT) {
        return k->ip_src == c->client_ip && k->sport == c->client_port &&
               k->ip_dst == c->server_ip && k->dport == c->server_port;
    }
    return k->ip_src == c->server_ip && k->sport == c->server_port && k->ip_dst == c->client_ip &&
           k->dport == c->client_port;
}

static uint32_t seg_space(const struct pkt *k)
{
    return k->plen + ((k->flags & TH_SYN) ? 1u : 0u) + ((k->flags & TH_FIN) ? 1u : 0u);
}

/* The bytes one side sent on a connection, and where each data event ends. */
struct stream {
    uint8_t *bytes;
    size_t len;
    size_t *ends;
    uint64_t *times;
    size_t nev;
    bool closed;
};

static void stream_of(const struct trace *tr, uint32_t conn, int side, struct stream *s)
{
    memset(s, 0, sizeof *s);
    size_t total = 0, nev = 0;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->conn == conn && e->from == side && e->kind == TRACE_DATA && e->bytes.len) {
            total += e->bytes.len;
            nev++;
        }
    }
    s->bytes = malloc(total + 1);
    s->ends = malloc((nev + 1) * sizeof *s->ends);
    s->times = malloc((nev + 1) * sizeof *s->times);
    if (!s->bytes || !s->ends || !s->times) {
        abort();
    }
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->conn != conn || e->from != side) {
            continue;
        }
        if (e->kind == TRACE_CLOSE) {
            s->closed = true;
        } else if (e->kind == TRACE_DATA && e->bytes.len) {
            memcpy(s->bytes + s->len, trace_bytes_ptr(tr, e->bytes), e->bytes.len);
            s->len += e->bytes.len;
            s->times[s->nev] = e->t;
            s->ends[s->nev++] = s->len;
        }
    }
}

static void stream_free(struct stream *s)
{
    free(s->bytes);
    free(s->ends);
    free(s->times);
}

/* Checks one (accepted) connection: handshake at t_open, +lat, +2lat with MSS options; seq
 * continuity; ACKs that never ack unseen bytes and never repeat as pure ACKs; each data event
 * sent at its time, PSH on its last segment, acknowledged exactly one latency later; FIN where
 * the trace closed, nothing after it, acknowledged; reassembly equal to the trace's bytes. */
static void check_conn(struct harness *h, const struct trace *tr, const struct capture *cap,
                       uint32_t conn, int want_wscale)
{
    const struct trace_conn *c = trace_conn_get(tr, conn);
    if (!CHECK(h, c != NULL)) {
        return;
    }
    uint64_t lat = c->latency_us;
    struct stream st[2];
    stream_of(tr, conn, TRACE_CLIENT, &st[0]);
    stream_of(tr, conn, TRACE_SERVER, &st[1]);

    uint8_t *got[2];
    size_t ngot[2] = {0, 0};
    got[0] = malloc(st[0].len + 1);
    got[1] = malloc(st[1].len + 1);
    if (!got[0] || !got[1]) {
        abort();
    }
    uint32_t isn[2] = {0, 0}, nxt[2] = {0, 0}, last_ack[2] = {0, 0};
    bool fin[2] = {false, false}, have_ack[2] = {false, false};
    uint32_t fin_seq[2] = {0, 0};
    size_t pushes[2] = {0, 0};
    size_t ev_next[2] = {0, 0}; /* next data event whose arrival must be acked */
    size_t seen = 0, nsent[2] = {0, 0};
    int bad = 0;
    uint32_t syn_host[2] = {c->client_host, c->server_host};

    for (size_t i = 0; i < cap->n && bad == 0; i++) {
        const struct pkt *k = &cap->p[i];
        int side;
        if (pkt_from(k, c, TRACE_CLIENT)) {
            side = TRACE_CLIENT;
        } else if (pkt_from(k, c, TRACE_SERVER)) {
            side = TRACE_SERVER;
        } else {
            continue;
        }
        int peer = !side;
        bad += !CHECK(h, k->mac_src == syn_host[side] && k->mac_dst == syn_host[peer]);
        /* The handshake: the client's first two segments and the server's first. The server
         * may speak before the client's ACK reaches it, so the three need not be adjacent. */
        if (seen == 0) {
            bad += !CHECK(h, side == TRACE_CLIENT && k->flags == TH_SYN && k->t == c->t_open);
            bad += !CHECK(h, k->mss == 1460 && k->wscale == want_wscale && k->plen == 0);
            isn[0] = k->seq;
            nxt[0] = isn[0];
        } else if (nsent[side] == 0) {
            bad += !CHECK(h, side == TRACE_SERVER && k->flags == (TH_SYN | TH_ACK));
            bad += !CHECK_INT(h, k->t, c->t_open + lat);
            bad += !CHECK(h, k->ack == isn[0] + 1 && k->mss == 1460 && k->wscale == want_wscale);
            isn[1] = k->seq;
            nxt[1] = isn[1];
        } else if (side == TRACE_CLIENT && nsent[side] == 1) {
            bad += !CHECK(h, nsent[TRACE_SERVER] > 0);
            bad += !CHECK(h, k->flags == TH_ACK && k->plen == 0);
            bad += !CHECK_INT(h, k->t, c->t_open + 2 * lat);
            bad += !CHECK_INT(h, k->ack, isn[1] + 1);
        } else {
            bad += !CHECK(h, (k->flags & (TH_SYN | TH_RST)) == 0 && (k->flags & TH_ACK));
            bad += !CHECK(h, k->mss == 0 && k->wscale == -1);
        }
        seen++;
        nsent[side]++;
        if (bad) {
            break;
        }
        /* Sequence numbers continue where the side's last segment ended. */
        bad += !CHECK_INT(h, k->seq, nxt[side]);
        bad += !CHECK(h, !fin[side] || seg_space(k) == 0); /* no data after a FIN */
        nxt[side] += seg_space(k);
        if (k->flags & TH_FIN) {
            fin[side] = true;
            fin_seq[side] = k->seq + k->plen;
        }
        if (k->flags & TH_ACK) {
            /* Never ack what the peer has not sent; never go back; a pure ACK moves forward. */
            uint32_t ahead = nxt[peer] - k->ack;
            bad += !CHECK(h, ahead < 0x80000000u);
            if (have_ack[side]) {
                uint32_t step = k->ack - last_ack[side];
                bad += !CHECK(h, step < 0x80000000u);
                if (seg_space(k) == 0) {
                    bad += !CHECK(h, step > 0);
                }
            }
            have_ack[side] = true;
            last_ack[side] = k->ack;
            /* Every data event of the peer is acknowledged when it arrives: the first ACK
             * that covers it is exactly one latency after it was sent. */
            struct stream *ps = &st[peer];
            while (ev_next[peer] < ps->nev &&
                   k->ack - (isn[peer] + 1) >= (uint32_t)ps->ends[ev_next[peer]]) {
                bad += !CHECK_INT(h, k->t, ps->times[ev_next[peer]] + lat);
                ev_next[peer]++;
            }
        }
        if (k->plen) {
            /* Reassembly, with each event's segments at the event's time and PSH at its end. */
            if (CHECK(h, ngot[side] + k->plen <= st[side].len)) {
                size_t ev = 0;
                while (ev < st[side].nev && st[side].ends[ev] <= ngot[side]) {
                    ev++;
                }
                bad += !CHECK(h, ev < st[side].nev && k->t == st[side].times[ev]);
                memcpy(got[side] + ngot[side], k->payload, k->plen);
                ngot[side] += k->plen;
                bool at_end = ev < st[side].nev && st[side].ends[ev] == ngot[side];
                bad += !CHECK(h, at_end == ((k->flags & TH_PSH) != 0));
                bad += !CHECK(h, at_end || k->plen == EXPORT_PCAP_MSS);
                pushes[side] += at_end;
            } else {
                bad++;
            }
        } else {
            bad += !CHECK(h, (k->flags & TH_PSH) == 0);
        }
    }
    CHECK(h, seen >= 3);
    for (int s = 0; s < 2; s++) {
        CHECK_INT(h, ngot[s], st[s].len);
        CHECK(h, ngot[s] == st[s].len && memcmp(got[s], st[s].bytes, ngot[s]) == 0);
        CHECK_INT(h, pushes[s], st[s].nev);
        CHECK_INT(h, ev_next[s], st[s].nev);
        CHECK(h, fin[s] == st[s].closed);
        /* Everything sent, FIN included, was acknowledged by the end. */
        CHECK_INT(h, last_ack[!s], nxt[s]);
        if (fin[s]) {
            CHECK_INT(h, fin_seq[s] + 1, nxt[s]);
        }
        stream_free(&st[s]);
        free(got[s]);
    }
}

/* ---- Running tshark ------------------------------------------------------------------ */

struct out {
    char *text;
    size_t len;
};

/* Runs cmd through the shell, stdout and stderr together, dropping tshark's note about
 * running as root. Returns the exit status, or -1 when it could not run. */
static int run(const char *cmd, struct out *o)
{
    o->text = NULL;
    o->len = 0;
    FILE *p = popen(cmd, "r");
    if (!p) {
        return -1;
    }
    size_t cap = 0;
    char line[4096];
    while (fgets(line, sizeof line, p)) {
        if (strncmp(line, "Running as user ", 16) == 0) {
            continue;
        }
        size_t n = strlen(line);
        if (o->len + n + 1 > cap) {
            cap = (o->len + n + 1) * 2;
            char *t = realloc(o->text, cap);
            if (!t) {
                abort();
            }
            o->text = t;
        }
        memcpy(o->text + o->len, line, n + 1);
        o->len += n;
    }
    int st = pclose(p);
    if (!o->text) {
        o->text = calloc(1, 1);
        if (!o->text) {
            abort();
        }
    }
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs tshark with arguments args on path; the output is in o (caller frees o->text). */
static int tshark(const char *path, const char *args, struct out *o)
{
    char cmd[1024];
    int n = snprintf(cmd, sizeof cmd, "tshark -n -r '%s' %s 2>&1", path, args);
    if (n < 0 || (size_t)n >= sizeof cmd) {
        return -1;
    }
    int rc = run(cmd, o);
    if (getenv("MAILSIM_PCAP_VERBOSE")) {
        fprintf(stderr, "$ %s\n%s", cmd, o->text);
    }
    return rc;
}

static bool tshark_wanted(struct harness *h)
{
    int rc = system("command -v tshark >/dev/null 2>&1");
    if (!CHECK(h, rc == 0)) {
        fprintf(stderr, "test_pcap: tshark is not on PATH; install it (scripts/setup.sh)\n");
        return false;
    }
    return true;
}

static void buf_add(char **s, size_t *len, size_t *cap, const char *add, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        char *t = realloc(*s, *cap);
        if (!t) {
            abort();
        }
        *s = t;
    }
    memcpy(*s + *len, add, n);
    *len += n;
    (*s)[*len] = '\0';
}

/* The first word of p (up to a space or CR), the way tshark names a command. */
static size_t verb_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] != ' ' && p[i] != '\r' && p[i] != '\n') {
        i++;
    }
    return i;
}

static bool ends_with(const uint8_t *p, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    return n >= t && memcmp(p + n - t, tail, t) == 0;
}

/* What `-T fields -e smtp.req.command -e smtp.response.code` (or the POP3 pair) should print
 * for one connection of the trace: one line per command and per reply, in order. Message
 * bodies print nothing. */
static char *expected_fields(const struct trace *tr, uint32_t conn, bool pop)
{
    char *s = NULL;
    size_t len = 0, cap = 0;
    buf_add(&s, &len, &cap, "", 0);
    /* DATA (RETR) awaits its 354 (+OK); a message is under way */
    bool data_sent = false, in_body = false;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->conn != conn || e->kind != TRACE_DATA) {
            continue;
        }
        const uint8_t *p = trace_bytes_ptr(tr, e->bytes);
        size_t n = e->bytes.len;
        if (e->from == TRACE_CLIENT) {
            if (in_body) {
                in_body = !ends_with(p, n, "\r\n.\r\n");
                continue;
            }
            size_t v = verb_len(p, n);
            buf_add(&s, &len, &cap, (const char *)p, v);
            buf_add(&s, &len, &cap, "\t\n", 2);
            data_sent = data_sent || (v == 4 && memcmp(p, pop ? "RETR" : "DATA", 4) == 0);
            continue;
        }
        if (pop && in_body) {
            in_body = !ends_with(p, n, "\r\n.\r\n");
            continue;
        }
        buf_add(&s, &len, &cap, "\t", 1);
        if (pop) {
            buf_add(&s, &len, &cap, (const char *)p, verb_len(p, n));
            /* The message of RETR follows its +OK line, up to a lone dot. */
            in_body =
                data_sent && n >= 3 && memcmp(p, "+OK", 3) == 0 && !ends_with(p, n, "\r\n.\r\n");
            data_sent = false;
        } else {
            /* A reply of several lines (250-...) shows one code, its first line's. */
            buf_add(&s, &len, &cap, (const char *)p, n < 3 ? n : 3);
            if (data_sent && n >= 3 && memcmp(p, "354", 3) == 0) {
                in_body = true;
                data_sent = false;
            }
        }
        buf_add(&s, &len, &cap, "\n", 1);
    }
    return s;
}

/* Drops lines that hold nothing but tabs (segments of a message body). */
static void drop_empty_lines(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        char *nl = strchr(r, '\n');
        size_t n = nl ? (size_t)(nl - r) + 1 : strlen(r);
        bool empty = true;
        for (size_t i = 0; i < n; i++) {
            if (r[i] != '\t' && r[i] != '\n' && r[i] != '\r') {
                empty = false;
            }
        }
        if (!empty) {
            memmove(w, r, n);
            w += n;
        }
        r += n;
    }
    *w = '\0';
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/* ---- Temporary files ------------------------------------------------------------------ */

/* Exports tr into a fresh temporary file; path receives its name (the caller unlinks it).
 * Returns export_pcap's result, or -2 when no file could be made. */
static int export_to_temp(const struct trace *tr, char *path, size_t pathcap, char *err,
                          size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir || strchr(dir, '\'')) {
        dir = "/tmp";
    }
    int n = snprintf(path, pathcap, "%s/mailsim-pcap-XXXXXX", dir);
    if (n < 0 || (size_t)n >= pathcap) {
        return -2;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        return -2;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return -2;
    }
    int rc = export_pcap(tr, f, err, errlen);
    if (fclose(f) != 0 && rc == 0) {
        rc = -2;
    }
    /* A copy for a person to open in Wireshark, when asked for. */
    const char *keep = getenv("MAILSIM_PCAP_KEEP");
    if (rc == 0 && keep && *keep) {
        char copy[1024];
        n = snprintf(copy, sizeof copy, "%s/%s.pcap", keep, strrchr(path, '/') + 1);
        FILE *k = n > 0 && (size_t)n < sizeof copy ? fopen(copy, "wb") : NULL;
        if (!k || export_pcap(tr, k, err, errlen) != 0) {
            fprintf(stderr, "test_pcap: could not keep a copy in %s\n", keep);
        }
        if (k) {
            fclose(k);
        }
    }
    return rc;
}

/* ---- The cases -------------------------------------------------------------------------- */

/* An exact, hand-worked packet list for a tiny exchange (latency 1 ms): the handshake, a
 * greeting that leaves at the very moment the SYN arrives, an ACK of the SYN|ACK and then of
 * the greeting, a reply that piggy-backs its ACK, FINs from both sides. */
static void test_golden(struct harness *h)
{
    struct trace tr;
    world(&tr);
    struct trace_conn c = {0};
    c.client_host = H_ALICE;
    c.server_host = H_MSA;
    c.client_ip = ip4(192, 0, 2, 10);
    c.server_ip = ip4(192, 0, 2, 25);
    c.client_port = 40000;
    c.server_port = 25;
    c.server_agent = trace_intern(&tr, "msa");
    c.latency_us = 1000;
    uint32_t id = trace_connect(&tr, 0, &c);
    trace_data(&tr, 1000, id, TRACE_SERVER, false, (const uint8_t *)"220 hi\r\n", 8);
    trace_data(&tr, 3000, id, TRACE_CLIENT, false, (const uint8_t *)"QUIT\r\n", 6);
    trace_data(&tr, 4000, id, TRACE_SERVER, false, (const uint8_t *)"221 bye\r\n", 9);
    trace_close(&tr, 4000, id, TRACE_SERVER);
    trace_close(&tr, 5000, id, TRACE_CLIENT);

    static const struct {
        uint64_t t;
        int from;
        uint8_t flags;
        uint32_t seq, ack, len; /* relative to each side's ISN */
    } want[] = {
        {0, TRACE_CLIENT, TH_SYN, 0, 0, 0},
        {1000, TRACE_SERVER, TH_SYN | TH_ACK, 0, 1, 0},
        {1000, TRACE_SERVER, TH_PSH | TH_ACK, 1, 1, 8},
        {2000, TRACE_CLIENT, TH_ACK, 1, 1, 0},
        {2000, TRACE_CLIENT, TH_ACK, 1, 9, 0},
        {3000, TRACE_CLIENT, TH_PSH | TH_ACK, 1, 9, 6},
        {4000, TRACE_SERVER, TH_PSH | TH_ACK, 9, 7, 9},
        {4000, TRACE_SERVER, TH_FIN | TH_ACK, 18, 7, 0},
        {5000, TRACE_CLIENT, TH_FIN | TH_ACK, 7, 19, 0},
        {6000, TRACE_SERVER, TH_ACK, 19, 8, 0},
    };
    char path[512], err[256];
    int rc = export_to_temp(&tr, path, sizeof path, err, sizeof err);
    CHECK_INT(h, rc, 0);
    struct capture cap;
    if (rc == 0 && capture_parse(h, path, &cap)) {
        size_t nwant = sizeof want / sizeof want[0];
        CHECK_INT(h, cap.n, nwant);
        uint32_t isn[2] = {cap.n ? cap.p[0].seq : 0, cap.n > 1 ? cap.p[1].seq : 0};
        for (size_t i = 0; i < nwant && i < cap.n; i++) {
            const struct pkt *k = &cap.p[i];
            int from = pkt_from(k, &tr.conns[0], TRACE_CLIENT) ? TRACE_CLIENT : TRACE_SERVER;
            CHECK_INT(h, k->t, want[i].t);
            CHECK_INT(h, from, want[i].from);
            CHECK_INT(h, k->flags, want[i].flags);
            CHECK_INT(h, k->seq - isn[from], want[i].seq);
            if (k->flags & TH_ACK) {
                CHECK_INT(h, k->ack - isn[!from], want[i].ack);
            } else {
                CHECK_INT(h, k->ack, 0);
            }
            CHECK_INT(h, k->plen, want[i].len);
        }
        CHECK(h, cap.n > 1 && cap.p[0].seq != cap.p[1].seq);
        check_conn(h, &tr, &cap, id, -1);
        capture_free(&cap);
    }
    if (rc != -2) {
        unlink(path);
    }
    trace_free(&tr);
}

struct mail_world {
    struct trace tr;
    uint32_t ids[3];
    char *body_submit, *body_relay_head, *body_relay_tail, *retr_ok, *retr;
    char *msg;
};

/* Submission on 587 with AUTH PLAIN, relay on 25 overlapping it (PIPELINING, a body sent as
 * two writes), retrieval over POP3 on 110. */
static void build_mail(struct mail_world *m)
{
    world(&m->tr);
    m->msg = message("pcap-test", 6000); /* > 3 segments of 1460 */
    m->body_submit = with_dot("", m->msg);
    size_t half = strlen(m->msg) / 2;
    m->body_relay_head = malloc(half + 1);
    if (!m->body_relay_head) {
        abort();
    }
    memcpy(m->body_relay_head, m->msg, half);
    m->body_relay_head[half] = '\0';
    m->body_relay_tail = with_dot("", m->msg + half);
    m->retr_ok = malloc(64);
    int k = m->retr_ok ? snprintf(m->retr_ok, 64, "+OK %zu octets\r\n", strlen(m->msg)) : -1;
    if (k < 0 || k >= 64) {
        abort();
    }
    m->retr = with_dot("", m->msg);

    const struct step submit[] = {
        {TRACE_SERVER, 0, "220 mail.example.org ESMTP Postfix\r\n"},
        {TRACE_CLIENT, 150, "EHLO alice-pc.example.org\r\n"},
        {TRACE_SERVER, 0,
         "250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
         "250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"},
        /* AUTH PLAIN with the initial response: base64("\0alice\0wonderland") */
        {TRACE_CLIENT, 200, "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"},
        {TRACE_SERVER, 400, "235 2.7.0 Authentication successful\r\n"},
        {TRACE_CLIENT, 50, "MAIL FROM:<alice@example.org>\r\n"},
        {TRACE_SERVER, 30, "250 2.1.0 Ok\r\n"},
        {TRACE_CLIENT, 0, "RCPT TO:<bob@example.net>\r\n"},
        {TRACE_SERVER, 30, "250 2.1.5 Ok\r\n"},
        {TRACE_CLIENT, 0, "DATA\r\n"},
        {TRACE_SERVER, 10, "354 End data with <CR><LF>.<CR><LF>\r\n"},
        {TRACE_CLIENT, 100, m->body_submit},
        {TRACE_SERVER, 700, "250 2.0.0 Ok: queued as 4F2A1C0D3E\r\n"},
        {TRACE_CLIENT, 20, "QUIT\r\n"},
        {TRACE_SERVER, 0, "221 2.0.0 Bye\r\n"},
        {TRACE_SERVER, 0, NULL},
        {TRACE_CLIENT, 10, NULL},
    };
    const struct step relay[] = {
        {TRACE_SERVER, 0, "220 mx.example.net ESMTP\r\n"},
        {TRACE_CLIENT, 0, "EHLO mail.example.org\r\n"},
        {TRACE_SERVER, 0, "250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},
        {TRACE_CLIENT, 0, "MAIL FROM:<alice@example.org>\r\n"},
        {TRACE_CLIENT, 0, "RCPT TO:<bob@example.net>\r\n"},
        {TRACE_CLIENT, 0, "DATA\r\n"},
        {TRACE_SERVER, 100, "250 2.1.0 Ok\r\n"},
        {TRACE_SERVER, 0, "250 2.1.5 Ok\r\n"},
        {TRACE_SERVER, 0, "354 End data with <CR><LF>.<CR><LF>\r\n"},
        {TRACE_CLIENT, 0, m->body_relay_head},
        {TRACE_CLIENT, 5, m->body_relay_tail},
        {TRACE_SERVER, 1000, "250 2.0.0 Ok: queued as 9C1B\r\n"},
        {TRACE_CLIENT, 0, "QUIT\r\n"},
        {TRACE_CLIENT, 0, NULL},
        {TRACE_SERVER, 0, "221 2.0.0 Bye\r\n"},
        {TRACE_SERVER, 0, NULL},
    };
    const struct step pop[] = {
        {TRACE_SERVER, 0, "+OK Dovecot ready.\r\n"},
        {TRACE_CLIENT, 100, "USER bob\r\n"},
        {TRACE_SERVER, 10, "+OK\r\n"},
        {TRACE_CLIENT, 100, "PASS hunter2\r\n"},
        {TRACE_SERVER, 300, "+OK Logged in.\r\n"},
        {TRACE_CLIENT, 10, "STAT\r\n"},
        {TRACE_SERVER, 10, "+OK 1 6042\r\n"},
        {TRACE_CLIENT, 10, "RETR 1\r\n"},
        {TRACE_SERVER, 50, m->retr_ok},
        {TRACE_SERVER, 0, m->retr},
        {TRACE_CLIENT, 10, "QUIT\r\n"},
        {TRACE_SERVER, 10, "+OK Logging out.\r\n"},
        {TRACE_SERVER, 0, NULL},
        {TRACE_CLIENT, 0, NULL},
    };
    const struct session ss[] = {
        {"mua-alice", "msa", "smtp", H_ALICE, H_MSA, 51000, 587, 1500, 1000, submit,
         sizeof submit / sizeof submit[0], false},
        /* starts while the submission is still going, and ends after it */
        {"msa", "mta-out", "smtp", H_MSA, H_MX_IN, 52000, 25, 20000, 9000, relay,
         sizeof relay / sizeof relay[0], false},
        {"mua-bob", "mra", "pop3", H_BOB, H_MX_IN, 53000, 110, 800, 400000, pop,
         sizeof pop / sizeof pop[0], false},
    };
    play(&m->tr, ss, 3, m->ids);
}

static void free_mail(struct mail_world *m)
{
    trace_free(&m->tr);
    free(m->body_submit);
    free(m->body_relay_head);
    free(m->body_relay_tail);
    free(m->retr_ok);
    free(m->retr);
    free(m->msg);
}

static void check_tshark_clean(struct harness *h, const char *path, size_t npackets)
{
    struct out o;
    /* No analysis flag (retransmission, dup ACK, unseen segment, window full ...) and no
     * expert item of warning or worse, with checksum validation on. (Without smtp.decryption,
     * tshark warns that it did not decode AUTH PLAIN's base64: a preference, not a fault.) */
    int rc = tshark(path,
                    "-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -d tcp.port==587,smtp "
                    "-o smtp.decryption:TRUE "
                    "-Y 'tcp.analysis.flags || _ws.expert.severity >= warning'",
                    &o);
    CHECK_INT(h, rc, 0);
    CHECK_STR(h, o.text, "");
    free(o.text);
    /* tshark did read every frame and found both checksums good (status 1). */
    rc = tshark(path,
                "-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -T fields "
                "-e ip.checksum.status -e tcp.checksum.status",
                &o);
    CHECK_INT(h, rc, 0);
    CHECK_INT(h, count_lines(o.text), npackets);
    size_t good = 0;
    for (const char *l = o.text; (l = strstr(l, "1\t1\n")) != NULL; l += 4) {
        good++;
    }
    CHECK_INT(h, good, npackets);
    free(o.text);
}

static void test_mail(struct harness *h, bool with_tshark)
{
    struct mail_world m;
    build_mail(&m);
    char path[512], err[256];
    int rc = export_to_temp(&m.tr, path, sizeof path, err, sizeof err);
    if (!CHECK_INT(h, rc, 0)) {
        fprintf(stderr, "    export_pcap: %s\n", err);
    }
    struct capture cap;
    if (rc == 0 && capture_parse(h, path, &cap)) {
        for (int i = 0; i < 3; i++) {
            check_conn(h, &m.tr, &cap, m.ids[i], -1);
        }
        /* The relay really overlaps the submission in the file. */
        const struct trace_conn *a = trace_conn_get(&m.tr, m.ids[0]);
        const struct trace_conn *b = trace_conn_get(&m.tr, m.ids[1]);
        uint64_t a_last = 0;
        for (size_t i = 0; i < cap.n; i++) {
            if (pkt_from(&cap.p[i], a, TRACE_CLIENT) || pkt_from(&cap.p[i], a, TRACE_SERVER)) {
                a_last = cap.p[i].t;
            }
        }
        CHECK(h, b->t_open < a_last);
        size_t npackets = cap.n;
        capture_free(&cap);

        /* Same trace, same bytes. */
        char path2[512];
        if (CHECK_INT(h, export_to_temp(&m.tr, path2, sizeof path2, err, sizeof err), 0)) {
            uint8_t *x, *y;
            size_t nx, ny;
            if (CHECK(h, read_file(path, &x, &nx) && read_file(path2, &y, &ny))) {
                CHECK(h, nx == ny && memcmp(x, y, nx) == 0);
                free(x);
                free(y);
            }
            unlink(path2);
        }

        if (with_tshark) {
            check_tshark_clean(h, path, npackets);
            struct out o;
            static const struct {
                const char *filter;
                const char *fields;
                bool pop;
            } q[] = {
                {"smtp", "-e smtp.req.command -e smtp.response.code", false},
                {"smtp", "-e smtp.req.command -e smtp.response.code", false},
                {"pop", "-e pop.request.command -e pop.response.indicator", true},
            };
            for (int i = 0; i < 3; i++) {
                const struct trace_conn *c = trace_conn_get(&m.tr, m.ids[i]);
                char args[512];
                int n = snprintf(args, sizeof args,
                                 "-d tcp.port==587,smtp -Y '%s && tcp.port==%u' -T fields %s",
                                 q[i].filter, (unsigned)c->client_port, q[i].fields);
                if (!CHECK(h, n > 0 && (size_t)n < sizeof args)) {
                    continue;
                }
                CHECK_INT(h, tshark(path, args, &o), 0);
                drop_empty_lines(o.text);
                char *want = expected_fields(&m.tr, m.ids[i], q[i].pop);
                CHECK_STR(h, o.text, want);
                free(want);
                free(o.text);
            }
            /* Each DATA body is one whole message to tshark's IMF dissector (on the last
             * segment, once reassembled), and so is the message inside RETR's reply. */
            CHECK_INT(h,
                      tshark(path,
                             "-d tcp.port==587,smtp -Y imf -T fields -e tcp.srcport "
                             "-e imf.subject -e imf.message_id",
                             &o),
                      0);
            CHECK_STR(h, o.text,
                      "51000\tpcap-test\t<pcap-test@example.org>\n"
                      "52000\tpcap-test\t<pcap-test@example.org>\n"
                      "110\tpcap-test\t<pcap-test@example.org>\n");
            free(o.text);
            /* The password in AUTH PLAIN is in the clear: what the eavesdropper lesson shows. */
            CHECK_INT(h,
                      tshark(path,
                             "-d tcp.port==587,smtp -o smtp.decryption:TRUE -Y smtp.auth.password "
                             "-T fields -e smtp.auth.username -e smtp.auth.password",
                             &o),
                      0);
            CHECK_STR(h, o.text, "alice\twonderland\n");
            free(o.text);
        }
    }
    if (rc != -2) {
        unlink(path);
    }
    free_mail(&m);
}

/* Nobody listens: SYN, then RST|ACK when the SYN arrives, and nothing else. */
static void test_refused(struct harness *h, bool with_tshark)
{
    struct trace tr;
    world(&tr);
    const struct session ss[] = {
        {"mua-alice", "", "smtp", H_ALICE, H_NOBODY, 50001, 25, 3000, 5000, NULL, 0, true},
    };
    uint32_t id = 0;
    play(&tr, ss, 1, &id);
    trace_close(&tr, 11000, id, TRACE_CLIENT); /* the client gives up: no segment */
    char path[512], err[256];
    int rc = export_to_temp(&tr, path, sizeof path, err, sizeof err);
    CHECK_INT(h, rc, 0);
    struct capture cap;
    if (rc == 0 && capture_parse(h, path, &cap)) {
        if (CHECK_INT(h, cap.n, 2)) {
            CHECK(h, cap.p[0].flags == TH_SYN && cap.p[0].t == 5000 && cap.p[0].mss == 1460);
            CHECK(h, pkt_from(&cap.p[0], &tr.conns[0], TRACE_CLIENT));
            CHECK(h, cap.p[1].flags == (TH_RST | TH_ACK) && cap.p[1].t == 8000);
            CHECK(h, pkt_from(&cap.p[1], &tr.conns[0], TRACE_SERVER));
            CHECK_INT(h, cap.p[1].seq, 0);
            CHECK_INT(h, cap.p[1].ack, cap.p[0].seq + 1);
            CHECK_INT(h, cap.p[1].mac_src, H_NOBODY);
        }
        capture_free(&cap);
        if (with_tshark) {
            /* The only complaint is the reset itself, an expert warning by design. */
            struct out o;
            CHECK_INT(h,
                      tshark(path,
                             "-o tcp.check_checksum:TRUE -Y 'tcp.analysis.flags || "
                             "_ws.expert.severity >= warning' -T fields -e frame.number "
                             "-e tcp.flags.str -e _ws.expert.message",
                             &o),
                      0);
            CHECK(h, strncmp(o.text, "2\t", 2) == 0 && strstr(o.text, "R") &&
                         strstr(o.text, "Connection reset (RST)") && count_lines(o.text) == 1);
            free(o.text);
        }
    }
    if (rc != -2) {
        unlink(path);
    }
    trace_free(&tr);
}

/* 200 kB in one write: more than a 65535-byte window, so both SYNs carry a window scale; the
 * peer never closes; latency 0 on a second connection. */
static void test_big_and_odd(struct harness *h, bool with_tshark)
{
    struct trace tr;
    world(&tr);
    char *big = message("big", 200000);
    const struct step bulk[] = {
        {TRACE_SERVER, 0, "220 mx.example.net ESMTP\r\n"},
        {TRACE_CLIENT, 0, big},
        {TRACE_SERVER, 0, "500 5.5.2 what was that?\r\n"},
        {TRACE_CLIENT, 0, NULL}, /* the server never closes: its side stays open */
    };
    const struct step zero[] = {
        {TRACE_SERVER, 0, "220 mail.example.org ESMTP\r\n"},
        {TRACE_CLIENT, 0, "QUIT\r\n"},
        {TRACE_SERVER, 0, "221 Bye\r\n"},
        {TRACE_SERVER, 0, NULL},
        {TRACE_CLIENT, 0, NULL},
    };
    const struct session ss[] = {
        {"msa", "mta-out", "smtp", H_MSA, H_MX_IN, 50100, 25, 25000, 0, bulk,
         sizeof bulk / sizeof bulk[0], false},
        {"mua-alice", "msa", "smtp", H_ALICE, H_MSA, 50200, 25, 0, 100, zero,
         sizeof zero / sizeof zero[0], false},
    };
    uint32_t ids[2];
    play(&tr, ss, 2, ids);
    char path[512], err[256];
    int rc = export_to_temp(&tr, path, sizeof path, err, sizeof err);
    if (!CHECK_INT(h, rc, 0)) {
        fprintf(stderr, "    export_pcap: %s\n", err);
    }
    struct capture cap;
    if (rc == 0 && capture_parse(h, path, &cap)) {
        /* 65535 << 2 = 262140 > 200 kB in flight */
        check_conn(h, &tr, &cap, ids[0], 2);
        check_conn(h, &tr, &cap, ids[1], -1);
        size_t n = cap.n;
        capture_free(&cap);
        if (with_tshark) {
            check_tshark_clean(h, path, n);
        }
    }
    if (rc != -2) {
        unlink(path);
    }
    free(big);
    trace_free(&tr);
}

/* Traces no TCP could carry are refused with a message, and nothing is written. */
static void test_errors(struct harness *h)
{
    static const char *const want[] = {"after closing", "does not exist", "not in the trace",
                                       "port 0"};
    for (int k = 0; k < 4; k++) {
        struct trace tr;
        world(&tr);
        struct trace_conn c = {0};
        c.client_host = H_ALICE;
        c.server_host = k == 2 ? 77 : H_MSA;
        c.client_ip = ip4(192, 0, 2, 10);
        c.server_ip = ip4(192, 0, 2, 25);
        c.client_port = k == 3 ? 0 : 40000;
        c.server_port = 25;
        c.server_agent = trace_intern(&tr, "msa");
        c.latency_us = 10;
        uint32_t id = trace_connect(&tr, 0, &c);
        trace_data(&tr, 30, id, TRACE_SERVER, false, (const uint8_t *)"220\r\n", 5);
        if (k == 0) {
            trace_close(&tr, 40, id, TRACE_CLIENT);
            trace_data(&tr, 50, id, TRACE_CLIENT, false, (const uint8_t *)"QUIT\r\n", 6);
        } else if (k == 1) {
            trace_data(&tr, 50, 9, TRACE_CLIENT, false, (const uint8_t *)"QUIT\r\n", 6);
        }
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        char err[128] = "untouched";
        if (CHECK(h, f != NULL)) {
            CHECK_INT(h, export_pcap(&tr, f, err, sizeof err), -1);
            fclose(f);
            CHECK_INT(h, len, 0);
            if (!CHECK(h, strstr(err, want[k]) != NULL)) {
                fprintf(stderr, "    err: %s\n", err);
            }
            free(text);
        }
        /* A tiny err buffer gets a cut message, never an overflow. */
        f = open_memstream(&text, &len);
        char tiny[8];
        if (CHECK(h, f != NULL)) {
            CHECK_INT(h, export_pcap(&tr, f, tiny, sizeof tiny), -1);
            CHECK_INT(h, strlen(tiny), sizeof tiny - 1);
            fclose(f);
            free(text);
        }
        trace_free(&tr);
    }

    /* An empty trace is a valid capture of nothing: the file header alone. */
    struct trace tr;
    world(&tr);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (CHECK(h, f != NULL)) {
        CHECK_INT(h, export_pcap(&tr, f, NULL, 0), 0);
        fclose(f);
        CHECK_INT(h, len, 24);
        free(text);
    }
    trace_free(&tr);
}

int main(void)
{
    struct harness h = {"test_pcap", 0, 0};
    bool with_tshark = tshark_wanted(&h);
    test_golden(&h);
    test_mail(&h, with_tshark);
    test_refused(&h, with_tshark);
    test_big_and_odd(&h, with_tshark);
    test_errors(&h);
    return harness_finish(&h);
}
