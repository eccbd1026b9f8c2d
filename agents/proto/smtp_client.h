/* smtp_client: the sans-I/O SMTP client engine (RFC 5321) that MUAs and MTAs drive: greeting,
 * EHLO (HELO fallback), optional STARTTLS and AUTH, then one transaction per queued mail, with
 * PIPELINING (RFC 2920), SIZE and 8BITMIME when the server offers them, and dot-stuffing. */
#ifndef MAILSIM_SMTP_CLIENT_H
#define MAILSIM_SMTP_CLIENT_H

#include "proto_note.h"
#include "sasl.h"
#include "smtp_reply.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The client's state is the reply it waits for next. */
#define SMTP_CLIENT_STATE_LIST(X)                                                                  \
    X(SMTP_CLIENT_STATE_INIT, "init")         /* created, not started */                           \
    X(SMTP_CLIENT_STATE_GREETING, "greeting") /* waiting for the 220 */                            \
    X(SMTP_CLIENT_STATE_EHLO, "ehlo")                                                              \
    X(SMTP_CLIENT_STATE_HELO, "helo")                                                              \
    X(SMTP_CLIENT_STATE_STARTTLS, "starttls") /* waiting for "220 Ready to start TLS" */           \
    X(SMTP_CLIENT_STATE_TLS, "tls")           /* TLS handshake under way in the glue */            \
    X(SMTP_CLIENT_STATE_AUTH, "auth")                                                              \
    X(SMTP_CLIENT_STATE_MAIL, "mail")                                                              \
    X(SMTP_CLIENT_STATE_RCPT, "rcpt")                                                              \
    X(SMTP_CLIENT_STATE_DATA, "data") /* waiting for 354 */                                        \
    X(SMTP_CLIENT_STATE_BODY, "body") /* message sent, waiting for the final reply */              \
    X(SMTP_CLIENT_STATE_RSET, "rset")                                                              \
    X(SMTP_CLIENT_STATE_QUIT, "quit")                                                              \
    X(SMTP_CLIENT_STATE_DONE, "done") /* close the connection once output is sent */

#define SMTP_CLIENT_STATE_ENUM(id, name) id,
enum smtp_client_state { SMTP_CLIENT_STATE_LIST(SMTP_CLIENT_STATE_ENUM) SMTP_CLIENT_STATE_COUNT };
#undef SMTP_CLIENT_STATE_ENUM

const char *smtp_client_state_name(enum smtp_client_state st);

struct smtp_client_config {
    const char *ehlo_name; /* NULL: "localhost". Copied. */
    /* AUTH: when user is NULL the client does not authenticate. Copied. */
    const char *user;
    const char *password; /* the password, or for CRAM-MD5 the shared secret */
    const char *authzid;  /* PLAIN only; NULL or "" for none */
    enum sasl_mech mech;
    bool want_pipelining; /* use PIPELINING when the server offers it */
    bool want_starttls;   /* STARTTLS when offered and hooks.on_starttls_ready is set */
    bool require_tls;     /* with want_starttls: fail the mails rather than go on in the clear */
};

/* Hooks run inside the engine's calls and must not call into it, except smtp_client_add_mail().
 *
 * Replies the client makes up itself (no reply came over the wire) have a text beginning with
 * "mailsim client: ": 421 4.4.1 no greeting (refused), 421 4.4.2 connection lost, 451 4.5.0
 * protocol error (a malformed or unexpected reply), 451 4.7.4 TLS required but not offered,
 * 530 5.7.0 AUTH mechanism not offered. They are never passed to on_reply. */
struct smtp_client_hooks {
    void (*on_state)(void *ctx, enum smtp_client_state old_state, enum smtp_client_state new_state);
    /* Every reply read from the server, in order. */
    void (*on_reply)(void *ctx, const struct smtp_reply *r);
    /* Once per AUTH exchange: ok, and the 235 or the failing reply. */
    void (*on_auth_result)(void *ctx, bool ok, const struct smtp_reply *r);
    /* The reply to each RCPT of mail number mail (the index smtp_client_add_mail returned). */
    void (*on_rcpt_result)(void *ctx, size_t mail, size_t rcpt, const struct smtp_reply *r);
    /* Exactly once per mail: the server's final 250 when the message was accepted (for the
     * recipients whose RCPT got a 2xx), or the reply that failed it. smtp_reply_is_transient()
     * tells an MTA to defer and retry (4xx), smtp_reply_is_permanent() to bounce (5xx). When
     * MAIL failed that is its reply; when no RCPT was accepted, the first transient RCPT
     * reply if there was one, else the first permanent one; otherwise the reply to DATA or to
     * the end of data. */
    void (*on_mail_result)(void *ctx, size_t mail, const struct smtp_reply *r);
    /* After "220 Ready to start TLS": return 0 when the glue starts the handshake (it then calls
     * smtp_client_tls_started()), nonzero to give up (the session ends). */
    int (*on_starttls_ready)(void *ctx);
};

struct smtp_client;

/* Returns NULL when memory is exhausted. cfg and hooks are copied; ctx goes to the hooks. */
struct smtp_client *smtp_client_new(const struct smtp_client_config *cfg,
                                    const struct smtp_client_hooks *hooks, void *ctx);
void smtp_client_free(struct smtp_client *c);

/* Queues a mail: reverse-path from ("" for the null sender), nrcpt >= 1 forward-paths, all
 * without angle brackets, and the message (unstuffed, CRLF line ends; the client dot-stuffs it
 * and ends it with CRLF "." CRLF, adding a CRLF first when the message lacks one). Everything is
 * copied. Mails may be added before start and while earlier ones are under way; once the client
 * has nothing left to send it says QUIT. Returns the mail's index (0, 1, ...), or -1 after QUIT,
 * on a bad argument, or when memory is exhausted. */
long smtp_client_add_mail(struct smtp_client *c, const char *from, const char *const *rcpts,
                          size_t nrcpt, const uint8_t *data, size_t len);

/* Who hears what the output means (proto_note.h): the credentials of AUTH and each message's
 * text. fn NULL: nobody. */
void smtp_client_set_notes(struct smtp_client *c, proto_note_fn fn, void *ctx);

/* Starts waiting for the greeting; sends nothing. Feeding before start starts first. */
void smtp_client_start(struct smtp_client *c);
/* Takes all n bytes of server replies (any split, several replies at once). */
void smtp_client_feed(struct smtp_client *c, const uint8_t *in, size_t n);
/* The bytes waiting to be sent; *out (never NULL) is valid until the next call into the engine. */
size_t smtp_client_output(const struct smtp_client *c, const uint8_t **out);
void smtp_client_output_consumed(struct smtp_client *c, size_t n);
/* True once the connection should be closed after the output is sent. */
bool smtp_client_done(const struct smtp_client *c);
/* The server went away: mails not finished fail with "421 4.4.2". */
void smtp_client_peer_closed(struct smtp_client *c);
enum smtp_client_state smtp_client_state(const struct smtp_client *c);
/* The TLS handshake succeeded: RFC 3207 §4.2, the client "MUST discard any knowledge obtained
 * from the server, such as the list of SMTP service extensions"; it sends EHLO again. */
void smtp_client_tls_started(struct smtp_client *c);

#endif
