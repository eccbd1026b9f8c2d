/* smtp_server_int: what smtp_server.c (the session machine, dispatcher and I/O) and
 * smtp_server_cmd.c (the command handlers) share. Private to those two files: the rest of
 * mailsim sees only smtp_server.h. */
#ifndef MAILSIM_SMTP_SERVER_INT_H
#define MAILSIM_SMTP_SERVER_INT_H

#include "proto_out.h"
#include "smtp_server.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The most of the message buffer allocated up front on a client's SIZE= (see DATA). */
#define SMTP_SERVER_SIZE_HINT ((size_t)1 << 20)

struct smtp_server {
    struct smtp_server_config cfg; /* hostname and banner point at the copies below */
    char *hostname;
    char *banner;
    char *myorigin;
    struct smtp_server_hooks hooks;
    void *ctx;
    enum smtp_server_state state;
    bool done;
    unsigned errors;
    struct line_reader cmd_reader;  /* commands: LF ends a line (bare LF flagged), 2048 */
    struct line_reader data_reader; /* DATA: only CRLF ends a line, long ones in pieces */
    struct line_reader sasl_reader; /* AUTH responses: 12288 */
    struct proto_out out;           /* the replies and their notes */
    struct proto_pauses pauses;     /* the waits in out */
    struct smtp_envelope env;
    size_t rcpt_cap;
    struct buf msg; /* the unstuffed message being received */
    size_t msg_size;
    bool msg_too_big;
    bool msg_no_memory;
    bool msg_mid_line; /* the last DATA piece was part of a longer line */
    unsigned msg_count;
    struct sasl_server sasl; /* the SASL exchange under way */
    unsigned auth_attempts;
    unsigned sasl_responses; /* responses read in the exchange under way (LOGIN: user first) */
    /* What it reads, noted (proto_note.h; fn NULL: nothing, at no cost). Places are octets of
     * the input counted from the first one fed. */
    struct proto_notes in_notes;
    uint64_t in_at;      /* octets fed before the current feed */
    uint64_t line_end;   /* just past the line being handled (its line end included) */
    uint64_t arg_at;     /* where the command's arguments start; UINT64_MAX: unknown */
    uint64_t text_noted; /* DATA: the text before this place is noted, or was not to be */
};

typedef void smtp_server_handler(struct smtp_server *s, const char *arg);

/* ---- The command handlers (smtp_server_cmd.c), one per row of the command table ---- */

smtp_server_handler smtp_server_cmd_helo, smtp_server_cmd_ehlo, smtp_server_cmd_mail,
    smtp_server_cmd_rcpt, smtp_server_cmd_data, smtp_server_cmd_rset, smtp_server_cmd_noop,
    smtp_server_cmd_quit, smtp_server_cmd_vrfy, smtp_server_cmd_auth, smtp_server_cmd_starttls;

/* Acts on what the mechanism says after the AUTH line or after a response line. */
void smtp_server_auth_step(struct smtp_server *s, enum sasl_step step, const char *challenge);

/* Notes that the n octets of base64 at input place at (UINT64_MAX: unknown) are a response of
 * mech's exchange, decoded by the one decoder (sasl.h); counts the response either way. */
void smtp_server_note_response(struct smtp_server *s, enum sasl_mech mech, uint64_t at,
                               const char *b64, size_t n);

/* Where line l, just read, starts in the input; UINT64_MAX when it was cut (too long). */
uint64_t smtp_server_line_at(const struct smtp_server *s, const struct line *l);

/* Ends a SASL exchange with a protocol error (no verdict on the identities). */
__attribute__((format(printf, 4, 5))) void
smtp_server_auth_abort(struct smtp_server *s, int code, const char *enh, const char *fmt, ...);

/* ---- The session machine (smtp_server.c) ---- */

/* The state between mail transactions: READY after HELO/EHLO, GREETED before (Postfix's
 * default takes a transaction before HELO, and the session returns there). */
enum smtp_server_state smtp_server_idle_state(const struct smtp_server *s);

/* The one place where the state changes, so the agent can record every change. */
void smtp_server_set_state(struct smtp_server *s, enum smtp_server_state st);

/* Replies; on no memory for a reply the session ends rather than lie. */
void smtp_server_vreply(struct smtp_server *s, int code, const char *enh, const char *fmt,
                        va_list ap);
__attribute__((format(printf, 4, 5))) void smtp_server_reply(struct smtp_server *s, int code,
                                                             const char *enh, const char *fmt, ...);

/* Counts a protocol error; at max_errors the session ends with 421. */
void smtp_server_count_error(struct smtp_server *s);

/* A reply from the dispatcher or a check stage: sent, then counted as an error. */
__attribute__((format(printf, 4, 5))) void smtp_server_fail(struct smtp_server *s, int code,
                                                            const char *enh, const char *fmt, ...);

/* Applies the hook contract of smtp_server.h to a verdict and sends the reply; a refusal counts
 * as an error, as every failed command does in Postfix. Returns ok. */
bool smtp_server_verdict(struct smtp_server *s, bool ok, struct smtp_reply *r, int success_code);

/* Forgets the mail transaction: what RSET does (RFC 5321 §4.1.1.5). */
void smtp_server_reset_transaction(struct smtp_server *s);

#endif
