/* profile_int.h — the state the eBPF sampler's three user-side files share: profile.c (the
 * command: options, the run loop, switching), profile_attach.c (load and attach, the uprobes'
 * ELF lookup) and profile_ingest.c (naming stacks, the profiles, the report).  One sampler's
 * insides, split for reading and not an interface: only those three include it (the harness
 * sees sample.h), and what it declares is named bsampler_ or bproc_ so that nothing in it can
 * clash with a name elsewhere in tare's link. */
#ifndef TARE_BPF_PROFILE_INT_H
#define TARE_BPF_PROFILE_INT_H

#include <limits.h>
#include <linux/types.h>
#include <stdint.h>

#include <bpf/libbpf.h>

#include "profile.h"
#include "profile.skel.h"

#include "output.h"
#include "perfevent.h"
#include "record.h"
#include "samplecli.h"

#define BPF_EXEC_SETTLE_NS	20000000ull	/* after an exec, let ld.so map the libraries */
#define MIRROR_BATCH	256	/* stacks hash entries per batch read */

extern const char *const ptype_names[TARE_NTYPES];	/* -t's words, in the output names */

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

/* profile_ingest.c: the processes followed, the stacks named, the profiles written */
struct bproc *bproc_add(struct bsampler *S, int32_t pid);
void bproc_cpu_update(struct bproc *p);
uint64_t bsampler_targets_cpu_ns(const struct bsampler *S);
uint64_t bsampler_stat_sum(struct bsampler *S, int which);
void bsampler_stats_all(struct bsampler *S, uint64_t *out);
void bsampler_ingest(struct bsampler *S);
int bsampler_on_event(void *ctx, void *data, size_t size);
void bsampler_type_values(const struct bsampler *S, int ty, struct profile_values *pv,
			  uint64_t *period);
void bsampler_flush(struct bsampler *S, int final);
void bsampler_report(struct bsampler *S, uint64_t wall_ns);

/* profile_attach.c: the BPF object and its links; 0 or the exit code (said) */
int bsampler_load(struct bsampler *S);
int bsampler_attach_all(struct bsampler *S);
void bsampler_detach(struct bsampler *S, int cpu_only);

#endif
