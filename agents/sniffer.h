/* sniffer: the eavesdropper — reads the taps a scenario puts on links (a switch's mirror port,
 * a compromised router), parses what crosses them with the sniff parsers and records every
 * finding as a "sniff" event the moment the bytes pass. It can also attack what it captured
 * offline: a dictionary attack on APOP's MD5 challenge and response. */
#ifndef MAILSIM_SNIFFER_H
#define MAILSIM_SNIFFER_H

#include "world.h"

struct sniffer_config {
    const char *const *dictionary; /* words to try against captured APOP digests */
    size_t ndictionary;
};

struct sniffer;

struct sniffer *sniffer_new(struct mail_world *mw, const char *id, int host,
                            const struct sniffer_config *cfg);

/* The tap callback: register it with sim_tap_add(..., sniffer_tap, sniffer). */
void sniffer_tap(struct sim_world *w, void *ctx, uint32_t tap, uint32_t conn, enum trace_side from,
                 const uint8_t *p, size_t n);

/* At virtual time at_us, tries every dictionary word against every APOP login captured by then:
 * a match is a "password" finding (and the word), none a "crack_failed" finding (the user). */
void sniffer_crack(struct sniffer *s, uint64_t at_us);

#endif
