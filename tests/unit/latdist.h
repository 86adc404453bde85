/* latdist.h — latency-like distributions (ns) for the histogram's tests and benchmark:
 * tests/unit/test_hist.c checks precision on them, tests/bench/bench_hist.c times them. */
#ifndef TARE_TESTS_LATDIST_H
#define TARE_TESTS_LATDIST_H

#include <math.h>
#include <stdint.h>

#include "prng.h"

enum dist { UNIFORM, EXPONENTIAL, LOGNORMAL, BIMODAL_TAIL, NDIST };
static const char *const dist_name[NDIST] = { "uniform", "exponential", "lognormal", "bimodal+tail" };

static inline double dist_normal(struct prng *r)
{
	/* Box-Muller; 1 - u keeps log's argument in (0, 1]. */
	double u = 1 - prng_unit(r), v = prng_unit(r);
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* One value of d, clamped to [0, 1e12]: inside every layout used here, so no saturation in the
 * precision tests. */
static inline int64_t dist_draw(struct prng *r, enum dist d)
{
	double x = 0;
	switch (d) {
	case UNIFORM: /* 1 ns .. 10 ms */
		x = 1 + (double)prng_below(r, 10000000);
		break;
	case EXPONENTIAL: /* mean 100 µs */
		x = -log(1 - prng_unit(r)) * 1e5;
		break;
	case LOGNORMAL: /* median 50 µs, sigma 1 */
		x = exp(log(5e4) + dist_normal(r));
		break;
	case BIMODAL_TAIL: { /* 70% ~20 µs, 29% ~200 µs, 1% Pareto(1 ms, 1.2) tail */
		double u = prng_unit(r);
		if (u < 0.70)
			x = 2e4 + 2e3 * dist_normal(r);
		else if (u < 0.99)
			x = 2e5 + 2e4 * dist_normal(r);
		else
			x = 1e6 * pow(1 - prng_unit(r), -1 / 1.2);
		break;
	}
	default:
		break;
	}
	return x < 0 ? 0 : x > 1e12 ? (int64_t)1e12 : (int64_t)x;
}

#endif
