/* pop3_server: the sans-I/O POP3 server engine (RFC 1939, CAPA and response codes of RFC 2449,
 * STLS hook of RFC 2595). Bytes in, bytes and hook calls out; it owns no socket, clock or
 * randomness. The MRA agent drives it and supplies the maildrop through hooks. */
#ifndef MAILSIM_POP3_SERVER_H
#define MAILSIM_POP3_SERVER_H

#include "proto_note.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 1939 §3: the three states of a session. X(enum, name) */
#define POP3_SERVER_STATE_LIST(X)                                                                  \
    X(POP3_STATE_AUTHORIZATION, "AUTHORIZATION")                                                   \
    X(POP3_STATE_TRANSACTION, "TRANSACTION")                                                       \
    X(POP3_STATE_UPDATE, "UPDATE")

enum pop3_server_state {
#define POP3_X_ENUM(e, name) e,
    POP3_SERVER_STATE_LIST(POP3_X_ENUM)
#undef POP3_X_ENUM
};

/* "AUTHORIZATION", "TRANSACTION", "UPDATE"; "?" for a value outside the enum. Static string. */
const char *pop3_server_state_name(enum pop3_server_state st);

/* Limits. Dovecot's: its pop3 process lets 20 failed commands in a row pass and ends the
 * session at the next; its login process (before login) ends it at the 3rd unknown command in a
 * row (CLIENT_MAX_BAD_COMMANDS in src/pop3 and src/pop3-login). */
#define POP3_DEFAULT_MAX_BAD_COMMANDS 20
#define POP3_DEFAULT_MAX_BAD_COMMANDS_AUTH 3
#define POP3_UID_MAX 70               /* RFC 1939 §7: "one to 70 characters" */
#define POP3_SERVER_OUTPUT_HIGH 65536 /* stop reading commands while this much output waits */
#define POP3_SERVER_INPUT_MAX 65536   /* pipelined, unprocessed input kept at most */
#define POP3_SERVER_CAPA_EXTRA_MAX 16 /* extra CAPA lines in the config */

/* One message of a maildrop. Owned by the agent. */
struct pop3_message {
    const uint8_t *data; /* the RFC 5322 message, CRLF line ends expected (bare LF is sent as
                            CRLF on the wire) */
    size_t len;          /* octets stored; STAT, LIST and RETR report the size as sent, every
                            line ended by CRLF (RFC 1939 §11) */
    const char *uid;     /* UIDL unique-id: 1..70 octets in 0x21..0x7E. NULL or invalid: the
                            server uses the lowercase hex MD5 of the data instead */
};

/* What open_maildrop fills in. The array and everything it points to is owned by the agent
 * and must stay valid and unchanged until close_maildrop is called (or, when that hook is
 * NULL, until pop3_server_free()). */
struct pop3_maildrop {
    const struct pop3_message *messages; /* messages[0] is message number 1 */
    size_t count;
};

struct pop3_server_config {
    const char *hostname;       /* for the agent's logs only; NULL allowed */
    const char *greeting;       /* banner text after "+OK "; NULL: "mailsim POP3 ready." */
    const char *apop_timestamp; /* "<1896.697170952@mail.b.example>" put in the banner;
                                   NULL: no APOP (and no timestamp in the banner) */
    bool allow_user_pass;       /* false: USER/PASS refused and not listed in CAPA */
    bool tls_available;         /* list STLS in CAPA and accept STLS (with hooks->on_stls) */
    bool strict_crlf;           /* true: a command ended by a bare LF is refused; false: accepted
                                   like Dovecot does */
    /* TRANSACTION: failed commands in a row that are let pass; the next one ends the session
     * with "-ERR Too many bad commands.". 0: POP3_DEFAULT_MAX_BAD_COMMANDS. */
    unsigned max_bad_commands;
    /* AUTHORIZATION: unknown commands in a row ("-ERR Unknown command.", TRANSACTION commands
     * included) at which the session ends with "-ERR Too many invalid bad commands.". A failed
     * login is no bad command. 0: POP3_DEFAULT_MAX_BAD_COMMANDS_AUTH. */
    unsigned max_bad_commands_auth;
    /* Dovecot's auth_failure_delay: a failed login's "-ERR [AUTH] Authentication failed." waits
     * this long (see pop3_server_pause). 0: no wait. */
    uint64_t auth_failure_delay_us;
    const char *const *capa_extra; /* extra CAPA lines, e.g. "IMPLEMENTATION mailsim" */
    size_t capa_extra_count;       /* at most POP3_SERVER_CAPA_EXTRA_MAX */
};

/* Every hook may be NULL; the documented default applies then. ctx is passed through. Hooks
 * must not call back into the server; strings passed to them are valid during the call only. */
struct pop3_server_hooks {
    /* Called on each state change, after it happened (not for the initial AUTHORIZATION). */
    void (*on_state)(void *ctx, enum pop3_server_state old_state, enum pop3_server_state new_state);
    /* Policy hook, asked after the state check and before the command runs. Return NULL to let
     * it run, or a refusal text: the server answers "-ERR <text>" (copied at once). The
     * countermeasures and attacks of a scenario plug in here. NULL hook: allow everything. */
    const char *(*policy)(void *ctx, const char *command, const char *args);
    /* USER/PASS: true when the password is right. NULL: every login fails. */
    bool (*check_password)(void *ctx, const char *user, const char *pass);
    /* APOP: the shared secret of user, or NULL for an unknown user. The string must stay
     * valid until the hook is called again or the server is freed. NULL hook: APOP fails. */
    const char *(*get_apop_secret)(void *ctx, const char *user);
    /* After each login attempt; mech is "USER" or "APOP". */
    void (*on_auth_result)(void *ctx, const char *mech, const char *user, bool ok);
    /* Lock and open the maildrop of an authenticated user. false: "-ERR [IN-USE] ..." and the
     * session stays in AUTHORIZATION. NULL hook: an empty maildrop. */
    bool (*open_maildrop)(void *ctx, const char *user, struct pop3_maildrop *out);
    /* UPDATE state: remove the messages with deleted[i] true (i is message number - 1).
     * Return false when some could not be removed. NULL: nothing is removed, reported ok. */
    bool (*commit)(void *ctx, const char *user, const bool *deleted, size_t n);
    /* The server is done with the maildrop: release the lock. Called exactly once after a
     * successful open_maildrop: after commit, on peer close, on a forced end, or at free. */
    void (*close_maildrop)(void *ctx, const char *user);
    /* STLS (tls_available set): true to start TLS. The server then answers
     * "+OK Begin TLS negotiation now." and reads nothing more until pop3_server_tls_started().
     * NULL hook: "-ERR STLS not available." */
    bool (*on_stls)(void *ctx);
};

struct pop3_server;

/* A new session in AUTHORIZATION. cfg and hooks are copied (the strings too). Returns NULL when
 * memory is exhausted or cfg is invalid (a greeting or timestamp holding CR, LF or NUL, or
 * more than POP3_SERVER_CAPA_EXTRA_MAX extra CAPA lines). */
struct pop3_server *pop3_server_new(const struct pop3_server_config *cfg,
                                    const struct pop3_server_hooks *hooks, void *ctx);
/* Frees the session; calls close_maildrop if the maildrop is still open. NULL is allowed. */
void pop3_server_free(struct pop3_server *s);

/* Who hears what the output means (proto_note.h): every -ERR, and the text of each message that
 * RETR and TOP send. fn NULL: nobody. */
void pop3_server_set_notes(struct pop3_server *s, proto_note_fn fn, void *ctx);
/* Who hears what the input means: the credential of each USER, PASS and APOP line (what the
 * client engine notes it sends), placed by input octets counted from the first one fed, told
 * when the line is read and before the hooks hear of it. A line read later than its feed (behind
 * a pause or a long answer) is told to whoever listens then. fn NULL: nobody. */
void pop3_server_set_input_notes(struct pop3_server *s, proto_note_fn fn, void *ctx);
/* Queues the greeting "+OK <greeting>[ <timestamp>]". Call once, first. */
void pop3_server_start(struct pop3_server *s);
/* Takes all n bytes. Complete lines are answered in order (RFC 2449 PIPELINING); while more
 * than POP3_SERVER_OUTPUT_HIGH octets of output wait, lines stay queued and are answered from
 * pop3_server_output_consumed(). Input after the session is done is ignored. */
void pop3_server_feed(struct pop3_server *s, const uint8_t *in, size_t n);
/* Points *out (never NULL) at the bytes that may be sent now and returns their number. Valid
 * until the next call that takes a non-const s. Replies behind a pause are not among them. */
size_t pop3_server_output(const struct pop3_server *s, const uint8_t **out);
/* The engine owns no clock: the microseconds the caller should let pass, once the output before
 * it has been sent, before calling pop3_server_resume(); 0 when nothing waits. */
uint64_t pop3_server_pause(const struct pop3_server *s);
/* The pause is over: the replies up to the next pause become output. */
void pop3_server_resume(struct pop3_server *s);
/* n octets of the output were sent. May answer queued commands (so check output again). */
void pop3_server_output_consumed(struct pop3_server *s, size_t n);
/* True when the session is over: close the connection once the output (held output included)
 * is sent. */
bool pop3_server_done(const struct pop3_server *s);
/* The client vanished. RFC 1939 §6: no UPDATE, so no deletion is committed. */
void pop3_server_peer_closed(struct pop3_server *s);
enum pop3_server_state pop3_server_state(const struct pop3_server *s);

/* The TLS handshake after STLS finished: forgets any plaintext bytes received after the STLS
 * command (they may be injected, CVE-2011-0411) and resumes reading. */
void pop3_server_tls_started(struct pop3_server *s);

/* Bad commands in a row so far (see max_bad_commands and max_bad_commands_auth). */
unsigned pop3_server_bad_commands(const struct pop3_server *s);

/* Writes the lowercase hex MD5 of timestamp followed by secret (RFC 1939 §7 APOP digest) and a
 * NUL into out, which must hold 33 bytes. Returns 0, or -1 when libcrypto fails. */
int pop3_apop_digest(const char *timestamp, const char *secret, char out[33]);

#endif
