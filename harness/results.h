/* results.h — results/<UTC stamp>-<name>/: results.json and trials.csv, written atomically.
 *
 * Both files are rewritten after every trial (temp file + rename), so a run that is
 * interrupted — Ctrl-C, a kill, a crash of the machine — keeps every trial that finished.
 */
#ifndef TARE_RESULTS_H
#define TARE_RESULTS_H

#include <jansson.h>

#include "json_io.h"
#include "run_record.h"

#define RESULTS_SCHEMA_VERSION 1

/* The trial's fields: the same table drives trials.csv, the trials array of results.json and
 * its reader. */
extern const struct json_field trial_fields[];
extern const int trial_nfields;
extern const struct json_field window_fields[];   /* struct window_result */
extern const int window_nfields;

/* Write results.json and trials.csv atomically; -1 with errno set when either failed (then
 * r->save_errno says why, and r->saved_trials how many trials the file on disk still holds). */
int results_write(struct run *r);

/* A results.json read back: the experiment as it ran (labels, baselines, blocks, the plan) and
 * every trial's raw figures, enough to re-run the analysis (compare, report, calibrate).
 * PATH is a results directory or its results.json.  0, or EXIT_USAGE after one line in err
 * naming the file and what is wrong. */
struct loaded_results {
	char path[4096];          /* of results.json */
	char dir[4096];           /* its directory */
	struct experiment ex;
	struct trial_result *trials;
	int ntrials;
	json_t *root;             /* the whole document, for what the structs do not carry */
};
int results_load(const char *path, struct loaded_results *out, char *err, size_t errlen);
void results_unload(struct loaded_results *lr);
/* Merge a finished trial's latency histograms into its configuration's and rewrite
 * latency/<configuration>.hgrm (and .uncorrected.hgrm). */
int results_add_latency(struct run *r, const struct trial_result *tr);
void results_free_latency(struct run *r);
json_t *results_summary_json(const struct run *r);
void run_warn(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
