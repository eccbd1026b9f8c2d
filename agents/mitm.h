/* mitm: the man in the middle of STARTTLS stripping — a box in the path (a compromised router,
 * a "security" appliance) that deletes the STARTTLS line from a server's EHLO reply. A client
 * that uses TLS only when offered then goes on in the clear, and every tap reads the mail; a
 * client whose policy requires TLS defers the mail instead. */
#ifndef MAILSIM_MITM_H
#define MAILSIM_MITM_H

#include "world.h"

#include <stddef.h>
#include <stdint.h>

struct mitm;

/* Creates the attacker and puts it on link (sim_link_find). Returns NULL for a bad link. */
struct mitm *mitm_new(struct mail_world *mw, const char *id, int host, int link);

/* The rewrite itself, for tests: copies n bytes of an SMTP server's reply to out without any
 * "250-STARTTLS" or "250 STARTTLS" line (a final one makes the line before it the last).
 * Returns the new length, which equals n when there was nothing to strip. out holds n bytes. */
size_t mitm_strip_starttls(const uint8_t *p, size_t n, uint8_t *out);

#endif
