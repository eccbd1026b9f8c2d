/* smtp_server: the sans-I/O SMTP server engine (RFC 5321, with PIPELINING RFC 2920, SIZE
 * RFC 1870, 8BITMIME RFC 6152, ENHANCEDSTATUSCODES RFC 2034, AUTH RFC 4954, STARTTLS RFC 3207).
 * Bytes in, bytes and hook calls out; no socket, no clock, no randomness. Reply texts follow
 * Postfix so that transcripts look like the real thing. */
#ifndef MAILSIM_SMTP_SERVER_H
#define MAILSIM_SMTP_SERVER_H

#include "proto_note.h"
#include "sasl.h"
#include "smtp_reply.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Postfix's line_length_limit: the octets of a command line read; the rest of a longer line is
 * skipped. RFC 5321 §4.5.3.1.4's 512 is the least a server must take. */
#define SMTP_SERVER_LINE_LIMIT 2048

/* The session states; the embedding agent sees every change through hooks.on_state. */
#define SMTP_SERVER_STATE_LIST(X)                                                                  \
    X(SMTP_SERVER_STATE_INIT, "init")         /* created, greeting not yet queued */               \
    X(SMTP_SERVER_STATE_GREETED, "greeted")   /* 220 sent; HELO/EHLO expected */                   \
    X(SMTP_SERVER_STATE_READY, "ready")       /* hello done, no mail transaction */                \
    X(SMTP_SERVER_STATE_MAIL, "mail")         /* MAIL accepted, no recipient yet */                \
    X(SMTP_SERVER_STATE_RCPT, "rcpt")         /* at least one RCPT accepted */                     \
    X(SMTP_SERVER_STATE_DATA, "data")         /* 354 sent, reading the message */                  \
    X(SMTP_SERVER_STATE_AUTH, "auth")         /* inside a SASL exchange */                         \
    X(SMTP_SERVER_STATE_STARTTLS, "starttls") /* 220 to STARTTLS sent; waiting for TLS */          \
    X(SMTP_SERVER_STATE_QUIT, "quit")         /* 221 or 421 queued; close when sent */             \
    X(SMTP_SERVER_STATE_CLOSED, "closed")     /* the client went away */

#define SMTP_SERVER_STATE_ENUM(id, name) id,
enum smtp_server_state { SMTP_SERVER_STATE_LIST(SMTP_SERVER_STATE_ENUM) SMTP_SERVER_STATE_COUNT };
#undef SMTP_SERVER_STATE_ENUM

const char *smtp_server_state_name(enum smtp_server_state st);

/* MAIL's BODY= parameter (RFC 6152). */
#define SMTP_BODY_LIST(X)                                                                          \
    X(SMTP_BODY_NONE, "")                                                                          \
    X(SMTP_BODY_7BIT, "7BIT")                                                                      \
    X(SMTP_BODY_8BITMIME, "8BITMIME")

#define SMTP_BODY_ENUM(id, name) id,
enum smtp_body { SMTP_BODY_LIST(SMTP_BODY_ENUM) SMTP_BODY_COUNT };
#undef SMTP_BODY_ENUM

const char *smtp_body_name(enum smtp_body b);

/* What the server knows about the session and the current transaction. Owned by the server;
 * valid until the next feed or free. Paths are without angle brackets; "" is the null path. */
struct smtp_envelope {
    char helo[SMTP_COMMAND_LINE_MAX]; /* the HELO/EHLO argument, "" before it */
    bool esmtp;                       /* EHLO (true) or HELO (false) */
    bool tls;                         /* the session runs over TLS */
    bool authenticated;
    enum sasl_mech auth_mech;           /* valid when authenticated */
    char auth_user[SASL_FIELD_MAX + 1]; /* the authentication identity; "" when not */
    bool has_mail;                      /* a MAIL command was accepted */
    char mail_from[SMTP_PATH_MAX + 1];
    char **rcpt; /* the accepted forward-paths, nrcpt of them */
    size_t nrcpt;
    enum smtp_body body;  /* BODY= of MAIL */
    size_t declared_size; /* SIZE= of MAIL, 0 when not given */
    /* Set while reading DATA: a lone LF or CR was kept in the body (see smtp_server_feed). An
     * on_message hook that wants to refuse such mail, as a defence against SMTP smuggling,
     * rejects it by looking here. */
    bool body_bare_lf;
    bool body_bare_cr;
};

/* Where a choice is Postfix's, the field is named after the Postfix parameter, and zero (false,
 * NULL) gives Postfix's behaviour with that parameter at its default unless said otherwise. */
struct smtp_server_config {
    const char *hostname;    /* for the 220, 250 and 421 texts; NULL: "localhost". Copied. */
    const char *banner;      /* after the host name in the 220; NULL: "ESMTP mailsim". Copied. */
    size_t max_message_size; /* SIZE (RFC 1870), octets with CRLFs, unstuffed; 0: no limit */
    size_t max_recipients;   /* RCPTs per transaction; 0: no limit */
    /* smtpd_hard_error_limit: errors until "421 ... too many errors"; 0: no limit (Postfix: 20) */
    unsigned max_errors;
    /* smtpd_soft_error_limit and smtpd_error_sleep_time: once the session has made this many
     * errors, every reply waits error_sleep_us first (see smtp_server_pause). 0: never
     * (Postfix: 10 errors, 1 s). */
    unsigned soft_error_limit;
    uint64_t error_sleep_us;
    /* A failed AUTH's 535 waits this long: the auth_failure_delay of the Dovecot SASL server
     * behind Postfix (Dovecot: 2 s). 0: no wait. */
    uint64_t auth_failure_delay_us;
    unsigned auth_mechs; /* SASL_MECH_BIT() mask of mechanisms offered; 0: no AUTH */
    /* smtpd_tls_auth_only: AUTH is not advertised before TLS, and AUTH tried before it gets
     * Postfix's "503 5.5.1 Error: authentication not enabled". */
    bool auth_requires_tls;
    bool tls_available; /* advertise STARTTLS (the hook does the real work) */
    bool tls_active;    /* the connection is already TLS (port 465) */
    /* smtpd_tls_security_level = encrypt: before STARTTLS, every command but HELO, EHLO,
     * STARTTLS, NOOP and QUIT gets "530 5.7.0 Must issue a STARTTLS command first". */
    bool tls_required;
    /* smtpd_helo_required: MAIL and AUTH before HELO/EHLO get "503 5.5.1 Error: send HELO/EHLO
     * first". Postfix's default (false) takes them. */
    bool helo_required;
    /* strict_rfc821_envelopes: MAIL FROM and RCPT TO need their <brackets> and nothing else
     * beside the address. Postfix's default (false) also takes "MAIL FROM:alice@a.example". */
    bool strict_rfc821_envelopes;
    /* myorigin: appended to an address without a domain ("<alice>" becomes alice@myorigin, as
     * Postfix's trivial-rewrite does); a bare RCPT TO:<Postmaster> stays as it is. NULL: the
     * hostname (Postfix's default, $myhostname). Copied. */
    const char *myorigin;
    /* smtpd_forbid_bare_newline = reject: a command ended by a bare LF gets "550 5.5.2 <host>
     * Error: bare <LF> received" and the connection is closed; a message with a bare LF gets the
     * same reply at its end. false: normalize (Postfix >= 3.9's default): a bare LF ends a
     * command line like CRLF, and a message's bare LF is kept. */
    bool reject_bare_lf;
    bool disable_vrfy; /* disable_vrfy_command: "502 5.5.1 VRFY command is disabled" */
    /* A number the embedding agent makes unique per connection (e.g. from the seeded RNG). It
     * makes the default queue id and the default CRAM-MD5 challenge. */
    unsigned long session_id;
};

/* Policy hooks. Every hook is optional; NULL means "accept".
 *
 * The reply contract, the same for every hook that takes a struct smtp_reply *reply: before
 * the call, the engine fills *reply with the reply it will send on success ("250 2.1.0 Ok",
 * ...). Return true to accept: the engine sends *reply, whose text (and enhanced code) the hook
 * may change but whose code it may not (a changed code is put back). Return false to refuse:
 * the engine sends *reply, which the hook should have set to a 4xx or 5xx reply with
 * smtp_reply_set(); if it did not, the engine sends "451 4.3.0 Error: policy hook gave no
 * reply". A refusal from a hook counts against the error limits like any failed command, as
 * in Postfix ("if (cmdp->action(state, argc, argv) != 0) state->error_count++"): a client
 * refused twenty times, or guessing passwords, ends in 421.
 * Hooks must not call back into the engine. */
struct smtp_server_hooks {
    /* Every state change (old != new). */
    void (*on_state)(void *ctx, enum smtp_server_state old_state, enum smtp_server_state new_state);
    bool (*on_helo)(void *ctx, const char *name, bool esmtp, struct smtp_reply *reply);
    /* PLAIN and LOGIN: decide whether the credentials are right (the engine then answers 235 or
     * the 535 in *reply). NULL accepts everyone. authzid is "" unless PLAIN carried one. */
    bool (*on_auth)(void *ctx, enum sasl_mech mech, const char *authzid, const char *user,
                    const char *password, struct smtp_reply *reply);
    /* CRAM-MD5: the shared secret of user, or NULL when unknown (then authentication fails, as
     * it does when this hook is NULL). The engine checks the digest itself. */
    const char *(*get_secret)(void *ctx, const char *user);
    /* CRAM-MD5 challenge text, an RFC 822 msg-id such as "<1896.697170952@host>", written to
     * out (cap bytes, NUL-terminated). NULL: "<session_id.attempt@hostname>", which is
     * predictable and so replayable across sessions with the same session_id. */
    void (*make_challenge)(void *ctx, char *out, size_t cap);
    /* The outcome of every finished SASL exchange (all mechanisms), for the trace. */
    void (*on_auth_result)(void *ctx, enum sasl_mech mech, const char *user, bool ok);
    bool (*on_mail)(void *ctx, const struct smtp_envelope *env, const char *reverse_path,
                    struct smtp_reply *reply);
    bool (*on_rcpt)(void *ctx, const struct smtp_envelope *env, const char *forward_path,
                    struct smtp_reply *reply);
    /* VRFY address (RFC 5321 §3.5): Postfix puts the address through its recipient checks, so
     * that an unknown local user gets the 550 that RCPT would get; on success the reply is "252
     * 2.0.0 <the argument as sent>". address is the argument without its brackets. NULL: 252
     * for every address. */
    bool (*on_vrfy)(void *ctx, const struct smtp_envelope *env, const char *address,
                    struct smtp_reply *reply);
    bool (*on_data_start)(void *ctx, const struct smtp_envelope *env, struct smtp_reply *reply);
    /* The message, dot-unstuffed, every line ended by CRLF, without the final "." line. The data
     * is the engine's until the hook returns: copy what must be kept. *reply is preset to
     * "250 2.0.0 Ok: queued as <id>" with a default id made from session_id; a hook that queues
     * the mail under its own id rewrites the text. */
    bool (*on_message)(void *ctx, const struct smtp_envelope *env, const uint8_t *data, size_t len,
                       struct smtp_reply *reply);
    /* STARTTLS was asked for: return 0 to go ahead (the engine answers "220 2.0.0 Ready to start
     * TLS" and ignores input until smtp_server_tls_started()), nonzero to answer 454. NULL: 454. */
    int (*on_starttls)(void *ctx);
};

struct smtp_server;

/* Returns NULL when memory is exhausted. cfg and hooks are copied; ctx is passed to the hooks. */
struct smtp_server *smtp_server_new(const struct smtp_server_config *cfg,
                                    const struct smtp_server_hooks *hooks, void *ctx);
void smtp_server_free(struct smtp_server *s);
/* Who hears what the output means (proto_note.h): every reply that refuses (4xx, 5xx) or
 * challenges (334, its text decoded). fn NULL: nobody. */
void smtp_server_set_notes(struct smtp_server *s, proto_note_fn fn, void *ctx);
/* Who hears what the input means: each AUTH response ("AUTH PLAIN", "AUTH LOGIN user", ...,
 * decoded by sasl_response_reveal) and the DATA text (dot-stuffed as read, without the "." line;
 * noted in pieces, what each feed brought), placed by input octets counted from the first one
 * fed. Told while the line is read, before the hooks hear of it. fn NULL: nobody, and nothing is
 * decoded for it. */
void smtp_server_set_input_notes(struct smtp_server *s, proto_note_fn fn, void *ctx);
/* Queues the "220 <host> ESMTP mailsim" greeting. Feeding before start starts first. */
void smtp_server_start(struct smtp_server *s);
/* Takes all n bytes. Commands are executed in order as their lines complete (PIPELINING), the
 * replies queued; after "354", bytes are message data. Input after the session is done (221,
 * 421) or while waiting for TLS is ignored; so are bytes pipelined behind STARTTLS (they were
 * sent in the clear and must not be taken as if they came through TLS, cf. CVE-2011-0411).
 * Memory stays bounded by the line limits, max_message_size and max_recipients; the output
 * grows with the replies the input asks for until the caller consumes it.
 *
 * Policies where the RFCs leave a choice, as Postfix makes them (the tests hold each one):
 * - A command line is read up to SMTP_SERVER_LINE_LIMIT octets (Postfix's line_length_limit);
 *   the rest of a longer one is skipped and the first part executed. A command holding a NUL,
 *   a bare CR or another control octet: "500 5.5.2 Error: bad syntax". Unknown commands (HELP
 *   and EXPN among them, which Postfix does not have): "500 5.5.2 Error: command not
 *   recognized".
 * - In DATA only CR LF ends a line. A lone LF or CR is kept as a body byte and flagged in the
 *   envelope (body_bare_lf, body_bare_cr), so "\n.\n", "\r.\r" and "\n.\r\n" never end the
 *   message (SMTP smuggling).
 * - A DATA line of any length is taken whole (RFC 5321 §4.5.3.1 asks servers to be tolerant of
 *   lines over 1000 octets; Postfix queues them). A message over max_message_size is read to
 *   its end and stored nowhere, then refused with "552 5.3.4 Error: message file too big".
 * - DATA after MAIL with no accepted recipient: "554 5.5.1 Error: no valid recipients"; DATA
 *   before MAIL: "503 5.5.1 Error: need RCPT command".
 * - AUTH with an unknown or unoffered mechanism: "504 5.5.4 Unrecognized authentication type"
 *   (RFC 4954 §4; Postfix says 535 5.7.8 instead).
 * - Counted against the error limits, as Postfix counts them: every command that failed,
 *   whether the engine or a hook refused it, and failed authentications; not counted: "452
 *   4.5.3 too many recipients". A message accepted with 250 forgives the errors so far. */
void smtp_server_feed(struct smtp_server *s, const uint8_t *in, size_t n);
/* The bytes that may be sent now; *out (never NULL) is valid until the next call into the engine.
 * Replies behind a pause (smtp_server_pause) are not among them yet. */
size_t smtp_server_output(const struct smtp_server *s, const uint8_t **out);
void smtp_server_output_consumed(struct smtp_server *s, size_t n);
/* The engine owns no clock, so it asks for its waits: the microseconds the caller should let
 * pass, once the output before it has been sent, before calling smtp_server_resume(); 0 when
 * nothing waits. The next replies are held until then: Postfix's smtpd_error_sleep_time and the
 * SASL server's auth_failure_delay. Input keeps being read meanwhile (a pipelining client's
 * replies each wait their turn). */
uint64_t smtp_server_pause(const struct smtp_server *s);
/* The pause is over: the replies up to the next pause become output. */
void smtp_server_resume(struct smtp_server *s);
/* True once the connection should be closed after the output is sent (221, 421, peer gone,
 * or memory exhausted). Output held by a pause is still to be sent first. */
bool smtp_server_done(const struct smtp_server *s);
void smtp_server_peer_closed(struct smtp_server *s);
enum smtp_server_state smtp_server_state(const struct smtp_server *s);
/* The TLS handshake after "220 2.0.0 Ready to start TLS" succeeded. RFC 3207 §4.2: the server
 * "MUST discard any knowledge obtained from the client, such as the argument to the EHLO
 * command, which was not obtained from the TLS negotiation itself": back to GREETED, not
 * authenticated, tls true. No new greeting is sent. */
void smtp_server_tls_started(struct smtp_server *s);
const struct smtp_envelope *smtp_server_envelope(const struct smtp_server *s);
/* Protocol errors counted so far (see max_errors). */
unsigned smtp_server_errors(const struct smtp_server *s);
/* Input octets held inside the engine: the partial line and the message read so far. Tests use
 * it to show that hostile input does not grow memory. */
size_t smtp_server_buffered(const struct smtp_server *s);

#endif
