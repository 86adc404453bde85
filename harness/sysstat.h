/* sysstat.h — machine-wide CPU from /proc/stat and per-process memory from procfs.
 *
 * /proc/stat is where overhead that no task is charged for shows up: irq and softirq time of
 * the sampling interrupts, per-CPU events' handlers, kernel threads.  It ticks in USER_HZ
 * (10 ms), so it is read over whole measured windows, never per event.
 */
#ifndef TARE_SYSSTAT_H
#define TARE_SYSSTAT_H

#include <stdint.h>
#include <sys/types.h>

struct procstat {
	uint64_t user_ns, nice_ns, system_ns, idle_ns, iowait_ns, irq_ns, softirq_ns, steal_ns;
};

int procstat_read(struct procstat *ps);
/* Busy time: everything but idle, iowait and steal (guest time is already inside user). */
uint64_t procstat_busy_ns(const struct procstat *ps);
void procstat_delta(const struct procstat *a, const struct procstat *b, struct procstat *d);

/* Does the kernel account irq/softirq time apart from tasks (CONFIG_IRQ_TIME_ACCOUNTING)?
 * Then interrupt time is missing from task CPU and must be added from /proc/stat; otherwise it
 * is already inside the CPU of whichever task was interrupted. */
int sysstat_irq_time_accounted(void);

/* CPU time of all kernel threads (ns, from /proc/PID/schedstat): kworkers, ksoftirqd, RCU —
 * where a profiler's deferred kernel work lands.  Threads that exit take their time with them. */
uint64_t sysstat_kthreads_ns(void);

/* Kernel memory a process holds for profiling that RSS does not show: perf ring buffers (its
 * anon_inode:[perf_event] mappings; their pages are not counted in Rss) and BPF maps and
 * programs (memlock in /proc/PID/fdinfo).  Bytes; 0 when it is gone. */
uint64_t proc_kernel_memory_bytes(pid_t pid);

/* Peak resident set (VmHWM) of one process, bytes; 0 when it is gone. */
uint64_t proc_rss_peak_bytes(pid_t pid);

#endif
