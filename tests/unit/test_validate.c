/* test_validate.c — `tare validate`'s statistics and readers without running anything: the
 * metrics on hand-computed cases, the expected TVD and the bounds against simulated multinomial
 * samples, folded stacks, perf script output, and the cpu workload's truth line. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prng.h"
/* by path: harness/ is searched first */
#include "../../profilers/ref/validate.h"

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

int main(void)
{
	RUN(test_metrics_by_hand);
	RUN(test_leaf_most_site);
	RUN(test_expected_tvd_and_bounds);
	RUN(test_bounds);
	RUN(test_read_folded);
	RUN(test_read_perf_script);
	RUN(test_cpu_truth);
	return CHECK_DONE();
}
