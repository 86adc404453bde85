/* test_sampler_symbols.c — the reference sampler's symbolization (this PIE test program's own
 * functions, a shared library's, the vDSO's, kallsyms) and its outputs (pprof read back with
 * protobuf-c, folded stacks). */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
/* by path: harness/ is searched first and has headers of its own */
#include "../../profilers/ref/output.h"
#include "../../profilers/ref/record.h"
#include "../../profilers/ref/symbols.h"
#include "profile.pb-c.h"
#include "util.h"

int main(void);

/* Functions of this program: static (only in .symtab) and not inlined. */
__attribute__((noinline)) int sampler_test_target(int x)
{
	volatile int y = x;

	for (int i = 0; i < 10; i++)
		y = y * 3 + i;
	return y;
}

static __attribute__((noinline)) int sampler_test_static(int x)
{
	volatile int y = x;

	for (int i = 0; i < 10; i++)
		y = y * 5 + i;
	return y;
}

/* The location of a code address of this process, as the sampler would make it. */
static uint32_t loc_of(struct session *s, const void *p)
{
	struct mm *mm = maps_mm(&s->maps, getpid());
	const struct mapping *m;

	if (!mm)
		mm = maps_load(&s->maps, getpid(), 0);
	m = mm_find(mm, (uint64_t)(uintptr_t)p);
	if (!m)
		return 0;
	return stacks_loc(&s->stacks, m->dso, (uint64_t)(uintptr_t)p - m->start + m->pgoff);
}

static const char *name_of(struct session *s, uint32_t loc)
{
	return strtab_get(&s->strs, loc_name(&s->stacks.loc[loc]));
}

static int is_pie(void)
{
	const ElfW(Ehdr) *eh = NULL;
	Dl_info info;

	if (dladdr((void *)sampler_test_target, &info) && info.dli_fbase)
		eh = info.dli_fbase;
	return eh && eh->e_type == ET_DYN;
}

static void test_symbols_pie_executable(void)
{
	struct session s;
	uint32_t a, b, c;

	if (!is_pie())
		SKIP("this test program is not position-independent");
	session_init(&s, 64);
	a = loc_of(&s, (const char *)sampler_test_target);
	b = loc_of(&s, (const char *)sampler_test_static + 5);   /* inside, not at the start */
	c = loc_of(&s, (const char *)main + 1);
	CHECK(a && b && c, "no mapping for this program's code: %u %u %u", a, b, c);
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	CHECK(!strcmp(name_of(&s, a), "sampler_test_target"), "got '%s'", name_of(&s, a));
	CHECK(!strcmp(name_of(&s, b), "sampler_test_static"), "got '%s'", name_of(&s, b));
	CHECK(!strcmp(name_of(&s, c), "main"), "got '%s'", name_of(&s, c));
	CHECK(symbols_is_resolved(&s.stacks.loc[a]), "not marked resolved");
	CHECK(symfile_is_exec(maps_dso(&s.maps, s.stacks.loc[a].dso)->sym),
	      "this program not recognised as an executable");
	/* the second time, from the functions remembered: no file is opened */
	{
		uint64_t reads = s.sym.files_read;
		uint32_t d = loc_of(&s, (const char *)sampler_test_target + 3);

		symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
		CHECK(!strcmp(name_of(&s, d), "sampler_test_target") && s.sym.files_read == reads,
		      "'%s', %llu files read", name_of(&s, d), (unsigned long long)s.sym.files_read);
	}
	session_free(&s);
}

/* Shared libraries this test links anyway: zlib's and libelf's exported functions, which have
 * no aliases.  &f in position-independent code is the function itself, not its PLT slot. */
static void test_symbols_shared_library(void)
{
	struct session s;
	uint32_t z, e;
	const struct dso *d;

	session_init(&s, 64);
	z = loc_of(&s, (const char *)zlibVersion + 2);
	e = loc_of(&s, (const char *)protobuf_c_message_pack);
	CHECK(z && e, "no mapping for libz / libprotobuf-c code");
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	CHECK(!strcmp(name_of(&s, z), "zlibVersion"), "got '%s'", name_of(&s, z));
	CHECK(!strcmp(name_of(&s, e), "protobuf_c_message_pack"), "got '%s'", name_of(&s, e));
	d = maps_dso(&s.maps, s.stacks.loc[z].dso);
	CHECK(d && strstr(strtab_get(&s.strs, d->path), "libz"), "object '%s'",
	      d ? strtab_get(&s.strs, d->path) : "?");
	CHECK(!symfile_is_exec(d->sym), "libz taken for an executable");
	CHECK(strlen(strtab_get(&s.strs, symfile_build_id(d->sym))) >= 16, "no build id for libz");
	session_free(&s);
}

static void test_symbols_vdso(void)
{
	struct session s;
	void *vdso = (void *)getauxval(AT_SYSINFO_EHDR);
	void *h;
	void *fn;
	uint32_t l;

	if (!vdso)
		SKIP("no vDSO");
	h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	fn = h ? dlsym(h, "__vdso_clock_gettime") : NULL;
	if (!fn)
		SKIP("cannot find __vdso_clock_gettime");
	session_init(&s, 16);
	l = loc_of(&s, (const char *)fn + 1);
	CHECK(l, "no [vdso] mapping");
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	CHECK(l && strstr(name_of(&s, l), "clock_gettime"), "got '%s'", l ? name_of(&s, l) : "");
	session_free(&s);
	dlclose(h);
}

/* kallsyms: unsorted, with modules; each address takes the greatest text symbol below it. */
static void test_symbols_kallsyms(void)
{
	char path[] = "/tmp/tare-test-kallsyms.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct session s;
	uint32_t a, b, c, d, e;
	const char *old = symbols_kallsyms_path;

	fprintf(f, "ffffffff81000000 T _stext\n"
		   "ffffffff81000100 t do_one\n"
		   "ffffffff81000200 D some_data\n"
		   "ffffffffc0001000 t mod_fn\t[mymod]\n"
		   "ffffffff81000300 T do_two\n"
		   "ffffffff81000400 T do_three\n");
	fclose(f);
	symbols_kallsyms_path = path;
	session_init(&s, 16);
	a = stacks_loc(&s.stacks, DSO_KERNEL_ID, 0xffffffff81000150ull);
	b = stacks_loc(&s.stacks, DSO_KERNEL_ID, 0xffffffff81000250ull);  /* past the data symbol */
	c = stacks_loc(&s.stacks, DSO_KERNEL_ID, 0xffffffff81000300ull);
	d = stacks_loc(&s.stacks, DSO_KERNEL_ID, 0xffffffffc0001010ull);
	e = stacks_loc(&s.stacks, DSO_KERNEL_ID, 0xffffffff80000000ull);  /* below everything */
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	CHECK(!strcmp(name_of(&s, a), "do_one"), "a: '%s'", name_of(&s, a));
	CHECK(!strcmp(name_of(&s, b), "do_one"), "b: '%s'", name_of(&s, b));
	CHECK(!strcmp(name_of(&s, c), "do_two"), "c: '%s'", name_of(&s, c));
	CHECK(!strcmp(name_of(&s, d), "mod_fn"), "d: '%s'", name_of(&s, d));
	CHECK(!symbols_is_resolved(&s.stacks.loc[e]) && strstr(name_of(&s, e), "+0x"),
	      "e: '%s'", name_of(&s, e));
	/* do_one's extent [0x100, 0x300) is remembered: a new address in it needs no read */
	unlink(path);
	a = stacks_loc(&s.stacks, DSO_KERNEL_ID, 0xffffffff81000101ull);
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	CHECK(!strcmp(name_of(&s, a), "do_one") && s.sym.kallsyms_reads == 1,
	      "'%s' after %llu reads", name_of(&s, a), (unsigned long long)s.sym.kallsyms_reads);
	/* between reads (not the last flush), a new function is named provisionally, then again */
	b = stacks_loc(&s.stacks, DSO_KERNEL_ID, 0xffffffff81000410ull);
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 0);
	CHECK(s.stacks.loc[b].name & LOC_PROVISIONAL, "not provisional: '%s'", name_of(&s, b));
	session_free(&s);
	symbols_kallsyms_path = old;
}

static void test_symbols_fallbacks(void)
{
	struct session s;
	uint32_t gone, none;

	session_init(&s, 16);
	maps_mmap(&s.maps, 5, 0x1000, 0x1000, 0x3000, 8, 1, 99, "/nonexistent/libgone.so");
	gone = stacks_loc(&s.stacks, mm_find(maps_mm(&s.maps, 5), 0x1000)->dso, 0x3010);
	none = stacks_loc(&s.stacks, DSO_NONE, 0x7f00deadbeefull);
	symbols_resolve(&s.stacks, &s.maps, &s.sym, 1);
	CHECK(!strcmp(name_of(&s, gone), "libgone.so+0x3010"), "got '%s'", name_of(&s, gone));
	CHECK(!strcmp(name_of(&s, none), "[unknown]+0x7f00deadbeef"), "got '%s'", name_of(&s, none));
	CHECK(!symbols_is_resolved(&s.stacks.loc[gone]), "a fallback counted as a symbol");
	session_free(&s);
}

/* A session with two stacks of this program, symbolized. */
static void make_session(struct session *s)
{
	uint32_t f[3];

	session_init(s, 64);
	f[0] = loc_of(s, (const char *)sampler_test_target);
	f[1] = loc_of(s, (const char *)sampler_test_static);
	f[2] = loc_of(s, (const char *)main);
	maps_comm(&s->maps, 4242, "prog");
	stacks_add(&s->stacks, 4242, maps_mm(&s->maps, 4242)->comm, f, 3, 10000000);
	stacks_add(&s->stacks, 4242, maps_mm(&s->maps, 4242)->comm, f, 3, 10000000);
	stacks_add(&s->stacks, 4242, maps_mm(&s->maps, 4242)->comm, f + 1, 2, 10000000);
	symbols_resolve(&s->stacks, &s->maps, &s->sym, 1);
}

static char *gunzip_file(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int r;

	while (gz && (r = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (gz)
		gzclose(gz);
	*len = n;
	return buf;
}

static void test_pprof_reads_back(void)
{
	struct session s;
	struct event_spec ev;
	struct profile_meta pm = { .event = &ev, .period = 10101010, .start_wall_ns = 1,
				   .duration_ns = 2000000000, .comment = "test" };
	char path[] = "/tmp/tare-test-pprof.XXXXXX", err[256];
	int fd = mkstemp(path);
	Perftools__Profiles__Profile *p;
	size_t len;
	char *raw;
	int64_t total = 0;

	close(fd);
	perfevent_lookup("cpu-clock", &ev, err, sizeof(err));
	make_session(&s);
	CHECK(pprof_write(path, &s, &pm, err, sizeof(err)) == 0, "pprof_write: %s", err);
	raw = gunzip_file(path, &len);
	p = perftools__profiles__profile__unpack(NULL, len, (const uint8_t *)raw);
	CHECK(p, "protobuf-c cannot read it back (%zu bytes)", len);
	if (p) {
		const char **st = (const char **)p->string_table;

		CHECK(p->n_string_table > 0 && !strcmp(st[0], ""), "string_table[0] is not \"\"");
		CHECK(p->n_sample_type == 2 && !strcmp(st[p->sample_type[0]->type], "samples") &&
		      !strcmp(st[p->sample_type[0]->unit], "count") &&
		      !strcmp(st[p->sample_type[1]->type], "cpu") &&
		      !strcmp(st[p->sample_type[1]->unit], "nanoseconds"), "sample types");
		CHECK(p->period == 10101010 && !strcmp(st[p->period_type->type], "cpu"), "period");
		CHECK(p->n_sample == 2, "%zu samples", p->n_sample);
		for (size_t i = 0; i < p->n_sample; i++)
			total += p->sample[i]->value[0];
		CHECK(total == 3, "sample counts add to %lld", (long long)total);
		CHECK(p->n_mapping >= 1 && strstr(st[p->mapping[0]->filename], "test_sampler_symbols") &&
		      p->mapping[0]->has_functions, "mapping[0] is not this program");
		/* the leaf of the first sample names sampler_test_target */
		if (p->n_sample && p->sample[0]->n_location_id == 3) {
			uint64_t id = p->sample[0]->location_id[0];
			const char *fname = NULL;

			for (size_t i = 0; i < p->n_location; i++) {
				if (p->location[i]->id != id || !p->location[i]->n_line)
					continue;
				for (size_t k = 0; k < p->n_function; k++)
					if (p->function[k]->id == p->location[i]->line[0]->function_id)
						fname = st[p->function[k]->name];
			}
			CHECK(fname && !strcmp(fname, "sampler_test_target"), "leaf '%s'",
			      fname ? fname : "(none)");
		} else
			CHECK(0, "first sample has no 3-frame stack");
		perftools__profiles__profile__free_unpacked(p, NULL);
	}
	free(raw);
	unlink(path);
	session_free(&s);
}

static void test_folded_root_first_merged(void)
{
	struct session s;
	struct event_spec ev;
	struct profile_meta pm = { .event = &ev };
	char path[] = "/tmp/tare-test-folded.XXXXXX", err[256];
	int fd = mkstemp(path);
	char *text;

	close(fd);
	perfevent_lookup("cpu-clock", &ev, err, sizeof(err));
	make_session(&s);
	CHECK(folded_write(path, &s, &pm, err, sizeof(err)) == 0, "folded_write: %s", err);
	text = read_file(path, NULL);
	CHECK(text && !strcmp(text, "main;sampler_test_static 1\n"
			      "main;sampler_test_static;sampler_test_target 2\n"), "got:\n%s", text);
	free(text);
	pm.comm_root = 1;
	folded_write(path, &s, &pm, err, sizeof(err));
	text = read_file(path, NULL);
	CHECK(text && !strncmp(text, "prog;main;", 10), "no process name root:\n%s", text);
	free(text);
	unlink(path);
	session_free(&s);
}

int main(void)
{
	/* the tests call them; keep them from being optimised away */
	sampler_test_target(1);
	sampler_test_static(2);
	RUN(test_symbols_pie_executable);
	RUN(test_symbols_shared_library);
	RUN(test_symbols_vdso);
	RUN(test_symbols_kallsyms);
	RUN(test_symbols_fallbacks);
	RUN(test_pprof_reads_back);
	RUN(test_folded_root_first_merged);
	return CHECK_DONE();
}
