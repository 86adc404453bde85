/* symbols.c — ELF and kallsyms symbolization of locations (see symbols.h). */
#include "symbols.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *symbols_kallsyms_path = "/proc/kallsyms";

/* kallsyms is read again for new kernel frames after a minute, then after twice as long each
 * time, up to ten minutes: a run meets most of the kernel functions it will ever hit early, and
 * each read costs ~50-60 ms of CPU (0.1% of a core when it came every minute). */
#define SYMBOLS_KALLSYMS_FIRST_NS (60 * 1000000000ull)
#define SYMBOLS_KALLSYMS_MAX_NS (600 * 1000000000ull)

enum { SYMFILE_UNREAD, SYMFILE_OK, SYMFILE_UNREADABLE };

/* A function's extent, in the terms of the locations (file offsets; kernel addresses). */
struct symrange {
	uint64_t start, end;
	uint32_t name;
};

struct symfile {
	int state;
	int is_exec;
	uint32_t build_id;
	/* The functions found so far, sorted and disjoint: a new location inside one is named
	 * without opening the file (or reading kallsyms, which costs ~50 ms of CPU) again. */
	struct symrange *range;
	uint32_t nrange, cap;
	uint64_t read_ns;     /* kernel: when kallsyms was last read */
	uint64_t every_ns;    /* kernel: how long until it may be read again */
};

void symfile_free(struct symfile *sf)
{
	if (sf)
		free(sf->range);
	free(sf);
}

uint32_t symfile_build_id(const struct symfile *sf)
{
	return sf ? sf->build_id : 0;
}

int symfile_is_exec(const struct symfile *sf)
{
	return sf && sf->is_exec;
}

int symbols_is_resolved(const struct loc *l)
{
	return l->name && !(l->name & LOC_FALLBACK);
}

static int needs_name(const struct loc *l)
{
	return !l->name || (l->name & LOC_PROVISIONAL);
}

static uint32_t range_lookup(const struct symfile *sf, uint64_t a)
{
	uint32_t lo = 0, hi = sf ? sf->nrange : 0;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (a < sf->range[mid].start)
			hi = mid;
		else if (a >= sf->range[mid].end)
			lo = mid + 1;
		else
			return sf->range[mid].name;
	}
	return 0;
}

static void range_add(struct symfile *sf, uint64_t start, uint64_t end, uint32_t name)
{
	uint32_t at = 0;

	if (end <= start)
		return;
	while (at < sf->nrange && sf->range[at].start < start)
		at++;
	/* overlaps (nested or aliased symbols) stay out: the cache must give one answer */
	if ((at > 0 && sf->range[at - 1].end > start) || (at < sf->nrange && sf->range[at].start < end))
		return;
	if (sf->nrange == sf->cap) {
		sf->cap = sf->cap ? sf->cap * 2 : 16;
		sf->range = xrealloc(sf->range, sizeof(*sf->range) * sf->cap);
	}
	memmove(sf->range + at + 1, sf->range + at, sizeof(*sf->range) * (sf->nrange - at));
	sf->range[at] = (struct symrange){ start, end, name };
	sf->nrange++;
}

/* One query: a location to name. */
struct query {
	uint64_t key;         /* the location's address: file offset, or kernel address */
	uint64_t addr;        /* the same in the symbols' terms: link-time address */
	uint32_t loc;
	/* the innermost sized symbol containing addr */
	int have_best, best_rank;
	uint64_t best_value, best_size;
	size_t best_sym;
	/* the nearest symbol start at or below addr, and the lowest start above it */
	int have_near, near_rank, have_next;
	uint64_t near_value, near_size, next_value;
	size_t near_sym;
	char name[256];
};

static int cmp_addr(const void *a, const void *b)
{
	const struct query *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* Index of the first query with addr >= v (q sorted by addr). */
static size_t lower_bound(const struct query *q, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (q[mid].addr < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A symbol seen in a stream over an unsorted table, as a candidate for every query: recorded
 * at the first query at or above its start (as "near") and at the last query below it (as
 * "next"); spread_candidates() then carries them forward and backward. */
static void note_candidate(struct query *q, size_t n, uint64_t value, uint64_t size, size_t sym,
			   int rank, const char *name, size_t name_len)
{
	size_t j = lower_bound(q, n, value);

	if (j < n && (!q[j].have_near || value > q[j].near_value ||
		      (value == q[j].near_value && rank > q[j].near_rank))) {
		q[j].have_near = 1;
		q[j].near_value = value;
		q[j].near_size = size;
		q[j].near_sym = sym;
		q[j].near_rank = rank;
		if (name) {
			/* a plain copy: kallsyms is nearly sorted, so this runs for most lines */
			if (name_len >= sizeof(q[j].name))
				name_len = sizeof(q[j].name) - 1;
			memcpy(q[j].name, name, name_len);
			q[j].name[name_len] = '\0';
		}
	}
	if (j > 0 && (!q[j - 1].have_next || value < q[j - 1].next_value)) {
		q[j - 1].have_next = 1;
		q[j - 1].next_value = value;
	}
}

static void spread_candidates(struct query *q, size_t n)
{
	for (size_t k = 1; k < n; k++) {
		if (q[k - 1].have_near && (!q[k].have_near || q[k - 1].near_value > q[k].near_value)) {
			q[k].have_near = 1;
			q[k].near_value = q[k - 1].near_value;
			q[k].near_size = q[k - 1].near_size;
			q[k].near_sym = q[k - 1].near_sym;
			q[k].near_rank = q[k - 1].near_rank;
			memcpy(q[k].name, q[k - 1].name, sizeof(q[k].name));
		}
	}
	for (size_t k = n - 1; n && k-- > 0;) {
		if (q[k + 1].have_next && (!q[k].have_next || q[k + 1].next_value < q[k].next_value)) {
			q[k].have_next = 1;
			q[k].next_value = q[k + 1].next_value;
		}
	}
}

/* Among aliases at one address, the name a person would pick — perf's rule: a global over a
 * weak over a local symbol, then fewer leading underscores, then the shorter name. */
static int name_rank(int bind, const char *name)
{
	size_t under = 0, len = strlen(name);

	while (name[under] == '_')
		under++;
	return (bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0) << 24 |
	       (int)(0xff - (under > 0xff ? 0xff : under)) << 16 |
	       (int)(0xffff - (len > 0xffff ? 0xffff : len));
}

/* "memcpy@@GLIBC_2.14" -> "memcpy": the version is not part of the function's name. */
static uint32_t intern_symbol(struct strtab *strs, const char *name)
{
	const char *at = name[0] ? strchr(name + 1, '@') : NULL;

	return at ? strtab_intern_len(strs, name, (size_t)(at - name)) : strtab_intern(strs, name);
}

static void name_fallback(struct stacks *t, struct maps *m, uint32_t id)
{
	struct loc *l = &t->loc[id];
	const struct dso *d = maps_dso(m, l->dso);
	char buf[512];

	if (!d)
		snprintf(buf, sizeof(buf), "[unknown]+0x%" PRIx64, l->addr);
	else {
		const char *path = strtab_get(m->strs, d->path), *base = strrchr(path, '/');

		snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, base ? base + 1 : path, l->addr);
	}
	l->name = strtab_intern(m->strs, buf) | LOC_FALLBACK;
}

/* ---- ELF ------------------------------------------------------------------------------- */

static uint32_t read_build_id(Elf *elf, struct strtab *strs)
{
	size_t nph;

	if (elf_getphdrnum(elf, &nph) < 0)
		return 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)data->d_buf + name_off, "GNU", 4) && nh.n_descsz &&
			    nh.n_descsz <= 64) {
				const unsigned char *b = (unsigned char *)data->d_buf + desc_off;
				char hex[129];

				for (size_t k = 0; k < nh.n_descsz; k++)
					snprintf(hex + 2 * k, 3, "%02x", b[k]);
				return strtab_intern(strs, hex);
			}
		}
	}
	return 0;
}

/* An executable, not a library: a fixed address (ET_EXEC), or position-independent and
 * marked so (DF_1_PIE), or with an interpreter and no soname (libc.so.6 has an interpreter
 * too: it runs, printing its version). */
static int elf_is_exec(Elf *elf)
{
	GElf_Ehdr eh;
	size_t nph;
	int interp = 0, soname = 0;

	if (!gelf_getehdr(elf, &eh))
		return 0;
	if (eh.e_type == ET_EXEC)
		return 1;
	if (elf_getphdrnum(elf, &nph) < 0)
		return 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		Elf_Data *data;

		if (!gelf_getphdr(elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_INTERP)
			interp = 1;
		if (ph.p_type != PT_DYNAMIC ||
		    !(data = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_DYN)))
			continue;
		for (int k = 0;; k++) {
			GElf_Dyn dyn;

			if (!gelf_getdyn(data, k, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
				return 1;
			if (dyn.d_tag == DT_SONAME)
				soname = 1;
		}
	}
	return interp && !soname;
}

/* File offset -> link-time address, through the PT_LOAD segment that maps that offset. */
static int offset_to_vaddr(Elf *elf, uint64_t off, uint64_t *vaddr)
{
	size_t nph;

	if (elf_getphdrnum(elf, &nph) < 0)
		return -1;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			*vaddr = off - ph.p_offset + ph.p_vaddr;
			return 0;
		}
	}
	return -1;
}

static Elf_Scn *find_symtab(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr dsh;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr x;

		if (!gelf_getshdr(scn, &x))
			continue;
		if (x.sh_type == SHT_SYMTAB && x.sh_size) {
			*sh = x;
			return scn;
		}
		if (x.sh_type == SHT_DYNSYM && x.sh_size && !dyn) {
			dyn = scn;
			dsh = x;
		}
	}
	if (dyn)
		*sh = dsh;
	return dyn;
}

/* One pass over a symbol table: each query gets the innermost sized function symbol that
 * contains it, else the nearest function start below it when that symbol has no size (some
 * assembly functions have none).  1 when the table was read. */
static int scan_symtab(Elf *elf, struct query *q, size_t n)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_symtab(elf, &sh);
	Elf_Data *data;
	size_t nsyms;

	if (!scn || !(data = elf_getdata(scn, NULL)) || !sh.sh_entsize)
		return 0;
	nsyms = sh.sh_size / sh.sh_entsize;
	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym s;
		const char *name;
		int type, rank;

		if (!gelf_getsym(data, (int)i, &s))
			continue;
		type = GELF_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF ||
		    !s.st_value)
			continue;
		name = elf_strptr(elf, sh.sh_link, s.st_name);
		if (!name || !name[0])
			continue;
		rank = name_rank(GELF_ST_BIND(s.st_info), name);
		for (size_t k = lower_bound(q, n, s.st_value);
		     s.st_size && k < n && q[k].addr < s.st_value + s.st_size; k++) {
			if (!q[k].have_best || s.st_value > q[k].best_value ||
			    (s.st_value == q[k].best_value && rank > q[k].best_rank)) {
				q[k].have_best = 1;
				q[k].best_value = s.st_value;
				q[k].best_size = s.st_size;
				q[k].best_sym = i;
				q[k].best_rank = rank;
			}
		}
		note_candidate(q, n, s.st_value, s.st_size, i, rank, NULL, 0);
	}
	spread_candidates(q, n);
	for (size_t k = 0; k < n; k++) {
		GElf_Sym s;
		size_t idx;

		q[k].name[0] = '\0';
		if (q[k].have_best)
			idx = q[k].best_sym;
		else if (q[k].have_near && !q[k].near_size)
			idx = q[k].near_sym;
		else
			continue;
		if (gelf_getsym(data, (int)idx, &s)) {
			const char *name = elf_strptr(elf, sh.sh_link, s.st_name);

			if (name)
				snprintf(q[k].name, sizeof(q[k].name), "%s", name);
		}
	}
	return 1;
}

/* Open the object as the process saw it: through /proc/PID/root first (a container's files),
 * then by its path; a file whose inode differs from the mapped one is not it. */
static int open_object(const struct maps *m, const struct dso *d)
{
	const char *path = strtab_get(m->strs, d->path);
	char buf[4200];

	for (int pass = 0; pass < 2; pass++) {
		struct stat st;
		int fd;

		if (pass == 0) {
			if (d->pid <= 0 || path[0] != '/')
				continue;
			snprintf(buf, sizeof(buf), "%s/%d/root%s", m->proc, (int)d->pid, path);
		} else
			snprintf(buf, sizeof(buf), "%s", path);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && (!d->ino || st.st_ino == d->ino))
			return fd;
		close(fd);
	}
	return -1;
}

/* A separate debug file from a debug package, found by build id. */
static int open_debug_file(const struct strtab *strs, uint32_t build_id)
{
	const char *hex = strtab_get(strs, build_id);
	char path[256];

	if (strlen(hex) < 3)
		return -1;
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int has_symtab(Elf *elf)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_symtab(elf, &sh);

	return scn && sh.sh_type == SHT_SYMTAB;
}

/* Name the queries of one object, given its ELF image; remember the functions found. */
static void resolve_elf(Elf *elf, struct stacks *t, struct maps *m, struct dso *d,
			struct query *q, size_t n, struct symbols_stats *st)
{
	size_t nq = 0;
	Elf *dbg = NULL;
	int dbg_fd = -1, ok;

	if (d->sym->build_id && !has_symtab(elf)) {
		dbg_fd = open_debug_file(m->strs, d->sym->build_id);
		if (dbg_fd >= 0 && !(dbg = elf_begin(dbg_fd, ELF_C_READ_MMAP, NULL)))
			close(dbg_fd), dbg_fd = -1;
	}
	/* file offsets -> link-time addresses; one outside every PT_LOAD keeps a fallback */
	for (size_t k = 0; k < n; k++) {
		if (offset_to_vaddr(elf, q[k].key, &q[k].addr) == 0)
			q[nq++] = q[k];
		else {
			name_fallback(t, m, q[k].loc);
			st->unresolved++;
		}
	}
	qsort(q, nq, sizeof(*q), cmp_addr);
	ok = (dbg && scan_symtab(dbg, q, nq)) || scan_symtab(elf, q, nq);
	for (size_t k = 0; k < nq; k++) {
		uint32_t name;

		if (!ok || !q[k].name[0]) {
			name_fallback(t, m, q[k].loc);
			st->unresolved++;
			continue;
		}
		name = intern_symbol(m->strs, q[k].name);
		t->loc[q[k].loc].name = name;
		st->resolved++;
		if (q[k].have_best)
			range_add(d->sym, q[k].key - (q[k].addr - q[k].best_value),
				  q[k].key - (q[k].addr - q[k].best_value) + q[k].best_size, name);
		else if (q[k].have_next)
			range_add(d->sym, q[k].key - (q[k].addr - q[k].near_value),
				  q[k].key + (q[k].next_value - q[k].addr), name);
	}
	if (dbg)
		elf_end(dbg);
	if (dbg_fd >= 0)
		close(dbg_fd);
}

static void all_fallback(struct stacks *t, struct maps *m, struct query *q, size_t n,
			 struct symbols_stats *st)
{
	for (size_t k = 0; k < n; k++)
		name_fallback(t, m, q[k].loc);
	st->unresolved += n;
}

static void resolve_file(struct stacks *t, struct maps *m, struct dso *d, struct query *q,
			 size_t n, struct symbols_stats *st)
{
	int fd = -1;
	Elf *elf = NULL;

	if (d->sym->state != SYMFILE_UNREADABLE && (fd = open_object(m, d)) >= 0)
		elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		d->sym->state = SYMFILE_UNREADABLE;
		all_fallback(t, m, q, n, st);
	} else {
		st->files_read++;
		if (d->sym->state == SYMFILE_UNREAD) {
			d->sym->build_id = read_build_id(elf, m->strs);
			d->sym->is_exec = elf_is_exec(elf);
		}
		d->sym->state = SYMFILE_OK;
		resolve_elf(elf, t, m, d, q, n, st);
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
}

/* Our own vDSO: the image the kernel maps into every 64-bit process. */
static void resolve_vdso(struct stacks *t, struct maps *m, struct dso *d, struct query *q,
			 size_t n, struct symbols_stats *st)
{
	const unsigned char *base = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	Elf *elf = NULL;
	char *copy = NULL;

	if (base && base[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
		size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;

		/* libelf may convert in place: give it a private copy, not the read-only pages */
		if (size > 0 && size < (1u << 20)) {
			copy = xmalloc(size);
			memcpy(copy, base, size);
			elf = elf_memory(copy, size);
		}
	}
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		if (d->sym->state == SYMFILE_UNREAD)
			d->sym->build_id = read_build_id(elf, m->strs);
		d->sym->state = SYMFILE_OK;
		resolve_elf(elf, t, m, d, q, n, st);
	} else
		all_fallback(t, m, q, n, st);
	if (elf)
		elf_end(elf);
	free(copy);
}

/* ---- kernel ------------------------------------------------------------------------------ */

/* "ffffffff81000000 T _stext" or "... t name\t[module]": address, type, name; 0 when not a
 * text symbol with an address. */
static int parse_kallsyms(char *line, uint64_t *addr, char **name, size_t *len)
{
	uint64_t a = 0;
	char *p = line, *e;
	int digits = 0;

	for (;; p++, digits++) {
		int c = *p, v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			break;
		a = a << 4 | (uint64_t)v;
	}
	if (!digits || !a || p[0] != ' ' || !p[1] || p[2] != ' ')
		return 0;
	if (p[1] != 't' && p[1] != 'T' && p[1] != 'w' && p[1] != 'W')
		return 0;
	*name = p + 3;
	for (e = *name; *e && *e != '\t' && *e != ' ' && *e != '\n'; e++)
		;
	*len = (size_t)(e - *name);
	*addr = a;
	return *len > 0;
}

/* kallsyms has no sizes and is not sorted across modules: each address takes the greatest
 * text symbol at or below it, and the least above it bounds the function for the cache. */
static void resolve_kernel(struct stacks *t, struct maps *m, struct dso *d, struct query *q,
			   size_t n, struct symbols_stats *st)
{
	FILE *f = fopen(symbols_kallsyms_path, "re");
	char line[512];
	size_t len;

	st->kallsyms_reads++;
	d->sym->every_ns = !d->sym->read_ns ? SYMBOLS_KALLSYMS_FIRST_NS
			   : d->sym->every_ns * 2 < SYMBOLS_KALLSYMS_MAX_NS ? d->sym->every_ns * 2 : SYMBOLS_KALLSYMS_MAX_NS;
	d->sym->read_ns = now_ns();
	for (size_t k = 0; k < n; k++)
		q[k].addr = q[k].key;
	qsort(q, n, sizeof(*q), cmp_addr);
	if (f)
		setvbuf(f, NULL, _IOFBF, 1 << 16);	/* fewer, larger reads of the seq_file */
	while (f && fgets(line, sizeof(line), f)) {
		uint64_t a;
		char *name;

		if (parse_kallsyms(line, &a, &name, &len))
			note_candidate(q, n, a, 0, 0, 0, name, len);
	}
	if (f)
		fclose(f);
	spread_candidates(q, n);
	for (size_t k = 0; k < n; k++) {
		uint32_t name;

		if (!q[k].have_near) {
			name_fallback(t, m, q[k].loc);
			st->unresolved++;
			continue;
		}
		name = strtab_intern(m->strs, q[k].name);
		t->loc[q[k].loc].name = name;
		st->resolved++;
		if (q[k].have_next)
			range_add(d->sym, q[k].near_value, q[k].next_value, name);
	}
}

/* ---- all together ------------------------------------------------------------------------ */

static int cmp_dso_key(const void *a, const void *b, void *arg)
{
	const struct stacks *t = arg;
	const struct query *x = a, *y = b;
	uint32_t dx = t->loc[x->loc].dso, dy = t->loc[y->loc].dso;

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

void symbols_resolve(struct stacks *t, struct maps *m, struct symbols_stats *st, int final)
{
	struct query *q;
	size_t n = 0;

	for (uint32_t id = 1; id < t->nlocs; id++) {
		struct loc *l = &t->loc[id];
		struct dso *d;
		uint32_t name;

		if (!needs_name(l))
			continue;
		d = maps_dso(m, l->dso);
		if (d && d->sym && (name = range_lookup(d->sym, l->addr))) {
			l->name = name;
			st->resolved++;
			continue;
		}
		n++;
	}
	if (!n)
		return;
	q = xcalloc(n, sizeof(*q));
	n = 0;
	for (uint32_t id = 1; id < t->nlocs; id++)
		if (needs_name(&t->loc[id]))
			q[n++] = (struct query){ .key = t->loc[id].addr, .loc = id };
	qsort_r(q, n, sizeof(*q), cmp_dso_key, t);
	elf_version(EV_CURRENT);
	for (size_t i = 0, j; i < n; i = j) {
		uint32_t dso = t->loc[q[i].loc].dso;
		struct dso *d = maps_dso(m, dso);

		for (j = i; j < n && t->loc[q[j].loc].dso == dso; j++)
			;
		if (d && !d->sym) {
			d->sym = xcalloc(1, sizeof(*d->sym));
			m->sym_free = symfile_free;
		}
		if (d && d->kind == DSO_KERNEL && !final && d->sym->read_ns &&
		    now_ns() - d->sym->read_ns < d->sym->every_ns) {
			for (size_t k = i; k < j; k++) {
				name_fallback(t, m, q[k].loc);
				t->loc[q[k].loc].name |= LOC_PROVISIONAL;
			}
		} else if (d && d->kind == DSO_KERNEL)
			resolve_kernel(t, m, d, q + i, j - i, st);
		else if (d && d->kind == DSO_FILE)
			resolve_file(t, m, d, q + i, j - i, st);
		else if (d && d->kind == DSO_VDSO)
			resolve_vdso(t, m, d, q + i, j - i, st);
		else
			all_fallback(t, m, q + i, j - i, st);
	}
	free(q);
}
