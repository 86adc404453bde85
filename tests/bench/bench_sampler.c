/* bench_sampler.c — the reference sampler's aggregation and flush as distinct stacks grow, fed
 * directly (no kernel, no workload); `floor`, the consumer that does nothing; and `duet`, two
 * switchable profilers on one process, one on at a time — the last two for
 * tests/bench/sampler_overhead.sh.
 *
 * Scaling (`bench_sampler`, what `make bench` runs): for 1 k, 100 k and 1 M distinct stacks, a
 * session sized to hold exactly that many (--max-stacks N) is fed N distinct stacks three times
 * over (one new stack, then two repeats, as a sampled program's hot stacks repeat), each 8 to 16
 * frames drawn from 4,096 locations inside this program's own text — real file offsets in a real
 * ELF object, so the flush symbolizes them the way it would a workload's.  Figures:
 *   ingest   CPU ns per sample for stacks_add (the stacks' frames are generated in a baseline
 *            pass that is timed too and subtracted: a paired difference, as in bench_hist)
 *   memory   resident bytes the table added (from /proc/self/statm), per stack, beside the
 *            most it may take (stacks_cap_bytes)
 *   flush    CPU of symbols_resolve (first time: opens the ELF), folded_write, pprof_write,
 *            and the files' sizes
 * and, once, the CPU of reading /proc/kallsyms (what a flush with a new kernel frame costs;
 * docs/sampler.md reads it after 1, 2, 4, 8, then every 10 minutes at most).  These are the table's and the writers' own
 * costs; tests/bench/sampler_scale.sh measures the same sizes through `tare sample` on
 * workloads/stacks (the kernel, the rings and symbolization of a real process included).
 *
 * Floor (`bench_sampler floor -F HZ -p PID [-m PAGES]`): opens exactly the events `tare sample
 * -p` opens (perfevent_attr with the same flags, one per thread and CPU with inherit, one ring
 * per CPU of the same size, SET_OUTPUT, the same wake-up watermark), and on every wake-up gives
 * the ring back without reading a record (data_tail = data_head).  What it costs is the floor
 * any consumer of these events pays: the kernel's sampling, unwinding and writing, and the
 * wake-ups.  Prints "bench_sampler floor: ready" on stderr; stops on SIGINT/SIGTERM or when the
 * target and its children are gone.
 *
 * Goals (of this bench; the goals are in sampler_overhead.sh): resident memory per stack within
 * the cap, and close to linear growth — writing a flush costs at most 2x the CPU per stack at
 * 1 M that it does at 100 k (its sort is n log n: log(1e6)/log(1e5) = 1.2; the rest is cache
 * misses).  1 k is shown but not the base: its fixed costs (opening files, gzip) dominate.
 * Exit 1 if one fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
/* by path: harness/ is searched first */
#include "../../profilers/ref/output.h"
#include "../../profilers/ref/perfevent.h"
#include "../../profilers/ref/record.h"
#include "../../profilers/ref/ring.h"
#include "../../profilers/ref/symbols.h"

#define NLOCS		4096
#define REPEATS		3
#define MIN_DEPTH	8
#define MAX_DEPTH	16
#define GOAL_FLUSH_GROWTH 2.0

static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static inline uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Stack i: its depth and frames (location ids, leaf first). */
static uint32_t make_stack(uint64_t i, const uint32_t *locs, uint32_t *out)
{
	uint64_t h = mix(i * 0x2545f4914f6cdd1dull);
	uint32_t depth = MIN_DEPTH + (uint32_t)(h % (MAX_DEPTH - MIN_DEPTH + 1));

	for (uint32_t k = 0; k < depth; k++) {
		h = mix(h + k);
		out[k] = locs[h % NLOCS];
	}
	return depth;
}

struct scale_row {
	uint32_t n;
	double ingest_ns, baseline_ns;
	uint64_t kept, dropped;
	double rss_per_stack, cap_per_stack;
	double sym_ms, folded_ms, pprof_ms;
	uint64_t folded_bytes, pprof_bytes;
};

static volatile uint64_t sink;

/* This program's executable mapping: its locations are offsets inside it. */
static int own_text(struct session *s, uint32_t *dso, uint64_t *lo, uint64_t *hi)
{
	char self[4096];
	ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct mm *mm;

	if (l <= 0)
		return -1;
	self[l] = '\0';
	mm = maps_load(&s->maps, getpid(), 0);
	for (int i = 0; mm && i < mm->n; i++) {
		struct dso *d = maps_dso(&s->maps, mm->map[i].dso);

		if (d && d->kind == DSO_FILE && !strcmp(strtab_get(&s->strs, d->path), self)) {
			*dso = d->id;
			*lo = mm->map[i].pgoff;
			*hi = mm->map[i].pgoff + (mm->map[i].end - mm->map[i].start);
			return 0;
		}
	}
	return -1;
}

static int scale_one(uint32_t n, const char *tmpdir, struct scale_row *row)
{
	struct session s;
	struct profile_meta pm;
	struct event_spec ev;
	uint32_t locs[NLOCS], frames[MAX_DEPTH], dso = 0;
	uint64_t lo = 0, hi = 0, rss0, t0, acc = 0, base_ns, add_ns;
	char err[512], *folded = xasprintf("%s/bench.folded", tmpdir);
	char *pprof = xasprintf("%s/bench.pb.gz", tmpdir);
	int rc = 0;

	memset(row, 0, sizeof(*row));
	row->n = n;
	perfevent_lookup("cpu-clock", &ev, err, sizeof(err));
	session_init(&s, n);
	if (own_text(&s, &dso, &lo, &hi) < 0) {
		fprintf(stderr, "bench_sampler: cannot find this program's text in /proc/self/maps\n");
		session_free(&s);
		free(folded), free(pprof);
		return -1;
	}
	for (uint32_t k = 0; k < NLOCS; k++)
		locs[k] = stacks_loc(&s.stacks, dso, lo + (hi - lo) * k / NLOCS);
	rss0 = rss_bytes();	/* the maps and locations are there: what follows is the stacks' */

	/* baseline: generate the same stacks, fold them into a checksum */
	t0 = cpu_now_ns();
	for (int rep = 0; rep < REPEATS; rep++)
		for (uint32_t i = 0; i < n; i++) {
			uint32_t d = make_stack(i, locs, frames);

			acc += frames[d - 1] + d;
		}
	base_ns = cpu_now_ns() - t0;
	sink = acc;
	t0 = cpu_now_ns();
	for (int rep = 0; rep < REPEATS; rep++)
		for (uint32_t i = 0; i < n; i++) {
			uint32_t d = make_stack(i, locs, frames);

			stacks_add(&s.stacks, 4242, 0, frames, d, 1000000);
		}
	add_ns = cpu_now_ns() - t0;
	row->baseline_ns = (double)base_ns / ((double)n * REPEATS);
	row->ingest_ns = ((double)add_ns - (double)base_ns) / ((double)n * REPEATS);
	row->kept = s.stacks.nstacks;
	row->dropped = s.stacks.dropped;
	row->rss_per_stack = ((double)rss_bytes() - (double)rss0) / n;
	row->cap_per_stack = (double)stacks_cap_bytes(n) / n;

	pm = (struct profile_meta){ .event = &ev, .period = 1000000, .start_wall_ns = wall_ns(),
				    .duration_ns = 1000000000, .comment = "bench_sampler" };
	t0 = cpu_now_ns();
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	row->sym_ms = (double)(cpu_now_ns() - t0) / 1e6;
	t0 = cpu_now_ns();
	if (folded_write(folded, &s, &pm, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_sampler: %s\n", err);
		rc = -1;
	}
	row->folded_ms = (double)(cpu_now_ns() - t0) / 1e6;
	t0 = cpu_now_ns();
	if (pprof_write(pprof, &s, &pm, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_sampler: %s\n", err);
		rc = -1;
	}
	row->pprof_ms = (double)(cpu_now_ns() - t0) / 1e6;
	row->folded_bytes = file_size(folded);
	row->pprof_bytes = file_size(pprof);
	unlink(folded);
	unlink(pprof);
	session_free(&s);
	free(folded), free(pprof);
	return rc;
}

/* The CPU of one read of /proc/kallsyms through the symbolizer: one kernel location, named. */
static double kallsyms_ms(void)
{
	struct session s;
	FILE *f = fopen(symbols_kallsyms_path, "re");
	char line[512];
	uint64_t addr = 0, t0;
	double ms;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char type;
		unsigned long long a;

		if (sscanf(line, "%llx %c", &a, &type) == 2 && (type == 'T' || type == 't') && a) {
			addr = a;
			break;
		}
	}
	fclose(f);
	if (!addr)
		return -1;	/* addresses hidden (kptr_restrict): not root */
	session_init(&s, 16);
	stacks_loc(&s.stacks, DSO_KERNEL_ID, addr + 1);
	t0 = cpu_now_ns();
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	ms = (double)(cpu_now_ns() - t0) / 1e6;
	session_free(&s);
	return ms;
}

static int scale_main(void)
{
	static const uint32_t sizes[] = { 1000, 100000, 1000000 };
	enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
	struct scale_row rows[NS];
	char tmpdir[] = "/tmp/bench_sampler.XXXXXX";
	int ok_mem = 1, failed = 0;
	double growth, ks;

	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "bench_sampler: mkdtemp: %s\n", strerror(errno));
		return 2;
	}
	for (int i = 0; i < NS; i++)
		if (scale_one(sizes[i], tmpdir, &rows[i]) < 0)
			failed = 1;
	ks = kallsyms_ms();
	rmdir(tmpdir);
	if (failed)
		return 2;

	printf("bench_sampler: the stack table and flush fed directly (profilers/ref/stacks.c, "
	       "symbols.c, folded.c, pprof.c)\n");
	printf("  %d samples per stack (1 new + %d repeats), %d-%d frames from %d locations in this "
	       "program's text; CPU time of this process\n", REPEATS, REPEATS - 1, MIN_DEPTH,
	       MAX_DEPTH, NLOCS);
	printf("  %9s %9s %8s %10s %10s  %9s %9s %9s %9s  %9s %9s\n", "stacks", "kept", "ingest",
	       "RSS/stack", "cap/stack", "symbolize", "folded", "pprof", "flush/st.", "folded", "pprof");
	printf("  %9s %9s %8s %10s %10s  %9s %9s %9s %9s  %9s %9s\n", "", "", "ns/smpl", "bytes",
	       "bytes", "ms", "ms", "ms", "µs", "MB", "MB");
	for (int i = 0; i < NS; i++) {
		struct scale_row *r = &rows[i];
		double flush = r->sym_ms + r->folded_ms + r->pprof_ms;

		printf("  %9u %9" PRIu64 " %8.1f %10.1f %10.1f  %9.2f %9.2f %9.2f %9.2f  %9.2f %9.2f\n",
		       r->n, r->kept, r->ingest_ns, r->rss_per_stack, r->cap_per_stack, r->sym_ms,
		       r->folded_ms, r->pprof_ms, 1000 * flush / r->n, r->folded_bytes / 1e6,
		       r->pprof_bytes / 1e6);
		if (r->rss_per_stack > r->cap_per_stack || r->kept != r->n)
			ok_mem = 0;
	}
	if (ks >= 0)
		printf("  one read of /proc/kallsyms by the symbolizer: %.1f ms of CPU\n", ks);
	else
		printf("  /proc/kallsyms: addresses hidden here (not root); its cost not measured\n");
	growth = ((rows[NS - 1].folded_ms + rows[NS - 1].pprof_ms) / rows[NS - 1].n) /
		 ((rows[NS - 2].folded_ms + rows[NS - 2].pprof_ms) / rows[NS - 2].n);
	printf("%s: every stack kept, resident memory per stack within the cap at every size "
	       "(%.0f of %.0f bytes at %u)\n", ok_mem ? "PASS" : "FAIL", rows[NS - 1].rss_per_stack,
	       rows[NS - 1].cap_per_stack, rows[NS - 1].n);
	printf("%s: writing a flush grows at most n log n: CPU per stack at %u is %.2fx that at %u "
	       "(≤ %.1fx)\n", growth <= GOAL_FLUSH_GROWTH ? "PASS" : "FAIL", rows[NS - 1].n, growth,
	       rows[NS - 2].n, GOAL_FLUSH_GROWTH);
	return ok_mem && growth <= GOAL_FLUSH_GROWTH ? 0 : 1;
}

/* ---- floor ---- */

/* floor --paused and duet: SIGUSR1 asks for on, SIGUSR2 for off (the last one asked wins);
 * SIGINT and SIGTERM for the end */
static volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t sig_want = -1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1 || sig == SIGUSR2)
		sig_want = sig == SIGUSR1;
	else
		sig_stop = sig;
}

static int floor_usage(const char *why)
{
	fprintf(stderr, "bench_sampler floor: %s (usage: bench_sampler floor -F HZ -p PID "
		"[-m PAGES] [--paused])\n", why);
	return 2;
}

static int floor_main(int argc, char **argv)
{
	struct event_spec ev;
	struct perf_event_attr attr;
	struct ring *rings;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	unsigned long hz = 0, pages = 32;
	pid_t pid = 0, *done = NULL;
	int ncpus = ncpus_online(), epfd = epoll_create1(EPOLL_CLOEXEC), nfds = 0, live = 0, ndone = 0;
	char err[512];
	uint64_t wakeups = 0, discarded = 0, switches = 0;
	int paused = 0, *fds = NULL, on;

	/* --paused: events opened disabled, switched by SIGUSR1 (on) and SIGUSR2 (off), as
	 * tare sample --paused is (switchback, docs/switchback.md) */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--paused")) {
			paused = 1;
			memmove(&argv[i], &argv[i + 1], sizeof(*argv) * (size_t)(argc - i));
			argc--;
			break;
		}
	on = !paused;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-F"))
			hz = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-p"))
			pid = (pid_t)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-m"))
			pages = strtoul(argv[i + 1], NULL, 10);
		else
			return floor_usage("unknown option");
	}
	if (!hz || pid <= 0 || !pages || (pages & (pages - 1)))
		return floor_usage("need -F HZ and -p PID (and -m a power of two)");
	perfevent_lookup("cpu-clock", &ev, err, sizeof(err));
	/* what sample.c does for -p: inherit, no enable_on_exec, kernel frames, the watermark */
	perfevent_attr(&ev, hz, 0, 1, 0, 0, &attr);
	attr.wakeup_watermark = (uint32_t)(pages * (size_t)sysconf(_SC_PAGESIZE) / 2);
	attr.disabled = paused;
	rings = xcalloc((size_t)ncpus, sizeof(*rings));

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (paused) {
		sigaddset(&block, SIGUSR1);
		sigaddset(&block, SIGUSR2);
		sigprocmask(SIG_BLOCK, &block, NULL);
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
	}

	/* every thread, listed until nothing is new (as sample.c's open_pid) */
	for (int round = 0; round < 8; round++) {
		char path[64];
		DIR *d;
		struct dirent *de;
		int fresh = 0;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		if (!(d = opendir(path))) {
			if (!ndone) {
				fprintf(stderr, "bench_sampler floor: pid %d: no such process\n", (int)pid);
				return 2;
			}
			break;
		}
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			int seen = 0;

			if (tid <= 0)
				continue;
			for (int k = 0; k < ndone && !seen; k++)
				seen = done[k] == tid;
			if (seen)
				continue;
			for (int c = 0; c < ncpus; c++) {
				int fd = perf_event_open_fd(&attr, tid, c, -1);
				struct epoll_event e = { .events = EPOLLIN };

				if (fd < 0) {
					if (errno == ESRCH)
						break;
					perf_event_why(errno, ev.name, &attr, tid, PERF_EVENT_ERROR, err, sizeof(err));
					fprintf(stderr, "bench_sampler floor: %s\n", err);
					return 3;
				}
				if (!rings[c].meta) {
					if (ring_map(&rings[c], fd, c, pages) < 0) {
						fprintf(stderr, "bench_sampler floor: mmap: %s\n", strerror(errno));
						return 3;
					}
				} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, rings[c].fd) < 0) {
					fprintf(stderr, "bench_sampler floor: SET_OUTPUT: %s\n", strerror(errno));
					return 1;
				}
				e.data.u64 = (uint64_t)(uint32_t)fd << 32 | (uint32_t)c;
				epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
				fds = xrealloc(fds, sizeof(*fds) * (size_t)(nfds + 1));
				fds[nfds] = fd;
				nfds++, live++;
			}
			done = xrealloc(done, sizeof(*done) * (size_t)(ndone + 1));
			done[ndone++] = tid;
			fresh++;
		}
		closedir(d);
		if (!fresh)
			break;
	}
	fprintf(stderr, "bench_sampler floor: ready\n");
	fflush(stderr);
	while (!sig_stop && live > 0) {
		struct epoll_event evs[64];
		int n = epoll_pwait(epfd, evs, 64, -1, &orig);

		if (sig_want >= 0 && sig_want != on) {
			/* an event with inherit switches its children too (perf_event_for_each_child) */
			on = sig_want;
			for (int k = 0; k < nfds; k++)
				ioctl(fds[k], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
			switches++;
		}

		for (int i = 0; i < n; i++) {
			struct ring *r = &rings[(uint32_t)evs[i].data.u64];

			if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
				/* its task and the task's children are gone */
				epoll_ctl(epfd, EPOLL_CTL_DEL, (int)(evs[i].data.u64 >> 32), NULL);
				live--;
				continue;
			}
			if (r->meta) {
				/* give the space back unread: the least any consumer does */
				uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);

				discarded += head - r->meta->data_tail;
				__atomic_store_n(&r->meta->data_tail, head, __ATOMIC_RELEASE);
			}
		}
		wakeups += n > 0;
	}
	fprintf(stderr, "bench_sampler floor: %" PRIu64 " wake-ups, %d events, %" PRIu64
		" bytes given back unread, %" PRIu64 " switches\n", wakeups, nfds, discarded, switches);
	for (int c = 0; c < ncpus; c++)
		ring_unmap(&rings[c]);
	free(rings);
	free(done);
	free(fds);
	return 0;
}

/* ---- duet ---- */

/* Two switchable profilers on one process, exactly one of them on at a time: tare's "on" arm is
 * A, its "off" arm B.  Run as a profiler with control = "signal", the switchback's paired
 * windows then weigh A against B inside one process: what varies between processes (placement,
 * layout, which CPU the consumer shares) is common to both and leaves the difference, so a
 * goal like "ref <= 1.1x the floor" is decided by within-process pairs alone (sampler_overhead.sh).
 * A child is switched by signals (SIGUSR1 on, SIGUSR2 off; started paused, ready when its
 * stderr has a line ending ": ready", as tare sample's and the floor's do) or, with --fifo-a
 * or --fifo-b CTL,ACK, through perf record's --control FIFOs (enable/disable, each answered
 * "ack"; ready once it answers the first disable).  Every switch turns one off before the other
 * on, so they never overlap.  Each child's stderr goes to duet-a.err / duet-b.err in the
 * working directory (the trial's folder under tare). */
struct duet_child {
	char **argv;
	pid_t pid;
	const char *fifo;        /* "CTL,ACK" or NULL: signals */
	int ctl_fd, ack_fd;
	char err[32];
};

static int duet_usage(const char *why)
{
	fprintf(stderr, "bench_sampler duet: %s (usage: bench_sampler duet [--fifo-a CTL,ACK] [--fifo-b CTL,ACK] "
		"-- PROFILER-A ... -- PROFILER-B ...)\n", why);
	return 2;
}

/* A FIFO child's "ack" within timeout_ms: 0, or -1. */
static int duet_fifo_ack(struct duet_child *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->ack_fd, .events = POLLIN };
	char ack[64];

	return poll(&pfd, 1, timeout_ms) > 0 && read(c->ack_fd, ack, sizeof(ack)) > 0 ? 0 : -1;
}

/* A FIFO child: "enable"/"disable", and its "ack" within timeout_ms.  0, or -1. */
static int duet_fifo_say(struct duet_child *c, const char *cmd, int timeout_ms)
{
	if (write(c->ctl_fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return -1;
	return duet_fifo_ack(c, timeout_ms);
}

static int duet_switch(struct duet_child *c, int on)
{
	if (c->fifo)
		return duet_fifo_say(c, on ? "enable\n" : "disable\n", 2000);
	return kill(c->pid, on ? SIGUSR1 : SIGUSR2);
}

static int duet_start(struct duet_child *c, const sigset_t *orig)
{
	if (c->fifo) {
		char ctl[PATH_MAX], *ack;

		snprintf(ctl, sizeof(ctl), "%s", c->fifo);
		if (!(ack = strchr(ctl, ',')))
			return duet_usage("--fifo-a/--fifo-b take CTL,ACK");
		*ack++ = '\0';
		if ((mkfifo(ctl, 0600) < 0 && errno != EEXIST) || (mkfifo(ack, 0600) < 0 && errno != EEXIST) ||
		    (c->ctl_fd = open(ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0 ||
		    (c->ack_fd = open(ack, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
			fprintf(stderr, "bench_sampler duet: FIFO %s: %s\n", ctl, strerror(errno));
			return 3;
		}
	}
	if ((c->pid = fork()) < 0) {
		fprintf(stderr, "bench_sampler duet: fork: %s\n", strerror(errno));
		return 3;
	}
	if (!c->pid) {
		int fd = open(c->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		sigprocmask(SIG_SETMASK, orig, NULL);
		execvp(c->argv[0], c->argv);
		fprintf(stderr, "bench_sampler duet: %s: %s\n", c->argv[0], strerror(errno));
		_exit(127);
	}
	return 0;
}

/* Ready: a signal child's ": ready" line, a FIFO child's ack of one "disable" (written once:
 * each command queued before it reads the FIFO would be acked later, and a stale ack would
 * confirm a switch it has not made); 15 s at most.  0, or 3. */
static int duet_ready(struct duet_child *c)
{
	if (c->fifo && write(c->ctl_fd, "disable\n", 8) != 8) {
		fprintf(stderr, "bench_sampler duet: cannot write %s's control FIFO: %s\n", c->argv[0], strerror(errno));
		return 3;
	}
	for (int i = 0; i < 1500; i++) {
		int st;

		if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
			fprintf(stderr, "bench_sampler duet: %s exited before it was ready (see %s)\n", c->argv[0], c->err);
			c->pid = 0;
			return 3;
		}
		if (c->fifo) {
			if (!duet_fifo_ack(c, 10))
				return 0;
			continue;
		}
		FILE *f = fopen(c->err, "r");
		char line[512];
		int ready = 0;

		while (f && fgets(line, sizeof(line), f))
			ready |= strlen(line) >= 8 && !strcmp(line + strlen(line) - 8, ": ready\n");
		if (f)
			fclose(f);
		if (ready)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "bench_sampler duet: %s not ready within 15 s (see %s)\n", c->argv[0], c->err);
	return 3;
}

static int duet_main(int argc, char **argv)
{
	struct duet_child ch[2] = { { .ctl_fd = -1, .ack_fd = -1, .err = "duet-a.err" },
				    { .ctl_fd = -1, .ack_fd = -1, .err = "duet-b.err" } };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	int i = 1, on = 0, rc = 0, switches = 0;

	for (; i < argc && strcmp(argv[i], "--"); i += 2) {
		if (i + 1 >= argc || (strcmp(argv[i], "--fifo-a") && strcmp(argv[i], "--fifo-b")))
			return duet_usage("unknown option");
		ch[argv[i][7] == 'b'].fifo = argv[i + 1];
	}
	/* A's command runs to the next "--", B's to the end */
	if (i >= argc)
		return duet_usage("no profilers");
	ch[0].argv = &argv[++i];
	while (i < argc && strcmp(argv[i], "--"))
		i++;
	if (i >= argc - 1 || ch[0].argv == &argv[i])
		return duet_usage("need two commands, each after --");
	argv[i] = NULL;
	ch[1].argv = &argv[i + 1];

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	for (int k = 0; k < 2 && !rc; k++)
		if (!(rc = duet_start(&ch[k], &orig)))
			rc = duet_ready(&ch[k]);
	/* "off" (B on) until tare's first switch: both stay warm, neither is ever on with the other */
	if (!rc && duet_switch(&ch[1], 1) < 0) {
		fprintf(stderr, "bench_sampler duet: cannot switch %s on\n", ch[1].argv[0]);
		rc = 3;
	}
	if (!rc) {
		fprintf(stderr, "bench_sampler duet: ready\n");
		fflush(stderr);
	}
	while (!rc && !sig_stop) {
		sigsuspend(&orig);
		if (sig_want >= 0 && sig_want != on) {
			on = sig_want;
			/* the one going off first: the two never sample at once */
			if (duet_switch(&ch[on], 0) < 0 || duet_switch(&ch[!on], 1) < 0) {
				fprintf(stderr, "bench_sampler duet: a switch failed (see %s, %s)\n", ch[0].err, ch[1].err);
				rc = 1;
			}
			switches++;
		}
	}
	/* stop both as tare stops one: SIGINT, and wait (a profiler writes its output on the way out) */
	for (int k = 0; k < 2; k++)
		if (ch[k].pid > 0)
			kill(ch[k].pid, SIGINT);
	for (int k = 0; k < 2; k++) {
		int st;

		if (ch[k].pid > 0 && waitpid(ch[k].pid, &st, 0) == ch[k].pid && !rc &&
		    !(WIFEXITED(st) && !WEXITSTATUS(st)) && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT))
			fprintf(stderr, "bench_sampler duet: %s ended badly (see %s)\n", ch[k].argv[0], ch[k].err);
		if (ch[k].ctl_fd >= 0)
			close(ch[k].ctl_fd);
		if (ch[k].ack_fd >= 0)
			close(ch[k].ack_fd);
	}
	fprintf(stderr, "bench_sampler duet: %d switches\n", switches);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "floor"))
		return floor_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "duet"))
		return duet_main(argc - 1, argv + 1);
	if (argc > 1) {
		fprintf(stderr, "usage: bench_sampler            the scaling bench\n"
				"       bench_sampler floor -F HZ -p PID [-m PAGES] [--paused]\n"
				"       bench_sampler duet [--fifo-a CTL,ACK] [--fifo-b CTL,ACK] -- PROFILER-A ... -- PROFILER-B ...\n");
		return 2;
	}
	return scale_main();
}
