/* dns: the simulated resolver and authoritative data — MX and A records (TXT comes with SPF).
 * A lookup is answered at once and recorded in the trace as a dns event, so the viewer sees
 * step 4's MX query. */
#ifndef MAILSIM_DNS_H
#define MAILSIM_DNS_H

#include "world.h"

struct dns_agent;

struct dns_agent *dns_new(struct mail_world *mw, const char *id, int host);
void dns_add_mx(struct dns_agent *d, const char *domain, int preference, const char *exchange);
void dns_add_a(struct dns_agent *d, const char *name, uint32_t ip);

/* The addresses to try for mail to domain, best first, at most max. RFC 5321 §5.1: MX records
 * in order of preference; with no MX, the domain's own A record as an implicit MX. Returns the
 * number found (0: the domain cannot receive mail). asking_agent names who asked, for the
 * trace. */
size_t dns_resolve_mx(struct dns_agent *d, const char *asking_agent, const char *domain,
                      uint32_t *ips, size_t max);
/* The A record of name, for a next hop given by host name. Returns 0, or -1 when none. */
int dns_resolve_a(struct dns_agent *d, const char *asking_agent, const char *name, uint32_t *ip);

#endif
