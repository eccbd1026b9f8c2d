/* session: binds one sans-I/O protocol engine (SMTP or POP3, server or client) to one side of a
 * simulated connection. Bytes from the peer go into the engine; whatever the engine wants to
 * send goes onto the link; when the engine is done, the side is closed. Agents own sessions. */
#ifndef MAILSIM_SESSION_H
#define MAILSIM_SESSION_H

#include "sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The engine convention every proto engine follows (feed/output/consumed/done/peer_closed). */
struct session_ops {
    const char *machine; /* "smtp-server", "pop3-client", ... as recorded in state events */
    void (*start)(void *engine);
    void (*feed)(void *engine, const uint8_t *p, size_t n);
    size_t (*output)(const void *engine, const uint8_t **out);
    void (*consumed)(void *engine, size_t n);
    bool (*done)(const void *engine);
    void (*peer_closed)(void *engine);
    void (*destroy)(void *engine);
};

extern const struct session_ops session_smtp_server_ops;
extern const struct session_ops session_smtp_client_ops;
extern const struct session_ops session_pop3_server_ops;
extern const struct session_ops session_pop3_client_ops;

struct session;

/* Called once when the session has ended (its side closed and its engine freed), so that the
 * agent can release what it keeps for the connection. The session is freed after the call. */
typedef void (*session_end_fn)(struct sim_world *w, void *agent_ctx, struct session *s);

struct session {
    struct sim_world *w;
    uint32_t conn;
    enum trace_side side;
    const struct session_ops *ops;
    void *engine;
    void *agent_ctx;
    session_end_fn on_end;
};

/* A session for the server side of an accepted connection: fills *ep for sim's accept callback
 * and starts the engine (a server's greeting goes out at once). Takes ownership of engine.
 * Returns false on OOM (the engine is freed then). */
bool session_accept(struct sim_world *w, uint32_t conn, const struct session_ops *ops,
                    void *engine, void *agent_ctx, session_end_fn on_end, struct sim_endpoint *ep);

/* A client session: connects from client_host to ip:port and starts the engine when the
 * connection opens. Takes ownership of engine. Returns NULL (engine freed) when there is no
 * route; on_end is then not called. */
struct session *session_connect(struct sim_world *w, int client_host, const char *client_agent,
                                uint32_t ip, uint16_t port, const struct session_ops *ops,
                                void *engine, void *agent_ctx, session_end_fn on_end);

/* Sends what the engine has queued, and closes the side once the engine is done; the session is
 * freed then, so s must not be used after this call. Agents call it after they changed an engine
 * from outside a callback (say, queued another mail). */
void session_pump(struct session *s);

#endif
