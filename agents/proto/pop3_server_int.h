/* pop3_server_int: what pop3_server.c (the session machine, dispatcher and I/O) and
 * pop3_server_cmd.c (the command handlers) share. Private to those two files: the rest of
 * mailsim sees only pop3_server.h. */
#ifndef MAILSIM_POP3_SERVER_INT_H
#define MAILSIM_POP3_SERVER_INT_H

#include "pop3_server.h"

#include "buf.h"
#include "line.h"
#include "proto_out.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POP3_ARGS_MAX 2
#define POP3_ECHO_MAX 40 /* RFC 1939 §3: "Each argument may be up to 40 characters long." */

struct pop3_args {
    size_t n;
    const char *v[POP3_ARGS_MAX];
};

struct pop3_server {
    char *greeting;
    char *timestamp;
    bool allow_user_pass;
    bool tls_available;
    bool strict_crlf;
    unsigned max_bad;      /* TRANSACTION: let pass; one more ends the session */
    unsigned max_bad_auth; /* AUTHORIZATION: this many unknown commands end it */
    uint64_t auth_failure_delay_us;
    char *capa_extra[POP3_SERVER_CAPA_EXTRA_MAX];
    size_t capa_extra_count;
    struct pop3_server_hooks hooks;
    void *ctx;

    struct line_reader reader;
    struct buf in;        /* bytes fed but not yet read as lines (pipelining, back-pressure) */
    struct proto_out out; /* replies waiting to be sent, and their notes */
    struct proto_pauses pauses; /* the waits in out */
    /* What it reads, noted (proto_note.h; fn NULL: nothing, at no cost): USER, PASS, APOP. */
    struct proto_notes in_notes;
    uint64_t in_read; /* octets of the input read as lines so far */
    enum pop3_server_state state;
    bool done;
    bool tls_pending; /* STLS accepted: read nothing until pop3_server_tls_started() */
    bool tls_active;
    unsigned bad;

    char user[POP3_LINE_MAX];  /* the USER argument; empty when none was given */
    char login[POP3_LINE_MAX]; /* the authenticated user, from TRANSACTION on */
    bool drop_open;
    struct pop3_maildrop drop;
    bool *deleted; /* drop.count marks; NULL when the maildrop is empty */
    size_t *sizes; /* drop.count sizes as sent (RFC 1939 §11); NULL when empty */
};

typedef void pop3_handler(struct pop3_server *s, const struct pop3_args *a);

/* ---- The command handlers (pop3_server_cmd.c), one per row of the command table ---- */

pop3_handler pop3_server_cmd_user, pop3_server_cmd_pass, pop3_server_cmd_apop, pop3_server_cmd_stls,
    pop3_server_cmd_capa, pop3_server_cmd_quit, pop3_server_cmd_stat, pop3_server_cmd_list,
    pop3_server_cmd_uidl, pop3_server_cmd_retr, pop3_server_cmd_top, pop3_server_cmd_dele,
    pop3_server_cmd_noop, pop3_server_cmd_rset;

/* ---- The session machine (pop3_server.c) ---- */

/* "+OK" followed by the formatted text, cut to the 512-octet reply line. */
void pop3_server_ok(struct pop3_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "-ERR " and the text. In TRANSACTION it counts as a bad command, and past the limit the
 * session ends; in AUTHORIZATION only unknown commands count (pop3_server_unknown). */
void pop3_server_err(struct pop3_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Output exactly as given (the lines of a multi-line response). */
void pop3_server_raw(struct pop3_server *s, const void *p, size_t n);
void pop3_server_raw_str(struct pop3_server *s, const char *str);

/* Releases the maildrop without UPDATE (nothing is removed). */
void pop3_server_close_maildrop(struct pop3_server *s);

/* Ends the session: the maildrop is closed and pending input dropped. */
void pop3_server_end(struct pop3_server *s);

/* The one place where the state changes, so the agent can record every change. */
void pop3_server_set_state(struct pop3_server *s, enum pop3_server_state st);

/* The lowercase hex MD5 of data[0..len); -1 when the digest is not available. */
int pop3_server_md5_hex(const void *data, size_t len, char out[33]);

#endif
