/* stacks.c — a workload of many distinct call paths, for the sampler's scaling bench.
 *
 * Sixteen never-inlined functions stk_f0 .. stk_f15 call one another along a *path*: a depth
 * (--min-depth to --max-depth) and the function to call at each level, all derived from
 * (--seed, path index) by splitmix64, so the same seed and index always give the same path.  A
 * unit of work walks one path — main -> worker -> stk_fA -> stk_fB -> ... -> stk_burn — and
 * spins --spin iterations at its end; paths are drawn uniformly from [0, --paths).  With 16
 * functions and depths of 6 or more there are over 16 million paths, so up to a million
 * indices give (almost) as many distinct stacks.  A sampler that takes k samples sees about
 * paths x (1 - exp(-k / paths)) distinct paths (times the few instruction addresses of
 * stk_burn's loop, where the sample lands).
 *
 * Frames: built with frame pointers (the Makefile), each call followed by an empty asm so the
 * compiler cannot turn it into a tail call that would drop the caller's frame.
 *
 * At exit one JSON line on stdout: {"workload":"stacks","threads":..,"units":..,"paths":..,
 * "seed":..,"min_depth":..,"max_depth":..}.  Units are reported through tare_units.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKLOAD_NAME "stacks"
#include "tare_units.h"
#include "workload.h"

#define STK_NFUNCS		16
#define STK_DEPTH_MAX		32
#define STK_MAX_THREADS		256

struct stk_config {
	int threads;
	uint64_t paths;
	uint64_t seed;
	int min_depth, max_depth;
	uint64_t spin;
	uint64_t max_units;
	double duration_s;
};

struct stk_walk {
	int depth;
	uint8_t fn[STK_DEPTH_MAX];
	uint64_t x;                  /* the spin's state, kept live */
};

struct stk_thread {
	pthread_t tid;
	int index, slot;
	uint64_t units;
	volatile uint64_t sink;
} __attribute__((aligned(64)));

static struct stk_config cfg;
static struct tare_units *stk_units;
static uint64_t stk_claimed;		/* only used with --units */

static inline uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Path i of the seed: its depth and the function at each level. */
static void stk_path(uint64_t i, struct stk_walk *w)
{
	uint64_t s = cfg.seed ^ (i * 0xd1b54a32d192ed03ull), r = splitmix64(&s);

	w->depth = cfg.min_depth + (int)(r % (uint64_t)(cfg.max_depth - cfg.min_depth + 1));
	for (int k = 0; k < w->depth; k += 16) {
		r = splitmix64(&s);
		for (int j = 0; j < 16 && k + j < w->depth; j++, r >>= 4)
			w->fn[k + j] = (uint8_t)(r & 15);
	}
}

static __attribute__((noinline)) void stk_burn(struct stk_walk *w)
{
	uint64_t x = w->x | 1;

	for (uint64_t i = 0; i < cfg.spin; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	w->x = x;
	asm volatile("" ::: "memory");
}

typedef void (*stk_fn)(struct stk_walk *w, int level);
static const stk_fn stk_fns[STK_NFUNCS];

/* Level `level` of the walk: call the next function, or burn at the end.  The asm after the
 * call keeps this frame on the stack (no tail call). */
#define STK_FN(n)								\
	static __attribute__((noinline)) void stk_f##n(struct stk_walk *w, int level) \
	{									\
		if (level + 1 < w->depth)					\
			stk_fns[w->fn[level + 1]](w, level + 1);		\
		else								\
			stk_burn(w);						\
		asm volatile("# stk_f" #n :: "r"(__builtin_frame_address(0)) : "memory"); \
	}

STK_FN(0) STK_FN(1) STK_FN(2) STK_FN(3) STK_FN(4) STK_FN(5) STK_FN(6) STK_FN(7)
STK_FN(8) STK_FN(9) STK_FN(10) STK_FN(11) STK_FN(12) STK_FN(13) STK_FN(14) STK_FN(15)

static const stk_fn stk_fns[STK_NFUNCS] = {
	stk_f0, stk_f1, stk_f2, stk_f3, stk_f4, stk_f5, stk_f6, stk_f7,
	stk_f8, stk_f9, stk_f10, stk_f11, stk_f12, stk_f13, stk_f14, stk_f15,
};

static __attribute__((noinline)) void worker(struct stk_thread *t)
{
	struct stk_walk w = { .x = 0x9e3779b97f4a7c15ull + (uint64_t)t->index };
	uint64_t pick = cfg.seed * 31 + (uint64_t)t->index + 1;

	while (workload_claim_unit(&stk_claimed, cfg.max_units)) {
		stk_path(splitmix64(&pick) % cfg.paths, &w);
		stk_fns[w.fn[0]](&w, 0);
		t->units++;
		tare_units_add(stk_units, t->slot, 1);
	}
	t->sink = w.x;
}

static void *stk_thread_main(void *arg)
{
	struct stk_thread *t = arg;

	t->slot = tare_units_slot(stk_units);
	worker(t);
	return NULL;
}

static void stk_usage(FILE *f)
{
	fprintf(f,
		"usage: stacks [options]\n"
		"Walk many distinct call paths (deterministic from a seed), for sampler benchmarks.\n"
		"\n"
		"  --paths N            distinct paths to draw from (default 100000)\n"
		"  --seed S             which paths (default 1)\n"
		"  --min-depth N        functions on a path at least (default 6)\n"
		"  --max-depth N        and at most (default 12, up to %d)\n"
		"  --spin N             iterations spun at the end of each path (default 500)\n"
		"  --threads N          threads (default 1; thread 0 is the main thread)\n"
		"  --duration SECONDS   stop after this long (default: until SIGTERM/SIGINT)\n"
		"  --units N            stop after N walks in total\n"
		"  --help               this text\n"
		"\n"
		"At exit one JSON line on stdout: threads, units, paths, seed, depths.\n",
		STK_DEPTH_MAX);
}

/* "a whole number" where the value does not start with a digit, as this workload always said. */
static uint64_t stk_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	if (*s < '0' || *s > '9')
		workload_bad_arg(opt, s, "a whole number");
	return workload_arg_u64(opt, s, min, max, "a whole number");
}

enum { O_PATHS = 1, O_SEED, O_MIN, O_MAX, O_SPIN, O_THREADS, O_DURATION, O_UNITS, O_HELP };

static void stk_parse_opt(int c, const char *arg)
{
	double d;

	switch (c) {
	case O_PATHS: cfg.paths = stk_u64("--paths", arg, 1, UINT64_MAX / 2); break;
	case O_SEED: cfg.seed = stk_u64("--seed", arg, 0, UINT64_MAX); break;
	case O_MIN: cfg.min_depth = (int)stk_u64("--min-depth", arg, 1, STK_DEPTH_MAX); break;
	case O_MAX: cfg.max_depth = (int)stk_u64("--max-depth", arg, 1, STK_DEPTH_MAX); break;
	case O_SPIN: cfg.spin = stk_u64("--spin", arg, 0, 1000000000); break;
	case O_THREADS: cfg.threads = (int)stk_u64("--threads", arg, 1, STK_MAX_THREADS); break;
	case O_DURATION:
		if (!parse_number(arg, 0, 1e7, &d) || !(d > 0))
			workload_bad_arg("--duration", arg, "seconds in (0, 1e7]");
		cfg.duration_s = d;
		break;
	case O_UNITS: cfg.max_units = stk_u64("--units", arg, 1, UINT64_MAX / 2); break;
	}
}

static void stk_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "paths", required_argument, NULL, O_PATHS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "min-depth", required_argument, NULL, O_MIN },
		{ "max-depth", required_argument, NULL, O_MAX },
		{ "spin", required_argument, NULL, O_SPIN },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "units", required_argument, NULL, O_UNITS },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};

	cfg = (struct stk_config){ .threads = 1, .paths = 100000, .seed = 1, .min_depth = 6,
				   .max_depth = 12, .spin = 500 };
	workload_parse_args(argc, argv, opts, O_HELP, stk_usage, stk_parse_opt);
	if (cfg.min_depth > cfg.max_depth) {
		fprintf(stderr, "stacks: --min-depth %d is above --max-depth %d\n", cfg.min_depth,
			cfg.max_depth);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct stk_thread *t;
	uint64_t units = 0;
	int started = 1, rc = 0;

	stk_parse(argc, argv);
	workload_catch_stop_signals(0);
	stk_units = tare_units_open("walks");
	t = workload_threads_alloc(sizeof(*t), cfg.threads);
	for (int k = 0; k < cfg.threads; k++)
		t[k].index = k;
	workload_arm_duration(cfg.duration_s);
	for (; started < cfg.threads; started++) {
		if (workload_thread_start(&t[started].tid, stk_thread_main, &t[started], started,
					  cfg.threads)) {
			rc = 1;
			break;
		}
	}
	if (!rc) {
		t[0].slot = tare_units_slot(stk_units);
		worker(&t[0]);
	}
	for (int k = 1; k < started; k++)
		pthread_join(t[k].tid, NULL);
	for (int k = 0; k < cfg.threads; k++)
		units += t[k].units;
	if (!rc)
		printf("{\"workload\":\"stacks\",\"threads\":%d,\"units\":%llu,\"paths\":%llu,"
		       "\"seed\":%llu,\"min_depth\":%d,\"max_depth\":%d}\n", cfg.threads,
		       (unsigned long long)units, (unsigned long long)cfg.paths,
		       (unsigned long long)cfg.seed, cfg.min_depth, cfg.max_depth);
	free(t);
	return rc;
}
