/* profile.c — `tare sample --bpf`: the eBPF sampler's user side (docs/bpf.md).
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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <libelf.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <linux/types.h>
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

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "profile.h"
#include "profile.skel.h"

#include "output.h"
#include "parse.h"
#include "perfevent.h"
#include "record.h"
#include "sample.h"
#include "samplecli.h"
#include "symbols.h"
#include "util.h"

#define BPF_DEFAULT_HZ		99
#define BPF_DEFAULT_FLUSH_S	15.0
#define BPF_DEFAULT_ALLOC_MEAN	(512 * 1024)
#define BPF_DEFAULT_OUT		"profile.pb.gz"
#define BPF_POLL_NS		1000000000ull	/* look for new stacks this often */
#define BPF_EXEC_SETTLE_NS	20000000ull	/* after an exec, let ld.so map the libraries */
#define BPF_RELOAD_NS		1000000000ull	/* a missed address re-reads /proc at most this often */
#define BPF_MAX_TARGETS		1024
#define BPF_LIVE_PER_STACK	2		/* live sampled allocations tracked: 2 x max-stacks */

static const char *const type_names[TARE_NTYPES] = { "cpu", "offcpu", "lock", "alloc" };

enum bpf_mode { BPF_TARGET_PID, BPF_TARGET_COMMAND };

struct bpf_opts {
	struct sample_common c;		/* -F -e -o -p -v --folded --stats --flush */
	unsigned types;			/* 1 << TARE_* */
	uint32_t max_stacks, depth;
	uint64_t offcpu_min_ns, alloc_mean;
	int prog_stats;
	int per_thread;			/* cpu: an event per thread, not per CPU */
	int paused;			/* switchable, starting off */
	enum bpf_mode mode;
	char **cmd;
};

/* One profile type's table in user space: its stacks (locations interned per table) and the
 * values of each, recomputed from the BPF maps at every flush. */
struct ptype {
	int on;
	struct stacks st;
	int nv;				/* values per stack: 2, alloc 4 (its pprof sample types) */
	int64_t *val;			/* [max_stacks * nv] */
	char *out, *folded;		/* the file names, the type inserted */
	uint64_t frames, unmapped_frames, truncated;
};

/* A BPF counts key already seen, and the table row it was named into (-1: dropped). */
struct keyslot {
	struct tare_key key;
	int32_t idx;
	uint32_t used;
};

/* A process followed: which generation of its mappings maps.c holds. */
struct bproc {
	int32_t pid;
	uint32_t gen;			/* of the mappings loaded */
	uint32_t gen_seen;		/* the latest exec's, from the events */
	int exited;
	uint64_t exec_ns;		/* when its latest exec was reported */
	uint64_t cpu_start_ns, cpu_last_ns;	/* its CPU time (utime + stime), for the rate */
	int cpu_known;
};

struct bsampler {
	struct bpf_opts o;
	struct event_spec ev;
	struct profile_bpf *skel;
	struct bpf_link **links;
	unsigned char *link_cpu;	/* links[i] is a cpu event: stopped first */
	int nlinks, caplinks;
	struct ring_buffer *rb;
	int epfd;
	struct session s;		/* the shared strings and mappings (s.stacks unused) */
	struct ptype t[TARE_NTYPES];
	struct keyslot *cache;
	uint32_t cache_mask, cache_used;
	struct bproc *procs;
	int nprocs, capprocs, live_targets;
	/* batch reads of the maps */
	uint32_t counts_max, live_max;
	struct tare_key *kbuf;
	struct tare_val *vbuf;
	struct tare_live_key *lkbuf;
	struct tare_live *lvbuf;
	uint64_t *frames;		/* one stack, depth entries */
	/* The stack parts the programs interned, mirrored by id (a part is never changed or
	 * removed, so a copy stays right): an open-addressing table id -> frames in a pool. */
	uint32_t stacks_max, mirror_mask, mirror_used;
	struct mirror_slot { uint32_t id, nr; uint64_t off; int used; } *mirror;
	uint64_t *pool;
	size_t npool, cappool;
	uint64_t stacks_mirrored;	/* TARE_ST_NEW_STACKS when the mirror was last read */
	int walked;			/* the hash was walked in this ingest */
	unsigned char *sbuf;		/* a batch of the stacks hash's keys */
	struct tare_stack_val *svbuf;
	uint32_t *locs;
	uint64_t new_keys_seen;
	int libc_done, target_gone;	/* target_gone: it exited while we attached */
	char libc_path[PATH_MAX];
	int *cpu_fds, ncpu_fds, capcpu_fds;	/* the cpu events (dups), to read time_running */
	/* the command */
	struct sample_cmd cmd;
	int child_pidfd;
	/* switching */
	struct sample_switch sw;
	uint64_t on_cpu_ns, on_mark_ns;	/* cpu per CPU: the targets' CPU time while on */
	/* accounting */
	uint64_t start_ns, start_wall_ns, ready_cpu_ns, flushes, flush_cpu_ns;
	uint64_t user_dropped[TARE_NTYPES];	/* stacks the user-space table could not keep */
	uint64_t deferred;
	int stats_fd;			/* BPF_ENABLE_STATS, with --prog-stats */
	int write_failed;
};

/* libbpf's own messages (the verifier's log among them) only with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!tare_verbose)
		return 0;
	fputs("tare sample: ", stderr);	/* libbpf says "libbpf: " itself */
	return vfprintf(stderr, fmt, ap);
}

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

		while (k < TARE_NTYPES && strcmp(tok, type_names[k]))
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

/* ---- processes -------------------------------------------------------------------------- */

static struct bproc *proc_find(struct bsampler *S, int32_t pid)
{
	for (int i = 0; i < S->nprocs; i++)
		if (S->procs[i].pid == pid)
			return &S->procs[i];
	return NULL;
}

/* utime + stime of a process (its threads, live and exited), ns; 0 when it is gone. */
static uint64_t proc_cpu_ns(int32_t pid)
{
	char path[64], *text, *p;
	unsigned long long ut = 0, st = 0;
	uint64_t ns = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = read_file(path, NULL);
	if (!text)
		return 0;
	p = strrchr(text, ')');	/* the name may hold spaces and parentheses */
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
		ns = (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
	free(text);
	return ns;
}

static void proc_cpu_update(struct bproc *p)
{
	uint64_t ns;

	if (p->exited)
		return;
	ns = proc_cpu_ns(p->pid);
	if (!ns)
		return;
	if (!p->cpu_known) {
		p->cpu_start_ns = ns;
		p->cpu_known = 1;
	}
	p->cpu_last_ns = ns;
}

static struct bproc *proc_add(struct bsampler *S, int32_t pid)
{
	struct bproc *p = proc_find(S, pid);

	if (p)
		return p;
	if (S->nprocs == S->capprocs) {
		S->capprocs = S->capprocs ? S->capprocs * 2 : 8;
		S->procs = xrealloc(S->procs, sizeof(*S->procs) * (size_t)S->capprocs);
	}
	p = &S->procs[S->nprocs++];
	*p = (struct bproc){ .pid = pid };
	S->live_targets++;
	return p;
}

/* ---- naming stacks ------------------------------------------------------------------------ */

static struct keyslot *cache_slot(struct bsampler *S, const struct tare_key *k)
{
	uint32_t i = (uint32_t)ref_hash_bytes(k, sizeof(*k), REF_HASH_SEED) & S->cache_mask;

	for (; S->cache[i].used; i = (i + 1) & S->cache_mask)
		if (!memcmp(&S->cache[i].key, k, sizeof(*k)))
			break;
	return &S->cache[i];
}

static uint64_t stat_sum(struct bsampler *S, int which);

static struct mirror_slot *mirror_slot(struct bsampler *S, uint32_t id)
{
	uint32_t i = (id * 2654435761u) & S->mirror_mask;

	while (S->mirror[i].used && S->mirror[i].id != id)
		i = (i + 1) & S->mirror_mask;
	return &S->mirror[i];
}

#define MIRROR_BATCH	256	/* stacks hash entries per batch read */

/* Copy the parts interned since the last read into the mirror: the whole hash, a batch at a
 * time, when the programs' counter says it has new parts, or when forced.  (The counter moves
 * just after an insert, so a key may name a part a moment before the counter says it is
 * there: a key whose part is missing forces one walk an ingest, and waits if that does not
 * find it either.) */
static void mirror_refresh(struct bsampler *S, int force)
{
	uint64_t interned = stat_sum(S, TARE_ST_NEW_STACKS);
	size_t ksz = (size_t)S->o.depth * sizeof(uint64_t);
	int fd = bpf_map__fd(S->skel->maps.tare_stacks);
	uint32_t in = 0, out = 0, count;
	void *inp = NULL;
	int err;

	if (interned == S->stacks_mirrored && !force)
		return;
	S->walked = 1;
	do {
		count = MIRROR_BATCH;
		err = bpf_map_lookup_batch(fd, inp, &out, S->sbuf, S->svbuf, &count, NULL);
		if (err && errno != ENOENT) {
			sample_debug("reading the stacks: %s", strerror(errno));
			return;	/* stacks_mirrored unchanged: the next ingest reads again */
		}
		for (uint32_t i = 0; i < count; i++) {
			const struct tare_stack_val *v = &S->svbuf[i];
			struct mirror_slot *m = mirror_slot(S, v->id);
			uint32_t nr = v->nr < S->o.depth ? v->nr : S->o.depth;

			if (m->used || S->mirror_used >= S->stacks_max)
				continue;
			if (S->npool + nr > S->cappool) {
				while (S->npool + nr > S->cappool)
					S->cappool = S->cappool ? 2 * S->cappool : 4096;
				S->pool = xrealloc(S->pool, S->cappool * sizeof(*S->pool));
			}
			memcpy(S->pool + S->npool, S->sbuf + (size_t)i * ksz, nr * sizeof(uint64_t));
			*m = (struct mirror_slot){ .id = v->id, .nr = nr, .off = S->npool, .used = 1 };
			S->npool += nr;
			S->mirror_used++;
		}
		in = out;
		inp = &in;
	} while (!err);
	S->stacks_mirrored = interned;
}

/* Whether the part with this id is in the mirror (-1: not taken, nothing to find). */
static int mirror_has(struct bsampler *S, int32_t id)
{
	if (id < 0 || mirror_slot(S, (uint32_t)id)->used)
		return 1;
	if (!S->walked)
		mirror_refresh(S, 1);
	return mirror_slot(S, (uint32_t)id)->used;
}

/* A stack part's frames, leaf first (S->frames); 0 when the id is none (-1: not taken). */
static uint32_t read_stack(struct bsampler *S, int32_t id)
{
	struct mirror_slot *m;

	if (id < 0)
		return 0;
	m = mirror_slot(S, (uint32_t)id);
	if (!m->used)
		return 0;	/* cannot happen: resolve_key asked mirror_has first */
	memcpy(S->frames, S->pool + m->off, m->nr * sizeof(uint64_t));
	return m->nr;
}

/* A user address of process p to a location: (object, file offset) through its mappings,
 * read again from /proc (at most once a second) when the address is in none of them. */
static uint32_t user_loc(struct bsampler *S, struct ptype *T, struct bproc *p, int stale,
			 uint64_t addr)
{
	struct mm *mm = maps_mm(&S->s.maps, p->pid);
	const struct mapping *map = stale ? NULL : mm_find(mm, addr);

	if (!map && !stale && !p->exited && (!mm || now_ns() - mm->reloaded_ns > BPF_RELOAD_NS)) {
		mm = maps_load(&S->s.maps, p->pid, 0);
		map = mm_find(mm, addr);
	}
	T->frames++;
	if (!map) {
		T->unmapped_frames++;
		return stacks_loc(&T->st, DSO_NONE, addr);
	}
	return stacks_loc(&T->st, map->dso, addr - map->start + map->pgoff);
}

#define KEY_DEFER (-2)

/* Name a counts key: its frames become locations of its type's table, kernel part first (leaf
 * first, as perf orders a call chain).  The first frame of a part is an exact address where
 * it is the interrupted instruction (cpu) or the user IP of a blocked thread (offcpu); the
 * others, and the first frame at a uretprobe (lock, alloc: the caller's return address), are
 * return addresses, looked up one byte back, inside the call.  The row, -1 when it cannot be
 * kept, KEY_DEFER when its process exec'd a moment ago (its libraries are not mapped yet) or a
 * part of its stack is not in the mirror yet. */
static int32_t resolve_key(struct bsampler *S, const struct tare_key *k)
{
	struct ptype *T = &S->t[k->type];
	struct bproc *p = proc_find(S, (int32_t)k->pid);
	uint32_t n = 0, nk, nu, comm = 0;
	int stale = 0, user_exact = k->type == TARE_CPU || k->type == TARE_OFFCPU;
	int kernel_exact = k->type == TARE_CPU;
	struct mm *mm;
	int64_t idx;

	if (!mirror_has(S, k->kstack) || !mirror_has(S, k->ustack))
		return KEY_DEFER;
	if (!p) {	/* its fork event was lost: read it now */
		p = proc_add(S, (int32_t)k->pid);
		p->gen = p->gen_seen = k->gen;
		maps_load(&S->s.maps, p->pid, 0);
	}
	if (k->gen > p->gen) {
		if (k->gen > p->gen_seen && !p->exited) {
			/* an exec whose event has not come (yet, or lost): settle from now */
			p->gen_seen = k->gen;
			p->exec_ns = now_ns();
		}
		if (!p->exited && now_ns() - p->exec_ns < BPF_EXEC_SETTLE_NS)
			return KEY_DEFER;
		if (!p->exited)
			maps_load(&S->s.maps, p->pid, 0);
		else
			stale = 1;	/* exec'd and exited before its mappings were read */
		p->gen = k->gen;
	} else if (k->gen < p->gen)
		stale = 1;		/* taken before an exec whose mappings replaced these */
	nk = read_stack(S, k->kstack);
	for (uint32_t i = 0; i < nk; i++) {
		uint64_t a = S->frames[i];

		if (!(S->locs[n] = stacks_loc(&T->st, DSO_KERNEL_ID, i == 0 && kernel_exact ? a : a - 1)))
			goto full;
		n++;
	}
	nu = read_stack(S, k->ustack);
	for (uint32_t i = 0; i < nu; i++) {
		uint64_t a = S->frames[i];

		if (!(S->locs[n] = user_loc(S, T, p, stale, i == 0 && user_exact ? a : a - 1)))
			goto full;
		n++;
	}
	if (nk == S->o.depth || nu == S->o.depth)
		T->truncated++;
	mm = maps_mm(&S->s.maps, p->pid);
	if (mm)
		comm = mm->comm;
	idx = stacks_intern(&T->st, p->pid, comm, S->locs, n);
	if (idx >= 0)
		return (int32_t)idx;
full:
	S->user_dropped[k->type]++;
	return -1;
}

/* ---- reading the maps --------------------------------------------------------------------- */

/* Every entry of a hash map into keys/vals (room for max); the number read. */
static uint32_t read_all(int fd, void *keys, void *vals, size_t ksz, size_t vsz, uint32_t max)
{
	uint32_t n = 0, count, in = 0, out = 0;
	void *inp = NULL;
	int err;

	for (;;) {
		count = max - n;
		if (!count)
			return n;
		err = bpf_map_lookup_batch(fd, inp, &out, (char *)keys + (size_t)n * ksz,
					   (char *)vals + (size_t)n * vsz, &count, NULL);
		if (err && errno != ENOENT) {
			if (n || inp)
				return n + (err ? 0 : count);
			break;	/* no batch operations: one at a time */
		}
		n += count;
		if (err)
			return n;
		in = out;
		inp = &in;
	}
	/* kernels before 5.6 */
	{
		char *prev = NULL, *cur;

		n = 0;
		while (n < max) {
			cur = (char *)keys + (size_t)n * ksz;
			if (bpf_map_get_next_key(fd, prev, cur))
				break;
			if (!bpf_map_lookup_elem(fd, cur, (char *)vals + (size_t)n * vsz)) {
				prev = cur;
				n++;
			}
		}
	}
	return n;
}

static uint64_t stat_sum(struct bsampler *S, int which)
{
	int ncpu = libbpf_num_possible_cpus();
	struct tare_stats *per = xcalloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*per));
	uint32_t zero = 0;
	uint64_t sum = 0;

	if (ncpu > 0 && !bpf_map_lookup_elem(bpf_map__fd(S->skel->maps.tare_stats), &zero, per))
		for (int c = 0; c < ncpu; c++)
			sum += per[c].v[which];
	free(per);
	return sum;
}

static void stats_all(struct bsampler *S, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct tare_stats *per = xcalloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*per));
	uint32_t zero = 0;

	memset(out, 0, sizeof(uint64_t) * TARE_NSTATS);
	if (ncpu > 0 && !bpf_map_lookup_elem(bpf_map__fd(S->skel->maps.tare_stats), &zero, per))
		for (int c = 0; c < ncpu; c++)
			for (int i = 0; i < TARE_NSTATS; i++)
				out[i] += per[c].v[i];
	free(per);
}

/* Read the counts: name the keys not seen before (those of a process's current mappings
 * first, then those of a generation not loaded yet), and recompute every table's values. */
static void ingest(struct bsampler *S)
{
	uint32_t n = read_all(bpf_map__fd(S->skel->maps.tare_counts), S->kbuf, S->vbuf,
			      sizeof(*S->kbuf), sizeof(*S->vbuf), S->counts_max), nl = 0;

	/* after the counts: every part a key read here names was interned before it */
	S->walked = 0;
	mirror_refresh(S, 0);

	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < n; i++) {
			const struct tare_key *k = &S->kbuf[i];
			struct bproc *p = proc_find(S, (int32_t)k->pid);
			struct keyslot *slot;
			int32_t idx;

			if (k->type >= TARE_NTYPES || !S->t[k->type].on)
				continue;
			if ((pass == 0) != (!p || k->gen <= p->gen))
				continue;
			slot = cache_slot(S, k);
			if (slot->used)
				continue;
			idx = resolve_key(S, k);
			if (idx == KEY_DEFER) {
				S->deferred++;
				continue;
			}
			if (S->cache_used * 2 >= S->cache_mask)
				continue;	/* cannot happen: the cache is twice the counts map */
			slot->key = *k;
			slot->idx = idx;
			slot->used = 1;
			S->cache_used++;
		}
	}
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		struct ptype *T = &S->t[ty];

		if (!T->on)
			continue;
		memset(T->val, 0, sizeof(*T->val) * (size_t)T->nv * (size_t)T->st.nstacks);
		for (uint32_t i = 0; i < T->st.nstacks; i++)
			T->st.stack[i].count = 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct tare_key *k = &S->kbuf[i];
		const struct tare_val *v = &S->vbuf[i];
		struct keyslot *slot;
		struct ptype *T;
		int64_t *row;

		if (k->type >= TARE_NTYPES || !S->t[k->type].on)
			continue;
		slot = cache_slot(S, k);
		if (!slot->used || slot->idx < 0)
			continue;
		T = &S->t[k->type];
		row = T->val + (size_t)slot->idx * (size_t)T->nv;
		T->st.stack[slot->idx].count += v->v[0];
		if (k->type == TARE_ALLOC) {
			row[0] += (int64_t)v->v[2];	/* objects, Q16 until the end */
			row[1] += (int64_t)v->v[1];
		} else {
			row[0] += (int64_t)v->v[0];
			row[1] += (int64_t)v->v[1];
		}
	}
	if (S->t[TARE_ALLOC].on) {
		struct ptype *T = &S->t[TARE_ALLOC];

		nl = read_all(bpf_map__fd(S->skel->maps.tare_live), S->lkbuf, S->lvbuf,
			      sizeof(*S->lkbuf), sizeof(*S->lvbuf), S->live_max);
		for (uint32_t i = 0; i < nl; i++) {
			struct keyslot *slot = cache_slot(S, &S->lvbuf[i].key);
			int64_t *row;

			if (!slot->used || slot->idx < 0)
				continue;	/* counted after this read: the next flush has it */
			row = T->val + (size_t)slot->idx * (size_t)T->nv;
			row[2] += (int64_t)S->lvbuf[i].objects_q16;
			row[3] += (int64_t)S->lvbuf[i].bytes;
		}
		for (uint32_t i = 0; i < T->st.nstacks; i++) {
			int64_t *row = T->val + (size_t)i * (size_t)T->nv;

			row[0] = (row[0] + 32768) >> 16;
			row[2] = (row[2] + 32768) >> 16;
		}
	}
}

/* ---- events ------------------------------------------------------------------------------- */

static int on_event(void *ctx, void *data, size_t size)
{
	struct bsampler *S = ctx;
	const struct tare_event *e = data;
	struct bproc *p;

	if (size < sizeof(*e))
		return 0;
	switch (e->kind) {
	case TARE_EV_FORK:
		sample_debug("pid %u forked %u", e->ppid, e->pid);
		if (maps_mm(&S->s.maps, (int32_t)e->ppid))
			maps_fork(&S->s.maps, (int32_t)e->ppid, (int32_t)e->pid);
		else
			maps_load(&S->s.maps, (int32_t)e->pid, 0);
		p = proc_add(S, (int32_t)e->pid);
		p->exited = 0;
		proc_cpu_update(p);
		break;
	case TARE_EV_EXEC:
		sample_debug("pid %u exec'd (generation %u)", e->pid, e->gen);
		if (proc_find(S, (int32_t)e->pid)) {
			/* name what the old program left first, with its mappings (ingest may add
			 * processes: look this one up again after) */
			ingest(S);
			p = proc_find(S, (int32_t)e->pid);
			p->gen_seen = e->gen;
			p->exec_ns = now_ns();
		}
		break;
	case TARE_EV_EXIT:
		sample_debug("pid %u exited", e->pid);
		p = proc_find(S, (int32_t)e->pid);
		if (p && !p->exited) {
			proc_cpu_update(p);
			ingest(S);
			p = proc_find(S, (int32_t)e->pid);
			p->exited = 1;
			S->live_targets--;
		}
		break;
	}
	return 0;
}

/* ---- outputs ------------------------------------------------------------------------------ */

static double symbolized_pct(const struct ptype *T, int folded_index)
{
	uint64_t all = 0, named = 0;

	for (uint32_t i = 0; i < T->st.nstacks; i++) {
		const struct stack *st = &T->st.stack[i];
		const uint32_t *fr = stacks_frames(&T->st, st);
		int64_t w = T->val[(size_t)i * (size_t)T->nv + (size_t)folded_index];

		for (uint32_t k = 0; k < st->nframes && w > 0; k++) {
			all += (uint64_t)w;
			named += symbols_is_resolved(&T->st.loc[fr[k]]) ? (uint64_t)w : 0;
		}
	}
	return all ? 100.0 * (double)named / (double)all : 100.0;
}

/* What each type's profile holds: pprof sample types, the one shown first, the one folded
 * stacks count, the period. */
static void type_values(const struct bsampler *S, int ty, struct profile_values *pv,
			uint64_t *period)
{
	memset(pv, 0, sizeof(*pv));
	pv->n = 2;
	pv->default_index = 1;
	switch (ty) {
	case TARE_CPU:
		pv->type[0] = "samples", pv->unit[0] = "count";
		pv->type[1] = S->ev.value_type, pv->unit[1] = S->ev.value_unit;
		pv->period_type = S->ev.value_type, pv->period_unit = S->ev.value_unit;
		pv->folded_index = 0;
		*period = S->ev.period_is_ns ? 1000000000ull / S->o.c.freq_hz : 0;
		break;
	case TARE_OFFCPU:
		pv->type[0] = "blocks", pv->unit[0] = "count";
		pv->type[1] = "off-cpu", pv->unit[1] = "nanoseconds";
		pv->period_type = "blocks", pv->period_unit = "count";
		pv->folded_index = 1;
		*period = 1;	/* every block is recorded */
		break;
	case TARE_LOCK:
		pv->type[0] = "contentions", pv->unit[0] = "count";
		pv->type[1] = "delay", pv->unit[1] = "nanoseconds";
		pv->period_type = "contentions", pv->period_unit = "count";
		pv->folded_index = 1;
		*period = 1;
		break;
	default:
		pv->n = 4;
		pv->type[0] = "alloc_objects", pv->unit[0] = "count";
		pv->type[1] = "alloc_space", pv->unit[1] = "bytes";
		pv->type[2] = "inuse_objects", pv->unit[2] = "count";
		pv->type[3] = "inuse_space", pv->unit[3] = "bytes";
		pv->period_type = "space", pv->period_unit = "bytes";
		pv->folded_index = 1;
		*period = S->o.alloc_mean;
		break;
	}
	pv->v = S->t[ty].val;
}

static void flush(struct bsampler *S, int final)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), st[TARE_NSTATS], drops = 0;
	char err[512];
	int failed = 0;

	ingest(S);
	stats_all(S, st);
	for (int i = TARE_FIRST_DROP; i < TARE_NSTATS; i++)
		drops += st[i];
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		struct ptype *T = &S->t[ty];
		struct profile_values pv;
		struct profile_meta pm = { .event = &S->ev, .start_wall_ns = S->start_wall_ns,
					   .duration_ns = now_ns() - S->start_ns, .stacks = &T->st,
					   .values = &pv };
		char *comment;

		if (!T->on)
			continue;
		type_values(S, ty, &pv, &pm.period);
		symbols_resolve(&T->st, &S->s.maps, &S->s.sym, final);
		comment = xasprintf("tare sample --bpf: %s; %" PRIu64 " events dropped in BPF, %"
				    PRIu64 " stacks not kept", type_names[ty], drops,
				    S->user_dropped[ty]);
		pm.comment = comment;
		if (T->out && pprof_write(T->out, &S->s, &pm, err, sizeof(err)) < 0)
			sample_err("%s", err), failed = 1;
		if (T->folded && folded_write(T->folded, &S->s, &pm, err, sizeof(err)) < 0)
			sample_err("%s", err), failed = 1;
		free(comment);
	}
	S->write_failed = failed;
	S->flushes++;
	S->flush_cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	sample_debug("flush %" PRIu64 ": %.1f ms CPU", S->flushes,
		  (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1e6);
}

/* The kernel memory of an object: "memlock:" of its /proc/self/fdinfo (maps: the values,
 * buckets and per-CPU copies the kernel allocated; programs: the JIT'd image). */
static uint64_t fd_memlock(int fd)
{
	char path[64], *text, *p;
	uint64_t v = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = read_file(path, NULL);
	if (!text)
		return 0;
	p = strstr(text, "memlock:");
	if (p)
		v = strtoull(p + 8, NULL, 10);
	free(text);
	return v;
}

static void bpf_memory(struct bsampler *S, uint64_t *maps_bytes, uint64_t *progs_bytes,
		       json_t *per_map)
{
	struct bpf_map *m;
	struct bpf_program *pr;

	*maps_bytes = *progs_bytes = 0;
	bpf_object__for_each_map(m, S->skel->obj) {
		uint64_t b = bpf_map__fd(m) >= 0 ? fd_memlock(bpf_map__fd(m)) : 0;

		*maps_bytes += b;
		if (per_map)
			json_object_set_new(per_map, bpf_map__name(m), json_integer((json_int_t)b));
	}
	bpf_object__for_each_program(pr, S->skel->obj)
		if (bpf_program__fd(pr) >= 0)
			*progs_bytes += fd_memlock(bpf_program__fd(pr));
}

/* The targets' CPU time since attach, from /proc (poll_targets' last reads). */
static uint64_t targets_cpu_ns(const struct bsampler *S)
{
	uint64_t total = 0;

	for (int i = 0; i < S->nprocs; i++)
		if (S->procs[i].cpu_known)
			total += S->procs[i].cpu_last_ns - S->procs[i].cpu_start_ns;
	return total;
}

/* The CPU time the cpu samples cover: the targets' CPU time while sampled.  Per thread, the
 * events' time_running, summed (inherited clones folded in by the kernel as they exit).  Per
 * CPU the events run all the time, so: the command's own rusage once it is reaped (it and the
 * children it waited for), else utime + stime from /proc, read every second and at the end
 * (clock ticks; a process that exits between two reads loses up to a second).  Switchable:
 * the sum over the on intervals, read at each switch (targets_cpu_now; ticks again). */
static uint64_t covered_ns(struct bsampler *S)
{
	uint64_t total = 0;

	if (S->o.per_thread) {
		for (int i = 0; i < S->ncpu_fds; i++) {
			uint64_t v[3];

			if (S->cpu_fds[i] >= 0 && read(S->cpu_fds[i], v, sizeof(v)) == (ssize_t)sizeof(v))
				total += v[2];
		}
		return total;
	}
	if (S->sw.switchable)
		return S->on_cpu_ns;
	if (S->o.mode == BPF_TARGET_COMMAND && S->cmd.reaped)
		return rusage_cpu_ns(&S->cmd.ru);
	return targets_cpu_ns(S);
}

static void report(struct bsampler *S, uint64_t wall_ns)
{
	struct rusage ru;
	uint64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID), run_cpu = cpu - S->ready_cpu_ns, rss = 0;
	uint64_t st[TARE_NSTATS], maps_b, progs_b, drops = 0, covered = covered_ns(S);
	static const char *const drop_names[TARE_NSTATS - TARE_FIRST_DROP] = {
		"counts_full", "stacks_full", "stack_fault", "stack_other", "task_storage",
		"live_full", "targets_full", "events" };
	json_t *j = json_object(), *jt = json_object(), *jd = json_object(), *jm = json_object();
	double effective = 0, requested = (double)S->o.c.freq_hz, pct_core;
	char *line;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		rss = (uint64_t)ru.ru_maxrss * 1024;
	stats_all(S, st);
	bpf_memory(S, &maps_b, &progs_b, jm);
	for (int i = TARE_FIRST_DROP; i < TARE_NSTATS; i++) {
		drops += st[i];
		json_object_set_new(jd, drop_names[i - TARE_FIRST_DROP], json_integer((json_int_t)st[i]));
	}
	pct_core = wall_ns ? 100.0 * (double)run_cpu / (double)wall_ns : 0.0;
	if (S->t[TARE_CPU].on && covered)
		effective = (double)st[TARE_ST_CPU_SAMPLES] / ((double)covered / 1e9);

	fprintf(stderr, "tare-sample: bpf");
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		struct ptype *T = &S->t[ty];
		json_t *o;
		uint64_t total[TARE_NVALUES] = { 0 };
		int fi;
		struct profile_values pv;
		uint64_t period;

		if (!T->on)
			continue;
		type_values(S, ty, &pv, &period);
		fi = pv.folded_index;
		for (uint32_t i = 0; i < T->st.nstacks; i++)
			for (int k = 0; k < pv.n; k++)
				total[k] += (uint64_t)T->val[(size_t)i * (size_t)T->nv + (size_t)k];
		o = json_pack("{s:I, s:I, s:I, s:I, s:f, s:I, s:I}",
			      "stacks", (json_int_t)T->st.nstacks,
			      "locations", (json_int_t)(T->st.nlocs - 1),
			      "stacks_not_kept", (json_int_t)S->user_dropped[ty],
			      "truncated_stacks", (json_int_t)T->truncated,
			      "frames_symbolized_pct", symbolized_pct(T, fi),
			      "unmapped_frames", (json_int_t)T->unmapped_frames,
			      "frames", (json_int_t)T->frames);
		for (int k = 0; k < pv.n; k++)
			json_object_set_new(o, pv.type[k], json_integer((json_int_t)total[k]));
		switch (ty) {
		case TARE_CPU:
			fprintf(stderr, "; cpu %" PRIu64 " samples, %.1f Hz effective vs %.1f", st[TARE_ST_CPU_SAMPLES],
				effective, requested);
			json_object_set_new(o, "samples", json_integer((json_int_t)st[TARE_ST_CPU_SAMPLES]));
			break;
		case TARE_OFFCPU:
			fprintf(stderr, "; offcpu %" PRIu64 " blocks, %.3f s", st[TARE_ST_OFFCPU_BLOCKS],
				(double)total[1] / 1e9);
			break;
		case TARE_LOCK:
			fprintf(stderr, "; lock %" PRIu64 " contentions of %" PRIu64 " calls, %.3f s",
				st[TARE_ST_LOCK_CONTENDED], st[TARE_ST_LOCK_CALLS], (double)total[1] / 1e9);
			json_object_set_new(o, "calls", json_integer((json_int_t)st[TARE_ST_LOCK_CALLS]));
			break;
		default:
			fprintf(stderr, "; alloc %" PRIu64 " samples of %" PRIu64 " calls, %.1f MB "
				"estimated vs %.1f MB asked", st[TARE_ST_ALLOC_SAMPLED],
				st[TARE_ST_ALLOC_CALLS], (double)total[1] / 1e6,
				(double)st[TARE_ST_ALLOC_BYTES] / 1e6);
			json_object_set_new(o, "calls", json_integer((json_int_t)st[TARE_ST_ALLOC_CALLS]));
			json_object_set_new(o, "bytes", json_integer((json_int_t)st[TARE_ST_ALLOC_BYTES]));
			json_object_set_new(o, "samples", json_integer((json_int_t)st[TARE_ST_ALLOC_SAMPLED]));
			json_object_set_new(o, "frees", json_integer((json_int_t)st[TARE_ST_FREES]));
			json_object_set_new(o, "frees_sampled",
					    json_integer((json_int_t)st[TARE_ST_FREES_SAMPLED]));
			json_object_set_new(o, "mean_bytes", json_integer((json_int_t)S->o.alloc_mean));
			break;
		}
		json_object_set_new(jt, type_names[ty], o);
	}
	fprintf(stderr, "; dropped %" PRIu64 "\n", drops);
	sample_switch_print(&S->sw, wall_ns);
	fprintf(stderr, "tare-sample: sampler CPU %.1f ms (%.3f%% of one core over %.2f s), peak RSS "
		"%.1f MB, BPF maps %.1f MB, programs %.0f KB; %" PRIu64 " flush%s\n",
		(double)cpu / 1e6, pct_core, (double)wall_ns / 1e9, (double)rss / 1048576.0,
		(double)maps_b / 1048576.0, (double)progs_b / 1024.0, S->flushes,
		S->flushes == 1 ? "" : "es");
	if (S->o.c.stats) {
		json_object_set_new(j, "sampler", json_string("bpf"));
		json_object_set_new(j, "mode", json_string(S->o.mode == BPF_TARGET_PID ? "pid" : "command"));
		json_object_set_new(j, "event", json_string(S->ev.name));
		json_object_set_new(j, "requested_hz", json_real(requested));
		json_object_set_new(j, "effective_hz", json_real(effective));
		json_object_set_new(j, "rate_ratio", json_real(requested > 0 ? effective / requested : 0));
		json_object_set_new(j, "covered_cpu_ns", json_integer((json_int_t)covered));
		json_object_set_new(j, "samples", json_integer((json_int_t)st[TARE_ST_CPU_SAMPLES]));
		json_object_set_new(j, "dropped", json_integer((json_int_t)drops));
		json_object_set_new(j, "drops", jd);
		json_object_set_new(j, "types", jt);
		json_object_set_new(j, "wall_ns", json_integer((json_int_t)wall_ns));
		json_object_set_new(j, "sampler_cpu_ns", json_integer((json_int_t)cpu));
		json_object_set_new(j, "sampler_run_cpu_ns", json_integer((json_int_t)run_cpu));
		json_object_set_new(j, "sampler_cpu_pct", json_real(pct_core));
		json_object_set_new(j, "flush_cpu_ns", json_integer((json_int_t)S->flush_cpu_ns));
		json_object_set_new(j, "flushes", json_integer((json_int_t)S->flushes));
		json_object_set_new(j, "peak_rss_bytes", json_integer((json_int_t)rss));
		json_object_set_new(j, "bpf_map_bytes", json_integer((json_int_t)maps_b));
		json_object_set_new(j, "bpf_prog_bytes", json_integer((json_int_t)progs_b));
		json_object_set_new(j, "bpf_memory_bytes", json_integer((json_int_t)(maps_b + progs_b)));
		json_object_set_new(j, "bpf_maps", jm);
		jm = NULL;
		json_object_set_new(j, "max_stacks", json_integer((json_int_t)S->o.max_stacks));
		json_object_set_new(j, "stack_depth", json_integer((json_int_t)S->o.depth));
		json_object_set_new(j, "deferred_keys", json_integer((json_int_t)S->deferred));
		{
			json_t *jsw = sample_switch_json(&S->sw, 1);

			json_object_update(j, jsw);
			json_decref(jsw);
		}
		if (S->o.prog_stats) {
			json_t *jp = json_object();
			struct bpf_program *pr;

			bpf_object__for_each_program(pr, S->skel->obj) {
				struct bpf_prog_info info;
				__u32 len = sizeof(info);

				memset(&info, 0, sizeof(info));
				if (bpf_program__fd(pr) < 0 ||
				    bpf_obj_get_info_by_fd(bpf_program__fd(pr), &info, &len))
					continue;
				json_object_set_new(jp, bpf_program__name(pr),
						    json_pack("{s:I, s:I}", "run_cnt", (json_int_t)info.run_cnt,
							      "run_time_ns", (json_int_t)info.run_time_ns));
			}
			json_object_set_new(j, "programs", jp);
		}
		jd = jt = NULL;
		line = json_dumps(j, JSON_COMPACT);
		if (!line || write_file_atomic(S->o.c.stats, line, strlen(line)) < 0)
			sample_err("cannot write %s: %s", S->o.c.stats, strerror(errno)), S->write_failed = 1;
		free(line);
	}
	json_decref(j);
	json_decref(jt);
	json_decref(jd);
	json_decref(jm);
}

/* ---- loading and attaching ---------------------------------------------------------------- */

/* One line for a failure to load or attach; the exit code (3: cannot profile here).  EPERM is
 * a missing capability; EACCES from a program load is the verifier refusing it. */
static int load_error(const char *what, int e)
{
	if (e == EPERM)
		sample_err("--bpf: %s: permission denied — run as root, or give tare CAP_BPF and "
			"CAP_PERFMON", what);
	else if (e == EACCES)
		sample_err("--bpf: %s: the kernel's verifier refused a program — run with -v for its "
			"log", what);
	else
		sample_err("--bpf: %s: %s — BPF is not usable here (run with -v for libbpf's "
			"messages)", what, strerror(e));
	return EXIT_CANNOT;
}

static void keep_link(struct bsampler *S, struct bpf_link *l, int cpu)
{
	if (S->nlinks == S->caplinks) {
		S->caplinks = S->caplinks ? S->caplinks * 2 : 16;
		S->links = xrealloc(S->links, sizeof(*S->links) * (size_t)S->caplinks);
		S->link_cpu = xrealloc(S->link_cpu, (size_t)S->caplinks);
	}
	S->link_cpu[S->nlinks] = (unsigned char)cpu;
	S->links[S->nlinks++] = l;
}

static int attach_auto(struct bsampler *S, struct bpf_program *prog, const char *what)
{
	struct bpf_link *l = bpf_program__attach(prog);

	if (!l)
		return load_error(what, errno);
	keep_link(S, l, 0);
	return 0;
}

/* One cpu-clock event with the cpu program on its overflows: on a thread (cpu -1), following
 * it and, inherited, the threads and children it makes; or on a CPU (tid -1).  0, -1 when the
 * thread is gone, or the exit code (said). */
static int attach_cpu_event(struct bsampler *S, pid_t tid, int cpu)
{
	struct perf_event_attr a;
	struct bpf_link *l;
	char msg[512];
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = S->ev.type;
	a.config = S->ev.config;
	a.freq = 1;
	a.sample_freq = S->o.c.freq_hz;
	a.inherit = tid > 0;
	/* the CPU time it covered, for the effective rate (inherited clones folded in) */
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	fd = perf_event_open_fd(&a, tid, cpu, -1);
	if (fd < 0) {
		int e = errno, code;

		if (e == ESRCH && tid > 0 && tid != S->o.c.pid)
			return -1;	/* a thread that exited since it was listed */
		code = perf_event_why(e, S->ev.name, &a, tid > 0 ? tid : -1, PERF_EVENT_ERROR, msg,
				      sizeof(msg));
		sample_err("--bpf: %s", msg);
		return code;
	}
	l = bpf_program__attach_perf_event(S->skel->progs.tare_cpu, fd);
	if (!l) {
		int e = errno;

		close(fd);
		return load_error("attaching the cpu program to its perf event", e);
	}
	keep_link(S, l, 1);	/* the link closes the event */
	if (S->ncpu_fds == S->capcpu_fds) {
		S->capcpu_fds = S->capcpu_fds ? S->capcpu_fds * 2 : 8;
		S->cpu_fds = xrealloc(S->cpu_fds, sizeof(*S->cpu_fds) * (size_t)S->capcpu_fds);
	}
	S->cpu_fds[S->ncpu_fds] = fcntl(fd, F_DUPFD_CLOEXEC, 0);	/* ours, to read and switch */
	if (S->cpu_fds[S->ncpu_fds++] < 0 && S->o.paused) {
		sample_err("--bpf: dup of a cpu event: %s — raise ulimit -n", strerror(errno));
		return EXIT_FAIL;
	}
	/* the attach enabled it; new threads inherit the state of the moment */
	if (!S->sw.on)
		ioctl(S->cpu_fds[S->ncpu_fds - 1], PERF_EVENT_IOC_DISABLE, 0);
	return 0;
}

/* cpu, per CPU: one cpu-clock event on each CPU, sampling whatever runs there; the program
 * keeps the targets' samples. */
static int attach_cpu_percpu(struct bsampler *S)
{
	int *cpus, ncpus = online_cpus(&cpus), rc = 0;

	for (int i = 0; i < ncpus && !rc; i++) {
		rc = attach_cpu_event(S, -1, cpus[i]);
		if (rc < 0)
			rc = 0;
	}
	free(cpus);
	return rc;
}

/* cpu, --per-thread: an event per thread of the target, inherited by what it starts later
 * (perf record's layout, without the rings).  It fires only while a target runs, and its
 * time_running is the CPU time covered.  A thread made between listing and opening would be
 * missed: list again until nothing is new, as the perf-ring sampler does. */
static int attach_cpu(struct bsampler *S)
{
	pid_t *done = NULL;
	int ndone = 0, rc = 0;

	for (int round = 0; round < 8 && !rc; round++) {
		pid_t *tids;
		int n = list_threads(S->o.c.pid, &tids), fresh = 0;

		if (n < 0)
			break;	/* it exited while we attached */
		for (int i = 0; i < n && !rc; i++) {
			int seen = 0, r;

			for (int k = 0; k < ndone && !seen; k++)
				seen = done[k] == tids[i];
			if (seen)
				continue;
			r = attach_cpu_event(S, tids[i], -1);
			if (r > 0)
				rc = r;
			done = xrealloc(done, sizeof(*done) * (size_t)(ndone + 1));
			done[ndone++] = tids[i];
			fresh++;
		}
		free(tids);
		if (!fresh)
			break;
	}
	free(done);
	return rc;
}

/* The file offset of function name in an ELF object (.dynsym, else .symtab): what a uprobe
 * is placed at.  0 when it is not there. */
static uint64_t elf_func_offset(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t off = 0, vaddr = 0;
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t nph;

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	for (int want = SHT_DYNSYM; e && !vaddr; want = want == SHT_DYNSYM ? SHT_SYMTAB : 0) {
		if (!want)
			break;
		scn = NULL;
		while (!vaddr && (scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			Elf_Data *d;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != (GElf_Word)want ||
			    !(d = elf_getdata(scn, NULL)) || !sh.sh_entsize)
				continue;
			for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym sym;
				const char *nm;

				if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
				    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
				     GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
					continue;
				nm = elf_strptr(e, sh.sh_link, sym.st_name);
				if (nm && !strcmp(nm, name)) {
					vaddr = sym.st_value;
					break;
				}
			}
		}
	}
	if (e && vaddr && !elf_getphdrnum(e, &nph)) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
			    vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
				off = vaddr - ph.p_vaddr + ph.p_offset;
				break;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return off;
}

/* The target's C library, as it maps it: the executable mapping of libc.so.6 (glibc 2.34
 * and later hold pthread_mutex_lock too), opened through /proc/PID/root for containers.
 * 0; -1 when it maps none; -2 when the process is gone. */
static int find_libc(struct bsampler *S)
{
	char path[64], *text, *line, *save = NULL;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)S->o.c.pid);
	text = read_file(path, NULL);
	if (!text && kill(S->o.c.pid, 0) < 0 && errno == ESRCH)
		return -2;
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t start, end, pgoff, ino;
		uint32_t maj, min;
		const char *name, *base;

		if (maps_parse_line(line, &start, &end, &pgoff, &maj, &min, &ino, &name) != 1)
			continue;
		base = strrchr(name, '/');
		base = base ? base + 1 : name;
		if (!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5)) {
			snprintf(S->libc_path, sizeof(S->libc_path), "/proc/%d/root%s", (int)S->o.c.pid,
				 name);
			found = 1;
		}
	}
	free(text);
	return found ? 0 : -1;
}

struct uprobe_spec {
	const char *func;
	struct bpf_program *prog;
	int ret;
};

/* Return probes first: an entry probe whose return probe is not there yet would leave a call
 * open for ever (the alloc depth and lock timestamp would never be closed). */
static int attach_uprobes(struct bsampler *S, const struct uprobe_spec *specs, int n,
			  const char *type)
{
	if (S->target_gone)
		return 0;
	if (!S->libc_done) {
		int r = find_libc(S);

		if (r == -2) {
			sample_debug("pid %d exited before its probes were placed", (int)S->o.c.pid);
			S->target_gone = 1;	/* nothing to profile: the loop ends at once */
			return 0;
		}
		if (r < 0) {
			sample_err("--bpf -t %s: pid %d maps no glibc (libc.so.6): lock and alloc probe "
				"glibc's pthread_mutex_lock and malloc family", type, (int)S->o.c.pid);
			return EXIT_CANNOT;
		}
		S->libc_done = 1;
		sample_debug("C library of pid %d: %s", (int)S->o.c.pid, S->libc_path);
	}
	for (int pass = 1; pass >= 0; pass--) {
		for (int i = 0; i < n; i++) {
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = specs[i].ret);
			uint64_t off;
			struct bpf_link *l;
			char what[128];

			if (specs[i].ret != pass)
				continue;
			off = elf_func_offset(S->libc_path, specs[i].func);
			if (!off && kill(S->o.c.pid, 0) < 0 && errno == ESRCH) {
				S->target_gone = 1;	/* its /proc/PID/root went with it */
				return 0;
			}
			if (!off) {
				sample_err("--bpf -t %s: %s has no symbol %s", type, S->libc_path,
					specs[i].func);
				return EXIT_CANNOT;
			}
			l = bpf_program__attach_uprobe_opts(specs[i].prog, S->o.c.pid, S->libc_path,
							    (size_t)off, &uo);
			if (!l && errno == ESRCH) {
				sample_debug("pid %d exited while its probes were placed", (int)S->o.c.pid);
				S->target_gone = 1;
				return 0;
			}
			if (!l) {
				snprintf(what, sizeof(what), "%sprobe on %s", specs[i].ret ? "uret" : "u",
					 specs[i].func);
				return load_error(what, errno);
			}
			keep_link(S, l, 0);
			sample_debug("%sprobe on %s at 0x%" PRIx64, specs[i].ret ? "uret" : "u",
				  specs[i].func, off);
		}
	}
	return 0;
}

/* Everything the types need; 0, or the exit code (said). */
static int attach_all(struct bsampler *S)
{
	struct profile_bpf *sk = S->skel;
	struct tare_target tg = { 0 };
	__u32 pid = (__u32)S->o.c.pid;
	int rc;

	if (bpf_map_update_elem(bpf_map__fd(sk->maps.tare_targets), &pid, &tg, BPF_ANY))
		return load_error("adding the target", errno);
	/* the process tree first, so no fork after this point is missed */
	if ((rc = attach_auto(S, sk->progs.tare_fork, "sched_process_fork")) ||
	    (rc = attach_auto(S, sk->progs.tare_exec, "sched_process_exec")) ||
	    (rc = attach_auto(S, sk->progs.tare_exit, "sched_process_exit")))
		return rc;
	if (S->t[TARE_CPU].on && (rc = S->o.per_thread ? attach_cpu(S) : attach_cpu_percpu(S)))
		return rc;
	if (S->t[TARE_OFFCPU].on && (rc = attach_auto(S, sk->progs.tare_offcpu, "sched_switch")))
		return rc;
	if (S->t[TARE_LOCK].on) {
		const struct uprobe_spec lock[] = {
			{ "pthread_mutex_lock", sk->progs.tare_lock_in, 0 },
			{ "pthread_mutex_lock", sk->progs.tare_lock_out, 1 },
		};

		if ((rc = attach_uprobes(S, lock, 2, "lock")))
			return rc;
	}
	if (S->t[TARE_ALLOC].on) {
		const struct uprobe_spec alloc[] = {
			{ "malloc", sk->progs.tare_malloc, 0 },
			{ "calloc", sk->progs.tare_calloc, 0 },
			{ "realloc", sk->progs.tare_realloc, 0 },
			{ "free", sk->progs.tare_free, 0 },
			{ "malloc", sk->progs.tare_alloc_ret, 1 },
			{ "calloc", sk->progs.tare_alloc_ret, 1 },
			{ "realloc", sk->progs.tare_alloc_ret, 1 },
		};

		if ((rc = attach_uprobes(S, alloc, 7, "alloc")))
			return rc;
	}
	return 0;
}

/* Open, configure (.rodata, map sizes, which programs load) and load the BPF object. */
static int load(struct bsampler *S)
{
	struct profile_bpf *sk;
	uint32_t ntypes = 0;
	int err;

	for (int ty = 0; ty < TARE_NTYPES; ty++)
		ntypes += S->t[ty].on ? 1 : 0;
	libbpf_set_print(libbpf_print);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		sample_err("--bpf: this kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs "
			"cannot load — build the kernel with CONFIG_DEBUG_INFO_BTF=y");
		return EXIT_CANNOT;
	}
	sk = S->skel = profile_bpf__open();
	if (!sk)
		return load_error("opening the BPF object", errno);
	sk->rodata->offcpu_min_ns = S->o.offcpu_min_ns;
	sk->rodata->alloc_mean = S->o.alloc_mean;
	tare_alloc_tables(S->o.alloc_mean, &sk->rodata->alloc_mean_ln2_q8, sk->rodata->log2_tab,
			  sk->rodata->g_tab);
	sk->rodata->follow_children = true;
	sk->data->sampling_on = S->sw.on;
	/* Stack parts are shared by the types and the keys (a key is a user and a kernel part,
	 * and kernel parts repeat): room for two parts a stack of one type. */
	sk->rodata->stack_bytes = S->o.depth * sizeof(__u64);
	S->stacks_max = 2 * S->o.max_stacks;
	S->counts_max = S->o.max_stacks * ntypes;
	S->live_max = S->t[TARE_ALLOC].on ? BPF_LIVE_PER_STACK * S->o.max_stacks : 1;
	if (bpf_map__set_max_entries(sk->maps.tare_stacks, S->stacks_max) ||
	    bpf_map__set_key_size(sk->maps.tare_stacks, S->o.depth * sizeof(__u64)) ||
	    bpf_map__set_max_entries(sk->maps.tare_counts, S->counts_max) ||
	    bpf_map__set_max_entries(sk->maps.tare_targets, BPF_MAX_TARGETS) ||
	    bpf_map__set_max_entries(sk->maps.tare_live, S->live_max))
		return load_error("sizing the maps", errno);
	bpf_program__set_autoload(sk->progs.tare_cpu, S->t[TARE_CPU].on);
	bpf_program__set_autoload(sk->progs.tare_offcpu, S->t[TARE_OFFCPU].on);
	bpf_program__set_autoload(sk->progs.tare_lock_in, S->t[TARE_LOCK].on);
	bpf_program__set_autoload(sk->progs.tare_lock_out, S->t[TARE_LOCK].on);
	bpf_program__set_autoload(sk->progs.tare_malloc, S->t[TARE_ALLOC].on);
	bpf_program__set_autoload(sk->progs.tare_calloc, S->t[TARE_ALLOC].on);
	bpf_program__set_autoload(sk->progs.tare_realloc, S->t[TARE_ALLOC].on);
	bpf_program__set_autoload(sk->progs.tare_free, S->t[TARE_ALLOC].on);
	bpf_program__set_autoload(sk->progs.tare_alloc_ret, S->t[TARE_ALLOC].on);
	err = profile_bpf__load(sk);
	if (err)
		return load_error("loading the BPF programs", errno ? errno : -err);
	if (tare_verbose) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		/* most of it is libbpf's parse of the kernel's BTF (CO-RE, tp_btf), freed by now */
		sample_debug("loaded: peak RSS %.1f MB so far", (double)ru.ru_maxrss / 1024.0);
	}
	if (S->o.prog_stats) {
		S->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (S->stats_fd < 0)
			sample_err("warning: --prog-stats: %s; not counted", strerror(errno));
	}
	S->rb = ring_buffer__new(bpf_map__fd(sk->maps.tare_events), on_event, S, NULL);
	if (!S->rb)
		return load_error("the event ring buffer", errno);
	return 0;
}

/* ---- the command -------------------------------------------------------------------------- */

/* ---- the loop ----------------------------------------------------------------------------- */

static void poll_targets(struct bsampler *S)
{
	for (int i = 0; i < S->nprocs; i++) {
		struct bproc *p = &S->procs[i];

		if (p->exited)
			continue;
		proc_cpu_update(p);
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
	t = targets_cpu_ns(S);
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

	stats_all(S, st);
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
		nk = stat_sum(S, TARE_ST_NEW_KEYS);
		if (nk != S->new_keys_seen || now >= settle) {
			/* new stacks: name them while their processes' mappings are current */
			S->new_keys_seen = nk;
			ingest(S);
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
			flush(S, 0);
			next_flush += flush_every;
			if (next_flush < now_ns())
				next_flush = now_ns() + flush_every;
		}
	}
}

/* Destroy the cpu event links (cpu_only), or all that are left, newest first. */
static void detach(struct bsampler *S, int cpu_only)
{
	int n = 0;

	for (int i = S->nlinks - 1; i >= 0; i--) {
		if (!S->links[i])
			continue;
		if (cpu_only && !S->link_cpu[i]) {
			n++;
			continue;
		}
		bpf_link__destroy(S->links[i]);
		S->links[i] = NULL;
	}
	if (!cpu_only || !n)
		S->nlinks = 0;
}

static void sampler_free(struct bsampler *S)
{
	/* links first (detach), then the object (programs and maps) */
	detach(S, 0);
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
	if ((S.o.types & (1u << TARE_CPU)) && perf_event_max_sample_rate() &&
	    S.o.c.freq_hz > perf_event_max_sample_rate()) {
		rc = usage_error("-F %" PRIu64 ": above kernel.perf_event_max_sample_rate (%" PRIu64
				 "); use a lower rate or raise the sysctl",
				 S.o.c.freq_hz, perf_event_max_sample_rate());
		goto out;
	}
	if (S.o.mode == BPF_TARGET_PID && kill(S.o.c.pid, 0) < 0 && errno == ESRCH) {
		sample_err("pid %d: no such process", (int)S.o.c.pid);
		rc = EXIT_USAGE;
		goto out;
	}
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		struct ptype *T = &S.t[ty];

		if (!(S.o.types & (1u << ty)))
			continue;
		T->on = 1;
		T->out = S.o.c.out ? typed_name(S.o.c.out, type_names[ty]) : NULL;
		T->folded = S.o.c.folded ? typed_name(S.o.c.folded, type_names[ty]) : NULL;
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
	rc = load(&S);
	if (rc)
		goto out;
	for (int ty = 0; ty < TARE_NTYPES; ty++) {
		if (!S.t[ty].on)
			continue;
		struct profile_values pv;
		uint64_t period;

		stacks_init(&S.t[ty].st, S.o.max_stacks);
		type_values(&S, ty, &pv, &period);
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
		struct bproc *p = proc_add(&S, S.o.c.pid);

		maps_load(&S.s.maps, S.o.c.pid, 0);	/* what it maps now; an exec reloads */
		proc_cpu_update(p);
	}
	rc = attach_all(&S);
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
		S.child_pidfd = sys_pidfd_open(S.cmd.pid);
		if (S.child_pidfd >= 0) {
			struct epoll_event e = { .events = EPOLLIN, .data.u32 = 1 };

			epoll_ctl(S.epfd, EPOLL_CTL_ADD, S.child_pidfd, &e);
		}
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
	detach(&S, 1);
	poll_targets(&S);
	wall = now_ns() - S.start_ns;
	{
		uint64_t samples, events;

		switch_counts(&S, &samples, &events);
		sample_switch_mark(&S.sw, 0, 0, 0, samples, events);	/* the last interval */
		if (S.sw.switchable && S.sw.on && S.t[TARE_CPU].on && !S.o.per_thread)
			S.on_cpu_ns += targets_cpu_now(&S) - S.on_mark_ns;
	}
	detach(&S, 0);
	ring_buffer__consume(S.rb);
	flush(&S, 1);
	report(&S, wall);
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
