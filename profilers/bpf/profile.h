/* profile.h — what the eBPF sampler's kernel side (profile.bpf.c) and user side (profile.c,
 * profile_attach.c, profile_ingest.c) share: the map layouts, the per-CPU counters, the
 * ring-buffer events, and the fixed-point arithmetic of allocation sampling (docs/bpf.md).
 *
 * Included by the BPF program after vmlinux.h, and by user space after <linux/types.h>: it uses
 * only the __u32/__u64 types both have.  The fixed-point functions are written once, here, so
 * the unit test (tests/unit/test_bpf.c) checks the very code the kernel runs against libm.
 */
#ifndef TARE_BPF_PROFILE_H
#define TARE_BPF_PROFILE_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Profile types; a run may combine them (a bit mask of 1 << type). */
enum tare_type {
	TARE_CPU,		/* perf_event on cpu-clock per CPU: samples, period summed */
	TARE_OFFCPU,		/* sched_switch: time from blocking to running again */
	TARE_LOCK,		/* pthread_mutex_lock uprobes: contended calls and their wait */
	TARE_ALLOC,		/* malloc/calloc/realloc/free uprobes, sampled by bytes */
	TARE_NTYPES,
};

#define TARE_DEFAULT_DEPTH	64	/* frames per stack (user and kernel apart) */
#define TARE_MAX_DEPTH		127	/* kernel.perf_event_max_stack's default */

/* Stacks are counted by content.  Each part of a stack (user, kernel) is taken with
 * bpf_get_stack into a scratch buffer of depth frames, zero-filled past the last frame, and
 * interned in a hash keyed by those frames (all of them: two stacks share an entry only when
 * they are the same stack), whose value is an id the programs assign in order.  No two
 * distinct stacks ever share an id: the hash compares whole keys, so unlike a stack-trace map
 * (direct-mapped by a hash of the stack, where two stacks in one bucket collide) nothing is
 * lost but to a full table.  The key is TARE_MAX_DEPTH frames at most; the map's key size is
 * set to --stack-depth frames before load. */
#define TARE_STACK_ID_MAX	0x7fffffff	/* ids are __s32 in the counts key */
struct tare_stack_val {
	__u32 id;		/* from stack_ids_next: unique, in order of first sight */
	__u32 nr;		/* frames, the rest of the key zero */
};

/* Where a part is taken before it is interned: a per-CPU slot for the programs that cannot be
 * preempted (cpu's perf_event, offcpu's sched_switch: one slot each, since an NMI can land in
 * the middle of sched_switch), the thread's own task storage for the uprobes (a uprobe
 * program may be preempted on a preemptible kernel, and the next thread on the CPU may run
 * the same program). */
struct tare_scratch {
	__u64 ip[TARE_MAX_DEPTH];
};
enum tare_scratch_slot { TARE_SCRATCH_CPU, TARE_SCRATCH_OFFCPU, TARE_NSCRATCH };

/* The counts hash: one entry per (type, process, exec generation, user stack, kernel stack).
 * A stack is its id in the stacks hash (above); -1: that part was not taken (kernel frames of
 * a user-mode sample, of a uprobe).  gen counts the process's execs, so a stack taken before
 * an exec is never named with the mappings of the program it exec'd. */
struct tare_key {
	__u32 type;
	__u32 pid;		/* the process (tgid) */
	__u32 gen;
	__s32 ustack;
	__s32 kstack;
	__u32 pad;		/* zero: keys are compared as bytes */
};

/* What each type sums (cumulative since attach; user space reads, never deletes):
 *   cpu     v[0] samples             v[1] sample periods (ns of CPU for the clocks)
 *   offcpu  v[0] blocks              v[1] ns off-CPU
 *   lock    v[0] contentions         v[1] ns waited in pthread_mutex_lock
 *   alloc   v[0] sampled allocations v[1] bytes estimated (sum of size/P)
 *           v[2] objects estimated, Q16 (sum of 1/P x 65536)  v[3] sampled bytes, raw */
#define TARE_NVALUES 4
struct tare_val {
	__u64 v[TARE_NVALUES];
};

/* A process being profiled: the target, and the children it forks from attach on. */
struct tare_target {
	__u32 gen;		/* execs since it became a target */
	__u32 pad;
};

/* A sampled allocation still live: the alloc key it was counted under, and its weights, so
 * the in-use profile is the sum over this table at flush (a snapshot, like Go's). */
struct tare_live_key {
	__u32 pid;
	__u32 pad;
	__u64 addr;
};
struct tare_live {
	struct tare_key key;
	__u64 bytes;		/* estimated bytes this sample stands for (size/P) */
	__u64 objects_q16;	/* estimated objects (1/P), Q16 */
};

/* Per-thread state, in task-local storage (freed with the task).  The *_switch fields hold
 * switch_gen (profile.bpf.c) when the pair's first half ran: a pair whose halves fall in two
 * different on intervals (sampling switched off and on between them) is dropped. */
struct tare_task {
	/* offcpu: when and where it blocked */
	__u64 off_ts;
	__s32 off_ustack, off_kstack;
	__u32 off_gen;
	__u32 off_switch;
	/* lock: the pthread_mutex_lock call in progress */
	__u64 lock_ts;
	__u64 lock_nvcsw;	/* voluntary switches at entry: a change means it slept */
	__u32 lock_held;	/* the mutex was held by another thread at entry */
	__u32 lock_switch;
	/* alloc: the byte countdown to the next sample, and the call in progress */
	__u64 alloc_countdown;
	__u64 alloc_size;
	__u64 alloc_old;	/* realloc's old pointer */
	__u32 alloc_depth;	/* > 1: a call made inside another (realloc(NULL) -> malloc) */
	__u32 alloc_kind;
	__u32 alloc_sampled;
	__u32 alloc_ready;	/* the countdown has been drawn */
	__u32 alloc_switch;
	__u32 pad0;
};

enum tare_alloc_kind { TARE_MALLOC, TARE_CALLOC, TARE_REALLOC };

/* Per-CPU counters (one element of a per-CPU array); user space sums the CPUs. */
enum tare_stat {
	TARE_ST_CPU_SAMPLES,		/* perf_event hits in a target */
	TARE_ST_OFFCPU_BLOCKS,		/* blocks recorded */
	TARE_ST_LOCK_CALLS,		/* pthread_mutex_lock calls by targets */
	TARE_ST_LOCK_CONTENDED,		/* ... that found the mutex held, or slept */
	TARE_ST_ALLOC_CALLS,		/* malloc/calloc/realloc calls (outermost) */
	TARE_ST_ALLOC_BYTES,		/* ... bytes asked for, exactly */
	TARE_ST_ALLOC_SAMPLED,		/* ... sampled */
	TARE_ST_FREES,			/* free() calls */
	TARE_ST_FREES_SAMPLED,		/* ... of a sampled allocation (in-use decreases) */
	TARE_ST_NEW_KEYS,		/* counts entries created: user space resolves new stacks */
	TARE_ST_NEW_STACKS,		/* stacks interned (distinct user and kernel parts) */
	/* drops: an event that was not recorded, by cause */
	TARE_DROP_COUNTS_FULL,		/* the counts hash is full */
	TARE_DROP_STACKS_FULL,		/* the stacks hash is full: a new stack not interned */
	TARE_DROP_STACK_EFAULT,		/* get_stack: no stack to take */
	TARE_DROP_STACK_OTHER,		/* get_stack: another error */
	TARE_DROP_TASK_STORAGE,		/* no per-thread state (out of memory, recursion) */
	TARE_DROP_LIVE_FULL,		/* a sampled allocation not tracked for in-use */
	TARE_DROP_TARGETS_FULL,		/* a child not followed */
	TARE_DROP_EVENTS,		/* the event ring was full */
	TARE_NSTATS,
};
#define TARE_FIRST_DROP TARE_DROP_COUNTS_FULL

struct tare_stats {
	__u64 v[TARE_NSTATS];
};

/* Events to user space, through a BPF ring buffer: rare (process lifetime), so user space can
 * load the mappings of a process that exec'd, copy a forked child's, and stop when the
 * processes it follows are gone. */
enum tare_event_kind { TARE_EV_FORK, TARE_EV_EXEC, TARE_EV_EXIT };
struct tare_event {
	__u32 kind;
	__u32 pid;
	__u32 ppid;		/* FORK: the parent */
	__u32 gen;		/* EXEC: the new generation */
};

/* ---- allocation sampling: the fixed-point arithmetic ----------------------------------------
 *
 * Every thread counts down bytes to its next sample; the countdown is drawn from an exponential
 * distribution of mean N (--alloc-rate) when the thread starts and after each sample, and an
 * allocation of s bytes is sampled when the countdown is below s.  That is a Poisson process
 * over the bytes allocated (the exponential forgets what came before), so each allocation is
 * sampled on its own with P(s) = 1 - exp(-s/N), whatever came before it.  A sample then stands
 * for s/P(s) bytes and 1/P(s) objects: E[sum] = sum of P x s/P = the true total, exactly.  For
 * s << N, s/P(s) ~ N (each sample is "N bytes", tcmalloc's and Go's rule); for s >> N, P ~ 1.
 *
 * The BPF side has no floating point, so both functions use tables that user space fills (in
 * .rodata, before load) and linear interpolation:
 *   draw:   -ln U = (32 - log2 v) x ln 2 for v = u + 1 in [1, 2^32], U = v / 2^32, u the 32
 *           random bits; log2 of the mantissa from TARE_LOG2_N intervals of log2(1 + f), Q32
 *           (interpolation error < 3e-6).
 *   weight: s/P(s) = N g(s/N), g(x) = x / (1 - e^-x), from TARE_G_N intervals over [0, 32),
 *           Q24 (error < 2e-5 relative); beyond 32 N, P = 1 to 1e-14.
 * All products stay below 2^64 for N <= TARE_ALLOC_MAX_MEAN. */
#define TARE_LOG2_N		256
#define TARE_G_N		1024
#define TARE_G_XMAX		32
#define TARE_ALLOC_MAX_MEAN	(1ull << 30)

/* floor(log2 v) for v >= 1 (and v < 2^33), in straight-line code the verifier likes. */
static __always_inline __u32 tare_ilog2(__u64 v)
{
	__u32 k = 0;

	if (v >> 32) { v >>= 32; k += 32; }
	if (v >> 16) { v >>= 16; k += 16; }
	if (v >> 8) { v >>= 8; k += 8; }
	if (v >> 4) { v >>= 4; k += 4; }
	if (v >> 2) { v >>= 2; k += 2; }
	if (v >> 1) { k += 1; }
	return k;
}

/* Bytes to the next sample: an exponential draw of mean N from 32 random bits.  mean_ln2_q8
 * is round(N x ln 2 x 2^8); log2_tab[i] = round(log2(1 + i/TARE_LOG2_N) x 2^32), i = 0..N. */
static __always_inline __u64 tare_exp_draw(__u32 u, __u64 mean_ln2_q8,
					   const volatile __u64 *log2_tab)
{
	__u64 v = (__u64)u + 1, m, f, rem, lo, hi, log2v, neglog2u;
	__u32 k = tare_ilog2(v), i;

	m = v << (40 - k);			/* the mantissa, Q40, in [2^40, 2^41) */
	f = m - (1ull << 40);
	i = (__u32)(f >> 32) & (TARE_LOG2_N - 1);
	rem = f & 0xffffffffull;
	lo = log2_tab[i];
	hi = log2_tab[i + 1];
	log2v = ((__u64)k << 32) + lo + (((hi - lo) * rem) >> 32);
	neglog2u = (32ull << 32) - log2v;	/* -log2 U, Q32, in [0, 32 x 2^32] */
	return ((neglog2u >> 16) * mean_ln2_q8) >> 24;
}

/* What a sampled allocation of size bytes (>= 1) stands for: *bytes = size/P(size) and
 * *objects_q16 = 65536/P(size).  g_tab[i] = round(g(i x TARE_G_XMAX / TARE_G_N) x 2^24). */
static __always_inline void tare_alloc_weight(__u64 size, __u64 mean, const volatile __u32 *g_tab,
					      __u64 *bytes, __u64 *objects_q16)
{
	__u64 xq, rem, g, lo, hi;
	__u32 i;

	if (!size || !mean || size >= mean * TARE_G_XMAX) {
		*bytes = size;
		*objects_q16 = 1ull << 16;
		return;
	}
	xq = (size << 16) / mean;		/* x = size/N, Q16, below 32 x 2^16 = 2^21 */
	i = (__u32)(xq >> 11) & (TARE_G_N - 1);	/* intervals of 1/32 = 2^11 in Q16 */
	rem = xq & 2047;
	lo = g_tab[i];
	hi = g_tab[i + 1];
	g = lo + (((hi - lo) * rem) >> 11);	/* g is increasing: hi >= lo */
	*bytes = (mean * g) >> 24;
	*objects_q16 = (*bytes << 16) / size;
}

#ifndef __bpf__
/* User space: fill the tables and the constant (libm; profile_attach.c before load, and the
 * test). */
#include <math.h>
static inline void tare_alloc_tables(__u64 mean, __u64 *mean_ln2_q8, __u64 *log2_tab,
				     __u32 *g_tab)
{
	*mean_ln2_q8 = (__u64)llround((double)mean * log(2.0) * 256.0);
	for (int i = 0; i <= TARE_LOG2_N; i++)
		log2_tab[i] = (__u64)llround(log2(1.0 + (double)i / TARE_LOG2_N) * 4294967296.0);
	for (int i = 0; i <= TARE_G_N; i++) {
		double x = (double)i * TARE_G_XMAX / TARE_G_N;
		double g = i ? x / -expm1(-x) : 1.0;

		g_tab[i] = (__u32)llround(g * 16777216.0);
	}
}
#endif

#endif
