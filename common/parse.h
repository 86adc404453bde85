/* parse.h — strict number parsers: the whole string is the number, within bounds, or it is
 * rejected.  One set for the harness, the samplers, the workloads and the inject shim.
 *
 * Header-only and static inline: a workload is one file built into one program, and the inject
 * shim is a preloaded library that must not export names of ours into the program it is loaded
 * into; both use these without linking anything.
 */
#ifndef TARE_PARSE_H
#define TARE_PARSE_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* An integer in [min, max] written as plain digits: strtoull alone accepts "-1" (as a huge
 * value), "+1" and leading blanks. */
static inline bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* A finite number in [min, max], the whole string in strtod's syntax ("5", "0.5", "1e2"). */
static inline bool parse_number(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

#endif
