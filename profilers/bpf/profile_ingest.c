/* profile_ingest.c — `tare sample --bpf`: from the BPF maps to the profiles.  The processes
 * followed and their mappings, the stack parts mirrored from the kernel, each new counts key
 * named into its type's table while its process's mappings are current, the process events,
 * and at each flush the tables symbolized and written (pprof, folded) and, at the end, the
 * report.  Apart from the command (profile.c) because this is where the sampler's figures are
 * made: what is counted, dropped or deferred is decided here and nowhere else.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "profile_int.h"

#include "output.h"
#include "procfs.h"
#include "sample.h"
#include "symbols.h"
#include "util.h"

#define BPF_RELOAD_NS		1000000000ull	/* a missed address re-reads /proc at most this often */

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
	struct procfs_stat st;

	return procfs_pid_stat((pid_t)pid, &st) == 0 ? procfs_stat_cpu_ns(&st) : 0;
}

void bproc_cpu_update(struct bproc *p)
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

struct bproc *bproc_add(struct bsampler *S, int32_t pid)
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

static struct mirror_slot *mirror_slot(struct bsampler *S, uint32_t id)
{
	uint32_t i = (id * 2654435761u) & S->mirror_mask;

	while (S->mirror[i].used && S->mirror[i].id != id)
		i = (i + 1) & S->mirror_mask;
	return &S->mirror[i];
}

/* Copy the parts interned since the last read into the mirror: the whole hash, a batch at a
 * time, when the programs' counter says it has new parts, or when forced.  (The counter moves
 * just after an insert, so a key may name a part a moment before the counter says it is
 * there: a key whose part is missing forces one walk an ingest, and waits if that does not
 * find it either.) */
static void mirror_refresh(struct bsampler *S, int force)
{
	uint64_t interned = bsampler_stat_sum(S, TARE_ST_NEW_STACKS);
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
		p = bproc_add(S, (int32_t)k->pid);
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

uint64_t bsampler_stat_sum(struct bsampler *S, int which)
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

void bsampler_stats_all(struct bsampler *S, uint64_t *out)
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
void bsampler_ingest(struct bsampler *S)
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

int bsampler_on_event(void *ctx, void *data, size_t size)
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
		p = bproc_add(S, (int32_t)e->pid);
		p->exited = 0;
		bproc_cpu_update(p);
		break;
	case TARE_EV_EXEC:
		sample_debug("pid %u exec'd (generation %u)", e->pid, e->gen);
		if (proc_find(S, (int32_t)e->pid)) {
			/* name what the old program left first, with its mappings (ingest may add
			 * processes: look this one up again after) */
			bsampler_ingest(S);
			p = proc_find(S, (int32_t)e->pid);
			p->gen_seen = e->gen;
			p->exec_ns = now_ns();
		}
		break;
	case TARE_EV_EXIT:
		sample_debug("pid %u exited", e->pid);
		p = proc_find(S, (int32_t)e->pid);
		if (p && !p->exited) {
			bproc_cpu_update(p);
			bsampler_ingest(S);
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
void bsampler_type_values(const struct bsampler *S, int ty, struct profile_values *pv,
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

void bsampler_flush(struct bsampler *S, int final)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), st[TARE_NSTATS], drops = 0;
	int failed = 0;

	bsampler_ingest(S);
	bsampler_stats_all(S, st);
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
		bsampler_type_values(S, ty, &pv, &pm.period);
		symbols_resolve(&T->st, &S->s.maps, &S->s.sym, final);
		comment = xasprintf("tare sample --bpf: %s; %" PRIu64 " events dropped in BPF, %"
				    PRIu64 " stacks not kept", ptype_names[ty], drops,
				    S->user_dropped[ty]);
		pm.comment = comment;
		if (sample_write_outputs(T->out, T->folded, &S->s, &pm) < 0)
			failed = 1;
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
uint64_t bsampler_targets_cpu_ns(const struct bsampler *S)
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
	return bsampler_targets_cpu_ns(S);
}

void bsampler_report(struct bsampler *S, uint64_t wall_ns)
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
	bsampler_stats_all(S, st);
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
		bsampler_type_values(S, ty, &pv, &period);
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
		json_object_set_new(jt, ptype_names[ty], o);
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
