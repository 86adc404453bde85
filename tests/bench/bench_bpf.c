/* bench_bpf.c — the floor of the eBPF sampler's cpu type: an empty BPF program on the same
 * per-CPU cpu-clock events `tare sample --bpf -t cpu` opens (tests/bench/bpf_overhead.sh).
 *
 * Floor (`bench_bpf floor -F HZ -p PID`): one cpu-clock event per online CPU in frequency mode,
 * with the attributes profilers/bpf/profile_attach.c gives them (attach_cpu_event: type and
 * config of cpu-clock, freq, sample_freq HZ, no inherit, the time_enabled/time_running read
 * format), and on each a BPF_PROG_TYPE_PERF_EVENT program of two instructions, `r0 = 0; exit`
 * — loaded with the bpf() syscall and attached with PERF_EVENT_IOC_SET_BPF, no libbpf, no maps.
 * What it costs is what any per-CPU BPF profiler pays before its program does any work: the
 * hrtimer interrupt on every CPU, the perf sample path, the BPF dispatch.  ref-bpf minus the
 * floor is what its program (the target lookup, two stack walks, the counts update) and its
 * user-space process add.  It prints "bench_bpf floor: ready" on stderr and stops on
 * SIGINT/SIGTERM or when PID is gone.  With --stacks the program also takes the stacks as
 * ref-bpf does (bpf_get_stack of the user part, and of the kernel part in kernel mode, into a
 * per-CPU scratch) and keeps nothing: the floor of a BPF *stack* profiler, so ref-bpf minus it
 * is its target lookup, interning and counts.  With --paused its events start disabled and SIGUSR1 and
 * SIGUSR2 switch them on and off (switchback; tests/bench/bpf_overhead.sh's duets).
 *
 * Alone (`bench_bpf`, what `make bench` runs): the same events and program at 999 Hz for 1 s of
 * this process spinning, with the kernel's BPF run-time statistics on (BPF_ENABLE_STATS): the
 * program's runs and run time.  It is the dispatch cost of a BPF program on the sampling path
 * (docs/bpf.md has tare_cpu's own run time, 1.4-6.6 us, from --prog-stats), not the interrupt's.
 * Exit 77 (skipped) where BPF cannot load.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
/* by path: harness/ is searched first */
#include "../../profilers/ref/perfevent.h"

#define MAX_CPUS 1024

static long sys_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
	return syscall(SYS_bpf, cmd, attr, size);
}

/* r0 = 0; exit: the emptiest program the verifier takes. */
static int load_empty(char *log, size_t loglen)
{
	struct bpf_insn insns[2];
	union bpf_attr a;
	static const char license[] = "GPL";

	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* r0 = 0 */
	insns[1].code = BPF_JMP | BPF_EXIT;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_PERF_EVENT;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)license;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)loglen;
	a.log_level = log ? 1 : 0;
	memcpy(a.prog_name, "tare_floor", 11);
	return (int)sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

#define I(c, d, sr, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (sr), .off = (o), .imm = (i) })
#define STACK_BYTES (64 * 8)	/* ref-bpf's default depth (TARE_DEFAULT_DEPTH frames) */

/* The stacks floor: what any per-CPU BPF stack profiler pays before it keeps anything — the
 * empty program's dispatch plus ref-bpf's stack walks.  A per-CPU scratch (an array of one
 * STACK_BYTES value), bpf_get_stack of the user part into it, and of the kernel part when the
 * interrupt came in kernel mode (regs.ip in the upper half), as tare_cpu takes them
 * (profilers/bpf/profile.bpf.c); no target lookup, no interning, no counts.  *map_fd: the
 * scratch, to close. */
static int load_stacks(int *map_fd)
{
	union bpf_attr a;
	static const char license[] = "GPL";
	int fd, prog;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PERCPU_ARRAY;
	a.key_size = 4;
	a.value_size = STACK_BYTES;
	a.max_entries = 1;
	if ((fd = (int)sys_bpf(BPF_MAP_CREATE, &a, sizeof(a))) < 0)
		return -1;
	struct bpf_insn insns[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),		/* r6 = ctx */
		I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0),
		I(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0),		/* key 0 on the stack */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, fd), I(0, 0, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 13, 0),		/* no scratch: out */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0),		/* r7 = scratch */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 7, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, STACK_BYTES),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, BPF_F_USER_STACK),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_stack),
		I(BPF_LDX | BPF_MEM | BPF_DW, 2, 6, 16 * 8, 0),	/* regs.ip (x86-64 pt_regs) */
		I(BPF_JMP | BPF_JSGE | BPF_K, 2, 0, 5, 0),		/* user mode: no kernel part */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 7, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, STACK_BYTES),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_stack),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_PERF_EVENT;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	a.license = (uint64_t)(uintptr_t)license;
	memcpy(a.prog_name, "tare_floor_stk", 15);
	if ((prog = (int)sys_bpf(BPF_PROG_LOAD, &a, sizeof(a))) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*map_fd = fd;
	return prog;
}

/* One cpu-clock event per online CPU with the program attached: profile_attach.c's attributes. */
static int attach_percpu(int prog, uint64_t hz, int *fds, int *nfds, char *err, size_t errlen)
{
	struct event_spec ev;
	int *cpus, n = online_cpus(&cpus), rc = 0;

	*nfds = 0;
	if (n > MAX_CPUS)
		n = MAX_CPUS;
	if (perfevent_lookup("cpu-clock", &ev, err, errlen) < 0)
		n = 0, rc = 1;
	for (int i = 0; i < n && !rc; i++) {
		struct perf_event_attr a;
		int fd;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = ev.type;
		a.config = ev.config;
		a.freq = 1;
		a.sample_freq = hz;
		a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
		fd = perf_event_open_fd(&a, -1, cpus[i], -1);
		if (fd < 0) {
			int code = perf_event_why(errno, ev.name, &a, -1, PERF_EVENT_ERROR, err, errlen);

			rc = code ? code : 1;
			break;
		}
		fds[(*nfds)++] = fd;
		if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) < 0) {
			snprintf(err, errlen, "PERF_EVENT_IOC_SET_BPF: %s", strerror(errno));
			rc = errno == EPERM || errno == EACCES ? 3 : 1;
			break;
		}
		ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	}
	free(cpus);
	return rc;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* ---- floor ---- */

static volatile sig_atomic_t floor_stop;
static volatile sig_atomic_t floor_want = -1;    /* --paused: 1 on (SIGUSR1), 0 off (SIGUSR2) */

static void floor_on_signal(int sig)
{
	if (sig == SIGUSR1 || sig == SIGUSR2)
		floor_want = sig == SIGUSR1;
	else
		floor_stop = sig;
}

static int floor_main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = floor_on_signal };
	sigset_t block, orig;
	unsigned long hz = 0;
	pid_t pid = 0;
	int fds[MAX_CPUS], nfds = 0, prog, pidfd, rc, paused = 0, stacks = 0, map = -1, on;
	char err[512];

	/* --paused: attached, then disabled until SIGUSR1 (on); SIGUSR2 off — as tare sample --bpf
	 * --paused switches its per-CPU events (switchback, and bench_sampler duet).  --stacks: the
	 * stacks program, not the empty one. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--paused"))
			paused = 1;
		else if (!strcmp(argv[i], "--stacks"))
			stacks = 1;
		else
			continue;
		/* out of the way of the -F/-p pairs below */
		memmove(&argv[i], &argv[i + 1], sizeof(*argv) * (size_t)(argc - i));
		argc--, i--;
	}
	on = !paused;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-F"))
			hz = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-p"))
			pid = (pid_t)strtol(argv[i + 1], NULL, 10);
		else
			hz = 0, i = argc;
	}
	if (!hz || pid <= 0 || argc % 2 == 0) {
		fprintf(stderr, "bench_bpf floor: need -F HZ and -p PID (usage: bench_bpf floor -F HZ "
			"-p PID [--paused] [--stacks])\n");
		return 2;
	}
	pidfd = sys_pidfd_open(pid);
	if (pidfd < 0 && errno == ESRCH) {
		fprintf(stderr, "bench_bpf floor: pid %d: no such process\n", (int)pid);
		return 2;
	}
	prog = stacks ? load_stacks(&map) : load_empty(NULL, 0);
	if (prog < 0) {
		fprintf(stderr, "bench_bpf floor: loading the %s program: %s\n", stacks ? "stacks" : "empty", strerror(errno));
		return errno == EPERM || errno == EACCES ? 3 : 1;
	}
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
	rc = attach_percpu(prog, hz, fds, &nfds, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "bench_bpf floor: %s\n", err);
		close_all(fds, nfds);
		close(prog);
		if (map >= 0)
			close(map);
		return rc;
	}
	for (int i = 0; paused && i < nfds; i++)
		ioctl(fds[i], PERF_EVENT_IOC_DISABLE, 0);
	fprintf(stderr, "bench_bpf floor: ready\n");
	fflush(stderr);
	/* nothing to read: wait for a signal or the target's end */
	while (!floor_stop) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		struct timespec tick = { 0, 100000000 };

		if (floor_want >= 0 && floor_want != on) {
			on = floor_want;
			for (int i = 0; i < nfds; i++)
				ioctl(fds[i], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
		}

		if (pidfd >= 0) {
			if (ppoll(&p, 1, NULL, &orig) > 0)
				break;
		} else {
			if (kill(pid, 0) < 0 && errno == ESRCH)
				break;
			sigprocmask(SIG_SETMASK, &orig, NULL);
			nanosleep(&tick, NULL);
			sigprocmask(SIG_BLOCK, &block, NULL);
		}
	}
	fprintf(stderr, "bench_bpf floor: %d per-CPU events with the %s program, %lu Hz\n", nfds,
		stacks ? "stacks" : "empty", hz);
	close_all(fds, nfds);
	close(prog);
	if (map >= 0)
		close(map);
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

/* ---- alone: the empty program's runs and run time ---- */

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int alone_main(void)
{
	int fds[MAX_CPUS], nfds = 0, prog, stats_fd, rc;
	char err[512];
	union bpf_attr a;
	struct bpf_prog_info info;
	uint64_t t0, w0, wall;
	uint64_t spin = 0;
	const uint64_t hz = 999;

	prog = load_empty(NULL, 0);
	if (prog < 0) {
		printf("bench_bpf: the empty BPF program cannot load here (%s): skipped\n",
		       strerror(errno));
		return 77;
	}
	memset(&a, 0, sizeof(a));
	a.enable_stats.type = BPF_STATS_RUN_TIME;
	stats_fd = (int)sys_bpf(BPF_ENABLE_STATS, &a, sizeof(a));
	if (stats_fd < 0) {
		printf("bench_bpf: BPF_ENABLE_STATS: %s: skipped\n", strerror(errno));
		close(prog);
		return 77;
	}
	rc = attach_percpu(prog, hz, fds, &nfds, err, sizeof(err));
	if (rc) {
		printf("bench_bpf: %s: skipped\n", err);
		close_all(fds, nfds);
		close(stats_fd);
		close(prog);
		return 77;
	}
	w0 = now_ns();
	for (t0 = thread_cpu_ns(); thread_cpu_ns() - t0 < 1000000000ull;) {
		for (int i = 0; i < 10000; i++)
			spin += (uint64_t)i;
		__asm__ __volatile__("" : : "r"(spin));	/* keep the loop */
	}
	close_all(fds, nfds);
	wall = now_ns() - w0;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)prog;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	rc = (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	close(stats_fd);
	close(prog);
	if (rc < 0) {
		printf("bench_bpf: BPF_OBJ_GET_INFO_BY_FD: %s: skipped\n", strerror(errno));
		return 77;
	}
	printf("bench_bpf: the floor's empty perf_event program (r0 = 0; exit) on %d per-CPU cpu-clock "
	       "events at %" PRIu64 " Hz, 1 s of this process spinning:\n", nfds, hz);
	printf("  %" PRIu64 " runs in %.2f s (%.0f a second a CPU: frequency mode finds its period "
	       "as it goes), %.1f ns a run (the kernel's BPF statistics: "
	       "the program's dispatch and body and the statistics' own two clock reads, not the interrupt "
	       "around it)\n",
	       (uint64_t)info.run_cnt, (double)wall / 1e9, (double)info.run_cnt / nfds / ((double)wall / 1e9),
	       info.run_cnt ? (double)info.run_time_ns / (double)info.run_cnt : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "floor"))
		return floor_main(argc - 1, argv + 1);
	if (argc > 1) {
		fprintf(stderr, "usage: bench_bpf                     the empty program's run time\n"
				"       bench_bpf floor -F HZ -p PID   the floor, for bpf_overhead.sh\n");
		return 2;
	}
	return alone_main();
}
