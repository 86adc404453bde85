/* report_method.c — the sections of `tare report` with one column per input: Method (how the
 * runs were planned, measured and estimated), Environment (the machine each input found) and
 * Reproduce (the command lines), with the table helpers they and report_validation.c share
 * (report_int.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plan.h"
#include "report_int.h"

/* ---- method and environment: one column per run --------------------------------------------- */

static void plan_cell(struct table *t, const struct rrun *r, const char *what)
{
	const struct experiment *ex = &r->lr.ex;
	json_t *root = r->lr.root;
	if (!strcmp(what, "experiment"))
		table_cell(t, "%s (%s)", ex->name, ex->script);
	else if (!strcmp(what, "results"))
		table_cell(t, "%s", r->name);
	else if (!strcmp(what, "started"))
		table_cell(t, "%s to %s", json_get_string(root, "started", "?"), json_get_string(root, "finished", "?"));
	else if (!strcmp(what, "trials"))
		table_cell(t, "%d of %g finished (%d configurations x %d blocks)", r->lr.ntrials, json_get_number(root, "trials_planned", NAN),
			   ex->nconfigs, ex->blocks);
	else if (!strcmp(what, "seed"))
		table_cell(t, "%llu", (unsigned long long)ex->seed);
	else if (!strcmp(what, "warm-up"))
		table_cell(t, "%g s, not measured", ex->warmup_s);
	else if (!strcmp(what, "measured window") && ex->units)
		table_cell(t, "%llu %s", (unsigned long long)ex->units, run_unit(r));
	else if (!strcmp(what, "measured window"))
		table_cell(t, "%g s", ex->duration_s);
	else if (!strcmp(what, "trial timeout"))
		table_cell(t, "%g s", ex->timeout_s);
	else if (!strcmp(what, "confidence"))
		table_cell(t, "%g%%, two-sided", 100 * ex->confidence);
	else if (!strcmp(what, "unit of work"))
		table_cell(t, "%s", run_unit(r));
	else if (!strcmp(what, "tare version"))
		table_cell(t, "%s", json_get_string(root, "tare_version", "?"));
	else
		table_cell(t, "-");
}

static void workloads_cell(struct table *t, const struct rrun *r)
{
	char buf[1024];
	size_t n = 0;
	buf[0] = '\0';
	for (int w = 0; w < r->lr.ex.nworkloads && n < sizeof(buf); w++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s (baseline: %s)", w ? "; " : "", r->lr.ex.workloads[w].label,
				      r->lr.ex.configs[plan_baseline(&r->lr.ex, w)].label);
	table_cell(t, "%s", buf);
}

/* A JSON value as one table cell; sizes in bytes as GiB or MiB. */
static void json_cell(struct table *t, const char *key, json_t *v)
{
	size_t n = strlen(key);
	if (json_is_integer(v) && n > 6 && !strcmp(key + n - 6, "_bytes")) {
		double b = (double)json_integer_value(v);
		table_cell(t, b >= 1 << 30 ? "%.1f GiB" : "%.1f MiB", b / (b >= 1 << 30 ? 1073741824.0 : 1048576.0));
	} else if (json_is_string(v))
		table_cell(t, "%s", json_string_value(v));
	else if (json_is_boolean(v))
		table_cell(t, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v))
		table_cell(t, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		table_cell(t, "%g", json_real_value(v));
	else
		table_cell(t, "-");
}

/* How the report names a key of results.json's environment and placement. */
static void key_name(const char *prefix, const char *key, char *buf, size_t len)
{
	static const char *const names[][2] = {
		{ "cpu_model", "CPU model" }, { "cpus_online", "CPUs online" }, { "memory_total_bytes", "memory" },
		{ "pmu", "hardware PMU" }, { "pmu_detail", "PMU" }, { "btf", "BTF (for eBPF CO-RE)" },
		{ "euid", "effective UID" }, { "irq_time_accounting", "irq time accounted apart" },
		{ "perf_event_paranoid", "kernel.perf_event_paranoid" },
		{ "perf_event_max_sample_rate", "kernel.perf_event_max_sample_rate" },
		{ "cgroup_mode", "cgroup mode" }, { "harness_cpus", "harness CPUs" }, { "workload_cpus", "workload CPUs" },
		{ "driver_cpus", "load generator CPUs" }, { "profiler_cpus", "profiler CPUs" },
		/* validation.json options.bounds */
		{ "attribution_error_max_pp", "cpu max error (points)" }, { "tvd", "cpu TVD" },
		{ "rate_tolerance", "cpu effective rate, +- fraction of requested" },
		{ "lost_pct_max", "lost and dropped samples or events, % at most" },
		{ "reached_main_min", "stacks reaching main, fraction at least" },
		{ "symbolized_min", "frames symbolized, fraction at least" },
		{ "site_samples_min", "expected samples in the smallest site, at least" },
	};
	size_t n;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(key, names[i][0])) {
			snprintf(buf, len, "%s%s", prefix, names[i][1]);
			return;
		}
	snprintf(buf, len, "%s%s", prefix, key);
	for (n = strlen(prefix); buf[n]; n++)
		buf[n] = buf[n] == '_' ? ' ' : buf[n];
}

/* The inputs of the report side by side (method, environment): runs, then validations. */
static json_t *input_root(const struct report *rp, int i)
{
	return i < rp->nruns ? rp->runs[i].lr.root : rp->vals[i - rp->nruns].root;
}

/* An input's ROOT.member, or ROOT.member.sub when sub is not NULL. */
static json_t *member_of(const struct report *rp, int i, const char *member, const char *sub)
{
	json_t *o = json_object_get(input_root(rp, i), member);
	return sub ? json_object_get(o, sub) : o;
}

/* Rows for the plain values of one object (e.g. "placement") of inputs [from, to), the union
 * of its keys, one column per input. */
void object_rows(struct table *t, const struct report *rp, int from, int to, const char *member, const char *sub,
		 const char *prefix)
{
	json_t **objects = xcalloc((size_t)(to > from ? to - from : 1), sizeof(*objects));
	for (int i = from; i < to; i++)
		objects[i - from] = member_of(rp, i, member, sub);
	objects_rows(t, objects, to - from, prefix);
	free(objects);
}

void objects_rows(struct table *t, json_t *const *objects, int n, const char *prefix)
{
	struct ptrvec keys = { 0 };
	for (int i = 0; i < n; i++) {
		json_t *v;
		const char *k;
		json_object_foreach(objects[i], k, v)
			if (!json_is_object(v) && !json_is_array(v))
				push_unique(&keys, k);
	}
	for (int j = 0; j < keys.n; j++) {
		char name[160];
		key_name(prefix, keys.v[j], name, sizeof(name));
		table_cell(t, "%s", name);
		for (int i = 0; i < n; i++)
			json_cell(t, keys.v[j], json_object_get(objects[i], keys.v[j]));
	}
	free(keys.v);
}

/* The header of a table with one column per input in [from, to). */
void input_columns(struct table *t, const struct report *rp, int from, int to, const char *first)
{
	table_cell(t, "%s", first);
	for (int i = from; i < to; i++)
		if (rp->nruns + rp->nvals == 1)
			table_cell(t, "value");
		else if (i < rp->nruns)
			table_cell(t, rp->nruns > 1 ? "run %d" : "run", i + 1);
		else
			table_cell(t, rp->nvals > 1 ? "validation %d" : "validation", i - rp->nruns + 1);
}

static void method_table(struct doc *d, const struct report *rp)
{
	static const char *const rows[] = { "experiment", "results", "started", "trials", "seed", "warm-up",
					    "measured window", "trial timeout", "confidence", "unit of work", "tare version" };
	struct table t;
	table_init(&t, rp->nruns + 1, ~0u);
	input_columns(&t, rp, 0, rp->nruns, "plan");
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		table_cell(&t, "%s", rows[k]);
		for (int i = 0; i < rp->nruns; i++)
			plan_cell(&t, &rp->runs[i], rows[k]);
		if (k == 2) {
			table_cell(&t, "workload");
			for (int i = 0; i < rp->nruns; i++)
				workloads_cell(&t, &rp->runs[i]);
		}
	}
	object_rows(&t, rp, 0, rp->nruns, "placement", NULL, "placement: ");
	doc_table(d, &t);
	table_free(&t);
}

/* A service measured where it runs: what tare touched (the profiler only) and where each
 * figure came from, so a reader can tell this run from one of processes tare started. */
static void in_place_method(struct doc *d, const struct experiment *ex)
{
	for (int i = 0; i < ex->nworkloads; i++) {
		const struct workload *w = &ex->workloads[i];
		if (!w->attach_pid && !w->attach_cgroup)
			continue;
		doc_p_begin(d);
		doc_textf(d, "In place (docs/inplace.md): the workload `%s` is a service that was running before the run "
			  "and after it.  tare did not start, stop, signal, pin or move it: it started, switched and stopped "
			  "the profiler only, once per block.  The service's CPU is ", w->label);
		if (w->attach_pid)
			doc_textf(d, "the sum of its process tree's threads' `schedstat` (process %d and its descendants, found "
				  "anew at every window edge; a thread that exits inside a window takes its time with it).  ",
				  w->attach_pid);
		else
			doc_textf(d, "its cgroup's own CPU counter (`%s`).  ", w->attach_cgroup);
		if (w->metrics_url && w->metrics_units)
			doc_textf(d, "Its work per window is the increase of the counter `%s` at its Prometheus endpoint `%s`, "
				  "read at both edges of each window; a pair with an edge that could not be read is dropped and "
				  "counted.  ", w->metrics_units, w->metrics_url);
		else if (w->unit && w->unit[0])
			doc_text(d, "Its work per window is the responses to tare's open-loop load.  ");
		else
			doc_text(d, "Its work is a second of its own load: CPU per second, under whatever load it had.  ");
		if (w->metrics_url && w->metrics_latency)
			doc_textf(d, "Latency percentiles per window come from the histogram `%s` there, interpolated within "
				  "its buckets as PromQL's histogram_quantile() does: no finer than its bucket edges.",
				  w->metrics_latency);
		doc_p_end(d);
	}
}

void sec_method(struct doc *d, const struct report *rp)
{
	double conf = rp->nruns ? rp->runs[0].lr.ex.confidence : 0;
	doc_heading(d, 2, "method", "Method");
	if (!rp->nruns) {
		val_method(d, rp);
		return;
	}
	if (any_switchback(rp)) {
		const struct experiment *ex = &rp->runs[0].lr.ex;
		doc_para(d, "Switchback (docs/switchback.md).  A trial is one process of the workload in its own cgroup, "
			 "the profiler in another, started paused; each block runs one process per profiler, in an order "
			 "shuffled by a seeded PRNG.  After the warm-up (not measured, profiler off), the profiler is "
			 "switched on and off in pairs of windows, one of each arm per pair in a seeded order; a guard "
			 "after each switch is not measured.  Each window is bracketed by snapshots of both cgroups' CPU, "
			 "the units of work the workload reports, kernel threads' CPU and `/proc/stat`; a load driver "
			 "keeps each window's latencies.  CPU is counted per unit of work.");
		doc_p_begin(d);
		doc_textf(d, "Windows of %g s, a guard of %g s, %d pairs per process.  Per pair: the log ratio of all CPU "
			  "per unit (on/off), the parts' differences in %% of the off window's CPU, latency percentiles' "
			  "differences (each arm's latencies merged over the fewest consecutive pairs whose windows hold "
			  "10/(1-p) requests: one pair where a window holds 1000).  Per process: the Hodges-Lehmann "
			  "estimate, with a standard error from the within-process variance pooled over processes.  Over "
			  "processes: DerSimonian-Laird's between-process variance and the modified Hartung-Knapp-Sidik-"
			  "Jonkman interval (a t quantile with k-1 degrees of freedom, never narrower than DerSimonian-"
			  "Laird's).  A carry-over check compares off windows right after an on window with the other off "
			  "windows.", ex->window_s, ex->guard_s, ex->pairs);
		doc_p_end(d);
		if (ex->twins)
			doc_para(d, "Twins.  Each trial ran a second process of the workload on the same CPUs, with its own "
				 "cgroups, load driver and profiler, the profiler crossed over: on in the twin while off in the "
				 "first process and off while on.  A pair's CPU figure is the mean of the two processes' log "
				 "ratios (on/off) of their workload's and profiler's CPU per unit, so what moved the machine "
				 "between the pair's windows cancels; it measures the profiler's cost less what the profiled "
				 "process spills onto its twin.  The parts, latency and memory are the first process's; its "
				 "own estimate of the total is given beside the twins'.");
		in_place_method(d, ex);
	} else {
		doc_para(d, "Each block runs every configuration once, in an order shuffled by a seeded PRNG (the seed replays "
			 "it).  A trial is one fresh process of the workload in its own cgroup, the profiler in another; after "
			 "the warm-up (not measured), the measured window is bracketed by snapshots of both cgroups' CPU, the "
			 "units of work the workload reports, kernel threads' CPU and `/proc/stat`.  CPU is counted per unit of "
			 "work, so a profiler that slows the workload down cannot hide its cost behind lower throughput.");
	}
	method_table(d, rp);
	doc_para(d, "Statistics, per configuration, over the blocks (each paired with the same block's baseline trial, "
		 "which cancels the slow drift of a shared machine):");
	doc_ul_begin(d);
	static const char *const items[] = {
		"CPU overhead: the Hodges-Lehmann estimate of the per-block log ratios ln(on/off) of all CPU per unit "
		"(workload + profiler + unattributed), shown as exp(estimate) - 1; the interval and p-value from the "
		"Wilcoxon signed-rank test (exact below 50 blocks without ties).",
		"Its split: per-block differences of the workload's cgroup CPU, the profiler's cgroup CPU and the CPU "
		"neither was charged for (kernel threads, irq), per unit, in % of the baseline's CPU per unit; "
		"Hodges-Lehmann + Wilcoxon signed-rank.",
		"Memory: per-block differences of peak RSS (workload + profiler); the median with the sign-test "
		"interval, which stays valid when whole pages make ties.",
		"Latency: each trial's own p50/p90/p99/p99.9 from its HDR histogram, requests timed from their "
		"intended send time; per-block differences, Hodges-Lehmann + Wilcoxon.  Requests are never resampled "
		"across trials: within a run they are correlated.",
		"Noise guards: a baseline whose CPU per unit varies by 10% (CV) or more between trials is flagged "
		"noisy, 20% unreliable; outlier trials (|modified Z| > 3.5) are flagged and kept; hypervisor steal "
		"is recorded; the number of blocks that would give +-0.5 point intervals is suggested.",
	};
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		doc_li_begin(d);
		doc_text(d, items[i]);
		doc_li_end(d);
	}
	doc_li_begin(d);
	doc_textf(d, "Confidence: %g%%, two-sided%s  `~` marks an interval that contains 0.", 100 * conf,
		  conf == 0.95 ? "; an interval needs at least 6 blocks (signed-rank and sign test alike)." : ".");
	doc_li_end(d);
	doc_ul_end(d);
	if (rp->nvals)
		val_method(d, rp);
}

void sec_environment(struct doc *d, const struct report *rp)
{
	struct table t;
	doc_heading(d, 2, "environment", "Environment");
	doc_para(d, rp->nvals ? "As each run and validation found the machine (`environment` in results.json and validation.json)."
		 : "As each run found the machine (results.json `environment`).");
	table_init(&t, rp->nruns + rp->nvals + 1, ~0u);
	input_columns(&t, rp, 0, rp->nruns + rp->nvals, "machine");
	object_rows(&t, rp, 0, rp->nruns + rp->nvals, "environment", NULL, "");
	object_rows(&t, rp, 0, rp->nruns + rp->nvals, "environment", "tools", "tool: ");
	doc_table(d, &t);
	table_free(&t);
}

void sec_reproduce(struct doc *d, const struct report *rp)
{
	doc_heading(d, 2, "reproduce", "Reproduce");
	for (int i = 0; i < rp->nruns; i++) {
		const struct rrun *r = &rp->runs[i];
		doc_p_begin(d);
		if (rp->nruns > 1)
			doc_textf(d, "Run %d, from the directory it ran in (the seed replays the order of the trials):", r->index);
		else
			doc_text(d, "The run, from the directory it ran in (the seed replays the order of the trials):");
		doc_p_end(d);
		doc_pre(d, r->lr.ex.command_line && *r->lr.ex.command_line ? r->lr.ex.command_line : "(not recorded)");
	}
	for (int i = 0; i < rp->nvals; i++) {
		const char *cmd = rp->vals[i].doc.command_line ? rp->vals[i].doc.command_line : "";
		doc_p_begin(d);
		if (rp->nvals > 1)
			doc_textf(d, "Validation %d, from the directory it ran in:", rp->vals[i].index);
		else
			doc_text(d, "The validation, from the directory it ran in:");
		doc_p_end(d);
		doc_pre(d, *cmd ? cmd : "(not recorded)");
	}
	{
		size_t n = strlen("tare report");
		char *cmd;
		for (int i = 0; i < rp->ngiven; i++)
			n += strlen(rp->given[i]) + 1;
		cmd = xmalloc(n + 1);
		strcpy(cmd, "tare report");
		for (int i = 0; i < rp->ngiven; i++)
			strcat(strcat(cmd, " "), rp->given[i]);
		doc_para(d, "This report:");
		doc_pre(d, cmd);
		free(cmd);
	}
}
