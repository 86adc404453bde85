/* compare_output.c — tare compare's writers: one formatting of the cells for text, Markdown,
 * JUnit XML and JSON (compare.c builds the rows they show). */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_doc.h"
#include "compare_int.h"
#include "fmt.h"
#include "json_io.h"
#include "markup.h"

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
	const char *ver = cmp_root_str(lr, NULL, "tare_version"), *started = cmp_root_str(lr, NULL, "started");
	snprintf(buf, len, "%s  (%s, %d blocks, %d trials%s%s%s%s)", lr->path, lr->ex.name, lr->ex.blocks, lr->ntrials,
		 started ? ", " : "", started ? started : "", ver ? ", tare " : "", ver ? ver : "");
}

/* The baseline's line: its run's, or the merge's. */
static void base_line(const struct comparison *cmp, char *buf, size_t len)
{
	const struct merge_doc *m = cmp->merged;
	if (!m)
		run_line(cmp->base, buf, len);
	else
		snprintf(buf, len, "%s  (merge of %d runs on %d host%s, %s, %g%% intervals)", m->path, m->nruns, m->nhosts,
			 m->nhosts == 1 ? "" : "s", m->experiment, 100 * m->conf);
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

static const char legend_merged[] =
	"~: the change's interval contains 0 (not significant); n/a: too few runs or blocks for an interval.\n"
	"baseline: the merge's random-effects estimate (DerSimonian-Laird, Hartung-Knapp interval);\n"
	"current: Hodges-Lehmann over paired blocks with its Wilcoxon signed-rank interval.\n"
	"change: current - combined, with the prediction interval for a new run and its t p-value;\n"
	"pts: percentage points of the off arm's CPU.\n";

static const char *legend_of(const struct comparison *cmp)
{
	return cmp->merged ? legend_merged : legend;
}

static void render_text(FILE *f, const struct comparison *cmp)
{
	char summary[600], run[4400];
	base_line(cmp, run, sizeof(run));
	fprintf(f, "baseline  %s\n", run);
	run_line(cmp->cur, run, sizeof(run));
	fprintf(f, "current   %s\n", run);
	fputc('\n', f);
	text_table(f, cmp);
	fputc('\n', f);
	only_lines(f, cmp, "");
	fprintf(f, "%s", legend_of(cmp));
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
	base_line(cmp, run, sizeof(run));
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
	md_escape(f, legend_of(cmp), MD_GFM);
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

/* ---- JSON: the records of compare_doc.h, written by their tables (compare_json.c) --------- */

static struct cmp_doc_gate doc_gate(const struct budget_item *it, double limit, enum verdict v)
{
	return (struct cmp_doc_gate){ .amount = it ? (char *)it->text : NULL, .limit = limit, .verdict = v };
}

static void doc_row(const struct comparison *cmp, const struct cmp_row *r, struct cmp_doc_row *d)
{
	*d = (struct cmp_doc_row){
		.config = (char *)config_label(cmp, r),
		.workload = (char *)cmp_workload_label(cmp->cur, r->cur_config),
		.absolute = r->absolute,
		.metric = (char *)cmp_row_metric(r),
		.unit = (char *)side_unit(r),
		.baseline = r->base,
		.current = r->cur,
		.change = { r->change.est, r->change.lo, r->change.hi, r->change.p, (char *)cmp_change_unit(r),
			    r->significant },
		.budget = doc_gate(r->budget_item, r->budget_limit, r->budget),
		.tolerance = doc_gate(r->tolerance_item, r->tolerance_limit, r->tolerance),
		.verdict = r->verdict,
	};
	row_name(cmp, r, d->label, sizeof(d->label));
}

static struct cmp_doc_run doc_run(const struct loaded_results *lr)
{
	return (struct cmp_doc_run){
		.path = (char *)lr->path,
		.name = lr->ex.name,
		.started = (char *)cmp_root_str(lr, NULL, "started"),
		.tare_version = (char *)cmp_root_str(lr, NULL, "tare_version"),
		.blocks = lr->ex.blocks,
		.trials = lr->ntrials,
	};
}

static struct cmp_doc_run doc_merge(const struct merge_doc *m)
{
	return (struct cmp_doc_run){
		.path = (char *)m->path,
		.kind = "merge",
		.name = (char *)m->experiment,
		.runs = m->nruns,
		.hosts = m->nhosts,
		.confidence = m->conf,
	};
}

/* The strings of pv, borrowed, NULL-terminated; free() the array only. */
static char **doc_strings(const struct ptrvec *pv)
{
	char **v = xcalloc((size_t)pv->n + 1, sizeof(char *));
	for (int i = 0; i < pv->n; i++)
		v[i] = pv->v[i];
	return v;
}

static void render_json(FILE *f, const struct comparison *cmp)
{
	struct cmp_doc d = {
		.schema = COMPARE_SCHEMA,
		.schema_version = COMPARE_SCHEMA_VERSION,
		.baseline = cmp->merged ? doc_merge(cmp->merged) : doc_run(cmp->base),
		.current = doc_run(cmp->cur),
		.confidence = cmp->conf,
		.budget = (char *)cmp->budget_text,
		.tolerance = (char *)cmp->tolerance_text,
		.only_in_baseline = doc_strings(&cmp->only_base),
		.only_in_current = doc_strings(&cmp->only_cur),
		.notes = doc_strings(&cmp->notes),
		.rows = { xcalloc((size_t)cmp->nrows + 1, sizeof(struct cmp_doc_row)), cmp->nrows },
		.verdict = cmp->overall,
		.exit_code = verdict_exit_code(cmp->overall),
	};
	json_t *o;
	for (int i = 0; i < cmp->nrows; i++)
		doc_row(cmp, &cmp->rows[i], &d.rows.v[i]);
	o = compare_doc_json(&d);
	json_dumpf(o, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(o);
	free(d.only_in_baseline);
	free(d.only_in_current);
	free(d.notes);
	free(d.rows.v);
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
