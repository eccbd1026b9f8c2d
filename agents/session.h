/* session: binds one sans-I/O protocol engine (SMTP or POP3, server or client) to one side of a
 * simulated connection. Bytes from the peer go into the engine; whatever the engine wants to
 * send goes onto the link; when the engine is done, the side is closed. Agents own sessions. */
#ifndef MAILSIM_SESSION_H
#define MAILSIM_SESSION_H

#include "proto_note.h"
#include "sim.h"
#include "ssh.h"
#include "tls.h"

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
    /* The TLS handshake after STARTTLS or STLS succeeded (NULL: the engine has no such step). */
    void (*tls_started)(void *engine);
    /* A server's wait before its next output, in microseconds (0: none), and the call when it
     * is over (Postfix's smtpd_error_sleep_time, the auth_failure_delay of a failed login). The
     * session lets the time pass on the simulation clock: virtual time in a scripted run, real
     * time under `mailsim serve`. NULL: the engine never waits. */
    uint64_t (*pause)(const void *engine);
    void (*resume)(void *engine);
    /* Installs the listener of the engine's notes (proto_note.h). */
    void (*set_notes)(void *engine, proto_note_fn fn, void *ctx);
    /* A server's listener of notes about what it reads (NULL: the engine notes nothing it
     * reads). The glue installs it only while it feeds a data event that the peer left without
     * annotations, so an engine talking to an engine decodes nothing for it. */
    void (*set_input_notes)(void *engine, proto_note_fn fn, void *ctx);
};

extern const struct session_ops session_smtp_server_ops;
extern const struct session_ops session_smtp_client_ops;
extern const struct session_ops session_pop3_server_ops;
extern const struct session_ops session_pop3_client_ops;

struct session;

/* A note of the engine's (proto_note.h), kept until the octets it is about are sent: then it
 * becomes an annotation event right after the data or plain event that carries them. */
struct session_note {
    enum proto_note_kind kind;
    uint64_t at;
    size_t len;
    const char *what; /* interned in the trace at once: the engine's strings do not last */
    const char *how;
    uint8_t *value; /* value_len octets, or NULL */
    size_t value_len;
};

/* A pause under way: the timer's ticket, which outlives the session if it ends first. */
struct session_pause {
    struct session *s; /* NULL once the session has ended */
};

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
    /* TLS: once set, every byte on the wire from this side is a TLS record of this endpoint,
     * and the engine's bytes are its plaintext (recorded as "plain" events). */
    struct tls_endpoint *tls;
    struct tls_endpoint *tls_next; /* STARTTLS/STLS: takes over after the queued plaintext */
    bool tls_upgrade;              /* tls came from STARTTLS/STLS (tell the engine when up) */
    bool tls_up;                   /* handshake done (or SSH channel open) and recorded */
    /* SSH port forwarding: the engine's bytes go through the one forwarded channel of ssh. */
    struct ssh_end *ssh;
    char ssh_dest[120];          /* "localhost:110", for the trace */
    bool closing;                /* the engine is done: the channel is being closed */
    struct session_pause *pause; /* the engine's pause being waited out, or NULL */
    uint64_t sent;               /* octets of the engine's output sent so far */
    struct session_note *notes;  /* the engine's notes about octets not sent yet */
    size_t nnotes, cap_notes;
    uint64_t received; /* octets fed to the engine so far (plaintext inside a channel) */
    /* While a data event is fed whose meaning only the engine can tell: its index in the
     * trace; SIZE_MAX when none is. */
    size_t in_event;
};

/* A session for the server side of an accepted connection: fills *ep for sim's accept callback
 * and starts the engine (a server's greeting goes out at once). Takes ownership of engine.
 * Returns false on OOM (the engine is freed then). */
struct session *session_accept(struct sim_world *w, uint32_t conn, const struct session_ops *ops,
                               void *engine, void *agent_ctx, session_end_fn on_end,
                               struct sim_endpoint *ep);
/* session_accept for implicit TLS (SMTPS on 465, POP3S on 995, RFC 8314): the handshake comes
 * first and the engine's greeting goes out inside it. Takes ownership of tls as well. */
struct session *session_accept_tls(struct sim_world *w, uint32_t conn,
                                   const struct session_ops *ops, void *engine, void *agent_ctx,
                                   session_end_fn on_end, struct tls_endpoint *tls,
                                   struct sim_endpoint *ep);

/* A client session: connects from client_host to ip:port and starts the engine when the
 * connection opens. Takes ownership of engine. Returns NULL (engine freed) when there is no
 * route; on_end is then not called. */
struct session *session_connect(struct sim_world *w, int client_host, const char *client_agent,
                                uint32_t ip, uint16_t port, const struct session_ops *ops,
                                void *engine, void *agent_ctx, session_end_fn on_end);

/* Implicit TLS on a client session (call right after session_connect): the ClientHello goes
 * out when the connection opens. Takes ownership of tls. */
void session_use_tls(struct session *s, struct tls_endpoint *tls);

/* SSH port forwarding (ssh -L) on a client session, right after session_connect: the connection
 * goes to an SSH server, and the engine speaks through the forwarded channel to dest
 * ("localhost:110"). Takes ownership of ssh. */
void session_use_ssh(struct session *s, struct ssh_end *ssh, const char *dest);

/* Sends SSH wire bytes from side: the identification string ("SSH-2.0-...\r\n", RFC 4253 4.2)
 * as plain data, and everything after it as records of an encrypted channel (TRACE_TLS). */
void session_ssh_send(struct sim_world *w, uint32_t conn, enum trace_side side, const uint8_t *p,
                      size_t n);

/* A forwarder that is no engine (sshd between its channel and localhost) passes on the meaning
 * with the bytes: call it right after recording the event that carries [p, p + n) on to_conn's
 * to_side. When the newest data or plain event of from_conn's from_side holds the same octets,
 * its annotations (secret, reply, message) are recorded again for the new event, the agent who
 * knew them kept; otherwise nothing is said. */
void session_forward_notes(struct sim_world *w, uint32_t from_conn, enum trace_side from_side,
                           const uint8_t *p, size_t n, uint32_t to_conn, enum trace_side to_side);

/* STARTTLS (RFC 3207) or STLS (RFC 2595), from an engine's hook: the plaintext the engine has
 * queued so far (the server's "220 Ready to start TLS") still goes out in the clear, then the
 * connection carries TLS through tls; the engine's tls_started op runs once the handshake is
 * done. Takes ownership of tls; a NULL tls (no memory) ends the session. */
void session_starttls(struct session *s, struct tls_endpoint *tls);

/* Sends what the engine has queued, and closes the side once the engine is done; the session is
 * freed then, so s must not be used after this call. Agents call it after they changed an engine
 * from outside a callback (say, queued another mail). */
void session_pump(struct session *s);

#endif
