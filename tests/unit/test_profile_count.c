/* test_profile_count.c — a profiler's own frames in folded stacks (self attribution). */
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

int main(void)
{
	RUN(test_known_share);
	RUN(test_pattern_anchors_at_frames);
	RUN(test_empty_is_unknown);
	return CHECK_DONE();
}
