/* strtab.c — interned strings (see strtab.h). */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void strtab_init(struct strtab *t)
{
	memset(t, 0, sizeof(*t));
	t->cap = 64;
	t->str = xcalloc(t->cap, sizeof(*t->str));
	t->str[0] = xstrdup("");
	t->n = 1;
	t->mask = 127;
	t->index = xcalloc(t->mask + 1, sizeof(*t->index));
}

void strtab_free(struct strtab *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

static void strtab_grow_index(struct strtab *t)
{
	uint32_t mask = t->mask * 2 + 1;
	uint32_t *index = xcalloc((size_t)mask + 1, sizeof(*index));

	for (uint32_t id = 1; id < t->n; id++) {
		const char *s = t->str[id];
		uint32_t i = (uint32_t)ref_hash_bytes(s, strlen(s), REF_HASH_SEED) & mask;

		while (index[i])
			i = (i + 1) & mask;
		index[i] = id;
	}
	free(t->index);
	t->index = index;
	t->mask = mask;
}

uint32_t strtab_intern_len(struct strtab *t, const char *s, size_t len)
{
	uint32_t i, id;
	char *copy;

	if (!len)
		return 0;
	for (i = (uint32_t)ref_hash_bytes(s, len, REF_HASH_SEED) & t->mask; (id = t->index[i]);
	     i = (i + 1) & t->mask) {
		if (!strncmp(t->str[id], s, len) && t->str[id][len] == '\0')
			return id;
	}
	if (t->n == t->cap) {
		t->cap *= 2;
		t->str = xrealloc(t->str, (size_t)t->cap * sizeof(*t->str));
	}
	copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	id = t->n++;
	t->str[id] = copy;
	t->index[i] = id;
	t->bytes += len + 1;
	/* keep the load at most one half: probes stay short */
	if (t->n * 2 > t->mask)
		strtab_grow_index(t);
	return id;
}

uint32_t strtab_intern(struct strtab *t, const char *s)
{
	return strtab_intern_len(t, s, strlen(s));
}
