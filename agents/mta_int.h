/* mta_int: what the parts of the MTA share. mta.c is the queue and the agent; mta_policy.c the
 * relay policy of its SMTP service (mynetworks, relay_domains, POP before SMTP) and the backend
 * it gives smtpd; mta_bounce.c the delivery status notifications; mta_out.c routing, local
 * hand-off and the outbound SMTP sessions (OpenSMTPD's lka, bounce and mta_session). */
#ifndef MAILSIM_MTA_INT_H
#define MAILSIM_MTA_INT_H

#include "mta.h"
#include "smtp_reply.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MTA_DEFAULT_RETRY_US (300ULL * 1000000ULL)
#define MTA_DEFAULT_ATTEMPTS 5
/* Time an MTA takes to pick up a queued message; it keeps the steps apart on screen. */
#define MTA_PICKUP_US 2000

struct mta_cidr {
    uint32_t net, mask;
};

/* What the log lines of a queue entry carry. */
struct mta_entry_log {
    char qid[16]; /* Postfix's queue id */
    uint64_t queued_at;
};

/* A recipient's fate within a queue entry. */
enum mta_rcpt_state { MTA_RCPT_PENDING, MTA_RCPT_INFLIGHT, MTA_RCPT_DONE };

struct mta_entry {
    struct mta *m;
    char *mail;
    char *from;
    char **rcpts;
    enum mta_rcpt_state *state;
    size_t nrcpt;
    uint8_t *data;
    size_t len;
    unsigned attempts;
    unsigned inflight; /* outbound sessions still carrying it */
    bool scheduled;
    struct mta_entry *next, *prev; /* in the queue list */
    /* Only when the MTA keeps a log (one element then): a busy queue stays as small as it was. */
    struct mta_entry_log log[];
};

struct mta {
    struct agent base;
    char *hostname;
    char **mydestination;
    size_t nmydestination;
    char **relay_domains;
    size_t nrelay_domains;
    struct mta_transport *transports;
    size_t ntransports;
    char *relayhost;
    struct mta_cidr *mynetworks;
    size_t nmynetworks;
    bool permit_sasl_authenticated;
    bool reject_unauth_destination;
    bool open_relay;
    struct mda *mda;
    struct dns_agent *dns;
    int relay_step;
    uint64_t retry_us;
    unsigned max_attempts;
    struct smtpd *smtpd;
    struct mta_entry *queue;
    size_t queued;
    uint64_t bounces;
    bool maillog;
    enum mta_tls_level smtp_tls;
    uint64_t qids; /* queue ids the MTA made itself */
    struct mra *pop_mra;
    uint64_t pop_window_us;
    struct mta_out *outs; /* open outbound sessions, for reuse */
};

/* How many mails without a result yet an outbound session may carry before more mail for the
 * same next hop opens another connection. */
#define MTA_REUSE_DEPTH 2

/* One mail an outbound session carries: an entry, and which of its recipients; e is NULL once
 * the mail has its result and the entry no longer waits for this session. */
struct mta_job {
    struct mta_entry *e;
    size_t *rcpt_index;
    size_t n;
};

/* One outbound SMTP session to one next hop. It may carry several mails: while it is open,
 * more mail for the same next hop joins it instead of opening a connection of its own, as
 * Postfix's smtp(8) reuses a connection when mail for a destination is waiting. */
struct mta_out {
    struct mta *m;
    struct mta_job *jobs; /* by the mail index smtp_client_add_mail gave */
    size_t njobs, cap_jobs;
    size_t unfinished; /* jobs without a result yet */
    uint32_t conn;
    uint32_t ip; /* the next hop */
    struct session *session;
    struct smtp_client *client;
    struct mta_out *next; /* the MTA's open sessions */
};

/* mta.c (the queue) */
/* Postfix's "delay=": seconds since the message entered the queue. */
double mta_delay(const struct mta_entry *e);
/* Frees the entry once every recipient is done and no session carries it. */
void mta_entry_settle(struct mta_entry *e);
/* A queue id the MTA makes itself. Not from the RNG: a log must not change the run it records. */
void mta_make_qid(struct mta *m, char *out, size_t cap);
/* Queues data, which it takes (malloc'd, len bytes; NULL only when len is 0). */
void mta_enqueue_taken(struct mta *m, const char *qid, const char *mail, const char *from,
                       const char *const *rcpts, size_t nrcpt, uint8_t *data, size_t len);

/* mta_policy.c */
bool mta_is_local(const struct mta *m, const char *domain);
int mta_parse_cidr(const char *s, struct mta_cidr *out);

/* mta_bounce.c */
void mta_bounce(struct mta *m, struct mta_entry *e, size_t rcpt, const struct smtp_reply *r);

/* mta_out.c */
/* Where mail for a domain goes next: an address, or 0 with a reason. */
uint32_t mta_route(struct mta *m, const char *domain, const char **why);
void mta_deliver_local(struct mta *m, struct mta_entry *e, size_t k);
void mta_send(struct mta *m, struct mta_entry *e, uint32_t ip, size_t *idx, size_t n);

#endif
