// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* profile.bpf.c — the eBPF sampler's kernel side (docs/bpf.md; user side: profile.c).
 *
 * Stacks are aggregated here, in the kernel, by content: each event takes its stacks with
 * bpf_get_stack (user and kernel parts apart) into a scratch buffer, interns each part in a
 * hash keyed by its frames (an id, assigned when the part is first seen: profile.h), and adds
 * to a counts hash keyed by {type, process, exec generation, user stack id, kernel stack id}.
 * Two distinct stacks never share an entry, so none is lost but to a full table.  Nothing per
 * event crosses to user space; it reads the maps when it flushes (and when new stacks appear,
 * to name them while the process's mappings are still there).
 *
 * Who is profiled: the processes in `targets` (tgid -> generation).  User space puts the target
 * in; sched_process_fork adds the children it forks, sched_process_exit takes a process out
 * when its last thread exits, sched_process_exec bumps its generation.  (A cgroup filter would
 * need cgroup v2 for bpf_get_current_cgroup_id and would take in whatever else runs in the
 * group; a tgid set follows exactly the process tree, on any cgroup setup.)
 *
 * Every program is a few map operations and at most two stack walks, with no loops; an event
 * that cannot be recorded (a map full, no stack to take) is dropped and counted in `stats`,
 * never retried: the profiled program is never made to wait.
 *
 * Switching (--paused): every program of a profile type first reads sampling_on, which user
 * space writes through the mmap'd .data, and returns at once when it is 0, so an off interval
 * costs each event only the program's entry (and for cpu, user space also disables the perf
 * events, so there are no sampling interrupts at all).  The process tree's programs always run:
 * the targets must stay right while off.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "profile.h"

#define EEXIST 17
#define EFAULT 14
#define ENOSPC 28
#define E2BIG 7
#define TASK_RUNNING 0

/* Configuration, set by user space between open and load (then frozen). */
const volatile __u64 offcpu_min_ns = 0;		/* shorter blocks are not recorded */
const volatile __u64 alloc_mean = 512 * 1024;	/* bytes between samples, on average */
const volatile __u64 alloc_mean_ln2_q8 = 0;
const volatile __u64 log2_tab[TARE_LOG2_N + 1] = {};
const volatile __u32 g_tab[TARE_G_N + 1] = {};
const volatile bool follow_children = true;
/* A stack part's bytes: --stack-depth frames, the stacks hash's key size.  Read from the frozen
 * .rodata, it is a constant to the verifier, which checks it against the scratch buffer. */
const volatile __u32 stack_bytes = TARE_DEFAULT_DEPTH * sizeof(__u64);

/* The next stack id: a fetch-and-add with its result (BPF_FETCH: kernel 5.12, and clang 12 or
 * later; LLVM 20 wants -mcpu=v3 for it, its default). */
__u64 stack_ids_next = 0;

/* Switching: 1 samples, 0 is an off interval (user space: --paused starts at 0).  switch_gen
 * counts the switches: a pair of events (a block and its wake-up, a call and its return) is
 * counted only when both halves saw the same generation. */
__u32 sampling_on = 1;
__u32 switch_gen = 0;
#define SAMPLING_OFF() (!*(volatile __u32 *)&sampling_on)
#define SWITCH_GEN() (*(volatile __u32 *)&switch_gen)

/* Sizes are set by user space before load (bpf_map__set_max_entries / set_key_size).  The
 * stacks hash is preallocated, like every hash here: an insert never waits for memory or
 * fails for want of it (a BPF_F_NO_PREALLOC hash allocates from per-CPU caches refilled by
 * irq_work, and one prefilled element is not enough for a sample's two new parts). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(key_size, TARE_DEFAULT_DEPTH * sizeof(__u64));
	__uint(value_size, sizeof(struct tare_stack_val));
} tare_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TARE_NSCRATCH);
	__type(key, __u32);
	__type(value, struct tare_scratch);
} tare_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tare_scratch);
} tare_uscratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tare_key);
	__type(value, struct tare_val);
} tare_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct tare_target);
} tare_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct tare_live_key);
	__type(value, struct tare_live);
} tare_live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tare_task);
} tare_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tare_stats);
} tare_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);
} tare_events SEC(".maps");

/* ---- helpers -------------------------------------------------------------------------------- */

/* Atomic even though the array is per CPU: a cpu-clock sample (hard interrupt) can land in the
 * middle of a uprobe program on the same CPU. */
static __always_inline void stat_add(__u32 which, __u64 n)
{
	__u32 zero = 0;
	struct tare_stats *s = bpf_map_lookup_elem(&tare_stats, &zero);

	if (s && which < TARE_NSTATS)
		__sync_fetch_and_add(&s->v[which], n);
}

/* A stack id, or the drop it cost counted (the caller drops the event); -1 is a drop counted
 * already, under its own cause. */
static __always_inline int stack_ok(long id)
{
	if (id >= 0)
		return 1;
	if (id != -1)
		stat_add(id == -ENOSPC ? TARE_DROP_STACKS_FULL : id == -EFAULT ? TARE_DROP_STACK_EFAULT :
		 TARE_DROP_STACK_OTHER, 1);
	return 0;
}

/* The id of the stack part in s (nr frames, the rest of the key zero), interned when new;
 * -ENOSPC when the stacks hash is full, the update's error otherwise (-EBUSY: its bucket was
 * locked by the program this one interrupted).  Two CPUs may meet a new part at once: one insert wins
 * (BPF_NOEXIST), the other finds the winner's entry and uses its id (its own is never used). */
static __always_inline long intern(struct tare_scratch *s, __u32 nr)
{
	struct tare_stack_val *v = bpf_map_lookup_elem(&tare_stacks, s->ip), fresh = { .nr = nr };
	__u64 id;
	long err;

	if (v)
		return v->id;
	id = __sync_fetch_and_add(&stack_ids_next, 1);
	if (id > TARE_STACK_ID_MAX)
		return -ENOSPC;	/* after 2^31 new stacks, every one of them refused as full */
	fresh.id = (__u32)id;
	err = bpf_map_update_elem(&tare_stacks, s->ip, &fresh, BPF_NOEXIST);
	if (!err) {
		stat_add(TARE_ST_NEW_STACKS, 1);
		return (long)id;
	}
	if (err == -EEXIST && (v = bpf_map_lookup_elem(&tare_stacks, s->ip)))
		return v->id;
	return err == -E2BIG ? -ENOSPC : err;
}

/* Take a part of the current stack (flags: BPF_F_USER_STACK, or kernel frames to skip) into s
 * and intern it: its id; -EFAULT when there is no stack to take (no frames), another error of
 * bpf_get_stack, or -ENOSPC.  bpf_get_stack zero-fills s past the last frame, up to
 * stack_bytes: the whole key is written. */
static __always_inline long take_stack(void *ctx, struct tare_scratch *s, __u64 flags)
{
	long n = bpf_get_stack(ctx, s->ip, stack_bytes, flags);

	if (n < 0)
		return n;
	if (n == 0)
		return -EFAULT;
	return intern(s, (__u32)(n / sizeof(__u64)));
}

/* This CPU's scratch for a program that cannot be preempted. */
static __always_inline struct tare_scratch *cpu_scratch(__u32 slot)
{
	return bpf_map_lookup_elem(&tare_scratch, &slot);
}

/* The counts entry for a key, created (zero) when new; NULL (counted) when the hash is full. */
static __always_inline struct tare_val *counts_entry(struct tare_key *k)
{
	struct tare_val *v = bpf_map_lookup_elem(&tare_counts, k), zero = {};
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(&tare_counts, k, &zero, BPF_NOEXIST);
	if (!err)
		stat_add(TARE_ST_NEW_KEYS, 1);
	else if (err != -EEXIST) {	/* -EEXIST: another CPU made it first; use theirs */
		stat_add(TARE_DROP_COUNTS_FULL, 1);
		return NULL;
	}
	v = bpf_map_lookup_elem(&tare_counts, k);
	if (!v)
		stat_add(TARE_DROP_COUNTS_FULL, 1);
	return v;
}

static __always_inline void counts_add2(struct tare_key *k, __u64 a, __u64 b)
{
	struct tare_val *v = counts_entry(k);

	if (!v)
		return;
	__sync_fetch_and_add(&v->v[0], a);
	__sync_fetch_and_add(&v->v[1], b);
}

static __always_inline void emit(__u32 kind, __u32 pid, __u32 ppid, __u32 gen)
{
	struct tare_event *e = bpf_ringbuf_reserve(&tare_events, sizeof(*e), 0);

	if (!e) {
		stat_add(TARE_DROP_EVENTS, 1);
		return;
	}
	e->kind = kind;
	e->pid = pid;
	e->ppid = ppid;
	e->gen = gen;
	bpf_ringbuf_submit(e, 0);
}

/* task_struct's state was renamed __state in 5.14; read whichever this kernel has (CO-RE). */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___old *)t, state);
}

/* The current thread's state, when it belongs to a target; NULL otherwise. */
static __always_inline struct tare_task *current_state(struct tare_target **tg, __u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	*tg = bpf_map_lookup_elem(&tare_targets, tgid);
	if (!*tg)
		return NULL;
	struct tare_task *t = bpf_task_storage_get(&tare_tasks, bpf_get_current_task_btf(), 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		stat_add(TARE_DROP_TASK_STORAGE, 1);
	return t;
}

/* ---- cpu: a perf_event program on cpu-clock, one event per CPU --------------------------- */

SEC("perf_event")
int tare_cpu(struct bpf_perf_event_data *ctx)
{
	__u32 tgid;
	struct tare_target *tg;
	struct tare_key k = { .type = TARE_CPU, .kstack = -1 };
	struct tare_scratch *s;
	long ustack, kstack = -1;

	if (SAMPLING_OFF())
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	tg = bpf_map_lookup_elem(&tare_targets, &tgid);
	k.pid = tgid;
	if (!tg)
		return 0;	/* another process on this CPU */
	stat_add(TARE_ST_CPU_SAMPLES, 1);
	s = cpu_scratch(TARE_SCRATCH_CPU);
	if (!s)
		return 0;	/* cannot happen: the array has the slot */
	k.gen = tg->gen;
	ustack = take_stack(ctx, s, BPF_F_USER_STACK);
	/* Kernel frames only when the interrupt came in kernel mode (the IP is in the kernel's
	 * upper half); a user-mode sample has none, and asking would only fail with -EFAULT.
	 * (The context allows 8-byte reads only: ip, not the 2-byte cs.) */
	if ((long)PT_REGS_IP(&ctx->regs) < 0) {
		kstack = take_stack(ctx, s, 0);
		if (!stack_ok(kstack))
			return 0;
		if (ustack == -EFAULT)	/* in the kernel with no user stack (exiting) */
			ustack = -1;
	}
	if (ustack != -1 && !stack_ok(ustack))
		return 0;
	k.ustack = (__s32)ustack;
	k.kstack = (__s32)kstack;
	counts_add2(&k, 1, ctx->sample_period);
	return 0;
}

/* ---- offcpu: sched_switch ------------------------------------------------------------------
 * A target thread that blocks (switched out not by preemption, in a sleeping state) gets its
 * time and stacks stored in its task storage; when it is switched back in, the time since is
 * added to that stack.  So off-CPU time = blocked + waiting on the run queue after the wake-up;
 * time a preempted thread waits to run again is not counted (it was not blocked). */

SEC("tp_btf/sched_switch")
int BPF_PROG(tare_offcpu, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now;
	struct tare_task *t;
	__u32 tgid, gen;

	if (SAMPLING_OFF())
		return 0;
	now = bpf_ktime_get_ns();
	gen = SWITCH_GEN();
	if (!preempt && task_state(prev) != TASK_RUNNING) {
		struct tare_target *tg;

		tgid = prev->tgid;
		tg = bpf_map_lookup_elem(&tare_targets, &tgid);
		if (tg) {
			struct tare_scratch *s = cpu_scratch(TARE_SCRATCH_OFFCPU);

			t = bpf_task_storage_get(&tare_tasks, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (t && s) {
				/* prev is still current here: these are its stacks.  The kernel
				 * stack starts in this program and bpf_trace_run4 (the tracepoint's
				 * glue): skip those two, so it starts at __schedule.  An id, or the
				 * error, counted at switch-in if the block is recorded. */
				t->off_ustack = (__s32)take_stack(ctx, s, BPF_F_USER_STACK);
				t->off_kstack = (__s32)take_stack(ctx, s, 2 & BPF_F_SKIP_FIELD_MASK);
				t->off_gen = tg->gen;
				t->off_switch = gen;
				t->off_ts = now;
			} else if (!t)
				stat_add(TARE_DROP_TASK_STORAGE, 1);
		}
	}
	/* Switch-in: only threads that have storage (lookup without create is cheap). */
	t = bpf_task_storage_get(&tare_tasks, next, 0, 0);
	if (t && t->off_ts) {
		__u64 delta = now - t->off_ts;
		struct tare_key k = { .type = TARE_OFFCPU, .gen = t->off_gen,
				      .ustack = t->off_ustack, .kstack = t->off_kstack };

		t->off_ts = 0;
		if (t->off_switch != gen || delta < offcpu_min_ns)
			return 0;	/* blocked in an earlier on interval: the time spans an off one */
		k.pid = next->tgid;
		if (k.ustack == -EFAULT)
			k.ustack = -1;	/* a thread with no user stack: kernel frames only */
		if ((k.ustack != -1 && !stack_ok(k.ustack)) || !stack_ok(k.kstack))
			return 0;
		stat_add(TARE_ST_OFFCPU_BLOCKS, 1);
		counts_add2(&k, 1, delta);
	}
	return 0;
}

/* A uprobe's user stack, interned: its scratch is the thread's own (a uprobe program can be
 * preempted, and the next thread on this CPU run the same program). */
static __always_inline __s32 user_stack(void *ctx)
{
	struct tare_scratch *s = bpf_task_storage_get(&tare_uscratch, bpf_get_current_task_btf(), 0,
						      BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!s) {
		stat_add(TARE_DROP_TASK_STORAGE, 1);
		return -1;	/* counted: not a stack error */
	}
	return (__s32)take_stack(ctx, s, BPF_F_USER_STACK);
}

/* ---- lock: pthread_mutex_lock, entry and return ---------------------------------------------
 * A call is a contention when the mutex was held by another thread at entry (glibc's
 * pthread_mutex_t starts { int __lock; unsigned __count; int __owner; }: __lock != 0 is held,
 * __owner the holder's TID — the caller itself for a recursive mutex), or when the thread
 * slept inside the call (its voluntary context switches went up: the futex wait), which
 * catches a mutex taken between the check and glibc's own attempt.  Its delay is entry to
 * return.  The stack is taken at the return: there the frame pointer chain is the caller's,
 * whole (at the entry of a function built without frame pointers it would miss the caller). */

SEC("uprobe")
int BPF_KPROBE(tare_lock_in, void *mutex)
{
	struct tare_target *tg;
	struct tare_task *t;
	__u32 tgid;
	int word[3] = {};

	if (SAMPLING_OFF())
		return 0;
	t = current_state(&tg, &tgid);
	if (!t)
		return 0;
	stat_add(TARE_ST_LOCK_CALLS, 1);
	t->lock_switch = SWITCH_GEN();
	bpf_probe_read_user(word, sizeof(word), mutex);
	t->lock_held = word[0] != 0 && (__u32)word[2] != (__u32)bpf_get_current_pid_tgid();
	t->lock_nvcsw = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nvcsw);
	t->lock_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(tare_lock_out)
{
	__u32 tgid;
	struct tare_target *tg;
	struct tare_key k = { .type = TARE_LOCK, .kstack = -1 };
	struct tare_task *t;
	__u64 delta;

	if (SAMPLING_OFF())
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	tg = bpf_map_lookup_elem(&tare_targets, &tgid);
	k.pid = tgid;
	if (!tg)
		return 0;
	t = bpf_task_storage_get(&tare_tasks, bpf_get_current_task_btf(), 0, 0);
	if (!t || !t->lock_ts)
		return 0;	/* its entry was before attach */
	delta = bpf_ktime_get_ns() - t->lock_ts;
	t->lock_ts = 0;
	if (t->lock_switch != SWITCH_GEN())
		return 0;	/* entered in an earlier on interval */
	if (!t->lock_held &&
	    BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nvcsw) == t->lock_nvcsw)
		return 0;	/* not contended */
	stat_add(TARE_ST_LOCK_CONTENDED, 1);
	k.gen = tg->gen;
	k.ustack = user_stack(ctx);
	if (!stack_ok(k.ustack))
		return 0;
	counts_add2(&k, 1, delta);
	return 0;
}

/* ---- alloc: malloc, calloc, realloc (entry: size; return: address) and free -----------------
 * Sampling by bytes (profile.h): the countdown is per thread, in its task storage.  A call made
 * inside another probed call (glibc's realloc(NULL, n) calls malloc) is not counted again: the
 * depth counts entries and returns, and only the outermost call is looked at.  A depth left by
 * a call that entered before a switch off (its return not seen) is reset at the next entry. */

static __always_inline int alloc_enter(__u64 size, __u64 old, __u32 kind)
{
	struct tare_target *tg;
	struct tare_task *t;
	__u32 tgid, gen = SWITCH_GEN();

	t = current_state(&tg, &tgid);
	if (!t)
		return 0;
	if (t->alloc_depth && t->alloc_switch != gen)
		t->alloc_depth = 0;	/* stale: from an earlier on interval */
	if (t->alloc_depth++ > 0)
		return 0;	/* nested */
	t->alloc_switch = gen;
	stat_add(TARE_ST_ALLOC_CALLS, 1);
	stat_add(TARE_ST_ALLOC_BYTES, size);
	if (!t->alloc_ready) {
		t->alloc_countdown = tare_exp_draw(bpf_get_prandom_u32(), alloc_mean_ln2_q8, log2_tab);
		t->alloc_ready = 1;
	}
	t->alloc_size = size;
	t->alloc_old = old;
	t->alloc_kind = kind;
	/* sampled when the countdown runs out inside this allocation: P = 1 - exp(-size/N) */
	if (t->alloc_countdown < size) {
		t->alloc_sampled = 1;
		t->alloc_countdown = tare_exp_draw(bpf_get_prandom_u32(), alloc_mean_ln2_q8,
						   log2_tab);
	} else {
		t->alloc_sampled = 0;
		t->alloc_countdown -= size;
	}
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tare_malloc, __u64 size)
{
	if (SAMPLING_OFF())
		return 0;
	return alloc_enter(size, 0, TARE_MALLOC);
}

SEC("uprobe")
int BPF_KPROBE(tare_calloc, __u64 nmemb, __u64 size)
{
	__u64 bytes = 0;

	if (SAMPLING_OFF())
		return 0;
	/* Both below 2^32: the product fits.  Else only the obvious cases (clang turns an
	 * overflow check into a 128-bit multiply, which BPF does not have); the rest would
	 * overflow or be refused by glibc, and count as 0 bytes. */
	if (!(nmemb >> 32) && !(size >> 32))
		bytes = nmemb * size;
	else if (nmemb == 1 || size == 1)
		bytes = nmemb * size;
	return alloc_enter(bytes, 0, TARE_CALLOC);
}

SEC("uprobe")
int BPF_KPROBE(tare_realloc, __u64 old, __u64 size)
{
	if (SAMPLING_OFF())
		return 0;
	return alloc_enter(size, old, TARE_REALLOC);
}

static __always_inline void live_forget(__u32 tgid, __u64 addr)
{
	struct tare_live_key lk = { .pid = tgid, .addr = addr };

	if (bpf_map_delete_elem(&tare_live, &lk) == 0)
		stat_add(TARE_ST_FREES_SAMPLED, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(tare_alloc_ret, __u64 addr)
{
	__u32 tgid;
	struct tare_target *tg;
	struct tare_key k = { .type = TARE_ALLOC, .kstack = -1 };
	struct tare_live_key lk = { .addr = addr };
	struct tare_live lv = {};
	struct tare_task *t;
	struct tare_val *v;
	__u64 bytes, objects;

	if (SAMPLING_OFF())
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	tg = bpf_map_lookup_elem(&tare_targets, &tgid);
	k.pid = lk.pid = tgid;
	if (!tg)
		return 0;
	t = bpf_task_storage_get(&tare_tasks, bpf_get_current_task_btf(), 0, 0);
	if (!t || !t->alloc_depth)
		return 0;	/* its entry was before attach */
	if (t->alloc_switch != SWITCH_GEN()) {
		t->alloc_depth = 0;	/* entered in an earlier on interval */
		return 0;
	}
	if (--t->alloc_depth > 0)
		return 0;	/* a nested call returning */
	/* realloc frees the old block when it succeeds (or when asked for 0 bytes) */
	if (t->alloc_kind == TARE_REALLOC && t->alloc_old && (addr || !t->alloc_size))
		live_forget(tgid, t->alloc_old);
	if (!t->alloc_sampled || !addr)
		return 0;
	t->alloc_sampled = 0;
	stat_add(TARE_ST_ALLOC_SAMPLED, 1);
	k.gen = tg->gen;
	k.ustack = user_stack(ctx);
	if (!stack_ok(k.ustack))
		return 0;
	tare_alloc_weight(t->alloc_size, alloc_mean, g_tab, &bytes, &objects);
	v = counts_entry(&k);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->v[0], 1);
	__sync_fetch_and_add(&v->v[1], bytes);
	__sync_fetch_and_add(&v->v[2], objects);
	__sync_fetch_and_add(&v->v[3], t->alloc_size);
	lv.key = k;
	lv.bytes = bytes;
	lv.objects_q16 = objects;
	if (bpf_map_update_elem(&tare_live, &lk, &lv, BPF_ANY))
		stat_add(TARE_DROP_LIVE_FULL, 1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tare_free, __u64 addr)
{
	__u32 tgid;

	if (SAMPLING_OFF())
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!addr || !bpf_map_lookup_elem(&tare_targets, &tgid))
		return 0;
	stat_add(TARE_ST_FREES, 1);
	live_forget(tgid, addr);
	return 0;
}

/* ---- the process tree ----------------------------------------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tare_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct tare_target fresh = {};

	if (!follow_children || ptgid == ctgid)
		return 0;	/* a thread: its process is followed already */
	if (!bpf_map_lookup_elem(&tare_targets, &ptgid))
		return 0;
	if (bpf_map_update_elem(&tare_targets, &ctgid, &fresh, BPF_ANY)) {
		stat_add(TARE_DROP_TARGETS_FULL, 1);
		return 0;
	}
	emit(TARE_EV_FORK, ctgid, ptgid, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tare_exec, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct tare_target *tg = bpf_map_lookup_elem(&tare_targets, &tgid);

	if (!tg)
		return 0;
	/* (no fetch-and-add with a result: on 32 bits clang emits it only with -mcpu=v3) */
	__sync_fetch_and_add(&tg->gen, 1);
	emit(TARE_EV_EXEC, tgid, 0, tg->gen);
	return 0;
}

/* The process is gone when its last thread exits (signal->live reached 0 before this
 * tracepoint, in do_exit). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tare_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	if (!bpf_map_lookup_elem(&tare_targets, &tgid))
		return 0;
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;	/* other threads are still running */
	bpf_map_delete_elem(&tare_targets, &tgid);
	emit(TARE_EV_EXIT, tgid, 0, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
