/* ring.c — perf ring buffers (see ring.h; the protocol is in linux/perf_event.h, above struct
 * perf_event_mmap_page: read data_head with acquire, write data_tail with release). */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "perfevent.h"
#include "util.h"

int ring_map(struct ring *r, int fd, int cpu, size_t data_pages)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cpu = cpu;
	p = mmap(NULL, (data_pages + 1) * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	r->meta = p;
	r->data = (unsigned char *)p + page;
	r->size = data_pages * page;
	return 0;
}

void ring_unmap(struct ring *r)
{
	if (r->meta)
		munmap(r->meta, r->size + (size_t)sysconf(_SC_PAGESIZE));
	free(r->copy);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

uint64_t ring_record_time(const struct perf_event_header *h)
{
	const unsigned char *p = (const unsigned char *)h;
	uint64_t t;

	if (h->type == PERF_RECORD_SAMPLE) {
		/* header, ip, pid+tid, time */
		if (h->size < sizeof(*h) + 24)
			return 0;
		memcpy(&t, p + sizeof(*h) + 16, sizeof(t));
		return t;
	}
	/* sample_id_all: the record ends with pid+tid, time */
	if (h->type >= PERF_RECORD_MAX || h->size < sizeof(*h) + 16)
		return 0;
	memcpy(&t, p + h->size - sizeof(t), sizeof(t));
	return t;
}

/* The next record of a ring in this round, whole, or NULL. */
static const struct perf_event_header *ring_peek(struct ring *r)
{
	uint64_t mask = r->size - 1, off, first;
	struct perf_event_header hdr;
	const unsigned char *src;

	if (r->tail >= r->head || r->head - r->tail < sizeof(hdr))
		return NULL;
	off = r->tail & mask;
	src = r->data + off;
	if (off + sizeof(hdr) <= r->size)
		memcpy(&hdr, src, sizeof(hdr));
	else {
		first = r->size - off;
		memcpy(&hdr, src, first);
		memcpy((unsigned char *)&hdr + first, r->data, sizeof(hdr) - first);
	}
	if (hdr.size < sizeof(hdr) || r->head - r->tail < hdr.size)
		return NULL;            /* never happens with a sane kernel; stop this ring */
	if (off + hdr.size <= r->size)
		return (const struct perf_event_header *)src;
	if (r->copy_cap < hdr.size) {
		r->copy_cap = 65536;    /* header.size is 16 bits: the largest a record can be */
		r->copy = xrealloc(r->copy, r->copy_cap);
	}
	first = r->size - off;
	memcpy(r->copy, src, first);
	memcpy(r->copy + first, r->data, hdr.size - first);
	return (const struct perf_event_header *)r->copy;
}

uint64_t rings_drain(struct ring *rings, int n, ring_fn fn, void *arg)
{
	uint64_t records = 0;

	for (int i = 0; i < n; i++) {
		if (!rings[i].meta)
			continue;
		rings[i].head = __atomic_load_n(&rings[i].meta->data_head, __ATOMIC_ACQUIRE);
		rings[i].tail = rings[i].meta->data_tail;
	}
	/* k-way merge by timestamp; a linear scan for the oldest head is cheap for a few dozen
	 * CPUs, and most rounds only one or two rings hold anything */
	for (;;) {
		const struct perf_event_header *best = NULL;
		uint64_t best_t = 0;
		int bi = -1;

		for (int i = 0; i < n; i++) {
			const struct perf_event_header *h;
			uint64_t t;

			if (!rings[i].meta || !(h = ring_peek(&rings[i])))
				continue;
			t = ring_record_time(h);
			if (!best || t < best_t) {
				best = h;
				best_t = t;
				bi = i;
			}
		}
		if (!best)
			break;
		fn(arg, best);
		rings[bi].tail += best->size;
		records++;
	}
	for (int i = 0; i < n; i++)
		if (rings[i].meta)
			__atomic_store_n(&rings[i].meta->data_tail, rings[i].tail, __ATOMIC_RELEASE);
	return records;
}
