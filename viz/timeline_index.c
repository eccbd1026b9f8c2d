/* timeline_index: what the scene needs to know about a trace before drawing any frame — the
 * route of each connection (the same breadth-first search as sim/sim.c), which protocols each
 * link carried, byte counters, mailbox counts, sniff findings, the hosts' left-to-right order,
 * the DNS lookups and the mail waiting in queues — computed once, so that a frame of a
 * 5-million-event trace only searches. */
#include "search.h"
#include "timeline_int.h"

#include <stdlib.h>
#include <string.h>

/* Breadth-first search from host `from`, visiting links in trace order, so that the path found
 * is sim_route's: the fewest links, the first found. via[h] becomes the link by which h was
 * reached (-1 unreached, -2 the start); queue holds nhosts. */
static void index_bfs(const struct trace *tr, uint32_t from, int32_t *via, uint32_t *queue)
{
    size_t n = tr->nhosts;
    for (size_t i = 0; i < n; i++) {
        via[i] = -1;
    }
    size_t head = 0, tail = 0;
    queue[tail++] = from;
    via[from] = -2;
    while (head < tail) {
        uint32_t h = queue[head++];
        for (size_t i = 0; i < tr->nlinks; i++) {
            const struct trace_link *l = &tr->links[i];
            uint32_t other = l->a == h ? l->b : (l->b == h ? l->a : UINT32_MAX);
            if (other < n && via[other] == -1) {
                via[other] = (int32_t)i;
                queue[tail++] = other;
            }
        }
    }
}

/* Routes from every host that opened a connection. */
static int index_routes(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t n = tr->nhosts;
    tl->via_slot = malloc((n ? n : 1) * sizeof *tl->via_slot);
    uint32_t *queue = malloc((n ? n : 1) * sizeof *queue);
    if (!tl->via_slot || !queue) {
        free(queue);
        return -1;
    }
    for (size_t h = 0; h < n; h++) {
        tl->via_slot[h] = -1;
    }
    size_t slots = 0;
    for (size_t c = 0; c < tr->nconns; c++) {
        uint32_t h = tr->conns[c].client_host;
        if (h < n && tl->via_slot[h] < 0) {
            tl->via_slot[h] = (int32_t)slots++;
        }
    }
    tl->via = malloc((slots ? slots : 1) * (n ? n : 1) * sizeof *tl->via);
    if (!tl->via) {
        free(queue);
        return -1;
    }
    for (size_t from = 0; from < n; from++) {
        if (tl->via_slot[from] < 0) {
            continue;
        }
        index_bfs(tr, (uint32_t)from, &tl->via[(size_t)tl->via_slot[from] * n], queue);
    }
    free(queue);
    return 0;
}

int viz_route(const struct viz_timeline *tl, uint32_t from, uint32_t to, uint32_t *links,
              size_t cap)
{
    const struct trace *tr = tl->tr;
    size_t n = tr->nhosts;
    if (!tl->via || from >= n || to >= n || tl->via_slot[from] < 0) {
        return -1;
    }
    const int32_t *via = &tl->via[(size_t)tl->via_slot[from] * n];
    if (via[to] == -1) {
        return -1;
    }
    size_t len = 0;
    for (uint32_t h = to; h != from; len++) {
        const struct trace_link *l = &tr->links[via[h]];
        h = l->a == h ? l->b : l->a;
    }
    if (len > cap) {
        return -1;
    }
    size_t k = len;
    for (uint32_t h = to; h != from;) {
        links[--k] = (uint32_t)via[h];
        const struct trace_link *l = &tr->links[via[h]];
        h = l->a == h ? l->b : l->a;
    }
    return (int)len;
}

int viz_conn_route(const struct viz_timeline *tl, uint32_t conn, uint32_t *links, size_t cap)
{
    const struct trace_conn *c = trace_conn_get(tl->tr, conn);
    if (!c) {
        return -1;
    }
    return viz_route(tl, c->client_host, c->server_host, links, cap);
}

/* Per connection: the step it carries and where it starts; per link: protocols and TLS. */
static int index_conns(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t nc = tr->nconns;
    tl->conn_step = calloc(nc + 1, sizeof *tl->conn_step);
    tl->conn_first = calloc(nc + 1, sizeof *tl->conn_first);
    tl->links = calloc(tr->nlinks ? tr->nlinks : 1, sizeof *tl->links);
    if (!tl->conn_step || !tl->conn_first || !tl->links) {
        return -1;
    }
    for (size_t l = 0; l < tr->nlinks; l++) {
        tl->links[l].first_tls = SIZE_MAX;
    }
    for (size_t i = 0; i < tr->ntaps; i++) {
        if (tr->taps[i].link < tr->nlinks) {
            tl->links[tr->taps[i].link].tapped = true;
        }
    }
    uint32_t route[VIZ_ROUTE_MAX];
    for (size_t i = 0; i < tl->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->conn == 0 || e->conn > nc) {
            continue;
        }
        const struct trace_conn *c = &tr->conns[e->conn - 1];
        if (e->kind == TRACE_CONNECT) {
            tl->conn_first[e->conn] = i;
            tl->max_latency = c->latency_us > tl->max_latency ? c->latency_us : tl->max_latency;
            int len = viz_route(tl, c->client_host, c->server_host, route, VIZ_ROUTE_MAX);
            for (int k = 0; k < len; k++) {
                struct viz_link_info *li = &tl->links[route[k]];
                li->used = true;
                /* a refused connection has no protocol: its port is named by another's */
                bool seen = false;
                for (size_t j = 0; j < li->nlabels; j++) {
                    struct viz_link_label *lb = &li->labels[j];
                    if (lb->port == c->server_port && lb->proto == 0 && c->proto != 0) {
                        lb->proto = c->proto;
                    }
                    seen = seen ||
                           (lb->port == c->server_port && (lb->proto == c->proto || c->proto == 0));
                }
                if (!seen && li->nlabels < VIZ_LINK_LABELS) {
                    li->labels[li->nlabels++] =
                        (struct viz_link_label){c->proto, c->server_port, i};
                }
            }
        } else if (e->kind == TRACE_STEP && e->num >= 1 && e->num <= 9 &&
                   tl->conn_step[e->conn] == 0) {
            tl->conn_step[e->conn] = (uint8_t)e->num;
        } else if (e->kind == TRACE_DATA && (e->flags & TRACE_TLS)) {
            int len = viz_route(tl, c->client_host, c->server_host, route, VIZ_ROUTE_MAX);
            for (int k = 0; k < len; k++) {
                struct viz_link_info *li = &tl->links[route[k]];
                li->first_tls = li->first_tls < i ? li->first_tls : i;
            }
        }
    }
    return 0;
}

/* Byte counters per link at every VIZ_CHECKPOINT-th event. Routes are looked up once per
 * connection and kept while its events run, which is most of the time. */
static int index_bytes(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t nl = tr->nlinks ? tr->nlinks : 1;
    tl->ncheckpoints = tl->nevents / VIZ_CHECKPOINT + 1;
    tl->link_bytes = calloc(tl->ncheckpoints * nl, sizeof *tl->link_bytes);
    uint64_t *acc = calloc(nl, sizeof *acc);
    if (!tl->link_bytes || !acc) {
        free(acc);
        return -1;
    }
    uint32_t route[VIZ_ROUTE_MAX];
    int len = 0;
    uint32_t route_conn = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        if (i % VIZ_CHECKPOINT == 0) {
            memcpy(&tl->link_bytes[(i / VIZ_CHECKPOINT) * nl], acc, nl * sizeof *acc);
        }
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_DATA) {
            continue;
        }
        if (e->conn != route_conn) {
            len = viz_conn_route(tl, e->conn, route, VIZ_ROUTE_MAX);
            route_conn = e->conn;
        }
        for (int k = 0; k < len; k++) {
            acc[route[k]] += e->bytes.len;
        }
    }
    free(acc);
    return 0;
}

uint64_t viz_link_bytes(const struct viz_timeline *tl, uint32_t l, size_t nvis)
{
    const struct trace *tr = tl->tr;
    if (l >= tr->nlinks) {
        return 0;
    }
    nvis = nvis < tl->nevents ? nvis : tl->nevents;
    size_t k = nvis / VIZ_CHECKPOINT;
    uint64_t sum = tl->link_bytes[k * tr->nlinks + l];
    uint32_t route[VIZ_ROUTE_MAX];
    for (size_t i = k * VIZ_CHECKPOINT; i < nvis; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_DATA) {
            continue;
        }
        int len = viz_conn_route(tl, e->conn, route, VIZ_ROUTE_MAX);
        for (int j = 0; j < len; j++) {
            sum += route[j] == l ? e->bytes.len : 0;
        }
    }
    return sum;
}

static int32_t index_agent_host(const struct trace *tr, trace_str id)
{
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].id == id) {
            return (int32_t)tr->agents[a].host;
        }
    }
    return -1;
}

/* The host a message was retrieved from: the server of the step-8 connection that the MUA
 * marked just before it recorded "retrieved". */
static int32_t index_retrieved_host(const struct viz_timeline *tl, size_t i, trace_str mail)
{
    size_t stop = i > 64 ? i - 64 : 0;
    while (i > stop) {
        const struct trace_event *e = trace_event_at(tl->tr, --i);
        if (e->kind == TRACE_STEP && trace_step_n(e) == 8 && trace_step_mail_id(e) == mail) {
            const struct trace_conn *c = trace_conn_get(tl->tr, e->conn);
            return c ? (int32_t)c->server_host : -1;
        }
    }
    return -1;
}

/* Mailbox counts: +1 when an MDA delivers, -1 when a message is retrieved from its host. */
static int index_mailboxes(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t nh = tr->nhosts;
    tl->mbox_start = calloc(nh + 1, sizeof *tl->mbox_start);
    tl->host_has_mda = calloc(nh ? nh : 1, sizeof *tl->host_has_mda);
    int32_t *count = calloc(nh ? nh : 1, sizeof *count);
    if (!tl->mbox_start || !tl->host_has_mda || !count) {
        free(count);
        return -1;
    }
    for (size_t a = 0; a < tr->nagents; a++) {
        if (strcmp(trace_string(tr, tr->agents[a].role), "mda") == 0 && tr->agents[a].host < nh) {
            tl->host_has_mda[tr->agents[a].host] = true;
        }
    }
    trace_str delivered = trace_lookup(tr, "delivered");
    trace_str retrieved = trace_lookup(tr, "retrieved");
    /* Two passes: count the changes per host, then place them. */
    struct viz_mbox_change *tmp = NULL;
    uint32_t *tmp_host = NULL;
    size_t ntmp = 0, cap = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_MAIL) {
            continue;
        }
        trace_str state = trace_mail_state_id(e);
        if ((state != delivered && state != retrieved) || state == 0) {
            continue;
        }
        int32_t h = state == delivered ? index_agent_host(tr, trace_mail_agent_id(e))
                                       : index_retrieved_host(tl, i, trace_mail_mail_id(e));
        if (h < 0 || !tl->host_has_mda[h]) {
            continue;
        }
        if (ntmp == cap) {
            cap = cap ? cap * 2 : 64;
            void *a = realloc(tmp, cap * sizeof *tmp),
                 *b = realloc(tmp_host, cap * sizeof *tmp_host);
            tmp = a ? a : tmp;
            tmp_host = b ? b : tmp_host;
            if (!a || !b) {
                free(tmp);
                free(tmp_host);
                free(count);
                return -1;
            }
        }
        count[h] += state == delivered ? 1 : -1;
        tmp[ntmp] = (struct viz_mbox_change){i, count[h]};
        tmp_host[ntmp++] = (uint32_t)h;
        tl->mbox_start[h + 1]++;
    }
    for (size_t h = 0; h < nh; h++) {
        tl->mbox_start[h + 1] += tl->mbox_start[h];
    }
    tl->mbox = malloc((ntmp ? ntmp : 1) * sizeof *tl->mbox);
    if (!tl->mbox) {
        free(tmp);
        free(tmp_host);
        free(count);
        return -1;
    }
    memset(count, 0, (nh ? nh : 1) * sizeof *count);
    for (size_t k = 0; k < ntmp; k++) {
        uint32_t h = tmp_host[k];
        tl->mbox[tl->mbox_start[h] + (size_t)count[h]++] = tmp[k];
    }
    free(tmp);
    free(tmp_host);
    free(count);
    return 0;
}

/* What search_first() compares a host's mailbox changes and queue stays with: event nvis. */
struct index_nvis_key {
    const struct viz_timeline *tl;
    size_t nvis;
};

/* search_first()'s order for one host's mailbox changes: those before event nvis. */
static bool index_mbox_before(const void *ctx, size_t i)
{
    const struct index_nvis_key *k = ctx;
    return k->tl->mbox[i].idx < k->nvis;
}

int32_t viz_mailbox_count(const struct viz_timeline *tl, uint32_t h, size_t nvis)
{
    if (h >= tl->tr->nhosts) {
        return 0;
    }
    /* the last change of this host before nvis */
    struct index_nvis_key k = {tl, nvis};
    size_t lo = search_first(tl->mbox_start[h], tl->mbox_start[h + 1], index_mbox_before, &k);
    return lo > tl->mbox_start[h] ? tl->mbox[lo - 1].count : 0;
}

size_t viz_mailbox_mails(const struct viz_timeline *tl, uint32_t h, size_t nvis, trace_str *out,
                         size_t cap)
{
    if (h >= tl->tr->nhosts) {
        return 0;
    }
    struct index_nvis_key k = {tl, nvis};
    size_t lo = tl->mbox_start[h], n = 0;
    size_t end = search_first(lo, tl->mbox_start[h + 1], index_mbox_before, &k);
    /* walking back, a retrieval takes away the delivery of the same mail before it */
    trace_str taken[64];
    size_t ntaken = 0;
    for (size_t i = end, seen = 0; i > lo && n < cap && seen < VIZ_STAY_SCAN; i--, seen++) {
        trace_str mail = trace_mail_mail_id(trace_event_at(tl->tr, tl->mbox[i - 1].idx));
        int32_t before = i - 1 > lo ? tl->mbox[i - 2].count : 0;
        if (tl->mbox[i - 1].count < before) {
            if (ntaken == sizeof taken / sizeof taken[0]) {
                break;
            }
            taken[ntaken++] = mail;
            continue;
        }
        size_t t = 0;
        while (t < ntaken && taken[t] != mail) {
            t++;
        }
        if (t < ntaken) {
            taken[t] = taken[--ntaken];
        } else {
            out[n++] = mail;
        }
    }
    return n;
}

/* The indices of every event of one kind, in order, for the panels that list them. */
static int index_kind(struct viz_timeline *tl, enum trace_kind kind, size_t **out, size_t *n)
{
    size_t cap = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        if (trace_event_at(tl->tr, i)->kind != kind) {
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            size_t *s = realloc(*out, cap * sizeof *s);
            if (!s) {
                return -1;
            }
            *out = s;
        }
        (*out)[(*n)++] = i;
    }
    return 0;
}

static int index_sniffs(struct viz_timeline *tl)
{
    return index_kind(tl, TRACE_SNIFF, &tl->sniffs, &tl->nsniffs) != 0 ||
                   index_kind(tl, TRACE_LOG, &tl->logs, &tl->nlogs) != 0 ||
                   index_kind(tl, TRACE_KEY, &tl->keys, &tl->nkeys) != 0
               ? -1
               : 0;
}

/* Left-to-right order: hop distance from the hosts that only ever open connections (the
 * senders' PCs) in the zone of the first connection's client. Hosts on no connection's route
 * get -1 and are drawn small, below the others. */
static int index_ranks(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t n = tr->nhosts;
    tl->host_rank = malloc((n ? n : 1) * sizeof *tl->host_rank);
    uint8_t *role = calloc(n ? n : 1, 1); /* bit 0 client, bit 1 server, bit 2 on a route */
    uint32_t *queue = malloc((n ? n : 1) * sizeof *queue);
    if (!tl->host_rank || !role || !queue) {
        free(role);
        free(queue);
        return -1;
    }
    uint32_t route[VIZ_ROUTE_MAX];
    for (size_t c = 0; c < tr->nconns; c++) {
        const struct trace_conn *k = &tr->conns[c];
        role[k->client_host] |= 1 | 4;
        role[k->server_host] |= 2 | 4;
        int len = viz_route(tl, k->client_host, k->server_host, route, VIZ_ROUTE_MAX);
        for (int j = 0; j < len; j++) {
            role[tr->links[route[j]].a] |= 4;
            role[tr->links[route[j]].b] |= 4;
        }
    }
    int32_t *dist = tl->host_rank;
    for (size_t h = 0; h < n; h++) {
        dist[h] = -1;
    }
    size_t head = 0, tail = 0;
    if (tr->nconns > 0) {
        uint32_t zone = tr->hosts[tr->conns[0].client_host].zone;
        for (size_t h = 0; h < n; h++) {
            if ((role[h] & 3) == 1 && tr->hosts[h].zone == zone) {
                dist[h] = 0;
                queue[tail++] = (uint32_t)h;
            }
        }
        if (tail == 0) {
            dist[tr->conns[0].client_host] = 0;
            queue[tail++] = tr->conns[0].client_host;
        }
    } else if (n > 0) {
        dist[0] = 0;
        queue[tail++] = 0;
    }
    while (head < tail) {
        uint32_t h = queue[head++];
        for (size_t i = 0; i < tr->nlinks; i++) {
            const struct trace_link *l = &tr->links[i];
            uint32_t other = l->a == h ? l->b : (l->b == h ? l->a : UINT32_MAX);
            if (other < n && dist[other] < 0) {
                dist[other] = dist[h] + 1;
                queue[tail++] = other;
            }
        }
    }
    for (size_t h = 0; h < n; h++) {
        if (!(role[h] & 4) && tr->nconns > 0) {
            dist[h] = -1;
        }
    }
    /* the main line: the hosts the first mail's marked connections pass */
    tl->host_main = calloc(n ? n : 1, sizeof *tl->host_main);
    if (!tl->host_main) {
        free(role);
        free(queue);
        return -1;
    }
    for (int k = 1; k <= 9; k++) {
        const struct trace_conn *c = trace_conn_get(tr, tl->marks[k].conn);
        int len = c ? viz_route(tl, c->client_host, c->server_host, route, VIZ_ROUTE_MAX) : -1;
        if (len < 0) {
            continue;
        }
        tl->host_main[c->client_host] = tl->host_main[c->server_host] = true;
        for (int j = 0; j < len; j++) {
            tl->host_main[tr->links[route[j]].a] = tl->host_main[tr->links[route[j]].b] = true;
        }
    }
    free(role);
    free(queue);
    return 0;
}

/* ---- DNS lookups ---- */

/* The DNS server (the first agent whose role is "dns"), a breadth-first tree toward it, and
 * every lookup with the asker's host: a lookup is drawn along the links to the server, from any
 * host (viz_route knows the routes from hosts that opened a connection only). */
static int index_dns(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t n = tr->nhosts;
    tl->dns_host = -1;
    for (size_t a = 0; a < tr->nagents && tl->dns_host < 0; a++) {
        if (strcmp(trace_string(tr, tr->agents[a].role), "dns") == 0 && tr->agents[a].host < n) {
            tl->dns_host = (int32_t)tr->agents[a].host;
        }
    }
    if (tl->dns_host >= 0) {
        tl->dns_via = malloc(n * sizeof *tl->dns_via);
        uint32_t *queue = malloc(n * sizeof *queue);
        if (!tl->dns_via || !queue) {
            free(queue);
            return -1;
        }
        index_bfs(tr, (uint32_t)tl->dns_host, tl->dns_via, queue);
        free(queue);
    }
    size_t cap = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        int32_t h = e->kind == TRACE_DNS ? index_agent_host(tr, trace_dns_agent_id(e)) : -1;
        if (h < 0) {
            continue;
        }
        if (tl->ndns == cap) {
            cap = cap ? cap * 2 : 64;
            struct viz_dns *d = realloc(tl->dns, cap * sizeof *d);
            if (!d) {
                return -1;
            }
            tl->dns = d;
        }
        tl->dns[tl->ndns++] = (struct viz_dns){i, (uint32_t)h};
    }
    return 0;
}

int viz_dns_route(const struct viz_timeline *tl, uint32_t from, uint32_t *links, size_t cap)
{
    const struct trace *tr = tl->tr;
    if (tl->dns_host < 0 || !tl->dns_via || from >= tr->nhosts || tl->dns_via[from] == -1) {
        return -1;
    }
    /* dns_via[h] is h's link toward the server: following it from `from` is the way there */
    size_t len = 0;
    for (uint32_t h = from; tl->dns_via[h] >= 0; len++) {
        if (len == cap) {
            return -1;
        }
        const struct trace_link *l = &tr->links[tl->dns_via[h]];
        links[len] = (uint32_t)tl->dns_via[h];
        h = l->a == h ? l->b : l->a;
    }
    return (int)len;
}

/* ---- mail waiting in queues ---- */

/* A stay while it is built: whose it is, and the mail's other stays still open. */
struct index_stay {
    struct viz_stay s;
    trace_str agent;
    uint32_t host;
    uint32_t next; /* the mail's next open stay, UINT32_MAX none */
    /* deferred: some recipient still waits here, so only the agent's own last word on the mail
     * ends the stay, not the next hop taking it (that may be another recipient's copy) */
    bool sticky;
};

enum index_word { WORD_OTHER, WORD_QUEUED, WORD_DEFERRED, WORD_DONE, WORD_DELIVERED };

struct index_stays {
    const struct trace *tr;
    struct index_stay *a;
    size_t n, cap;
    uint32_t *open; /* by mail id: its first open stay, UINT32_MAX none */
    trace_str queued, deferred, delivered;
    trace_str done[3]; /* relayed, bounced, rejected: the agent is done with the mail */
};

static enum index_word index_word(const struct index_stays *b, trace_str state)
{
    if (state == 0) {
        return WORD_OTHER;
    }
    if (state == b->queued || state == b->deferred || state == b->delivered) {
        return state == b->queued     ? WORD_QUEUED
               : state == b->deferred ? WORD_DEFERRED
                                      : WORD_DELIVERED;
    }
    for (size_t k = 0; k < 3; k++) {
        if (state == b->done[k]) {
            return WORD_DONE;
        }
    }
    return WORD_OTHER;
}

static void index_unlink(struct index_stays *b, trace_str mail, uint32_t k)
{
    for (uint32_t *p = &b->open[mail]; *p != UINT32_MAX; p = &b->a[*p].next) {
        if (*p == k) {
            *p = b->a[k].next;
            return;
        }
    }
}

/* One mail event: a stay begins when an agent queues the mail (or defers it without having
 * queued it in this trace), and ends at the agent's own word that it is done with it (relayed,
 * bounced, rejected, delivered) or, sooner, when the next agent takes it. RFC 5321 §6.1: "When
 * the receiver-SMTP accepts a piece of mail (by sending a "250 OK" message in response to DATA),
 * it is accepting responsibility for delivering or relaying the message" — the next agent's
 * "queued" (or an MDA's "delivered") is that moment, while the 250 may still be on its way. */
static int index_stay_event(struct index_stays *b, size_t i, const struct trace_event *e)
{
    trace_str mail = trace_mail_mail_id(e), agent = trace_mail_agent_id(e);
    enum index_word w = index_word(b, trace_mail_state_id(e));
    if (w == WORD_OTHER || mail >= b->tr->nstrs) {
        return 0;
    }
    uint32_t k = b->open[mail];
    while (k != UINT32_MAX && b->a[k].agent != agent) {
        k = b->a[k].next;
    }
    if (k != UINT32_MAX && w == WORD_QUEUED && b->a[k].s.end != SIZE_MAX) {
        index_unlink(b, mail, k); /* queued again after a stay that had ended: a new stay */
        k = UINT32_MAX;
    }
    if (k == UINT32_MAX && (w == WORD_QUEUED || w == WORD_DEFERRED)) {
        int32_t h = index_agent_host(b->tr, agent);
        if (h >= 0) {
            if (b->n == b->cap) {
                b->cap = b->cap ? b->cap * 2 : 64;
                struct index_stay *a = realloc(b->a, b->cap * sizeof *a);
                if (!a) {
                    return -1;
                }
                b->a = a;
            }
            k = (uint32_t)b->n++;
            b->a[k] = (struct index_stay){{i, SIZE_MAX, w == WORD_DEFERRED ? i : SIZE_MAX, mail},
                                          agent,
                                          (uint32_t)h,
                                          b->open[mail],
                                          w == WORD_DEFERRED};
            b->open[mail] = k;
        }
    } else if (k != UINT32_MAX && w == WORD_DEFERRED) {
        struct index_stay *s = &b->a[k];
        s->sticky = true;
        s->s.end = SIZE_MAX;
        s->s.deferred = s->s.deferred < i ? s->s.deferred : i;
    }
    if (w == WORD_QUEUED || w == WORD_DELIVERED) {
        for (uint32_t j = b->open[mail], next; j != UINT32_MAX; j = next) {
            next = b->a[j].next;
            if (j != k && !b->a[j].sticky) {
                b->a[j].s.end = i;
                index_unlink(b, mail, j);
            }
        }
    }
    if (k != UINT32_MAX && (w == WORD_DONE || w == WORD_DELIVERED)) {
        b->a[k].s.end = i;
        if (!b->a[k].sticky) {
            index_unlink(b, mail, k);
        }
    }
    return 0;
}

static int index_compare_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

/* Every stay of every mail in a queue, then grouped by host: in order of start, and their ends
 * sorted. */
static int index_stays(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t nh = tr->nhosts;
    struct index_stays b = {
        tr,
        NULL,
        0,
        0,
        malloc((tr->nstrs ? tr->nstrs : 1) * sizeof *b.open),
        trace_lookup(tr, "queued"),
        trace_lookup(tr, "deferred"),
        trace_lookup(tr, "delivered"),
        {trace_lookup(tr, "relayed"), trace_lookup(tr, "bounced"), trace_lookup(tr, "rejected")}};
    tl->stay_start = calloc(nh + 1, sizeof *tl->stay_start);
    if (!b.open || !tl->stay_start) {
        free(b.open);
        return -1;
    }
    for (size_t m = 0; m < tr->nstrs; m++) {
        b.open[m] = UINT32_MAX;
    }
    int rc = 0;
    for (size_t i = 0; i < tl->nevents && rc == 0; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        rc = e->kind == TRACE_MAIL ? index_stay_event(&b, i, e) : 0;
    }
    free(b.open);
    tl->stays = malloc((b.n ? b.n : 1) * sizeof *tl->stays);
    tl->stay_ends = malloc((b.n ? b.n : 1) * sizeof *tl->stay_ends);
    size_t *fill = calloc(nh ? nh : 1, sizeof *fill);
    if (rc != 0 || !tl->stays || !tl->stay_ends || !fill) {
        free(b.a);
        free(fill);
        return -1;
    }
    for (size_t k = 0; k < b.n; k++) {
        tl->stay_start[b.a[k].host + 1]++;
    }
    for (size_t h = 0; h < nh; h++) {
        tl->stay_start[h + 1] += tl->stay_start[h];
    }
    for (size_t k = 0; k < b.n; k++) {
        size_t at = tl->stay_start[b.a[k].host] + fill[b.a[k].host]++;
        tl->stays[at] = b.a[k].s;
        tl->stay_ends[at] = b.a[k].s.end;
    }
    for (size_t h = 0; h < nh; h++) {
        qsort(&tl->stay_ends[tl->stay_start[h]], tl->stay_start[h + 1] - tl->stay_start[h],
              sizeof *tl->stay_ends, index_compare_size);
    }
    free(b.a);
    free(fill);
    return 0;
}

/* search_first()'s order for one host's stays: those begun, or ended, before event nvis. */
static bool index_stay_begun(const void *ctx, size_t i)
{
    const struct index_nvis_key *k = ctx;
    return k->tl->stays[i].start < k->nvis;
}

static bool index_stay_ended(const void *ctx, size_t i)
{
    const struct index_nvis_key *k = ctx;
    return k->tl->stay_ends[i] < k->nvis;
}

size_t viz_queue_at(const struct viz_timeline *tl, uint32_t h, size_t nvis,
                    const struct viz_stay **out, size_t cap, size_t *nout)
{
    *nout = 0;
    if (!tl->stay_start || h >= tl->tr->nhosts) {
        return 0;
    }
    size_t lo = tl->stay_start[h], hi = tl->stay_start[h + 1];
    struct index_nvis_key k = {tl, nvis};
    size_t begun = search_first(lo, hi, index_stay_begun, &k);
    size_t waiting = begun - search_first(lo, hi, index_stay_ended, &k);
    for (size_t i = begun, seen = 0;
         i > lo && *nout < cap && *nout < waiting && seen < VIZ_STAY_SCAN; i--, seen++) {
        const struct viz_stay *s = &tl->stays[i - 1];
        if (s->end >= nvis) {
            out[(*nout)++] = s;
        }
    }
    return waiting;
}

int viz_index_build(struct viz_timeline *tl)
{
    if (index_routes(tl) != 0 || index_conns(tl) != 0 || index_bytes(tl) != 0 ||
        index_mailboxes(tl) != 0 || index_sniffs(tl) != 0 || index_ranks(tl) != 0 ||
        index_dns(tl) != 0 || index_stays(tl) != 0) {
        return -1;
    }
    return 0;
}

void viz_index_free(struct viz_timeline *tl)
{
    free(tl->via);
    free(tl->via_slot);
    free(tl->conn_step);
    free(tl->conn_first);
    free(tl->links);
    free(tl->link_bytes);
    free(tl->mbox);
    free(tl->mbox_start);
    free(tl->host_has_mda);
    free(tl->sniffs);
    free(tl->logs);
    free(tl->keys);
    free(tl->host_rank);
    free(tl->host_main);
    free(tl->dns);
    free(tl->dns_via);
    free(tl->stays);
    free(tl->stay_start);
    free(tl->stay_ends);
}
