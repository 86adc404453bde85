/* profile_count.h — what a profiler recorded, counted after it stopped (adapter field `samples`). */
#ifndef TARE_PROFILE_COUNT_H
#define TARE_PROFILE_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* The count, by the spec: json_path (the spec's json, filled in) read at its key, or argv (the
 * spec's command, filled in) run in dir and its output matched.  -1 with the reason in err when
 * it cannot be counted (a missing file, a failing command): unknown, not zero. */
int64_t profile_count(const struct samples_spec *s, const char *json_path, char *const *argv, const char *dir,
		      char *err, size_t errlen);

/* The percentage of the samples in folded stacks ("frame;frame;frame COUNT" per line, Brendan
 * Gregg's format, as `tare sample --folded` writes it) whose stack has a frame matching the
 * ERE pattern.  The stacks come from the file folded or from argv's output (run in dir).  NaN
 * with the reason in err when there are none or they cannot be read. */
double profile_self_pct(const char *pattern, const char *folded, char *const *argv, const char *dir,
			char *err, size_t errlen);
/* The same over folded text in memory (for tests). */
double folded_share_pct(const char *text, const char *pattern, char *err, size_t errlen);

#endif
