/* check.h — the smallest test harness that reports like the rest of tests/run.sh.
 * Each test prints one line: "ok - NAME", "not ok - NAME: why" or "skip - NAME: why". */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failed_total;
static int check_failed_here;
static const char *check_skip_reason;

#define CHECK(cond, ...)                                                             \
	do {                                                                         \
		if (!(cond)) {                                                       \
			if (!check_failed_here)                                      \
				printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			printf("#   ");                                              \
			printf(__VA_ARGS__);                                         \
			printf("\n");                                                \
			check_failed_here = 1;                                       \
		}                                                                    \
	} while (0)

/* |got - want| <= tol, with both values printed when it is not. */
#define CHECK_NEAR(got, want, tol)                                                   \
	CHECK(fabs((double)(got) - (double)(want)) <= (double)(tol),                   \
	      "%s = %.10g, want %.10g ± %.3g", #got, (double)(got), (double)(want), (double)(tol))

#define SKIP(reason) do { check_skip_reason = (reason); return; } while (0)

#define RUN(fn)                                                                      \
	do {                                                                         \
		check_failed_here = 0;                                               \
		check_skip_reason = NULL;                                            \
		fn();                                                                \
		if (check_skip_reason)                                               \
			printf("skip - %s: %s\n", #fn, check_skip_reason);           \
		else if (check_failed_here)                                          \
			printf("not ok - %s\n", #fn), check_failed_total++;          \
		else                                                                 \
			printf("ok - %s\n", #fn);                                    \
		fflush(stdout);                                                      \
	} while (0)

#define CHECK_DONE() (check_failed_total ? 1 : 0)

#endif
