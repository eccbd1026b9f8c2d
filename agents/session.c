/* session: the glue between sans-I/O engines and simulated connections. */
#include "session.h"

#include "pop3_client.h"
#include "pop3_server.h"
#include "smtp_client.h"
#include "smtp_server.h"

#include <stdlib.h>

/* Each engine's functions take its own struct; these wrappers give them one shape. */
#define SESSION_ENGINE_OPS(prefix, type, name)                                                     \
    static void prefix##_w_start(void *e)                                                          \
    {                                                                                              \
        prefix##_start((type *)e);                                                                 \
    }                                                                                              \
    static void prefix##_w_feed(void *e, const uint8_t *p, size_t n)                               \
    {                                                                                              \
        prefix##_feed((type *)e, p, n);                                                            \
    }                                                                                              \
    static size_t prefix##_w_output(const void *e, const uint8_t **out)                            \
    {                                                                                              \
        return prefix##_output((const type *)e, out);                                              \
    }                                                                                              \
    static void prefix##_w_consumed(void *e, size_t n)                                             \
    {                                                                                              \
        prefix##_output_consumed((type *)e, n);                                                    \
    }                                                                                              \
    static bool prefix##_w_done(const void *e)                                                     \
    {                                                                                              \
        return prefix##_done((const type *)e);                                                     \
    }                                                                                              \
    static void prefix##_w_peer_closed(void *e)                                                    \
    {                                                                                              \
        prefix##_peer_closed((type *)e);                                                           \
    }                                                                                              \
    static void prefix##_w_destroy(void *e)                                                        \
    {                                                                                              \
        prefix##_free((type *)e);                                                                  \
    }                                                                                              \
    const struct session_ops session_##prefix##_ops = {                                            \
        name,                 prefix##_w_start,       prefix##_w_feed,                             \
        prefix##_w_output,    prefix##_w_consumed,    prefix##_w_done,                             \
        prefix##_w_peer_closed, prefix##_w_destroy,                                                \
    };

SESSION_ENGINE_OPS(smtp_server, struct smtp_server, "smtp-server")
SESSION_ENGINE_OPS(smtp_client, struct smtp_client, "smtp-client")
SESSION_ENGINE_OPS(pop3_server, struct pop3_server, "pop3-server")
SESSION_ENGINE_OPS(pop3_client, struct pop3_client, "pop3-client")

static void session_end(struct session *s)
{
    s->ops->destroy(s->engine);
    s->engine = NULL;
    if (s->on_end) {
        s->on_end(s->w, s->agent_ctx, s);
    }
    free(s);
}

/* Returns true when the session ended (and s was freed). */
static bool session_flush(struct session *s)
{
    if (sim_is_closed(s->w, s->conn, s->side)) {
        return false;
    }
    const uint8_t *p;
    size_t n;
    /* An engine may queue more as its output drains (a POP3 server with pipelined RETRs). */
    while ((n = s->ops->output(s->engine, &p)) > 0) {
        sim_send(s->w, s->conn, s->side, p, n);
        s->ops->consumed(s->engine, n);
    }
    if (s->ops->done(s->engine)) {
        sim_close(s->w, s->conn, s->side);
        session_end(s);
        return true;
    }
    return false;
}

void session_pump(struct session *s)
{
    session_flush(s);
}

static void session_on_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p,
                            size_t n)
{
    (void)w;
    (void)conn;
    struct session *s = ctx;
    s->ops->feed(s->engine, p, n);
    session_pump(s);
}

static void session_on_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    struct session *s = ctx;
    s->ops->peer_closed(s->engine);
    if (!session_flush(s)) {
        /* The peer is gone, so nothing more can be said: close our side as well. */
        sim_close(w, conn, s->side);
        session_end(s);
    }
}

static void session_on_open(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)w;
    (void)conn;
    struct session *s = ctx;
    s->ops->start(s->engine);
    session_pump(s);
}

static struct session *session_new(struct sim_world *w, enum trace_side side,
                                   const struct session_ops *ops, void *engine, void *agent_ctx,
                                   session_end_fn on_end)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s) {
        ops->destroy(engine);
        return NULL;
    }
    s->w = w;
    s->side = side;
    s->ops = ops;
    s->engine = engine;
    s->agent_ctx = agent_ctx;
    s->on_end = on_end;
    return s;
}

bool session_accept(struct sim_world *w, uint32_t conn, const struct session_ops *ops,
                    void *engine, void *agent_ctx, session_end_fn on_end, struct sim_endpoint *ep)
{
    struct session *s = session_new(w, TRACE_SERVER, ops, engine, agent_ctx, on_end);
    if (!s) {
        return false;
    }
    s->conn = conn;
    ep->on_data = session_on_data;
    ep->on_close = session_on_close;
    ep->on_open = NULL;
    ep->ctx = s;
    ops->start(engine);
    session_flush(s);
    return true;
}

struct session *session_connect(struct sim_world *w, int client_host, const char *client_agent,
                                uint32_t ip, uint16_t port, const struct session_ops *ops,
                                void *engine, void *agent_ctx, session_end_fn on_end)
{
    struct session *s = session_new(w, TRACE_CLIENT, ops, engine, agent_ctx, on_end);
    if (!s) {
        return NULL;
    }
    struct sim_endpoint ep = {session_on_data, session_on_close, session_on_open, s};
    s->conn = sim_connect(w, client_host, client_agent, ip, port, &ep);
    if (s->conn == 0) {
        ops->destroy(engine);
        free(s);
        return NULL;
    }
    return s;
}
