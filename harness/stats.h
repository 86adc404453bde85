/* stats.h — the statistics behind tare's verdicts (DESIGN.md, "Statistics").
 *
 * The headline number for a metric is a Hodges–Lehmann (HL) estimate of the paired log
 * ratio d = ln(on/off) over blocks, with the Wilcoxon signed-rank confidence interval and
 * p-value; an unpaired rank-sum variant exists for current-vs-baseline comparisons; a BCa
 * bootstrap over blocks cross-checks the interval; the descriptive statistics feed the
 * noise guards (CV of the off arm, modified-Z outlier flags, blocks needed).
 *
 * The Wilcoxon procedures reproduce R's wilcox.test(conf.int = TRUE) (R 4.2, two-sided,
 * mu = 0, correct = TRUE, digits.rank = Inf); tests/unit/test_stats.c checks them against
 * vectors R computed (tests/unit/gen_stats_vectors.R).  Where this file departs from R it
 * says so, next to the function.
 *
 * Conventions for every function here:
 *   - NaN entries are skipped, like R's na.rm = TRUE / wilcox.test's dropping of NAs.
 *   - Nothing modifies its input arrays; scratch memory is malloc'd and freed before
 *     returning.  Functions that can run out of memory say what they return then.
 *   - The descriptive statistics return NaN when there are too few values.
 * Sources: Hollander, Wolfe & Chicken, Nonparametric Statistical Methods (3rd ed. 2014),
 * ch. 3–4; Bauer (1972) JASA 67:687–690 (the HL/Wilcoxon intervals); Efron (1987) JASA
 * 82:171–185 (BCa); Iglewicz & Hoaglin (1993), How to Detect and Handle Outliers
 * (modified Z); Wichura (1988) Appl. Statist. 37:477–484 (AS 241, normal quantile).
 */
#ifndef TARE_STATS_H
#define TARE_STATS_H

#include <stdint.h>

/* Result of the Wilcoxon procedures.  All values are in the units of the data. */
struct stats_est {
	double est;    /* Hodges–Lehmann point estimate: one-sample, the median of the Walsh
	                * averages (d_i + d_j)/2, i <= j; two-sample, the median of the
	                * pairwise differences y_j - x_i.  NaN when there is no data. */
	double lo, hi; /* confidence interval; NaN when ok == 0 */
	double conf;   /* confidence the interval has (or would have, when ok == 0):
	                * exact null distribution: its true coverage, >= the request when ok;
	                * normal approximation: the nominal level, or the reduced level R falls
	                * back to when the request cannot be reached; 0 when no interval exists */
	double p;      /* two-sided p-value for "no shift" (location 0) */
	int n;         /* observations used: NaNs dropped, and for the signed-rank procedure
	                * zeros dropped too (see stats_signed_rank); two-sample: nx + ny */
	int exact;     /* 1: exact null distribution; 0: normal approximation */
	int ok;        /* 1: lo/hi is an interval at (at least) the requested confidence.
	                * 0: too few observations (or too many ties) to reach it: lo/hi are
	                * NaN, conf says what could be reached, est and p are still set when
	                * there is data.  Ask stats_blocks_needed() how many blocks would do. */
};

/* One-sample / paired Wilcoxon signed-rank procedure on d (e.g. per-block log ratios).
 * Returns 0 and fills *out (check out->ok), or -1 for bad arguments (NULL, n < 0, conf
 * outside (0,1), an infinite value) or when memory runs out; *out is then NaN/ok = 0.
 *
 * As R: zeros are dropped before anything else — from the test (Wilcoxon's convention)
 * and, as R does, from the estimate and the interval too; out->n counts the non-zero
 * values.  The exact distribution is used when n < 50 and there are no ties in |d| and no
 * zeros; otherwise the normal approximation with tie and continuity correction.
 * Exact interval: [w_(k), w_(M+1-k)] over the M = n(n+1)/2 sorted Walsh averages, k from
 * the signed-rank quantile (Bauer 1972; HWC 2014 §3.3).
 * Normal approximation: R inverts the corrected, standardized statistic with uniroot()
 * (tolerance 1e-4 in the data's units).  That statistic is a step function of the shift
 * whose steps sit on Walsh averages, so this code finds the exact step by bisection over
 * the sorted Walsh averages: the same interval R converges to as tol.root -> 0.  When R
 * cannot reach the request it halves the confidence-level's complement repeatedly
 * (alpha *= 2) — here that is ok = 0 with out->conf = R's reduced level.
 * The estimate is always the HL median; in the normal approximation R reports a uniroot()
 * zero of the statistic instead, which is some point of the plateau where the statistic
 * is 0 — the gap between the Walsh averages around the centre, whose middle is the HL
 * median — so the two differ by at most that gap.
 * Departures from R: ok = 0 whenever the interval's coverage is below the request (R only
 * warns when it is below 1 - 1.5 alpha, e.g. it labels the n = 5 interval "95%" although
 * its coverage is 93.75%); all-zero input gives est = 0 and p = 1 (R: NaN).
 * Cost: n(n+1)/2 doubles of scratch, O(n^2 log n) time. */
int stats_signed_rank(const double *d, int n, double conf, struct stats_est *out);

/* Two-sample (unpaired) Wilcoxon rank-sum / Mann–Whitney procedure.
 * The estimate is the shift of y relative to x: the median of y_j - x_i, positive when
 * y is larger (R's wilcox.test(y, x); note R's own sign convention is x - y).
 * Exact when nx < 50, ny < 50 and no ties in the pooled sample, as R; the normal
 * approximation otherwise, its interval found exactly as for stats_signed_rank.
 * Where R would clip an interval end to the smallest/largest difference because the
 * request is out of reach, ok = 0 and conf = the two-sided level those extremes reach.
 * Returns as stats_signed_rank; out->n = nx + ny after dropping NaNs.  ok = 0 and est NaN
 * when either sample is empty.  Cost: nx*ny doubles of scratch. */
int stats_rank_sum(const double *x, int nx, const double *y, int ny, double conf,
		   struct stats_est *out);

/* Sign-test procedure for data with many ties (memory deltas in whole pages): the estimate is
 * the median of d; the interval is the distribution-free order-statistic interval for the
 * median, [d_(k), d_(n+1-k)] with k the largest integer such that P(Bin(n, 1/2) < k) <=
 * (1-conf)/2 (HWC 2014 §3.6), which stays valid under ties (it is conservative there); p is
 * the two-sided sign test over the non-zero values.  Needs n >= 6 at 95% (ok = 0 below).
 * Returns as stats_signed_rank; exact = 1 always. */
int stats_sign_median(const double *d, int n, double conf, struct stats_est *out);

/* Descriptive statistics; R's definitions.  NaN for no values or when out of memory. */
double stats_median(const double *x, int n);
double stats_quantile(const double *x, int n, double q); /* R type 7; q in [0,1] else NaN */
double stats_mean(const double *x, int n);
double stats_sd(const double *x, int n);   /* sample sd (divisor n-1); NaN for n < 2 */
double stats_cv(const double *x, int n);   /* sd/mean (signed; +-Inf or NaN when mean is 0) */
double stats_mad(const double *x, int n);  /* raw median absolute deviation from the
                                            * median (R's mad(constant = 1)) */

/* Modified Z-scores (Iglewicz & Hoaglin 1993): z_i = 0.6745 (x_i - median) / MAD; they
 * recommend flagging |z| > 3.5 as a potential outlier.  0.6745 = Phi^-1(0.75) makes MAD
 * consistent with the sd for normal data.  When MAD == 0 (more than half the values
 * equal), the score falls back to z_i = (x_i - median) / (1.253314 * MeanAD), MeanAD the
 * mean absolute deviation from the median (IBM's variant; 1.253314 = sqrt(pi/2) does the
 * same job for MeanAD); when that is 0 too, all values equal the median and z_i = 0.
 * z must have room for n values; NaN inputs give NaN scores (all NaN when out of memory). */
void stats_modified_z(const double *x, int n, double *z);

/* BCa bootstrap interval (Efron 1987) for statistic() over the n values of d: reps
 * resamples with replacement (the resampling unit is one value of d, e.g. one block),
 * drawn from xoshiro256** seeded through splitmix64 — the same seed gives the same
 * interval on every platform.  Bias correction z0 = Phi^-1(#{t* < t} / reps), counting
 * replicates equal to t as one half (departure from Efron's strict "<": it keeps z0
 * unbiased for discrete statistics such as the median; it is Efron's definition when
 * there are no ties); acceleration from the jackknife,
 * a = sum(u_i^3) / (6 (sum u_i^2)^1.5), u_i = mean(t_(.)) - t_(i).  Interval ends are
 * type-7 quantiles of the replicates at Phi(z0 + (z0 + z_a) / (1 - a (z0 + z_a))).
 * statistic must not keep the pointer it is given.  Returns 0, or -1 for bad arguments
 * (reps < 2, conf outside (0,1), infinite values), fewer than 3 values, a degenerate
 * bootstrap distribution (all replicates on one side of t, NaN replicates) or no memory;
 * *lo and *hi are NaN then.  Efron & Tibshirani suggest reps >= 1000, more for BCa. */
int stats_bca(const double *d, int n, double (*statistic)(const double *x, int n), int reps,
	      uint64_t seed, double conf, double *lo, double *hi);

/* Standard normal distribution.  The quantile is AS 241 (PPND16, relative accuracy about
 * 1e-16, as R's qnorm): -Inf/+Inf at 0/1, NaN outside [0,1].  The CDF is erfc-based. */
double stats_normal_quantile(double p);
double stats_normal_cdf(double x);
/* Student's t distribution with df degrees of freedom (df > 0, not necessarily whole): the CDF
 * through the regularized incomplete beta function, the quantile by bisection on it (to ~1e-12
 * relative).  NaN for bad arguments; the quantile is -Inf/+Inf at 0/1, as R's qt. */
double stats_t_cdf(double t, double df);
double stats_t_quantile(double p, double df);

/* Planning aid: how many paired blocks would bring the half-width of the signed-rank
 * interval down to resolution (units of d).  With s the sample sd of d, z = Phi^-1(1 -
 * (1-conf)/2), and the HL estimator's asymptotic efficiency 3/pi relative to the mean
 * under normality (HWC 2014 §3.2): half-width ~ z s / sqrt(K 3/pi), so
 *     K = ceil((pi/3) (z s / resolution)^2),
 * raised to the smallest K whose exact interval can reach conf at all (2^(1-K) <= 1-conf:
 * 6 blocks at 95%, 8 at 99%) and to n.  A rough guide: it trusts s from the blocks so far
 * and the normal approximation.  Returns -1 for fewer than 2 non-NaN values,
 * resolution <= 0 or conf outside (0,1); saturates at INT_MAX. */
int stats_blocks_needed(const double *d, int n, double resolution, double conf);

/* Random-effects combination of k estimates y with standard errors se (se > 0): DerSimonian &
 * Laird's between-estimate variance tau^2 and the modified Hartung-Knapp-Sidik-Jonkman interval
 * at conf (a t quantile with k - 1 degrees of freedom, never narrower than DL's own).  k = 1
 * gives y[0] +- z se[0].  *tau2 and *q (Cochran's Q) may be NULL.  Switchback combines its
 * processes with it, tare merge its runs. */
void stats_random_effects(const double *y, const double *se, int k, double conf, struct stats_est *out, double *tau2);

#endif
