/* compare_json.c — compare's JSON document: the tables of its records (compare_doc.h) and the
 * writer they drive.  A record nested in another is a field with a codec that writes it by its
 * own table, or null when it holds nothing. */
#include "compare_doc.h"

#include <math.h>
#include <stdlib.h>

/* Groups: which of a record's fields are written. */
enum {
	DOC_RUN = 1,        /* a run's own fields */
	DOC_MERGE = 2,      /* a merge's */
	DOC_BUDGET = 4,     /* a row held against a budget */
	DOC_TOLERANCE = 8,  /* ... against a tolerance */
};

static const char *const kind_names[] = { "overhead", "absolute", NULL };

/* ---- a run, a side, a change, a gate ------------------------------------------------------ */

#define RUN(member, type, g) JSON_FIELD_IN(struct cmp_doc_run, member, FIELD_##type, NAN, g)
#define RUN_STR(member, g) { JSON_FIELD_AT_(struct cmp_doc_run, member, #member, FIELD_STRP), .group = g }
static const struct json_field run_fields[] = {
	RUN_STR(path, 0),
	RUN_STR(kind, DOC_MERGE),
	RUN_STR(name, 0),
	RUN_STR(started, DOC_RUN),
	RUN_STR(tare_version, DOC_RUN),
	RUN(blocks, INT, DOC_RUN),
	RUN(trials, INT, DOC_RUN),
	RUN(runs, INT, DOC_MERGE),
	RUN(hosts, INT, DOC_MERGE),
	RUN(confidence, DOUBLE, DOC_MERGE),
};
#undef RUN
#undef RUN_STR

/* A row's "baseline" and "current". */
static const struct json_field side_fields[] = {
	JSON_FIELD_AS(struct cmp_value, est, "estimate", FIELD_DOUBLE, NAN),
	JSON_FIELD(struct cmp_value, lo, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct cmp_value, hi, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct cmp_value, n, FIELD_INT, 0),
};

static const struct json_field change_fields[] = {
	JSON_FIELD_AS(struct cmp_doc_change, est, "estimate", FIELD_DOUBLE, NAN),
	JSON_FIELD(struct cmp_doc_change, lo, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct cmp_doc_change, hi, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct cmp_doc_change, p, FIELD_DOUBLE, NAN),
	JSON_FIELD_STRP(struct cmp_doc_change, unit, "unit", NULL),
	JSON_FIELD(struct cmp_doc_change, significant, FIELD_BOOL, 0),
};

static const struct json_field gate_fields[] = {
	JSON_FIELD_STRP(struct cmp_doc_gate, amount, "amount", NULL),
	JSON_FIELD(struct cmp_doc_gate, limit, FIELD_DOUBLE, NAN),
	JSON_FIELD_ENUM(struct cmp_doc_gate, verdict, "verdict", verdict_names, V_NONE),
};

/* Each codec writes its record by its table; the documents compare writes are not read back
 * in C (tests and CI scripts read them), so there is no reading half. */
static json_t *run_write(const void *field)
{
	const struct cmp_doc_run *r = field;
	json_t *o = json_object();
	json_set_fields(o, run_fields, NFIELDS(run_fields), r, r->kind ? DOC_MERGE : DOC_RUN);
	return o;
}

static json_t *side_write(const void *field)
{
	const struct cmp_value *v = field;
	return isfinite(v->est) ? json_from_fields(side_fields, NFIELDS(side_fields), v) : json_null();
}

static json_t *change_write(const void *field)
{
	const struct cmp_doc_change *c = field;
	return isfinite(c->est) ? json_from_fields(change_fields, NFIELDS(change_fields), c) : json_null();
}

static json_t *gate_write(const void *field)
{
	return json_from_fields(gate_fields, NFIELDS(gate_fields), field);
}

/* A row's verdict: null when nothing was gated. */
static json_t *verdict_write(const void *field)
{
	enum verdict v = *(const enum verdict *)field;
	return v == V_NONE ? json_null() : json_string(verdict_name(v));
}

static void no_read(const json_t *v, void *field)
{
	(void)v;
	(void)field;
}

static const struct json_codec run_codec = { .write = run_write, .read = no_read };
static const struct json_codec side_codec = { .write = side_write, .read = no_read };
static const struct json_codec change_codec = { .write = change_write, .read = no_read };
static const struct json_codec gate_codec = { .write = gate_write, .read = no_read };
static const struct json_codec verdict_codec = { .write = verdict_write, .read = no_read };

/* ---- a row, the document ------------------------------------------------------------------ */

#define ROW(member, type) JSON_FIELD(struct cmp_doc_row, member, FIELD_##type, NAN)
#define ROW_STR(member) JSON_FIELD_STRP(struct cmp_doc_row, member, #member, NULL)
#define ROW_CODEC(member, key, codec_, g) \
	{ JSON_FIELD_AT_(struct cmp_doc_row, member, key, FIELD_CUSTOM), .group = g, .codec = codec_ }
static const struct json_field row_fields[] = {
	ROW_STR(config),
	ROW_STR(workload),
	JSON_FIELD_ENUM(struct cmp_doc_row, absolute, "kind", kind_names, 0),
	ROW_STR(metric),
	ROW(label, STR),
	ROW_STR(unit),
	ROW_CODEC(baseline, "baseline", &side_codec, 0),
	ROW_CODEC(current, "current", &side_codec, 0),
	ROW_CODEC(change, "change", &change_codec, 0),
	ROW_CODEC(budget, "budget", &gate_codec, DOC_BUDGET),
	ROW_CODEC(tolerance, "tolerance", &gate_codec, DOC_TOLERANCE),
	ROW_CODEC(verdict, "verdict", &verdict_codec, 0),
};
#undef ROW
#undef ROW_STR
#undef ROW_CODEC

static json_t *rows_write(const void *field)
{
	const struct cmp_doc_rows *rows = field;
	json_t *a = json_array();
	for (int i = 0; i < rows->n; i++) {
		const struct cmp_doc_row *r = &rows->v[i];
		json_t *o = json_object();
		json_set_fields(o, row_fields, NFIELDS(row_fields), r,
				(r->budget.amount ? DOC_BUDGET : 0) | (r->tolerance.amount ? DOC_TOLERANCE : 0));
		json_array_append_new(a, o);
	}
	return a;
}

static const struct json_codec rows_codec = { .write = rows_write, .read = no_read };

#define DOC(member, type) JSON_FIELD(struct cmp_doc, member, FIELD_##type, NAN)
#define DOC_STR(member) JSON_FIELD_STRP(struct cmp_doc, member, #member, NULL)
#define DOC_CODEC(member, codec) JSON_FIELD_CODEC(struct cmp_doc, member, #member, codec)
static const struct json_field doc_fields[] = {
	DOC_STR(schema),
	DOC(schema_version, INT),
	DOC_CODEC(baseline, &run_codec),
	DOC_CODEC(current, &run_codec),
	DOC(confidence, DOUBLE),
	DOC_STR(budget),
	DOC_STR(tolerance),
	DOC_CODEC(only_in_baseline, &json_strv_codec),
	DOC_CODEC(only_in_current, &json_strv_codec),
	DOC_CODEC(notes, &json_strv_codec),
	DOC_CODEC(rows, &rows_codec),
	JSON_FIELD_ENUM(struct cmp_doc, verdict, "verdict", verdict_names, V_NONE),
	DOC(exit_code, INT),
};
#undef DOC
#undef DOC_STR
#undef DOC_CODEC

json_t *compare_doc_json(const struct cmp_doc *d)
{
	return json_from_fields(doc_fields, NFIELDS(doc_fields), d);
}
