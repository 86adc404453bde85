/* trace_format.h — request traces: a small text format and its strict parser, which the
 * harness (`tare trace`, harness/trace.h) and workloads/replay share.
 *
 * A trace is the arrival times and sizes of requests, replayed open-loop by workloads/replay
 * (docs/traces.md, workloads/traces/README.md):
 *
 *	# tare-trace 1
 *	# duration: 2
 *	# offset_s  class  work_us  reply_bytes
 *	0.000412    get    100      512
 *	0.000950    put    400      64
 *
 * The first line is exactly "# tare-trace 1".  Then one request per line, four columns
 * separated by blanks: the arrival offset in seconds from the start of the trace (decimal, at
 * most 9 fractional digits, non-decreasing), a class token (1-32 of [A-Za-z0-9_.:/-]), the
 * server CPU work in whole microseconds, and the reply size in bytes (the bytes the server
 * sends back, which is what access logs record).  '#' starts a comment anywhere; blank lines
 * are skipped.  "# duration: SECONDS" (optional, >= the last offset) is the length of the
 * trace, the period after which replay loops it; without it the period is the last offset
 * plus the mean gap between arrivals.
 *
 * The limits are the TRACE_MAX_* below; a value beyond one is an error naming the line, not a
 * silent clamp (the importer clamps, and counts, request times and sizes above them).
 */
#ifndef TARE_TRACE_FORMAT_H
#define TARE_TRACE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_MAGIC		"# tare-trace 1"
#define TRACE_MAX_OFFSET_S	1000000			/* ~11.6 days */
#define TRACE_MAX_WORK_US	10000000u		/* 10 s of CPU for one request */
#define TRACE_MAX_REPLY_BYTES	(16u << 20)		/* 16 MiB */
#define TRACE_MAX_REQUESTS	5000000			/* 24 bytes each in memory: 120 MB */
#define TRACE_MAX_CLASSES	256
#define TRACE_MAX_CLASS_LEN	32
#define TRACE_MAX_LINE		4096

struct trace_req {
	int64_t offset_ns;	/* from the start of the trace */
	uint32_t work_us;
	uint32_t reply_bytes;
	uint16_t cls;		/* index into trace.classes */
};

struct trace {
	struct trace_req *req;
	size_t n;
	char **classes;		/* in order of first appearance */
	int nclasses;
	int64_t period_ns;	/* loop period: "# duration:", else last offset + mean gap */
	int has_duration;
};

/* Parse a trace from path (or an open stream, named name in messages).  0, or -1 with one line
 * in err: "FILE:LINE: what is wrong (what to do)".  On error t is left empty. */
int trace_load(const char *path, struct trace *t, char *err, size_t errlen);
int trace_parse(FILE *f, const char *name, struct trace *t, char *err, size_t errlen);
void trace_free(struct trace *t);
/* Requests per second over one period. */
double trace_mean_rate(const struct trace *t);

/* The format's lexical rules, which the importer and `tare trace` apply as the parser does. */
enum trace_num { TRACE_NUM_OK, TRACE_NUM_NEGATIVE, TRACE_NUM_NOT_NUMBER, TRACE_NUM_TOO_BIG,
		 TRACE_NUM_TOO_PRECISE };
/* Plain decimal digits, nothing else, at most max. */
enum trace_num trace_parse_whole(const char *s, uint64_t max, uint64_t *out);
/* Seconds as "12" or "12.345678901" (at most 9 decimals, at most max_s) into exact ns. */
enum trace_num trace_parse_seconds(const char *s, uint64_t max_s, int64_t *ns);
/* A class token: 1 to TRACE_MAX_CLASS_LEN of [A-Za-z0-9_.:/-]. */
bool trace_class_ok(const char *s);
/* Drops trailing white space (a CR included) from s, of length *len. */
void trace_rstrip(char *s, size_t *len);
/* "NAME:LINE: message" (line 0: "NAME: message") into err; returns -1. */
int trace_errf(char *err, size_t errlen, const char *name, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
