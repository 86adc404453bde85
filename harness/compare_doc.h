/* compare_doc.h — the document `tare compare --format json` writes, as records (data only) and
 * the tables of their fields (compare_json.c): one table per record drives the writer, so each
 * key is spelled once.  compare_output.c fills the records from a comparison.
 *
 *   { schema, schema_version, baseline: run, current: run, confidence, budget, tolerance,
 *     only_in_baseline, only_in_current, notes, rows: [row], verdict, exit_code }
 *   run     a results.json run, or (kind "merge") the merge of tare merge -o
 *   row     config, workload, kind, metric, label, unit, baseline: side, current: side,
 *           change, [budget: gate], [tolerance: gate], verdict
 *
 * null throughout for what is not known: a figure (NaN), a side or a change with no estimate,
 * a row's verdict when nothing was gated.
 */
#ifndef TARE_COMPARE_DOC_H
#define TARE_COMPARE_DOC_H

#include "compare.h"
#include "json_io.h"

#define COMPARE_SCHEMA "tare-compare"
#define COMPARE_SCHEMA_VERSION 1

/* A run: its results.json's, or a merge's (kind "merge", written only then). */
struct cmp_doc_run {
	char *path, *kind, *name;
	char *started, *tare_version;   /* of a run; NULL: null */
	int blocks, trials;             /* of a run */
	int runs, hosts;                /* of a merge */
	double confidence;              /* of a merge */
};

/* A row's change, current - baseline: null when est is NaN. */
struct cmp_doc_change {
	double est, lo, hi, p;
	char *unit;                     /* cmp_change_unit() */
	int significant;
};

/* A limit a row was held against: absent from the row when amount is NULL. */
struct cmp_doc_gate {
	char *amount;                   /* as given: "5%", "50MB" */
	double limit;                   /* in the unit of what it gates */
	enum verdict verdict;
};

struct cmp_doc_row {
	char *config, *workload;
	int absolute;                   /* kind: "overhead" or "absolute" */
	char *metric;                   /* cmp_row_metric() */
	char label[64];
	char *unit;                     /* of the sides */
	struct cmp_value baseline, current;   /* null when est is NaN */
	struct cmp_doc_change change;
	struct cmp_doc_gate budget, tolerance;
	enum verdict verdict;           /* V_NONE: null */
};

struct cmp_doc_rows {
	struct cmp_doc_row *v;
	int n;
};

struct cmp_doc {
	char *schema;                   /* COMPARE_SCHEMA */
	int schema_version;             /* COMPARE_SCHEMA_VERSION */
	struct cmp_doc_run baseline, current;
	double confidence;
	char *budget, *tolerance;       /* as given; NULL: null */
	char **only_in_baseline, **only_in_current, **notes;   /* NULL-terminated */
	struct cmp_doc_rows rows;
	enum verdict verdict;           /* the overall one; V_NONE: "none" */
	int exit_code;
};

/* The document as JSON, in the order of its tables. */
json_t *compare_doc_json(const struct cmp_doc *d);

#endif
