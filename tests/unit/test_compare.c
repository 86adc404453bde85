/* test_compare.c — tare compare on synthetic runs whose change is known, its gates' parsing,
 * and a hostile label in its Markdown and JUnit outputs (the escapers: test_markup.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "prng.h"

#define BLOCKS 10

/* One synthetic run: the off arm and "probe", optionally a third arm "extra". */
struct side {
	struct config configs[3];
	struct workload workload;
	struct trial_result trials[3 * BLOCKS];
	struct loaded_results lr;
};

/* A trial of `units` of work at w ns of workload CPU per unit, in 1 s. */
static void fill(struct trial_result *t, int block, int config, double w, uint64_t rss)
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
	t->workload_rss_peak_bytes = rss;
}

static void side_init(struct side *s, const char *name, int nconfigs)
{
	static const char *const labels[3] = { "off", "probe", "extra" };
	memset(s, 0, sizeof(*s));
	for (int c = 0; c < nconfigs; c++) {
		s->configs[c].id = c;
		s->configs[c].label = (char *)labels[c];
		s->configs[c].truth_cpu_pct = s->configs[c].truth_latency_us = NAN;
	}
	s->configs[0].baseline = 1;
	s->workload.label = "w";
	s->workload.unit = "iterations";
	s->lr.ex.name = (char *)name;
	s->lr.ex.configs = s->configs;
	s->lr.ex.nconfigs = nconfigs;
	s->lr.ex.workloads = &s->workload;
	s->lr.ex.nworkloads = 1;
	s->lr.ex.blocks = BLOCKS;
	s->lr.ex.confidence = 0.95;
	snprintf(s->lr.path, sizeof(s->lr.path), "%s/results.json", name);
	s->lr.trials = s->trials;
}

/* Every arm but off costs `pct` percent more CPU per unit; each block drifts by up to +-10%
 * (both arms alike: pairing cancels it), each trial jitters by +-0.1%. */
static void side_run(struct side *s, double pct, uint64_t seed)
{
	struct prng r;
	int n = 0;
	prng_seed(&r, seed);
	for (int b = 0; b < BLOCKS; b++) {
		double drift = 1 + 0.2 * (prng_unit(&r) - 0.5);
		for (int c = 0; c < s->lr.ex.nconfigs; c++) {
			double jitter = 1 + 0.002 * (prng_unit(&r) - 0.5);
			fill(&s->trials[n++], b, c, 1000 * drift * jitter * (c ? 1 + pct / 100 : 1), (4 << 20) + 4096 * (b % 3));
		}
	}
	s->lr.ntrials = n;
}

static const struct cmp_row *find_row(const struct comparison *cmp, const char *config, const char *metric)
{
	for (int i = 0; i < cmp->nrows; i++) {
		const struct cmp_row *r = &cmp->rows[i];
		if (!strcmp(cmp->cur->ex.configs[r->cur_config].label, config) && !strcmp(cmp_row_metric(r), metric))
			return r;
	}
	return NULL;
}

static struct side base, cur;

static void test_same_run_is_all_tilde(void)
{
	struct comparison cmp = { 0 };
	char err[512];
	side_init(&base, "a", 2);
	side_run(&base, 3, 1);
	CHECK(compare_set_gates(&cmp, NULL, "cpu:1%,cpu_per_unit:20%", err, sizeof(err)) == 0, "%s", err);
	CHECK(compare_runs(&cmp, &base.lr, &base.lr, err, sizeof(err)) == 0, "%s", err);
	CHECK(cmp.nrows > 0, "rows");
	for (int i = 0; i < cmp.nrows; i++) {
		const struct cmp_row *r = &cmp.rows[i];
		if (!isfinite(r->change.est))
			continue;
		CHECK(!r->significant, "%s: a run against itself changes nothing", cmp_row_metric(r));
		CHECK_NEAR(r->change.est, 0, 1e-9);
	}
	CHECK(cmp.overall == V_PASS, "within its tolerances: %s", verdict_name(cmp.overall));
	compare_free(&cmp);
}

static void test_known_change(void)
{
	struct comparison cmp = { 0 };
	const struct cmp_row *r;
	char err[512];
	side_init(&base, "a", 2);
	side_init(&cur, "b", 2);
	side_run(&base, 1, 1);
	side_run(&cur, 3, 2);
	CHECK(compare_set_gates(&cmp, "cpu:2%", "cpu:0.5%", err, sizeof(err)) == 0, "%s", err);
	CHECK(compare_runs(&cmp, &base.lr, &cur.lr, err, sizeof(err)) == 0, "%s", err);
	r = find_row(&cmp, "probe", "cpu_total");
	CHECK(r != NULL, "a cpu_total row");
	if (!r)
		return;
	CHECK_NEAR(r->base.est, 1.0, 0.1);
	CHECK_NEAR(r->cur.est, 3.0, 0.1);
	/* 1.01 -> 1.03 of the off arm's CPU: +2 points */
	CHECK_NEAR(r->change.est, 2.0, 0.1);
	CHECK(r->significant && r->change.lo > 0.5, "+2 points over 10 blocks: [%g, %g]", r->change.lo, r->change.hi);
	CHECK(r->tolerance == V_FAIL, "beyond a 0.5-point tolerance: %s", verdict_name(r->tolerance));
	CHECK(r->budget == V_FAIL, "3%% against a 2%% budget: %s", verdict_name(r->budget));
	CHECK(cmp.overall == V_FAIL && verdict_exit_code(cmp.overall) == EXIT_FAIL, "overall");
	r = find_row(&cmp, "probe", "cpu_per_unit_ns");
	CHECK(r && r->absolute && isfinite(r->base.est) && r->base.est > 0, "the arm's own CPU per unit");
	compare_free(&cmp);

	memset(&cmp, 0, sizeof(cmp));
	compare_set_gates(&cmp, NULL, "cpu:5%", err, sizeof(err));
	compare_runs(&cmp, &base.lr, &cur.lr, err, sizeof(err));
	CHECK(cmp.overall == V_PASS, "+2 points within 5: %s", verdict_name(cmp.overall));
	compare_free(&cmp);
}

static void test_unmatched_configurations(void)
{
	struct comparison cmp = { 0 };
	const struct cmp_row *r;
	char err[512];
	side_init(&base, "a", 2);
	side_init(&cur, "b", 3);
	side_run(&base, 1, 1);
	side_run(&cur, 1, 2);
	compare_set_gates(&cmp, "cpu:2%", NULL, err, sizeof(err));
	CHECK(compare_runs(&cmp, &base.lr, &cur.lr, err, sizeof(err)) == 0, "%s", err);
	CHECK(cmp.only_cur.n == 1 && !strcmp(cmp.only_cur.v[0], "extra"), "extra is only in the current run");
	r = find_row(&cmp, "extra", "cpu_total");
	CHECK(r && r->base_config < 0 && r->budget == V_PASS, "a new configuration is still held to the budget");
	compare_free(&cmp);

	memset(&cmp, 0, sizeof(cmp));
	base.configs[0].label = "none";
	base.configs[1].label = "other";
	CHECK(compare_runs(&cmp, &base.lr, &cur.lr, err, sizeof(err)) == EXIT_USAGE, "nothing in common");
	CHECK(strstr(err, "b/results.json: no configuration in common") != NULL, "names the file: %s", err);
	compare_free(&cmp);
}

static void test_different_workloads(void)
{
	struct comparison cmp = { 0 };
	char err[512];
	side_init(&base, "a", 2);
	side_init(&cur, "b", 2);
	side_run(&base, 1, 1);
	side_run(&cur, 1, 2);
	kvlist_add(&base.workload.opts, "threads", "1");
	kvlist_add(&cur.workload.opts, "threads", "2");
	kvlist_add(&cur.workload.opts, "new_option", "x");   /* one side only: let through */
	CHECK(compare_runs(&cmp, &base.lr, &cur.lr, err, sizeof(err)) == EXIT_USAGE, "same label, other options");
	CHECK(strstr(err, "threads=2") && strstr(err, "different workloads"), "%s", err);
	compare_free(&cmp);
	kvlist_free(&base.workload.opts);
	kvlist_free(&cur.workload.opts);

	memset(&cmp, 0, sizeof(cmp));
	cur.workload.unit = "requests";
	CHECK(compare_runs(&cmp, &base.lr, &cur.lr, err, sizeof(err)) == EXIT_USAGE, "another unit of work");
	compare_free(&cmp);
}

static void test_gate_parsing(void)
{
	struct comparison cmp = { 0 };
	char err[512];
	CHECK(compare_set_gates(&cmp, "cpu:2%,memory:50MB", "cpu:0.5%,p99:10%,cpu_per_unit:2%,p99_latency:50us,peak_rss:5MB",
				err, sizeof(err)) == 0, "%s", err);
	CHECK(cmp.budget.n == 2 && cmp.tolerance.n == 2 && cmp.tolerance_own.n == 3, "split into overhead and own figures");
	CHECK(cmp.tolerance.items[1].metric == MET_P99 && cmp.tolerance.items[1].relative, "p99:10%% is relative");
	CHECK(cmp.tolerance_own.items[1].metric == MET_P99 && !cmp.tolerance_own.items[1].relative &&
	      cmp.tolerance_own.items[1].limit == 50, "p99_latency:50us in µs");
	CHECK(cmp.tolerance_own.items[2].limit == 5e6, "peak_rss in bytes");
	memset(&cmp, 0, sizeof(cmp));
	CHECK(compare_set_gates(&cmp, NULL, "cpu_per_unit:5MB", err, sizeof(err)) == EXIT_USAGE, "CPU is a percentage");
	CHECK(!strncmp(err, "tolerance: cpu_per_unit", 23), "%s", err);
	memset(&cmp, 0, sizeof(cmp));
	CHECK(compare_set_gates(&cmp, NULL, "foo:1%", err, sizeof(err)) == EXIT_USAGE, "unknown metric");
	CHECK(strstr(err, "tolerance: unknown metric 'foo'") && strstr(err, "peak_rss"), "%s", err);
	memset(&cmp, 0, sizeof(cmp));
	CHECK(compare_set_gates(&cmp, "cpu_per_unit:1%", NULL, err, sizeof(err)) == EXIT_USAGE, "budgets cap overheads only");
	memset(&cmp, 0, sizeof(cmp));
	CHECK(compare_set_gates(&cmp, "", NULL, err, sizeof(err)) == EXIT_USAGE, "an empty list");
	CHECK(compare_format_parse("md") == FMT_MARKDOWN && compare_format_parse("xml") < 0, "formats");
}

/* Every format renders; JUnit counts one testcase per row and escapes a hostile label, and so
 * does Markdown (markup.h's MD_GFM set: & as it is). */
static void test_render(void)
{
	struct comparison cmp = { 0 };
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *f;
	side_init(&base, "a", 2);
	side_init(&cur, "b", 2);
	base.configs[1].label = cur.configs[1].label = "probe <&\"x\">";
	side_run(&base, 1, 1);
	side_run(&cur, 3, 2);
	compare_set_gates(&cmp, NULL, "cpu:0.5%", err, sizeof(err));
	CHECK(compare_runs(&cmp, &base.lr, &cur.lr, err, sizeof(err)) == 0, "%s", err);
	f = open_memstream(&buf, &len);
	compare_render(f, &cmp, FMT_JUNIT);
	fclose(f);
	{
		int cases = 0;
		for (const char *p = buf; (p = strstr(p, "<testcase ")); p++)
			cases++;
		CHECK(cases == cmp.nrows, "%d testcases for %d rows", cases, cmp.nrows);
		CHECK(strstr(buf, "name=\"probe &lt;&amp;&quot;x&quot;&gt;\"") != NULL, "escaped label");
		CHECK(strstr(buf, "<failure ") != NULL, "a failure");
	}
	free(buf);
	f = open_memstream(&buf, &len);
	compare_render(f, &cmp, FMT_MARKDOWN);
	fclose(f);
	CHECK(strstr(buf, "| probe \\<&\"x\"\\> |") != NULL, "escaped label in Markdown: %s", buf);
	free(buf);
	for (int fmt = FMT_TEXT; fmt <= FMT_JSON; fmt++) {
		f = open_memstream(&buf, &len);
		compare_render(f, &cmp, (enum cmp_format)fmt);
		fclose(f);
		CHECK(len > 100, "format %d renders", fmt);
		free(buf);
	}
	compare_free(&cmp);
}

int main(void)
{
	RUN(test_same_run_is_all_tilde);
	RUN(test_known_change);
	RUN(test_unmatched_configurations);
	RUN(test_different_workloads);
	RUN(test_gate_parsing);
	RUN(test_render);
	return CHECK_DONE();
}
