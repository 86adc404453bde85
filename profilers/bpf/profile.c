/* profile.c — `tare sample --bpf`: the eBPF sampler's user side (docs/bpf.md); this file is the
 * command (options, setup, the run loop, switching, the end), profile_attach.c loads and
 * attaches, profile_ingest.c turns the maps into profiles.
 *
 * Loads profile.bpf.c (a skeleton made by bpftool at build time), configures it through its
 * .rodata before load, puts the target in the `targets` set, attaches the programs of the types
 * asked for, and then mostly sleeps: the kernel aggregates stacks.  It wakes for process events
 * (fork, exec, exit, from a BPF ring buffer), for new stacks (a per-CPU counter of new counts
 * entries, looked at every POLL_NS), and to flush.  A stack is named when it is first seen —
 * its user addresses turned into (object, file offset) with the process's mappings of that
 * moment, as the perf-ring sampler does at ingestion — and at flush every type's table is
 * symbolized and written with the perf-ring sampler's own code (maps.c, symbols.c, pprof.c,
 * folded.c), one profile per type.  With --paused it also wakes for SIGUSR1/SIGUSR2, which
 * switch the programs (a flag in .data) and the cpu perf events on and off.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "profile_int.h"

#include "parse.h"
#include "perfevent.h"
#include "sample.h"
#include "samplecli.h"
#include "util.h"

#define BPF_DEFAULT_HZ		99
#define BPF_DEFAULT_FLUSH_S	15.0
#define BPF_DEFAULT_ALLOC_MEAN	(512 * 1024)
#define BPF_DEFAULT_OUT		"profile.pb.gz"
#define BPF_POLL_NS		1000000000ull	/* look for new stacks this often */

const char *const ptype_names[TARE_NTYPES] = { "cpu", "offcpu", "lock", "alloc" };

static const char usage_text[] =
	"usage: tare sample --bpf [-t TYPES] [-F HZ] [-e EVENT] [--per-thread] [-o FILE]\n"
	"                   [--folded FILE] [--stats FILE] [--flush SECONDS] [--max-stacks N]\n"
	"                   [--stack-depth N] [--offcpu-min-us US] [--alloc-rate BYTES]\n"
	"                   [--prog-stats] [--paused] [-v]\n"
	"                   (-p PID | [--] COMMAND [ARGS...])\n"
	"\n"
	"Profile with eBPF: stacks aggregated in the kernel, one pprof profile and one folded\n"
	"file per type (the type goes into the name: profile.cpu.pb.gz, profile.cpu.folded).\n"
	"\n"
	"  -t, --types LIST       any of cpu,offcpu,lock,alloc (default cpu)\n"
	"                           cpu     on-CPU samples (perf_event per CPU)\n"
	"                           offcpu  time blocked, per stack (sched_switch)\n"
	"                           lock    pthread_mutex_lock contentions and wait (uprobes)\n"
	"                           alloc   sampled malloc/calloc/realloc, in-use via free\n"
	"  -F, --freq HZ          cpu: samples per second of CPU (default 99)\n"
	"  -e, --event EVENT      cpu: cpu-clock (default); cycles, instructions with a PMU\n"
	"      --per-thread       cpu: an event per thread of the target (inherited by the\n"
	"                         threads and children it makes), not one per CPU\n"
	"  -o, --output FILE      pprof profiles, gzip'd (default profile.pb.gz unless\n"
	"                         --folded is given)\n"
	"      --folded FILE      folded stacks, root first; cpu counts samples, offcpu and\n"
	"                         lock nanoseconds, alloc bytes\n"
	"      --stats FILE       the sampler's own figures as one JSON line, at exit\n"
	"      --flush SECONDS    rewrite the outputs this often (default 15; 0: at exit)\n"
	"      --max-stacks N     distinct stacks per type (default 4096)\n"
	"      --stack-depth N    frames kept per stack, user and kernel apart (default 64,\n"
	"                         at most 127)\n"
	"      --offcpu-min-us US offcpu: shorter blocks are not recorded (default 0)\n"
	"      --alloc-rate BYTES alloc: a sample every BYTES allocated, on average\n"
	"                         (default 524288, like tcmalloc and Go)\n"
	"      --prog-stats       count the BPF programs' runs and run time (costs ~2 clock\n"
	"                         reads a run) and report them\n"
	"      --paused           start with every type off (attached, nothing recorded);\n"
	"                         SIGUSR1 switches them on, SIGUSR2 off (--stats: intervals)\n"
	"  -p, --pid PID          the process PID and the children it forks from now on\n"
	"  -v, --verbose          say what it does, and show libbpf's messages\n"
	"\n"
	"Ready when it prints \"tare-sample: ready\" on stderr.  SIGINT or SIGTERM: write the\n"
	"outputs and exit 0.  2: usage or a PID that does not exist; 3: cannot profile here\n"
	"(no CAP_BPF/CAP_PERFMON, no BPF, no glibc in the target for lock and alloc).\n"
	"\n"
	"With --paused, SIGUSR1 and SIGUSR2 switch every type on and off at once: the programs\n"
	"return at their first instruction while off, and the cpu perf events are disabled (no\n"
	"sampling interrupts); --stats records each interval: on or off, its wall time, its\n"
	"cpu samples and every event the programs recorded.\n";

#define BPF_HELP "tare sample --bpf --help"
#define usage_error(...) sample_usage(BPF_HELP, __VA_ARGS__)

static int parse_types(const char *s, unsigned *out)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	unsigned m = 0;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		int k = 0;

		while (k < TARE_NTYPES && strcmp(tok, ptype_names[k]))
			k++;
		if (k == TARE_NTYPES)
			rc = usage_error("-t %s: '%s' is not a profile type (cpu, offcpu, lock, alloc)",
					 s, tok);
		m |= 1u << k;
	}
	free(copy);
	if (!rc && !m)
		rc = usage_error("-t '%s': name at least one type (cpu, offcpu, lock, alloc)", s);
	*out = m;
	return rc;
}

/* argv[1] is "--bpf". */
static int parse_args(int argc, char **argv, struct bpf_opts *o)
{
	enum { OPT_MAX_STACKS = SAMPLE_OPT_OWN, OPT_DEPTH, OPT_OFFCPU_MIN, OPT_ALLOC_RATE,
	       OPT_PROG_STATS, OPT_PER_THREAD, OPT_PAUSED };
	static const struct option opts[] = {
		SAMPLE_COMMON_LONGOPTS,
		{ "types",         required_argument, NULL, 't' },
		{ "help",          no_argument,       NULL, 'h' },
		{ "max-stacks",    required_argument, NULL, OPT_MAX_STACKS },
		{ "stack-depth",   required_argument, NULL, OPT_DEPTH },
		{ "offcpu-min-us", required_argument, NULL, OPT_OFFCPU_MIN },
		{ "alloc-rate",    required_argument, NULL, OPT_ALLOC_RATE },
		{ "prog-stats",    no_argument,       NULL, OPT_PROG_STATS },
		{ "per-thread",    no_argument,       NULL, OPT_PER_THREAD },
		{ "paused",        no_argument,       NULL, OPT_PAUSED },
		{ NULL, 0, NULL, 0 },
	};
	int c, taken;
	uint64_t v;

	*o = (struct bpf_opts){ .c = { .freq_hz = BPF_DEFAULT_HZ, .event = "cpu-clock",
				       .flush_s = BPF_DEFAULT_FLUSH_S },
				.types = 1u << TARE_CPU, .max_stacks = STACKS_DEFAULT_MAX,
				.depth = TARE_DEFAULT_DEPTH, .alloc_mean = BPF_DEFAULT_ALLOC_MEAN };
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:" SAMPLE_COMMON_SHORTOPTS "t:h", opts, NULL)) != -1) {
		if ((taken = sample_common_opt(c, optarg, &o->c, BPF_HELP)) != 0) {
			if (taken != 1)
				return taken;
			continue;
		}
		switch (c) {
		case 't':
			if (parse_types(optarg, &o->types))
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case OPT_MAX_STACKS:
			if (!parse_u64(optarg, 16, 1u << 20, &v))
				return usage_error("--max-stacks %s: expected 16 to %u", optarg, 1u << 20);
			o->max_stacks = (uint32_t)v;
			break;
		case OPT_DEPTH:
			if (!parse_u64(optarg, 1, TARE_MAX_DEPTH, &v))
				return usage_error("--stack-depth %s: expected 1 to %d", optarg,
						   TARE_MAX_DEPTH);
			o->depth = (uint32_t)v;
			break;
		case OPT_OFFCPU_MIN:
			if (!parse_u64(optarg, 0, 1000000000, &v))
				return usage_error("--offcpu-min-us %s: expected microseconds, 0 to 1e9",
						   optarg);
			o->offcpu_min_ns = v * 1000;
			break;
		case OPT_ALLOC_RATE:
			if (!parse_u64(optarg, 1, TARE_ALLOC_MAX_MEAN, &v))
				return usage_error("--alloc-rate %s: expected bytes, 1 to %llu", optarg,
						   (unsigned long long)TARE_ALLOC_MAX_MEAN);
			o->alloc_mean = v;
			break;
		case OPT_PROG_STATS:
			o->prog_stats = 1;
			break;
		case OPT_PER_THREAD:
			o->per_thread = 1;
			break;
		case OPT_PAUSED:
			o->paused = 1;
			break;
		case ':':
			return usage_error("%s: expected a value", argv[optind - 1]);
		default:
			if (!strcmp(argv[optind - 1], "-a") || !strcmp(argv[optind - 1], "--all-cpus"))
				return usage_error("--bpf profiles a process tree: give -p PID or a "
						   "command, not -a");
			return usage_error("%s: unknown option", argv[optind - 1]);
		}
	}
	if (o->c.have_pid + (optind < argc) != 1)
		return usage_error("what to profile? -p PID, or a command after --");
	o->mode = o->c.have_pid ? BPF_TARGET_PID : BPF_TARGET_COMMAND;
	o->cmd = argv + optind;
	if (!o->c.out && !o->c.folded)
		o->c.out = BPF_DEFAULT_OUT;
	return 0;
}

/* FILE with the type inserted before its first extension: profile.pb.gz -> profile.cpu.pb.gz,
 * out -> out.cpu. */
static char *typed_name(const char *path, const char *type)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strchr(base[0] == '.' ? base + 1 : base, '.');
	if (!dot)
		return xasprintf("%s.%s", path, type);
	return xasprintf("%.*s.%s%s", (int)(dot - path), path, type, dot);
}

/* ---- the loop ----------------------------------------------------------------------------- */

static void poll_targets(struct bsampler *S)
{
	for (int i = 0; i < S->nprocs; i++) {
		struct bproc *p = &S->procs[i];

		if (p->exited)
			continue;
		bproc_cpu_update(p);
		/* a lost exit event: the process is gone all the same */
		if (kill(p->pid, 0) < 0 && errno == ESRCH) {
			p->exited = 1;
			S->live_targets--;
		}
	}
}

/* Processes whose exec has settled take their new mappings now, keys or not: a program that is
 * never sampled (a sleep) would otherwise keep its settle time in the past, and the loop would
 * wake at once, forever, with no chance for a signal to land. */
static void settle_execs(struct bsampler *S, uint64_t now)
{
	for (int i = 0; i < S->nprocs; i++) {
		struct bproc *p = &S->procs[i];

		if (p->gen_seen > p->gen && !p->exited && now >= p->exec_ns + BPF_EXEC_SETTLE_NS) {
			struct mm *mm = maps_load(&S->s.maps, p->pid, 0);

			/* read before any frame asked for it: let the first miss (a library loaded
			 * later) read again rather than wait out the reload limit */
			if (mm)
				mm->reloaded_ns = 0;
			p->gen = p->gen_seen;
		}
	}
}

/* The targets' CPU time since attach, read now: /proc, or a reaped command's rusage (which
 * also has what it used after the last read). */
static uint64_t targets_cpu_now(struct bsampler *S)
{
	uint64_t t;

	poll_targets(S);
	t = bsampler_targets_cpu_ns(S);
	if (S->o.mode == BPF_TARGET_COMMAND && S->cmd.reaped && S->nprocs) {
		uint64_t r = rusage_cpu_ns(&S->cmd.ru), r0 = S->procs[0].cpu_start_ns;

		if (r > r0 && r - r0 > t)
			t = r - r0;
	}
	return t;
}

/* The running totals an interval is charged: the cpu samples, and every event recorded. */
static void switch_counts(struct bsampler *S, uint64_t *samples, uint64_t *events)
{
	uint64_t st[TARE_NSTATS];

	bsampler_stats_all(S, st);
	*samples = st[TARE_ST_CPU_SAMPLES];
	*events = st[TARE_ST_CPU_SAMPLES] + st[TARE_ST_OFFCPU_BLOCKS] + st[TARE_ST_LOCK_CALLS] +
		  st[TARE_ST_ALLOC_CALLS] + st[TARE_ST_FREES];
}

/* The programs' flag and the cpu events.  Off: the flag first (a program that starts after it
 * returns at once), then the events (the disable runs on each event's CPU, after any sample in
 * progress there: once it returns no cpu program is running).  On: the generation first, so a
 * program that sees the flag set sees the new generation. */
static void set_sampling(struct bsampler *S, int on)
{
	if (!on)
		__atomic_store_n(&S->skel->data->sampling_on, 0, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&S->skel->bss->switch_gen, 1, __ATOMIC_SEQ_CST);
	if (on)
		__atomic_store_n(&S->skel->data->sampling_on, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < S->ncpu_fds; i++)
		if (S->cpu_fds[i] >= 0)
			ioctl(S->cpu_fds[i], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

/* A switch the signals asked for, applied, and the interval it ends charged with the counters'
 * growth.  (An event of a uprobe or tracepoint program that read the flag just before it was
 * cleared may land in the off interval; the cpu program cannot: above.)  Per-CPU cpu events
 * cover the targets' CPU only while on: their CPU time while off is read from /proc here. */
static void apply_switch(struct bsampler *S)
{
	uint64_t asked, samples, events;
	int on;

	if (!sample_switch_asked(&S->sw, &on, &asked))
		return;
	if (!on)
		set_sampling(S, 0);
	switch_counts(S, &samples, &events);
	sample_switch_mark(&S->sw, 1, on, asked, samples, events);
	if (on)
		set_sampling(S, 1);
	if (S->t[TARE_CPU].on && !S->o.per_thread) {
		if (on)
			S->on_mark_ns = targets_cpu_now(S);
		else
			S->on_cpu_ns += targets_cpu_now(S) - S->on_mark_ns;
	}
	sample_debug("sampling %s (switch %" PRIu64 ", %.3f ms after the signal)", on ? "on" : "off",
		  S->sw.switches, (double)(now_ns() - asked) / 1e6);
}

static void run_loop(struct bsampler *S, const sigset_t *waitmask)
{
	uint64_t flush_every = (uint64_t)(S->o.c.flush_s * 1e9), next_flush = 0;
	uint64_t next_poll = now_ns() + BPF_POLL_NS;
	struct epoll_event evs[8];

	if (flush_every)
		next_flush = now_ns() + flush_every;
	while (!sample_stop) {
		uint64_t now = now_ns(), wake = next_poll, settle = UINT64_MAX, nk;
		int n, timeout;

		for (int i = 0; i < S->nprocs; i++)	/* an exec to settle */
			if (S->procs[i].gen_seen > S->procs[i].gen && !S->procs[i].exited &&
			    S->procs[i].exec_ns + BPF_EXEC_SETTLE_NS < settle)
				settle = S->procs[i].exec_ns + BPF_EXEC_SETTLE_NS;
		if (settle < wake)
			wake = settle;
		if (next_flush && next_flush < wake)
			wake = next_flush;
		timeout = wake <= now ? 0 : (int)((wake - now + 999999) / 1000000);
		n = epoll_pwait(S->epfd, evs, 8, timeout, waitmask);
		apply_switch(S);	/* its pipe is data.u32 2 */
		for (int i = 0; i < n; i++)
			if (evs[i].data.u32 == 1)
				sample_sigchld = 1;	/* the command's pidfd */
		ring_buffer__consume(S->rb);
		if (sample_sigchld) {
			sample_sigchld = 0;
			sample_cmd_reap(&S->cmd, 0);
			if (S->cmd.reaped)
				break;
		}
		now = now_ns();
		nk = bsampler_stat_sum(S, TARE_ST_NEW_KEYS);
		if (nk != S->new_keys_seen || now >= settle) {
			/* new stacks: name them while their processes' mappings are current */
			S->new_keys_seen = nk;
			bsampler_ingest(S);
			if (now >= settle)
				settle_execs(S, now);
		}
		if (now >= next_poll) {
			poll_targets(S);
			next_poll = now + BPF_POLL_NS;
		}
		if (S->o.mode == BPF_TARGET_PID && S->live_targets <= 0) {
			sample_debug("pid %d and its children have exited", (int)S->o.c.pid);
			break;
		}
		if (next_flush && now >= next_flush) {
			bsampler_flush(S, 0);
			next_flush += flush_every;
			if (next_flush < now_ns())
				next_flush = now_ns() + flush_every;
		}
	}
}

static void sampler_free(struct bsampler *S)
{
	/* links first (detach), then the object (programs and maps) */
	bsampler_detach(S, 0);
	free(S->links);
	free(S->link_cpu);
	ring_buffer__free(S->rb);
	profile_bpf__destroy(S->skel);
	if (S->stats_fd >= 0)
		close(S->stats_fd);
	if (S->epfd >= 0)
		close(S->epfd);
	if (S->child_pidfd >= 0)
		close(S->child_pidfd);
	for (int i = 0; i < S->ncpu_fds; i++)
		if (S->cpu_fds[i] >= 0)
			close(S->cpu_fds[i]);
	free(S->cpu_fds);
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		stacks_free(&S->t[ty].st);
		free(S->t[ty].val);
		free(S->t[ty].out);
		free(S->t[ty].folded);
	}
	free(S->cache);
	free(S->procs);
	free(S->kbuf);
	free(S->vbuf);
	free(S->lkbuf);
	free(S->lvbuf);
	free(S->frames);
	free(S->mirror);
	free(S->pool);
	free(S->sbuf);
	free(S->svbuf);
	free(S->locs);
	session_free(&S->s);
}

int sample_bpf_main(int argc, char **argv)
{
	struct bsampler S = { .epfd = -1, .child_pidfd = -1, .cmd = SAMPLE_CMD_INIT, .stats_fd = -1,
			      .sw = { .fd = -1 } };
	struct sample_signals sig = { .taken = 0 };
	int rc;
	char err[256];
	uint64_t wall, cache_n = 16;

	rc = parse_args(argc, argv, &S.o);
	if (rc)
		return rc < 0 ? 0 : rc;
	session_init(&S.s, 1);
	if (perfevent_lookup(S.o.c.event, &S.ev, err, sizeof(err)) < 0) {
		rc = usage_error("%s", err);
		goto out;
	}
	rc = sample_check_target(&S.o.c, (S.o.types & (1u << TARE_CPU)) != 0, BPF_HELP);
	if (rc)
		goto out;
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		struct ptype *T = &S.t[ty];

		if (!(S.o.types & (1u << ty)))
			continue;
		T->on = 1;
		T->out = S.o.c.out ? typed_name(S.o.c.out, ptype_names[ty]) : NULL;
		T->folded = S.o.c.folded ? typed_name(S.o.c.folded, ptype_names[ty]) : NULL;
		if ((T->out && sample_check_writable(T->out) < 0) ||
		    (T->folded && sample_check_writable(T->folded) < 0)) {
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (S.o.c.stats && sample_check_writable(S.o.c.stats) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}

	if (sample_switch_init(&S.sw, S.o.paused) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	sample_signals_take(&sig, &S.sw);
	rc = bsampler_load(&S);
	if (rc)
		goto out;
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		if (!S.t[ty].on)
			continue;
		struct profile_values pv;
		uint64_t period;

		stacks_init(&S.t[ty].st, S.o.max_stacks);
		bsampler_type_values(&S, ty, &pv, &period);
		S.t[ty].nv = pv.n;	/* the row stride pprof.c reads with */
		S.t[ty].val = xcalloc((size_t)S.o.max_stacks * (size_t)S.t[ty].nv, sizeof(int64_t));
	}
	while (cache_n < 2ull * (S.counts_max + 1))
		cache_n <<= 1;
	S.cache = xcalloc(cache_n, sizeof(*S.cache));
	S.cache_mask = (uint32_t)cache_n - 1;
	S.kbuf = xcalloc(S.counts_max, sizeof(*S.kbuf));
	S.vbuf = xcalloc(S.counts_max, sizeof(*S.vbuf));
	S.lkbuf = xcalloc(S.live_max, sizeof(*S.lkbuf));
	S.lvbuf = xcalloc(S.live_max, sizeof(*S.lvbuf));
	S.frames = xcalloc(S.o.depth, sizeof(*S.frames));
	{
		size_t mn = 1;

		while (mn < 2ull * S.stacks_max)
			mn <<= 1;
		S.mirror = xcalloc(mn, sizeof(*S.mirror));
		S.mirror_mask = (uint32_t)mn - 1;
	}
	S.sbuf = xcalloc(MIRROR_BATCH, (size_t)S.o.depth * sizeof(uint64_t));
	S.svbuf = xcalloc(MIRROR_BATCH, sizeof(*S.svbuf));
	S.locs = xcalloc(2 * (size_t)S.o.depth, sizeof(*S.locs));
	S.epfd = epoll_create1(EPOLL_CLOEXEC);
	{
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = 0 };

		epoll_ctl(S.epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(S.rb), &e);
		if (S.sw.fd >= 0) {
			e.data.u32 = 2;
			epoll_ctl(S.epfd, EPOLL_CTL_ADD, S.sw.fd, &e);
		}
	}

	if (S.o.mode == BPF_TARGET_COMMAND) {
		if (sample_cmd_fork(&S.cmd, S.o.cmd, &sig.orig, sig.old) < 0) {
			rc = EXIT_FAIL;
			goto out;
		}
		S.o.c.pid = S.cmd.pid;
	}
	{
		struct bproc *p = bproc_add(&S, S.o.c.pid);

		maps_load(&S.s.maps, S.o.c.pid, 0);	/* what it maps now; an exec reloads */
		bproc_cpu_update(p);
	}
	rc = bsampler_attach_all(&S);
	if (rc) {
		if (S.cmd.pid > 0) {
			kill(S.cmd.pid, SIGKILL);
			sample_cmd_reap(&S.cmd, 1);
		}
		goto out;
	}
	if (S.o.mode == BPF_TARGET_COMMAND) {
		rc = sample_cmd_release(&S.cmd, S.o.cmd[0]);
		if (rc)
			goto out;
		S.child_pidfd = sample_cmd_watch(&S.cmd, S.epfd, 1);
	} else if (kill(S.o.c.pid, 0) < 0 && errno == ESRCH) {
		/* it exited while we attached: nothing to profile, but the outputs are written */
		S.procs[0].exited = 1;
		S.live_targets--;
	}
	S.start_ns = now_ns();
	S.start_wall_ns = wall_ns();
	S.ready_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	S.sw.since_ns = S.start_ns;
	sample_debug("%s, %u stacks per type, %u frames per stack, %d links", S.ev.name,
		  S.o.max_stacks, S.o.depth, S.nlinks);
	fprintf(stderr, "tare-sample: ready\n");
	fflush(stderr);

	run_loop(&S, &sig.orig);
	if (sample_stop)
		sample_debug("stopping on %s", strsignal(sample_stop));
	/* Stop sampling CPU first and take the CPU time it covered at that moment (detaching
	 * uprobes takes a while, RCU grace periods, and the cpu samples must not run on), then the
	 * rest; then read what they left. */
	sample_cmd_stop(&S.cmd, SAMPLE_WAIT_CHILD_S, NULL, NULL);	/* a command we started */
	bsampler_detach(&S, 1);
	poll_targets(&S);
	wall = now_ns() - S.start_ns;
	{
		uint64_t samples, events;

		switch_counts(&S, &samples, &events);
		sample_switch_mark(&S.sw, 0, 0, 0, samples, events);	/* the last interval */
		if (S.sw.switchable && S.sw.on && S.t[TARE_CPU].on && !S.o.per_thread)
			S.on_cpu_ns += targets_cpu_now(&S) - S.on_mark_ns;
	}
	bsampler_detach(&S, 0);
	ring_buffer__consume(S.rb);
	bsampler_flush(&S, 1);
	bsampler_report(&S, wall);
	rc = S.write_failed ? EXIT_FAIL : 0;
	if (S.o.mode == BPF_TARGET_COMMAND && !rc)
		rc = sample_cmd_exit_code(&S.cmd);
out:
	sample_cmd_close(&S.cmd);
	sampler_free(&S);
	sample_signals_restore(&sig);
	sample_switch_free(&S.sw);
	return rc;
}
