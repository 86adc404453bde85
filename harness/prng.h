/* prng.h — xoshiro256** seeded through splitmix64 (Blackman & Vigna 2018).
 * The schedule must be reproducible from the printed seed on any machine, so tare carries its
 * own generator instead of relying on libc's rand(). */
#ifndef TARE_PRNG_H
#define TARE_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s[4];
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* Uniform in [0, bound) without modulo bias (Lemire 2019). */
uint64_t prng_below(struct prng *r, uint64_t bound);
double prng_unit(struct prng *r);     /* uniform in [0, 1) */
/* A seed for when the user gave none: time and pid mixed, never 0. */
uint64_t prng_fresh_seed(void);

#endif
