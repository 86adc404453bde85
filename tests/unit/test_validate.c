/* test_validate.c — `tare validate`'s statistics and readers without running anything: the
 * metrics on hand-computed cases, the expected TVD and the bounds against simulated multinomial
 * samples, the allocation sampler's standard errors and bounds against simulated Poisson-per-
 * byte sampling, the counted types' metrics, folded stacks, perf script output, pprof profiles,
 * and the workloads' truth lines. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "prng.h"
#include "profile.pb-c.h"
#include "validate.h"

static void truth_70_20_10(struct vtruth *t)
{
	static const char *const names[] = { "cpu_hot", "cpu_warm", "cpu_cold" };
	static const double shares[] = { 0.7, 0.2, 0.1 };

	memset(t, 0, sizeof(*t));
	t->nsites = 3;
	for (int i = 0; i < 3; i++) {
		snprintf(t->site[i], sizeof(t->site[i]), "%s", names[i]);
		t->share[i] = t->nominal[i] = shares[i];
	}
	t->nroots = 2;
	snprintf(t->root[0], sizeof(t->root[0]), "main");
	snprintf(t->root[1], sizeof(t->root[1]), "cpu_thread_main");
}

static void add(struct vprofile *p, const struct vtruth *t, double w, int n, ...)
{
	const char *frames[16];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		frames[i] = va_arg(ap, const char *);
	va_end(ap);
	vprofile_add_stack(p, t, frames, n, w);
}

/* 68/22/10 of 100 against 70/20/10: errors -2, +2, 0 points. */
static void test_metrics_by_hand(void)
{
	struct vtruth t;
	struct vprofile p = { 0 };
	struct vmetrics m;

	truth_70_20_10(&t);
	add(&p, &t, 68, 3, "cpu_hot", "worker", "main");
	add(&p, &t, 22, 3, "cpu_warm", "worker", "main");
	add(&p, &t, 10, 4, "cpu_cold", "worker", "cpu_thread_main", "start_thread");
	add(&p, &t, 5, 2, "clock_gettime", "[unknown]");          /* in no site, no root */
	validate_metrics(&t, &p, &m);
	CHECK_NEAR(m.n, 100, 0);
	CHECK_NEAR(m.measured[0], 0.68, 1e-12);
	CHECK_NEAR(m.max_error_pp, 2.0, 1e-9);
	CHECK(m.worst_site == 0 || m.worst_site == 1, "worst site %d", m.worst_site);
	CHECK_NEAR(m.tvd, 0.02, 1e-12);
	CHECK_NEAR(m.binomial_se_pp, 100 * sqrt(0.7 * 0.3 / 100), 1e-9);
	CHECK_NEAR(m.se_max_pp, 100 * sqrt(0.7 * 0.3 / 100), 1e-9);   /* 0.7 has the largest SE */
	CHECK_NEAR(m.expected_tvd, (sqrt(0.21) + sqrt(0.16) + sqrt(0.09)) / sqrt(2 * M_PI * 100), 1e-12);
	CHECK_NEAR(m.reached_main, 100.0 / 105, 1e-12);
	/* frames: 68*3 + 22*3 + 10*4 + 5*2 = 320, of which 5 are [unknown] */
	CHECK_NEAR(m.symbolized, 315.0 / 320, 1e-12);
}

/* A stack holding two sites counts for the one nearer its leaf; frames are leaf first. */
static void test_leaf_most_site(void)
{
	struct vtruth t;
	struct vprofile p = { 0 };

	truth_70_20_10(&t);
	add(&p, &t, 1, 4, "asm_sysvec_apic_timer_interrupt", "cpu_cold", "cpu_hot", "main");
	CHECK_NEAR(p.site_weight[2], 1, 0);
	CHECK_NEAR(p.site_weight[0], 0, 0);
	CHECK(vframe_symbolized("cpu_hot"), "a name");
	CHECK(!vframe_symbolized("[unknown]"), "perf's unknown");
	CHECK(!vframe_symbolized("cpu+0x1234"), "tare sample's module+offset");
	CHECK(!vframe_symbolized("[unknown]+0x7f0012345678"), "tare sample's unknown");
	CHECK(!vframe_symbolized(""), "empty");
}

/* E[TVD] = sum sqrt(p(1-p)) / sqrt(2 pi n) against the mean over simulated multinomial draws;
 * and the bounds' false-alarm rate under pure sampling noise. */
static void test_expected_tvd_and_bounds(void)
{
	static const double p[3] = { 0.7, 0.2, 0.1 };
	static const int ns[] = { 100, 300, 2000 };
	struct vtruth t;
	struct vbounds b;
	struct prng r;

	truth_70_20_10(&t);
	vbounds_default(&b);
	prng_seed(&r, 5);
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		int n = ns[k], reps = 4000, out = 0, over_3pp = 0;
		double sum = 0, want = validate_expected_tvd(p, 3, n);

		for (int rep = 0; rep < reps; rep++) {
			struct vprofile prof = { 0 };
			struct vmetrics m;
			double c[3] = { 0, 0, 0 };

			for (int i = 0; i < n; i++) {
				double u = prng_unit(&r);

				c[u < 0.7 ? 0 : u < 0.9 ? 1 : 2]++;
			}
			for (int i = 0; i < 3; i++) {
				const char *f[1] = { t.site[i] };

				vprofile_add_stack(&prof, &t, f, 1, c[i]);
			}
			validate_metrics(&t, &prof, &m);
			sum += m.tvd;
			out += m.max_error_pp > vbounds_error_pp(&b, &m) || m.tvd > vbounds_tvd(&b, &m);
			over_3pp += m.max_error_pp > 3;
		}
		/* the mean of 4000 TVDs has a relative SE of ~0.56/sqrt(4000) ~ 1% */
		CHECK(fabs(sum / reps - want) < 0.04 * want, "n %d: mean TVD %.5f, formula %.5f", n,
		      sum / reps, want);
		CHECK(out == 0, "n %d: %d of %d noise-only draws out of bounds", n, out, reps);
		/* the CLI test's fixed 3 points at ~2000 samples: ~0.4% by noise alone (simulated
		 * with 200,000 draws: 0.38%) */
		if (n == 2000)
			CHECK(over_3pp < reps / 50, "n 2000: %d of %d draws over 3 points", over_3pp, reps);
	}
	CHECK(isnan(validate_expected_tvd(p, 3, 0)), "n = 0 has no expectation");
}

static void test_bounds(void)
{
	struct vbounds b;
	struct vmetrics m = { .se_max_pp = 1.5, .expected_tvd = 0.01 };

	vbounds_default(&b);
	CHECK_NEAR(vbounds_error_pp(&b, &m), 4 * 1.5 + 1, 1e-12);
	CHECK_NEAR(vbounds_tvd(&b, &m), 0.04 + 0.01, 1e-12);
	b.max_error_pp = 3;
	CHECK_NEAR(vbounds_error_pp(&b, &m), 3, 0);
}

static FILE *text_file(const char *s)
{
	FILE *f = tmpfile();

	fputs(s, f);
	rewind(f);
	return f;
}

static void test_read_folded(void)
{
	struct vtruth t;
	struct vprofile p = { 0 };
	char err[256] = "";
	FILE *f = text_file("__libc_start_call_main;main;worker;cpu_hot 70\n"
			    "start_thread;cpu_thread_main;worker;cpu_warm 20\n"
			    "\n"
			    "__libc_start_call_main;main;worker;cpu_cold;asm_sysvec_apic_timer_interrupt 10\n"
			    "main;clock_gettime;cpu+0x1234 3\n");

	truth_70_20_10(&t);
	CHECK(vprofile_read_folded(f, &t, &p, err, sizeof(err)) == 0, "%s", err);
	fclose(f);
	CHECK_NEAR(p.stacks_weight, 103, 0);
	CHECK_NEAR(p.in_sites, 100, 0);
	CHECK_NEAR(p.site_weight[2], 10, 0);
	CHECK_NEAR(p.reached_root, 103, 0);
	CHECK_NEAR(p.frames - p.frames_symbolized, 3, 0);

	f = text_file("main;worker;cpu_hot\n");
	CHECK(vprofile_read_folded(f, &t, &p, err, sizeof(err)) < 0, "a line without a count");
	CHECK(strstr(err, "line 1"), "%s", err);
	fclose(f);
	f = text_file("main;cpu_hot 1x\n");
	CHECK(vprofile_read_folded(f, &t, &p, err, sizeof(err)) < 0, "a bad count");
	fclose(f);
}

static void test_read_perf_script(void)
{
	struct vtruth t;
	struct vprofile p = { 0 };
	char err[256] = "";
	FILE *f = text_file(
		"cpu 17497/17497 \n"
		"\t            2331 cpu_hot (/work/main/build/workloads/cpu)\n"
		"\t            2531 worker (/work/main/build/workloads/cpu)\n"
		"\t            1805 main (/work/main/build/workloads/cpu)\n"
		"\t           2724a __libc_start_call_main (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
		"\n"
		"cpu 17497/17499 \n"
		"\tffffffff821f5b65 irqentry_exit_to_user_mode ([kernel.kallsyms])\n"
		"\tffffffff81000e06 asm_sysvec_apic_timer_interrupt ([kernel.kallsyms])\n"
		"\t            233b cpu_warm (/work/main/build/workloads/cpu)\n"
		"\t            2640 cpu_thread_main (/work/main/build/workloads/cpu)\n"
		"\t           891f5 start_thread (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
		"\n"
		"cpu 17497/17497 PERF_RECORD_LOST lost 44\n"
		"cpu 17497/17497 PERF_RECORD_THROTTLE 1234: x\n"
		"cpu 17497/17497 PERF_RECORD_UNTHROTTLE 1235: x\n"
		"cpu 17497/17497 \n"
		"\t    7f0000001234 [unknown] ([unknown])\n"
		"\t            222b cpu_cold (/work/main/build/workloads/cpu)\n"
		"\n"
		"cpu 17497/17497 \n"    /* a sample without a call chain, last, no blank line */
		"\t            2331 operator new(unsigned long) (/x/y (deleted))\n");

	truth_70_20_10(&t);
	CHECK(vprofile_read_perf_script(f, &t, &p, err, sizeof(err)) == 0, "%s", err);
	fclose(f);
	CHECK(p.samples == 4, "%llu samples", (unsigned long long)p.samples);
	CHECK(p.lost == 44, "%llu lost", (unsigned long long)p.lost);
	CHECK(p.throttled == 1, "%llu throttled", (unsigned long long)p.throttled);
	CHECK_NEAR(p.site_weight[0], 1, 0);
	CHECK_NEAR(p.site_weight[1], 1, 0);
	CHECK_NEAR(p.site_weight[2], 1, 0);
	CHECK_NEAR(p.reached_root, 2, 0);
	CHECK_NEAR(p.frames, 12, 0);
	CHECK_NEAR(p.frames_symbolized, 11, 0);
}

static void test_cpu_truth(void)
{
	struct vtruth t;
	char err[256] = "";

	CHECK(validate_cpu_truth(
		"warming up\n"
		"{\"workload\":\"cpu\",\"threads\":2,\"units\":73374,\"split\":{\"cpu_hot\":0.70,"
		"\"cpu_warm\":0.20,\"cpu_cold\":0.10},\"measured_split\":{\"cpu_hot\":0.6953,"
		"\"cpu_warm\":0.2043,\"cpu_cold\":0.1004},\"unit_iterations\":10000,"
		"\"sampled_units\":1147}\n", &t, err, sizeof(err)) == 0, "%s", err);
	CHECK(t.nsites == 3 && !strcmp(t.site[0], "cpu_hot") && !strcmp(t.site[2], "cpu_cold"),
	      "%d sites", t.nsites);
	CHECK_NEAR(t.share[0] + t.share[1] + t.share[2], 1, 1e-12);
	CHECK_NEAR(t.share[1], 0.2043, 1e-6);
	CHECK_NEAR(t.nominal[0], 0.7, 1e-12);
	CHECK(t.nroots == 2 && !strcmp(t.root[0], "main"), "roots");

	CHECK(validate_cpu_truth("", &t, err, sizeof(err)) < 0, "no line");
	CHECK(strstr(err, "no JSON line"), "%s", err);
	CHECK(validate_cpu_truth("{\"split\":{\"a\":1}}", &t, err, sizeof(err)) < 0, "no measured");
	CHECK(strstr(err, "measured_split"), "%s", err);
	CHECK(validate_cpu_truth("{\"split\":{\"a\":1},\"measured_split\":{\"a\":0}}", &t, err,
				 sizeof(err)) < 0, "a workload that never ran sums to 0");
	CHECK(strstr(err, "sums to"), "%s", err);
}


/* ---- the counted types: offcpu, lock (VK_EXACT) ---- */

static const char offcpu_line[] =
	"{\"workload\":\"offcpu\",\"threads\":1,\"units\":1497,\"work_us\":50,\"sites\":{"
	"\"sleep_site\":{\"call\":\"clock_nanosleep\",\"block_us\":1000,\"count\":499,"
	"\"blocked_ns\":517201910,\"min_ns\":1017657,\"max_ns\":4157697},"
	"\"pipe_site\":{\"call\":\"read\",\"block_us\":500,\"count\":499,\"blocked_ns\":268844055,"
	"\"min_ns\":521582,\"max_ns\":2685287},"
	"\"futex_site\":{\"call\":\"futex\",\"block_us\":250,\"count\":499,\"blocked_ns\":138515944,"
	"\"min_ns\":265272,\"max_ns\":540766}},\"count\":1497,\"blocked_ns\":924561909}\n";

static void test_sites_truth(void)
{
	static const char *const roots[] = { "main", "offcpu_thread_main", NULL };
	struct vtruth t;
	char err[256] = "";

	CHECK(validate_sites_truth(offcpu_line, "blocked_ns", "count", NULL, roots, &t, err,
				   sizeof(err)) == 0, "%s", err);
	CHECK(t.nsites == 3 && !strcmp(t.site[0], "sleep_site") && !strcmp(t.site[2], "futex_site"),
	      "%d sites", t.nsites);
	CHECK_NEAR(t.value[1], 268844055, 0);
	CHECK_NEAR(t.count[2], 499, 0);
	CHECK_NEAR(t.share[0], 517201910.0 / 924561909, 1e-12);
	CHECK(isnan(t.nominal[0]), "no nominal split");
	CHECK(t.nroots == 2 && !strcmp(t.root[1], "offcpu_thread_main"), "roots");
	CHECK(validate_sites_truth(offcpu_line, "count", "count", NULL, roots, &t, err,
				   sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(t.share[1], 1.0 / 3, 1e-12);

	CHECK(validate_sites_truth(offcpu_line, "wait_ns", NULL, NULL, roots, &t, err,
				   sizeof(err)) < 0, "a key the sites lack");
	CHECK(strstr(err, "sleep_site has no wait_ns"), "%s", err);
	CHECK(validate_sites_truth("{\"sites\":{\"a\":{\"x\":0}}}", "x", NULL, NULL, roots, &t, err,
				   sizeof(err)) < 0, "nothing at any site");
	CHECK(strstr(err, "did it run"), "%s", err);
	CHECK(validate_sites_truth("{\"workload\":\"lock\"}", "x", NULL, NULL, roots, &t, err,
				   sizeof(err)) < 0, "no sites");
	CHECK(strstr(err, "no sites"), "%s", err);
}

/* Every event counted: no sampling error, the total against the truth's, sites found. */
static void test_exact_metrics(void)
{
	static const char *const roots[] = { "main", NULL };
	struct vtruth t;
	struct vprofile p = { 0 };
	struct vmetrics m;
	char err[256] = "";

	CHECK(validate_sites_truth(offcpu_line, "blocked_ns", "count", NULL, roots, &t, err,
				   sizeof(err)) == 0, "%s", err);
	/* 90% of each site's time, and a stack in no site (the helper thread) */
	add(&p, &t, 0.9 * 517201910, 4, "__schedule", "clock_nanosleep", "sleep_site", "main");
	add(&p, &t, 0.9 * 268844055, 4, "__schedule", "read", "pipe_site", "main");
	add(&p, &t, 0.9 * 138515944, 3, "__schedule", "futex_site", "main");
	add(&p, &t, 1e6, 3, "__schedule", "offcpu_helper", "start_thread");
	validate_metrics_kind(&t, &p, VK_EXACT, 0, &m);
	CHECK_NEAR(m.total_ratio, 0.9, 1e-9);
	CHECK_NEAR(m.total_truth, 924561909, 0);
	CHECK_NEAR(m.max_error_pp, 0, 1e-9);
	CHECK_NEAR(m.se_max_pp, 0, 0);
	CHECK_NEAR(m.expected_tvd, 0, 0);
	CHECK_NEAR(m.total_se_rel, 0, 0);
	CHECK(m.sites_expected == 3 && m.sites_found == 3, "%d of %d sites", m.sites_found,
	      m.sites_expected);
	CHECK_NEAR(m.expected_min, 499, 0);
	CHECK_NEAR(m.reached_main, (0.9 * 924561909) / (0.9 * 924561909 + 1e6), 1e-12);

	/* a site the profile lacks */
	memset(&p, 0, sizeof(p));
	add(&p, &t, 1000, 2, "sleep_site", "main");
	validate_metrics_kind(&t, &p, VK_EXACT, 0, &m);
	CHECK(m.sites_found == 1 && m.sites_expected == 3, "%d of %d sites", m.sites_found,
	      m.sites_expected);
	CHECK_NEAR(m.max_error_pp, 100 * (1 - t.share[0]), 1e-9);
}

/* ---- alloc: Poisson sampling per byte (VK_BYTES, VK_OBJECTS) ---- */

/* The alloc workload's sites at `tare validate --quick`'s scale (2 threads, ~2 s under the
 * probes): objects made and kept live, bytes each. */
static void alloc_truth(struct vtruth *t, int bytes, int live)
{
	static const char *const names[] = { "alloc_small", "alloc_medium", "alloc_large",
					     "alloc_grow", "alloc_seed" };
	static const double made[] = { 152000, 43400, 10850, 10850, 10850 };
	static const double kept[] = { 2048, 2048, 2048, 2048, 0 };
	static const double size[] = { 64, 1024, 16384, 4096, 256 };
	double sum = 0;

	memset(t, 0, sizeof(*t));
	t->nsites = 5;
	for (int i = 0; i < 5; i++) {
		snprintf(t->site[i], sizeof(t->site[i]), "%s", names[i]);
		t->count[i] = live ? kept[i] : made[i];
		t->size[i] = size[i];
		t->value[i] = bytes ? t->count[i] * size[i] : t->count[i];
		t->nominal[i] = NAN;
		sum += t->value[i];
	}
	for (int i = 0; i < 5; i++)
		t->share[i] = t->value[i] / sum;
}

/* Binomial(n, p) exactly: the gaps between sampled allocations are geometric (what the
 * sampler's exponential countdown over bytes gives an allocation of fixed size). */
static double binomial(struct prng *r, double n, double p)
{
	double k = 0, pos = -1, l1p = log1p(-p);

	if (p >= 1)
		return n;
	for (;;) {
		double u = prng_unit(r);

		pos += 1 + floor(log1p(-u) / l1p);
		if (pos >= n)
			return k;
		k++;
	}
}

/* The delta-method SE of each share and of the total against the spread of simulated
 * estimates; the estimator unbiased; and the bounds tare validate holds alloc to (4 SEs +
 * 0.5 point, 1 point in use; totals 4 SEs + 1%, 2% in use) leave none of 1000 draws out. */
static void test_alloc_se_and_bounds(void)
{
	static const struct { int bytes, live; double allowance_pp, slack; } sc[] = {
		{ 1, 0, 0.5, 0.01 }, { 0, 0, 0.5, 0.01 }, { 1, 1, 1, 0.02 } };
	const double mean = 32768;
	struct prng r;

	prng_seed(&r, 8);
	for (size_t s = 0; s < sizeof(sc) / sizeof(sc[0]); s++) {
		struct vtruth t;
		struct vbounds b;
		double se[VALIDATE_MAX_SITES], tse, sum[VALIDATE_MAX_SITES] = { 0 };
		double sq[VALIDATE_MAX_SITES] = { 0 }, tsum = 0, tsq = 0;
		int reps = 1000, out = 0, kind = sc[s].bytes ? VK_BYTES : VK_OBJECTS;

		alloc_truth(&t, sc[s].bytes, sc[s].live);
		vbounds_default(&b);
		b.allowance_pp = sc[s].allowance_pp;
		validate_share_se((enum vkind)kind, &t, 0, mean, se, &tse);
		for (int rep = 0; rep < reps; rep++) {
			struct vprofile prof = { 0 };
			struct vmetrics m;

			for (int i = 0; i < t.nsites; i++) {
				double pr = validate_alloc_p(t.size[i], mean);
				double x = sc[s].bytes ? t.size[i] : 1;
				const char *f[2] = { t.site[i], "main" };

				vprofile_add_stack(&prof, &t, f, 2, binomial(&r, t.count[i], pr) * x / pr);
			}
			validate_metrics_kind(&t, &prof, (enum vkind)kind, mean, &m);
			for (int i = 0; i < t.nsites; i++) {
				sum[i] += m.measured[i];
				sq[i] += (m.measured[i] - t.share[i]) * (m.measured[i] - t.share[i]);
			}
			tsum += m.total_ratio;
			tsq += (m.total_ratio - 1) * (m.total_ratio - 1);
			out += m.max_error_pp > vbounds_error_pp(&b, &m) || m.tvd > vbounds_tvd(&b, &m) ||
			       fabs(m.total_ratio - 1) > b.error_se * m.total_se_rel + sc[s].slack;
			CHECK_NEAR(m.total_se_rel, tse, 1e-12);
		}
		for (int i = 0; i < t.nsites; i++) {
			double sd = sqrt(sq[i] / reps);

			/* unbiased: the mean share within 4 SEs of the mean of 1000 */
			CHECK(fabs(sum[i] / reps - t.share[i]) <= 4 * se[i] / sqrt(reps) + 1e-12,
			      "scenario %zu, %s: mean share %.5f, truth %.5f, se %.5f", s, t.site[i],
			      sum[i] / reps, t.share[i], se[i]);
			/* the SE formula: the simulated spread within 10% (its own SE is ~2%; the
			 * delta method is first order) */
			if (se[i] > 0)
				CHECK(fabs(sd / se[i] - 1) < 0.10, "scenario %zu, %s: sd %.5f vs se %.5f", s,
				      t.site[i], sd, se[i]);
		}
		CHECK(fabs(tsum / reps - 1) <= 4 * tse / sqrt(reps), "scenario %zu: mean total %.5f",
		      s, tsum / reps);
		CHECK(fabs(sqrt(tsq / reps) / tse - 1) < 0.10, "scenario %zu: total sd %.5f vs se %.5f",
		      s, sqrt(tsq / reps), tse);
		CHECK(out <= 2, "scenario %zu: %d of %d noise-only draws out of bounds", s, out, reps);
	}
}

/* For s << N the share's SE is binomial in the expected number of samples T/N. */
static void test_alloc_se_small_sizes(void)
{
	struct vtruth t;
	double se[VALIDATE_MAX_SITES], tse, mean = 1 << 20, total = 0;

	memset(&t, 0, sizeof(t));
	t.nsites = 2;
	t.count[0] = 3e6, t.size[0] = 16, t.count[1] = 1e6, t.size[1] = 16;
	for (int i = 0; i < 2; i++)
		total += t.value[i] = t.count[i] * t.size[i];
	for (int i = 0; i < 2; i++)
		t.share[i] = t.value[i] / total;
	validate_share_se(VK_BYTES, &t, 0, mean, se, &tse);
	CHECK_NEAR(se[0], sqrt(0.75 * 0.25 / (total / mean)), 1e-3 * se[0]);
	CHECK_NEAR(tse, 1 / sqrt(total / mean), 1e-3 * tse);
	CHECK_NEAR(validate_expected_events(VK_BYTES, &t, 0, mean, 0),
		   3e6 * -expm1(-16.0 / mean), 1e-9);
	CHECK_NEAR(validate_alloc_p(16384, 32768), 1 - exp(-0.5), 1e-12);
}

/* ---- pprof ---- */

/* A profile as tare sample writes one: two values, locations with one line, one with two
 * (inlined), one with none (unnamed); written gzip'd. */
static int write_pprof(const char *path)
{
	typedef Perftools__Profiles__Profile Profile;
	static char *strings[] = { "", "delay", "nanoseconds", "contentions", "count", "main",
				   "lock_site_a", "lock_via_mutex_lock", "inlined_helper" };
	Profile pr = PERFTOOLS__PROFILES__PROFILE__INIT;
	Perftools__Profiles__ValueType vt[2], *vtp[2] = { &vt[0], &vt[1] };
	Perftools__Profiles__Function fn[4], *fnp[4];
	Perftools__Profiles__Line ln[5], *lnp[5];
	Perftools__Profiles__Location loc[4], *locp[4];
	Perftools__Profiles__Sample sm[2], *smp[2];
	uint64_t ids0[] = { 3, 2, 1 }, ids1[] = { 4, 1 };
	int64_t v0[] = { 10, 5000 }, v1[] = { 1, 7 };
	size_t len;
	uint8_t *buf;
	gzFile gz;
	int ok;

	for (int i = 0; i < 2; i++) {
		perftools__profiles__value_type__init(&vt[i]);
		vt[i].type = i ? 1 : 3;
		vt[i].unit = i ? 2 : 4;
	}
	for (int i = 0; i < 4; i++) {
		perftools__profiles__function__init(&fn[i]);
		fn[i].id = (uint64_t)(i + 1);
		fn[i].name = 5 + i;	/* main, lock_site_a, lock_via_mutex_lock, inlined_helper */
		fnp[i] = &fn[i];
	}
	for (int i = 0; i < 5; i++) {
		perftools__profiles__line__init(&ln[i]);
		lnp[i] = &ln[i];
	}
	/* location 1: main; 2: lock_site_a; 3: inlined_helper inlined into lock_via_mutex_lock
	 * (innermost first); 4: no line */
	ln[0].function_id = 1, ln[1].function_id = 2, ln[2].function_id = 4, ln[3].function_id = 3;
	for (int i = 0; i < 4; i++) {
		perftools__profiles__location__init(&loc[i]);
		loc[i].id = (uint64_t)(4 - i);	/* out of order, as ids need not be */
		locp[i] = &loc[i];
	}
	loc[3].n_line = 1, loc[3].line = &lnp[0];	/* id 1 */
	loc[2].n_line = 1, loc[2].line = &lnp[1];	/* id 2 */
	loc[1].n_line = 2, loc[1].line = &lnp[2];	/* id 3 */
	for (int i = 0; i < 2; i++) {
		perftools__profiles__sample__init(&sm[i]);
		smp[i] = &sm[i];
		sm[i].n_value = 2;
	}
	sm[0].n_location_id = 3, sm[0].location_id = ids0, sm[0].value = v0;
	sm[1].n_location_id = 2, sm[1].location_id = ids1, sm[1].value = v1;
	pr.n_sample_type = 2, pr.sample_type = vtp;
	pr.n_sample = 2, pr.sample = smp;
	pr.n_location = 4, pr.location = locp;
	pr.n_function = 4, pr.function = fnp;
	pr.n_string_table = sizeof(strings) / sizeof(strings[0]), pr.string_table = strings;
	len = perftools__profiles__profile__get_packed_size(&pr);
	buf = malloc(len);
	perftools__profiles__profile__pack(&pr, buf);
	gz = gzopen(path, "wb");
	ok = gz && gzwrite(gz, buf, (unsigned)len) == (int)len;
	if (gz)
		gzclose(gz);
	free(buf);
	return ok ? 0 : -1;
}

static void test_read_pprof(void)
{
	static const char *const roots[] = { "main", NULL };
	char dir[] = "/tmp/tare-test-validate.XXXXXX", path[64], err[256] = "";
	struct vtruth t0, t1;
	struct vprofile p0 = { 0 }, p1 = { 0 };
	const struct vtruth *t[2] = { &t0, &t1 };
	struct vprofile *p[2] = { &p0, &p1 };
	int vi[2] = { 1, 0 }, bad[1] = { 2 };
	FILE *f;

	CHECK(validate_sites_truth("{\"sites\":{\"lock_site_a\":{\"wait_ns\":5000,\"contentions\":10},"
				   "\"lock_site_b\":{\"wait_ns\":100,\"contentions\":10}}}",
				   "wait_ns", "contentions", NULL, roots, &t0, err, sizeof(err)) == 0,
	      "%s", err);
	t1 = t0;
	if (!mkdtemp(dir))
		SKIP("no temporary directory");
	snprintf(path, sizeof(path), "%s/p.pb.gz", dir);
	CHECK(write_pprof(path) == 0, "writing %s", path);
	CHECK(vprofile_read_pprof(path, t, p, vi, 2, err, sizeof(err)) == 0, "%s", err);
	/* value 1 (delay) into p0, value 0 (contentions) into p1 */
	CHECK_NEAR(p0.site_weight[0], 5000, 0);
	CHECK_NEAR(p0.stacks_weight, 5007, 0);
	CHECK_NEAR(p1.site_weight[0], 10, 0);
	CHECK_NEAR(p1.in_sites, 10, 0);
	/* frames: 4 (the inlined location gives two) weighted 5000, 2 weighted 7 of which one
	 * unnamed; every stack holds main */
	CHECK_NEAR(p0.frames, 4 * 5000 + 2 * 7, 0);
	CHECK_NEAR(p0.frames_symbolized, 4 * 5000 + 7, 0);
	CHECK_NEAR(p0.reached_root, 5007, 0);
	CHECK(vprofile_read_pprof(path, t, p, bad, 1, err, sizeof(err)) < 0, "no value 2");
	CHECK(strstr(err, "no value 2"), "%s", err);
	unlink(path);

	f = fopen(path, "w");
	fputs("not gzip'd, not a profile", f);
	fclose(f);
	CHECK(vprofile_read_pprof(path, t, p, vi, 2, err, sizeof(err)) < 0, "garbage");
	CHECK(strstr(err, "not a pprof profile") || strstr(err, "gzip"), "%s", err);
	unlink(path);
	CHECK(vprofile_read_pprof(path, t, p, vi, 2, err, sizeof(err)) < 0, "no file");
	CHECK(strstr(err, "cannot read"), "%s", err);
	rmdir(dir);
}

int main(void)
{
	RUN(test_metrics_by_hand);
	RUN(test_leaf_most_site);
	RUN(test_expected_tvd_and_bounds);
	RUN(test_bounds);
	RUN(test_read_folded);
	RUN(test_read_perf_script);
	RUN(test_cpu_truth);
	RUN(test_sites_truth);
	RUN(test_exact_metrics);
	RUN(test_alloc_se_and_bounds);
	RUN(test_alloc_se_small_sizes);
	RUN(test_read_pprof);
	return CHECK_DONE();
}
