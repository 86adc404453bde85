/* tare_units.h — how a workload tells tare how much work it has done.
 *
 * tare measures CPU per *unit of work*, so a profiler that slows the workload down cannot hide
 * its cost behind lower throughput.  The harness creates a shared page (a memfd), passes its
 * descriptor in TARE_UNITS_FD, and reads the counters at the start and the end of the measured
 * window, at the same instant as it reads the cgroup CPU counters.  The workload only adds.
 *
 * Each thread owns one slot on its own cache line and is its only writer, so counting is a
 * relaxed store with no contention; the harness sums the slots.  Without TARE_UNITS_FD (a
 * workload run by hand) the counters live in private memory and nothing else changes.
 *
 *   struct tare_units *u = tare_units_open("requests");   // once, in main; NULL keeps the name
 *   int slot = tare_units_slot(u);                   // once per thread
 *   tare_units_add(u, slot, n);                      // on the hot path
 *
 * The harness also publishes the trial's phase here (warm-up, measured window, stopping), so
 * a load generator records latencies of the measured window only, exactly when tare's
 * snapshots say it starts and ends: tare_units_phase(u) == TARE_PHASE_MEASURE.
 */
#ifndef TARE_UNITS_H
#define TARE_UNITS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define TARE_UNITS_MAGIC   0x54415245554e4954ull /* "TAREUNIT" */
#define TARE_UNITS_VERSION 3
#define TARE_UNITS_SLOTS   64
#define TARE_UNITS_BYTES   (sizeof(struct tare_units))

struct tare_units_slot {
	uint64_t units;
	char pad[56];
} __attribute__((aligned(64)));

struct tare_units {
	uint64_t magic;
	uint32_t version;
	uint32_t nslots;
	uint32_t next_slot;   /* slot allocation; threads beyond nslots share slots atomically */
	uint32_t phase;       /* enum tare_phase, written by the harness only */
	char     unit[32];    /* what one unit is ("iterations", "requests"), NUL-terminated */
	uint32_t arm;         /* switchback: enum tare_arm of the current window, harness-written */
	uint32_t window;      /* switchback: the window being measured, from 1 (0: none, a guard) */
	struct tare_units_slot slot[TARE_UNITS_SLOTS];
};

enum tare_phase {
	TARE_PHASE_WARMUP = 0,   /* also: not run by tare at all */
	TARE_PHASE_MEASURE = 1,
	TARE_PHASE_DONE = 2,
};

/* Switchback (docs/switchback.md): one process, the profiler switched on and off in windows.
 * An in-process agent (the inject shim) and a load driver read the arm here; it changes only in
 * the guard time between two measured windows. */
enum tare_arm {
	TARE_ARM_OFF = 0,        /* also: not a switchback run */
	TARE_ARM_ON = 1,
};

static inline struct tare_units *tare_units_open(const char *unit_name)
{
	struct tare_units *u = NULL;
	const char *fd = getenv("TARE_UNITS_FD");
	if (fd && *fd) {
		void *p = mmap(NULL, TARE_UNITS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, atoi(fd), 0);
		if (p != MAP_FAILED)
			u = (struct tare_units *)p;
		else    /* tare would then read 0 units and fail the trial: say why here */
			fprintf(stderr, "tare_units: cannot map TARE_UNITS_FD=%s; units go unreported\n", fd);
	}
	if (!u) {
		u = (struct tare_units *)aligned_alloc(64, TARE_UNITS_BYTES);
		if (!u)
			abort();
		__builtin_memset(u, 0, TARE_UNITS_BYTES);
		u->magic = TARE_UNITS_MAGIC;
		u->version = TARE_UNITS_VERSION;
		u->nslots = TARE_UNITS_SLOTS;
	}
	if (unit_name) {
		int i;
		for (i = 0; unit_name[i] && i < (int)sizeof(u->unit) - 1; i++)
			u->unit[i] = unit_name[i];
		u->unit[i] = '\0';
	}
	return u;
}

static inline int tare_units_slot(struct tare_units *u)
{
	return (int)(__atomic_fetch_add(&u->next_slot, 1, __ATOMIC_RELAXED) % TARE_UNITS_SLOTS);
}

/* Slots are shared only past 64 threads; an atomic add keeps that case exact too. */
static inline void tare_units_add(struct tare_units *u, int slot, uint64_t n)
{
	__atomic_fetch_add(&u->slot[slot].units, n, __ATOMIC_RELAXED);
}

static inline enum tare_phase tare_units_phase(const struct tare_units *u)
{
	return (enum tare_phase)__atomic_load_n(&u->phase, __ATOMIC_ACQUIRE);
}

static inline void tare_units_set_phase(struct tare_units *u, enum tare_phase p)
{
	__atomic_store_n(&u->phase, (uint32_t)p, __ATOMIC_RELEASE);
}

static inline enum tare_arm tare_units_arm(const struct tare_units *u)
{
	return (enum tare_arm)__atomic_load_n(&u->arm, __ATOMIC_ACQUIRE);
}

/* The arm changes at a switch, before the guard; the window number is set only while a window
 * is being measured (0 in guards), so a driver attributes a request to a window only when it was
 * sent and answered inside it. */
static inline void tare_units_set_arm(struct tare_units *u, enum tare_arm a)
{
	__atomic_store_n(&u->arm, (uint32_t)a, __ATOMIC_RELEASE);
}

static inline uint32_t tare_units_window(const struct tare_units *u)
{
	return __atomic_load_n(&u->window, __ATOMIC_ACQUIRE);
}

static inline void tare_units_set_window(struct tare_units *u, uint32_t window)
{
	__atomic_store_n(&u->window, window, __ATOMIC_RELEASE);
}

static inline uint64_t tare_units_total(const struct tare_units *u)
{
	uint64_t sum = 0;
	for (int i = 0; i < TARE_UNITS_SLOTS; i++)
		sum += __atomic_load_n(&u->slot[i].units, __ATOMIC_RELAXED);
	return sum;
}

#endif
