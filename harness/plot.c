/* plot.c — the plots of `tare report` (plot.h): what each shows, in REPORT/data/NAME.dat, one
 * function each (data_*); gnuplot run on them; the figures and the Plots section. */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report_int.h"

/* ---- the plots ------------------------------------------------------------------------------ */

const struct plot_info plot_info[PLOT_COUNT] = {
	{ "cpu_rate", "CPU overhead vs sampling rate",
	  "Total CPU overhead per unit of work against the same block's baseline, for each profiler "
	  "at each sampling rate (`hz`) it ran at; log x axis.  Points: Hodges-Lehmann estimates; "
	  "bars: confidence intervals (Wilcoxon signed-rank), absent where the run had too few blocks "
	  "for one.  Configurations without a rate are in the next plots and the summary table." },
	{ "latency", "Latency percentile spectrum",
	  "Latency by percentile for each configuration, every trial's requests merged (the run's "
	  "`latency/*.hgrm`), measured from each request's intended send time, so a stall shows in "
	  "the tail (no coordinated omission).  x: 1/(1-p) on a log scale labelled with the "
	  "percentile, as HdrHistogram plots it." },
	{ "memory", "Memory overhead",
	  "Extra peak RSS of the workload plus the profiler's own peak RSS, against the same "
	  "block's baseline: the median of the paired blocks with its sign-test interval (memory "
	  "moves in whole pages, so ranks tie)." },
	{ "cpu_split", "Where the CPU overhead lands",
	  "The CPU overhead split into what was charged to the workload's cgroup (sampling "
	  "interrupts, signal handlers, unwinding), to the profiler's own processes, and to neither "
	  "(kernel threads, irq time), stacked; each is a Hodges-Lehmann estimate.  The black point "
	  "is the total with its interval, estimated on its own, so it need not equal the sum of "
	  "the parts exactly." },
	{ "validation", "Samplers against known profiles",
	  "Each sampler of the validation (side by side) against the workload's known profile, the points "
	  "grouped by profile type: cpu at each rate (and thread count), the other types at each measure (off-CPU "
	  "time and blocks, lock delay and contentions, allocated space and objects, space in use).  Attribution "
	  "error: the largest absolute difference between a site's measured and true share, in percentage points; "
	  "the black line across a bar is the standard error chance gives it (binomial in the samples for cpu, "
	  "Poisson sampling per byte for alloc; none where every event is counted), so an error of one or two of "
	  "them is chance, and the shaded band behind it is the bound it is held to.  The second panel: cpu's effective "
	  "sampling rate (samples per CPU second of the workload) as a share of the requested rate, and the other "
	  "types' total of each measure as a share of the workload's own; the shaded band is what the validation's "
	  "bounds allow.  v1, v2: the validations, in the order given, where a type's points come from several." },
};

/* ---- data files for gnuplot ----------------------------------------------------------------- */

/* A label as a gnuplot data-file string, printed as written.  gnuplot ends the string at the
 * next double quote whatever precedes it, so those become single quotes; it reads backslash
 * escapes inside, so a backslash is doubled.  With lines, a newline breaks the line (the \n
 * escape); otherwise control characters are spaces. */
static void gp_quote_lines(FILE *f, const char *s, int lines)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n' && lines)
			fputs("\\n", f);
		else
			fputc(*s == '"' ? '\'' : (unsigned char)*s < ' ' ? ' ' : *s, f);
	fputc('"', f);
}

static void gp_quote(FILE *f, const char *s)
{
	gp_quote_lines(f, s, 0);
}

static void gp_num(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, " %.6g", x);
	else
		fputs(" NaN", f);
}

/* The profiler's sampling rate (its `hz` option), NaN when it has none.  A known overhead
 * (inject, or any configuration with a truth) is a calibration, not a sampler: its `hz` is a
 * spin rate, and it is plotted with the others in the bar charts. */
static double config_rate(const struct config *cf)
{
	const char *v = kvlist_get(&cf->profiler_opts, "hz");
	char *end;
	double hz;
	if (!v || !strcmp(cf->profiler, "inject") || isfinite(cf->truth_cpu_pct) || isfinite(cf->truth_latency_us))
		return NAN;
	hz = strtod(v, &end);
	return end != v && !*end && hz > 0 ? hz : NAN;
}

/* The label without its rate, naming one line of the rate plot: "perf hz=99 callgraph=dwarf"
 * -> "perf callgraph=dwarf". */
static void rate_group(const struct config *cf, char *buf, size_t len)
{
	const char *s = cf->label;
	size_t n = 0;
	buf[0] = '\0';
	while (*s && n + 1 < len) {
		size_t w = strcspn(s, " ");
		if (w && strncmp(s, "hz=", 3)) {
			int k = snprintf(buf + n, len - n, "%s%.*s", n ? " " : "", (int)w, s);
			n += k > 0 ? (size_t)k : 0;
		}
		s += w;
		s += strspn(s, " ");
	}
	if (!buf[0] || n >= len)
		snprintf(buf, len, "%s", cf->profiler);
}

/* One line of the rate plot: the configurations of run r in group key, by rate; those are
 * marked done.  Returns the rows written (none, and no title, when none has an estimate). */
static int rate_block(const struct report *rp, const struct rrun *r, const char *key, char *done, FILE *f)
{
	const struct experiment *ex = &r->lr.ex;
	int *member = xcalloc((size_t)ex->nconfigs, sizeof(int)), n = 0;
	char k2[256], title[320];
	for (int c = 0; c < ex->nconfigs; c++) {
		const struct overhead *o = &r->an.arms[c].m[MET_CPU_TOTAL];
		if (done[c] || is_baseline(ex, c) || isnan(config_rate(&ex->configs[c])))
			continue;
		rate_group(&ex->configs[c], k2, sizeof(k2));
		if (strcmp(k2, key))
			continue;
		done[c] = 1;
		if (!o->n || !isfinite(o->e.est))
			continue;   /* every trial failed: nothing to draw */
		int i = n++;
		for (; i > 0 && config_rate(&ex->configs[member[i - 1]]) > config_rate(&ex->configs[c]); i--)
			member[i] = member[i - 1];
		member[i] = c;
	}
	series_label(rp, r, key, title, sizeof(title));
	if (n) {
		gp_quote(f, title);
		fputs(" hz estimate_pct lo_pct hi_pct\n", f);
	}
	for (int i = 0; i < n; i++) {
		const struct overhead *o = &r->an.arms[member[i]].m[MET_CPU_TOTAL];
		fprintf(f, "%g", config_rate(&ex->configs[member[i]]));
		gp_num(f, o->e.est);
		gp_num(f, o->e.ok ? o->e.lo : NAN);
		gp_num(f, o->e.ok ? o->e.hi : NAN);
		fputc('\n', f);
	}
	free(member);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The rate plot's x tics (data/cpu_rate_xtics.gp, numbers only): every rate that ran, unless
 * two are too close to read apart on a log axis, when gnuplot's own decades are clearer. */
static void write_rate_tics(const struct report *rp)
{
	double *v = NULL;
	int n = 0, close = 0;
	char *text = NULL, *path;
	size_t len = 0;
	FILE *f;
	for (int i = 0; i < rp->nruns; i++)
		for (int c = 0; c < rp->runs[i].lr.ex.nconfigs; c++) {
			double hz = config_rate(&rp->runs[i].lr.ex.configs[c]);
			if (!isnan(hz) && !is_baseline(&rp->runs[i].lr.ex, c)) {
				v = xrealloc(v, (size_t)(n + 1) * sizeof(double));
				v[n++] = hz;
			}
		}
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	f = open_memstream(&text, &len);
	fputs("# x tics of cpu_rate.gp: the rates that ran\n", f);
	for (int i = 1; i < n; i++)
		close |= v[i] != v[i - 1] && v[i] < 1.3 * v[i - 1];
	for (int i = 0; i < n && !close; i++)
		if (i == 0 || v[i] != v[i - 1])
			fprintf(f, "%s\"%g\" %g", i ? ", " : "set xtics (", v[i], v[i]);
	fputs(n && !close ? ")\n" : "", f);
	fclose(f);
	path = xasprintf("%s/data/cpu_rate_xtics.gp", rp->out);
	write_file_atomic(path, text, len);
	free(path);
	free(text);
	free(v);
}

/* Run r's lines of the rate plot, after `blocks` lines of other runs; returns how many. */
static int rate_blocks(const struct report *rp, const struct rrun *r, int blocks, FILE *f)
{
	const struct experiment *ex = &r->lr.ex;
	char *done = xcalloc((size_t)ex->nconfigs + 1, 1), key[256];
	int n = 0;
	for (int c = 0; c < ex->nconfigs; c++) {
		char *block = NULL;
		size_t len = 0;
		FILE *m;
		if (done[c] || is_baseline(ex, c) || isnan(config_rate(&ex->configs[c])))
			continue;
		m = open_memstream(&block, &len);
		rate_group(&ex->configs[c], key, sizeof(key));
		if (rate_block(rp, r, key, done, m) > 0) {
			fclose(m);
			fprintf(f, "%s%s", blocks + n++ ? "\n\n" : "", block);
		} else {
			fclose(m);
		}
		free(block);
	}
	free(done);
	return n;
}

static int data_cpu_rate(const struct report *rp, FILE *f, char *why, size_t len)
{
	int blocks = 0;
	fputs("# tare report: CPU overhead (%) vs sampling rate (Hz), one block per profiler\n", f);
	for (int i = 0; i < rp->nruns; i++)
		blocks += rate_blocks(rp, &rp->runs[i], blocks, f);
	if (!blocks)
		snprintf(why, len, "no profiler configuration with a sampling rate (an option hz) has a measured overhead");
	else
		write_rate_tics(rp);
	return blocks;
}

/* The rows of a merged .hgrm ("Value Percentile TotalCount 1/(1-Percentile)") as "x value"
 * lines; the 100% row, whose x is infinite, is left out.  Returns the rows written. */
static int hgrm_rows(const char *path, FILE *f)
{
	char *text = read_file(path, NULL), *line, *save = NULL;
	int rows = 0;
	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double v, p, n, x;
		if (sscanf(line, "%lf %lf %lf %lf", &v, &p, &n, &x) == 4 && isfinite(x) && x >= 1 && isfinite(v)) {
			fprintf(f, "%.6g %.6g\n", x, v);
			rows++;
		}
	}
	free(text);
	return rows;
}

/* One line of the latency plot, if configuration c has a merged histogram. */
static int latency_block(const struct report *rp, const struct rrun *r, int c, int *blocks, FILE *f)
{
	const struct config *cf = &r->lr.ex.configs[c];
	char *path = xasprintf("%s/latency/%s.hgrm", r->lr.dir, cf->slug), *rows = NULL;
	char title[320], label[300];
	size_t len = 0;
	FILE *m = open_memstream(&rows, &len);
	int n = hgrm_rows(path, m);
	fclose(m);
	if (n) {
		snprintf(label, sizeof(label), "%s%s", cf->label, is_baseline(&r->lr.ex, c) ? " (baseline)" : "");
		series_label(rp, r, label, title, sizeof(title));
		fputs((*blocks)++ ? "\n\n" : "", f);
		gp_quote(f, title);
		fprintf(f, " x_inverse_tail value_us\n%s", rows);
	}
	free(rows);
	free(path);
	return n;
}

static int data_latency(const struct report *rp, FILE *f, char *why, size_t len)
{
	int blocks = 0, any = 0;
	fputs("# tare report: latency (µs) by 1/(1-percentile), one block per configuration\n", f);
	for (int i = 0; i < rp->nruns; i++) {
		const struct rrun *r = &rp->runs[i];
		any |= run_has_latency(r);
		/* Baselines first, so that "off" is the first line of the key. */
		for (int pass = 0; pass < 2; pass++)
			for (int c = 0; c < r->lr.ex.nconfigs; c++)
				if (is_baseline(&r->lr.ex, c) == !pass && r->an.arms[c].has_latency)
					latency_block(rp, r, c, &blocks, f);
	}
	if (!any)
		snprintf(why, len, "the workload measures no request latency (a server workload, e.g. server, does)");
	else if (!blocks)
		snprintf(why, len, "no merged latency histogram (latency/*.hgrm) in the results directory");
	return blocks;
}

static int data_memory(const struct report *rp, FILE *f, char *why, size_t len)
{
	int rows = 0;
	char title[320];
	fputs("# tare report: memory overhead per configuration\n# index label estimate_mib lo_mib hi_mib\n", f);
	for (int i = 0; i < rp->nruns; i++) {
		const struct rrun *r = &rp->runs[i];
		for (int c = 0; c < r->lr.ex.nconfigs; c++) {
			const struct overhead *o = &r->an.arms[c].m[MET_MEMORY];
			if (is_baseline(&r->lr.ex, c) || !o->n || !isfinite(o->e.est))
				continue;
			series_label(rp, r, r->lr.ex.configs[c].label, title, sizeof(title));
			fprintf(f, "%d ", rows++);
			gp_quote(f, title);
			gp_num(f, o->e.est / 1048576.0);
			gp_num(f, o->e.ok ? o->e.lo / 1048576.0 : NAN);
			gp_num(f, o->e.ok ? o->e.hi / 1048576.0 : NAN);
			fputc('\n', f);
		}
	}
	if (!rows)
		snprintf(why, len, "no configuration besides the baseline has a measured memory overhead");
	return rows;
}

/* Stack the components: positive parts upwards from 0, negative parts downwards. */
static void split_row(const struct arm_summary *a, FILE *f)
{
	static const enum metric parts[3] = { MET_CPU_WORKLOAD, MET_CPU_PROFILER, MET_CPU_UNATTRIBUTED };
	const struct overhead *t = &a->m[MET_CPU_TOTAL];
	double up = 0, down = 0;
	for (int k = 0; k < 3; k++) {
		double v = a->m[parts[k]].n && isfinite(a->m[parts[k]].e.est) ? a->m[parts[k]].e.est : 0;
		if (v >= 0) {
			gp_num(f, up);
			gp_num(f, up + v);
			up += v;
		} else {
			gp_num(f, down + v);
			gp_num(f, down);
			down += v;
		}
	}
	gp_num(f, t->e.est);
	gp_num(f, t->e.ok ? t->e.lo : NAN);
	gp_num(f, t->e.ok ? t->e.hi : NAN);
	fputc('\n', f);
}

static int data_cpu_split(const struct report *rp, FILE *f, char *why, size_t len)
{
	int rows = 0;
	char title[320];
	fputs("# tare report: CPU overhead (%) split, stacked per configuration\n"
	      "# index label workload_lo workload_hi profiler_lo profiler_hi unattributed_lo unattributed_hi"
	      " total total_lo total_hi\n", f);
	for (int i = 0; i < rp->nruns; i++) {
		const struct rrun *r = &rp->runs[i];
		for (int c = 0; c < r->lr.ex.nconfigs; c++) {
			const struct arm_summary *a = &r->an.arms[c];
			if (is_baseline(&r->lr.ex, c) || !a->m[MET_CPU_TOTAL].n || !isfinite(a->m[MET_CPU_TOTAL].e.est))
				continue;
			series_label(rp, r, r->lr.ex.configs[c].label, title, sizeof(title));
			fprintf(f, "%d ", rows++);
			gp_quote(f, title);
			split_row(a, f);
		}
	}
	if (!rows)
		snprintf(why, len, "no configuration besides the baseline has a measured CPU overhead");
	return rows;
}
/* ---- the validation plot's data ------------------------------------------------------------- */

/* A point of the validation plot: what the samplers measured beside each other in one
 * validation — one measure of one type's workload at one rate (cpu) and thread count. */
struct vpoint {
	const struct rval *v;
	const char *type, *workload, *measure;
	double hz, threads;
	int group;                 /* index of its type among the plot's types */
};

static struct vpoint vpoint_of(const struct rval *v, const struct rcase *c, const struct mview *mv)
{
	return (struct vpoint){ v, c->d.type, c->d.workload, mv->name, case_hz(c), c->d.threads, 0 };
}

static int same_num(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static int vpoint_eq(const struct vpoint *a, const struct vpoint *b)
{
	return a->v == b->v && !strcmp(a->type, b->type) && !strcmp(a->workload, b->workload) &&
	       !strcmp(a->measure, b->measure) && same_num(a->hz, b->hz) && same_num(a->threads, b->threads);
}

/* Do the points of a group (a type) all have the same thread count?  Then the group's label
 * says it, and the points' labels do not. */
static int group_threads(const struct vpoint *p, int n, int g, double *threads)
{
	int first = 1;
	for (int k = 0; k < n; k++) {
		if (p[k].group != g)
			continue;
		if (!first && !same_num(p[k].threads, *threads))
			return 0;
		*threads = p[k].threads;
		first = 0;
	}
	return !first && isfinite(*threads);
}

/* Do the points of a group come from several validations?  Then their labels say which. */
static int group_validations(const struct vpoint *p, int n, int g)
{
	const struct rval *v = NULL;
	for (int k = 0; k < n; k++) {
		if (p[k].group != g)
			continue;
		if (v && p[k].v != v)
			return 1;
		v = p[k].v;
	}
	return 0;
}

static void threads_text(double threads, char *buf, size_t len)
{
	snprintf(buf, len, "%g thread%s", threads, threads == 1 ? "" : "s");
}

/* A point's label, one line each: "99 Hz" (cpu) or the measure ("delay"; "alloc_space" broken
 * at its '_'), the workload where it is not named as its type, the thread count where its type's
 * points differ in it, and "v2" (validation 2) where its type's points come from several. */
static void vpoint_label(const struct report *rp, const struct vpoint *pts, int n, int k, char *buf, size_t len)
{
	const struct vpoint *p = &pts[k];
	double thr = NAN;
	buf[0] = '\0';
	if (strcmp(p->workload, p->type))
		catf(buf, len, "%s ", p->workload);
	if (isfinite(p->hz)) {
		catf(buf, len, "%g Hz", p->hz);
	} else {
		size_t o = strlen(buf);
		for (const char *s = p->measure; *s && o + 1 < len; s++)
			buf[o++] = *s == '_' && s != p->measure && s[1] ? '\n' : *s;
		buf[o] = '\0';
	}
	if (isfinite(p->threads) && !group_threads(pts, n, p->group, &thr)) {
		char t[48];
		threads_text(p->threads, t, sizeof(t));
		catf(buf, len, "\n%s", t);
	}
	if (rp->nvals > 1 && group_validations(pts, n, p->group))
		catf(buf, len, "\nv%d", p->v->index);
}

/* The points with a measured case, grouped by type (in the order the types first ran), in the
 * order the validations ran them within a type; and the samplers that measured one, in order
 * of appearance. */
static void val_points(const struct report *rp, struct vpoint **points, int *npoints, struct ptrvec *samplers,
		       struct ptrvec *types)
{
	*points = NULL;
	*npoints = 0;
	for (int i = 0; i < rp->nvals; i++) {
		for (int k = 0; k < rp->vals[i].ncases; k++) {
			const struct rcase *c = &rp->vals[i].cases[k];
			if (!case_ok(c))
				continue;
			push_unique(samplers, c->d.sampler);
			push_unique(types, c->d.type);
			for (int m = 0; m < c->nv; m++) {
				struct vpoint p = vpoint_of(&rp->vals[i], c, &c->v[m]);
				int j = 0;
				while (j < *npoints && !vpoint_eq(&(*points)[j], &p))
					j++;
				if (j == *npoints) {
					*points = xrealloc(*points, (size_t)(*npoints + 1) * sizeof(**points));
					(*points)[(*npoints)++] = p;
				}
			}
		}
	}
	for (int j = 0; j < *npoints; j++)
		for (int g = 0; g < types->n; g++)
			if (!strcmp((*points)[j].type, types->v[g]))
				(*points)[j].group = g;
	/* stable: insertion sort by group */
	for (int j = 1; j < *npoints; j++) {
		struct vpoint p = (*points)[j];
		int i = j;
		for (; i > 0 && (*points)[i - 1].group > p.group; i--)
			(*points)[i] = (*points)[i - 1];
		(*points)[i] = p;
	}
}

/* The measured case of sampler at point p, and its view of p's measure; NULL when none. */
static const struct rcase *val_case_at(const struct vpoint *p, const char *sampler, const struct mview **out)
{
	for (int k = 0; k < p->v->ncases; k++) {
		const struct rcase *c = &p->v->cases[k];
		if (!case_ok(c) || strcmp(c->d.sampler, sampler))
			continue;
		for (int m = 0; m < c->nv; m++) {
			struct vpoint q = vpoint_of(p->v, c, &c->v[m]);
			if (vpoint_eq(p, &q)) {
				*out = &c->v[m];
				return c;
			}
		}
	}
	return NULL;
}

static int data_validation(const struct report *rp, FILE *f, char *why, size_t len)
{
	struct ptrvec samplers = { 0 }, types = { 0 };
	struct vpoint *points;
	int npoints, rows = 0;
	val_points(rp, &points, &npoints, &samplers, &types);
	fputs("# tare report: samplers against known profiles (tare validate), one block per sampler;\n"
	      "# every point (a measure of a type at a rate and thread count) in each block, NaN where the\n"
	      "# sampler did not measure it; pct is the effective rate as % of the requested (cpu) or the\n"
	      "# measure's total as % of the truth's (the other types), within [pct_min, pct_max].\n"
	      "# The last block: the types, each over points first..last.\n", f);
	for (int s = 0; s < samplers.n && npoints; s++) {
		fputs(s ? "\n\n" : "", f);
		gp_quote(f, samplers.v[s]);
		fputs(" case attribution_error_pp se_pp pct pct_min pct_max effective_hz requested_hz error_bound_pp type\n", f);
		for (int k = 0; k < npoints; k++) {
			const struct mview *mv = NULL;
			const struct rcase *c = val_case_at(&points[k], samplers.v[s], &mv);
			double eff = c ? c->d.effective_rate_hz : NAN, req = c ? case_hz(c) : NAN;
			char label[300];
			vpoint_label(rp, points, npoints, k, label, sizeof(label));
			fprintf(f, "%d ", k);
			gp_quote_lines(f, label, 1);
			gp_num(f, c ? mv->m.attribution_error_max_pp : NAN);
			gp_num(f, c ? mv->m.se_max_pp : NAN);
			if (isfinite(points[k].hz)) {
				gp_num(f, req > 0 ? 100 * eff / req : NAN);
				gp_num(f, c ? 100 * c->b.rate_ratio_min : NAN);
				gp_num(f, c ? 100 * c->b.rate_ratio_max : NAN);
			} else {
				gp_num(f, c ? 100 * mv->m.total_ratio : NAN);
				gp_num(f, c ? 100 * mv->b.total_ratio_min : NAN);
				gp_num(f, c ? 100 * mv->b.total_ratio_max : NAN);
			}
			gp_num(f, eff);
			gp_num(f, req);
			gp_num(f, c ? mv->b.attribution_error_max_pp : NAN);
			fprintf(f, " %d\n", points[k].group);
			rows++;
		}
	}
	if (rows) {
		fputs("\n\n\"type\" first last\n", f);
		for (int g = 0; g < types.n; g++) {
			int first = -1, last = -1;
			double thr = NAN;
			char label[200], t[48] = "";
			for (int k = 0; k < npoints; k++)
				if (points[k].group == g)
					last = k, first = first < 0 ? k : first;
			if (group_threads(points, npoints, g, &thr))
				threads_text(thr, t, sizeof(t));
			snprintf(label, sizeof(label), "%s%s%s", (const char *)types.v[g], *t ? "\n" : "", t);
			fprintf(f, "%d %d ", first, last);
			gp_quote_lines(f, label, 1);
			fputc('\n', f);
		}
	}
	if (!rp->nvals)
		snprintf(why, len, "no validation in this report (tare validate makes one: give its results directory to "
			 "tare report beside the run's)");
	else if (!rows)
		snprintf(why, len, "the validation measured no case (every case skipped or failed: see Warnings)");
	free(points);
	free(samplers.v);
	free(types.v);
	return rows;
}
typedef int (*data_fn)(const struct report *, FILE *, char *, size_t);
static const data_fn plot_data[PLOT_COUNT] = { data_cpu_rate, data_latency, data_memory, data_cpu_split, data_validation };

/* ---- drawing -------------------------------------------------------------------------------- */

static int copy_file(const char *src, const char *dst, char *why, size_t len)
{
	size_t n;
	char *text = read_file(src, &n);
	int rc = -1;
	if (!text)
		snprintf(why, len, "cannot read the gnuplot script %s: %s", src, strerror(errno));
	else if (write_file_atomic(dst, text, n) < 0)
		snprintf(why, len, "cannot write %s: %s", dst, strerror(errno));
	else
		rc = 0;
	free(text);
	return rc;
}

/* scripts/plots/NAME.gp (and common.gp, which it loads) into DIR/plots/. */
int plot_copy_script(const char *dir, const char *name, char *why, size_t len)
{
	int rc = 0;
	const char *names[2] = { "common", name };
	for (int i = 0; i < 2 && rc == 0; i++) {
		char *src = xasprintf("%s/scripts/plots/%s.gp", tare_root(), names[i]);
		char *dst = xasprintf("%s/plots/%s.gp", dir, names[i]);
		rc = copy_file(src, dst, why, len);
		free(src);
		free(dst);
	}
	return rc;
}

static void gnuplot_child(const char *gnuplot, const char *dir, const char *setfmt, const char *script, int errfd)
{
	int null = open("/dev/null", O_RDWR);
	if (chdir(dir) < 0 || null < 0)
		_exit(126);
	dup2(null, 0);
	dup2(null, 1);
	dup2(errfd, 2);
	execl(gnuplot, "gnuplot", "-e", setfmt, script, (char *)NULL);
	_exit(127);
}

/* Read a child's stderr to its end, keeping the first len-1 bytes. */
static void drain(int fd, char *buf, size_t len)
{
	size_t got = 0;
	char sink[512];
	for (;;) {
		ssize_t n = got + 1 < len ? read(fd, buf + got, len - 1 - got) : read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += (size_t)n;
	}
	buf[got] = '\0';
}

/* gnuplot plots/NAME.gp in the report directory, for one format ("svg" or "png").  0, or -1
 * with why gnuplot failed. */
int plot_draw(const char *gnuplot, const char *dir, const char *name, const char *fmt, char *why, size_t len)
{
	char setfmt[32], script[128], msg[4096], *outp;
	int fds[2], st = 0, rc = -1;
	struct stat sb;
	pid_t pid;
	snprintf(setfmt, sizeof(setfmt), "fmt='%s'", fmt);
	snprintf(script, sizeof(script), "plots/%s.gp", name);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		gnuplot_child(gnuplot, dir, setfmt, script, fds[1]);
	close(fds[1]);
	drain(fds[0], msg, sizeof(msg));
	close(fds[0]);
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	outp = xasprintf("%s/plots/%s.%s", dir, name, fmt);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && stat(outp, &sb) == 0 && sb.st_size > 0)
		rc = 0;
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		snprintf(why, len, "cannot run %s", gnuplot);
	else {
		char line[300];
		text_last_line(msg, NULL, line, sizeof(line));	/* gnuplot's error message */
		if (!line[0])
			catf(line, sizeof(line), "no message");
		snprintf(why, len, "gnuplot failed on %s (%s): %s", script, fmt, line);
	}
	free(outp);
	return rc;
}

void plot_make(struct report *rp, enum plot_id p)
{
	struct plot_state *ps = &rp->plots[p];
	const char *name = plot_info[p].name;
	char *buf = NULL, *path;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ps->rows = plot_data[p](rp, f, ps->why, sizeof(ps->why));
	fclose(f);
	path = xasprintf("%s/data/%s.dat", rp->out, name);
	if (ps->rows && write_file_atomic(path, buf, len) < 0)
		snprintf(ps->why, sizeof(ps->why), "cannot write %s: %s", path, strerror(errno)), ps->rows = 0;
	free(path);
	free(buf);
	if (!ps->rows)
		return;
	/* The scripts go along even without gnuplot: with it installed later, they draw the plots. */
	if (plot_copy_script(rp->out, name, ps->why, sizeof(ps->why)) < 0)
		return;
	if (!rp->gnuplot) {
		snprintf(ps->why, sizeof(ps->why), "gnuplot is not installed");
		return;
	}
	ps->svg = plot_draw(rp->gnuplot, rp->out, name, "svg", ps->why, sizeof(ps->why)) == 0;
	ps->png = ps->svg && plot_draw(rp->gnuplot, rp->out, name, "png", ps->why, sizeof(ps->why)) == 0;
	rp->plots_drawn += ps->svg;
}

void plot_remove_old(const struct report *rp)
{
	static const char *const kinds[4][2] = { { "data", "dat" }, { "plots", "svg" }, { "plots", "png" }, { "data", "xtics.gp" } };
	for (int p = 0; p < PLOT_COUNT; p++)
		for (int k = 0; k < 4; k++) {
			char *path = xasprintf("%s/%s/%s%s%s", rp->out, kinds[k][0], plot_info[p].name, k == 3 ? "_" : ".", kinds[k][1]);
			unlink(path);
			free(path);
		}
}

/* ---- figures -------------------------------------------------------------------------------- */

/* The plot inlined as a data: URI, SVG where drawn, else PNG. */
static void figure_html(struct doc *d, const struct report *rp, enum plot_id p)
{
	const struct plot_state *ps = &rp->plots[p];
	const char *ext = ps->svg ? "svg" : "png", *mime = ps->svg ? "image/svg+xml" : "image/png";
	char *path = xasprintf("%s/plots/%s.%s", rp->out, plot_info[p].name, ext);
	size_t n = 0;
	char *bytes = read_file(path, &n);
	fputs("<figure>", d->html);
	if (bytes) {
		fputs("<img alt=\"", d->html);
		xml_escape(d->html, plot_info[p].title, ESC_HTML);
		fprintf(d->html, "\" width=\"960\" height=\"540\" src=\"data:%s;base64,", mime);
		fput_base64(d->html, bytes, n, 0);
		fputs("\">", d->html);
	}
	fputs("<figcaption>", d->html);
	free(path);
	free(bytes);
}

static void doc_figure(struct doc *d, const struct report *rp, enum plot_id p)
{
	const char *name = plot_info[p].name;
	doc_heading(d, 3, name, plot_info[p].title);
	fprintf(d->md, "![%s](plots/%s.%s)\n\n", plot_info[p].title, name, rp->plots[p].svg ? "svg" : "png");
	figure_html(d, rp, p);
	doc_text(d, plot_info[p].caption);
	if (rp->plots[p].png)
		fprintf(d->md, " (PNG: [plots/%s.png](plots/%s.png); data: `data/%s.dat`.)", name, name, name);
	fputs("\n\n", d->md);
	fputs("</figcaption></figure>\n", d->html);
}
void sec_plots(struct doc *d, const struct report *rp)
{
	int skipped = 0;
	doc_heading(d, 2, "plots", "Plots");
	if (!rp->gnuplot)
		doc_para(d, "No plots: gnuplot was not found on PATH when this report was written.  Install it "
			 "(Debian: `apt-get install gnuplot-nox`) and run `tare report` again (see Reproduce); the data "
			 "the plots would show are in `data/`, their scripts in `plots/`.");
	for (int p = 0; p < PLOT_COUNT; p++)
		if (rp->plots[p].svg || rp->plots[p].png)
			doc_figure(d, rp, (enum plot_id)p);
	for (int p = 0; p < PLOT_COUNT; p++) {
		const struct plot_state *ps = &rp->plots[p];
		if (ps->svg || ps->png || (!rp->gnuplot && ps->rows) || (!rp->nruns && p != PLOT_VALIDATION))
			continue;   /* drawn; to be drawn with gnuplot; an experiment's, in a validation alone */
		if (!skipped++) {
			doc_para(d, "Not drawn:");
			doc_ul_begin(d);
		}
		doc_li_begin(d);
		doc_textf(d, "%s: ", plot_info[p].title);
		doc_user(d, ps->why);
		doc_li_end(d);
	}
	if (skipped)
		doc_ul_end(d);
}
