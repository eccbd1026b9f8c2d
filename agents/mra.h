/* mra: the Mail Retrieval Agent — the POP3 server of step 8 (Dovecot and Qpopper in real life),
 * serving the mailboxes an MDA fills. */
#ifndef MAILSIM_MRA_H
#define MAILSIM_MRA_H

#include "mda.h"
#include "world.h"

struct mra_config {
    const char *hostname;  /* for the logs and the APOP timestamp */
    uint16_t port;         /* 110 */
    bool apop;             /* offer APOP (a timestamp in the banner) */
    bool allow_user_pass;  /* accept USER/PASS */
    struct mda *mda;       /* whose mailboxes are served */
};

struct mra;

/* Creates the MRA and starts listening. Returns NULL when the port is taken. */
struct mra *mra_new(struct mail_world *mw, const char *id, int host, const struct mra_config *cfg);

#endif
