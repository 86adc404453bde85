/* results.c — results.json and trials.csv. */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "json_io.h"
#include "trial.h"   /* trial_load_latency */

/* A trial's samples in each part of the known split: [712, 205, 99] in the workload's
 * truth_parts order, null when not counted. */
static json_t *parts_write(const void *field)
{
	const struct part_samples *p = field;
	json_t *a;
	if (!p->n)
		return json_null();
	a = json_array();
	for (int k = 0; k < p->n; k++)
		json_array_append_new(a, json_integer(p->count[k]));
	return a;
}

static void parts_read(const json_t *a, void *field)
{
	struct part_samples *p = field;
	size_t k;
	json_t *v;
	memset(p, 0, sizeof(*p));
	if (json_array_size(a) > TRUTH_PARTS_MAX)
		return;
	json_array_foreach(a, k, v)
		p->count[p->n++] = json_is_integer(v) ? json_integer_value(v) : 0;
}

static const struct json_codec parts_codec = { parts_write, parts_read, NULL };

/* Read back, an absent figure is unknown: NaN, or -1 for the memory charged. */
#define FIELD_DFLT(type) ((type) == FIELD_DOUBLE ? NAN : (type) == FIELD_I64 ? -1 : 0)
#define TRIAL(name, type) JSON_FIELD(struct trial_result, name, FIELD_##type, FIELD_DFLT(FIELD_##type))
const struct json_field trial_fields[] = {
	TRIAL(index, INT),
	TRIAL(block, INT),
	TRIAL(config, INT),
	TRIAL(started_unix_ns, U64),
	TRIAL(wall_s, DOUBLE),
	TRIAL(units, U64),
	TRIAL(unit, STR),
	TRIAL(workload_user_ns, U64),
	TRIAL(workload_sys_ns, U64),
	TRIAL(workload_cpu_ns, U64),
	TRIAL(profiler_user_ns, U64),
	TRIAL(profiler_sys_ns, U64),
	TRIAL(profiler_cpu_ns, U64),
	TRIAL(profiler_cpu_total_ns, U64),
	TRIAL(profiler_ready_s, DOUBLE),
	TRIAL(profiler_starts, INT),
	TRIAL(service_exited, INT),
	TRIAL(windows_dropped, INT),
	TRIAL(unattributed_ns, U64),
	TRIAL(kthreads_ns, U64),
	TRIAL(other_ns, U64),
	TRIAL(machine_tasks_ns, U64),
	TRIAL(machine_busy_ns, U64),
	TRIAL(machine_irq_ns, U64),
	TRIAL(machine_softirq_ns, U64),
	TRIAL(machine_steal_ns, U64),
	TRIAL(machine_idle_ns, U64),
	TRIAL(workload_rss_peak_bytes, U64),
	TRIAL(profiler_rss_peak_bytes, U64),
	TRIAL(workload_kernel_bytes, U64),
	TRIAL(profiler_kernel_bytes, U64),
	TRIAL(workload_mem_charged_peak_bytes, I64),
	TRIAL(profiler_mem_charged_peak_bytes, I64),
	TRIAL(has_latency, INT),
	TRIAL(requests, U64),
	TRIAL(request_errors, U64),
	TRIAL(target_rate, DOUBLE),
	TRIAL(achieved_rate, DOUBLE),
	TRIAL(p50_us, DOUBLE),
	TRIAL(p90_us, DOUBLE),
	TRIAL(p99_us, DOUBLE),
	TRIAL(p999_us, DOUBLE),
	TRIAL(max_us, DOUBLE),
	TRIAL(p99_uncorrected_us, DOUBLE),
	TRIAL(driver_cpu_ns, U64),
	TRIAL(half_wall_s, DOUBLE),
	TRIAL(half_units, U64),
	TRIAL(half_cpu_ns, U64),
	TRIAL(profile_samples, I64),
	TRIAL(profile_expected, DOUBLE),
	TRIAL(profile_self_pct, DOUBLE),
	JSON_FIELD_CODEC(struct trial_result, profile_parts, "profile_parts", &parts_codec),
	TRIAL(dir, STR),
};
#undef TRIAL
const int trial_nfields = (int)(sizeof(trial_fields) / sizeof(trial_fields[0]));

/* Switchback windows: results.json (each trial's "windows") and windows.csv, from one table. */
#define WINDOW(name, type) JSON_FIELD(struct window_result, name, FIELD_##type, FIELD_DFLT(FIELD_##type))
const struct json_field window_fields[] = {
	WINDOW(index, INT),
	WINDOW(arm, INT),
	WINDOW(start_s, DOUBLE),
	WINDOW(wall_s, DOUBLE),
	WINDOW(units, U64),
	WINDOW(workload_cpu_ns, U64),
	WINDOW(profiler_cpu_ns, U64),
	WINDOW(unattributed_ns, U64),
	WINDOW(driver_cpu_ns, U64),
	WINDOW(machine_busy_ns, U64),
	WINDOW(machine_steal_ns, U64),
	WINDOW(gauge_ns, U64),
	WINDOW(gauge_ops, U64),
	WINDOW(twin_units, U64),
	WINDOW(twin_cpu_ns, U64),
	WINDOW(requests, U64),
	WINDOW(latency_pairs, INT),
	WINDOW(p50_us, DOUBLE),
	WINDOW(p90_us, DOUBLE),
	WINDOW(p99_us, DOUBLE),
};
#undef WINDOW
#undef FIELD_DFLT
const int window_nfields = (int)(sizeof(window_fields) / sizeof(window_fields[0]));

static const char *state_name(enum trial_state s)
{
	return s == TRIAL_OK ? "ok" : s == TRIAL_FAILED ? "failed" : "interrupted";
}

void run_warn(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	for (int i = 0; i < r->warnings.n; i++)
		if (!strcmp(r->warnings.v[i], s)) {
			free(s);
			return;
		}
	ptrvec_push(&r->warnings, s);
}

static json_t *iso8601(uint64_t unix_ns)
{
	char buf[64];
	time_t t = (time_t)(unix_ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* A struct kvlist (the options) as an object of strings; read back, a value not a string is dropped. */
static json_t *kv_write(const void *field)
{
	const struct kvlist *l = field;
	json_t *o = json_object();
	for (int i = 0; i < l->n; i++)
		json_object_set_new(o, l->v[i].key, json_string(l->v[i].value));
	return o;
}

static void kv_read(const json_t *o, void *field)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
		if (json_is_string(v))
			kvlist_add(field, k, json_string_value(v));
}

static const struct json_codec kv_codec = { kv_write, kv_read, NULL };   /* freed with its record */

/* A workload's known split: [{"name": "cpu_hot", "pct": 70}, ...], largest first; [] for none. */
static json_t *truth_write(const void *field)
{
	const struct truth_split *t = field;
	json_t *a = json_array();
	for (int k = 0; k < t->n; k++)
		json_array_append_new(a, json_pack("{s:s, s:f}", "name", t->part[k].name, "pct", t->part[k].pct));
	return a;
}

static void truth_read(const json_t *a, void *field)
{
	struct truth_split *t = field;
	size_t k;
	json_t *v;
	memset(t, 0, sizeof(*t));
	json_array_foreach(a, k, v) {
		const char *name = json_get_string(v, "name", NULL);
		if (t->n == TRUTH_PARTS_MAX || !name)
			break;
		t->part[t->n].name = xstrdup(name);
		t->part[t->n++].pct = json_get_number(v, "pct", NAN);
	}
}

static const struct json_codec truth_codec = { truth_write, truth_read, NULL };   /* freed with its record */

/* results.json's workloads[] and configs[] (after each config's "id", its position). */
#define WL_STR(name, dflt) JSON_FIELD_STRP(struct workload, name, #name, dflt)
static const struct json_field workload_fields[] = {
	WL_STR(name, "?"),
	WL_STR(label, NULL),   /* read back: the name when absent */
	JSON_FIELD_CODEC(struct workload, opts, "options", &kv_codec),
	JSON_FIELD_CODEC(struct workload, argv, "argv", &json_strv_codec),
	JSON_FIELD_CODEC(struct workload, env, "env", &json_strv_codec),   /* every arm's (preload=) */
	WL_STR(unit, ""),
	JSON_FIELD(struct workload, attach_pid, FIELD_INT, 0),
	WL_STR(attach_cgroup, NULL),
	WL_STR(metrics_url, NULL),
	WL_STR(metrics_units, NULL),
	WL_STR(metrics_latency, NULL),
	JSON_FIELD_CODEC(struct workload, truth, "truth_parts", &truth_codec),
};
#undef WL_STR
static const struct json_field config_fields[] = {
	JSON_FIELD_STRP(struct config, label, "label", "?"),
	JSON_FIELD(struct config, workload, FIELD_INT, 0),
	JSON_FIELD_STRP(struct config, profiler, "profiler", "?"),
	JSON_FIELD(struct config, baseline, FIELD_BOOL, 0),
	JSON_FIELD_ENUM(struct config, control, "control", control_names, CONTROL_NONE),
	JSON_FIELD_CODEC(struct config, profiler_opts, "options", &kv_codec),
	JSON_FIELD_CODEC(struct config, profiler_argv, "argv", &json_strv_codec),
	JSON_FIELD_CODEC(struct config, workload_env, "workload_env", &json_strv_codec),
	JSON_FIELD_CODEC(struct config, workload_args, "workload_args", &json_strv_codec),
	JSON_FIELD(struct config, start_after_ready, FIELD_BOOL, 0),
	JSON_FIELD(struct config, check_s, FIELD_DOUBLE, 0),
	JSON_FIELD(struct config, truth_cpu_pct, FIELD_DOUBLE, NAN),
	JSON_FIELD(struct config, truth_latency_us, FIELD_DOUBLE, NAN),
};
_Static_assert(sizeof(enum control) == sizeof(int), "FIELD_ENUM reads and writes an int");

static json_t *trial_json(const struct run *r, const struct trial_result *tr)
{
	json_t *o = json_from_fields(trial_fields, trial_nfields, tr);
	json_object_set_new(o, "label", json_string(r->ex->configs[tr->config].label));
	json_object_set_new(o, "state", json_string(state_name(tr->state)));
	json_object_set_new(o, "error", tr->error[0] ? json_string(tr->error) : json_null());
	json_object_set_new(o, "cpu_per_unit_ns", json_num_or_null(tr->state == TRIAL_OK ? trial_cpu_per_unit_ns(tr) : NAN));
	if (tr->ncounters && r->ncounter_info) {
		json_t *c = json_object();
		json_t *scaled = json_array();
		for (int i = 0; i < tr->ncounters && i < r->ncounter_info; i++) {
			json_object_set_new(c, r->counter_info[i].name, json_num_or_null(tr->counter_value[i]));
			if (tr->counter_scaled[i])
				json_array_append_new(scaled, json_string(r->counter_info[i].name));
		}
		json_object_set_new(o, "counters", c);
		/* Multiplexed events were counted part of the time and scaled up: say which. */
		json_object_set_new(o, "counters_scaled", scaled);
	}
	if (r->ex->design == DESIGN_SWITCHBACK) {
		json_t *ws = json_array();
		for (int w = 0; w < tr->nwindows; w++)
			json_array_append_new(ws, json_from_fields(window_fields, window_nfields, &tr->windows[w]));
		json_object_set_new(o, "windows", ws);
	}
	return o;
}

static json_t *overhead_json(const struct overhead *o, int metric, double conf)
{
	json_t *j = json_object();
	json_object_set_new(j, "n", json_integer(o->n));
	json_object_set_new(j, "unit", json_string(metric < MET_COUNT ? metric_unit(metric) : "count per unit"));
	json_object_set_new(j, "estimate", json_num_or_null(o->e.est));
	json_object_set_new(j, "lo", json_num_or_null(o->e.ok ? o->e.lo : NAN));
	json_object_set_new(j, "hi", json_num_or_null(o->e.ok ? o->e.hi : NAN));
	json_object_set_new(j, "confidence_requested", json_real(conf));
	json_object_set_new(j, "confidence", json_num_or_null(o->e.conf));
	json_object_set_new(j, "p", json_num_or_null(o->e.p));
	json_object_set_new(j, "exact", json_boolean(o->e.exact));
	json_object_set_new(j, "significant", json_boolean(o->significant));
	return j;
}

/* results.json's summary.arms[]: an arm's figures, one table per object (written only: tare
 * reads the trials back and analyses them again).  The overheads and the intervals, whose
 * bounds are written only when they reach the confidence asked, are written by hand. */
#define ARM(name, type) JSON_FIELD(struct arm_summary, name, FIELD_##type, 0)
#define ARM_AS(name, key, type) JSON_FIELD_AS(struct arm_summary, name, key, FIELD_##type, 0)
static const struct json_field arm_fields[] = {
	ARM(trials, INT),
	ARM(ok, INT),
	ARM(failed, INT),
	ARM(cpu_per_unit_ns, DOUBLE),
	ARM(work_rate, DOUBLE),
	ARM(workload_rss_bytes, DOUBLE),
	ARM(profiler_rss_bytes, DOUBLE),
	ARM(cv, DOUBLE),
	ARM(outliers, INT),
};
static const struct json_field arm_latency_fields[] = {   /* "latency" */
	ARM(p50_us, DOUBLE),
	ARM(p90_us, DOUBLE),
	ARM(p99_us, DOUBLE),
	ARM(p999_us, DOUBLE),
	ARM(achieved_rate, DOUBLE),
	ARM(target_rate, DOUBLE),
};
static const struct json_field arm_counter_ratio_fields[] = {   /* beside "counters" */
	ARM(ipc, DOUBLE),
	ARM_AS(mpki, "cache_misses_per_kilo_instruction", DOUBLE),
	ARM_AS(branch_mpki, "branch_misses_per_kilo_instruction", DOUBLE),
};
static const struct json_field arm_switchback_fields[] = {   /* "switchback" */
	ARM(processes, INT),
	ARM(pairs, INT),
	ARM_AS(within_sd, "within_process_sd_pct", DOUBLE),
	ARM_AS(between_sd, "between_process_sd_pct", DOUBLE),
};
/* An estimate in percent with its interval (null bounds where it has none). */
static json_t *pct_est_json(const struct stats_est *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "estimate_pct", json_num_or_null(e->est));
	json_object_set_new(o, "lo_pct", json_num_or_null(e->ok ? e->lo : NAN));
	json_object_set_new(o, "hi_pct", json_num_or_null(e->ok ? e->hi : NAN));
	json_object_set_new(o, "confidence", json_num_or_null(e->conf));
	return o;
}

static const struct json_field arm_cross_check_fields[] = {   /* "cpu_total_cross_check" */
	ARM(bca_lo, DOUBLE),
	ARM(bca_hi, DOUBLE),
};
#undef ARM
#undef ARM_AS

json_t *results_summary_json(const struct run *r)
{
	json_t *s = json_object(), *arms = json_array();
	const struct analysis *an = &r->an;
	for (int c = 0; c < an->narms; c++) {
		const struct arm_summary *a = &an->arms[c];
		const struct config *cf = &r->ex->configs[c];
		json_t *j = json_object(), *ov = json_object();
		json_object_set_new(j, "config", json_integer(c));
		json_object_set_new(j, "label", json_string(cf->label));
		json_object_set_new(j, "baseline", json_boolean(c == plan_baseline(r->ex, cf->workload)));
		json_set_fields(j, arm_fields, NFIELDS(arm_fields), a, 0);
		if (a->has_latency)
			json_object_set_new(j, "latency", json_from_fields(arm_latency_fields, NFIELDS(arm_latency_fields), a));
		if (isfinite(cf->truth_cpu_pct))
			json_object_set_new(j, "truth_cpu_pct", json_real(cf->truth_cpu_pct));
		if (isfinite(cf->truth_latency_us))
			json_object_set_new(j, "truth_latency_us", json_real(cf->truth_latency_us));
		for (int m = 0; m < MET_COUNT && c != plan_baseline(r->ex, cf->workload); m++)
			if (a->m[m].n || m < MET_P50)
				json_object_set_new(ov, metric_names[m], overhead_json(&a->m[m], m, an->conf));
		json_object_set_new(j, "overhead", ov);
		if (a->ncounters && r->ncounter_info) {
			json_t *cj = json_object();
			for (int k = 0; k < a->ncounters && k < r->ncounter_info; k++) {
				json_t *e = json_object();
				json_object_set_new(e, "per_unit", json_num_or_null(a->counter_per_unit[k]));
				if (c != plan_baseline(r->ex, cf->workload)) {
					json_object_set_new(e, "change_per_unit", overhead_json(&a->counter[k], MET_COUNT, an->conf));
					json_object_set_new(e, "change_pct", json_num_or_null(a->counter_relative[0][k]));
					json_object_set_new(e, "change_pct_lo", json_num_or_null(a->counter_relative[1][k]));
					json_object_set_new(e, "change_pct_hi", json_num_or_null(a->counter_relative[2][k]));
				}
				json_object_set_new(cj, r->counter_info[k].name, e);
			}
			json_object_set_new(j, "counters", cj);
			json_set_fields(j, arm_counter_ratio_fields, NFIELDS(arm_counter_ratio_fields), a, 0);
		}
		if (r->ex->design == DESIGN_SWITCHBACK && c != plan_baseline(r->ex, cf->workload)) {
			json_t *sb = json_from_fields(arm_switchback_fields, NFIELDS(arm_switchback_fields), a);
			json_object_set_new(sb, "carryover", pct_est_json(&a->carryover));
			json_object_set_new(sb, "warmup_drift", pct_est_json(&a->drift));
			if (a->gauge_pairs) {
				json_t *g = json_object();
				json_object_set_new(g, "pairs", json_integer(a->gauge_pairs));
				json_object_set_new(g, "pair_sd_pct", json_num_or_null(a->gauge_sd));
				json_object_set_new(g, "r2_with_cpu", json_num_or_null(a->gauge_r2));
				json_object_set_new(g, "slope", json_num_or_null(a->gauge_slope));
				json_object_set_new(g, "slower_when_on", pct_est_json(&a->gauge_shift.e));
				json_object_set_new(sb, "gauge", g);
			}
			if (a->twin_pairs) {
				json_t *tw = json_object();
				json_object_set_new(tw, "pairs", json_integer(a->twin_pairs));
				json_object_set_new(tw, "one_process", pct_est_json(&a->one_process.e));
				json_object_set_new(tw, "one_process_pair_sd_pct", json_num_or_null(a->one_sd));
				json_object_set_new(sb, "twins", tw);
			}
			json_object_set_new(j, "switchback", sb);
		} else if (c != plan_baseline(r->ex, cf->workload)) {
			json_t *x = json_from_fields(arm_cross_check_fields, NFIELDS(arm_cross_check_fields), a), *u = json_object();
			json_object_set_new(u, "estimate", json_num_or_null(a->unpaired.est));
			json_object_set_new(u, "lo", json_num_or_null(a->unpaired.ok ? a->unpaired.lo : NAN));
			json_object_set_new(u, "hi", json_num_or_null(a->unpaired.ok ? a->unpaired.hi : NAN));
			json_object_set_new(u, "p", json_num_or_null(a->unpaired.p));
			json_object_set_new(x, "unpaired_rank_sum", u);
			json_object_set_new(j, "cpu_total_cross_check", x);
		}
		json_array_append_new(arms, j);
	}
	json_object_set_new(s, "confidence", json_real(an->conf));
	json_object_set_new(s, "method", json_string(r->ex->design == DESIGN_SWITCHBACK
		? "switchback: window pairs nested in processes; Hodges-Lehmann per process, combined by "
		  "DerSimonian-Laird random effects with the modified Hartung-Knapp-Sidik-Jonkman interval"
		: "paired per block; Hodges-Lehmann estimate, Wilcoxon signed-rank interval and p-value"));
	json_object_set_new(s, "arms", arms);
	json_object_set_new(s, "blocks_suggested", json_integer(an->blocks_suggested));
	return s;
}

/* results.json's "plan": the experiment's scalars and options (then the schedule, by hand).
 * The window fields are a switchback plan's only; a process plan reads them back as 0. */
#define PLAN_SWITCHBACK 1u
static const char *const design_names[] = { [DESIGN_PROCESS] = "process", [DESIGN_SWITCHBACK] = "switchback", NULL };
_Static_assert(sizeof(enum design) == sizeof(int), "FIELD_ENUM reads and writes an int");
#define PLAN(name, type, dflt) JSON_FIELD(struct experiment, name, FIELD_##type, dflt)
static const struct json_field plan_fields[] = {
	PLAN(blocks, INT, 0),
	PLAN(warmup_s, DOUBLE, 0),
	PLAN(duration_s, DOUBLE, 0),
	PLAN(units, U64, 0),
	PLAN(timeout_s, DOUBLE, 0),
	PLAN(seed, U64, 0),
	PLAN(pin, BOOL, 0),
	PLAN(gauge, BOOL, 0),
	PLAN(twins, BOOL, 0),
	JSON_FIELD_ENUM(struct experiment, design, "design", design_names, DESIGN_PROCESS),
	JSON_FIELD_IN(struct experiment, window_s, FIELD_DOUBLE, 0, PLAN_SWITCHBACK),
	JSON_FIELD_IN(struct experiment, guard_s, FIELD_DOUBLE, 0, PLAN_SWITCHBACK),
	JSON_FIELD_IN(struct experiment, pairs, FIELD_INT, 0, PLAN_SWITCHBACK),
	PLAN(confidence, DOUBLE, 0.95),
	JSON_FIELD_CODEC(struct experiment, options, "options", &kv_codec),
};
#undef PLAN

static json_t *plan_json(const struct run *r)
{
	const struct experiment *ex = r->ex;
	json_t *p = json_object(), *sched = json_array();
	json_set_fields(p, plan_fields, NFIELDS(plan_fields), ex, ex->design == DESIGN_SWITCHBACK ? PLAN_SWITCHBACK : 0);
	json_object_set_new(p, "blocks", json_integer(r->blocks));   /* the run's: extended ones too */
	for (int b = 0; b < r->blocks; b++) {
		json_t *row = json_array();
		for (int i = 0; i < ex->nconfigs; i++)
			json_array_append_new(row, json_integer(r->schedule[b * ex->nconfigs + i]));
		json_array_append_new(sched, row);
	}
	json_object_set_new(p, "schedule", sched);
	return p;
}

static json_t *build_json(struct run *r)
{
	const struct experiment *ex = r->ex;
	json_t *root = json_object(), *wls = json_array(), *cfs = json_array(), *trials = json_array(), *warn = json_array();
	json_object_set_new(root, "schema", json_string("tare-results"));
	json_object_set_new(root, "schema_version", json_integer(RESULTS_SCHEMA_VERSION));
	json_object_set_new(root, "tare_version", json_string(tare_version()));
	json_object_set_new(root, "name", json_string(ex->name));
	json_object_set_new(root, "script", json_string(ex->script));
	json_object_set_new(root, "command", json_string(ex->command_line ? ex->command_line : ""));
	json_object_set_new(root, "started", iso8601(r->started_unix_ns));
	json_object_set_new(root, "finished", r->finished_unix_ns ? iso8601(r->finished_unix_ns) : json_null());
	json_object_set_new(root, "complete", json_boolean(r->complete));
	json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
	json_object_set_new(root, "trials_planned", json_integer(r->total));
	json_object_set_new(root, "plan", plan_json(r));
	json_object_set_new(root, "placement", json_incref(r->placement));
	json_object_set_new(root, "environment", json_incref(r->environment));
	for (int i = 0; i < ex->nworkloads; i++)
		json_array_append_new(wls, json_from_fields(workload_fields, NFIELDS(workload_fields), &ex->workloads[i]));
	json_object_set_new(root, "workloads", wls);
	{
		json_t *cs = json_array();
		for (int i = 0; i < r->ncounter_info; i++) {
			const struct counter_result *ci = &r->counter_info[i];
			json_t *j = json_object();
			json_object_set_new(j, "name", json_string(ci->name));
			json_object_set_new(j, "unit", json_string(ci->unit ? ci->unit : ""));
			json_object_set_new(j, "supported", json_boolean(ci->supported));
			json_object_set_new(j, "reason", ci->reason[0] ? json_string(ci->reason) : json_null());
			json_array_append_new(cs, j);
		}
		json_object_set_new(root, "counters", cs);
	}
	for (int i = 0; i < ex->nconfigs; i++) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(i));
		json_set_fields(j, config_fields, NFIELDS(config_fields), &ex->configs[i], 0);
		json_array_append_new(cfs, j);
	}
	json_object_set_new(root, "configs", cfs);
	for (int i = 0; i < r->ntrials; i++)
		json_array_append_new(trials, trial_json(r, &r->trials[i]));
	json_object_set_new(root, "trials", trials);
	json_object_set_new(root, "summary", results_summary_json(r));
	if (r->budget.n) {
		json_t *v = budget_json(&r->budget, ex, r->verdicts, r->nverdicts);
		json_object_set_new(v, "blocks_added", json_integer(r->extended));
		json_object_set_new(root, "verdicts", v);
	}
	for (int i = 0; i < r->warnings.n; i++)
		json_array_append_new(warn, json_string(r->warnings.v[i]));
	json_object_set_new(root, "warnings", warn);
	return root;
}

/* RFC 4180: quote fields that need it, double the quotes inside. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_fields(FILE *f, const struct json_field *fields, int nfields, const void *rec)
{
	for (int k = 0; k < nfields; k++) {
		const char *p = (const char *)rec + fields[k].offset;
		fputc(',', f);
		switch (fields[k].type) {
		case FIELD_INT: fprintf(f, "%d", *(const int *)p); break;
		case FIELD_U64: fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)p); break;
		case FIELD_I64: if (*(const int64_t *)p >= 0) fprintf(f, "%lld", (long long)*(const int64_t *)p); break;
		case FIELD_DOUBLE: if (isfinite(*(const double *)p)) fprintf(f, "%.9g", *(const double *)p); break;
		case FIELD_STR: csv_str(f, p); break;
		case FIELD_CUSTOM: {   /* its JSON, in one cell: profile_parts' "[712,205,99]" */
			json_t *v = fields[k].codec->write(p);
			char *text = json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			if (text)
				csv_str(f, text);
			free(text);
			json_decref(v);
			break;
		}
		case FIELD_BOOL: case FIELD_ENUM: case FIELD_STRP:
			break;   /* no trial or window field is one */
		}
	}
}

static char *build_csv(const struct run *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fputs("label,state,error,cpu_per_unit_ns", f);
	for (int k = 0; k < trial_nfields; k++)
		fprintf(f, ",%s", trial_fields[k].name);
	for (int k = 0; k < r->ncounter_info; k++) {
		fputs(",counter:", f);
		csv_str(f, r->counter_info[k].name);
	}
	fputc('\n', f);
	for (int i = 0; i < r->ntrials; i++) {
		const struct trial_result *tr = &r->trials[i];
		double cpu = tr->state == TRIAL_OK ? trial_cpu_per_unit_ns(tr) : NAN;
		csv_str(f, r->ex->configs[tr->config].label);
		fprintf(f, ",%s,", state_name(tr->state));
		csv_str(f, tr->error);
		if (isfinite(cpu))
			fprintf(f, ",%.3f", cpu);
		else
			fputc(',', f);
		csv_fields(f, trial_fields, trial_nfields, tr);
		for (int k = 0; k < r->ncounter_info; k++) {
			fputc(',', f);
			if (k < tr->ncounters && isfinite(tr->counter_value[k]))
				fprintf(f, "%.0f", tr->counter_value[k]);
		}
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}

/* One row per switchback window: the trial it belongs to, then window_fields. */
static char *build_windows_csv(const struct run *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fputs("label,trial,block", f);
	for (int k = 0; k < window_nfields; k++)
		fprintf(f, ",%s", window_fields[k].name);
	fputc('\n', f);
	for (int i = 0; i < r->ntrials; i++) {
		const struct trial_result *tr = &r->trials[i];
		for (int w = 0; w < tr->nwindows; w++) {
			csv_str(f, r->ex->configs[tr->config].label);
			fprintf(f, ",%d,%d", tr->index, tr->block);
			csv_fields(f, window_fields, window_nfields, &tr->windows[w]);
			fputc('\n', f);
		}
	}
	fclose(f);
	return buf;
}

int results_write(struct run *r)
{
	json_t *root = build_json(r);
	char *json = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	char *path = xasprintf("%s/results.json", r->dir), *csv;
	size_t csvlen;
	int rc = 0;
	int e = 0;
	json_decref(root);
	if (!json || write_file_atomic(path, json, strlen(json)) < 0)
		rc = -1, e = json ? errno : ENOMEM;
	else
		r->saved_trials = r->ntrials;
	free(path);
	free(json);
	csv = build_csv(r, &csvlen);
	path = xasprintf("%s/trials.csv", r->dir);
	if (write_file_atomic(path, csv, csvlen) < 0 && !rc)
		rc = -1, e = errno;
	free(path);
	free(csv);
	if (r->ex->design == DESIGN_SWITCHBACK) {
		csv = build_windows_csv(r, &csvlen);
		path = xasprintf("%s/windows.csv", r->dir);
		if (write_file_atomic(path, csv, csvlen) < 0 && !rc)
			rc = -1, e = errno;
		free(path);
		free(csv);
	}
	r->save_errno = e;
	errno = e;
	return rc;
}

static int write_hgrm(const char *path, const struct hist *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;
	/* ns recorded, µs printed, five ticks per half-distance: HdrHistogram's defaults. */
	hist_write_hgrm(h, f, 1000.0, 5);
	fclose(f);
	rc = write_file_atomic(path, buf, len);
	free(buf);
	return rc;
}

int results_add_latency(struct run *r, const struct trial_result *tr)
{
	const struct config *cf = &r->ex->configs[tr->config];
	struct hist c, u;
	char err[256], *dir, *path;
	int rc = 0;
	if (!tr->has_latency)
		return 0;
	if (!r->latency) {
		r->latency = xcalloc((size_t)r->ex->nconfigs, sizeof(struct hist));
		r->latency_uncorrected = xcalloc((size_t)r->ex->nconfigs, sizeof(struct hist));
		r->have_latency = xcalloc((size_t)r->ex->nconfigs, sizeof(int));
	}
	dir = xasprintf("%s/%s", r->dir, tr->dir);
	if (trial_load_latency(dir, &c, &u, err, sizeof(err)) < 0) {
		free(dir);
		return -1;
	}
	free(dir);
	if (!r->have_latency[tr->config]) {
		hist_init(&r->latency[tr->config], c.lowest, c.highest, c.sigfigs);
		hist_init(&r->latency_uncorrected[tr->config], u.lowest, u.highest, u.sigfigs);
		r->have_latency[tr->config] = 1;
	}
	hist_merge(&r->latency[tr->config], &c);
	hist_merge(&r->latency_uncorrected[tr->config], &u);
	hist_free(&c);
	hist_free(&u);
	dir = xasprintf("%s/latency", r->dir);
	mkdir_p(dir, 0755);
	path = xasprintf("%s/%s.hgrm", dir, cf->slug);
	rc |= write_hgrm(path, &r->latency[tr->config]);
	free(path);
	/* a load generator of the user's own leaves only the latencies it measured */
	if (r->latency_uncorrected[tr->config].total) {
		path = xasprintf("%s/%s.uncorrected.hgrm", dir, cf->slug);
		rc |= write_hgrm(path, &r->latency_uncorrected[tr->config]);
		free(path);
	}
	free(dir);
	return rc;
}

void results_free_latency(struct run *r)
{
	if (!r->latency)
		return;
	for (int i = 0; i < r->ex->nconfigs; i++)
		if (r->have_latency[i]) {
			hist_free(&r->latency[i]);
			hist_free(&r->latency_uncorrected[i]);
		}
	free(r->latency);
	free(r->latency_uncorrected);
	free(r->have_latency);
}

/* ---- reading results.json back ------------------------------------------------------------ */

static void trial_from_json(json_t *o, struct trial_result *tr)
{
	json_t *ws = json_object_get(o, "windows");
	memset(tr, 0, sizeof(*tr));
	json_get_fields(o, trial_fields, trial_nfields, tr);
	if (json_is_array(ws) && json_array_size(ws)) {
		tr->nwindows = (int)json_array_size(ws);
		tr->windows = xcalloc((size_t)tr->nwindows, sizeof(*tr->windows));
		for (int w = 0; w < tr->nwindows; w++)
			json_get_fields(json_array_get(ws, (size_t)w), window_fields, window_nfields, &tr->windows[w]);
	}
	for (int i = 0; i < COUNTERS_MAX; i++)
		tr->counter_value[i] = NAN;
	{
		const char *st = json_get_string(o, "state", "failed");
		tr->state = !strcmp(st, "ok") ? TRIAL_OK : !strcmp(st, "interrupted") ? TRIAL_INTERRUPTED : TRIAL_FAILED;
		snprintf(tr->error, sizeof(tr->error), "%s", json_get_string(o, "error", ""));
	}
}

#define LOAD_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); results_unload(out); return EXIT_USAGE; } while (0)

int results_load(const char *path, struct loaded_results *out, char *err, size_t errlen)
{
	struct experiment *ex = &out->ex;
	json_error_t je;
	json_t *plan, *wls, *cfs, *trials;
	size_t i;
	struct stat st;
	int is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	memset(out, 0, sizeof(*out));
	if (is_dir)
		snprintf(out->path, sizeof(out->path), "%.4000s/results.json", path);
	else
		snprintf(out->path, sizeof(out->path), "%s", path);
	snprintf(out->dir, sizeof(out->dir), "%s", out->path);
	if (strrchr(out->dir, '/'))
		*strrchr(out->dir, '/') = '\0';
	else
		snprintf(out->dir, sizeof(out->dir), ".");
	if (is_dir && !path_exists(out->path))
		LOAD_FAIL("%s: no results.json in this directory (give a results/<stamp>-<name>/ directory)", path);
	if (!path_exists(out->path))
		LOAD_FAIL("%s: no such results file or directory (give a results/<stamp>-<name>/ directory)", path);
	out->root = json_load_file(out->path, 0, &je);
	if (!out->root)
		LOAD_FAIL("%s:%d: not JSON: %s", out->path, je.line, je.text);
	if (strcmp(json_get_string(out->root, "schema", ""), "tare-results"))
		LOAD_FAIL("%s: not a tare results file (no \"schema\": \"tare-results\")", out->path);
	if (json_get_number(out->root, "schema_version", 0) != RESULTS_SCHEMA_VERSION)
		LOAD_FAIL("%s: schema version %g, this tare reads %d", out->path, json_get_number(out->root, "schema_version", 0),
			  RESULTS_SCHEMA_VERSION);
	plan = json_object_get(out->root, "plan");
	wls = json_object_get(out->root, "workloads");
	cfs = json_object_get(out->root, "configs");
	trials = json_object_get(out->root, "trials");
	if (!json_is_object(plan) || !json_is_array(wls) || !json_is_array(cfs) || !json_is_array(trials))
		LOAD_FAIL("%s: missing plan, workloads, configs or trials", out->path);
	ex->name = xstrdup(json_get_string(out->root, "name", "?"));
	ex->script = xstrdup(json_get_string(out->root, "script", "?"));
	ex->command_line = xstrdup(json_get_string(out->root, "command", ""));
	json_get_fields(plan, plan_fields, NFIELDS(plan_fields), ex);
	ex->nworkloads = (int)json_array_size(wls);
	ex->workloads = xcalloc((size_t)ex->nworkloads + 1, sizeof(*ex->workloads));
	for (i = 0; i < (size_t)ex->nworkloads; i++) {
		json_t *w = json_array_get(wls, i);
		struct workload *wl = &ex->workloads[i];
		json_get_fields(w, workload_fields, NFIELDS(workload_fields), wl);
		if (!wl->label)
			wl->label = xstrdup(wl->name);
	}
	ex->nconfigs = (int)json_array_size(cfs);
	ex->configs = xcalloc((size_t)ex->nconfigs + 1, sizeof(*ex->configs));
	for (i = 0; i < (size_t)ex->nconfigs; i++) {
		json_t *c = json_array_get(cfs, i);
		struct config *cf = &ex->configs[i];
		cf->id = (int)i;
		json_get_fields(c, config_fields, NFIELDS(config_fields), cf);
		cf->slug = slugify(cf->label);
		if (cf->workload < 0 || cf->workload >= ex->nworkloads)
			LOAD_FAIL("%s: configuration '%s' names workload %d of %d", out->path, cf->label, cf->workload, ex->nworkloads);
	}
	for (int w = 0; w < ex->nworkloads; w++)
		if (plan_baseline(ex, w) < 0)
			LOAD_FAIL("%s: workload '%s' has no baseline configuration", out->path, ex->workloads[w].label);
	{
		json_t *cs = json_object_get(out->root, "counters");
		size_t nc = json_is_array(cs) ? json_array_size(cs) : 0;
		ex->ncounters = (int)(nc < COUNTERS_MAX ? nc : COUNTERS_MAX);
		ex->counters = ex->ncounters ? xcalloc((size_t)ex->ncounters, sizeof(char *)) : NULL;
		for (int k = 0; k < ex->ncounters; k++)
			ex->counters[k] = xstrdup(json_get_string(json_array_get(cs, (size_t)k), "name", "?"));
	}
	out->ntrials = (int)json_array_size(trials);
	out->trials = xcalloc((size_t)out->ntrials + 1, sizeof(*out->trials));
	for (i = 0; i < (size_t)out->ntrials; i++) {
		struct trial_result *tr = &out->trials[i];
		trial_from_json(json_array_get(trials, i), tr);
		{
			json_t *tc = json_object_get(json_array_get(trials, i), "counters");
			tr->ncounters = json_is_object(tc) ? ex->ncounters : 0;
			for (int k = 0; k < tr->ncounters; k++)
				tr->counter_value[k] = json_get_number(tc, ex->counters[k], NAN);
		}
		if (tr->config < 0 || tr->config >= ex->nconfigs || tr->block < 0 || tr->block >= ex->blocks)
			LOAD_FAIL("%s: trial %zu names configuration %d / block %d outside the plan", out->path, i + 1,
				  tr->config, tr->block);
	}
	return 0;
}

void results_unload(struct loaded_results *lr)
{
	experiment_free(&lr->ex);
	for (int i = 0; i < lr->ntrials; i++)
		trial_result_free(&lr->trials[i]);
	free(lr->trials);
	json_decref(lr->root);
	lr->trials = NULL;
	lr->root = NULL;
	lr->ntrials = 0;
}
