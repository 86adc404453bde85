/* maps.h — what each sampled process has mapped where, so that a user address can be turned
 * into (object, file offset) when its sample arrives.
 *
 * Objects ("dsos", as perf calls them) are interned by path, device and inode and live as long
 * as the sampler: locations refer to them by id.  Address spaces (struct mm, one per process)
 * hold only executable mappings and follow the kernel's side-band records: MMAP2 adds a mapping,
 * COMM with the exec flag empties the space, FORK copies the parent's, EXIT frees it.  A process
 * first seen in a sample (system-wide, or one the records missed) is read from /proc once.
 */
#ifndef TARE_REF_MAPS_H
#define TARE_REF_MAPS_H

#include <stdint.h>
#include <sys/types.h>

#include "strtab.h"

enum dso_kind {
	DSO_FILE,        /* a mapped file: symbols from its ELF symbol tables */
	DSO_KERNEL,      /* the kernel and its modules: /proc/kallsyms */
	DSO_VDSO,        /* [vdso]: symbols from our own copy of it */
	DSO_PSEUDO,      /* [vsyscall], [uprobes] and the like: no symbols */
};

#define DSO_NONE	0	/* location id 0: an address in no known mapping */
#define DSO_KERNEL_ID	1

struct symfile;			/* symbols.c's facts about an object file */

struct dso {
	uint32_t id;
	enum dso_kind kind;
	uint32_t path;           /* strtab id, as the kernel names it */
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	int32_t pid;             /* a process that mapped it: /proc/PID/root/PATH in a container */
	struct symfile *sym;     /* owned by symbols.c; NULL until first symbolized */
};

struct mapping {
	uint64_t start, end;     /* [start, end) in the process */
	uint64_t pgoff;          /* file offset of start */
	uint32_t dso;
};

struct mm {
	struct mm *next;         /* hash chain */
	int32_t pid;
	uint32_t comm;           /* strtab id */
	int n, cap;
	struct mapping *map;     /* sorted by start, not overlapping */
	uint64_t reloaded_ns;    /* when /proc was last read for it (a miss re-reads, rate-limited) */
};

struct maps {
	struct strtab *strs;
	struct dso **dso;        /* by id; dso[0] unused */
	uint32_t ndso, dso_cap;
	uint32_t *dso_index;     /* open addressing: dso id, 0 empty */
	uint32_t dso_mask;
	struct mm **bucket;      /* pid hash */
	uint32_t nbuckets, nmm;
	const char *proc;        /* "/proc"; tests point it elsewhere */
	/* set by symbols.c when it gives a dso its symfile, so that maps_free can free them without
	 * maps knowing symbols (which is built on maps) */
	void (*sym_free)(struct symfile *);
};

void maps_init(struct maps *m, struct strtab *strs);
void maps_free(struct maps *m);

struct mm *maps_mm(struct maps *m, int32_t pid);
/* Read /proc/PID/task/TID/maps (TID 0: /proc/PID/maps) and comm into PID's space, replacing
 * what was there.  The space, or NULL (and no space) when the process is gone. */
struct mm *maps_load(struct maps *m, int32_t pid, int32_t tid);
/* An executable mapping appeared (MMAP2, or a line of /proc/PID/maps). */
void maps_mmap(struct maps *m, int32_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
	       uint32_t maj, uint32_t min, uint64_t ino, const char *filename);
void maps_fork(struct maps *m, int32_t ppid, int32_t pid);
void maps_exec(struct maps *m, int32_t pid);
void maps_comm(struct maps *m, int32_t pid, const char *comm);
void maps_exit(struct maps *m, int32_t pid);

const struct mapping *mm_find(const struct mm *mm, uint64_t addr);
static inline struct dso *maps_dso(const struct maps *m, uint32_t id)
{
	return id && id < m->ndso ? m->dso[id] : NULL;
}

/* Parse one line of /proc/PID/maps.  1 for an executable mapping (fields filled; name points
 * into line, " (deleted)" cut off), 0 for a line to skip, -1 for a malformed one. */
int maps_parse_line(char *line, uint64_t *start, uint64_t *end, uint64_t *pgoff,
		    uint32_t *maj, uint32_t *min, uint64_t *ino, const char **name);

#endif
