/* switchback.c — window pairs nested in processes: per-process estimates, random-effects
 * combination, carry-over check (switchback.h has the method and its sources). */
#include "switchback.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NCPU_METRICS (MET_CPU_UNATTRIBUTED + 1)
#define NMETRICS (MET_P99 + 1)    /* memory, throughput and p99.9 have no per-window figure */
#define SLOT_GAUGE NMETRICS       /* beside them, the gauge's log ratio on/off (gauge.h) */
#define SLOT_ONE (SLOT_GAUGE + 1) /* twins: the total CPU's log ratio of the first process alone */
#define NSLOTS (SLOT_ONE + 1)
#define GAUGE_MIN_OPS 32          /* a window's gauge with fewer round trips is not read */
#define GAUGE_MIN_DF 4            /* nor the gauge of an arm with fewer within-process degrees of freedom */

struct window_unit {
	double w, p, u, t;        /* CPU per unit of work (ns), t = w + p + u */
	double rate;              /* units per second */
	double gauge;             /* CPU per round trip of the gauge (ns); NaN without one */
	double twin;              /* the twin's workload and profiler CPU per unit; NaN without one */
};

static int window_unit(const struct trial_result *tr, const struct window_result *wr, struct window_unit *o)
{
	/* A workload that reports no units is measured per second of window, as a trial is. */
	double work = tr->unit[0] ? (double)wr->units : wr->wall_s;
	if (!(work > 0) || !(wr->wall_s > 0))
		return -1;
	o->w = (double)wr->workload_cpu_ns / work;
	o->p = (double)wr->profiler_cpu_ns / work;
	o->u = (double)wr->unattributed_ns / work;
	o->t = o->w + o->p + o->u;
	o->rate = work / wr->wall_s;
	o->gauge = wr->gauge_ops >= GAUGE_MIN_OPS ? (double)wr->gauge_ns / (double)wr->gauge_ops : NAN;
	{
		double twin_work = tr->unit[0] ? (double)wr->twin_units : wr->wall_s;
		o->twin = wr->twin_cpu_ns && twin_work > 0 ? (double)wr->twin_cpu_ns / twin_work : NAN;
	}
	return o->t > 0 && o->w + o->p > 0 ? 0 : -1;
}

/* The pair values of one trial, metric-major: d[m * npairs + k].  Returns the pairs kept. */
static int trial_pairs(const struct trial_result *tr, double *d, int cap)
{
	int n = 0;
	for (int w = 0; w + 1 < tr->nwindows && n < cap; w += 2) {
		const struct window_result *a = &tr->windows[w], *b = &tr->windows[w + 1];
		const struct window_result *on = a->arm ? a : b, *off = a->arm ? b : a;
		struct window_unit u1, u0;
		double B;
		if (on->arm == off->arm || window_unit(tr, on, &u1) < 0 || window_unit(tr, off, &u0) < 0)
			continue;
		B = u0.w + u0.p;
		d[MET_CPU_TOTAL * cap + n] = log(u1.t / u0.t);
		d[MET_CPU_WORKLOAD * cap + n] = 100 * (u1.w - u0.w) / B;
		d[MET_CPU_PROFILER * cap + n] = 100 * (u1.p - u0.p) / B;
		d[MET_CPU_UNATTRIBUTED * cap + n] = 100 * (u1.u - u0.u) / B;
		d[MET_MEMORY * cap + n] = d[MET_THROUGHPUT * cap + n] = NAN;
		d[MET_P50 * cap + n] = on->p50_us - off->p50_us;   /* NaN where a window has too few */
		d[MET_P90 * cap + n] = on->p90_us - off->p90_us;
		d[MET_P99 * cap + n] = on->p99_us - off->p99_us;
		d[SLOT_GAUGE * cap + n] = log(u1.gauge / u0.gauge);   /* NaN where either has none */
		d[SLOT_ONE * cap + n] = NAN;
		if (isfinite(u1.twin) && isfinite(u0.twin)) {
			/* Crossed over: the first process's on/off ratio and the twin's (its profiler on in
			 * the other window, u0's), averaged.  What moved the machine between the two windows
			 * moves both processes and cancels; each one's own workload and profiler CPU, the
			 * machine's unattributed CPU being theirs together (docs/switchback.md). */
			d[SLOT_ONE * cap + n] = d[MET_CPU_TOTAL * cap + n];
			d[MET_CPU_TOTAL * cap + n] = 0.5 * (log((u1.w + u1.p) / (u0.w + u0.p)) + log(u0.twin / u1.twin));
		}
		n++;
	}
	return n;
}

/* One process's estimate of metric values d[0..n): the Hodges-Lehmann location of its pairs. */
static int process_estimate(const double *d, int n, double *y)
{
	struct stats_est e;
	if (n < 2 || stats_signed_rank(d, n, 0.95, &e) < 0 || !isfinite(e.est))
		return -1;
	*y = e.est;
	return 0;
}

/* One metric (or slot) of a configuration's pairs, per process and combined over processes,
 * into o; a log ratio (total CPU, the gauge) comes out as percent.  With spread, the arm's
 * processes, pairs and spreads are set from it. */
static void estimate_metric(const struct trial_result *trials, int ntrials, int config, int metric, double conf,
			    struct overhead *o, struct arm_summary *spread)
{
	double *y = xcalloc((size_t)ntrials + 1, sizeof(double)), *se = xcalloc((size_t)ntrials + 1, sizeof(double));
	int *np = xcalloc((size_t)ntrials + 1, sizeof(int));
	double ss = 0, tau2 = NAN, pooled = NAN;
	int k = 0, pairs = 0, df = 0;
	const double *single = NULL;
	double *keep = NULL;
	int single_n = 0;
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		int cap = tr->nwindows / 2 + 1, n;
		double *d;
		if (tr->config != config || tr->state != TRIAL_OK || tr->nwindows < 2)
			continue;
		d = xcalloc((size_t)cap * NSLOTS, sizeof(double));
		n = trial_pairs(tr, d, cap);
		{
			/* latency pairs exist only where both windows had enough requests, the gauge's
			 * where both had one */
			double *v = d + metric * cap;
			int m = 0;
			for (int j = 0; j < n; j++)
				if (isfinite(v[j]))
					v[m++] = v[j];
			n = m;
		}
		if (process_estimate(d + metric * cap, n, &y[k]) == 0) {
			double sd = stats_sd(d + metric * cap, n);
			if (isfinite(sd))
				ss += (n - 1) * sd * sd, df += n - 1;
			np[k] = n;
			pairs += n;
			k++;
			free(keep);
			keep = xcalloc((size_t)n, sizeof(double));
			memcpy(keep, d + metric * cap, (size_t)n * sizeof(double));
			single = keep, single_n = n;
		}
		free(d);
	}
	/* Each process's standard error from the within-process variance pooled over processes (its
	 * own, from a few pairs, would be noise, and inverse-variance weights would follow the
	 * noise), with the HL estimator's asymptotic variance pi/3 sigma^2 / n under normality. */
	if (df > 0)
		pooled = ss / df;
	for (int j = 0; j < k; j++)
		se[j] = fmax(sqrt(pooled * M_PI / 3 / np[j]), 1e-9);
	o->n = pairs;
	if (k == 1) {
		/* One process: no between-process information; its own Wilcoxon interval. */
		stats_signed_rank(single, single_n, conf, &o->e);
	} else if (k > 1) {
		stats_random_effects(y, se, k, conf, &o->e, &tau2);
		o->e.n = pairs;
		o->e.exact = 0;
	} else {
		memset(&o->e, 0, sizeof(o->e));
		o->e.est = o->e.lo = o->e.hi = NAN;
	}
	if ((metric == MET_CPU_TOTAL || metric == SLOT_GAUGE || metric == SLOT_ONE) && k > 0) {
		o->e.est = 100 * expm1(o->e.est);
		o->e.lo = 100 * expm1(o->e.lo);
		o->e.hi = 100 * expm1(o->e.hi);
	}
	o->significant = o->e.ok && (o->e.lo > 0 || o->e.hi < 0);
	if (spread) {
		spread->processes = k;
		spread->pairs = pairs;
		spread->within_sd = 100 * sqrt(pooled);
		spread->between_sd = isfinite(tau2) ? 100 * sqrt(tau2) : NAN;
	}
	free(keep);
	free(y);
	free(se);
	free(np);
}

/* How the pairs' total CPU moves with the machine's speed (gauge.h): the spread of the gauge's
 * log ratio within a pair, and the share of the total's within-process variance that goes with
 * it (r^2 of the two, each centred on its process's mean).  Read, never used to adjust: the
 * gauge runs on the workload's CPUs, so a profiler can move it too (gauge_shift says by how
 * much), and an adjustment would then take part of the profiler's cost away. */
static void gauge_fit(const struct trial_result *trials, int ntrials, int config, struct arm_summary *s)
{
	double sxy = 0, sxx = 0, syy = 0;
	int n = 0, df = 0;
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		int cap = tr->nwindows / 2 + 1, m = 0, np;
		double *d, *x, *y, mx = 0, my = 0;
		if (tr->config != config || tr->state != TRIAL_OK || tr->nwindows < 2)
			continue;
		d = xcalloc((size_t)cap * NSLOTS, sizeof(double));
		np = trial_pairs(tr, d, cap);
		x = d + SLOT_GAUGE * cap, y = d + MET_CPU_TOTAL * cap;
		for (int j = 0; j < np; j++)
			if (isfinite(x[j]) && isfinite(y[j]))
				x[m] = x[j], y[m] = y[j], mx += x[j], my += y[j], m++;
		if (m >= 2) {
			mx /= m, my /= m;
			for (int j = 0; j < m; j++) {
				sxy += (x[j] - mx) * (y[j] - my);
				sxx += (x[j] - mx) * (x[j] - mx);
				syy += (y[j] - my) * (y[j] - my);
			}
			df += m - 1;
			n += m;
		}
		free(d);
	}
	/* Fewer: an r^2 and a shift from a handful of readings (an idle-class gauge starved beside
	 * CPU-bound twins) would be printed as if they meant something. */
	s->gauge_pairs = df >= GAUGE_MIN_DF ? n : 0;
	s->gauge_sd = df > 0 ? 100 * sqrt(sxx / df) : NAN;
	s->gauge_r2 = sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : NAN;
	s->gauge_slope = sxx > 0 ? sxy / sxx : NAN;
}

/* The off windows of one process as log CPU per unit, centred on the process's median (processes
 * differ; windows within one less); NaN where a window is on or has no figures.  n counts the
 * finite ones.  A malloc'd array of tr->nwindows. */
static double *off_levels(const struct trial_result *tr, int *n)
{
	double *lt = xcalloc((size_t)tr->nwindows, sizeof(double)), med;
	*n = 0;
	for (int w = 0; w < tr->nwindows; w++) {
		struct window_unit u;
		lt[w] = NAN;
		if (!tr->windows[w].arm && window_unit(tr, &tr->windows[w], &u) == 0)
			lt[w] = log(u.t), (*n)++;
	}
	med = stats_median(lt, tr->nwindows);
	for (int w = 0; w < tr->nwindows && *n; w++)
		lt[w] -= med;
	return lt;
}

/* The off windows of a's group against b's, over every process of the configuration: b - a as %
 * of CPU per unit, Wilcoxon rank-sum at 99.9% (a warning a correct harness raises once in a
 * thousand runs, not in twenty).  pick(tr, w) says 0 for a, 1 for b, -1 for neither. */
static void off_shift(const struct trial_result *trials, int ntrials, int config,
		      int (*pick)(const struct trial_result *tr, int w), struct stats_est *out)
{
	int cap = 0, na = 0, nb = 0;
	double *a, *b;
	memset(out, 0, sizeof(*out));
	out->est = out->lo = out->hi = NAN;
	for (int i = 0; i < ntrials; i++)
		if (trials[i].config == config && trials[i].state == TRIAL_OK)
			cap += trials[i].nwindows;
	if (!cap)
		return;
	a = xcalloc((size_t)cap, sizeof(double));
	b = xcalloc((size_t)cap, sizeof(double));
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		double *lt;
		int n;
		if (tr->config != config || tr->state != TRIAL_OK || tr->nwindows < 2)
			continue;
		lt = off_levels(tr, &n);
		for (int w = 0; w < tr->nwindows && n; w++) {
			int g = isfinite(lt[w]) ? pick(tr, w) : -1;
			if (g == 0)
				a[na++] = lt[w];
			else if (g == 1)
				b[nb++] = lt[w];
		}
		free(lt);
	}
	if (na >= 3 && nb >= 3 && stats_rank_sum(a, na, b, nb, 0.999, out) == 0) {
		out->est = 100 * expm1(out->est);
		out->lo = 100 * expm1(out->lo);
		out->hi = 100 * expm1(out->hi);
	}
	free(a);
	free(b);
}

/* carry-over: b = off windows right after an on window, a = the other off windows */
static int pick_after_on(const struct trial_result *tr, int w)
{
	return w > 0 && tr->windows[w - 1].arm;
}

/* warm-up: b = the first half's off windows, a = the second half's */
static int pick_first_half(const struct trial_result *tr, int w)
{
	return w < tr->nwindows / 2;
}

/* Off windows right after an on window against the process's other off windows. */
static void carryover(const struct trial_result *trials, int ntrials, int config, struct stats_est *out)
{
	off_shift(trials, ntrials, config, pick_after_on, out);
}

/* Memory: a switched profiler is attached (paused or not) for the whole process, and the off
 * arm has no process of its own, so what switchback can weigh is the profiler's own memory —
 * its peak RSS and the kernel memory its processes and the workload hold for profiling (perf
 * rings, BPF maps) — one value per process, as the sign-test median interval over processes.
 * Memory an agent adds inside the workload is not seen here: that needs process trials. */
static void profiler_memory(const struct trial_result *trials, int ntrials, int config, double conf,
			    struct arm_summary *s)
{
	double *v = xcalloc((size_t)ntrials + 1, sizeof(double)), *w = xcalloc((size_t)ntrials + 1, sizeof(double));
	int n = 0;
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		if (tr->config != config || tr->state != TRIAL_OK)
			continue;
		w[n] = (double)tr->profiler_rss_peak_bytes;
		v[n++] = (double)tr->profiler_rss_peak_bytes + (double)tr->profiler_kernel_bytes +
			 (double)tr->workload_kernel_bytes;
	}
	s->m[MET_MEMORY].n = n;
	if (n) {
		stats_sign_median(v, n, conf, &s->m[MET_MEMORY].e);
		s->m[MET_MEMORY].significant = s->m[MET_MEMORY].e.ok && s->m[MET_MEMORY].e.lo > 0;
		s->profiler_rss_bytes = stats_median(w, n);
	}
	free(v);
	free(w);
}

void switchback_analyse(const struct experiment *ex, const struct trial_result *trials, int ntrials, double conf,
			struct analysis *out)
{
	for (int c = 0; c < ex->nconfigs; c++) {
		struct arm_summary *s = &out->arms[c];
		const struct config *cf = &ex->configs[c];
		int base = plan_baseline(ex, cf->workload), nv = 0, cap = 0;
		double *cpu, *rate, *p99;
		s->config = c;
		s->workload_rss_bytes = s->profiler_rss_bytes = s->cv = NAN;
		s->bca_lo = s->bca_hi = NAN;
		s->unpaired.est = s->unpaired.lo = s->unpaired.hi = s->unpaired.p = NAN;
		s->ipc = s->mpki = s->branch_mpki = NAN;
		s->p50_us = s->p90_us = s->p99_us = s->p999_us = s->achieved_rate = s->target_rate = NAN;
		s->within_sd = s->between_sd = NAN;
		s->carryover.est = s->carryover.lo = s->carryover.hi = NAN;
		s->gauge_shift.e.est = s->gauge_shift.e.lo = s->gauge_shift.e.hi = NAN;
		s->gauge_sd = s->gauge_r2 = s->gauge_slope = NAN;
		s->twin_pairs = 0;
		s->one_process.e.est = s->one_process.e.lo = s->one_process.e.hi = s->one_sd = NAN;
		s->drift.est = s->drift.lo = s->drift.hi = NAN;
		for (int m = 0; m < MET_COUNT; m++)
			s->m[m].e.est = s->m[m].e.lo = s->m[m].e.hi = NAN;
		/* The baseline's figures are every process's off windows (of its workload); an arm's
		 * are its on windows. */
		for (int i = 0; i < ntrials; i++) {
			const struct trial_result *tr = &trials[i];
			if (tr->config == c) {
				s->trials++;
				s->ok += tr->state == TRIAL_OK;
				s->failed += tr->state != TRIAL_OK;
			}
			if (tr->state == TRIAL_OK && ex->configs[tr->config].workload == cf->workload)
				cap += tr->nwindows;
		}
		cpu = xcalloc((size_t)cap + 1, sizeof(double));
		rate = xcalloc((size_t)cap + 1, sizeof(double));
		p99 = xcalloc((size_t)cap + 1, sizeof(double));
		for (int i = 0; i < ntrials; i++) {
			const struct trial_result *tr = &trials[i];
			if (tr->state != TRIAL_OK || ex->configs[tr->config].workload != cf->workload ||
			    (c != base && tr->config != c))
				continue;
			for (int w = 0; w < tr->nwindows; w++) {
				struct window_unit u;
				if (tr->windows[w].arm != (c != base) || window_unit(tr, &tr->windows[w], &u) < 0)
					continue;
				cpu[nv] = u.w + u.p;
				p99[nv] = tr->windows[w].p99_us;
				rate[nv++] = u.rate;
			}
		}
		s->cpu_per_unit_ns = stats_median(cpu, nv);
		s->work_rate = stats_median(rate, nv);
		s->p99_us = stats_median(p99, nv);    /* NaN skipped; NaN when no window has one */
		s->has_latency = isfinite(s->p99_us);
		free(cpu);
		free(rate);
		free(p99);
		if (c == base)
			continue;
		for (int m = 0; m < NMETRICS; m++)
			if (m < NCPU_METRICS || m >= MET_P50)
				estimate_metric(trials, ntrials, c, m, conf, &s->m[m], m == MET_CPU_TOTAL ? s : NULL);
		gauge_fit(trials, ntrials, c, s);
		if (s->gauge_pairs >= 2) {
			estimate_metric(trials, ntrials, c, SLOT_GAUGE, conf, &s->gauge_shift, NULL);
			/* from a handful of readings per process the interval can span orders of
			 * magnitude (an idle-class gauge starved beside CPU-bound twins): no figure */
			if (!(s->gauge_shift.e.hi - s->gauge_shift.e.lo < 100))
				s->gauge_shift.e.ok = 0;
		}
		if (ex->twins) {
			struct arm_summary one = { 0 };
			estimate_metric(trials, ntrials, c, SLOT_ONE, conf, &s->one_process, &one);
			s->twin_pairs = one.pairs;
			s->one_sd = one.within_sd;
		}
		s->has_latency = s->m[MET_P50].n > 0;
		carryover(trials, ntrials, c, &s->carryover);
		off_shift(trials, ntrials, c, pick_first_half, &s->drift);
		profiler_memory(trials, ntrials, c, conf, s);
	}
}
