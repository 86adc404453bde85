/* merge.c — tare merge (merge.h). */
#include "merge.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "json_io.h"
#include "plan.h"
#include "plot.h"
#include "results.h"
#include "stats.h"
#include "util.h"

static const char merge_usage[] =
	"usage: tare merge RESULTS RESULTS... [-o FILE.json] [--plot DIR]\n"
	"\n"
	"Runs of one experiment on many hosts (or days) as one answer: each run's CPU overhead per\n"
	"configuration with its interval, and their random-effects combination (DerSimonian-Laird,\n"
	"Hartung-Knapp-Sidik-Jonkman interval) with I^2 and tau, the between-run spread.  RESULTS is a\n"
	"results directory or its results.json.  Runs of different experiments (workloads,\n"
	"configurations, results schema) are refused with exit 2.\n"
	"\n"
	"  -o FILE.json   the merge as JSON as well: a baseline tare compare can gate on (compare --help)\n"
	"  --plot DIR     a forest plot: DIR/plots/forest.svg and .png (gnuplot), from DIR/data/forest.dat\n"
	"  --report DIR   the merge as DIR/report.md and a self-contained DIR/report.html, with the\n"
	"                 forest plot (--plot DIR implied)\n";

struct run_in {
	struct loaded_results lr;
	struct analysis an;
	const char *host;
	const char *name;         /* the results directory's last component */
};

/* One configuration across the runs. */
struct merged {
	int k;                    /* runs with an interval */
	struct stats_est e;       /* % */
	double tau;               /* points (%), between runs */
	double i2;                /* % */
	double q;
	double log_mean, log_se;  /* the combined log ratio and its (HKSJ) standard error */
	double tau2;              /* log ratio squared */
};

static void combine(struct run_in *runs, int n, int c, double conf, struct merged *m)
{
	double *y = xcalloc((size_t)n, sizeof(double)), *se = xcalloc((size_t)n, sizeof(double)), tau2 = 0;
	int one = -1;
	memset(m, 0, sizeof(*m));
	m->e.est = m->e.lo = m->e.hi = m->tau = m->i2 = m->log_mean = m->log_se = m->tau2 = NAN;
	for (int r = 0; r < n; r++)
		if (analysis_log_effect(&runs[r].an.arms[c].m[MET_CPU_TOTAL], conf, &y[m->k], &se[m->k]) == 0)
			one = r, m->k++;
	if (m->k == 1) {
		/* one run is its own answer, its own interval (a symmetric normal one would differ) */
		m->e = runs[one].an.arms[c].m[MET_CPU_TOTAL].e;
		m->tau = 0, m->i2 = 0;
		m->log_mean = y[0], m->log_se = se[0];
	} else if (m->k > 1) {
		double sw = 0, swy = 0;
		stats_random_effects(y, se, m->k, conf, &m->e, &tau2);
		for (int j = 0; j < m->k; j++)
			sw += 1 / (se[j] * se[j]), swy += y[j] / (se[j] * se[j]);
		for (int j = 0; j < m->k; j++)
			m->q += (y[j] - swy / sw) * (y[j] - swy / sw) / (se[j] * se[j]);
		m->i2 = m->q > m->k - 1 ? 100 * (m->q - (m->k - 1)) / m->q : 0;
		m->tau = 100 * sqrt(tau2);
		m->tau2 = tau2;
		m->log_mean = m->e.est;
		/* the HKSJ interval is log_mean +- t(k-1) se: its se, for tare compare's prediction */
		m->log_se = (m->e.hi - m->e.lo) / (2 * stats_t_quantile(1 - (1 - conf) / 2, m->k - 1));
		m->e.est = 100 * expm1(m->e.est);
		m->e.lo = 100 * expm1(m->e.lo);
		m->e.hi = 100 * expm1(m->e.hi);
	}
	free(y);
	free(se);
}

/* Same experiment: the same workloads and configurations, in the same results schema. */
static int same_experiment(const struct run_in *a, const struct run_in *b, char *err, size_t errlen)
{
	const struct experiment *x = &a->lr.ex, *y = &b->lr.ex;
	json_t *sa = json_object_get(a->lr.root, "schema_version"), *sb = json_object_get(b->lr.root, "schema_version");
	if (!json_equal(sa, sb)) {
		snprintf(err, errlen, "%.300s is of results schema %lld, %.300s of %lld: merge runs of one tare", b->lr.path,
			 (long long)json_integer_value(sb), a->lr.path, (long long)json_integer_value(sa));
		return -1;
	}
	if (x->nworkloads != y->nworkloads || x->nconfigs != y->nconfigs) {
		snprintf(err, errlen, "%.300s has %d workloads and %d configurations, %.300s %d and %d: they are not runs of one experiment",
			 b->lr.path, y->nworkloads, y->nconfigs, a->lr.path, x->nworkloads, x->nconfigs);
		return -1;
	}
	for (int i = 0; i < x->nworkloads; i++)
		if (strcmp(x->workloads[i].label, y->workloads[i].label)) {
			snprintf(err, errlen, "%.300s ran workload '%s' where %.300s ran '%s': they are not runs of one experiment", b->lr.path,
				 y->workloads[i].label, a->lr.path, x->workloads[i].label);
			return -1;
		}
	for (int i = 0; i < x->nconfigs; i++)
		if (strcmp(x->configs[i].label, y->configs[i].label) || x->configs[i].baseline != y->configs[i].baseline) {
			snprintf(err, errlen, "%.300s ran configuration '%s' where %.300s ran '%s': they are not runs of one experiment",
				 b->lr.path, y->configs[i].label, a->lr.path, x->configs[i].label);
			return -1;
		}
	return 0;
}

/* One row of the forest plot's data: "label" y estimate lo hi kind, y counted from the top. */
static void forest_row(FILE *f, const char *label, const struct stats_est *e, int kind, int *row)
{
	char q[300];
	size_t n = 0;
	for (const char *p = label; *p && n + 2 < sizeof(q); p++)
		if (*p != '"' && *p != '\\' && *p != '\n')
			q[n++] = *p;
	q[n] = '\0';
	fprintf(f, "\"%s%s\" %d %.6g %.6g %.6g %d\n", kind ? "combined: " : "", q, ++*row, e->est, e->ok ? e->lo : NAN,
		e->ok ? e->hi : NAN, kind);
}

/* The rows were written top down (1 = top); gnuplot's y axis counts up. */
static int flip_rows(const char *dir, int rows)
{
	char *path = xasprintf("%s/data/forest.dat", dir), *text = read_file(path, NULL), *save = NULL;
	FILE *f;
	int rc = -1;
	if (text && (f = fopen(path, "we"))) {
		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *q = strrchr(line, '"');
			int y;
			if (q && sscanf(q + 1, " %d", &y) == 1) {
				char *rest = strchr(q + 2, ' ');
				fprintf(f, "%.*s %d%s\n", (int)(q + 1 - line), line, rows + 1 - y, rest ? rest : "");
			}
		}
		rc = fclose(f) == 0 ? 0 : -1;
	}
	free(text);
	free(path);
	return rc;
}

static const char *base_name(const char *dir)
{
	const char *s = strrchr(dir, '/');
	return s && s[1] ? s + 1 : dir;
}

static void fmt_est(const struct stats_est *e, char *buf, size_t len)
{
	if (!isfinite(e->est))
		snprintf(buf, len, "-");
	else if (!e->ok)
		snprintf(buf, len, "%+.2f%% [no interval]", e->est);
	else
		snprintf(buf, len, "%s%+.2f%% [%+.2f, %+.2f]", e->lo > 0 || e->hi < 0 ? "" : "~", e->est, e->lo, e->hi);
}

static json_t *hosts_json(const struct run_in *runs, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(runs[i].host));
	return a;
}

static json_t *est_json(const struct stats_est *e)
{
	return json_pack("{s:o, s:o, s:o}", "estimate_pct", json_num_or_null(e->est), "lower_pct",
			 json_num_or_null(e->ok ? e->lo : NAN), "upper_pct", json_num_or_null(e->ok ? e->hi : NAN));
}

static int merge_cmd(int argc, char **argv, const char *cl)
{
	static const struct option opts[] = { { "out", required_argument, NULL, 'o' }, { "plot", required_argument, NULL, 'p' },
					      { "report", required_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *out = NULL, *plot_dir = NULL, *report_dir = NULL;
	FILE *forest = NULL;
	int row = 0;
	struct run_in *runs;
	int n, c, rc = 0, nw = 0;
	double conf;
	char err[2048];
	json_t *doc, *jconf;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'p')
			plot_dir = optarg;
		else if (c == 'r')
			report_dir = optarg;
		else if (c == 'h') {
			fputs(merge_usage, stdout);
			return 0;
		} else {
			tare_err("merge: bad option (see tare merge --help)");
			return EXIT_USAGE;
		}
	}
	if (report_dir && plot_dir && strcmp(report_dir, plot_dir)) {
		tare_err("merge: --plot %s and --report %s: the report shows the plot of its own folder; give one of them",
			 plot_dir, report_dir);
		return EXIT_USAGE;
	}
	if (report_dir)
		plot_dir = report_dir;
	n = argc - optind;
	if (n < 1) {
		tare_err("merge: which runs? tare merge results/A results/B ... (see tare merge --help)");
		return EXIT_USAGE;
	}
	runs = xcalloc((size_t)n, sizeof(*runs));
	for (int i = 0; i < n; i++, nw++) {
		const char *host;
		if (results_load(argv[optind + i], &runs[i].lr, err, sizeof(err))) {
			tare_err("merge: %s", err);
			rc = EXIT_USAGE;
			break;
		}
		if (i && same_experiment(&runs[0], &runs[i], err, sizeof(err))) {
			tare_err("merge: %s", err);
			rc = EXIT_USAGE;
			nw++;
			break;
		}
		host = json_string_value(json_object_get(json_object_get(runs[i].lr.root, "environment"), "hostname"));
		runs[i].host = host ? host : "?";
		runs[i].name = base_name(runs[i].lr.dir);
	}
	if (rc) {
		for (int i = 0; i < nw && i < n; i++)
			results_unload(&runs[i].lr);
		free(runs);
		return rc;
	}
	conf = runs[0].lr.ex.confidence > 0 ? runs[0].lr.ex.confidence : 0.95;
	for (int i = 0; i < n; i++)
		analysis_run(&runs[i].lr.ex, runs[i].lr.trials, runs[i].lr.ntrials, conf, &runs[i].an);

	doc = json_object();
	json_object_set_new(doc, "kind", json_string("merge"));
	json_object_set_new(doc, "schema_version", json_integer(MERGE_SCHEMA_VERSION));
	json_object_set_new(doc, "results_schema_version", json_deep_copy(json_object_get(runs[0].lr.root, "schema_version")));
	json_object_set_new(doc, "experiment", json_string(runs[0].lr.ex.name));
	json_object_set_new(doc, "hosts", hosts_json(runs, n));
	json_object_set_new(doc, "confidence", json_real(conf));
	json_object_set_new(doc, "method", json_string("per run: CPU overhead as a log ratio, its standard error from its "
							"interval; combined: DerSimonian-Laird tau^2, modified Hartung-Knapp-"
							"Sidik-Jonkman interval; I^2 from Cochran's Q"));
	jconf = json_array();
	if (plot_dir) {
		char *d = xasprintf("%s/data", plot_dir), *p = xasprintf("%s/plots", plot_dir), *f = xasprintf("%s/data/forest.dat", plot_dir);
		if (mkdir_p(d, 0755) < 0 || mkdir_p(p, 0755) < 0 || !(forest = fopen(f, "we")))
			tare_warn("merge: no forest plot: cannot write %s: %s", f, strerror(errno));
		free(d), free(p), free(f);
	}
	printf("merge: %d run%s of experiment '%s'; CPU overhead per run and combined (random effects: "
	       "DerSimonian-Laird, Hartung-Knapp interval), %g%% intervals\n", n, n > 1 ? "s" : "", runs[0].lr.ex.name,
	       100 * conf);
	for (c = 0; c < runs[0].lr.ex.nconfigs; c++) {
		const struct config *cf = &runs[0].lr.ex.configs[c];
		struct merged m;
		char cell[96];
		json_t *jc, *jr;
		int namew = 8;
		if (cf->baseline)
			continue;
		combine(runs, n, c, conf, &m);
		for (int r = 0; r < n; r++)
			if ((int)strlen(runs[r].name) > namew)
				namew = (int)strlen(runs[r].name);
		printf("\n%s\n", cf->label);
		jr = json_array();
		for (int r = 0; r < n; r++) {
			const struct overhead *o = &runs[r].an.arms[c].m[MET_CPU_TOTAL];
			fmt_est(&o->e, cell, sizeof(cell));
			printf("  %-*s  %-12s  %s\n", namew, runs[r].name, runs[r].host, cell);
			json_array_append_new(jr, json_pack("{s:s, s:s, s:s, s:o}", "run", runs[r].name, "path", runs[r].lr.path,
							    "host", runs[r].host, "cpu_overhead", est_json(&o->e)));
			if (forest)
				forest_row(forest, runs[r].name, &o->e, 0, &row);
		}
		if (forest)
			forest_row(forest, cf->label, &m.e, 1, &row);
		fmt_est(&m.e, cell, sizeof(cell));
		if (m.k > 1)
			printf("  %-*s  %-12s  %s   tau %.2f points, I^2 %.0f%% (%d runs)\n", namew, "combined", "", cell, m.tau,
			       m.i2, m.k);
		else if (m.k == 1)
			printf("  %-*s  %-12s  %s   (one run with an interval: it is the answer)\n", namew, "combined", "", cell);
		else
			printf("  %-*s  no run has an interval: run more blocks\n", namew, "combined");
		jc = json_pack("{s:s, s:s, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o}", "configuration", cf->label, "workload",
			       runs[0].lr.ex.workloads[cf->workload].label, "runs", jr, "combined", est_json(&m.e), "k", m.k,
			       "tau_pct", json_num_or_null(m.tau), "i2_pct", json_num_or_null(m.i2), "log_mean",
			       json_num_or_null(m.log_mean), "log_se", json_num_or_null(m.log_se), "tau2_log",
			       json_num_or_null(m.k > 1 ? m.tau2 : m.k == 1 ? 0 : NAN));
		json_array_append_new(jconf, jc);
	}
	json_object_set_new(doc, "configurations", jconf);
	if (forest) {
		char why[512];
		char *gp = which("gnuplot");
		fclose(forest);
		/* rows were numbered top down; gnuplot counts up: flip them in the data */
		if (!gp)
			tare_warn("merge: no forest plot: gnuplot is not installed (apt-get install gnuplot-nox); its data is in %s/data/forest.dat", plot_dir);
		else if (flip_rows(plot_dir, row) < 0 || plot_copy_script(plot_dir, "forest", why, sizeof(why)) < 0 ||
			 plot_draw(gp, plot_dir, "forest", "svg", why, sizeof(why)) < 0 || plot_draw(gp, plot_dir, "forest", "png", why, sizeof(why)) < 0)
			tare_warn("merge: no forest plot: %s", why);
		else
			printf("\nforest plot: %s/plots/forest.svg\n", plot_dir);
		free(gp);
	}
	if (out && json_dump_file(doc, out, JSON_INDENT(2)) < 0) {
		tare_err("merge: cannot write %s: %s", out, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (report_dir) {
		if (merge_report(report_dir, doc, cl, err, sizeof(err))) {
			tare_err("merge: %s", err);
			rc = EXIT_FAIL;
		} else
			printf("report: %s/report.html\n", report_dir);
	}
	json_decref(doc);
	for (int i = 0; i < n; i++) {
		analysis_free(&runs[i].an);
		results_unload(&runs[i].lr);
	}
	free(runs);
	return rc;
}

int merge_main(int argc, char **argv)
{
	char *cl = tare_command_line(argc, argv);   /* as typed, for the report: getopt_long permutes argv */
	int rc = merge_cmd(argc, argv, cl);
	free(cl);
	return rc;
}

/* ---- reading a merge back (tare compare's baseline) ------------------------------------- */

static void merge_config_read(const json_t *jc, struct merge_config *mc)
{
	const json_t *comb = json_object_get(jc, "combined");
	mc->label = json_get_string(jc, "configuration", NULL);
	mc->workload = json_get_string(jc, "workload", NULL);
	mc->k = (int)json_integer_value(json_object_get(jc, "k"));
	mc->est = json_get_number(comb, "estimate_pct", NAN);
	mc->lo = json_get_number(comb, "lower_pct", NAN);
	mc->hi = json_get_number(comb, "upper_pct", NAN);
	mc->log_mean = json_get_number(jc, "log_mean", NAN);
	mc->log_se = json_get_number(jc, "log_se", NAN);
	mc->tau2 = json_get_number(jc, "tau2_log", NAN);
	mc->tau_pct = json_get_number(jc, "tau_pct", NAN);
}

int merge_load(const char *path, struct merge_doc *m, char *err, size_t errlen)
{
	struct stat st;
	json_error_t je;
	json_t *root, *jc, *hosts;
	memset(m, 0, sizeof(*m));
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!(root = json_load_file(path, 0, &je)))
		return 0;   /* results_load will say what is wrong with it */
	if (!json_is_object(root) || strcmp(json_get_string(root, "kind", ""), "merge")) {
		json_decref(root);
		return 0;
	}
	m->root = root;
	m->path = path;
	if (json_integer_value(json_object_get(root, "schema_version")) != MERGE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: a merge of schema %lld; this tare reads %d: merge the runs again with this tare",
			 path, (long long)json_integer_value(json_object_get(root, "schema_version")), MERGE_SCHEMA_VERSION);
		merge_unload(m);
		return -1;
	}
	m->experiment = json_get_string(root, "experiment", "?");
	m->conf = json_get_number(root, "confidence", 0.95);
	hosts = json_object_get(root, "hosts");
	m->nruns = (int)json_array_size(hosts);
	for (size_t i = 0; i < json_array_size(hosts); i++) {
		const char *h = json_string_value(json_array_get(hosts, i)), *hj;
		int seen = !h;
		for (size_t j = 0; j < i && !seen; j++)
			seen = (hj = json_string_value(json_array_get(hosts, j))) && !strcmp(h, hj);
		m->nhosts += !seen;
	}
	jc = json_object_get(root, "configurations");
	m->nconfigs = (int)json_array_size(jc);
	m->configs = xcalloc((size_t)m->nconfigs + 1, sizeof(*m->configs));
	for (int i = 0; i < m->nconfigs; i++) {
		merge_config_read(json_array_get(jc, (size_t)i), &m->configs[i]);
		if (!m->configs[i].label || !m->configs[i].workload) {
			snprintf(err, errlen, "%s: configuration %d lacks its label or workload: not a merge this tare wrote", path, i + 1);
			merge_unload(m);
			return -1;
		}
	}
	return 1;
}

void merge_unload(struct merge_doc *m)
{
	free(m->configs);
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}
