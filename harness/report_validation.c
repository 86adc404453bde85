/* report_validation.c — a validation in `tare report`: the validation.json `tare validate` writes
 * (docs/validate.md), a table of cases (sampler, type, workload, rate for cpu, threads), each held
 * against the workload's known profile in one or more measures (cpu: samples; lock: delay and
 * contentions; ...).  It is shown as it recorded itself: its cases in tables (and a plot, in
 * plot.c), its warnings, options, bounds and environment.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_int.h"
#include "validate.h"

/* ---- loading -------------------------------------------------------------------------------- */

/* A string a table read back, or dflt where it read none. */
static const char *str_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

/* A case of a validation.json without measures: its top-level fields, which are its first
 * measure's, as its one measure (se_max_pp is binomial_se_max_pp there, binomial_se_pp in the
 * oldest files). */
static struct mview case_as_measure(const struct rcase *rc)
{
	const struct vdoc_case *d = &rc->d;
	return (struct mview){
		.name = d->measure ? d->measure : !strcmp(d->type, "cpu") ? "samples" : "-",
		.m = { .unit = (char *)"", .kind = VK_SAMPLES, .within_bounds = d->within_bounds,
		       .out_of_bounds = d->out_of_bounds, .n = NAN,
		       .attribution_error_max_pp = d->attribution_error_max_pp, .worst_site = d->worst_site,
		       .se_max_pp = isfinite(d->binomial_se_max_pp) ? d->binomial_se_max_pp : d->binomial_se_pp,
		       .tvd = d->tvd, .expected_tvd = d->expected_tvd, .total_truth = NAN, .total_measured = NAN,
		       .total_ratio = NAN, .total_se_rel = NAN, .expected_samples_min = NAN,
		       .reached_main = d->reached_main, .symbolized = d->symbolized, .truth = d->truth,
		       .measured = d->measured, .bounds = d->bounds },
		.b = rc->b,
	};
}

/* Case c of the document into rc, its measures as views. */
static void case_read(struct rcase *rc, json_t *c)
{
	json_t *x;
	const char *k;
	json_get_fields(c, vdoc_case_fields, vdoc_case_nfields, &rc->d);
	json_get_fields(rc->d.bounds, vdoc_case_bounds_fields, vdoc_case_bounds_nfields, &rc->b);
	json_get_fields(rc->d.calls, vdoc_count_fields, vdoc_count_nfields, &rc->calls);
	json_get_fields(rc->d.bytes, vdoc_count_fields, vdoc_count_nfields, &rc->bytes);
	json_object_foreach(rc->d.measures, k, x)
		if (json_is_object(x) && rc->nv < MAX_VIEWS) {
			struct mview *v = &rc->v[rc->nv++];
			v->name = k;
			v->own = 1;
			json_get_fields(x, vdoc_measure_fields, vdoc_measure_nfields, &v->m);
			json_get_fields(v->m.bounds, vdoc_measure_bounds_fields, vdoc_measure_bounds_nfields, &v->b);
		}
	if (!rc->nv)
		rc->v[rc->nv++] = case_as_measure(rc);
}

/* validation.json at path (a file); root, when not NULL, is the document already parsed (the
 * reference passes to the report).  0, or EXIT_USAGE after one line in err. */
int load_validation(struct report *rp, const char *path, json_t *root, const char *given, char *err,
		    size_t errlen)
{
	struct rval *v = &rp->vals[rp->nvals];
	json_error_t je;
	json_t *c;
	size_t i;
	memset(v, 0, sizeof(*v));
	snprintf(v->dir, sizeof(v->dir), "%s", path);
	if (strrchr(v->dir, '/'))
		*strrchr(v->dir, '/') = '\0';
	else
		snprintf(v->dir, sizeof(v->dir), ".");
	if (!root && !path_exists(path)) {
		snprintf(err, errlen, "%s: no such file", path);
		return EXIT_USAGE;
	}
	if (!root && !(root = json_load_file(path, 0, &je))) {
		snprintf(err, errlen, "%s:%d: not JSON: %s", path, je.line, je.text);
		return EXIT_USAGE;
	}
	v->root = root;
	rp->nvals++;       /* freed with the report from here on */
	json_get_fields(root, vdoc_validation_fields, vdoc_validation_nfields, &v->doc);
	if (strcmp(str_or(v->doc.kind, ""), "validation")) {
		snprintf(err, errlen, "%s: not a tare validation file (no \"kind\": \"validation\")", path);
		return EXIT_USAGE;
	}
	if (v->doc.schema_version != VALIDATE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %g, this tare reads %d", path,
			 v->doc.schema_version >= 0 ? (double)v->doc.schema_version : NAN, VALIDATE_SCHEMA_VERSION);
		return EXIT_USAGE;
	}
	if (!json_is_array(v->doc.cases)) {
		snprintf(err, errlen, "%s: no cases", path);
		return EXIT_USAGE;
	}
	json_get_fields(v->doc.options, vdoc_options_fields, vdoc_options_nfields, &v->opts);
	json_get_fields(v->opts.bounds, vdoc_rules_fields, vdoc_rules_nfields, &v->rules);
	v->cases = xcalloc(json_array_size(v->doc.cases) + 1, sizeof(*v->cases));
	json_array_foreach(v->doc.cases, i, c)
		case_read(&v->cases[v->ncases++], c);
	v->index = rp->nvals;
	v->given = given;
	base_name(v->dir, v->name, sizeof(v->name));
	return 0;
}

void val_free(struct rval *v)
{
	for (int i = 0; i < v->ncases; i++) {
		struct rcase *rc = &v->cases[i];
		for (int k = 0; k < rc->nv; k++)
			if (rc->v[k].own) {
				json_free_fields(vdoc_measure_fields, vdoc_measure_nfields, &rc->v[k].m);
				json_free_fields(vdoc_measure_bounds_fields, vdoc_measure_bounds_nfields, &rc->v[k].b);
			}
		json_free_fields(vdoc_case_bounds_fields, vdoc_case_bounds_nfields, &rc->b);
		json_free_fields(vdoc_case_fields, vdoc_case_nfields, &rc->d);
	}
	free(v->cases);
	json_free_fields(vdoc_rules_fields, vdoc_rules_nfields, &v->rules);
	json_free_fields(vdoc_options_fields, vdoc_options_nfields, &v->opts);
	json_free_fields(vdoc_validation_fields, vdoc_validation_nfields, &v->doc);
	json_decref(v->root);
}

/* ---- the cases ------------------------------------------------------------------------------ */

int case_ok(const struct rcase *c)
{
	return c->d.status == CASE_OK;
}

/* Its name as written: "ok", "skipped", ...; "?" for none of them. */
static const char *case_status_name(const struct rcase *c)
{
	return c->d.status >= 0 ? vdoc_status_names[c->d.status] : "?";
}

/* The rate asked for; NaN for the types that have none (offcpu, lock, alloc: "hz": null). */
double case_hz(const struct rcase *c)
{
	return c->d.requested_hz >= 0 ? (double)c->d.requested_hz : c->d.hz >= 0 ? (double)c->d.hz : NAN;
}

static int case_is_cpu(const struct rcase *c)
{
	return !strcmp(c->d.type, "cpu");
}

/* A rate asked and got, as a cell or a label: "99", or "-" where the type has none. */
static void hz_text(double hz, char *buf, size_t len)
{
	if (isfinite(hz))
		snprintf(buf, len, "%g", hz);
	else
		snprintf(buf, len, "-");
}


/* Two amounts in a measure's unit, the unit once, as they read best: "3.62 / 3.70 s",
 * "373.9 / 370.9 MiB", "5854 / 5855". */
static void amounts_text(double x, double y, const char *unit, char *buf, size_t len)
{
	double m = fmax(fabs(x), fabs(y)), div = 1;
	const char *u = "";
	int prec = 0;
	if (!strcmp(unit, "nanoseconds")) {
		div = m >= 1e9 ? 1e9 : 1e6;
		u = m >= 1e9 ? " s" : " ms";
		prec = m >= 1e9 ? 2 : 1;
	} else if (!strcmp(unit, "bytes")) {
		div = m >= 1048576 ? 1048576.0 : 1024.0;
		u = m >= 1048576 ? " MiB" : " KiB";
		prec = 1;
	}
	buf[0] = '\0';
	for (int k = 0; k < 2; k++) {
		double v = k ? y : x;
		if (isfinite(v))
			catf(buf, len, "%s%.*f", k ? " / " : "", prec, v / div);
		else
			catf(buf, len, "%s-", k ? " / " : "");
	}
	catf(buf, len, "%s", u);
}

/* ---- the section: a table of the cases, their totals and shares ----------------------------- */

/* A number as a table cell with fmt, "-" when absent. */
static void num_cell(struct table *t, double x, const char *fmt)
{
	if (isfinite(x))
		table_cell(t, fmt, x);
	else
		table_cell(t, "-");
}

/* "ref on cpu, 99 Hz, 1 thread", "ref-bpf on lock, 2 threads": a case, in warnings. */
static void case_name(const struct rcase *c, char *buf, size_t len)
{
	const char *w = c->d.workload;
	int thr = c->d.threads;
	buf[0] = '\0';
	catf(buf, len, "%s on %s", c->d.sampler, w);
	if (strcmp(w, c->d.type))
		catf(buf, len, " (%s)", c->d.type);
	if (isfinite(case_hz(c)))
		catf(buf, len, ", %g Hz", case_hz(c));
	catf(buf, len, ", %d thread%s", thr, thr == 1 ? "" : "s");
}

/* The type, and the workload where it is not named as its type: "lock", "lock (mylock)". */
static void type_cell(struct table *t, const struct rcase *c)
{
	const char *w = c->d.workload;
	if (strcmp(w, c->d.type))
		table_cell(t, "%s (%s)", c->d.type, w);
	else
		table_cell(t, "%s", w);
}

/* The reasons a case is out of its bounds that are its own, not a measure's (drops, the
 * rate, the allocation calls): validate lists those first, then each measure's
 * out of bounds ("name: reason"; a cpu case's without the name).  0 when they cannot be told
 * apart: buf then has them all. */
static int case_own_reasons(const struct rcase *c, char *buf, size_t len)
{
	const char *all = c->d.out_of_bounds;
	char tail[4096] = "";
	size_t n, na = strlen(all);
	for (int k = 0; k < c->nv; k++) {
		const char *r = c->v[k].own ? c->v[k].m.out_of_bounds : "";
		if (!*r)
			continue;
		catf(tail, sizeof(tail), "%s", *tail ? "; " : "");
		if (case_is_cpu(c))
			catf(tail, sizeof(tail), "%s", r);
		else
			catf(tail, sizeof(tail), "%s: %s", c->v[k].name, r);
	}
	n = strlen(tail);
	if (n && !(na >= n && !strcmp(all + na - n, tail))) {
		snprintf(buf, len, "%s", all);
		return 0;
	}
	na -= n;
	while (n && na && (all[na - 1] == ' ' || all[na - 1] == ';'))
		na--;
	snprintf(buf, len, "%.*s", (int)na, all);
	return 1;
}

/* Row k of a measured case: PASS or FAIL (coloured in HTML) with the reasons; the first row
 * carries the case's own reasons beside its first measure's. */
static void verdict_cell(struct table *t, const struct rcase *c, int k)
{
	const struct mview *mv = c->v;
	const char *gate = c->d.gating ? "" : " (not gated)";
	char why[4096] = "";
	int within;
	if (k == 0) {
		if (case_own_reasons(c, why, sizeof(why)) && mv[0].own && *mv[0].m.out_of_bounds)
			catf(why, sizeof(why), "%s%s", *why ? "; " : "", mv[0].m.out_of_bounds);
		within = !*why && (c->nv > 1 ? mv[0].m.within_bounds : c->d.within_bounds);
	} else {
		snprintf(why, sizeof(why), "%s", mv[k].m.out_of_bounds);
		within = !*why && mv[k].m.within_bounds;
	}
	if (within)
		table_cell(t, "PASS%s", gate);
	else
		table_cell(t, "FAIL%s: %s", gate, *why ? why : "out of bounds");
}

/* A case not measured: its status and reason. */
static void status_cell(struct table *t, const struct rcase *c)
{
	table_cell(t, "%s: %s", case_status_name(c), c->d.reason);
}

/* "9759 (0)": events, and those dropped. */
static void events_cell(struct table *t, const struct rcase *c)
{
	table_cell(t, "%.0f (%.0f)", (double)c->d.samples, (double)c->d.dropped);
}

/* The largest share error, with its site. */
static void error_cell(struct table *t, const struct mview *v)
{
	double e = v->m.attribution_error_max_pp;
	if (!isfinite(e))
		table_cell(t, "-");
	else if (v->m.worst_site)
		table_cell(t, "%.2f (%s)", e, v->m.worst_site);
	else
		table_cell(t, "%.2f", e);
}

/* The SE of the largest share's error by chance ("exact" for the types that count every
 * event), and the bound the error is held to: "3.24 / 13.98". */
static void se_bound_cell(struct table *t, const struct mview *v)
{
	double se = v->m.se_max_pp, bound = v->b.attribution_error_max_pp;
	char s[32], b[32];
	if (v->own && v->m.kind == VK_EXACT)
		snprintf(s, sizeof(s), "exact");
	else if (isfinite(se))
		snprintf(s, sizeof(s), "%.2f", se);
	else
		snprintf(s, sizeof(s), "-");
	if (isfinite(bound))
		snprintf(b, sizeof(b), "%.2f", bound);
	else
		snprintf(b, sizeof(b), "-");
	table_cell(t, "%s / %s", s, b);
}

/* Two percentages: "100.0 / 99.9" (stacks reaching main, frames symbolized). */
static void pair_cell(struct table *t, double x, double y, double scale, const char *fmt)
{
	char a[32] = "-", b[32] = "-";
	if (isfinite(x))
		snprintf(a, sizeof(a), fmt, x * scale);
	if (isfinite(y))
		snprintf(b, sizeof(b), fmt, y * scale);
	table_cell(t, "%s / %s", a, b);
}

static void tvd_cell(struct table *t, const struct mview *v)
{
	double tvd = v->m.tvd, e = v->m.expected_tvd;
	if (isfinite(tvd) && isfinite(e))
		table_cell(t, "%.2f (%.2f)", 100 * tvd, 100 * e);
	else if (isfinite(tvd))
		table_cell(t, "%.2f", 100 * tvd);
	else
		table_cell(t, "-");
}

/* A bound in %: "80", "95.6". */
static void pct_text(double x, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f", x);
	if (strlen(buf) > 2 && !strcmp(buf + strlen(buf) - 2, ".0"))
		buf[strlen(buf) - 2] = '\0';
}

/* The cases with a sampling rate (cpu): one row each. */
static void val_rate_table(struct doc *d, const struct rval *v)
{
	static const char *const head[] = { "sampler", "type", "threads", "Hz asked", "Hz got", "samples",
					    "lost / throttled %", "dropped", "max error (pt)", "SE / bound (pt)",
					    "TVD (expected) (pt)", "main / symbolized %", "bounds" };
	const int ncols = (int)(sizeof(head) / sizeof(head[0]));
	struct table t;
	table_init(&t, ncols, 0x3 | 1u << (ncols - 1));
	for (int k = 0; k < ncols; k++)
		table_cell(&t, "%s", head[k]);
	for (int i = 0; i < v->ncases; i++) {
		const struct rcase *c = &v->cases[i];
		double hz = case_hz(c), eff = c->d.effective_rate_hz;
		if (!isfinite(hz))
			continue;
		table_cell(&t, "%s", c->d.sampler);
		type_cell(&t, c);
		table_cell(&t, "%d", c->d.threads);
		table_cell(&t, "%g", hz);
		if (!case_ok(c)) {
			for (int k = 4; k < ncols - 1; k++)
				table_cell(&t, "-");
			status_cell(&t, c);
			continue;
		}
		if (isfinite(eff))
			table_cell(&t, "%.1f (%.1f%%)", eff, hz > 0 ? 100 * eff / hz : NAN);
		else
			table_cell(&t, "-");
		table_cell(&t, "%.0f", (double)c->d.samples);
		pair_cell(&t, c->d.lost_pct, c->d.throttled_pct, 1, "%.2f");
		table_cell(&t, "%.0f", (double)c->d.dropped);
		error_cell(&t, &c->v[0]);
		se_bound_cell(&t, &c->v[0]);
		tvd_cell(&t, &c->v[0]);
		pair_cell(&t, c->d.reached_main, c->d.symbolized, 100, "%.1f");
		verdict_cell(&t, c, 0);
	}
	doc_table(d, &t);
	table_free(&t);
}

/* The cases without a rate (offcpu, lock, alloc): one row per measure, the case's own cells
 * (sampler, events, drops) on its first. */
static void val_measure_table(struct doc *d, const struct rval *v)
{
	static const char *const head[] = { "sampler", "type", "threads", "events (dropped)", "measure",
					    "total, measured / true", "% of true [bound]", "max error (pt)", "SE / bound (pt)",
					    "TVD (expected) (pt)", "main / symbolized %", "bounds" };
	const int ncols = (int)(sizeof(head) / sizeof(head[0]));
	struct table t;
	table_init(&t, ncols, 0x3 | 1u << 4 | 1u << (ncols - 1));
	for (int k = 0; k < ncols; k++)
		table_cell(&t, "%s", head[k]);
	for (int i = 0; i < v->ncases; i++) {
		const struct rcase *c = &v->cases[i];
		if (isfinite(case_hz(c)))
			continue;
		for (int k = 0; k < c->nv; k++) {
			const struct mview *mv = &c->v[k];
			double ratio = mv->m.total_ratio, lo = mv->b.total_ratio_min, hi = mv->b.total_ratio_max;
			char totals[160];
			if (k == 0) {
				table_cell(&t, "%s", c->d.sampler);
				type_cell(&t, c);
				table_cell(&t, "%d", c->d.threads);
			} else {
				for (int j = 0; j < 3; j++)
					table_cell(&t, "%s", "");
			}
			if (!case_ok(c)) {
				for (int j = 3; j < ncols - 1; j++)
					table_cell(&t, "-");
				status_cell(&t, c);
				break;
			}
			if (k == 0)
				events_cell(&t, c);
			else
				table_cell(&t, "%s", "");
			table_cell(&t, "%s", mv->name);
			amounts_text(mv->m.total_measured, mv->m.total_truth, mv->m.unit, totals, sizeof(totals));
			table_cell(&t, "%s", isfinite(mv->m.total_measured) ? totals : "-");
			if (isfinite(ratio) && isfinite(lo) && isfinite(hi)) {
				char l[32], h[32];
				pct_text(100 * lo, l, sizeof(l));
				pct_text(100 * hi, h, sizeof(h));
				table_cell(&t, "%.1f [%s, %s]", 100 * ratio, l, h);
			} else if (isfinite(ratio)) {
				table_cell(&t, "%.1f", 100 * ratio);
			} else {
				table_cell(&t, "-");
			}
			error_cell(&t, mv);
			se_bound_cell(&t, mv);
			tvd_cell(&t, mv);
			pair_cell(&t, mv->m.reached_main, mv->m.symbolized, 100, "%.1f");
			verdict_cell(&t, c, k);
		}
	}
	doc_table(d, &t);
	table_free(&t);
}

/* The allocation calls and bytes asked, which the allocation sampler counts at every call. */
static void val_alloc_calls(struct doc *d, const struct rval *v)
{
	struct table t;
	int rows = 0;
	table_init(&t, 6, 0x1);
	table_cell(&t, "sampler");
	table_cell(&t, "threads");
	table_cell(&t, "calls counted");
	table_cell(&t, "calls made");
	table_cell(&t, "bytes counted");
	table_cell(&t, "bytes asked");
	for (int i = 0; i < v->ncases; i++) {
		const struct rcase *c = &v->cases[i];
		int has_calls = json_is_object(c->d.calls), has_bytes = json_is_object(c->d.bytes);
		double cc = has_calls ? (double)c->calls.counted : NAN, ct = c->calls.truth;
		double bc = has_bytes ? (double)c->bytes.counted : NAN, bt = c->bytes.truth;
		if (!case_ok(c) || (!has_calls && !has_bytes))
			continue;
		table_cell(&t, "%s", c->d.sampler);
		table_cell(&t, "%d", c->d.threads);
		if (isfinite(cc) && isfinite(ct))
			table_cell(&t, "%.0f (%+.0f)", cc, cc - ct);
		else
			num_cell(&t, cc, "%.0f");
		num_cell(&t, ct, "%.0f");
		if (isfinite(bc) && isfinite(bt))
			table_cell(&t, "%.0f (%+.0f)", bc, bc - bt);
		else
			num_cell(&t, bc, "%.0f");
		num_cell(&t, bt, "%.0f");
		rows++;
	}
	if (rows) {
		doc_para(d, "Allocation calls (malloc, calloc, realloc) and the bytes they asked for, which the allocation "
			 "sampler counts at every call, against the workload's own count (the difference in brackets; glibc's "
			 "own allocations may add a few):");
		doc_table(d, &t);
	}
	table_free(&t);
}

/* Measured and true shares of each site, one table per type (its sites as columns), a row per
 * measure of each measured case. */
static void val_shares(struct doc *d, const struct rval *v)
{
	struct ptrvec types = { 0 };
	for (int i = 0; i < v->ncases; i++)
		if (case_ok(&v->cases[i]))
			push_unique(&types, v->cases[i].d.type);
	if (types.n)
		doc_para(d, "Each site's share, measured (and true: the workload's own measurement of it), one table per "
			 "type; a measure's shares are of its total over the sites (samples, off-CPU time, blocks, lock delay, "
			 "contentions, bytes or objects allocated, bytes in use):");
	for (int g = 0; g < types.n; g++) {
		struct ptrvec sites = { 0 };
		struct table t;
		int hz = 0, measure = 0, ncols;
		for (int i = 0; i < v->ncases; i++) {
			const struct rcase *c = &v->cases[i];
			json_t *x;
			const char *k;
			if (!case_ok(c) || strcmp(c->d.type, types.v[g]))
				continue;
			hz |= isfinite(case_hz(c));
			measure |= c->nv > 1 || strcmp(c->v[0].name, "samples");
			for (int m = 0; m < c->nv; m++)
				json_object_foreach(c->v[m].m.truth, k, x)
					push_unique(&sites, k);
		}
		ncols = 2 + hz + measure + sites.n;
		table_init(&t, ncols, 0x1 | (measure ? 1u << (2 + hz) : 0));
		table_cell(&t, "sampler");
		table_cell(&t, "threads");
		if (hz)
			table_cell(&t, "Hz");
		if (measure)
			table_cell(&t, "measure");
		for (int j = 0; j < sites.n; j++)
			table_cell(&t, "%s", (const char *)sites.v[j]);
		for (int i = 0; i < v->ncases; i++) {
			const struct rcase *c = &v->cases[i];
			if (!case_ok(c) || strcmp(c->d.type, types.v[g]))
				continue;
			for (int m = 0; m < c->nv; m++) {
				char rate[32];
				table_cell(&t, "%s", c->d.sampler);
				table_cell(&t, "%d", c->d.threads);
				if (hz) {
					hz_text(case_hz(c), rate, sizeof(rate));
					table_cell(&t, "%s", rate);
				}
				if (measure)
					table_cell(&t, "%s", c->v[m].name);
				for (int j = 0; j < sites.n; j++) {
					double ms = json_get_number(c->v[m].m.measured, sites.v[j], NAN);
					double tr = json_get_number(c->v[m].m.truth, sites.v[j], NAN);
					if (isfinite(ms) && isfinite(tr))
						table_cell(&t, "%.1f%% (%.1f%%)", 100 * ms, 100 * tr);
					else
						table_cell(&t, "-");
				}
			}
		}
		doc_p_begin(d);
		doc_strong(d, types.v[g]);
		doc_p_end(d);
		doc_table(d, &t);
		table_free(&t);
		free(sites.v);
	}
	free(types.v);
}

/* What a validation's verdict says, in words. */
static const char *val_verdict_text(const char *verdict)
{
	static const char *const words[][2] = {
		{ "pass", "every gated case within its bounds" }, { "fail", "a gated case out of its bounds" },
		{ "interrupted", "interrupted: only the finished cases are here" },
		{ "running", "not finished (still running, or it stopped early)" },
		{ "cannot", "the sampler could not sample here" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(verdict, words[i][0]))
			return words[i][1];
	return "";
}

/* "ref, perf", "99, 999": an array of strings or numbers, joined. */
static void join_array(json_t *a, const char *unit, char *buf, size_t len)
{
	json_t *x;
	size_t i;
	buf[0] = '\0';
	json_array_foreach(a, i, x) {
		if (json_is_string(x))
			catf(buf, len, "%s%s", *buf ? ", " : "", json_string_value(x));
		else if (json_is_number(x))
			catf(buf, len, "%s%g", *buf ? ", " : "", json_number_value(x));
	}
	if (*buf && *unit)
		catf(buf, len, "%s", unit);
	if (!*buf)
		snprintf(buf, len, "-");
}

/* The workloads of a validation's cases: "cpu, lock", with the type where it is not the
 * workload's name: "mylock (type lock)". */
static void val_workloads(const struct rval *v, char *buf, size_t len)
{
	struct ptrvec seen = { 0 };
	buf[0] = '\0';
	for (int i = 0; i < v->ncases; i++) {
		const struct vdoc_case *c = &v->cases[i].d;
		int k = seen.n;
		push_unique(&seen, c->workload);
		if (seen.n == k)
			continue;
		catf(buf, len, "%s%s", *buf ? ", " : "", c->workload);
		if (strcmp(c->workload, c->type))
			catf(buf, len, " (type %s)", c->type);
	}
	if (!*buf)
		snprintf(buf, len, "-");
	free(seen.v);
}

/* The profile types of a validation (options.types, else its cases'), and whether it has
 * cases of the rated type (cpu) and of the others. */
static void val_types(const struct rval *v, char *buf, size_t len, int *cpu, int *other, int *alloc)
{
	struct ptrvec seen = { 0 };
	json_t *c;
	size_t i;
	buf[0] = '\0';
	json_array_foreach(v->opts.types, i, c)
		if (json_is_string(c))
			push_unique(&seen, json_string_value(c));
	if (!seen.n)
		for (int k = 0; k < v->ncases; k++)
			push_unique(&seen, v->cases[k].d.type);
	*cpu = *other = *alloc = 0;
	for (int k = 0; k < seen.n; k++) {
		catf(buf, len, "%s%s", k ? ", " : "", (const char *)seen.v[k]);
		*cpu |= !strcmp(seen.v[k], "cpu");
		*other |= !!strcmp(seen.v[k], "cpu");
		*alloc |= !strcmp(seen.v[k], "alloc");
	}
	if (!*buf)
		snprintf(buf, len, "-");
	free(seen.v);
}

static void val_section(struct doc *d, const struct report *rp, const struct rval *v)
{
	const struct vdoc_options *opts = &v->opts;
	const char *verdict = str_or(v->doc.verdict, "?");
	char title[300], samplers[256], rates[256], threads[128], types[256], workloads[512];
	int cpu, other, alloc, rated = 0, unrated = 0;
	if (rp->nvals > 1) {
		snprintf(title, sizeof(title), "Validation %d: %s", v->index, v->name);
		doc_heading(d, 3, NULL, title);
	}
	join_array(opts->samplers, "", samplers, sizeof(samplers));
	join_array(opts->rates_hz, " Hz", rates, sizeof(rates));
	join_array(opts->threads, "", threads, sizeof(threads));
	val_types(v, types, sizeof(types), &cpu, &other, &alloc);
	val_workloads(v, workloads, sizeof(workloads));
	doc_p_begin(d);
	doc_text(d, "Types ");
	doc_code(d, types);
	if (strcmp(types, workloads)) {
		doc_text(d, ", workloads ");
		doc_code(d, workloads);
	}
	doc_text(d, "; samplers ");
	doc_code(d, samplers);
	if (cpu) {
		doc_text(d, "; cpu at ");
		doc_user(d, rates);
		doc_text(d, " with ");
		doc_user(d, threads);
		doc_text(d, strcmp(threads, "1") ? " threads, event " : " thread, event ");
		doc_code(d, str_or(opts->event, "?"));
	}
	if (other && opts->other_types_threads >= 0)
		doc_textf(d, "; the other types with %g thread%s", (double)opts->other_types_threads,
			  opts->other_types_threads == 1 ? "" : "s");
	if (alloc && opts->alloc_rate_bytes >= 0)
		doc_textf(d, ", allocations sampled every %g bytes on average", (double)opts->alloc_rate_bytes);
	if (isfinite(opts->duration_s))
		doc_textf(d, "; %g s a run", opts->duration_s);
	doc_text(d, opts->same_run ?
		 "; the samplers of one workload, rate and thread count sampled the same run.  Verdict: " :
		 "; each sampler on its own run.  Verdict: ");
	doc_strong(d, verdict);
	doc_text(d, *val_verdict_text(verdict) ? " (" : "");
	doc_text(d, val_verdict_text(verdict));
	doc_text(d, *val_verdict_text(verdict) ? ")." : ".");
	doc_p_end(d);
	if (!v->ncases) {
		doc_para(d, "No case was measured.");
		return;
	}
	for (int i = 0; i < v->ncases; i++) {
		rated += isfinite(case_hz(&v->cases[i]));
		unrated += !isfinite(case_hz(&v->cases[i]));
	}
	if (rated)
		val_rate_table(d, v);
	if (unrated) {
		if (rated)
			doc_para(d, "The types without a sampling rate, one row per measure:");
		val_measure_table(d, v);
	}
	val_alloc_calls(d, v);
	val_shares(d, v);
}

void sec_validation(struct doc *d, const struct report *rp)
{
	static const char *const items[] = {
		"CPU samples (type cpu), a row per case.  Hz asked and got: the requested sampling rate and the "
		"effective one (samples per CPU second of the workload, and its share of the requested); lost and "
		"throttled samples, % of samples; dropped: samples received but not kept.",
		"The other types (offcpu: off-CPU time and blocks; lock: delay and contentions; alloc: space and objects "
		"allocated, space in use), a row per measure, the case's own cells on its first.  Events: what the "
		"sampler recorded one at a time (blocks, contentions, sampled allocations), and in brackets those "
		"dropped; total: the measure summed over the sites, "
		"measured and true, and the measured as % of the true with the range its bound allows.",
		"Every measure.  Max error: the largest absolute difference between a site's measured and true share, in "
		"percentage points (pt), with the site; SE / bound: the standard error of that share by chance, at the "
		"largest (binomial in the samples for cpu, Poisson sampling per byte for alloc; `exact` where every event "
		"is counted), and the bound the error is held to; TVD: the total variation distance between the measured "
		"and true shares, with its expectation by chance; main / symbolized: % of stacks unwound to a root frame "
		"(main or a thread's start), % of frames given a name; bounds: whether the case (on a measure's row "
		"after the first, the measure) is within the bounds the validation holds it to (the method below), and "
		"if not why: drops, the rate, the totals, sites not found.  Only gated cases decide the "
		"verdict; the others are shown beside them.",
	};
	int rated = 0, unrated = 0;
	if (!rp->nvals)
		return;
	doc_heading(d, 2, "validation", "Validation of the samplers");
	doc_para(d, "Each sampler against a workload whose true profile is known (`tare validate`), its stacks reduced to "
		 "the workload's sites (the function nearest the leaf) and compared, measure by measure, with the "
		 "workload's own measurement:");
	for (int i = 0; i < rp->nvals; i++)
		for (int k = 0; k < rp->vals[i].ncases; k++) {
			rated |= isfinite(case_hz(&rp->vals[i].cases[k]));
			unrated |= !isfinite(case_hz(&rp->vals[i].cases[k]));
		}
	doc_ul_begin(d);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if ((i == 0 && !rated) || (i == 1 && !unrated))
			continue;
		doc_li_begin(d);
		doc_text(d, items[i]);
		doc_li_end(d);
	}
	doc_ul_end(d);
	for (int i = 0; i < rp->nvals; i++)
		val_section(d, rp, &rp->vals[i]);
}

/* ---- warnings ------------------------------------------------------------------------------- */

/* A validation: not finished, gated cases out of bounds, cases not measured (one line per
 * sampler and reason), lost, throttled or dropped samples or events. */
int warn_validation(struct doc *d, const struct report *rp, const struct rval *v)
{
	const char *verdict = str_or(v->doc.verdict, "");
	json_t *x;
	size_t i;
	int n = 0;
	char tag[32] = "", name[200];
	if (rp->nruns + rp->nvals > 1)
		snprintf(tag, sizeof(tag), rp->nvals > 1 ? "validation %d: " : "validation: ", v->index);
	if (!strcmp(verdict, "interrupted") || !strcmp(verdict, "running") || !strcmp(verdict, "cannot"))
		warn_item(d, tag, val_verdict_text(verdict)), n++;
	json_array_foreach(v->doc.out_of_bounds, i, x)
		if (json_is_string(x)) {
			char *s = xasprintf("out of bounds: %s", json_string_value(x));
			warn_item(d, tag, s);
			free(s);
			n++;
		}
	for (int k = 0; k < v->ncases; k++) {
		const struct rcase *c = &v->cases[k];
		const char *sampler = c->d.sampler, *status = case_status_name(c), *reason = c->d.reason;
		double lost = c->d.lost_pct, thr = c->d.throttled_pct, dropped = (double)c->d.dropped;
		int same = 0, first = 1;
		if (!case_ok(c)) {
			/* once per sampler, status and reason: "perf: skipped in 2 cases: ..." */
			for (int j = 0; j < v->ncases; j++) {
				const struct rcase *o = &v->cases[j];
				if (case_ok(o) || strcmp(sampler, o->d.sampler) || strcmp(status, case_status_name(o)) ||
				    strcmp(reason, o->d.reason))
					continue;
				first &= j >= k;
				same++;
			}
			if (first) {
				char *s = same > 1 ? xasprintf("%s: %s in %d cases: %s", sampler, status, same, reason)
						   : (case_name(c, name, sizeof(name)), xasprintf("%s: %s: %s", name, status, reason));
				warn_item(d, tag, s);
				free(s);
				n++;
			}
			continue;
		}
		{
			/* what the sampler did not keep: lost and throttled samples, drops */
			const char *of = isfinite(case_hz(c)) ? "samples" : "events";
			double samples = (double)c->d.samples;
			char what[600] = "";
			if (lost > 0)
				catf(what, sizeof(what), "%.2f%% of %s lost", lost, of);
			if (thr > 0)
				catf(what, sizeof(what), "%s%.2f%% throttled", *what ? ", " : "", thr);
			if (dropped > 0)
				catf(what, sizeof(what), "%s%.0f %s dropped (%.2f%%)", *what ? ", " : "", dropped, of,
				     isfinite(c->d.dropped_pct) ? c->d.dropped_pct : samples > 0 ? 100 * dropped / samples : 100.0);
			if (!*what)
				continue;
			case_name(c, name, sizeof(name));
			char *s = xasprintf("%s: %s", name, what);
			warn_item(d, tag, s);
			free(s);
			n++;
		}
	}
	return n;
}

/* ---- method: options and bounds, one column per validation ---------------------------------- */

/* One row of the method table for a validation: the text of its cell, "-" where it has none. */
static void val_method_text(const struct rval *v, const char *what, char *buf, size_t len)
{
	const struct vdoc_options *opts = &v->opts;
	int cpu, other, alloc, ok = 0;
	char types[256];
	val_types(v, types, sizeof(types), &cpu, &other, &alloc);
	snprintf(buf, len, "-");
	if (!strcmp(what, "validation"))
		snprintf(buf, len, "%s", v->name);
	else if (!strcmp(what, "started"))
		snprintf(buf, len, "%s to %s", str_or(v->doc.started_utc, "?"), str_or(v->doc.finished_utc, "?"));
	else if (!strcmp(what, "types"))
		snprintf(buf, len, "%s", types);
	else if (!strcmp(what, "workloads"))
		val_workloads(v, buf, len);
	else if (!strcmp(what, "samplers"))
		join_array(opts->samplers, "", buf, len);
	else if (!strcmp(what, "cpu: sampling rates") && cpu)
		join_array(opts->rates_hz, " Hz", buf, len);
	else if (!strcmp(what, "cpu: workload threads") && cpu)
		join_array(opts->threads, "", buf, len);
	else if (!strcmp(what, "cpu: event") && cpu)
		snprintf(buf, len, "%s", str_or(opts->event, "-"));
	else if (!strcmp(what, "other types: workload threads") && other && opts->other_types_threads >= 0)
		snprintf(buf, len, "%g", (double)opts->other_types_threads);
	else if (!strcmp(what, "alloc: mean bytes between samples") && alloc && opts->alloc_rate_bytes >= 0)
		snprintf(buf, len, "%g", (double)opts->alloc_rate_bytes);
	else if (!strcmp(what, "each run") && isfinite(opts->duration_s))
		snprintf(buf, len, "%g s", opts->duration_s);
	else if (!strcmp(what, "samplers share a run"))
		snprintf(buf, len, "%s", opts->same_run ? "yes" : "no (--apart)");
	else if (!strcmp(what, "cases")) {
		for (int i = 0; i < v->ncases; i++)
			ok += case_ok(&v->cases[i]);
		snprintf(buf, len, "%d measured of %d", ok, v->ncases);
	} else if (!strcmp(what, "verdict"))
		snprintf(buf, len, "%s", str_or(v->doc.verdict, "?"));
	else if (!strcmp(what, "tare version"))
		snprintf(buf, len, "%s", str_or(v->doc.tare_version, "?"));
}

/* Does a validation hold cases of this type? */
static int val_has_type(const struct rval *v, const char *type, size_t len)
{
	for (int i = 0; i < v->ncases; i++)
		if (strlen(v->cases[i].d.type) == len && !strncmp(v->cases[i].d.type, type, len))
			return 1;
	return 0;
}

/* Why each measure's bounds are what they are (options.bounds.measures: "lock delay": "..."),
 * one row per measure of a type some validation here holds. */
static void measure_bound_rows(struct table *t, const struct report *rp)
{
	struct ptrvec keys = { 0 };
	for (int i = 0; i < rp->nvals; i++) {
		json_t *x;
		const char *k;
		json_object_foreach(rp->vals[i].rules.measures, k, x)
			if (json_is_string(x) && val_has_type(&rp->vals[i], k, strcspn(k, " ")))
				push_unique(&keys, k);
	}
	for (int j = 0; j < keys.n; j++) {
		table_cell(t, "bound: %s", (const char *)keys.v[j]);
		for (int i = 0; i < rp->nvals; i++) {
			json_t *x = json_object_get(rp->vals[i].rules.measures, keys.v[j]);
			const char *k = keys.v[j];
			table_cell(t, "%s", json_is_string(x) && val_has_type(&rp->vals[i], k, strcspn(k, " ")) ?
					    json_string_value(x) : "-");
		}
	}
	free(keys.v);
}

void val_method(struct doc *d, const struct report *rp)
{
	static const char *const rows[] = { "validation", "started", "types", "workloads", "samplers", "cpu: sampling rates",
					    "cpu: workload threads", "cpu: event", "other types: workload threads",
					    "alloc: mean bytes between samples", "each run", "samplers share a run", "cases",
					    "verdict", "tare version" };
	/* what each type's rows mean and the bounds they are held to (docs/validate.md), for the
	 * types the report's validations hold */
	enum { ANY, CPU, COUNTED, ALLOC };
	static const struct { int types; const char *text; } items[] = {
		{ ANY, "Truth: the workload's own measurement of its profile, per site (the function that does the work), "
		  "not what it was asked for.  cpu: every 64th pass of each function timed on the wall clock, passes during "
		  "which the thread was descheduled left out; "
		  "offcpu: each site's calls timed around them, and counted; lock: each site's wait for its mutex and its "
		  "contentions; alloc: the bytes and objects each site allocated, and those still live at exit." },
		{ ANY, "Measures: the shares of one quantity over the sites, each held to its own bounds.  cpu: samples.  "
		  "offcpu: off-CPU time and blocks.  lock: delay (the wait) and contentions.  alloc: alloc_space (bytes "
		  "allocated), alloc_objects (objects allocated) and inuse_space (bytes live at exit).  A sample counts for "
		  "the truth's site nearest its leaf; the shares are of the sum over the sites, as the truth's are." },
		{ ANY, "Attribution error: max over the sites of |measured share - true share|, in percentage points.  TVD: "
		  "half the sum over the sites of |measured - true share|.  Each |share error| has the mean se_i "
		  "sqrt(2/pi) by chance, so E[TVD] is the sum of the sites' standard errors over sqrt(2 pi)." },
		{ CPU, "cpu, samples, binomial: if each of n samples lands in site i with probability p_i independently, the "
		  "measured share has the standard error se_i = sqrt(p_i (1 - p_i) / n).  The bound is 4 of those SEs at "
		  "the largest plus 1 point, or a fixed number of points (--max-error): 4 SEs, a site leaves it by chance "
		  "with probability 6e-5; the point is for what is not sampling noise (the truth is itself measured, and "
		  "moves ~0.3 points between runs).  TVD: within 4 E[TVD] + 1 point.  A periodic sampler is not a random "
		  "one: the binomial figures are the yardstick, not a model of the sampler." },
		{ CPU, "cpu, effective rate: the samples a sampler received over the workload's CPU seconds (user + system, "
		  "from wait4).  A per-task clock (ref, perf) fires every 1/rate s of the task's CPU: only lost, throttled "
		  "or unaccounted samples move the rate, so its bound is a tolerance, not a statistic.  ref-bpf's clocks "
		  "are per CPU and fire every 1/rate s of the CPU's time on whatever runs: a workload that had the "
		  "fraction u of its CPUs' time takes each tick with probability ~u, so its n samples are binomial, "
		  "relative SE sqrt((1 - u) / n), and its bound adds 4 of those." },
		{ COUNTED, "offcpu and lock, every event counted: every block and every contended pthread_mutex_lock is "
		  "recorded, with its time, so there is no sampling error (SE `exact`).  What separates the profile from "
		  "the truth is the measurement: the workload times each call with CLOCK_MONOTONIC around it; the profile "
		  "counts switch-out to switch-in (offcpu) or the probed call's entry to return (lock).  Each event is "
		  "short by d, the call's time on the CPU or runnable but not blocked: syscall entry and exit, the probes' "
		  "traps (~10-20 us of a 300-1000 us block idle), and, on a loaded machine, the wait of a thread preempted "
		  "inside the call.  A site with a share t_i of the time and b_i of the events moves by (n d / (T - n d)) "
		  "(t_i - b_i): 0.6 points idle, up to 1.2 measured with four CPU hogs.  So the bounds are measurement "
		  "noise: 4 points on the time shares (off-cpu, delay), the time within [80%, 101%] of the truth's; the "
		  "events exact but for a spurious wake-up (a second block: blocks within [99%, 105%]) or a contention "
		  "missed in a race of a few us (contentions within [95%, 100%]), their shares within 2 points." },
		{ ALLOC, "alloc, Poisson sampling per byte: the eBPF sampler samples allocations as a Poisson process over the "
		  "bytes allocated, mean N (the mean bytes between samples above): an allocation of s bytes is sampled with "
		  "P(s) = 1 - exp(-s/N), and a sampled one stands for x/P (s bytes for alloc_space, 1 object for "
		  "alloc_objects).  A site that made c allocations of s bytes gets an unbiased estimate with variance "
		  "V = c x^2 (1 - P) / P, so the SE of its B bytes is s sqrt(c (1 - P) / P) -- for s << N, sqrt(B N): "
		  "the SE of a Poisson count of B/N samples.  A share r_i, by the delta method around the true total T: "
		  "Var r_i ~ ((1 - r_i)^2 V_i + r_i^2 sum_{j != i} V_j) / T^2, for s << N binomial in T/N, the expected "
		  "number of samples; the total's relative SE is sqrt(sum V_j) / T.  The bound: 4 of those SEs plus 0.5 "
		  "point (in use: 1) for what the normal approximation misses at 10 expected samples a site; the totals "
		  "within 4 SEs + 1% (in use: 2%).  The allocation calls and the bytes they asked are counted at every "
		  "call: exactly (+ at most 16 calls and 64 KiB of glibc's own)." },
		{ ANY, "Drops: samples or events the sampler received but could not keep are out of bounds (lost "
		  "and dropped, % at most)." },
		{ ANY, "Every site with 10 or more expected events must be found; 90% of stacks must reach a root frame (main or "
		  "a thread's start routine) and 99% of frames be symbolized.  Only gated cases (the reference samplers') "
		  "decide the verdict; the others are measured and bounded the same way and shown beside them." },
	};
	struct table t;
	int from = rp->nruns, to = rp->nruns + rp->nvals, cpu = 0, alloc = 0, exact = 0;
	for (int i = 0; i < rp->nvals; i++) {
		char types[256];
		int c1, o1, a1;
		val_types(&rp->vals[i], types, sizeof(types), &c1, &o1, &a1);
		cpu |= c1, alloc |= a1;
		(void)o1;
		for (int k = 0; k < rp->vals[i].ncases; k++) {
			const char *type = rp->vals[i].cases[k].d.type;
			exact |= !strcmp(type, "offcpu") || !strcmp(type, "lock");
		}
	}
	if (rp->nruns)
		doc_heading(d, 3, NULL, "Validation");
	doc_para(d, "For each workload (cpu: each rate and thread count), the workload is forked and held at a gate; each "
		 "sampler starts in its own process, attached to the workload's PID, and the gate opens once every sampler "
		 "is ready.  The samplers' stacks are reduced to the workload's sites (the function nearest the leaf) and "
		 "compared, measure by measure, with the workload's truth.  Each case's bounds, as numbers, are in the "
		 "tables above and in validation.json.");
	table_init(&t, rp->nvals + 1, ~0u);
	input_columns(&t, rp, from, to, "validation");
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		char cell[1024];
		int shown = 0;
		if (k == 0 && rp->nvals == 1)
			continue;
		for (int i = 0; i < rp->nvals; i++) {
			val_method_text(&rp->vals[i], rows[k], cell, sizeof(cell));
			shown |= strcmp(cell, "-") != 0;
		}
		if (!shown && strchr(rows[k], ':'))
			continue;	/* a type's row, of no validation here */
		table_cell(&t, "%s", rows[k]);
		for (int i = 0; i < rp->nvals; i++) {
			val_method_text(&rp->vals[i], rows[k], cell, sizeof(cell));
			table_cell(&t, "%s", cell);
		}
	}
	{
		json_t **rules = xcalloc((size_t)rp->nvals + 1, sizeof(*rules));
		for (int i = 0; i < rp->nvals; i++)
			rules[i] = rp->vals[i].opts.bounds;
		objects_rows(&t, rules, rp->nvals, "bound: ");
		free(rules);
	}
	measure_bound_rows(&t, rp);
	doc_table(d, &t);
	table_free(&t);
	doc_ul_begin(d);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if (!(items[i].types == ANY || (items[i].types == CPU && cpu) || (items[i].types == COUNTED && exact) ||
		      (items[i].types == ALLOC && alloc)))
			continue;
		doc_li_begin(d);
		doc_text(d, items[i].text);
		doc_li_end(d);
	}
	doc_ul_end(d);
}
