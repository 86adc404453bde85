/* report.c — `tare report`: Markdown and self-contained HTML with gnuplot plots (report.h).
 *
 * The report re-runs the paired analysis (analysis.h) on the trials results.json holds, so its
 * numbers are the ones `tare run` printed; verdicts, warnings, the environment and the command
 * are shown as the run recorded them.  A validation (validation.json of `tare validate`) is
 * shown as it recorded itself: its cases in a table and a plot, its warnings, options and
 * environment.  All text goes through one small document writer (doc_*)
 * that emits Markdown and HTML side by side and escapes, for each, every string a run supplied
 * (labels, warnings, the environment, the command): only this file's own text is markup.
 *
 * Plots: the C side writes what each plot shows to REPORT/data/NAME.dat, copies
 * scripts/plots/NAME.gp (and common.gp) to REPORT/plots/, and runs gnuplot there twice, for SVG
 * and PNG.  Nothing a run supplied reaches gnuplot's command line; labels reach it only as
 * quoted strings in the data files, printed with `noenhanced`.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis.h"
#include "fmt.h"
#include "markup.h"
#include "plan.h"
#include "results.h"
#include "util.h"
#include "validate.h"

/* ---- what a report is made of -------------------------------------------------------------- */

struct rrun {
	struct loaded_results lr;
	struct analysis an;
	int index;                 /* 1-based: "run 1" */
	char name[256];            /* the results directory's base name */
	const char *given;         /* the path as the user gave it */
};

/* A validation: the validation.json `tare validate` writes (docs/validate.md), a table of cases
 * (sampler, type, workload, rate for cpu, threads), each held against the workload's known
 * profile in one or more measures (cpu: samples; lock: delay and contentions; ...). */

struct rval {
	json_t *root;              /* the whole document */
	char dir[4096];            /* the directory of validation.json */
	char name[256];            /* the directory's base name */
	int index;                 /* 1-based: "validation 1" */
	const char *given;         /* the path as the user gave it */
};

enum plot_id { PLOT_CPU_RATE, PLOT_LATENCY, PLOT_MEMORY, PLOT_CPU_SPLIT, PLOT_VALIDATION, PLOT_COUNT };

struct plot_info {
	const char *name;          /* scripts/plots/NAME.gp -> data/NAME.dat -> plots/NAME.svg, .png */
	const char *title;
	const char *caption;       /* this file's text: `code` spans allowed */
};

static const struct plot_info plot_info[PLOT_COUNT] = {
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

struct plot_state {
	int rows;                  /* data rows written; 0: nothing to plot */
	char why[512];             /* why it was not drawn */
	int svg, png;              /* drawn */
};

struct report {
	struct rrun *runs;         /* experiment runs (results.json) */
	int nruns;
	struct rval *vals;         /* validations (validation.json) */
	int nvals;
	const char *const *given;  /* the results directories as given, in that order */
	int ngiven;
	char first_dir[4096];      /* the first one's directory: the report goes in its report/ */
	char out[4096];
	char *gnuplot;             /* its path; NULL when not on PATH */
	struct plot_state plots[PLOT_COUNT];
	int plots_drawn;
	char generated[64];        /* UTC time the report was written */
};

/* ---- numbers as the report prints them ------------------------------------------------------ */

/* What one unit of work was in this run, as the workload reported it. */
static const char *run_unit(const struct rrun *run)
{
	for (int i = 0; i < run->lr.ntrials; i++)
		if (run->lr.trials[i].state == TRIAL_OK)
			return run->lr.trials[i].unit[0] ? run->lr.trials[i].unit : "seconds";
	return run->lr.ex.nworkloads && run->lr.ex.workloads[0].unit[0] ? run->lr.ex.workloads[0].unit : "units";
}

static int is_baseline(const struct experiment *ex, int c)
{
	return c == plan_baseline(ex, ex->configs[c].workload);
}

static int run_has_latency(const struct rrun *run)
{
	for (int c = 0; c < run->an.narms; c++)
		if (run->an.arms[c].has_latency)
			return 1;
	return 0;
}

/* "perf hz=99", or "perf hz=99 (run 2)" when the report compares runs. */
static void series_label(const struct report *rp, const struct rrun *run, const char *label, char *buf, size_t len)
{
	if (rp->nruns > 1)
		snprintf(buf, len, "%s (run %d)", label, run->index);
	else
		snprintf(buf, len, "%s", label);
}

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

static double jnumber(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstring(json_t *o, const char *key, const char *dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* Add s (borrowed) to v unless it is there. */
static void push_unique(struct ptrvec *v, const char *s)
{
	for (int k = 0; k < v->n; k++)
		if (!strcmp(v->v[k], s))
			return;
	ptrvec_push(v, (void *)s);
}

/* Append to the string in buf (len bytes), truncating. */
static void catf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void catf(char *buf, size_t len, const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;
	if (o + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

/* ---- validations (validation.json, docs/validate.md) ---------------------------------------- */

static json_t *val_cases(const struct rval *v)
{
	return json_object_get(v->root, "cases");
}

static int case_ok(json_t *c)
{
	return !strcmp(jstring(c, "status", ""), "ok");
}

/* The rate asked for; NaN for the types that have none (offcpu, lock, alloc: "hz": null). */
static double case_hz(json_t *c)
{
	double hz = jnumber(c, "requested_hz");
	return isfinite(hz) ? hz : jnumber(c, "hz");
}

/* A case's profile type (cpu, offcpu, lock, alloc); a validation.json of before the types held
 * cpu cases only, without the field. */
static const char *case_type(json_t *c)
{
	return jstring(c, "type", "cpu");
}

static int case_is_cpu(json_t *c)
{
	return !strcmp(case_type(c), "cpu");
}

/* A rate asked and got, as a cell or a label: "99", or "-" where the type has none. */
static void hz_text(double hz, char *buf, size_t len)
{
	if (isfinite(hz))
		snprintf(buf, len, "%g", hz);
	else
		snprintf(buf, len, "-");
}

/* What a case measured: one view per measure, in the order validate wrote them (`measures`:
 * cpu samples; offcpu off-cpu, blocks; lock delay, contentions; alloc alloc_space,
 * alloc_objects, inuse_space), or, in a validation.json without them, the case's top-level
 * fields as its one measure (they are its first measure's). */
#define MAX_VIEWS 8
struct mview {
	const char *name;
	json_t *m;                 /* measures.<name>; NULL: the case's top level */
};

static int case_views(json_t *c, struct mview *out)
{
	json_t *x;
	const char *k;
	int n = 0;
	json_object_foreach(json_object_get(c, "measures"), k, x)
		if (json_is_object(x) && n < MAX_VIEWS)
			out[n++] = (struct mview){ k, x };
	if (!n)
		out[n++] = (struct mview){ jstring(c, "measure", case_is_cpu(c) ? "samples" : "-"), NULL };
	return n;
}

/* A field of a view: its measure's, or the case's own (se_max_pp is binomial_se_max_pp there,
 * binomial_se_pp in the oldest files). */
static json_t *mv_get(json_t *c, const struct mview *v, const char *key)
{
	return json_object_get(v->m ? v->m : c, key);
}

static double mv_num(json_t *c, const struct mview *v, const char *key)
{
	if (!v->m && !strcmp(key, "se_max_pp")) {
		double x = jnumber(c, "binomial_se_max_pp");
		return isfinite(x) ? x : jnumber(c, "binomial_se_pp");
	}
	return jnumber(v->m ? v->m : c, key);
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

/* A point of the validation plot: what the samplers measured beside each other in one
 * validation — one measure of one type's workload at one rate (cpu) and thread count. */
struct vpoint {
	const struct rval *v;
	const char *type, *workload, *measure;
	double hz, threads;
	int group;                 /* index of its type among the plot's types */
};

static struct vpoint vpoint_of(const struct rval *v, json_t *c, const struct mview *mv)
{
	return (struct vpoint){ v, case_type(c), jstring(c, "workload", "?"), mv->name, case_hz(c), jnumber(c, "threads"), 0 };
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
		json_t *c;
		size_t k;
		json_array_foreach(val_cases(&rp->vals[i]), k, c) {
			struct mview mv[MAX_VIEWS];
			int nv;
			if (!case_ok(c))
				continue;
			push_unique(samplers, jstring(c, "sampler", "?"));
			push_unique(types, case_type(c));
			nv = case_views(c, mv);
			for (int m = 0; m < nv; m++) {
				struct vpoint p = vpoint_of(&rp->vals[i], c, &mv[m]);
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
static json_t *val_case_at(const struct vpoint *p, const char *sampler, struct mview *out)
{
	json_t *c;
	size_t k;
	json_array_foreach(val_cases(p->v), k, c) {
		struct mview mv[MAX_VIEWS];
		int nv;
		if (!case_ok(c) || strcmp(jstring(c, "sampler", "?"), sampler))
			continue;
		nv = case_views(c, mv);
		for (int m = 0; m < nv; m++) {
			struct vpoint q = vpoint_of(p->v, c, &mv[m]);
			if (vpoint_eq(p, &q)) {
				*out = mv[m];
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
			struct mview mv = { NULL, NULL };
			json_t *c = val_case_at(&points[k], samplers.v[s], &mv), *b = c ? mv_get(c, &mv, "bounds") : NULL;
			json_t *cb = json_object_get(c, "bounds");
			double eff = jnumber(c, "effective_rate_hz"), req = case_hz(c);
			char label[300];
			vpoint_label(rp, points, npoints, k, label, sizeof(label));
			fprintf(f, "%d ", k);
			gp_quote_lines(f, label, 1);
			gp_num(f, c ? mv_num(c, &mv, "attribution_error_max_pp") : NAN);
			gp_num(f, c ? mv_num(c, &mv, "se_max_pp") : NAN);
			if (isfinite(points[k].hz)) {
				gp_num(f, req > 0 ? 100 * eff / req : NAN);
				gp_num(f, 100 * jnumber(cb, "rate_ratio_min"));
				gp_num(f, 100 * jnumber(cb, "rate_ratio_max"));
			} else {
				gp_num(f, c ? 100 * mv_num(c, &mv, "total_ratio") : NAN);
				gp_num(f, 100 * jnumber(b, "total_ratio_min"));
				gp_num(f, 100 * jnumber(b, "total_ratio_max"));
			}
			gp_num(f, eff);
			gp_num(f, req);
			gp_num(f, jnumber(b, "attribution_error_max_pp"));
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

/* scripts/plots/NAME.gp (and common.gp, which it loads) into REPORT/plots/. */
static int copy_script(const struct report *rp, const char *name, char *why, size_t len)
{
	int rc = 0;
	const char *names[2] = { "common", name };
	for (int i = 0; i < 2 && rc == 0; i++) {
		char *src = xasprintf("%s/scripts/plots/%s.gp", tare_root(), names[i]);
		char *dst = xasprintf("%s/plots/%s.gp", rp->out, names[i]);
		rc = copy_file(src, dst, why, len);
		free(src);
		free(dst);
	}
	return rc;
}

static void gnuplot_child(const struct report *rp, const char *setfmt, const char *script, int errfd)
{
	int null = open("/dev/null", O_RDWR);
	if (chdir(rp->out) < 0 || null < 0)
		_exit(126);
	dup2(null, 0);
	dup2(null, 1);
	dup2(errfd, 2);
	execl(rp->gnuplot, "gnuplot", "-e", setfmt, script, (char *)NULL);
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
static int gnuplot_draw(const struct report *rp, const char *name, const char *fmt, char *why, size_t len)
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
		gnuplot_child(rp, setfmt, script, fds[1]);
	close(fds[1]);
	drain(fds[0], msg, sizeof(msg));
	close(fds[0]);
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	outp = xasprintf("%s/plots/%s.%s", rp->out, name, fmt);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && stat(outp, &sb) == 0 && sb.st_size > 0)
		rc = 0;
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		snprintf(why, len, "cannot run %s", rp->gnuplot);
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

/* Write plot p's data file and, with gnuplot, draw it. */
static void make_plot(struct report *rp, enum plot_id p)
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
	if (copy_script(rp, name, ps->why, sizeof(ps->why)) < 0)
		return;
	if (!rp->gnuplot) {
		snprintf(ps->why, sizeof(ps->why), "gnuplot is not installed");
		return;
	}
	ps->svg = gnuplot_draw(rp, name, "svg", ps->why, sizeof(ps->why)) == 0;
	ps->png = ps->svg && gnuplot_draw(rp, name, "png", ps->why, sizeof(ps->why)) == 0;
	rp->plots_drawn += ps->svg;
}

/* A report written again into the same directory must not show last time's plots. */
static void remove_old(const struct report *rp)
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

static void base64(FILE *f, const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		fputc(tab[v >> 18 & 63], f);
		fputc(tab[v >> 12 & 63], f);
		fputc(i + 1 < n ? tab[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? tab[v & 63] : '=', f);
	}
}

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
		base64(d->html, (const unsigned char *)bytes, n);
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

/* ---- sections ------------------------------------------------------------------------------- */

static const char html_style[] =
	"body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1a1a1a;"
	"max-width:1180px;margin:2em auto;padding:0 1.2em}\n"
	"h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}\n"
	"h3{margin-top:1.5em}\n"
	"table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}\n"
	"th,td{border:1px solid #d6d6d6;padding:.25em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#f3f4f6}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}\n"
	"td.pass{background:#e3f4e6;color:#14532d;font-weight:600}td.fail{background:#fde2e1;color:#7f1d1d;font-weight:600}\n"
	"td.inconclusive{background:#fef3c7;color:#713f12;font-weight:600}\n"
	".scroll{overflow-x:auto}\n"
	"code,pre{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:.9em}\n"
	"pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.7em 1em;overflow-x:auto}\n"
	"figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #e5e5e5}\n"
	"figcaption{color:#444;font-size:.92em;margin-top:.4em}\n";

/* Marks every image that loaded (naturalWidth > 0) with data-loaded="yes", else "no", and
 * the body with data-plots-loaded="N/M": a reader's browser shows nothing of it; a test reads
 * it from the DOM (tests/cli/report.sh). */
static const char html_script[] =
	"<script>\nwindow.addEventListener('load', function () {\n"
	"  var imgs = document.images, ok = 0;\n"
	"  for (var i = 0; i < imgs.length; i++) {\n"
	"    var good = imgs[i].complete && imgs[i].naturalWidth > 0;\n"
	"    imgs[i].setAttribute('data-loaded', good ? 'yes' : 'no');\n"
	"    ok += good ? 1 : 0;\n"
	"  }\n"
	"  document.body.setAttribute('data-plots-loaded', ok + '/' + imgs.length);\n"
	"});\n</script>\n";

static void report_title(const struct report *rp, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "tare report: ");
	for (int i = 0; i < rp->nruns && i < 3 && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " vs " : "", rp->runs[i].lr.ex.name);
	if (rp->nruns > 3 && n < len)
		n += (size_t)snprintf(buf + n, len - n, " and %d more", rp->nruns - 3);
	if (rp->nvals && n < len)
		snprintf(buf + n, len - n, "%s", rp->nruns ? ", with sampler validation" : "sampler validation");
}

static void sec_head(struct doc *d, const struct report *rp)
{
	char title[1024];
	report_title(rp, title, sizeof(title));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* Self-contained, and the browser enforces it: nothing may be fetched. */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>", d->html);
	xml_escape(d->html, title, ESC_HTML);
	fprintf(d->html, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_style);
	doc_heading(d, 1, NULL, title);
}

/* Did any run of the report switch its profilers inside one process (docs/switchback.md)? */
static int any_switchback(const struct report *rp)
{
	for (int i = 0; i < rp->nruns; i++)
		if (rp->runs[i].lr.ex.design == DESIGN_SWITCHBACK)
			return 1;
	return 0;
}

static void intro(struct doc *d, const struct report *rp)
{
	int anchors = 0;
	doc_p_begin(d);
	if (rp->nruns && any_switchback(rp))
		doc_text(d, "What each profiler configuration costs, measured by tare: the same workload with the "
			 "profiler switched off and on in windows of one process (switchback), window pairs in a seeded "
			 "order, processes in seeded blocks; every overhead is paired with the adjacent off window of the "
			 "same process.  ");
	else if (rp->nruns)
		doc_text(d, "What each profiler configuration costs, measured by tare: the same workload run with the "
			 "profiler off and on, one fresh process per trial, interleaved in a seeded random order in blocks; "
			 "every overhead is paired with the same block's baseline trial.  ");
	if (rp->nvals)
		doc_text(d, rp->nruns ? "With it, how accurately samplers measure workloads whose true profile is known "
			 "(`tare validate`).  "
			 : "How accurately samplers measure workloads whose true profile is known, measured by `tare validate`: "
			 "each sampler attached to the workload, its profile (CPU samples, off-CPU time, lock waits, "
			 "allocations) reduced to the workload's sites and compared with the workload's own measurement of "
			 "them, with what chance or the measurement's own noise allows.  ");
	doc_textf(d, "Written %s by tare %s from ", rp->generated, tare_version());
	for (int i = 0; i < rp->ngiven; i++) {
		char path[4096];
		size_t len;
		/* results/x/ as a shell completes it: results/x */
		snprintf(path, sizeof(path), "%s", rp->given[i]);
		for (len = strlen(path); len > 1 && path[len - 1] == '/'; len--)
			path[len - 1] = '\0';
		doc_text(d, i == 0 ? "" : i == rp->ngiven - 1 ? " and " : ", ");
		doc_code(d, path);
	}
	doc_text(d, ".");
	doc_p_end(d);
	doc_p_begin(d);
	static const char *const ids[][2] = { { "summary", "Summary" }, { "validation", "Validation" }, { "plots", "Plots" },
					     { "warnings", "Warnings" }, { "method", "Method" },
					     { "environment", "Environment" }, { "reproduce", "Reproduce" } };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if ((i == 0 && !rp->nruns) || (i == 1 && !rp->nvals))
			continue;
		doc_text(d, anchors++ ? " · " : "");
		doc_anchor(d, ids[i][0], ids[i][1]);
	}
	doc_p_end(d);
}

static void runs_table(struct doc *d, const struct report *rp)
{
	struct table t;
	if (rp->nruns < 2)
		return;
	table_init(&t, 5, 0x1f);
	table_cell(&t, "run");
	table_cell(&t, "results");
	table_cell(&t, "experiment");
	table_cell(&t, "started");
	table_cell(&t, "trials");
	for (int i = 0; i < rp->nruns; i++) {
		const struct rrun *r = &rp->runs[i];
		json_t *root = r->lr.root;
		table_cell(&t, "run %d", r->index);
		table_cell(&t, "%s", r->name);
		table_cell(&t, "%s (%s)", r->lr.ex.name, r->lr.ex.script);
		table_cell(&t, "%s", jstring(root, "started", "?"));
		table_cell(&t, "%d of %g%s", r->lr.ntrials, jnumber(root, "trials_planned"),
			   json_is_true(json_object_get(root, "interrupted")) ? ", interrupted" : "");
	}
	doc_table(d, &t);
	table_free(&t);
}

/* results.json "verdicts": { "budget", "verdicts": [rows], "verdict" }, or NULL. */
static json_t *verdicts_of(const struct rrun *r)
{
	json_t *v = json_object_get(r->lr.root, "verdicts");
	return json_is_object(v) ? v : NULL;
}

/* The worst verdict of configuration `label`, with the metrics that are not PASS. */
static void config_verdict(const struct rrun *r, const char *label, char *buf, size_t len)
{
	static const char *const order[] = { "PASS", "INCONCLUSIVE", "FAIL" };
	json_t *rows = json_object_get(verdicts_of(r), "verdicts"), *row;
	int worst = -1;
	size_t i, n = 0;
	char metrics[256] = "";
	json_array_foreach(rows, i, row) {
		const char *v = jstring(row, "verdict", "");
		if (strcmp(jstring(row, "config", ""), label))
			continue;
		for (int k = 0; k < 3; k++)
			if (!strcmp(v, order[k]) && k > worst)
				worst = k;
		if (strcmp(v, "PASS") && n < sizeof(metrics))
			n += (size_t)snprintf(metrics + n, sizeof(metrics) - n, "%s%s", n ? ", " : "", jstring(row, "metric", "?"));
	}
	if (worst < 0)
		snprintf(buf, len, "-");
	else {
		*buf = '\0';
		catf(buf, len, "%s%s%s%s", order[worst], n ? " (" : "", metrics, n ? ")" : "");
	}
}

static void summary_header(struct table *t, const struct rrun *r, const char *one, int lat, int verdict)
{
	table_cell(t, "configuration");
	table_cell(t, "CPU/%s", one);
	table_cell(t, "CPU overhead [%g%% CI]", 100 * r->an.conf);
	table_cell(t, "in workload");
	table_cell(t, "profiler");
	table_cell(t, "unattributed");
	table_cell(t, "memory (RSS)");
	if (lat)
		table_cell(t, "p99 latency");
	table_cell(t, "trials");
	if (verdict)
		table_cell(t, "verdict");
}

static void summary_row(struct table *t, const struct rrun *r, int c, int lat, int verdict)
{
	const struct arm_summary *a = &r->an.arms[c];
	const char *label = r->lr.ex.configs[c].label;
	char cell[160];
	table_cell(t, "%s", label);
	fmt_ns(a->cpu_per_unit_ns, cell, sizeof(cell));
	table_cell(t, "%s", cell);
	if (is_baseline(&r->lr.ex, c)) {
		table_cell(t, "(baseline)");
		table_cell(t, "%s", "");
		table_cell(t, "%s", "");
		table_cell(t, "%s", "");
		if (isfinite(a->workload_rss_bytes))
			table_cell(t, "%.1f MiB", (a->workload_rss_bytes + (isfinite(a->profiler_rss_bytes) ? a->profiler_rss_bytes : 0)) / 1048576.0);
		else
			table_cell(t, "-");
		if (lat) {
			fmt_us(a->p99_us, cell, sizeof(cell));
			table_cell(t, "%s", cell);
		}
	} else {
		static const enum metric cpu[4] = { MET_CPU_TOTAL, MET_CPU_WORKLOAD, MET_CPU_PROFILER, MET_CPU_UNATTRIBUTED };
		for (int k = 0; k < 4; k++) {
			fmt_overhead(&a->m[cpu[k]], 1, "%", k == 0, cell, sizeof(cell));
			table_cell(t, "%s", cell);
		}
		fmt_overhead(&a->m[MET_MEMORY], 1048576.0, " MiB", 1, cell, sizeof(cell));
		table_cell(t, "%s", cell);
		if (lat) {
			fmt_latency(&a->m[MET_P99], cell, sizeof(cell));
			table_cell(t, "%s", cell);
		}
	}
	table_cell(t, a->failed ? "%d (%d failed)" : "%d", a->ok, a->failed);
	if (verdict) {
		config_verdict(r, label, cell, sizeof(cell));
		table_cell(t, "%s", is_baseline(&r->lr.ex, c) ? "" : cell);
	}
}

/* Configurations whose overhead is known (inject): the truth beside the measurement. */
static void truth_notes(struct doc *d, const struct rrun *r)
{
	int any = 0;
	for (int c = 0; c < r->lr.ex.nconfigs; c++) {
		const struct config *cf = &r->lr.ex.configs[c];
		const struct overhead *o = &r->an.arms[c].m[MET_CPU_TOTAL];
		if (!isfinite(cf->truth_cpu_pct) || !o->n)
			continue;
		if (!any++)
			doc_ul_begin(d);
		doc_li_begin(d);
		doc_code(d, cf->label);
		doc_textf(d, ": known CPU overhead %+.2f%%, measured %+.2f%%%s", cf->truth_cpu_pct, o->e.est,
			  !o->e.ok ? " (no interval: too few blocks)"
			  : o->e.lo <= cf->truth_cpu_pct && cf->truth_cpu_pct <= o->e.hi ? " (inside the interval)"
			  : " (OUTSIDE the interval)");
		doc_li_end(d);
	}
	if (any)
		doc_ul_end(d);
}

static void summary_run(struct doc *d, const struct report *rp, const struct rrun *r)
{
	struct table t;
	char one[48], title[300];
	int lat = run_has_latency(r), verdict = verdicts_of(r) != NULL;
	unit_singular(run_unit(r), one, sizeof(one));
	if (rp->nruns > 1) {
		snprintf(title, sizeof(title), "Run %d: %s", r->index, r->lr.ex.name);
		doc_heading(d, 3, NULL, title);
	}
	if (r->lr.ex.nconfigs == 0) {
		doc_para(d, "No configurations: this run measured no overheads.");
		return;
	}
	doc_p_begin(d);
	doc_textf(d, "CPU per %s (workload and profiler) and, for each configuration, its overhead against the "
		  "baseline of the same workload (", one);
	doc_code(d, r->lr.ex.configs[plan_baseline(&r->lr.ex, r->lr.ex.configs[0].workload)].label);
	doc_text(d, r->lr.ex.nworkloads > 1 ? ", ...)." : ").");
	doc_p_end(d);
	table_init(&t, 8 + lat + verdict, 1);
	summary_header(&t, r, one, lat, verdict);
	for (int c = 0; c < r->lr.ex.nconfigs; c++)
		summary_row(&t, r, c, lat, verdict);
	doc_table(d, &t);
	table_free(&t);
	truth_notes(d, r);
}

/* Several runs: the total CPU overhead of every configuration label, one column per run. */
static void compare_table(struct doc *d, const struct report *rp)
{
	struct table t;
	struct ptrvec labels = { 0 };
	if (rp->nruns < 2)
		return;
	for (int i = 0; i < rp->nruns; i++)
		for (int c = 0; c < rp->runs[i].lr.ex.nconfigs; c++)
			push_unique(&labels, rp->runs[i].lr.ex.configs[c].label);
	doc_heading(d, 3, NULL, "CPU overhead, run by run");
	table_init(&t, rp->nruns + 1, 1);
	table_cell(&t, "configuration");
	for (int i = 0; i < rp->nruns; i++)
		table_cell(&t, "run %d: %s", i + 1, rp->runs[i].lr.ex.name);
	for (int k = 0; k < labels.n; k++) {
		table_cell(&t, "%s", (char *)labels.v[k]);
		for (int i = 0; i < rp->nruns; i++) {
			const struct rrun *r = &rp->runs[i];
			char cell[160] = "-";
			for (int c = 0; c < r->lr.ex.nconfigs; c++) {
				if (strcmp(r->lr.ex.configs[c].label, labels.v[k]))
					continue;
				if (is_baseline(&r->lr.ex, c))
					snprintf(cell, sizeof(cell), "(baseline)");
				else
					fmt_overhead(&r->an.arms[c].m[MET_CPU_TOTAL], 1, "%", 1, cell, sizeof(cell));
			}
			table_cell(&t, "%s", cell);
		}
	}
	doc_table(d, &t);
	table_free(&t);
	free(labels.v);
}

static void sec_summary(struct doc *d, const struct report *rp)
{
	if (!rp->nruns)
		return;          /* a validation alone */
	doc_heading(d, 2, "summary", "Summary");
	runs_table(d, rp);
	for (int i = 0; i < rp->nruns; i++)
		summary_run(d, rp, &rp->runs[i]);
	compare_table(d, rp);
	if (any_switchback(rp))
		doc_para(d, "Switchback: Hodges-Lehmann estimates over each process's window pairs, combined over processes "
			 "as a random-effects meta-analysis (DerSimonian-Laird; Hartung-Knapp interval); memory is the "
			 "profiler's own (its peak RSS and the kernel memory held for it), the sign-test median over processes.  "
			 "`~` marks an interval that contains 0.  \"in workload\", \"profiler\" and \"unattributed\" split "
			 "the CPU overhead by where it was charged (see the plots).");
	else {
		doc_para(d, "Hodges-Lehmann estimates over the paired blocks; [lo, hi] is the confidence interval (Wilcoxon "
			 "signed-rank; sign test for memory); `~` marks an interval that contains 0, and \"too few blocks\" an "
			 "estimate whose interval needs more blocks.  \"in workload\", \"profiler\" and \"unattributed\" split "
			 "the CPU overhead by where it was charged (see the plots).");
	}
}

static void verdict_rows(struct doc *d, const struct rrun *r, json_t *v)
{
	struct table t;
	json_t *row;
	size_t i;
	table_init(&t, 5, 0x3);
	table_cell(&t, "configuration");
	table_cell(&t, "metric");
	table_cell(&t, "estimate [CI]");
	table_cell(&t, "budget");
	table_cell(&t, "verdict");
	json_array_foreach(json_object_get(v, "verdicts"), i, row) {
		const char *unit = jstring(row, "unit", "%");
		char est[48], lo[48], hi[48];
		fmt_amount(unit, jnumber(row, "estimate"), est, sizeof(est));
		fmt_amount(unit, jnumber(row, "lo"), lo, sizeof(lo));
		fmt_amount(unit, jnumber(row, "hi"), hi, sizeof(hi));
		table_cell(&t, "%s", jstring(row, "config", "?"));
		table_cell(&t, "%s", jstring(row, "metric", "?"));
		table_cell(&t, "%s [%s, %s]", est, lo, hi);
		table_cell(&t, "%s", jstring(row, "budget", "?"));
		table_cell(&t, "%s", jstring(row, "verdict", "?"));
	}
	doc_table(d, &t);
	table_free(&t);
	(void)r;
}

static void sec_verdicts(struct doc *d, const struct report *rp)
{
	int any = 0;
	for (int i = 0; i < rp->nruns; i++) {
		const struct rrun *r = &rp->runs[i];
		json_t *v = verdicts_of(r);
		char title[300];
		if (!v)
			continue;
		if (!any++) {
			doc_heading(d, 2, "verdicts", "Verdicts");
			doc_para(d, "Decided on the interval, never on the estimate alone: PASS when its upper bound is within "
				 "the budget, FAIL when its lower bound is beyond it, INCONCLUSIVE when the budget lies inside "
				 "it (more blocks would tell).");
		}
		if (rp->nruns > 1) {
			snprintf(title, sizeof(title), "Run %d: %s", r->index, r->lr.ex.name);
			doc_heading(d, 3, NULL, title);
		}
		verdict_rows(d, r, v);
		doc_p_begin(d);
		doc_text(d, "Overall: ");
		doc_strong(d, jstring(v, "verdict", "?"));
		if (jnumber(v, "blocks_added") > 0)
			doc_textf(d, " (%g blocks were added to decide it).", jnumber(v, "blocks_added"));
		doc_p_end(d);
	}
}

static void latency_cells(struct table *t, const struct rrun *r, int c)
{
	static const enum metric ms[4] = { MET_P50, MET_P90, MET_P99, MET_P999 };
	const struct arm_summary *a = &r->an.arms[c];
	const double abs_us[4] = { a->p50_us, a->p90_us, a->p99_us, a->p999_us };
	char cell[160];
	for (int k = 0; k < 4; k++) {
		if (is_baseline(&r->lr.ex, c))
			fmt_us(abs_us[k], cell, sizeof(cell));
		else
			fmt_latency(&a->m[ms[k]], cell, sizeof(cell));
		table_cell(t, "%s", cell);
	}
	if (isfinite(a->achieved_rate))
		table_cell(t, "%.0f of %.0f", a->achieved_rate, a->target_rate);
	else
		table_cell(t, "-");
}

static void sec_latency(struct doc *d, const struct report *rp)
{
	int any = 0;
	for (int i = 0; i < rp->nruns; i++) {
		const struct rrun *r = &rp->runs[i];
		struct table t;
		char title[300];
		if (!run_has_latency(r))
			continue;
		if (!any++) {
			doc_heading(d, 2, "latency", "Latency");
			doc_para(d, "Measured from each request's intended send time (open-loop load, no coordinated "
				 "omission).  The baseline row shows its median over trials of each trial's percentile; "
				 "the others the paired change with its interval.  p99.9 only from trials with at least "
				 "10,000 requests.");
		}
		if (rp->nruns > 1) {
			snprintf(title, sizeof(title), "Run %d: %s", r->index, r->lr.ex.name);
			doc_heading(d, 3, NULL, title);
		}
		table_init(&t, 6, 1);
		table_cell(&t, "configuration");
		table_cell(&t, "p50");
		table_cell(&t, "p90");
		table_cell(&t, "p99");
		table_cell(&t, "p99.9");
		table_cell(&t, "requests/s (of target)");
		for (int c = 0; c < r->lr.ex.nconfigs; c++)
			if (r->an.arms[c].has_latency) {
				table_cell(&t, "%s", r->lr.ex.configs[c].label);
				latency_cells(&t, r, c);
			}
		doc_table(d, &t);
		table_free(&t);
	}
}

/* A number from a case as a table cell: x * scale with fmt, "-" when absent. */
static void num_cell(struct table *t, json_t *c, const char *key, double scale, const char *fmt)
{
	double x = jnumber(c, key);
	if (isfinite(x))
		table_cell(t, fmt, x * scale);
	else
		table_cell(t, "-");
}

/* "ref on cpu, 99 Hz, 1 thread", "ref-bpf on lock, 2 threads": a case, in warnings. */
static void case_name(json_t *c, char *buf, size_t len)
{
	const char *w = jstring(c, "workload", "?");
	double thr = jnumber(c, "threads");
	buf[0] = '\0';
	catf(buf, len, "%s on %s", jstring(c, "sampler", "?"), w);
	if (strcmp(w, case_type(c)))
		catf(buf, len, " (%s)", case_type(c));
	if (isfinite(case_hz(c)))
		catf(buf, len, ", %g Hz", case_hz(c));
	if (isfinite(thr))
		catf(buf, len, ", %g thread%s", thr, thr == 1 ? "" : "s");
}

/* The type, and the workload where it is not named as its type: "lock", "lock (mylock)". */
static void type_cell(struct table *t, json_t *c)
{
	const char *w = jstring(c, "workload", "?");
	if (strcmp(w, case_type(c)))
		table_cell(t, "%s (%s)", case_type(c), w);
	else
		table_cell(t, "%s", w);
}

/* The reasons a case is out of its bounds that are its own, not a measure's (drops, the
 * rate, the allocation calls): validate lists those first, then each measure's
 * out of bounds ("name: reason"; a cpu case's without the name).  0 when they cannot be told
 * apart: buf then has them all. */
static int case_own_reasons(json_t *c, const struct mview *mv, int nv, char *buf, size_t len)
{
	const char *all = jstring(c, "out_of_bounds", "");
	char tail[4096] = "";
	size_t n, na = strlen(all);
	for (int k = 0; k < nv; k++) {
		const char *r = mv[k].m ? jstring(mv[k].m, "out_of_bounds", "") : "";
		if (!*r)
			continue;
		catf(tail, sizeof(tail), "%s", *tail ? "; " : "");
		if (case_is_cpu(c))
			catf(tail, sizeof(tail), "%s", r);
		else
			catf(tail, sizeof(tail), "%s: %s", mv[k].name, r);
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
static void verdict_cell(struct table *t, json_t *c, const struct mview *mv, int nv, int k)
{
	const char *gate = json_is_false(json_object_get(c, "gating")) ? " (not gated)" : "";
	char why[4096] = "";
	int within;
	if (k == 0) {
		if (case_own_reasons(c, mv, nv, why, sizeof(why)) && mv[0].m && *jstring(mv[0].m, "out_of_bounds", ""))
			catf(why, sizeof(why), "%s%s", *why ? "; " : "", jstring(mv[0].m, "out_of_bounds", ""));
		within = !*why && !json_is_false(json_object_get(nv > 1 ? mv[0].m : c, "within_bounds"));
	} else {
		snprintf(why, sizeof(why), "%s", jstring(mv[k].m, "out_of_bounds", ""));
		within = !*why && !json_is_false(json_object_get(mv[k].m, "within_bounds"));
	}
	if (within)
		table_cell(t, "PASS%s", gate);
	else
		table_cell(t, "FAIL%s: %s", gate, *why ? why : "out of bounds");
}

/* A case not measured: its status and reason. */
static void status_cell(struct table *t, json_t *c)
{
	table_cell(t, "%s: %s", jstring(c, "status", "?"), jstring(c, "reason", "no reason recorded"));
}

static void dropped_cell(struct table *t, json_t *c)
{
	double dropped = jnumber(c, "dropped");
	char buf[96] = "-";
	if (isfinite(dropped))
		snprintf(buf, sizeof(buf), "%.0f", dropped);
	table_cell(t, "%s", buf);
}

/* "9759 (0)": events, and those dropped. */
static void events_cell(struct table *t, json_t *c)
{
	double n = jnumber(c, "samples"), dropped = jnumber(c, "dropped");
	char buf[96] = "-";
	if (isfinite(n))
		snprintf(buf, sizeof(buf), "%.0f", n);
	if (isfinite(dropped))
		catf(buf, sizeof(buf), " (%.0f)", dropped);
	table_cell(t, "%s", buf);
}

/* The largest share error, with its site. */
static void error_cell(struct table *t, json_t *c, const struct mview *v)
{
	double e = mv_num(c, v, "attribution_error_max_pp");
	json_t *site = mv_get(c, v, "worst_site");
	if (!isfinite(e))
		table_cell(t, "-");
	else if (json_is_string(site))
		table_cell(t, "%.2f (%s)", e, json_string_value(site));
	else
		table_cell(t, "%.2f", e);
}

/* The SE of the largest share's error by chance ("exact" for the types that count every
 * event), and the bound the error is held to: "3.24 / 13.98". */
static void se_bound_cell(struct table *t, json_t *c, const struct mview *v)
{
	double se = mv_num(c, v, "se_max_pp"), bound = jnumber(mv_get(c, v, "bounds"), "attribution_error_max_pp");
	char s[32], b[32];
	if (v->m && !strcmp(jstring(v->m, "kind", ""), "exact"))
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

/* Two percentages of a view: "100.0 / 99.9" (stacks reaching main, frames symbolized). */
static void pair_cell(struct table *t, json_t *o, const char *k1, const char *k2, double scale, const char *fmt)
{
	double x = jnumber(o, k1), y = jnumber(o, k2);
	char a[32] = "-", b[32] = "-";
	if (isfinite(x))
		snprintf(a, sizeof(a), fmt, x * scale);
	if (isfinite(y))
		snprintf(b, sizeof(b), fmt, y * scale);
	table_cell(t, "%s / %s", a, b);
}

static void tvd_cell(struct table *t, json_t *c, const struct mview *v)
{
	double tvd = mv_num(c, v, "tvd"), e = mv_num(c, v, "expected_tvd");
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
	json_t *c;
	size_t i;
	table_init(&t, ncols, 0x3 | 1u << (ncols - 1));
	for (int k = 0; k < ncols; k++)
		table_cell(&t, "%s", head[k]);
	json_array_foreach(val_cases(v), i, c) {
		struct mview mv[MAX_VIEWS];
		int nv = case_views(c, mv);
		double hz = case_hz(c), eff = jnumber(c, "effective_rate_hz");
		if (!isfinite(hz))
			continue;
		table_cell(&t, "%s", jstring(c, "sampler", "?"));
		type_cell(&t, c);
		num_cell(&t, c, "threads", 1, "%g");
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
		num_cell(&t, c, "samples", 1, "%.0f");
		pair_cell(&t, c, "lost_pct", "throttled_pct", 1, "%.2f");
		dropped_cell(&t, c);
		error_cell(&t, c, &mv[0]);
		se_bound_cell(&t, c, &mv[0]);
		tvd_cell(&t, c, &mv[0]);
		pair_cell(&t, c, "reached_main", "symbolized", 100, "%.1f");
		verdict_cell(&t, c, mv, nv, 0);
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
	json_t *c;
	size_t i;
	table_init(&t, ncols, 0x3 | 1u << 4 | 1u << (ncols - 1));
	for (int k = 0; k < ncols; k++)
		table_cell(&t, "%s", head[k]);
	json_array_foreach(val_cases(v), i, c) {
		struct mview mv[MAX_VIEWS];
		int nv = case_views(c, mv);
		if (isfinite(case_hz(c)))
			continue;
		for (int k = 0; k < nv; k++) {
			const char *unit = jstring(mv[k].m, "unit", "");
			json_t *b = mv_get(c, &mv[k], "bounds");
			double ratio = mv_num(c, &mv[k], "total_ratio"), lo = jnumber(b, "total_ratio_min"),
			       hi = jnumber(b, "total_ratio_max");
			char totals[160];
			if (k == 0) {
				table_cell(&t, "%s", jstring(c, "sampler", "?"));
				type_cell(&t, c);
				num_cell(&t, c, "threads", 1, "%g");
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
			table_cell(&t, "%s", mv[k].name);
			amounts_text(mv_num(c, &mv[k], "total_measured"), mv_num(c, &mv[k], "total_truth"), unit, totals,
				     sizeof(totals));
			table_cell(&t, "%s", isfinite(mv_num(c, &mv[k], "total_measured")) ? totals : "-");
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
			error_cell(&t, c, &mv[k]);
			se_bound_cell(&t, c, &mv[k]);
			tvd_cell(&t, c, &mv[k]);
			pair_cell(&t, mv[k].m ? mv[k].m : c, "reached_main", "symbolized", 100, "%.1f");
			verdict_cell(&t, c, mv, nv, k);
		}
	}
	doc_table(d, &t);
	table_free(&t);
}

/* The allocation calls and bytes asked, which the allocation sampler counts at every call. */
static void val_alloc_calls(struct doc *d, const struct rval *v)
{
	struct table t;
	json_t *c;
	size_t i;
	int rows = 0;
	table_init(&t, 6, 0x1);
	table_cell(&t, "sampler");
	table_cell(&t, "threads");
	table_cell(&t, "calls counted");
	table_cell(&t, "calls made");
	table_cell(&t, "bytes counted");
	table_cell(&t, "bytes asked");
	json_array_foreach(val_cases(v), i, c) {
		json_t *calls = json_object_get(c, "calls"), *bytes = json_object_get(c, "bytes");
		double cc = jnumber(calls, "counted"), ct = jnumber(calls, "truth");
		double bc = jnumber(bytes, "counted"), bt = jnumber(bytes, "truth");
		if (!case_ok(c) || (!json_is_object(calls) && !json_is_object(bytes)))
			continue;
		table_cell(&t, "%s", jstring(c, "sampler", "?"));
		num_cell(&t, c, "threads", 1, "%g");
		if (isfinite(cc) && isfinite(ct))
			table_cell(&t, "%.0f (%+.0f)", cc, cc - ct);
		else
			num_cell(&t, calls, "counted", 1, "%.0f");
		num_cell(&t, calls, "truth", 1, "%.0f");
		if (isfinite(bc) && isfinite(bt))
			table_cell(&t, "%.0f (%+.0f)", bc, bc - bt);
		else
			num_cell(&t, bytes, "counted", 1, "%.0f");
		num_cell(&t, bytes, "truth", 1, "%.0f");
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
	json_t *c;
	size_t i;
	json_array_foreach(val_cases(v), i, c)
		if (case_ok(c))
			push_unique(&types, case_type(c));
	if (types.n)
		doc_para(d, "Each site's share, measured (and true: the workload's own measurement of it), one table per "
			 "type; a measure's shares are of its total over the sites (samples, off-CPU time, blocks, lock delay, "
			 "contentions, bytes or objects allocated, bytes in use):");
	for (int g = 0; g < types.n; g++) {
		struct ptrvec sites = { 0 };
		struct table t;
		int hz = 0, measure = 0, ncols;
		json_array_foreach(val_cases(v), i, c) {
			struct mview mv[MAX_VIEWS];
			int nv;
			json_t *x;
			const char *k;
			if (!case_ok(c) || strcmp(case_type(c), types.v[g]))
				continue;
			nv = case_views(c, mv);
			hz |= isfinite(case_hz(c));
			measure |= nv > 1 || strcmp(mv[0].name, "samples");
			for (int m = 0; m < nv; m++)
				json_object_foreach(mv_get(c, &mv[m], "truth"), k, x)
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
		json_array_foreach(val_cases(v), i, c) {
			struct mview mv[MAX_VIEWS];
			int nv;
			if (!case_ok(c) || strcmp(case_type(c), types.v[g]))
				continue;
			nv = case_views(c, mv);
			for (int m = 0; m < nv; m++) {
				char rate[32];
				table_cell(&t, "%s", jstring(c, "sampler", "?"));
				num_cell(&t, c, "threads", 1, "%g");
				if (hz) {
					hz_text(case_hz(c), rate, sizeof(rate));
					table_cell(&t, "%s", rate);
				}
				if (measure)
					table_cell(&t, "%s", mv[m].name);
				for (int j = 0; j < sites.n; j++) {
					double ms = jnumber(mv_get(c, &mv[m], "measured"), sites.v[j]);
					double tr = jnumber(mv_get(c, &mv[m], "truth"), sites.v[j]);
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
	json_t *c;
	size_t i;
	buf[0] = '\0';
	json_array_foreach(val_cases(v), i, c) {
		const char *w = jstring(c, "workload", "?");
		int k = seen.n;
		push_unique(&seen, w);
		if (seen.n == k)
			continue;
		catf(buf, len, "%s%s", *buf ? ", " : "", w);
		if (strcmp(w, case_type(c)))
			catf(buf, len, " (type %s)", case_type(c));
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
	json_t *c, *types = json_object_get(json_object_get(v->root, "options"), "types");
	size_t i;
	buf[0] = '\0';
	json_array_foreach(types, i, c)
		if (json_is_string(c))
			push_unique(&seen, json_string_value(c));
	if (!seen.n)
		json_array_foreach(val_cases(v), i, c)
			push_unique(&seen, case_type(c));
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
	json_t *opts = json_object_get(v->root, "options"), *c;
	const char *verdict = jstring(v->root, "verdict", "?");
	char title[300], samplers[256], rates[256], threads[128], types[256], workloads[512];
	int cpu, other, alloc, rated = 0, unrated = 0;
	size_t i;
	if (rp->nvals > 1) {
		snprintf(title, sizeof(title), "Validation %d: %s", v->index, v->name);
		doc_heading(d, 3, NULL, title);
	}
	join_array(json_object_get(opts, "samplers"), "", samplers, sizeof(samplers));
	join_array(json_object_get(opts, "rates_hz"), " Hz", rates, sizeof(rates));
	join_array(json_object_get(opts, "threads"), "", threads, sizeof(threads));
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
		doc_code(d, jstring(opts, "event", "?"));
	}
	if (other && isfinite(jnumber(opts, "other_types_threads")))
		doc_textf(d, "; the other types with %g thread%s", jnumber(opts, "other_types_threads"),
			  jnumber(opts, "other_types_threads") == 1 ? "" : "s");
	if (alloc && isfinite(jnumber(opts, "alloc_rate_bytes")))
		doc_textf(d, ", allocations sampled every %g bytes on average", jnumber(opts, "alloc_rate_bytes"));
	if (isfinite(jnumber(opts, "duration_s")))
		doc_textf(d, "; %g s a run", jnumber(opts, "duration_s"));
	doc_text(d, json_is_true(json_object_get(opts, "same_run")) ?
		 "; the samplers of one workload, rate and thread count sampled the same run.  Verdict: " :
		 "; each sampler on its own run.  Verdict: ");
	doc_strong(d, verdict);
	doc_text(d, *val_verdict_text(verdict) ? " (" : "");
	doc_text(d, val_verdict_text(verdict));
	doc_text(d, *val_verdict_text(verdict) ? ")." : ".");
	doc_p_end(d);
	if (!json_array_size(val_cases(v))) {
		doc_para(d, "No case was measured.");
		return;
	}
	json_array_foreach(val_cases(v), i, c) {
		rated += isfinite(case_hz(c));
		unrated += !isfinite(case_hz(c));
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

static void sec_validation(struct doc *d, const struct report *rp)
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
	for (int i = 0; i < rp->nvals; i++) {
		json_t *c;
		size_t k;
		json_array_foreach(val_cases(&rp->vals[i]), k, c) {
			rated |= isfinite(case_hz(c));
			unrated |= !isfinite(case_hz(c));
		}
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

static void sec_plots(struct doc *d, const struct report *rp)
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

/* ---- warnings ------------------------------------------------------------------------------- */

/* One warning, tagged with where it comes from ("run 2: ", "validation: ") when the report has
 * several inputs. */
static void warn_item(struct doc *d, const char *tag, const char *text)
{
	doc_li_begin(d);
	doc_text(d, tag);
	doc_user(d, text);
	doc_li_end(d);
}

static int warn_failed_trials(struct doc *d, const char *tag, const struct rrun *r)
{
	int n = 0;
	for (int i = 0; i < r->lr.ntrials; i++) {
		const struct trial_result *tr = &r->lr.trials[i];
		char *s;
		if (tr->state == TRIAL_OK)
			continue;
		s = xasprintf("trial %d (%s, block %d) failed: %s", tr->index + 1, r->lr.ex.configs[tr->config].label,
			      tr->block + 1, tr->error[0] ? tr->error : "no reason recorded");
		warn_item(d, tag, s);
		free(s);
		n++;
	}
	return n;
}

static int warn_run(struct doc *d, const struct report *rp, const struct rrun *r)
{
	json_t *w = json_object_get(r->lr.root, "warnings"), *v;
	size_t i;
	int n = 0;
	char tag[32] = "";
	if (rp->nruns + rp->nvals > 1)
		snprintf(tag, sizeof(tag), rp->nruns > 1 ? "run %d: " : "run: ", r->index);
	if (json_is_true(json_object_get(r->lr.root, "interrupted")))
		warn_item(d, tag, "the run was interrupted: only its finished trials are shown"), n++;
	else if (!json_is_true(json_object_get(r->lr.root, "complete")))
		warn_item(d, tag, "the run is not complete (still running, or it stopped early)"), n++;
	json_array_foreach(w, i, v)
		if (json_is_string(v))
			warn_item(d, tag, json_string_value(v)), n++;
	n += warn_failed_trials(d, tag, r);
	return n;
}

/* A validation: not finished, gated cases out of bounds, cases not measured (one line per
 * sampler and reason), lost, throttled or dropped samples or events. */
static int warn_validation(struct doc *d, const struct report *rp, const struct rval *v)
{
	const char *verdict = jstring(v->root, "verdict", "");
	json_t *c, *x;
	size_t i, j;
	int n = 0;
	char tag[32] = "", name[200];
	if (rp->nruns + rp->nvals > 1)
		snprintf(tag, sizeof(tag), rp->nvals > 1 ? "validation %d: " : "validation: ", v->index);
	if (!strcmp(verdict, "interrupted") || !strcmp(verdict, "running") || !strcmp(verdict, "cannot"))
		warn_item(d, tag, val_verdict_text(verdict)), n++;
	json_array_foreach(json_object_get(v->root, "out_of_bounds"), i, x)
		if (json_is_string(x)) {
			char *s = xasprintf("out of bounds: %s", json_string_value(x));
			warn_item(d, tag, s);
			free(s);
			n++;
		}
	json_array_foreach(val_cases(v), i, c) {
		const char *sampler = jstring(c, "sampler", "?"), *status = jstring(c, "status", "?");
		const char *reason = jstring(c, "reason", "no reason recorded");
		double lost = jnumber(c, "lost_pct"), thr = jnumber(c, "throttled_pct"), dropped = jnumber(c, "dropped");
		int same = 0, first = 1;
		if (!case_ok(c)) {
			/* once per sampler, status and reason: "perf: skipped in 2 cases: ..." */
			json_array_foreach(val_cases(v), j, x) {
				if (case_ok(x) || strcmp(sampler, jstring(x, "sampler", "?")) || strcmp(status, jstring(x, "status", "?")) ||
				    strcmp(reason, jstring(x, "reason", "no reason recorded")))
					continue;
				first &= j >= i;
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
			double samples = jnumber(c, "samples");
			char what[600] = "";
			if (lost > 0)
				catf(what, sizeof(what), "%.2f%% of %s lost", lost, of);
			if (thr > 0)
				catf(what, sizeof(what), "%s%.2f%% throttled", *what ? ", " : "", thr);
			if (dropped > 0)
				catf(what, sizeof(what), "%s%.0f %s dropped (%.2f%%)", *what ? ", " : "", dropped, of,
				     isfinite(jnumber(c, "dropped_pct")) ? jnumber(c, "dropped_pct")
				     : samples > 0 ? 100 * dropped / samples : 100.0);
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

static void sec_warnings(struct doc *d, const struct report *rp)
{
	int n = 0;
	doc_heading(d, 2, "warnings", "Warnings");
	doc_ul_begin(d);
	for (int i = 0; i < rp->nruns; i++)
		n += warn_run(d, rp, &rp->runs[i]);
	for (int i = 0; i < rp->nvals; i++)
		n += warn_validation(d, rp, &rp->vals[i]);
	if (!n) {
		doc_li_begin(d);
		doc_text(d, rp->nruns ? "None: no noise warnings, no failed trials, no lost samples recorded."
			 : "None: every case was measured, none gated is out of its bounds, no sample was lost or throttled.");
		doc_li_end(d);
	}
	doc_ul_end(d);
}

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
		table_cell(t, "%s to %s", jstring(root, "started", "?"), jstring(root, "finished", "?"));
	else if (!strcmp(what, "trials"))
		table_cell(t, "%d of %g finished (%d configurations x %d blocks)", r->lr.ntrials, jnumber(root, "trials_planned"),
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
		table_cell(t, "%s", jstring(root, "tare_version", "?"));
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
static void object_rows(struct table *t, const struct report *rp, int from, int to, const char *member, const char *sub,
			const char *prefix)
{
	struct ptrvec keys = { 0 };
	for (int i = from; i < to; i++) {
		json_t *v;
		const char *k;
		json_object_foreach(member_of(rp, i, member, sub), k, v)
			if (!json_is_object(v) && !json_is_array(v))
				push_unique(&keys, k);
	}
	for (int j = 0; j < keys.n; j++) {
		char name[160];
		key_name(prefix, keys.v[j], name, sizeof(name));
		table_cell(t, "%s", name);
		for (int i = from; i < to; i++)
			json_cell(t, keys.v[j], json_object_get(member_of(rp, i, member, sub), keys.v[j]));
	}
	free(keys.v);
}

/* The header of a table with one column per input in [from, to). */
static void input_columns(struct table *t, const struct report *rp, int from, int to, const char *first)
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

/* One row of the method table for a validation: the text of its cell, "-" where it has none. */
static void val_method_text(const struct rval *v, const char *what, char *buf, size_t len)
{
	json_t *root = v->root, *opts = json_object_get(root, "options"), *c;
	int cpu, other, alloc, ok = 0;
	char types[256];
	size_t i;
	val_types(v, types, sizeof(types), &cpu, &other, &alloc);
	snprintf(buf, len, "-");
	if (!strcmp(what, "validation"))
		snprintf(buf, len, "%s", v->name);
	else if (!strcmp(what, "started"))
		snprintf(buf, len, "%s to %s", jstring(root, "started_utc", "?"), jstring(root, "finished_utc", "?"));
	else if (!strcmp(what, "types"))
		snprintf(buf, len, "%s", types);
	else if (!strcmp(what, "workloads"))
		val_workloads(v, buf, len);
	else if (!strcmp(what, "samplers"))
		join_array(json_object_get(opts, "samplers"), "", buf, len);
	else if (!strcmp(what, "cpu: sampling rates") && cpu)
		join_array(json_object_get(opts, "rates_hz"), " Hz", buf, len);
	else if (!strcmp(what, "cpu: workload threads") && cpu)
		join_array(json_object_get(opts, "threads"), "", buf, len);
	else if (!strcmp(what, "cpu: event") && cpu)
		snprintf(buf, len, "%s", jstring(opts, "event", "-"));
	else if (!strcmp(what, "other types: workload threads") && other && isfinite(jnumber(opts, "other_types_threads")))
		snprintf(buf, len, "%g", jnumber(opts, "other_types_threads"));
	else if (!strcmp(what, "alloc: mean bytes between samples") && alloc && isfinite(jnumber(opts, "alloc_rate_bytes")))
		snprintf(buf, len, "%g", jnumber(opts, "alloc_rate_bytes"));
	else if (!strcmp(what, "each run") && isfinite(jnumber(opts, "duration_s")))
		snprintf(buf, len, "%g s", jnumber(opts, "duration_s"));
	else if (!strcmp(what, "samplers share a run"))
		snprintf(buf, len, "%s", json_is_true(json_object_get(opts, "same_run")) ? "yes" : "no (--apart)");
	else if (!strcmp(what, "cases")) {
		json_array_foreach(val_cases(v), i, c)
			ok += case_ok(c);
		snprintf(buf, len, "%d measured of %zu", ok, json_array_size(val_cases(v)));
	} else if (!strcmp(what, "verdict"))
		snprintf(buf, len, "%s", jstring(root, "verdict", "?"));
	else if (!strcmp(what, "tare version"))
		snprintf(buf, len, "%s", jstring(root, "tare_version", "?"));
}

/* Does a validation hold cases of this type? */
static int val_has_type(const struct rval *v, const char *type, size_t len)
{
	json_t *c;
	size_t i;
	json_array_foreach(val_cases(v), i, c)
		if (strlen(case_type(c)) == len && !strncmp(case_type(c), type, len))
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
		json_object_foreach(json_object_get(json_object_get(json_object_get(rp->vals[i].root, "options"), "bounds"),
						    "measures"), k, x)
			if (json_is_string(x) && val_has_type(&rp->vals[i], k, strcspn(k, " ")))
				push_unique(&keys, k);
	}
	for (int j = 0; j < keys.n; j++) {
		table_cell(t, "bound: %s", (const char *)keys.v[j]);
		for (int i = 0; i < rp->nvals; i++) {
			json_t *x = json_object_get(json_object_get(json_object_get(json_object_get(rp->vals[i].root, "options"),
										      "bounds"), "measures"), keys.v[j]);
			const char *k = keys.v[j];
			table_cell(t, "%s", json_is_string(x) && val_has_type(&rp->vals[i], k, strcspn(k, " ")) ?
					    json_string_value(x) : "-");
		}
	}
	free(keys.v);
}

static void val_method(struct doc *d, const struct report *rp)
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
		json_t *c;
		size_t k;
		val_types(&rp->vals[i], types, sizeof(types), &c1, &o1, &a1);
		cpu |= c1, alloc |= a1;
		(void)o1;
		json_array_foreach(val_cases(&rp->vals[i]), k, c) {
			exact |= !strcmp(case_type(c), "offcpu") || !strcmp(case_type(c), "lock");
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
	object_rows(&t, rp, from, to, "options", "bounds", "bound: ");
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

static void sec_method(struct doc *d, const struct report *rp)
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
			  "differences (from windows with at least 10/(1-p) requests).  Per process: the Hodges-Lehmann "
			  "estimate, with a standard error from the within-process variance pooled over processes.  Over "
			  "processes: DerSimonian-Laird's between-process variance and the modified Hartung-Knapp-Sidik-"
			  "Jonkman interval (a t quantile with k-1 degrees of freedom, never narrower than DerSimonian-"
			  "Laird's).  A carry-over check compares off windows right after an on window with the other off "
			  "windows.", ex->window_s, ex->guard_s, ex->pairs);
		doc_p_end(d);
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

static void sec_environment(struct doc *d, const struct report *rp)
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

static void sec_reproduce(struct doc *d, const struct report *rp)
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
		const char *cmd = jstring(rp->vals[i].root, "command_line", "");
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

static void sec_tail(struct doc *d)
{
	fprintf(d->html, "%s</body>\n</html>\n", html_script);
}

/* ---- putting it together -------------------------------------------------------------------- */

static int write_documents(struct report *rp, char *err, size_t errlen)
{
	struct doc d = { 0 };
	char *md, *html;
	int rc = 0;
	d.md = open_memstream(&d.mdbuf, &d.mdlen);
	d.html = open_memstream(&d.htmlbuf, &d.htmllen);
	sec_head(&d, rp);
	intro(&d, rp);
	sec_summary(&d, rp);
	sec_verdicts(&d, rp);
	sec_latency(&d, rp);
	sec_validation(&d, rp);
	sec_plots(&d, rp);
	sec_warnings(&d, rp);
	sec_method(&d, rp);
	sec_environment(&d, rp);
	sec_reproduce(&d, rp);
	sec_tail(&d);
	fclose(d.md);
	fclose(d.html);
	md = xasprintf("%s/report.md", rp->out);
	html = xasprintf("%s/report.html", rp->out);
	if (write_file_atomic(md, d.mdbuf, d.mdlen) < 0 || write_file_atomic(html, d.htmlbuf, d.htmllen) < 0) {
		snprintf(err, errlen, "cannot write the report in %s: %s", rp->out, strerror(errno));
		rc = EXIT_FAIL;
	}
	free(md);
	free(html);
	free(d.mdbuf);
	free(d.htmlbuf);
	return rc;
}

static void base_name(const char *dir, char *buf, size_t len)
{
	char *real = realpath(dir, NULL);
	const char *s = real ? real : dir, *slash = strrchr(s, '/');
	size_t n;
	s = slash && slash[1] ? slash + 1 : s;
	n = strlen(s) < len ? strlen(s) : len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	free(real);
}

static int load_run(struct report *rp, const char *path, const char *given, char *err, size_t errlen)
{
	struct rrun *r = &rp->runs[rp->nruns];
	int rc = results_load(path, &r->lr, err, errlen);
	if (rc)
		return rc;
	rp->nruns++;
	r->index = rp->nruns;
	r->given = given;
	base_name(r->lr.dir, r->name, sizeof(r->name));
	analysis_run(&r->lr.ex, r->lr.trials, r->lr.ntrials, r->lr.ex.confidence, &r->an);
	return 0;
}

/* validation.json at path (a file); root, when not NULL, is the document already parsed (the
 * reference passes to the report).  0, or EXIT_USAGE after one line in err. */
static int load_validation(struct report *rp, const char *path, json_t *root, const char *given, char *err,
			   size_t errlen)
{
	struct rval *v = &rp->vals[rp->nvals];
	json_error_t je;
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
	if (strcmp(jstring(root, "kind", ""), "validation")) {
		snprintf(err, errlen, "%s: not a tare validation file (no \"kind\": \"validation\")", path);
		return EXIT_USAGE;
	}
	if (jnumber(root, "schema_version") != VALIDATE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %g, this tare reads %d", path, jnumber(root, "schema_version"),
			 VALIDATE_SCHEMA_VERSION);
		return EXIT_USAGE;
	}
	if (!json_is_array(json_object_get(root, "cases"))) {
		snprintf(err, errlen, "%s: no cases", path);
		return EXIT_USAGE;
	}
	v->index = rp->nvals;
	v->given = given;
	base_name(v->dir, v->name, sizeof(v->name));
	return 0;
}

/* Each input is a results directory of `tare run` (results.json), one of `tare validate`
 * (validation.json), or either file. */
static int load_inputs(struct report *rp, const char *const *dirs, int n, char *err, size_t errlen)
{
	rp->runs = xcalloc((size_t)n, sizeof(*rp->runs));
	rp->vals = xcalloc((size_t)n, sizeof(*rp->vals));
	for (int i = 0; i < n; i++) {
		char path[4096], *res, *val;
		struct stat sb;
		size_t len;
		int rc = 0;
		/* results/x/ as a shell completes it: results/x, so the paths shown have no "//" */
		snprintf(path, sizeof(path), "%s", dirs[i]);
		for (len = strlen(path); len > 1 && path[len - 1] == '/'; len--)
			path[len - 1] = '\0';
		res = xasprintf("%s/results.json", path);
		val = xasprintf("%s/validation.json", path);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (!path_exists(res) && !path_exists(val)) {
				snprintf(err, errlen, "%s: no results.json (tare run) or validation.json (tare validate) in this "
					 "directory (give a results/<stamp>-<name>/ directory)", path);
				rc = EXIT_USAGE;
			}
			if (!rc && path_exists(res))
				rc = load_run(rp, path, dirs[i], err, errlen);
			if (!rc && path_exists(val))
				rc = load_validation(rp, val, NULL, dirs[i], err, errlen);
		} else {
			/* A file: a validation says what it is (or is named so); anything else is for
			 * results_load to judge. */
			const char *slash = strrchr(path, '/');
			json_t *root = json_load_file(path, 0, NULL);
			if ((root && !strcmp(jstring(root, "kind", ""), "validation")) ||
			    !strcmp(slash ? slash + 1 : path, "validation.json"))
				rc = load_validation(rp, path, root, dirs[i], err, errlen);
			else
				json_decref(root), rc = load_run(rp, path, dirs[i], err, errlen);
		}
		if (!rc && i == 0)
			snprintf(rp->first_dir, sizeof(rp->first_dir), "%s",
				 rp->nruns ? rp->runs[0].lr.dir : rp->vals[0].dir);
		free(res);
		free(val);
		if (rc)
			return rc;
	}
	rp->ngiven = n;
	return 0;
}

static void free_report(struct report *rp)
{
	for (int i = 0; i < rp->nruns; i++) {
		analysis_free(&rp->runs[i].an);
		results_unload(&rp->runs[i].lr);
	}
	for (int i = 0; i < rp->nvals; i++)
		json_decref(rp->vals[i].root);
	free(rp->runs);
	free(rp->vals);
	free(rp->gnuplot);
}

static int make_dirs(struct report *rp, char *err, size_t errlen)
{
	static const char *const sub[] = { "", "/plots", "/data" };
	for (int i = 0; i < 3; i++) {
		char *p = xasprintf("%s%s", rp->out, sub[i]);
		int rc = mkdir_p(p, 0755);
		if (rc < 0)
			snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
		free(p);
		if (rc < 0)
			return EXIT_FAIL;
	}
	return 0;
}

static void stamp_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static int build(struct report *rp, const char *const *dirs, int n, const char *out_dir, char *err, size_t errlen)
{
	int rc;
	if (n < 1) {
		snprintf(err, errlen, "report: which results? give one or more results directories");
		return EXIT_USAGE;
	}
	rp->given = dirs;
	if ((rc = load_inputs(rp, dirs, n, err, errlen)))
		return rc;
	snprintf(rp->out, sizeof(rp->out), "%s", out_dir ? out_dir : "");
	if (!out_dir)
		snprintf(rp->out, sizeof(rp->out), "%.4080s/report", rp->first_dir);
	if ((rc = make_dirs(rp, err, errlen)))
		return rc;
	stamp_now(rp->generated, sizeof(rp->generated));
	rp->gnuplot = which("gnuplot");
	remove_old(rp);
	for (int p = 0; p < PLOT_COUNT; p++)
		make_plot(rp, (enum plot_id)p);
	return write_documents(rp, err, errlen);
}

/* What the user should know about a report that was written: no gnuplot, or a plot that failed. */
static void outcome_note(const struct report *rp, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!rp->gnuplot) {
		snprintf(buf, len, "gnuplot is not installed (apt-get install gnuplot-nox): the report has no plots");
		return;
	}
	for (int p = 0; p < PLOT_COUNT; p++)
		if (rp->plots[p].rows && !(rp->plots[p].svg && rp->plots[p].png)) {
			snprintf(buf, len, "plot %s: %.400s", plot_info[p].name, rp->plots[p].why);
			return;
		}
}

int report_write(const char *const *results_dirs, int n, const char *out_dir, char *err, size_t errlen)
{
	struct report rp = { 0 };
	int rc = build(&rp, results_dirs, n, out_dir, err, errlen);
	if (rc == 0)
		outcome_note(&rp, err, errlen);
	free_report(&rp);
	return rc;
}

static void print_outcome(const struct report *rp)
{
	if (!rp->gnuplot)
		tare_warn("gnuplot is not installed (apt-get install gnuplot-nox): the report has no plots");
	for (int p = 0; p < PLOT_COUNT; p++)
		if (rp->gnuplot && rp->plots[p].rows && !(rp->plots[p].svg && rp->plots[p].png))
			tare_warn("plot %s: %s", plot_info[p].name, rp->plots[p].why);
	printf("report: %s/report.html (and report.md; %d plot%s)\n", rp->out, rp->plots_drawn,
	       rp->plots_drawn == 1 ? "" : "s");
}

static const char report_usage[] =
	"usage: tare report RESULTS... [-o DIR]\n"
	"\n"
	"Write report.md and a self-contained report.html, with gnuplot plots, from one or more\n"
	"results directories (results/<stamp>-<name>/): runs of `tare run` (results.json), compared\n"
	"in one report, and validations of `tare validate` (validation.json), alone or beside them.\n"
	"\n"
	"  -o, --out DIR   where to write it (default: the first results directory's report/)\n"
	"  -h, --help      this text\n";

int report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report rp = { 0 };
	const char *out = NULL;
	char err[1024] = "";
	int c, rc;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': fputs(report_usage, stdout); return 0;
		case 'v': tare_verbose = 1; break;
		default:
			if (optopt == 'o')
				tare_err("report: -o needs a directory (see tare report --help)");
			else
				tare_err("report: unknown option '%s' (see tare report --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		tare_err("report: which results? e.g. tare report results/*-canary (see tare report --help)");
		return EXIT_USAGE;
	}
	rc = build(&rp, (const char *const *)argv + optind, argc - optind, out, err, sizeof(err));
	if (rc)
		tare_err("%s", err);
	else
		print_outcome(&rp);
	free_report(&rp);
	return rc;
}
