/* procfs.c — /proc/PID/stat and schedstat (procfs.h). */
#include "procfs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int procfs_stat_parse(const char *text, struct procfs_stat *st)
{
	const char *paren = strrchr(text, ')');	/* the last one: COMM may hold ')' */
	unsigned long long ut, sy;

	memset(st, 0, sizeof(*st));
	/* After COMM: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
	 * utime stime */
	if (!paren || paren[1] != ' ' ||
	    sscanf(paren + 2, "%c %d %d %*d %*d %*d %lu %*u %*u %*u %*u %llu %llu", &st->state,
		   &st->ppid, &st->pgrp, &st->flags, &ut, &sy) != 6) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
	st->utime_ticks = ut;
	st->stime_ticks = sy;
	return 0;
}

int procfs_stat_read(const char *path, struct procfs_stat *st)
{
	char *text = read_file(path, NULL);
	int rc;

	if (!text) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
	rc = procfs_stat_parse(text, st);
	free(text);
	return rc;
}

int procfs_pid_stat(pid_t pid, struct procfs_stat *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return procfs_stat_read(path, st);
}

uint64_t procfs_ns_per_tick(void)
{
	static uint64_t ns_per_tick;

	if (!ns_per_tick) {
		long hz = sysconf(_SC_CLK_TCK);
		ns_per_tick = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	}
	return ns_per_tick;
}

uint64_t procfs_stat_cpu_ns(const struct procfs_stat *st)
{
	return (st->utime_ticks + st->stime_ticks) * procfs_ns_per_tick();
}

uint64_t procfs_schedstat_ns(const char *path)
{
	char *text = read_file(path, NULL);
	unsigned long long ns = 0;

	if (text) {
		if (sscanf(text, "%llu", &ns) != 1)
			ns = 0;
		free(text);
	}
	return ns;
}

int procfs_each_process(procfs_each_fn fn, void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct procfs_stat st;
		pid_t pid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (procfs_pid_stat(pid, &st) == 0)
			fn(pid, &st, arg);
	}
	closedir(d);
	return 0;
}
