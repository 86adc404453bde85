/* run_record.h — a run in progress and as written: the plan it follows (never changed once
 * planned), its trials, and what the run found (analysis, verdicts, warnings).  Data only; the
 * code that runs it is run.c, that writes it results.c. */
#ifndef TARE_RUN_RECORD_H
#define TARE_RUN_RECORD_H

#include <jansson.h>
#include <stdint.h>

#include "analysis.h"
#include "budget.h"
#include "counters.h"
#include "hist.h"
#include "plan.h"
#include "trial_record.h"
#include "util.h"

struct run {
	const struct experiment *ex;
	const int *schedule;
	struct trial_result *trials;
	int ntrials;              /* finished (or failed) so far */
	int total;                /* planned */
	int blocks;               /* planned: the plan's blocks, and one more each time a budget's
	                           * verdict is undecided (up to max_blocks); the plan stays as planned */
	char dir[4096];           /* absolute */
	char rel[4096];           /* as shown to the user */
	uint64_t started_unix_ns, finished_unix_ns;
	int interrupted;
	int service_exited;       /* in place: the service exited; the run stopped there */
	int complete;
	int saved_trials;         /* trials in the results.json on disk (-1: none written yet) */
	int save_errno;           /* why the last write failed, 0 when it did not */
	json_t *environment;
	json_t *placement;
	struct ptrvec warnings;   /* char* */
	struct analysis an;
	struct budget budget;     /* from the experiment; n = 0 when none */
	struct verdict_row *verdicts;
	int nverdicts;
	int extended;             /* blocks added because the verdict was inconclusive */
	struct counter_result counter_info[COUNTERS_MAX];   /* names, units, support, reasons */
	int ncounter_info;
	const char *counter_names[COUNTERS_MAX];
	struct hist *latency;     /* per configuration: every trial's corrected histogram merged */
	struct hist *latency_uncorrected;
	int *have_latency;
};

#endif
