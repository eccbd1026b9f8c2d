/* wire_pair: a client and a server endpoint of a protocol that owns its wire format (TLS
 * records, SSH packets) joined in memory, as test_tls and test_ssh pump them: every byte each
 * way is kept, moved whole or a few at a time, and recorded in a trace when one is set. The
 * endpoints are reached through wire_ops, the calls the pumping needs. */
#ifndef MAILSIM_WIRE_PAIR_H
#define MAILSIM_WIRE_PAIR_H

#include "buf.h"
#include "trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire_ops {
    size_t (*output)(void *end, const uint8_t **out);    /* the bytes it has for the wire */
    void (*consumed)(void *end, size_t n);               /* the first n of them were sent */
    void (*feed)(void *end, const uint8_t *p, size_t n); /* bytes from the peer */
    /* All sent and over: the side closes its TCP half, a FIN in the trace. NULL: not asked. */
    bool (*done)(void *end);
    bool tls; /* the trace records the bytes as TLS */
};

/* The wire_ops called name for endpoints of type, made of the protocol's calls that give its
 * output, drop what was sent and take the peer's bytes; done is a bool (*)(void *) or NULL. */
#define WIRE_PAIR_OPS(name, type, output, consumed, feed, done, tls)                               \
    static size_t name##_output(void *e, const uint8_t **out)                                      \
    {                                                                                              \
        return output((type *)e, out);                                                             \
    }                                                                                              \
    static void name##_consumed(void *e, size_t n)                                                 \
    {                                                                                              \
        consumed((type *)e, n);                                                                    \
    }                                                                                              \
    static void name##_feed(void *e, const uint8_t *p, size_t n)                                   \
    {                                                                                              \
        feed((type *)e, p, n);                                                                     \
    }                                                                                              \
    static const struct wire_ops name = {name##_output, name##_consumed, name##_feed, done, tls}

/* A connection in memory. */
struct wire_pair {
    const struct wire_ops *ops;
    void *c, *s;         /* the client's and the server's endpoints */
    struct buf c2s, s2c; /* every byte each way */
    struct trace *tr;    /* NULL: nothing recorded */
    uint32_t conn;
    uint64_t t;
    bool fin_c, fin_s;
};

/* The trace_conn of a test's connection from host ch (address cip, port cport) to host sh
 * (sip, sport) speaking proto, 500 us one way, for trace_connect. */
static inline struct trace_conn wire_pair_conn(struct trace *tr, const char *proto, uint32_t ch,
                                               uint32_t cip, uint16_t cport, uint32_t sh,
                                               uint32_t sip, uint16_t sport)
{
    return (struct trace_conn){.proto = trace_intern(tr, proto),
                               .client_host = ch,
                               .server_host = sh,
                               .client_ip = cip,
                               .server_ip = sip,
                               .client_port = cport,
                               .server_port = sport,
                               .latency_us = 500};
}

/* An empty pair of no endpoints yet; wire_pair_fini frees what it kept. */
static inline void wire_pair_init(struct wire_pair *p, const struct wire_ops *ops)
{
    memset(p, 0, sizeof *p);
    p->ops = ops;
    buf_init(&p->c2s, 0);
    buf_init(&p->s2c, 0);
}

static inline void wire_pair_fini(struct wire_pair *p)
{
    buf_free(&p->c2s);
    buf_free(&p->s2c);
}

/* Moves at most step bytes (0: all) from one endpoint's output into the other. */
static inline bool wire_pair_move(struct wire_pair *p, bool from_client, size_t step)
{
    void *from = from_client ? p->c : p->s;
    void *to = from_client ? p->s : p->c;
    const uint8_t *out;
    size_t n = p->ops->output(from, &out);
    if (n == 0) {
        return false;
    }
    if (step && n > step) {
        n = step;
    }
    buf_append(from_client ? &p->c2s : &p->s2c, out, n);
    if (p->tr) {
        p->t += 1000;
        trace_data(p->tr, p->t, p->conn, from_client ? TRACE_CLIENT : TRACE_SERVER, p->ops->tls,
                   out, n);
    }
    p->ops->feed(to, out, n);
    p->ops->consumed(from, n);
    return true;
}

/* Records the FIN of a side that is done, once. */
static inline void wire_pair_fin(struct wire_pair *p, void *end, bool *fin, enum trace_side side)
{
    if (p->tr && p->ops->done && !*fin && p->ops->done(end)) {
        *fin = true;
        trace_close(p->tr, p->t += 1000, p->conn, side);
    }
}

/* Moves bytes both ways, step at a time, until neither side has any to send. */
static inline void wire_pair_pump(struct wire_pair *p, size_t step)
{
    for (int guard = 0; guard < 10000000; guard++) {
        bool a = wire_pair_move(p, true, step);
        bool b = wire_pair_move(p, false, step);
        wire_pair_fin(p, p->c, &p->fin_c, TRACE_CLIENT);
        wire_pair_fin(p, p->s, &p->fin_s, TRACE_SERVER);
        if (!a && !b) {
            return;
        }
    }
}

#endif
