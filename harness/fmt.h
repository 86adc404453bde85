/* fmt.h — numbers as tare prints them, the same in the run's summary, compare and the report. */
#ifndef TARE_FMT_H
#define TARE_FMT_H

#include <stddef.h>

#include "analysis.h"

/* "12.3 µs": ns with the unit chosen for three significant digits; "-" when not finite. */
void fmt_ns(double ns, char *buf, size_t len);
/* A latency in µs, as ms from 1 ms up. */
void fmt_us(double us, char *buf, size_t len);
/* The seeds' shortcut, "profiler frames ~ its overhead", held against the measurement: "0.40% of
 * its samples are in its own frames; it costs +2.10% [+1.70, +2.50]: less than it costs ...".
 * 0 (buf empty) when the share is not known. */
int fmt_self(const struct arm_summary *a, char *buf, size_t len);
/* A profile held against its workload's known split t: "profile vs the known split: cpu_hot
 * 68.9% (70), cpu_warm 20.7% (20), cpu_cold 10.4% (10) over 612 samples: max error 1.1 points,
 * within the sampling bound (4.4 SE + 1 = 9.2)", the bound that of the part nearest it.  0 (buf
 * empty) when no samples in the parts were counted. */
int fmt_parts(const struct arm_summary *a, const struct truth_split *t, char *buf, size_t len);
/* Failed requests over those answered, "0.12%"; "" when the arm sent none. */
void fmt_errors(const struct arm_summary *a, char *buf, size_t len);
/* "+1.02% [+0.91, +1.15]"; "~+0.03% [-0.20, +0.30]" when the interval contains 0;
 * "+1.53% [too few blocks]" without an interval; "-" without an estimate.  Values are divided
 * by scale and followed by unit. */
void fmt_overhead(const struct overhead *o, double scale, const char *unit, int with_ci, char *buf, size_t len);
/* A paired latency change in µs or ms, whichever reads better for its interval. */
void fmt_latency(const struct overhead *o, char *buf, size_t len);
/* A signed amount in a metric's unit ("%", "bytes", "us"): "+1.20%", "+3.00 MiB", "+40.0 µs". */
void fmt_amount(const char *unit, double x, char *buf, size_t len);
/* "passes" -> "pass", "requests" -> "request", "queries" -> "query", for "CPU/pass". */
void unit_singular(const char *unit, char *buf, size_t len);
/* Display columns of UTF-8 text ("µs" is two columns, three bytes). */
int text_width(const char *s);

#endif
