/* test_script.c — options, validation and matrix expansion of experiment scripts.
 * Uses the real adapters in workloads/ and profilers/ (TARE_ROOT, set by tests/run.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plan.h"
#include "script.h"
#include "util.h"

static char script_path[256];

/* Write a script; plan it with the given name=value args; the error (if any) goes to errbuf. */
static int plan(const char *lua, int nargs, char **args, struct experiment *ex, char *errbuf, size_t len)
{
	FILE *f = fopen(script_path, "w");
	int saved = dup(2), rc;
	char errpath[300];
	snprintf(errpath, sizeof(errpath), "%s.err", script_path);
	fputs(lua, f);
	fclose(f);
	memset(ex, 0, sizeof(*ex));
	fflush(stderr);
	freopen(errpath, "w", stderr);
	rc = script_plan(script_path, nargs, args, ex);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	{
		char *e = read_file(errpath, NULL);
		snprintf(errbuf, len, "%s", e ? e : "");
		free(e);
	}
	return rc;
}

static const char BASIC[] =
	"experiment { workload = { 'cpu', threads = 1 },\n"
	"  profilers = { {'off'}, {'perf', hz = {99, 999}}, {'inject', pct = {1, 5}, mode = 'spin'} },\n"
	"  blocks = 4, warmup = 0.1, duration = 0.5, seed = 9 }\n";

static void test_matrix_expansion(void)
{
	struct experiment ex;
	char err[2048];
	int rc = plan(BASIC, 0, NULL, &ex, err, sizeof(err));
	CHECK(rc == 0, "rc %d: %s", rc, err);
	if (rc)
		return;
	CHECK(ex.nconfigs == 5, "off + 2 perf + 2 inject = 5, got %d", ex.nconfigs);
	CHECK(!strcmp(ex.configs[0].label, "off") && ex.configs[0].baseline, "first is the baseline 'off': %s", ex.configs[0].label);
	CHECK(!strcmp(ex.configs[1].label, "perf hz=99"), "got '%s'", ex.configs[1].label);
	CHECK(!strcmp(ex.configs[2].label, "perf hz=999"), "got '%s'", ex.configs[2].label);
	CHECK(!strcmp(ex.configs[3].label, "inject mode=spin pct=1"), "got '%s'", ex.configs[3].label);
	CHECK(ex.blocks == 4 && ex.seed == 9 && ex.duration_s == 0.5, "fields: %d %llu %g", ex.blocks, (unsigned long long)ex.seed, ex.duration_s);
	CHECK(ex.configs[3].truth_cpu_pct == 1 && ex.configs[4].truth_cpu_pct == 5, "inject truth");
	CHECK(ex.configs[1].profiler_argv && !strcmp(ex.configs[1].profiler_argv[0], "perf"), "perf argv");
	/* argv keeps the placeholders for the trial to fill in */
	{
		int found = 0;
		for (char **a = ex.configs[2].profiler_argv; a && *a; a++)
			found |= !strcmp(*a, "{pid}") || !strcmp(*a, "999");
		CHECK(found, "perf argv has {pid} and the rate");
	}
	CHECK(!strcmp(kvlist_get(&ex.configs[1].profiler_opts, "type"), "cpu"), "defaults are resolved");
	CHECK(ex.configs[3].workload_env != NULL, "inject spin sets the workload's environment");
	experiment_free(&ex);
}

static void test_workload_sweep(void)
{
	struct experiment ex;
	char err[2048];
	int rc = plan("experiment { workload = { 'cpu', threads = {1, 2} }, profilers = { 'off', {'perf'} } }", 0, NULL, &ex, err, sizeof(err));
	CHECK(rc == 0, "rc %d: %s", rc, err);
	if (rc)
		return;
	CHECK(ex.nworkloads == 2 && ex.nconfigs == 4, "2 workloads x 2 profilers: %d, %d", ex.nworkloads, ex.nconfigs);
	CHECK(!strcmp(ex.configs[3].label, "cpu threads=2 / perf"), "got '%s'", ex.configs[3].label);
	CHECK(plan_baseline(&ex, 1) == 2, "baseline of the second workload is config 2, got %d", plan_baseline(&ex, 1));
	experiment_free(&ex);
}

static const char WITH_OPTIONS[] =
	"local o = options { blocks = { 'blocks', 6, type = 'integer', min = 2 },\n"
	"                    hz = { 'rates', {99}, type = 'integer', min = 1 },\n"
	"                    mode = { 'mode', 'spin', choices = {'spin', 'sidecar'} } }\n"
	"experiment { workload = {'cpu'}, profilers = { {'off'}, {'perf', hz = o.hz}, {'inject', mode = o.mode} }, blocks = o.blocks }\n";

static void test_options_and_overrides(void)
{
	struct experiment ex;
	char err[2048];
	char *args[] = { "hz=99,999", "blocks=3", "seed=77", "duration=0.25" };
	int rc = plan(WITH_OPTIONS, 4, args, &ex, err, sizeof(err));
	CHECK(rc == 0, "rc %d: %s", rc, err);
	if (rc)
		return;
	CHECK(ex.nconfigs == 4, "hz=99,999 sweeps: %d configs", ex.nconfigs);
	CHECK(ex.blocks == 3 && ex.seed == 77 && ex.duration_s == 0.25, "overrides: %d %llu %g", ex.blocks,
	      (unsigned long long)ex.seed, ex.duration_s);
	CHECK(!strcmp(kvlist_get(&ex.options, "hz"), "99,999"), "resolved options are kept: %s", kvlist_get(&ex.options, "hz"));
	experiment_free(&ex);
}

struct bad_case {
	const char *what;
	const char *lua;
	char *arg;
	int rc;
	const char *says;
};

static void test_errors(void)
{
	const struct bad_case cases[] = {
		{ "value below min", WITH_OPTIONS, "blocks=1", EXIT_USAGE, "below the minimum 2" },
		{ "not an integer", WITH_OPTIONS, "blocks=2.5", EXIT_USAGE, "not an integer" },
		{ "not a number", WITH_OPTIONS, "hz=fast", EXIT_USAGE, "'fast' is not an integer" },
		{ "not a choice", WITH_OPTIONS, "mode=burn", EXIT_USAGE, "not one of: spin, sidecar" },
		{ "unknown option", WITH_OPTIONS, "colour=red", EXIT_USAGE, "unknown option 'colour'" },
		{ "no equals sign", WITH_OPTIONS, "blocks", EXIT_USAGE, "name=value" },
		{ "core key range", WITH_OPTIONS, "duration=-1", EXIT_USAGE, "duration=-1" },
		{ "unknown profiler", "experiment { workload = {'cpu'}, profilers = { {'off'}, {'perff'} } }", NULL, EXIT_USAGE,
		  "unknown profiler 'perff' (available: " },
		{ "unknown adapter option", "experiment { workload = {'cpu'}, profilers = { {'off'}, {'perf', rate = 9} } }", NULL,
		  EXIT_USAGE, "has no option 'rate' (it has: callgraph, hz, switch, type)" },
		{ "adapter option out of range", "experiment { workload = {'cpu'}, profilers = { {'off'}, {'perf', hz = 0} } }", NULL,
		  EXIT_USAGE, "hz: 0 is below the minimum 1" },
		{ "no baseline", "experiment { workload = {'cpu'}, profilers = { {'perf'} } }", NULL, EXIT_USAGE,
		  "no baseline" },
		{ "syntax error", "experiment { workload = \n", NULL, EXIT_USAGE, ":2:" },
		{ "runtime error names the line", "local x = nil\nlocal y = x.field\n", NULL, EXIT_USAGE, ":2: attempt to index" },
		{ "no experiment", "local x = 1\n", NULL, EXIT_USAGE, "declares no experiment" },
		{ "bad split caught at plan time", "experiment { workload = {'cpu', split = '50,20'}, profilers = {'off'} }", NULL,
		  EXIT_USAGE, "summing to 100" },
		{ "duplicate configuration", "experiment { workload = {'cpu'}, profilers = { 'off', {'perf'}, {'perf'} } }", NULL,
		  EXIT_USAGE, "appears twice" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		struct experiment ex;
		char err[2048];
		char *args[1] = { c->arg };
		int rc = plan(c->lua, c->arg ? 1 : 0, args, &ex, err, sizeof(err));
		CHECK(rc == c->rc, "%s: rc %d, want %d (%s)", c->what, rc, c->rc, err);
		CHECK(strstr(err, c->says) != NULL, "%s: message lacks '%s': %s", c->what, c->says, err);
		CHECK(strchr(err, '\n') == strrchr(err, '\n'), "%s: more than one line: %s", c->what, err);
		if (rc == 0)
			experiment_free(&ex);
	}
}

static void test_label_allows_aa(void)
{
	struct experiment ex;
	char err[2048];
	int rc = plan("experiment { workload = {'cpu'}, profilers = { 'off', {'off', label = 'off again'} } }", 0, NULL, &ex, err, sizeof(err));
	CHECK(rc == 0, "rc %d: %s", rc, err);
	if (rc)
		return;
	CHECK(ex.nconfigs == 2 && !strcmp(ex.configs[1].label, "off again"), "A/A arm labelled: %s", ex.configs[1].label);
	CHECK(plan_baseline(&ex, 0) == 0, "the first off is the baseline");
	experiment_free(&ex);
}

/* Option values are passed literally: the adapter gets them with { doubled, so filling in the
 * templates gives back the value as given, while the adapter's own {dir} is filled in.  Labels
 * and results keep the value as given. */
static void test_values_are_literal(void)
{
	char adapter[300], lua[1024], err[2048];
	char *args[] = { "text={root}/{pid}" };
	struct experiment ex;
	FILE *f;
	int rc;
	snprintf(adapter, sizeof(adapter), "%s.adapter.lua", script_path);
	f = fopen(adapter, "w");
	fputs("return { options = { text = { 'any text', 'x' } },\n"
	      "  env = function(o) return { V = o.text } end,\n"
	      "  command = function(o, t) return { 'echo', o.text, t.dir .. '/' .. o.text } end,\n"
	      "  ready = function(o) return { file = '{dir}/' .. o.text } end }\n", f);
	fclose(f);
	snprintf(lua, sizeof(lua), "local o = options { text = { 'text', 'x' } }\n"
		 "experiment { workload = {'cpu'}, profilers = { 'off', {'%s', text = o.text} } }\n", adapter);
	rc = plan(lua, 1, args, &ex, err, sizeof(err));
	unlink(adapter);
	CHECK(rc == 0, "rc %d: %s", rc, err);
	if (rc)
		return;
	{
		const struct config *c = &ex.configs[1];
		char *a1 = plan_expand(c->profiler_argv[1], 42, "/d", 0);
		char *a2 = plan_expand(c->profiler_argv[2], 42, "/d", 0);
		char *env = plan_expand(c->workload_env[0], 42, "/d", 0);
		char *ready = plan_expand(c->ready.text, 42, "/d", 0);
		CHECK(strstr(c->label, "text={root}/{pid}") != NULL, "label as given: %s", c->label);
		CHECK(!strcmp(kvlist_get(&c->profiler_opts, "text"), "{root}/{pid}"), "results keep the value: %s",
		      kvlist_get(&c->profiler_opts, "text"));
		CHECK(!strcmp(a1, "{root}/{pid}"), "argv: '%s'", a1);
		CHECK(!strcmp(a2, "/d/{root}/{pid}"), "argv: '%s'", a2);
		CHECK(!strcmp(env, "V={root}/{pid}"), "env: '%s'", env);
		CHECK(!strcmp(ready, "/d/{root}/{pid}"), "ready file: '%s'", ready);
		free(a1), free(a2), free(env), free(ready);
	}
	experiment_free(&ex);
}

int main(void)
{
	snprintf(script_path, sizeof(script_path), "%s/tare-test-script-%d.lua", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	if (!getenv("TARE_ROOT"))
		setenv("TARE_ROOT", ".", 1);
	RUN(test_matrix_expansion);
	RUN(test_workload_sweep);
	RUN(test_options_and_overrides);
	RUN(test_errors);
	RUN(test_label_allows_aa);
	RUN(test_values_are_literal);
	unlink(script_path);
	{
		char errpath[300];
		snprintf(errpath, sizeof(errpath), "%s.err", script_path);
		unlink(errpath);
	}
	return CHECK_DONE();
}
