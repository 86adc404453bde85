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
#include "validate_int.h"

static const char *kind_name(enum vkind k)
{
	static const char *const names[] = { "samples", "exact", "poisson-bytes", "poisson-objects" };

	return names[k];
}

static json_t *dist_json(const struct vtruth *t, const double *v)
{
	json_t *o = json_object();

	for (int i = 0; i < t->nsites; i++)
		json_object_set_new(o, t->site[i], json_num_or_null(v[i]));
	return o;
}

static json_t *measure_json(const struct vmeas *ms)
{
	const struct vmetrics *m = &ms->m;
	json_t *j = json_object(), *b = json_object();

	json_object_set_new(j, "unit", json_string(ms->def->unit));
	json_object_set_new(j, "kind", json_string(kind_name(ms->def->kind)));
	json_object_set_new(j, "within_bounds", json_boolean(ms->within));
	json_object_set_new(j, "out_of_bounds", json_string(ms->out_of_bounds));
	json_object_set_new(j, "n", json_num_or_null(m->n));
	json_object_set_new(j, "attribution_error_max_pp", json_num_or_null(m->max_error_pp));
	json_object_set_new(j, "worst_site", m->worst_site >= 0 ?
			    json_string(ms->truth.site[m->worst_site]) : json_null());
	json_object_set_new(j, "se_max_pp", json_num_or_null(m->se_max_pp));
	json_object_set_new(j, "tvd", json_num_or_null(m->tvd));
	json_object_set_new(j, "expected_tvd", json_num_or_null(m->expected_tvd));
	json_object_set_new(j, "total_truth", json_num_or_null(m->total_truth));
	json_object_set_new(j, "total_measured", json_num_or_null(ms->def->kind == VK_SAMPLES ? NAN : m->n));
	json_object_set_new(j, "total_ratio", json_num_or_null(m->total_ratio));
	json_object_set_new(j, "total_se_rel", json_num_or_null(m->total_se_rel));
	json_object_set_new(j, "expected_samples_min", json_num_or_null(m->expected_min));
	json_object_set_new(j, "sites_found", json_integer(m->sites_found));
	json_object_set_new(j, "sites_expected", json_integer(m->sites_expected));
	json_object_set_new(j, "reached_main", json_num_or_null(m->reached_main));
	json_object_set_new(j, "symbolized", json_num_or_null(m->symbolized));
	json_object_set_new(j, "truth", dist_json(&ms->truth, ms->truth.share));
	json_object_set_new(j, "measured", dist_json(&ms->truth, m->measured));
	json_object_set_new(j, "se_pp", dist_json(&ms->truth, m->se_pp));
	if (ms->def->kind != VK_SAMPLES) {
		json_object_set_new(j, "truth_values", dist_json(&ms->truth, ms->truth.value));
		json_object_set_new(j, "measured_values", dist_json(&ms->truth, ms->prof.site_weight));
	}
	json_object_set_new(b, "attribution_error_max_pp", json_num_or_null(ms->error_bound_pp));
	json_object_set_new(b, "tvd", json_num_or_null(ms->tvd_bound));
	json_object_set_new(b, "total_ratio_min", json_num_or_null(ms->total_lo));
	json_object_set_new(b, "total_ratio_max", json_num_or_null(ms->total_hi));
	json_object_set_new(b, "why", json_string(ms->def->why));
	json_object_set_new(j, "bounds", b);
	return j;
}

static json_t *case_json(const struct vopts *o, const struct vcase *c)
{
	json_t *j = json_object(), *b, *mj;
	const struct vmeas *ms0 = &c->ms[0];
	const struct vmetrics *m = &ms0->m;
	const struct vprofile *p = &ms0->prof;
	static const char *const status[] = { "pending", "ok", "skipped", "failed" };
	int cpu = vcase_is_cpu(c);

	json_object_set_new(j, "sampler", json_string(c->sampler->name));
	json_object_set_new(j, "type", json_string(c->w->type));
	json_object_set_new(j, "workload", json_string(c->w->name));
	json_object_set_new(j, "hz", cpu ? json_integer(c->hz) : json_null());
	json_object_set_new(j, "requested_hz", cpu ? json_integer(c->hz) : json_null());
	json_object_set_new(j, "threads", json_integer(c->threads));
	json_object_set_new(j, "duration_s", json_real(c->duration_s));
	json_object_set_new(j, "run", json_integer(c->run));
	json_object_set_new(j, "dir", json_string(c->dir));
	json_object_set_new(j, "gating", json_boolean(c->sampler->gating));
	json_object_set_new(j, "status", json_string(status[c->status]));
	if (c->status != CASE_OK) {
		json_object_set_new(j, "reason", json_string(c->reason));
		return j;
	}
	json_object_set_new(j, "within_bounds", json_boolean(c->within));
	json_object_set_new(j, "out_of_bounds", json_string(c->out_of_bounds));
	json_object_set_new(j, "measure", json_string(ms0->def->name));
	json_object_set_new(j, "samples", json_integer((json_int_t)p->samples));
	/* cpu: samples in the sites; the other types' n is their measure's weight (ns, bytes) */
	json_object_set_new(j, "samples_in_sites", json_num_or_null(cpu ? m->n : NAN));
	json_object_set_new(j, "lost", json_integer((json_int_t)p->lost));
	json_object_set_new(j, "lost_pct", json_real(validate_pct(p->lost, p->samples + p->lost)));
	json_object_set_new(j, "throttled", json_integer((json_int_t)p->throttled));
	json_object_set_new(j, "throttled_pct", json_real(validate_pct(p->throttled, p->samples)));
	json_object_set_new(j, "dropped", json_integer((json_int_t)p->dropped));
	json_object_set_new(j, "dropped_pct", json_real(validate_pct(p->dropped, p->samples)));
	json_object_set_new(j, "workload_cpu_s", json_real((double)c->workload_cpu_ns / 1e9));
	json_object_set_new(j, "workload_wall_s", json_real((double)c->workload_wall_ns / 1e9));
	json_object_set_new(j, "steal_pct", json_num_or_null(100 * c->steal_share));
	json_object_set_new(j, "effective_rate_hz", json_num_or_null(cpu ? c->effective_hz : NAN));
	json_object_set_new(j, "rate_ratio", json_num_or_null(cpu ? c->effective_hz / c->hz : NAN));
	json_object_set_new(j, "attribution_error_max_pp", json_num_or_null(m->max_error_pp));
	json_object_set_new(j, "worst_site", m->worst_site >= 0 ?
			    json_string(ms0->truth.site[m->worst_site]) : json_null());
	json_object_set_new(j, "tvd", json_num_or_null(m->tvd));
	json_object_set_new(j, "binomial_se_pp", json_num_or_null(m->binomial_se_pp));
	json_object_set_new(j, "binomial_se_max_pp", json_num_or_null(m->se_max_pp));
	json_object_set_new(j, "expected_tvd", json_num_or_null(m->expected_tvd));
	json_object_set_new(j, "reached_main", json_num_or_null(m->reached_main));
	json_object_set_new(j, "symbolized", json_num_or_null(m->symbolized));
	json_object_set_new(j, "truth", dist_json(&ms0->truth, ms0->truth.share));
	json_object_set_new(j, "nominal", dist_json(&ms0->truth, ms0->truth.nominal));
	json_object_set_new(j, "measured", dist_json(&ms0->truth, m->measured));
	b = json_object();
	json_object_set_new(b, "attribution_error_max_pp", json_num_or_null(ms0->error_bound_pp));
	json_object_set_new(b, "tvd", json_num_or_null(ms0->tvd_bound));
	if (cpu) {
		json_object_set_new(b, "rate_ratio_min", json_num_or_null(c->rate_lo));
		json_object_set_new(b, "rate_ratio_max", json_num_or_null(c->rate_hi));
	} else {
		json_object_set_new(b, "total_ratio_min", json_num_or_null(ms0->total_lo));
		json_object_set_new(b, "total_ratio_max", json_num_or_null(ms0->total_hi));
	}
	json_object_set_new(b, "lost_pct_max", json_real(o->b.max_lost_pct));
	json_object_set_new(b, "reached_main_min", json_real(o->b.min_reached_main));
	json_object_set_new(b, "symbolized_min", json_real(o->b.min_symbolized));
	json_object_set_new(j, "bounds", b);
	mj = json_object();
	for (int k = 0; k < c->nm; k++)
		json_object_set_new(mj, c->ms[k].def->name, measure_json(&c->ms[k]));
	json_object_set_new(j, "measures", mj);
	if (!strcmp(c->w->type, "alloc")) {
		json_object_set_new(j, "alloc_rate_bytes", json_num_or_null(c->alloc_mean));
		json_object_set_new(j, "calls", json_pack("{s:I, s:o}", "counted",
			(json_int_t)c->calls_seen, "truth", json_num_or_null(c->calls_truth)));
		json_object_set_new(j, "bytes", json_pack("{s:I, s:o}", "counted",
			(json_int_t)c->bytes_seen, "truth", json_num_or_null(c->bytes_truth)));
	}
	json_object_set_new(j, "sampler_cpu_s", json_real((double)c->sampler_cpu_ns / 1e9));
	json_object_set_new(j, "sampler_peak_rss_bytes", json_integer((json_int_t)c->sampler_rss_bytes));
	if (c->post_cpu_ns)
		json_object_set_new(j, "postprocess_cpu_s", json_real((double)c->post_cpu_ns / 1e9));
	if (c->sampler_report)
		json_object_set_new(j, "sampler_report", json_incref(c->sampler_report));
	return j;
}

void validate_utc_now(char *buf, size_t len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

int validate_write_json(struct vstate *st, const char *verdict, json_t *failed)
{
	json_t *root = json_object(), *opts = json_object(), *arr = json_array(), *b = json_object();
	char finished[32], *path = xasprintf("%s/validation.json", st->dir), *text;
	int rc;

	validate_utc_now(finished, sizeof(finished), "%Y-%m-%dT%H:%M:%SZ");
	json_object_set_new(root, "schema_version", json_integer(VALIDATE_SCHEMA_VERSION));
	json_object_set_new(root, "kind", json_string("validation"));
	json_object_set_new(root, "tare_version", json_string(tare_version()));
	json_object_set_new(root, "command_line", json_string(st->command_line));
	json_object_set_new(root, "started_utc", json_string(st->started_utc));
	json_object_set_new(root, "finished_utc", json_string(finished));
	for (int i = 0; i < st->o->nrates; i++)
		json_array_append_new(arr, json_integer(st->o->rates[i]));
	json_object_set_new(opts, "rates_hz", arr);
	arr = json_array();
	for (int i = 0; i < st->o->nthreads; i++)
		json_array_append_new(arr, json_integer(st->o->threads[i]));
	json_object_set_new(opts, "threads", arr);
	json_object_set_new(opts, "duration_s", json_real(st->o->duration_s));
	json_object_set_new(opts, "event", json_string(st->o->event));
	arr = json_array();
	for (int i = 0; i < st->o->nsamplers; i++)
		json_array_append_new(arr, json_string(st->o->samplers[i]));
	json_object_set_new(opts, "samplers", arr);
	arr = json_array();
	for (int k = 0; k < VALIDATE_NWORKLOADS; k++)
		if (st->o->types & (1 << k))
			json_array_append_new(arr, json_string(vworkloads[k].type));
	json_object_set_new(opts, "types", arr);
	json_object_set_new(opts, "other_types_threads", json_integer(VALIDATE_OTHER_THREADS));
	json_object_set_new(opts, "alloc_rate_bytes", json_integer((json_int_t)st->o->alloc_rate));
	json_object_set_new(opts, "same_run", json_boolean(!st->o->apart));
	json_object_set_new(b, "attribution_error_max_pp",
			    isfinite(st->o->b.max_error_pp) ? json_real(st->o->b.max_error_pp) :
			    json_sprintf("%g x binomial_se_max_pp + %g", st->o->b.error_se,
					 st->o->b.allowance_pp));
	json_object_set_new(b, "tvd", json_sprintf("%g x expected_tvd + %g", st->o->b.tvd_mult,
						   st->o->b.allowance_pp / 100));
	json_object_set_new(b, "rate_tolerance", json_real(st->o->b.rate_tolerance));
	json_object_set_new(b, "lost_pct_max", json_real(st->o->b.max_lost_pct));
	json_object_set_new(b, "reached_main_min", json_real(st->o->b.min_reached_main));
	json_object_set_new(b, "symbolized_min", json_real(st->o->b.min_symbolized));
	json_object_set_new(b, "site_samples_min", json_real(st->o->b.min_site_samples));
	{
		json_t *per = json_object();

		for (int k = 0; k < VALIDATE_NWORKLOADS; k++)
			for (int i = 0; i < vworkloads[k].nmeasures; i++) {
				const struct vmeasure *d = &vworkloads[k].measures[i];
				char key[96];

				snprintf(key, sizeof(key), "%s %s", vworkloads[k].type, d->name);
				json_object_set_new(per, key, json_string(d->why));
			}
		json_object_set_new(b, "measures", per);
	}
	json_object_set_new(opts, "bounds", b);
	json_object_set_new(root, "options", opts);
	if (st->environment)
		json_object_set_new(root, "environment", json_incref(st->environment));
	arr = json_array();
	for (int i = 0; i < st->ncases; i++)
		if (st->cases[i].status != CASE_PENDING)
			json_array_append_new(arr, case_json(st->o, &st->cases[i]));
	json_object_set_new(root, "cases", arr);
	json_object_set_new(root, "verdict", json_string(verdict));
	json_object_set_new(root, "out_of_bounds", failed ? json_incref(failed) : json_array());
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	rc = text ? write_file_atomic(path, text, strlen(text)) : -1;
	if (rc < 0)
		validate_err("cannot write %s: %s", path, strerror(errno));
	free(text);
	free(path);
	json_decref(root);
	return rc;
}
