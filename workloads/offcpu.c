/* offcpu.c — the ground-truth off-CPU workload.
 *
 * N threads block at distinct, never-inlined sites in known ways, and time every block
 * themselves (CLOCK_MONOTONIC around it), so that an off-CPU profiler (time blocked per stack,
 * from sched_switch) can be held against the truth:
 *
 *	site         blocks in                                       for (default)
 *	sleep_site   clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)  --sleep-us (1000)
 *	pipe_site    read() on a pipe its helper thread writes to     --pipe-us  (500)
 *	futex_site   futex(FUTEX_WAIT_BITSET) with a deadline         --futex-us (250)
 *
 * Each thread goes round the sites, doing --work-us of on-CPU work before each block.  Every
 * deadline is absolute and taken before the block starts (the pipe's helper sleeps until it
 * before writing), so each measured block lasts at least its duration, exactly; what it lasts
 * beyond that is wake-up latency.  Each thread sets its timer slack to 1 ns: the default 50 µs
 * would lengthen every timed block by up to 50 µs.
 *
 * Each worker thread has its own helper thread (offcpu_helper) for pipe_site; the helper's own
 * blocking (waiting for a request, sleeping to the deadline) is off-CPU time in no site's
 * stack.  The shares are among the sites, so a validator counts the stacks holding a site.
 *
 * One unit is one blocking call (a "block"), reported through tare_units.h; --units N stops
 * after exactly N of them.  A stop signal lets the block in progress finish (at most its
 * duration).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WORKLOAD_NAME "offcpu"
#include "tare_units.h"
#include "workload.h"

#define OFFCPU_NSITES		3
#define OFFCPU_MAX_THREADS	64
#define OFFCPU_MAX_US		10000000	/* 10 s per block, per work slice */

/* noipa (GCC) is noinline + noclone + no identical-code folding: each site keeps its own
 * symbol in every stack.  clang has no noipa and folds nothing unless asked. */
#if defined(__has_attribute) && __has_attribute(noipa)
#define OFFCPU_FN __attribute__((noipa))
#else
#define OFFCPU_FN __attribute__((noinline))
#endif

enum offcpu_site_id { SITE_SLEEP, SITE_PIPE, SITE_FUTEX };

struct offcpu_config {
	int threads;
	uint32_t block_us[OFFCPU_NSITES];	/* 0: the site is skipped */
	uint32_t work_us;
	uint32_t long_us;			/* calls this long or longer are also summed apart */
	uint64_t max_units;			/* 0: no limit */
	double duration_s;			/* 0: until SIGTERM/SIGINT */
};

struct offcpu_site_stats {
	uint64_t count;
	uint64_t blocked_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t long_count;			/* calls of at least --long-us */
	uint64_t long_ns;
};

struct offcpu_thread {
	pthread_t tid;
	pthread_t helper;
	int index;
	int slot;
	int data_fd[2];			/* the helper writes a byte, pipe_site reads it */
	int request_fd[2];		/* pipe_site sends the helper its deadline */
	uint32_t futex_word;		/* never changes: every futex wait times out */
	uint64_t units;
	struct offcpu_site_stats site[OFFCPU_NSITES];
	int64_t cpu_ns;			/* the worker's own CPU time */
	int64_t wall_ns;
	int64_t voluntary_switches;	/* context switches the worker's blocks caused */
} __attribute__((aligned(64)));		/* no false sharing between threads */

static struct offcpu_config cfg;
static struct tare_units *offcpu_units;
static uint64_t offcpu_units_claimed;		/* only used with --units */

static const char *const offcpu_site_names[OFFCPU_NSITES] = {
	"sleep_site", "pipe_site", "futex_site",
};

static const char *const offcpu_site_calls[OFFCPU_NSITES] = {
	"clock_nanosleep", "read", "futex",
};

static int64_t offcpu_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t offcpu_now_ns(void)
{
	return offcpu_clock_ns(CLOCK_MONOTONIC);
}

static struct timespec offcpu_timespec(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

/* The "via" functions put one frame between a site and libc.  glibc is built without frame
 * pointers and its syscall wrappers leave rbp alone, so a frame-pointer unwinder stopped at
 * the syscall goes from libc straight to the frame *above* its caller: the caller's return
 * address is on the stack but not in the chain.  It is this frame that vanishes, and the site
 * stays in the stack.  (An unwinder using .eh_frame sees both.)  The code after each call
 * keeps it from being a tail call, which would drop the frame. */

/* Sleeps to the absolute deadline; a signal (EINTR) resumes the same sleep. */
static OFFCPU_FN void offcpu_via_clock_nanosleep(int64_t deadline)
{
	struct timespec ts = offcpu_timespec(deadline);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		continue;
	asm volatile("" ::: "memory");
}

static OFFCPU_FN ssize_t offcpu_via_read(int fd, void *buf, size_t n)
{
	ssize_t got;

	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	asm volatile("" ::: "memory");
	return got;
}

/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline (plain FUTEX_WAIT a relative
 * one), so a wait resumed after a signal still ends on time. */
static OFFCPU_FN void offcpu_via_futex(uint32_t *word, int64_t deadline)
{
	struct timespec ts = offcpu_timespec(deadline);

	while (syscall(SYS_futex, word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &ts, NULL,
		       FUTEX_BITSET_MATCH_ANY) != 0 && errno != ETIMEDOUT)
		continue;	/* EINTR, or a spurious wake-up (EAGAIN cannot happen: 0 stays) */
	asm volatile("" ::: "memory");
}

static void offcpu_record(struct offcpu_site_stats *st, int64_t t0, int64_t t1)
{
	uint64_t ns = (uint64_t)(t1 - t0);

	if (!st->count || ns < st->min_ns)
		st->min_ns = ns;
	if (ns > st->max_ns)
		st->max_ns = ns;
	st->count++;
	st->blocked_ns += ns;
	if (ns >= (uint64_t)cfg.long_us * 1000) {
		st->long_count++;
		st->long_ns += ns;
	}
}

static OFFCPU_FN void sleep_site(struct offcpu_thread *t)
{
	int64_t t0 = offcpu_now_ns();

	offcpu_via_clock_nanosleep(t0 + (int64_t)cfg.block_us[SITE_SLEEP] * 1000);
	offcpu_record(&t->site[SITE_SLEEP], t0, offcpu_now_ns());
}

/* The deadline is taken before the request is written, so the block (which includes the
 * write, a few µs) lasts at least pipe-us even if this thread is preempted in between. */
static OFFCPU_FN void pipe_site(struct offcpu_thread *t)
{
	int64_t t0 = offcpu_now_ns(), deadline = t0 + (int64_t)cfg.block_us[SITE_PIPE] * 1000;
	char byte;

	if (write(t->request_fd[1], &deadline, sizeof(deadline)) != sizeof(deadline) ||
	    offcpu_via_read(t->data_fd[0], &byte, 1) != 1) {
		fprintf(stderr, "offcpu: pipe to the helper thread: %s\n", strerror(errno));
		exit(1);
	}
	offcpu_record(&t->site[SITE_PIPE], t0, offcpu_now_ns());
}

static OFFCPU_FN void futex_site(struct offcpu_thread *t)
{
	int64_t t0 = offcpu_now_ns();

	offcpu_via_futex(&t->futex_word, t0 + (int64_t)cfg.block_us[SITE_FUTEX] * 1000);
	offcpu_record(&t->site[SITE_FUTEX], t0, offcpu_now_ns());
}

typedef void (*offcpu_site_fn)(struct offcpu_thread *t);

static offcpu_site_fn const offcpu_sites[OFFCPU_NSITES] = { sleep_site, pipe_site, futex_site };

/* On-CPU work between blocks, spun on the wall clock like a request's processing. */
static OFFCPU_FN void offcpu_work(void)
{
	int64_t end = offcpu_now_ns() + (int64_t)cfg.work_us * 1000;

	while (offcpu_now_ns() < end)
		asm volatile("" ::: "memory");
}

/* Serves pipe_site: each request is a deadline; sleep to it, then write one byte.  EOF on the
 * request pipe (the worker is done) ends it. */
static void *offcpu_helper(void *arg)
{
	struct offcpu_thread *t = arg;
	int64_t deadline;
	char byte = 1;

	prctl(PR_SET_TIMERSLACK, 1UL);
	while (offcpu_via_read(t->request_fd[0], &deadline, sizeof(deadline)) ==
	       sizeof(deadline)) {
		offcpu_via_clock_nanosleep(deadline);
		if (write(t->data_fd[1], &byte, 1) != 1)
			break;
	}
	return NULL;
}

static int64_t offcpu_voluntary_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw;
}

static OFFCPU_FN void offcpu_worker(struct offcpu_thread *t)
{
	int64_t wall0 = offcpu_now_ns(), cpu0 = offcpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	int64_t switches0 = offcpu_voluntary_switches();

	prctl(PR_SET_TIMERSLACK, 1UL);
	for (;;) {
		for (int s = 0; s < OFFCPU_NSITES; s++) {
			if (!cfg.block_us[s])
				continue;
			if (!workload_claim_unit(&offcpu_units_claimed, cfg.max_units))
				goto done;
			if (cfg.work_us)
				offcpu_work();
			offcpu_sites[s](t);
			t->units++;
			tare_units_add(offcpu_units, t->slot, 1);
		}
	}
done:
	t->voluntary_switches = offcpu_voluntary_switches() - switches0;
	t->cpu_ns = offcpu_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	t->wall_ns = offcpu_now_ns() - wall0;
}

static void *offcpu_thread_main(void *arg)
{
	struct offcpu_thread *t = arg;

	t->slot = tare_units_slot(offcpu_units);
	offcpu_worker(t);
	return NULL;
}

static void offcpu_usage(FILE *f)
{
	fprintf(f,
		"usage: offcpu [options]\n"
		"Block at non-inlined sites for known times; print the truth as JSON.\n"
		"\n"
		"  --threads N            blocking threads (default 1; thread 0 is the main thread),\n"
		"                         each with a helper thread for pipe_site\n"
		"  --sleep-us N           sleep_site: clock_nanosleep for N us (default 1000)\n"
		"  --pipe-us N            pipe_site: read a pipe the helper writes after N us\n"
		"                         (default 500)\n"
		"  --futex-us N           futex_site: futex wait timing out after N us (default 250)\n"
		"                         (0 skips a site; at least one must block)\n"
		"  --work-us N            on-CPU work before each block, in us (default 50)\n"
		"  --long-us N            also sum apart the calls that took at least N us\n"
		"                         (long_count, long_ns: what a minimum block time of N us\n"
		"                         may keep; default 0, every call)\n"
		"  --duration SECONDS     stop after this long (default: until SIGTERM/SIGINT)\n"
		"  --units N              stop after N blocking calls in total, over all threads\n"
		"  --help                 this text\n"
		"\n"
		"One unit = one blocking call, reported to tare through TARE_UNITS_FD.\n"
		"At exit one JSON line on stdout: per site count, blocked_ns, min_ns, max_ns,\n"
		"long_count, long_ns;\n"
		"blocked_ns, cpu_ns, wall_ns, voluntary_switches; shares (offcpu: of blocked\n"
		"time, blocks: of blocking calls).\n");
}

static uint32_t offcpu_parse_us(const char *opt, const char *arg)
{
	uint64_t v;

	if (!parse_u64(arg, 0, OFFCPU_MAX_US, &v))
		workload_bad_arg(opt, arg, "microseconds in [0, 10000000]");
	return (uint32_t)v;
}

enum { OPT_SLEEP = WORKLOAD_OPT_OWN, OPT_PIPE, OPT_FUTEX, OPT_WORK, OPT_LONG };

static void offcpu_parse_opt(int c, const char *arg)
{
	if (workload_common_opt(c, arg, 1, OFFCPU_MAX_THREADS, &cfg.threads, &cfg.duration_s,
				&cfg.max_units))
		return;
	switch (c) {
	case OPT_SLEEP:
		cfg.block_us[SITE_SLEEP] = offcpu_parse_us("--sleep-us", arg);
		break;
	case OPT_PIPE:
		cfg.block_us[SITE_PIPE] = offcpu_parse_us("--pipe-us", arg);
		break;
	case OPT_FUTEX:
		cfg.block_us[SITE_FUTEX] = offcpu_parse_us("--futex-us", arg);
		break;
	case OPT_WORK:
		cfg.work_us = offcpu_parse_us("--work-us", arg);
		break;
	case OPT_LONG:
		cfg.long_us = offcpu_parse_us("--long-us", arg);
		break;
	}
}

static void offcpu_parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sleep-us", required_argument, NULL, OPT_SLEEP },
		{ "pipe-us",  required_argument, NULL, OPT_PIPE },
		{ "futex-us", required_argument, NULL, OPT_FUTEX },
		{ "work-us",  required_argument, NULL, OPT_WORK },
		{ "long-us",  required_argument, NULL, OPT_LONG },
		WORKLOAD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 },
	};

	cfg = (struct offcpu_config){ .threads = 1, .block_us = { 1000, 500, 250 },
				      .work_us = 50 };
	workload_parse_args(argc, argv, opts, WORKLOAD_OPT_HELP, offcpu_usage, offcpu_parse_opt);
	if (!cfg.block_us[SITE_SLEEP] && !cfg.block_us[SITE_PIPE] && !cfg.block_us[SITE_FUTEX]) {
		fprintf(stderr, "offcpu: --sleep-us, --pipe-us and --futex-us are all 0: "
			"at least one site must block (see offcpu --help)\n");
		exit(2);
	}
}

/* The helper's pipes and thread.  Returns an error message, or NULL. */
static const char *offcpu_helper_start(struct offcpu_thread *t)
{
	int err;

	if (pipe2(t->data_fd, O_CLOEXEC) || pipe2(t->request_fd, O_CLOEXEC))
		return strerror(errno);
	err = pthread_create(&t->helper, NULL, offcpu_helper, t);
	return err ? strerror(err) : NULL;
}

/* Closing the request pipe is the helper's EOF. */
static void offcpu_helper_stop(struct offcpu_thread *t)
{
	close(t->request_fd[1]);
	pthread_join(t->helper, NULL);
	close(t->request_fd[0]);
	close(t->data_fd[0]);
	close(t->data_fd[1]);
}

/* "name":{"site":share,...}: of blocked time ("offcpu") or of blocking calls ("blocks"). */
static void offcpu_print_share(const char *name, const struct offcpu_site_stats *sum,
			       uint64_t total, bool of_time)
{
	printf("\"%s\":{", name);
	for (int s = 0; s < OFFCPU_NSITES; s++)
		printf("%s\"%s\":%.6f", s ? "," : "", offcpu_site_names[s], total ?
		       (double)(of_time ? sum[s].blocked_ns : sum[s].count) / (double)total : 0.0);
	printf("}");
}

static void offcpu_print_truth(const struct offcpu_thread *t)
{
	struct offcpu_site_stats sum[OFFCPU_NSITES] = { { 0 } };
	uint64_t units = 0, blocked = 0, count = 0;
	int64_t cpu = 0, wall = 0, switches = 0;

	for (int k = 0; k < cfg.threads; k++) {
		units += t[k].units;
		cpu += t[k].cpu_ns;
		wall += t[k].wall_ns;
		switches += t[k].voluntary_switches;
		for (int s = 0; s < OFFCPU_NSITES; s++) {
			const struct offcpu_site_stats *st = &t[k].site[s];

			if (st->count && (!sum[s].count || st->min_ns < sum[s].min_ns))
				sum[s].min_ns = st->min_ns;
			if (st->max_ns > sum[s].max_ns)
				sum[s].max_ns = st->max_ns;
			sum[s].count += st->count;
			sum[s].blocked_ns += st->blocked_ns;
			sum[s].long_count += st->long_count;
			sum[s].long_ns += st->long_ns;
		}
	}
	for (int s = 0; s < OFFCPU_NSITES; s++) {
		blocked += sum[s].blocked_ns;
		count += sum[s].count;
	}
	workload_truth_begin(cfg.threads, units);
	printf(",\"work_us\":%u,\"long_us\":%u,\"sites\":{", cfg.work_us, cfg.long_us);
	for (int s = 0; s < OFFCPU_NSITES; s++)
		printf("%s\"%s\":{\"call\":\"%s\",\"block_us\":%u,\"count\":%llu,\"blocked_ns\":%llu,"
		       "\"min_ns\":%llu,\"max_ns\":%llu,\"long_count\":%llu,\"long_ns\":%llu}",
		       s ? "," : "", offcpu_site_names[s], offcpu_site_calls[s], cfg.block_us[s],
		       (unsigned long long)sum[s].count, (unsigned long long)sum[s].blocked_ns,
		       (unsigned long long)sum[s].min_ns, (unsigned long long)sum[s].max_ns,
		       (unsigned long long)sum[s].long_count, (unsigned long long)sum[s].long_ns);
	printf("},\"count\":%llu,\"blocked_ns\":%llu,\"cpu_ns\":%lld,\"wall_ns\":%lld,"
	       "\"voluntary_switches\":%lld,\"shares\":{", (unsigned long long)count,
	       (unsigned long long)blocked, (long long)cpu, (long long)wall, (long long)switches);
	offcpu_print_share("offcpu", sum, blocked, true);
	printf(",");
	offcpu_print_share("blocks", sum, count, false);
	printf("}");
	workload_truth_end();
}

static struct offcpu_thread *offcpu_threads_start(void)
{
	struct offcpu_thread *t = workload_threads_alloc(sizeof(*t), cfg.threads);

	for (int k = 0; k < cfg.threads; k++) {
		const char *err = offcpu_helper_start(&t[k]);
		int rc = 0;

		t[k].index = k;
		if (!err && k > 0 && (rc = pthread_create(&t[k].tid, NULL, offcpu_thread_main,
							  &t[k])))
			err = strerror(rc);
		if (err) {	/* the threads started so far block for at most 10 s: just exit */
			fprintf(stderr, "offcpu: starting thread %d of %d: %s\n", k + 1,
				cfg.threads, err);
			exit(1);
		}
	}
	return t;
}

int main(int argc, char **argv)
{
	struct offcpu_thread *t;

	offcpu_parse_args(argc, argv);
	/* SA_RESTART: a stop signal must not cut a pipe read or write short. */
	workload_catch_stop_signals(SA_RESTART);
	offcpu_units = tare_units_open("blocks");	/* one blocking call */
	t = offcpu_threads_start();
	workload_arm_duration(cfg.duration_s);
	/* Thread 0 runs on the main thread so its stacks are main -> offcpu_worker -> *_site. */
	t[0].slot = tare_units_slot(offcpu_units);
	offcpu_worker(&t[0]);
	for (int k = 1; k < cfg.threads; k++)
		pthread_join(t[k].tid, NULL);
	for (int k = 0; k < cfg.threads; k++)
		offcpu_helper_stop(&t[k]);
	offcpu_print_truth(t);
	free(t);
	return 0;
}
