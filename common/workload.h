/* workload.h — the command line, stop and truth-line conventions the workloads share, and
 * the CPU kernel that cpu and server spend their measured time in.
 *
 * Each workload is one program from one file (the Makefile builds workloads/NAME.c with
 * -Icommon), and all of them speak alike: a bad argument is one line naming the program,
 * the option and what it expected, and exit 2 (tare's EXIT_USAGE).  The ground-truth
 * workloads (cpu, alloc, lock, offcpu) and stacks also share a stop flag, set by SIGTERM,
 * SIGINT and --duration's timer, their threads' start, and (the first four) the opening of the
 * JSON truth line they print at exit; server and replay take their signals on a signalfd
 * instead.  The including file names itself first:
 *
 *	#define WORKLOAD_NAME "cpu"		// in every message: "cpu: ... (see cpu --help)"
 *	#include "workload.h"
 *
 * Header-only and static inline, like tare_units.h: a program that needs only some of it
 * builds warning-free.  inject-sidecar (profilers/inject/) uses it too.
 */
#ifndef TARE_WORKLOAD_H
#define TARE_WORKLOAD_H

#ifndef WORKLOAD_NAME
#error "define WORKLOAD_NAME (the program's name, for its messages) before including workload.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "parse.h"

#define WORKLOAD_EXIT_USAGE 2	/* tare's EXIT_USAGE: a bad command line */

/* "NAME: OPT ARG: expected EXPECTED (see NAME --help)" on stderr, and exit 2. */
static inline void __attribute__((noreturn)) workload_bad_arg(const char *opt, const char *arg,
							      const char *expected)
{
	fprintf(stderr, WORKLOAD_NAME ": %s %s: expected %s (see " WORKLOAD_NAME " --help)\n",
		opt, arg, expected);
	exit(WORKLOAD_EXIT_USAGE);
}

/* The workload_arg_* return an option's value, or exit through workload_bad_arg. */

/* OPT's ARG as parse_u64 reads it, or "expected NOUN in [MIN, MAX]" ("a whole number"). */
static inline uint64_t workload_arg_u64(const char *opt, const char *arg, uint64_t min,
					uint64_t max, const char *noun)
{
	char expected[80];
	uint64_t v;

	if (!parse_u64(arg, min, max, &v)) {
		snprintf(expected, sizeof(expected), "%s in [%llu, %llu]", noun,
			 (unsigned long long)min, (unsigned long long)max);
		workload_bad_arg(opt, arg, expected);
	}
	return v;
}

/* "expected an integer in [MIN, MAX]". */
static inline uint64_t workload_arg_int(const char *opt, const char *arg, uint64_t min,
					uint64_t max)
{
	return workload_arg_u64(opt, arg, min, max, "an integer");
}

/* OPT's ARG as 1 to maxn comma-separated integers in [min, max], into out[]; their count, or
 * exit through workload_bad_arg with "expected WHAT".  An empty field ("70,,30", a leading or
 * trailing comma) is an error, not skipped as strtok would. */
static inline int workload_arg_list(const char *opt, const char *arg, uint64_t min, uint64_t max,
				    uint64_t *out, int maxn, const char *what)
{
	const char *p = arg;
	int n = 0;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char field[32];

		if (n == maxn || len == 0 || len >= sizeof(field))
			workload_bad_arg(opt, arg, what);
		memcpy(field, p, len);
		field[len] = '\0';
		if (!parse_u64(field, min, max, &out[n++]))
			workload_bad_arg(opt, arg, what);
		if (!comma)
			return n;
		p = comma + 1;
	}
}

/* --duration SECONDS: a number in (0, 1e7]. */
static inline double workload_arg_duration(const char *arg)
{
	double s;

	if (!parse_number(arg, 0, 1e7, &s) || !(s > 0))
		workload_bad_arg("--duration", arg, "a number of seconds in (0, 1e7]");
	return s;
}

/* --units N: a positive integer (at most 2^63 - 1, so the claim counters cannot wrap). */
static inline uint64_t workload_arg_units(const char *arg)
{
	uint64_t n;

	if (!parse_u64(arg, 1, UINT64_MAX / 2, &n))
		workload_bad_arg("--units", arg, "a positive integer");
	return n;
}

/* getopt_long with the workloads' conventions (optstring ":" and opterr = 0, so every message
 * is ours): the next option's val, or -1 after the last.  A missing value, an unknown option
 * or a leftover non-option argument is one line on stderr and exit 2. */
static inline int workload_getopt(int argc, char **argv, const struct option *opts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, ":", opts, NULL);
	if (c == ':' || c == '?') {
		fprintf(stderr, WORKLOAD_NAME ": %s: %s (see " WORKLOAD_NAME " --help)\n",
			argv[optind - 1], c == ':' ? "expected a value" : "unknown option");
		exit(WORKLOAD_EXIT_USAGE);
	}
	if (c == -1 && optind < argc) {
		fprintf(stderr, WORKLOAD_NAME ": %s: unexpected argument (see " WORKLOAD_NAME
			" --help)\n", argv[optind]);
		exit(WORKLOAD_EXIT_USAGE);
	}
	return c;
}

/* The options every truth workload takes have these vals: a workload numbers its own from
 * WORKLOAD_OPT_OWN and ends its table with WORKLOAD_COMMON_OPTS. */
enum { WORKLOAD_OPT_THREADS = 1, WORKLOAD_OPT_DURATION, WORKLOAD_OPT_UNITS, WORKLOAD_OPT_HELP,
       WORKLOAD_OPT_OWN };
#define WORKLOAD_COMMON_OPTS							\
	{ "threads",  required_argument, NULL, WORKLOAD_OPT_THREADS },		\
	{ "duration", required_argument, NULL, WORKLOAD_OPT_DURATION },		\
	{ "units",    required_argument, NULL, WORKLOAD_OPT_UNITS },		\
	{ "help",     no_argument,       NULL, WORKLOAD_OPT_HELP }

/* --threads (in [min_threads, max_threads]), --duration and --units into the workload's
 * configuration; false for any other option, which is the workload's own. */
static inline bool workload_common_opt(int c, const char *arg, int min_threads, int max_threads,
				       int *threads, double *duration_s, uint64_t *max_units)
{
	switch (c) {
	case WORKLOAD_OPT_THREADS:
		*threads = (int)workload_arg_int("--threads", arg, (uint64_t)min_threads,
						 (uint64_t)max_threads);
		return true;
	case WORKLOAD_OPT_DURATION:
		*duration_s = workload_arg_duration(arg);
		return true;
	case WORKLOAD_OPT_UNITS:
		*max_units = workload_arg_units(arg);
		return true;
	}
	return false;
}

/* The whole command line through workload_getopt: --help (the option whose val is help_val)
 * prints usage to stdout and exits 0; every other option goes to parse_opt with its value. */
static inline void workload_parse_args(int argc, char **argv, const struct option *opts,
				       int help_val, void (*usage)(FILE *f),
				       void (*parse_opt)(int c, const char *arg))
{
	int c;

	while ((c = workload_getopt(argc, argv, opts)) != -1) {
		if (c == help_val) {
			usage(stdout);
			exit(0);
		}
		parse_opt(c, optarg);
	}
}

/* The stop flag: set by the stop signals and by a thread that reaches --units; every thread
 * polls it.  Accessed with relaxed atomics only, which are lock-free and so signal-safe. */
static int workload_stop_flag __attribute__((unused));

static inline bool workload_stopping(void)
{
	return __atomic_load_n(&workload_stop_flag, __ATOMIC_RELAXED);
}

static inline void workload_stop(void)
{
	__atomic_store_n(&workload_stop_flag, 1, __ATOMIC_RELAXED);
}

/* The stop signals' handler. */
static inline void workload_on_signal(int sig)
{
	(void)sig;
	workload_stop();
}

/* SIGTERM, SIGINT and SIGALRM (--duration's timer) set the stop flag.  sa_flags: 0, or
 * SA_RESTART where a stop must not cut a read or write short. */
static inline void workload_catch_stop_signals(int sa_flags)
{
	struct sigaction sa = { .sa_handler = workload_on_signal, .sa_flags = sa_flags };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

/* --duration: a one-shot real-time timer whose SIGALRM sets the stop flag; 0 arms nothing. */
static inline void workload_arm_duration(double seconds)
{
	struct itimerval it = { 0 };
	double whole;

	if (!seconds)
		return;
	it.it_value.tv_usec = (suseconds_t)(modf(seconds, &whole) * 1e6);
	it.it_value.tv_sec = (time_t)whole;
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Claims one unit of work: false once stopping.  With --units N (max_units; 0: no limit) the
 * threads claim from one shared counter, so the total is exactly N, and the first claim past
 * N stops them all. */
static inline bool workload_claim_unit(uint64_t *claimed, uint64_t max_units)
{
	if (workload_stopping())
		return false;
	if (!max_units)
		return true;
	if (__atomic_fetch_add(claimed, 1, __ATOMIC_RELAXED) < max_units)
		return true;
	workload_stop();
	return false;
}

/* The per-thread records of n threads, zeroed, each size bytes (a multiple of 64: they are
 * declared aligned(64), so no two threads share a cache line).  Out of memory: one line, exit 1. */
static inline void *workload_threads_alloc(size_t size, int n)
{
	void *t = aligned_alloc(64, size * (size_t)n);

	if (!t) {
		fprintf(stderr, WORKLOAD_NAME ": out of memory for %d threads\n", n);
		exit(1);
	}
	memset(t, 0, size * (size_t)n);
	return t;
}

/* pthread_create for thread k (from 0) of n: 0, or after one line on stderr -1 with the stop
 * flag set, so the threads already started finish their unit and return. */
static inline int workload_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg, int k,
					int n)
{
	int err = pthread_create(tid, NULL, fn, arg);

	if (!err)
		return 0;
	fprintf(stderr, WORKLOAD_NAME ": pthread_create (thread %d of %d): %s\n", k + 1, n,
		strerror(err));
	workload_stop();
	return -1;
}

/* The truth line's opening, the same in every workload: {"workload":NAME,"threads":T,"units":U
 * (the caller goes on with ",\"field\":..."). */
static inline void workload_truth_begin(int threads, uint64_t units)
{
	printf("{\"workload\":\"" WORKLOAD_NAME "\",\"threads\":%d,\"units\":%llu", threads,
	       (unsigned long long)units);
}

/* Closes the truth line and flushes it, so it is out before any clean-up at exit. */
static inline void workload_truth_end(void)
{
	printf("}\n");
	fflush(stdout);
}

/* The kernel cpu and server spend their CPU in: a serially dependent xorshift + multiply chain.
 * It touches no memory and makes no calls, the compiler cannot vectorise or fold it, and its
 * cost per iteration is the same wherever it is expanded, so time is proportional to
 * iterations.  The state never becomes 0: both steps are bijections on non-zero 64-bit values.
 * always_inline: each caller gets its own copy of the loop (cpu's parts are distinct symbols). */
static inline __attribute__((always_inline)) uint64_t workload_kernel(uint64_t x, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		x *= 0x2545f4914f6cdd1dull;
	}
	return x;
}

#endif
