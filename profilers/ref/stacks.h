/* stacks.h — the sampler's aggregation: distinct call stacks with their sample counts.
 *
 * A frame is a *location*: the object it executes in and the address inside it (a file offset
 * for a mapped file, the address itself for the kernel and for unmapped code).  Locations are
 * interned, so a stack is a short array of 32-bit location ids, leaf first, and a location is
 * symbolized once, at the first flush that sees it, however many stacks share it.  Resolving the
 * object at ingestion (not at flush) is what makes a sample before an exec or a dlclose mean what
 * it meant when it was taken.
 *
 * Memory is fixed when the table is made: max_stacks stacks, on average STACKS_MEAN_DEPTH frames
 * each, and STACKS_LOCS_PER_STACK locations per stack.  When any part is full a sample is
 * dropped and counted: the sampler never waits, grows or evicts to keep one.  The arrays are
 * calloc'd (mmap'd, untouched), so resident memory follows what is used, not the cap.
 */
#ifndef TARE_REF_STACKS_H
#define TARE_REF_STACKS_H

#include <stddef.h>
#include <stdint.h>

#define STACKS_MEAN_DEPTH	48
#define STACKS_LOCS_PER_STACK	4
#define STACKS_DEFAULT_MAX	4096	/* at most ~1.3 MB: the sampler stays under 8 MB RSS */
#define STACKS_MAX_MAX		(1u << 24)

struct loc {
	uint64_t addr;       /* file offset (mapped file), or the address (kernel, unknown) */
	uint32_t dso;        /* object id (maps.h); 0: no mapping known */
	uint32_t name;       /* function name (strtab id) | LOC_FALLBACK; 0 until symbolized */
};

/* Set in loc.name when the name is a fallback ("module+0xOFFSET"), not a symbol; with
 * LOC_PROVISIONAL too when a later flush will try again (kernel frames between two reads of
 * kallsyms). */
#define LOC_FALLBACK	0x80000000u
#define LOC_PROVISIONAL	0x40000000u
static inline uint32_t loc_name(const struct loc *l)
{
	return l->name & ~(LOC_FALLBACK | LOC_PROVISIONAL);
}

struct stack {
	uint64_t count;      /* samples */
	uint64_t period;     /* summed sample periods (ns for cpu-clock and task-clock) */
	uint32_t hash;
	uint32_t nframes;
	uint32_t frames;     /* offset of its location ids in the arena, leaf first */
	int32_t pid;
	uint32_t comm;       /* strtab id of the process's name at its first sample */
};

struct stacks {
	uint32_t max_stacks, nstacks;
	struct stack *stack;
	uint32_t *stack_index;   /* open addressing: stack id + 1, 0 empty */
	uint32_t stack_mask;
	uint32_t *arena;
	size_t arena_cap, arena_used;
	uint32_t max_locs, nlocs;
	struct loc *loc;         /* loc[0] unused: id 0 means "none" */
	uint32_t *loc_index;     /* open addressing: loc id, 0 empty */
	uint32_t loc_mask;
	uint64_t dropped;        /* samples not kept because a part was full */
	uint64_t samples;        /* samples kept */
};

void stacks_init(struct stacks *t, uint32_t max_stacks);
void stacks_free(struct stacks *t);
/* The id of location (dso, addr), interned; 0 when the location table is full. */
uint32_t stacks_loc(struct stacks *t, uint32_t dso, uint64_t addr);
/* Count one sample of stack locs[0..n) (leaf first) in process pid.  0, or -1 when it was
 * dropped (table full; counted in t->dropped). */
int stacks_add(struct stacks *t, int32_t pid, uint32_t comm, const uint32_t *locs, uint32_t n,
	       uint64_t period);
/* The index of stack locs[0..n) of process pid in t->stack, added with no samples when new;
 * -1 when the table is full (not counted: samplers that aggregate elsewhere count their own). */
int64_t stacks_intern(struct stacks *t, int32_t pid, uint32_t comm, const uint32_t *locs,
		      uint32_t n);
static inline const uint32_t *stacks_frames(const struct stacks *t, const struct stack *s)
{
	return t->arena + s->frames;
}
/* The most the table can hold in memory, in bytes (the cap, not the use). */
size_t stacks_cap_bytes(uint32_t max_stacks);

#endif
