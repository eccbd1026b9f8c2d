/* mta: the Mail Transfer Agent — a queue, routing (local delivery, a transport map, a relay
 * host, or DNS MX), relaying over SMTP with deferral and retry, delivery status notifications
 * for what cannot be delivered, and the relay policy of its SMTP service in Postfix's terms.
 * The content filter of step 3 is an MTA that also scans (the filter role in mta.c). */
#ifndef MAILSIM_MTA_H
#define MAILSIM_MTA_H

#include "dns.h"
#include "mda.h"
#include "smtpd.h"
#include "smtpd_settings.h"
#include "world.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A transport map entry (Postfix transport(5)): mail for domain goes to nexthop, a host name. */
struct mta_transport {
    const char *domain;
    const char *nexthop;
};

/* Postfix's smtpd_relay_restrictions, the decisions the policy hook makes at RCPT time:
 * permit_mynetworks, permit_sasl_authenticated, then defer_unauth_destination (Postfix >= 2.10's
 * default: 454 4.7.1) or reject_unauth_destination (the classic setting: 554 5.7.1), which let
 * through mail for mydestination and relay_domains only. */
struct mta_policy {
    const char *const *mynetworks; /* CIDR blocks, "192.0.2.0/24" */
    size_t nmynetworks;
    bool permit_sasl_authenticated;
    bool reject_unauth_destination; /* false: defer_unauth_destination */
    bool open_relay; /* the misconfiguration of the security chapter: permit everything */
};

struct mra;

struct mta_config {
    const char *role;                 /* "mta" or "filter" (the trace role); NULL: "mta" */
    const char *program;              /* example software, for the viewer; NULL: "Postfix" */
    const char *hostname;             /* FQDN in the banner and Received lines */
    uint16_t port;                    /* the SMTP service, 25; 0: none */
    const char *const *mydestination; /* domains delivered here, through the MDA */
    size_t nmydestination;
    const char *const *relay_domains; /* domains accepted to pass on (a gateway) */
    size_t nrelay_domains;
    const struct mta_transport *transports;
    size_t ntransports;
    const char *relayhost; /* everything else goes there; NULL: to the domain's MX */
    struct mta_policy policy;
    struct mda *mda;         /* for mydestination */
    struct dns_agent *dns;   /* for MX and A lookups */
    int relay_step;          /* the step marked when relaying onward: 3, 4 or 5 */
    uint64_t retry_us;       /* deferred mail is tried again after this; 0: 5 minutes */
    unsigned max_attempts;   /* then it bounces; 0: 5 */
    size_t max_message_size; /* SIZE; 0: 10240000 as Postfix */
    size_t max_recipients;   /* per transaction; 0: 1000 as Postfix */
    bool scan_eicar;         /* scan mail as the content filter does (agents/proto/avscan.h) */
    bool alert_encrypted;    /* ...and refuse encrypted archives (AlertEncryptedArchive) */
    bool maillog;            /* record Postfix-style log lines (trace kind "log") */
    /* TLS, in Postfix's terms. smtpd_tls: offer STARTTLS on port 25 (smtpd_tls_security_level
     * = may). smtp_tls: what the sending side does (smtp_tls_security_level): none; may
     * (STARTTLS when the server offers it, else plaintext); encrypt (TLS or defer). */
    bool smtpd_tls;
    enum mta_tls_level { MTA_TLS_NONE, MTA_TLS_MAY, MTA_TLS_ENCRYPT } smtp_tls;
    struct smtpd_settings smtpd; /* the SMTP service's Postfix parameters */
};

struct mta;

/* Creates the MTA (and its SMTP service when port is set). Returns NULL when the port is taken
 * or a mynetworks entry is not a CIDR block; err says which. */
struct mta *mta_new(struct mail_world *mw, const char *id, int host, const struct mta_config *cfg,
                    char *err, size_t errlen);

const char *mta_hostname(const struct mta *m);
const char *mta_id(const struct mta *m);

/* Queues a message (its Received line already prepended) for the recipients; delivery starts
 * at once. Copies everything. */
void mta_enqueue(struct mta *m, const char *mail, const char *from, const char *const *rcpts,
                 size_t nrcpt, const uint8_t *data, size_t len);
/* The same under a queue id made beforehand (a log line already named it), which the MTA's log
 * lines then carry. qid NULL: the MTA makes one. The SMTP service queues through
 * mta_smtpd_backend() instead. */
void mta_enqueue_qid(struct mta *m, const char *qid, const char *mail, const char *from,
                     const char *const *rcpts, size_t nrcpt, const uint8_t *data, size_t len);

/* POP before SMTP: relaying is also permitted for a client address that logged in to mra over
 * POP3 at most window_us ago (Postfix with DRAC or pop-before-smtp; rule "pop_before_smtp"). */
void mta_set_pop_before_smtp(struct mta *m, struct mra *mra, uint64_t window_us);
/* Whether the MTA keeps a mail log (trace kind "log"). */
bool mta_maillog(const struct mta *m);

/* Messages waiting in the queue (deferred or in flight). */
size_t mta_queue_length(const struct mta *m);

/* Stops or resumes the SMTP service, as an outage in a scenario's timeline. */
void mta_set_down(struct mta *m, bool down);

/* The backend of an SMTP service in front of this MTA (its own on port 25, or an MSA's): its
 * relay policy, its local recipient table, and its queue, which takes the message over. */
struct smtpd_backend mta_smtpd_backend(struct mta *m);

#endif
