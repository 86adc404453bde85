/* output.h — what a flush writes: the pprof profile (profile.proto, gzip) and folded stacks.
 *
 * Both describe everything sampled since the start (a flush rewrites the files, atomically:
 * temp file + rename, so a reader sees the previous profile or the new one, never half).
 * Locations must have been symbolized (symbols_resolve) first.
 */
#ifndef TARE_REF_OUTPUT_H
#define TARE_REF_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "perfevent.h"
#include "record.h"

/* Sample values of a sampler other than the perf ring's (the eBPF sampler's profile types,
 * profilers/bpf/): n values per stack, with their pprof types and units. */
#define PROFILE_MAX_VALUES 4
struct profile_values {
	int n;
	const char *type[PROFILE_MAX_VALUES];     /* "alloc_space" */
	const char *unit[PROFILE_MAX_VALUES];     /* "bytes" */
	const int64_t *v;         /* v[stack index * n + k]; a stack with all zero is left out */
	int default_index;        /* the type pprof shows unless asked */
	int folded_index;         /* the value folded stacks count */
	const char *period_type, *period_unit;
};

struct profile_meta {
	const struct event_spec *event;
	uint64_t period;          /* sampling period in event units (0: frequency mode, varies) */
	uint64_t start_wall_ns;   /* when sampling began, ns since the epoch */
	uint64_t duration_ns;
	const char *comment;      /* the sampler's own figures, shown by pprof */
	int comm_root;            /* folded: the process name as the root frame (system-wide) */
	const struct stacks *stacks;           /* the stacks to write; NULL: the session's */
	const struct profile_values *values;   /* NULL: samples/count and the event's type */
};

/* 0, or -1 with a sentence in err. */
int pprof_write(const char *path, struct session *s, const struct profile_meta *pm,
		char *err, size_t errlen);
int folded_write(const char *path, struct session *s, const struct profile_meta *pm,
		 char *err, size_t errlen);

#endif
