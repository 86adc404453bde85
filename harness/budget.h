/* budget.h — budgets and verdicts: PASS, FAIL or INCONCLUSIVE, decided on interval bounds.
 *
 * A budget caps an overhead: { cpu = "2%", p99 = "5%", memory = "50MB" }.  The verdict for a
 * configuration and metric looks at the whole interval, never at the point estimate alone:
 *
 *   PASS          the interval's upper bound is within the budget
 *   FAIL          the interval's lower bound is beyond it
 *   INCONCLUSIVE  the budget lies inside the interval: this run cannot tell
 *
 * so a noisy machine yields INCONCLUSIVE (exit 4), never a false PASS or a false FAIL beyond
 * the interval's own error rate.
 */
#ifndef TARE_BUDGET_H
#define TARE_BUDGET_H

#include <jansson.h>

#include "analysis.h"

enum verdict { V_NONE, V_PASS, V_INCONCLUSIVE, V_FAIL };   /* ordered: the worst wins */

struct budget_item {
	enum metric metric;
	double limit;            /* in the metric's unit (%, bytes, µs), or a percentage when relative */
	int relative;            /* latency given in % of the baseline's percentile */
	char text[48];           /* as written: "5%" */
};

struct budget {
	struct budget_item items[MET_COUNT];
	int n;
};

/* Parse one "name = value" (name: cpu, cpu_workload, cpu_profiler, cpu_unattributed, memory or
 * rss, throughput (a loss), p50, p90, p99, p999; value: "2%", "50MB", "64MiB", "200us",
 * "0.5ms").  0, or -1 with one line in err saying what is accepted. */
int budget_add(struct budget *b, const char *name, const char *value, char *err, size_t errlen);
/* "cpu:2%,p99:5%" or "cpu=2%,p99=5%" (the command line's form). */
int budget_parse_list(struct budget *b, const char *list, char *err, size_t errlen);

struct verdict_row {
	int config;
	const struct budget_item *item;
	double limit;            /* resolved to the metric's unit */
	double est, lo, hi;      /* in the metric's unit; lo/hi NaN when there is no interval */
	enum verdict verdict;
};

/* One row per configuration (baselines excluded) and budget item. */
int budget_evaluate(const struct budget *b, const struct experiment *ex, const struct analysis *an,
		    struct verdict_row **rows);
enum verdict budget_overall(const struct verdict_row *rows, int n);
/* "none", "PASS", "INCONCLUSIVE", "FAIL" by value, NULL-terminated (a JSON table's names). */
extern const char *const verdict_names[];
const char *verdict_name(enum verdict v);
int verdict_exit_code(enum verdict v);
json_t *budget_json(const struct budget *b, const struct experiment *ex, const struct verdict_row *rows, int n);
/* "  perf hz=99   cpu   +0.21% [+0.05, +0.39]  budget 2%   PASS" lines. */
void budget_print(FILE *f, const struct experiment *ex, const struct verdict_row *rows, int n);

#endif
