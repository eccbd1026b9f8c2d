/* timeline_int: the inside of struct viz_timeline, shared by timeline.c (presentation time),
 * timeline_index.c (what the trace says about its network: routes, links, mailboxes) and the
 * scene. Everything here is computed once per trace, so that a frame only searches. */
#ifndef MAILSIM_TIMELINE_INT_H
#define MAILSIM_TIMELINE_INT_H

#include "scene.h"

#include <stddef.h>
#include <stdint.h>

/* A point of the map from virtual time to presentation time. Two points with the same t are
 * a hold: the virtual clock stands still while presentation time runs (a step's narration). */
struct viz_tpoint {
    uint64_t t;
    double p;
};

/* Events idx, idx+1, ... are shown from presentation time p on (until the next point). There is
 * one point for each distinct event time, plus one for each extra step mark at that time. */
struct viz_vpoint {
    uint64_t t;
    size_t idx;
    double p;
};

/* The first mark of step n (1..9) of the first mail. */
struct viz_mark {
    bool set;
    size_t idx;
    uint64_t t;
    double p;
    uint32_t conn;
    trace_str agent;
};

/* A beat of the story (trace kind "beat"): the event, when it is shown, and whose it is. */
struct viz_beat {
    size_t idx;
    uint64_t t;
    double p;
    uint32_t conn;
    trace_str agent, mail;
    uint8_t step; /* 1..9 a delivery step, 0 another moment */
    bool hold;    /* the clock stands still a moment here, so that it can be read */
};

/* A protocol and port seen on a link, and the connect event that first used it. */
#define VIZ_LINK_LABELS 3
struct viz_link_label {
    trace_str proto;
    uint16_t port;
    size_t first;
};

struct viz_link_info {
    struct viz_link_label labels[VIZ_LINK_LABELS];
    size_t nlabels;
    size_t first_tls; /* index of the first TLS data event that crossed it; SIZE_MAX none */
    bool tapped;
    bool used; /* some connection's route passes it */
};

/* A mailbox count after event idx, for the MDAs of one host. */
struct viz_mbox_change {
    size_t idx;
    int32_t count;
};

/* DNS lookups and mail waiting in queues (timeline_index.c), for what the scene draws of them.
 * A dns event, and the host of the agent that asked. */
struct viz_dns {
    size_t idx;
    uint32_t host;
};

/* A mail's stay in one agent's queue: from the event that queued (or deferred) it to the one that
 * ended the stay (SIZE_MAX: it never ended); deferred, the first deferral in it (SIZE_MAX none). */
struct viz_stay {
    size_t start, end, deferred;
    trace_str mail;
};

/* Link byte counters are kept at every VIZ_CHECKPOINT-th event, so a count at any moment costs
 * at most that many events to finish. */
#define VIZ_CHECKPOINT 4096

/* The longest route the scene follows, in links. */
#define VIZ_ROUTE_MAX 64

struct viz_timeline {
    const struct trace *tr;
    size_t nevents; /* events seen when the timeline was built */

    struct viz_tpoint *tmap;
    size_t ntmap;
    struct viz_vpoint *vis;
    size_t nvis;
    double duration;

    trace_str first_mail;
    struct viz_mark marks[10];
    struct viz_beat *beats; /* in time order */
    size_t nbeats;
    size_t *holds; /* the beats that hold the clock, in order: the timeline's markers */
    size_t nholds;

    /* per connection, indexed by conn id (0 unused) */
    uint8_t *conn_step;   /* the step first marked on it, 0 none */
    size_t *conn_first;   /* index of its connect event */
    uint32_t max_latency; /* the longest one-way latency of any connection */

    /* routes from each host that opened a connection: via[via_slot[from] * nhosts + to] is the
     * link by which BFS from `from` reached `to` (-1 unreached, -2 the start), exactly as
     * sim_route finds them; via_slot[h] is -1 for a host that never opened one */
    int32_t *via;
    int32_t *via_slot;

    struct viz_link_info *links;
    uint64_t *link_bytes; /* [k * nlinks + l]: bytes on link l in events [0, k*VIZ_CHECKPOINT) */
    size_t ncheckpoints;

    /* mailbox counts per host: changes[start[h] .. start[h+1]) in event order */
    struct viz_mbox_change *mbox;
    size_t *mbox_start;
    bool *host_has_mda;

    size_t *sniffs; /* indices of sniff events, in order */
    size_t nsniffs;
    size_t *logs; /* indices of mail-log events (Postfix-style lines), in order */
    size_t nlogs;
    size_t *keys; /* indices of key events (an agent holds an S/MIME or OpenPGP key) */
    size_t nkeys;

    /* for the layout: a host's hop distance from the sending clients, -1 when it is on no
     * connection's route (DNS servers, idle hosts) */
    int32_t *host_rank;
    bool *host_main; /* on the route of a connection the first mail's steps were marked on */

    /* DNS lookups: every dns event; the host of the agent whose role is "dns" (-1 none); per
     * host, the link toward it on a shortest path (-2 the server itself, -1 no path; NULL when
     * there is no server). Stays in queues, per host: stays[stay_start[h] .. stay_start[h+1])
     * by start, and stay_ends[] the same ranges' ends, sorted, so that a count at any moment is
     * two searches. */
    struct viz_dns *dns;
    size_t ndns;
    int32_t dns_host;
    int32_t *dns_via;
    struct viz_stay *stays;
    size_t *stay_start;
    size_t *stay_ends;
};

/* timeline_index.c: fills conn_step .. stay_ends (marks must be set). Returns 0 or -1 (OOM). */
int viz_index_build(struct viz_timeline *tl);
void viz_index_free(struct viz_timeline *tl);

/* The links from host `from` (one that opened a connection) to host `to`, in travel order, into
 * links[0..cap). Returns their number, or -1 when there is no route (or it is longer than
 * cap, or `from` never opened a connection). */
int viz_route(const struct viz_timeline *tl, uint32_t from, uint32_t to, uint32_t *links,
              size_t cap);
/* The route of a connection, client to server. */
int viz_conn_route(const struct viz_timeline *tl, uint32_t conn, uint32_t *links, size_t cap);

/* Bytes that crossed link l in events [0, nvis). */
uint64_t viz_link_bytes(const struct viz_timeline *tl, uint32_t l, size_t nvis);
/* Messages in the mailboxes of host h after events [0, nvis): delivered so far minus
 * retrieved so far. */
int32_t viz_mailbox_count(const struct viz_timeline *tl, uint32_t h, size_t nvis);
/* The mails in those mailboxes, the latest delivered first, into out[0..cap) (looking back at
 * most VIZ_STAY_SCAN changes). Returns how many it put there. */
size_t viz_mailbox_mails(const struct viz_timeline *tl, uint32_t h, size_t nvis, trace_str *out,
                         size_t cap);
/* The links from host `from` to the DNS server's host, in travel order, into links[0..cap).
 * Returns their number, or -1 when there is no server or no path (or it is longer than cap). */
int viz_dns_route(const struct viz_timeline *tl, uint32_t from, uint32_t *links, size_t cap);
/* Mails waiting in the queues of host h after events [0, nvis): returns how many, and puts up
 * to cap of their stays into out, the latest queued first (looking back at most
 * VIZ_STAY_SCAN stays, so that a long run costs the same: *nout may be less than both). */
#define VIZ_STAY_SCAN 4096
size_t viz_queue_at(const struct viz_timeline *tl, uint32_t h, size_t nvis,
                    const struct viz_stay **out, size_t cap, size_t *nout);

/* timeline.c: the number of events shown at p (those whose presentation time is <= p). */
size_t viz_timeline_visible(const struct viz_timeline *tl, double p);
/* The presentation time at which event i appears. */
double viz_timeline_event_p(const struct viz_timeline *tl, size_t i);
/* The virtual time at p, unrounded, for smooth motion. */
double viz_timeline_virtual_f(const struct viz_timeline *tl, double p);
/* The first event index with t >= t_us. */
size_t viz_timeline_index_at(const struct viz_timeline *tl, uint64_t t_us);

#endif
