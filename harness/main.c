/* main.c — the tare command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "compare.h"
#include "counters.h"
#include "export.h"
#include "hist_cmd.h"
#include "merge.h"
#include "plan.h"
#include "report.h"
#include "run.h"
#include "sample.h"
#include "script.h"
#include "sweep.h"
#include "trace.h"
#include "validate.h"
#include "util.h"

static const char usage_text[] =
	"usage: tare [-v] COMMAND [ARGS]\n"
	"\n"
	"Weigh a profiler: run a workload with it off and on, interleaved, and report what it\n"
	"costs in CPU, memory and latency, with confidence intervals.\n"
	"\n"
	"commands:\n"
	"  run SCRIPT.lua [name=value ...] [-o DIR] [-q] [--no-report] [--concurrent]\n"
	"                       run an experiment; `tare run SCRIPT --help` lists its options\n"
	"  canary (--pid PID | --cgroup PATH) [--url URL | --metrics URL --units NAME] [options]\n"
	"                       weigh a profiler on a service that is already running, without\n"
	"                       restarting it (tare canary --help, docs/inplace.md)\n"
	"  list                 workloads and profilers found, and whether each can run here\n"
	"  compare BASELINE CURRENT [--budget LIST] [--tolerance LIST] [--format F] [-o FILE]\n"
	"                       a run against a baseline run: changes with intervals, verdicts;\n"
	"                       text, markdown, junit or json (tare compare --help, docs/ci.md)\n"
	"  calibrate [seconds=S] [metric=latency]\n"
	"                       what this machine can tell apart: noise floor, false positives,\n"
	"                       recovery of known injected overheads (CPU, or p50 latency),\n"
	"                       minimum detectable effect\n"
	"  merge RESULTS RESULTS... [-o FILE.json]\n"
	"                       runs of one experiment from many hosts as one answer: per-run\n"
	"                       intervals, random-effects combination, I^2 (tare merge --help)\n"
	"  report RESULTS... [-o DIR]\n"
	"                       report.md and report.html with plots, from run or validate results\n"
	"  export RESULTS [-o FILE] [--push URL]   a run's summary as OpenMetrics (tare export --help)\n"
	"  events [PATTERN]     perf events tare can count, and whether each opens here\n"
	"  sample [-F HZ] (-p PID | -a | -- CMD)\n"
	"                       the reference sampler: pprof and folded stacks (tare sample --help)\n"
	"  validate [-F HZ,...] [-t N,...] [-d S] [--quick]\n"
	"                       the reference sampler against known truth, perf record beside it\n"
	"  trace gen|import|check ...\n"
	"                       make, import and check request traces (docs/traces.md)\n"
	"  hist --from text|hgrm|hlog --unit U INPUT [-o OUT]  |  hist FILE.hist [--hgrm]\n"
	"                       another load generator's latencies into tare's histogram; a\n"
	"                       histogram's percentiles (tare hist --help, docs/adapters.md)\n"
	"  clean                kill and remove what tare runs that died (SIGKILL) left behind:\n"
	"                       their processes, cgroups and the BPF objects those held\n"
	"  help                 this text\n"
	"  version              the version\n"
	"\n"
	"options:\n"
	"  -v, --verbose        Lua tracebacks and debug lines\n"
	"  -h, --help           this text\n"
	"  -V, --version        the version\n"
	"\n"
	"exit codes: 0 done (or pass), 1 fail (or a configuration never measured, or results not\n"
	"            written), 2 usage or configuration error, 3 cannot measure here (permission,\n"
	"            feature or tool missing; another run measuring), 4 inconclusive,\n"
	"            130 interrupted (finished trials are kept)\n"
	"\n"
	"run, calibrate and validate measure one at a time: each refuses (exit 3) while another\n"
	"is measuring on this machine, unless given --concurrent (or TARE_CONCURRENT=1).\n"
	"\n"
	"Start with: tare run scripts/canary.lua\n";

#define usage_error(...) tare_usage("tare", "tare --help", __VA_ARGS__)

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-report", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = { .out_base = "results", .quiet = 0 };
	struct experiment ex = { 0 };
	const char *script;
	int c, rc, help = 0;
	/* "+": options only before the name=value list, like env(1). */
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:qhv", opts, NULL)) != -1) {
		switch (c) {
		case 'o': ro.out_base = optarg; break;
		case 'q': ro.quiet = 1; break;
		case 'R': ro.no_report = 1; break;
		case 'h': help = 1; break;
		case 'v': tare_verbose = 1; break;
		default: return usage_error("run: bad option");
		}
	}
	if (optind >= argc) {
		if (help) {
			fputs("usage: tare run SCRIPT.lua [name=value ...] [-o DIR] [-q] [--no-report] [--concurrent]\n", stdout);
			return 0;
		}
		return usage_error("run: which script? e.g. tare run scripts/canary.lua");
	}
	script = argv[optind++];
	/* Options may also follow the script: tare run x.lua -q blocks=4 */
	{
		int nargs = 0;
		char **args = xcalloc((size_t)argc, sizeof(char *));
		for (int i = optind; i < argc; i++) {
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
				help = 1;
			else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
				ro.quiet = 1;
			else if (!strcmp(argv[i], "--no-report"))
				ro.no_report = 1;
			else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
				tare_verbose = 1;
			else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc)
				ro.out_base = argv[++i];
			else if (argv[i][0] == '-') {
				free(args);
				return usage_error("run: unknown option '%s'", argv[i]);
			} else
				args[nargs++] = argv[i];
		}
		if (help) {
			free(args);
			return script_describe(script, stdout);
		}
		rc = script_plan(script, nargs, args, &ex);
		free(args);
	}
	if (rc)
		return rc;
	/* The command that reproduces this run, seed included once it is chosen (plan_seal). */
	ex.command_line = tare_command_line(argc, argv);
	plan_seal(&ex);
	rc = run_experiment(&ex, &ro);
	experiment_free(&ex);
	return rc;
}

/* tare canary --pid N --url U ...: scripts/inplace.lua with the flags as its options (pid=N
 * url=U ...), so the command and the script are one thing and `tare run` reproduces it. */
static int cmd_canary(int argc, char **argv)
{
	static const char *const flags[] = { "pid", "cgroup", "url", "rate", "connections", "metrics", "units", "latency",
					     "unit", "profiler", "hz", "blocks", "duration", "window", "warmup", NULL };
	char **args = xcalloc((size_t)argc + 3, sizeof(char *)), *script = xasprintf("%s/scripts/inplace.lua", tare_root());
	int n = 0, rc;
	args[n++] = "run";
	args[n++] = script;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		int k;
		if (strncmp(a, "--", 2) || !a[2]) {
			args[n++] = argv[i];
			continue;
		}
		for (k = 0; flags[k]; k++) {
			size_t l = strlen(flags[k]);
			if (!strncmp(a + 2, flags[k], l) && (a[2 + l] == '\0' || a[2 + l] == '='))
				break;
		}
		if (!flags[k]) {
			args[n++] = argv[i];   /* --help, --no-report, ...: tare run's own */
			continue;
		}
		if ((eq = strchr(a, '=')))
			args[n++] = xasprintf("%s%s", flags[k], eq);
		else if (i + 1 < argc)
			args[n++] = xasprintf("%s=%s", flags[k], argv[++i]);
		else {
			free(args);
			free(script);
			return usage_error("canary: %s needs a value", a);
		}
	}
	args[n] = NULL;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("tare canary (--pid PID | --cgroup PATH) [--NAME VALUE ...]: a profiler weighed on a service that\n"
			       "is already running (docs/inplace.md); each --NAME VALUE is the option NAME=VALUE below.\n\n");
			break;
		}
	rc = cmd_run(n, args);
	/* what was made here is the script path and the name=value strings */
	for (int i = 2; i < n; i++) {
		int ours = 1;
		for (int j = 1; j < argc; j++)
			if (args[i] == argv[j])
				ours = 0;
		if (ours)
			free(args[i]);
	}
	free(args);
	free(script);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int i = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			tare_verbose = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("tare %s\n", tare_version());
			return 0;
		} else
			return usage_error("unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[i];
	argc -= i;
	argv += i;
	/* --concurrent belongs to every measuring command: taken out here, once.  TARE_CONCURRENT=1
	 * says the same for a whole session (a developer running two test suites). */
	if (!strcmp(cmd, "run") || !strcmp(cmd, "canary") || !strcmp(cmd, "calibrate") || !strcmp(cmd, "validate")) {
		int n = 1;
		const char *env = getenv("TARE_CONCURRENT");
		if (env && !strcmp(env, "1"))
			tare_concurrent = 1;
		for (int k = 1; k < argc; k++) {
			if (!strcmp(argv[k], "--concurrent"))
				tare_concurrent = 1;
			else
				argv[n++] = argv[k];
		}
		argv[n] = NULL;
		argc = n;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "canary"))
		return cmd_canary(argc, argv);
	if (!strcmp(cmd, "merge"))
		return merge_main(argc, argv);
	if (!strcmp(cmd, "list"))
		return script_list(stdout);
	if (!strcmp(cmd, "report"))
		return report_main(argc, argv);
	if (!strcmp(cmd, "export"))
		return export_main(argc, argv);
	if (!strcmp(cmd, "compare"))
		return compare_main(argc, argv);
	if (!strcmp(cmd, "calibrate"))
		return calibrate_main(argc, argv);
	if (!strcmp(cmd, "events"))
		return events_main(argc, argv);
	if (!strcmp(cmd, "sample"))
		return sample_main(argc, argv);
	if (!strcmp(cmd, "validate"))
		return validate_main(argc, argv);
	if (!strcmp(cmd, "trace"))
		return trace_main(argc, argv);
	if (!strcmp(cmd, "hist"))
		return hist_main(argc, argv);
	if (!strcmp(cmd, "clean"))
		return sweep_main(argc, argv);
	if (!strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version")) {
		printf("tare %s\n", tare_version());
		return 0;
	}
	return usage_error("unknown command '%s'", cmd);
}
