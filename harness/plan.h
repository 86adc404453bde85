/* plan.h — an experiment once its script has run: the expanded configurations and the schedule.
 *
 * A *configuration* (an arm) is one workload with its options and one profiler with its options.
 * A *block* runs every configuration once, in an order shuffled by a seeded PRNG; the run has
 * K blocks.  Overheads are computed within a block against the block's baseline ("off") trial
 * of the same workload, which cancels slow drift of a shared machine (Kalibera & Jones 2013).
 *
 * Everything here is plain data: the Lua state is closed before the first trial runs.
 */
#ifndef TARE_PLAN_H
#define TARE_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct kv {
	char *key;
	char *value;
};

struct kvlist {
	struct kv *v;
	int n;
};

void kvlist_add(struct kvlist *l, const char *key, const char *value);
const char *kvlist_get(const struct kvlist *l, const char *key);
void kvlist_free(struct kvlist *l);

/* How tare knows a process is ready: a profiler before the workload's gate opens, a server
 * workload before its load driver starts. */
enum ready_kind {
	READY_START,          /* as soon as the process runs */
	READY_PERF_FDS,       /* it holds at least `count` perf_event file descriptors */
	READY_PERF_MMAPS,     /* it has mapped at least `count` perf rings (perf record maps them once
	                       * every event is open: all of them, not the first) */
	READY_LINE,           /* its stdout or stderr contains `text` (a template) */
	READY_FILE,           /* the file `text` (a template) exists */
	READY_DELAY,          /* a fixed delay */
	READY_PORT,           /* 127.0.0.1:`text` (a template, e.g. "{port}") accepts a connection */
};

struct ready {
	enum ready_kind kind;
	int count;
	char *text;
	double delay_s;
	double timeout_s;
};

/* How a profiler is switched on and off inside one process (switchback; docs/switchback.md). */
enum control {
	CONTROL_NONE,         /* it cannot be: process trials only */
	CONTROL_SIGNAL,       /* started paused; SIGUSR1 on, SIGUSR2 off (tare sample, sidecar) */
	CONTROL_PAGE,         /* an agent in the workload reads the arm from the units page (inject) */
	CONTROL_PERF_FIFO,    /* perf record -D -1 --control fifo:{dir}/control.fifo,{dir}/ack.fifo */
	CONTROL_RESTART,      /* started for each on window and stopped after it (attaches to {pid}) */
	CONTROL_TOGGLE,       /* inside the workload, which starts it off: SIGUSR2 to the workload's
	                       * main process at every switch toggles it (gperftools' CPUPROFILESIGNAL) */
};
extern const char *const control_names[];   /* "none", "signal", "page", "perf-fifo", "restart", "toggle" */

enum design {
	DESIGN_PROCESS,       /* one trial = one fresh process, one configuration */
	DESIGN_SWITCHBACK,    /* one trial = one process, its profiler switched on and off in windows */
};

/* How to count what a profiler recorded, read once it has stopped (adapter field `samples`):
 * a number at a dotted key of a JSON file, or the first group of a POSIX extended regular
 * expression matched against a command's output (no match: it recorded nothing).  Paths and
 * arguments are templates.  Nothing set: not counted. */
struct samples_spec {
	char *json, *key;
	char **argv;
	char *match;
	char *what;               /* what one is called, for messages: "samples" */
	double per_cpu_s;         /* how many it takes a second of the workload's CPU; 0 unknown */
};

/* The share of a profiler's own samples that land in its own frames (adapter field `self`):
 * folded stacks ("a;b;c COUNT" lines) from a file or a command's output, and a POSIX extended
 * regular expression for its frames.  Nothing set: not computed. */
struct self_spec {
	char *folded;             /* template */
	char **argv;              /* templates: a command printing folded stacks */
	char *pattern;
};

struct config {
	int id;
	char *label;              /* "perf hz=99": the name used in tables, CSV and JSON */
	char *slug;               /* label made safe for file names */
	int workload;             /* index into experiment.workloads */
	char *profiler;           /* adapter name */
	int baseline;             /* 1 for the arm overheads are measured against */
	struct kvlist profiler_opts;  /* every option, defaults included */
	struct kvlist given_opts;     /* only those the script set: they make the label */

	char **profiler_argv;     /* templates; NULL when the profiler runs no process of its own */
	char **workload_env;      /* "NAME=value" templates added to the workload's environment */
	char **workload_args;     /* templates put after the workload's program, before its own
	                           * arguments (a JVM's -XX:StartFlightRecording, node's --cpu-prof) */
	int start_after_ready;    /* start = "ready": the profiler starts once the workload is ready
	                           * (a scraper of its pprof endpoint, jcmd), not before its gate opens */
	double check_s;           /* check = s: one unmeasured trial of s seconds before the first, in
	                           * which the profiler's exit 3 stops the run (exit 3); 0: none */
	struct ready ready;
	int stop_signal;
	double stop_grace_s;
	enum control control;
	int toggle_signal;        /* control = "toggle": the signal sent to the workload (SIGUSR2) */
	struct samples_spec samples;
	struct self_spec self;
	double truth_cpu_pct;     /* known CPU inflation (inject), NaN when unknown */
	double truth_latency_us;  /* known latency added to every request, NaN when unknown */
};

/* A workload's known CPU split (adapter field `truth`, its `parts`): the functions its work runs
 * in, named as its runtime's profiles name them (cpu_hot, main.cpuHot), and each one's percentage
 * of that work, largest first.  A profile's samples in these functions are held against it
 * (profile_count.h, analysis.h).  n 0: no split known. */
#define TRUTH_PARTS_MAX 8
struct truth_split {
	int n;
	struct truth_part {
		char *name;
		double pct;
	} part[TRUTH_PARTS_MAX];
};

struct workload {
	char *name;               /* adapter name */
	char *label;              /* "cpu threads=2" */
	struct kvlist opts;
	struct kvlist given_opts;
	char **argv;              /* templates, as profiler_argv */
	char **env;               /* "NAME=value" templates */
	char *unit;               /* what one unit of work is, when the workload reports units */
	int threads;              /* CPUs it keeps busy, for placement */
	double stop_grace_s;
	struct ready ready;       /* before the driver starts */
	char **driver_argv;       /* a load generator started once the workload is ready (templates), or NULL */
	char **files;             /* name, content, name, content, ..., NULL: written into the trial's
	                           * directory before it starts (content a template: a config file) */
	/* In place (docs/inplace.md): a service already running, which tare neither starts, stops,
	 * signals nor moves.  Its CPU is its process tree's (attach_pid) or its cgroup's. */
	int attach_pid;           /* its main process, or 0: tare starts the workload (argv) */
	char *attach_cgroup;      /* or its cgroup, a path beneath a mounted hierarchy, or NULL */
	/* Units and latency from the service's own Prometheus endpoint (prom.h), read at every
	 * window's edges; NULL: from tare's driver (the units page) */
	char *metrics_url;
	char *metrics_units;      /* selector of a counter whose increase is the work done */
	char *metrics_latency;    /* selector of a histogram (seconds), for window percentiles */
	struct truth_split truth; /* its known CPU split; n 0 when none */
};

struct experiment {
	char *name;
	char *script;             /* path as given */
	char *command_line;       /* the exact command that reproduces the run */
	int blocks;
	double warmup_s;
	double duration_s;        /* measured window; 0 when units decides */
	uint64_t units;           /* measured window ends after this many units; 0 when duration decides */
	double timeout_s;         /* per trial */
	double confidence;        /* of the intervals: 0.95 */
	char *budget;             /* "cpu=2%,p99=5%", validated (budget.h), or NULL */
	char **counters;          /* perf event names counted on the workload, validated; NULL: */
	int ncounters;            /* the default set (counters_default); counters = {} : none */
	int counters_off;
	int max_blocks;           /* extend an INCONCLUSIVE run up to this many blocks; 0: never */
	uint64_t seed;
	int pin;                  /* pin the workload away from the harness when CPUs allow */
	int gauge;                /* switchback: time a fixed kernel path beside each window (gauge.h) */
	int twins;                /* switchback: a twin process of the workload, the profiler crossed over */
	enum design design;
	double window_s;          /* switchback: one measured window */
	double guard_s;           /* switchback: unmeasured time after each switch */
	int pairs;                /* switchback: window pairs (off, on) per process */

	struct workload *workloads;
	int nworkloads;
	struct config *configs;
	int nconfigs;
	struct kvlist options;    /* the script's options as resolved, for the results */
};

void experiment_free(struct experiment *ex);

/* Free a NULL-terminated array of strings and the strings (NULL is fine). */
void strv_free(char **v);

/* Baseline configuration of a workload: the trial every other arm is paired with. */
int plan_baseline(const struct experiment *ex, int workload);

/* schedule[b * nconfigs + i] is the configuration run i-th in block b. */
int *plan_schedule(int blocks, int nconfigs, uint64_t seed);

/* Switchback: the arm (0 off, 1 on) of window w of the trial in block b of configuration c.
 * Each pair of windows (2k, 2k+1) holds one of each, in an order drawn from the seed, the
 * block and the configuration only: a run replays from its seed, an extended one keeps the
 * order its first blocks had. */
int plan_window_arm(uint64_t seed, int block, int config, int window);

/* The last step of planning: a run's seed, fresh when none was given, and its command line
 * with "seed=N" appended so that it replays the run.  After this the plan is never changed: what
 * a run does to it (blocks added by a budget, progress) lives in the run (run_record.h). */
void plan_seal(struct experiment *ex);

/* Templates.  Text an adapter returns (argv, driver argv, env values, ready file and line) is a
 * template, filled in per trial: {pid}, {pids}, {dir}, {port}, {build} and {root} are replaced, and {{ stands
 * for a literal {.  Option values are not templates: they reach the adapter with every { doubled
 * (plan_escape), so whatever the user typed is passed literally and never expanded, wherever the
 * adapter puts it (python's str.format has the same rule).  Other text is kept as is. */

/* Write src with every { doubled into dst, which holds 2 * strlen(src) + 1 bytes; returns the
 * length written. */
size_t plan_escape(char *dst, const char *src);

/* Fill in a template: a new string.  port is the trial's {port}: a loopback port that was free
 * when the trial began, for a service the workload starts. */
char *plan_expand(const char *tmpl, int pid, const char *dir, int port);
/* ... with {pids}: every process of the workload, comma-separated (perf record -p takes the
 * list); NULL gives the PID alone. */
char *plan_expand_pids(const char *tmpl, int pid, const char *pids, const char *dir, int port);

char *slugify(const char *label);

#endif
