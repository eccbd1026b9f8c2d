/* msa: the Message Submission Agent — step 2. The submission service of RFC 6409 on port 587:
 * it authenticates the sender (SMTP AUTH, RFC 4954) before it takes any mail (as Debian's
 * master.cf template has Postfix do it, by refusing every recipient of a session without AUTH),
 * then hands the message to the MTA on the same server. */
#ifndef MAILSIM_MSA_H
#define MAILSIM_MSA_H

#include "mta.h"
#include "smtpd_settings.h"

struct msa_config {
    const char *hostname; /* in the banner and the Received line */
    uint16_t port;        /* 587 */
    unsigned auth_mechs;  /* SASL_MECH_BIT() mask; 0: PLAIN and LOGIN */
    struct mta *mta;      /* where accepted mail goes */
    /* The misconfiguration of an open submission port: mail without AUTH is taken too. */
    bool no_auth_required;
    bool starttls;      /* offer STARTTLS on the submission port (RFC 3207) */
    bool smtps;         /* also serve implicit TLS on 465 (RFC 8314), the same service */
    bool tls_auth_only; /* offer AUTH only inside TLS (Postfix's smtpd_tls_auth_only) */
    /* smtpd_tls_security_level = encrypt: nothing but EHLO, STARTTLS, NOOP and QUIT before TLS
     * (530 5.7.0 Must issue a STARTTLS command first); implies starttls and tls_auth_only. */
    bool tls_required;
    struct smtpd_settings smtpd; /* Postfix's smtpd parameters for the service */
};

struct msa;

/* Returns NULL when the port is taken on that host. */
struct msa *msa_new(struct mail_world *mw, const char *id, int host, const struct msa_config *cfg);

#endif
