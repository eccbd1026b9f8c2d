/* smtpd: the SMTP service shared by the MSA (submission on 587, AUTH required, step 2) and the
 * MTA (port 25, relay policy): one smtp_server engine per connection, the policy hooks in
 * Postfix's terms (the submission service as Debian's master.cf template sets it up), a
 * Received line per accepted message, and the hand-off into an MTA's queue. */
#ifndef MAILSIM_SMTPD_H
#define MAILSIM_SMTPD_H

#include "mta.h"
#include "smtpd_settings.h"

struct smtpd_config {
    const char *agent;     /* the id of the agent this service belongs to */
    const char *hostname;  /* in the banner and the Received lines */
    uint16_t port;
    const char *proto;     /* "smtp" or "submission", as the trace names the connection */
    bool submission;       /* RFC 6409: AUTH before MAIL; mark step 2 on acceptance */
    /* Submission only: false is the misconfiguration of an open submission port (MAIL without
     * AUTH is accepted, and every recipient with it). */
    bool submission_open;
    bool maillog;          /* write Postfix-style log lines (the MTA's "maillog") */
    unsigned auth_mechs;   /* SASL_MECH_BIT() mask offered; 0: no AUTH */
    struct mta *mta;       /* accepted mail goes into its queue; its relay policy applies */
    bool scan_eicar;       /* the content filter: scan every message (agents/proto/avscan.h) */
    bool alert_encrypted;  /* ...and refuse encrypted archives it cannot look into */
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
