/* inject.h — burning a known amount of CPU, shared by the inject shim (libtare-inject.so) and
 * inject-sidecar.  Header-only: each is one translation unit built on its own. */
#ifndef TARE_INJECT_H
#define TARE_INJECT_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define INJECT_NS_PER_S 1000000000ll

/* Iterations of the spin kernel between two clock reads: ~2.5 µs.  The thread CPU clock read
 * is a syscall (~0.5 µs on a VM, most of it in task_sched_runtime); with 64-iteration chunks
 * perf saw 70% of the spin in the kernel.  With 1024, ~80% of it is user time, as a
 * profiler's handler mostly is.  The overshoot is at most one chunk, and callers carry it
 * over into the next spin. */
#define INJECT_CHUNK_ITERATIONS 1024

static inline int64_t inject_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * INJECT_NS_PER_S + ts.tv_nsec;
}

/* Spin until the calling thread's CPU clock has advanced by target_ns; returns how far it
 * did advance (>= target_ns, or 0 when target_ns <= 0).  The thread CPU clock, not a wall
 * clock, so time the thread spends preempted does not count as spin.  Async-signal-safe:
 * clock_gettime and arithmetic only. */
static inline int64_t inject_spin_ns(int64_t target_ns)
{
	int64_t start, now;
	uint64_t x;

	if (target_ns <= 0)
		return 0;
	start = inject_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	x = (uint64_t)start | 1;
	do {
		for (int i = 0; i < INJECT_CHUNK_ITERATIONS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x *= 0x2545f4914f6cdd1dull;
		}
		asm volatile("" : "+r"(x));	/* the result is "used": the loop stays */
		now = inject_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	} while (now - start < target_ns);
	return now - start;
}

#endif
