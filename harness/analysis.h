/* analysis.h — from trials to overheads: the paired per-block analysis.
 *
 * For every configuration and block, the trial is paired with the same block's baseline trial
 * of the same workload.  CPU is counted per unit of work, so a profiler that slows the workload
 * down cannot hide its cost behind lower throughput.  With per-unit CPU W (workload cgroup),
 * P (profiler cgroup) and U (unattributed: everything else the machine did) and B = W + P of
 * the baseline trial:
 *
 *   cpu_workload     = (W_on - W_off) / B          in-workload: interrupts, handlers, unwinding
 *   cpu_profiler     = (P_on - P_off) / B          the profiler's own processes
 *   cpu_unattributed = (U_on - U_off) / B          kernel threads, irq time, other tasks
 *   cpu_total        = exp(HL(ln(T_on / T_off))) - 1,  T = W + P + U
 *   memory           = (RSS_w,on - RSS_w,off) + (RSS_p,on - RSS_p,off), bytes
 *   throughput       = exp(HL(ln(rate_on / rate_off))) - 1
 *   p50, p90, p99, p99.9 latency = HL(pX_on - pX_off), µs: each trial's own percentile from its
 *                      whole histogram (never requests bootstrapped across trials: requests
 *                      within a run are correlated); p99.9 only from trials with >= 10,000
 *
 * Each metric's per-block values get a Hodges–Lehmann estimate, a Wilcoxon signed-rank
 * confidence interval and p-value (stats.h).  The components are differences, not log ratios,
 * because the profiler's share is 0 in the baseline arm.
 */
#ifndef TARE_ANALYSIS_H
#define TARE_ANALYSIS_H

#include "plan.h"
#include "stats.h"
#include "trial_record.h"

enum metric {
	MET_CPU_TOTAL,
	MET_CPU_WORKLOAD,
	MET_CPU_PROFILER,
	MET_CPU_UNATTRIBUTED,
	MET_MEMORY,
	MET_THROUGHPUT,
	MET_P50,
	MET_P90,
	MET_P99,
	MET_P999,
	MET_COUNT
};

extern const char *const metric_names[MET_COUNT];   /* "cpu_total", ..., as in results.json */

struct overhead {
	int n;                   /* blocks paired */
	struct stats_est e;      /* percent for cpu_* and throughput; bytes for memory */
	int significant;         /* the interval excludes 0 */
};

struct arm_summary {
	int config;
	int trials, ok, failed;
	double work_rate;            /* median units (or seconds) per second of window */
	double cpu_per_unit_ns;      /* median (W + P) per unit */
	double workload_rss_bytes;   /* median */
	double profiler_rss_bytes;   /* median */
	double cv;                   /* of W + P per unit across this arm's trials */
	int outliers;                /* trials with |modified Z| > 3.5 on W + P per unit */
	struct overhead m[MET_COUNT];/* empty (n = 0) for a baseline */
	/* Cross-checks of the total-CPU interval (percent): a BCa bootstrap over blocks (the
	 * blocks are the resampling unit: requests and trials within a block are not independent
	 * of it), and the unpaired rank-sum shift that ignores the blocks, for familiarity. */
	double bca_lo, bca_hi;
	struct stats_est unpaired;
	/* perf counters per unit of work (trial_result order): the median, and the paired change
	 * per unit against the baseline (absolute; `relative` divides it by the baseline median). */
	int ncounters;
	double counter_per_unit[COUNTERS_MAX];
	struct overhead counter[COUNTERS_MAX];
	double counter_relative[3][COUNTERS_MAX];   /* est, lo, hi in % of the baseline; NaN if 0 */
	double ipc, mpki, branch_mpki;              /* medians over trials; NaN where a part is missing */
	int has_latency;
	double p50_us, p90_us, p99_us, p999_us;  /* medians over this arm's trials */
	double achieved_rate, target_rate;       /* medians, requests per second */
	/* Switchback (switchback.h): processes and window pairs behind m[], the spread of one
	 * pair's total-CPU log ratio within a process and of the processes' own effects (tau),
	 * both in percentage points, and the carry-over check (% CPU per unit of an off window
	 * right after an on window against the other off windows; n = 0 when not computed). */
	int processes, pairs;
	double within_sd, between_sd;
	struct stats_est carryover;
	/* The machine's speed beside the windows (gauge.h; gauge_pairs = 0 without it): the spread
	 * of its log ratio within a pair (points), the share of the total CPU's within-process
	 * variance that goes with it (r^2) and the slope, and how much slower it ran in on windows
	 * (percent, combined over processes as the CPU is). */
	int gauge_pairs;
	double gauge_sd, gauge_r2, gauge_slope;
	struct overhead gauge_shift;
	/* Twins (twin_pairs = 0 without): the total CPU's estimate from the first process alone,
	 * beside m[MET_CPU_TOTAL], the crossed-over one, and the spread of one pair of it (points). */
	int twin_pairs;
	struct overhead one_process;
	double one_sd;
	/* Warm-up: % CPU per unit of the off windows in the first half of each process against
	 * those of its second half (above 0: the workload was still getting faster). */
	struct stats_est drift;
	/* Process design, fixed-length windows: % CPU per unit of the first half of each trial's
	 * window against its second half: the mean log ratio over this arm's trials with a t interval
	 * at 99.9%, as percent
	 * (above 0: still warming up when measuring began; n = 0 when not computed). */
	struct stats_est steady;
	/* A load driver's requests answered and failed, summed over the trials measured. */
	uint64_t requests, request_errors;
	/* What the profiler recorded (profile_samples): trials counted, those with nothing. */
	int profile_counted, profile_empty;
	/* over the trials whose profiler has a rate: its samples and what the rate gives, summed,
	 * and the trials in which it took under a quarter of that (at least 10 due) */
	double profile_samples, profile_expected;
	int profile_rated, profile_sparse;
	double self_pct;             /* median % of its samples in its own frames; NaN unknown */
	/* Its profile held against the workload's known split (truth_split): each part's samples
	 * summed over the trials that counted them, of parts_n in all (0: none counted).  A part of
	 * truth p over n samples is within the sampling bound when its share is within
	 * PARTS_BOUND_SE binomial standard errors, sqrt(p(1-p)/n), plus PARTS_BOUND_PTS points;
	 * parts_within when every part is.  parts_worst is the part nearest its bound (or furthest
	 * beyond it), parts_bound_pts that bound, in points. */
	int parts_trials;
	int64_t parts_n, parts_samples[TRUTH_PARTS_MAX];
	double parts_max_error_pts;
	int parts_worst;
	double parts_bound_pts;
	int parts_within;
};

/* The sampling bound of a profile against a known split (docs/adapters.md): 4.4 standard
 * errors leave a correct profiler outside it with probability about 1e-5 per part; the point
 * is for the truth's own wander (the cpu workload's measured split moves ~0.5 points). */
#define PARTS_BOUND_SE 4.4
#define PARTS_BOUND_PTS 1.0

struct analysis {
	double conf;
	const char *const *counter_names;   /* set by the caller for the derived ratios; may be NULL */
	struct arm_summary *arms;    /* one per configuration */
	int narms;
	int blocks_suggested;        /* for the worst total-CPU interval to reach +-0.5 points; 0 when fine */
};

/* Analyse the trials so far; conf is the interval's confidence (0.95). */
void analysis_run(const struct experiment *ex, const struct trial_result *trials, int ntrials,
		  double conf, struct analysis *out);
void analysis_free(struct analysis *a);

/* The per-block paired values behind configuration c's overhead in metric m, in block order,
 * pairs that are missing skipped (cpu_total and throughput as log ratios, the rest as above).
 * out needs room for ex->blocks values; returns how many were written. */
int analysis_block_values(const struct experiment *ex, const struct trial_result *trials, int ntrials, int config,
			  enum metric m, double *out);

/* A CPU overhead (percent, with its interval at conf) as a log ratio y and the standard error a
 * normal interval of the same width would have: a run's interval is a Wilcoxon or HKSJ one, and
 * this is how a meta-analysis takes published intervals (Higgins & Green, Cochrane handbook
 * 7.7.7.2).  0, or -1 when the overhead has no finite interval. */
int analysis_log_effect(const struct overhead *o, double conf, double *y, double *se);

/* "%", "bytes" or "us": what a metric's estimate is in. */
const char *metric_unit(enum metric m);

/* Per-trial per-unit figures, for the CSV and the analysis. */
double trial_cpu_per_unit_ns(const struct trial_result *tr);

#endif
