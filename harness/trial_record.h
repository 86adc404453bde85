/* trial_record.h — what one trial measured: the record the harness fills, results.json and
 * trials.csv hold (trial_fields in results.c), and the statistics read.  Data only: no code that
 * runs a trial (trial.h) and no cgroups, so the analysis sees figures and nothing else. */
#ifndef TARE_TRIAL_RECORD_H
#define TARE_TRIAL_RECORD_H

#include <stdint.h>
#include <stdlib.h>

#include "counters.h"   /* COUNTERS_MAX */
#include "plan.h"       /* TRUTH_PARTS_MAX */

enum trial_state { TRIAL_OK, TRIAL_FAILED, TRIAL_INTERRUPTED };

/* A profile's samples in each part of its workload's known split (struct truth_split, in its
 * order); n 0 when they were not counted. */
struct part_samples {
	int n;
	int64_t count[TRUTH_PARTS_MAX];
};

/* Switchback: one measured window of a trial's process, the profiler on or off throughout
 * (docs/switchback.md).  Figures as the trial's, over the window; windows 2k and 2k+1 are a
 * pair, one of each arm. */
struct window_result {
	int index;                   /* in the trial, from 0 */
	int arm;                     /* enum tare_arm: 0 off, 1 on */
	double start_s;              /* from the trial's first window */
	double wall_s;
	uint64_t units;
	uint64_t workload_cpu_ns, profiler_cpu_ns, unattributed_ns, driver_cpu_ns;
	uint64_t machine_busy_ns, machine_steal_ns;
	/* the gauge's round trips in the window and their CPU time (gauge.h); 0 without it */
	uint64_t gauge_ns, gauge_ops;
	/* twins: the twin process's units and CPU (its workload and profiler) in the same window,
	 * its profiler in the other arm; 0 without a twin */
	uint64_t twin_units, twin_cpu_ns;
	/* a load driver's requests sent and answered inside the window, and their latency from
	 * the intended send time, of this window's arm over latency_pairs consecutive pairs from
	 * this window's own (the fewest whose windows hold 10/(1-p) requests for a p99); in a
	 * group's later pairs latency_pairs is 0 and the percentiles NaN, as where too few */
	uint64_t requests;
	int latency_pairs;
	double p50_us, p90_us, p99_us;
};

/* Raw figures over the measured window unless the name says otherwise. */
struct trial_result {
	int index;                   /* position in the run, from 0 */
	int block;
	int config;
	enum trial_state state;
	char error[512];
	uint64_t started_unix_ns;

	double wall_s;
	uint64_t units;
	char unit[32];               /* "" when the workload reports none: then units are seconds */

	uint64_t workload_user_ns, workload_sys_ns, workload_cpu_ns;
	uint64_t profiler_user_ns, profiler_sys_ns, profiler_cpu_ns;
	uint64_t profiler_cpu_total_ns;   /* its whole life: start-up, window, shutdown */
	double profiler_ready_s;          /* from start to ready (the last start, for control = restart) */
	int profiler_starts;              /* how often the profiler was started: 1, or its on windows (restart) */
	int service_exited;               /* in place: the service exited during the trial (its whole
	                                   * pairs before are kept; the run stops) */
	int profiler_cannot;              /* the profiler exited with 3, tare's "cannot run here" (not
	                                   * recorded: a check trial stops the run on it) */
	int windows_dropped;              /* in place: pairs dropped for a failed metrics scrape */

	/* Unattributed CPU: what the kernel did that neither cgroup was charged for — kernel threads
	 * (ns, from schedstat) plus irq/softirq time where the kernel accounts it apart from tasks
	 * (/proc/stat).  Other user processes on the machine are not the profiler's doing: they are
	 * measured (other_ns) as noise, not counted.  /proc/stat ticks at 10 ms, too coarse for a
	 * 1% effect over a few seconds, so it is recorded but not used where ns counters exist. */
	uint64_t unattributed_ns;
	uint64_t kthreads_ns;
	uint64_t other_ns;                /* root cgroup CPU minus workload, profiler and kthreads */
	uint64_t machine_tasks_ns;        /* root cgroup CPU (ns); 0 when unknown */
	uint64_t machine_busy_ns, machine_irq_ns, machine_softirq_ns, machine_steal_ns, machine_idle_ns;

	uint64_t workload_rss_peak_bytes;     /* sum of VmHWM over its processes */
	uint64_t profiler_rss_peak_bytes;
	uint64_t workload_kernel_bytes;       /* perf rings and BPF maps its processes hold */
	uint64_t profiler_kernel_bytes;
	int64_t workload_mem_charged_peak_bytes;  /* cgroup peak, page cache included; -1 unknown */
	int64_t profiler_mem_charged_peak_bytes;

	/* Request/response workloads (a driver sends the load): over the measured window, from
	 * the corrected histogram (latency from each request's intended send time). */
	int has_latency;
	uint64_t requests, request_errors;
	double target_rate, achieved_rate;   /* requests per second */
	double p50_us, p90_us, p99_us, p999_us, max_us;  /* p999 NaN below 10/(1-0.999) requests */
	double p99_uncorrected_us;           /* from the actual send time, for contrast */
	uint64_t driver_cpu_ns;              /* the load generator's own CPU: neither side's */

	/* Steady state (process design, a window of fixed duration): the first half of the
	 * measured window alone, against which the second half is compared; half_wall_s 0 when
	 * the window was not split. */
	double half_wall_s;
	uint64_t half_units, half_cpu_ns;    /* cpu: workload + profiler */

	/* What the profiler recorded over its life, by the adapter's `samples` (samples, blocks,
	 * events); -1 when unknown (no profiler process, or no way to count given). */
	int64_t profile_samples;
	/* ... and what it would have recorded at its rate (`samples.per_cpu_s`) over the workload's
	 * CPU while it was on: the measured window's (the warm-up's and guards' left out, so this
	 * errs low); NaN unknown */
	double profile_expected;
	/* ... and the % of those samples in its own frames (the adapter's `self`); NaN unknown */
	double profile_self_pct;
	/* ... and its samples in each part of the workload's known split, among the samples whose
	 * stack holds one of the parts (the workload's `truth`) */
	struct part_samples profile_parts;

	/* perf counters on the workload's process tree over the window, in the order of the run's
	 * counter set; NaN where an event is not supported or was not counted. */
	int ncounters;
	double counter_value[COUNTERS_MAX];
	unsigned char counter_scaled[COUNTERS_MAX];   /* multiplexed: value scaled up */

	char dir[512];               /* trial directory, relative to the results directory */
	/* Switchback: the process's measured windows (whole pairs only), malloc'd; the figures
	 * above are their sums.  NULL and 0 in the process design. */
	struct window_result *windows;
	int nwindows;
};

/* Free what a trial record owns (its windows). */
static inline void trial_result_free(struct trial_result *tr)
{
	free(tr->windows);
	tr->windows = NULL;
	tr->nwindows = 0;
}

/* Derived figures used by the analysis and the tables. */
static inline double trial_work(const struct trial_result *tr)     /* units, or seconds when none */
{
	return tr->unit[0] ? (double)tr->units : tr->wall_s;
}

static inline double trial_unattributed_ns(const struct trial_result *tr)
{
	return (double)tr->unattributed_ns;
}

#endif
