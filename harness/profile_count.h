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

#endif
