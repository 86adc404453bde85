/* hist.h — a log-linear (HDR) histogram of latencies, after Gil Tene's HdrHistogram.
 *
 * Values (ns) are counted in buckets whose width doubles every power of two, each split into
 * 2 * 10^sigfigs linear sub-buckets, so any value is kept to `sigfigs` significant decimal
 * digits across the whole range at a fixed, small memory cost.  Recording is O(1) with no
 * allocation (the load generator calls it per request); histograms with the same layout merge
 * exactly by adding counts.  Output in HdrHistogram's percentile-distribution text format
 * (.hgrm), which existing HdrHistogram plotting tools read.
 */
#ifndef TARE_HIST_H
#define TARE_HIST_H

#include <stdint.h>
#include <stdio.h>

struct hist {
	int64_t lowest;          /* lowest discernible value, >= 1 */
	int64_t highest;         /* highest trackable value; larger values are clamped and counted */
	int sigfigs;             /* 1..5 */
	int unit_magnitude;
	int sub_bucket_half_count_magnitude;
	int sub_bucket_count;
	int sub_bucket_half_count;
	int64_t sub_bucket_mask;
	int bucket_count;
	int counts_len;
	uint64_t total;
	uint64_t saturated;      /* values above highest, counted at highest */
	int64_t min, max;        /* exact, of what was recorded (before clamping); an empty
	                          * histogram has min = INT64_MAX, max = 0: check total first */
	uint64_t *counts;
};

/* Layout for [lowest, highest] at sigfigs significant digits (1..5).  0, or -1 for bad
 * arguments or no memory. */
int hist_init(struct hist *h, int64_t lowest, int64_t highest, int sigfigs);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

/* O(1), no allocation.  Negative values are recorded as 0. */
void hist_record(struct hist *h, int64_t value);
void hist_record_n(struct hist *h, int64_t value, uint64_t n);

/* dst += src.  Exact when the layouts are equal; otherwise each src bucket is re-recorded at
 * its representative value (within both precisions).  0, or -1 on a value dst cannot hold. */
int hist_merge(struct hist *dst, const struct hist *src);

/* The value at percentile p (0..100): the highest value equivalent to the one at which the
 * cumulative count reaches p% (HdrHistogram's getValueAtPercentile; p = 0 gives the lowest
 * equivalent of the minimum, as there). 0 when empty. */
int64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
double hist_stddev(const struct hist *h);
/* Lowest and highest values equivalent to v in this layout (its bucket's range). */
int64_t hist_lowest_equivalent(const struct hist *h, int64_t v);
int64_t hist_highest_equivalent(const struct hist *h, int64_t v);
/* The middle of counts[i]'s range (0 <= i < counts_len): the value that stands for its count,
 * as in the mean; a decoder that fills counts[] directly re-records buckets at it. */
int64_t hist_index_middle(const struct hist *h, int i);

/* HdrHistogram "percentile distribution" text (.hgrm): Value, Percentile, TotalCount,
 * 1/(1-Percentile), then the Mean/StdDeviation/Max/Total count/Buckets/SubBuckets footer.
 * Values are divided by scale (1000: ns recorded, µs printed, as HdrHistogram's
 * outputValueUnitScalingRatio); ticks_per_half is 5 in HdrHistogram's default output. */
int hist_write_hgrm(const struct hist *h, FILE *f, double scale, int ticks_per_half);

/* Save / load the exact counts (a small text format, nonzero buckets only), for passing a
 * histogram from the load generator to the harness.  Load allocates the layout it reads.
 * 0, or -1 with a message in err naming the line. */
int hist_save(const struct hist *h, FILE *f);
int hist_load(struct hist *h, FILE *f, char *err, size_t errlen);

#endif
