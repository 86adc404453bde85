/* analysis.c — paired per-block overheads with Hodges–Lehmann estimates and Wilcoxon intervals. */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "switchback.h"
#include "util.h"

const char *const metric_names[MET_COUNT] = {
	"cpu_total", "cpu_workload", "cpu_profiler", "cpu_unattributed", "memory", "throughput",
	"p50_us", "p90_us", "p99_us", "p999_us",
};

const char *metric_unit(enum metric m)
{
	return m == MET_MEMORY ? "bytes" : m >= MET_P50 ? "us" : "%";
}

int analysis_log_effect(const struct overhead *o, double conf, double *y, double *se)
{
	double z = stats_normal_quantile(1 - (1 - conf) / 2);
	if (!o->e.ok || !isfinite(o->e.lo) || !isfinite(o->e.hi) || o->e.lo <= -100)
		return -1;
	*y = log1p(o->e.est / 100);
	*se = (log1p(o->e.hi / 100) - log1p(o->e.lo / 100)) / (2 * z);
	return *se > 0 ? 0 : -1;
}

double trial_cpu_per_unit_ns(const struct trial_result *tr)
{
	double work = trial_work(tr);
	return work > 0 ? (double)(tr->workload_cpu_ns + tr->profiler_cpu_ns) / work : NAN;
}

/* The trial of configuration c in block b that finished, or NULL. */
static const struct trial_result *find(const struct trial_result *trials, int ntrials, int b, int c)
{
	for (int i = 0; i < ntrials; i++)
		if (trials[i].block == b && trials[i].config == c)
			return trials[i].state == TRIAL_OK ? &trials[i] : NULL;
	return NULL;
}

struct per_unit {
	double w, p, u, t, rate, rss;
	double lat[4];            /* p50, p90, p99, p99.9 in µs; NaN when the trial has none */
};

static int per_unit(const struct trial_result *tr, struct per_unit *pu)
{
	double work = trial_work(tr);
	if (!(work > 0) || !(tr->wall_s > 0))
		return -1;
	pu->w = (double)tr->workload_cpu_ns / work;
	pu->p = (double)tr->profiler_cpu_ns / work;
	pu->u = trial_unattributed_ns(tr) / work;
	pu->t = pu->w + pu->p + pu->u;
	pu->rate = work / tr->wall_s;
	/* Memory: peak RSS plus what the kernel holds for profiling that RSS leaves out. */
	pu->rss = (double)tr->workload_rss_peak_bytes + (double)tr->profiler_rss_peak_bytes +
		  (double)tr->workload_kernel_bytes + (double)tr->profiler_kernel_bytes;
	pu->lat[0] = tr->has_latency ? tr->p50_us : NAN;
	pu->lat[1] = tr->has_latency ? tr->p90_us : NAN;
	pu->lat[2] = tr->has_latency ? tr->p99_us : NAN;
	pu->lat[3] = tr->has_latency ? tr->p999_us : NAN;
	return 0;
}

/* The paired values of block b for configuration c against its baseline, every metric; -1
 * when the block has no usable pair.  CPU total and throughput are log ratios here. */
static int block_pair(const struct experiment *ex, const struct trial_result *trials, int ntrials, int b, int c,
		      double v[MET_COUNT])
{
	int base = plan_baseline(ex, ex->configs[c].workload);
	const struct trial_result *on = find(trials, ntrials, b, c), *off = find(trials, ntrials, b, base);
	struct per_unit a, o;
	double B;
	if (!on || !off || per_unit(on, &a) < 0 || per_unit(off, &o) < 0)
		return -1;
	B = o.w + o.p;
	if (!(B > 0) || !(a.t > 0) || !(o.t > 0) || !(a.rate > 0) || !(o.rate > 0))
		return -1;
	v[MET_CPU_TOTAL] = log(a.t / o.t);
	v[MET_CPU_WORKLOAD] = 100 * (a.w - o.w) / B;
	v[MET_CPU_PROFILER] = 100 * (a.p - o.p) / B;
	v[MET_CPU_UNATTRIBUTED] = 100 * (a.u - o.u) / B;
	v[MET_MEMORY] = a.rss - o.rss;
	v[MET_THROUGHPUT] = log(a.rate / o.rate);
	for (int k = 0; k < 4; k++)
		v[MET_P50 + k] = a.lat[k] - o.lat[k];   /* NaN when either has none: dropped later */
	return 0;
}

/* The blocks the trials span: what was run, which may be more than planned (a budget adds
 * blocks while its verdict is undecided) or fewer (an interrupted run). */
static int blocks_of(const struct trial_result *trials, int ntrials)
{
	int n = 0;
	for (int i = 0; i < ntrials; i++)
		if (trials[i].block + 1 > n)
			n = trials[i].block + 1;
	return n;
}

int analysis_block_values(const struct experiment *ex, const struct trial_result *trials, int ntrials, int config,
			  enum metric m, double *out)
{
	int n = 0;
	for (int b = 0, nb = blocks_of(trials, ntrials); b < nb; b++) {
		double v[MET_COUNT];
		if (block_pair(ex, trials, ntrials, b, config, v) == 0 && isfinite(v[m]))
			out[n++] = v[m];
	}
	return n;
}

static void estimate(const double *d, int n, double conf, int metric, struct overhead *o)
{
	int log_ratio = metric == MET_CPU_TOTAL || metric == MET_THROUGHPUT;
	int finite = 0;
	for (int i = 0; i < n; i++)
		finite += isfinite(d[i]);
	o->n = finite;
	if (finite == 0) {
		memset(&o->e, 0, sizeof(o->e));
		o->e.est = o->e.lo = o->e.hi = NAN;
		return;
	}
	/* RSS moves in whole pages, so memory deltas tie often: the sign-test median interval
	 * stays valid under ties where the signed-rank one cannot reach the confidence. */
	if (metric == MET_MEMORY)
		stats_sign_median(d, n, conf, &o->e);
	else
		stats_signed_rank(d, n, conf, &o->e);
	if (log_ratio) {
		/* HL and the interval are equivariant under monotone maps of a location: map the
		 * log-ratio location back to a percentage. */
		o->e.est = 100 * expm1(o->e.est);
		o->e.lo = 100 * expm1(o->e.lo);
		o->e.hi = 100 * expm1(o->e.hi);
	}
	o->significant = o->e.ok && (o->e.lo > 0 || o->e.hi < 0);
}

static double hl_statistic(const double *x, int n)
{
	struct stats_est e;
	stats_signed_rank(x, n, 0.95, &e);
	return e.est;
}

static void cross_check(const struct experiment *ex, const struct trial_result *trials, int ntrials, double conf,
			struct arm_summary *s, const double *d, int nd)
{
	int base = plan_baseline(ex, ex->configs[s->config].workload), nx = 0, ny = 0;
	double *x = xcalloc((size_t)ntrials + 1, sizeof(double)), *y = xcalloc((size_t)ntrials + 1, sizeof(double));
	s->bca_lo = s->bca_hi = NAN;
	/* Fixed seed: the same results give the same cross-check. */
	if (nd >= 3 && stats_bca(d, nd, hl_statistic, 2000, 0x7a7e, conf, &s->bca_lo, &s->bca_hi) == 0) {
		s->bca_lo = 100 * expm1(s->bca_lo);
		s->bca_hi = 100 * expm1(s->bca_hi);
	}
	for (int i = 0; i < ntrials; i++) {
		struct per_unit pu;
		if (trials[i].state != TRIAL_OK || per_unit(&trials[i], &pu) < 0 || !(pu.t > 0))
			continue;
		if (trials[i].config == base)
			x[nx++] = log(pu.t);
		else if (trials[i].config == s->config)
			y[ny++] = log(pu.t);
	}
	stats_rank_sum(x, nx, y, ny, conf, &s->unpaired);
	s->unpaired.est = 100 * expm1(s->unpaired.est);
	s->unpaired.lo = 100 * expm1(s->unpaired.lo);
	s->unpaired.hi = 100 * expm1(s->unpaired.hi);
	free(x);
	free(y);
}

static int counter_index(const struct analysis *an, int n, const char *name)
{
	for (int i = 0; an->counter_names && i < n; i++)
		if (an->counter_names[i] && !strcmp(an->counter_names[i], name))
			return i;
	return -1;
}

/* Ratio of two counters in one trial, for IPC and misses per kilo-instruction. */
static double trial_ratio(const struct trial_result *tr, int num, int den, double scale)
{
	if (num < 0 || den < 0 || !isfinite(tr->counter_value[num]) || !(tr->counter_value[den] > 0))
		return NAN;
	return scale * tr->counter_value[num] / tr->counter_value[den];
}

static void summarize_counters(const struct experiment *ex, const struct trial_result *trials, int ntrials,
			       double conf, const struct analysis *an, struct arm_summary *s)
{
	int base = plan_baseline(ex, ex->configs[s->config].workload), n = 0;
	int cyc, ins, cm, bm;
	double *v = xcalloc((size_t)ntrials + (size_t)blocks_of(trials, ntrials) + 1, sizeof(double));
	double *ipc = xcalloc((size_t)ntrials + 1, sizeof(double)), *mpki = xcalloc((size_t)ntrials + 1, sizeof(double));
	double *bmpki = xcalloc((size_t)ntrials + 1, sizeof(double));
	int nr = 0;
	for (int i = 0; i < ntrials; i++)
		if (trials[i].state == TRIAL_OK && trials[i].ncounters > n)
			n = trials[i].ncounters;
	s->ncounters = n;
	cyc = counter_index(an, n, "cycles");
	ins = counter_index(an, n, "instructions");
	cm = counter_index(an, n, "cache-misses");
	bm = counter_index(an, n, "branch-misses");
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		if (tr->config != s->config || tr->state != TRIAL_OK)
			continue;
		ipc[nr] = trial_ratio(tr, ins, cyc, 1);
		mpki[nr] = trial_ratio(tr, cm, ins, 1000);
		bmpki[nr] = trial_ratio(tr, bm, ins, 1000);
		nr++;
	}
	s->ipc = stats_median(ipc, nr);
	s->mpki = stats_median(mpki, nr);
	s->branch_mpki = stats_median(bmpki, nr);
	for (int k = 0; k < n; k++) {
		int nv = 0, nd = 0;
		double base_median;
		for (int i = 0; i < ntrials; i++) {
			const struct trial_result *tr = &trials[i];
			if (tr->config == s->config && tr->state == TRIAL_OK && trial_work(tr) > 0)
				v[nv++] = tr->counter_value[k] / trial_work(tr);   /* NaN stays NaN: skipped */
		}
		s->counter_per_unit[k] = stats_median(v, nv);
		s->counter_relative[0][k] = s->counter_relative[1][k] = s->counter_relative[2][k] = NAN;
		if (s->config == base)
			continue;
		nv = 0;
		for (int i = 0; i < ntrials; i++) {
			const struct trial_result *tr = &trials[i];
			if (tr->config == base && tr->state == TRIAL_OK && trial_work(tr) > 0)
				v[nv++] = tr->counter_value[k] / trial_work(tr);
		}
		base_median = stats_median(v, nv);
		for (int b = 0, nb = blocks_of(trials, ntrials); b < nb; b++) {
			const struct trial_result *on = find(trials, ntrials, b, s->config), *off = find(trials, ntrials, b, base);
			if (on && off && trial_work(on) > 0 && trial_work(off) > 0)
				v[nd++] = on->counter_value[k] / trial_work(on) - off->counter_value[k] / trial_work(off);
		}
		estimate(v, nd, conf, MET_CPU_WORKLOAD, &s->counter[k]);
		if (base_median > 0 && s->counter[k].n) {
			s->counter_relative[0][k] = 100 * s->counter[k].e.est / base_median;
			s->counter_relative[1][k] = s->counter[k].e.ok ? 100 * s->counter[k].e.lo / base_median : NAN;
			s->counter_relative[2][k] = s->counter[k].e.ok ? 100 * s->counter[k].e.hi / base_median : NAN;
		}
	}
	free(v);
	free(ipc);
	free(mpki);
	free(bmpki);
}

static void summarize_arm(const struct experiment *ex, const struct trial_result *trials, int ntrials,
			  double conf, struct arm_summary *s)
{
	const struct config *cf = &ex->configs[s->config];
	int base = plan_baseline(ex, cf->workload);
	double *d[MET_COUNT], *cpu, *rate, *wrss, *prss, *z;
	int nd = 0, nv = 0, nl[4] = { 0 };
	double *lat[4], *rates, *targets;
	for (int m = 0; m < MET_COUNT; m++)
		d[m] = xcalloc((size_t)blocks_of(trials, ntrials) + 1, sizeof(double));
	cpu = xcalloc((size_t)ntrials + 1, sizeof(double));
	rate = xcalloc((size_t)ntrials + 1, sizeof(double));
	wrss = xcalloc((size_t)ntrials + 1, sizeof(double));
	prss = xcalloc((size_t)ntrials + 1, sizeof(double));
	z = xcalloc((size_t)ntrials + 1, sizeof(double));
	for (int k = 0; k < 4; k++)
		lat[k] = xcalloc((size_t)ntrials + 1, sizeof(double));
	rates = xcalloc((size_t)ntrials + 1, sizeof(double));
	targets = xcalloc((size_t)ntrials + 1, sizeof(double));

	for (int i = 0; i < ntrials; i++) {
		struct per_unit pu;
		if (trials[i].config != s->config)
			continue;
		s->trials++;
		if (trials[i].state == TRIAL_FAILED)
			s->failed++;
		if (trials[i].state != TRIAL_OK || per_unit(&trials[i], &pu) < 0)
			continue;
		s->ok++;
		cpu[nv] = pu.w + pu.p;
		rate[nv] = pu.rate;
		wrss[nv] = (double)trials[i].workload_rss_peak_bytes;
		prss[nv] = (double)trials[i].profiler_rss_peak_bytes;
		if (trials[i].has_latency) {
			s->has_latency = 1;
			for (int k = 0; k < 4; k++)
				if (isfinite(pu.lat[k]))
					lat[k][nl[k]++] = pu.lat[k];
			rates[nl[0] - 1] = trials[i].achieved_rate;
			targets[nl[0] - 1] = trials[i].target_rate;
		}
		nv++;
	}
	s->cpu_per_unit_ns = nv ? stats_median(cpu, nv) : NAN;
	s->work_rate = nv ? stats_median(rate, nv) : NAN;
	s->workload_rss_bytes = nv ? stats_median(wrss, nv) : NAN;
	s->profiler_rss_bytes = nv ? stats_median(prss, nv) : NAN;
	s->cv = nv >= 2 ? stats_cv(cpu, nv) : NAN;
	s->p50_us = nl[0] ? stats_median(lat[0], nl[0]) : NAN;
	s->p90_us = nl[1] ? stats_median(lat[1], nl[1]) : NAN;
	s->p99_us = nl[2] ? stats_median(lat[2], nl[2]) : NAN;
	s->p999_us = nl[3] ? stats_median(lat[3], nl[3]) : NAN;
	s->achieved_rate = nl[0] ? stats_median(rates, nl[0]) : NAN;
	s->target_rate = nl[0] ? stats_median(targets, nl[0]) : NAN;
	if (nv >= 3) {
		stats_modified_z(cpu, nv, z);
		for (int i = 0; i < nv; i++)
			s->outliers += fabs(z[i]) > 3.5;
	}

	if (s->config != base) {
		for (int b = 0, nb = blocks_of(trials, ntrials); b < nb; b++) {
			double v[MET_COUNT];
			if (block_pair(ex, trials, ntrials, b, s->config, v) < 0)
				continue;
			for (int m = 0; m < MET_COUNT; m++)
				d[m][nd] = v[m];
			nd++;
		}
		for (int m = 0; m < MET_COUNT; m++)
			estimate(d[m], nd, conf, m, &s->m[m]);
		cross_check(ex, trials, ntrials, conf, s, d[MET_CPU_TOTAL], nd);
	}
	for (int m = 0; m < MET_COUNT; m++)
		free(d[m]);
	free(cpu);
	free(rate);
	free(wrss);
	free(prss);
	free(z);
	for (int k = 0; k < 4; k++)
		free(lat[k]);
	free(rates);
	free(targets);
}

/* Each profile's samples in the parts of its workload's known split, summed over its trials,
 * against the truth.  Pooling the trials' samples treats them as one binomial sample of the
 * workload's CPU time; a part's error is judged in its own standard errors, so cpu_cold's 10%
 * gets a narrower bound than cpu_hot's 70%. */
static void judge_parts(const struct experiment *ex, const struct trial_result *trials, int ntrials, struct analysis *out)
{
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		struct arm_summary *s = &out->arms[tr->config];
		if (tr->state != TRIAL_OK || tr->profile_parts.n != ex->workloads[ex->configs[tr->config].workload].truth.n)
			continue;
		s->parts_trials++;
		for (int k = 0; k < tr->profile_parts.n; k++)
			s->parts_samples[k] += tr->profile_parts.count[k], s->parts_n += tr->profile_parts.count[k];
	}
	for (int c = 0; c < out->narms; c++) {
		struct arm_summary *s = &out->arms[c];
		const struct truth_split *t = &ex->workloads[ex->configs[c].workload].truth;
		double worst = -1;
		if (!(s->parts_n > 0))
			continue;
		s->parts_within = 1;
		s->parts_max_error_pts = 0;
		for (int k = 0; k < t->n; k++) {
			double p = t->part[k].pct / 100, n = (double)s->parts_n;
			double err = fabs(100 * (double)s->parts_samples[k] / n - t->part[k].pct);
			double bound = 100 * PARTS_BOUND_SE * sqrt(p * (1 - p) / n) + PARTS_BOUND_PTS;
			s->parts_max_error_pts = fmax(s->parts_max_error_pts, err);
			s->parts_within &= err <= bound;
			if (err / bound > worst)
				worst = err / bound, s->parts_worst = k, s->parts_bound_pts = bound;
		}
	}
}

/* Requests and errors, and what the profilers recorded: sums over the trials measured. */
static void sum_trials(const struct experiment *ex, const struct trial_result *trials, int ntrials, struct analysis *out)
{
	judge_parts(ex, trials, ntrials, out);
	double *self = xcalloc((size_t)ntrials + 1, sizeof(double));
	for (int c = 0; c < out->narms; c++) {
		int n = 0;
		for (int i = 0; i < ntrials; i++)
			if (trials[i].config == c && trials[i].state == TRIAL_OK && isfinite(trials[i].profile_self_pct))
				self[n++] = trials[i].profile_self_pct;
		out->arms[c].self_pct = n ? stats_median(self, n) : NAN;
	}
	free(self);
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		struct arm_summary *s = &out->arms[tr->config];
		if (tr->state != TRIAL_OK)
			continue;
		s->requests += tr->requests;
		s->request_errors += tr->request_errors;
		if (tr->profile_samples >= 0)
			s->profile_counted++, s->profile_empty += tr->profile_samples == 0;
		if (tr->profile_samples >= 0 && isfinite(tr->profile_expected)) {
			s->profile_samples += (double)tr->profile_samples, s->profile_expected += tr->profile_expected;
			s->profile_rated++;
			s->profile_sparse += tr->profile_expected >= 10 && (double)tr->profile_samples < 0.25 * tr->profile_expected;
		}
	}
}

/* The first half of each window against its second: % CPU per unit. */
static void steady_state(const struct trial_result *trials, int ntrials, struct arm_summary *s)
{
	double *d = xcalloc((size_t)ntrials + 1, sizeof(double)), mean, sd, crit;
	int n = 0;
	const double conf = 0.999;
	for (int i = 0; i < ntrials; i++) {
		const struct trial_result *tr = &trials[i];
		double work, half, first, second;
		if (tr->config != s->config || tr->state != TRIAL_OK || !(tr->half_wall_s > 0))
			continue;
		work = trial_work(tr);
		half = tr->unit[0] ? (double)tr->half_units : tr->half_wall_s;
		if (!(half > 0) || !(work - half > 0) || tr->half_cpu_ns == 0 ||
		    tr->workload_cpu_ns + tr->profiler_cpu_ns <= tr->half_cpu_ns)
			continue;
		first = (double)tr->half_cpu_ns / half;
		second = (double)(tr->workload_cpu_ns + tr->profiler_cpu_ns - tr->half_cpu_ns) / (work - half);
		d[n++] = log(first / second);
	}
	memset(&s->steady, 0, sizeof(s->steady));
	s->steady.n = n;
	s->steady.conf = conf;
	s->steady.est = s->steady.lo = s->steady.hi = NAN;
	if (n >= 3) {
		mean = stats_mean(d, n);
		sd = stats_sd(d, n);
		crit = stats_t_quantile(1 - (1 - conf) / 2, n - 1);
		/* on the log scale, where a ratio's noise is symmetric; shown as percent */
		s->steady.est = 100 * expm1(mean);
		s->steady.lo = 100 * expm1(mean - crit * sd / sqrt(n));
		s->steady.hi = 100 * expm1(mean + crit * sd / sqrt(n));
		s->steady.ok = isfinite(s->steady.lo);
	}
	free(d);
}

void analysis_run(const struct experiment *ex, const struct trial_result *trials, int ntrials,
		  double conf, struct analysis *out)
{
	const char *const *names = out->counter_names;
	memset(out, 0, sizeof(*out));
	out->counter_names = names;
	out->conf = conf;
	out->narms = ex->nconfigs;
	out->arms = xcalloc((size_t)ex->nconfigs, sizeof(*out->arms));
	if (ex->design == DESIGN_SWITCHBACK) {
		switchback_analyse(ex, trials, ntrials, conf, out);
		sum_trials(ex, trials, ntrials, out);
		return;
	}
	for (int c = 0; c < ex->nconfigs; c++) {
		out->arms[c].config = c;
		summarize_arm(ex, trials, ntrials, conf, &out->arms[c]);
		summarize_counters(ex, trials, ntrials, conf, out, &out->arms[c]);
		steady_state(trials, ntrials, &out->arms[c]);
	}
	sum_trials(ex, trials, ntrials, out);
	/* How many blocks would resolve each total-CPU overhead to +-0.5 percentage points, or to
	 * a tenth of itself when it is large (nobody needs +-0.5 points of an 80% overhead)? */
	for (int c = 0; c < ex->nconfigs; c++) {
		const struct overhead *o = &out->arms[c].m[MET_CPU_TOTAL];
		double *d, want;
		int nd, k;
		if (c == plan_baseline(ex, ex->configs[c].workload) || o->n < 2)
			continue;
		want = fmax(0.5, 0.1 * fabs(o->e.est));
		if (o->e.ok && (o->e.hi - o->e.lo) / 2 <= want)
			continue;
		d = xcalloc((size_t)blocks_of(trials, ntrials) + 1, sizeof(double));
		nd = analysis_block_values(ex, trials, ntrials, c, MET_CPU_TOTAL, d);
		for (int i = 0; i < nd; i++)
			d[i] *= 100;   /* log ratio to percentage points, near enough at these sizes */
		k = stats_blocks_needed(d, nd, want, conf);
		if (k > out->blocks_suggested)
			out->blocks_suggested = k;
		free(d);
	}
}

void analysis_free(struct analysis *a)
{
	free(a->arms);
	a->arms = NULL;
	a->narms = 0;
}
