/* validate_doc.h — validation.json's records, described once: each is a struct and a table of
 * its fields (common/json_io.h), which drive `tare validate`'s writer (validate_json.c) and
 * `tare report`'s reader (report_validation.c, json_get_fields).
 *
 * The order of a table is the order of the keys in the file.  Groups say which keys a record
 * has: a case that did not run has only its identity and the reason; the cpu type has rate
 * bounds where the counted types have total bounds; alloc has its call and byte counts.
 * Nested objects whose keys are the truth's sites (truth, measured, ...) are FIELD_CUSTOM
 * json_t *: the writer hands its reference to the document, a reader borrows from it.
 *
 * What a table reads back where a key is absent is what the reader makes of a document of
 * before it (a case without "type" is a cpu case, without "gating" a gated one), or "?".
 */
#ifndef TARE_VALIDATE_DOC_H
#define TARE_VALIDATE_DOC_H

#include <stdint.h>

#include "json_io.h"

enum {
	VDOC_DONE = 1 << 0,       /* the case ran (status ok) */
	VDOC_NOT_DONE = 1 << 1,   /* it did not: the reason */
	VDOC_CPU = 1 << 2,        /* the rated type (cpu) */
	VDOC_COUNTED = 1 << 3,    /* the other types: totals against the truth's */
	VDOC_ALLOC = 1 << 4,      /* alloc: calls and bytes the sampler counted */
	VDOC_POSTPROCESS = 1 << 5,   /* the sampler's output needed CPU after it stopped */
	VDOC_REPORT = 1 << 6,     /* the sampler said something about itself */
	VDOC_ENVIRONMENT = 1 << 7,   /* the document has the machine's environment */
};

/* A case's status; its names are vdoc_status_names[] ("ok", ...); -1 read back: none of them. */
enum case_status { CASE_PENDING, CASE_OK, CASE_SKIPPED, CASE_FAILED };
extern const char *const vdoc_status_names[];

/* The document's top level. */
struct vdoc_validation {
	int64_t schema_version;   /* -1: absent */
	char *kind, *tare_version, *command_line, *started_utc, *finished_utc;
	json_t *options;          /* vdoc_options_fields */
	json_t *environment;      /* VDOC_ENVIRONMENT */
	json_t *cases;            /* an array, vdoc_case_fields each */
	char *verdict;
	json_t *out_of_bounds;    /* an array of strings: the gated cases out of bounds */
};
extern const struct json_field vdoc_validation_fields[];
extern const int vdoc_validation_nfields;

/* What the validation was asked (options). */
struct vdoc_options {
	json_t *rates_hz, *threads, *samplers, *types;   /* arrays */
	double duration_s;
	char *event;
	int64_t other_types_threads, alloc_rate_bytes;   /* -1: absent */
	int same_run;
	json_t *bounds;           /* vdoc_rules_fields */
};
extern const struct json_field vdoc_options_fields[];
extern const int vdoc_options_nfields;

/* The rules every case's bounds come from (options.bounds), as the options set them. */
struct vdoc_rules {
	json_t *attribution_error_max_pp;   /* a number (--max-error), or the rule as a string */
	char *tvd;                /* the rule */
	double rate_tolerance, lost_pct_max, reached_main_min, symbolized_min, site_samples_min;
	json_t *measures;         /* "TYPE MEASURE": why that measure's bounds are what they are */
};
extern const struct json_field vdoc_rules_fields[];
extern const int vdoc_rules_nfields;

/* A case's or a measure's bounds ("bounds"). */
struct vdoc_bounds {
	double attribution_error_max_pp, tvd;
	double rate_ratio_min, rate_ratio_max;     /* VDOC_CPU */
	double total_ratio_min, total_ratio_max;   /* VDOC_COUNTED */
	char *why;                /* a measure's: where its bound comes from */
	double lost_pct_max, reached_main_min, symbolized_min;   /* a case's */
};
extern const struct json_field vdoc_case_bounds_fields[], vdoc_measure_bounds_fields[];
extern const int vdoc_case_bounds_nfields, vdoc_measure_bounds_nfields;

/* One measure of a case (cases[].measures.NAME). */
struct vdoc_measure {
	char *unit;
	int kind;                 /* enum vkind */
	int within_bounds;
	char *out_of_bounds;
	double n, attribution_error_max_pp;
	char *worst_site;         /* NULL: null */
	double se_max_pp, tvd, expected_tvd, total_truth, total_measured, total_ratio, total_se_rel;
	double expected_samples_min;
	int sites_found, sites_expected;
	double reached_main, symbolized;
	json_t *truth, *measured, *se_pp;          /* by site */
	json_t *truth_values, *measured_values;    /* VDOC_COUNTED: by site, in the unit */
	json_t *bounds;           /* vdoc_measure_bounds_fields */
};
extern const struct json_field vdoc_measure_fields[];
extern const int vdoc_measure_nfields;

/* One case (cases[]). */
struct vdoc_case {
	char *sampler, *type, *workload;
	int64_t hz, requested_hz; /* cpu; -1 (null) for the other types */
	int threads;
	double duration_s;
	int run;
	char *dir;
	int gating;
	int status;               /* enum case_status */
	char *reason;             /* VDOC_NOT_DONE */
	int within_bounds;
	char *out_of_bounds, *measure;
	uint64_t samples;
	double samples_in_sites;  /* cpu: samples in the sites; NaN for the other types */
	uint64_t lost;
	double lost_pct;
	uint64_t throttled;
	double throttled_pct;
	uint64_t dropped;
	double dropped_pct;
	double workload_cpu_s, workload_wall_s, steal_pct, effective_rate_hz, rate_ratio;
	double attribution_error_max_pp;
	char *worst_site;
	double tvd, binomial_se_pp, binomial_se_max_pp, expected_tvd, reached_main, symbolized;
	json_t *truth, *nominal, *measured;        /* by site, the main measure's */
	json_t *bounds;           /* vdoc_case_bounds_fields */
	json_t *measures;         /* by name: vdoc_measure_fields */
	double alloc_rate_bytes;  /* VDOC_ALLOC */
	json_t *calls, *bytes;    /* VDOC_ALLOC: vdoc_count_fields */
	double sampler_cpu_s;
	uint64_t sampler_peak_rss_bytes;
	double postprocess_cpu_s; /* VDOC_POSTPROCESS */
	json_t *sampler_report;   /* VDOC_REPORT */
};
extern const struct json_field vdoc_case_fields[];
extern const int vdoc_case_nfields;

/* alloc's calls and bytes: what the sampler counted against the workload's truth. */
struct vdoc_count {
	uint64_t counted;
	double truth;
};
extern const struct json_field vdoc_count_fields[];
extern const int vdoc_count_nfields;

#endif
