/* merge_report.c — tare merge --report DIR: the merge as report.md and a self-contained
 * report.html (merge.h), beside the forest plot --plot draws into the same DIR. */
#include "merge.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_io.h"
#include "markup.h"
#include "report.h"
#include "util.h"

static void interval_cell(struct table *t, const json_t *e)
{
	double est = json_get_number(e, "estimate_pct", NAN), lo = json_get_number(e, "lower_pct", NAN),
	       hi = json_get_number(e, "upper_pct", NAN);
	if (!isfinite(est))
		table_cell(t, "-");
	else if (!isfinite(lo) || !isfinite(hi))
		table_cell(t, "%+.2f%% (no interval)", est);
	else
		table_cell(t, "%s%+.2f%% [%+.2f, %+.2f]", lo > 0 || hi < 0 ? "" : "~", est, lo, hi);
}

static void config_section(struct doc *d, const json_t *c, double conf)
{
	const json_t *runs = json_object_get(c, "runs");
	const char *label = json_get_string(c, "configuration", "?");
	int k = (int)json_integer_value(json_object_get(c, "k"));
	struct table t;
	char head[64];
	doc_heading(d, 3, NULL, label);
	table_init(&t, 3, 0x3);
	snprintf(head, sizeof(head), "CPU overhead [%g%% CI]", 100 * conf);
	table_cell(&t, "run"), table_cell(&t, "host"), table_cell(&t, "%s", head);
	for (size_t i = 0; i < json_array_size(runs); i++) {
		const json_t *r = json_array_get(runs, i);
		table_cell(&t, "%s", json_get_string(r, "run", "?"));
		table_cell(&t, "%s", json_get_string(r, "host", "?"));
		interval_cell(&t, json_object_get(r, "cpu_overhead"));
	}
	table_cell(&t, "combined"), table_cell(&t, "%d runs", k);
	interval_cell(&t, json_object_get(c, "combined"));
	doc_table(d, &t);
	table_free(&t);
	if (k > 1) {
		doc_p_begin(d);
		doc_textf(d, "Between the runs: tau %.2f points, I² %.0f%% (the share of the spread that is more than each "
			  "run's own noise).", json_get_number(c, "tau_pct", NAN), json_get_number(c, "i2_pct", NAN));
		doc_p_end(d);
	} else if (k == 1)
		doc_para(d, "One run with an interval: it is the answer, and there is no spread between runs to tell.");
	else
		doc_para(d, "No run has an interval here: run more blocks.");
}

/* The forest plot, inlined as a data: URI (SVG where drawn, else PNG), when --plot drew it. */
static void forest_figure(struct doc *d, const char *dir)
{
	static const char *const kinds[][2] = { { "svg", "image/svg+xml" }, { "png", "image/png" } };
	for (int k = 0; k < 2; k++) {
		char *path = xasprintf("%s/plots/forest.%s", dir, kinds[k][0]);
		size_t n = 0;
		char *bytes = read_file(path, &n);
		free(path);
		if (!bytes)
			continue;
		doc_heading(d, 2, "forest", "Forest plot");
		fprintf(d->md, "![forest plot](plots/forest.%s)\n\n", kinds[k][0]);
		fprintf(d->html, "<figure><img alt=\"forest plot\" width=\"960\" src=\"data:%s;base64,", kinds[k][1]);
		fput_base64(d->html, bytes, n, 0);
		fputs("\"><figcaption>", d->html);
		doc_text(d, "Each run's CPU overhead with its interval, and per configuration the combined one (a "
			    "diamond): a combination wider than the runs says they disagree beyond their own noise.");
		fputs("\n\n", d->md);
		fputs("</figcaption></figure>\n", d->html);
		free(bytes);
		return;
	}
}

int merge_report(const char *dir, const json_t *m, const char *command_line, char *err, size_t errlen)
{
	struct doc d = { 0 };
	const json_t *configs = json_object_get(m, "configurations"), *hosts = json_object_get(m, "hosts");
	double conf = json_get_number(m, "confidence", 0.95);
	char *title = xasprintf("tare merge: %s", json_get_string(m, "experiment", "?")), *md, *html;
	int rc = 0;
	if (mkdir_p(dir, 0755) < 0) {
		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
		free(title);
		return EXIT_FAIL;
	}
	d.md = open_memstream(&d.mdbuf, &d.mdlen);
	d.html = open_memstream(&d.htmlbuf, &d.htmllen);
	report_page_open(&d, title);
	doc_p_begin(&d);
	doc_textf(&d, "%zu runs of experiment ", json_array_size(hosts));
	doc_code(&d, json_get_string(m, "experiment", "?"));
	doc_textf(&d, " as one answer: each run's CPU overhead with its own %g%% interval, and their random-effects "
		  "combination.", 100 * conf);
	doc_p_end(&d);
	doc_heading(&d, 2, "summary", "Summary");
	for (size_t i = 0; i < json_array_size(configs); i++)
		config_section(&d, json_array_get(configs, i), conf);
	forest_figure(&d, dir);
	doc_heading(&d, 2, "method", "Method");
	doc_para(&d, "Each run's overhead is a log ratio of CPU per unit, profiler on against off; its standard error is "
		     "taken from its interval as a normal interval of the same width would have it (Cochrane handbook "
		     "7.7.7.2). The runs are combined by random effects: DerSimonian and Laird's between-run variance "
		     "tau², and the Hartung-Knapp-Sidik-Jonkman interval, a t interval with k - 1 degrees of freedom "
		     "that keeps its coverage with the handful of hosts a fleet check has, never narrower than "
		     "DerSimonian-Laird's. I² (Higgins and Thompson 2002) is from Cochran's Q.");
	doc_para(&d, "A large I² says the profiler costs differently on different machines: the combined figure is then "
		     "the fleet's mean, not a prediction for any one machine. `tare compare MERGE.json RUN` holds a new "
		     "run against the prediction for a new machine, t(k-2) sqrt(se² + se_combined² + tau²) (docs/fleet.md).");
	if (command_line) {
		doc_heading(&d, 2, "reproduce", "Reproduce");
		doc_pre(&d, command_line);
	}
	report_page_close(&d);
	fclose(d.md);
	fclose(d.html);
	md = xasprintf("%s/report.md", dir);
	html = xasprintf("%s/report.html", dir);
	if (write_file_atomic(md, d.mdbuf, d.mdlen) < 0 || write_file_atomic(html, d.htmlbuf, d.htmllen) < 0) {
		snprintf(err, errlen, "cannot write the report in %s: %s", dir, strerror(errno));
		rc = EXIT_FAIL;
	}
	free(md), free(html), free(d.mdbuf), free(d.htmlbuf), free(title);
	return rc;
}
