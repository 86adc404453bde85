/* test_hist.c — common/hist.c: layout, exact counts, merge, precision against exact sorted
 * quantiles, the .hgrm text (read back by a parser written here), save/load and its
 * validation of damaged files. */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "hist.h"
#include "latdist.h"
#include "prng.h"

#define LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define HOUR_NS INT64_C(3600000000000)

/* ------------------------------------------------------------------ helpers */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* A FILE holding exactly len bytes (NULs included), positioned at its start. */
static FILE *file_of(const char *data, size_t len)
{
	FILE *f = tmpfile();
	if (!f)
		return NULL;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return NULL;
	}
	rewind(f);
	return f;
}

/* Everything written to f, as a malloc'd NUL-terminated string. */
static char *file_text(FILE *f, size_t *len)
{
	fflush(f);
	long n = ftell(f);
	char *s = malloc(n > 0 ? (size_t)n + 1 : 1);
	rewind(f);
	size_t got = n > 0 ? fread(s, 1, (size_t)n, f) : 0;
	s[got] = '\0';
	if (len)
		*len = got;
	return s;
}

static char *hgrm_text(const struct hist *h, double scale, int ticks)
{
	FILE *f = tmpfile();
	CHECK(hist_write_hgrm(h, f, scale, ticks) == 0, "hist_write_hgrm failed");
	char *s = file_text(f, NULL);
	fclose(f);
	return s;
}

static char *save_text(const struct hist *h, size_t *len)
{
	FILE *f = tmpfile();
	CHECK(hist_save(h, f) == 0, "hist_save failed");
	char *s = file_text(f, len);
	fclose(f);
	return s;
}

/* hist_load on a string; err gets the message. */
static int load_text(struct hist *h, const char *data, size_t len, char *err, size_t errlen)
{
	FILE *f = file_of(data, len);
	int r = hist_load(h, f, err, errlen);
	fclose(f);
	return r;
}

static uint64_t counts_sum(const struct hist *h)
{
	uint64_t s = 0;
	for (int i = 0; i < h->counts_len; i++)
		s += h->counts[i];
	return s;
}

static int same_hist(const struct hist *a, const struct hist *b)
{
	return a->lowest == b->lowest && a->highest == b->highest && a->sigfigs == b->sigfigs &&
	       a->counts_len == b->counts_len && a->total == b->total &&
	       a->saturated == b->saturated && a->min == b->min && a->max == b->max &&
	       !memcmp(a->counts, b->counts, (size_t)a->counts_len * sizeof *a->counts);
}

/* ------------------------------------------------------------------ layout */

static void test_layout_matches_hdrhistogram(void)
{
	/* sub_bucket_count is the smallest power of two >= 2 * 10^sigfigs. */
	static const int want_sub[] = { 0, 32, 256, 2048, 32768, 262144 };
	for (int s = 1; s <= 5; s++) {
		struct hist h;
		CHECK(hist_init(&h, 1, HOUR_NS, s) == 0, "init sigfigs %d", s);
		CHECK(h.sub_bucket_count == want_sub[s] && h.sub_bucket_half_count == want_sub[s] / 2,
		      "sigfigs %d: sub_bucket_count %d, want %d", s, h.sub_bucket_count, want_sub[s]);
		CHECK(h.sub_bucket_half_count >= (int)pow(10, s), "half count below 10^%d", s);
		CHECK(h.min == INT64_MAX && h.max == 0 && h.total == 0, "empty state");
		hist_free(&h);
	}
	/* HdrHistogram_c's test_histogram.c: (1, 3600 * 1000 * 1000, 3) has 22 buckets and a
	 * counts array of 23552. */
	struct hist h;
	CHECK(hist_init(&h, 1, INT64_C(3600000000), 3) == 0, "init");
	CHECK(h.bucket_count == 22 && h.counts_len == 23552 && h.sub_bucket_count == 2048 &&
	      h.unit_magnitude == 0 && h.sub_bucket_half_count_magnitude == 10,
	      "buckets %d, counts_len %d, sub %d", h.bucket_count, h.counts_len, h.sub_bucket_count);
	hist_free(&h);
	/* lowest 1000: unit_magnitude floor(log2(1000)) = 9. */
	CHECK(hist_init(&h, 1000, INT64_C(3600000000), 3) == 0, "init lowest 1000");
	CHECK(h.unit_magnitude == 9 && h.sub_bucket_mask == INT64_C(2047) << 9, "unit %d",
	      h.unit_magnitude);
	hist_free(&h);
	/* The whole int64 range. */
	CHECK(hist_init(&h, 1, INT64_MAX, 3) == 0, "init to INT64_MAX");
	hist_record(&h, INT64_MAX);
	CHECK(hist_percentile(&h, 100) == INT64_MAX, "p100 = %" PRId64, hist_percentile(&h, 100));
	CHECK(hist_highest_equivalent(&h, INT64_MAX) == INT64_MAX, "no overflow at the top");
	hist_free(&h);
}

static void test_init_rejects_bad_arguments(void)
{
	struct hist h;
	const struct { int64_t lo, hi; int s; } bad[] = {
		{ 0, 1000, 3 }, { -1, 1000, 3 }, { 1, 1000, 0 }, { 1, 1000, 6 },
		{ 10, 19, 3 }, { 1, 1, 2 }, { INT64_MAX / 2 + 1, INT64_MAX, 3 },
		{ INT64_C(1) << 60, INT64_MAX, 3 },
	};
	for (int i = 0; i < LEN(bad); i++) {
		CHECK(hist_init(&h, bad[i].lo, bad[i].hi, bad[i].s) == -1,
		      "accepted (%" PRId64 ", %" PRId64 ", %d)", bad[i].lo, bad[i].hi, bad[i].s);
		CHECK(h.counts == NULL, "left memory behind");
		hist_free(&h); /* safe after a failed init */
	}
	CHECK(hist_init(&h, 10, 20, 3) == 0, "highest = 2 * lowest is the smallest valid");
	hist_free(&h);
	hist_free(&h); /* and twice */
}

/* Equivalent ranges tile the values, have power-of-two widths, and the width is within the
 * precision: below 10^-sigfigs of the range's low end once past the linear region. */
static void test_equivalent_ranges(void)
{
	struct hist h;
	const struct { int64_t lowest; int s; } lay[] = { { 1, 3 }, { 1, 1 }, { 1000, 2 }, { 7, 4 } };
	for (int l = 0; l < LEN(lay) && !check_failed_here; l++) {
		hist_init(&h, lay[l].lowest, HOUR_NS, lay[l].s);
		int64_t linear_top = (int64_t)h.sub_bucket_half_count << h.unit_magnitude;
		int64_t v = 0;
		while (v < INT64_C(100000000000) && !check_failed_here) {
			int64_t lo = hist_lowest_equivalent(&h, v), hi = hist_highest_equivalent(&h, v);
			int64_t w = hi - lo + 1;
			CHECK(lo == v, "ranges do not tile: lowest_equivalent(%" PRId64 ") = %" PRId64, v,
			      lo);
			CHECK((w & (w - 1)) == 0, "width %" PRId64 " at %" PRId64, w, v);
			CHECK(hist_lowest_equivalent(&h, hi) == lo && hist_highest_equivalent(&h, lo) == hi,
			      "range of %" PRId64 " not closed", v);
			if (lo >= linear_top)
				CHECK((double)(w - 1) / (double)lo < pow(10, -lay[l].s),
				      "width %" PRId64 " at %" PRId64 " beyond 10^-%d", w, lo, lay[l].s);
			else
				CHECK(w == INT64_C(1) << h.unit_magnitude && w <= lay[l].lowest,
				      "linear width %" PRId64, w);
			/* Skip ahead through large values: step by the range, sometimes many. */
			v = hi + 1 + (v > 100000 ? (hi - lo + 1) * (int64_t)(v / 100000) : 0);
			v = hist_lowest_equivalent(&h, v);
		}
		hist_free(&h);
	}
	/* Known points (lowest 1, 3 digits): exact below 2048, then widths 2, 4, 8, ... */
	hist_init(&h, 1, HOUR_NS, 3);
	CHECK(hist_lowest_equivalent(&h, 2047) == 2047 && hist_highest_equivalent(&h, 2047) == 2047,
	      "2047 exact");
	CHECK(hist_lowest_equivalent(&h, 2049) == 2048 && hist_highest_equivalent(&h, 2048) == 2049,
	      "[2048, 2049]");
	CHECK(hist_lowest_equivalent(&h, 10007) == 10000 && hist_highest_equivalent(&h, 10000) == 10007,
	      "[10000, 10007]");
	CHECK(hist_lowest_equivalent(&h, -5) == 0, "negative as 0");
	hist_free(&h);
}

/* ------------------------------------------------------------------ recording */

static void test_exact_counts(void)
{
	struct hist h;
	hist_init(&h, 1, HOUR_NS, 3);
	hist_record_n(&h, 10, 5);
	for (int i = 0; i < 3; i++)
		hist_record(&h, 20);
	hist_record_n(&h, 30, 2);
	CHECK(h.total == 10 && counts_sum(&h) == 10 && h.min == 10 && h.max == 30,
	      "total %" PRIu64 " min %" PRId64 " max %" PRId64, h.total, h.min, h.max);
	int nonzero = 0;
	for (int i = 0; i < h.counts_len; i++)
		nonzero += h.counts[i] != 0;
	CHECK(nonzero == 3, "%d buckets used", nonzero);
	/* Nearest rank: the smallest value with at least p% of the values at or below it. */
	const struct { double p; int64_t want; } q[] = {
		{ 0, 10 }, { 1, 10 }, { 50, 10 }, { 50.0001, 20 }, { 51, 20 }, { 80, 20 },
		{ 80.5, 30 }, { 90, 30 }, { 100, 30 }, { 250, 30 }, { -3, 10 }, { NAN, 10 },
	};
	for (int i = 0; i < LEN(q); i++)
		CHECK(hist_percentile(&h, q[i].p) == q[i].want, "p%g = %" PRId64 ", want %" PRId64,
		      q[i].p, hist_percentile(&h, q[i].p), q[i].want);
	CHECK_NEAR(hist_mean(&h), (5 * 10 + 3 * 20 + 2 * 30) / 10.0, 1e-12);
	CHECK_NEAR(hist_stddev(&h), sqrt((5 * 49 + 3 * 9 + 2 * 169) / 10.0), 1e-12);

	/* n = 0 records nothing, min and max included. */
	hist_record_n(&h, 1, 0);
	hist_record_n(&h, 99999, 0);
	CHECK(h.total == 10 && h.min == 10 && h.max == 30, "record_n(…, 0) changed something");

	/* Past the linear range values share ranges: 1e6 lies in [2^19, 2^20), where a range is
	 * 2^(19-10) = 512 wide, so 1000000 and 1000100 fall together and 1000600 apart. */
	hist_reset(&h);
	CHECK(h.total == 0 && counts_sum(&h) == 0 && h.min == INT64_MAX && h.max == 0, "reset");
	hist_record(&h, 1000000);
	hist_record(&h, 1000100);
	hist_record(&h, 1000600);
	int64_t lo = hist_lowest_equivalent(&h, 1000000);
	CHECK(hist_highest_equivalent(&h, 1000000) - lo == 511, "width 512 near 1e6");
	CHECK(hist_percentile(&h, 60) == lo + 511, "two values share the first range");
	CHECK(h.min == 1000000 && h.max == 1000600, "min/max exact, not bucketed");
	hist_free(&h);
}

static void test_negative_and_zero(void)
{
	struct hist h;
	hist_init(&h, 1, 1000000, 3);
	hist_record(&h, -5);
	hist_record(&h, INT64_MIN);
	CHECK(h.total == 2 && h.min == 0 && h.max == 0 && h.counts[0] == 2,
	      "negatives are recorded as 0");
	CHECK(hist_percentile(&h, 50) == 0 && hist_percentile(&h, 100) == 0, "p of zeros");
	CHECK(hist_mean(&h) == 0 && hist_stddev(&h) == 0, "mean/stddev of zeros");
	hist_free(&h);

	/* With lowest 1000 the first range is [0, 511]: 0 reads back as its top, 511. */
	hist_init(&h, 1000, HOUR_NS, 3);
	hist_record(&h, 0);
	CHECK(hist_percentile(&h, 50) == 511 && hist_percentile(&h, 0) == 0,
	      "p50 %" PRId64 ", p0 %" PRId64, hist_percentile(&h, 50), hist_percentile(&h, 0));
	CHECK(h.min == 0 && h.max == 0, "min/max 0");
	hist_free(&h);
}

static void test_single_value(void)
{
	struct hist h;
	hist_init(&h, 1, HOUR_NS, 3);
	hist_record(&h, 123456);
	int64_t lo = hist_lowest_equivalent(&h, 123456), hi = hist_highest_equivalent(&h, 123456);
	CHECK(lo <= 123456 && 123456 <= hi && hi - lo == 63, "range [%" PRId64 ", %" PRId64 "]", lo,
	      hi);
	const double ps[] = { 0.001, 1, 50, 99.999, 100 };
	for (int i = 0; i < LEN(ps); i++)
		CHECK(hist_percentile(&h, ps[i]) == hi, "p%g = %" PRId64, ps[i],
		      hist_percentile(&h, ps[i]));
	CHECK(hist_percentile(&h, 0) == lo, "p0 is the low end, as HdrHistogram");
	CHECK(hist_mean(&h) == (double)(lo + 32) && hist_stddev(&h) == 0, "mean %g",
	      hist_mean(&h));
	CHECK(h.min == 123456 && h.max == 123456, "min/max exact");
	hist_free(&h);
}

static void test_empty(void)
{
	struct hist h;
	hist_init(&h, 1, HOUR_NS, 3);
	CHECK(hist_percentile(&h, 50) == 0 && hist_percentile(&h, 0) == 0 &&
	      hist_percentile(&h, 100) == 0, "percentiles of nothing are 0");
	CHECK(hist_mean(&h) == 0 && hist_stddev(&h) == 0, "mean/stddev of nothing are 0");
	char *s = hgrm_text(&h, 1000, 5);
	const char *want = "       Value     Percentile TotalCount 1/(1-Percentile)\n"
			   "\n"
			   "#[Mean    =        0.000, StdDeviation   =        0.000]\n"
			   "#[Max     =        0.000, Total count    =            0]\n"
			   "#[Buckets =           32, SubBuckets     =         2048]\n";
	CHECK(!strcmp(s, want), "empty .hgrm:\n%s", s);
	free(s);
	struct hist e;
	hist_init(&e, 1, HOUR_NS, 3);
	CHECK(hist_merge(&h, &e) == 0 && h.total == 0 && h.min == INT64_MAX, "merge of empties");
	hist_free(&e);
	hist_free(&h);
}

static void test_saturation(void)
{
	struct hist h;
	hist_init(&h, 1, 1000, 3);
	hist_record(&h, 999);
	hist_record(&h, 1000);
	hist_record(&h, 5000);
	hist_record_n(&h, INT64_MAX, 3);
	CHECK(h.total == 6 && h.saturated == 4, "total %" PRIu64 ", saturated %" PRIu64, h.total,
	      h.saturated);
	CHECK(h.max == INT64_MAX && h.min == 999, "max is the exact value before clamping");
	/* highest 1000 < 2048: the layout is all linear range, where index = value. */
	CHECK(h.counts[1000] == 5, "clamped values counted at highest");
	CHECK(hist_percentile(&h, 100) == hist_highest_equivalent(&h, 1000), "p100 at highest");
	CHECK(hist_percentile(&h, 10) == 999, "p10");
	hist_free(&h);

	/* Only values above highest: min is still the exact smallest of them. */
	hist_init(&h, 1, 1000, 3);
	hist_record(&h, 7000);
	hist_record(&h, 5000);
	CHECK(h.min == 5000 && h.max == 7000 && h.saturated == 2, "min %" PRId64, h.min);
	hist_free(&h);
}

/* ------------------------------------------------------------------ merge */

static void test_merge_equals_recording_everything(void)
{
	struct prng r;
	prng_seed(&r, 42);
	for (int d = 0; d < NDIST && !check_failed_here; d++) {
		struct hist a, b, c, all;
		hist_init(&a, 1, INT64_C(100000000000), 3); /* 100 s: the scaled tail saturates */
		hist_init(&b, 1, INT64_C(100000000000), 3);
		hist_init(&c, 1, INT64_C(100000000000), 3);
		hist_init(&all, 1, INT64_C(100000000000), 3);
		for (int i = 0; i < 30000; i++) {
			int64_t v = dist_draw(&r, (enum dist)d) * (d == BIMODAL_TAIL ? 100000 : 1);
			struct hist *part = i % 3 == 0 ? &a : i % 3 == 1 ? &b : &c;
			hist_record(part, v);
			hist_record(&all, v);
		}
		CHECK(hist_merge(&a, &b) == 0 && hist_merge(&a, &c) == 0, "merge failed");
		CHECK(same_hist(&a, &all), "%s: merged != recorded at once", dist_name[d]);
		if (d == BIMODAL_TAIL)
			CHECK(all.saturated > 0, "the scaled tail should saturate");
		hist_free(&a), hist_free(&b), hist_free(&c), hist_free(&all);
	}
}

static void test_merge_different_layouts(void)
{
	struct prng r;
	prng_seed(&r, 7);
	struct hist fine, coarse, dst, exact;
	hist_init(&fine, 1, HOUR_NS, 4);
	hist_init(&coarse, 1, HOUR_NS, 2);
	hist_init(&dst, 1, HOUR_NS, 3);
	int n = 20000;
	int64_t *v = malloc((size_t)n * sizeof *v);
	for (int i = 0; i < n; i++) {
		v[i] = dist_draw(&r, LOGNORMAL);
		hist_record(i % 2 ? &fine : &coarse, v[i]);
	}
	CHECK(hist_merge(&dst, &fine) == 0 && hist_merge(&dst, &coarse) == 0, "merge failed");
	CHECK(dst.total == (uint64_t)n && counts_sum(&dst) == (uint64_t)n, "total %" PRIu64,
	      dst.total);
	qsort(v, (size_t)n, sizeof *v, cmp_i64);
	CHECK(dst.min == v[0] && dst.max == v[n - 1], "min/max exact through a merge");
	/* Each value moved at most half a coarse range, then is read back at most a dst range
	 * high: within 10^-2 / 2 + 10^-3 of the exact quantile. */
	const double ps[] = { 1, 10, 50, 90, 99, 99.9 };
	for (int i = 0; i < LEN(ps); i++) {
		int64_t x = v[llround(ps[i] / 100 * n) - 1], got = hist_percentile(&dst, ps[i]);
		CHECK(fabs((double)(got - x)) <= x * (0.005 + 0.001) + 1, "p%g = %" PRId64 ", exact %" PRId64,
		      ps[i], got, x);
	}
	/* A src range lands at its middle (kept within src's min and max): 993 and 1020 share
	 * [992, 1023] at 1 digit, whose middle is 1008, exact in a 3-digit dst. */
	struct hist one, three;
	hist_init(&one, 1, HOUR_NS, 1);
	hist_init(&three, 1, HOUR_NS, 3);
	hist_record(&one, 993);
	hist_record(&one, 1020);
	CHECK(hist_merge(&three, &one) == 0 && hist_percentile(&three, 1) == 1008 &&
	      hist_percentile(&three, 100) == 1008 && three.min == 993 && three.max == 1020,
	      "p1 %" PRId64, hist_percentile(&three, 1));
	hist_free(&one), hist_free(&three);

	/* A src holding a value beyond dst's highest is refused, dst unchanged. */
	struct hist small, big;
	hist_init(&small, 1, 1000000, 3);
	hist_init(&big, 1, HOUR_NS, 2);
	hist_record(&small, 5);
	hist_record(&big, 5000000);
	size_t len0, len1;
	char *before = save_text(&small, &len0);
	CHECK(hist_merge(&small, &big) == -1, "merge of a too-large value accepted");
	char *after = save_text(&small, &len1);
	CHECK(len0 == len1 && !memcmp(before, after, len0), "refused merge changed dst");
	free(before), free(after);
	/* Saturated values of a src are known only as <= its max: they land there. */
	hist_init(&exact, 1, 10000, 3);
	hist_record(&exact, 9000);
	hist_record_n(&exact, 12345, 2); /* saturated in exact */
	hist_reset(&big);
	CHECK(hist_merge(&big, &exact) == 0 && big.saturated == 0 && big.total == 3,
	      "merge into a wider layout");
	CHECK(hist_percentile(&big, 100) == hist_highest_equivalent(&big, 12345) &&
	      hist_percentile(&big, 30) == hist_highest_equivalent(&big, 9000), "placement");
	hist_free(&exact), hist_free(&small), hist_free(&big);
	hist_free(&fine), hist_free(&coarse), hist_free(&dst);
	free(v);
}

/* ------------------------------------------------------------------ precision */

/* The guarantee, for p in (0, 100] and n values none above highest: let x be the exact
 * nearest-rank quantile, the k-th smallest value with k = max(1, ceil(p/100 * n)).  Then
 * hist_percentile(p) = highest_equivalent(x), so
 *     0 <= hist_percentile(p) - x < x / sub_bucket_half_count <= x * 10^-sigfigs
 * for x >= sub_bucket_half_count << unit_magnitude, and < 2^unit_magnitude <= lowest below
 * (exact there when lowest = 1). */
static void check_precision(const char *what, const struct hist *h, const int64_t *sorted,
			    uint64_t n)
{
	/* p as num/den percent, so the exact rank is computed in integers. */
	const struct { uint64_t num, den; } ps[] = {
		{ 1, 1000 }, { 1, 1 }, { 10, 1 }, { 25, 1 }, { 50, 1 }, { 75, 1 }, { 90, 1 },
		{ 99, 1 }, { 999, 10 }, { 9999, 100 }, { 99999, 1000 }, { 100, 1 }, { 875, 10 },
		{ 996875, 10000 },
	};
	double bound = pow(10, -h->sigfigs);
	int64_t linear_top = (int64_t)h->sub_bucket_half_count << h->unit_magnitude;
	for (int i = 0; i < LEN(ps) && !check_failed_here; i++) {
		double p = (double)ps[i].num / (double)ps[i].den;
		uint64_t k = (ps[i].num * n + ps[i].den * 100 - 1) / (ps[i].den * 100);
		int64_t x = sorted[(k ? k : 1) - 1], got = hist_percentile(h, p);
		CHECK(got == hist_highest_equivalent(h, x),
		      "%s: p%g = %" PRId64 ", want highest_equivalent(%" PRId64 ") = %" PRId64, what, p,
		      got, x, hist_highest_equivalent(h, x));
		CHECK(got >= x, "%s: p%g = %" PRId64 " below the exact %" PRId64, what, p, got, x);
		if (x >= linear_top)
			CHECK((double)(got - x) / (double)x <= bound,
			      "%s: p%g relative error %.3g > %g", what, p, (double)(got - x) / x, bound);
		else
			CHECK(got - x < (INT64_C(1) << h->unit_magnitude) && got - x < h->lowest,
			      "%s: p%g abs error %" PRId64 " in the linear range", what, p, got - x);
	}
}

static void test_precision_vs_exact_quantiles(void)
{
	const struct { int64_t lowest; int sigfigs; } lay[] = {
		{ 1, 1 }, { 1, 2 }, { 1, 3 }, { 1, 4 }, { 1, 5 }, { 1000, 3 }, { 100, 2 },
	};
	enum { N = 100000 };
	int64_t *v = malloc(N * sizeof *v);
	struct prng r;
	prng_seed(&r, 20240601);
	for (int d = 0; d < NDIST && !check_failed_here; d++) {
		for (int i = 0; i < N; i++)
			v[i] = dist_draw(&r, (enum dist)d);
		for (int l = 0; l < LEN(lay) && !check_failed_here; l++) {
			struct hist h;
			CHECK(hist_init(&h, lay[l].lowest, HOUR_NS, lay[l].sigfigs) == 0, "init");
			for (int i = 0; i < N; i++)
				hist_record(&h, v[i]);
			if (l == 0)
				qsort(v, N, sizeof *v, cmp_i64);
			char what[64];
			snprintf(what, sizeof what, "%s, lowest %" PRId64 ", %d digits", dist_name[d],
				 lay[l].lowest, lay[l].sigfigs);
			check_precision(what, &h, v, N);
			CHECK(h.min == v[0] && h.max == v[N - 1], "%s: min/max", what);
			/* The mean from range middles is within half a range of each value. */
			double exact_mean = 0;
			for (int i = 0; i < N; i++)
				exact_mean += (double)v[i] / N;
			CHECK(fabs(hist_mean(&h) - exact_mean) <=
				      exact_mean * pow(10, -lay[l].sigfigs) / 2 + lay[l].lowest,
			      "%s: mean %g, exact %g", what, hist_mean(&h), exact_mean);
			hist_free(&h);
		}
	}
	free(v);
}

/* ------------------------------------------------------------------ .hgrm */

/* HdrHistogram's output for 1, 2, 3, 4 (values unscaled), worked by hand from its
 * percentile iterator — ticks of 10% up to 50%, 5% to 75%, 2.5% beyond; one row at the
 * last bucket, then the 100% row — and the same as HdrHistogram Java prints. */
static void test_hgrm_golden(void)
{
	struct hist h;
	hist_init(&h, 1, 1000, 3);
	for (int v = 1; v <= 4; v++)
		hist_record(&h, v);
	char *s = hgrm_text(&h, 1, 5);
	const char *want =
		"       Value     Percentile TotalCount 1/(1-Percentile)\n"
		"\n"
		"       1.000 0.000000000000          1           1.00\n"
		"       1.000 0.100000000000          1           1.11\n"
		"       1.000 0.200000000000          1           1.25\n"
		"       2.000 0.300000000000          2           1.43\n"
		"       2.000 0.400000000000          2           1.67\n"
		"       2.000 0.500000000000          2           2.00\n"
		"       3.000 0.550000000000          3           2.22\n"
		"       3.000 0.600000000000          3           2.50\n"
		"       3.000 0.650000000000          3           2.86\n"
		"       3.000 0.700000000000          3           3.33\n"
		"       3.000 0.750000000000          3           4.00\n"
		"       4.000 0.775000000000          4           4.44\n"
		"       4.000 1.000000000000          4\n"
		"#[Mean    =        2.500, StdDeviation   =        1.118]\n"
		"#[Max     =        4.000, Total count    =            4]\n"
		"#[Buckets =            1, SubBuckets     =         2048]\n";
	CHECK(!strcmp(s, want), "got:\n%s", s);
	free(s);
	FILE *f = tmpfile();
	CHECK(hist_write_hgrm(&h, f, 0, 5) == -1 && hist_write_hgrm(&h, f, NAN, 5) == -1 &&
	      hist_write_hgrm(&h, f, 1, 0) == -1, "bad scale or ticks accepted");
	fclose(f);
	hist_free(&h);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

/* Against HdrHistogram itself: the text Java's Histogram(1, 3600e9, 3)
 * .outputPercentileDistribution(out, 5, 1000.0) prints (libhdrhistogram-java 2.1.11) for
 * 1^2, 2^2, ..., 50000^2, as FNV-1a of the whole text plus lines worth reading.  Java rounds
 * %f half up from the shortest decimal: 0.9997802734375 prints as ...438 (C: ...437), and
 * with 2 digits 1/8 prints as 0.13. */
static void test_hgrm_matches_hdrhistogram_java(void)
{
	struct hist h;
	hist_init(&h, 1, HOUR_NS, 3);
	for (int64_t i = 1; i <= 50000; i++)
		hist_record(&h, i * i);
	char *s = hgrm_text(&h, 1000, 5);
	const char *lines[] = {
		"       Value     Percentile TotalCount 1/(1-Percentile)\n\n",
		"\n  100007.935 0.200000000000      10000           1.25\n",
		"\n 2499805.183 0.999780273438      49998        4551.11\n",
		"\n 2501902.335 1.000000000000      50000\n"
		"#[Mean    =   833358.667, StdDeviation   =   745370.120]\n"
		"#[Max     =  2501902.335, Total count    =        50000]\n"
		"#[Buckets =           32, SubBuckets     =         2048]\n",
	};
	for (int i = 0; i < LEN(lines); i++)
		CHECK(strstr(s, lines[i]), "missing line(s):\n%s", lines[i]);
	CHECK(strlen(s) == 4317 && fnv1a(s) == UINT64_C(0xeef97a3123ee990c),
	      "%zu bytes, FNV-1a %016" PRIx64 "; want 4317, eef97a3123ee990c", strlen(s), fnv1a(s));
	free(s);
	hist_free(&h);

	hist_init(&h, 1, 1000, 2);
	hist_record(&h, 1);
	hist_record(&h, 3);
	hist_record(&h, 5);
	s = hgrm_text(&h, 8, 5);
	const char *want = "       Value     Percentile TotalCount 1/(1-Percentile)\n"
			   "\n"
			   "        0.13 0.000000000000          1           1.00\n"
			   "        0.13 0.100000000000          1           1.11\n"
			   "        0.13 0.200000000000          1           1.25\n"
			   "        0.13 0.300000000000          1           1.43\n"
			   "        0.38 0.400000000000          2           1.67\n"
			   "        0.38 0.500000000000          2           2.00\n"
			   "        0.38 0.550000000000          2           2.22\n"
			   "        0.38 0.600000000000          2           2.50\n"
			   "        0.38 0.650000000000          2           2.86\n"
			   "        0.63 0.700000000000          3           3.33\n"
			   "        0.63 1.000000000000          3\n"
			   "#[Mean    =         0.38, StdDeviation   =         0.20]\n"
			   "#[Max     =         0.63, Total count    =            3]\n"
			   "#[Buckets =            3, SubBuckets     =          256]\n";
	CHECK(!strcmp(s, want), "got:\n%s", s);
	free(s);
	hist_free(&h);
}

struct hgrm_row {
	double value, pct, inv;
	uint64_t count;
	int last;
};

struct hgrm {
	struct hgrm_row *rows;
	int n;
	double mean, stddev, max;
	uint64_t total;
	int buckets, sub_buckets;
};

/* A reader for the percentile text as HdrHistogram's plotters see it: the header, a blank
 * line, rows of four numbers, a last row of three, the three footer lines.  0, or -1 with
 * the reason in why. */
static int hgrm_parse(const char *text, struct hgrm *g, char *why, size_t whylen)
{
	memset(g, 0, sizeof *g);
	const char *header = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
	if (strncmp(text, header, strlen(header)) != 0)
		return snprintf(why, whylen, "bad header"), -1;
	const char *p = text + strlen(header);
	int cap = 16, footer = 0;
	g->rows = malloc((size_t)cap * sizeof *g->rows);
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return snprintf(why, whylen, "no newline at the end"), -1;
		char line[256];
		size_t len = (size_t)(nl - p);
		if (len >= sizeof line)
			return snprintf(why, whylen, "line too long"), -1;
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl + 1;
		if (line[0] == '#') {
			int ok = 0;
			if (footer == 0)
				ok = sscanf(line, "#[Mean    = %lf, StdDeviation   = %lf]", &g->mean,
					    &g->stddev) == 2;
			else if (footer == 1)
				ok = sscanf(line, "#[Max     = %lf, Total count    = %" SCNu64 "]",
					    &g->max, &g->total) == 2;
			else if (footer == 2)
				ok = sscanf(line, "#[Buckets = %d, SubBuckets     = %d]", &g->buckets,
					    &g->sub_buckets) == 2;
			if (!ok)
				return snprintf(why, whylen, "bad footer line '%s'", line), -1;
			footer++;
			continue;
		}
		if (footer)
			return snprintf(why, whylen, "row after the footer"), -1;
		if (g->n && g->rows[g->n - 1].last)
			return snprintf(why, whylen, "row after the 100%% row"), -1;
		if (g->n == cap)
			g->rows = realloc(g->rows, (size_t)(cap *= 2) * sizeof *g->rows);
		struct hgrm_row *r = &g->rows[g->n++];
		/* Fixed columns (%12 %14 %10 %14), the value's widening past 12 characters
		 * (large values) pushing the rest right. */
		int end = 0, vend = 0;
		sscanf(line, "%*f%n", &vend);
		size_t vwidth = vend > 12 ? (size_t)vend : 12;
		int got = sscanf(line, "%lf %lf %" SCNu64 " %lf%n", &r->value, &r->pct, &r->count,
				 &r->inv, &end);
		if (got == 4 && line[end] == '\0' && len == vwidth + 41) {
			r->last = 0;
		} else if (sscanf(line, "%lf %lf %" SCNu64 "%n", &r->value, &r->pct, &r->count,
				  &end) == 3 && line[end] == '\0' && len == vwidth + 26) {
			r->last = 1;
		} else {
			return snprintf(why, whylen, "bad row '%s'", line), -1;
		}
	}
	if (footer != 3)
		return snprintf(why, whylen, "%d footer lines", footer), -1;
	return 0;
}

static void check_hgrm(const char *what, const struct hist *h, double scale, int ticks)
{
	char *text = hgrm_text(h, scale, ticks);
	struct hgrm g;
	char why[300] = "";
	int r = hgrm_parse(text, &g, why, sizeof why);
	CHECK(r == 0, "%s: %s", what, why);
	if (r == 0) {
		double unit = pow(10, -h->sigfigs); /* the printed resolution of values */
		CHECK(g.n >= 2 && g.rows[g.n - 1].last, "%s: %d rows, no 100%% row", what, g.n);
		for (int i = 0; i < g.n && !check_failed_here; i++) {
			struct hgrm_row *row = &g.rows[i];
			if (i) {
				struct hgrm_row *prev = &g.rows[i - 1];
				CHECK(row->pct > prev->pct && row->value >= prev->value &&
				      row->count >= prev->count,
				      "%s: row %d not monotonic", what, i);
			}
			if (!row->last) {
				CHECK(fabs(row->inv - 1 / (1 - row->pct)) <= 0.005 + 1e-9 * row->inv,
				      "%s: row %d: 1/(1-p) %g for p %g", what, i, row->inv, row->pct);
				/* Each row is the value at its level, by hist_percentile (whose p0 is
				 * the low end of the range where the rows print its high end). */
				int64_t at = hist_percentile(h, row->pct * 100);
				double want = (double)hist_highest_equivalent(h, at) / scale;
				CHECK(fabs(row->value - want) <= unit / 2 + 1e-9 * want,
				      "%s: row %d (p %.12f): %f, hist_percentile says %f", what, i,
				      row->pct, row->value, want);
				CHECK((double)row->count >= row->pct * (double)h->total * (1 - 1e-12),
				      "%s: row %d count %" PRIu64 " below p %f", what, i, row->count,
				      row->pct);
			}
		}
		struct hgrm_row *lastrow = &g.rows[g.n - 1];
		CHECK(lastrow->pct == 1.0 && lastrow->count == h->total && g.total == h->total,
		      "%s: final row %f %" PRIu64 ", footer total %" PRIu64, what, lastrow->pct,
		      lastrow->count, g.total);
		CHECK(g.max == lastrow->value, "%s: Max %f != last row %f", what, g.max,
		      lastrow->value);
		int64_t held = h->max < h->highest ? h->max : h->highest;
		CHECK(fabs(g.max - (double)hist_highest_equivalent(h, held) / scale) <= unit / 2,
		      "%s: Max %f", what, g.max);
		CHECK(fabs(g.mean - hist_mean(h) / scale) <= unit / 2 + 1e-12 * g.mean &&
			      fabs(g.stddev - hist_stddev(h) / scale) <= unit / 2 + 1e-12 * g.stddev,
		      "%s: Mean %f / StdDeviation %f", what, g.mean, g.stddev);
		CHECK(g.buckets == h->bucket_count && g.sub_buckets == h->sub_bucket_count,
		      "%s: Buckets %d, SubBuckets %d", what, g.buckets, g.sub_buckets);
	}
	free(g.rows);
	free(text);
}

static void test_hgrm_round_trip(void)
{
	struct prng r;
	prng_seed(&r, 99);
	for (int d = 0; d < NDIST && !check_failed_here; d++) {
		struct hist h;
		hist_init(&h, 1, HOUR_NS, 3);
		double exact_mean = 0;
		int n = 50000;
		for (int i = 0; i < n; i++) {
			int64_t v = dist_draw(&r, (enum dist)d);
			exact_mean += (double)v / n;
			hist_record(&h, v);
		}
		char what[64];
		snprintf(what, sizeof what, "%s", dist_name[d]);
		check_hgrm(what, &h, 1000, 5);
		check_hgrm(what, &h, 1, 1);
		check_hgrm(what, &h, 1e6, 10);
		CHECK(fabs(hist_mean(&h) - exact_mean) <= exact_mean * 1e-3, "%s: mean %g vs %g",
		      dist_name[d], hist_mean(&h), exact_mean);
		hist_free(&h);
	}
	struct hist h;
	hist_init(&h, 1, HOUR_NS, 2);
	hist_record(&h, 777);
	check_hgrm("single value", &h, 1000, 5);
	hist_free(&h);

	/* A count so large that 100 * cum / total rounds to 100 before the last bucket: the
	 * level's step vanishes in rounding, and the output must still end. */
	hist_init(&h, 1, HOUR_NS, 2);
	hist_record_n(&h, 10, UINT64_C(1) << 62);
	hist_record(&h, 20);
	char *text = hgrm_text(&h, 1, 5);
	int lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	CHECK(lines < 1000 && strstr(text, "      20.00 1.000000000000 4611686018427387905\n#[Mean"),
	      "%d lines, ending:\n%s", lines, text + (strlen(text) > 400 ? strlen(text) - 400 : 0));
	free(text);
	hist_free(&h);
}

/* ------------------------------------------------------------------ save / load */

static void test_save_load_round_trip(void)
{
	struct prng r;
	prng_seed(&r, 5);
	struct hist h, back;
	hist_init(&h, 3, 100000000, 2);
	for (int i = 0; i < 20000; i++)
		hist_record(&h, dist_draw(&r, (enum dist)(i % NDIST)));
	hist_record(&h, INT64_C(500000000)); /* saturated, as some of the tail */
	size_t len, len2;
	char *s = save_text(&h, &len);
	char err[200] = "";
	CHECK(!strncmp(s, "tare-hist 1 3 100000000 2 20001 ", 32), "header: %.60s", s);
	CHECK(load_text(&back, s, len, err, sizeof err) == 0, "load: %s", err);
	CHECK(same_hist(&h, &back), "loaded != saved");
	char *s2 = save_text(&back, &len2);
	CHECK(len == len2 && !memcmp(s, s2, len), "save(load(save(h))) != save(h)");
	free(s2);
	hist_free(&back);
	free(s);

	/* Empty histogram: MIN MAX written as 0 0, the sentinels restored on load. */
	hist_reset(&h);
	s = save_text(&h, &len);
	CHECK(!strcmp(s, "tare-hist 1 3 100000000 2 0 0 0 0\n"), "empty: '%s'", s);
	CHECK(load_text(&back, s, len, err, sizeof err) == 0 && same_hist(&h, &back),
	      "empty round trip: %s", err);
	hist_free(&back);
	free(s);

	/* CRLF line ends (a file that went through Windows) still load. */
	const char *crlf = "tare-hist 1 1 1000 3 2 5 5 0\r\n5 2\r\n";
	CHECK(load_text(&back, crlf, strlen(crlf), err, sizeof err) == 0 && back.total == 2,
	      "CRLF: %s", err);
	hist_free(&back);
	hist_free(&h);
}

static void test_load_rejects_bad_files(void)
{
	/* A valid file to damage: 1 1000 3 with values 5, 5, 7 and 2000 (saturated). */
	static const struct {
		const char *text;
		const char *want; /* the start of the message */
	} bad[] = {
		{ "", "line 1: empty file" },
		{ "hello world\n", "line 1: not a tare-hist file" },
		{ "tare-histogram 1 1 1000 3 0 0 0 0\n", "line 1: not a tare-hist file" },
		{ "tare-hist 2 1 1000 3 0 0 0 0\n", "line 1: format version 2" },
		{ "tare-hist 1 1 1000 3 0 0 0\n", "line 1: want" },
		{ "tare-hist 1 1 1000 3 0 0 0 0 0\n", "line 1: want" },
		{ "tare-hist 1 1 1000 3 0 0 0 0 x\n", "line 1: want" },
		{ "tare-hist 1 -1 1000 3 0 0 0 0\n", "line 1: want" },
		{ "tare-hist 1 1 1000 6 0 0 0 0\n", "line 1: want" },
		{ "tare-hist 1 1 99999999999999999999 3 0 0 0 0\n", "line 1: want" },
		{ "tare-hist 1 1 9223372036854775808 3 0 0 0 0\n", "line 1: want" },
		{ "tare-hist 1 0 1000 3 0 0 0 0\n", "line 1: bad layout" },
		{ "tare-hist 1 600 1000 3 0 0 0 0\n", "line 1: bad layout" },
		{ "tare-hist 1 1 1000 0 0 0 0 0\n", "line 1: bad layout" },
		{ "tare-hist 1 1 1000 3 0 5 5 0\n", "line 1: an empty histogram" },
		{ "tare-hist 1 1 1000 3 2 7 5 0\n5 2\n", "line 1: MIN > MAX" },
		{ "tare-hist 1 1 1000 3 2 5 5 3\n5 2\n", "line 1: SATURATED > TOTAL" },
		{ "tare-hist 1 1 1000 3 2 5 5 1\n5 2\n", "line 1: SATURATED must be" },
		{ "tare-hist 1 1 1000 3 2 5 2000 0\n5 2\n", "line 1: SATURATED must be" },
		{ "tare-hist 1 1 1000 3 2 1500 2000 1\n1000 2\n", "line 1: MIN > HIGHEST" },
		{ "tare-hist 1 1 1000 3 3 5 7 0", "line 1: no newline at the end" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n", "line 2: counts add up to 2, TOTAL says 3" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n7 1", "line 3: no newline" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n7\n", "line 3: want \"INDEX COUNT\"" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n7 1 1\n", "line 3: want \"INDEX COUNT\"" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n\n7 1\n", "line 3: want \"INDEX COUNT\"" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n-7 1\n", "line 3: want \"INDEX COUNT\"" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n7 0x1\n", "line 3: want \"INDEX COUNT\"" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n9999 1\n", "line 3: index 9999 outside" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n5 1\n", "line 3: index 5 not above" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n7 1\n5 2\n", "line 3: index 5 not above" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n6 0\n7 1\n", "line 3: count 0" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n7 2\n", "line 3: counts add up to more" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n7 18446744073709551615\n",
		  "line 3: counts add up to more" },
		{ "tare-hist 1 1 1000 3 3 5 7 0\n5 2\n8 1\n", "line 3: MIN/MAX do not fall" },
		{ "tare-hist 1 1 1000 3 3 4 7 0\n5 2\n7 1\n", "line 3: MIN/MAX do not fall" },
		{ "tare-hist 1 1 1000 3 4 5 2000 2\n5 3\n1000 1\n", "line 3: SATURATED is more" },
	};
	for (int i = 0; i < LEN(bad); i++) {
		struct hist h;
		char err[200] = "";
		int r = load_text(&h, bad[i].text, strlen(bad[i].text), err, sizeof err);
		CHECK(r == -1 && !strncmp(err, bad[i].want, strlen(bad[i].want)),
		      "case %d: got %d '%s', want '%s...'", i, r, err, bad[i].want);
		CHECK(h.counts == NULL, "case %d: memory left behind", i);
		hist_free(&h);
	}
	/* The last valid-looking one, made valid, loads: the table tests what it means to. */
	const char *good = "tare-hist 1 1 1000 3 4 5 2000 1\n5 2\n7 1\n1000 1\n";
	struct hist h;
	char err[200] = "";
	CHECK(load_text(&h, good, strlen(good), err, sizeof err) == 0, "good file: %s", err);
	CHECK(h.total == 4 && h.saturated == 1 && h.max == 2000 && h.min == 5, "good file fields");
	hist_free(&h);

	/* Bytes a text reader might trip on. */
	const char nul[] = "tare-hist 1 1 1000 3 1 5 5 0\n5\0 1\n";
	CHECK(load_text(&h, nul, sizeof nul - 1, err, sizeof err) == -1 &&
	      !strncmp(err, "line 2: NUL byte", 16), "NUL: '%s'", err);
	hist_free(&h);
	char *longline = malloc(5000);
	memset(longline, '7', 4999);
	longline[4999] = '\n';
	CHECK(load_text(&h, longline, 5000, err, sizeof err) == -1 &&
	      !strncmp(err, "line 1: line too long", 21), "long line: '%s'", err);
	hist_free(&h);
	free(longline);
	/* A tiny err buffer is truncated, never overrun; NULL err is allowed. */
	char tiny[6] = "xxxxx";
	CHECK(load_text(&h, "x\n", 2, tiny, sizeof tiny) == -1 && !strcmp(tiny, "line "),
	      "tiny err: '%s'", tiny);
	CHECK(load_text(&h, "x\n", 2, NULL, 0) == -1, "NULL err");
}

/* Damaged copies of a real file — truncated anywhere, bytes flipped, inserted or deleted —
 * either fail with "line N: ..." or load into a histogram whose counts add up. */
static void test_load_survives_garbage(void)
{
	struct prng r;
	prng_seed(&r, 1234);
	struct hist h;
	hist_init(&h, 1, 10000000, 2);
	for (int i = 0; i < 300; i++)
		hist_record(&h, dist_draw(&r, LOGNORMAL) / 10);
	size_t len;
	char *orig = save_text(&h, &len);
	hist_free(&h);
	char *buf = malloc(len + 16);
	int loaded = 0, rejected = 0;
	for (int iter = 0; iter < 600 && !check_failed_here; iter++) {
		size_t n = len;
		memcpy(buf, orig, len);
		size_t at = (size_t)prng_below(&r, len);
		switch (iter % 4) {
		case 0: /* truncate */
			n = at;
			break;
		case 1: /* flip a byte to anything */
			buf[at] = (char)prng_below(&r, 256);
			break;
		case 2: /* insert a digit, space or newline */
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = "0123456789 \n-"[prng_below(&r, 13)];
			n = len + 1;
			break;
		case 3: /* delete a byte */
			memmove(buf + at, buf + at + 1, len - at - 1);
			n = len - 1;
			break;
		}
		char err[200] = "";
		struct hist g;
		if (load_text(&g, buf, n, err, sizeof err) == 0) {
			loaded++;
			CHECK(counts_sum(&g) == g.total && g.saturated <= g.total,
			      "iteration %d: loaded an inconsistent histogram", iter);
			CHECK(g.total == 0 || (g.min <= g.max && hist_percentile(&g, 100) >= 0),
			      "iteration %d: min/max", iter);
		} else {
			rejected++;
			long line = 0;
			CHECK(sscanf(err, "line %ld: ", &line) == 1 && line >= 1 && strlen(err) > 9,
			      "iteration %d: message '%s'", iter, err);
			CHECK(g.counts == NULL, "iteration %d: memory left behind", iter);
		}
		hist_free(&g);
	}
	CHECK(rejected > 300, "only %d of 600 damaged files rejected", rejected);
	free(buf);
	free(orig);
	(void)loaded;
}

int main(void)
{
	RUN(test_layout_matches_hdrhistogram);
	RUN(test_init_rejects_bad_arguments);
	RUN(test_equivalent_ranges);
	RUN(test_exact_counts);
	RUN(test_negative_and_zero);
	RUN(test_single_value);
	RUN(test_empty);
	RUN(test_saturation);
	RUN(test_merge_equals_recording_everything);
	RUN(test_merge_different_layouts);
	RUN(test_precision_vs_exact_quantiles);
	RUN(test_hgrm_golden);
	RUN(test_hgrm_matches_hdrhistogram_java);
	RUN(test_hgrm_round_trip);
	RUN(test_save_load_round_trip);
	RUN(test_load_rejects_bad_files);
	RUN(test_load_survives_garbage);
	return CHECK_DONE();
}
