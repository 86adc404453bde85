/* validate_int.h — what the parts of `tare validate` share, and nothing else includes: the
 * workloads and samplers tables, a case and its measures, the options and the state of a
 * validation.  The parts:
 *   validate.c        the command: options, the table of cases, the lines printed, the exit code
 *   validate_run.c    the samplers, and one run of a workload with them attached
 *   validate_judge.c  the workloads' truth, the samplers' stacks read back, the metrics and
 *                     the bounds each case and measure is held to
 *   validate_json.c   validation.json
 */
#ifndef TARE_VALIDATE_INT_H
#define TARE_VALIDATE_INT_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>

#include "util.h"
#include "validate.h"
#include "validate_doc.h"

#define VALIDATE_MAX_LIST	16
#define VALIDATE_ALLOC_RATE	32768	/* bytes between allocation samples (tare sample: 512 KiB) */
#define VALIDATE_OTHER_THREADS	2	/* threads of the offcpu, lock and alloc workloads */

/* ---------------------------------------------------------------------------------------- */
/* Workloads and measures (validate_judge.c): how to run one, what its truth is, and what each
 * measure is held to. */

/* One distribution over a workload's sites that a case is held to. */
struct vmeasure {
	const char *name;         /* as the profile names its sample type (pprof) */
	const char *unit;
	enum vkind kind;
	int value;                /* the pprof sample value; -1: folded stacks (cpu) */
	const char *value_key, *count_key, *size_key;	/* truth: sites.<site>.<key> */
	double allowance_pp;      /* beyond k SEs (cpu: --max-error or vbounds' allowance) */
	double total_lo, total_hi;	/* VK_EXACT: measured / true total within [lo, hi] */
	double total_slack;       /* VK_BYTES, VK_OBJECTS: |ratio - 1| <= k SE + slack */
	int min_samples;          /* hold the smallest site's expected samples to the minimum */
	const char *why;          /* the bound's reasons, one line (validation.json) */
};

struct vworkload {
	const char *name;         /* build/workloads/<name> */
	const char *type;         /* the profile type its truth is for */
	const char *describe;
	int threads;              /* 0: from -t; else this many */
	/* argv (malloc'd strings, NULL-terminated) for threads and a duration */
	char **(*argv)(const char *bin, int threads, double duration_s);
	const char *roots[VALIDATE_MAX_ROOTS + 1];	/* where a whole stack begins */
	const struct vmeasure *measures;
	int nmeasures;
};

/* cpu, offcpu, lock, alloc: bit k of vopts.types is vworkloads[k] */
#define VALIDATE_NWORKLOADS	4
extern const struct vworkload vworkloads[];

/* ---------------------------------------------------------------------------------------- */
/* Cases and samplers.                                                                        */

/* One measure of a case: its truth, what the sampler saw, the statistics, the verdict. */
struct vmeas {
	const struct vmeasure *def;
	struct vtruth truth;
	struct vprofile prof;     /* samples, lost, throttled, dropped: the case's, in [0] */
	struct vmetrics m;
	double error_bound_pp, tvd_bound, total_lo, total_hi;
	int within;
	char out_of_bounds[600];
};

struct vcase {
	const struct vsampler *sampler;
	const struct vworkload *w;
	unsigned hz;              /* cpu; 0 for the other types */
	int threads;
	double duration_s;
	int run;                  /* index of the workload run it sampled */
	char dir[PATH_MAX];       /* the run's directory, relative to the results directory */
	enum case_status status;
	char reason[1200];
	int nm;
	struct vmeas ms[VALIDATE_MAX_MEASURES];	/* [0]: the type's main measure */
	uint64_t workload_cpu_ns, workload_wall_ns;
	double effective_hz;
	double rate_lo, rate_hi;  /* cpu: the bound on effective / requested */
	double steal_share;       /* of the CPU time wanted (busy + steal) the hypervisor took */
	double alloc_mean;        /* alloc: the sampler's mean bytes between samples */
	double calls_truth, bytes_truth;	/* alloc: the workload's malloc/calloc/realloc calls */
	uint64_t calls_seen, bytes_seen;	/* ... as the sampler counted them */
	uint64_t sampler_cpu_ns, sampler_rss_bytes, post_cpu_ns;
	json_t *sampler_report;   /* what the sampler said about itself, when it says it */
	int within;
	char out_of_bounds[2048];
	char case_out[2048];      /* the case's own reasons (not a measure's) */
};

struct vopts;
/* One sampler attached to one run, and the run (validate_run.c). */
struct vslot;
struct vrun;

struct vsampler {
	const char *name;
	const char *types;        /* the profile types it takes, comma-separated */
	int gating;               /* its cases decide the exit code */
	int per_cpu;              /* cpu: events per CPU, sampling whatever runs (not per task) */
	int cannot_is_fatal;      /* it cannot sample here: exit 3 (else its cases are skipped) */
	/* 0, or -1 with why it cannot run here (a missing tool, BPF that cannot load) */
	int (*available)(const struct vopts *o, char *why, size_t len);
	/* Start against r->wl.pid and return once it samples.  0; -1 with a sentence in err and
	 * *code EXIT_CANNOT when it cannot sample here. */
	int (*start)(struct vslot *s, struct vrun *r, char *err, size_t len, int *code);
	/* After it has exited: read its stacks and counts into s->c->ms[].prof.  0, or -1. */
	int (*collect)(struct vslot *s, struct vrun *r, char *err, size_t len);
};

/* ref, ref-bpf, perf (validate_run.c) */
#define VALIDATE_NSAMPLERS	3
extern const struct vsampler vsamplers[];

struct vopts {
	unsigned rates[VALIDATE_MAX_LIST];
	int nrates;
	int threads[VALIDATE_MAX_LIST];
	int nthreads;
	double duration_s;
	const char *event;
	const char *samplers[VALIDATE_MAX_LIST];
	int nsamplers;
	int types;                /* bit k: vworkloads[k] */
	uint64_t alloc_rate;
	int apart;
	const char *out_base;
	int runtime;              /* -T runtime: the runtimes' own profilers (validate_runtime.c) */
	const char *runtimes[VALIDATE_MAX_LIST + 1];	/* -s: those asked for, NULL-ended; none: all */
	int nruntime;
	struct vbounds b;
	char self[PATH_MAX];      /* this tare, from /proc/self/exe */
};

/* A validation under way: its cases and where it writes them. */
struct vstate {
	struct vopts *o;
	struct vcase *cases;
	int ncases;
	char dir[PATH_MAX], rel[PATH_MAX];
	char started_utc[32];
	char *command_line;
	json_t *environment;
	int interrupted;
};

/* One line on stderr, "tare validate: ..." */
#define validate_err(...) tare_err_as("tare validate", __VA_ARGS__)

/* validate_judge.c */
/* A measure's truth from the workload's output.  0, or -1 with a sentence in err. */
int vmeasure_truth(const struct vworkload *w, const struct vmeasure *ms, const char *text,
		   struct vtruth *t, char *err, size_t errlen);
/* The alloc workload's own count of its malloc, calloc and realloc calls and the bytes they
 * asked for (NAN when its line lacks them). */
void validate_alloc_calls_truth(const char *text, double *calls, double *bytes);
/* A cpu case: its main measure is samples, at a rate (the other types count events). */
int vcase_is_cpu(const struct vcase *c);
/* part as a percentage of whole; 0 when whole is 0 */
double validate_pct(uint64_t part, uint64_t whole);
/* A measured case against its bounds: c->within, c->out_of_bounds and each measure's. */
void vcase_judge(const struct vopts *o, struct vcase *c);

/* validate_run.c */
const struct vsampler *vsampler_find(const char *name);
int vsampler_takes(const struct vsampler *s, const char *type);
/* One run of the workload with the samplers of cases[0..n) attached: the cases measured and
 * judged, or failed or skipped with a reason.  0; EXIT_CANNOT when a gated sampler cannot
 * sample here (said); 130 when interrupted. */
int validate_run(struct vstate *st, struct vcase **cs, int n, int index);

/* -T runtime (validate_runtime.c): the runtime profiler of that name, or NULL; and the run of
 * those asked for, each an experiment of scripts/validate-runtime.lua.  validate's exit code. */
const char *validate_runtime_find(const char *name);
const char *validate_runtime_names(void);    /* "gperftools, go-pprof, ...": for messages */
int validate_runtime(const struct vopts *o, int argc, char **argv);

/* validate_json.c */
void validate_utc_now(char *buf, size_t len, const char *fmt);
/* validation.json as it stands (verdict: running, interrupted, cannot, pass, fail; failed:
 * the gated cases out of bounds, or NULL).  0, or -1 (said). */
int validate_write_json(struct vstate *st, const char *verdict, json_t *failed);

#endif
