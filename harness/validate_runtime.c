/* validate_runtime.c — tare validate -T runtime: the runtimes' own profilers held against their
 * services' known CPU split.
 *
 * A runtime profiler is not one of tare's samplers: it lives in the workload (gperftools'
 * SIGPROF handler, Go's runtime/pprof, V8's sampler) and is started the way its adapter says.
 * So each case is a tare experiment, scripts/validate-runtime.lua with profiler=NAME: its
 * service (cpu, go, node or java, each spending its work 70/20/10 in three named functions) under the
 * profiler for one trial, beside the baseline trial every experiment has.  The adapter's `self`
 * stacks are counted per part after the trial (trial.c) and judged by the analysis the summary
 * uses (4.4 binomial SE + 1 point per part, docs/adapters.md), so a case here and the line
 * `tare run` prints are the same judgement.  Writes runtime.json beside the experiments' own
 * results directories. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "fmt.h"
#include "proc.h"
#include "results.h"
#include "run.h"
#include "util.h"
#include "validate_int.h"

/* The choices of scripts/validate-runtime.lua, in its order. */
static const char *const runtime_profilers[] = { "gperftools", "go-pprof", "go-pprof-scrape", "pyroscope-node",
						 "node-cpu-prof", "jfr", NULL };

const char *validate_runtime_names(void)
{
	static char buf[256];
	if (!buf[0])
		for (int i = 0; runtime_profilers[i]; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? ", " : "", runtime_profilers[i]);
	return buf;
}

const char *validate_runtime_find(const char *name)
{
	for (int i = 0; runtime_profilers[i]; i++)
		if (!strcmp(runtime_profilers[i], name))
			return runtime_profilers[i];
	return NULL;
}

/* One profiler's experiment, planned and run under ro->out_base; its results directory into
 * ro->dir.  The experiment's summary, which tare run would print, goes to log instead: this
 * command prints one line per profiler.  Errors (stderr) stay in view. */
static int run_one(const char *script, const char *name, double duration_s, struct run_opts *ro, const char *log)
{
	char a0[96], a1[64], *args[] = { a0, a1 }, *cl;
	int rc, saved, fd;
	snprintf(a0, sizeof(a0), "profiler=%s", name);
	snprintf(a1, sizeof(a1), "duration=%g", duration_s);
	cl = xasprintf("tare run %s %s %s", script, a0, a1);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (saved >= 0 && fd >= 0)
		dup2(fd, STDOUT_FILENO);
	if (fd >= 0)
		close(fd);
	rc = run_script(script, 2, args, cl, ro);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	free(cl);
	return rc;
}

/* Judge one finished experiment: its case into cases, a line on stdout.  1 within, 0 outside,
 * -1 no verdict (why in the line). */
static int judge_one(const char *name, const char *rundir, json_t *cases)
{
	struct loaded_results lr;
	struct analysis an = { 0 };
	char err[512], parts[1024];
	json_t *c = json_object();
	int verdict = -1, cf = -1;
	json_object_set_new(c, "profiler", json_string(name));
	json_object_set_new(c, "results", json_string(rundir));
	json_array_append_new(cases, c);
	if (results_load(rundir, &lr, err, sizeof(err)) != 0) {
		printf("%-16s no verdict: %s\n", name, err);
		json_object_set_new(c, "status", json_string("unread"));
		return -1;
	}
	analysis_run(&lr.ex, lr.trials, lr.ntrials, lr.ex.confidence, &an);
	for (int i = 0; i < lr.ex.nconfigs; i++)
		if (!lr.ex.configs[i].baseline)
			cf = i;
	if (cf >= 0) {
		const struct arm_summary *a = &an.arms[cf];
		const struct workload *w = &lr.ex.workloads[lr.ex.configs[cf].workload];
		json_object_set_new(c, "workload", json_string(w->label));
		if (fmt_parts(a, &w->truth, parts, sizeof(parts))) {
			json_t *p = json_array();
			verdict = a->parts_within;
			for (int k = 0; k < w->truth.n; k++)
				json_array_append_new(p, json_pack("{s:s, s:f, s:f}", "name", w->truth.part[k].name,
								   "truth_pct", w->truth.part[k].pct, "pct",
								   100.0 * (double)a->parts_samples[k] / (double)a->parts_n));
			json_object_set_new(c, "parts", p);
			json_object_set_new(c, "samples", json_integer(a->parts_n));
			json_object_set_new(c, "max_error_pts", json_real(a->parts_max_error_pts));
			json_object_set_new(c, "bound_pts", json_real(a->parts_bound_pts));
			json_object_set_new(c, "within_bounds", json_boolean(a->parts_within));
			json_object_set_new(c, "status", json_string("ok"));
			printf("%-16s %-30s %s", name, w->label, parts);
			if (isfinite(a->self_pct))
				printf("; %.2f%% in its own frames", a->self_pct);
			printf("  %s\n", a->parts_within ? "ok" : "OUT");
		} else {
			/* ran, but nothing counted: its stacks could not be read, or held no part */
			printf("%-16s %-30s no verdict: none of its stacks could be read against the split (%s/trials)\n",
			       name, w->label, rundir);
			json_object_set_new(c, "status", json_string("no stacks"));
		}
		json_object_set_new(c, "self_pct", isfinite(a->self_pct) ? json_real(a->self_pct) : json_null());
	}
	analysis_free(&an);
	results_unload(&lr);
	return verdict;
}

int validate_runtime(const struct vopts *o, int argc, char **argv)
{
	const char *const *names = o->nruntime ? o->runtimes : runtime_profilers;
	int n = 0, nout = 0, nok = 0, nnone = 0, rc = 0;
	char stamp[32], dir[4096];
	char *script = xasprintf("%s/scripts/validate-runtime.lua", tare_root()), *path, *text;
	json_t *doc = json_object(), *cases = json_array();
	while (names[n])
		n++;
	validate_utc_now(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ");
	snprintf(dir, sizeof(dir), "%s/%s-validate-runtime", o->out_base, stamp);
	if (mkdir_p(dir, 0755) < 0) {
		validate_err("cannot create %s: %s", dir, strerror(errno));
		free(script);
		json_decref(doc);
		json_decref(cases);
		return EXIT_USAGE;
	}
	printf("tare validate: %d runtime profiler%s, each on its runtime's service (CPU split 70/20/10 across three "
	       "named functions), %g s a run; the profile's shares against the split, within 4.4 SE + 1 point\n",
	       n, n == 1 ? "" : "s", o->duration_s);
	for (int i = 0; i < n && rc != 130; i++) {
		struct run_opts ro = { .out_base = dir, .quiet = 1, .no_report = 1 };
		int r, v;
		if (tare_interrupted) {
			rc = 130;
			break;
		}
		printf("tare validate: %s ...\n", names[i]);
		fflush(stdout);
		{
			char *log = xasprintf("%s/%s.out", dir, names[i]);
			r = run_one(script, names[i], o->duration_s, &ro, log);
			free(log);
		}
		if (r == 130) {
			rc = 130;
			break;
		}
		if (r) {
			/* it cannot run here (the line above says why), or no trial was measured */
			json_t *c = json_pack("{s:s, s:s}", "profiler", names[i], "status", r == EXIT_CANNOT ? "cannot" : "failed");
			json_array_append_new(cases, c);
			printf("%-16s skipped: %s\n", names[i], r == EXIT_CANNOT ? "it cannot run here (said above)" :
			       "its experiment failed (said above)");
			nnone++;
			continue;
		}
		v = judge_one(names[i], ro.dir, cases);
		nok += v == 1, nout += v == 0, nnone += v < 0;
	}
	{
		char *cl = tare_command_line(argc, argv);
		json_object_set_new(doc, "command", json_string(cl));
		free(cl);
	}
	json_object_set_new(doc, "duration_s", json_real(o->duration_s));
	json_object_set_new(doc, "bound", json_pack("{s:f, s:f}", "se", PARTS_BOUND_SE, "points", PARTS_BOUND_PTS));
	json_object_set_new(doc, "status", json_string(rc == 130 ? "interrupted" : nout ? "fail" : nok ? "pass" : "none"));
	json_object_set_new(doc, "cases", cases);
	path = xasprintf("%s/runtime.json", dir);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text || write_file_atomic(path, text, strlen(text)) < 0)
		validate_err("cannot write %s", path);
	else
		printf("results: %s\n", path);
	free(text);
	free(path);
	json_decref(doc);
	free(script);
	if (rc == 130) {
		validate_err("interrupted; the finished cases are in %s/runtime.json", dir);
		return rc;
	}
	if (nout) {
		printf("tare validate: %d of %d runtime profile%s OUTSIDE the sampling bound of the known split\n", nout,
		       nout + nok, nout + nok == 1 ? "" : "s");
		return EXIT_FAIL;
	}
	if (!nok) {
		validate_err("no runtime profiler gave a verdict here (see the lines above)");
		return EXIT_CANNOT;
	}
	printf("tare validate: every runtime profile within the sampling bound of the known split (%d)%s\n", nok,
	       nnone ? ", those without a verdict aside" : "");
	return 0;
}
