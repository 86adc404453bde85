/* record.h — the sampler's consumer: one perf record at a time into the process maps, the
 * stack table and the counters. */
#ifndef TARE_REF_RECORD_H
#define TARE_REF_RECORD_H

#include <linux/perf_event.h>
#include <stdint.h>

#include "maps.h"
#include "stacks.h"
#include "strtab.h"
#include "symbols.h"

#define RECORD_MAX_FRAMES 512	/* kernel.perf_event_max_stack is 127 unless raised */

struct session {
	struct strtab strs;
	struct maps maps;
	struct stacks stacks;
	struct symbols_stats sym;
	uint64_t samples;          /* PERF_RECORD_SAMPLE received (kept + dropped) */
	uint64_t lost;             /* samples the kernel could not write: ring full */
	uint64_t throttled, unthrottled;
	uint64_t frames, unmapped_frames;  /* user frames in no known mapping */
	uint64_t truncated;        /* stacks cut at RECORD_MAX_FRAMES */
	uint64_t records;
	uint32_t swapper;          /* strtab id of "swapper": pid 0, the idle task */
	uint32_t locs[RECORD_MAX_FRAMES];
};

void session_init(struct session *s, uint32_t max_stacks);
void session_free(struct session *s);
/* A ring_fn: consume one record. */
void session_record(void *arg, const struct perf_event_header *h);

#endif
