/* merge.h — tare merge: runs of one experiment from many hosts (or days) as one answer.
 *
 * A profiler's cost differs by host (CPU, kernel, PMU, neighbours): one host's interval says
 * nothing of another's.  Each run's CPU overhead per configuration is taken with its own
 * interval (as a log ratio, where the runs' noise is symmetric), and the runs are combined as a
 * random-effects meta-analysis: DerSimonian-Laird's between-run variance tau^2 and the modified
 * Hartung-Knapp-Sidik-Jonkman interval (stats_random_effects), which keeps its coverage with the
 * handful of hosts a fleet check has and widens when the runs disagree more than their own
 * intervals allow.  Heterogeneity: I^2 (Higgins & Thompson 2002) and tau, in points.
 *
 * Only runs of the same experiment merge: the same workloads and configurations (labels, which
 * carry every option given) and the same results schema; anything else is refused (exit 2).
 */
#ifndef TARE_MERGE_H
#define TARE_MERGE_H

#include <jansson.h>
#include <stddef.h>

int merge_main(int argc, char **argv);

/* The merge's own JSON (-o FILE.json), schema 1: "kind": "merge", the runs' "hosts", and per
 * configuration the combined estimate with its interval, k, tau, I^2, and the combined log ratio
 * "log_mean" with its HKSJ standard error "log_se" and "tau2_log" — what tare compare needs to
 * hold a new run against the fleet (compare.h). */
#define MERGE_SCHEMA_VERSION 1

struct merge_config {
	const char *label, *workload;   /* borrowed from the document */
	int k;                          /* runs with an interval */
	double est, lo, hi;             /* combined, % */
	double log_mean, log_se, tau2;  /* log ratio; NaN when absent */
	double tau_pct;
};

struct merge_doc {
	const char *path, *experiment;
	double conf;
	int nruns, nhosts;              /* runs merged; distinct hostnames among them */
	struct merge_config *configs;
	int nconfigs;
	json_t *root;
};

/* 1 and m filled when path is a file of tare merge -o; 0 when it is something else (a results
 * directory or results.json: m untouched but zeroed); -1 with one line in err when it is a merge
 * this tare cannot read. */
int merge_load(const char *path, struct merge_doc *m, char *err, size_t errlen);
void merge_unload(struct merge_doc *m);

/* tare merge --report DIR: DIR/report.md and DIR/report.html from the merge's JSON document m
 * (the forest plot inlined when DIR/plots has it).  0, or EXIT_FAIL with one line in err. */
int merge_report(const char *dir, const json_t *m, const char *command_line, char *err, size_t errlen);

#endif
