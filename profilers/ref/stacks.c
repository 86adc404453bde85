/* stacks.c — stack and location tables with a hard memory cap (see stacks.h). */
#include "stacks.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint32_t pow2_at_least(uint64_t n)
{
	uint64_t p = 16;

	while (p < n)
		p <<= 1;
	return (uint32_t)p;
}

/* A multiply-xorshift mix (splitmix64's finalizer): cheap, and good enough for table slots. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

size_t stacks_cap_bytes(uint32_t max_stacks)
{
	size_t n = max_stacks;

	return n * sizeof(struct stack) + pow2_at_least(2 * n) * sizeof(uint32_t) +
	       n * STACKS_MEAN_DEPTH * sizeof(uint32_t) +
	       (n * STACKS_LOCS_PER_STACK + 1) * sizeof(struct loc) +
	       pow2_at_least(2 * n * STACKS_LOCS_PER_STACK) * sizeof(uint32_t);
}

void stacks_init(struct stacks *t, uint32_t max_stacks)
{
	memset(t, 0, sizeof(*t));
	if (max_stacks < 1)
		max_stacks = 1;
	if (max_stacks > STACKS_MAX_MAX)
		max_stacks = STACKS_MAX_MAX;
	t->max_stacks = max_stacks;
	t->stack = xcalloc(max_stacks, sizeof(*t->stack));
	t->stack_mask = pow2_at_least(2ull * max_stacks) - 1;
	t->stack_index = xcalloc((size_t)t->stack_mask + 1, sizeof(*t->stack_index));
	t->arena_cap = (size_t)max_stacks * STACKS_MEAN_DEPTH;
	t->arena = xcalloc(t->arena_cap, sizeof(*t->arena));
	t->max_locs = max_stacks * STACKS_LOCS_PER_STACK;
	t->loc = xcalloc((size_t)t->max_locs + 1, sizeof(*t->loc));
	t->nlocs = 1;
	t->loc_mask = pow2_at_least(2ull * t->max_locs) - 1;
	t->loc_index = xcalloc((size_t)t->loc_mask + 1, sizeof(*t->loc_index));
}

void stacks_free(struct stacks *t)
{
	free(t->stack);
	free(t->stack_index);
	free(t->arena);
	free(t->loc);
	free(t->loc_index);
	memset(t, 0, sizeof(*t));
}

uint32_t stacks_loc(struct stacks *t, uint32_t dso, uint64_t addr)
{
	uint32_t i = (uint32_t)mix64(addr * 31 + dso) & t->loc_mask, id;

	for (; (id = t->loc_index[i]); i = (i + 1) & t->loc_mask)
		if (t->loc[id].addr == addr && t->loc[id].dso == dso)
			return id;
	if (t->nlocs > t->max_locs)
		return 0;
	id = t->nlocs++;
	t->loc[id] = (struct loc){ .addr = addr, .dso = dso };
	t->loc_index[i] = id;
	return id;
}

int64_t stacks_intern(struct stacks *t, int32_t pid, uint32_t comm, const uint32_t *locs,
		      uint32_t n)
{
	uint64_t h = mix64((uint64_t)(uint32_t)pid << 32 | n);
	uint32_t i, id, hash;
	struct stack *s;

	for (uint32_t k = 0; k < n; k++)
		h = mix64(h ^ locs[k]);
	hash = (uint32_t)h;
	for (i = hash & t->stack_mask; (id = t->stack_index[i]); i = (i + 1) & t->stack_mask) {
		s = &t->stack[id - 1];
		if (s->hash == hash && s->pid == pid && s->nframes == n &&
		    !memcmp(t->arena + s->frames, locs, n * sizeof(*locs)))
			return id - 1;
	}
	if (t->nstacks == t->max_stacks || t->arena_cap - t->arena_used < n)
		return -1;
	s = &t->stack[t->nstacks++];
	*s = (struct stack){ .hash = hash, .nframes = n, .frames = (uint32_t)t->arena_used,
			     .pid = pid, .comm = comm };
	memcpy(t->arena + t->arena_used, locs, n * sizeof(*locs));
	t->arena_used += n;
	t->stack_index[i] = t->nstacks;
	return t->nstacks - 1;
}

int stacks_add(struct stacks *t, int32_t pid, uint32_t comm, const uint32_t *locs, uint32_t n,
	       uint64_t period)
{
	int64_t i = stacks_intern(t, pid, comm, locs, n);

	if (i < 0) {
		t->dropped++;
		return -1;
	}
	t->stack[i].count++;
	t->stack[i].period += period;
	t->samples++;
	return 0;
}
