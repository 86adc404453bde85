/* run.c — the experiment loop. */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "env.h"
#include "fmt.h"
#include "inplace.h"
#include "progress.h"
#include "report.h"
#include "script.h"
#include "sweep.h"
#include "proc.h"
#include "prng.h"
#include "trial.h"
#include "util.h"

/* Switchback runs no process for a baseline: its windows are the others' off windows. */
static int trials_per_block(const struct experiment *ex)
{
	int n = 0;
	for (int c = 0; c < ex->nconfigs; c++)
		n += ex->design != DESIGN_SWITCHBACK || !ex->configs[c].baseline;
	return n;
}

static void cpulist(const cpu_set_t *set, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && off < len; c++)
		if (CPU_ISSET(c, set))
			off += (size_t)snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
}

/* Where there are CPUs to spare, the workload gets its own and tare stays on CPU 0; the
 * profiler is not pinned, because where it runs is part of what it costs. */
static json_t *place(const struct experiment *ex, struct trial_env *te, struct run *r)
{
	json_t *p = json_object();
	int n = ncpus_online(), threads = 0;
	char buf[256];
	for (int i = 0; i < ex->nworkloads; i++)
		if (ex->workloads[i].threads > threads)
			threads = ex->workloads[i].threads;
	CPU_ZERO(&te->workload_cpus);
	te->pin_workload = 0;
	if (!ex->pin) {
		json_object_set_new(p, "policy", json_string("unpinned (pin=false)"));
	} else if (n < 2 || threads >= n) {
		json_object_set_new(p, "policy", json_string("unpinned: the workload needs every CPU"));
		if (n >= 2)
			run_warn(r, "the workload keeps %d threads busy on %d CPUs: tare, the profiler and the workload share CPUs", threads, n);
	} else {
		cpu_set_t self;
		CPU_ZERO(&self);
		CPU_SET(0, &self);
		for (int c = 1; c < n && c < CPU_SETSIZE; c++)
			CPU_SET(c, &te->workload_cpus);
		/* A load driver shares CPU 0 with tare, which sleeps through the measured window. */
		te->driver_cpus = self;
		if (sched_setaffinity(0, sizeof(self), &self) == 0) {
			te->pin_workload = 1;
			json_object_set_new(p, "policy", json_string("pinned"));
			json_object_set_new(p, "harness_cpus", json_string("0"));
			cpulist(&te->workload_cpus, buf, sizeof(buf));
			json_object_set_new(p, "workload_cpus", json_string(buf));
			json_object_set_new(p, "driver_cpus", json_string("0"));
		} else {
			json_object_set_new(p, "policy", json_sprintf("unpinned: sched_setaffinity: %s", strerror(errno)));
		}
	}
	json_object_set_new(p, "profiler_cpus", json_string("all (not pinned)"));
	return p;
}

static void make_results_dir(struct run *r, const struct experiment *ex, const char *base)
{
	char stamp[32], cwd[1024];
	time_t t = (time_t)(r->started_unix_ns / 1000000000ull);
	struct tm tm;
	char *slug = slugify(ex->name);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(r->rel, sizeof(r->rel), "%s/%s-%s", base, stamp, slug);
	/* Two runs in the same second: add a counter rather than mix their files. */
	for (int i = 2; path_exists(r->rel) && i < 1000; i++)
		snprintf(r->rel, sizeof(r->rel), "%s/%s-%s-%d", base, stamp, slug, i);
	free(slug);
	if (r->rel[0] == '/' || !getcwd(cwd, sizeof(cwd)) ||
	    snprintf(r->dir, sizeof(r->dir), "%s/%s", cwd, r->rel) >= (int)sizeof(r->dir))
		snprintf(r->dir, sizeof(r->dir), "%s", r->rel);
}

#define SUMMARY_COLS 10

/* Print rows of cells with columns padded to their widest cell; column 0, the overhead and the
 * columns from p99 on are left-aligned, the numbers right-aligned; a column with skip[c] set is left out. */
static void print_table(FILE *f, char cells[][SUMMARY_COLS][96], int nrows, const int *skip)
{
	int width[SUMMARY_COLS] = { 0 }, last = SUMMARY_COLS - 1;
	for (int r = 0; r < nrows; r++)
		for (int c = 0; c < SUMMARY_COLS; c++)
			if (text_width(cells[r][c]) > width[c])
				width[c] = text_width(cells[r][c]);
	for (int r = 0; r < nrows; r++) {
		for (int c = 0; c < SUMMARY_COLS; c++) {
			int pad = width[c] - text_width(cells[r][c]);
			int left = c == 0 || c == 2 || c >= 6;
			if (skip[c])
				continue;
			if (!left)
				fprintf(f, "%*s", pad, "");
			fputs(cells[r][c], f);
			if (c < last)
				fprintf(f, "%*s", left ? pad + 2 : 2, "");
		}
		fputc('\n', f);
	}
}

/* Counters: one row per event, one column per configuration — the baseline's count per unit,
 * the others' change with ~ when not significant; unsupported events say why, once. */
static void print_counters(FILE *f, const struct run *r, const char *one)
{
	const struct experiment *ex = r->ex;
	const struct analysis *an = &r->an;
	int namew = 16, colw = 14, optional_shown = 0;
	if (!r->ncounter_info)
		return;
	for (int k = 0; k < r->ncounter_info; k++)
		if ((int)strlen(r->counter_info[k].name) + 5 > namew)
			namew = (int)strlen(r->counter_info[k].name) + 5;
	for (int c = 0; c < an->narms; c++)
		if ((int)strlen(ex->configs[c].label) > colw)
			colw = (int)strlen(ex->configs[c].label);
	fprintf(f, "\nperf counters on the workload, per %s (others: change against the baseline):\n%-*s", one, namew, "");
	for (int c = 0; c < an->narms; c++)
		fprintf(f, "  %*s", colw, ex->configs[c].label);
	fputc('\n', f);
	for (int k = 0; k < r->ncounter_info; k++) {
		const struct counter_result *ci = &r->counter_info[k];
		char name[COUNTERS_NAME_LEN + 8];
		snprintf(name, sizeof(name), "%s%s%s%s", ci->name, ci->unit && *ci->unit ? " (" : "", ci->unit ? ci->unit : "",
			 ci->unit && *ci->unit ? ")" : "");
		if (!ci->supported) {
			/* The default set's hardware events on a machine without a PMU: one line for all. */
			if (ci->optional) {
				if (!optional_shown++) {
					fprintf(f, "not counted here:");
					for (int j = k; j < r->ncounter_info; j++)
						if (r->counter_info[j].optional && !r->counter_info[j].supported)
							fprintf(f, "%s %s", j == k ? "" : ",", r->counter_info[j].name);
					fprintf(f, " (%s)\n", ci->reason);
				}
				continue;
			}
			fprintf(f, "%-*s  not counted: %s\n", namew, name, ci->reason);
			continue;
		}
		fprintf(f, "%-*s", namew, name);
		for (int c = 0; c < an->narms; c++) {
			const struct arm_summary *a = &an->arms[c];
			char cell[64];
			if (k >= a->ncounters)
				snprintf(cell, sizeof(cell), "-");
			else if (c == plan_baseline(ex, ex->configs[c].workload))
				snprintf(cell, sizeof(cell), isfinite(a->counter_per_unit[k]) ? "%.4g" : "-", a->counter_per_unit[k]);
			else if (isfinite(a->counter_relative[0][k]))
				snprintf(cell, sizeof(cell), "%s%+.2f%%", a->counter[k].significant ? "" : "~", a->counter_relative[0][k]);
			else if (a->counter[k].n && a->counter[k].e.est == 0 && !a->counter[k].significant)
				snprintf(cell, sizeof(cell), "0");
			else if (a->counter[k].n)
				snprintf(cell, sizeof(cell), "%s%+.3g", a->counter[k].significant ? "" : "~", a->counter[k].e.est);
			else
				snprintf(cell, sizeof(cell), "-");
			fprintf(f, "  %*s", colw, cell);
		}
		fputc('\n', f);
	}
}

/* For configurations whose overhead is known (inject): is the truth inside the interval?
 * above: what the known figure leaves out, said when the measure is above the interval. */
static void print_truth(FILE *f, const char *label, const char *what, double truth, const char *unit,
			const struct overhead *o, const char *above)
{
	const char *verdict = "";
	char why[96];

	if (!isfinite(truth) || !o->n)
		return;
	if (o->e.ok && o->e.lo <= truth && truth <= o->e.hi)
		verdict = " (inside the interval)";
	else if (o->e.ok)
		verdict = " (OUTSIDE the interval)";
	else {
		/* ties (quantized latencies) leave only the normal approximation, which needs more */
		snprintf(why, sizeof(why), " (no interval at this confidence from %d blocks: run more)", o->n);
		verdict = why;
	}
	fprintf(f, "%s: known %s %+.2f%s, measured %+.2f%s%s\n", label, what, truth, unit, o->e.est, unit, verdict);
	if (o->e.ok && truth < o->e.lo && above)
		fprintf(f, "  (%s)\n", above);
}

/* In place: the service's own load per window (units per second) and how far the two windows
 * of a pair are apart in it (sd of their log ratio, %).  Returns the pairs seen. */
static int window_load(const struct run *r, int config, double *median, double *swing_pct)
{
	int n = 0, np = 0, cap = 0;
	double *rates, *d;
	for (int i = 0; i < r->ntrials; i++)
		if (r->trials[i].config == config && r->trials[i].state == TRIAL_OK)
			cap += r->trials[i].nwindows;
	rates = xcalloc((size_t)cap + 1, sizeof(double));
	d = xcalloc((size_t)cap + 1, sizeof(double));
	for (int i = 0; i < r->ntrials; i++) {
		const struct trial_result *tr = &r->trials[i];
		if (tr->config != config || tr->state != TRIAL_OK)
			continue;
		for (int w = 0; w < tr->nwindows; w++) {
			const struct window_result *x = &tr->windows[w];
			double work = tr->unit[0] ? (double)x->units : x->wall_s;
			rates[n++] = x->wall_s > 0 ? work / x->wall_s : NAN;
			if (w % 2 == 1 && rates[n - 1] > 0 && rates[n - 2] > 0)
				d[np++] = 100 * log(rates[n - 1] / rates[n - 2]);
		}
	}
	*median = n ? stats_median(rates, n) : NAN;
	*swing_pct = np >= 2 ? stats_sd(d, np) : NAN;
	free(rates);
	free(d);
	return np;
}

void run_print_summary(FILE *f, const struct run *r)
{
	const struct experiment *ex = r->ex;
	const struct analysis *an = &r->an;
	const char *unit = NULL;
	char one[48], (*cells)[SUMMARY_COLS][96];
	int nrows = 0, skip[SUMMARY_COLS] = { 0, 0, 0, 0, 0, 0, 1, 1, 0, 0 };
	/* tare's own driver times requests from their intended send times and keeps the
	 * uncorrected figure beside; a user's load generator leaves only its own */
	int intended = 0;
	for (int i = 0; i < r->ntrials; i++)
		intended |= r->trials[i].state == TRIAL_OK && isfinite(r->trials[i].p99_uncorrected_us);
	for (int i = 0; i < r->ntrials && !unit; i++)
		if (r->trials[i].state == TRIAL_OK)
			unit = r->trials[i].unit[0] ? r->trials[i].unit : "seconds";
	unit_singular(unit ? unit : "units", one, sizeof(one));
	cells = xcalloc((size_t)an->narms + 1, sizeof(*cells));
	snprintf(cells[0][0], 96, "configuration");
	snprintf(cells[0][1], 96, "CPU/%s", one);
	snprintf(cells[0][2], 96, "CPU overhead [%g%% CI]", 100 * an->conf);
	snprintf(cells[0][3], 96, "workload");
	snprintf(cells[0][4], 96, "profiler");
	snprintf(cells[0][5], 96, "unattrib.");
	snprintf(cells[0][6], 96, "p99 latency");
	snprintf(cells[0][7], 96, "errors");
	snprintf(cells[0][8], 96, "memory");
	snprintf(cells[0][9], 96, ex->design == DESIGN_SWITCHBACK ? "processes x pairs" : "trials");
	nrows = 1;
	for (int c = 0; c < an->narms; c++, nrows++) {
		const struct arm_summary *a = &an->arms[c];
		const struct config *cf = &ex->configs[c];
		char (*row)[96] = cells[nrows];
		snprintf(row[0], 96, "%s", cf->label);
		fmt_ns(a->cpu_per_unit_ns, row[1], 96);
		if (ex->design == DESIGN_SWITCHBACK && c == plan_baseline(ex, cf->workload))
			snprintf(row[9], 96, "(off windows)");
		else if (ex->design == DESIGN_SWITCHBACK)
			snprintf(row[9], 96, "%d x %d pairs%s", a->processes, a->processes ? a->pairs / a->processes : 0,
				 a->failed ? " (some failed)" : "");
		else if (a->failed)
			snprintf(row[9], 96, "%d (%d failed)", a->ok, a->failed);
		else
			snprintf(row[9], 96, "%d", a->ok);
		if (a->has_latency)
			skip[6] = skip[7] = 0;
		/* in switchback, over both arms' windows of the processes */
		fmt_errors(a, row[7], 96);
		if (c == plan_baseline(ex, cf->workload)) {
			snprintf(row[2], 96, "(baseline)");
			if (isfinite(a->workload_rss_bytes))
				snprintf(row[8], 96, "%.1f MiB", (a->workload_rss_bytes + a->profiler_rss_bytes) / 1048576.0);
			if (isfinite(a->p99_us))
				fmt_us(a->p99_us, row[6], 96);
			continue;
		}
		fmt_overhead(&a->m[MET_CPU_TOTAL], 1, "%", 1, row[2], 96);
		fmt_overhead(&a->m[MET_CPU_WORKLOAD], 1, "%", 0, row[3], 96);
		fmt_overhead(&a->m[MET_CPU_PROFILER], 1, "%", 0, row[4], 96);
		fmt_overhead(&a->m[MET_CPU_UNATTRIBUTED], 1, "%", 0, row[5], 96);
		fmt_latency(&a->m[MET_P99], row[6], 96);
		fmt_overhead(&a->m[MET_MEMORY], 1048576.0, " MiB", 1, row[8], 96);
	}
	fputc('\n', f);
	print_table(f, cells, nrows, skip);
	free(cells);
	print_counters(f, r, one);
	if (ex->design == DESIGN_SWITCHBACK) {
		fprintf(f, "\nSwitchback: the profiler switched on and off in %.3g s windows of one process (%.3g s guard after\n"
			"each switch, not measured); CPU per %s of each on window against its pair's off window, split into\n"
			"the workload's own cgroup, the profiler's processes, and CPU that neither was charged for.\n"
			"Hodges-Lehmann per process, combined over processes as a random-effects meta-analysis\n"
			"(DerSimonian-Laird, Hartung-Knapp interval); ~ marks an interval that contains 0.\n",
			ex->window_s, ex->guard_s, one);
		if (ex->twins)
			fprintf(f, "Twins: a second process of the workload on the same CPUs, its profiler on in the first one's off\n"
				"windows and off in its on windows; CPU overhead is the two processes' on/off ratios averaged, so\n"
				"what moved the machine between a pair's windows cancels, less what the profiled one spills onto\n"
				"its twin (docs/switchback.md).  The parts beside it are the first process's alone.\n");
		{
			/* Duty: how much of the time spent switching was measured (guards and snapshots
			 * are not), and how much of the whole run (start-up and warm-up neither). */
			double measured = 0, phase = 0, run_s = (double)(r->finished_unix_ns - r->started_unix_ns) / 1e9;
			for (int i = 0; i < r->ntrials; i++) {
				const struct trial_result *tr = &r->trials[i];
				if (!tr->nwindows)
					continue;
				for (int w = 0; w < tr->nwindows; w++)
					measured += tr->windows[w].wall_s;
				phase += ex->guard_s + tr->windows[tr->nwindows - 1].start_s + tr->windows[tr->nwindows - 1].wall_s;
			}
			if (phase > 0)
				fprintf(f, "measured: %.0f%% of the switching time, %.0f%% of the run's %.0f s\n", 100 * measured / phase,
					r->finished_unix_ns > r->started_unix_ns ? 100 * measured / run_s : NAN, run_s);
		}
		for (int c = 0; c < an->narms; c++) {
			const struct arm_summary *a = &an->arms[c];
			const struct workload *wl = &ex->workloads[ex->configs[c].workload];
			double rate, swing;
			if (c == plan_baseline(ex, ex->configs[c].workload) || !a->processes)
				continue;
			if ((wl->attach_pid || wl->attach_cgroup) && window_load(r, c, &rate, &swing) > 0)
				fprintf(f, "%s: the service's load %.0f %s/s (median window), %.1f%% apart between the windows of a pair (sd)\n",
					ex->configs[c].label, rate, r->trials[0].unit[0] ? one : "CPU-second", swing);
			fprintf(f, "%s: spread of one pair %.2f points within a process, %.2f between processes%s\n",
				ex->configs[c].label, a->within_sd, isfinite(a->between_sd) ? a->between_sd : 0.0,
				a->processes == 1 ? " (one process: the interval is within-process only)" : "");
			if (a->twin_pairs >= 2 && a->one_process.e.ok)
				fprintf(f, "%s: the first process alone: %+.2f%% [%+.2f, %+.2f], spread of one pair %.2f points "
					"(twins: %.2f)\n", ex->configs[c].label, a->one_process.e.est, a->one_process.e.lo,
					a->one_process.e.hi, a->one_sd, a->within_sd);
			if (a->gauge_pairs >= 2 && isfinite(a->gauge_r2)) {
				char shift[128] = "";
				if (a->gauge_shift.e.ok)
					snprintf(shift, sizeof(shift), "; it ran %+.2f%% [%+.2f, %+.2f] slower in on windows",
						 a->gauge_shift.e.est, a->gauge_shift.e.lo, a->gauge_shift.e.hi);
				fprintf(f, "%s: the machine's speed (gauge) moved %.1f%% between the windows of a pair and goes "
					"with %.0f%% of the CPU's spread%s\n", ex->configs[c].label, a->gauge_sd,
					100 * a->gauge_r2, shift);
			}
		}
	} else {
		fprintf(f, "\nCPU overhead is CPU per %s against the same block's baseline trial, split into the\n"
			"workload's own cgroup, the profiler's processes, and CPU that neither was charged for.\n"
			"Hodges-Lehmann estimates; [lo, hi] from the Wilcoxon signed-rank test over paired blocks;\n"
			"~ marks an interval that contains 0.%s\n", one,
			skip[6] ? "" : intended ? "\np99 latency is measured from each request's intended send time (no coordinated omission);\n"
			"the baseline row shows its median p99, the others the paired change." :
			"\np99 latency is as the load generator measured it; the baseline row shows its median p99,\n"
			"the others the paired change.");
	}
	for (int c = 0; c < an->narms; c++) {
		char line[1024];
		if (fmt_self(&an->arms[c], line, sizeof(line)))
			fprintf(f, "%s: %s\n", ex->configs[c].label, line);
		if (fmt_parts(&an->arms[c], &ex->workloads[ex->configs[c].workload].truth, line, sizeof(line)))
			fprintf(f, "%s: %s\n", ex->configs[c].label, line);
	}
	for (int c = 0; c < an->narms; c++) {
		const struct config *cf = &ex->configs[c];
		print_truth(f, cf->label, "CPU overhead", cf->truth_cpu_pct, "%", &an->arms[c].m[MET_CPU_TOTAL], NULL);
		print_truth(f, cf->label, "p50 latency", cf->truth_latency_us, " µs", &an->arms[c].m[MET_P50],
			    "the known figure is thread CPU time spun before each reply: interrupts and the "
			    "wait behind other requests lengthen it in wall time");
	}
}

/* Noise guards (DESIGN.md): CV of the baseline arm, outliers, steal, blocks needed. */
static void check_noise(struct run *r)
{
	const struct experiment *ex = r->ex;
	uint64_t steal = 0, busy = 0;
	for (int c = 0; c < r->an.narms; c++) {
		const struct arm_summary *a = &r->an.arms[c];
		const struct config *cf = &ex->configs[c];
		if (c == plan_baseline(ex, cf->workload) && isfinite(a->cv)) {
			if (a->cv >= 0.20)
				run_warn(r, "UNRELIABLE: CPU per unit of the baseline '%s' varies by %.0f%% (CV) between trials; "
					 "the machine is too noisy for these intervals", cf->label, 100 * a->cv);
			else if (a->cv >= 0.10)
				run_warn(r, "noisy: CPU per unit of the baseline '%s' varies by %.0f%% (CV) between trials",
					 cf->label, 100 * a->cv);
		}
		if (a->outliers)
			run_warn(r, "%s: %d trial%s with |modified Z| > 3.5 in CPU per unit (kept; see trials.csv)",
				 cf->label, a->outliers, a->outliers > 1 ? "s" : "");
		/* Open-loop load the server cannot keep up with measures a growing queue, not service. */
		if (a->has_latency && isfinite(a->target_rate) && a->target_rate > 0 && a->achieved_rate < 0.98 * a->target_rate)
			run_warn(r, "%s: the server completed %.0f of the %.0f requests/s sent; its latency is mostly queueing "
				 "(lower the rate)", cf->label, a->achieved_rate, a->target_rate);
		/* A profiler does not make a program faster: a cost below zero is a difference between
		 * the arms that is not the profiler (warm-up still running, a JIT, placement). */
		if (c != plan_baseline(ex, cf->workload) && a->m[MET_CPU_TOTAL].e.ok && a->m[MET_CPU_TOTAL].e.hi < 0)
			run_warn(r, "%s: CPU overhead %+.2f%% [%+.2f, %+.2f] is below zero: the arms differ by something other "
				 "than the profiler (a warm-up too short for a JIT or a cache? raise warmup=)", cf->label,
				 a->m[MET_CPU_TOTAL].e.est, a->m[MET_CPU_TOTAL].e.lo, a->m[MET_CPU_TOTAL].e.hi);
		/* Failed requests are not measured service: past 1%, the latencies describe errors
		 * (an HTTP 4xx or 5xx is both answered and an error). */
		if (a->request_errors && a->request_errors * 100 > a->requests)
			run_warn(r, "UNRELIABLE: %s: %llu requests failed in measured windows, against %llu answered: see "
				 "each trial's driver.out", cf->label, (unsigned long long)a->request_errors,
				 (unsigned long long)a->requests);
		{
			int dropped = 0, kept = 0;
			for (int i = 0; i < r->ntrials; i++)
				if (r->trials[i].config == c)
					dropped += r->trials[i].windows_dropped, kept += r->trials[i].nwindows / 2;
			if (dropped)
				run_warn(r, "%s: %d window pair%s dropped (of %d) because the service's metrics could not be read at "
					 "their edges (a scrape failed or took over %.0f s, or a counter went down); run with -v to see why",
					 cf->label, dropped, dropped > 1 ? "s" : "", dropped + kept, METRICS_TIMEOUT_S);
		}
		{
			/* In place, the load is the service's own: pairs cancel a slow change in it, not one
			 * from one window to the next, which moves CPU per unit where cost depends on load. */
			const struct workload *wl = &ex->workloads[cf->workload];
			double rate, swing;
			if ((wl->attach_pid || wl->attach_cgroup) && c != plan_baseline(ex, cf->workload) &&
			    window_load(r, c, &rate, &swing) >= 4 && swing > 10)
				run_warn(r, "%s: the service's load swings %.0f%% between the two windows of a pair (sd): more than "
					 "the pairs can cancel; use longer windows (window=), or a load of your own (--url)", cf->label, swing);
		}
		/* A profiler that recorded nothing was not profiling this workload: its cost is real
		 * and answers nothing (attached to a parent whose workers it does not follow, say). */
		if (a->profile_empty)
			run_warn(r, "UNRELIABLE: %s recorded no %s in %d of its %d trials: it did not profile the workload "
				 "(attached to the wrong process? see profile_samples in trials.csv)", cf->label,
				 cf->samples.what ? cf->samples.what : "samples", a->profile_empty, a->profile_counted);
		/* A sampler that took under a quarter of what its rate gives over the workload's CPU
		 * (counted over the measured part alone, so what is due errs low) profiled little of it:
		 * a CPU timer checked at the kernel's ticks misses a thread that runs in shorter bursts.
		 * Per trial: it can fail in one process and not the next (Go's runtime/pprof here). */
		if (a->profile_sparse)
			run_warn(r, "UNRELIABLE: %s recorded under a quarter of the %s its rate (%g a CPU-second) gives over the "
				 "workload's measured CPU in %d of its %d trials (%.0f where %.0f were due, in all): it saw little of "
				 "the workload (a timer checked at the kernel's ticks misses work done in bursts shorter than a "
				 "tick; see profile_expected in trials.csv)", cf->label, cf->samples.what ? cf->samples.what : "samples",
				 cf->samples.per_cpu_s, a->profile_sparse, a->profile_rated, a->profile_samples, a->profile_expected);
		/* A window that begins before the workload is steady measures its warm-up too: a JIT
		 * compiling, caches filling.  1% is below what a profiler comparison can mistake. */
		if (a->steady.ok && (a->steady.lo > 0 || a->steady.hi < 0) && fabs(a->steady.est) > 1)
			run_warn(r, "%s: not steady: CPU per unit in the first half of each measured window is %+.1f%% "
				 "[%+.1f, %+.1f] against the second half: the warm-up (%g s) is too short for this workload "
				 "(raise warmup=)", cf->label, a->steady.est, a->steady.lo, a->steady.hi, ex->warmup_s);
	}
	for (int i = 0; i < r->ntrials; i++)
		steal += r->trials[i].machine_steal_ns, busy += r->trials[i].machine_busy_ns;
	for (int k = 0; k < r->ncounter_info; k++) {
		int scaled = 0;
		for (int i = 0; i < r->ntrials; i++)
			scaled += k < r->trials[i].ncounters && r->trials[i].counter_scaled[k];
		if (scaled)
			run_warn(r, "counter %s was multiplexed in %d trial%s: counted part of the time and scaled up",
				  r->counter_info[k].name, scaled, scaled > 1 ? "s" : "");
	}
	if (busy && (double)steal / (double)(busy + steal) > 0.01)
		run_warn(r, "the hypervisor stole %.1f%% of CPU time during measured windows; results are noisier",
			 100.0 * (double)steal / (double)(busy + steal));
	for (int c = 0; c < r->an.narms; c++) {
		const struct stats_est *co = &r->an.arms[c].carryover;
		if (co->ok && co->lo > 0)
			run_warn(r, "%s: carry-over: an off window right after an on window costs %+.2f%% [%+.2f, %+.2f] more CPU "
				 "per unit than the other off windows; the profiler's cost outlasts the switch (raise guard=%g)",
				 ex->configs[c].label, co->est, co->lo, co->hi, ex->guard_s);
		/* A JIT or cold caches: the pairs still cancel a steady drift, but the cost measured is
		 * partly that of a program that is not yet the one that will run. */
		co = &r->an.arms[c].drift;
		if (co->ok && co->lo > 0 && co->est > 1)
			run_warn(r, "%s: warm-up: the off windows in the first half of each process cost %+.2f%% [%+.2f, %+.2f] "
				 "more CPU per unit than those of the second half; the workload was still warming up "
				 "(raise warmup=%g)", ex->configs[c].label, co->est, co->lo, co->hi, 2 * ex->warmup_s + 1);
	}
	if (r->an.blocks_suggested > r->blocks)
		run_warn(r, "to resolve the total-CPU overheads (+-0.5 points, or a tenth of a large one), run about %d blocks (blocks=%d)",
			 r->an.blocks_suggested, r->an.blocks_suggested);
}

/* A configuration none of whose trials was measured has no answer: say so, and make the run
 * fail (a CI job must not pass on it).  Returns how many such configurations there are. */
static int check_unmeasured(struct run *r)
{
	const struct experiment *ex = r->ex;
	int n = 0;
	for (int c = 0; c < ex->nconfigs; c++) {
		int tried = 0, measured = 0;
		const struct trial_result *first = NULL;
		for (int i = 0; i < r->ntrials; i++) {
			if (r->trials[i].config != c)
				continue;
			tried++;
			measured += r->trials[i].state == TRIAL_OK;
			if (r->trials[i].state != TRIAL_OK && !first)
				first = &r->trials[i];
		}
		if (tried && !measured) {
			run_warn(r, "%s: none of its %d trial%s was measured; the first failure: %s", ex->configs[c].label, tried,
				 tried > 1 ? "s" : "", first ? first->error : "?");
			n++;
		}
	}
	return n;
}

static void describe_outcome(const struct run *r, const struct trial_result *tr, char *buf, size_t len)
{
	if (tr->state == TRIAL_OK) {
		char cpu[32];
		fmt_ns(trial_cpu_per_unit_ns(tr), cpu, sizeof(cpu));
		char one[40];
		unit_singular(tr->unit[0] ? tr->unit : "seconds", one, sizeof(one));
		if (tr->has_latency)
		{
			char p99[32];
			fmt_us(tr->p99_us, p99, sizeof(p99));
			snprintf(buf, len, "ok  %s/%s  p99 %s  %.0f/s  %.2f s", cpu, one, p99, tr->achieved_rate, tr->wall_s);
		}
		else
			snprintf(buf, len, "ok  %s/%s  %.2f s", cpu, one, tr->wall_s);
	} else {
		snprintf(buf, len, "FAILED: %s", tr->error);
	}
	(void)r;
}

static void write_report(const struct run *r)
{
	const char *dirs[1] = { r->dir };
	char note[1024] = "";
	if (report_write(dirs, 1, NULL, note, sizeof(note)) != 0) {
		tare_warn("the report was not written: %s", note);
		return;
	}
	printf("report: %s/report/report.html\n", r->rel);
	if (note[0])
		tare_warn("%s", note);   /* e.g. gnuplot not installed */
}

static void evaluate(struct run *r)
{
	free(r->verdicts);
	r->verdicts = NULL;
	r->nverdicts = 0;
	if (r->budget.n)
		r->nverdicts = budget_evaluate(&r->budget, r->ex, &r->an, &r->verdicts);
}

/* Run every configuration once, in block b's order.  Returns how many trials succeeded. */
static int run_block(struct run *r, struct trial_env *te, struct progress *pg, int b)
{
	struct trial_counters counters;
	const struct experiment *ex = r->ex;
	int ok = 0;
	for (int i = 0; i < ex->nconfigs && !tare_interrupted && !r->service_exited; i++) {
		struct trial_result *tr = &r->trials[r->ntrials];
		char outcome[640];
		/* Switchback: the baseline has no process of its own; it is every process's off windows. */
		if (ex->design == DESIGN_SWITCHBACK && ex->configs[r->schedule[b * ex->nconfigs + i]].baseline)
			continue;
		memset(tr, 0, sizeof(*tr));
		tr->index = r->ntrials;
		tr->block = b;
		tr->config = r->schedule[b * ex->nconfigs + i];
		progress_start(pg, tr->index, b, r->blocks, ex->configs[tr->config].label);
		trial_run(te, tr, &counters);
		/* names, units and reasons come from the first trial that counted */
		if (!r->ncounter_info && counters.n) {
			memcpy(r->counter_info, counters.r, (size_t)counters.n * sizeof(*counters.r));
			r->ncounter_info = counters.n;
		}
		if (tr->state == TRIAL_INTERRUPTED) {
			/* Not a measurement: dropped, with its directory. */
			char *dir = xasprintf("%s/%s", r->dir, tr->dir);
			rm_rf(dir);
			free(dir);
			trial_result_free(tr);
			break;
		}
		r->ntrials++;
		ok += tr->state == TRIAL_OK;
		/* in place: nothing more can be measured once the service has gone */
		if (tr->service_exited)
			r->service_exited = tr->index + 1;
		describe_outcome(r, tr, outcome, sizeof(outcome));
		progress_done(pg, tr->index, b, r->blocks, ex->configs[tr->config].label, outcome);
		if (tr->state == TRIAL_OK && results_add_latency(r, tr) < 0)
			tare_warn("trial %d: cannot merge its latency histograms", tr->index + 1);
		analysis_free(&r->an);
		analysis_run(ex, r->trials, r->ntrials, ex->confidence, &r->an);
		evaluate(r);
		if (results_write(r) < 0)
			tare_warn("cannot write %s/results.json: %s (the file on disk holds %d of the %d trials run)", r->rel,
				  strerror(r->save_errno), r->saved_trials < 0 ? 0 : r->saved_trials, r->ntrials);
	}
	return ok;
}

/* Checks: what a profiler's available() cannot know before the workload runs (a service
 * without the pprof endpoint a scraper needs).  Each configuration whose adapter has check = s
 * is started once as a trial would be, unmeasured, and its profiler given s seconds; one that
 * exits with 3, tare's "cannot run here", stops the run before any trial: its line, exit 3.
 * Any other failure is left to the trials, which record it.  0, EXIT_CANNOT, or 130. */
static int run_checks(struct run *r, struct trial_env *te, int quiet)
{
	const struct experiment *ex = r->ex;
	for (int c = 0; c < ex->nconfigs && !tare_interrupted; c++) {
		const struct config *cf = &ex->configs[c];
		struct trial_result tr;
		char *dir;
		if (cf->check_s <= 0)
			continue;
		if (!quiet)
			fprintf(stderr, "tare: checking %s (%.3g s, not measured)\n", cf->label, cf->check_s);
		memset(&tr, 0, sizeof(tr));
		tr.index = -1;
		tr.config = c;
		te->check_s = cf->check_s;
		trial_run(te, &tr, NULL);
		te->check_s = 0;
		dir = xasprintf("%s/%s", r->dir, tr.dir);
		if (tr.state != TRIAL_OK && tr.profiler_cannot) {
			tare_err("%s cannot run here: %s (nothing was measured; its output: %s/%s)", cf->label,
				 tr.error, r->rel, tr.dir);
			free(dir);
			trial_result_free(&tr);
			return EXIT_CANNOT;
		}
		rm_rf(dir);
		free(dir);
		trial_result_free(&tr);
	}
	{
		char *dir = xasprintf("%s/checks", r->dir);
		rmdir(dir);
		free(dir);
	}
	return tare_interrupted ? 130 : 0;
}

/* What a run holds once its results are written, whether it ran its trials or stopped before. */
static void run_release(struct run *r, int *schedule, struct trial_env *te)
{
	analysis_free(&r->an);
	results_free_latency(r);
	json_decref(r->environment);
	json_decref(r->placement);
	for (int i = 0; i < r->warnings.n; i++)
		free(r->warnings.v[i]);
	free(r->warnings.v);
	free(r->verdicts);
	for (int i = 0; i < r->ntrials; i++)
		trial_result_free(&r->trials[i]);
	free(r->trials);
	free(schedule);
	if (te->counters)
		counters_free(te->counters);
}

static int windows_kept(const struct run *r)
{
	int n = 0;
	for (int i = 0; i < r->ntrials; i++)
		n += r->trials[i].state == TRIAL_OK ? r->trials[i].nwindows : 0;
	return n;
}

int run_experiment(const struct experiment *ex, struct run_opts *o)
{
	struct cgroup_sys cg;
	struct trial_env te;
	struct run r;
	struct progress pg;
	int *schedule, ok = 0, rc = 0, unmeasured;
	memset(&r, 0, sizeof(r));
	memset(&te, 0, sizeof(te));
	r.saved_trials = -1;
	cgroup_init(&cg);
	{
		/* in place: the service, its cgroup and its metrics must be there before anything runs */
		char err[1024];
		int rc2 = inplace_check(ex, &cg, err, sizeof(err));
		if (rc2) {
			tare_err("%s", err);
			return rc2;
		}
	}
	/* Scheduled up to max_blocks: the order of a block depends only on the seed and its number,
	 * so an extended run keeps the order its first blocks had. */
	schedule = plan_schedule(ex->max_blocks > ex->blocks ? ex->max_blocks : ex->blocks, ex->nconfigs, ex->seed);
	r.ex = ex;
	r.schedule = schedule;
	r.blocks = ex->blocks;
	r.total = ex->blocks * trials_per_block(ex);
	r.trials = xcalloc((size_t)(ex->max_blocks > ex->blocks ? ex->max_blocks : ex->blocks) * (size_t)ex->nconfigs,
			   sizeof(*r.trials));
	if (!ex->counters_off) {
		char err[512];
		int rc2 = ex->ncounters ? counters_parse(&te.counters, (const char *const *)ex->counters, ex->ncounters, err, sizeof(err))
					: counters_default(&te.counters, err, sizeof(err));
		if (rc2 < 0) {
			tare_warn("%s; counting nothing", err);
			te.counters = NULL;
		}
	}
	for (int i = 0; i < COUNTERS_MAX; i++)
		r.counter_names[i] = r.counter_info[i].name;
	r.an.counter_names = r.counter_names;
	if (ex->budget && budget_parse_list(&r.budget, ex->budget, NULL, 0) < 0)
		memset(&r.budget, 0, sizeof(r.budget));   /* validated at plan time; cannot happen */
	{
		char warning[512], err[512];
		int rc2 = sweep_begin(warning, sizeof(warning), err, sizeof(err));
		if (rc2) {
			tare_err("%s", err);
			free(schedule);
			free(r.trials);
			if (te.counters)
				counters_free(te.counters);
			return rc2;
		}
		if (warning[0])
			run_warn(&r, "%s", warning);
	}
	r.started_unix_ns = wall_ns();
	make_results_dir(&r, ex, o->out_base);
	snprintf(o->dir, sizeof(o->dir), "%s", r.dir);
	if (mkdir_p(r.dir, 0755) < 0) {
		tare_err("cannot create the results directory %s: %s", r.rel, strerror(errno));
		free(schedule);
		free(r.trials);
		return EXIT_USAGE;
	}
	if (cg.warning[0])
		run_warn(&r, "%s", cg.warning);
	r.environment = env_capture(&cg);
	te.ex = ex;
	te.cg = &cg;
	te.results_dir = r.dir;
	r.placement = place(ex, &te, &r);
	tare_install_signals();

	if (!o->quiet) {
		if (ex->design == DESIGN_SWITCHBACK)
			fprintf(stderr, "tare: %s: switchback: %d processes (%d blocks x %d profilers) of %.3g s warm-up + %d pairs "
				"of %.3g s windows (%.3g s guard)\n", ex->name, r.total, ex->blocks, trials_per_block(ex),
				ex->warmup_s, ex->pairs, ex->window_s, ex->guard_s);
		else if (ex->units)
			fprintf(stderr, "tare: %s: %d configuration%s x %d blocks = %d trials of %.3g s warm-up + %llu units\n",
				ex->name, ex->nconfigs, ex->nconfigs > 1 ? "s" : "", ex->blocks, r.total, ex->warmup_s,
				(unsigned long long)ex->units);
		else
			fprintf(stderr, "tare: %s: %d configuration%s x %d blocks = %d trials of %.3g s warm-up + %.3g s measured\n",
				ex->name, ex->nconfigs, ex->nconfigs > 1 ? "s" : "", ex->blocks, r.total, ex->warmup_s,
				ex->duration_s);
		fprintf(stderr, "tare: seed %llu (replay the order with seed=%llu); results in %s/\n",
			(unsigned long long)ex->seed, (unsigned long long)ex->seed, r.rel);
		for (int i = 0; i < r.warnings.n; i++)
			tare_warn("%s", (char *)r.warnings.v[i]);
	}
	results_write(&r);
	rc = run_checks(&r, &te, o->quiet);
	if (rc) {
		if (rc == 130)
			tare_err("interrupted before the first trial");
		run_release(&r, schedule, &te);
		return rc;
	}
	progress_init(&pg, r.total,
		      ex->warmup_s + 0.3 + (ex->design == DESIGN_SWITCHBACK ? 2 * ex->pairs * (ex->window_s + ex->guard_s)
									: ex->duration_s > 0 ? ex->duration_s : 5),
		      o->quiet);
	for (int b = 0; b < r.blocks && !tare_interrupted && !r.service_exited; b++) {
		ok += run_block(&r, &te, &pg, b);
		/* The verdict is undecided and more blocks are allowed: add one and look again. */
		if (b == r.blocks - 1 && r.budget.n && r.blocks < ex->max_blocks && !tare_interrupted) {
			evaluate(&r);
			if (budget_overall(r.verdicts, r.nverdicts) == V_INCONCLUSIVE) {
				if (!r.extended && !o->quiet)
					progress_clear(&pg), fprintf(stderr, "tare: inconclusive after %d blocks; adding blocks until it is "
								  "decided or max_blocks=%d\n", r.blocks, ex->max_blocks);
				r.blocks++;
				r.extended++;
				r.total += trials_per_block(ex);
				pg.total = r.total;
			}
		}
	}
	progress_clear(&pg);
	r.interrupted = tare_interrupted;
	r.complete = !r.interrupted && r.ntrials == r.total;
	r.finished_unix_ns = wall_ns();
	analysis_free(&r.an);
	analysis_run(ex, r.trials, r.ntrials, ex->confidence, &r.an);
	evaluate(&r);
	check_noise(&r);
	unmeasured = check_unmeasured(&r);
	if (results_write(&r) < 0)
		tare_warn("cannot write %s/results.json: %s", r.rel, strerror(r.save_errno));

	run_print_summary(stdout, &r);
	budget_print(stdout, ex, r.verdicts, r.nverdicts);
	for (int i = 0; i < r.warnings.n; i++)
		printf("warning: %s\n", (char *)r.warnings.v[i]);
	if (r.extended)
		printf("\n%d block%s added to decide the verdict (max_blocks=%d).\n", r.extended, r.extended > 1 ? "s" : "",
		       ex->max_blocks);
	if (r.save_errno)
		printf("\nresults: NOT SAVED: %s/results.json holds %d of the %d trials run (%s)\n", r.rel,
		       r.saved_trials < 0 ? 0 : r.saved_trials, r.ntrials, strerror(r.save_errno));
	else
		printf("\nresults: %s/results.json (%d of %d trials%s)\n", r.rel, r.ntrials, r.total,
		       r.interrupted ? ", interrupted" : "");
	if (!o->no_report && !r.interrupted && r.ntrials > 0 && !r.save_errno)
		write_report(&r);
	if (r.interrupted) {
		tare_err("interrupted: %d finished trials kept in %s", r.saved_trials < 0 ? 0 : r.saved_trials, r.rel);
		rc = 130;
	} else if (r.service_exited) {
		const struct trial_result *last = &r.trials[r.service_exited - 1];
		tare_err("%s; the run stopped there: the %d window pairs measured before are kept in %s", last->error,
			 windows_kept(&r) / 2, r.rel);
		rc = EXIT_FAIL;
	} else if (r.save_errno) {
		tare_err("the results could not be written (%s): %d of %d trials are on disk in %s", strerror(r.save_errno),
			 r.saved_trials < 0 ? 0 : r.saved_trials, r.ntrials, r.rel);
		rc = EXIT_FAIL;
	} else if (ok == 0) {
		tare_err("no trial could be measured; the first failure: %s", r.ntrials ? r.trials[0].error : "none ran");
		rc = EXIT_FAIL;
	} else if (r.budget.n) {
		enum verdict v = budget_overall(r.verdicts, r.nverdicts);
		printf("verdict: %s\n", verdict_name(v));
		rc = verdict_exit_code(v);
		/* FAIL is the worst verdict: a configuration that was never measured is as bad. */
		if (unmeasured)
			rc = EXIT_FAIL;
	} else if (unmeasured) {
		tare_err("%d configuration%s could not be measured (see the warnings above)", unmeasured, unmeasured > 1 ? "s" : "");
		rc = EXIT_FAIL;
	}
	run_release(&r, schedule, &te);
	return rc;
}

int run_script(const char *script, int nargs, char **args, const char *command_line, struct run_opts *o)
{
	struct experiment ex = { 0 };
	int rc = script_plan(script, nargs, args, &ex);
	if (rc)
		return rc;
	ex.command_line = xstrdup(command_line);
	plan_seal(&ex);
	rc = run_experiment(&ex, o);
	experiment_free(&ex);
	return rc;
}
