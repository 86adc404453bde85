/* counters.h — perf counters for a trial's process tree, named the way perf and libpfm4 name them.
 *
 * A set is parsed at plan time (names are checked then, so a typo fails before any trial),
 * opened on the workload while it is held at its gate (so every instruction it runs after exec
 * is counted), snapshotted at the start and end of the measured window, and closed.
 *
 *	struct counter_set *cs;
 *	struct counter_snap a, b;
 *	struct counter_result r[COUNTERS_MAX];
 *	if (counters_parse(&cs, names, n, err, sizeof(err)) < 0) ...   (plan time: -1 is a usage error)
 *	counters_open(cs, child.pid, err, sizeof(err));               (gated child, before release)
 *	counters_snapshot(cs, &a); ...window...; counters_snapshot(cs, &b);
 *	n = counters_window(cs, &a, &b, r, COUNTERS_MAX);
 *	counters_close(cs); ... counters_free(cs);
 *
 * Names are common/perf_event.h's (perf_event_encode): perf's generic and software events
 * ("cycles", "instructions", "cache-misses", "task-clock", "context-switches", ...; `perf list`
 * spells them), any event libpfm4 knows for this host's PMUs ("RETIRED_INSTRUCTIONS",
 * "INST_RETIRED:ANY_P", "pmu::EVENT:UMASK"), each with modifiers ":u" (user only), ":k" (kernel
 * only), ":h", or perf's letters (":uk").  Without a modifier an event counts user and kernel
 * space, as `perf stat` does as root — a profiler's cost is largely in the kernel (interrupts,
 * unwinding), and software events such as context-switches happen there: "context-switches:u"
 * is always 0.
 *
 * What a count covers (the kernel's inherit semantics, kernel/events/core.c): the events are
 * opened on the gated PID with inherit=1, so every thread and child it creates afterwards gets
 * a clone of each event.  read() on our event returns
 *	its own count + the counts of live inherited clones (read on the spot, an IPI where one is
 *	running) + the counts of clones whose task has exited (folded into the parent event's
 *	child_count by perf_event_exit_task() in do_exit(), before the parent is even notified —
 *	it does not wait for the child to be reaped).
 * time_enabled/time_running are summed the same way, so they are *task* times summed over the
 * tree (they grow only while some task of the tree is on a CPU), not wall time; their ratio is
 * still the share of the time the event was on a hardware counter, which is what scaling
 * needs.  The counts stay readable after the whole tree has exited and been reaped.  Tasks
 * forked before counters_open() are not counted: open on a gated child, before it runs.
 *
 * task-clock is not cgroup CPU.  Quiet, task-clock and sum_exec_runtime (cpuacct, cpu.stat,
 * rusage) agree to within 1%; under contention task-clock reads higher, in proportion to the
 * involuntary context switches: ~4 µs per switch on the 2-CPU VM, +5% in all with a JVM on the
 * other CPU (measured; the likely cause is that perf stops a task's clock in
 * perf_event_task_sched_out(), after the scheduler has stopped charging it, so part of each
 * switch is counted by one and not the other).  Under steal it reads higher again: it runs on
 * the perf clock, which goes on while the hypervisor has the vCPU, where the scheduler's charge
 * leaves stolen time out.  Keep cgroup CPU as the CPU figure and task-clock as a cross-check.
 *
 * Events that are known but cannot be counted here (no hardware PMU, not this machine's PMU,
 * permission, a per-CPU uncore event) are not errors: they are marked unsupported, with the
 * reason, and never reported as 0.
 */
#ifndef TARE_COUNTERS_H
#define TARE_COUNTERS_H

/* Include this before <perfmon/pfmlib_perf_event.h> (perf_event.h says why). */
#include "perf_event.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define COUNTERS_MAX 32            /* events in one set */
#define COUNTERS_NAME_LEN 128      /* longest name + 1 */
#define COUNTERS_REASON_LEN PERF_EVENT_REASON_LEN

struct counter_set;                /* opaque: parse results plus, once opened, the fds */

/* One reading of one event: cumulative since open, as the kernel reports it. */
struct counter_reading {
	uint64_t value;            /* raw count, not scaled */
	uint64_t enabled_ns;       /* time_enabled, summed over the process tree */
	uint64_t running_ns;       /* time_running, likewise */
	int ok;                    /* 0: not open, or read() failed (err says why) */
	int err;                   /* errno of a failed read(), else 0 */
};

/* All events of a set at one moment.  A plain value: copy it, keep it in a struct. */
struct counter_snap {
	int n;
	uint64_t t_ns;             /* CLOCK_MONOTONIC when the snapshot ended */
	struct counter_reading r[COUNTERS_MAX];
};

/* One event over a window (between two snapshots); a plain value that outlives the set. */
struct counter_result {
	char name[COUNTERS_NAME_LEN]; /* as given to counters_parse */
	const char *unit;          /* "ns" for task-clock and cpu-clock, "" for counts (static) */
	int supported;             /* 1: opened here */
	int optional;              /* 1: a default event the machine may lack (cycles, ...):
				    * callers may leave it out quietly when unsupported */
	int counted;               /* 1: value is a measurement (supported, both reads ok,
				    * and it was on a counter for some of the window) */
	double value;              /* Δcount, scaled by Δenabled/Δrunning when multiplexed */
	uint64_t raw;              /* Δcount as read */
	int scaled;                /* 1: Δrunning < Δenabled, value was scaled up */
	double running_ratio;      /* Δrunning/Δenabled; 1 when always on a counter (or idle) */
	int group;                 /* index of its group's leader event, -1 when standalone */
	char reason[COUNTERS_REASON_LEN]; /* why not supported / not counted; "" otherwise */
};

/* Parse event names (see above).  0, or -1 with one line in err, e.g.
 * "counters: unknown event 'foo' (tare events lists them)".  *set is NULL on failure. */
int counters_parse(struct counter_set **set, const char *const *names, int n, char *err, size_t errlen);

/* task-clock, context-switches, cpu-migrations, page-faults, and the optional hardware events
 * cycles, instructions, cache-misses, branch-misses (unsupported where there is no PMU). */
int counters_default(struct counter_set **set, char *err, size_t errlen);

/* Open every event on pid and its future threads and children (inherit=1, exclude_hv,
 * counting from now, read_format TIME_ENABLED|TIME_RUNNING|ID, |GROUP for groups).
 * Hardware events share one group (they are scheduled onto counters together, so their
 * ratios are consistent); a member that does not fit is opened on its own (multiplexed,
 * scaled).  Software events share another group, so one read() takes them all at one
 * instant.  An event that fails to open is marked unsupported with the reason and the rest go
 * on.  Returns the number opened (0 is allowed), or -1 with err on a hard error (no such
 * process, out of file descriptors): then nothing is left open.  Opening an open set reopens
 * it. */
int counters_open(struct counter_set *set, pid_t pid, char *err, size_t errlen);

/* Read every open event into out (one read() per group).  0, or -1 (errno set) when some read
 * failed; those readings have ok = 0 and the others are still valid. */
int counters_snapshot(struct counter_set *set, struct counter_snap *out);

/* The window a..b for each event, into out[0..max).  Returns the number of results
 * (counters_count(set), at most max). */
int counters_window(const struct counter_set *set, const struct counter_snap *a,
		    const struct counter_snap *b, struct counter_result *out, int max);

int counters_count(const struct counter_set *set);
/* The perf_event_attr event i opens with (type, config, exclusions; before counters_open's
 * inherit/read_format), and its PMU ("perf", "amd64_fam19h_zen4", ...). */
const struct perf_event_attr *counters_attr(const struct counter_set *set, int i);
const char *counters_pmu(const struct counter_set *set, int i);

/* Close the fds; the parse results stay, so the set can be opened again (next trial). */
void counters_close(struct counter_set *set);
void counters_free(struct counter_set *set);

/* Does name open here, on this process (disabled, then closed)?  1 yes; 0 no, and reason
 * (short, for a listing: "no hardware PMU (ENOENT)"); -1 not an event. */
int counters_probe(const char *name, char *reason, size_t len);

/* `tare events [--all] [--umasks] [PATTERN]`: the events this host knows, and whether each
 * opens here.  Returns the exit code. */
int events_main(int argc, char **argv);

#endif
