/* compare.c — tare compare: a current run against a baseline run (compare.h has the method). */
#include "compare.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "markup.h"

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

static const char *workload_label(const struct loaded_results *lr, int config)
{
	return lr->ex.workloads[lr->ex.configs[config].workload].label;
}

static int find_config(const struct loaded_results *lr, const char *label, const char *wl_label)
{
	for (int c = 0; c < lr->ex.nconfigs; c++)
		if (!strcmp(lr->ex.configs[c].label, label) && !strcmp(workload_label(lr, c), wl_label))
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
		int cc = find_config(c, b->ex.configs[bc].label, workload_label(b, bc));
		if (cc < 0)
			ptrvec_push(&cmp->only_base, b->ex.configs[bc].label);
		else
			pair_rows(cmp, bc, cc);
	}
	for (int cc = 0; cc < c->ex.nconfigs; cc++)
		if (find_config(b, c->ex.configs[cc].label, workload_label(c, cc)) < 0) {
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
		r->tolerance_limit = tolerance_limit(cmp, r, it);
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

static const char *root_str(const struct loaded_results *lr, const char *obj, const char *key)
{
	json_t *o = obj ? json_object_get(lr->root, obj) : lr->root;
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
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
		const char *b = root_str(cmp->base, "environment", keys[i]), *c = root_str(cmp->cur, "environment", keys[i]);
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

/* ---- cells: one formatting for every output --------------------------------------------- */

const char *cmp_change_unit(const struct cmp_row *r)
{
	if (r->absolute)
		return r->figure == FIG_RSS ? "bytes" : "%";
	return r->metric == MET_MEMORY ? "bytes" : r->metric >= MET_P50 ? "us" : "points";
}

const char *cmp_row_metric(const struct cmp_row *r)
{
	static const char *const figures[FIG_COUNT] = { "cpu_per_unit_ns", "p99_us", "rss_peak_bytes" };
	return r->absolute ? figures[r->figure] : metric_names[r->metric];
}

static const char *side_unit(const struct cmp_row *r)
{
	if (r->absolute)
		return r->figure == FIG_CPU_PER_UNIT ? "ns" : r->figure == FIG_P99 ? "us" : "bytes";
	return metric_unit(r->metric);
}

static void row_name(const struct comparison *cmp, const struct cmp_row *r, char *buf, size_t len)
{
	static const char *const overheads[MET_COUNT] = {
		"CPU overhead", "CPU in workload", "CPU in profiler", "CPU unattributed", "memory overhead", "throughput",
		"p50 overhead", "p90 overhead", "p99 overhead", "p99.9 overhead",
	};
	const struct experiment *ex = &cmp->cur->ex;
	const char *unit = ex->workloads[ex->configs[r->cur_config].workload].unit;
	char one[48];
	if (!r->absolute)
		snprintf(buf, len, "%s", overheads[r->metric]);
	else if (r->figure == FIG_P99)
		snprintf(buf, len, "p99 latency");
	else if (r->figure == FIG_RSS)
		snprintf(buf, len, "peak RSS");
	else {
		unit_singular(unit && *unit ? unit : "seconds", one, sizeof(one));
		snprintf(buf, len, "CPU/%s", one);
	}
}

/* How a number prints: divided by scale, `decimals` places, signed or not, then the unit
 * ("%", or " " and its name). */
struct numfmt {
	double scale;
	int decimals, sign;
	const char *unit;
};

static void num(char *buf, size_t len, const struct numfmt *nf, double x)
{
	if (nf->sign)
		snprintf(buf, len, "%+.*f", nf->decimals, x / nf->scale);
	else
		snprintf(buf, len, "%.*f", nf->decimals, x / nf->scale);
}

/* A time shown with three significant digits in the unit its size calls for: magnitude_ns
 * picks the unit; the values formatted are in units of per_value ns (1: ns, 1e3: µs). */
static struct numfmt time_fmt(double magnitude_ns, double per_value, int sign)
{
	struct numfmt nf = { 1, 0, sign, " ns" };
	double ns = fabs(magnitude_ns), v;
	if (ns >= 1e9)
		nf.scale = 1e9, nf.unit = " s";
	else if (ns >= 1e6)
		nf.scale = 1e6, nf.unit = " ms";
	else if (ns >= 1e3)
		nf.scale = 1e3, nf.unit = " µs";
	v = ns / nf.scale;
	nf.decimals = v < 10 ? 2 : v < 100 ? 1 : 0;
	nf.scale /= per_value;
	return nf;
}

/* The larger magnitude of two values, ignoring NaN: both sides of a row share one unit. */
static double magnitude(double a, double b)
{
	a = isfinite(a) ? fabs(a) : 0;
	b = isfinite(b) ? fabs(b) : 0;
	return a > b ? a : b;
}

static struct numfmt side_fmt(const struct cmp_row *r)
{
	static const struct numfmt pct = { 1, 2, 1, "%" }, mib = { 1048576.0, 2, 1, " MiB" };
	static const struct numfmt rss = { 1048576.0, 1, 0, " MiB" };
	double m = magnitude(r->base.est, r->cur.est);
	if (!r->absolute)
		return r->metric == MET_MEMORY ? mib : r->metric >= MET_P50 ? time_fmt(1e3 * m, 1e3, 1) : pct;
	if (r->figure == FIG_RSS)
		return rss;
	return r->figure == FIG_P99 ? time_fmt(1e3 * m, 1e3, 0) : time_fmt(m, 1, 0);
}

static struct numfmt change_fmt(const struct cmp_row *r)
{
	static const struct numfmt pts = { 1, 2, 1, " pts" }, pct = { 1, 2, 1, "%" }, mib = { 1048576.0, 2, 1, " MiB" };
	const char *u = cmp_change_unit(r);
	if (!strcmp(u, "us"))
		return time_fmt(1e3 * magnitude(r->change.est, NAN), 1e3, 1);
	return !strcmp(u, "points") ? pts : !strcmp(u, "%") ? pct : mib;
}

/* "+1.21% [+0.93, +1.52]"; "[n/a]" when too few blocks or trials for an interval. */
static void fmt_interval(char *buf, size_t len, const struct numfmt *nf, double est, int ok, double lo, double hi)
{
	char e[48], l[48], h[48];
	if (!isfinite(est)) {
		snprintf(buf, len, "-");
		return;
	}
	num(e, sizeof(e), nf, est);
	if (!ok || !isfinite(lo) || !isfinite(hi)) {
		snprintf(buf, len, "%s%s [n/a]", e, nf->unit);
		return;
	}
	num(l, sizeof(l), nf, lo);
	num(h, sizeof(h), nf, hi);
	snprintf(buf, len, "%s%s [%s, %s]", e, nf->unit, l, h);
}

static void fmt_side(const struct cmp_row *r, const struct cmp_value *v, char *buf, size_t len)
{
	struct numfmt nf = side_fmt(r);
	fmt_interval(buf, len, &nf, v->est, v->ok, v->lo, v->hi);
}

/* The change, "~"-prefixed when its interval contains 0 (or there is none). */
static void fmt_change(const struct cmp_row *r, char *buf, size_t len)
{
	struct numfmt nf = change_fmt(r);
	char cell[128];
	fmt_interval(cell, sizeof(cell), &nf, r->change.est, r->change.ok, r->change.lo, r->change.hi);
	snprintf(buf, len, "%s%s", isfinite(r->change.est) && !r->significant ? "~" : "", cell);
}

static void fmt_p(const struct cmp_row *r, char *buf, size_t len)
{
	if (!isfinite(r->change.p))
		snprintf(buf, len, "-");
	else if (r->change.p < 0.001)
		snprintf(buf, len, "<0.001");
	else
		snprintf(buf, len, "%.3f", r->change.p);
}

static const char *row_verdict(const struct cmp_row *r)
{
	return r->verdict == V_NONE ? "" : verdict_name(r->verdict);
}

static const char *config_label(const struct comparison *cmp, const struct cmp_row *r)
{
	return cmp->cur->ex.configs[r->cur_config].label;
}

/* Why a row's verdict is what it is: "change +4.06 pts [+3.51, +4.60] against tolerance 1%". */
static void fmt_reason(const struct cmp_row *r, int tolerance, char *buf, size_t len)
{
	char val[160], lim[64];
	const struct budget_item *it = tolerance ? r->tolerance_item : r->budget_item;
	struct numfmt nf = tolerance ? change_fmt(r) : side_fmt(r);
	double limit = tolerance ? r->tolerance_limit : r->budget_limit;
	if (tolerance)
		fmt_interval(val, sizeof(val), &nf, r->change.est, r->change.ok, r->change.lo, r->change.hi);
	else
		fmt_side(r, &r->cur, val, sizeof(val));
	if (!strcmp(val, "-"))
		snprintf(val, sizeof(val), "unknown (%s)", tolerance ? "a side has no data" : "no data");
	lim[0] = '\0';
	/* Show the limit in the change's unit where it was converted to it. */
	if (isfinite(limit) && (r->absolute ? r->figure == FIG_P99 && !it->relative : it->relative)) {
		char l[48];
		num(l, sizeof(l), &nf, limit);
		snprintf(lim, sizeof(lim), " (= %s%s)", l, nf.unit);
	}
	snprintf(buf, len, "%s %s against %s%s %s%s: %s", tolerance ? "change" : "current", val,
		 !r->absolute && r->metric == MET_THROUGHPUT ? "a loss " : "", tolerance ? "tolerance" : "budget", it->text,
		 lim, verdict_name(tolerance ? r->tolerance : r->budget));
}

/* ---- text --------------------------------------------------------------------------------- */

#define TEXT_COLS 6

static void row_cells(const struct comparison *cmp, const struct cmp_row *r, char cells[TEXT_COLS][160])
{
	char name[64];
	row_name(cmp, r, name, sizeof(name));
	snprintf(cells[0], 160, "  %s", name);
	fmt_side(r, &r->base, cells[1], 160);
	fmt_side(r, &r->cur, cells[2], 160);
	fmt_change(r, cells[3], 160);
	fmt_p(r, cells[4], 160);
	snprintf(cells[5], 160, "%s", row_verdict(r));
}

/* One line of the table, columns padded to width[] (p right-aligned), no trailing blanks. */
static void print_cells(FILE *f, char cells[TEXT_COLS][160], const int *width, int ncols)
{
	char line[TEXT_COLS * 200];
	size_t off = 0;
	for (int c = 0; c < ncols && off < sizeof(line); c++) {
		int pad = width[c] - text_width(cells[c]);
		if (c == 4)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%*s%s  ", pad, "", cells[c]);
		else
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%*s  ", cells[c], pad, "");
	}
	if (off >= sizeof(line))
		off = sizeof(line) - 1;
	while (off > 0 && line[off - 1] == ' ')
		off--;
	line[off] = '\0';
	fprintf(f, "%s\n", line);
}

static int new_group(const struct comparison *cmp, int i)
{
	return i == 0 || cmp->rows[i].cur_config != cmp->rows[i - 1].cur_config;
}

static void text_table(FILE *f, const struct comparison *cmp)
{
	char (*cells)[TEXT_COLS][160] = xcalloc((size_t)cmp->nrows + 1, sizeof(*cells));
	int width[TEXT_COLS] = { 0 }, ncols = cmp->overall != V_NONE ? TEXT_COLS : TEXT_COLS - 1;
	snprintf(cells[0][1], 160, "baseline");
	snprintf(cells[0][2], 160, "current");
	snprintf(cells[0][3], 160, "change [%g%% CI]", 100 * cmp->conf);
	snprintf(cells[0][4], 160, "p");
	snprintf(cells[0][5], 160, "verdict");
	for (int i = 0; i < cmp->nrows; i++)
		row_cells(cmp, &cmp->rows[i], cells[i + 1]);
	for (int i = 0; i <= cmp->nrows; i++)
		for (int c = 0; c < TEXT_COLS; c++)
			if (text_width(cells[i][c]) > width[c])
				width[c] = text_width(cells[i][c]);
	print_cells(f, cells[0], width, ncols);
	for (int i = 0; i < cmp->nrows; i++) {
		if (new_group(cmp, i))
			fprintf(f, "%s%s\n", config_label(cmp, &cmp->rows[i]),
				cmp->rows[i].base_config < 0 ? "  (only in current)" : "");
		print_cells(f, cells[i + 1], width, ncols);
	}
	free(cells);
}

/* "res/x/results.json  (canary, 8 blocks, 24 trials, 2026-11-22T02:27:16Z, tare 05a3598)" */
static void run_line(const struct loaded_results *lr, char *buf, size_t len)
{
	const char *ver = root_str(lr, NULL, "tare_version"), *started = root_str(lr, NULL, "started");
	snprintf(buf, len, "%s  (%s, %d blocks, %d trials%s%s%s%s)", lr->path, lr->ex.name, lr->ex.blocks, lr->ntrials,
		 started ? ", " : "", started ? started : "", ver ? ", tare " : "", ver ? ver : "");
}

/* Each non-PASS verdict with the numbers behind it. */
static void verdict_lines(FILE *f, const struct comparison *cmp, const char *bullet)
{
	for (int i = 0; i < cmp->nrows; i++) {
		const struct cmp_row *r = &cmp->rows[i];
		char name[64], why[400];
		row_name(cmp, r, name, sizeof(name));
		for (int t = 0; t < 2; t++) {
			enum verdict v = t ? r->tolerance : r->budget;
			if (v == V_NONE || v == V_PASS)
				continue;
			fmt_reason(r, t, why, sizeof(why));
			fprintf(f, "%s%s, %s: %s\n", bullet, config_label(cmp, r), name, why);
		}
	}
}

static void count_checks(const struct comparison *cmp, int n[4])
{
	memset(n, 0, 4 * sizeof(int));
	for (int i = 0; i < cmp->nrows; i++) {
		n[cmp->rows[i].budget]++;
		n[cmp->rows[i].tolerance]++;
	}
}

static void verdict_summary(const struct comparison *cmp, char *buf, size_t len)
{
	int n[4], total;
	count_checks(cmp, n);
	total = n[V_PASS] + n[V_FAIL] + n[V_INCONCLUSIVE];
	snprintf(buf, len, "%s (%d check%s: %d pass, %d fail, %d inconclusive%s%s%s%s)", verdict_name(cmp->overall),
		 total, total == 1 ? "" : "s", n[V_PASS], n[V_FAIL], n[V_INCONCLUSIVE],
		 cmp->budget_text ? "; budget " : "", cmp->budget_text ? cmp->budget_text : "",
		 cmp->tolerance_text ? "; tolerance " : "", cmp->tolerance_text ? cmp->tolerance_text : "");
}

/* Configurations on one side only, and the notes; returns how many lines it printed. */
static int only_lines(FILE *f, const struct comparison *cmp, const char *bullet)
{
	const struct ptrvec *pv[2] = { &cmp->only_base, &cmp->only_cur };
	int lines = cmp->notes.n;
	for (int s = 0; s < 2; s++) {
		if (!pv[s]->n)
			continue;
		lines++;
		fprintf(f, "%sonly in the %s run: ", bullet, s ? "current" : "baseline");
		for (int i = 0; i < pv[s]->n; i++)
			fprintf(f, "%s%s", i ? ", " : "", (const char *)pv[s]->v[i]);
		fputc('\n', f);
	}
	for (int i = 0; i < cmp->notes.n; i++)
		fprintf(f, "%s%s\n", bullet, (const char *)cmp->notes.v[i]);
	return lines;
}

static const char legend[] =
	"~: the change's interval contains 0 (not significant); n/a: too few blocks or trials for an interval.\n"
	"Overheads: Hodges-Lehmann over paired blocks with Wilcoxon signed-rank intervals (sign test for memory);\n"
	"CPU per unit and p99: Hodges-Lehmann over trials on the log scale; peak RSS: median, sign-test interval.\n"
	"change: current - baseline, the two-sample Hodges-Lehmann shift with its Wilcoxon rank-sum\n"
	"(Mann-Whitney) interval and p; pts: percentage points of the off arm's CPU (or throughput).\n";

static void render_text(FILE *f, const struct comparison *cmp)
{
	char summary[600], run[4400];
	run_line(cmp->base, run, sizeof(run));
	fprintf(f, "baseline  %s\n", run);
	run_line(cmp->cur, run, sizeof(run));
	fprintf(f, "current   %s\n", run);
	fputc('\n', f);
	text_table(f, cmp);
	fputc('\n', f);
	only_lines(f, cmp, "");
	fprintf(f, "%s", legend);
	if (cmp->overall == V_NONE)
		return;
	fputc('\n', f);
	verdict_lines(f, cmp, "");
	verdict_summary(cmp, summary, sizeof(summary));
	fprintf(f, "verdict: %s\n", summary);
}

/* ---- Markdown ----------------------------------------------------------------------------- */

static void md_cell(FILE *f, const char *s)
{
	fputs(" ", f);
	md_escape(f, s, MD_GFM);
	fputs(" |", f);
}

static void md_row(FILE *f, const struct comparison *cmp, const struct cmp_row *r, int first)
{
	char cells[TEXT_COLS][160];
	row_cells(cmp, r, cells);
	fputs("|", f);
	md_cell(f, first ? config_label(cmp, r) : "");
	md_cell(f, cells[0] + 2);
	for (int c = 1; c < TEXT_COLS - (cmp->overall == V_NONE); c++)
		md_cell(f, cells[c]);
	fputc('\n', f);
}

static void render_markdown(FILE *f, const struct comparison *cmp)
{
	char summary[600], run[4400];
	int gated = cmp->overall != V_NONE;
	fputs("### tare compare: ", f);
	md_escape(f, cmp->cur->ex.name, MD_GFM);
	fputs("\n\n", f);
	if (gated) {
		verdict_summary(cmp, summary, sizeof(summary));
		fputs("**verdict: ", f);
		md_escape(f, summary, MD_GFM);
		fputs("**\n\n", f);
	}
	run_line(cmp->base, run, sizeof(run));
	fputs("- baseline: ", f);
	md_escape(f, run, MD_GFM);
	run_line(cmp->cur, run, sizeof(run));
	fputs("\n- current: ", f);
	md_escape(f, run, MD_GFM);
	fputc('\n', f);
	fprintf(f, "\n| configuration | metric | baseline | current | change [%g%% CI] | p |%s\n", 100 * cmp->conf,
		gated ? " verdict |" : "");
	fprintf(f, "| --- | --- | ---: | ---: | ---: | ---: |%s\n", gated ? " --- |" : "");
	for (int i = 0; i < cmp->nrows; i++)
		md_row(f, cmp, &cmp->rows[i], new_group(cmp, i));
	fputc('\n', f);
	if (gated) {
		verdict_lines(f, cmp, "- ");
		fputc('\n', f);
	}
	if (only_lines(f, cmp, "- "))
		fputc('\n', f);
	fputs("<sub>", f);
	md_escape(f, legend, MD_GFM);
	fputs("</sub>\n", f);
}

/* ---- JUnit XML ---------------------------------------------------------------------------- */

static void xml_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	xml_escape(f, value, ESC_XML);
	fputc('"', f);
}

static void junit_counts(const struct comparison *cmp, int from, int to, int *fail, int *skip)
{
	*fail = *skip = 0;
	for (int i = from; i < to; i++) {
		*fail += cmp->rows[i].verdict == V_FAIL;
		*skip += cmp->rows[i].verdict == V_INCONCLUSIVE;
	}
}

/* The non-PASS verdicts of a row in one line, for <failure>/<skipped> messages. */
static void junit_message(const struct cmp_row *r, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int t = 0; t < 2 && off < len; t++) {
		char why[400];
		enum verdict v = t ? r->tolerance : r->budget;
		if (v == V_NONE || v == V_PASS)
			continue;
		fmt_reason(r, t, why, sizeof(why));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "; " : "", why);
	}
}

static void junit_case(FILE *f, const struct comparison *cmp, const struct cmp_row *r)
{
	char cells[TEXT_COLS][160], msg[900], out[700];
	row_cells(cmp, r, cells);
	fputs("    <testcase", f);
	xml_attr(f, "classname", config_label(cmp, r));
	xml_attr(f, "name", cells[0] + 2);
	fputs(" time=\"0\">\n", f);
	junit_message(r, msg, sizeof(msg));
	if (r->verdict == V_FAIL || r->verdict == V_INCONCLUSIVE) {
		fprintf(f, "      <%s", r->verdict == V_FAIL ? "failure" : "skipped");
		xml_attr(f, "message", msg);
		fputs(r->verdict == V_FAIL ? " type=\"regression\"/>\n" : "/>\n", f);
	}
	snprintf(out, sizeof(out), "baseline %s; current %s; change %s, p %s", cells[1], cells[2], cells[3], cells[4]);
	fputs("      <system-out>", f);
	xml_escape(f, out, ESC_XML);
	fputs("</system-out>\n    </testcase>\n", f);
}

static void render_junit(FILE *f, const struct comparison *cmp)
{
	int fail, skip;
	junit_counts(cmp, 0, cmp->nrows, &fail, &skip);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tare compare\"", f);
	fprintf(f, " tests=\"%d\" failures=\"%d\" skipped=\"%d\" errors=\"0\">\n", cmp->nrows, fail, skip);
	for (int i = 0, end; i < cmp->nrows; i = end) {
		for (end = i + 1; end < cmp->nrows && !new_group(cmp, end); end++)
			;
		junit_counts(cmp, i, end, &fail, &skip);
		fputs("  <testsuite", f);
		xml_attr(f, "name", config_label(cmp, &cmp->rows[i]));
		fprintf(f, " tests=\"%d\" failures=\"%d\" skipped=\"%d\" errors=\"0\">\n", end - i, fail, skip);
		for (int k = i; k < end; k++)
			junit_case(f, cmp, &cmp->rows[k]);
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
}

/* ---- JSON --------------------------------------------------------------------------------- */

static json_t *jreal(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *json_value(const struct cmp_value *v)
{
	json_t *o;
	if (!isfinite(v->est))
		return json_null();
	o = json_object();
	json_object_set_new(o, "estimate", jreal(v->est));
	json_object_set_new(o, "lo", jreal(v->lo));
	json_object_set_new(o, "hi", jreal(v->hi));
	json_object_set_new(o, "n", json_integer(v->n));
	return o;
}

static json_t *json_change(const struct cmp_row *r)
{
	json_t *o;
	if (!isfinite(r->change.est))
		return json_null();
	o = json_object();
	json_object_set_new(o, "estimate", jreal(r->change.est));
	json_object_set_new(o, "lo", jreal(r->change.lo));
	json_object_set_new(o, "hi", jreal(r->change.hi));
	json_object_set_new(o, "p", jreal(r->change.p));
	json_object_set_new(o, "unit", json_string(cmp_change_unit(r)));
	json_object_set_new(o, "significant", json_boolean(r->significant));
	return o;
}

static json_t *json_gate(const struct budget_item *it, double limit, enum verdict v)
{
	json_t *o = json_object();
	json_object_set_new(o, "amount", json_string(it->text));
	json_object_set_new(o, "limit", jreal(limit));
	json_object_set_new(o, "verdict", json_string(verdict_name(v)));
	return o;
}

static json_t *json_row(const struct comparison *cmp, const struct cmp_row *r)
{
	json_t *o = json_object();
	char name[64];
	row_name(cmp, r, name, sizeof(name));
	json_object_set_new(o, "config", json_string(config_label(cmp, r)));
	json_object_set_new(o, "workload", json_string(workload_label(cmp->cur, r->cur_config)));
	json_object_set_new(o, "kind", json_string(r->absolute ? "absolute" : "overhead"));
	json_object_set_new(o, "metric", json_string(cmp_row_metric(r)));
	json_object_set_new(o, "label", json_string(name));
	json_object_set_new(o, "unit", json_string(side_unit(r)));
	json_object_set_new(o, "baseline", json_value(&r->base));
	json_object_set_new(o, "current", json_value(&r->cur));
	json_object_set_new(o, "change", json_change(r));
	if (r->budget_item)
		json_object_set_new(o, "budget", json_gate(r->budget_item, r->budget_limit, r->budget));
	if (r->tolerance_item)
		json_object_set_new(o, "tolerance", json_gate(r->tolerance_item, r->tolerance_limit, r->tolerance));
	json_object_set_new(o, "verdict", r->verdict == V_NONE ? json_null() : json_string(verdict_name(r->verdict)));
	return o;
}

static json_t *json_run(const struct loaded_results *lr)
{
	json_t *o = json_object();
	const char *ver = root_str(lr, NULL, "tare_version"), *started = root_str(lr, NULL, "started");
	json_object_set_new(o, "path", json_string(lr->path));
	json_object_set_new(o, "name", json_string(lr->ex.name));
	json_object_set_new(o, "started", started ? json_string(started) : json_null());
	json_object_set_new(o, "tare_version", ver ? json_string(ver) : json_null());
	json_object_set_new(o, "blocks", json_integer(lr->ex.blocks));
	json_object_set_new(o, "trials", json_integer(lr->ntrials));
	return o;
}

static json_t *json_strings(const struct ptrvec *pv)
{
	json_t *a = json_array();
	for (int i = 0; i < pv->n; i++)
		json_array_append_new(a, json_string(pv->v[i]));
	return a;
}

static void render_json(FILE *f, const struct comparison *cmp)
{
	json_t *o = json_object(), *rows = json_array();
	for (int i = 0; i < cmp->nrows; i++)
		json_array_append_new(rows, json_row(cmp, &cmp->rows[i]));
	json_object_set_new(o, "schema", json_string("tare-compare"));
	json_object_set_new(o, "schema_version", json_integer(1));
	json_object_set_new(o, "baseline", json_run(cmp->base));
	json_object_set_new(o, "current", json_run(cmp->cur));
	json_object_set_new(o, "confidence", json_real(cmp->conf));
	json_object_set_new(o, "budget", cmp->budget_text ? json_string(cmp->budget_text) : json_null());
	json_object_set_new(o, "tolerance", cmp->tolerance_text ? json_string(cmp->tolerance_text) : json_null());
	json_object_set_new(o, "only_in_baseline", json_strings(&cmp->only_base));
	json_object_set_new(o, "only_in_current", json_strings(&cmp->only_cur));
	json_object_set_new(o, "notes", json_strings(&cmp->notes));
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "verdict", json_string(verdict_name(cmp->overall)));
	json_object_set_new(o, "exit_code", json_integer(verdict_exit_code(cmp->overall)));
	json_dumpf(o, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(o);
}

void compare_render(FILE *f, const struct comparison *cmp, enum cmp_format fmt)
{
	switch (fmt) {
	case FMT_TEXT: render_text(f, cmp); break;
	case FMT_MARKDOWN: render_markdown(f, cmp); break;
	case FMT_JUNIT: render_junit(f, cmp); break;
	case FMT_JSON: render_json(f, cmp); break;
	}
}

int compare_format_parse(const char *name)
{
	if (!strcmp(name, "text"))
		return FMT_TEXT;
	if (!strcmp(name, "markdown") || !strcmp(name, "md"))
		return FMT_MARKDOWN;
	if (!strcmp(name, "junit"))
		return FMT_JUNIT;
	if (!strcmp(name, "json"))
		return FMT_JSON;
	return -1;
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
	"\n"
	"A verdict is PASS when the interval's upper bound is within the limit, FAIL when its lower\n"
	"bound is beyond it, INCONCLUSIVE otherwise.  Exit: 0 pass (or no limits given), 1 fail,\n"
	"2 usage error or runs that cannot be compared, 4 inconclusive.\n";

struct compare_args {
	const char *baseline, *current, *budget, *tolerance, *out;
	enum cmp_format format;
	int help;
};

static int arg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int arg_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tare: compare: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see tare compare --help)\n");
	va_end(ap);
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct compare_args *a)
{
	static const struct option opts[] = {
		{ "budget", required_argument, NULL, 'b' }, { "tolerance", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' }, { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
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
		render_text(stdout, cmp);
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

int compare_main(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct comparison cmp = { 0 };
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
	compare_free(&cmp);
	results_unload(&base);
	results_unload(&cur);
	return rc;
}
