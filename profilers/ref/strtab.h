/* strtab.h — interned strings for the reference sampler: each distinct string stored once and
 * named by a small integer.
 *
 * The ids are the pprof string table's indices (id 0 is ""), so the profile writer emits the
 * table as it stands.  Function names, object paths and command names all live here; it grows
 * only with distinct locations and objects, which the stack table bounds.
 */
#ifndef TARE_REF_STRTAB_H
#define TARE_REF_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab {
	char **str;          /* id -> string; str[0] is "" */
	uint32_t n, cap;
	uint32_t *index;     /* open addressing over ids; 0 is an empty slot ("" is never hashed) */
	uint32_t mask;
	size_t bytes;        /* string bytes held, for the memory report */
};

void strtab_init(struct strtab *t);
void strtab_free(struct strtab *t);
uint32_t strtab_intern(struct strtab *t, const char *s);
uint32_t strtab_intern_len(struct strtab *t, const char *s, size_t len);

static inline const char *strtab_get(const struct strtab *t, uint32_t id)
{
	return id < t->n ? t->str[id] : "";
}

/* FNV-1a, shared by the sampler's hash tables. */
static inline uint64_t ref_hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}
#define REF_HASH_SEED 0xcbf29ce484222325ull

#endif
