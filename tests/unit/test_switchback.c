/* test_switchback.c — the switchback analysis: the random-effects combination against values
 * worked out by hand, its coverage over many simulated runs, and the recovery of a known
 * overhead (and of a carry-over) built into synthetic windows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prng.h"
#include "switchback.h"

/* Standard normal deviate (Box-Muller) from the harness PRNG: deterministic across platforms. */
static double gauss(struct prng *r)
{
	double u = prng_unit(r), v = prng_unit(r);
	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

static void test_combine_by_hand(void)
{
	struct stats_est e;
	double tau2;
	const double y1[] = { 2.0 }, s1[] = { 0.5 };
	/* one process: y +- z se */
	stats_random_effects(y1, s1, 1, 0.95, &e, &tau2);
	CHECK_NEAR(e.est, 2.0, 1e-12);
	CHECK_NEAR(e.hi - e.est, 1.959963985 * 0.5, 1e-8);
	CHECK(e.ok && tau2 == 0, "ok %d tau2 %g", e.ok, tau2);
	/* identical estimates: tau2 = 0, HK's q is 0, so DL's variance 1/sum(w) with a t quantile */
	{
		const double y[] = { 1, 1, 1, 1 }, s[] = { 0.2, 0.2, 0.2, 0.2 };
		stats_random_effects(y, s, 4, 0.95, &e, &tau2);
		CHECK_NEAR(e.est, 1, 1e-12);
		CHECK_NEAR(e.hi - e.est, 3.182446305 * 0.1, 1e-7);   /* t(3) x 0.2 / sqrt(4) */
		CHECK(tau2 == 0, "tau2 %g", tau2);
	}
	/* y = 0, 2 with se 1: Q = 2, DL tau2 = (2 - 1) / (2 - 2/2) = 1; weights 1/2 each;
	 * est 1, v_DL = 1, HK q = (1 + 1) / 2 / 1 ... = 1 / 1 = 1: half = t(1) x 1 */
	{
		const double y[] = { 0, 2 }, s[] = { 1, 1 };
		stats_random_effects(y, s, 2, 0.95, &e, &tau2);
		CHECK_NEAR(tau2, 1, 1e-12);
		CHECK_NEAR(e.est, 1, 1e-12);
		CHECK_NEAR(e.hi - e.est, 12.70620474, 1e-6);
	}
}

/* 2000 simulated runs of 6 processes whose true effects scatter (tau = 0.3) around 1.0, each
 * measured with its own standard error: the 95% interval covers 1.0 in 93-99% of them (the
 * modified HKSJ is at or above nominal; a binomial sd is 0.5 points). */
static void test_combine_coverage(void)
{
	struct prng r;
	int cover = 0, n = 2000;
	prng_seed(&r, 1234);
	for (int i = 0; i < n; i++) {
		double y[6], se[6];
		struct stats_est e;
		for (int j = 0; j < 6; j++) {
			se[j] = 0.1 + 0.3 * prng_unit(&r);
			y[j] = 1.0 + 0.3 * gauss(&r) + se[j] * gauss(&r);
		}
		stats_random_effects(y, se, 6, 0.95, &e, NULL);
		cover += e.lo <= 1.0 && 1.0 <= e.hi;
	}
	CHECK(cover >= 0.93 * n && cover <= 0.99 * n, "covered in %d of %d", cover, n);
}

static struct config configs[2];
static struct workload workload;
static double sim_warm;   /* % more CPU per unit in the first half of each process (warm-up) */

/* k processes of npairs pairs each; on windows cost (1 + pct/100) times the off windows' CPU
 * per unit, each window with multiplicative noise of sd `noise`, each process its own level;
 * an off window right after an on window costs (1 + carry/100) more. */
static void simulate(struct trial_result *tr, int k, int npairs, double pct, double noise, double carry, uint64_t seed)
{
	struct prng r;
	prng_seed(&r, seed);
	for (int j = 0; j < k; j++) {
		double level = 1000 * (1 + 0.2 * prng_unit(&r));
		memset(&tr[j], 0, sizeof(tr[j]));
		tr[j].config = 1;
		tr[j].block = j;
		tr[j].state = TRIAL_OK;
		strcpy(tr[j].unit, "passes");
		tr[j].nwindows = 2 * npairs;
		tr[j].windows = calloc((size_t)tr[j].nwindows, sizeof(struct window_result));
		for (int w = 0; w < tr[j].nwindows; w++) {
			struct window_result *wr = &tr[j].windows[w];
			int arm = (int)((prng_next(&r) >> 63) ^ (uint64_t)(w & 1));
			double cpu = level * exp(noise * gauss(&r));
			if (w & 1)   /* pairs hold one of each: the second takes the other arm */
				arm = !tr[j].windows[w - 1].arm;
			if (w < tr[j].nwindows / 2)
				cpu *= 1 + sim_warm / 100;
			if (arm)
				cpu *= 1 + pct / 100;
			else if (w > 0 && tr[j].windows[w - 1].arm)
				cpu *= 1 + carry / 100;
			wr->index = w;
			wr->arm = arm;
			wr->wall_s = 0.25;
			wr->units = 10000;
			wr->workload_cpu_ns = (uint64_t)(cpu * 10000);
		}
	}
}

static void setup(struct experiment *ex, int k)
{
	memset(ex, 0, sizeof(*ex));
	memset(configs, 0, sizeof(configs));
	configs[0].label = "off";
	configs[0].baseline = 1;
	configs[1].label = "on";
	configs[1].id = 1;
	workload.label = "w";
	ex->configs = configs;
	ex->nconfigs = 2;
	ex->workloads = &workload;
	ex->nworkloads = 1;
	ex->blocks = k;
	ex->design = DESIGN_SWITCHBACK;
	ex->window_s = 0.25;
}

static void test_recovers_known_overhead(void)
{
	struct experiment ex;
	struct trial_result tr[6];
	struct analysis an = { 0 };
	const struct overhead *o;
	setup(&ex, 6);
	simulate(tr, 6, 40, 1.0, 0.01, 0, 7);
	analysis_run(&ex, tr, 6, 0.999, &an);
	o = &an.arms[1].m[MET_CPU_TOTAL];
	CHECK(o->e.ok && o->e.lo <= 1.0 && 1.0 <= o->e.hi, "1%% in [%g, %g]", o->e.lo, o->e.hi);
	/* 240 pairs of sd 1.4 points: SE ~0.09 points; 6 processes give t(5) = 6.87 at 99.9%,
	 * so a half-width near 0.65 points */
	CHECK(o->e.hi - o->e.lo < 1.6, "width %g", o->e.hi - o->e.lo);
	CHECK(an.arms[1].processes == 6 && an.arms[1].pairs == 240, "%d processes, %d pairs", an.arms[1].processes,
	      an.arms[1].pairs);
	CHECK_NEAR(an.arms[1].within_sd, 100 * sqrt(2) * 0.01, 0.4);
	CHECK(an.arms[1].carryover.ok && an.arms[1].carryover.lo <= 0 && an.arms[1].carryover.hi >= 0,
	      "no carry-over, yet [%g, %g]", an.arms[1].carryover.lo, an.arms[1].carryover.hi);
	CHECK(an.arms[1].drift.ok && an.arms[1].drift.lo <= 0 && an.arms[1].drift.hi >= 0,
	      "no warm-up, yet [%g, %g]", an.arms[1].drift.lo, an.arms[1].drift.hi);
	CHECK(fabs(an.arms[0].cpu_per_unit_ns - 1100) < 150, "baseline %g ns/unit", an.arms[0].cpu_per_unit_ns);
	analysis_free(&an);
	for (int j = 0; j < 6; j++)
		trial_result_free(&tr[j]);
}

static void test_detects_carryover(void)
{
	struct experiment ex;
	struct trial_result tr[6];
	struct analysis an = { 0 };
	setup(&ex, 6);
	simulate(tr, 6, 40, 1.0, 0.01, 3.0, 8);
	analysis_run(&ex, tr, 6, 0.95, &an);
	CHECK(an.arms[1].carryover.ok && an.arms[1].carryover.lo > 1.0, "3%% carry-over: [%g, %g]",
	      an.arms[1].carryover.lo, an.arms[1].carryover.hi);
	analysis_free(&an);
	for (int j = 0; j < 6; j++)
		trial_result_free(&tr[j]);
}

/* A workload 4% slower in the first half of each process: the warm-up check sees it, and the
 * pairs still recover the profiler's 1% (a pair shares its half). */
static void test_detects_warmup(void)
{
	struct experiment ex;
	struct trial_result tr[6];
	struct analysis an = { 0 };
	const struct overhead *o;
	setup(&ex, 6);
	sim_warm = 4.0;
	simulate(tr, 6, 40, 1.0, 0.01, 0, 9);
	sim_warm = 0;
	analysis_run(&ex, tr, 6, 0.999, &an);
	CHECK(an.arms[1].drift.ok && an.arms[1].drift.lo > 2.0 && an.arms[1].drift.hi < 6.0, "4%% warm-up: [%g, %g]",
	      an.arms[1].drift.lo, an.arms[1].drift.hi);
	o = &an.arms[1].m[MET_CPU_TOTAL];
	CHECK(o->e.ok && o->e.lo <= 1.0 && 1.0 <= o->e.hi, "1%% in [%g, %g] despite the warm-up", o->e.lo, o->e.hi);
	analysis_free(&an);
	for (int j = 0; j < 6; j++)
		trial_result_free(&tr[j]);
}

/* The whole analysis over 500 simulated runs of 4 processes x 3 pairs (few pairs: each
 * process's own variance would be noise): the 95% interval covers the true 1% at least 92% of
 * the time.  (It covers 99% here: with 4 processes and no real between-process spread the
 * modified HKSJ is conservative — the price of staying honest when processes do differ.) */
static void test_analysis_coverage(void)
{
	struct experiment ex;
	int cover = 0, n = 500;
	setup(&ex, 4);
	for (int i = 0; i < n; i++) {
		struct trial_result tr[4];
		struct analysis an = { 0 };
		const struct stats_est *e;
		simulate(tr, 4, 3, 1.0, 0.01, 0, 100 + (uint64_t)i);
		analysis_run(&ex, tr, 4, 0.95, &an);
		e = &an.arms[1].m[MET_CPU_TOTAL].e;
		cover += e->ok && e->lo <= 1.0 && 1.0 <= e->hi;
		analysis_free(&an);
		for (int j = 0; j < 4; j++)
			trial_result_free(&tr[j]);
	}
	CHECK(cover >= 0.92 * n, "covered in %d of %d", cover, n);
}

int main(void)
{
	RUN(test_combine_by_hand);
	RUN(test_combine_coverage);
	RUN(test_recovers_known_overhead);
	RUN(test_detects_carryover);
	RUN(test_detects_warmup);
	RUN(test_analysis_coverage);
	return CHECK_DONE();
}
