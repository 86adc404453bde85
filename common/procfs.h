/* procfs.h — /proc/PID/stat and schedstat, read one way for the harness and the samplers.
 *
 * A stat line is "PID (COMM) STATE PPID PGRP ...", and COMM may hold spaces and parentheses
 * ("(sd-pam)", "a) b"), so the fields are counted from the LAST ')' on the line, never by
 * splitting on spaces from the start (proc(5)).
 */
#ifndef TARE_PROCFS_H
#define TARE_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

/* The fields of a stat line that tare reads (proc(5) numbers them from 1: pid is 1). */
struct procfs_stat {
	char state;			/* 3: R, S, D, Z, T, ... */
	int ppid;			/* 4 */
	int pgrp;			/* 5: the process group */
	unsigned long flags;		/* 9: PF_* (PF_KTHREAD 0x00200000: a kernel thread) */
	uint64_t utime_ticks;		/* 14: user CPU, clock ticks (procfs_ns_per_tick) */
	uint64_t stime_ticks;		/* 15: system CPU, clock ticks */
};

/* The text of a stat file into *st: 0, or -1 (all zero) when it is not a stat line. */
int procfs_stat_parse(const char *text, struct procfs_stat *st);
/* A stat file (/proc/PID/stat, /proc/PID/task/TID/stat) into *st: 0, or -1 when it cannot be
 * read (the process has gone) or parsed. */
int procfs_stat_read(const char *path, struct procfs_stat *st);
/* /proc/PID/stat into *st, as procfs_stat_read. */
int procfs_pid_stat(pid_t pid, struct procfs_stat *st);

/* Nanoseconds per clock tick (sysconf(_SC_CLK_TCK), 100 Hz if it says nothing). */
uint64_t procfs_ns_per_tick(void);
/* utime + stime in ns: CPU at tick resolution. */
uint64_t procfs_stat_cpu_ns(const struct procfs_stat *st);

/* The first field of a schedstat file (/proc/PID/schedstat, .../task/TID/schedstat): ns on a
 * CPU; 0 when it cannot be read. */
uint64_t procfs_schedstat_ns(const char *path);

/* Calls fn for every process in /proc whose stat can be read (one that exits meanwhile is
 * passed over): 0, or -1 when /proc cannot be opened. */
typedef void (*procfs_each_fn)(pid_t pid, const struct procfs_stat *st, void *arg);
int procfs_each_process(procfs_each_fn fn, void *arg);

#endif
