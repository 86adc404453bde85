/* test_sampler.c — the reference sampler's core without the kernel: the stack table and its
 * caps, process maps, the ring merge, and records decoded into stacks. */
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
/* by path: harness/ is searched first and has headers of its own */
#include "../../profilers/ref/maps.h"
#include "../../profilers/ref/record.h"
#include "../../profilers/ref/ring.h"
#include "../../profilers/ref/stacks.h"

static void test_stacks_aggregate(void)
{
	struct stacks t;
	uint32_t a = 0, b = 0, s1[2], s2[2];

	stacks_init(&t, 16);
	a = stacks_loc(&t, 3, 0x1000);
	b = stacks_loc(&t, 3, 0x2000);
	CHECK(a && b && a != b, "locations %u %u", a, b);
	CHECK(stacks_loc(&t, 3, 0x1000) == a, "the same location twice gets two ids");
	CHECK(stacks_loc(&t, 4, 0x1000) != a, "same address in another object is the same location");
	s1[0] = a, s1[1] = b;
	s2[0] = b, s2[1] = a;
	stacks_add(&t, 10, 0, s1, 2, 100);
	stacks_add(&t, 10, 0, s1, 2, 150);
	stacks_add(&t, 10, 0, s2, 2, 7);      /* other order: another stack */
	stacks_add(&t, 11, 0, s1, 2, 1);      /* other process: another stack */
	CHECK(t.nstacks == 3, "%u stacks, want 3", t.nstacks);
	CHECK(t.stack[0].count == 2 && t.stack[0].period == 250, "count %llu period %llu",
	      (unsigned long long)t.stack[0].count, (unsigned long long)t.stack[0].period);
	CHECK(t.samples == 4 && t.dropped == 0, "samples %llu dropped %llu",
	      (unsigned long long)t.samples, (unsigned long long)t.dropped);
	CHECK(stacks_frames(&t, &t.stack[1])[0] == b, "frames not kept leaf first");
	stacks_free(&t);
}

/* A full table drops (and counts) new stacks but keeps counting the ones it has. */
static void test_stacks_cap_drops_not_grows(void)
{
	struct stacks t;
	uint32_t f[1], deep[STACKS_MEAN_DEPTH * 3];

	stacks_init(&t, 2);
	for (uint32_t i = 0; i < 5; i++) {
		f[0] = stacks_loc(&t, 2, i);
		stacks_add(&t, 1, 0, f, 1, 1);
	}
	CHECK(t.nstacks == 2 && t.dropped == 3, "%u stacks, %llu dropped; want 2, 3", t.nstacks,
	      (unsigned long long)t.dropped);
	f[0] = stacks_loc(&t, 2, 0);
	CHECK(stacks_add(&t, 1, 0, f, 1, 1) == 0 && t.stack[0].count == 2,
	      "a known stack is not counted when the table is full");
	stacks_free(&t);

	/* the frame arena is capped too: room for STACKS_MEAN_DEPTH frames per stack */
	stacks_init(&t, 1);
	for (uint32_t i = 0; i < STACKS_MEAN_DEPTH * 3; i++)
		deep[i] = 1;
	CHECK(stacks_add(&t, 1, 0, deep, STACKS_MEAN_DEPTH * 3, 1) < 0 && t.dropped == 1,
	      "a stack larger than the arena was kept");
	stacks_free(&t);

	/* and the location table: 0 once full */
	stacks_init(&t, 1);
	for (uint32_t i = 0; i < STACKS_LOCS_PER_STACK; i++)
		CHECK(stacks_loc(&t, 2, 100 + i) != 0, "location %u refused below the cap", i);
	CHECK(stacks_loc(&t, 2, 999) == 0, "a location beyond the cap was made");
	stacks_free(&t);
}

static void test_maps_parse_line(void)
{
	char l1[] = "55d0c0a00000-55d0c0a02000 r-xp 00001000 fd:01 1234567   /usr/bin/x y\n";
	char l2[] = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n";
	char l3[] = "7f0000002000-7f0000003000 r-xp 00002000 08:02 42 /tmp/lib.so (deleted)\n";
	char l4[] = "garbage";
	uint64_t s, e, off, ino;
	uint32_t maj, min;
	const char *name;

	CHECK(maps_parse_line(l1, &s, &e, &off, &maj, &min, &ino, &name) == 1, "l1 not parsed");
	CHECK(s == 0x55d0c0a00000ull && e == 0x55d0c0a02000ull && off == 0x1000 && maj == 0xfd &&
	      min == 1 && ino == 1234567, "l1 fields");
	CHECK(!strcmp(name, "/usr/bin/x y"), "l1 name '%s'", name);
	CHECK(maps_parse_line(l2, &s, &e, &off, &maj, &min, &ino, &name) == 0, "rw-p kept");
	CHECK(maps_parse_line(l3, &s, &e, &off, &maj, &min, &ino, &name) == 1 &&
	      !strcmp(name, "/tmp/lib.so"), "deleted: '%s'", name);
	CHECK(maps_parse_line(l4, &s, &e, &off, &maj, &min, &ino, &name) < 0, "garbage parsed");
}

/* mmap over part of a mapping cuts it, as the kernel does; lookups find the right piece. */
static void test_maps_overlap_and_find(void)
{
	struct strtab strs;
	struct maps m;
	struct mm *mm;
	const struct mapping *x;

	strtab_init(&strs);
	maps_init(&m, &strs);
	maps_mmap(&m, 7, 0x10000, 0x10000, 0x0, 8, 1, 100, "/a");
	maps_mmap(&m, 7, 0x30000, 0x1000, 0x0, 8, 1, 101, "/b");
	maps_mmap(&m, 7, 0x14000, 0x2000, 0x5000, 8, 1, 102, "/c");  /* inside /a */
	maps_mmap(&m, 7, 0x50000, 0x1000, 0, 0, 0, 0, "//anon");      /* not kept */
	mm = maps_mm(&m, 7);
	CHECK(mm && mm->n == 4, "%d mappings, want 4 (/a split in two, /c, /b)", mm ? mm->n : -1);
	x = mm_find(mm, 0x12000);
	CHECK(x && x->start == 0x10000 && x->end == 0x14000, "left piece of /a");
	x = mm_find(mm, 0x17000);
	CHECK(x && x->start == 0x16000 && x->pgoff == 0x6000, "right piece of /a keeps its offset");
	x = mm_find(mm, 0x15000);
	CHECK(x && x->pgoff == 0x5000 && !strcmp(strtab_get(&strs, maps_dso(&m, x->dso)->path), "/c"),
	      "/c");
	CHECK(!mm_find(mm, 0x50000) && !mm_find(mm, 0x20000), "found an address in no mapping");
	CHECK(maps_dso(&m, x->dso)->kind == DSO_FILE, "kind");
	maps_free(&m);
	strtab_free(&strs);
}

static void test_maps_fork_exec_exit(void)
{
	struct strtab strs;
	struct maps m;

	strtab_init(&strs);
	maps_init(&m, &strs);
	maps_mmap(&m, 7, 0x10000, 0x1000, 0, 8, 1, 100, "/a");
	maps_comm(&m, 7, "parent");
	maps_fork(&m, 7, 8);
	CHECK(maps_mm(&m, 8) && mm_find(maps_mm(&m, 8), 0x10010), "a forked child lacks the maps");
	CHECK(!strcmp(strtab_get(&strs, maps_mm(&m, 8)->comm), "parent"), "child comm");
	maps_exec(&m, 8);
	CHECK(!mm_find(maps_mm(&m, 8), 0x10010), "exec kept the old maps");
	CHECK(mm_find(maps_mm(&m, 7), 0x10010), "the child's exec emptied the parent");
	maps_exit(&m, 7);
	CHECK(!maps_mm(&m, 7) && maps_mm(&m, 8), "exit");
	/* the same file mapped twice is one object */
	maps_mmap(&m, 9, 0x10000, 0x1000, 0, 8, 1, 100, "/a");
	CHECK(mm_find(maps_mm(&m, 9), 0x10000)->dso == 2, "one file, two objects (dso %u)",
	      mm_find(maps_mm(&m, 9), 0x10000)->dso);
	maps_free(&m);
	strtab_free(&strs);
}

/* A fake ring: a metadata page and a data area, written the way the kernel writes. */
struct fake_ring {
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	uint64_t size, head;
};

static void fake_init(struct fake_ring *f, struct ring *r, uint64_t size)
{
	f->meta = calloc(1, sizeof(*f->meta));
	f->data = calloc(1, size);
	f->size = size;
	f->head = 0;
	memset(r, 0, sizeof(*r));
	r->meta = f->meta;
	r->data = f->data;
	r->size = size;
	r->fd = -1;
}

static void fake_put(struct fake_ring *f, const void *rec, size_t len)
{
	const unsigned char *p = rec;

	for (size_t i = 0; i < len; i++)
		f->data[(f->head + i) & (f->size - 1)] = p[i];
	f->head += len;
	f->meta->data_head = f->head;
}

/* A THROTTLE record carries its time first, and again in the sample_id trailer. */
static void fake_throttle(struct fake_ring *f, uint64_t time)
{
	struct {
		struct perf_event_header h;
		uint64_t time, id, stream_id;
		uint32_t pid, tid;
		uint64_t trailer_time;
	} r = { { PERF_RECORD_THROTTLE, 0, sizeof(r) }, time, 0, 0, 1, 1, time };

	fake_put(f, &r, sizeof(r));
}

static uint64_t seen_times[16];
static int nseen;

static void collect(void *arg, const struct perf_event_header *h)
{
	(void)arg;
	if (nseen < 16)
		seen_times[nseen++] = ring_record_time(h);
}

static void test_ring_merge_in_time_order_and_wrap(void)
{
	struct fake_ring f[2];
	struct ring r[2];
	uint64_t want[] = { 1, 2, 3, 5 };

	fake_init(&f[0], &r[0], 128);
	fake_init(&f[1], &r[1], 128);
	fake_throttle(&f[0], 1), fake_throttle(&f[0], 3);
	fake_throttle(&f[1], 2), fake_throttle(&f[1], 5);
	nseen = 0;
	CHECK(rings_drain(r, 2, collect, NULL) == 4, "%d records", nseen);
	for (int i = 0; i < 4; i++)
		CHECK(seen_times[i] == want[i], "record %d has time %llu, want %llu", i,
		      (unsigned long long)seen_times[i], (unsigned long long)want[i]);
	CHECK(f[0].meta->data_tail == f[0].head, "tail not given back");
	/* 48-byte records in a 128-byte ring: the third one wraps around the end */
	fake_throttle(&f[0], 20), fake_throttle(&f[0], 21);
	nseen = 0;
	rings_drain(r, 2, collect, NULL);
	CHECK(nseen == 2 && seen_times[0] == 20 && seen_times[1] == 21,
	      "after the wrap: %d records, times %llu %llu", nseen,
	      (unsigned long long)seen_times[0], (unsigned long long)seen_times[1]);
	for (int i = 0; i < 2; i++) {
		free(r[i].copy);
		free(f[i].meta);
		free(f[i].data);
	}
}

/* Records into a session: MMAP2 then a sample in it, kernel frames, COMM exec, LOST. */
static void put_mmap2(struct session *s, uint32_t pid, uint64_t addr, uint64_t len, uint64_t pgoff,
		      const char *name)
{
	unsigned char buf[256] = { 0 };
	struct perf_event_header *h = (void *)buf;
	struct {
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_generation;
		uint32_t prot, flags;
	} r = { pid, pid, addr, len, pgoff, 8, 1, 77, 0, PROT_READ | PROT_EXEC, 0 };
	size_t n = strlen(name) + 1, size = sizeof(*h) + sizeof(r) + ((n + 7) & ~7ul) + 16;

	memcpy(buf + sizeof(*h), &r, sizeof(r));
	memcpy(buf + sizeof(*h) + sizeof(r), name, n);
	*h = (struct perf_event_header){ PERF_RECORD_MMAP2, 0, (uint16_t)size };
	session_record(s, h);
}

static void put_sample(struct session *s, uint32_t pid, uint16_t misc, const uint64_t *chain,
		       uint64_t nr)
{
	uint64_t buf[64] = { 0 };
	struct perf_event_header *h = (void *)buf;
	uint32_t pt[2] = { pid, pid };

	buf[1] = chain[1];              /* ip */
	memcpy(&buf[2], pt, 8);
	buf[3] = 1000;                  /* time */
	buf[4] = 10101010;              /* period */
	buf[5] = nr;
	memcpy(&buf[6], chain, nr * 8);
	*h = (struct perf_event_header){ PERF_RECORD_SAMPLE, misc, (uint16_t)((6 + nr) * 8) };
	session_record(s, h);
}

static void test_record_sample_into_stack(void)
{
	struct session s;
	uint64_t chain[] = { PERF_CONTEXT_KERNEL, 0xffffffff81000010ull, 0xffffffff81000020ull,
			     PERF_CONTEXT_USER, 0x401234, 0x402000 };
	const struct stack *st;
	const uint32_t *fr;
	const struct loc *l;
	uint64_t lost[4] = { 0 };
	struct perf_event_header *h = (void *)lost;

	session_init(&s, 16);
	s.maps.proc = "/nonexistent";        /* no /proc fallback: only what the records say */
	maps_comm(&s.maps, 42, "prog");
	put_mmap2(&s, 42, 0x400000, 0x10000, 0x2000, "/opt/prog");
	put_sample(&s, 42, PERF_RECORD_MISC_KERNEL, chain, 6);
	CHECK(s.samples == 1 && s.stacks.nstacks == 1, "samples %llu stacks %u",
	      (unsigned long long)s.samples, s.stacks.nstacks);
	st = &s.stacks.stack[0];
	fr = stacks_frames(&s.stacks, st);
	CHECK(st->nframes == 4, "%u frames, want 4 (markers left out)", st->nframes);
	l = &s.stacks.loc[fr[0]];
	CHECK(l->dso == DSO_KERNEL_ID && l->addr == 0xffffffff81000010ull, "kernel leaf exact");
	l = &s.stacks.loc[fr[1]];
	CHECK(l->addr == 0xffffffff8100001full, "kernel caller is its return address - 1");
	l = &s.stacks.loc[fr[2]];
	CHECK(l->dso >= 2 && l->addr == 0x1234 + 0x2000, "user leaf: file offset %#llx",
	      (unsigned long long)l->addr);
	l = &s.stacks.loc[fr[3]];
	CHECK(l->addr == 0x2000 + 0x2000 - 1, "user caller: file offset of ret-1 %#llx",
	      (unsigned long long)l->addr);
	CHECK(!strcmp(strtab_get(&s.strs, st->comm), "prog"), "comm");
	CHECK(st->period == 10101010, "period");

	/* after exec the old mapping is gone: the address is unknown */
	{
		unsigned char buf[64] = { 0 };
		struct perf_event_header *c = (void *)buf;

		*c = (struct perf_event_header){ PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC, 48 };
		memcpy(buf + 8, (uint32_t[]){ 42, 42 }, 8);
		strcpy((char *)buf + 16, "newprog");
		session_record(&s, c);
	}
	put_sample(&s, 42, PERF_RECORD_MISC_USER, chain + 3, 3);
	fr = stacks_frames(&s.stacks, &s.stacks.stack[1]);
	CHECK(s.stacks.nstacks == 2 && s.stacks.loc[fr[0]].dso == DSO_NONE,
	      "an address of the old image resolved after exec");
	CHECK(s.unmapped_frames == 2, "unmapped frames %llu", (unsigned long long)s.unmapped_frames);

	*h = (struct perf_event_header){ PERF_RECORD_LOST, 0, 32 };
	lost[2] = 17;
	session_record(&s, h);
	*h = (struct perf_event_header){ PERF_RECORD_THROTTLE, 0, 32 };
	session_record(&s, h);
	CHECK(s.lost == 17 && s.throttled == 1, "lost %llu throttled %llu",
	      (unsigned long long)s.lost, (unsigned long long)s.throttled);
	session_free(&s);
}

int main(void)
{
	RUN(test_stacks_aggregate);
	RUN(test_stacks_cap_drops_not_grows);
	RUN(test_maps_parse_line);
	RUN(test_maps_overlap_and_find);
	RUN(test_maps_fork_exec_exit);
	RUN(test_ring_merge_in_time_order_and_wrap);
	RUN(test_record_sample_into_stack);
	return CHECK_DONE();
}
