/* smtpd: the SMTP service shared by the MSA (submission on 587, AUTH required, step 2) and the
 * MTA (port 25, relay policy): one smtp_server engine per connection, the policy hooks in
 * Postfix's terms (the submission service as Debian's master.cf template sets it up), a
 * Received line per accepted message, and the hand-off into an MTA's queue. */
#ifndef MAILSIM_SMTPD_H
#define MAILSIM_SMTPD_H

#include "smtpd_settings.h"
#include "world.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* What the relay policy decided for one recipient. */
struct smtpd_relay_decision {
    const char *rule; /* the restriction that decided: "permit_mynetworks", ... */
    bool defer;       /* a refusal by defer_unauth_destination (454), not reject_ (554) */
    /* POP before SMTP: a login from this address was found, but longer ago than the window
     * (the rule then did not permit, and a later one decided). */
    bool pop_expired;
};

/* What the service asks of the MTA behind it, as OpenSMTPD's smtp process asks its lookup
 * process and its queue rather than calling into them: the relay policy and the local recipient
 * table at RCPT time (port 25 only; submission decides by AUTH alone), the queue at the end of
 * DATA. ctx is passed back to each. */
struct smtpd_backend {
    void *ctx;
    /* The relay decision for a recipient: true to accept (the service answers 454 4.7.1 or 554
     * 5.7.1 otherwise, as d->defer says); d says why. client_ip is the address the server saw. */
    bool (*relay_allowed)(void *ctx, uint32_t client_ip, bool authenticated, const char *rcpt,
                          struct smtpd_relay_decision *d);
    /* true when domain is one of the final destinations (mydestination). */
    bool (*is_local_domain)(void *ctx, const char *domain);
    /* true when a local recipient has an account or an alias. */
    bool (*local_user_exists)(void *ctx, const char *rcpt);
    /* Queues an accepted message (its Received line already prepended) under the queue id the
     * service gave it ("250 2.0.0 Ok: queued as <qid>"). Takes msg's bytes and leaves msg
     * empty; copies the strings. */
    void (*enqueue)(void *ctx, const char *qid, const char *mail, const char *from,
                    const char *const *rcpts, size_t nrcpt, struct buf *msg);
};

struct smtpd_config {
    const char *agent;    /* the id of the agent this service belongs to */
    const char *hostname; /* in the banner and the Received lines */
    uint16_t port;
    const char *proto; /* "smtp" or "submission", as the trace names the connection */
    bool submission;   /* RFC 6409: AUTH before MAIL; mark step 2 on acceptance */
    /* Submission only: false is the misconfiguration of an open submission port (MAIL without
     * AUTH is accepted, and every recipient with it). */
    bool submission_open;
    bool maillog;                 /* write Postfix-style log lines (the MTA's "maillog") */
    unsigned auth_mechs;          /* SASL_MECH_BIT() mask offered; 0: no AUTH */
    struct smtpd_backend backend; /* accepted mail goes into its queue; its policy applies */
    bool scan_eicar;      /* the content filter: scan every message (agents/proto/avscan.h) */
    bool alert_encrypted; /* ...and refuse encrypted archives it cannot look into */
    size_t max_message_size;
    size_t max_recipients;
    /* TLS in Postfix's terms: smtpd_tls_security_level=may offers STARTTLS (RFC 3207);
     * smtpd_tls_wrappermode is implicit TLS from the first byte (SMTPS on 465, RFC 8314);
     * smtpd_tls_auth_only offers AUTH only once the session is encrypted. */
    bool starttls;
    bool wrappermode;
    bool tls_auth_only;
    /* smtpd_tls_security_level = encrypt: STARTTLS before anything else (530 5.7.0 otherwise);
     * implies smtpd_tls_auth_only. */
    bool tls_required;
    struct smtpd_settings settings;
};

struct smtpd;

/* Starts listening. Returns NULL when the port is taken on that host. */
struct smtpd *smtpd_new(struct mail_world *mw, int host, const struct smtpd_config *cfg);
void smtpd_free(struct smtpd *d);
void smtpd_set_down(struct smtpd *d, bool down);

#endif
