/* hist.c — see hist.h for the contracts.  libc + libm only: the replay workload links this
 * file on its own.
 *
 * Layout (after Gil Tene's HdrHistogram, as in HdrHistogram_c's hdr_histogram.c):
 * a value v is split into a bucket b (which power of two it lies under) and a sub-bucket s
 * (its top sub_bucket_half_count_magnitude + 1 bits), so v lies in [s << (b + u),
 * (s + 1) << (b + u)) with u = unit_magnitude = floor(log2(lowest)).  Bucket 0 uses all
 * sub_bucket_count sub-buckets; every later bucket only its upper half (its lower half is
 * bucket b - 1 at double the resolution), so the counts array is
 * (bucket_count + 1) * sub_bucket_half_count long.
 *
 * Precision.  sub_bucket_half_count is the smallest power of two >= 10^sigfigs.  In the
 * upper half of any bucket s >= sub_bucket_half_count, so the width 2^(b+u) of a sub-bucket
 * is at most lowest_equivalent / sub_bucket_half_count: two values that share a sub-bucket
 * differ by less than 10^-sigfigs of the smaller one.  Below sub_bucket_half_count << u
 * (only reached when lowest > 1) the width is 2^u <= lowest, an absolute bound instead.
 *
 * Empty histogram: total 0, min INT64_MAX, max 0 (so record can update both without a
 * branch; readers check total first).
 */
#include "hist.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define HIST_MAGIC "tare-hist"
#define HIST_FORMAT_VERSION 1

/* ------------------------------------------------------------------ layout */

/* Index in counts of v, 0 <= v <= highest.  HdrHistogram's counts_index_for, simplified:
 * with msb the top bit of v (at least that of sub_bucket_mask, so every value below
 * sub_bucket_count << u lands in bucket 0 and clz's argument is never 0), the sub-bucket is
 * v >> (msb - hm) and bucket b = msb - hm - u starts at index b << hm, which is HdrHistogram's
 * ((b + 1) << hm) + sub - sub_bucket_half_count.  Branch-free, a few instructions fewer. */
static inline int hist_index_of(const struct hist *h, int64_t v)
{
	int msb = 63 - __builtin_clzll((uint64_t)(v | h->sub_bucket_mask));
	int shift = msb - h->sub_bucket_half_count_magnitude;
	return ((shift - h->unit_magnitude) << h->sub_bucket_half_count_magnitude) +
	       (int)(v >> shift);
}

/* Lowest value of counts[i], and the width of its range (both as HdrHistogram's
 * hdr_value_at_index / size_of_equivalent_value_range). */
static int64_t hist_index_value(const struct hist *h, int i)
{
	int bucket = (i >> h->sub_bucket_half_count_magnitude) - 1;
	int sub = (i & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;
	if (bucket < 0) {
		sub -= h->sub_bucket_half_count;
		bucket = 0;
	}
	return (int64_t)sub << (bucket + h->unit_magnitude);
}

static int64_t hist_index_width(const struct hist *h, int i)
{
	int bucket = (i >> h->sub_bucket_half_count_magnitude) - 1;
	return (int64_t)1 << ((bucket < 0 ? 0 : bucket) + h->unit_magnitude);
}

/* Highest value of counts[i]; unsigned, because the top sub-bucket of a histogram reaching
 * INT64_MAX ends exactly at 2^63. */
static int64_t hist_index_highest(const struct hist *h, int i)
{
	return (int64_t)((uint64_t)hist_index_value(h, i) + (uint64_t)hist_index_width(h, i) - 1);
}

/* The middle of counts[i]'s range: the value HdrHistogram's mean and stddev use. */
static int64_t hist_index_median(const struct hist *h, int i)
{
	return hist_index_value(h, i) + (hist_index_width(h, i) >> 1);
}

int64_t hist_index_middle(const struct hist *h, int i)
{
	return hist_index_median(h, i);
}

/* Buckets needed so that highest has a sub-bucket (HdrHistogram's
 * buckets_needed_to_cover_value, with the doubling guarded against overflow). */
static int hist_buckets_for(int64_t highest, int sub_bucket_count, int unit_magnitude)
{
	int64_t smallest_untrackable = (int64_t)sub_bucket_count << unit_magnitude;
	int buckets = 1;
	while (smallest_untrackable <= highest) {
		if (smallest_untrackable > INT64_MAX / 2)
			return buckets + 1;
		smallest_untrackable <<= 1;
		buckets++;
	}
	return buckets;
}

int hist_init(struct hist *h, int64_t lowest, int64_t highest, int sigfigs)
{
	memset(h, 0, sizeof *h);
	/* HdrHistogram's own limits: highest must be at least twice lowest for the layout to
	 * have a bucket above the linear one. */
	if (lowest < 1 || sigfigs < 1 || sigfigs > 5 || lowest > INT64_MAX / 2 ||
	    highest < 2 * lowest)
		return -1;

	/* Smallest power of two >= 2 * 10^sigfigs sub-buckets, in integers (HdrHistogram uses
	 * ceil(log2(...)) in floating point, which gives the same for sigfigs 1..5). */
	int64_t single_unit_limit = 2;
	for (int i = 0; i < sigfigs; i++)
		single_unit_limit *= 10;
	int sub_bucket_count_magnitude = 0;
	while (((int64_t)1 << sub_bucket_count_magnitude) < single_unit_limit)
		sub_bucket_count_magnitude++;

	h->lowest = lowest;
	h->highest = highest;
	h->sigfigs = sigfigs;
	h->unit_magnitude = 63 - __builtin_clzll((uint64_t)lowest);
	h->sub_bucket_half_count_magnitude = sub_bucket_count_magnitude - 1;
	/* The largest sub-bucket value, sub_bucket_count << unit_magnitude, must fit int64. */
	if (h->unit_magnitude + h->sub_bucket_half_count_magnitude > 61) {
		memset(h, 0, sizeof *h);
		return -1;
	}
	h->sub_bucket_count = 1 << sub_bucket_count_magnitude;
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = (int64_t)(h->sub_bucket_count - 1) << h->unit_magnitude;
	h->bucket_count = hist_buckets_for(highest, h->sub_bucket_count, h->unit_magnitude);
	h->counts_len = (h->bucket_count + 1) * h->sub_bucket_half_count;
	h->counts = calloc((size_t)h->counts_len, sizeof *h->counts);
	if (!h->counts) {
		memset(h, 0, sizeof *h);
		return -1;
	}
	h->min = INT64_MAX;
	h->max = 0;
	return 0;
}

void hist_free(struct hist *h)
{
	if (!h)
		return;
	free(h->counts);
	h->counts = NULL;
	h->counts_len = 0;
	h->total = h->saturated = 0;
}

void hist_reset(struct hist *h)
{
	if (h->counts)
		memset(h->counts, 0, (size_t)h->counts_len * sizeof *h->counts);
	h->total = 0;
	h->saturated = 0;
	h->min = INT64_MAX;
	h->max = 0;
}

/* ------------------------------------------------------------------ recording */

/* The load generator calls this per request: no allocation, no call, and the only
 * conditionals (the clamps, min and max) are selects the compiler turns into cmov. */
void hist_record(struct hist *h, int64_t value)
{
	int64_t v = value < 0 ? 0 : value;
	int over = v > h->highest;
	int64_t c = over ? h->highest : v;
	h->counts[hist_index_of(h, c)]++;
	h->total++;
	h->saturated += (uint64_t)over;
	h->min = v < h->min ? v : h->min;
	h->max = v > h->max ? v : h->max;
}

void hist_record_n(struct hist *h, int64_t value, uint64_t n)
{
	if (n == 0)
		return; /* nothing happened: min and max must not move */
	int64_t v = value < 0 ? 0 : value;
	int over = v > h->highest;
	int64_t c = over ? h->highest : v;
	h->counts[hist_index_of(h, c)] += n;
	h->total += n;
	h->saturated += over ? n : 0;
	h->min = v < h->min ? v : h->min;
	h->max = v > h->max ? v : h->max;
}

static int hist_same_layout(const struct hist *a, const struct hist *b)
{
	/* lowest, highest and sigfigs determine every derived field. */
	return a->lowest == b->lowest && a->highest == b->highest && a->sigfigs == b->sigfigs;
}

/* A src bucket's stand-in when layouts differ: the middle of its range (the least error
 * for the mean, half a src bucket at most for any value), kept inside what src actually
 * saw ([min, max], and highest since larger values were clamped). */
static int64_t hist_representative(const struct hist *src, int i)
{
	int64_t v = hist_index_median(src, i);
	int64_t top = src->max < src->highest ? src->max : src->highest;
	if (v > top)
		v = top;
	if (v < src->min)
		v = src->min;
	return v;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->total == 0)
		return 0;
	if (hist_same_layout(dst, src)) {
		for (int i = 0; i < dst->counts_len; i++)
			dst->counts[i] += src->counts[i];
		dst->saturated += src->saturated;
	} else {
		/* Refuse before touching dst, so a failed merge leaves it as it was. */
		if (src->max > dst->highest)
			return -1;
		/* src's saturated values lie in (src->highest, src->max], which dst holds; src
		 * kept them at its highest, so their only known value is the max: record them
		 * there, which errs high, the safe side for a tail. */
		int top = hist_index_of(src, src->highest);
		for (int i = 0; i < src->counts_len; i++) {
			uint64_t n = src->counts[i] - (i == top ? src->saturated : 0);
			if (n)
				dst->counts[hist_index_of(dst, hist_representative(src, i))] += n;
		}
		if (src->saturated)
			dst->counts[hist_index_of(dst, src->max)] += src->saturated;
	}
	dst->total += src->total;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return 0;
}

/* ------------------------------------------------------------------ queries */

int64_t hist_lowest_equivalent(const struct hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	return hist_index_value(h, hist_index_of(h, v));
}

int64_t hist_highest_equivalent(const struct hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	/* hist_index_of is pure arithmetic, valid past highest too (the index may then be
	 * beyond counts_len, but it is never used to read counts here). */
	return hist_index_highest(h, hist_index_of(h, v));
}

/* The rank (1-based) of the value at percentile p of n: the smallest k with k >= p/100 * n
 * (nearest rank, as HdrHistogram Java's getValueAtPercentile), at least 1.  p/100 * n is
 * taken as an integer when it is within a few ulps of one, because p itself is rarely exact
 * in binary: 99.9 is stored as 99.900000000000006, and ceil(0.999 * 1e6) must be 999000,
 * not 999001 (Java steps p down one ulp with nextAfter for the same reason). */
static uint64_t hist_rank(double p, uint64_t n)
{
	double x = p / 100.0 * (double)n;
	double r = nearbyint(x);
	double k = fabs(x - r) <= 4 * 2.220446049250313e-16 * fabs(x) ? r : ceil(x);
	if (k < 1)
		return 1;
	if (k >= (double)n)
		return n;
	return (uint64_t)k;
}

int64_t hist_percentile(const struct hist *h, double p)
{
	if (h->total == 0)
		return 0;
	if (!(p > 0)) /* also NaN */
		p = 0;
	if (p > 100)
		p = 100;
	uint64_t rank = hist_rank(p, h->total);
	uint64_t cum = 0;
	for (int i = 0; i < h->counts_len; i++) {
		cum += h->counts[i];
		if (cum >= rank)
			/* p = 0 asks for the bottom of the range, as HdrHistogram does. */
			return p == 0 ? hist_index_value(h, i) : hist_index_highest(h, i);
	}
	return 0; /* not reached while total is the sum of counts */
}

double hist_mean(const struct hist *h)
{
	if (h->total == 0)
		return 0;
	double sum = 0;
	for (int i = 0; i < h->counts_len; i++)
		if (h->counts[i])
			sum += (double)h->counts[i] * (double)hist_index_median(h, i);
	return sum / (double)h->total;
}

/* Population standard deviation over bucket middles, as HdrHistogram's getStdDeviation. */
double hist_stddev(const struct hist *h)
{
	if (h->total == 0)
		return 0;
	double mean = hist_mean(h), sum = 0;
	for (int i = 0; i < h->counts_len; i++)
		if (h->counts[i]) {
			double d = (double)hist_index_median(h, i) - mean;
			sum += d * d * (double)h->counts[i];
		}
	return sqrt(sum / (double)h->total);
}

/* ------------------------------------------------------------------ .hgrm */

/* How far the next percentile row lies above level (in %): HdrHistogram's percentile
 * iterator puts ticks_per_half rows in each half of the remaining distance to 100%
 * (0-50, 50-75, 75-87.5, ...), so the tail gets as many rows as the body.  Computed as
 * HdrHistogram does (log / log 2, truncated) so the levels are the same numbers. */
static double hist_hgrm_step(double level, int ticks_per_half)
{
	long halvings = (long)(log(100.0 / (100.0 - level)) / log(2));
	return 100.0 / ldexp((double)ticks_per_half, (int)halvings + 1);
}

/* x >= 0 with `decimals` places, rounded as Java's Formatter does it for HdrHistogram's
 * reference output: the shortest decimal that reads back as x (Double.toString's digits),
 * rounded half up.  C's printf rounds the exact binary value instead, so the two differ
 * whenever that decimal ends in a 5 at the cut: 0.9997802734375 is 0.999780273438 in
 * HdrHistogram's files, 0.999780273437 from "%.12f". */
static const char *hist_fixed(char *out, size_t outlen, double x, int decimals)
{
	if (!isfinite(x) || x < 0 || x >= 1e300 || decimals > 20) {
		snprintf(out, outlen, "%.*f", decimals, x);
		return out;
	}
	char e[40];
	for (int p = 0; p <= 17; p++) {
		snprintf(e, sizeof e, "%.*e", p, x);
		if (strtod(e, NULL) == x)
			break;
	}
	/* e is "d.ddde+XX": digits[0..n) stand for d.ddd x 10^exp10. */
	char digits[24];
	int n = 0;
	const char *c = e;
	for (; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9' && n < (int)sizeof digits)
			digits[n++] = *c;
	int exp10 = *c == 'e' ? atoi(c + 1) : 0;
	/* The fixed digits, from 10^top down to 10^-decimals, one spare place in front for a
	 * carry.  The digit for 10^k is digits[exp10 - k]. */
	int top = exp10 > 0 ? exp10 : 0;
	int len = top + 1 + decimals;
	char fixed[340];
	fixed[0] = '0';
	for (int i = 0; i < len; i++) {
		int at = exp10 - (top - i);
		fixed[i + 1] = at >= 0 && at < n ? digits[at] : '0';
	}
	int cut = exp10 + decimals + 1; /* the first dropped digit */
	if (cut >= 0 && cut < n && digits[cut] >= '5')
		for (int i = len; i >= 0; i--) {
			if (fixed[i] != '9') {
				fixed[i]++;
				break;
			}
			fixed[i] = '0';
		}
	/* Out: the integer part without leading zeros, then the decimals. */
	int first = 0, int_end = top + 2;
	while (first < int_end - 1 && fixed[first] == '0')
		first++;
	snprintf(out, outlen, "%.*s%s%.*s", int_end - first, fixed + first, decimals ? "." : "",
		 decimals, fixed + int_end);
	return out;
}

static int hist_hgrm_row(FILE *f, int sigfigs, double value, double level, uint64_t cum)
{
	char v[64], q[64], inv[64];
	double frac = level / 100.0;
	return fprintf(f, "%12s %2s %10" PRIu64 " %14s\n",
		       hist_fixed(v, sizeof v, value, sigfigs),
		       hist_fixed(q, sizeof q, frac, 12), cum,
		       hist_fixed(inv, sizeof inv, 1.0 / (1.0 - frac), 2)) < 0 ? -1 : 0;
}

/* Rows as HdrHistogram's outputPercentileDistribution: walking the buckets, a bucket whose
 * cumulative share reaches the pending level prints a row (value = its highest equivalent,
 * the level, the cumulative count) and moves the level on, possibly several times; the last
 * bucket prints one row and then the final 100% row, which has no 1/(1-Percentile). */
int hist_write_hgrm(const struct hist *h, FILE *f, double scale, int ticks_per_half)
{
	if (!(scale > 0) || !isfinite(scale) || ticks_per_half < 1 || !h->counts)
		return -1;
	int digits = h->sigfigs;
	if (fprintf(f, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
		    "1/(1-Percentile)") < 0)
		return -1;

	double level = 0;
	uint64_t cum = 0;
	for (int i = 0; i < h->counts_len && cum < h->total; i++) {
		if (!h->counts[i])
			continue;
		cum += h->counts[i];
		double value = (double)hist_index_highest(h, i) / scale;
		if (cum >= h->total) {
			char v[64];
			if (hist_hgrm_row(f, digits, value, level, cum) < 0 ||
			    fprintf(f, "%12s %2s %10" PRIu64 "\n", hist_fixed(v, sizeof v, value, digits),
				    "1.000000000000", cum) < 0)
				return -1;
			break;
		}
		double reached = 100.0 * (double)cum / (double)h->total;
		while (level <= reached) {
			if (hist_hgrm_row(f, digits, value, level, cum) < 0)
				return -1;
			double next = level + hist_hgrm_step(level, ticks_per_half);
			/* Only with totals past ~10^15, where 100 * cum / total rounds to 100
			 * before the last bucket, can the step vanish in rounding: go on to the
			 * next bucket instead of printing this one forever. */
			if (!(next > level))
				break;
			level = next;
		}
	}

	/* Max as HdrHistogram prints it: the highest equivalent of the largest value held
	 * (so it equals the 100% row), 0 when that is 0.  The exact max is h->max. */
	double max = 0;
	if (h->total && h->max > 0)
		max = (double)hist_highest_equivalent(h, h->max < h->highest ? h->max : h->highest) /
		      scale;
	char a[64], b[64];
	if (fprintf(f, "#[Mean    = %12s, StdDeviation   = %12s]\n",
		    hist_fixed(a, sizeof a, hist_mean(h) / scale, digits),
		    hist_fixed(b, sizeof b, hist_stddev(h) / scale, digits)) < 0 ||
	    fprintf(f, "#[Max     = %12s, Total count    = %12" PRIu64 "]\n",
		    hist_fixed(a, sizeof a, max, digits), h->total) < 0 ||
	    fprintf(f, "#[Buckets = %12d, SubBuckets     = %12d]\n", h->bucket_count,
		    h->sub_bucket_count) < 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------------ save / load */

/* "tare-hist 1 LOWEST HIGHEST SIGFIGS TOTAL MIN MAX SATURATED", then "INDEX COUNT" for
 * each nonzero bucket in increasing index order.  An empty histogram writes MIN MAX as
 * 0 0 rather than its INT64_MAX sentinel. */
int hist_save(const struct hist *h, FILE *f)
{
	if (!h->counts)
		return -1;
	int64_t min = h->total ? h->min : 0, max = h->total ? h->max : 0;
	if (fprintf(f, HIST_MAGIC " %d %" PRId64 " %" PRId64 " %d %" PRIu64 " %" PRId64
		       " %" PRId64 " %" PRIu64 "\n",
		    HIST_FORMAT_VERSION, h->lowest, h->highest, h->sigfigs, h->total, min, max,
		    h->saturated) < 0)
		return -1;
	for (int i = 0; i < h->counts_len; i++)
		if (h->counts[i] && fprintf(f, "%d %" PRIu64 "\n", i, h->counts[i]) < 0)
			return -1;
	return ferror(f) ? -1 : 0;
}

/* "line N: ..." into err; always returns -1. */
static int hist_load_error(char *err, size_t errlen, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int hist_load_error(char *err, size_t errlen, long line, const char *fmt, ...)
{
	if (err && errlen) {
		int n = snprintf(err, errlen, "line %ld: ", line);
		if (n >= 0 && (size_t)n < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

/* One unsigned decimal field: optional blanks, then digits only (no sign: strtoull would
 * quietly negate "-1"), within max.  Advances *p past it.  0, or -1. */
static int hist_field(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

/* Nothing but blanks (a '\r' from a CRLF file included) up to the end of the line. */
static int hist_line_end(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return *s == '\0';
}

/* Reads one line into buf without its newline.  1 for a line, 0 at end of file before any
 * byte, -1 with a message for a line too long, one cut short by the end of the file (a
 * truncated file), or one holding a NUL byte. */
static int hist_read_line(FILE *f, char *buf, size_t size, long line, char *err, size_t errlen)
{
	if (!fgets(buf, (int)size, f)) {
		if (ferror(f))
			return hist_load_error(err, errlen, line, "read error: %s", strerror(errno));
		return 0;
	}
	size_t len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n') {
		buf[len - 1] = '\0';
		return 1;
	}
	if (feof(f))
		return hist_load_error(err, errlen, line,
				       "no newline at the end: the file is truncated");
	if (len == size - 1)
		return hist_load_error(err, errlen, line, "line too long: not a tare-hist file");
	return hist_load_error(err, errlen, line, "NUL byte in line: not a tare-hist file");
}

int hist_load(struct hist *h, FILE *f, char *err, size_t errlen)
{
	/* The longest valid line is the header: 9 + 1 + 8 fields of at most 20 digits. */
	char buf[256];
	long line = 1;
	memset(h, 0, sizeof *h);
	if (err && errlen)
		err[0] = '\0';

	int r = hist_read_line(f, buf, sizeof buf, line, err, errlen);
	if (r <= 0)
		return r < 0 ? -1 : hist_load_error(err, errlen, line, "empty file");
	const char *p = buf;
	size_t magic_len = strlen(HIST_MAGIC);
	if (strncmp(p, HIST_MAGIC, magic_len) != 0 || (p[magic_len] != ' ' && p[magic_len] != '\t'))
		return hist_load_error(err, errlen, line, "not a tare-hist file (want \"%s %d ...\")",
				       HIST_MAGIC, HIST_FORMAT_VERSION);
	p += magic_len;
	uint64_t version, lowest, highest, sigfigs, total, min, max, saturated;
	if (hist_field(&p, UINT64_MAX, &version) < 0)
		return hist_load_error(err, errlen, line, "bad version field");
	if (version != HIST_FORMAT_VERSION)
		return hist_load_error(err, errlen, line,
				       "format version %" PRIu64 ", this tare reads version %d",
				       version, HIST_FORMAT_VERSION);
	if (hist_field(&p, INT64_MAX, &lowest) < 0 || hist_field(&p, INT64_MAX, &highest) < 0 ||
	    hist_field(&p, 5, &sigfigs) < 0 || hist_field(&p, UINT64_MAX, &total) < 0 ||
	    hist_field(&p, INT64_MAX, &min) < 0 || hist_field(&p, INT64_MAX, &max) < 0 ||
	    hist_field(&p, UINT64_MAX, &saturated) < 0 || !hist_line_end(p))
		return hist_load_error(err, errlen, line,
				       "want \"%s %d LOWEST HIGHEST SIGFIGS TOTAL MIN MAX SATURATED\" "
				       "(non-negative integers, SIGFIGS 1..5)",
				       HIST_MAGIC, HIST_FORMAT_VERSION);
	if (hist_init(h, (int64_t)lowest, (int64_t)highest, (int)sigfigs) < 0)
		return hist_load_error(err, errlen, line,
				       "bad layout: lowest %" PRIu64 ", highest %" PRIu64
				       ", sigfigs %" PRIu64 " (want 1 <= lowest, 2 * lowest <= "
				       "highest, sigfigs 1..5), or out of memory",
				       lowest, highest, sigfigs);

	/* The summary fields must agree with one another before the counts are read. */
	const char *bad = NULL;
	if (total == 0 && (min || max || saturated))
		bad = "an empty histogram must have MIN, MAX and SATURATED 0";
	else if (total && min > max)
		bad = "MIN > MAX";
	else if (saturated > total)
		bad = "SATURATED > TOTAL";
	else if (total && (saturated > 0) != (max > highest))
		bad = "SATURATED must be nonzero exactly when MAX > HIGHEST";
	else if (total && min > highest && saturated != total)
		bad = "MIN > HIGHEST but not every value is SATURATED";
	if (bad) {
		hist_free(h);
		return hist_load_error(err, errlen, line, "%s", bad);
	}

	uint64_t sum = 0;
	int prev = -1, first = -1;
	for (;;) {
		line++;
		r = hist_read_line(f, buf, sizeof buf, line, err, errlen);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		uint64_t index, count;
		p = buf;
		if (hist_field(&p, INT32_MAX, &index) < 0 || hist_field(&p, UINT64_MAX, &count) < 0 ||
		    !hist_line_end(p)) {
			hist_load_error(err, errlen, line, "want \"INDEX COUNT\" (non-negative integers)");
			goto fail;
		}
		if (index >= (uint64_t)h->counts_len) {
			hist_load_error(err, errlen, line,
					"index %" PRIu64 " outside this layout's 0..%d", index,
					h->counts_len - 1);
			goto fail;
		}
		if ((int)index <= prev) {
			hist_load_error(err, errlen, line,
					"index %" PRIu64 " not above the previous line's %d", index, prev);
			goto fail;
		}
		if (count == 0) {
			hist_load_error(err, errlen, line, "count 0 (only nonzero buckets are listed)");
			goto fail;
		}
		if (count > total - sum) {
			hist_load_error(err, errlen, line, "counts add up to more than TOTAL %" PRIu64,
					total);
			goto fail;
		}
		sum += count;
		h->counts[index] = count;
		if (first < 0)
			first = (int)index;
		prev = (int)index;
	}
	/* line is now one past the last line: name the last line for the file-wide checks. */
	line--;
	if (sum != total) {
		hist_load_error(err, errlen, line,
				"counts add up to %" PRIu64 ", TOTAL says %" PRIu64
				" (truncated file?)", sum, total);
		goto fail;
	}
	if (total) {
		int64_t top = (int64_t)(max > highest ? highest : max);
		int64_t bottom = (int64_t)(min > highest ? highest : min);
		if (hist_index_of(h, bottom) != first || hist_index_of(h, top) != prev) {
			hist_load_error(err, errlen, line,
					"MIN/MAX do not fall in the first/last listed buckets");
			goto fail;
		}
		if (saturated > h->counts[hist_index_of(h, h->highest)]) {
			hist_load_error(err, errlen, line,
					"SATURATED is more than the count at HIGHEST");
			goto fail;
		}
		h->min = (int64_t)min;
		h->max = (int64_t)max;
	}
	h->total = total;
	h->saturated = saturated;
	return 0;

fail:
	hist_free(h);
	return -1;
}
