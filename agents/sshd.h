/* sshd: an SSH server that allows one user's port forwarding (ssh -L 1110:localhost:110), the
 * way POP3 is protected by an SSH tunnel: the client's POP3 travels inside SSH across every
 * link, and the server forwards the channel to its own POP3 service, where it is plain text
 * again, on the host alone. */
#ifndef MAILSIM_SSHD_H
#define MAILSIM_SSHD_H

#include "world.h"

#include <stdint.h>

struct sshd_config {
    uint16_t port;       /* 22 */
    const char *user;    /* the account allowed to log in (its password from the world) */
    uint16_t allow_port; /* the one forward allowed: localhost:allow_port (110) */
};

struct sshd;

/* Creates the server and starts listening. Returns NULL when the port is taken, the user has no
 * account, or no host key can be made (err says which). */
struct sshd *sshd_new(struct mail_world *mw, const char *id, int host,
                      const struct sshd_config *cfg, char *err, size_t errlen);

#endif
