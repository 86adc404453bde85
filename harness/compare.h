/* compare.h — tare compare: a current run against a stored baseline run, benchstat's way.
 *
 *   tare compare BASELINE CURRENT [--budget LIST] [--tolerance LIST]
 *                [--format text|markdown|junit|json] [-o FILE]
 *
 * Configurations are matched by label (and workload label).  For each matched configuration
 * a row per metric: the baseline's figure with its interval, the current's, and the change
 * current - baseline with its interval and p-value, `~` when the interval contains 0.
 *
 * Two kinds of row:
 *   overhead   a non-baseline arm's paired overhead (analysis.h): each side is its own
 *              Hodges–Lehmann estimate and signed-rank interval; the change is the two-sample
 *              Hodges–Lehmann shift of the per-block paired values, with the rank-sum
 *              (Mann–Whitney) interval and p.  cpu_total and throughput are log ratios per
 *              block: their shift is mapped back to percentage points of the baseline's
 *              CPU, 100 (1 + o_base) (exp(shift) - 1).
 *   absolute   an arm's own figures, baseline arm included, so a service's own regression is
 *              caught with no profiler involved: CPU per unit of work and p99 latency per
 *              trial (one-sample HL on the log scale; the change in percent from the rank-sum
 *              shift of the logs), and peak RSS (workload + profiler) per trial (median with
 *              a sign-test interval; the change in bytes).
 *
 * Verdicts (budget.h's rule, on interval bounds):
 *   --budget LIST     each current overhead against a cap, as `tare run budget=`.
 *   --tolerance LIST  each change against an allowed increase: FAIL when the change's lower
 *                     bound exceeds it, PASS when its upper bound is within it, INCONCLUSIVE
 *                     otherwise.  A budget's syntax and names gate the change of an overhead:
 *                     cpu:0.5% (percentage points; likewise cpu_workload, cpu_profiler,
 *                     cpu_unattributed, throughput — a loss), memory:5MB, p99:50us or p99:10%
 *                     (of the baseline run's baseline-arm percentile).  Names of their own gate
 *                     an arm's own figures: cpu_per_unit:2% (of the baseline's), p99_latency:10%
 *                     or :200us, peak_rss:5MB.  Overheads are paired within each run and survive
 *                     a change of machine; an arm's own figures do not.
 *
 * A baseline from other machines: a change between two runs' intervals holds each run's noise,
 * not how a profiler's cost differs between hosts, so compare does not gate across hosts (exit
 * 4 with limits) unless --cross-host.  A fleet's baseline can: BASELINE may be the JSON of
 * `tare merge -o` over k runs, whose random-effects fit gives the combined log overhead mu, its
 * standard error and the between-run variance tau^2.  A new run's overhead is then held against
 * the prediction for a new run (Higgins, Thompson & Spiegelhalter 2009, J R Stat Soc A 172:137):
 * the change y - mu has the interval t(k-2) sqrt(se_y^2 + se_mu^2 + tau^2), in points of the off
 * arm's CPU.  It needs k >= 3 runs (else not gated: exit 4 with limits); CPU overhead only (the
 * merge holds nothing else).
 *
 * The exit code is the worst verdict's (0, 1, 4); 0 with neither option; 2 for bad arguments
 * or inputs that cannot be compared (one line naming the file).
 */
#ifndef TARE_COMPARE_H
#define TARE_COMPARE_H

#include <stdio.h>

#include "analysis.h"
#include "budget.h"
#include "merge.h"
#include "results.h"
#include "util.h"

int compare_main(int argc, char **argv);

/* An arm's own figures (absolute rows). */
enum cmp_figure { FIG_CPU_PER_UNIT, FIG_P99, FIG_RSS, FIG_COUNT };

enum cmp_format { FMT_TEXT, FMT_MARKDOWN, FMT_JUNIT, FMT_JSON };

/* One side's figure: est NaN when that side has none; lo/hi NaN when ok == 0. */
struct cmp_value {
	double est, lo, hi;
	int n;                   /* blocks (overheads) or trials (absolute figures) */
	int ok;                  /* the interval reaches the requested confidence */
};

struct cmp_row {
	int base_config, cur_config;   /* index in each run; base_config -1: current only */
	int absolute;                  /* 0: overhead `metric`; 1: the arm's own `figure` */
	enum metric metric;
	enum cmp_figure figure;
	struct cmp_value base, cur;
	struct stats_est change;       /* current - baseline in cmp_change_unit(); est NaN: none */
	int significant;               /* the change's interval excludes 0 */
	enum verdict budget, tolerance, verdict;   /* verdict: the worse of the two */
	const struct budget_item *budget_item, *tolerance_item;
	double budget_limit;           /* in the overhead's unit */
	double tolerance_limit;        /* in the change's unit */
};

struct comparison {
	const struct loaded_results *base, *cur;   /* base NULL: the baseline is `merged` */
	const struct merge_doc *merged;
	double conf;
	struct analysis base_an, cur_an;
	struct cmp_row *rows;
	int nrows, cap;
	struct ptrvec only_base, only_cur;   /* configuration labels, borrowed from the runs */
	struct ptrvec notes;                 /* char*, owned: differences worth a reader's eye */
	struct budget budget, tolerance;    /* caps on overheads, on changes of overheads */
	struct budget tolerance_own;         /* on changes of the arms' own figures, by metric:
	                                      * cpu = cpu_per_unit, p99 = p99_latency, memory = peak_rss */
	const char *budget_text, *tolerance_text;   /* as given, or NULL */
	enum verdict overall;                /* V_NONE when neither option was given */
};

/* Parse --budget / --tolerance into cmp (either may be NULL).  0, or EXIT_USAGE with one
 * line in err. */
int compare_set_gates(struct comparison *cmp, const char *budget, const char *tolerance, char *err, size_t errlen);
/* Match the runs, analyse both, build the rows and verdicts.  The runs must outlive cmp.
 * 0, or EXIT_USAGE with one line in err naming the file when there is nothing to compare. */
int compare_runs(struct comparison *cmp, const struct loaded_results *base, const struct loaded_results *cur,
		 char *err, size_t errlen);
/* The same against a fleet's baseline, a merge of several runs (merge.h): CPU overhead rows
 * only, each change a prediction for a new run (compare.h's top).  Same contract. */
int compare_merged(struct comparison *cmp, const struct merge_doc *merged, const struct loaded_results *cur,
		   char *err, size_t errlen);
void compare_free(struct comparison *cmp);

void compare_render(FILE *f, const struct comparison *cmp, enum cmp_format fmt);
/* "text", "markdown" (or "md"), "junit", "json"; -1 when unknown. */
int compare_format_parse(const char *name);
/* What a row's change is in: "points", "%", "bytes" or "us". */
const char *cmp_change_unit(const struct cmp_row *r);
/* The row's machine name: an overhead's metric_names[] entry, or "cpu_per_unit_ns",
 * "p99_us", "rss_peak_bytes". */
const char *cmp_row_metric(const struct cmp_row *r);

#endif
