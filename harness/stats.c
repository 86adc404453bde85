/* stats.c — see stats.h for the contracts and the sources.  libc, libm and prng.c only. */
#include "stats.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

/* ------------------------------------------------------------------ helpers */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* malloc'd copy of the non-NaN values of x (at least one element, so a NULL return always
 * means out of memory); *m gets their count. */
static double *copy_non_nan(const double *x, int n, int *m)
{
	double *c = malloc((n > 0 ? (size_t)n : 1) * sizeof *c);
	*m = 0;
	if (!c)
		return NULL;
	for (int i = 0; i < n; i++)
		if (!isnan(x[i]))
			c[(*m)++] = x[i];
	return c;
}

static double *sorted_non_nan(const double *x, int n, int *m)
{
	double *c = copy_non_nan(x, n, m);
	if (c)
		qsort(c, (size_t)*m, sizeof *c, cmp_double);
	return c;
}

/* Median of sorted s[0..m-1]. */
static double sorted_median(const double *s, size_t m)
{
	if (m == 0)
		return NAN;
	size_t h = m / 2;
	return m % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/* R's quantile(type = 7) of sorted s[0..m-1], in R's arithmetic (1-based):
 * index = 1 + (m-1) q, result (1 - h) s[lo] + h s[hi] with h = index - lo, unless the two
 * order statistics are equal. */
static double sorted_quantile7(const double *s, size_t m, double q)
{
	if (m == 0 || !(q >= 0 && q <= 1))
		return NAN;
	double index = 1 + (double)(m - 1) * q;
	double lo = floor(index), hi = ceil(index), h = index - lo;
	double qs = s[(size_t)lo - 1], qhi = s[(size_t)hi - 1];
	return index > lo && qhi != qs ? (1 - h) * qs + h * qhi : qs;
}

static int has_inf(const double *x, int n)
{
	for (int i = 0; i < n; i++)
		if (isinf(x[i]))
			return 1;
	return 0;
}

/* ------------------------------------------------------- descriptive statistics */

double stats_median(const double *x, int n)
{
	int m;
	if (!x || n <= 0)
		return NAN;
	double *s = sorted_non_nan(x, n, &m);
	double r = s ? sorted_median(s, (size_t)m) : NAN;
	free(s);
	return r;
}

double stats_quantile(const double *x, int n, double q)
{
	int m;
	if (!x || n <= 0)
		return NAN;
	double *s = sorted_non_nan(x, n, &m);
	double r = s ? sorted_quantile7(s, (size_t)m, q) : NAN;
	free(s);
	return r;
}

/* R's mean: long double sum, then one refinement pass with the residuals. */
double stats_mean(const double *x, int n)
{
	long double s = 0, t = 0;
	int m = 0;
	for (int i = 0; x && i < n; i++)
		if (!isnan(x[i]))
			s += x[i], m++;
	if (m == 0)
		return NAN;
	s /= m;
	if (isfinite((double)s)) {
		for (int i = 0; i < n; i++)
			if (!isnan(x[i]))
				t += x[i] - s;
		s += t / m;
	}
	return (double)s;
}

/* Two passes (mean, then squared deviations), as R's var(). */
double stats_sd(const double *x, int n)
{
	double mean = stats_mean(x, n);
	long double ss = 0;
	int m = 0;
	for (int i = 0; x && i < n; i++)
		if (!isnan(x[i])) {
			long double dev = x[i] - (long double)mean;
			ss += dev * dev, m++;
		}
	return m < 2 ? NAN : sqrt((double)(ss / (m - 1)));
}

double stats_cv(const double *x, int n)
{
	return stats_sd(x, n) / stats_mean(x, n);
}

/* Median and raw MAD of the non-NaN values; returns the count, -1 when out of memory. */
static int median_mad(const double *x, int n, double *med, double *mad)
{
	int m;
	double *s = sorted_non_nan(x, n, &m);
	if (!s)
		return -1;
	*med = sorted_median(s, (size_t)m);
	for (int i = 0; i < m; i++)
		s[i] = fabs(s[i] - *med);
	qsort(s, (size_t)m, sizeof *s, cmp_double);
	*mad = sorted_median(s, (size_t)m);
	free(s);
	return m;
}

double stats_mad(const double *x, int n)
{
	double med, mad;
	if (!x || n <= 0 || median_mad(x, n, &med, &mad) < 0)
		return NAN;
	return mad;
}

void stats_modified_z(const double *x, int n, double *z)
{
	double med = NAN, mad = NAN, scale;
	if (!x || !z || n <= 0)
		return;
	if (median_mad(x, n, &med, &mad) <= 0) {
		for (int i = 0; i < n; i++)
			z[i] = NAN;
		return;
	}
	if (mad > 0) {
		scale = mad / 0.6745;
	} else {
		double sum = 0;
		int m = 0;
		for (int i = 0; i < n; i++)
			if (!isnan(x[i]))
				sum += fabs(x[i] - med), m++;
		scale = 1.253314 * (sum / m);
	}
	for (int i = 0; i < n; i++) {
		if (isnan(x[i]))
			z[i] = NAN;
		else if (scale > 0)
			z[i] = (x[i] - med) / scale;
		else
			z[i] = 0; /* every value equals the median */
	}
}

/* ------------------------------------------------------------ standard normal */

double stats_normal_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/* Continued fraction for the regularized incomplete beta function (modified Lentz's method;
 * Press et al., Numerical Recipes 3rd ed. §6.4), valid for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2)), del;
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* I_x(a, b), the regularized incomplete beta function. */
static double beta_inc(double a, double b, double x)
{
	double front;
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double stats_t_cdf(double t, double df)
{
	double tail;
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1 : 0;
	tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));
	return t > 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, double df)
{
	double lo = 0, hi = 1, q = p > 0.5 ? p : 1 - p;
	if (isnan(p) || p < 0 || p > 1 || !(df > 0))
		return NAN;
	if (p == 0 || p == 1)
		return p == 0 ? -INFINITY : INFINITY;
	if (p == 0.5)
		return 0;
	/* Bracket, then bisect: the CDF is monotone and cheap enough for a few calls a run. */
	while (stats_t_cdf(hi, df) < q && hi < 1e12)
		lo = hi, hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = (lo + hi) / 2;
		if (stats_t_cdf(mid, df) < q)
			lo = mid;
		else
			hi = mid;
	}
	return p > 0.5 ? (lo + hi) / 2 : -(lo + hi) / 2;
}

static double poly7(const double c[8], double r)
{
	double v = c[7];
	for (int i = 6; i >= 0; i--)
		v = v * r + c[i];
	return v;
}

/* Wichura's AS 241 (PPND16): three rational approximations, for the centre, the tails,
 * and the far tails (beyond about 1e-11). */
double stats_normal_quantile(double p)
{
	static const double a[8] = {
		3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
		1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
		3.3430575583588128105e+4, 2.5090809287301226727e+3 };
	static const double b[8] = {
		1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
		5.3941960214247511077e+3, 2.1213794301586595867e+4, 3.9307895800092710610e+4,
		2.8729085735721942674e+4, 5.2264952788528545610e+3 };
	static const double c[8] = {
		1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
		3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
		2.27238449892691845833e-2, 7.74545014278341407640e-4 };
	static const double d[8] = {
		1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
		6.89767334985100004550e-1, 1.48103976427480074590e-1, 1.51986665636164571966e-2,
		5.47593808499534494600e-4, 1.05075007164441684324e-9 };
	static const double e[8] = {
		6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
		2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
		2.71155556874348757815e-5, 2.01033439929228813265e-7 };
	static const double f[8] = {
		1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
		1.48753612908506148525e-2, 7.86869131145613259100e-4, 1.84631831751005468180e-5,
		1.42151175831644588870e-7, 2.04426310338993978564e-15 };

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	double q = p - 0.5;
	if (fabs(q) <= 0.425) {
		double r = 0.180625 - q * q;
		return q * poly7(a, r) / poly7(b, r);
	}
	double r = sqrt(-log(q < 0 ? p : 1 - p)), v;
	if (r <= 5) {
		r -= 1.6;
		v = poly7(c, r) / poly7(d, r);
	} else {
		r -= 5;
		v = poly7(e, r) / poly7(f, r);
	}
	return q < 0 ? -v : v;
}

/* -------------------------------------------------- exact null distributions */

/* Frequencies of a rank statistic over 0..max, symmetric about max/2; total = sum. */
struct null_dist {
	double *count;
	int max;
	double total;
};

/* Signed-rank V over n: subsets of {1..n} by their sum; counts <= 2^49 for n < 50, so
 * the doubles are exact. */
static int signrank_dist(int n, struct null_dist *d)
{
	d->max = n * (n + 1) / 2;
	d->count = calloc((size_t)d->max + 1, sizeof *d->count);
	if (!d->count)
		return -1;
	d->count[0] = 1;
	for (int k = 1; k <= n; k++)
		for (int s = k * (k + 1) / 2; s >= k; s--)
			d->count[s] += d->count[s - k];
	d->total = ldexp(1, n);
	return 0;
}

/* Mann–Whitney U for samples of m and n: arrangements of m a's and n b's by the number of
 * (a, b) pairs with the b first.  Last element b: C(m,n-1; u-m); last a: C(m-1,n; u).
 * Built in place for n' = 1..n, one row per m' <= m, with additions only. */
static int wilcox_dist(int m, int n, struct null_dist *d)
{
	size_t len = (size_t)m * (size_t)n + 1;
	double *c = calloc((size_t)(m + 1) * len, sizeof *c);
	if (!c)
		return -1;
	for (int i = 0; i <= m; i++)
		c[(size_t)i * len] = 1; /* C(i, 0; 0) */
	for (int j = 1; j <= n; j++)
		for (int i = 1; i <= m; i++) {
			double *row = c + (size_t)i * len, *prev = row - len;
			for (size_t u = (size_t)i * (size_t)j + 1; u-- > 0;)
				row[u] = (u >= (size_t)i ? row[u - (size_t)i] : 0) + prev[u];
		}
	d->max = m * n;
	d->count = malloc(len * sizeof *d->count);
	if (d->count)
		memcpy(d->count, c + (size_t)m * len, len * sizeof *d->count);
	free(c);
	if (!d->count)
		return -1;
	d->total = 0;
	for (size_t u = 0; u < len; u++)
		d->total += d->count[u];
	return 0;
}

/* P(V <= q). */
static double null_cdf(const struct null_dist *d, int q)
{
	double s = 0;
	for (int i = 0; i <= q && i <= d->max; i++)
		s += d->count[i];
	return s / d->total;
}

/* Smallest q with P(V <= q) >= p, with R's 10 DBL_EPSILON fuzz (q{signrank,wilcox}). */
static int null_quantile(const struct null_dist *d, double p)
{
	double acc = 0;
	int q = 0;
	p -= 10 * DBL_EPSILON;
	for (; q < d->max; q++) {
		acc += d->count[q] / d->total;
		if (acc >= p)
			break;
	}
	return q;
}

/* Two-sided exact p-value of an integer statistic, summing the shorter tail as R does. */
static double exact_p(const struct null_dist *d, double stat)
{
	int s = (int)stat;
	double p = stat > d->max / 2.0 ? null_cdf(d, d->max - s) : null_cdf(d, s);
	return fmin(2 * p, 1);
}

/* R's exact interval: k = q(alpha/2) (at least 1), [w_(k), w_(max+1-k)] of the sorted
 * Walsh averages / differences w (there are d->max of them); coverage 1 - 2 P(V <= k-1). */
static void exact_interval(const struct null_dist *d, const double *w, double conf,
			   struct stats_est *out)
{
	int k = null_quantile(d, (1 - conf) / 2);
	if (k == 0)
		k = 1;
	out->conf = 1 - 2 * null_cdf(d, k - 1);
	out->ok = out->conf >= conf - 1e-12;
	if (out->ok) {
		out->lo = w[k - 1];
		out->hi = w[d->max - k];
	}
}

/* ------------------------------------------------------------------- ranking */

/* A value to rank and whether it counts towards the rank sum. */
struct keyed {
	double key;
	int flag;
};

static int cmp_keyed(const void *a, const void *b)
{
	return cmp_double(&((const struct keyed *)a)->key, &((const struct keyed *)b)->key);
}

/* Sorts v and ranks the keys with midranks for ties (R's rank()).  Returns the sum of the
 * flagged items' ranks; *ties gets sum(t^3 - t) over tie groups of size t. */
static double rank_sum_flagged(struct keyed *v, int n, double *ties)
{
	double sum = 0;
	*ties = 0;
	qsort(v, (size_t)n, sizeof *v, cmp_keyed);
	for (int i = 0; i < n;) {
		int j = i, flagged = 0;
		while (j < n && v[j].key == v[i].key)
			flagged += v[j++].flag;
		double t = j - i;
		sum += flagged * ((i + 1 + j) / 2.0); /* midrank of positions i+1..j */
		*ties += t * t * t - t;
		i = j;
	}
	return sum;
}

static double sign_of(double z)
{
	return (z > 0) - (z < 0);
}

/* ------------------------------------------- normal approximation: the statistic */

/* Data and scratch for R's standardized statistic at a trial shift s; see sr_z / rs_z. */
struct zctx {
	const double *a, *b; /* one-sample: a = data (zeros dropped); two-sample: R's x, y */
	int na, nb;
	struct keyed *buf;   /* na + nb entries */
};

/* R's W(d) for the signed-rank interval: ranks of |a - s| without the zeros,
 * z = (V - n(n+1)/4 - sign * 1/2) / sigma with the tie-corrected sigma. */
static double sr_z(const struct zctx *c, double s)
{
	int m = 0;
	double ties;
	for (int i = 0; i < c->na; i++) {
		double v = c->a[i] - s;
		if (v != 0)
			c->buf[m++] = (struct keyed){ fabs(v), v > 0 };
	}
	double n = m;
	double z = rank_sum_flagged(c->buf, m, &ties) - n * (n + 1) / 4;
	double sigma = sqrt(n * (n + 1) * (2 * n + 1) / 24 - ties / 48);
	return (z - sign_of(z) * 0.5) / sigma;
}

/* R's W(d) for the rank-sum interval: ranks of c(a - s, b),
 * z = (R_a - na(na+1)/2 - na nb/2 - sign * 1/2) / sigma with the tie-corrected sigma. */
static double rs_z(const struct zctx *c, double s)
{
	double na = c->na, nb = c->nb, ties;
	for (int i = 0; i < c->na; i++)
		c->buf[i] = (struct keyed){ c->a[i] - s, 1 };
	for (int j = 0; j < c->nb; j++)
		c->buf[c->na + j] = (struct keyed){ c->b[j], 0 };
	double z = rank_sum_flagged(c->buf, c->na + c->nb, &ties) - na * (na + 1) / 2 -
		   na * nb / 2;
	double sigma = sqrt((na * nb / 12) * ((na + nb + 1) - ties / ((na + nb) * (na + nb - 1))));
	return (z - sign_of(z) * 0.5) / sigma;
}

typedef double (*zfun)(const struct zctx *, double);

/* Both statistics are non-increasing in s and constant between consecutive distinct
 * steps u[0] < ... < u[k-1] (the Walsh averages / pairwise differences).  R's uniroot()
 * converges on the step where z crosses zq; this returns it exactly: u[j] for the first
 * gap (u[j], u[j+1]) on which z < zq, or u[k-1] when there is none. */
static double step_root(zfun z, const struct zctx *c, const double *u, size_t k, double zq)
{
	size_t lo = 0, hi = k - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z(c, u[mid] + (u[mid + 1] - u[mid]) / 2) < zq)
			hi = mid;
		else
			lo = mid + 1;
	}
	return u[lo];
}

/* Removes repeats from sorted w in place; returns the number of distinct values. */
static size_t dedup_sorted(double *w, size_t m)
{
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (k == 0 || w[i] != w[k - 1])
			w[k++] = w[i];
	return k;
}

static double two_sided_p(double z)
{
	return erfc(fabs(z) / M_SQRT2); /* 2 min(Phi(z), 1 - Phi(z)) */
}

/* Signed-rank interval by the normal approximation, following R: if the statistic at the
 * extremes min(d), max(d) cannot reach the quantiles, R doubles alpha until it can and
 * reports 1 - alpha; here that is ok = 0.  u: the k distinct sorted Walsh averages. */
static void sr_normal_interval(const struct zctx *c, const double *u, size_t k, double conf,
			       struct stats_est *out)
{
	double zmin = sr_z(c, u[0]);
	double zmax = isfinite(zmin) ? sr_z(c, u[k - 1]) : NAN;
	double alpha = 1 - conf;
	out->conf = 0;
	if (!isfinite(zmax))
		return; /* everything tied: no interval (R: NaN, conf.level 0) */
	while (zmin + stats_normal_quantile(alpha / 2) < 0 ||
	       zmax - stats_normal_quantile(alpha / 2) > 0)
		alpha *= 2;
	if (alpha >= 1 || 1 - conf < alpha * 0.75) {
		out->conf = 1 - fmin(1, alpha);
		return;
	}
	double zq = -stats_normal_quantile(alpha / 2);
	out->conf = conf;
	out->ok = 1;
	out->lo = step_root(sr_z, c, u, k, zq);
	out->hi = step_root(sr_z, c, u, k, -zq);
}

/* Rank-sum interval by the normal approximation.  R clips an end to the smallest/largest
 * difference when the statistic there does not reach the quantile; here that is ok = 0,
 * with conf = the two-sided level the extremes do reach. */
static void rs_normal_interval(const struct zctx *c, const double *u, size_t k, double conf,
			       struct stats_est *out)
{
	double zmin = rs_z(c, u[0]), zmax = rs_z(c, u[k - 1]);
	double zq = -stats_normal_quantile((1 - conf) / 2);
	if (!(zmin > zq && zmax < -zq)) {
		double tail = fmax(stats_normal_cdf(-zmin), stats_normal_cdf(zmax));
		out->conf = fmax(0, 1 - 2 * tail);
		return;
	}
	out->conf = conf;
	out->ok = 1;
	out->lo = step_root(rs_z, c, u, k, zq);
	out->hi = step_root(rs_z, c, u, k, -zq);
}

/* ------------------------------------------------------ the Wilcoxon procedures */

static void est_init(struct stats_est *out)
{
	*out = (struct stats_est){ .est = NAN, .lo = NAN, .hi = NAN, .conf = 0, .p = NAN };
}

static int valid_conf(double conf)
{
	return conf > 0 && conf < 1;
}

/* Sorted Walsh averages (a_i + a_j)/2, i <= j; NULL when out of memory. */
static double *walsh_sorted(const double *a, int n, size_t *m)
{
	*m = (size_t)n * ((size_t)n + 1) / 2;
	double *w = malloc(*m * sizeof *w), *p = w;
	if (!w)
		return NULL;
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++)
			*p++ = (a[i] + a[j]) / 2;
	qsort(w, *m, sizeof *w, cmp_double);
	return w;
}

/* Sorted differences a_i - b_j; NULL when out of memory. */
static double *diffs_sorted(const double *a, int na, const double *b, int nb, size_t *m)
{
	*m = (size_t)na * (size_t)nb;
	double *w = malloc(*m * sizeof *w), *p = w;
	if (!w)
		return NULL;
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			*p++ = a[i] - b[j];
	qsort(w, *m, sizeof *w, cmp_double);
	return w;
}

/* What the two procedures share once their statistic stat is known: the estimate (the median
 * of the sorted steps w[0..m-1], Walsh averages or differences) and the p-value and interval,
 * exact from the null distribution when out->exact (c->b: the two-sample one), else by the
 * normal approximation (z, normal_interval).  0; -1 out of memory. */
static int wilcoxon_infer(const struct zctx *c, double stat, double *w, size_t m, double conf,
			  zfun z, void (*normal_interval)(const struct zctx *, const double *, size_t,
							  double, struct stats_est *),
			  struct stats_est *out)
{
	struct null_dist d = { 0 };
	out->est = sorted_median(w, m);
	if (out->exact) {
		if ((c->b ? wilcox_dist(c->na, c->nb, &d) : signrank_dist(c->na, &d)) < 0)
			return -1;
		out->p = exact_p(&d, stat);
		exact_interval(&d, w, conf, out);
		free(d.count);
	} else {
		out->p = two_sided_p(z(c, 0));
		normal_interval(c, w, dedup_sorted(w, m), conf, out);
	}
	return 0;
}

/* The inference part of stats_signed_rank for the non-zero values a[0..n-1], n >= 1. */
static int signed_rank_fit(const double *a, int n, int zeros, double conf,
			   struct stats_est *out)
{
	size_t m;
	double ties, *w = walsh_sorted(a, n, &m);
	struct keyed *buf = malloc((size_t)n * sizeof *buf);
	struct zctx c = { .a = a, .na = n, .buf = buf };
	int rc = -1;
	if (w && buf) {
		for (int i = 0; i < n; i++)
			buf[i] = (struct keyed){ fabs(a[i]), a[i] > 0 };
		double v = rank_sum_flagged(buf, n, &ties);
		out->exact = n < 50 && ties == 0 && !zeros;
		rc = wilcoxon_infer(&c, v, w, m, conf, sr_z, sr_normal_interval, out);
	}
	free(buf);
	free(w);
	return rc;
}

int stats_signed_rank(const double *d, int n, double conf, struct stats_est *out)
{
	if (!out)
		return -1;
	est_init(out);
	if (!d || n < 0 || !valid_conf(conf) || has_inf(d, n))
		return -1;
	int m, zeros = 0, k = 0;
	double *a = copy_non_nan(d, n, &m);
	if (!a)
		return -1;
	for (int i = 0; i < m; i++) /* drop the zeros, as R */
		if (a[i] == 0)
			zeros++;
		else
			a[k++] = a[i];
	out->n = k;
	int rc = 0;
	if (k > 0)
		rc = signed_rank_fit(a, k, zeros, conf, out);
	else if (zeros > 0)
		out->est = 0, out->p = 1; /* all zero: no shift at all (R: NaN) */
	free(a);
	if (rc < 0)
		est_init(out);
	return rc;
}

/* The inference part of stats_rank_sum; a = y, b = x (R's wilcox.test(y, x)). */
static int rank_sum_fit(const double *a, int na, const double *b, int nb, double conf,
			struct stats_est *out)
{
	size_t m;
	double ties, *w = diffs_sorted(a, na, b, nb, &m);
	struct keyed *buf = malloc((size_t)(na + nb) * sizeof *buf);
	struct zctx c = { .a = a, .na = na, .b = b, .nb = nb, .buf = buf };
	int rc = -1;
	if (w && buf) {
		for (int i = 0; i < na; i++)
			buf[i] = (struct keyed){ a[i], 1 };
		for (int j = 0; j < nb; j++)
			buf[na + j] = (struct keyed){ b[j], 0 };
		double stat = rank_sum_flagged(buf, na + nb, &ties) - na * (na + 1.0) / 2;
		out->exact = na < 50 && nb < 50 && ties == 0;
		rc = wilcoxon_infer(&c, stat, w, m, conf, rs_z, rs_normal_interval, out);
	}
	free(buf);
	free(w);
	return rc;
}

int stats_rank_sum(const double *x, int nx, const double *y, int ny, double conf,
		   struct stats_est *out)
{
	if (!out)
		return -1;
	est_init(out);
	if (!x || !y || nx < 0 || ny < 0 || !valid_conf(conf) || has_inf(x, nx) ||
	    has_inf(y, ny))
		return -1;
	int mx, my, rc = -1;
	double *a = copy_non_nan(y, ny, &my), *b = copy_non_nan(x, nx, &mx);
	if (a && b) {
		out->n = mx + my;
		rc = mx > 0 && my > 0 ? rank_sum_fit(a, my, b, mx, conf, out) : 0;
	}
	free(a);
	free(b);
	if (rc < 0)
		est_init(out);
	return rc;
}

/* ----------------------------------------------------------- BCa bootstrap */

/* Jackknife acceleration a = sum(u^3) / (6 sum(u^2)^1.5); 0 when the jackknife values
 * are all equal.  buf holds n-1 values. */
static double jackknife_accel(const double *x, int n, double (*stat)(const double *, int),
			      double *buf, double *th)
{
	double mean = 0, s2 = 0, s3 = 0;
	for (int i = 0; i < n; i++) {
		memcpy(buf, x, (size_t)i * sizeof *buf);
		memcpy(buf + i, x + i + 1, (size_t)(n - 1 - i) * sizeof *buf);
		th[i] = stat(buf, n - 1);
		mean += th[i] / n;
	}
	for (int i = 0; i < n; i++) {
		double u = mean - th[i];
		s2 += u * u;
		s3 += u * u * u;
	}
	return s2 > 0 ? s3 / (6 * pow(s2, 1.5)) : 0;
}

/* z0 from the replicates t[0..reps-1] (ties with t0 count one half); NaN if degenerate. */
static double bias_correction(const double *t, int reps, double t0)
{
	double below = 0;
	for (int b = 0; b < reps; b++) {
		if (isnan(t[b]))
			return NAN;
		below += t[b] < t0 ? 1 : t[b] == t0 ? 0.5 : 0;
	}
	double p = below / reps;
	return p > 0 && p < 1 ? stats_normal_quantile(p) : NAN;
}

/* Efron's adjusted percentile for the normal quantile za. */
static double bca_level(double z0, double a, double za)
{
	double w = z0 + za, den = 1 - a * w;
	return den > 0 ? stats_normal_cdf(z0 + w / den) : NAN;
}

static int bca_fit(const double *x, int n, double (*stat)(const double *, int), int reps,
		   uint64_t seed, double conf, double *lo, double *hi)
{
	double *t = malloc((size_t)reps * sizeof *t);
	double *buf = malloc((size_t)n * sizeof *buf), *th = malloc((size_t)n * sizeof *th);
	int rc = -1;
	if (!t || !buf || !th)
		goto out;
	struct prng r;
	prng_seed(&r, seed);
	for (int b = 0; b < reps; b++) {
		for (int i = 0; i < n; i++)
			buf[i] = x[prng_below(&r, (uint64_t)n)];
		t[b] = stat(buf, n);
	}
	double z0 = bias_correction(t, reps, stat(x, n));
	double a = jackknife_accel(x, n, stat, buf, th);
	double za = stats_normal_quantile((1 - conf) / 2);
	double p_lo = bca_level(z0, a, za), p_hi = bca_level(z0, a, -za);
	if (!isfinite(z0) || !isfinite(a) || isnan(p_lo) || isnan(p_hi))
		goto out;
	qsort(t, (size_t)reps, sizeof *t, cmp_double);
	if (t[0] == t[reps - 1])
		goto out; /* no spread at all */
	*lo = sorted_quantile7(t, (size_t)reps, p_lo);
	*hi = sorted_quantile7(t, (size_t)reps, p_hi);
	rc = 0;
out:
	free(th);
	free(buf);
	free(t);
	return rc;
}

int stats_bca(const double *d, int n, double (*statistic)(const double *x, int n), int reps,
	      uint64_t seed, double conf, double *lo, double *hi)
{
	if (!lo || !hi)
		return -1;
	*lo = *hi = NAN;
	if (!d || n < 0 || !statistic || reps < 2 || !valid_conf(conf) || has_inf(d, n))
		return -1;
	int m, rc = -1;
	double *x = copy_non_nan(d, n, &m);
	if (x && m >= 3)
		rc = bca_fit(x, m, statistic, reps, seed, conf, lo, hi);
	free(x);
	if (rc < 0)
		*lo = *hi = NAN;
	return rc;
}

/* ---------------------------------------------------------------- planning */

int stats_blocks_needed(const double *d, int n, double resolution, double conf)
{
	if (!d || n < 2 || !(resolution > 0) || !isfinite(resolution) || !valid_conf(conf))
		return -1;
	double s = stats_sd(d, n);
	if (!isfinite(s))
		return -1;
	double alpha = 1 - conf, z = -stats_normal_quantile(alpha / 2);
	double k = ceil(M_PI / 3 * (z * s / resolution) * (z * s / resolution));
	int floor_exact = 1;
	while (ldexp(1, 1 - floor_exact) > alpha)
		floor_exact++;
	if (k < floor_exact)
		k = floor_exact;
	if (k < n)
		k = n;
	return k >= INT_MAX ? INT_MAX : (int)k;
}

/* P(Bin(n, 1/2) <= k), summed in log space so n in the thousands does not overflow. */
static double binom_half_cdf(int n, int k)
{
	double sum = 0;
	for (int i = 0; i <= k && i <= n; i++)
		sum += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * M_LN2);
	return sum > 1 ? 1 : sum;
}

int stats_sign_median(const double *d, int n, double conf, struct stats_est *out)
{
	double *s;
	int m, pos = 0, neg = 0, k = 0;
	est_init(out);
	if (!d || n < 0 || !valid_conf(conf) || has_inf(d, n))
		return -1;
	s = sorted_non_nan(d, n, &m);
	if (!s && m > 0)
		return -1;
	out->n = m;
	out->exact = 1;
	if (m == 0) {
		free(s);
		return 0;
	}
	out->est = sorted_median(s, (size_t)m);
	for (int i = 0; i < m; i++)
		pos += s[i] > 0, neg += s[i] < 0;
	out->p = pos + neg ? 2 * binom_half_cdf(pos + neg, pos < neg ? pos : neg) : 1;
	if (out->p > 1)
		out->p = 1;
	/* Largest k with P(Bin(m, 1/2) <= k - 1) <= alpha / 2. */
	while (k + 1 <= m / 2 && binom_half_cdf(m, k) <= (1 - conf) / 2)
		k++;
	out->conf = k ? 1 - 2 * binom_half_cdf(m, k - 1) : 0;
	if (k >= 1) {
		out->lo = s[k - 1];
		out->hi = s[m - k];
		out->ok = 1;
	}
	free(s);
	return 0;
}

void stats_random_effects(const double *y, const double *se, int k, double conf, struct stats_est *out, double *tau2)
{
	double sw = 0, sw2 = 0, swy = 0, q = 0, t2 = 0, ws = 0, wsy = 0, est, v_dl, v_hk, half, crit;
	memset(out, 0, sizeof(*out));
	out->est = out->lo = out->hi = out->p = NAN;
	if (tau2)
		*tau2 = NAN;
	if (k < 1)
		return;
	for (int j = 0; j < k; j++) {
		double w = 1 / (se[j] * se[j]);
		sw += w, sw2 += w * w, swy += w * y[j];
	}
	for (int j = 0; j < k; j++)
		q += (y[j] - swy / sw) * (y[j] - swy / sw) / (se[j] * se[j]);
	/* DerSimonian & Laird (1986): the method-of-moments between-cluster variance. */
	if (k > 1 && sw - sw2 / sw > 0)
		t2 = fmax(0, (q - (k - 1)) / (sw - sw2 / sw));
	for (int j = 0; j < k; j++) {
		double w = 1 / (se[j] * se[j] + t2);
		ws += w, wsy += w * y[j];
	}
	est = wsy / ws;
	v_dl = 1 / ws;
	if (k == 1) {
		crit = stats_normal_quantile(1 - (1 - conf) / 2);
		half = crit * sqrt(v_dl);
		out->p = 2 * stats_normal_cdf(-fabs(est) / sqrt(v_dl));
	} else {
		double qs = 0;
		for (int j = 0; j < k; j++)
			qs += (y[j] - est) * (y[j] - est) / (se[j] * se[j] + t2);
		/* Hartung & Knapp (2001), Sidik & Jonkman (2002); never below DL's variance. */
		v_hk = fmax(qs / (k - 1) / ws, v_dl);
		crit = stats_t_quantile(1 - (1 - conf) / 2, k - 1);
		half = crit * sqrt(v_hk);
		out->p = 2 * stats_t_cdf(-fabs(est) / sqrt(v_hk), k - 1);
	}
	out->est = est;
	out->lo = est - half;
	out->hi = est + half;
	out->conf = conf;
	out->n = k;
	out->ok = isfinite(half);
	if (tau2)
		*tau2 = t2;
}

