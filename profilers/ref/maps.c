/* maps.c — objects and per-process executable mappings (see maps.h). */
#include "maps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint32_t dso_slot_hash(uint32_t path, uint32_t maj, uint32_t min, uint64_t ino)
{
	uint64_t k[3] = { (uint64_t)path << 32 | maj, (uint64_t)min, ino };

	return (uint32_t)ref_hash_bytes(k, sizeof(k), REF_HASH_SEED);
}

static void dso_index_insert(uint32_t *index, uint32_t mask, const struct dso *d)
{
	uint32_t i = dso_slot_hash(d->path, d->dev_major, d->dev_minor, d->ino) & mask;

	while (index[i])
		i = (i + 1) & mask;
	index[i] = d->id;
}

static uint32_t dso_intern(struct maps *m, const char *path, uint32_t maj, uint32_t min,
			   uint64_t ino, int32_t pid)
{
	uint32_t p = strtab_intern(m->strs, path), i, id;
	struct dso *d;

	for (i = dso_slot_hash(p, maj, min, ino) & m->dso_mask; (id = m->dso_index[i]);
	     i = (i + 1) & m->dso_mask) {
		d = m->dso[id];
		if (d->path == p && d->dev_major == maj && d->dev_minor == min && d->ino == ino)
			return id;
	}
	if (m->ndso == m->dso_cap) {
		m->dso_cap *= 2;
		m->dso = xrealloc(m->dso, m->dso_cap * sizeof(*m->dso));
	}
	d = xcalloc(1, sizeof(*d));
	d->id = m->ndso++;
	d->path = p;
	d->dev_major = maj;
	d->dev_minor = min;
	d->ino = ino;
	d->pid = pid;
	if (!strcmp(path, "[vdso]"))
		d->kind = DSO_VDSO;
	else if (path[0] == '[')
		d->kind = DSO_PSEUDO;
	else
		d->kind = DSO_FILE;
	m->dso[d->id] = d;
	m->dso_index[i] = d->id;
	if (m->ndso * 2 > m->dso_mask) {
		uint32_t mask = m->dso_mask * 2 + 1;
		uint32_t *index = xcalloc((size_t)mask + 1, sizeof(*index));

		for (uint32_t k = 1; k < m->ndso; k++)
			dso_index_insert(index, mask, m->dso[k]);
		free(m->dso_index);
		m->dso_index = index;
		m->dso_mask = mask;
	}
	return d->id;
}

void maps_init(struct maps *m, struct strtab *strs)
{
	memset(m, 0, sizeof(*m));
	m->strs = strs;
	m->proc = "/proc";
	m->dso_cap = 16;
	m->dso = xcalloc(m->dso_cap, sizeof(*m->dso));
	m->dso_mask = 63;
	m->dso_index = xcalloc(m->dso_mask + 1, sizeof(*m->dso_index));
	m->ndso = 1;
	m->nbuckets = 256;
	m->bucket = xcalloc(m->nbuckets, sizeof(*m->bucket));
	/* id 1: the kernel, whose frames are absolute addresses (kallsyms) */
	dso_intern(m, "[kernel.kallsyms]", 0, 0, 0, 0);
	m->dso[DSO_KERNEL_ID]->kind = DSO_KERNEL;
}

static void mm_free(struct mm *mm)
{
	free(mm->map);
	free(mm);
}

void maps_free(struct maps *m)
{
	for (uint32_t b = 0; b < m->nbuckets; b++) {
		struct mm *mm = m->bucket[b], *next;

		for (; mm; mm = next) {
			next = mm->next;
			mm_free(mm);
		}
	}
	for (uint32_t i = 1; i < m->ndso; i++) {
		if (m->dso[i]->sym && m->sym_free)
			m->sym_free(m->dso[i]->sym);
		free(m->dso[i]);
	}
	free(m->bucket);
	free(m->dso);
	free(m->dso_index);
	memset(m, 0, sizeof(*m));
}

static uint32_t pid_bucket(const struct maps *m, int32_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (m->nbuckets - 1);
}

struct mm *maps_mm(struct maps *m, int32_t pid)
{
	struct mm *mm = m->bucket[pid_bucket(m, pid)];

	while (mm && mm->pid != pid)
		mm = mm->next;
	return mm;
}

static struct mm *mm_create(struct maps *m, int32_t pid)
{
	struct mm *mm = maps_mm(m, pid);
	uint32_t b;

	if (mm)
		return mm;
	if (m->nmm >= m->nbuckets * 2) {
		uint32_t n = m->nbuckets * 4;
		struct mm **bucket = xcalloc(n, sizeof(*bucket));

		for (uint32_t i = 0; i < m->nbuckets; i++) {
			struct mm *x = m->bucket[i], *next;

			for (; x; x = next) {
				next = x->next;
				b = ((uint32_t)x->pid * 2654435761u) & (n - 1);
				x->next = bucket[b];
				bucket[b] = x;
			}
		}
		free(m->bucket);
		m->bucket = bucket;
		m->nbuckets = n;
	}
	mm = xcalloc(1, sizeof(*mm));
	mm->pid = pid;
	b = pid_bucket(m, pid);
	mm->next = m->bucket[b];
	m->bucket[b] = mm;
	m->nmm++;
	return mm;
}

void maps_exit(struct maps *m, int32_t pid)
{
	struct mm **pp = &m->bucket[pid_bucket(m, pid)];

	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->pid == pid) {
			struct mm *mm = *pp;

			*pp = mm->next;
			mm_free(mm);
			m->nmm--;
			return;
		}
	}
}

const struct mapping *mm_find(const struct mm *mm, uint64_t addr)
{
	int lo = 0, hi = mm ? mm->n : 0;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (addr < mm->map[mid].start)
			hi = mid;
		else if (addr >= mm->map[mid].end)
			lo = mid + 1;
		else
			return &mm->map[mid];
	}
	return NULL;
}

/* Insert [start, end) into a space, cutting away whatever it overlaps, as mmap(2) does. */
static void mm_insert(struct mm *mm, const struct mapping *nw)
{
	int n = 0, at;
	struct mapping *out;

	if (mm->n + 2 > mm->cap) {
		mm->cap = mm->cap ? mm->cap * 2 : 16;
		while (mm->cap < mm->n + 2)
			mm->cap *= 2;
		mm->map = xrealloc(mm->map, (size_t)mm->cap * sizeof(*mm->map));
	}
	out = xmalloc(((size_t)mm->n + 2) * sizeof(*out));
	for (int i = 0; i < mm->n; i++) {
		struct mapping x = mm->map[i];

		if (x.end <= nw->start || x.start >= nw->end) {
			out[n++] = x;
			continue;
		}
		if (x.start < nw->start)
			out[n++] = (struct mapping){ x.start, nw->start, x.pgoff, x.dso };
		if (x.end > nw->end)
			out[n++] = (struct mapping){ nw->end, x.end, x.pgoff + (nw->end - x.start), x.dso };
	}
	for (at = 0; at < n && out[at].start < nw->start; at++)
		;
	memmove(out + at + 1, out + at, (size_t)(n - at) * sizeof(*out));
	out[at] = *nw;
	n++;
	memcpy(mm->map, out, (size_t)n * sizeof(*out));
	mm->n = n;
	free(out);
}

/* Anonymous executable memory (JIT code, "//anon", "[anon:...]") is left out: its frames are
 * kept as absolute addresses, "[unknown]+0xADDR", which is what a perf-PID.map would name. */
static int is_anonymous(const char *name)
{
	return !name[0] || !strncmp(name, "//anon", 6) || !strncmp(name, "[anon", 5) ||
	       !strcmp(name, "[heap]") || !strncmp(name, "[stack", 6);
}

void maps_mmap(struct maps *m, int32_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
	       uint32_t maj, uint32_t min, uint64_t ino, const char *filename)
{
	struct mapping nw;
	char name[4096];
	size_t l;

	if (!len || is_anonymous(filename))
		return;
	snprintf(name, sizeof(name), "%s", filename);
	l = strlen(name);
	if (l > 10 && !strcmp(name + l - 10, " (deleted)"))
		name[l - 10] = '\0';
	nw = (struct mapping){ start, start + len, pgoff, dso_intern(m, name, maj, min, ino, pid) };
	mm_insert(mm_create(m, pid), &nw);
}

void maps_fork(struct maps *m, int32_t ppid, int32_t pid)
{
	struct mm *parent = maps_mm(m, ppid), *child;

	if (!parent)
		return;		/* read from /proc when its first sample comes */
	maps_exit(m, pid);	/* a reused pid */
	child = mm_create(m, pid);
	child->comm = parent->comm;
	if (parent->n) {
		child->cap = child->n = parent->n;
		child->map = xmalloc((size_t)parent->n * sizeof(*child->map));
		memcpy(child->map, parent->map, (size_t)parent->n * sizeof(*child->map));
	}
}

void maps_exec(struct maps *m, int32_t pid)
{
	struct mm *mm = mm_create(m, pid);

	mm->n = 0;
}

void maps_comm(struct maps *m, int32_t pid, const char *comm)
{
	mm_create(m, pid)->comm = strtab_intern(m->strs, comm);
}

int maps_parse_line(char *line, uint64_t *start, uint64_t *end, uint64_t *pgoff,
		    uint32_t *maj, uint32_t *min, uint64_t *ino, const char **name)
{
	char perms[8];
	int pos = 0;
	size_t l;
	char *nm;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %" SCNx32 ":%" SCNx32 " %" SCNu64 "%n",
		   start, end, perms, pgoff, maj, min, ino, &pos) != 7 || !pos)
		return -1;
	if (strlen(perms) < 3 || perms[2] != 'x' || *end <= *start)
		return 0;
	nm = line + pos;
	while (*nm == ' ' || *nm == '\t')
		nm++;
	l = strlen(nm);
	while (l && (nm[l - 1] == '\n' || nm[l - 1] == ' '))
		nm[--l] = '\0';
	if (l > 10 && !strcmp(nm + l - 10, " (deleted)"))
		nm[l - 10] = '\0';
	*name = nm;
	return 1;
}

struct mm *maps_load(struct maps *m, int32_t pid, int32_t tid)
{
	char path[96], *text, *line, *save = NULL, *comm;
	struct mm *mm;

	if (tid > 0 && tid != pid)
		snprintf(path, sizeof(path), "%s/%d/task/%d/maps", m->proc, (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "%s/%d/maps", m->proc, (int)pid);
	text = read_file(path, NULL);
	if (!text)
		return NULL;
	mm = mm_create(m, pid);
	mm->n = 0;
	mm->reloaded_ns = now_ns();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t start, end, pgoff, ino;
		uint32_t maj, min;
		const char *name;

		if (maps_parse_line(line, &start, &end, &pgoff, &maj, &min, &ino, &name) == 1)
			maps_mmap(m, pid, start, end - start, pgoff, maj, min, ino, name);
	}
	free(text);
	snprintf(path, sizeof(path), "%s/%d/comm", m->proc, (int)pid);
	comm = read_line(path);
	if (comm)
		mm->comm = strtab_intern(m->strs, comm);
	free(comm);
	return mm;
}
