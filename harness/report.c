/* report.c — `tare report`: Markdown and self-contained HTML with gnuplot plots (report.h).
 *
 * The report re-runs the paired analysis (analysis.h) on the trials results.json holds, so its
 * numbers are the ones `tare run` printed; verdicts, warnings, the environment and the command
 * are shown as the run recorded them.  A validation (validation.json of `tare validate`) is
 * shown as it recorded itself (report_validation.c).  All text goes through one small document
 * writer (markup.h) that emits Markdown and HTML side by side and escapes, for each, every
 * string a run supplied (labels, warnings, the environment, the command): only tare's own text
 * is markup.  The plots, their data and gnuplot: plot.c.
 *
 * This file: the command, loading the inputs, the experiment's sections (summary, verdicts,
 * latency, warnings) and putting the documents together; method, environment and reproduce,
 * with a column per input: report_method.c.
 */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "fmt.h"
#include "plan.h"
#include "report_int.h"

/* ---- numbers as the report prints them ------------------------------------------------------ */

const char *run_unit(const struct rrun *run)
{
	for (int i = 0; i < run->lr.ntrials; i++)
		if (run->lr.trials[i].state == TRIAL_OK)
			return run->lr.trials[i].unit[0] ? run->lr.trials[i].unit : "seconds";
	return run->lr.ex.nworkloads && run->lr.ex.workloads[0].unit[0] ? run->lr.ex.workloads[0].unit : "units";
}

int is_baseline(const struct experiment *ex, int c)
{
	return c == plan_baseline(ex, ex->configs[c].workload);
}

int run_has_latency(const struct rrun *run)
{
	for (int c = 0; c < run->an.narms; c++)
		if (run->an.arms[c].has_latency)
			return 1;
	return 0;
}

/* "perf hz=99", or "perf hz=99 (run 2)" when the report compares runs. */
void series_label(const struct report *rp, const struct rrun *run, const char *label, char *buf, size_t len)
{
	if (rp->nruns > 1)
		snprintf(buf, len, "%s (run %d)", label, run->index);
	else
		snprintf(buf, len, "%s", label);
}

/* ---- small helpers (report_int.h) ----------------------------------------------------------- */

/* Add s (borrowed) to v unless it is there. */
void push_unique(struct ptrvec *v, const char *s)
{
	for (int k = 0; k < v->n; k++)
		if (!strcmp(v->v[k], s))
			return;
	ptrvec_push(v, (void *)s);
}

/* Append to the string in buf (len bytes), truncating. */
void catf(char *buf, size_t len, const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;
	if (o + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

/* ---- sections ------------------------------------------------------------------------------- */

/* The page's stylesheet; markup.h's tables mark numbers .num and verdicts .pass, .fail and
 * .inconclusive. */
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

void report_page_open(struct doc *d, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* Self-contained, and the browser enforces it: nothing may be fetched. */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>", d->html);
	xml_escape(d->html, title, ESC_HTML);
	fprintf(d->html, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_style);
	doc_heading(d, 1, NULL, title);
}

void report_page_close(struct doc *d)
{
	fprintf(d->html, "%s</body>\n</html>\n", html_script);
}

static void sec_head(struct doc *d, const struct report *rp)
{
	char title[1024];
	report_title(rp, title, sizeof(title));
	report_page_open(d, title);
}

int any_switchback(const struct report *rp)
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
		table_cell(&t, "%s", json_get_string(root, "started", "?"));
		table_cell(&t, "%d of %g%s", r->lr.ntrials, json_get_number(root, "trials_planned", NAN),
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
		const char *v = json_get_string(row, "verdict", "");
		if (strcmp(json_get_string(row, "config", ""), label))
			continue;
		for (int k = 0; k < 3; k++)
			if (!strcmp(v, order[k]) && k > worst)
				worst = k;
		if (strcmp(v, "PASS") && n < sizeof(metrics))
			n += (size_t)snprintf(metrics + n, sizeof(metrics) - n, "%s%s", n ? ", " : "", json_get_string(row, "metric", "?"));
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
	if (lat) {
		table_cell(t, "p99 latency");
		table_cell(t, "errors");
	}
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
			fmt_errors(a, cell, sizeof(cell));
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
			fmt_errors(a, cell, sizeof(cell));
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
	/* self attribution beside the measured cost, and the profile against the known split */
	for (int c = 0; c < r->lr.ex.nconfigs; c++) {
		const struct config *cf = &r->lr.ex.configs[c];
		char line[2][1024];
		int n = 0;
		n += fmt_self(&r->an.arms[c], line[n], sizeof(line[n]));
		n += fmt_parts(&r->an.arms[c], &r->lr.ex.workloads[cf->workload].truth, line[n], sizeof(line[n]));
		for (int k = 0; k < n; k++) {
			if (!any++)
				doc_ul_begin(d);
			doc_li_begin(d);
			doc_code(d, cf->label);
			doc_textf(d, ": %s", line[k]);
			doc_li_end(d);
		}
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
		const char *unit = json_get_string(row, "unit", "%");
		char est[48], lo[48], hi[48];
		fmt_amount(unit, json_get_number(row, "estimate", NAN), est, sizeof(est));
		fmt_amount(unit, json_get_number(row, "lo", NAN), lo, sizeof(lo));
		fmt_amount(unit, json_get_number(row, "hi", NAN), hi, sizeof(hi));
		table_cell(&t, "%s", json_get_string(row, "config", "?"));
		table_cell(&t, "%s", json_get_string(row, "metric", "?"));
		table_cell(&t, "%s [%s, %s]", est, lo, hi);
		table_cell(&t, "%s", json_get_string(row, "budget", "?"));
		table_cell(&t, "%s", json_get_string(row, "verdict", "?"));
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
		doc_strong(d, json_get_string(v, "verdict", "?"));
		if (json_get_number(v, "blocks_added", NAN) > 0)
			doc_textf(d, " (%g blocks were added to decide it).", json_get_number(v, "blocks_added", NAN));
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

/* ---- warnings ------------------------------------------------------------------------------- */

/* One warning, tagged with where it comes from ("run 2: ", "validation: ") when the report has
 * several inputs. */
void warn_item(struct doc *d, const char *tag, const char *text)
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
	report_page_close(&d);
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

void base_name(const char *dir, char *buf, size_t len)
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
			if ((root && !strcmp(json_get_string(root, "kind", ""), "validation")) ||
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
		val_free(&rp->vals[i]);
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
	plot_remove_old(rp);
	for (int p = 0; p < PLOT_COUNT; p++)
		plot_make(rp, (enum plot_id)p);
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
