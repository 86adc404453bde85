/* sysstat.c — /proc/stat and /proc/PID/status. */
#include "sysstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

int procstat_read(struct procstat *ps)
{
	uint64_t ns_per_tick = procfs_ns_per_tick();
	unsigned long long v[8] = { 0 };
	char *s = read_file("/proc/stat", NULL);
	int n;
	memset(ps, 0, sizeof(*ps));
	if (!s)
		return -1;
	n = sscanf(s, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	free(s);
	if (n < 4)
		return -1;
	ps->user_ns = v[0] * ns_per_tick;
	ps->nice_ns = v[1] * ns_per_tick;
	ps->system_ns = v[2] * ns_per_tick;
	ps->idle_ns = v[3] * ns_per_tick;
	ps->iowait_ns = v[4] * ns_per_tick;
	ps->irq_ns = v[5] * ns_per_tick;
	ps->softirq_ns = v[6] * ns_per_tick;
	ps->steal_ns = v[7] * ns_per_tick;
	return 0;
}

uint64_t procstat_busy_ns(const struct procstat *ps)
{
	return ps->user_ns + ps->nice_ns + ps->system_ns + ps->irq_ns + ps->softirq_ns;
}

void procstat_delta(const struct procstat *a, const struct procstat *b, struct procstat *d)
{
	/* Counters only grow, but a CPU going offline can make a field step back: clamp at 0. */
#define D(f) d->f = b->f > a->f ? b->f - a->f : 0
	D(user_ns); D(nice_ns); D(system_ns); D(idle_ns); D(iowait_ns); D(irq_ns); D(softirq_ns); D(steal_ns);
#undef D
}

uint64_t proc_rss_peak_bytes(pid_t pid)
{
	char path[64], *s, *p;
	unsigned long long kb = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(s = read_file(path, NULL)))
		return 0;
	if ((p = strstr(s, "\nVmHWM:")))
		sscanf(p + 7, "%llu", &kb);
	free(s);
	return kb * 1024;
}

int sysstat_irq_time_accounted(void)
{
	static int cached = -1;
	struct procstat ps;
	if (cached >= 0)
		return cached;
	/* /proc/config.gz is not always there.  Without irq time accounting the tick cannot sample
	 * hardirq context (it is one), so the irq column stays 0; with it, it always grows. */
	cached = procstat_read(&ps) == 0 && ps.irq_ns > 0;
	return cached;
}

#define PF_KTHREAD 0x00200000

static void add_kthread_ns(pid_t pid, const struct procfs_stat *st, void *arg)
{
	char path[64];

	if (!(st->flags & PF_KTHREAD))
		return;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	*(uint64_t *)arg += procfs_schedstat_ns(path);
}

uint64_t sysstat_kthreads_ns(void)
{
	uint64_t sum = 0;

	procfs_each_process(add_kthread_ns, &sum);
	return sum;
}

uint64_t proc_kernel_memory_bytes(pid_t pid)
{
	char path[64], *maps, *line, *save = NULL;
	uint64_t sum = 0;
	DIR *d;
	struct dirent *de;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((maps = read_file(path, NULL))) {
		for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long lo, hi;
			if (strstr(line, "anon_inode:[perf_event]") && sscanf(line, "%llx-%llx", &lo, &hi) == 2 && hi > lo)
				sum += hi - lo;
		}
		free(maps);
	}
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	if (!(d = opendir(path)))
		return sum;
	while ((de = readdir(d))) {
		char fpath[320], *info, *m;
		if (de->d_name[0] == '.')
			continue;
		snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name);
		if (!(info = read_file(fpath, NULL)))
			continue;
		/* Only BPF maps and programs report memlock. */
		if ((m = strstr(info, "\nmemlock:")))
			sum += strtoull(m + 9, NULL, 10);
		free(info);
	}
	closedir(d);
	return sum;
}
