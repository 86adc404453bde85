/* window_latency.h — a switchback trial's latency per window, from the load driver's
 * latency-windows.hist (workloads/replay.c: each window's histogram of latencies from the
 * intended send times) or, in place, from the increases of a service's Prometheus histogram
 * (inplace.c).
 *
 * A percentile says more than the maximum only from 10/(1-p) observations on: a p99 needs 1000
 * requests.  A window that holds fewer (0.1 s windows at 2000 requests/s hold 200) is not
 * dropped: the histograms of consecutive pairs are merged, each arm's own, until both arms hold
 * 1000, and that group's p50/p90/p99 stand on its first pair (latency_pairs = the pairs merged;
 * 0 and NaN on the group's other pairs; the run's last pairs, if they never get there, are a
 * group whose percentiles are only those both arms hold enough for).  A group is still one
 * paired difference, on against off over the same stretch of the process, so the switchback
 * statistics take it as they take a pair.  Windows of 1000 requests or more are groups of one:
 * each pair its own, as always.
 */
#ifndef TARE_WINDOW_LATENCY_H
#define TARE_WINDOW_LATENCY_H

#include <stddef.h>

#include "trial_record.h"

/* A distribution per window, merged by arm: what window_latency_group needs of a source. */
struct window_dist {
	void *ctx;
	/* window i's observations into arm's accumulator (arm 0 off, 1 on): 0, or -1 with err */
	int (*add)(void *ctx, int i, int arm, char *err, size_t errlen);
	double (*count)(void *ctx, int arm);               /* observations in arm's accumulator */
	double (*percentile)(void *ctx, int arm, double p); /* its p (0..100) percentile, µs */
	void (*clear)(void *ctx);                          /* both accumulators emptied */
	const char *skip;   /* NULL, or skip[i] nonzero: window i's pair is left out (not measured) */
};

/* The percentiles and latency_pairs of w[0..n) (pairs at 2k, 2k+1) from d, grouped as above.
 * 0, or -1 with err from d->add. */
int window_latency_group(struct window_result *w, int n, const struct window_dist *d, char *err, size_t errlen);

/* The requests and percentiles of w[0..n) (pairs at positions 2k, 2k+1; a window is found by
 * its index + 1, the number the driver saw on the units page) from the file at path.  Every
 * window's percentiles are NaN first; a missing file leaves them so and returns 0.  -1 with a
 * message naming the file and window when the file is not the driver's. */
int window_latency_read(const char *path, struct window_result *w, int n, char *err, size_t errlen);

#endif
