/* sample.c — `tare sample`: attach, sample, aggregate, flush, report (docs/sampler.md).
 *
 * One thread does everything, driven by epoll: it sleeps until a ring is half full, a flush is
 * due, a target exits or a signal asks it to stop (or, with --paused, to switch sampling on or
 * off).  The work per sample is decoding it, resolving its user frames to (object, file offset)
 * and counting it in the stack table; symbolization and encoding wait for a flush.
 */
#include "sample.h"
#include "samplecli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "perfevent.h"
#include "output.h"
#include "parse.h"
#include "record.h"
#include "ring.h"
#include "util.h"

#define SAMPLE_DEFAULT_HZ	99
#define SAMPLE_DEFAULT_FLUSH_S	15.0
#define SAMPLE_DEFAULT_PAGES	32	/* 128 KiB of data per CPU: ~0.4 s at 999 Hz of shallow stacks */
#define SAMPLE_DEFAULT_OUT	"profile.pb.gz"

enum target_mode { TARGET_PID, TARGET_COMMAND, TARGET_SYSTEM };

struct sample_opts {
	struct sample_common c;	/* -F -e -o -p -v --folded --stats --flush */
	uint64_t period;
	uint32_t max_stacks;
	size_t ring_pages;
	int paused;		/* switchable, starting off */
	enum target_mode mode;
	char **cmd;
};

struct evfd {
	int fd;
	int live;             /* still in the epoll set (not hung up) */
	int tracking;         /* --paused: a dummy event for the side-band records only */
};

struct sampler {
	struct sample_opts o;
	struct event_spec ev;
	struct perf_event_attr attr;
	struct perf_event_attr track_attr;	/* --paused: the side-band records' dummy event */
	int exclude_kernel;
	int *cpus, ncpus;
	struct ring *rings;   /* by index into cpus */
	struct evfd *fds;
	int nfds, cap_fds, live_fds;
	int epfd;
	struct sample_cmd cmd;  /* the command, TARGET_COMMAND */
	int child_pidfd;
	struct session s;
	struct sample_switch sw;
	uint64_t start_ns, start_wall_ns, ready_cpu_ns;
	uint64_t flushes, flush_cpu_ns;
	int write_failed;
};

static const char sample_usage_text[] =
	"usage: tare sample [-F HZ | -c PERIOD] [-e EVENT] [-o FILE] [--folded FILE]\n"
	"                   [--stats FILE] [--flush SECONDS] [--max-stacks N] [-m PAGES]\n"
	"                   [--paused] [-v] (-p PID | -a | [--] COMMAND [ARGS...])\n"
	"\n"
	"Sample call stacks with perf events and write a pprof profile and folded stacks.\n"
	"\n"
	"  -F, --freq HZ          samples per second of CPU per thread (default 99)\n"
	"  -c, --count PERIOD     sample every PERIOD events instead (ns for the clocks)\n"
	"  -e, --event EVENT      cpu-clock (default), task-clock; cycles, instructions or a PMU\n"
	"                         event by its libpfm4 name (tare events) where there is a PMU\n"
	"  -o, --output FILE      pprof profile, gzip'd (default profile.pb.gz unless\n"
	"                         --folded is given)\n"
	"      --folded FILE      folded stacks, \"main;worker;cpu_hot 123\", root first\n"
	"      --stats FILE       the sampler's own figures as one JSON line, at exit\n"
	"      --flush SECONDS    rewrite the outputs this often with everything so far\n"
	"                         (default 15; 0: only at exit)\n"
	"      --max-stacks N     distinct stacks kept; more are dropped and counted\n"
	"                         (default 4096, ~1.3 MB at most)\n"
	"  -m, --mmap-pages N     ring buffer data pages per CPU, a power of two (default 32)\n"
	"  -p, --pid PID          the process PID, its threads, and the threads and\n"
	"                         children it creates from now on\n"
	"  -a, --all-cpus         every process, on every CPU\n"
	"      --paused           start with sampling off (everything attached, no samples);\n"
	"                         SIGUSR1 switches it on, SIGUSR2 off (--stats: intervals)\n"
	"  -v, --verbose          say what it does\n"
	"      --bpf ...          first: the eBPF sampler and its profile types (cpu, offcpu,\n"
	"                         lock, alloc); tare sample --bpf --help\n"
	"\n"
	"Ready when it prints \"tare-sample: ready\" on stderr.  SIGINT or SIGTERM: write the\n"
	"outputs and exit 0.  With a command, it stops when the command exits and exits with\n"
	"its status (127: not found, 126: cannot be run).  2: usage or a PID that does not\n"
	"exist; 3: cannot sample here (permission, no hardware PMU).\n"
	"\n"
	"With --paused, SIGUSR1 and SIGUSR2 switch sampling on and off (every event, on every\n"
	"thread and CPU, by ioctl: no sampling interrupts while off), at once; --stats then\n"
	"records each interval between switches: on or off, its wall time, its samples.\n";

#define SAMPLE_HELP "tare sample --help"
#define usage_error(...) sample_usage(SAMPLE_HELP, __VA_ARGS__)

static int parse_args(int argc, char **argv, struct sample_opts *o)
{
	enum { OPT_MAX_STACKS = SAMPLE_OPT_OWN, OPT_BPF, OPT_PAUSED };
	static const struct option opts[] = {
		SAMPLE_COMMON_LONGOPTS,
		{ "count",      required_argument, NULL, 'c' },
		{ "all-cpus",   no_argument,       NULL, 'a' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "help",       no_argument,       NULL, 'h' },
		{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
		{ "bpf",        no_argument,       NULL, OPT_BPF },
		{ "paused",     no_argument,       NULL, OPT_PAUSED },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_all = 0, taken;
	uint64_t v;

	*o = (struct sample_opts){ .c = { .event = "cpu-clock", .flush_s = SAMPLE_DEFAULT_FLUSH_S },
				   .max_stacks = STACKS_DEFAULT_MAX,
				   .ring_pages = SAMPLE_DEFAULT_PAGES };
	optind = 1;
	opterr = 0;
	/* "+": the first non-option starts the command, as with perf record and env */
	while ((c = getopt_long(argc, argv, "+:" SAMPLE_COMMON_SHORTOPTS "c:am:h", opts, NULL)) != -1) {
		if ((taken = sample_common_opt(c, optarg, &o->c, SAMPLE_HELP)) != 0) {
			if (taken != 1)
				return taken;
			continue;
		}
		switch (c) {
		case 'c':
			if (!parse_u64(optarg, 1, UINT64_MAX / 2, &v))
				return usage_error("-c %s: expected a positive period", optarg);
			o->period = v;
			break;
		case 'a':
			have_all = 1;
			break;
		case 'm':
			if (!parse_u64(optarg, 1, 1u << 20, &v) || (v & (v - 1)))
				return usage_error("-m %s: expected a power of two number of pages",
						   optarg);
			o->ring_pages = v;
			break;
		case 'h':
			fputs(sample_usage_text, stdout);
			return -1;
		case OPT_MAX_STACKS:
			if (!parse_u64(optarg, 1, STACKS_MAX_MAX, &v))
				return usage_error("--max-stacks %s: expected 1 to %u", optarg,
						   STACKS_MAX_MAX);
			o->max_stacks = (uint32_t)v;
			break;
		case OPT_BPF:
			return usage_error("--bpf comes first: tare sample --bpf [OPTIONS] ...");
		case OPT_PAUSED:
			o->paused = 1;
			break;
		case ':':
			return usage_error("%s: expected a value", argv[optind - 1]);
		default:
			return usage_error("%s: unknown option", argv[optind - 1]);
		}
	}
	if (o->c.freq_hz && o->period)
		return usage_error("-F and -c: give a rate or a period, not both");
	if (!o->c.freq_hz && !o->period)
		o->c.freq_hz = SAMPLE_DEFAULT_HZ;
	if (o->c.have_pid + have_all + (optind < argc) != 1)
		return usage_error("what to sample? one of -p PID, -a, or a command after --");
	o->mode = o->c.have_pid ? TARGET_PID : have_all ? TARGET_SYSTEM : TARGET_COMMAND;
	o->cmd = argv + optind;
	if (!o->c.out && !o->c.folded)
		o->c.out = SAMPLE_DEFAULT_OUT;
	return 0;
}

static void add_fd(struct sampler *S, int fd, int tracking)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)S->nfds };

	if (S->nfds == S->cap_fds) {
		S->cap_fds = S->cap_fds ? S->cap_fds * 2 : 16;
		S->fds = xrealloc(S->fds, sizeof(*S->fds) * (size_t)S->cap_fds);
	}
	S->fds[S->nfds++] = (struct evfd){ .fd = fd, .live = 1, .tracking = tracking };
	S->live_fds++;
	epoll_ctl(S->epfd, EPOLL_CTL_ADD, fd, &e);
}

/* --paused: the sampling events are opened disabled and switched by ioctl, and they carry no
 * side-band records: a disabled event gets none (perf_iterate_ctx skips it), so the mmaps,
 * execs and forks of an off window would be missed and later samples misnamed.  A dummy
 * software event beside each, never switched, carries them into the same ring, as perf
 * record does for --delay and --control.  Both follow inherit into new threads and children
 * in the state of their parent event at the fork: a thread made while off starts off. */
static void paused_layout(struct sampler *S)
{
	struct perf_event_attr *a = &S->attr, *t = &S->track_attr;

	*t = *a;	/* its disabled/enable_on_exec as the command mode has them */
	t->type = PERF_TYPE_SOFTWARE;
	t->config = PERF_COUNT_SW_DUMMY;
	t->config1 = t->config2 = 0;
	t->freq = 0;
	t->sample_period = 1;	/* a dummy never counts: no samples, no interrupts */
	a->mmap = a->mmap2 = a->comm = a->comm_exec = a->task = 0;
	a->disabled = !S->sw.on;
	a->enable_on_exec = 0;
}

/* The dummy event for the side-band records of (tid, the i-th CPU), into that CPU's ring.
 * 0; 1 when the task is gone; -1 on an error (said), exit code in *code. */
static int open_tracking(struct sampler *S, pid_t tid, int i, int *code)
{
	int fd, e;

	S->track_attr.exclude_kernel = S->attr.exclude_kernel;
	fd = perf_event_open_fd(&S->track_attr, tid, S->cpus[i], -1);
	if (fd < 0) {
		e = errno;
		if (e == ESRCH && tid != S->o.c.pid && S->o.mode == TARGET_PID)
			return 1;	/* a thread that exited since its sampling event was opened */
		sample_err("perf_event_open(dummy, for the mmap and exec records) on CPU %d: %s",
			S->cpus[i], strerror(e));
		*code = EXIT_FAIL;
		return -1;
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, S->rings[i].fd) < 0) {
		sample_err("PERF_EVENT_IOC_SET_OUTPUT on CPU %d: %s", S->cpus[i], strerror(errno));
		close(fd);
		*code = EXIT_FAIL;
		return -1;
	}
	add_fd(S, fd, 1);
	return 0;
}

/* Open the event for one task (or every task: tid -1) on every CPU, each into that CPU's ring.
 * 0; 1 when the task is already gone; -1 on an error (said), exit code in *code. */
static int open_on(struct sampler *S, pid_t tid, int *code)
{
	for (int i = 0; i < S->ncpus; i++) {
		char msg[512];
		int fd = perf_event_open_fd(&S->attr, tid, S->cpus[i], -1), e = errno;

		/* Kernel frames need perf_event_paranoid <= 1 (or root); user frames do with 2,
		 * so take those and say what is missing, as perf does. */
		if (fd < 0 && (e == EACCES || e == EPERM) && !S->attr.exclude_kernel &&
		    S->o.mode != TARGET_SYSTEM) {
			S->attr.exclude_kernel = 1;
			fd = perf_event_open_fd(&S->attr, tid, S->cpus[i], -1);
			e = errno;
			if (fd >= 0) {
				S->exclude_kernel = 1;
				sample_err("warning: kernel frames left out: kernel.perf_event_paranoid "
					"is above 1 — run as root or set it to 1 to see them");
			} else
				S->attr.exclude_kernel = 0;
		}
		if (fd < 0) {
			if (e == ESRCH && tid != S->o.c.pid && S->o.mode == TARGET_PID)
				return 1;	/* a thread that exited since it was listed */
			*code = perf_event_why(e, S->ev.name, &S->attr, S->o.mode == TARGET_SYSTEM ? -1 :
					       tid > 0 ? tid : S->o.c.pid, PERF_EVENT_ERROR, msg, sizeof(msg));
			sample_err("%s", msg);
			return -1;
		}
		if (!S->rings[i].meta) {
			size_t pages = S->o.ring_pages;

			/* without CAP_IPC_LOCK the rings count against perf_event_mlock_kb: halve */
			while (ring_map(&S->rings[i], fd, S->cpus[i], pages) < 0) {
				e = errno;
				if (e != EPERM || pages <= 1) {
					sample_err("mmap of the ring for CPU %d (%zu pages): %s%s",
						S->cpus[i], pages, strerror(e), e == EPERM ?
						" — raise kernel.perf_event_mlock_kb or run as root" : "");
					close(fd);
					*code = EXIT_CANNOT;
					return -1;
				}
				pages /= 2;
			}
			if (pages != S->o.ring_pages)
				sample_debug("ring of CPU %d: %zu pages (perf_event_mlock_kb)",
					  S->cpus[i], pages);
		} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, S->rings[i].fd) < 0) {
			sample_err("PERF_EVENT_IOC_SET_OUTPUT on CPU %d: %s", S->cpus[i], strerror(errno));
			close(fd);
			*code = EXIT_FAIL;
			return -1;
		}
		add_fd(S, fd, 0);
		if (S->o.paused) {
			int r = open_tracking(S, tid, i, code);

			if (r)
				return r;
		}
	}
	return 0;
}

struct open_thread {
	struct sampler *S;
	int *code;
};

/* A thread that exited since it was listed (open_on's 1) is no failure. */
static int open_thread(void *ctx, pid_t tid)
{
	struct open_thread *a = ctx;

	return open_on(a->S, tid, a->code) < 0 ? -1 : 0;
}

/* -p: every thread the process has, with inherit for the ones it will create (listed again
 * until nothing is new: sample_each_thread).  A process that exits after its first listing
 * is no failure: the loop sees the hangups. */
static int open_pid(struct sampler *S, int *code)
{
	struct open_thread a = { S, code };
	int ndone;

	if (sample_each_thread(S->o.c.pid, open_thread, &a, &ndone))
		return -1;
	if (ndone < 0) {
		sample_err("pid %d: no such process", (int)S->o.c.pid);
		*code = EXIT_USAGE;
		return -1;
	}
	sample_debug("pid %d: %d threads, %d events on %d CPUs", (int)S->o.c.pid, ndone, S->nfds,
		  S->ncpus);
	return 0;
}

static uint64_t requested_period(const struct sampler *S)
{
	if (S->o.period)
		return S->o.period;
	/* the kernel turns a clock's frequency into this fixed period (perf_swevent_init_hrtimer) */
	return S->ev.period_is_ns ? 1000000000ull / S->o.c.freq_hz : 0;
}

/* The CPU time the events covered: time_running summed over every event (inherited clones
 * included) — for a process tree, the CPU time of its threads while sampled; system-wide,
 * CPUs x wall time. */
static uint64_t covered_ns(const struct sampler *S)
{
	uint64_t total = 0;

	for (int i = 0; i < S->nfds; i++) {
		uint64_t v[3];

		/* a dummy "runs" whenever its task does: not time sampled */
		if (!S->fds[i].tracking && read(S->fds[i].fd, v, sizeof(v)) == (ssize_t)sizeof(v))
			total += v[2];
	}
	return total;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Share of sampled frames (weighted by samples) that have a symbol name. */
static double symbolized_pct(const struct session *s)
{
	uint64_t all = 0, named = 0;

	for (uint32_t i = 0; i < s->stacks.nstacks; i++) {
		const struct stack *st = &s->stacks.stack[i];
		const uint32_t *fr = stacks_frames(&s->stacks, st);

		for (uint32_t k = 0; k < st->nframes; k++) {
			all += st->count;
			named += symbols_is_resolved(&s->stacks.loc[fr[k]]) ? st->count : 0;
		}
	}
	return all ? 100.0 * (double)named / (double)all : 100.0;
}

static void drain(struct sampler *S)
{
	rings_drain(S->rings, S->ncpus, session_record, &S->s);
}

static void flush(struct sampler *S, int final)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	struct profile_meta pm = { .event = &S->ev, .period = requested_period(S),
				   .start_wall_ns = S->start_wall_ns,
				   .duration_ns = now_ns() - S->start_ns,
				   .comm_root = S->o.mode == TARGET_SYSTEM };
	char *comment;

	drain(S);
	symbols_resolve(&S->s.stacks, &S->s.maps, &S->s.sym, final);
	comment = xasprintf("tare sample: %s, %" PRIu64 " samples, %" PRIu64 " lost, %" PRIu64
			    " throttled, %" PRIu64 " dropped (stack table full)", S->ev.name,
			    S->s.samples, S->s.lost, S->s.throttled, S->s.stacks.dropped);
	pm.comment = comment;
	S->write_failed = sample_write_outputs(S->o.c.out, S->o.c.folded, &S->s, &pm) < 0;
	free(comment);
	S->flushes++;
	S->flush_cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	sample_debug("flush %" PRIu64 ": %u stacks, %u locations, %.1f ms CPU", S->flushes,
		  S->s.stacks.nstacks, S->s.stacks.nlocs - 1,
		  (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1e6);
}

/* What the sampler says about itself at exit: stderr, and --stats as one JSON line. */
static void report(struct sampler *S, uint64_t covered, uint64_t wall_ns)
{
	struct rusage ru;
	uint64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID), run_cpu = cpu - S->ready_cpu_ns;
	uint64_t rss = 0;
	double effective = covered ? (double)S->s.samples / ((double)covered / 1e9) : 0;
	double requested = 0, sym = symbolized_pct(&S->s);
	const char *mode = S->o.mode == TARGET_PID ? "pid" :
			   S->o.mode == TARGET_SYSTEM ? "system" : "command";

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		rss = (uint64_t)ru.ru_maxrss * 1024;
	if (S->o.c.freq_hz)
		requested = (double)S->o.c.freq_hz;
	else if (S->ev.period_is_ns)
		requested = 1e9 / (double)S->o.period;
	fprintf(stderr, "tare-sample: %" PRIu64 " samples over %.3f CPU-s sampled: %.1f Hz "
		"effective", S->s.samples, (double)covered / 1e9, effective);
	if (requested > 0)
		fprintf(stderr, " vs %.1f requested (%.1f%%)", requested, 100.0 * effective / requested);
	fprintf(stderr, "; lost %" PRIu64 ", throttled %" PRIu64 ", dropped %" PRIu64
		" (stack table full)\n", S->s.lost, S->s.throttled, S->s.stacks.dropped);
	fprintf(stderr, "tare-sample: sampler CPU %.1f ms (%.3f%% of one core over %.2f s), "
		"peak RSS %.1f MB; %u stacks, %u locations, %.1f%% of frames symbolized; "
		"%" PRIu64 " flush%s\n", (double)cpu / 1e6,
		wall_ns ? 100.0 * (double)run_cpu / (double)wall_ns : 0.0, (double)wall_ns / 1e9,
		(double)rss / 1048576.0, S->s.stacks.nstacks, S->s.stacks.nlocs - 1, sym,
		S->flushes, S->flushes == 1 ? "" : "es");
	sample_switch_print(&S->sw, wall_ns);
	if (S->o.c.stats) {
		json_t *jsw = sample_switch_json(&S->sw, 0);
		char *sw = json_dumps(jsw, JSON_COMPACT);
		char *line;

		json_decref(jsw);
		if (!sw)
			sw = xstrdup("{\"switches\":0}");
		line = xasprintf(
			"{\"event\":\"%s\",\"mode\":\"%s\",\"requested_hz\":%.3f,"
			"\"effective_hz\":%.3f,\"rate_ratio\":%.5f,\"samples\":%" PRIu64 ","
			"\"kept\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"lost_pct\":%.4f,"
			"\"throttled\":%" PRIu64 ",\"unthrottled\":%" PRIu64 ",\"dropped\":%" PRIu64 ","
			"\"covered_cpu_ns\":%" PRIu64 ",\"wall_ns\":%" PRIu64 ","
			"\"sampler_cpu_ns\":%" PRIu64 ",\"sampler_run_cpu_ns\":%" PRIu64 ","
			"\"sampler_cpu_pct\":%.4f,\"flush_cpu_ns\":%" PRIu64 ",\"flushes\":%" PRIu64 ","
			"\"peak_rss_bytes\":%" PRIu64 ",\"stacks\":%u,\"max_stacks\":%u,"
			"\"locations\":%u,\"frames_symbolized_pct\":%.3f,\"unmapped_frames\":%" PRIu64 ","
			"\"kernel_frames\":%s,%s\n",
			S->ev.name, mode, requested, effective,
			requested > 0 ? effective / requested : 0.0, S->s.samples, S->s.stacks.samples,
			S->s.lost, pct(S->s.lost, S->s.lost + S->s.samples), S->s.throttled,
			S->s.unthrottled, S->s.stacks.dropped, covered, wall_ns, cpu, run_cpu,
			wall_ns ? 100.0 * (double)run_cpu / (double)wall_ns : 0.0, S->flush_cpu_ns,
			S->flushes, rss, S->s.stacks.nstacks, S->s.stacks.max_stacks,
			S->s.stacks.nlocs - 1, sym, S->s.unmapped_frames,
			S->exclude_kernel ? "false" : "true", sw + 1);	/* its "{" dropped */

		if (write_file_atomic(S->o.c.stats, line, strlen(line)) < 0)
			sample_err("cannot write %s: %s", S->o.c.stats, strerror(errno)), S->write_failed = 1;
		free(line);
		free(sw);
	}
}

static void drain_cb(void *S)
{
	drain(S);
}

/* Every sampling event on or off.  An event on a task covers the clones it was inherited
 * into (the ioctl walks its children), and a thread made later inherits the state of the
 * moment: one ioctl per (thread listed at start, CPU). */
static void set_sampling(struct sampler *S, int on)
{
	for (int i = 0; i < S->nfds; i++)
		if (!S->fds[i].tracking)
			ioctl(S->fds[i].fd, on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

/* A switch the signals asked for, applied.  Off: the events are disabled first, then the rings
 * drained, so the interval that ends holds every sample it took (a sample is in its ring
 * before the disable returns: the disable runs on the event's CPU, after its interrupt).
 * On: drained first, so the off interval ends with what it had (nothing). */
static void apply_switch(struct sampler *S)
{
	uint64_t asked;
	int on;

	if (!sample_switch_asked(&S->sw, &on, &asked))
		return;
	if (!on)
		set_sampling(S, 0);
	drain(S);
	sample_switch_mark(&S->sw, 1, on, asked, S->s.samples, S->s.samples);
	if (on)
		set_sampling(S, 1);
	sample_debug("sampling %s (switch %" PRIu64 ", %.3f ms after the signal)", on ? "on" : "off",
		  S->sw.switches, (double)(now_ns() - asked) / 1e6);
}

/* epoll loop: drain on wake-ups, flush on time, notice hangups and the command's exit. */
static void run_loop(struct sampler *S, const sigset_t *waitmask)
{
	uint64_t flush_every = (uint64_t)(S->o.c.flush_s * 1e9), next_flush = 0;
	struct epoll_event evs[64];

	if (flush_every)
		next_flush = now_ns() + flush_every;
	while (!sample_stop) {
		int timeout = -1, n;
		uint64_t now;

		if (next_flush) {
			now = now_ns();
			timeout = now >= next_flush ? 0 : (int)((next_flush - now + 999999) / 1000000);
		}
		n = epoll_pwait(S->epfd, evs, 64, timeout, waitmask);
		apply_switch(S);
		for (int i = 0; i < n; i++) {
			uint32_t k = evs[i].data.u32;

			if (k == UINT32_MAX) {
				sample_sigchld = 1;	/* the command's pidfd: it exited */
				continue;
			}
			if (k == UINT32_MAX - 1)
				continue;	/* the switching pipe: below */
			if ((evs[i].events & (EPOLLHUP | EPOLLERR)) && k < (uint32_t)S->nfds &&
			    S->fds[k].live) {
				/* its task and all the task's children have exited */
				epoll_ctl(S->epfd, EPOLL_CTL_DEL, S->fds[k].fd, NULL);
				S->fds[k].live = 0;
				S->live_fds--;
			}
		}
		drain(S);
		if (sample_sigchld) {
			sample_sigchld = 0;
			sample_cmd_reap(&S->cmd, 0);
			if (S->cmd.reaped)
				break;
		}
		if (S->o.mode == TARGET_PID && S->live_fds == 0) {
			sample_debug("pid %d and its children have exited", (int)S->o.c.pid);
			break;
		}
		if (next_flush && now_ns() >= next_flush) {
			flush(S, 0);
			next_flush += flush_every;
			if (next_flush < now_ns())
				next_flush = now_ns() + flush_every;
		}
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void sampler_free(struct sampler *S)
{
	for (int i = 0; i < S->ncpus && S->rings; i++)
		ring_unmap(&S->rings[i]);
	for (int i = 0; i < S->nfds; i++)
		close(S->fds[i].fd);
	if (S->epfd >= 0)
		close(S->epfd);
	if (S->child_pidfd >= 0)
		close(S->child_pidfd);
	free(S->fds);
	free(S->rings);
	free(S->cpus);
	session_free(&S->s);
}

int sample_main(int argc, char **argv)
{
	struct sampler S = { .epfd = -1, .child_pidfd = -1, .cmd = SAMPLE_CMD_INIT, .sw = { .fd = -1 } };
	struct sample_signals sig = { .taken = 0 };
	int rc, code = EXIT_FAIL, r;
	char err[256];
	uint64_t covered, wall;

	if (argc > 1 && !strcmp(argv[1], "--bpf"))
		return sample_bpf_main(argc, argv);
	rc = parse_args(argc, argv, &S.o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (perfevent_lookup(S.o.c.event, &S.ev, err, sizeof(err)) < 0)
		return usage_error("%s", err);
	if ((rc = sample_check_target(&S.o.c, 1, SAMPLE_HELP)) != 0)
		return rc;
	if ((S.o.c.out && sample_check_writable(S.o.c.out) < 0) ||
	    (S.o.c.folded && sample_check_writable(S.o.c.folded) < 0) ||
	    (S.o.c.stats && sample_check_writable(S.o.c.stats) < 0))
		return EXIT_USAGE;
	raise_nofile();

	if (sample_switch_init(&S.sw, S.o.paused) < 0)
		return EXIT_FAIL;
	sample_signals_take(&sig, &S.sw);

	session_init(&S.s, S.o.max_stacks);
	S.ncpus = online_cpus(&S.cpus);
	S.rings = xcalloc((size_t)S.ncpus, sizeof(*S.rings));
	for (int i = 0; i < S.ncpus; i++)
		S.rings[i].fd = -1;
	S.epfd = epoll_create1(EPOLL_CLOEXEC);
	perfevent_attr(&S.ev, S.o.c.freq_hz, S.o.period, S.o.mode != TARGET_SYSTEM,
		   S.o.mode == TARGET_COMMAND, 0, &S.attr);
	S.attr.wakeup_watermark = (uint32_t)(S.o.ring_pages * (size_t)sysconf(_SC_PAGESIZE) / 2);
	if (S.o.paused)
		paused_layout(&S);
	if (S.sw.fd >= 0) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = UINT32_MAX - 1 };

		epoll_ctl(S.epfd, EPOLL_CTL_ADD, S.sw.fd, &e);
	}
	sample_debug("%s, %s %" PRIu64 ", %d CPUs, rings of %zu pages, at most %u stacks (%.1f MB)",
		  S.ev.name, S.o.c.freq_hz ? "frequency" : "period",
		  S.o.c.freq_hz ? S.o.c.freq_hz : S.o.period, S.ncpus, S.o.ring_pages, S.o.max_stacks,
		  (double)stacks_cap_bytes(S.o.max_stacks) / 1048576.0);

	switch (S.o.mode) {
	case TARGET_PID:
		/* what it has mapped already; MMAP2 records bring the rest */
		maps_load(&S.s.maps, S.o.c.pid, 0);
		r = open_pid(&S, &code);
		break;
	case TARGET_SYSTEM:
		r = open_on(&S, -1, &code);
		break;
	default:
		r = sample_cmd_fork(&S.cmd, S.o.cmd, &sig.orig, sig.old);
		if (r == 0)
			r = open_on(&S, S.cmd.pid, &code);
		if (r < 0 && S.cmd.pid > 0) {
			kill(S.cmd.pid, SIGKILL);
			sample_cmd_reap(&S.cmd, 1);
		}
		break;
	}
	if (r < 0) {
		rc = code;
		goto out;
	}
	if (S.o.mode == TARGET_COMMAND) {
		rc = sample_cmd_release(&S.cmd, S.o.cmd[0]);
		if (rc)
			goto out;
		S.child_pidfd = sample_cmd_watch(&S.cmd, S.epfd, UINT32_MAX);
	}
	S.start_ns = now_ns();
	S.start_wall_ns = wall_ns();
	S.ready_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	S.sw.since_ns = S.start_ns;
	fprintf(stderr, "tare-sample: ready\n");
	fflush(stderr);

	run_loop(&S, &sig.orig);
	if (sample_stop)
		sample_debug("stopping on %s", strsignal(sample_stop));
	sample_cmd_stop(&S.cmd, SAMPLE_WAIT_CHILD_S, drain_cb, &S);	/* a command we started */
	/* stop sampling, then take what the rings still hold */
	for (int i = 0; i < S.nfds; i++)
		ioctl(S.fds[i].fd, PERF_EVENT_IOC_DISABLE, 0);
	wall = now_ns() - S.start_ns;
	drain(&S);
	sample_switch_mark(&S.sw, 0, 0, 0, S.s.samples, S.s.samples);	/* the last interval */
	flush(&S, 1);
	covered = covered_ns(&S);
	report(&S, covered, wall);
	rc = S.write_failed ? EXIT_FAIL : 0;
	if (S.o.mode == TARGET_COMMAND && !rc)
		rc = sample_cmd_exit_code(&S.cmd);
out:
	sample_cmd_close(&S.cmd);
	sampler_free(&S);
	sample_signals_restore(&sig);
	sample_switch_free(&S.sw);
	return rc;
}
