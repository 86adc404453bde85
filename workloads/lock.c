/* lock.c — the ground-truth lock-contention workload.
 *
 * N threads contend on pthread mutexes at distinct, never-inlined sites, lock_site_a,
 * lock_site_b, ... (one mutex per site, held --hold-us A,B,... microseconds, default 200,50),
 * and measure the truth themselves, so that a lock profiler (contentions and delay per stack)
 * can be held against it.
 *
 * Contention is made, not hoped for.  The threads go through the sites in rounds, and at each
 * site one thread, the leader (rotating: thread (round + site) mod N), takes the mutex *before*
 * a barrier that releases the others, and holds it until all of them have failed their
 * trylock and gone to block in pthread_mutex_lock.  So every round has exactly N-1
 * contentions per site, however late a woken thread gets a CPU on a loaded machine.  (Without
 * that wait, a waiter woken more than hold-us late found the mutex free: a third of the
 * contentions went missing on this 2-CPU VM under load.)  The leader then holds the mutex for
 * hold-us, asleep (--hold-mode sleep, the default) or spinning on the clock (spin); each
 * waiter, woken in turn, holds it as long.  So the k-th waiter waits at least k x hold, and
 * with 2 threads a wait is hold plus two wake-ups (the holder's, the waiter's; ~30-60 us idle):
 * a site with 4x the hold waits a little less than 4x as long.  hold_ns is acquired to
 * unlocked, so the leader's includes the barrier and its wait for the waiters.
 *
 * Each site first calls pthread_mutex_trylock; only when that fails does it call
 * pthread_mutex_lock, timed with CLOCK_MONOTONIC: every pthread_mutex_lock call this
 * workload makes is a contention, and its duration is the wait.  In glibc 2.36 that call runs
 * pthread_mutex_lock (exported, the same address as __pthread_mutex_lock@GLIBC_2.2.5)
 * -> __lll_lock_wait (local; in libc6-dbg's symbols only) -> futex(FUTEX_WAIT_PRIVATE), a
 * syscall made inline; the holder's pthread_mutex_unlock -> __lll_lock_wake -> FUTEX_WAKE.
 * The barriers (pthread_barrier_wait) use futexes directly, never pthread_mutex_lock.
 *
 * One unit is one acquisition.  Rounds are whole: --units N stops after the round that
 * reaches N acquisitions.
 */
#include <errno.h>
#include <pthread.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WORKLOAD_NAME "lock"
#include "tare_units.h"
#include "workload.h"

#define LOCK_MAX_SITES		4
#define LOCK_MAX_THREADS	64
#define LOCK_MAX_HOLD_US	1000000

/* noipa (GCC) is noinline + noclone + no identical-code folding: each site keeps its own
 * symbol in every stack.  clang has no noipa and folds nothing unless asked. */
#if defined(__has_attribute) && __has_attribute(noipa)
#define LOCK_SITE_ATTR __attribute__((noipa))
#else
#define LOCK_SITE_ATTR __attribute__((noinline))
#endif

struct lock_config {
	int threads;
	int nsites;
	uint32_t hold_us[LOCK_MAX_SITES];
	bool hold_sleep;		/* --hold-mode sleep (default) or spin */
	uint64_t max_units;		/* 0: no limit */
	double duration_s;		/* 0: until SIGTERM/SIGINT */
};

struct lock_site_stats {
	uint64_t acquisitions;
	uint64_t contentions;		/* trylock failed, then pthread_mutex_lock */
	uint64_t wait_ns;		/* inside those pthread_mutex_lock calls */
	uint64_t wait_max_ns;
	uint64_t hold_ns;		/* acquired to unlocked, the leader's barrier included */
};

struct lock_thread {
	pthread_t tid;
	int index;
	int slot;
	uint64_t units;
	struct lock_site_stats site[LOCK_MAX_SITES];
} __attribute__((aligned(64)));		/* no false sharing between threads */

static struct lock_config cfg;
static struct tare_units *lock_units;
static int lock_go;				/* thread 0's decision for the round, see lock_worker */
static uint64_t lock_rounds;			/* rounds started; thread 0 only */
static pthread_barrier_t lock_barrier;
static int lock_waiting[LOCK_MAX_SITES];	/* waiters past their failed trylock, per site */
static pthread_mutex_t lock_mutex[LOCK_MAX_SITES] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};

static const char *const lock_site_names[LOCK_MAX_SITES] = {
	"lock_site_a", "lock_site_b", "lock_site_c", "lock_site_d",
};

static int64_t lock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void lock_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield");
#endif
}

/* A spinning hold: on-CPU until the deadline, on the wall clock, so that a preemption
 * lengthens the hold no more than a real critical section's would be lengthened. */
static int64_t lock_spin_until(int64_t deadline)
{
	int64_t now;

	while ((now = lock_now_ns()) < deadline)
		lock_cpu_relax();
	return now;
}

/* One frame between a site and pthread_mutex_lock.  glibc is built without frame pointers
 * and neither pthread_mutex_lock nor __lll_lock_wait touches rbp, so a frame-pointer unwinder
 * stopped there (at a uprobe on entry, or at the futex syscall) finds its caller's frame first
 * and goes on from there: the caller's return address is on the stack but not in the chain,
 * and the caller vanishes from the stack.  It is this frame that vanishes, and the site stays.
 * The code after the call keeps it from being a tail call, which would drop the frame. */
static LOCK_SITE_ATTR int lock_via_mutex_lock(pthread_mutex_t *m)
{
	int err = pthread_mutex_lock(m);

	asm volatile("" ::: "memory");
	return err;
}

/* Takes the mutex of site s: trylock first, so a failed trylock is a contention, exactly,
 * and only then the blocking pthread_mutex_lock, timed.  A waiter reads its clock before it
 * tells the leader it is there, so its measured wait covers the leader's whole hold.
 * Returns when the mutex was acquired. */
static inline __attribute__((always_inline))
int64_t lock_acquire(struct lock_site_stats *st, int s)
{
	int64_t t0, acquired;

	if (pthread_mutex_trylock(&lock_mutex[s]) == 0)
		return lock_now_ns();
	t0 = lock_now_ns();
	__atomic_fetch_add(&lock_waiting[s], 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &lock_waiting[s], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	lock_via_mutex_lock(&lock_mutex[s]);
	acquired = lock_now_ns();
	st->contentions++;
	st->wait_ns += (uint64_t)(acquired - t0);
	if ((uint64_t)(acquired - t0) > st->wait_max_ns)
		st->wait_max_ns = (uint64_t)(acquired - t0);
	return acquired;
}

/* The leader, holding the mutex, waits until all the others have failed their trylock, so
 * that each round has threads-1 contentions however late a woken thread runs on a loaded
 * machine.  A short spin, then a futex wait on the counter (a waiter wakes it): spinning on,
 * or yielding, the leader kept waiters that share its CPU off it. */
static void lock_await_waiters(int s)
{
	unsigned spins = 0;
	int n;

	while ((n = __atomic_load_n(&lock_waiting[s], __ATOMIC_ACQUIRE)) < cfg.threads - 1) {
		if (++spins < 256)
			lock_cpu_relax();
		else	/* returns at once if the counter has moved on from n */
			syscall(SYS_futex, &lock_waiting[s], FUTEX_WAIT_PRIVATE, n, NULL, NULL, 0);
	}
	/* Safe: the waiters touch this counter again only in the next round. */
	__atomic_store_n(&lock_waiting[s], 0, __ATOMIC_RELAXED);
}

/* Holds until the deadline: asleep (default), so that the holder needs no CPU and a loaded
 * machine cannot preempt it mid-hold; or on-CPU, spinning like a critical section doing work.
 * Spinning, with more runnable threads than CPUs, the holder's preemption dominated the waits
 * (the 50 us site waited ~1.4 ms, the 200 us one ~0.65 ms, with three CPU hogs on 2 CPUs). */
static void lock_hold_until(int64_t deadline)
{
	struct timespec ts = { .tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000 };

	if (!cfg.hold_sleep) {
		lock_spin_until(deadline);
		return;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		continue;
}

/* One acquisition at site s.  The leader locks before the barrier, the others after it;
 * the leader's hold-us starts once every waiter is blocked on the mutex. */
static inline __attribute__((always_inline))
void lock_body(struct lock_thread *t, int s, bool leader)
{
	struct lock_site_stats *st = &t->site[s];
	int64_t acquired, hold_from, released;

	if (!leader)
		pthread_barrier_wait(&lock_barrier);
	acquired = lock_acquire(st, s);
	hold_from = acquired;
	if (leader) {
		pthread_barrier_wait(&lock_barrier);
		lock_await_waiters(s);
		hold_from = lock_now_ns();
	}
	lock_hold_until(hold_from + (int64_t)cfg.hold_us[s] * 1000);
	pthread_mutex_unlock(&lock_mutex[s]);
	released = lock_now_ns();	/* after the unlock: no tail call, the frame stays */
	st->acquisitions++;
	st->hold_ns += (uint64_t)(released - acquired);
}

#define LOCK_SITE(name, s)							\
	static LOCK_SITE_ATTR void name(struct lock_thread *t, bool leader)	\
	{									\
		lock_body(t, s, leader);					\
	}

LOCK_SITE(lock_site_a, 0)
LOCK_SITE(lock_site_b, 1)
LOCK_SITE(lock_site_c, 2)
LOCK_SITE(lock_site_d, 3)

typedef void (*lock_site_fn)(struct lock_thread *t, bool leader);

static lock_site_fn const lock_sites[LOCK_MAX_SITES] = {
	lock_site_a, lock_site_b, lock_site_c, lock_site_d,
};

/* Thread 0 decides whether the next round runs; whole rounds only, so no thread is left
 * waiting at a barrier the others never reach. */
static bool lock_round_runs(void)
{
	uint64_t per_round = (uint64_t)cfg.threads * (uint64_t)cfg.nsites;

	if (workload_stopping())
		return false;
	return !cfg.max_units || lock_rounds * per_round < cfg.max_units;
}

/* A round: a gate (thread 0 publishes its decision before it, everyone reads it after), then
 * every site once per thread.  Thread 0 cannot write the next decision before every thread
 * has read this one: the site barriers in between need all of them. */
static __attribute__((noinline)) void lock_worker(struct lock_thread *t)
{
	for (uint64_t round = 0;; round++) {
		if (t->index == 0) {
			bool go = lock_round_runs();

			lock_rounds += go;
			__atomic_store_n(&lock_go, go, __ATOMIC_RELAXED);
		}
		pthread_barrier_wait(&lock_barrier);
		if (!__atomic_load_n(&lock_go, __ATOMIC_RELAXED))
			return;
		for (int s = 0; s < cfg.nsites; s++) {
			lock_sites[s](t, (round + (uint64_t)s) % (uint64_t)cfg.threads ==
					 (uint64_t)t->index);
			t->units++;
			tare_units_add(lock_units, t->slot, 1);
		}
	}
}

static void *lock_thread_main(void *arg)
{
	struct lock_thread *t = arg;

	t->slot = tare_units_slot(lock_units);
	prctl(PR_SET_TIMERSLACK, 1UL);	/* the default 50 us would lengthen every sleeping hold */
	lock_worker(t);
	return NULL;
}

static void lock_usage(FILE *f)
{
	fprintf(f,
		"usage: lock [options]\n"
		"Contend on pthread mutexes at non-inlined sites with known holds; print the truth\n"
		"as JSON.\n"
		"\n"
		"  --threads N            contending threads (default 2, at least 2; thread 0 is the\n"
		"                         main thread)\n"
		"  --hold-us A,B,...      hold per acquisition in microseconds at lock_site_a,\n"
		"                         lock_site_b, lock_site_c, lock_site_d: 1 to 4 integers in\n"
		"                         [1, 1000000] (default 200,50)\n"
		"  --hold-mode sleep|spin hold asleep (default: no CPU needed, so a loaded machine\n"
		"                         cannot preempt the holder) or spinning on-CPU\n"
		"  --duration SECONDS     stop after this long (default: until SIGTERM/SIGINT)\n"
		"  --units N              stop after the round that reaches N acquisitions\n"
		"  --help                 this text\n"
		"\n"
		"Each round, at each site, a rotating leader takes the mutex and holds it until all\n"
		"the others have failed their trylock, so each site has threads-1 contentions per\n"
		"round, each waiting at least hold-us.  One unit = one acquisition, reported to tare\n"
		"through TARE_UNITS_FD.\n"
		"At exit one JSON line on stdout: per site acquisitions, contentions, wait_ns,\n"
		"wait_max_ns, hold_ns; totals; shares (contentions, delay).\n");
}

static void lock_parse_holds(const char *arg)
{
	uint64_t v[LOCK_MAX_SITES];
	int n = workload_arg_list("--hold-us", arg, 1, LOCK_MAX_HOLD_US, v, LOCK_MAX_SITES,
				  "1 to 4 comma-separated microseconds in [1, 1000000]");

	for (int i = 0; i < n; i++)
		cfg.hold_us[i] = (uint32_t)v[i];
	cfg.nsites = n;
}

enum { OPT_HOLD = WORKLOAD_OPT_OWN, OPT_HOLD_MODE };

static void lock_parse_opt(int c, const char *arg)
{
	if (workload_common_opt(c, arg, 2, LOCK_MAX_THREADS, &cfg.threads, &cfg.duration_s,
				&cfg.max_units))
		return;
	switch (c) {
	case OPT_HOLD:
		lock_parse_holds(arg);
		break;
	case OPT_HOLD_MODE:
		if (strcmp(arg, "sleep") && strcmp(arg, "spin"))
			workload_bad_arg("--hold-mode", arg, "sleep or spin");
		cfg.hold_sleep = !strcmp(arg, "sleep");
		break;
	}
}

static void lock_parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hold-us",  required_argument, NULL, OPT_HOLD },
		{ "hold-mode", required_argument, NULL, OPT_HOLD_MODE },
		WORKLOAD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 },
	};

	cfg = (struct lock_config){ .threads = 2, .nsites = 2, .hold_us = { 200, 50 },
				    .hold_sleep = true };
	workload_parse_args(argc, argv, opts, WORKLOAD_OPT_HELP, lock_usage, lock_parse_opt);
}

static void lock_sum(const struct lock_thread *t, struct lock_site_stats *sum,
		     struct lock_site_stats *total, uint64_t *units)
{
	for (int k = 0; k < cfg.threads; k++) {
		*units += t[k].units;
		for (int s = 0; s < cfg.nsites; s++) {
			const struct lock_site_stats *st = &t[k].site[s];

			sum[s].acquisitions += st->acquisitions;
			sum[s].contentions += st->contentions;
			sum[s].wait_ns += st->wait_ns;
			sum[s].hold_ns += st->hold_ns;
			if (st->wait_max_ns > sum[s].wait_max_ns)
				sum[s].wait_max_ns = st->wait_max_ns;
		}
	}
	for (int s = 0; s < cfg.nsites; s++) {
		total->acquisitions += sum[s].acquisitions;
		total->contentions += sum[s].contentions;
		total->wait_ns += sum[s].wait_ns;
		total->hold_ns += sum[s].hold_ns;
		if (sum[s].wait_max_ns > total->wait_max_ns)
			total->wait_max_ns = sum[s].wait_max_ns;
	}
}

static void lock_print_stats(const struct lock_site_stats *st)
{
	printf("\"acquisitions\":%llu,\"contentions\":%llu,\"wait_ns\":%llu,\"wait_max_ns\":%llu,"
	       "\"hold_ns\":%llu", (unsigned long long)st->acquisitions,
	       (unsigned long long)st->contentions, (unsigned long long)st->wait_ns,
	       (unsigned long long)st->wait_max_ns, (unsigned long long)st->hold_ns);
}

/* The lock profile's two sample types, as pprof names them: contentions and delay (ns). */
static void lock_print_shares(const struct lock_site_stats *sum,
			      const struct lock_site_stats *total)
{
	printf("\"shares\":{\"contentions\":{");
	for (int s = 0; s < cfg.nsites; s++)
		printf("%s\"%s\":%.6f", s ? "," : "", lock_site_names[s], total->contentions ?
		       (double)sum[s].contentions / (double)total->contentions : 0.0);
	printf("},\"delay\":{");
	for (int s = 0; s < cfg.nsites; s++)
		printf("%s\"%s\":%.6f", s ? "," : "", lock_site_names[s], total->wait_ns ?
		       (double)sum[s].wait_ns / (double)total->wait_ns : 0.0);
	printf("}}");
}

static void lock_print_truth(const struct lock_thread *t)
{
	struct lock_site_stats sum[LOCK_MAX_SITES] = { { 0 } }, total = { 0 };
	uint64_t units = 0;

	lock_sum(t, sum, &total, &units);
	workload_truth_begin(cfg.threads, units);
	printf(",\"rounds\":%llu,\"hold_mode\":\"%s\",\"sites\":{",
	       (unsigned long long)lock_rounds, cfg.hold_sleep ? "sleep" : "spin");
	for (int s = 0; s < cfg.nsites; s++) {
		printf("%s\"%s\":{\"hold_us\":%u,", s ? "," : "", lock_site_names[s],
		       cfg.hold_us[s]);
		lock_print_stats(&sum[s]);
		printf("}");
	}
	printf("},\"totals\":{");
	lock_print_stats(&total);
	printf("},");
	lock_print_shares(sum, &total);
	workload_truth_end();
}

/* Thread 0 runs on the main thread so its stacks are main -> lock_worker -> lock_site_*.  A
 * thread that cannot start leaves the barrier short of a member: report it and exit before
 * anyone waits at it. */
int main(int argc, char **argv)
{
	struct lock_thread *t;

	lock_parse_args(argc, argv);
	workload_catch_stop_signals(0);
	lock_units = tare_units_open("acquisitions");
	t = workload_threads_alloc(sizeof(*t), cfg.threads);
	pthread_barrier_init(&lock_barrier, NULL, (unsigned)cfg.threads);
	for (int k = 1; k < cfg.threads; k++) {
		t[k].index = k;
		if (workload_thread_start(&t[k].tid, lock_thread_main, &t[k], k, cfg.threads))
			exit(1);
	}
	workload_arm_duration(cfg.duration_s);
	t[0].slot = tare_units_slot(lock_units);
	prctl(PR_SET_TIMERSLACK, 1UL);
	lock_worker(&t[0]);
	for (int k = 1; k < cfg.threads; k++)
		pthread_join(t[k].tid, NULL);
	lock_print_truth(t);
	pthread_barrier_destroy(&lock_barrier);
	free(t);
	return 0;
}
