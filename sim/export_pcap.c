/* export_pcap: turns the trace's byte streams into the TCP segments a sniffer would have seen.
 * Each connection is replayed by a small discrete-event model of two TCP endpoints (send at
 * the trace's time, arrive one latency later, ACK on arrival); then all packets are sorted by
 * time and written as Ethernet/IPv4/TCP frames with correct checksums. */
#include "export_pcap.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    PCAP_TH_FIN = 0x01,
    PCAP_TH_SYN = 0x02,
    PCAP_TH_RST = 0x04,
    PCAP_TH_PSH = 0x08,
    PCAP_TH_ACK = 0x10,
};

#define PCAP_ETH_LEN 14u
#define PCAP_IP_LEN 20u
#define PCAP_TCP_LEN 20u
#define PCAP_TCP_OPT_MAX 8u
#define PCAP_FRAME_MAX                                                                             \
    (PCAP_ETH_LEN + PCAP_IP_LEN + PCAP_TCP_LEN + PCAP_TCP_OPT_MAX + EXPORT_PCAP_MSS)
#define PCAP_WINDOW 65535u
/* RFC 7323 §2.3: "If a Window Scale option is received with a shift.cnt value larger than 14,
 * the TCP SHOULD log the error but MUST use 14 instead of the specified value." */
#define PCAP_WSCALE_MAX 14u
#define PCAP_TTL 64u /* what Linux sends, and the default of Assigned Numbers (RFC 1700) */
#define PCAP_NO_TIME UINT64_MAX
/* pcap's seconds are 32 bits: virtual time may reach 2106, minus a margin for the ACKs that
 * follow the last event (at most three 32-bit latencies of 4295 s). */
#define PCAP_MAX_T (((uint64_t)UINT32_MAX - EXPORT_PCAP_EPOCH - 3u * 4295u) * 1000000u)

/* One TCP segment to be written. Payload points into the trace's arena. */
struct pcap_pkt {
    uint64_t t;      /* virtual microseconds */
    uint64_t serial; /* creation order: ties in t keep it, so causes precede effects */
    uint32_t conn;   /* index into tr->conns */
    uint32_t seq, ack;
    uint32_t len;
    uint8_t from; /* enum trace_side */
    uint8_t flags;
    const uint8_t *payload;
};

struct pcap_pkts {
    struct pcap_pkt *v;
    size_t n, cap;
};

/* One endpoint of the connection being replayed. */
struct pcap_side {
    uint32_t snd_nxt;  /* next sequence number to send */
    uint32_t rcv_nxt;  /* next sequence number expected from the peer */
    uint32_t last_ack; /* ack field of the last segment this side sent */
    uint32_t acked;    /* highest ack the peer has sent for our bytes (as the file shows) */
    bool synced;       /* has sent its SYN|ACK or its handshake ACK: it ACKs from now on */
    bool fin_sent;
    uint64_t ready;  /* earliest time this side may send data: its handshake is done */
    uint64_t last_t; /* time of its last segment with data or FIN */
    size_t next_ev;  /* position in the connection's event list of its next event */
    size_t cursor;   /* next packet of the peer (index into pkts) not yet arrived here */
};

struct pcap_ctx {
    const struct trace *tr;
    struct pcap_pkts pkts;
    uint64_t serial;
    /* Events of each connection, in trace order: conn_ev[conn_first[c] .. conn_first[c+1]). */
    size_t *conn_first;
    size_t *conn_ev;
    uint8_t *wscale; /* per connection: 0 means no window scale option */
    char *err;
    size_t errlen;
};

static void pcap_error(struct pcap_ctx *cx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void pcap_error(struct pcap_ctx *cx, const char *fmt, ...)
{
    if (!cx->err || cx->errlen == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cx->err, cx->errlen, fmt, ap);
    va_end(ap);
    if (n < 0) {
        cx->err[0] = '\0';
    }
    /* A longer message is cut at errlen - 1 bytes; still a useful prefix. */
}

/* splitmix64's finalizer: a well-mixed, deterministic stand-in for a random ISN. */
static uint32_t pcap_hash32(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    x ^= x >> 31;
    return (uint32_t)x;
}

/* RFC 9293 §3.4.1 wants ISNs from a clock and a secret hash so old segments cannot be confused
 * with new ones; a teaching capture wants the same numbers on every run, so ours are a hash of
 * (connection id, side) alone. */
static uint32_t pcap_isn(uint32_t conn_id, int side)
{
    return pcap_hash32(((uint64_t)conn_id << 1) | (uint64_t)side);
}

static int pcap_push(struct pcap_ctx *cx, uint64_t t, uint32_t conn, int from, uint8_t flags,
                     uint32_t seq, uint32_t ack, const uint8_t *payload, uint32_t len)
{
    struct pcap_pkts *p = &cx->pkts;
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 256;
        if (ncap > SIZE_MAX / sizeof *p->v) {
            pcap_error(cx, "pcap: out of memory");
            return -1;
        }
        struct pcap_pkt *v = realloc(p->v, ncap * sizeof *v);
        if (!v) {
            pcap_error(cx, "pcap: out of memory");
            return -1;
        }
        p->v = v;
        p->cap = ncap;
    }
    struct pcap_pkt *k = &p->v[p->n++];
    k->t = t;
    k->serial = cx->serial++;
    k->conn = conn;
    k->seq = seq;
    k->ack = (flags & PCAP_TH_ACK) ? ack : 0;
    k->len = len;
    k->from = (uint8_t)from;
    k->flags = flags;
    k->payload = payload;
    return 0;
}

/* Sequence space a segment occupies. RFC 793 §3.3: "For sequence number purposes, the SYN is
 * considered to occur before the first actual data octet of the segment in which it occurs,
 * while the FIN is considered to occur after the last actual data octet in a segment in which
 * it occurs." */
static uint32_t pcap_seg_space(const struct pcap_pkt *k)
{
    return k->len + ((k->flags & PCAP_TH_SYN) ? 1u : 0u) + ((k->flags & PCAP_TH_FIN) ? 1u : 0u);
}

/* The replay of one connection. */
struct pcap_replay {
    struct pcap_ctx *cx;
    const struct trace_conn *c;
    uint32_t ci; /* connection index */
    struct pcap_side side[2];
    uint32_t max_inflight; /* most unacknowledged data bytes in one direction */
};

/* Sends one segment from side `from`, carrying the ACK of everything that has arrived. */
static int pcap_send(struct pcap_replay *r, uint64_t t, int from, uint8_t flags,
                     const uint8_t *payload, uint32_t len)
{
    struct pcap_side *me = &r->side[from];
    struct pcap_side *peer = &r->side[!from];
    uint32_t seq = me->snd_nxt;
    if (pcap_push(r->cx, t, r->ci, from, flags, seq, me->rcv_nxt, payload, len) != 0) {
        return -1;
    }
    me->snd_nxt += pcap_seg_space(&r->cx->pkts.v[r->cx->pkts.n - 1]);
    if (flags & PCAP_TH_ACK) {
        me->last_ack = me->rcv_nxt;
        peer->acked = me->rcv_nxt;
    }
    if (len > 0) {
        uint32_t inflight = me->snd_nxt - me->acked;
        if (inflight > r->max_inflight) {
            r->max_inflight = inflight;
        }
    }
    return 0;
}

/* Advances side `to`'s cursor past packets that carry nothing for it (its own packets and the
 * peer's pure ACKs) and returns the arrival time of the next one that does, or PCAP_NO_TIME. */
static uint64_t pcap_next_arrival(struct pcap_replay *r, int to)
{
    const struct pcap_pkts *p = &r->cx->pkts;
    struct pcap_side *s = &r->side[to];
    while (s->cursor < p->n) {
        const struct pcap_pkt *k = &p->v[s->cursor];
        if (k->from != to && pcap_seg_space(k) > 0) {
            return k->t + r->c->latency_us;
        }
        s->cursor++;
    }
    return PCAP_NO_TIME;
}

/* Delivers to both sides every segment that has arrived by time t. The handshake answers at
 * once: RFC 793 §3.4, "The synchronization requires each side to send it's own initial
 * sequence number and to receive a confirmation of it in acknowledgment from the other side." */
static int pcap_deliver(struct pcap_replay *r, uint64_t t)
{
    bool moved = true;
    while (moved) {
        moved = false;
        for (int to = 0; to < 2; to++) {
            uint64_t at = pcap_next_arrival(r, to);
            if (at == PCAP_NO_TIME || at > t) {
                continue;
            }
            struct pcap_side *s = &r->side[to];
            const struct pcap_pkt k = r->cx->pkts.v[s->cursor++];
            s->rcv_nxt = k.seq + pcap_seg_space(&k);
            moved = true;
            if ((k.flags & PCAP_TH_SYN) && !(k.flags & PCAP_TH_ACK)) {
                s->synced = true;
                if (pcap_send(r, t, to, PCAP_TH_SYN | PCAP_TH_ACK, NULL, 0) != 0) {
                    return -1;
                }
            } else if ((k.flags & PCAP_TH_SYN) && to == TRACE_CLIENT) {
                s->synced = true;
                if (pcap_send(r, t, to, PCAP_TH_ACK, NULL, 0) != 0) {
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* The next data or close event of one side, skipping what makes no segment (empty data, a
 * second close); NULL when there is none. */
static const struct trace_event *pcap_peek_event(struct pcap_replay *r, int from)
{
    const struct pcap_ctx *cx = r->cx;
    struct pcap_side *s = &r->side[from];
    size_t end = cx->conn_first[r->ci + 1];
    for (; s->next_ev < end; s->next_ev++) {
        const struct trace_event *e = trace_event_at(cx->tr, cx->conn_ev[s->next_ev]);
        if (e->from != from) {
            continue;
        }
        if (e->kind == TRACE_DATA && e->bytes.len == 0) {
            continue;
        }
        if (e->kind == TRACE_CLOSE && s->fin_sent) {
            continue;
        }
        return e;
    }
    return NULL;
}

/* When side `from` can send its next event: at the trace's time, but never before its
 * handshake is done nor before its previous segment (a byte stream keeps its order). */
static uint64_t pcap_send_time(struct pcap_replay *r, int from, const struct trace_event *e)
{
    const struct pcap_side *s = &r->side[from];
    uint64_t t = e->t;
    if (t < s->ready) {
        t = s->ready;
    }
    if (t < s->last_t) {
        t = s->last_t;
    }
    return t;
}

static int pcap_send_event(struct pcap_replay *r, int from, const struct trace_event *e, uint64_t t)
{
    struct pcap_side *s = &r->side[from];
    const char *who = from == TRACE_CLIENT ? "client" : "server";
    s->next_ev++;
    s->last_t = t;
    if (e->kind == TRACE_CLOSE) {
        s->fin_sent = true;
        return pcap_send(r, t, from, PCAP_TH_FIN | PCAP_TH_ACK, NULL, 0);
    }
    if (s->fin_sent) {
        pcap_error(r->cx, "pcap: connection %u: the %s sends data at t=%llu after closing",
                   (unsigned)r->c->id, who, (unsigned long long)e->t);
        return -1;
    }
    /* RFC 879 §3: "The MSS counts only data octets in the segment, it does not count the TCP
     * header or the IP header." So 1460 data octets fill a 1500-octet Ethernet payload. */
    const uint8_t *p = trace_bytes_ptr(r->cx->tr, e->bytes);
    uint32_t left = e->bytes.len;
    while (left > 0) {
        uint32_t n = left < EXPORT_PCAP_MSS ? left : EXPORT_PCAP_MSS;
        uint8_t flags = PCAP_TH_ACK | (n == left ? PCAP_TH_PSH : 0);
        if (pcap_send(r, t, from, flags, p, n) != 0) {
            return -1;
        }
        p += n;
        left -= n;
    }
    return 0;
}

/* A connect that nobody accepted: the trace marks it with a server close flagged
 * TRACE_REFUSED at the time the SYN arrived. RFC 793 §3.4: "If the incoming segment has an ACK
 * field, the reset takes its sequence number from the ACK field of the segment, otherwise the
 * reset has sequence number zero and the ACK field is set to the sum of the sequence number and
 * segment length of the incoming segment." */
static const struct trace_event *pcap_refusal(const struct pcap_replay *r)
{
    const struct pcap_ctx *cx = r->cx;
    for (size_t i = cx->conn_first[r->ci]; i < cx->conn_first[r->ci + 1]; i++) {
        const struct trace_event *e = trace_event_at(cx->tr, cx->conn_ev[i]);
        if (e->kind == TRACE_CLOSE && e->from == TRACE_SERVER && (e->flags & TRACE_REFUSED)) {
            return e;
        }
    }
    return NULL;
}

static int pcap_replay_refused(struct pcap_replay *r, const struct trace_event *refusal)
{
    uint32_t isn = pcap_isn(r->c->id, TRACE_CLIENT);
    uint64_t t = r->c->t_open;
    uint64_t t_rst = refusal->t > t ? refusal->t : t;
    if (pcap_push(r->cx, t, r->ci, TRACE_CLIENT, PCAP_TH_SYN, isn, 0, NULL, 0) != 0) {
        return -1;
    }
    return pcap_push(r->cx, t_rst, r->ci, TRACE_SERVER, PCAP_TH_RST | PCAP_TH_ACK, 0, isn + 1, NULL,
                     0);
}

static int pcap_replay_conn(struct pcap_ctx *cx, uint32_t ci)
{
    struct pcap_replay r;
    memset(&r, 0, sizeof r);
    r.cx = cx;
    r.ci = ci;
    r.c = &cx->tr->conns[ci];
    const uint64_t lat = r.c->latency_us;
    const uint64_t t_open = r.c->t_open;

    const struct trace_event *refusal = pcap_refusal(&r);
    if (refusal) {
        return pcap_replay_refused(&r, refusal);
    }
    size_t first_pkt = cx->pkts.n;
    for (int i = 0; i < 2; i++) {
        struct pcap_side *s = &r.side[i];
        s->snd_nxt = pcap_isn(r.c->id, i);
        s->acked = s->snd_nxt;
        s->next_ev = cx->conn_first[ci];
        s->cursor = first_pkt;
    }
    /* The server may answer once the SYN has arrived, the client once the SYN|ACK has. */
    r.side[TRACE_SERVER].ready = t_open + lat;
    r.side[TRACE_CLIENT].ready = t_open + 2 * lat;

    if (pcap_send(&r, t_open, TRACE_CLIENT, PCAP_TH_SYN, NULL, 0) != 0) {
        return -1;
    }
    for (;;) {
        /* The next moment anything happens: an arrival or a send. */
        uint64_t t = PCAP_NO_TIME;
        for (int i = 0; i < 2; i++) {
            uint64_t at = pcap_next_arrival(&r, i);
            if (at < t) {
                t = at;
            }
            const struct trace_event *e = pcap_peek_event(&r, i);
            if (e && pcap_send_time(&r, i, e) < t) {
                t = pcap_send_time(&r, i, e);
            }
        }
        if (t == PCAP_NO_TIME) {
            break;
        }
        /* 1. what has arrived; 2. what is sent now, in trace order, each segment carrying the
         * newest ACK; 3. a pure ACK from a side that received bytes but sent nothing to carry
         * their acknowledgment. */
        if (pcap_deliver(&r, t) != 0) {
            return -1;
        }
        for (;;) {
            const struct trace_event *pick = NULL;
            int pick_side = 0;
            for (int i = 0; i < 2; i++) {
                const struct trace_event *e = pcap_peek_event(&r, i);
                if (e && pcap_send_time(&r, i, e) <= t && (!pick || e < pick)) {
                    pick = e;
                    pick_side = i;
                }
            }
            if (!pick) {
                break;
            }
            if (pcap_send_event(&r, pick_side, pick, t) != 0 || pcap_deliver(&r, t) != 0) {
                return -1;
            }
        }
        for (int i = 0; i < 2; i++) {
            struct pcap_side *s = &r.side[i];
            if (s->synced && s->rcv_nxt != s->last_ack &&
                pcap_send(&r, t, i, PCAP_TH_ACK, NULL, 0) != 0) {
                return -1;
            }
        }
    }

    /* RFC 793 §3.1, Window: "The number of data octets beginning with the one indicated in the
     * acknowledgment field which the sender of this segment is willing to accept." When more
     * is in flight than 65535 octets, both SYNs carry a window scale (RFC 7323) so the
     * advertised window covers it; the window field itself stays 65535. */
    uint8_t shift = 0;
    while (shift <= PCAP_WSCALE_MAX && ((uint64_t)PCAP_WINDOW << shift) <= r.max_inflight) {
        shift++;
    }
    if (shift > PCAP_WSCALE_MAX) {
        pcap_error(cx, "pcap: connection %u: %lu bytes in flight exceed the largest TCP window",
                   (unsigned)r.c->id, (unsigned long)r.max_inflight);
        return -1;
    }
    cx->wscale[ci] = shift;
    return 0;
}

/* Groups the events of each connection (stable counting sort) and checks the world header
 * before anything is replayed. */
static int pcap_index(struct pcap_ctx *cx)
{
    const struct trace *tr = cx->tr;
    for (size_t i = 0; i < tr->nconns; i++) {
        const struct trace_conn *c = &tr->conns[i];
        if (c->client_host >= tr->nhosts || c->server_host >= tr->nhosts) {
            pcap_error(cx, "pcap: connection %u names a host that is not in the trace",
                       (unsigned)c->id);
            return -1;
        }
        if (c->client_host > 0xffffu || c->server_host > 0xffffu) {
            pcap_error(cx, "pcap: connection %u: host index too large for a MAC address",
                       (unsigned)c->id);
            return -1;
        }
        if (c->client_port == 0 || c->server_port == 0) {
            pcap_error(cx, "pcap: connection %u has port 0", (unsigned)c->id);
            return -1;
        }
        if (c->t_open > PCAP_MAX_T) {
            pcap_error(cx,
                       "pcap: connection %u opens at t=%llu us, past what pcap's clock can show",
                       (unsigned)c->id, (unsigned long long)c->t_open);
            return -1;
        }
    }
    cx->conn_first = calloc(tr->nconns + 2, sizeof *cx->conn_first);
    cx->conn_ev = malloc((tr->nevents ? tr->nevents : 1) * sizeof *cx->conn_ev);
    cx->wscale = calloc(tr->nconns ? tr->nconns : 1, 1);
    if (!cx->conn_first || !cx->conn_ev || !cx->wscale) {
        pcap_error(cx, "pcap: out of memory");
        return -1;
    }
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_DATA && e->kind != TRACE_CLOSE) {
            continue;
        }
        if (e->conn == 0 || e->conn > tr->nconns) {
            pcap_error(cx, "pcap: event %zu (%s) names connection %u, which does not exist", i,
                       trace_kind_name((enum trace_kind)e->kind), (unsigned)e->conn);
            return -1;
        }
        if (e->from != TRACE_CLIENT && e->from != TRACE_SERVER) {
            pcap_error(cx, "pcap: event %zu has no side", i);
            return -1;
        }
        if (e->t > PCAP_MAX_T) {
            pcap_error(cx, "pcap: event %zu at t=%llu us is past what pcap's clock can show", i,
                       (unsigned long long)e->t);
            return -1;
        }
        /* Connection index ci = conn - 1 is counted in slot ci + 2, so that after the prefix
         * sums slot ci + 1 holds where ci starts. */
        cx->conn_first[e->conn + 1]++;
    }
    for (size_t c = 1; c <= tr->nconns + 1; c++) {
        cx->conn_first[c] += cx->conn_first[c - 1];
    }
    /* Filling moves slot ci + 1 from the start of ci to its end, which is where ci + 1 starts:
     * afterwards ci's events are conn_first[ci] .. conn_first[ci + 1]. */
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_DATA || e->kind == TRACE_CLOSE) {
            cx->conn_ev[cx->conn_first[e->conn]++] = i;
        }
    }
    return 0;
}

static int pcap_pkt_cmp(const void *a, const void *b)
{
    const struct pcap_pkt *x = a;
    const struct pcap_pkt *y = b;
    if (x->t != y->t) {
        return x->t < y->t ? -1 : 1;
    }
    return x->serial < y->serial ? -1 : (x->serial > y->serial ? 1 : 0);
}

static void pcap_put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void pcap_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void pcap_put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void pcap_put16le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Adds bytes to a one's complement sum of 16-bit big-endian words. RFC 793 §3.1, Checksum:
 * "If a segment contains an odd number of header and text octets to be checksummed, the last
 * octet is padded on the right with zeros to form a 16 bit word for checksum purposes." */
static uint32_t pcap_sum(uint32_t sum, const uint8_t *p, size_t n)
{
    for (; n > 1; p += 2, n -= 2) {
        sum += (uint32_t)p[0] << 8 | p[1];
    }
    if (n) {
        sum += (uint32_t)p[0] << 8;
    }
    return sum;
}

static uint16_t pcap_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void pcap_mac(uint8_t *p, uint32_t host)
{
    /* 0x02: a locally administered unicast address, never a vendor's. */
    const uint8_t mac[6] = {0x02, 0, 0, 0, (uint8_t)(host >> 8), (uint8_t)host};
    memcpy(p, mac, sizeof mac);
}

/* Builds the frame of one segment into f (PCAP_FRAME_MAX bytes); returns its length. */
static size_t pcap_frame(const struct pcap_ctx *cx, const struct pcap_pkt *k, uint16_t ip_id,
                         uint8_t *f)
{
    const struct trace_conn *c = &cx->tr->conns[k->conn];
    bool from_client = k->from == TRACE_CLIENT;
    uint32_t src_host = from_client ? c->client_host : c->server_host;
    uint32_t dst_host = from_client ? c->server_host : c->client_host;
    uint32_t src_ip = from_client ? c->client_ip : c->server_ip;
    uint32_t dst_ip = from_client ? c->server_ip : c->client_ip;
    uint16_t src_port = from_client ? c->client_port : c->server_port;
    uint16_t dst_port = from_client ? c->server_port : c->client_port;

    /* TCP options. RFC 793 §3.1, Maximum Segment Size: "This field must only be sent in the
     * initial connection request (i.e., in segments with the SYN control bit set)." */
    uint8_t opt[PCAP_TCP_OPT_MAX];
    size_t optlen = 0;
    if (k->flags & PCAP_TH_SYN) {
        opt[optlen++] = 2; /* MSS */
        opt[optlen++] = 4;
        pcap_put16(opt + optlen, EXPORT_PCAP_MSS);
        optlen += 2;
        if (cx->wscale[k->conn]) {
            opt[optlen++] = 1; /* NOP, to keep the header a multiple of 4 */
            opt[optlen++] = 3; /* window scale */
            opt[optlen++] = 3;
            opt[optlen++] = cx->wscale[k->conn];
        }
    }
    size_t tcp_len = PCAP_TCP_LEN + optlen + k->len;
    size_t ip_len = PCAP_IP_LEN + tcp_len;

    uint8_t *eth = f;
    pcap_mac(eth, dst_host);
    pcap_mac(eth + 6, src_host);
    pcap_put16(eth + 12, 0x0800); /* IPv4 */

    uint8_t *ip = eth + PCAP_ETH_LEN;
    ip[0] = 0x45; /* version 4, header of 5 words */
    ip[1] = 0;
    pcap_put16(ip + 2, (uint32_t)ip_len);
    pcap_put16(ip + 4, ip_id);
    pcap_put16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = PCAP_TTL;
    ip[9] = 6; /* TCP */
    pcap_put16(ip + 10, 0);
    pcap_put32(ip + 12, src_ip);
    pcap_put32(ip + 16, dst_ip);
    /* RFC 791 §3.1: "The checksum field is the 16 bit one's complement of the one's complement
     * sum of all 16 bit words in the header. For purposes of computing the checksum, the value
     * of the checksum field is zero." */
    pcap_put16(ip + 10, pcap_fold(pcap_sum(0, ip, PCAP_IP_LEN)));

    uint8_t *tcp = ip + PCAP_IP_LEN;
    pcap_put16(tcp, src_port);
    pcap_put16(tcp + 2, dst_port);
    pcap_put32(tcp + 4, k->seq);
    pcap_put32(tcp + 8, k->ack);
    tcp[12] = (uint8_t)(((PCAP_TCP_LEN + optlen) / 4) << 4);
    tcp[13] = k->flags;
    /* A reset offers no window; everything else offers 65535 (scaled after the SYNs). */
    pcap_put16(tcp + 14, (k->flags & PCAP_TH_RST) ? 0 : PCAP_WINDOW);
    pcap_put16(tcp + 16, 0);
    pcap_put16(tcp + 18, 0); /* urgent pointer */
    memcpy(tcp + PCAP_TCP_LEN, opt, optlen);
    if (k->len) {
        memcpy(tcp + PCAP_TCP_LEN + optlen, k->payload, k->len);
    }
    /* RFC 793 §3.1: "The checksum also covers a 96 bit pseudo header conceptually prefixed to
     * the TCP header. This pseudo header contains the Source Address, the Destination Address,
     * the Protocol, and TCP length." */
    uint8_t pseudo[12];
    pcap_put32(pseudo, src_ip);
    pcap_put32(pseudo + 4, dst_ip);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pcap_put16(pseudo + 10, (uint32_t)tcp_len);
    uint32_t sum = pcap_sum(pcap_sum(0, pseudo, sizeof pseudo), tcp, tcp_len);
    pcap_put16(tcp + 16, pcap_fold(sum));
    return PCAP_ETH_LEN + ip_len;
}

static int pcap_write(struct pcap_ctx *cx, FILE *out)
{
    const struct trace *tr = cx->tr;
    /* The last packet has the latest time: check the 32-bit seconds field once, up front. */
    if (cx->pkts.n > 0) {
        uint64_t last = cx->pkts.v[cx->pkts.n - 1].t / 1000000u;
        if (last > UINT32_MAX - EXPORT_PCAP_EPOCH) {
            pcap_error(cx, "pcap: virtual time %llu us is past what pcap's clock can show",
                       (unsigned long long)cx->pkts.v[cx->pkts.n - 1].t);
            return -1;
        }
    }
    uint16_t *ip_id = malloc((tr->nhosts ? tr->nhosts : 1) * sizeof *ip_id);
    if (!ip_id) {
        pcap_error(cx, "pcap: out of memory");
        return -1;
    }
    for (size_t i = 0; i < tr->nhosts; i++) {
        ip_id[i] = 1; /* each host numbers its own datagrams, 1, 2, 3, ... */
    }

    uint8_t hdr[24];
    pcap_put32le(hdr, 0xa1b2c3d4u);
    pcap_put16le(hdr + 4, 2);
    pcap_put16le(hdr + 6, 4);
    pcap_put32le(hdr + 8, 0);  /* thiszone: timestamps are UTC */
    pcap_put32le(hdr + 12, 0); /* sigfigs */
    pcap_put32le(hdr + 16, EXPORT_PCAP_SNAPLEN);
    pcap_put32le(hdr + 20, EXPORT_PCAP_LINKTYPE_ETHERNET);
    bool ok = fwrite(hdr, sizeof hdr, 1, out) == 1;

    uint8_t rec[16];
    uint8_t frame[PCAP_FRAME_MAX];
    for (size_t i = 0; ok && i < cx->pkts.n; i++) {
        const struct pcap_pkt *k = &cx->pkts.v[i];
        const struct trace_conn *c = &tr->conns[k->conn];
        uint32_t host = k->from == TRACE_CLIENT ? c->client_host : c->server_host;
        size_t n = pcap_frame(cx, k, ip_id[host]++, frame);
        pcap_put32le(rec, (uint32_t)(EXPORT_PCAP_EPOCH + k->t / 1000000u));
        pcap_put32le(rec + 4, (uint32_t)(k->t % 1000000u));
        pcap_put32le(rec + 8, (uint32_t)n);
        pcap_put32le(rec + 12, (uint32_t)n);
        ok = fwrite(rec, sizeof rec, 1, out) == 1 && fwrite(frame, n, 1, out) == 1;
    }
    free(ip_id);
    if (!ok || fflush(out) != 0 || ferror(out)) {
        pcap_error(cx, "pcap: write error");
        return -1;
    }
    return 0;
}

int export_pcap(const struct trace *tr, FILE *out, char *err, size_t errlen)
{
    struct pcap_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.tr = tr;
    cx.err = err;
    cx.errlen = err ? errlen : 0;
    if (cx.errlen) {
        err[0] = '\0';
    }
    int rc = pcap_index(&cx);
    for (uint32_t ci = 0; rc == 0 && ci < tr->nconns; ci++) {
        rc = pcap_replay_conn(&cx, ci);
    }
    if (rc == 0) {
        /* Non-decreasing times in the file; among equal times, the order things happened. */
        if (cx.pkts.n > 1) {
            qsort(cx.pkts.v, cx.pkts.n, sizeof *cx.pkts.v, pcap_pkt_cmp);
        }
        rc = pcap_write(&cx, out);
    }
    free(cx.pkts.v);
    free(cx.conn_first);
    free(cx.conn_ev);
    free(cx.wscale);
    return rc;
}
