/* trial.h — one trial: one fresh workload process under one profiler configuration.
 *
 * Sequence: cgroups for workload and profiler beneath tare's own; workload forked and held at
 * its gate; profiler started and awaited until ready; gate opened; warm-up (not measured);
 * snapshot; measured window; snapshot; profiler stopped; workload stopped; leftovers killed
 * by process group and cgroup; cgroups removed.  Every exit path runs the cleanup.
 */
#ifndef TARE_TRIAL_H
#define TARE_TRIAL_H

#include <sched.h>
#include <stdint.h>

#include "cgroup.h"
#include "counters.h"
#include "plan.h"
#include "trial_record.h"

struct trial_env {
	const struct experiment *ex;
	const struct cgroup_sys *cg;
	const char *results_dir;     /* absolute */
	cpu_set_t workload_cpus;
	cpu_set_t driver_cpus;       /* the load generator's: away from the workload */
	int pin_workload;
	struct counter_set *counters;        /* NULL: none */
	double check_s;              /* > 0: trial_run is a configuration's check (run.c): workload
	                              * ready, profiler started, check_s of waiting without load, in
	                              * checks/SLUG; nothing measured */
};

/* What a trial's counters were, beside their values in the record: names, units, support and
 * the reasons an event was not counted.  n = 0 when it counted nothing. */
struct trial_counters {
	int n;
	struct counter_result r[COUNTERS_MAX];
};

/* Latency histograms a driver left in a trial directory (latency.hist and
 * latency-uncorrected.hist; the second is optional, an empty histogram when absent); 0, or -1
 * when there is no latency.hist or one does not parse. */
struct hist;
int trial_load_latency(const char *trial_dir, struct hist *corrected, struct hist *uncorrected, char *err, size_t errlen);

/* Run trial tr->index of configuration tr->config.  Fills tr, and counters when it counted;
 * never exits the process. */
void trial_run(const struct trial_env *env, struct trial_result *tr, struct trial_counters *counters);


#endif
