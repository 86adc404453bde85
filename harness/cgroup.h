/* cgroup.h — per-trial cgroups for the workload and the profiler, beneath tare's own.
 *
 * Each trial puts the workload's process tree in one child cgroup and the profiler's in
 * another, created beneath the cgroup tare itself runs in (per hierarchy, from
 * /proc/self/cgroup), so every process stays inside the limits and accounting its caller set.
 * CPU comes from cgroup v1 cpuacct (ns; preferred where mounted, as on hybrid systems) or v2
 * cpu.stat (µs).  Without a writable hierarchy tare falls back to procfs: membership by process
 * group, CPU from per-thread schedstat — and says so in the results.
 */
#ifndef TARE_CGROUP_H
#define TARE_CGROUP_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

enum cg_mode { CG_NONE, CG_V1, CG_V2 };

struct cgroup_sys {
	enum cg_mode cpu_mode;
	enum cg_mode mem_mode;
	char cpu_base[PATH_MAX];   /* tare's own cgroup directory in the CPU hierarchy */
	char mem_base[PATH_MAX];   /* ... and in the memory hierarchy ("" when none) */
	char cpu_root[PATH_MAX];   /* the CPU hierarchy's mount point, for machine-wide task CPU */
	char desc[128];            /* "v1 (cpuacct, memory)", recorded in the results */
	char warning[512];         /* why a fallback was taken, "" when none */
};

struct cgroup {
	char cpu_path[PATH_MAX];   /* "" in procfs mode */
	char mem_path[PATH_MAX];
	pid_t pgid;                /* procfs mode: the group's members */
	pid_t tree;                /* in place by PID: this process and its descendants, from procfs */
	int borrowed;              /* in place: the service's, read and never killed or removed */
	const struct cgroup_sys *sys;
};

struct cg_cpu {
	uint64_t user_ns, sys_ns, total_ns;
};

/* Find tare's cgroups and decide the mode; TARE_CGROUP=v1|v2|none forces one (for tests). */
void cgroup_init(struct cgroup_sys *s);

/* CPU of every task on the machine, from the root of the CPU hierarchy (ns); -1 when none. */
int cgroup_root_cpu(const struct cgroup_sys *s, uint64_t *ns);

/* Create NAME beneath tare's cgroups.  0, or -1 with a message in err. */
int cgroup_create(const struct cgroup_sys *s, const char *name, struct cgroup *cg, char *err, size_t errlen);
/* In place: the group of a service tare did not start, read and never killed or removed.
 * path: absolute beneath the CPU hierarchy's mount, or relative to it
 * ("system.slice/nginx.service").  0, or -1 with one line in err (no such cgroup; not in the
 * hierarchy tare reads; no hierarchy at all). */
int cgroup_borrow(const struct cgroup_sys *s, const char *path, struct cgroup *cg, char *err, size_t errlen);
/* In place by PID: pid and its descendants, found anew at every read (a worker forked later is
 * counted from then on), CPU from their threads' schedstat (ns).  A thread that exits takes its
 * CPU time with it: a window it ran in is short by that much. */
void cgroup_tree(const struct cgroup_sys *s, pid_t pid, struct cgroup *cg);
/* Move PID (not yet running its program) into the group; pgid is remembered for procfs mode. */
int cgroup_attach(struct cgroup *cg, pid_t pid, char *err, size_t errlen);
int cgroup_cpu(const struct cgroup *cg, struct cg_cpu *out);
/* The same in two steps, for a window edge that must be read at one instant: a group whose CPU
 * is summed over its processes' threads (procfs mode, or a tree in place) finds its processes
 * first — a scan of /proc, milliseconds — and reads their threads' schedstat after.  members
 * returns the count with *pids malloc'd, or -1 (*pids NULL) where a cgroup file has the sum;
 * cpu_members with pids NULL is cgroup_cpu. */
int cgroup_cpu_members(const struct cgroup *cg, pid_t **pids);
int cgroup_cpu_of(const struct cgroup *cg, const pid_t *pids, int n, struct cg_cpu *out);
/* Peak memory charged to the group (v2 memory.peak, v1 max_usage_in_bytes); -1 when unknown.
 * It includes page cache charged to the first toucher, so it is reported, not analysed. */
int cgroup_mem_peak(const struct cgroup *cg, uint64_t *bytes);
/* Every PID in the group; returns the count, *pids malloc'd. */
int cgroup_pids(const struct cgroup *cg, pid_t **pids);
/* SIGKILL whatever is left in the group and wait (bounded) until it is empty. */
void cgroup_kill_all(const struct cgroup *cg);
/* Every mounted hierarchy's directory where a run from here makes its groups (whole = 0: tare's
 * own cgroup in each), or its mount point (whole = 1); the count, *dirs and entries malloc'd. */
int cgroup_scan_dirs(int whole, char ***dirs);
/* Remove the group's directories; processes must be gone. */
void cgroup_destroy(struct cgroup *cg);

#endif
