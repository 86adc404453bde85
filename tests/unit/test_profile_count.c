/* test_profile_count.c — folded stacks: a profiler's own frames (self attribution) and its samples
 * in the parts of a known split. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "profile_count.h"

/* 40 samples, 3 of them with a perf_ frame somewhere in the stack: 7.5% */
static void test_known_share(void)
{
	const char *folded =
		"main;worker;cpu_hot 30\n"
		"main;worker;cpu_warm;asm_sysvec;__perf_event_task_sched_in 2\n"
		"main;worker;cpu_cold 7\n"
		"main;worker;perf_event_context_sched_out;finish_task_switch 1\n"
		"garbage line without a count\n"
		"\n";
	char err[128] = "";
	double pct = folded_share_pct(folded, "(^|;)_*perf_", err, sizeof(err));
	CHECK_NEAR(pct, 7.5, 1e-9);
}

/* A frame merely containing the word elsewhere (superperf_x) and the count are not matches. */
static void test_pattern_anchors_at_frames(void)
{
	char err[128] = "";
	double pct = folded_share_pct("main;superperf_x 4\nmain;perf_y 4\nperf 2\n", "(^|;)_*perf_", err, sizeof(err));
	CHECK_NEAR(pct, 40.0, 1e-9);
}

static void test_empty_is_unknown(void)
{
	char err[128] = "";
	double pct = folded_share_pct("# nothing\n", "x", err, sizeof(err));
	CHECK(isnan(pct), "got %g", pct);
	CHECK(err[0], "no reason given");
}

static const struct truth_split go_split = { 3, { { "main.cpuHot", 70 }, { "main.cpuWarm", 20 }, { "main.cpuCold", 10 } } };

/* Counts per part, among the samples whose stack holds a part: the leaf below a part (main.kernel)
 * is the part's, a frame merely containing a part's name is not, Go's inlined mark is stripped,
 * stacks outside the parts are left out, and a part twice in a stack counts once, for the deepest. */
static void test_parts_known_counts(void)
{
	const char *folded =
		"net/http.(*conn).serve;main.work;main.cpuHot;main.kernel 60\n"
		"net/http.(*conn).serve;main.work;main.cpuHot 7\n"
		"net/http.(*conn).serve;main.work;main.cpuWarm (inline) 20\n"
		"main.work;main.cpuColdx;main.kernel 5\n"
		"main.work;main.cpuHot;main.cpuCold 11\n"
		"runtime.mcall;runtime.schedule 40\n"
		"no count here\n";
	struct part_samples ps;
	char err[128] = "";
	CHECK(folded_parts(folded, &go_split, &ps, err, sizeof(err)) == 0, "%s", err);
	CHECK(ps.n == 3, "n %d", ps.n);
	CHECK(ps.count[0] == 67 && ps.count[1] == 20 && ps.count[2] == 11, "counts %lld %lld %lld",
	      (long long)ps.count[0], (long long)ps.count[1], (long long)ps.count[2]);
}

/* No sample in any part: an error, and nothing counted (n 0: not "all zero"). */
static void test_parts_none(void)
{
	struct part_samples ps;
	char err[128] = "";
	CHECK(folded_parts("main;cpu_hot 9\nmain;other 3\n", &go_split, &ps, err, sizeof(err)) < 0, "counted");
	CHECK(ps.n == 0 && err[0], "n %d, err '%s'", ps.n, err);
}

int main(void)
{
	RUN(test_known_share);
	RUN(test_pattern_anchors_at_frames);
	RUN(test_empty_is_unknown);
	RUN(test_parts_known_counts);
	RUN(test_parts_none);
	return CHECK_DONE();
}
