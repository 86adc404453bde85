/* report_int.h — what the parts of `tare report` share, and nothing else includes:
 *   report.c             the command, loading the inputs, the run's sections, putting it together;
 *   report_method.c      the sections with a column per input: method, environment, reproduce;
 *   report_validation.c  a validation's sections (validation.json of `tare validate`);
 *   plot.c               the plots: their data files, gnuplot, the Plots section.
 * The rest of tare calls report.h.
 */
#ifndef TARE_REPORT_INT_H
#define TARE_REPORT_INT_H

#include <stddef.h>

#include <jansson.h>

#include "analysis.h"
#include "json_io.h"
#include "markup.h"
#include "plot.h"
#include "results.h"
#include "util.h"
#include "validate_doc.h"

/* ---- what a report is made of --------------------------------------------------------------- */

struct rrun {
	struct loaded_results lr;
	struct analysis an;
	int index;                 /* 1-based: "run 1" */
	char name[256];            /* the results directory's base name */
	const char *given;         /* the path as the user gave it */
};

/* What a case measured: one view per measure, in the order validate wrote them (`measures`:
 * cpu samples; offcpu off-cpu, blocks; lock delay, contentions; alloc alloc_space,
 * alloc_objects, inuse_space), or, in a validation.json without them, the case's top-level
 * fields as its one measure (they are its first measure's). */
#define MAX_VIEWS 8
struct mview {
	const char *name;
	int own;                   /* 1: measures.<name>; 0: the case's top level */
	struct vdoc_measure m;     /* own: read from measures.<name>; else the case's figures, borrowed */
	struct vdoc_bounds b;      /* its bounds */
};

/* A case of a validation, read by validate_doc.h's tables. */
struct rcase {
	struct vdoc_case d;
	struct vdoc_bounds b;      /* d.bounds */
	struct vdoc_count calls, bytes;   /* alloc: d.calls, d.bytes */
	struct mview v[MAX_VIEWS];
	int nv;
};

/* A validation: the validation.json `tare validate` writes (docs/validate.md), a table of cases
 * (sampler, type, workload, rate for cpu, threads), each held against the workload's known
 * profile in one or more measures (cpu: samples; lock: delay and contentions; ...). */
struct rval {
	json_t *root;              /* the whole document; the records below borrow from it */
	struct vdoc_validation doc;
	struct vdoc_options opts;  /* doc.options */
	struct vdoc_rules rules;   /* opts.bounds */
	struct rcase *cases;       /* doc.cases */
	int ncases;
	char dir[4096];            /* the directory of validation.json */
	char name[256];            /* the directory's base name */
	int index;                 /* 1-based: "validation 1" */
	const char *given;         /* the path as the user gave it */
};

struct report {
	struct rrun *runs;         /* experiment runs (results.json) */
	int nruns;
	struct rval *vals;         /* validations (validation.json) */
	int nvals;
	const char *const *given;  /* the results directories as given, in that order */
	int ngiven;
	char first_dir[4096];      /* the first one's directory: the report goes in its report/ */
	char out[4096];
	char *gnuplot;             /* its path; NULL when not on PATH */
	struct plot_state plots[PLOT_COUNT];
	int plots_drawn;
	char generated[64];        /* UTC time the report was written */
};

/* ---- report.c: helpers the other files use -------------------------------------------------- */

/* Add s (borrowed) to v unless it is there. */
void push_unique(struct ptrvec *v, const char *s);
/* Append to the string in buf (len bytes), truncating. */
void catf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The last path component of dir, after resolving it: the name a results directory is shown by. */
void base_name(const char *dir, char *buf, size_t len);

int is_baseline(const struct experiment *ex, int c);
int run_has_latency(const struct rrun *run);
/* What one unit of work was in this run, as the workload reported it. */
const char *run_unit(const struct rrun *run);
/* Did any run of the report switch its profilers inside one process (docs/switchback.md)? */
int any_switchback(const struct report *rp);
/* "perf hz=99", or "perf hz=99 (run 2)" when the report compares runs. */
void series_label(const struct report *rp, const struct rrun *run, const char *label, char *buf, size_t len);

/* One item of the Warnings list, tagged with where it comes from ("run 2: ", "validation: "). */
void warn_item(struct doc *d, const char *tag, const char *text);

/* ---- report_method.c ------------------------------------------------------------------------ */

/* Method (the runs', then val_method), Environment and Reproduce, for every input. */
void sec_method(struct doc *d, const struct report *rp);
void sec_environment(struct doc *d, const struct report *rp);
void sec_reproduce(struct doc *d, const struct report *rp);
/* Tables with one column per input of the report (runs, then validations) in [from, to): the
 * header, and a row per plain key of each input's ROOT.member (or ROOT.member.sub). */
void input_columns(struct table *t, const struct report *rp, int from, int to, const char *first);
void object_rows(struct table *t, const struct report *rp, int from, int to, const char *member, const char *sub,
		 const char *prefix);
/* The same rows for objects[0..n) (NULL: none), a column each. */
void objects_rows(struct table *t, json_t *const *objects, int n, const char *prefix);

/* ---- report_validation.c -------------------------------------------------------------------- */

/* validation.json at path (a file) as the report's next validation; root, when not NULL, is the
 * document already parsed.  0, or EXIT_USAGE after one line in err. */
int load_validation(struct report *rp, const char *path, json_t *root, const char *given, char *err, size_t errlen);
/* The validations' section, their warnings (returns how many) and their part of the method. */
void sec_validation(struct doc *d, const struct report *rp);
int warn_validation(struct doc *d, const struct report *rp, const struct rval *v);
void val_method(struct doc *d, const struct report *rp);

/* What validation v's records hold (load_validation), released. */
void val_free(struct rval *v);
/* Did the case run (status ok)? */
int case_ok(const struct rcase *c);
/* The rate asked for; NaN for the types that have none (offcpu, lock, alloc: "hz": null). */
double case_hz(const struct rcase *c);

#endif
