/* bench_hist.c — what common/hist.c costs the load generator, and how close its
 * percentiles come to the truth.
 *
 * Record cost: two loops draw the same values from the same generator; one only folds them
 * into a checksum, the other records them.  The figure is the difference, per value, as the
 * median over paired runs (each pair run back to back, so drift of a shared machine hits
 * both).  Drawing is a table lookup (each distribution's quantile function at 4096 points,
 * interpolated), a few ns, so the difference is not lost in the cost of log/exp.
 *
 * Precision: a million values per distribution, hist_percentile against the exact
 * nearest-rank quantile of the sorted values.
 *
 * Only ratios and differences from this one run are judged; exit status 1 if a goal fails.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hist.h"
#include "latdist.h"
#include "prng.h"

#define N 1000000
#define RUNS 9
#define TABLE 4096
#define SIGFIGS 3
#define HIGHEST_NS INT64_C(3600000000000) /* an hour: the layout the harness uses */
#define GOAL_RECORD_NS 5.0

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* This thread's CPU time: on a shared machine a run that loses the CPU for a while is not
 * charged for the wait (it still pays for the caches the other process left cold). */
static uint64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64, inline: the generator both loops share. */
static inline uint64_t mix_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A value from the quantile table: 12 bits pick the interval, 20 more interpolate in it. */
static inline int64_t table_draw(const int64_t *q, uint64_t *s)
{
	uint64_t r = mix_next(s);
	unsigned i = (unsigned)(r >> 52);
	int64_t frac = (int64_t)((r >> 32) & 0xfffff);
	return q[i] + (((q[i + 1] - q[i]) * frac) >> 20);
}

static volatile int64_t sink;

static double baseline_ns(const int64_t *q, uint64_t seed)
{
	uint64_t s = seed;
	int64_t acc = 0;
	uint64_t t0 = clock_ns();
	for (int i = 0; i < N; i++)
		acc ^= table_draw(q, &s);
	uint64_t t1 = clock_ns();
	sink = acc;
	return (double)(t1 - t0) / N;
}

static double record_ns(struct hist *h, const int64_t *q, uint64_t seed)
{
	uint64_t s = seed;
	uint64_t t0 = clock_ns();
	for (int i = 0; i < N; i++)
		hist_record(h, table_draw(q, &s));
	uint64_t t1 = clock_ns();
	sink = (int64_t)h->total;
	return (double)(t1 - t0) / N;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *x, int n)
{
	qsort(x, (size_t)n, sizeof *x, cmp_double);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

int main(void)
{
	struct hist h;
	if (hist_init(&h, 1, HIGHEST_NS, SIGFIGS) < 0) {
		fprintf(stderr, "bench_hist: hist_init failed\n");
		return 2;
	}
	int64_t *v = malloc(N * sizeof *v);
	int64_t(*table)[TABLE + 1] = malloc(NDIST * sizeof *table);
	double err[NDIST][3];
	static const struct { uint64_t num, den; const char *name; } ps[3] = {
		{ 50, 1, "p50" }, { 99, 1, "p99" }, { 999, 10, "p99.9" },
	};
	double bound = pow(10, -SIGFIGS);
	if (!v || !table)
		return 2;

	/* Precision first; its sorted values also give the quantile tables for the timing. */
	struct prng r;
	prng_seed(&r, 20250101);
	for (int d = 0; d < NDIST; d++) {
		hist_reset(&h);
		for (int i = 0; i < N; i++) {
			v[i] = dist_draw(&r, (enum dist)d);
			hist_record(&h, v[i]);
		}
		qsort(v, N, sizeof *v, cmp_i64);
		for (int k = 0; k < 3; k++) {
			/* Nearest rank, in integers: the ceil(p/100 * N)-th smallest value. */
			uint64_t rank = (ps[k].num * N + ps[k].den * 100 - 1) / (ps[k].den * 100);
			int64_t exact = v[rank - 1];
			int64_t got = hist_percentile(&h, (double)ps[k].num / (double)ps[k].den);
			err[d][k] = exact ? (double)(got - exact) / (double)exact : (double)got;
		}
		for (int i = 0; i <= TABLE; i++)
			table[d][i] = v[(size_t)((double)i / TABLE * (N - 1))];
	}

	/* Record cost.  One untimed pass per distribution first, so page faults of the counts
	 * array are not charged to the first run. */
	double base[NDIST], with[NDIST], cost[NDIST], cost_lo[NDIST], cost_hi[NDIST];
	for (int d = 0; d < NDIST; d++) {
		double b[RUNS], w[RUNS], diff[RUNS];
		hist_reset(&h);
		record_ns(&h, table[d], 1);
		for (int run = 0; run < RUNS; run++) {
			uint64_t seed = 1000 + (uint64_t)run;
			hist_reset(&h);
			/* Alternate which loop goes first, so neither always runs warm. */
			if (run % 2) {
				w[run] = record_ns(&h, table[d], seed);
				b[run] = baseline_ns(table[d], seed);
			} else {
				b[run] = baseline_ns(table[d], seed);
				w[run] = record_ns(&h, table[d], seed);
			}
			diff[run] = w[run] - b[run];
		}
		base[d] = median(b, RUNS);
		with[d] = median(w, RUNS);
		cost[d] = median(diff, RUNS); /* sorts diff */
		cost_lo[d] = diff[0];
		cost_hi[d] = diff[RUNS - 1];
	}

	printf("bench_hist: common/hist.c, layout [1, %" PRId64 "] ns at %d digits "
	       "(%d buckets x %d sub-buckets)\n",
	       (int64_t)HIGHEST_NS, SIGFIGS, h.bucket_count, h.sub_bucket_count);
	printf("record cost: %d values a run, median of %d paired runs, ns per value of this "
	       "thread's CPU time\n", N, RUNS);
	printf("  %-14s %10s %12s %10s  %s\n", "distribution", "baseline", "with record", "record",
	       "(pairs: lowest..highest)");
	int worst_cost = 0;
	for (int d = 0; d < NDIST; d++) {
		printf("  %-14s %10.2f %12.2f %10.2f  (%.2f..%.2f)\n", dist_name[d], base[d], with[d],
		       cost[d], cost_lo[d], cost_hi[d]);
		if (cost[d] > cost[worst_cost])
			worst_cost = d;
	}
	printf("precision: %d values, (hist_percentile - exact) / exact, exact = nearest rank\n", N);
	printf("  %-14s %10s %10s %10s\n", "distribution", ps[0].name, ps[1].name, ps[2].name);
	double worst_err = 0;
	for (int d = 0; d < NDIST; d++) {
		printf("  %-14s", dist_name[d]);
		for (int k = 0; k < 3; k++) {
			printf(" %+9.4f%%", 100 * err[d][k]);
			if (fabs(err[d][k]) > fabs(worst_err))
				worst_err = err[d][k];
		}
		printf("\n");
	}
	int ok_cost = cost[worst_cost] <= GOAL_RECORD_NS;
	int ok_err = fabs(worst_err) <= bound;
	printf("%s: ≤ %.0f ns per record (worst %.2f ns, %s)\n", ok_cost ? "PASS" : "FAIL",
	       GOAL_RECORD_NS, cost[worst_cost], dist_name[worst_cost]);
	printf("%s: error within the configured precision (%d digits: ≤ %g%%; worst %+.4f%%)\n",
	       ok_err ? "PASS" : "FAIL", SIGFIGS, 100 * bound, 100 * worst_err);
	hist_free(&h);
	free(v);
	free(table);
	return ok_cost && ok_err ? 0 : 1;
}
