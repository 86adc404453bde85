/* perfevent.c — the sampler's events: names and perf_event_attr. */
#include "perfevent.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* perf's generic names from the one table, without libpfm4 (the sampler's common case);
 * anything else is encoded as the counters encode it.  Modifiers are not taken here: the
 * sampler sets the exclusions itself (perfevent_attr). */
int perfevent_lookup(const char *name, struct event_spec *ev, char *err, size_t errlen)
{
	static char held[PERF_EVENT_NAME_LEN];
	const struct perf_event_name *g = strchr(name, ':') ? NULL : perf_event_name_find(name);
	struct perf_event_encoding enc;

	snprintf(held, sizeof(held), "%s", name);
	if (g) {
		int ns = !strcmp(g->unit, "ns");

		*ev = (struct event_spec){ .name = held, .type = g->type, .config = g->config,
					   .period_is_ns = ns, .value_type = ns ? "cpu" : g->name,
					   .value_unit = ns ? "nanoseconds" : "count" };
		return 0;
	}
	/* A PMU event by its libpfm4 name (e.g. INST_RETIRED:ANY_P); whether it opens here is the
	 * kernel's answer, at open. */
	if (perf_event_encode(name, &enc) < 0) {
		snprintf(err, errlen, "-e %s: %s", name, enc.reason);
		return -1;
	}
	*ev = (struct event_spec){ .name = held, .type = enc.attr.type, .config = enc.attr.config,
				   .config1 = enc.attr.config1, .config2 = enc.attr.config2,
				   .value_type = held, .value_unit = "count" };
	return 0;
}

void perfevent_attr(const struct event_spec *ev, uint64_t freq_hz, uint64_t period, int inherit,
		int enable_on_exec, int exclude_kernel, struct perf_event_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = ev->type;
	a->config = ev->config;
	a->config1 = ev->config1;
	a->config2 = ev->config2;
	if (freq_hz) {
		a->freq = 1;
		a->sample_freq = freq_hz;
	} else
		a->sample_period = period;
	a->sample_type = PERFEVENT_SAMPLE_TYPE;
	/* counts read at exit give the CPU time the event covered: the effective rate's base */
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->inherit = (unsigned)inherit;
	a->disabled = (unsigned)enable_on_exec;
	a->enable_on_exec = (unsigned)enable_on_exec;
	a->exclude_kernel = (unsigned)exclude_kernel;
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = 0;
	/* wake the reader when a share of the ring has filled, not at every sample */
	a->watermark = 1;
}
