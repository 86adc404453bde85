/* export.c — tare export (export.h): a run's summary as OpenMetrics text, to a file for
 * node_exporter's textfile collector or pushed to a Prometheus Pushgateway.
 *
 * The exposition rules followed, from OpenMetrics 1.0 and Prometheus' "Exposition formats" and
 * "Metric and label naming" pages:
 *   - base units, named as the last part of the name: a ratio (0.05, not 5%), seconds, bytes;
 *     an OpenMetrics "# UNIT" line says the same, and must match the name's suffix;
 *   - a family's samples together, after its HELP, TYPE (and UNIT) lines; every family at most
 *     once; "# EOF\n" last;
 *   - label values in double quotes, \\ \" and \n escaped; HELP text the same;
 *   - no _total suffix: these are gauges, each a figure of the last run, not a count.
 * The Prometheus text parser (prometheus/common expfmt, TextParser.startComment) takes a "#"
 * line whose first word is neither HELP nor TYPE as a comment, so "# UNIT" and "# EOF" pass
 * through node_exporter's textfile collector and promtool unharmed.
 */
#include "export.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prom.h"
#include "util.h"

/* An interval as separate gauges (tare_cpu_overhead_ratio, _lower_ratio, _upper_ratio), not one
 * gauge with a bound="estimate|lower|upper" label: Prometheus' naming rule is that sum() or
 * avg() over a metric's labels should mean something, and over the three bounds it does not;
 * and a plain `tare_cpu_overhead_ratio > 0.05` must be an alert on the estimate, never on
 * whichever bound a query forgot to select.  A band is still one panel: the estimate, and the
 * two bounds as a filled range (Grafana's "fill below to"). */
enum bound { B_EST, B_LOWER, B_UPPER };

static const struct family {
	const char *name, *unit, *help;
	enum metric metric;
	enum bound bound;
	double scale;            /* from analysis.h's unit (%, us, bytes) to the name's */
} families[] = {
	{ "tare_cpu_overhead_ratio", "ratio",
	  "Total CPU per unit of work with the profiler on against off, minus 1 (Hodges-Lehmann estimate).",
	  MET_CPU_TOTAL, B_EST, 0.01 },
	{ "tare_cpu_overhead_lower_ratio", "ratio", "Lower bound of the CPU overhead's confidence interval.",
	  MET_CPU_TOTAL, B_LOWER, 0.01 },
	{ "tare_cpu_overhead_upper_ratio", "ratio", "Upper bound of the CPU overhead's confidence interval.",
	  MET_CPU_TOTAL, B_UPPER, 0.01 },
	{ "tare_p99_change_seconds", "seconds",
	  "p99 latency with the profiler on minus off, paired by block (Hodges-Lehmann estimate).",
	  MET_P99, B_EST, 1e-6 },
	{ "tare_p99_change_lower_seconds", "seconds", "Lower bound of the p99 change's confidence interval.",
	  MET_P99, B_LOWER, 1e-6 },
	{ "tare_p99_change_upper_seconds", "seconds", "Upper bound of the p99 change's confidence interval.",
	  MET_P99, B_UPPER, 1e-6 },
	{ "tare_memory_overhead_bytes", "bytes",
	  "Peak RSS of workload and profiler with the profiler on minus off (Hodges-Lehmann estimate).",
	  MET_MEMORY, B_EST, 1 },
	{ "tare_memory_overhead_lower_bytes", "bytes", "Lower bound of the memory overhead's confidence interval.",
	  MET_MEMORY, B_LOWER, 1 },
	{ "tare_memory_overhead_upper_bytes", "bytes", "Upper bound of the memory overhead's confidence interval.",
	  MET_MEMORY, B_UPPER, 1 },
};

/* The verdict as one series per state, 1 for the verdict and 0 for the others (OpenMetrics'
 * StateSet written as gauges, as kube-state-metrics writes kube_pod_status_phase): not a
 * numeric code, which needs a legend and invites avg(); `tare_verdict{verdict="fail"} == 1` is
 * the alert, `sum by (verdict) (tare_verdict)` the count; writing the 0s keeps every series
 * present, so a change of verdict changes values instead of making series come and go. */
static const enum verdict verdict_states[] = { V_PASS, V_INCONCLUSIVE, V_FAIL };

/* A label value or HELP text with \\, \" and \n escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* The shortest of %.15g .. %.17g that reads back as v: 0.05, not 0.050000000000000003. */
static void put_value(FILE *f, double v)
{
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

struct labels {
	const char *experiment, *host;
};

/* name{experiment="..",workload="..",configuration="..",host="..",extra="v"} value: config -1
 * for a figure of the run as a whole (no workload or configuration label). */
static void put_sample(FILE *f, const char *name, const struct labels *lb, const struct loaded_results *lr,
		       int config, const char *extra, const char *extra_value, double v)
{
	fprintf(f, "%s{experiment=\"", name);
	put_escaped(f, lb->experiment);
	if (config >= 0) {
		const struct config *c = &lr->ex.configs[config];
		fputs("\",workload=\"", f);
		put_escaped(f, lr->ex.workloads[c->workload].label);
		fputs("\",configuration=\"", f);
		put_escaped(f, c->label);
	}
	fputs("\",host=\"", f);
	put_escaped(f, lb->host);
	if (extra) {
		fprintf(f, "\",%s=\"", extra);
		put_escaped(f, extra_value);
	}
	fputs("\"} ", f);
	put_value(f, v);
	fputc('\n', f);
}

static void put_meta(FILE *f, const char *name, const char *unit, const char *help, int openmetrics)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help);
	fprintf(f, "\n# TYPE %s gauge\n", name);
	if (openmetrics && unit)
		fprintf(f, "# UNIT %s %s\n", name, unit);
}

/* A family's figure for configuration c in its own unit; NaN when there is none. */
static double family_value(const struct family *fam, const struct arm_summary *s)
{
	const struct overhead *o = &s->m[fam->metric];
	double v;
	if (o->n <= 0 || !isfinite(o->e.est))
		return NAN;
	if (fam->bound == B_EST)
		v = o->e.est;
	else if (!o->e.ok)
		return NAN;   /* no interval at this confidence: the bound is left out */
	else
		v = fam->bound == B_LOWER ? o->e.lo : o->e.hi;
	return isfinite(v) ? v * fam->scale : NAN;
}

/* "2026-12-07T03:12:18Z" (results.c's iso8601) as Unix seconds; NaN when it is not one. */
static double iso8601_seconds(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (!end || *end)
		return NAN;
	return (double)timegm(&tm);
}

static const char *doc_string(json_t *root, const char *obj, const char *key)
{
	json_t *o = obj ? json_object_get(root, obj) : root;
	return json_string_value(json_object_get(o, key));
}

static const char *host_of(const struct loaded_results *lr)
{
	const char *h = doc_string(lr->root, "environment", "hostname");
	return h && *h ? h : "unknown";
}

void export_render(FILE *f, const struct loaded_results *lr, const struct analysis *an,
		   const struct verdict_row *rows, int nrows, int openmetrics)
{
	struct labels lb = { .experiment = lr->ex.name ? lr->ex.name : "", .host = host_of(lr) };
	const char *when = doc_string(lr->root, NULL, "finished");
	double ts;

	for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
		const struct family *fam = &families[k];
		int shown = 0;
		for (int c = 0; c < an->narms; c++) {
			double v = family_value(fam, &an->arms[c]);
			if (isnan(v))
				continue;
			if (!shown++)
				put_meta(f, fam->name, fam->unit, fam->help, openmetrics);
			put_sample(f, fam->name, &lb, lr, c, NULL, NULL, v);
		}
	}
	{
		int shown = 0;
		for (int c = 0; c < an->narms; c++) {
			const struct arm_summary *s = &an->arms[c];
			int n = lr->ex.design == DESIGN_SWITCHBACK ? s->processes : s->m[MET_CPU_TOTAL].n;
			if (lr->ex.configs[c].baseline || n <= 0)
				continue;
			if (!shown++)
				put_meta(f, "tare_blocks", NULL,
					 "Blocks paired behind the CPU overhead's interval (switchback design: processes).",
					 openmetrics);
			put_sample(f, "tare_blocks", &lb, lr, c, NULL, NULL, n);
		}
	}
	{
		int shown = 0;
		for (int c = 0; c < an->narms; c++) {
			enum verdict worst = V_NONE;
			for (int i = 0; i < nrows; i++)
				if (rows[i].config == c && rows[i].verdict > worst)
					worst = rows[i].verdict;
			if (worst == V_NONE)
				continue;
			if (!shown++)
				put_meta(f, "tare_verdict", NULL,
					 "The run's budget verdict for the configuration, worst over its budget's "
					 "metrics: 1 for the verdict label that holds, 0 for the others.",
					 openmetrics);
			for (size_t k = 0; k < sizeof(verdict_states) / sizeof(verdict_states[0]); k++) {
				char name[32];
				snprintf(name, sizeof(name), "%s", verdict_name(verdict_states[k]));
				for (char *p = name; *p; p++)
					*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
				put_sample(f, "tare_verdict", &lb, lr, c, "verdict", name, worst == verdict_states[k]);
			}
		}
	}
	if (!when)
		when = doc_string(lr->root, NULL, "started");
	ts = iso8601_seconds(when);
	if (isfinite(ts)) {
		put_meta(f, "tare_run_timestamp_seconds", "seconds",
			 "When the run finished (or started, for a run that did not), in Unix seconds.", openmetrics);
		put_sample(f, "tare_run_timestamp_seconds", &lb, lr, -1, NULL, NULL, ts);
	}
	if (openmetrics)
		fputs("# EOF\n", f);
}

/* The run's budget from results.json ("verdicts": {"budget": {"cpu": "2%", ...}}) into b (the
 * rows point into it), judged again on an; 0 rows when the run had none. */
static int judge(const struct loaded_results *lr, const struct analysis *an, struct budget *b,
		 struct verdict_row **rows)
{
	json_t *bj = json_object_get(json_object_get(lr->root, "verdicts"), "budget");
	const char *name;
	json_t *v;
	char err[256];

	*rows = NULL;
	json_object_foreach(bj, name, v) {
		if (!json_is_string(v) || budget_add(b, name, json_string_value(v), err, sizeof(err)) < 0) {
			tare_warn("export: %s: budget %s: %s; no verdict exported", lr->path, name,
				  json_is_string(v) ? err : "not a string");
			return 0;
		}
	}
	return b->n ? budget_evaluate(b, &lr->ex, an, rows) : 0;
}

/* A Pushgateway grouping-key value as a path segment: as it is when it is plain, else
 * base64url under name@base64 (the Pushgateway's README: a value with a "/" or an empty one). */
static void put_key(FILE *f, const char *name, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value);
	int plain = n > 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '.' || s[i] == '-' || s[i] == '_'))
			plain = 0;
	if (plain) {
		fprintf(f, "/%s/%s", name, value);
		return;
	}
	fprintf(f, "/%s@base64/", name);
	if (!n)
		fputc('=', f);   /* the gateway's spelling of an empty value */
	fput_base64(f, s, n, 1);
}

/* The push URL: base/metrics/job/tare/experiment/E/instance/HOST.  The experiment is in the
 * group because a PUT replaces its whole group: two experiments run on one host must not erase
 * each other's figures.  A URL whose path already names a group is taken as it is. */
static char *push_url(const char *base, const struct loaded_results *lr)
{
	char *url = NULL;
	size_t len = 0, n = strlen(base);
	FILE *f;
	if (strstr(base, "/metrics/job/"))
		return xstrdup(base);
	f = open_memstream(&url, &len);
	while (n > 0 && base[n - 1] == '/')
		n--;
	fprintf(f, "%.*s/metrics/job/tare", (int)n, base);
	put_key(f, "experiment", lr->ex.name ? lr->ex.name : "");
	put_key(f, "instance", host_of(lr));
	fclose(f);
	return url;
}

static int push(const char *base, double timeout_s, const struct loaded_results *lr, const struct analysis *an,
		const struct verdict_row *rows, int nrows)
{
	char *body = NULL, *url = push_url(base, lr), err[1024];
	size_t len = 0;
	struct prom_url u;
	FILE *m;
	int rc = 0;
	if (prom_url_parse(url, &u, err, sizeof(err))) {
		tare_err("export: --push: %s", err);
		free(url);
		return EXIT_USAGE;
	}
	m = open_memstream(&body, &len);
	export_render(m, lr, an, rows, nrows, 0);
	fclose(m);
	/* The Pushgateway parses text/plain with the Prometheus text parser: version 0.0.4. */
	if (prom_push(&u, "text/plain; version=0.0.4; charset=utf-8", body, len, timeout_s, err, sizeof(err))) {
		tare_err("export: push: %s", err);
		rc = EXIT_FAIL;
	}
	free(body);
	free(url);
	return rc;
}

static const char export_usage[] =
	"usage: tare export [--openmetrics] RESULTS [-o FILE] [--push URL] [--timeout S]\n"
	"\n"
	"A run's summary (a results directory or its results.json) as OpenMetrics text: the CPU\n"
	"overhead (a ratio), the p99 change (seconds) and the memory overhead (bytes), each with its\n"
	"interval's bounds, the budget's verdict, the blocks and the run's time, labelled by\n"
	"experiment, workload, configuration and host.\n"
	"\n"
	"  --openmetrics   OpenMetrics text (the default, and so far the only format)\n"
	"  -o FILE         write it to FILE atomically, e.g. for node_exporter's textfile collector\n"
	"                  (--collector.textfile.directory; name it *.prom)\n"
	"  --push URL      PUT it to a Prometheus Pushgateway (http://HOST:9091), grouped by\n"
	"                  job=tare, experiment and instance (the host)\n"
	"  --timeout S     for the push, the whole request (default 10)\n"
	"\n"
	"Without -o or --push the text goes to stdout.  Exit: 0 done, 1 not written or not pushed,\n"
	"2 usage error or results that cannot be read.\n";

#define arg_error(...) tare_usage("tare: export", "tare export --help", __VA_ARGS__)

int export_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "openmetrics", no_argument, NULL, 'O' }, { "output", required_argument, NULL, 'o' },
		{ "push", required_argument, NULL, 'p' },  { "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *push_to = NULL;
	double timeout_s = 10;
	struct loaded_results lr;
	struct analysis an = { 0 };
	struct budget budget = { 0 };
	struct verdict_row *rows = NULL;
	char err[2048], *path, *end;
	int c, nrows, rc = 0;

	optind = 0;   /* a full reset of glibc's getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'O': break;
		case 'o': out = optarg; break;
		case 'p': push_to = optarg; break;
		case 't':
			errno = 0;
			timeout_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(timeout_s > 0) || timeout_s > 3600)
				return arg_error("--timeout '%s': expected seconds, e.g. 10", optarg);
			break;
		case 'h': fputs(export_usage, stdout); return 0;
		case ':': return arg_error("option '%s' needs a value", argv[optind - 1]);
		default: return arg_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return arg_error("which run? tare export RESULTS (a results directory or its results.json)");
	if (push_to) {
		struct prom_url u;
		if (prom_url_parse(push_to, &u, err, sizeof(err)))
			return arg_error("--push: %s", err);
	}
	path = xstrdup(argv[optind]);
	for (size_t n = strlen(path); n > 1 && path[n - 1] == '/';)
		path[--n] = '\0';   /* results/x/ named as results/x in messages */
	rc = results_load(path, &lr, err, sizeof(err));
	free(path);
	if (rc) {
		tare_err("export: %s", err);
		return EXIT_USAGE;
	}
	analysis_run(&lr.ex, lr.trials, lr.ntrials, lr.ex.confidence, &an);
	nrows = judge(&lr, &an, &budget, &rows);
	if (out || !push_to) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		export_render(m, &lr, &an, rows, nrows, 1);
		fclose(m);
		if (!out)
			fwrite(buf, 1, len, stdout);
		else if (write_file_atomic(out, buf, len) < 0) {
			tare_err("export: cannot write %s: %s", out, strerror(errno));
			rc = EXIT_FAIL;
		}
		free(buf);
	}
	if (!rc && push_to)
		rc = push(push_to, timeout_s, &lr, &an, rows, nrows);
	free(rows);
	analysis_free(&an);
	results_unload(&lr);
	return rc;
}
