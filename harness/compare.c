/* compare.c — tare compare: a current run against a baseline run (compare.h has the method): the
 * gates, the matching, the rows and their verdicts, and the command; compare_output.c writes them. */
#include "compare.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"
#include "json_io.h"

/* ---- budgets and tolerances ------------------------------------------------------------- */

/* Tolerances on an arm's own figures have names of their own: a profiler's CI gates on the
 * overhead change (paired within each run, so it survives a change of CI machine), a
 * service's CI on its own CPU per unit (which does not).  budget.h parses the amounts. */
static const struct {
	const char *name, *as;
	enum cmp_figure figure;
} figure_names[] = {
	{ "cpu_per_unit", "cpu", FIG_CPU_PER_UNIT }, { "p99_latency", "p99", FIG_P99 }, { "peak_rss", "memory", FIG_RSS },
};

static int figure_index(const char *name)
{
	for (size_t i = 0; i < sizeof(figure_names) / sizeof(figure_names[0]); i++)
		if (!strcmp(name, figure_names[i].name))
			return (int)i;
	return -1;
}

/* "budget: ..." from budget.h becomes "WHAT: ...": name the option the user wrote. */
static void rename_error(const char *what, char *err, size_t errlen)
{
	if (!strncmp(err, "budget:", 7)) {
		char *msg = xasprintf("%s:%s", what, err + 7);
		snprintf(err, errlen, "%s", msg);
		free(msg);
	}
}

static int parse_item(struct budget *over, struct budget *own, char *tok, char *err, size_t errlen)
{
	char *sep = strpbrk(tok, ":=");
	int fi;
	if (!sep) {
		snprintf(err, errlen, "budget: '%s': expected metric:amount, e.g. cpu:0.5%%,p99:10%%,memory:5MB", tok);
		return -1;
	}
	*sep = '\0';
	fi = own ? figure_index(tok) : -1;
	if (fi < 0) {
		int rc = budget_add(over, tok, sep + 1, err, errlen);
		if (rc < 0 && own && !strncmp(err, "budget: unknown metric", 22)) {
			size_t n = strlen(err);
			if (n > 0 && err[n - 1] == ')')
				snprintf(err + n - 1, errlen - (n - 1), "; an arm's own: cpu_per_unit, p99_latency, peak_rss)");
		}
		return rc;
	}
	if (budget_add(own, figure_names[fi].as, sep + 1, err, errlen) < 0) {
		enum cmp_figure f = figure_names[fi].figure;
		snprintf(err, errlen, "budget: %s = '%s': expected %s", tok, sep + 1,
			 f == FIG_RSS ? "bytes such as 5MB" : f == FIG_P99 ? "a percentage or a time such as 50us" : "a percentage");
		return -1;
	}
	return 0;
}

/* A list "a:x,b:y" into over (overhead metrics) and own (arm figures; NULL: not allowed). */
static int parse_gate(struct budget *over, struct budget *own, const char *what, const char *list, char *err,
		      size_t errlen)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	int rc = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
		rc = parse_item(over, own, tok, err, errlen);
	free(copy);
	if (!rc && over->n + (own ? own->n : 0) == 0) {
		snprintf(err, errlen, "budget: '%s': expected metric:amount, e.g. cpu:0.5%%,p99:10%%,memory:5MB", list);
		rc = -1;
	}
	if (rc)
		rename_error(what, err, errlen);
	return rc ? EXIT_USAGE : 0;
}

int compare_set_gates(struct comparison *cmp, const char *budget, const char *tolerance, char *err, size_t errlen)
{
	if (budget && parse_gate(&cmp->budget, NULL, "budget", budget, err, errlen))
		return EXIT_USAGE;
	if (tolerance && parse_gate(&cmp->tolerance, &cmp->tolerance_own, "tolerance", tolerance, err, errlen))
		return EXIT_USAGE;
	cmp->budget_text = budget;
	cmp->tolerance_text = tolerance;
	return 0;
}

static const struct budget_item *gate_item(const struct budget *b, enum metric m)
{
	for (int i = 0; i < b->n; i++)
		if (b->items[i].metric == m)
			return &b->items[i];
	return NULL;
}

/* ---- matching the runs ------------------------------------------------------------------ */

const char *cmp_workload_label(const struct loaded_results *lr, int config)
{
	return lr->ex.workloads[lr->ex.configs[config].workload].label;
}

static int find_config(const struct loaded_results *lr, const char *label, const char *wl_label)
{
	for (int c = 0; c < lr->ex.nconfigs; c++)
		if (!strcmp(lr->ex.configs[c].label, label) && !strcmp(cmp_workload_label(lr, c), wl_label))
			return c;
	return -1;
}

static int find_workload(const struct experiment *ex, const char *label)
{
	for (int w = 0; w < ex->nworkloads; w++)
		if (!strcmp(ex->workloads[w].label, label))
			return w;
	return -1;
}

/* "'a', 'b'": labels of the workloads (configs = 0) or configurations, for an error line. */
static void join_labels(const struct experiment *ex, int configs, char *buf, size_t len)
{
	size_t off = 0;
	int n = configs ? ex->nconfigs : ex->nworkloads;
	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s'%s'", i ? ", " : "",
					configs ? ex->configs[i].label : ex->workloads[i].label);
}

/* A workload of the same label must be the same workload: another unit of work, or another
 * value of an option both runs recorded, makes per-unit figures incomparable.  Options only
 * one side recorded are let through: an adapter may have gained one since. */
static int same_workload(const struct loaded_results *b, const struct workload *wb, const struct loaded_results *c,
			 const struct workload *wc, char *err, size_t errlen)
{
	const char *ub = wb->unit ? wb->unit : "", *uc = wc->unit ? wc->unit : "";
	if (strcmp(ub, uc)) {
		snprintf(err, errlen, "%s: workload '%s' counts its work in '%s', in %s it counts '%s': different workloads",
			 c->path, wc->label, uc, b->path, ub);
		return EXIT_USAGE;
	}
	for (int i = 0; i < wc->opts.n; i++) {
		const char *v = kvlist_get(&wb->opts, wc->opts.v[i].key);
		if (v && strcmp(v, wc->opts.v[i].value)) {
			snprintf(err, errlen, "%s: workload '%s' ran with %s=%s, in %s with %s=%s: different workloads", c->path,
				 wc->label, wc->opts.v[i].key, wc->opts.v[i].value, b->path, wc->opts.v[i].key, v);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int check_workloads(const struct loaded_results *b, const struct loaded_results *c, char *err, size_t errlen)
{
	int common = 0;
	for (int w = 0; w < c->ex.nworkloads; w++) {
		int bw = find_workload(&b->ex, c->ex.workloads[w].label);
		if (bw < 0)
			continue;
		common++;
		if (same_workload(b, &b->ex.workloads[bw], c, &c->ex.workloads[w], err, errlen))
			return EXIT_USAGE;
	}
	if (!common) {
		char bl[512], cl[512];
		join_labels(&b->ex, 0, bl, sizeof(bl));
		join_labels(&c->ex, 0, cl, sizeof(cl));
		snprintf(err, errlen, "%s: ran workload %s, %s ran %s: different workloads, nothing to compare", c->path, cl,
			 b->path, bl);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- rows ------------------------------------------------------------------------------- */

static struct cmp_row *add_row(struct comparison *cmp, int bc, int cc)
{
	struct cmp_row *r;
	if (cmp->nrows == cmp->cap) {
		cmp->cap = cmp->cap ? 2 * cmp->cap : 32;
		cmp->rows = xrealloc(cmp->rows, (size_t)cmp->cap * sizeof(*cmp->rows));
	}
	r = &cmp->rows[cmp->nrows++];
	memset(r, 0, sizeof(*r));
	r->base_config = bc;
	r->cur_config = cc;
	r->base.est = r->base.lo = r->base.hi = NAN;
	r->cur = r->base;
	r->change = (struct stats_est){ .est = NAN, .lo = NAN, .hi = NAN, .p = NAN };
	return r;
}

static void side_overhead(const struct overhead *o, struct cmp_value *v)
{
	v->n = o->n;
	v->ok = o->n && o->e.ok;
	v->est = o->n ? o->e.est : NAN;
	v->lo = v->ok ? o->e.lo : NAN;
	v->hi = v->ok ? o->e.hi : NAN;
}

/* Two-sample HL shift y - x with its rank-sum interval; NaN when a side is empty. */
static void shift(const double *x, int nx, const double *y, int ny, double conf, struct stats_est *out)
{
	if (stats_rank_sum(x, nx, y, ny, conf, out) < 0 || !out->ok)
		out->lo = out->hi = NAN;
}

/* Map a shift through a monotone increasing f with f(0) = 0 (log scale to percent, log ratio to
 * points): HL and the rank-sum interval are equivariant under it, and the sign is kept. */
static void map_change(struct cmp_row *r, double scale, double (*f)(double))
{
	r->change.est = scale * f(r->change.est);
	r->change.lo = scale * f(r->change.lo);
	r->change.hi = scale * f(r->change.hi);
}

static void settle(struct cmp_row *r)
{
	r->significant = r->change.ok && (r->change.lo > 0 || r->change.hi < 0);
}

static int is_log_ratio(enum metric m)
{
	return m == MET_CPU_TOTAL || m == MET_THROUGHPUT;
}

/* A switchback run's overheads come from its processes' window pairs, not from per-block values:
 * the change is the difference of the two runs' estimates, independent of each other, with the
 * root sum of squares of their half-widths (both at cmp->conf; exact when their t quantiles
 * match, as equal process counts give them) and a normal p-value. */
static void estimate_difference(struct comparison *cmp, struct cmp_row *r)
{
	double hb, hc, h, z = stats_normal_quantile(1 - (1 - cmp->conf) / 2);
	if (!r->base.ok || !r->cur.ok)
		return;
	hb = (r->base.hi - r->base.lo) / 2, hc = (r->cur.hi - r->cur.lo) / 2, h = sqrt(hb * hb + hc * hc);
	r->change.est = r->cur.est - r->base.est;
	r->change.lo = r->change.est - h;
	r->change.hi = r->change.est + h;
	r->change.p = h > 0 ? 2 * stats_normal_cdf(-fabs(r->change.est) / (h / z)) : NAN;
	r->change.conf = cmp->conf;
	r->change.ok = h > 0;
}

static void overhead_change(struct comparison *cmp, struct cmp_row *r)
{
	const struct loaded_results *b = cmp->base, *c = cmp->cur;
	double *x, *y;
	int nx, ny;
	if (b->ex.design == DESIGN_SWITCHBACK || c->ex.design == DESIGN_SWITCHBACK) {
		estimate_difference(cmp, r);
		settle(r);
		return;
	}
	x = xcalloc((size_t)b->ex.blocks + 1, sizeof(double)), y = xcalloc((size_t)c->ex.blocks + 1, sizeof(double));
	nx = analysis_block_values(&b->ex, b->trials, b->ntrials, r->base_config, r->metric, x);
	ny = analysis_block_values(&c->ex, c->trials, c->ntrials, r->cur_config, r->metric, y);
	shift(x, nx, y, ny, cmp->conf, &r->change);
	if (is_log_ratio(r->metric)) {
		/* A shift s of the log ratio multiplies the baseline's factor 1 + o_base by exp(s):
		 * in points of the off arm's CPU that is 100 (1 + o_base) (exp(s) - 1), monotone in
		 * s, so the interval maps through too. */
		map_change(r, 100 * (1 + r->base.est / 100), expm1);
	}
	settle(r);
	free(x);
	free(y);
}

/* Overhead row; a side whose arm is its run's baseline has no overhead (and no change). */
static void overhead_row(struct comparison *cmp, int bc, int cc, enum metric m)
{
	struct cmp_row *r = add_row(cmp, bc, cc);
	r->metric = m;
	side_overhead(&cmp->cur_an.arms[cc].m[m], &r->cur);
	if (bc < 0 || cmp->base->ex.configs[bc].baseline)
		return;
	side_overhead(&cmp->base_an.arms[bc].m[m], &r->base);
	overhead_change(cmp, r);
}

/* Per-trial values of an arm's own figure: logs of CPU per unit and p99, RSS in bytes. */
static int arm_figures(const struct loaded_results *lr, int config, enum cmp_figure f, double *out)
{
	int n = 0;
	for (int i = 0; i < lr->ntrials; i++) {
		const struct trial_result *tr = &lr->trials[i];
		double v = NAN;
		if (tr->config != config || tr->state != TRIAL_OK)
			continue;
		if (f == FIG_CPU_PER_UNIT)
			v = log(trial_cpu_per_unit_ns(tr));
		else if (f == FIG_P99 && tr->has_latency && tr->p99_us > 0)
			v = log(tr->p99_us);
		else if (f == FIG_RSS && tr->workload_rss_peak_bytes)
			v = (double)tr->workload_rss_peak_bytes + (double)tr->profiler_rss_peak_bytes;
		if (isfinite(v))
			out[n++] = v;
	}
	return n;
}

/* A side's location: HL over trials on the log scale, mapped back; RSS moves in whole pages
 * and ties, so its median gets the sign-test interval (as analysis.c does for memory). */
static void side_absolute(const double *v, int n, enum cmp_figure f, double conf, struct cmp_value *out)
{
	struct stats_est e;
	out->n = n;
	if (n == 0)
		return;
	if (f == FIG_RSS)
		stats_sign_median(v, n, conf, &e);
	else
		stats_signed_rank(v, n, conf, &e);
	out->ok = e.ok;
	out->est = f == FIG_RSS ? e.est : exp(e.est);
	out->lo = !e.ok ? NAN : f == FIG_RSS ? e.lo : exp(e.lo);
	out->hi = !e.ok ? NAN : f == FIG_RSS ? e.hi : exp(e.hi);
}

static void absolute_row(struct comparison *cmp, int bc, int cc, enum cmp_figure f)
{
	const struct loaded_results *b = cmp->base, *c = cmp->cur;
	double *x = xcalloc((size_t)b->ntrials + 1, sizeof(double)), *y = xcalloc((size_t)c->ntrials + 1, sizeof(double));
	int nx = arm_figures(b, bc, f, x), ny = arm_figures(c, cc, f, y);
	struct cmp_row *r;
	/* Latency only where a side has it, or a gate asks for it (and then learns there is none). */
	if (f == FIG_P99 && !nx && !ny && !gate_item(&cmp->tolerance_own, MET_P99))
		goto out;
	r = add_row(cmp, bc, cc);
	r->absolute = 1;
	r->figure = f;
	side_absolute(x, nx, f, cmp->conf, &r->base);
	side_absolute(y, ny, f, cmp->conf, &r->cur);
	shift(x, nx, y, ny, cmp->conf, &r->change);
	/* A shift of logs is a ratio: report it as a percentage of the baseline. */
	if (f != FIG_RSS)
		map_change(r, 100, expm1);
	settle(r);
out:
	free(x);
	free(y);
}

static int gated(const struct comparison *cmp, enum metric m)
{
	return gate_item(&cmp->budget, m) || gate_item(&cmp->tolerance, m);
}

/* Latency rows only where either side measured that percentile, or a gate names it. */
static int metric_wanted(const struct comparison *cmp, int bc, int cc, enum metric m)
{
	if (m < MET_P50 || gated(cmp, m))
		return 1;
	return cmp->cur_an.arms[cc].m[m].n || (bc >= 0 && cmp->base_an.arms[bc].m[m].n);
}

static void pair_rows(struct comparison *cmp, int bc, int cc)
{
	if (!cmp->cur->ex.configs[cc].baseline)
		for (int m = 0; m < MET_COUNT; m++)
			if (metric_wanted(cmp, bc, cc, (enum metric)m))
				overhead_row(cmp, bc, cc, (enum metric)m);
	for (int f = 0; f < FIG_COUNT; f++)
		absolute_row(cmp, bc, cc, (enum cmp_figure)f);
}

/* A configuration only the current run has is still held to the budget: a profiler
 * configuration added in the same change must not slip past the gate. */
static void current_only_rows(struct comparison *cmp, int cc)
{
	if (cmp->cur->ex.configs[cc].baseline)
		return;
	for (int i = 0; i < cmp->budget.n; i++)
		overhead_row(cmp, -1, cc, cmp->budget.items[i].metric);
}

static void build_rows(struct comparison *cmp)
{
	const struct loaded_results *b = cmp->base, *c = cmp->cur;
	for (int bc = 0; bc < b->ex.nconfigs; bc++) {
		int cc = find_config(c, b->ex.configs[bc].label, cmp_workload_label(b, bc));
		if (cc < 0)
			ptrvec_push(&cmp->only_base, b->ex.configs[bc].label);
		else
			pair_rows(cmp, bc, cc);
	}
	for (int cc = 0; cc < c->ex.nconfigs; cc++)
		if (find_config(b, c->ex.configs[cc].label, cmp_workload_label(c, cc)) < 0) {
			ptrvec_push(&cmp->only_cur, c->ex.configs[cc].label);
			current_only_rows(cmp, cc);
		}
}

/* ---- verdicts --------------------------------------------------------------------------- */

/* budget.h's rule on an increase: PASS when the upper bound is within the limit, FAIL when
 * the lower bound is beyond it, INCONCLUSIVE when the limit lies inside the interval. */
static enum verdict decide(double lo, double hi, double limit)
{
	if (!isfinite(lo) || !isfinite(hi) || !isfinite(limit))
		return V_INCONCLUSIVE;
	return hi <= limit ? V_PASS : lo > limit ? V_FAIL : V_INCONCLUSIVE;
}

static struct cmp_row *find_overhead_row(struct comparison *cmp, int cc, enum metric m)
{
	for (int i = 0; i < cmp->nrows; i++)
		if (cmp->rows[i].cur_config == cc && !cmp->rows[i].absolute && cmp->rows[i].metric == m)
			return &cmp->rows[i];
	return NULL;
}

static void apply_budget(struct comparison *cmp)
{
	struct verdict_row *vr;
	int n;
	if (!cmp->budget.n)
		return;
	n = budget_evaluate(&cmp->budget, &cmp->cur->ex, &cmp->cur_an, &vr);
	for (int i = 0; i < n; i++) {
		struct cmp_row *r = find_overhead_row(cmp, vr[i].config, vr[i].item->metric);
		if (!r)
			continue;
		r->budget = vr[i].verdict;
		r->budget_item = vr[i].item;
		r->budget_limit = vr[i].limit;
	}
	free(vr);
}

/* The tolerance a row answers to: its overhead metric's, or its figure's (stored under the
 * metric whose amounts it takes: cpu_per_unit as cpu, p99_latency as p99, peak_rss as memory). */
static const struct budget_item *tolerance_for(const struct comparison *cmp, const struct cmp_row *r)
{
	if (!r->absolute)
		return gate_item(&cmp->tolerance, r->metric);
	return gate_item(&cmp->tolerance_own, r->figure == FIG_CPU_PER_UNIT ? MET_CPU_TOTAL :
					      r->figure == FIG_P99 ? MET_P99 : MET_MEMORY);
}

static double baseline_percentile(const struct comparison *cmp, const struct cmp_row *r)
{
	const struct experiment *ex = &cmp->base->ex;
	const struct arm_summary *a = &cmp->base_an.arms[plan_baseline(ex, ex->configs[r->base_config].workload)];
	return r->metric == MET_P50 ? a->p50_us : r->metric == MET_P90 ? a->p90_us : r->metric == MET_P99 ? a->p99_us : a->p999_us;
}

/* The tolerance in the unit of the row's change (compare.h). */
static double tolerance_limit(const struct comparison *cmp, const struct cmp_row *r, const struct budget_item *it)
{
	if (!r->absolute && r->metric >= MET_P50 && it->relative)
		return it->limit / 100 * baseline_percentile(cmp, r);
	if (r->absolute && r->figure == FIG_P99 && !it->relative)
		return 100 * it->limit / r->base.est;
	return it->limit;
}

static void apply_tolerance(struct comparison *cmp)
{
	for (int i = 0; i < cmp->nrows; i++) {
		struct cmp_row *r = &cmp->rows[i];
		const struct budget_item *it = tolerance_for(cmp, r);
		double lo = r->change.lo, hi = r->change.hi;
		if (!it || r->base_config < 0)
			continue;
		if (!r->absolute && r->metric == MET_THROUGHPUT)
			lo = -r->change.hi, hi = -r->change.lo;   /* the tolerance caps a loss */
		r->tolerance_item = it;
		/* against a merge only CPU overhead has a baseline: the rest stays INCONCLUSIVE */
		r->tolerance_limit = cmp->merged ? it->limit : tolerance_limit(cmp, r, it);
		r->tolerance = decide(lo, hi, r->tolerance_limit);
	}
}

static void overall_verdict(struct comparison *cmp)
{
	cmp->overall = V_NONE;
	for (int i = 0; i < cmp->nrows; i++) {
		struct cmp_row *r = &cmp->rows[i];
		r->verdict = r->budget > r->tolerance ? r->budget : r->tolerance;
		if (r->verdict > cmp->overall)
			cmp->overall = r->verdict;
	}
}

/* ---- notes: what a reader should know before trusting the rows -------------------------- */

static void note(struct comparison *cmp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct comparison *cmp, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		ptrvec_push(&cmp->notes, s);
	va_end(ap);
}

const char *cmp_root_str(const struct loaded_results *lr, const char *obj, const char *key)
{
	return json_get_string(obj ? json_object_get(lr->root, obj) : lr->root, key, NULL);
}

static void note_incomplete(struct comparison *cmp, const char *side, const struct loaded_results *lr)
{
	json_t *planned = json_object_get(lr->root, "trials_planned");
	if (!lr->root || json_is_true(json_object_get(lr->root, "complete")))
		return;
	note(cmp, "the %s run is incomplete: %d of %lld planned trials%s", side, lr->ntrials,
	     json_is_integer(planned) ? (long long)json_integer_value(planned) : 0LL,
	     json_is_true(json_object_get(lr->root, "interrupted")) ? " (interrupted)" : "");
}

/* Machines differ more than profilers do: say so when the runs did not share one. */
static void note_environment(struct comparison *cmp)
{
	static const char *const keys[] = { "hostname", "kernel", "cpu_model", "cgroup_mode", "clocksource" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *b = cmp_root_str(cmp->base, "environment", keys[i]), *c = cmp_root_str(cmp->cur, "environment", keys[i]);
		if (b && c && strcmp(b, c))
			note(cmp, "the runs' environments differ: %s '%s' (baseline) vs '%s' (current)", keys[i], b, c);
	}
}

static void note_failures(struct comparison *cmp)
{
	for (int c = 0; c < cmp->cur_an.narms; c++)
		if (cmp->cur_an.arms[c].failed)
			note(cmp, "%s: %d of %d trials failed in the current run", cmp->cur->ex.configs[c].label,
			     cmp->cur_an.arms[c].failed, cmp->cur_an.arms[c].trials);
	for (int c = 0; c < cmp->base_an.narms; c++)
		if (cmp->base_an.arms[c].failed)
			note(cmp, "%s: %d of %d trials failed in the baseline run", cmp->base->ex.configs[c].label,
			     cmp->base_an.arms[c].failed, cmp->base_an.arms[c].trials);
}

static void collect_notes(struct comparison *cmp)
{
	note_incomplete(cmp, "baseline", cmp->base);
	note_incomplete(cmp, "current", cmp->cur);
	if (fabs(cmp->base->ex.confidence - cmp->conf) > 1e-9)
		note(cmp, "the baseline ran at %.3g%% confidence; both are compared at the current run's %.3g%%",
		     100 * cmp->base->ex.confidence, 100 * cmp->conf);
	note_environment(cmp);
	if (cmp->base->ex.design == DESIGN_SWITCHBACK || cmp->cur->ex.design == DESIGN_SWITCHBACK)
		note(cmp, "switchback: an overhead's change is the difference of the two runs' estimates, its interval "
			  "the root sum of squares of their half-widths (not a rank-sum shift over blocks)");
	note_failures(cmp);
	if ((cmp->budget.n || cmp->tolerance.n) && cmp->overall == V_NONE)
		note(cmp, "no row could be held to the budget or tolerance");
}

int compare_runs(struct comparison *cmp, const struct loaded_results *base, const struct loaded_results *cur,
		 char *err, size_t errlen)
{
	cmp->base = base;
	cmp->cur = cur;
	cmp->conf = cur->ex.confidence > 0 && cur->ex.confidence < 1 ? cur->ex.confidence : 0.95;
	if (check_workloads(base, cur, err, errlen))
		return EXIT_USAGE;
	analysis_run(&base->ex, base->trials, base->ntrials, cmp->conf, &cmp->base_an);
	analysis_run(&cur->ex, cur->trials, cur->ntrials, cmp->conf, &cmp->cur_an);
	build_rows(cmp);
	if (cmp->only_cur.n == cur->ex.nconfigs) {
		char bl[1024], cl[1024];
		join_labels(&base->ex, 1, bl, sizeof(bl));
		join_labels(&cur->ex, 1, cl, sizeof(cl));
		snprintf(err, errlen, "%s: no configuration in common with %s (current: %s; baseline: %s)", cur->path,
			 base->path, cl, bl);
		return EXIT_USAGE;
	}
	apply_budget(cmp);
	apply_tolerance(cmp);
	overall_verdict(cmp);
	collect_notes(cmp);
	return 0;
}

/* ---- a merged baseline ------------------------------------------------------------------ */

/* The current overhead y against the merge's mu: the change and its prediction interval. */
static void predicted_change(struct comparison *cmp, const struct merge_config *mc, struct cmp_row *r, int cc)
{
	double y, se, s, t;
	int df = mc->k - 2;
	if (df < 1 || !isfinite(mc->log_mean) || !isfinite(mc->log_se) || !isfinite(mc->tau2) ||
	    analysis_log_effect(&cmp->cur_an.arms[cc].m[MET_CPU_TOTAL], cmp->conf, &y, &se))
		return;
	s = sqrt(se * se + mc->log_se * mc->log_se + mc->tau2);
	t = stats_t_quantile(1 - (1 - cmp->conf) / 2, df);
	r->change.est = y - mc->log_mean;
	r->change.lo = r->change.est - t * s;
	r->change.hi = r->change.est + t * s;
	r->change.p = s > 0 ? 2 * stats_t_cdf(-fabs(r->change.est) / s, df) : NAN;
	r->change.conf = cmp->conf;
	r->change.ok = s > 0;
	/* exp(mu) (exp(d) - 1) = exp(y) - exp(mu): points of the off arm's CPU, as overhead_change */
	map_change(r, 100 * exp(mc->log_mean), expm1);
}

static void merged_rows(struct comparison *cmp, const struct merge_doc *md, int i, int cc)
{
	const struct merge_config *mc = &md->configs[i];
	struct cmp_row *r = add_row(cmp, i, cc);
	r->metric = MET_CPU_TOTAL;
	side_overhead(&cmp->cur_an.arms[cc].m[MET_CPU_TOTAL], &r->cur);
	r->base.n = mc->k;
	r->base.est = mc->est;
	r->base.ok = isfinite(mc->lo) && isfinite(mc->hi);
	r->base.lo = r->base.ok ? mc->lo : NAN;
	r->base.hi = r->base.ok ? mc->hi : NAN;
	predicted_change(cmp, mc, r, cc);
	settle(r);
	/* a budget on another overhead still holds the current run; its baseline side stays empty */
	for (int m = 0; m < MET_COUNT; m++)
		if (m != MET_CPU_TOTAL && gated(cmp, (enum metric)m)) {
			r = add_row(cmp, i, cc);
			r->metric = (enum metric)m;
			side_overhead(&cmp->cur_an.arms[cc].m[m], &r->cur);
		}
}

static void merged_notes(struct comparison *cmp, const struct merge_doc *md)
{
	int few = 0;
	for (int i = 0; i < md->nconfigs; i++)
		few |= md->configs[i].k < 3;
	note(cmp, "the baseline is a merge of %d runs on %d host%s: an overhead's change is this run's estimate against "
		  "the combined one, its interval a prediction for a new run, t(k-2) sqrt(se^2 + se_combined^2 + tau^2) "
		  "(Higgins, Thompson & Spiegelhalter 2009): the spread between runs is in it",
	     md->nruns, md->nhosts, md->nhosts == 1 ? "" : "s");
	if (few)
		note(cmp, "a configuration merged from fewer than 3 runs with an interval cannot tell the spread between runs "
			  "from noise: its change is not given and not gated; merge more runs");
	if (strcmp(md->experiment, cmp->cur->ex.name))
		note(cmp, "the merge is of experiment '%s', this run of '%s'", md->experiment, cmp->cur->ex.name);
	if (cmp->tolerance_own.n || cmp->tolerance.n > (gate_item(&cmp->tolerance, MET_CPU_TOTAL) ? 1 : 0))
		note(cmp, "a merge holds CPU overhead only: a tolerance on anything else has no baseline to hold to");
	if (fabs(md->conf - cmp->conf) > 1e-9)
		note(cmp, "the merge's intervals are at %.3g%% confidence, this comparison at the current run's %.3g%%",
		     100 * md->conf, 100 * cmp->conf);
	note_incomplete(cmp, "current", cmp->cur);
	note_failures(cmp);
	if ((cmp->budget.n || cmp->tolerance.n) && cmp->overall == V_NONE)
		note(cmp, "no row could be held to the budget or tolerance");
}

int compare_merged(struct comparison *cmp, const struct merge_doc *md, const struct loaded_results *cur, char *err,
		   size_t errlen)
{
	int common = 0;
	cmp->merged = md;
	cmp->cur = cur;
	cmp->conf = cur->ex.confidence > 0 && cur->ex.confidence < 1 ? cur->ex.confidence : 0.95;
	analysis_run(&cur->ex, cur->trials, cur->ntrials, cmp->conf, &cmp->cur_an);
	for (int i = 0; i < md->nconfigs; i++) {
		int cc = find_config(cur, md->configs[i].label, md->configs[i].workload);
		if (cc < 0 || cur->ex.configs[cc].baseline)
			ptrvec_push(&cmp->only_base, (char *)md->configs[i].label);   /* borrowed, never written */
		else
			merged_rows(cmp, md, i, cc), common++;
	}
	if (!common) {
		snprintf(err, errlen, "%s: no configuration in common with the merge %s (of experiment '%s')", cur->path,
			 md->path, md->experiment);
		return EXIT_USAGE;
	}
	for (int cc = 0; cc < cur->ex.nconfigs; cc++) {
		int found = 0;
		for (int i = 0; i < md->nconfigs && !found; i++)
			found = !strcmp(md->configs[i].label, cur->ex.configs[cc].label) &&
				!strcmp(md->configs[i].workload, cmp_workload_label(cur, cc));
		if (!found && !cur->ex.configs[cc].baseline) {
			ptrvec_push(&cmp->only_cur, cur->ex.configs[cc].label);
			current_only_rows(cmp, cc);
		}
	}
	apply_budget(cmp);
	apply_tolerance(cmp);
	overall_verdict(cmp);
	merged_notes(cmp, md);
	return 0;
}

void compare_free(struct comparison *cmp)
{
	analysis_free(&cmp->base_an);
	analysis_free(&cmp->cur_an);
	free(cmp->rows);
	free(cmp->only_base.v);
	free(cmp->only_cur.v);
	for (int i = 0; i < cmp->notes.n; i++)
		free(cmp->notes.v[i]);
	free(cmp->notes.v);
	memset(cmp, 0, sizeof(*cmp));
}

/* ---- the command ---------------------------------------------------------------------- */

static const char compare_usage[] =
	"usage: tare compare BASELINE CURRENT [--budget LIST] [--tolerance LIST]\n"
	"                    [--format text|markdown|junit|json] [-o FILE]\n"
	"\n"
	"Compare two runs (results directories or results.json files) configuration by configuration:\n"
	"each overhead and each arm's CPU per unit, p99 and peak RSS, with the change current - baseline,\n"
	"its interval and p-value; ~ marks a change whose interval contains 0.\n"
	"\n"
	"  --budget LIST     cap the current overheads, as tare run budget=: cpu:2%,p99:5%,memory:50MB\n"
	"  --tolerance LIST  cap the increase of an overhead: cpu:0.5% (percentage points),\n"
	"                    memory:5MB, p99:50us or p99:10% (of the baseline's p99), ...; or of an\n"
	"                    arm's own figures: cpu_per_unit:2%, p99_latency:10%, peak_rss:5MB\n"
	"  --format F        text (default), markdown, junit or json\n"
	"  -o FILE           write the report to FILE atomically; the text table still goes to stdout\n"
	"  --cross-host      gate on runs from two machines anyway (see below)\n"
	"\n"
	"A verdict is PASS when the interval's upper bound is within the limit, FAIL when its lower\n"
	"bound is beyond it, INCONCLUSIVE otherwise.  Exit: 0 pass (or no limits given), 1 fail,\n"
	"2 usage error or runs that cannot be compared, 4 inconclusive.\n"
	"\n"
	"Runs from two machines (hostname or CPU model differ): each interval holds its own run's noise,\n"
	"not how much a profiler's cost differs between machines, so a change between them is not a\n"
	"regression tare can vouch for: compare says so and does not gate (exit 4 when limits were\n"
	"given) unless --cross-host.  A fleet's baseline can gate: BASELINE may be the JSON of\n"
	"`tare merge -o` over 3 or more runs; each CPU overhead's change then has a prediction interval\n"
	"for a new run that holds the spread between the merged runs (tare merge --help).\n";

struct compare_args {
	const char *baseline, *current, *budget, *tolerance, *out;
	enum cmp_format format;
	int help;
	int cross_host;
};

#define arg_error(...) tare_usage("tare: compare", "tare compare --help", __VA_ARGS__)

static int parse_args(int argc, char **argv, struct compare_args *a)
{
	static const struct option opts[] = {
		{ "budget", required_argument, NULL, 'b' }, { "tolerance", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' }, { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },         { "cross-host", no_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	int c, fmt;
	optind = 0;   /* 0: a full reset of glibc's getopt, whatever ran before */
	opterr = 0;   /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":b:t:f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': a->budget = optarg; break;
		case 't': a->tolerance = optarg; break;
		case 'o': a->out = optarg; break;
		case 'h': a->help = 1; break;
		case 'X': a->cross_host = 1; break;
		case 'f':
			if ((fmt = compare_format_parse(optarg)) < 0)
				return arg_error("--format '%s': expected text, markdown, junit or json", optarg);
			a->format = (enum cmp_format)fmt;
			break;
		case ':': return arg_error("option '%s' needs a value", argv[optind - 1]);
		default: return arg_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (a->help)
		return 0;
	if (argc - optind != 2)
		return arg_error("which runs? tare compare BASELINE CURRENT (results directories or results.json)");
	a->baseline = argv[optind];
	a->current = argv[optind + 1];
	return 0;
}

/* The report goes to stdout, or to FILE atomically with the text table on stdout for a CI log. */
static int emit(const struct comparison *cmp, const struct compare_args *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc = 0;
	if (!m)
		tare_die(EXIT_USAGE, "compare: out of memory");   /* not 1: that would read as a regression */
	compare_render(m, cmp, a->format);
	fclose(m);
	if (!a->out)
		fwrite(buf, 1, len, stdout);
	else if (write_file_atomic(a->out, buf, len) < 0) {
		tare_err("compare: cannot write %s: %s", a->out, strerror(errno));
		rc = EXIT_USAGE;
	} else
		compare_render(stdout, cmp, FMT_TEXT);
	free(buf);
	return rc;
}

/* results_load, with a shell's trailing slash (results/x/) dropped from the name it reports. */
static int load(const char *path, struct loaded_results *lr, char *err, size_t errlen)
{
	char *p = xstrdup(path);
	size_t n = strlen(p);
	int rc;
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	rc = results_load(p, lr, err, errlen);
	free(p);
	return rc;
}

/* "host (CPU model)" from a run's environment block; 0 when the run does not say. */
static int run_machine(const struct loaded_results *lr, char *buf, size_t len)
{
	json_t *env = json_object_get(lr->root, "environment");
	const char *host = json_string_value(json_object_get(env, "hostname"));
	const char *cpu = json_string_value(json_object_get(env, "cpu_model"));
	if (!host)
		return 0;
	snprintf(buf, len, "%s (%s)", host, cpu ? cpu : "?");
	return 1;
}

/* tare compare MERGE.json CURRENT: no cross-host refusal, the merge's spread is the point. */
static int compare_with_merge(struct comparison *cmp, struct merge_doc *md, const struct compare_args *a)
{
	struct loaded_results cur;
	char err[2048];
	int rc;
	if (load(a->current, &cur, err, sizeof(err))) {
		tare_err("compare: %s", err);
		merge_unload(md);
		return EXIT_USAGE;
	}
	rc = compare_merged(cmp, md, &cur, err, sizeof(err));
	if (rc)
		tare_err("compare: %s", err);
	else
		rc = emit(cmp, a);
	if (!rc)
		rc = cmp->overall == V_NONE ? EXIT_PASS : verdict_exit_code(cmp->overall);
	compare_free(cmp);
	results_unload(&cur);
	merge_unload(md);
	return rc;
}

int compare_main(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct comparison cmp = { 0 };
	struct merge_doc md;
	struct loaded_results base, cur;
	char err[2048];
	int rc = parse_args(argc, argv, &a);
	if (rc || a.help) {
		if (a.help)
			fputs(compare_usage, stdout);
		return rc;
	}
	if (compare_set_gates(&cmp, a.budget, a.tolerance, err, sizeof(err))) {
		tare_err("compare: %s", err);
		return EXIT_USAGE;
	}
	switch (merge_load(a.baseline, &md, err, sizeof(err))) {
	case 1: return compare_with_merge(&cmp, &md, &a);
	case -1: tare_err("compare: %s", err); return EXIT_USAGE;
	}
	if (load(a.baseline, &base, err, sizeof(err))) {
		tare_err("compare: %s", err);
		return EXIT_USAGE;
	}
	if (load(a.current, &cur, err, sizeof(err))) {
		tare_err("compare: %s", err);
		results_unload(&base);
		return EXIT_USAGE;
	}
	rc = compare_runs(&cmp, &base, &cur, err, sizeof(err));
	if (rc)
		tare_err("compare: %s", err);
	else
		rc = emit(&cmp, &a);
	if (!rc)
		rc = cmp.overall == V_NONE ? EXIT_PASS : verdict_exit_code(cmp.overall);
	if (!rc || rc == EXIT_FAIL || rc == EXIT_INCONCLUSIVE) {
		char where[2][256];
		if (run_machine(&base, where[0], sizeof(where[0])) && run_machine(&cur, where[1], sizeof(where[1])) &&
		    strcmp(where[0], where[1])) {
			int gate = cmp.overall != V_NONE && !a.cross_host;
			tare_warn("compare: the baseline ran on %s, this run on %s: each interval holds its own run's noise, "
				  "not how a profiler's cost differs between machines%s", where[0], where[1],
				  gate ? "; not gated (exit 4): compare runs of one machine, or pass --cross-host" : "");
			if (gate)
				rc = EXIT_INCONCLUSIVE;
		}
	}
	compare_free(&cmp);
	results_unload(&base);
	results_unload(&cur);
	return rc;
}
