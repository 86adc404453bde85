/* test_analysis.c — the paired per-block analysis recovers overheads built into synthetic
 * trials, worked out by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "check.h"
#include "fmt.h"
#include "prng.h"

#define BLOCKS 10

static struct config configs[2];
static struct workload workload;

static void setup(struct experiment *ex)
{
	memset(ex, 0, sizeof(*ex));
	memset(configs, 0, sizeof(configs));
	configs[0].label = "off";
	configs[0].baseline = 1;
	configs[1].label = "on";
	configs[1].id = 1;
	configs[0].truth_cpu_pct = configs[1].truth_cpu_pct = NAN;
	workload.label = "w";
	ex->configs = configs;
	ex->nconfigs = 2;
	ex->workloads = &workload;
	ex->nworkloads = 1;
	ex->blocks = BLOCKS;
}

/* A trial doing `units` of work at w ns of workload CPU per unit, p ns of profiler CPU per
 * unit and u ns unattributed per unit, in 1 s. */
static void fill(struct trial_result *t, int block, int config, double w, double p, double u, uint64_t rss)
{
	const double units = 100000;
	memset(t, 0, sizeof(*t));
	t->block = block;
	t->config = config;
	t->state = TRIAL_OK;
	t->wall_s = 1;
	t->units = (uint64_t)units;
	strcpy(t->unit, "iterations");
	t->workload_cpu_ns = (uint64_t)(w * units);
	t->profiler_cpu_ns = (uint64_t)(p * units);
	t->unattributed_ns = (uint64_t)(u * units);
	t->workload_rss_peak_bytes = rss;
}

static void test_known_split(void)
{
	struct experiment ex;
	struct trial_result tr[2 * BLOCKS];
	struct analysis an;
	struct prng r;
	setup(&ex);
	prng_seed(&r, 5);
	/* Block drift of up to +-10% hits both arms of a block alike: pairing must cancel it. */
	for (int b = 0; b < BLOCKS; b++) {
		double drift = 1 + 0.2 * (prng_unit(&r) - 0.5), jitter = 1 + 0.002 * (prng_unit(&r) - 0.5);
		fill(&tr[2 * b], b, 0, 1000 * drift, 0, 10 * drift, 4 << 20);
		/* on: +3% in the workload, profiler 1.5% of the baseline, +0.5% unattributed */
		fill(&tr[2 * b + 1], b, 1, 1030 * drift * jitter, 15 * drift, 15 * drift, (4 << 20) + (8 << 20));
	}
	analysis_run(&ex, tr, 2 * BLOCKS, 0.95, &an);
	{
		const struct arm_summary *a = &an.arms[1];
		CHECK(an.arms[0].m[MET_CPU_TOTAL].n == 0, "the baseline has no overhead of its own");
		CHECK(a->m[MET_CPU_TOTAL].n == BLOCKS, "paired %d blocks", a->m[MET_CPU_TOTAL].n);
		/* total: (1030 + 15 + 15) / (1000 + 0 + 10) - 1 = 4.9505% */
		CHECK_NEAR(a->m[MET_CPU_TOTAL].e.est, 100 * (1060.0 / 1010 - 1), 0.1);
		CHECK(a->m[MET_CPU_TOTAL].e.ok && a->m[MET_CPU_TOTAL].significant, "5%% over 10 blocks is significant");
		CHECK_NEAR(a->m[MET_CPU_WORKLOAD].e.est, 3.0, 0.1);
		CHECK_NEAR(a->m[MET_CPU_PROFILER].e.est, 1.5, 0.01);
		CHECK_NEAR(a->m[MET_CPU_UNATTRIBUTED].e.est, 0.5, 0.01);
		CHECK_NEAR(a->m[MET_MEMORY].e.est, 8 << 20, 1);
		CHECK(a->m[MET_CPU_TOTAL].e.lo < a->m[MET_CPU_TOTAL].e.est && a->m[MET_CPU_TOTAL].e.est < a->m[MET_CPU_TOTAL].e.hi,
		      "interval around the estimate");
		CHECK(a->ok == BLOCKS && a->failed == 0, "trials counted");
	}
	analysis_free(&an);
}

static void test_failed_trials_unpaired(void)
{
	struct experiment ex;
	struct trial_result tr[2 * BLOCKS];
	struct analysis an;
	setup(&ex);
	for (int b = 0; b < BLOCKS; b++) {
		fill(&tr[2 * b], b, 0, 1000 + b, 0, 0, 1 << 20);
		fill(&tr[2 * b + 1], b, 1, 1100 + b, 0, 0, 1 << 20);
	}
	tr[3].state = TRIAL_FAILED;   /* block 1's "on" trial */
	tr[8].state = TRIAL_FAILED;   /* block 4's baseline */
	analysis_run(&ex, tr, 2 * BLOCKS, 0.95, &an);
	CHECK(an.arms[1].m[MET_CPU_TOTAL].n == BLOCKS - 2, "a block with a failed trial is not paired: n = %d",
	      an.arms[1].m[MET_CPU_TOTAL].n);
	CHECK(an.arms[1].failed == 1 && an.arms[0].failed == 1, "failures counted per arm");
	analysis_free(&an);
}

/* A/A: the same distribution in both arms gives an interval containing 0. */
static void test_aa_contains_zero(void)
{
	struct experiment ex;
	struct trial_result tr[2 * BLOCKS];
	struct analysis an;
	struct prng r;
	setup(&ex);
	prng_seed(&r, 11);
	for (int b = 0; b < BLOCKS; b++) {
		fill(&tr[2 * b], b, 0, 1000 * (1 + 0.01 * (prng_unit(&r) - 0.5)), 0, 0, 1 << 20);
		fill(&tr[2 * b + 1], b, 1, 1000 * (1 + 0.01 * (prng_unit(&r) - 0.5)), 0, 0, 1 << 20);
	}
	analysis_run(&ex, tr, 2 * BLOCKS, 0.95, &an);
	CHECK(an.arms[1].m[MET_CPU_TOTAL].e.lo < 0 && an.arms[1].m[MET_CPU_TOTAL].e.hi > 0, "[%g, %g]",
	      an.arms[1].m[MET_CPU_TOTAL].e.lo, an.arms[1].m[MET_CPU_TOTAL].e.hi);
	CHECK(!an.arms[1].m[MET_CPU_TOTAL].significant, "A/A is not significant");
	analysis_free(&an);
}

/* A profile against the known split 70/20/10, its samples pooled over the trials: 10 trials of
 * [60, 25, 15] are 1000 samples 10, 5 and 5 points off.  cpu_hot's bound is 4.4 SE + 1 =
 * 4.4 x 100 sqrt(0.7 x 0.3 / 1000) + 1 = 7.38 points, so it is outside; 10 of [69, 21, 10] are
 * within (max error 1 point). */
static void test_profile_against_split(void)
{
	static const struct truth_split split = { 3, { { "cpu_hot", 70 }, { "cpu_warm", 20 }, { "cpu_cold", 10 } } };
	const int64_t off[3] = { 60, 25, 15 }, close[3] = { 69, 21, 10 };
	struct experiment ex;
	struct trial_result tr[2 * BLOCKS];
	struct analysis an;
	char line[1024];
	setup(&ex);
	workload.truth = split;
	for (int pass = 0; pass < 2; pass++) {
		for (int b = 0; b < BLOCKS; b++) {
			fill(&tr[2 * b], b, 0, 1000, 0, 10, 4 << 20);
			fill(&tr[2 * b + 1], b, 1, 1030, 15, 15, 4 << 20);
			tr[2 * b + 1].profile_parts.n = 3;
			memcpy(tr[2 * b + 1].profile_parts.count, pass ? close : off, sizeof(off));
		}
		tr[1].state = TRIAL_FAILED;   /* a failed trial's samples are left out */
		tr[1].profile_parts.count[0] = 100000;
		analysis_run(&ex, tr, 2 * BLOCKS, 0.95, &an);
		CHECK(an.arms[0].parts_n == 0 && !fmt_parts(&an.arms[0], &split, line, sizeof(line)), "off has no profile");
		CHECK(an.arms[1].parts_trials == BLOCKS - 1 && an.arms[1].parts_n == 100 * (BLOCKS - 1),
		      "%d trials, %lld samples", an.arms[1].parts_trials, (long long)an.arms[1].parts_n);
		if (!pass) {
			CHECK_NEAR(an.arms[1].parts_max_error_pts, 10, 1e-9);
			CHECK(!an.arms[1].parts_within && an.arms[1].parts_worst == 0, "worst %d", an.arms[1].parts_worst);
			CHECK_NEAR(an.arms[1].parts_bound_pts, 440 * sqrt(0.21 / 900) + 1, 1e-9);
			CHECK(fmt_parts(&an.arms[1], &split, line, sizeof(line)) && strstr(line, "cpu_hot 60.0% (70), cpu_warm 25.0% (20)")
			      && strstr(line, "over 900 samples: max error 10.0 points, OUTSIDE the sampling bound: cpu_hot is 10.0 points off"),
			      "%s", line);
		} else {
			CHECK_NEAR(an.arms[1].parts_max_error_pts, 1, 1e-9);
			CHECK(an.arms[1].parts_within, "within");
			CHECK(fmt_parts(&an.arms[1], &split, line, sizeof(line)) && strstr(line, "max error 1.0 points, within the sampling bound (4.4 SE + 1 = "),
			      "%s", line);
		}
		analysis_free(&an);
	}
	memset(&workload.truth, 0, sizeof(workload.truth));
}

int main(void)
{
	RUN(test_known_split);
	RUN(test_failed_trials_unpaired);
	RUN(test_aa_contains_zero);
	RUN(test_profile_against_split);
	return CHECK_DONE();
}
