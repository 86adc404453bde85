/* test_window_latency.c — per-window latency from the driver's latency-windows.hist: windows of
 * 1000 requests or more are their own groups; shorter ones merge over consecutive pairs, each
 * arm its own, until both arms hold 1000, and the group's percentiles stand on its first pair. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "hist.h"
#include "window_latency.h"

/* A file of n windows (pairs with the on window first in odd pairs), each of `each` requests:
 * off windows at 100 µs, on windows at 150 µs, but one request in each on window of pair 0 at
 * 5 ms (1 in `each`: in the p99 only where a group's 1% reaches it). */
static void write_windows(const char *path, struct window_result *w, int n, int each)
{
	FILE *f = fopen(path, "w");
	fprintf(f, "# tare windows\n");
	for (int i = 0; i < n; i++) {
		struct hist h;
		int on = (i / 2) % 2 ? i % 2 == 0 : i % 2 == 1;
		hist_init(&h, 1, 60000000000ll, 3);
		hist_record_n(&h, on ? 150000 : 100000, (uint64_t)each - (on && i < 2));
		if (on && i < 2)
			hist_record(&h, 5000000);
		w[i] = (struct window_result){ .index = i, .arm = on };
		fprintf(f, "window %d %d\n", i + 1, on);
		hist_save(&h, f);
		hist_free(&h);
	}
	fclose(f);
}

static void test_merged(void)
{
	char path[] = "/tmp/tare-wl.XXXXXX", err[512];
	struct window_result w[24];
	int fd = mkstemp(path);
	close(fd);
	/* 12 pairs of 250 requests: groups of 4 pairs (1000 a window arm), three of them */
	write_windows(path, w, 24, 250);
	CHECK(window_latency_read(path, w, 24, err, sizeof(err)) == 0, "%s", err);
	for (int i = 0; i < 24; i++) {
		int first = i % 8 < 2;
		CHECK(w[i].requests == 250, "window %d: %llu requests", i, (unsigned long long)w[i].requests);
		CHECK(w[i].latency_pairs == (first ? 4 : 0), "window %d: latency_pairs %d", i, w[i].latency_pairs);
		CHECK(first == isfinite(w[i].p99_us), "window %d: p99 %g", i, w[i].p99_us);
		if (first && i >= 8)
			CHECK(fabs(w[i].p99_us - (w[i].arm ? 150 : 100)) < 0.2, "window %d (arm %d): p99 %g", i, w[i].arm,
			      w[i].p99_us);
	}
	/* the first group's on arm: 1 request of 1000 at 5 ms, so its p99 is still 150 µs, and its
	 * p50 and p90 too; the off arm's 100 */
	for (int i = 0; i < 2; i++)
		CHECK(fabs(w[i].p99_us - (w[i].arm ? 150 : 100)) < 0.2 && fabs(w[i].p50_us - w[i].p99_us) < 0.2,
		      "window %d: p50 %g p99 %g", i, w[i].p50_us, w[i].p99_us);
	/* windows of 1000: each pair its own */
	write_windows(path, w, 6, 1000);
	CHECK(window_latency_read(path, w, 6, err, sizeof(err)) == 0, "%s", err);
	for (int i = 0; i < 6; i++)
		CHECK(w[i].latency_pairs == 1 && isfinite(w[i].p99_us), "window %d: pairs %d p99 %g", i, w[i].latency_pairs,
		      w[i].p99_us);
	/* 11 pairs of 250: the last group has 3 pairs, 750 a window arm: p90 but no p99; and a
	 * window of 249 makes its group a pair longer */
	write_windows(path, w, 22, 250);
	CHECK(window_latency_read(path, w, 22, err, sizeof(err)) == 0, "%s", err);
	CHECK(w[16].latency_pairs == 3 && isnan(w[16].p99_us) && isfinite(w[16].p90_us), "last group: pairs %d p99 %g p90 %g",
	      w[16].latency_pairs, w[16].p99_us, w[16].p90_us);
	write_windows(path, w, 22, 250);
	{
		/* window 3 (pair 1) one request short: 999 after 4 pairs, so the first group takes 5 */
		FILE *f = fopen(path, "w");
		fprintf(f, "# tare windows\n");
		for (int i = 0; i < 22; i++) {
			struct hist h;
			hist_init(&h, 1, 60000000000ll, 3);
			hist_record_n(&h, w[i].arm ? 150000 : 100000, i == 2 ? 249 : 250);
			fprintf(f, "window %d %d\n", i + 1, w[i].arm);
			hist_save(&h, f);
			hist_free(&h);
		}
		fclose(f);
	}
	CHECK(window_latency_read(path, w, 22, err, sizeof(err)) == 0, "%s", err);
	CHECK(w[0].latency_pairs == 5 && isfinite(w[0].p99_us) && w[10].latency_pairs == 4 && w[18].latency_pairs == 2,
	      "groups of %d, %d, %d pairs", w[0].latency_pairs, w[10].latency_pairs, w[18].latency_pairs);
	unlink(path);
}

/* The grouping alone, on a source of fixed counts: 300 observations a window, window i's values
 * all equal to i µs; pairs 0 and 2 not measured (skip).  Groups close at 1000 an arm: pairs 1, 3,
 * 4, 5 (pair 2 skipped: 4 measured pairs), then 6-9, then 10-11 (a last group of 2, no p99); the
 * first group's values stand on pair 1, its first measured pair. */
struct fixed {
	double n[2], max[2];
};
static int fixed_add(void *ctx, int i, int arm, char *err, size_t errlen)
{
	struct fixed *f = ctx;
	(void)err, (void)errlen;
	f->n[arm] += 300;
	f->max[arm] = i;
	return 0;
}
static double fixed_count(void *ctx, int arm) { return ((struct fixed *)ctx)->n[arm]; }
static double fixed_percentile(void *ctx, int arm, double p) { (void)p; return ((struct fixed *)ctx)->max[arm]; }
static void fixed_clear(void *ctx) { memset(ctx, 0, sizeof(struct fixed)); }

static void test_skipped_pairs(void)
{
	struct window_result w[24];
	struct fixed f;
	char skip[24] = { 0 }, err[64];
	struct window_dist d = { &f, fixed_add, fixed_count, fixed_percentile, fixed_clear, skip };
	fixed_clear(&f);
	for (int i = 0; i < 24; i++)
		w[i] = (struct window_result){ .index = i, .arm = i % 2 };
	skip[0] = skip[5] = 1;   /* pair 0 (its first window), pair 2 (its second) */
	CHECK(window_latency_group(w, 24, &d, err, sizeof(err)) == 0, "%s", err);
	CHECK(w[0].latency_pairs == 0 && isnan(w[0].p99_us), "skipped pair 0: %d %g", w[0].latency_pairs, w[0].p99_us);
	CHECK(w[2].latency_pairs == 4 && w[2].p99_us == 10 && w[3].p99_us == 11, "group 1 on pair 1: %d %g %g",
	      w[2].latency_pairs, w[2].p99_us, w[3].p99_us);
	CHECK(w[12].latency_pairs == 4 && w[12].p99_us == 18 && w[20].latency_pairs == 2 && isnan(w[20].p99_us) &&
	      isfinite(w[20].p90_us), "groups 2, 3: %d %g, %d %g", w[12].latency_pairs, w[12].p99_us, w[20].latency_pairs,
	      w[20].p99_us);
}

static void test_bad_and_missing(void)
{
	char path[] = "/tmp/tare-wl.XXXXXX", err[512] = "";
	struct window_result w[2] = { { .index = 0, .arm = 0 }, { .index = 1, .arm = 1 } };
	int fd = mkstemp(path);
	FILE *f;
	close(fd);
	f = fopen(path, "w");
	fprintf(f, "window 1 0\ntare-hist 1 1 60000000000 3 5 100 100 0\nnot a bucket\n");
	fclose(f);
	CHECK(window_latency_read(path, w, 2, err, sizeof(err)) < 0 && strstr(err, "window 1: line"), "err \"%s\"", err);
	unlink(path);
	CHECK(window_latency_read(path, w, 2, err, sizeof(err)) == 0 && isnan(w[0].p99_us) && isnan(w[1].p50_us),
	      "missing file: p99 %g", w[0].p99_us);
}

int main(void)
{
	RUN(test_merged);
	RUN(test_skipped_pairs);
	RUN(test_bad_and_missing);
	return CHECK_DONE();
}
