/* hist_import.h — another load generator's latencies into tare's histogram (common/hist.h),
 * for `tare hist --from FORMAT` and so for any driver that is not tare's own
 * (docs/adapters.md, "Bring your own load generator").
 *
 *   text   one latency a line, "VALUE [COUNT]"; blank lines and lines starting with # skipped
 *   hgrm   HdrHistogram's percentile distribution ("Value Percentile TotalCount
 *          1/(1-Percentile)"), as wrk2 --latency and outputPercentileDistribution print it;
 *          counts from the differences of the cumulative TotalCount column
 *   hlog   an HdrHistogram interval log: every interval's compressed V2 histogram, summed
 */
#ifndef TARE_HIST_IMPORT_H
#define TARE_HIST_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "hist.h"

enum hist_format { HIST_FROM_TEXT, HIST_FROM_HGRM, HIST_FROM_HLOG };

/* The layout tare's own driver records in (workloads/replay.c), so an imported histogram merges
 * with tare's exactly: 1 ns .. 60 s at 3 significant digits; longer latencies are counted at
 * 60 s (hist.h's saturated). */
#define HIST_IMPORT_LOWEST_NS  1
#define HIST_IMPORT_HIGHEST_NS 60000000000ll
#define HIST_IMPORT_SIGFIGS    3

/* "text", "hgrm", "hlog": 0, or -1. */
int hist_format_parse(const char *s, enum hist_format *out);
/* "ns", "us" (or "µs"), "ms", "s": nanoseconds per unit, or 0 for anything else. */
double hist_unit_ns(const char *s);

/* Read in (named name in messages), each value times ns_per_unit, into h (initialised here in
 * the layout above).  0; or -1 with one line in err — "NAME:LINE: what is wrong" for a bad
 * line, "NAME: ..." for the file as a whole (no latencies in it, a read error) — and h freed. */
int hist_import(FILE *in, const char *name, enum hist_format fmt, double ns_per_unit,
		struct hist *h, char *err, size_t errlen);

/* One compressed V2 HdrHistogram (the bytes after base64) into h, each value times ns_per_unit.
 * 0; or -1 with what is wrong in err. */
int hist_import_hdr_v2(const unsigned char *buf, size_t len, double ns_per_unit, struct hist *h,
		       char *err, size_t errlen);

#endif
