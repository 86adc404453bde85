/* gauge.h — the machine's own speed, read beside every switchback window.
 *
 * On this kind of machine (a shared VM) a window's CPU per request moves by 10-20% from one
 * half second to the next, and much of that is the vCPU running the kernel's paths slower or
 * faster, not the service or the profiler.  The gauge times a fixed kernel path — 64-byte
 * round trips through a loopback TCP connection, within one thread — on each CPU the workload
 * runs on, a few hundred microseconds every 20 ms, as an idle-class thread (SCHED_IDLE: it
 * runs only where nothing else wants the CPU, so it never delays the workload).  Its CPU time
 * per round trip in a window is that window's speed.  The analysis reads it beside the CPU
 * (switchback.c: gauge_fit) and does not adjust by it: it shares the workload's CPUs, so a
 * profiler that makes them busier moves it too (docs/switchback.md). */
#ifndef TARE_GAUGE_H
#define TARE_GAUGE_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

struct gauge;

/* One thread per CPU in cpus (NULL: every online CPU).  NULL after one line in err when the
 * loopback connection or a thread cannot be made. */
struct gauge *gauge_start(const cpu_set_t *cpus, char *err, size_t errlen);

/* The CPU time its round trips took and how many, summed over its CPUs, since it started. */
void gauge_read(struct gauge *g, uint64_t *ns, uint64_t *ops);

/* Stops and joins its threads, closes its sockets; NULL is a no-op. */
void gauge_stop(struct gauge *g);

#endif
