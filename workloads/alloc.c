/* alloc.c — the ground-truth allocation workload.
 *
 * N threads allocate from distinct, never-inlined allocation sites with fixed sizes, in a
 * known mix, and count every call themselves, so that an allocation profiler (alloc_space,
 * alloc_objects, inuse_space, inuse_objects per stack) can be held against the truth:
 *
 *	site           libc call                        bytes per call
 *	alloc_small    malloc(64)                       64
 *	alloc_medium   calloc(16, 64)                   1024
 *	alloc_large    malloc(16384)                    16384
 *	alloc_grow     realloc(seed, 4096)              4096	(the seed comes from alloc_seed)
 *	alloc_seed     malloc(256), called by alloc_grow 256	(always released by the realloc)
 *
 * The mix (--mix, default 70,20,5,5) weighs alloc_small, alloc_medium, alloc_large and
 * alloc_grow; a smooth weighted round-robin interleaves them, so the counts follow the weights
 * exactly over every cycle of the schedule, with no long runs of one site.
 *
 * Every --keep-every'th object of a site is kept live in a per-thread ring of --live slots per
 * site (the oldest is freed when the ring is full); all others are freed at once.  The ring
 * bounds memory however long the run, and once full it makes the in-use profile constant:
 * live_objects = live slots, live_bytes = slots x size.  The live set is left allocated at exit
 * (a profiler's last in-use snapshot then matches the truth); --free-at-exit frees it.
 *
 * One unit is one allocation call (malloc, calloc or realloc), reported through tare_units.h;
 * alloc_grow is two (its seed's malloc and its realloc).  --units N stops after exactly N
 * (N-1 if the mix is alloc_grow alone and N is odd).  The workload's own bookkeeping (the
 * thread array, the rings) lives in mmap'd memory, so the malloc/calloc/realloc calls that a
 * uprobe counts are the sites' plus the few glibc makes itself (stdio's buffer, thread TLS).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define WORKLOAD_NAME "alloc"
#include "tare_units.h"
#include "workload.h"

#define ALLOC_MAX_THREADS	256
#define ALLOC_MAX_LIVE		1000000
#define ALLOC_NMIX		4	/* sites the mix weighs: small, medium, large, grow */
#define ALLOC_NSITES		5	/* ... and alloc_seed, which follows alloc_grow */
#define ALLOC_MEDIUM_COUNT	16
#define ALLOC_MEDIUM_SIZE	64
#define ALLOC_PAGE		4096
#define ALLOC_PACE_NS		1000000

enum alloc_site_id { SITE_SMALL, SITE_MEDIUM, SITE_LARGE, SITE_GROW, SITE_SEED };
enum alloc_call { CALL_MALLOC, CALL_CALLOC, CALL_REALLOC, CALL_FREE, ALLOC_NCALLS };

static const char *const alloc_call_names[ALLOC_NCALLS] = { "malloc", "calloc", "realloc", "free" };

/* noipa (GCC) is noinline + noclone + no identical-code folding + no interprocedural
 * assumptions: each site keeps its own symbol in every stack, and GCC cannot reason across
 * the call to drop an allocation.  clang has no noipa; noinline is what it needs. */
#if defined(__has_attribute) && __has_attribute(noipa)
#define ALLOC_SITE __attribute__((noipa))
#else
#define ALLOC_SITE __attribute__((noinline))
#endif

struct alloc_config {
	int threads;
	uint32_t mix[ALLOC_NMIX];	/* weights, sum > 0 */
	uint64_t keep_every;		/* 0: keep nothing live */
	uint32_t live;			/* ring slots per site per thread */
	double rate;			/* allocation calls per second, all threads; 0: unpaced */
	uint64_t max_units;		/* 0: no limit */
	double duration_s;		/* 0: until SIGTERM/SIGINT */
	bool free_at_exit;
};

struct alloc_ring {
	void **slot;
	uint32_t head;			/* oldest object */
	uint32_t count;
};

struct alloc_thread {
	pthread_t tid;
	int index;
	int slot;
	uint64_t units;
	uint64_t objects[ALLOC_NSITES];
	uint64_t bytes[ALLOC_NSITES];
	uint64_t frees[ALLOC_NSITES];	/* by free(), and alloc_seed's by realloc */
	uint64_t calls[ALLOC_NCALLS];	/* libc calls made, for a uprobe count to match */
	int64_t wrr[ALLOC_NMIX];	/* smooth weighted round-robin state */
	struct alloc_ring ring[ALLOC_NSITES];
	int64_t start_ns;		/* for --rate */
} __attribute__((aligned(64)));		/* no false sharing between threads */

static struct alloc_config cfg;
static struct tare_units *alloc_units;
static uint64_t alloc_units_claimed;		/* only used with --units */

static void __attribute__((noreturn)) alloc_oom(size_t size)
{
	fprintf(stderr, "alloc: out of memory allocating %zu bytes\n", size);
	exit(1);
}

/* Writes one byte per page and the last byte: the pages become resident, as a program's data
 * would, and the asm makes the block observably used, so -O2 cannot drop a malloc/free pair
 * (GCC and clang both delete unused ones).  Non-zero bytes: GCC turns malloc + zeroing into
 * calloc.  Inlined into each site, the stores follow the libc call, so it is no tail call and
 * the site keeps its frame in the stack. */
static inline __attribute__((always_inline)) void *alloc_use(void *p, size_t size)
{
	unsigned char *b = p;

	if (!b)
		alloc_oom(size);
	for (size_t i = 0; i < size; i += ALLOC_PAGE)
		b[i] = (unsigned char)(i >> 12 | 1);
	b[size - 1] = 1;
	asm volatile("" : : "r"(b) : "memory");
	return b;
}

/* The "via" functions put one frame between a site and libc.  glibc is built without frame
 * pointers, so a frame-pointer unwinder stopped in malloc (at a uprobe on its entry, say)
 * finds its caller's frame first and goes on from there: the caller's own return address is
 * on the stack but not in the chain, and the caller vanishes from the stack.  It is this frame
 * that vanishes, and the site stays.  (An unwinder that reads the return address at the stack
 * pointer on entry, or uses .eh_frame, sees both.)  The asm after each call uses its result,
 * so the call is no tail call, which would drop the frame. */
static ALLOC_SITE void *alloc_via_malloc(size_t size)
{
	void *p = malloc(size);

	asm volatile("" : : "r"(p) : "memory");
	return p;
}

static ALLOC_SITE void *alloc_via_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	asm volatile("" : : "r"(p) : "memory");
	return p;
}

static ALLOC_SITE void *alloc_via_realloc(void *old, size_t size)
{
	void *p = realloc(old, size);

	asm volatile("" : : "r"(p) : "memory");
	return p;
}

static ALLOC_SITE void *alloc_small(void)
{
	return alloc_use(alloc_via_malloc(64), 64);
}

static ALLOC_SITE void *alloc_medium(void)
{
	return alloc_use(alloc_via_calloc(ALLOC_MEDIUM_COUNT, ALLOC_MEDIUM_SIZE),
			 ALLOC_MEDIUM_COUNT * ALLOC_MEDIUM_SIZE);
}

static ALLOC_SITE void *alloc_large(void)
{
	return alloc_use(alloc_via_malloc(16384), 16384);
}

static ALLOC_SITE void *alloc_seed(void)
{
	return alloc_use(alloc_via_malloc(256), 256);
}

/* realloc of a live block, never of NULL: glibc's realloc(NULL, n) calls malloc itself, and
 * a uprobe on malloc would count that allocation twice. */
static ALLOC_SITE void *alloc_grow(void)
{
	return alloc_use(alloc_via_realloc(alloc_seed(), 4096), 4096);
}

struct alloc_site {
	const char *name;		/* the function, as a profiler's stack shows it */
	enum alloc_call call;
	size_t bytes;			/* requested per call */
	void *(*fn)(void);
};

static const struct alloc_site alloc_sites[ALLOC_NSITES] = {
	[SITE_SMALL]  = { "alloc_small",  CALL_MALLOC,  64,    alloc_small },
	[SITE_MEDIUM] = { "alloc_medium", CALL_CALLOC,
			  ALLOC_MEDIUM_COUNT * ALLOC_MEDIUM_SIZE,  alloc_medium },
	[SITE_LARGE]  = { "alloc_large",  CALL_MALLOC,  16384, alloc_large },
	[SITE_GROW]   = { "alloc_grow",   CALL_REALLOC, 4096,  alloc_grow },
	[SITE_SEED]   = { "alloc_seed",   CALL_MALLOC,  256,   NULL },	/* via alloc_grow */
};

static int64_t alloc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t alloc_site_cost(int site)
{
	return site == SITE_GROW ? 2 : 1;	/* alloc_seed's malloc + the realloc */
}

/* With --units, claims come from one shared counter and never overshoot, so the total is
 * exact: a claim that does not fit fails and leaves the rest to a cheaper site. */
static bool alloc_claim(uint64_t cost)
{
	uint64_t old;

	if (workload_stopping())
		return false;
	if (!cfg.max_units)
		return true;
	old = __atomic_load_n(&alloc_units_claimed, __ATOMIC_RELAXED);
	do {
		if (old + cost > cfg.max_units)
			return false;
	} while (!__atomic_compare_exchange_n(&alloc_units_claimed, &old, old + cost, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

/* Smooth weighted round-robin (nginx's): every cycle of sum(weights) picks gives each site
 * exactly its weight, spread evenly rather than in runs. */
static int alloc_next_site(struct alloc_thread *t)
{
	int64_t total = 0;
	int best = -1;

	for (int i = 0; i < ALLOC_NMIX; i++) {
		if (!cfg.mix[i])
			continue;
		t->wrr[i] += cfg.mix[i];
		total += cfg.mix[i];
		if (best < 0 || t->wrr[i] > t->wrr[best])
			best = i;
	}
	t->wrr[best] -= total;
	return best;
}

/* The site to run next, with its units claimed; -1 to stop.  Near the end of --units, when
 * alloc_grow's two calls do not fit, a one-call site with a weight takes the last unit. */
static int alloc_pick(struct alloc_thread *t)
{
	int site = alloc_next_site(t);

	if (alloc_claim(alloc_site_cost(site)))
		return site;
	if (site == SITE_GROW) {
		for (int i = 0; i < ALLOC_NMIX; i++)
			if (cfg.mix[i] && alloc_site_cost(i) == 1 && alloc_claim(1))
				return i;
	}
	workload_stop();
	return -1;
}

static void alloc_free(struct alloc_thread *t, int site, void *p)
{
	free(p);
	t->frees[site]++;
	t->calls[CALL_FREE]++;
}

/* Keeps p live; a full ring frees its oldest object to make room. */
static void alloc_keep(struct alloc_thread *t, int site, void *p)
{
	struct alloc_ring *r = &t->ring[site];

	if (r->count == cfg.live) {
		alloc_free(t, site, r->slot[r->head]);
		r->slot[r->head] = p;
		r->head = (r->head + 1) % cfg.live;
		return;
	}
	r->slot[(r->head + r->count) % cfg.live] = p;
	r->count++;
}

static void alloc_count(struct alloc_thread *t, int site)
{
	t->objects[site]++;
	t->bytes[site] += alloc_sites[site].bytes;
	t->calls[alloc_sites[site].call]++;
}

/* One site call: the allocation(s), their bookkeeping, and the object kept or freed. */
static void alloc_step(struct alloc_thread *t, int site)
{
	void *p = alloc_sites[site].fn();

	alloc_count(t, site);
	if (site == SITE_GROW) {	/* the seed, allocated and released inside alloc_grow */
		alloc_count(t, SITE_SEED);
		t->frees[SITE_SEED]++;
	}
	if (cfg.keep_every && t->objects[site] % cfg.keep_every == 0)
		alloc_keep(t, site, p);
	else
		alloc_free(t, site, p);
	t->units += alloc_site_cost(site);
	tare_units_add(alloc_units, t->slot, alloc_site_cost(site));
}

/* --rate: each thread keeps to rate/threads calls per second from its own start.  It sleeps
 * only once 1 ms ahead, in bursts: a sleep per call would cost more CPU than the calls. */
static void alloc_pace(const struct alloc_thread *t)
{
	double per_thread = cfg.rate / cfg.threads;
	int64_t due = t->start_ns + (int64_t)((double)t->units / per_thread * 1e9);
	struct timespec ts = { .tv_sec = due / 1000000000, .tv_nsec = due % 1000000000 };

	if (due - alloc_now_ns() >= ALLOC_PACE_NS)
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);	/* EINTR: fine */
}

static __attribute__((noinline)) void alloc_worker(struct alloc_thread *t)
{
	int site;

	t->start_ns = alloc_now_ns();
	while ((site = alloc_pick(t)) >= 0) {
		alloc_step(t, site);
		if (cfg.rate > 0)
			alloc_pace(t);
	}
}

static void *alloc_thread_main(void *arg)
{
	struct alloc_thread *t = arg;

	t->slot = tare_units_slot(alloc_units);
	alloc_worker(t);
	return NULL;
}

static void alloc_usage(FILE *f)
{
	fprintf(f,
		"usage: alloc [options]\n"
		"Allocate from non-inlined sites of known sizes in a known mix; print the truth as JSON.\n"
		"\n"
		"  --threads N            allocating threads (default 1; thread 0 is the main thread)\n"
		"  --mix S,M,L,G          weights of alloc_small (malloc 64), alloc_medium (calloc\n"
		"                         16x64), alloc_large (malloc 16384), alloc_grow (realloc of\n"
		"                         an alloc_seed malloc(256) to 4096); default 70,20,5,5\n"
		"  --keep-every N         keep every Nth object of each site live (default 10; 0: none)\n"
		"  --live N               live slots per site per thread; the oldest is freed when\n"
		"                         full (default 64)\n"
		"  --rate N               allocation calls per second over all threads (default 0:\n"
		"                         as fast as possible)\n"
		"  --duration SECONDS     stop after this long (default: until SIGTERM/SIGINT)\n"
		"  --units N              stop after N allocation calls in total, over all threads\n"
		"  --free-at-exit         free the live objects after printing the truth\n"
		"  --help                 this text\n"
		"\n"
		"One unit = one malloc, calloc or realloc call (alloc_grow makes two), reported to\n"
		"tare through TARE_UNITS_FD.\n"
		"At exit one JSON line on stdout: per site objects, bytes, frees, live_objects,\n"
		"live_bytes; totals; libc_calls; shares (alloc_objects, alloc_space, inuse_objects,\n"
		"inuse_space).\n");
}

static void alloc_parse_mix(const char *arg)
{
	const char *what = "4 comma-separated weights in [0, 1000000], not all 0";
	uint64_t v[ALLOC_NMIX], sum = 0;
	int n = workload_arg_list("--mix", arg, 0, 1000000, v, ALLOC_NMIX, what);

	for (int i = 0; i < n; i++)
		sum += (cfg.mix[i] = (uint32_t)v[i]);
	if (n != ALLOC_NMIX || !sum)
		workload_bad_arg("--mix", arg, what);
}

enum { OPT_MIX = WORKLOAD_OPT_OWN, OPT_KEEP_EVERY, OPT_LIVE, OPT_RATE, OPT_FREE_AT_EXIT };

static void alloc_parse_opt(int c, const char *arg)
{
	if (workload_common_opt(c, arg, 1, ALLOC_MAX_THREADS, &cfg.threads, &cfg.duration_s,
				&cfg.max_units))
		return;
	switch (c) {
	case OPT_MIX:
		alloc_parse_mix(arg);
		break;
	case OPT_KEEP_EVERY:
		cfg.keep_every = workload_arg_int("--keep-every", arg, 0, UINT32_MAX);
		break;
	case OPT_LIVE:
		cfg.live = (uint32_t)workload_arg_int("--live", arg, 1, ALLOC_MAX_LIVE);
		break;
	case OPT_RATE:	/* "0" is the default, unpaced; any other value must be > 0 */
		if (strcmp(arg, "0") &&
		    (!parse_number(arg, 0, 1e9, &cfg.rate) || !(cfg.rate > 0)))
			workload_bad_arg("--rate", arg, "calls per second in [0, 1e9]");
		break;
	case OPT_FREE_AT_EXIT:
		cfg.free_at_exit = true;
		break;
	}
}

static void alloc_parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mix",          required_argument, NULL, OPT_MIX },
		{ "keep-every",   required_argument, NULL, OPT_KEEP_EVERY },
		{ "live",         required_argument, NULL, OPT_LIVE },
		{ "rate",         required_argument, NULL, OPT_RATE },
		{ "free-at-exit", no_argument,       NULL, OPT_FREE_AT_EXIT },
		WORKLOAD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 },
	};

	cfg = (struct alloc_config){ .threads = 1, .mix = { 70, 20, 5, 5 }, .keep_every = 10,
				     .live = 64 };
	workload_parse_args(argc, argv, opts, WORKLOAD_OPT_HELP, alloc_usage, alloc_parse_opt);
}

/* Threads and rings in mmap'd memory, not malloc'd: the workload's own bookkeeping stays out
 * of the allocation profile and out of a uprobe's count. */
static void *alloc_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static size_t alloc_rings_bytes(void)
{
	return sizeof(void *) * ALLOC_NSITES * cfg.live;
}

static struct alloc_thread *alloc_threads_new(void)
{
	struct alloc_thread *t = alloc_map(sizeof(*t) * (size_t)cfg.threads);

	if (!t)
		return NULL;
	for (int k = 0; k < cfg.threads; k++) {
		void **slots = alloc_map(alloc_rings_bytes());

		t[k].index = k;
		if (!slots)
			return NULL;	/* the process exits on this; nothing to unwind */
		for (int s = 0; s < ALLOC_NSITES; s++)
			t[k].ring[s].slot = slots + (size_t)s * cfg.live;
	}
	return t;
}

static void alloc_threads_free(struct alloc_thread *t)
{
	if (!cfg.free_at_exit)
		return;	/* the rings stay mapped: they keep the live set reachable to the end */
	for (int k = 0; k < cfg.threads; k++) {
		for (int s = 0; s < ALLOC_NSITES; s++)
			for (uint32_t i = 0; i < t[k].ring[s].count; i++)
				free(t[k].ring[s].slot[(t[k].ring[s].head + i) % cfg.live]);
		munmap(t[k].ring[0].slot, alloc_rings_bytes());
	}
	munmap(t, sizeof(*t) * (size_t)cfg.threads);
}

/* Per-site sums over the threads: objects, bytes, frees, live_objects, live_bytes. */
enum { SUM_OBJECTS, SUM_BYTES, SUM_FREES, SUM_LIVE_OBJECTS, SUM_LIVE_BYTES, ALLOC_NSUMS };

static const char *const alloc_sum_names[ALLOC_NSUMS] = {
	"objects", "bytes", "frees", "live_objects", "live_bytes",
};

static void alloc_sum(const struct alloc_thread *t, uint64_t sum[ALLOC_NSITES][ALLOC_NSUMS],
		      uint64_t total[ALLOC_NSUMS], uint64_t calls[ALLOC_NCALLS], uint64_t *units)
{
	for (int k = 0; k < cfg.threads; k++) {
		*units += t[k].units;
		for (int c = 0; c < ALLOC_NCALLS; c++)
			calls[c] += t[k].calls[c];
		for (int s = 0; s < ALLOC_NSITES; s++) {
			sum[s][SUM_OBJECTS] += t[k].objects[s];
			sum[s][SUM_BYTES] += t[k].bytes[s];
			sum[s][SUM_FREES] += t[k].frees[s];
			sum[s][SUM_LIVE_OBJECTS] += t[k].ring[s].count;
			sum[s][SUM_LIVE_BYTES] += t[k].ring[s].count * alloc_sites[s].bytes;
		}
	}
	for (int s = 0; s < ALLOC_NSITES; s++)
		for (int i = 0; i < ALLOC_NSUMS; i++)
			total[i] += sum[s][i];
}

/* "name":{"site":share,...} for one sum; the shares of a non-zero total add up to 1. */
static void alloc_print_share(const char *name, uint64_t sum[ALLOC_NSITES][ALLOC_NSUMS],
			      const uint64_t total[ALLOC_NSUMS], int which)
{
	printf("\"%s\":{", name);
	for (int s = 0; s < ALLOC_NSITES; s++)
		printf("%s\"%s\":%.6f", s ? "," : "", alloc_sites[s].name,
		       total[which] ? (double)sum[s][which] / (double)total[which] : 0.0);
	printf("}");
}

static void alloc_print_sites(uint64_t sum[ALLOC_NSITES][ALLOC_NSUMS])
{
	printf("\"sites\":{");
	for (int s = 0; s < ALLOC_NSITES; s++) {
		printf("%s\"%s\":{\"call\":\"%s\",\"size\":%zu,\"weight\":%u", s ? "," : "",
		       alloc_sites[s].name, alloc_call_names[alloc_sites[s].call],
		       alloc_sites[s].bytes, cfg.mix[s == SITE_SEED ? SITE_GROW : s]);
		for (int i = 0; i < ALLOC_NSUMS; i++)
			printf(",\"%s\":%llu", alloc_sum_names[i], (unsigned long long)sum[s][i]);
		printf("}");
	}
	printf("}");
}

static void alloc_print_truth(const struct alloc_thread *t)
{
	uint64_t sum[ALLOC_NSITES][ALLOC_NSUMS] = { { 0 } }, total[ALLOC_NSUMS] = { 0 };
	uint64_t calls[ALLOC_NCALLS] = { 0 }, units = 0;

	alloc_sum(t, sum, total, calls, &units);
	workload_truth_begin(cfg.threads, units);
	printf(",\"keep_every\":%llu,\"live\":%u,", (unsigned long long)cfg.keep_every, cfg.live);
	alloc_print_sites(sum);
	printf(",\"totals\":{");
	for (int i = 0; i < ALLOC_NSUMS; i++)
		printf("%s\"%s\":%llu", i ? "," : "", alloc_sum_names[i],
		       (unsigned long long)total[i]);
	printf("},\"libc_calls\":{");
	for (int c = 0; c < ALLOC_NCALLS; c++)
		printf("%s\"%s\":%llu", c ? "," : "", alloc_call_names[c],
		       (unsigned long long)calls[c]);
	printf("},\"shares\":{");
	alloc_print_share("alloc_objects", sum, total, SUM_OBJECTS);
	printf(",");
	alloc_print_share("alloc_space", sum, total, SUM_BYTES);
	printf(",");
	alloc_print_share("inuse_objects", sum, total, SUM_LIVE_OBJECTS);
	printf(",");
	alloc_print_share("inuse_space", sum, total, SUM_LIVE_BYTES);
	printf("}");
	workload_truth_end();
}

static int alloc_start_threads(struct alloc_thread *t, int *started)
{
	for (*started = 1; *started < cfg.threads; (*started)++)
		if (workload_thread_start(&t[*started].tid, alloc_thread_main, &t[*started],
					  *started, cfg.threads))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct alloc_thread *t;
	int started, rc;

	alloc_parse_args(argc, argv);
	workload_catch_stop_signals(0);
	alloc_units = tare_units_open("allocations");	/* one malloc, calloc or realloc */
	t = alloc_threads_new();
	if (!t) {
		fprintf(stderr, "alloc: mmap: out of memory for %d threads x %u live slots\n",
			cfg.threads, cfg.live);
		return 1;
	}
	workload_arm_duration(cfg.duration_s);
	rc = alloc_start_threads(t, &started);
	/* Thread 0 runs on the main thread so its stacks are main -> alloc_worker -> alloc_*. */
	if (!rc) {
		t[0].slot = tare_units_slot(alloc_units);
		alloc_worker(&t[0]);
	}
	for (int k = 1; k < started; k++)
		pthread_join(t[k].tid, NULL);
	if (!rc)
		alloc_print_truth(t);
	alloc_threads_free(t);
	return rc;
}
