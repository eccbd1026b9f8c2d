/* mua: the Mail User Agent — steps 1, 8 and 9. It composes a real RFC 5322 message, submits it
 * to its MSA on port 587 with SMTP AUTH, later fetches its mailbox over POP3, and marks each
 * retrieved message read. */
#ifndef MAILSIM_MUA_H
#define MAILSIM_MUA_H

#include "world.h"

#include "message.h"
#include "mua_crypt.h"
#include "sasl.h"
#include "session.h"

/* How a connection to a server is protected, as a mail program's settings say it: none, an
 * upgrade inside the session (STARTTLS for SMTP, STLS for POP3; required once chosen, as
 * Thunderbird does), or TLS from the first byte (SMTPS on 465, POP3S on 995). */
enum mua_tls { MUA_TLS_NONE, MUA_TLS_STARTTLS, MUA_TLS_IMPLICIT };

struct mua_config {
    const char *user;         /* the account this MUA logs in as */
    const char *display_name; /* "Alice" in From: */
    const char *submit_host;  /* the MSA's host name (looked up in the world) */
    uint16_t submit_port;     /* 587 */
    enum sasl_mech mech;      /* AUTH mechanism */
    const char *pop_host;     /* the MRA's host name */
    uint16_t pop_port;        /* 110 */
    bool apop;                /* log in with APOP instead of USER/PASS */
    bool keep_on_server;      /* do not DELE after RETR */
    enum mua_tls submit_tls;  /* submission: none, STARTTLS, or SMTPS */
    enum mua_tls pop_tls;     /* retrieval: none, STLS, or POP3S */
    enum mua_e2e e2e;         /* sign and encrypt what it sends: none, S/MIME, OpenPGP */
    bool pop_ssh;             /* POP3 through an SSH tunnel: connect to pop_host:22 and forward
                                 to localhost:pop_port there (ssh -L) */
};

struct mua;

struct mua_message {
    uint8_t *data;
    size_t len;
    char *mail;
};

struct mua *mua_new(struct mail_world *mw, const char *id, int host, const struct mua_config *cfg);

/* At virtual time at_us, composes and submits a message from this MUA's account. mail is the
 * mail id the trace follows ("m1"). Returns 0, or -1 when the message cannot be built (err). */
int mua_send(struct mua *u, uint64_t at_us, const char *mail, const char *const *to, size_t nto,
             const char *subject, const char *body, char *err, size_t errlen);

/* How one submission differs from the MUA's settings. */
struct mua_send_options {
    bool no_auth;         /* submit without SMTP AUTH (port 25 of old, or a refused try) */
    const char *password; /* NULL: the account's; else this one (a mistyped password) */
    /* More recipients: cc in the Cc: field and in the envelope; bcc in the envelope only (RFC
     * 5322 §3.6.3: "the 'Bcc:' line is removed even though all of the recipients (including
     * those specified in the 'Bcc:' field) are sent a copy of the message"). */
    const char *const *cc;
    size_t ncc;
    const char *const *bcc;
    size_t nbcc;
    const struct message_attachment *attachments; /* files attached to the message */
    size_t nattachments;
};

/* mua_send with options (opt may be NULL). */
int mua_send_with(struct mua *u, uint64_t at_us, const char *mail, const char *const *to,
                  size_t nto, const char *subject, const char *body,
                  const struct mua_send_options *opt, char *err, size_t errlen);

/* A message a user agent has composed and submits at a moment of the run: Thunderbird's here,
 * swaks's (spammer.c) and msmtp's (webform.c) alike. Each agent's job starts with one, and the
 * agent keeps its jobs in a list until their sessions end, so that those still pending when the
 * run ends are freed with the agent. */
struct mua_outgoing {
    struct mua_outgoing *next, *prev;
    struct mua_outgoing **list; /* the agent's list it is in */
    struct agent *agent;        /* whose job: its world, its host, its id in the trace */
    void (*free_job)(struct mua_outgoing *o); /* frees the rest of the job; NULL: free(o) */
    char *mail;                               /* the mail id the trace follows */
    char **to;                                /* the envelope recipients */
    size_t nto;
    uint8_t *data; /* the message */
    size_t len;
};

struct smtp_client_config;
struct smtp_client_hooks;
struct smtp_reply;

/* Puts o, whose fields the job owns, at the head of the agent's list. */
void mua_outgoing_push(struct mua_outgoing **list, struct mua_outgoing *o, struct agent *agent,
                       void (*free_job)(struct mua_outgoing *o));
/* Takes o out of its list and frees the whole job. */
void mua_outgoing_drop(struct mua_outgoing *o);
/* Drops every job in the list: what an agent still holds when it is destroyed. */
void mua_outgoing_drop_all(struct mua_outgoing **list);
/* Makes the job's SMTP client of cfg and hooks (their ctx: the job, which starts with o), hands
 * it the message (from: the envelope sender) and connects it to port on the host named server,
 * in a session whose end drops the job. NULL when there is no such host or no way to it: the
 * trace then says "rejected" and the job is dropped. Aborts when memory is exhausted. */
struct session *mua_outgoing_connect(struct mua_outgoing *o, const struct smtp_client_config *cfg,
                                     const struct smtp_client_hooks *hooks, const char *from,
                                     const char *server, uint16_t port);
/* The server's reply to the message, in the trace as "submitted" (2xx) or "rejected"; returns
 * whether it was taken. */
bool mua_outgoing_result(const struct mua_outgoing *o, const struct smtp_reply *r);
/* mua_outgoing_result as the SMTP client's on_mail_result hook, for a job (the hook's ctx) that
 * starts with its struct mua_outgoing. */
void mua_outgoing_on_result(void *job, size_t mail, const struct smtp_reply *r);

/* At virtual time at_us, fetches the mailbox over POP3; each message is read one second later. */
void mua_fetch(struct mua *u, uint64_t at_us);

/* The messages retrieved so far, in order. */
size_t mua_inbox_count(const struct mua *u);
const struct mua_message *mua_inbox(const struct mua *u, size_t i);

#endif
