/* perfevent.h — the perf events the sampler opens: names and attributes.  Opening them, and
 * what to say when the kernel refuses, is common/perf_event.h's (included here).
 *
 * Every event samples PERF_SAMPLE_IP|TID|TIME|CALLCHAIN|PERIOD with sample_id_all, timestamps
 * from CLOCK_MONOTONIC (comparable across CPUs, so the rings can be merged in time order), and
 * the side-band records (COMM with exec, MMAP2, FORK/EXIT) that let user addresses be resolved.
 * ring.c and record.c decode records by that layout; change it here and there together.
 */
#ifndef TARE_REF_PERFEVENT_H
#define TARE_REF_PERFEVENT_H

#include "perf_event.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PERFEVENT_SAMPLE_TYPE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
			    PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_PERIOD)

struct event_spec {
	const char *name;        /* as the user spells it: "cpu-clock" */
	uint32_t type;
	uint64_t config;
	int period_is_ns;        /* software clocks: a period is nanoseconds of CPU */
	const char *value_type;  /* pprof sample type: "cpu" or the event name */
	const char *value_unit;  /* "nanoseconds" or "count" */
	uint64_t config1, config2;   /* libpfm4-encoded events (raw PMU events) need these */
};

/* Look up an event by name: perf's generic names (perf_event_names) directly, anything else
 * through libpfm4 (perf_event_encode), as `tare events` lists them; -1 (with a sentence in
 * err) when it is not an event at all. */
int perfevent_lookup(const char *name, struct event_spec *ev, char *err, size_t errlen);

/* The attributes of one sampling event.  freq_hz > 0: frequency mode; else period. */
void perfevent_attr(const struct event_spec *ev, uint64_t freq_hz, uint64_t period, int inherit,
		int enable_on_exec, int exclude_kernel, struct perf_event_attr *attr);

#endif
