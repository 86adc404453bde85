/* test_analysis.c — the paired per-block analysis recovers overheads built into synthetic
 * trials, worked out by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "check.h"
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

int main(void)
{
	RUN(test_known_split);
	RUN(test_failed_trials_unpaired);
	RUN(test_aa_contains_zero);
	return CHECK_DONE();
}
