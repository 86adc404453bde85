/* record.c — decode perf records (the layout perfevent.h asks for) and account them. */
#include "record.h"

#include <string.h>
#include <sys/mman.h>

#include "perfevent.h"
#include "util.h"

/* A process missing an address is re-read from /proc at most this often (a missed mmap). */
#define RECORD_RELOAD_NS 1000000000ull

void session_init(struct session *s, uint32_t max_stacks)
{
	memset(s, 0, sizeof(*s));
	strtab_init(&s->strs);
	maps_init(&s->maps, &s->strs);
	stacks_init(&s->stacks, max_stacks);
	s->swapper = strtab_intern(&s->strs, "swapper");
}

void session_free(struct session *s)
{
	stacks_free(&s->stacks);
	maps_free(&s->maps);
	strtab_free(&s->strs);
}

static struct mm *process(struct session *s, int32_t pid, int32_t tid)
{
	struct mm *mm = maps_mm(&s->maps, pid);

	if (mm || pid <= 0)
		return mm;
	mm = maps_load(&s->maps, pid, tid);
	if (!mm) {
		/* gone already: remember that, so its other samples do not retry */
		maps_exec(&s->maps, pid);
		mm = maps_mm(&s->maps, pid);
		mm->reloaded_ns = now_ns();
	}
	return mm;
}

static uint32_t user_loc(struct session *s, struct mm **mmp, int32_t pid, int32_t tid,
			 uint64_t addr)
{
	const struct mapping *map;

	if (!*mmp)
		*mmp = process(s, pid, tid);
	map = mm_find(*mmp, addr);
	if (!map && *mmp && now_ns() - (*mmp)->reloaded_ns > RECORD_RELOAD_NS) {
		struct mm *again = maps_load(&s->maps, pid, tid);

		if (again) {
			*mmp = again;
			map = mm_find(again, addr);
		} else
			(*mmp)->reloaded_ns = now_ns();
	}
	s->frames++;
	if (!map) {
		s->unmapped_frames++;
		return stacks_loc(&s->stacks, DSO_NONE, addr);
	}
	return stacks_loc(&s->stacks, map->dso, addr - map->start + map->pgoff);
}

static void on_sample(struct session *s, const struct perf_event_header *h)
{
	const unsigned char *p = (const unsigned char *)(h + 1), *end = (const unsigned char *)h + h->size;
	uint64_t ip, time, period, nr, context;
	uint32_t pid_tid[2], n = 0;
	struct mm *mm = NULL;
	int first = 1;
	uint32_t comm;

	if (end - p < 40)
		return;
	memcpy(&ip, p, 8);
	memcpy(pid_tid, p + 8, 8);
	memcpy(&time, p + 16, 8);
	memcpy(&period, p + 24, 8);
	memcpy(&nr, p + 32, 8);
	p += 40;
	if (nr > (uint64_t)(end - p) / 8)
		return;
	s->samples++;
	/* Which part of the stack a frame is in comes from the context markers the kernel puts
	 * before each part; the first frame of a part is an exact address (the interrupted
	 * instruction, or where user space entered the kernel), the others are return addresses:
	 * one byte back lands them inside the call, in the caller's function. */
	context = (h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL ?
		  PERF_CONTEXT_KERNEL : PERF_CONTEXT_USER;
	if (!nr) {
		uint32_t loc = context == PERF_CONTEXT_KERNEL ?
			       stacks_loc(&s->stacks, DSO_KERNEL_ID, ip) :
			       user_loc(s, &mm, (int32_t)pid_tid[0], (int32_t)pid_tid[1], ip);
		if (loc)
			s->locs[n++] = loc;
	}
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t a, addr;
		uint32_t loc;

		memcpy(&a, p + 8 * i, 8);
		if (a >= (uint64_t)PERF_CONTEXT_MAX) {
			context = a;
			first = 1;
			continue;
		}
		if (n == RECORD_MAX_FRAMES) {
			s->truncated++;
			break;
		}
		addr = first ? a : a - 1;
		first = 0;
		if (context == PERF_CONTEXT_KERNEL)
			loc = stacks_loc(&s->stacks, DSO_KERNEL_ID, addr);
		else if (context == PERF_CONTEXT_USER)
			loc = user_loc(s, &mm, (int32_t)pid_tid[0], (int32_t)pid_tid[1], addr);
		else
			continue;	/* guest frames: not ours to name */
		if (!loc) {
			/* the location table is full: the sample cannot be kept whole */
			s->stacks.dropped++;
			return;
		}
		s->locs[n++] = loc;
	}
	if (!mm)
		mm = process(s, (int32_t)pid_tid[0], (int32_t)pid_tid[1]);
	comm = mm ? mm->comm : pid_tid[0] == 0 ? s->swapper : 0;
	stacks_add(&s->stacks, (int32_t)pid_tid[0], comm, s->locs, n, period);
}

static void on_mmap2(struct session *s, const struct perf_event_header *h)
{
	struct {
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_generation;
		uint32_t prot, flags;
	} r;
	const char *name = (const char *)(h + 1) + sizeof(r);
	size_t max = h->size - sizeof(*h) - sizeof(r);

	if (h->size < sizeof(*h) + sizeof(r) + 1)
		return;
	memcpy(&r, h + 1, sizeof(r));
	if (!(r.prot & PROT_EXEC) || !memchr(name, '\0', max))
		return;
	if (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID)
		r.maj = r.min = 0, r.ino = 0;	/* the union holds a build id, not the inode */
	maps_mmap(&s->maps, (int32_t)r.pid, r.addr, r.len, r.pgoff, r.maj, r.min, r.ino, name);
}

static void on_comm(struct session *s, const struct perf_event_header *h)
{
	uint32_t pid_tid[2];
	const char *comm = (const char *)(h + 1) + 8;

	if (h->size < sizeof(*h) + 9 || !memchr(comm, '\0', h->size - sizeof(*h) - 8))
		return;
	memcpy(pid_tid, h + 1, 8);
	if (h->misc & PERF_RECORD_MISC_COMM_EXEC) {
		maps_exec(&s->maps, (int32_t)pid_tid[0]);
		maps_comm(&s->maps, (int32_t)pid_tid[0], comm);
	} else if (pid_tid[0] == pid_tid[1] && maps_mm(&s->maps, (int32_t)pid_tid[0]))
		maps_comm(&s->maps, (int32_t)pid_tid[0], comm);
}

static void on_task(struct session *s, const struct perf_event_header *h)
{
	uint32_t r[4];	/* pid, ppid, tid, ptid */

	if (h->size < sizeof(*h) + sizeof(r))
		return;
	memcpy(r, h + 1, sizeof(r));
	if (h->type == PERF_RECORD_FORK) {
		if (r[0] != r[1])
			maps_fork(&s->maps, (int32_t)r[1], (int32_t)r[0]);
	} else if (r[0] == r[2])
		maps_exit(&s->maps, (int32_t)r[0]);
}

void session_record(void *arg, const struct perf_event_header *h)
{
	struct session *s = arg;
	uint64_t v;

	s->records++;
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		on_sample(s, h);
		break;
	case PERF_RECORD_MMAP2:
		on_mmap2(s, h);
		break;
	case PERF_RECORD_COMM:
		on_comm(s, h);
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		on_task(s, h);
		break;
	case PERF_RECORD_LOST:		/* id, lost */
		if (h->size >= sizeof(*h) + 16) {
			memcpy(&v, (const unsigned char *)(h + 1) + 8, 8);
			s->lost += v;
		}
		break;
	case PERF_RECORD_LOST_SAMPLES:	/* lost */
		if (h->size >= sizeof(*h) + 8) {
			memcpy(&v, h + 1, 8);
			s->lost += v;
		}
		break;
	case PERF_RECORD_THROTTLE:
		s->throttled++;
		break;
	case PERF_RECORD_UNTHROTTLE:
		s->unthrottled++;
		break;
	default:
		break;
	}
}
