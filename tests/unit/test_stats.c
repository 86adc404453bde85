/* test_stats.c — harness/stats.c against R (stats_vectors.h, from gen_stats_vectors.R)
 * and against properties that must hold whatever R says. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"
#include "stats_vectors.h"

#define LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* |got - want| <= tol, reported with the case and quantity names. */
static void near(const char *name, const char *what, double got, double want, double tol)
{
	CHECK(fabs(got - want) <= tol, "%s: %s = %.17g, want %.17g (tol %.3g)", name, what, got,
	      want, tol);
}

/* Relative closeness with a floor for values at or near 0. */
static void near_rel(const char *name, const char *what, double got, double want, double rel)
{
	near(name, what, got, want, rel * fabs(want) + 1e-300);
}

static int run_vec(const struct wilcox_vec *v, struct stats_est *e)
{
	return v->paired ? stats_signed_rank(v->x, v->nx, v->conf, e)
			 : stats_rank_sum(v->x, v->nx, v->y, v->ny, v->conf, e);
}

/* Interval ends: order statistics (exact) must be bit-for-bit R's; root-found ends (normal
 * approximation) must be the step R converges to with tol.root = 1e-14, and within R's
 * default tol.root = 1e-4 of what R prints by default. */
static void check_interval(const struct wilcox_vec *v, const struct stats_est *e)
{
	if (!e->ok) {
		CHECK(isnan(e->lo) && isnan(e->hi), "%s: ok = 0 but [%g, %g]", v->name, e->lo,
		      e->hi);
		return;
	}
	double tol = v->exact ? 0 : 1e-9 * (v->hi - v->lo) + 1e-15;
	near(v->name, "lo", e->lo, v->lo, tol);
	near(v->name, "hi", e->hi, v->hi, tol);
	near(v->name, "lo vs R default tol", e->lo, v->lo_r4, 1e-4 + 1e-12);
	near(v->name, "hi vs R default tol", e->hi, v->hi_r4, 1e-4 + 1e-12);
	CHECK(e->lo <= e->est && e->est <= e->hi, "%s: est %g outside [%g, %g]", v->name,
	      e->est, e->lo, e->hi);
}

static void check_vec(const struct wilcox_vec *v)
{
	struct stats_est e;
	CHECK(run_vec(v, &e) == 0, "%s: returned -1", v->name);
	CHECK(e.n == v->n && e.exact == v->exact && e.ok == v->ok,
	      "%s: n/exact/ok = %d/%d/%d, want %d/%d/%d", v->name, e.n, e.exact, e.ok, v->n,
	      v->exact, v->ok);
	near_rel(v->name, "est (HL)", e.est, v->hl, 1e-12);
	if (v->exact)
		near_rel(v->name, "est vs R estimate", e.est, v->r_est, 1e-12);
	else if (e.ok) /* R's uniroot() estimate: same zero plateau, not the same point */
		near(v->name, "est vs R estimate", e.est, v->r_est, 0.01 * (v->hi - v->lo));
	near_rel(v->name, "p", e.p, v->p, 1e-9);
	near_rel(v->name, "conf", e.conf, v->conf_achieved, 1e-12);
	/* Whenever R itself says the request is out of reach, so must we. */
	if (v->conf_attr < v->conf)
		CHECK(!e.ok, "%s: R reports conf.level %g < %g but ok = 1", v->name, v->conf_attr,
		      v->conf);
	check_interval(v, &e);
}

static void test_wilcox_vs_r(void)
{
	for (int i = 0; i < LEN(wilcox_vecs); i++)
		check_vec(&wilcox_vecs[i]);
}

static void test_descriptive_vs_r(void)
{
	for (int i = 0; i < LEN(desc_vecs); i++) {
		const struct desc_vec *v = &desc_vecs[i];
		double z[64];
		near_rel(v->name, "median", stats_median(v->x, v->n), v->median, 1e-15);
		near_rel(v->name, "mean", stats_mean(v->x, v->n), v->mean, 1e-15);
		near_rel(v->name, "sd", stats_sd(v->x, v->n), v->sd, 1e-14);
		near_rel(v->name, "mad", stats_mad(v->x, v->n), v->mad, 1e-15);
		near_rel(v->name, "cv", stats_cv(v->x, v->n), v->sd / v->mean, 1e-14);
		for (int j = 0; j < LEN(quantile_probs); j++)
			near_rel(v->name, "quantile", stats_quantile(v->x, v->n, quantile_probs[j]),
				 v->quantile[j], 1e-15);
		stats_modified_z(v->x, v->n, z);
		for (int j = 0; j < v->n; j++)
			near(v->name, "modified z", z[j], v->modz[j], 1e-12);
	}
}

static void test_descriptive_edges(void)
{
	const double x[] = { 3, NAN, 1, 2 };
	CHECK(stats_median(x, 4) == 2, "median skips NaN");
	CHECK(stats_quantile(x, 4, 0.5) == 2, "quantile skips NaN");
	CHECK(stats_mean(x, 4) == 2 && stats_sd(x, 4) == 1, "mean/sd skip NaN");
	CHECK(isnan(stats_median(x, 0)) && isnan(stats_median(NULL, 3)), "empty median");
	CHECK(isnan(stats_quantile(x, 4, -0.1)) && isnan(stats_quantile(x, 4, 1.1)) &&
		      isnan(stats_quantile(x, 4, NAN)), "quantile outside [0,1]");
	CHECK(isnan(stats_sd(x, 1)), "sd of one value");
	const double y[] = { 5, 4, 1 };
	double copy[] = { 5, 4, 1 };
	(void)stats_median(copy, 3), (void)stats_mad(copy, 3), (void)stats_quantile(copy, 3, .3);
	CHECK(memcmp(copy, y, sizeof y) == 0, "inputs left untouched");
}

static void test_normal_vs_r(void)
{
	for (int i = 0; i < LEN(qnorm_p); i++)
		near_rel("qnorm", "quantile", stats_normal_quantile(qnorm_p[i]), qnorm_want[i], 1e-14);
	for (int i = 0; i < LEN(pnorm_x); i++) /* R flushes pnorm(-38) = 2.9e-316 to 0 */
		near("pnorm", "cdf", stats_normal_cdf(pnorm_x[i]), pnorm_want[i],
		     1e-14 * pnorm_want[i] + 1e-300);
	for (double p = 1e-12; p < 1; p *= 1.7)
		near_rel("round trip", "cdf(quantile(p))", stats_normal_cdf(stats_normal_quantile(p)),
			 p, 1e-13);
	CHECK(stats_normal_quantile(0) == -INFINITY && stats_normal_quantile(1) == INFINITY &&
		      isnan(stats_normal_quantile(1.5)) && isnan(stats_normal_quantile(NAN)),
	      "quantile domain");
}

/* qt(p, df) and pt(x, df) to 12 digits, from mpmath 1.3 at 30 digits (betainc, findroot). */
static void test_t_vs_mpmath(void)
{
	static const double p[] = { 0.975, 0.975, 0.975, 0.975, 0.995, 0.9995, 0.95 };
	static const double df[] = { 1, 2, 3, 7, 10, 30, 5 };
	static const double want[] = { 12.70620474, 4.30265273, 3.182446305, 2.364624252, 3.169272673,
				       3.645958635, 2.015048373 };
	for (int i = 0; i < LEN(p); i++) {
		near_rel("qt", "quantile", stats_t_quantile(p[i], df[i]), want[i], 1e-8);
		near_rel("qt", "lower tail", stats_t_quantile(1 - p[i], df[i]), -want[i], 1e-8);
		near_rel("pt", "round trip", stats_t_cdf(want[i], df[i]), p[i], 1e-8);
	}
	near_rel("pt", "pt(2, 5)", stats_t_cdf(2, 5), 0.9490302605, 1e-8);
	near_rel("pt", "pt(-1.5, 3)", stats_t_cdf(-1.5, 3), 0.115291932622, 1e-9);
	/* large df: the normal */
	near_rel("qt", "df 1e6", stats_t_quantile(0.975, 1e6), stats_normal_quantile(0.975), 1e-5);
	CHECK(isnan(stats_t_quantile(0.5, 0)) && isnan(stats_t_cdf(1, -1)) && stats_t_quantile(1, 3) == INFINITY,
	      "t domain");
}

/* ------------------------------------------------------------- properties */

static void test_hl_constant_shift(void)
{
	const double d[] = { 0.021, 0.021, 0.021, 0.021, 0.021, 0.021, 0.021 };
	struct stats_est e;
	CHECK(stats_signed_rank(d, LEN(d), 0.95, &e) == 0, "rc");
	near("constant", "est", e.est, 0.021, 0);
	CHECK(!e.ok && !e.exact && e.conf == 0, "all tied: no interval (ok %d conf %g)", e.ok,
	      e.conf);

	/* y = x + 0.05 exactly: every pairwise difference is (x_i - x_j) + 0.05. */
	double x[12], y[12];
	for (int i = 0; i < 12; i++)
		x[i] = 1 + 0.013 * i * i - 0.1 * (i % 3), y[i] = x[i] + 0.05;
	CHECK(stats_rank_sum(x, 12, y, 12, 0.95, &e) == 0, "rc");
	near("shift", "est", e.est, 0.05, 1e-12);
	CHECK(e.ok && e.lo < 0.05 && e.hi > 0.05, "CI [%g, %g] misses the shift", e.lo, e.hi);

	/* Equivariance: adding c to every d adds c to the estimate and the interval
	 * (no zeros in d: those are dropped, see test_zeros_dropped_like_r). */
	struct stats_est e0, e1;
	double dd[10], ds[10];
	for (int i = 0; i < 10; i++)
		dd[i] = 0.004 * sin(i * 2.1 + 1) + 0.001 * i, ds[i] = dd[i] + 0.25;
	CHECK(stats_signed_rank(dd, 10, 0.95, &e0) == 0 &&
		      stats_signed_rank(ds, 10, 0.95, &e1) == 0, "rc");
	near("equivariance", "est", e1.est, e0.est + 0.25, 1e-12);
	near("equivariance", "lo", e1.lo, e0.lo + 0.25, 1e-12);
	near("equivariance", "hi", e1.hi, e0.hi + 0.25, 1e-12);
}

static void test_symmetric_gives_zero(void)
{
	const double d[] = { -0.03, -0.02, -0.01, 0.01, 0.02, 0.03, -0.045, 0.045 };
	struct stats_est e;
	CHECK(stats_signed_rank(d, LEN(d), 0.95, &e) == 0, "rc");
	CHECK(e.est == 0 && e.p == 1 && e.lo == -e.hi, "est %g p %g [%g, %g]", e.est, e.p, e.lo,
	      e.hi);

	const double x[] = { 3.1, 2.4, 5.0, 4.2, 3.3 };
	CHECK(stats_rank_sum(x, 5, x, 5, 0.95, &e) == 0, "rc");
	CHECK(e.est == 0 && e.p == 1 && e.lo == -e.hi && !e.exact, "est %g p %g [%g, %g]", e.est,
	      e.p, e.lo, e.hi);
}

/* Like R, zeros are dropped before anything else, the estimate included: six "no change"
 * blocks do not pull the estimate towards 0.  R: p 0.41421617824252505 and estimate
 * 0.0210 — a uniroot() point on the plateau (0.015, 0.05) whose midpoint is the HL
 * median 0.0325 of the three non-zero values. */
static void test_zeros_dropped_like_r(void)
{
	const double d[] = { 0, 0, 0, 0, 0, 0, 0.05, 0.05, -0.02 };
	struct stats_est e;
	CHECK(stats_signed_rank(d, LEN(d), 0.95, &e) == 0, "rc");
	CHECK(e.n == 3 && !e.exact && !e.ok, "n %d exact %d ok %d", e.n, e.exact, e.ok);
	near("zeros", "est", e.est, 0.0325, 1e-15);
	near("zeros", "p", e.p, 0.41421617824252505, 1e-12);
}

static void test_sign_convention(void)
{
	const struct wilcox_vec *v = &wilcox_vecs[0];
	double neg[64];
	struct stats_est a, b;
	for (int i = 0; i < v->nx; i++)
		neg[i] = -v->x[i];
	CHECK(stats_signed_rank(v->x, v->nx, 0.95, &a) == 0 &&
		      stats_signed_rank(neg, v->nx, 0.95, &b) == 0, "rc");
	CHECK(b.est == -a.est && b.lo == -a.hi && b.hi == -a.lo && b.p == a.p,
	      "negating d mirrors the result");

	const double off[] = { 10, 10.4, 9.8, 10.1 }, on[] = { 11, 11.3, 10.9, 11.6, 11.1 };
	CHECK(stats_rank_sum(off, 4, on, 5, 0.9, &a) == 0 &&
		      stats_rank_sum(on, 5, off, 4, 0.9, &b) == 0, "rc");
	CHECK(a.est > 0 && b.est == -a.est && b.lo == -a.hi && b.hi == -a.lo && b.p == a.p,
	      "y larger gives a positive shift, swapping mirrors it (est %g, %g)", a.est, b.est);
}

static void test_ci_contains_est(void)
{
	/* A spread of sizes crossing the exact/normal boundary at n = 50. */
	uint64_t s = 12345;
	for (int n = 2; n <= 70; n += 4) {
		double d[70];
		for (int i = 0; i < n; i++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			d[i] = ((double)(s >> 11) / 9007199254740992.0 - 0.4) * 0.05;
		}
		struct stats_est e;
		CHECK(stats_signed_rank(d, n, 0.95, &e) == 0, "n %d: rc", n);
		if (e.ok)
			CHECK(e.lo <= e.est && e.est <= e.hi && e.conf >= 0.95 - 1e-12,
			      "n %d: est %g, [%g, %g] conf %g", n, e.est, e.lo, e.hi, e.conf);
		CHECK(e.ok == (n >= 6), "n %d: ok %d", n, e.ok);
		CHECK(e.exact == (n < 50), "n %d: exact %d", n, e.exact);
		CHECK(e.p >= 0 && e.p <= 1, "n %d: p %g", n, e.p);
	}
}

/* The contract for too little data: return 0, ok = 0, lo/hi NaN, est when possible. */
static void test_too_small(void)
{
	struct stats_est e;
	const double nan3[] = { NAN, NAN, NAN };
	CHECK(stats_signed_rank(nan3, 3, 0.95, &e) == 0, "all NaN: rc");
	CHECK(e.n == 0 && !e.ok && isnan(e.est) && isnan(e.lo) && isnan(e.p) && e.conf == 0,
	      "all NaN: n %d ok %d est %g", e.n, e.ok, e.est);
	CHECK(stats_signed_rank(nan3, 0, 0.95, &e) == 0 && e.n == 0 && !e.ok, "empty");

	const double one[] = { 0.02 };
	CHECK(stats_signed_rank(one, 1, 0.95, &e) == 0, "n = 1: rc");
	CHECK(e.n == 1 && !e.ok && e.est == 0.02 && isnan(e.lo) && isnan(e.hi) && e.conf == 0,
	      "n = 1: ok %d est %g conf %g", e.ok, e.est, e.conf);

	const double five[] = { 0.01, 0.02, 0.03, 0.04, 0.05, 0.06 };
	CHECK(stats_signed_rank(five, 5, 0.95, &e) == 0 && !e.ok && e.conf == 0.9375 &&
		      e.p == 0.0625, "n = 5 cannot reach 95%%: ok %d conf %g", e.ok, e.conf);
	CHECK(stats_signed_rank(five, 6, 0.95, &e) == 0 && e.ok && e.conf == 1 - 2.0 / 64 &&
		      e.lo == 0.01 && e.hi == 0.06, "n = 6 reaches 95%%: ok %d conf %g", e.ok,
	      e.conf);

	const double zeros[] = { 0, 0, 0, NAN };
	CHECK(stats_signed_rank(zeros, 4, 0.95, &e) == 0 && e.n == 0 && e.est == 0 && e.p == 1 &&
		      !e.ok, "all zero: est %g p %g", e.est, e.p);

	CHECK(stats_rank_sum(five, 3, nan3, 3, 0.95, &e) == 0 && !e.ok && isnan(e.est) &&
		      e.n == 3, "empty y: ok %d est %g n %d", e.ok, e.est, e.n);
}

static void test_bad_arguments(void)
{
	const double d[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7 };
	const double inf[] = { 0.1, INFINITY, 0.3 };
	struct stats_est e;
	CHECK(stats_signed_rank(d, 7, 0, &e) == -1 && stats_signed_rank(d, 7, 1, &e) == -1 &&
		      stats_signed_rank(d, 7, NAN, &e) == -1, "conf outside (0,1)");
	CHECK(stats_signed_rank(NULL, 7, 0.95, &e) == -1 && stats_signed_rank(d, 7, 0.95, NULL) == -1 &&
		      stats_signed_rank(d, -1, 0.95, &e) == -1, "NULL / negative n");
	CHECK(stats_signed_rank(inf, 3, 0.95, &e) == -1 && isnan(e.est) && !e.ok, "infinity");
	CHECK(stats_rank_sum(d, 7, inf, 3, 0.95, &e) == -1 && stats_rank_sum(d, 7, NULL, 3, .95, &e) == -1,
	      "rank sum arguments");
	double lo, hi;
	CHECK(stats_bca(d, 7, stats_mean, 1, 1, 0.95, &lo, &hi) == -1 && isnan(lo) && isnan(hi),
	      "bca reps < 2");
	CHECK(stats_bca(inf, 3, stats_mean, 100, 1, 0.95, &lo, &hi) == -1, "bca infinity");
}

/* Normal-ish data from a fixed-seed generator (Box–Muller over an LCG). */
static void normalish(double *x, int n, double mu, double sigma, uint64_t s)
{
	for (int i = 0; i < n; i += 2) {
		double u[2];
		for (int k = 0; k < 2; k++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			u[k] = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
		}
		double r = sqrt(-2 * log(u[0]));
		x[i] = mu + sigma * r * cos(2 * M_PI * u[1]);
		if (i + 1 < n)
			x[i + 1] = mu + sigma * r * sin(2 * M_PI * u[1]);
	}
}

static void test_bca_mean_near_t(void)
{
	enum { N = 400 };
	double x[N], lo, hi, lo2, hi2;
	normalish(x, N, 5, 2, 99);
	double m = stats_mean(x, N), se = stats_sd(x, N) / sqrt(N);
	double half = 1.966 * se; /* t(0.975, 399) */
	CHECK(stats_bca(x, N, stats_mean, 4000, 42, 0.95, &lo, &hi) == 0, "rc");
	near("bca mean", "lo vs t", lo, m - half, 0.1 * half);
	near("bca mean", "hi vs t", hi, m + half, 0.1 * half);
	CHECK(stats_bca(x, N, stats_mean, 4000, 42, 0.95, &lo2, &hi2) == 0 && lo2 == lo &&
		      hi2 == hi, "same seed, same interval");
	CHECK(stats_bca(x, N, stats_mean, 4000, 43, 0.95, &lo2, &hi2) == 0 && lo2 != lo,
	      "another seed, another draw");
}

static void test_bca_vs_r_boot(void)
{
	/* Monte Carlo on both sides (R's boot with its own RNG, BCA_R_REPS replicates; boot
	 * interpolates on the normal scale and counts ties in z0 as "not below"): agree to a
	 * fraction of the width.  Across R seeds the mean's upper end alone moves by ~2%. */
	double lo, hi;
	double w = bca_mean_want[1] - bca_mean_want[0];
	CHECK(stats_bca(bca_x, LEN(bca_x), stats_mean, BCA_R_REPS, 7, 0.95, &lo, &hi) == 0, "rc");
	near("bca mean vs boot", "lo", lo, bca_mean_want[0], 0.05 * w);
	near("bca mean vs boot", "hi", hi, bca_mean_want[1], 0.05 * w);
	w = bca_median_want[1] - bca_median_want[0];
	CHECK(stats_bca(bca_x, LEN(bca_x), stats_median, BCA_R_REPS, 7, 0.95, &lo, &hi) == 0,
	      "rc");
	near("bca median vs boot", "lo", lo, bca_median_want[0], 0.1 * w);
	near("bca median vs boot", "hi", hi, bca_median_want[1], 0.1 * w);
}

static void test_bca_degenerate(void)
{
	const double two[] = { 1, 2 }, same[] = { 4, 4, 4, 4, 4 };
	double lo = 0, hi = 0;
	CHECK(stats_bca(two, 2, stats_mean, 100, 1, 0.95, &lo, &hi) == -1 && isnan(lo) && isnan(hi),
	      "n < 3");
	CHECK(stats_bca(same, 5, stats_mean, 100, 1, 0.95, &lo, &hi) == -1 && isnan(lo),
	      "constant data");
}

static void test_modified_z_flags_outlier(void)
{
	enum { N = 25 };
	double x[N], z[N];
	normalish(x, N, 100, 3, 5);
	x[17] = 140; /* the injected outlier */
	stats_modified_z(x, N, z);
	for (int i = 0; i < N; i++)
		CHECK((fabs(z[i]) > 3.5) == (i == 17), "x[%d] = %g: z = %g", i, x[i], z[i]);

	const double same[] = { 2, 2, 2, NAN };
	stats_modified_z(same, 4, z);
	CHECK(z[0] == 0 && z[1] == 0 && z[2] == 0 && isnan(z[3]), "all equal: z 0, NaN stays NaN");
}

static void test_blocks_needed(void)
{
	const double d[] = { 0.01, -0.02, 0.03, 0.0, 0.015, -0.005, 0.02, 0.01 };
	double s = stats_sd(d, LEN(d)), z = 1.959963984540054;
	int want = (int)ceil(M_PI / 3 * pow(z * s / 0.002, 2));
	CHECK(stats_blocks_needed(d, LEN(d), 0.002, 0.95) == want, "got %d want %d",
	      stats_blocks_needed(d, LEN(d), 0.002, 0.95), want);
	CHECK(stats_blocks_needed(d, LEN(d), 1.0, 0.95) == LEN(d), "never below n");
	CHECK(stats_blocks_needed(d, 3, 1.0, 0.95) == 6 && stats_blocks_needed(d, 3, 1.0, 0.99) == 8,
	      "at least what the exact interval needs");
	CHECK(stats_blocks_needed(d, 1, 0.01, 0.95) == -1 && stats_blocks_needed(d, 8, 0, 0.95) == -1 &&
		      stats_blocks_needed(d, 8, 0.01, 1) == -1, "bad arguments");
	CHECK(stats_blocks_needed(d, LEN(d), 1e-300, 0.95) == INT_MAX, "saturates");
}

/* Order-statistic interval for the median, worked by hand from the binomial. */
static void test_sign_median(void)
{
	const double six[] = { 5, 1, 3, 3, 3, 9 };
	const double ten[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	const double ties[] = { 4096, 4096, 4096, 4096, 0, 8192, 4096, 4096 };
	struct stats_est e;
	CHECK(stats_sign_median(six, 6, 0.95, &e) == 0 && e.ok, "n = 6 reaches 95%%");
	CHECK(e.est == 3 && e.lo == 1 && e.hi == 9, "[min, max] for n = 6: est %g [%g, %g]", e.est, e.lo, e.hi);
	CHECK_NEAR(e.conf, 1 - 2.0 / 64, 1e-12);
	CHECK_NEAR(e.p, 2.0 / 64, 1e-12);   /* all six positive */
	stats_sign_median(ten, 10, 0.95, &e);
	/* P(Bin(10,.5) <= 1) = 11/1024 <= 0.025 < P(<= 2) = 56/1024: k = 2 -> [x(2), x(9)] */
	CHECK(e.ok && e.lo == 2 && e.hi == 9 && e.est == 5.5, "n = 10: est %g [%g, %g]", e.est, e.lo, e.hi);
	CHECK_NEAR(e.conf, 1 - 22.0 / 1024, 1e-12);
	stats_sign_median(ties, 8, 0.95, &e);
	CHECK(e.ok && e.est == 4096 && e.lo <= 4096 && e.hi >= 4096, "ties: est %g [%g, %g]", e.est, e.lo, e.hi);
	stats_sign_median(six, 5, 0.95, &e);
	CHECK(!e.ok && isnan(e.lo) && e.est == 3, "n = 5 cannot reach 95%%");
}

int main(void)
{
	RUN(test_wilcox_vs_r);
	RUN(test_descriptive_vs_r);
	RUN(test_descriptive_edges);
	RUN(test_normal_vs_r);
	RUN(test_t_vs_mpmath);
	RUN(test_hl_constant_shift);
	RUN(test_symmetric_gives_zero);
	RUN(test_zeros_dropped_like_r);
	RUN(test_sign_convention);
	RUN(test_ci_contains_est);
	RUN(test_too_small);
	RUN(test_bad_arguments);
	RUN(test_bca_mean_near_t);
	RUN(test_bca_vs_r_boot);
	RUN(test_bca_degenerate);
	RUN(test_modified_z_flags_outlier);
	RUN(test_blocks_needed);
	RUN(test_sign_median);
	return CHECK_DONE();
}
