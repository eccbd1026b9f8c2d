/* sim: virtual clock, event queue, topology, connections and taps (see sim.h). */
#include "sim.h"

#include "buf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_event {
    uint64_t at;
    uint64_t seq;
    sim_event_fn fn;
    void *ctx;
    uint64_t arg;
};

struct sim_host {
    trace_str name;
    int zone;
    uint32_t ip;
    int nat; /* the NAT gateway this host sits behind, or -1 */
};

struct sim_link {
    int a, b;
    uint32_t latency_us;
};

struct sim_tap {
    int link;
    sim_tap_fn fn;
    void *ctx;
};

struct sim_tamper {
    int link;
    trace_str agent;
    sim_tamper_fn fn;
    void *ctx;
};

struct sim_listener {
    int host;
    uint16_t port;
    trace_str proto;
    trace_str agent;
    sim_accept_fn accept;
    void *ctx;
    bool down;
};

struct sim_conn {
    struct sim_endpoint ep[2]; /* indexed by enum trace_side */
    bool closed[2];
    bool tls[2];
    int listener;
    int *path; /* link indices */
    size_t npath;
};

struct sim_world {
    struct trace *tr;
    struct sim_rng rng;
    uint64_t now;
    uint64_t seq;

    struct sim_event *heap;
    size_t nheap, cap_heap;

    struct sim_host *hosts;
    size_t nhosts, cap_hosts;
    struct sim_link *links;
    size_t nlinks, cap_links;
    struct sim_tap *taps;
    size_t ntaps, cap_taps;
    struct sim_tamper *tampers;
    size_t ntampers, cap_tampers;
    struct sim_listener *listeners;
    size_t nlisteners, cap_listeners;
    struct sim_conn *conns; /* conns[id - 1] */
    size_t nconns, cap_conns;
    uint32_t next_port; /* ephemeral ports: 0 until the first connection */
};

static void sim_fatal(const char *what)
{
    fprintf(stderr, "mailsim: internal error in the simulation engine: %s\n", what);
    abort();
}

struct sim_world *sim_world_new(uint64_t seed, struct trace *tr)
{
    struct sim_world *w = calloc(1, sizeof *w);
    if (!w) {
        return NULL;
    }
    w->tr = tr;
    tr->seed = seed;
    rng_seed(&w->rng, seed);
    return w;
}

void sim_world_free(struct sim_world *w)
{
    if (!w) {
        return;
    }
    for (size_t i = 0; i < w->nconns; i++) {
        free(w->conns[i].path);
    }
    free(w->conns);
    free(w->heap);
    free(w->hosts);
    free(w->links);
    free(w->taps);
    free(w->tampers);
    free(w->listeners);
    free(w);
}

uint64_t sim_now(const struct sim_world *w)
{
    return w->now;
}

struct sim_rng *sim_rng(struct sim_world *w)
{
    return &w->rng;
}

struct trace *sim_trace(struct sim_world *w)
{
    return w->tr;
}

/* ---- topology ---- */

int sim_parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1) {
        return -1;
    }
    *out = ntohl(a.s_addr);
    return 0;
}

void sim_format_ipv4(uint32_t ip, char *out, size_t cap)
{
    trace_format_ipv4(ip, out, cap);
}

/* RFC 5737 §3: "The blocks 192.0.2.0/24 (TEST-NET-1), 198.51.100.0/24 (TEST-NET-2), and
 * 203.0.113.0/24 (TEST-NET-3) are provided for use in documentation." */
static bool sim_ip_is_documentation(uint32_t ip)
{
    uint32_t net = ip & 0xffffff00u;
    return net == 0xc0000200u || net == 0xc6336400u || net == 0xcb007100u;
}

int sim_zone_add(struct sim_world *w, const char *name, char *err, size_t errlen)
{
    struct trace *tr = w->tr;
    for (size_t i = 0; i < tr->nzones; i++) {
        if (strcmp(trace_string(tr, tr->zones[i].name), name) == 0) {
            snprintf(err, errlen, "zone \"%s\" is defined twice", name);
            return -1;
        }
    }
    return (int)trace_add_zone(tr, name);
}

int sim_host_find(const struct sim_world *w, const char *name)
{
    trace_str id = trace_lookup(w->tr, name);
    for (size_t i = 0; id && i < w->nhosts; i++) {
        if (w->hosts[i].name == id) {
            return (int)i;
        }
    }
    return -1;
}

int sim_host_by_ip(const struct sim_world *w, uint32_t ip)
{
    for (size_t i = 0; i < w->nhosts; i++) {
        if (w->hosts[i].ip == ip) {
            return (int)i;
        }
    }
    return -1;
}

uint32_t sim_host_ip(const struct sim_world *w, int host)
{
    return w->hosts[host].ip;
}

int sim_host_add(struct sim_world *w, const char *name, int zone, const char *ip, char *err,
                 size_t errlen)
{
    uint32_t addr;
    if (zone < 0 || (size_t)zone >= w->tr->nzones) {
        snprintf(err, errlen, "host \"%s\": no such zone", name);
        return -1;
    }
    if (sim_parse_ipv4(ip, &addr) != 0) {
        snprintf(err, errlen, "host \"%s\": \"%s\" is not an IPv4 address", name, ip);
        return -1;
    }
    if (!sim_ip_is_documentation(addr)) {
        snprintf(err, errlen,
                 "host \"%s\": %s is outside the documentation ranges 192.0.2.0/24, "
                 "198.51.100.0/24 and 203.0.113.0/24",
                 name, ip);
        return -1;
    }
    if (sim_host_find(w, name) >= 0) {
        snprintf(err, errlen, "host \"%s\" is defined twice", name);
        return -1;
    }
    if (sim_host_by_ip(w, addr) >= 0) {
        snprintf(err, errlen, "host \"%s\": address %s is already taken", name, ip);
        return -1;
    }
    struct sim_host *h = BUF_PUSH(w->hosts, w->nhosts, w->cap_hosts, 16);
    h->zone = zone;
    h->ip = addr;
    h->nat = -1;
    trace_add_host(w->tr, name, (uint32_t)zone, addr);
    h->name = trace_lookup(w->tr, name);
    return (int)(w->nhosts - 1);
}

int sim_link_add(struct sim_world *w, int a, int b, uint32_t latency_us, char *err, size_t errlen)
{
    if (a < 0 || b < 0 || (size_t)a >= w->nhosts || (size_t)b >= w->nhosts || a == b) {
        snprintf(err, errlen, "a link needs two different hosts");
        return -1;
    }
    struct sim_link *l = BUF_PUSH(w->links, w->nlinks, w->cap_links, 16);
    l->a = a;
    l->b = b;
    l->latency_us = latency_us;
    trace_add_link(w->tr, (uint32_t)a, (uint32_t)b, latency_us);
    return (int)(w->nlinks - 1);
}

int sim_agent_add(struct sim_world *w, const char *id, const char *role, const char *program,
                  int host)
{
    if (host < 0 || (size_t)host >= w->nhosts) {
        return -1;
    }
    return (int)trace_add_agent(w->tr, id, role, program, (uint32_t)host);
}

int sim_tap_add(struct sim_world *w, const char *name, int link, sim_tap_fn fn, void *ctx)
{
    if (link < 0 || (size_t)link >= w->nlinks) {
        return -1;
    }
    struct sim_tap *t = BUF_PUSH(w->taps, w->ntaps, w->cap_taps, 16);
    t->link = link;
    t->fn = fn;
    t->ctx = ctx;
    trace_add_tap(w->tr, name, (uint32_t)link);
    return (int)(w->ntaps - 1);
}

int sim_tamper_add(struct sim_world *w, int link, const char *agent, sim_tamper_fn fn, void *ctx)
{
    if (link < 0 || (size_t)link >= w->nlinks) {
        return -1;
    }
    struct sim_tamper *t = BUF_PUSH(w->tampers, w->ntampers, w->cap_tampers, 16);
    t->link = link;
    t->agent = trace_intern(w->tr, agent);
    t->fn = fn;
    t->ctx = ctx;
    return 0;
}

int sim_link_find(const struct sim_world *w, int host_a, int host_b)
{
    for (size_t i = 0; i < w->nlinks; i++) {
        const struct sim_link *l = &w->links[i];
        if ((l->a == host_a && l->b == host_b) || (l->a == host_b && l->b == host_a)) {
            return (int)i;
        }
    }
    return -1;
}

int sim_host_set_nat(struct sim_world *w, int host, int nat_host)
{
    if (host < 0 || nat_host < 0 || (size_t)host >= w->nhosts || (size_t)nat_host >= w->nhosts ||
        host == nat_host) {
        return -1;
    }
    w->hosts[host].nat = nat_host;
    return 0;
}

/* ---- event queue: a 4-ary min-heap on (time, sequence) ----
 * A long run keeps every scheduled submission in the queue from the start, so the heap is deep.
 * Four children per node halve its height, and they share cache lines; sifting moves a hole
 * instead of swapping. (time, sequence) is a total order, so the order events run in does not
 * depend on the shape of the heap. */

#define SIM_HEAP_ARITY 4

static bool sim_event_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

void sim_schedule(struct sim_world *w, uint64_t at_us, sim_event_fn fn, void *ctx, uint64_t arg)
{
    if (at_us < w->now) {
        sim_fatal("an event was scheduled in the past");
    }
    (void)BUF_PUSH(w->heap, w->nheap, w->cap_heap, 16);
    struct sim_event e = {at_us, w->seq++, fn, ctx, arg};
    size_t i = w->nheap - 1;
    while (i > 0) {
        size_t parent = (i - 1) / SIM_HEAP_ARITY;
        if (!sim_event_before(&e, &w->heap[parent])) {
            break;
        }
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = e;
}

static struct sim_event sim_pop(struct sim_world *w)
{
    struct sim_event top = w->heap[0];
    struct sim_event last = w->heap[--w->nheap];
    size_t n = w->nheap;
    size_t i = 0;
    for (;;) {
        size_t first = SIM_HEAP_ARITY * i + 1;
        if (first >= n) {
            break;
        }
        size_t end = first + SIM_HEAP_ARITY < n ? first + SIM_HEAP_ARITY : n;
        size_t m = first;
        for (size_t c = first + 1; c < end; c++) {
            if (sim_event_before(&w->heap[c], &w->heap[m])) {
                m = c;
            }
        }
        if (!sim_event_before(&w->heap[m], &last)) {
            break;
        }
        w->heap[i] = w->heap[m];
        i = m;
    }
    if (n > 0) {
        w->heap[i] = last;
    }
    return top;
}

bool sim_step(struct sim_world *w)
{
    if (w->nheap == 0) {
        return false;
    }
    struct sim_event e = sim_pop(w);
    w->now = e.at;
    e.fn(w, e.ctx, e.arg);
    return true;
}

uint64_t sim_run(struct sim_world *w, uint64_t until_us)
{
    uint64_t n = 0;
    while (w->nheap > 0 && w->heap[0].at <= until_us) {
        sim_step(w);
        n++;
    }
    return n;
}

size_t sim_pending(const struct sim_world *w)
{
    return w->nheap;
}

uint64_t sim_next_at(const struct sim_world *w)
{
    return w->nheap > 0 ? w->heap[0].at : UINT64_MAX;
}

void sim_advance(struct sim_world *w, uint64_t at_us)
{
    if (w->nheap > 0 && w->heap[0].at < at_us) {
        sim_fatal("advancing the clock past a pending event");
    }
    if (at_us > w->now) {
        w->now = at_us;
    }
}

/* ---- connections ---- */

int sim_listen(struct sim_world *w, int host, uint16_t port, const char *proto, const char *agent,
               sim_accept_fn accept, void *ctx)
{
    if (host < 0 || (size_t)host >= w->nhosts) {
        return -1;
    }
    for (size_t i = 0; i < w->nlisteners; i++) {
        if (w->listeners[i].host == host && w->listeners[i].port == port) {
            return -1;
        }
    }
    struct sim_listener *l = BUF_PUSH(w->listeners, w->nlisteners, w->cap_listeners, 16);
    l->host = host;
    l->port = port;
    l->proto = trace_intern(w->tr, proto);
    l->agent = trace_intern(w->tr, agent);
    l->accept = accept;
    l->ctx = ctx;
    l->down = false;
    return (int)(w->nlisteners - 1);
}

void sim_listen_set_down(struct sim_world *w, int listener, bool down)
{
    if (listener < 0 || (size_t)listener >= w->nlisteners) {
        sim_fatal("no such listener");
    }
    w->listeners[listener].down = down;
}

/* The listener that would accept a connection now, or -1. */
static int sim_find_listener(const struct sim_world *w, int host, uint16_t port)
{
    for (size_t i = 0; i < w->nlisteners; i++) {
        if (w->listeners[i].host == host && w->listeners[i].port == port && !w->listeners[i].down) {
            return (int)i;
        }
    }
    return -1;
}

/* Breadth-first search for the path with the fewest links; fills a malloc'd list. */
static int sim_route(const struct sim_world *w, int from, int to, int **path, size_t *npath,
                     uint32_t *latency)
{
    size_t n = w->nhosts;
    int *via = malloc(n * sizeof *via); /* link used to reach each host, -1 unseen */
    int *queue = malloc(n * sizeof *queue);
    if (!via || !queue) {
        sim_fatal("out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        via[i] = -1;
    }
    size_t head = 0, tail = 0;
    queue[tail++] = from;
    via[from] = -2;
    while (head < tail && via[to] == -1) {
        int h = queue[head++];
        for (size_t i = 0; i < w->nlinks; i++) {
            const struct sim_link *l = &w->links[i];
            int other = l->a == h ? l->b : (l->b == h ? l->a : -1);
            if (other >= 0 && via[other] == -1) {
                via[other] = (int)i;
                queue[tail++] = other;
            }
        }
    }
    int rc = -1;
    if (from == to || via[to] != -1) {
        size_t len = 0;
        for (int h = to; h != from; len++) {
            const struct sim_link *l = &w->links[via[h]];
            h = l->a == h ? l->b : l->a;
        }
        *path = malloc((len ? len : 1) * sizeof **path);
        if (!*path) {
            sim_fatal("out of memory");
        }
        *npath = len;
        *latency = 0;
        size_t k = len;
        for (int h = to; h != from;) {
            const struct sim_link *l = &w->links[via[h]];
            (*path)[--k] = via[h];
            *latency += l->latency_us;
            h = l->a == h ? l->b : l->a;
        }
        rc = 0;
    }
    free(via);
    free(queue);
    return rc;
}

static struct sim_conn *sim_conn_of(struct sim_world *w, uint32_t conn)
{
    if (conn == 0 || conn > w->nconns) {
        sim_fatal("no such connection");
    }
    return &w->conns[conn - 1];
}

static uint32_t sim_latency(const struct sim_world *w, uint32_t conn)
{
    return w->tr->conns[conn - 1].latency_us;
}

static void sim_deliver_open(struct sim_world *w, void *ctx, uint64_t conn)
{
    (void)ctx;
    struct sim_conn *c = sim_conn_of(w, (uint32_t)conn);
    if (!c->closed[TRACE_CLIENT] && c->ep[TRACE_CLIENT].on_open) {
        c->ep[TRACE_CLIENT].on_open(w, c->ep[TRACE_CLIENT].ctx, (uint32_t)conn);
    }
}

static void sim_deliver_accept(struct sim_world *w, void *ctx, uint64_t conn)
{
    (void)ctx;
    struct sim_conn *c = sim_conn_of(w, (uint32_t)conn);
    const struct sim_listener *l = &w->listeners[c->listener];
    struct sim_endpoint ep = {0};
    if (!l->accept(w, l->ctx, (uint32_t)conn, &ep)) {
        sim_close(w, (uint32_t)conn, TRACE_SERVER);
        return;
    }
    c = sim_conn_of(w, (uint32_t)conn); /* the accept callback may have opened connections */
    c->ep[TRACE_SERVER] = ep;
}

/* The endpoint a recorded event travels to, or NULL when that side is already closed. The
 * pointer is into the connection table: good until a callback opens a connection. */
static const struct sim_endpoint *sim_receiver(struct sim_world *w, const struct trace_event *e)
{
    struct sim_conn *c = sim_conn_of(w, e->conn);
    int to = e->from == TRACE_CLIENT ? TRACE_SERVER : TRACE_CLIENT;
    return c->closed[to] ? NULL : &c->ep[to];
}

static void sim_deliver_close(struct sim_world *w, void *ctx, uint64_t event)
{
    (void)ctx;
    const struct trace_event *e = trace_event_at(w->tr, event);
    const struct sim_endpoint *to = sim_receiver(w, e);
    if (to && to->on_close) {
        to->on_close(w, to->ctx, e->conn);
    }
}

/* The SYN reaches the server host: a listener there answers SYN-ACK, or the host resets. */
static void sim_deliver_syn(struct sim_world *w, void *ctx, uint64_t conn)
{
    (void)ctx;
    struct sim_conn *c = sim_conn_of(w, (uint32_t)conn);
    const struct trace_conn *tc = &w->tr->conns[conn - 1];
    uint32_t lat = tc->latency_us;
    int listener = sim_find_listener(w, (int)tc->server_host, tc->server_port);
    if (listener < 0) {
        c->closed[TRACE_SERVER] = true;
        trace_close(w->tr, w->now, (uint32_t)conn, TRACE_SERVER);
        trace_event_mut(w->tr, w->tr->nevents - 1)->flags |= TRACE_REFUSED;
        sim_schedule(w, w->now + lat, sim_deliver_close, NULL, w->tr->nevents - 1);
        return;
    }
    c->listener = listener;
    w->tr->conns[conn - 1].server_agent = w->listeners[listener].agent;
    w->tr->conns[conn - 1].proto = w->listeners[listener].proto;
    /* SYN-ACK arrives at the client after one more latency; the server application sees the
     * connection when the client's ACK arrives, one latency later still. */
    sim_schedule(w, w->now + lat, sim_deliver_open, NULL, conn);
    sim_schedule(w, w->now + 2 * (uint64_t)lat, sim_deliver_accept, NULL, conn);
}

uint32_t sim_connect(struct sim_world *w, int client_host, const char *client_agent,
                     uint32_t server_ip, uint16_t port, const struct sim_endpoint *client)
{
    int server_host = sim_host_by_ip(w, server_ip);
    if (client_host < 0 || (size_t)client_host >= w->nhosts || server_host < 0) {
        return 0;
    }
    int *path = NULL;
    size_t npath = 0;
    uint32_t latency = 0;
    if (sim_route(w, client_host, server_host, &path, &npath, &latency) != 0) {
        return 0;
    }
    struct trace_conn tc = {0};
    tc.client_host = (uint32_t)client_host;
    tc.server_host = (uint32_t)server_host;
    tc.client_agent = trace_intern(w->tr, client_agent);
    tc.client_ip = w->hosts[client_host].ip;
    tc.server_ip = server_ip;
    /* RFC 6335 §6: ephemeral ports come from 49152-65535. Like most kernels we start at a
     * random one and count up, so a port is not reused until the range wraps. */
    if (w->next_port == 0) {
        w->next_port = rng_range(&w->rng, 49152, 65535);
    }
    tc.client_port = (uint16_t)w->next_port;
    w->next_port = w->next_port == 65535 ? 49152 : w->next_port + 1;
    tc.server_port = port;
    tc.latency_us = latency;
    /* RFC 3022: "Network Address Port Translation, or NAPT is a method by which many network
     * addresses and their TCP/UDP ... ports are translated into a single network address and
     * its TCP/UDP ports." A server beyond the gateway sees the gateway's address. (The client
     * keeps its own port here, so the pcap stays one stream per connection.) */
    int nat = w->hosts[client_host].nat;
    bool through_nat = false;
    for (size_t i = 0; nat >= 0 && nat != server_host && i < npath; i++) {
        through_nat |= w->links[path[i]].a == nat || w->links[path[i]].b == nat;
    }
    int listener = sim_find_listener(w, server_host, port);
    if (listener >= 0) {
        tc.proto = w->listeners[listener].proto;
        tc.server_agent = w->listeners[listener].agent;
    }
    uint32_t id = trace_connect(w->tr, w->now, &tc);
    if (through_nat) {
        trace_set_nat(w->tr, id, (uint32_t)nat, w->hosts[nat].ip);
    }
    struct sim_conn *c = BUF_PUSH(w->conns, w->nconns, w->cap_conns, 16);
    if (id != w->nconns) {
        sim_fatal("connection tables out of step");
    }
    c->ep[TRACE_CLIENT] = *client;
    c->listener = -1;
    c->path = path;
    c->npath = npath;
    sim_schedule(w, w->now + latency, sim_deliver_syn, NULL, id);
    return id;
}

static void sim_deliver_data(struct sim_world *w, void *ctx, uint64_t event)
{
    (void)ctx;
    const struct trace_event *e = trace_event_at(w->tr, event);
    const struct sim_endpoint *to = sim_receiver(w, e);
    if (to && to->on_data) {
        to->on_data(w, to->ctx, e->conn, trace_bytes_ptr(w->tr, e->bytes), e->bytes.len);
    }
}

void sim_send(struct sim_world *w, uint32_t conn, enum trace_side from, const void *p, size_t n)
{
    struct sim_conn *c = sim_conn_of(w, conn);
    if (c->closed[from]) {
        sim_fatal("bytes sent on a side that was already closed");
    }
    if (n == 0) {
        return;
    }
    struct trace_bytes b = trace_data(w->tr, w->now, conn, from, c->tls[from], p, n);
    size_t event = w->tr->nevents - 1;
    const uint8_t *rec = trace_bytes_ptr(w->tr, b);
    for (size_t i = 0; i < c->npath; i++) {
        for (size_t k = 0; k < w->ntaps; k++) {
            if (w->taps[k].link == c->path[i] && w->taps[k].fn) {
                w->taps[k].fn(w, w->taps[k].ctx, (uint32_t)k, conn, from, rec, n);
                c = sim_conn_of(w, conn);
            }
        }
    }
    /* A man in the middle rewrites what passes; the receiver gets his version. */
    for (size_t i = 0; i < c->npath && w->ntampers > 0; i++) {
        for (size_t k = 0; k < w->ntampers; k++) {
            const uint8_t *out;
            size_t nout;
            if (w->tampers[k].link == c->path[i] &&
                w->tampers[k].fn(w, w->tampers[k].ctx, conn, from, rec, n, &out, &nout)) {
                trace_tamper(w->tr, w->now, conn, from, trace_string(w->tr, w->tampers[k].agent),
                             out, nout);
                event = w->tr->nevents - 1;
                rec = trace_bytes_ptr(w->tr, trace_event_at(w->tr, event)->bytes);
                n = nout;
                c = sim_conn_of(w, conn);
            }
        }
    }
    sim_schedule(w, w->now + sim_latency(w, conn), sim_deliver_data, NULL, event);
}

void sim_set_tls(struct sim_world *w, uint32_t conn, enum trace_side from, bool on)
{
    sim_conn_of(w, conn)->tls[from] = on;
}

void sim_close(struct sim_world *w, uint32_t conn, enum trace_side from)
{
    struct sim_conn *c = sim_conn_of(w, conn);
    if (c->closed[from]) {
        return;
    }
    c->closed[from] = true;
    trace_close(w->tr, w->now, conn, from);
    sim_schedule(w, w->now + sim_latency(w, conn), sim_deliver_close, NULL, w->tr->nevents - 1);
}

bool sim_is_tls(const struct sim_world *w, uint32_t conn, enum trace_side from)
{
    return conn > 0 && conn <= w->nconns && w->conns[conn - 1].tls[from];
}

bool sim_is_closed(const struct sim_world *w, uint32_t conn, enum trace_side side)
{
    if (conn == 0 || conn > w->nconns) {
        return true;
    }
    return w->conns[conn - 1].closed[side];
}
