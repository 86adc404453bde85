/* profile_attach.c — `tare sample --bpf`: opening, sizing and loading the BPF object, and
 * attaching its programs (the process-tree tracepoints, the cpu perf events, glibc's uprobes
 * placed by an ELF symbol lookup).  Apart from the rest because it is the one part that talks to
 * the kernel's loader and to libelf, runs once before the target is released, and fails with
 * the messages a user acts on (capabilities, the verifier, no glibc); after it the sampler only
 * reads maps (profile_ingest.c) and sleeps (profile.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "profile_int.h"

#include "perfevent.h"
#include "sample.h"
#include "util.h"

#define BPF_MAX_TARGETS		1024
#define BPF_LIVE_PER_STACK	2		/* live sampled allocations tracked: 2 x max-stacks */

/* ---- loading and attaching ---------------------------------------------------------------- */

/* libbpf's own messages (the verifier's log among them) only with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!tare_verbose)
		return 0;
	fputs("tare sample: ", stderr);	/* libbpf says "libbpf: " itself */
	return vfprintf(stderr, fmt, ap);
}

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

/* A thread that exited since it was listed (attach_cpu_event's -1) is no failure. */
static int attach_thread(void *ctx, pid_t tid)
{
	int r = attach_cpu_event(ctx, tid, -1);

	return r > 0 ? r : 0;
}

/* cpu, --per-thread: an event per thread of the target, inherited by what it starts later
 * (perf record's layout, without the rings).  It fires only while a target runs, and its
 * time_running is the CPU time covered.  Threads listed as the perf-ring sampler lists them
 * (sample_each_thread); a target that exits while we attach is no failure. */
static int attach_cpu(struct bsampler *S)
{
	int ndone;

	return sample_each_thread(S->o.c.pid, attach_thread, S, &ndone);
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
int bsampler_attach_all(struct bsampler *S)
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
int bsampler_load(struct bsampler *S)
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
	S->rb = ring_buffer__new(bpf_map__fd(sk->maps.tare_events), bsampler_on_event, S, NULL);
	if (!S->rb)
		return load_error("the event ring buffer", errno);
	return 0;
}

/* Destroy the cpu event links (cpu_only), or all that are left, newest first. */
void bsampler_detach(struct bsampler *S, int cpu_only)
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
