/* profile_count.h — what a profiler recorded, counted after it stopped (adapter field `samples`). */
#ifndef TARE_PROFILE_COUNT_H
#define TARE_PROFILE_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "trial_record.h"

/* The count, by the spec: json_path (the spec's json, filled in) read at its key, or argv (the
 * spec's command, filled in) run in dir and its output matched.  -1 with the reason in err when
 * it cannot be counted (a missing file, a failing command): unknown, not zero. */
int64_t profile_count(const struct samples_spec *s, const char *json_path, char *const *argv, const char *dir,
		      char *err, size_t errlen);

/* The folded stacks ("frame;frame;frame COUNT" per line, root first, Brendan Gregg's format, as
 * `tare sample --folded` writes it) an adapter's `self` names: the file folded, or argv's output
 * (run in dir, kept in dir/self.folded).  The text, malloc'd, or NULL with the reason in err.
 * Read once, it gives both figures below. */
char *profile_folded(const char *folded, char *const *argv, const char *dir, char *err, size_t errlen);

/* The percentage of the samples in folded text whose stack has a frame matching the ERE
 * pattern.  NaN with the reason in err when there are none. */
double folded_share_pct(const char *text, const char *pattern, char *err, size_t errlen);

/* The samples of folded text in each part of a known split, into out (truth's order): a sample
 * whose stack has a frame named as a part (or so with Go's " (inline)" mark) is the deepest such
 * frame's; the others are left out.  0, or -1 with the reason in err when no sample is in any
 * part (out->n is then 0). */
int folded_parts(const char *text, const struct truth_split *truth, struct part_samples *out, char *err, size_t errlen);

#endif
