/* mra: the Mail Retrieval Agent — the POP3 server of step 8 (Dovecot and Qpopper in real life),
 * serving the mailboxes an MDA fills. */
#ifndef MAILSIM_MRA_H
#define MAILSIM_MRA_H

#include "mda.h"
#include "world.h"

struct mra_config {
    const char *hostname; /* for the logs and the APOP timestamp */
    uint16_t port;        /* 110 */
    bool apop;            /* offer APOP (a timestamp in the banner) */
    bool allow_user_pass; /* accept USER/PASS */
    struct mda *mda;      /* whose mailboxes are served */
    bool stls;            /* offer STLS on 110 (RFC 2595) */
    bool pop3s;           /* also serve POP3 over implicit TLS on 995 (RFC 8314) */
    /* Dovecot's auth_failure_delay: a failed login is answered this much later (Dovecot: 2 s;
     * a scenario's default). 0: at once. */
    uint64_t auth_failure_delay_us;
};

struct mra;

/* Creates the MRA and starts listening. Returns NULL when the port is taken. */
struct mra *mra_new(struct mail_world *mw, const char *id, int host, const struct mra_config *cfg);

/* POP before SMTP (DRAC, pop-before-smtp): the MRA remembers the client address of every
 * successful login. Returns true and the time of the last one from ip (the address the MRA saw,
 * a NAT's when there was one), or false when there was none. */
bool mra_last_login(const struct mra *m, uint32_t ip, uint64_t *at_us);
/* Makes the MRA the login source of an MTA's pop_before_smtp rule: each successful login is
 * then also recorded as a policy event (rule "pop_before_smtp", decision "open"). */
void mra_open_relay_windows(struct mra *m);

#endif
