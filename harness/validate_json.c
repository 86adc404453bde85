/* validate_json.c — validation.json, the document `tare validate` writes after every run of a
 * workload and once more at the end with its verdict (docs/validate.md, "validation.json";
 * tare report reads it).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_io.h"
#include "util.h"
#include "validate_doc.h"
#include "validate_int.h"

/* ---- the records and their tables (validate_doc.h) ------------------------------------------ */

static const char *const kind_names[] = { "samples", "exact", "poisson-bytes", "poisson-objects",
					  NULL };
const char *const vdoc_status_names[] = { "pending", "ok", "skipped", "failed", NULL };

#define BOUND(name, g) JSON_FIELD_IN(struct vdoc_bounds, name, FIELD_DOUBLE, NAN, g)
const struct json_field vdoc_case_bounds_fields[] = {
	BOUND(attribution_error_max_pp, 0),
	BOUND(tvd, 0),
	BOUND(rate_ratio_min, VDOC_CPU),
	BOUND(rate_ratio_max, VDOC_CPU),
	BOUND(total_ratio_min, VDOC_COUNTED),
	BOUND(total_ratio_max, VDOC_COUNTED),
	BOUND(lost_pct_max, 0),
	BOUND(reached_main_min, 0),
	BOUND(symbolized_min, 0),
};
const int vdoc_case_bounds_nfields = NFIELDS(vdoc_case_bounds_fields);

const struct json_field vdoc_measure_bounds_fields[] = {
	BOUND(attribution_error_max_pp, 0),
	BOUND(tvd, 0),
	BOUND(total_ratio_min, 0),
	BOUND(total_ratio_max, 0),
	JSON_FIELD_STRP(struct vdoc_bounds, why, "why", NULL),
};
const int vdoc_measure_bounds_nfields = NFIELDS(vdoc_measure_bounds_fields);
#undef BOUND

#define MEASURE(name, type) JSON_FIELD(struct vdoc_measure, name, FIELD_##type, NAN)
#define MEASURE_STR(name) JSON_FIELD_STRP(struct vdoc_measure, name, #name, NULL)
#define MEASURE_STR_OR(name, sdflt) JSON_FIELD_STRP(struct vdoc_measure, name, #name, sdflt)
#define MEASURE_JSON(name, g) \
	{ JSON_FIELD_AT_(struct vdoc_measure, name, #name, FIELD_CUSTOM), .group = g, \
	  .codec = &json_value_codec }
const struct json_field vdoc_measure_fields[] = {
	MEASURE_STR_OR(unit, ""),
	JSON_FIELD_ENUM(struct vdoc_measure, kind, "kind", kind_names, VK_SAMPLES),
	JSON_FIELD(struct vdoc_measure, within_bounds, FIELD_BOOL, 1),
	MEASURE_STR_OR(out_of_bounds, ""),
	MEASURE(n, DOUBLE),
	MEASURE(attribution_error_max_pp, DOUBLE),
	MEASURE_STR(worst_site),
	MEASURE(se_max_pp, DOUBLE),
	MEASURE(tvd, DOUBLE),
	MEASURE(expected_tvd, DOUBLE),
	MEASURE(total_truth, DOUBLE),
	MEASURE(total_measured, DOUBLE),
	MEASURE(total_ratio, DOUBLE),
	MEASURE(total_se_rel, DOUBLE),
	MEASURE(expected_samples_min, DOUBLE),
	MEASURE(sites_found, INT),
	MEASURE(sites_expected, INT),
	MEASURE(reached_main, DOUBLE),
	MEASURE(symbolized, DOUBLE),
	MEASURE_JSON(truth, 0),
	MEASURE_JSON(measured, 0),
	MEASURE_JSON(se_pp, 0),
	MEASURE_JSON(truth_values, VDOC_COUNTED),
	MEASURE_JSON(measured_values, VDOC_COUNTED),
	MEASURE_JSON(bounds, 0),
};
const int vdoc_measure_nfields = NFIELDS(vdoc_measure_fields);
#undef MEASURE
#undef MEASURE_STR
#undef MEASURE_STR_OR
#undef MEASURE_JSON

#define CASE(name, type, g) JSON_FIELD_IN(struct vdoc_case, name, FIELD_##type, NAN, g)
#define CASE_STR_OR(name, g, sdflt_) \
	{ JSON_FIELD_AT_(struct vdoc_case, name, #name, FIELD_STRP), .group = g, .sdflt = sdflt_ }
#define CASE_STR(name, g) CASE_STR_OR(name, g, NULL)
#define CASE_JSON(name, g) \
	{ JSON_FIELD_AT_(struct vdoc_case, name, #name, FIELD_CUSTOM), .group = g, \
	  .codec = &json_value_codec }
#define DONE VDOC_DONE
const struct json_field vdoc_case_fields[] = {
	CASE_STR_OR(sampler, 0, "?"),
	CASE_STR_OR(type, 0, "cpu"),   /* a validation.json of before the types held cpu cases only */
	CASE_STR_OR(workload, 0, "?"),
	CASE(hz, I64, 0),
	CASE(requested_hz, I64, 0),
	CASE(threads, INT, 0),
	CASE(duration_s, DOUBLE, 0),
	CASE(run, INT, 0),
	CASE_STR(dir, 0),
	JSON_FIELD_KEY(struct vdoc_case, gating, "gating", FIELD_BOOL, 1, 0),
	JSON_FIELD_ENUM(struct vdoc_case, status, "status", vdoc_status_names, -1),
	CASE_STR_OR(reason, VDOC_NOT_DONE, "no reason recorded"),
	JSON_FIELD_KEY(struct vdoc_case, within_bounds, "within_bounds", FIELD_BOOL, 1, DONE),
	CASE_STR_OR(out_of_bounds, DONE, ""),
	CASE_STR(measure, DONE),
	CASE(samples, U64, DONE),
	CASE(samples_in_sites, DOUBLE, DONE),
	CASE(lost, U64, DONE),
	CASE(lost_pct, DOUBLE, DONE),
	CASE(throttled, U64, DONE),
	CASE(throttled_pct, DOUBLE, DONE),
	CASE(dropped, U64, DONE),
	CASE(dropped_pct, DOUBLE, DONE),
	CASE(workload_cpu_s, DOUBLE, DONE),
	CASE(workload_wall_s, DOUBLE, DONE),
	CASE(steal_pct, DOUBLE, DONE),
	CASE(effective_rate_hz, DOUBLE, DONE),
	CASE(rate_ratio, DOUBLE, DONE),
	CASE(attribution_error_max_pp, DOUBLE, DONE),
	CASE_STR(worst_site, DONE),
	CASE(tvd, DOUBLE, DONE),
	CASE(binomial_se_pp, DOUBLE, DONE),
	CASE(binomial_se_max_pp, DOUBLE, DONE),
	CASE(expected_tvd, DOUBLE, DONE),
	CASE(reached_main, DOUBLE, DONE),
	CASE(symbolized, DOUBLE, DONE),
	CASE_JSON(truth, DONE),
	CASE_JSON(nominal, DONE),
	CASE_JSON(measured, DONE),
	CASE_JSON(bounds, DONE),
	CASE_JSON(measures, DONE),
	CASE(alloc_rate_bytes, DOUBLE, VDOC_ALLOC),
	CASE_JSON(calls, VDOC_ALLOC),
	CASE_JSON(bytes, VDOC_ALLOC),
	CASE(sampler_cpu_s, DOUBLE, DONE),
	CASE(sampler_peak_rss_bytes, U64, DONE),
	CASE(postprocess_cpu_s, DOUBLE, VDOC_POSTPROCESS),
	CASE_JSON(sampler_report, VDOC_REPORT),
};
const int vdoc_case_nfields = NFIELDS(vdoc_case_fields);
#undef CASE
#undef CASE_STR
#undef CASE_STR_OR
#undef CASE_JSON
#undef DONE

const struct json_field vdoc_count_fields[] = {
	JSON_FIELD(struct vdoc_count, counted, FIELD_U64, 0),
	JSON_FIELD(struct vdoc_count, truth, FIELD_DOUBLE, NAN),
};
const int vdoc_count_nfields = NFIELDS(vdoc_count_fields);

#define JSON_VALUE(S, name, g) \
	{ JSON_FIELD_AT_(S, name, #name, FIELD_CUSTOM), .group = g, .codec = &json_value_codec }
#define STR(S, name) JSON_FIELD_STRP(S, name, #name, NULL)
const struct json_field vdoc_rules_fields[] = {
	JSON_VALUE(struct vdoc_rules, attribution_error_max_pp, 0),
	STR(struct vdoc_rules, tvd),
	JSON_FIELD(struct vdoc_rules, rate_tolerance, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct vdoc_rules, lost_pct_max, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct vdoc_rules, reached_main_min, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct vdoc_rules, symbolized_min, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct vdoc_rules, site_samples_min, FIELD_DOUBLE, NAN),
	JSON_VALUE(struct vdoc_rules, measures, 0),
};
const int vdoc_rules_nfields = NFIELDS(vdoc_rules_fields);

const struct json_field vdoc_options_fields[] = {
	JSON_VALUE(struct vdoc_options, rates_hz, 0),
	JSON_VALUE(struct vdoc_options, threads, 0),
	JSON_FIELD(struct vdoc_options, duration_s, FIELD_DOUBLE, NAN),
	STR(struct vdoc_options, event),
	JSON_VALUE(struct vdoc_options, samplers, 0),
	JSON_VALUE(struct vdoc_options, types, 0),
	JSON_FIELD(struct vdoc_options, other_types_threads, FIELD_I64, -1),
	JSON_FIELD(struct vdoc_options, alloc_rate_bytes, FIELD_I64, -1),
	JSON_FIELD(struct vdoc_options, same_run, FIELD_BOOL, 0),
	JSON_VALUE(struct vdoc_options, bounds, 0),
};
const int vdoc_options_nfields = NFIELDS(vdoc_options_fields);

const struct json_field vdoc_validation_fields[] = {
	JSON_FIELD(struct vdoc_validation, schema_version, FIELD_I64, -1),
	STR(struct vdoc_validation, kind),
	STR(struct vdoc_validation, tare_version),
	STR(struct vdoc_validation, command_line),
	STR(struct vdoc_validation, started_utc),
	STR(struct vdoc_validation, finished_utc),
	JSON_VALUE(struct vdoc_validation, options, 0),
	JSON_VALUE(struct vdoc_validation, environment, VDOC_ENVIRONMENT),
	JSON_VALUE(struct vdoc_validation, cases, 0),
	STR(struct vdoc_validation, verdict),
	JSON_VALUE(struct vdoc_validation, out_of_bounds, 0),
};
const int vdoc_validation_nfields = NFIELDS(vdoc_validation_fields);
#undef JSON_VALUE
#undef STR

/* ---- the writer ----------------------------------------------------------------------------- */

static json_t *dist_json(const struct vtruth *t, const double *v)
{
	json_t *o = json_object();

	for (int i = 0; i < t->nsites; i++)
		json_object_set_new(o, t->site[i], json_num_or_null(v[i]));
	return o;
}

static json_t *bounds_json(const struct json_field *fields, int n, const struct vdoc_bounds *b,
			   unsigned groups)
{
	json_t *o = json_object();

	json_set_fields(o, fields, n, b, groups);
	return o;
}

/* The site a measure's error is largest at, or NULL (null). */
static char *worst_site(const struct vmeas *ms)
{
	return ms->m.worst_site >= 0 ? (char *)ms->truth.site[ms->m.worst_site] : NULL;
}

static json_t *measure_json(const struct vmeas *ms)
{
	const struct vmetrics *m = &ms->m;
	int counted = ms->def->kind != VK_SAMPLES;
	struct vdoc_bounds b = {
		.attribution_error_max_pp = ms->error_bound_pp,
		.tvd = ms->tvd_bound,
		.total_ratio_min = ms->total_lo,
		.total_ratio_max = ms->total_hi,
		.why = (char *)ms->def->why,
	};
	struct vdoc_measure d = {
		.unit = (char *)ms->def->unit,
		.kind = ms->def->kind,
		.within_bounds = ms->within,
		.out_of_bounds = (char *)ms->out_of_bounds,
		.n = m->n,
		.attribution_error_max_pp = m->max_error_pp,
		.worst_site = worst_site(ms),
		.se_max_pp = m->se_max_pp,
		.tvd = m->tvd,
		.expected_tvd = m->expected_tvd,
		.total_truth = m->total_truth,
		.total_measured = counted ? m->n : NAN,
		.total_ratio = m->total_ratio,
		.total_se_rel = m->total_se_rel,
		.expected_samples_min = m->expected_min,
		.sites_found = m->sites_found,
		.sites_expected = m->sites_expected,
		.reached_main = m->reached_main,
		.symbolized = m->symbolized,
		.truth = dist_json(&ms->truth, ms->truth.share),
		.measured = dist_json(&ms->truth, m->measured),
		.se_pp = dist_json(&ms->truth, m->se_pp),
		.truth_values = counted ? dist_json(&ms->truth, ms->truth.value) : NULL,
		.measured_values = counted ? dist_json(&ms->truth, ms->prof.site_weight) : NULL,
		.bounds = bounds_json(vdoc_measure_bounds_fields, vdoc_measure_bounds_nfields, &b, 0),
	};
	json_t *j = json_object();

	json_set_fields(j, vdoc_measure_fields, vdoc_measure_nfields, &d, counted ? VDOC_COUNTED : 0);
	return j;
}

static json_t *count_json(uint64_t counted, double truth)
{
	struct vdoc_count d = { counted, truth };

	return json_from_fields(vdoc_count_fields, vdoc_count_nfields, &d);
}

static json_t *case_json(const struct vopts *o, const struct vcase *c)
{
	const struct vmeas *ms0 = &c->ms[0];
	const struct vmetrics *m = &ms0->m;
	const struct vprofile *p = &ms0->prof;
	int cpu = vcase_is_cpu(c), done = c->status == CASE_OK;
	int alloc = !strcmp(c->w->type, "alloc");
	unsigned groups = (done ? VDOC_DONE | (cpu ? VDOC_CPU : VDOC_COUNTED) |
			   (alloc ? VDOC_ALLOC : 0) | (c->post_cpu_ns ? VDOC_POSTPROCESS : 0) |
			   (c->sampler_report ? VDOC_REPORT : 0) : VDOC_NOT_DONE);
	struct vdoc_case d = {
		.sampler = (char *)c->sampler->name,
		.type = (char *)c->w->type,
		.workload = (char *)c->w->name,
		.hz = cpu ? (int64_t)c->hz : -1,
		.requested_hz = cpu ? (int64_t)c->hz : -1,
		.threads = c->threads,
		.duration_s = c->duration_s,
		.run = c->run,
		.dir = (char *)c->dir,
		.gating = c->sampler->gating,
		.status = c->status,
		.reason = (char *)c->reason,
	};
	json_t *j = json_object();

	if (done) {
		struct vdoc_bounds b = {
			.attribution_error_max_pp = ms0->error_bound_pp,
			.tvd = ms0->tvd_bound,
			.rate_ratio_min = c->rate_lo,
			.rate_ratio_max = c->rate_hi,
			.total_ratio_min = ms0->total_lo,
			.total_ratio_max = ms0->total_hi,
			.lost_pct_max = o->b.max_lost_pct,
			.reached_main_min = o->b.min_reached_main,
			.symbolized_min = o->b.min_symbolized,
		};

		d.within_bounds = c->within;
		d.out_of_bounds = (char *)c->out_of_bounds;
		d.measure = (char *)ms0->def->name;
		d.samples = p->samples;
		/* cpu: samples in the sites; the other types' n is their measure's weight (ns, bytes) */
		d.samples_in_sites = cpu ? m->n : NAN;
		d.lost = p->lost;
		d.lost_pct = validate_pct(p->lost, p->samples + p->lost);
		d.throttled = p->throttled;
		d.throttled_pct = validate_pct(p->throttled, p->samples);
		d.dropped = p->dropped;
		d.dropped_pct = validate_pct(p->dropped, p->samples);
		d.workload_cpu_s = (double)c->workload_cpu_ns / 1e9;
		d.workload_wall_s = (double)c->workload_wall_ns / 1e9;
		d.steal_pct = 100 * c->steal_share;
		d.effective_rate_hz = cpu ? c->effective_hz : NAN;
		d.rate_ratio = cpu ? c->effective_hz / c->hz : NAN;
		d.attribution_error_max_pp = m->max_error_pp;
		d.worst_site = worst_site(ms0);
		d.tvd = m->tvd;
		d.binomial_se_pp = m->binomial_se_pp;
		d.binomial_se_max_pp = m->se_max_pp;
		d.expected_tvd = m->expected_tvd;
		d.reached_main = m->reached_main;
		d.symbolized = m->symbolized;
		d.truth = dist_json(&ms0->truth, ms0->truth.share);
		d.nominal = dist_json(&ms0->truth, ms0->truth.nominal);
		d.measured = dist_json(&ms0->truth, m->measured);
		d.bounds = bounds_json(vdoc_case_bounds_fields, vdoc_case_bounds_nfields, &b, groups);
		d.measures = json_object();
		for (int k = 0; k < c->nm; k++)
			json_object_set_new(d.measures, c->ms[k].def->name, measure_json(&c->ms[k]));
		if (alloc) {
			d.alloc_rate_bytes = c->alloc_mean;
			d.calls = count_json(c->calls_seen, c->calls_truth);
			d.bytes = count_json(c->bytes_seen, c->bytes_truth);
		}
		d.sampler_cpu_s = (double)c->sampler_cpu_ns / 1e9;
		d.sampler_peak_rss_bytes = c->sampler_rss_bytes;
		d.postprocess_cpu_s = (double)c->post_cpu_ns / 1e9;
		d.sampler_report = c->sampler_report ? json_incref(c->sampler_report) : NULL;
	}
	json_set_fields(j, vdoc_case_fields, vdoc_case_nfields, &d, groups);
	return j;
}

void validate_utc_now(char *buf, size_t len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

/* Why each measure's bounds are what they are, by "TYPE MEASURE" (options.bounds.measures). */
static json_t *measures_why_json(void)
{
	json_t *per = json_object();

	for (int k = 0; k < VALIDATE_NWORKLOADS; k++)
		for (int i = 0; i < vworkloads[k].nmeasures; i++) {
			const struct vmeasure *d = &vworkloads[k].measures[i];
			char key[96];

			snprintf(key, sizeof(key), "%s %s", vworkloads[k].type, d->name);
			json_object_set_new(per, key, json_string(d->why));
		}
	return per;
}

static json_t *options_json(const struct vopts *o)
{
	char *tvd = xasprintf("%g x expected_tvd + %g", o->b.tvd_mult, o->b.allowance_pp / 100);
	struct vdoc_rules r = {
		.attribution_error_max_pp = isfinite(o->b.max_error_pp) ? json_real(o->b.max_error_pp) :
			json_sprintf("%g x binomial_se_max_pp + %g", o->b.error_se, o->b.allowance_pp),
		.tvd = tvd,
		.rate_tolerance = o->b.rate_tolerance,
		.lost_pct_max = o->b.max_lost_pct,
		.reached_main_min = o->b.min_reached_main,
		.symbolized_min = o->b.min_symbolized,
		.site_samples_min = o->b.min_site_samples,
		.measures = measures_why_json(),
	};
	struct vdoc_options d = {
		.rates_hz = json_array(),
		.threads = json_array(),
		.duration_s = o->duration_s,
		.event = (char *)o->event,
		.samplers = json_array(),
		.types = json_array(),
		.other_types_threads = VALIDATE_OTHER_THREADS,
		.alloc_rate_bytes = (int64_t)o->alloc_rate,
		.same_run = !o->apart,
		.bounds = json_from_fields(vdoc_rules_fields, vdoc_rules_nfields, &r),
	};

	free(tvd);
	for (int i = 0; i < o->nrates; i++)
		json_array_append_new(d.rates_hz, json_integer(o->rates[i]));
	for (int i = 0; i < o->nthreads; i++)
		json_array_append_new(d.threads, json_integer(o->threads[i]));
	for (int i = 0; i < o->nsamplers; i++)
		json_array_append_new(d.samplers, json_string(o->samplers[i]));
	for (int k = 0; k < VALIDATE_NWORKLOADS; k++)
		if (o->types & (1 << k))
			json_array_append_new(d.types, json_string(vworkloads[k].type));
	return json_from_fields(vdoc_options_fields, vdoc_options_nfields, &d);
}

int validate_write_json(struct vstate *st, const char *verdict, json_t *failed)
{
	char finished[32], *path = xasprintf("%s/validation.json", st->dir), *text;
	struct vdoc_validation d = {
		.schema_version = VALIDATE_SCHEMA_VERSION,
		.kind = "validation",
		.tare_version = (char *)tare_version(),
		.command_line = st->command_line,
		.started_utc = st->started_utc,
		.finished_utc = finished,
		.options = options_json(st->o),
		.environment = st->environment ? json_incref(st->environment) : NULL,
		.cases = json_array(),
		.verdict = (char *)verdict,
		.out_of_bounds = failed ? json_incref(failed) : json_array(),
	};
	json_t *root = json_object();
	int rc;

	validate_utc_now(finished, sizeof(finished), "%Y-%m-%dT%H:%M:%SZ");
	for (int i = 0; i < st->ncases; i++)
		if (st->cases[i].status != CASE_PENDING)
			json_array_append_new(d.cases, case_json(st->o, &st->cases[i]));
	json_set_fields(root, vdoc_validation_fields, vdoc_validation_nfields, &d,
			st->environment ? VDOC_ENVIRONMENT : 0);
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	rc = text ? write_file_atomic(path, text, strlen(text)) : -1;
	if (rc < 0)
		validate_err("cannot write %s: %s", path, strerror(errno));
	free(text);
	free(path);
	json_decref(root);
	return rc;
}
