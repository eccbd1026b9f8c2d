/* rng: the seeded random number generator every run draws from (xoshiro256** seeded through
 * splitmix64). It is passed in, never global, so the same seed gives the same run. */
#ifndef MAILSIM_RNG_H
#define MAILSIM_RNG_H

#include <stdint.h>

struct sim_rng {
    uint64_t s[4];
};

void rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t rng_next(struct sim_rng *r);
/* A value in [lo, hi], both inclusive; lo <= hi. */
uint32_t rng_range(struct sim_rng *r, uint32_t lo, uint32_t hi);

#endif
