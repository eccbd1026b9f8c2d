/* sim: the simulation engine — a virtual clock in microseconds, an event queue, hosts in
 * zones, links with latency, connections as ordered byte streams between hosts, and taps that
 * see every byte crossing a link. Everything that happens is recorded in the trace.
 * No mutable globals: the world handle is the first argument of every call. */
#ifndef MAILSIM_SIM_H
#define MAILSIM_SIM_H

#include "rng.h"
#include "trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_world;

typedef void (*sim_event_fn)(struct sim_world *w, void *ctx, uint64_t arg);

/* How a connection's endpoint hears about its stream. */
struct sim_endpoint {
    /* Bytes from the peer, in order. The pointer is valid during the call only. */
    void (*on_data)(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p, size_t n);
    /* The peer closed its side (FIN), or the connection was refused (server never existed). */
    void (*on_close)(struct sim_world *w, void *ctx, uint32_t conn);
    /* Client side only: the handshake completed. */
    void (*on_open)(struct sim_world *w, void *ctx, uint32_t conn);
    void *ctx;
};

/* A listener's accept callback fills *ep for the server side of the new connection. Returning
 * false refuses it (the client's on_close is called). */
typedef bool (*sim_accept_fn)(struct sim_world *w, void *ctx, uint32_t conn,
                              struct sim_endpoint *ep);

/* A tap sees a copy of every byte sent across its link, at send time. */
typedef void (*sim_tap_fn)(struct sim_world *w, void *ctx, uint32_t tap, uint32_t conn,
                           enum trace_side from, const uint8_t *p, size_t n);

/* A man in the middle on a link (an attacker's box in the path): called at send time with the
 * bytes one side sent along a path that crosses its link. Returning true with *out and *nout
 * set (memory the callee owns until its next call) delivers those bytes to the other side
 * instead; the trace then holds both, the sent bytes as "data" and the delivered ones as
 * "tamper". Taps see the bytes as they were sent. */
typedef bool (*sim_tamper_fn)(struct sim_world *w, void *ctx, uint32_t conn, enum trace_side from,
                              const uint8_t *p, size_t n, const uint8_t **out, size_t *nout);

/* The world records into tr, which the caller owns and must keep alive. Returns NULL on OOM. */
struct sim_world *sim_world_new(uint64_t seed, struct trace *tr);
void sim_world_free(struct sim_world *w);

uint64_t sim_now(const struct sim_world *w);
struct sim_rng *sim_rng(struct sim_world *w);
struct trace *sim_trace(struct sim_world *w);

/* Topology. Each returns an index >= 0, or -1 with a reason in err (errlen bytes). */
int sim_zone_add(struct sim_world *w, const char *name, char *err, size_t errlen);
/* ip is dotted-quad IPv4 and must lie in a documentation range (RFC 5737): 192.0.2.0/24,
 * 198.51.100.0/24 or 203.0.113.0/24, so nothing in mailsim names a real network. */
int sim_host_add(struct sim_world *w, const char *name, int zone, const char *ip, char *err,
                 size_t errlen);
int sim_host_find(const struct sim_world *w, const char *name);
int sim_host_by_ip(const struct sim_world *w, uint32_t ip);
uint32_t sim_host_ip(const struct sim_world *w, int host);
int sim_link_add(struct sim_world *w, int host_a, int host_b, uint32_t latency_us, char *err,
                 size_t errlen);
int sim_agent_add(struct sim_world *w, const char *id, const char *role, const char *program,
                  int host);
int sim_tap_add(struct sim_world *w, const char *name, int link, sim_tap_fn fn, void *ctx);
/* Puts agent's tamper function on link. Returns 0, or -1 for a link that does not exist. */
int sim_tamper_add(struct sim_world *w, int link, const char *agent, sim_tamper_fn fn, void *ctx);
/* The link between two hosts, or -1 when they are not linked directly. */
int sim_link_find(const struct sim_world *w, int host_a, int host_b);
/* Puts host behind the NAT gateway nat_host: its connections whose path passes through
 * nat_host leave with nat_host's address, which is what servers see (the trace records it with
 * trace_set_nat). Returns 0, or -1 for a bad host or a host behind itself. */
int sim_host_set_nat(struct sim_world *w, int host, int nat_host);

/* Parses a dotted quad into host byte order. Returns 0, or -1 when it is not one. */
int sim_parse_ipv4(const char *s, uint32_t *out);
/* Writes a dotted quad into out (at least 16 bytes). */
void sim_format_ipv4(uint32_t ip, char *out, size_t cap);

/* The event queue. Events at the same time run in the order they were scheduled. */
void sim_schedule(struct sim_world *w, uint64_t at_us, sim_event_fn fn, void *ctx, uint64_t arg);
/* Runs one event; returns false when the queue is empty. */
bool sim_step(struct sim_world *w);
/* Runs until the queue is empty or the clock would pass until_us; returns events run. */
uint64_t sim_run(struct sim_world *w, uint64_t until_us);
size_t sim_pending(const struct sim_world *w);
/* Live mode: the time of the next event (UINT64_MAX when none), and moving the clock to a real
 * moment with nothing due before it (at_us earlier than now is ignored), so that bytes from a
 * real socket can be sent at the moment they came. */
uint64_t sim_next_at(const struct sim_world *w);
void sim_advance(struct sim_world *w, uint64_t at_us);

/* Connections. sim_listen registers a service on host:port for an agent. */
int sim_listen(struct sim_world *w, int host, uint16_t port, const char *proto, const char *agent,
               sim_accept_fn accept, void *ctx);
/* Takes a listener (the index sim_listen returned) down or back up: while down, connections
 * to it are refused, as when a server is stopped. */
void sim_listen_set_down(struct sim_world *w, int listener, bool down);
/* Opens a connection from the client agent on client_host to server_ip:port. The path is the
 * shortest chain of links; its latency is the sum of theirs. Returns the connection id, or 0
 * when no path exists (nothing is recorded then). The client's on_open or on_close follows. */
uint32_t sim_connect(struct sim_world *w, int client_host, const char *client_agent,
                     uint32_t server_ip, uint16_t port, const struct sim_endpoint *client);
/* Sends bytes from one side; they are recorded now and arrive after the path latency. */
void sim_send(struct sim_world *w, uint32_t conn, enum trace_side from, const void *p, size_t n);
/* Marks bytes that follow as TLS records or SSH packets (the session sets it after STARTTLS,
 * STLS, on an implicit-TLS port, or for SSH). */
void sim_set_tls(struct sim_world *w, uint32_t conn, enum trace_side from, bool on);
/* Whether bytes sent now from that side are TLS records (a tap asks while it sees them). */
bool sim_is_tls(const struct sim_world *w, uint32_t conn, enum trace_side from);
/* Closes one side (FIN). The peer's on_close runs after the bytes already in flight. */
void sim_close(struct sim_world *w, uint32_t conn, enum trace_side from);
bool sim_is_closed(const struct sim_world *w, uint32_t conn, enum trace_side side);

#endif
