/* run.h — run an experiment: placement, the interleaved schedule, results, the summary. */
#ifndef TARE_RUN_H
#define TARE_RUN_H

#include <stdio.h>

#include "plan.h"
#include "results.h"

struct run_opts {
	const char *out_base;    /* parent of the results directory: "results" */
	int quiet;
	int no_report;           /* skip the report directory (tare run --no-report) */
	char dir[4096];          /* set by run_experiment: the results directory it wrote */
};

/* Returns the process exit code: 0 when the run completed, 1 when no trial could be measured,
 * 3 when the machine cannot measure at all, 130 when interrupted (finished trials are kept). */
int run_experiment(const struct experiment *ex, struct run_opts *o);

/* Plan SCRIPT with its name=value args and run it: the path of a command that runs a script of
 * its own (tare calibrate, tare validate -T runtime); command_line is what the run records as
 * reproducing it.  script_plan's exit code when it cannot be planned, else run_experiment's. */
int run_script(const char *script, int nargs, char **args, const char *command_line, struct run_opts *o);

/* The summary table, as printed at the end of a run. */
void run_print_summary(FILE *f, const struct run *r);

#endif
