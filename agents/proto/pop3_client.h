/* pop3_client: the sans-I/O POP3 client engine (RFC 1939, CAPA of RFC 2449) that the receiving
 * MUA runs: greeting, [CAPA], USER/PASS or APOP, STAT, [UIDL], RETR each message, [DELE], QUIT.
 * Bytes in, bytes and hook calls out; no socket, no clock. */
#ifndef MAILSIM_POP3_CLIENT_H
#define MAILSIM_POP3_CLIENT_H

#include "proto_note.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the client is: the command it waits a reply for. X(enum, name) */
#define POP3_CLIENT_STATE_LIST(X)                                                                  \
    X(POP3_CLIENT_GREETING, "GREETING")                                                            \
    X(POP3_CLIENT_CAPA, "CAPA")                                                                    \
    X(POP3_CLIENT_STLS, "STLS")                                                                    \
    X(POP3_CLIENT_TLS, "TLS") /* TLS handshake under way in the glue */                            \
    X(POP3_CLIENT_USER, "USER")                                                                    \
    X(POP3_CLIENT_PASS, "PASS")                                                                    \
    X(POP3_CLIENT_APOP, "APOP")                                                                    \
    X(POP3_CLIENT_STAT, "STAT")                                                                    \
    X(POP3_CLIENT_UIDL, "UIDL")                                                                    \
    X(POP3_CLIENT_RETR, "RETR")                                                                    \
    X(POP3_CLIENT_DELE, "DELE")                                                                    \
    X(POP3_CLIENT_QUIT, "QUIT")                                                                    \
    X(POP3_CLIENT_DONE, "DONE")

enum pop3_client_state {
#define POP3_CLIENT_X_ENUM(e, name) e,
    POP3_CLIENT_STATE_LIST(POP3_CLIENT_X_ENUM)
#undef POP3_CLIENT_X_ENUM
};

/* Static string; "?" for a value outside the enum. */
const char *pop3_client_state_name(enum pop3_client_state st);

#define POP3_CLIENT_DEFAULT_MESSAGE_MAX (16u * 1024u * 1024u)

struct pop3_client_config {
    const char *user;           /* no space, CR or LF */
    const char *password;       /* PASS argument, or the APOP shared secret; no CR or LF */
    bool use_apop;              /* APOP with the banner timestamp; fails if the banner has none */
    bool delete_after_retrieve; /* DELE each message after it was retrieved */
    bool want_capa;             /* send CAPA first */
    bool want_uidl;             /* send UIDL after STAT */
    size_t max_message;         /* largest multi-line response kept; 0: the default above */
    bool want_stls;             /* STLS (RFC 2595) after the greeting; needs hooks.on_stls_ready */
    bool require_tls;           /* with want_stls: QUIT rather than log in in the clear */
};

/* Every hook may be NULL. ctx is passed through. Pointers passed to hooks are valid during the
 * call only. Hooks must not call back into the client. */
struct pop3_client_hooks {
    /* Each status line from the server: ok for "+OK", text after "+OK "/"-ERR " (may be ""). */
    void (*on_reply)(void *ctx, bool ok, const char *text);
    void (*on_auth_result)(void *ctx, bool ok);
    /* UIDL listing, one call per line (want_uidl). */
    void (*on_uid)(void *ctx, size_t index, const char *uid);
    /* A retrieved message, unstuffed, exactly the octets between the RETR status line and the
     * terminating ".CRLF". index counts from 1. */
    void (*on_message)(void *ctx, size_t index, const uint8_t *data, size_t len);
    /* Called exactly once when the session is over: ok when it ended with QUIT's +OK after a
     * login; reason is a short English sentence. */
    void (*on_done)(void *ctx, bool ok, const char *reason);
    /* After "+OK" to STLS: return 0 when the glue starts the handshake (it then calls
     * pop3_client_tls_started()), nonzero to give up. */
    int (*on_stls_ready)(void *ctx);
};

struct pop3_client;

/* Returns NULL when memory is exhausted or cfg is invalid (user or password NULL, or holding
 * CR or LF; user holding a space). Strings are copied. */
struct pop3_client *pop3_client_new(const struct pop3_client_config *cfg,
                                    const struct pop3_client_hooks *hooks, void *ctx);
void pop3_client_free(struct pop3_client *c);
/* Who hears what the output means (proto_note.h): the credentials of USER, PASS and APOP. fn
 * NULL: nobody. */
void pop3_client_set_notes(struct pop3_client *c, proto_note_fn fn, void *ctx);
/* Nothing to send until the greeting arrives; kept for symmetry with the server. */
void pop3_client_start(struct pop3_client *c);
/* Takes all n bytes; replies may be split anywhere, down to one byte at a time. */
void pop3_client_feed(struct pop3_client *c, const uint8_t *in, size_t n);
/* Like pop3_server_output(): *out is never NULL, valid until the next non-const call. */
size_t pop3_client_output(const struct pop3_client *c, const uint8_t **out);
void pop3_client_output_consumed(struct pop3_client *c, size_t n);
/* True once the session is over (after QUIT's reply, or after a failure): close the
 * connection once the output is sent. */
bool pop3_client_done(const struct pop3_client *c);
/* The server closed the connection; reports failure unless the session was already done. */
void pop3_client_peer_closed(struct pop3_client *c);
enum pop3_client_state pop3_client_state(const struct pop3_client *c);
/* The TLS handshake after STLS succeeded. RFC 2595 §4: the client "MUST discard cached
 * information about server capabilities" — CAPA again when wanted, then log in. Anything the
 * server sent in the clear after its +OK is forgotten. */
void pop3_client_tls_started(struct pop3_client *c);

/* Messages the server announced in STAT and messages retrieved so far. */
size_t pop3_client_message_count(const struct pop3_client *c);
size_t pop3_client_retrieved(const struct pop3_client *c);

#endif
