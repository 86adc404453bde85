/* ring.h — the perf mmap ring buffers, one per CPU, drained in time order.
 *
 * Every event on a CPU writes into that CPU's one ring (PERF_EVENT_IOC_SET_OUTPUT), so the
 * sampler maps ncpus rings however many threads it follows.  A drain round snapshots each ring's
 * head, then hands the records over merged across rings by timestamp — a process that mmaps a
 * library on one CPU and is sampled in it on another gets its MMAP2 before the sample — and
 * gives the space back (data_tail) at the end of the round.  Records written during a round
 * wait for the next one.
 */
#ifndef TARE_REF_RING_H
#define TARE_REF_RING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
	int cpu;
	int fd;                              /* the event that owns the buffer */
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	uint64_t size;                       /* data bytes, a power of two */
	uint64_t head, tail;                 /* during a round: snapshot of data_head; read position */
	unsigned char *copy;                 /* a record that wraps around the end, made whole */
	size_t copy_cap;
};

/* Map the ring of event fd: one metadata page and data_pages (a power of two) of data.
 * 0, or -1 with errno. */
int ring_map(struct ring *r, int fd, int cpu, size_t data_pages);
void ring_unmap(struct ring *r);

typedef void (*ring_fn)(void *arg, const struct perf_event_header *h);

/* Drain what the rings hold now, calling fn for each record in time order.  The record is only
 * valid during the call.  Returns the number of records. */
uint64_t rings_drain(struct ring *rings, int n, ring_fn fn, void *arg);

/* A record's timestamp, by the layout perfevent.h asks for (0 when it has none). */
uint64_t ring_record_time(const struct perf_event_header *h);

#endif
