/* build: a world from a scenario — hosts, links, DNS records, accounts, agents and the
 * timeline — and the checks of its expect block after the run. */
#ifndef MAILSIM_BUILD_H
#define MAILSIM_BUILD_H

#include "scenario.h"
#include "world.h"

#include <stdio.h>

struct build_options {
    uint64_t seed; /* used when has_seed */
    bool has_seed;
    const char *maildir;       /* write real Maildirs under it; NULL: memory only */
    struct tls_keylog *keylog; /* handshake secrets in NSS key log format; NULL: none */
    bool no_timeline;          /* live mode: the world only, no scripted sends and fetches */
    const char *tls_name;      /* a name every server certificate also holds ("localhost") */
};

/* Builds the world into tr (which the caller initialised and owns). Returns NULL with a message
 * in err for what the parser could not know (an address outside the documentation ranges, a
 * port taken twice). The caller frees the world with mail_world_free(). */
struct mail_world *build_world(const struct scenario *sc, const struct build_options *opt,
                               struct trace *tr, char *err, size_t errlen);

/* Checks the expect block against the finished run: the counts and the world's mailboxes, then
 * the claims expect compiled into. Writes one line per failed expectation to out, naming it
 * ("expect.steps: ..."). Returns the number of failures. */
int build_check(const struct scenario *sc, const struct mail_world *mw, FILE *out);

/* Whether a run shows the attack (or legitimate use) succeeding: its succeeds_if claim holds. */
bool build_attack_succeeded(const struct scenario_attack *a, const struct trace *tr);
/* Whether some tap (tap NULL: any) recorded finding (with value, when not NULL): the sniffed
 * claim, for tests that ask it outside a scenario. */
bool build_sniffed(const struct trace *tr, const char *finding, const char *value, const char *tap);

#endif
