/* trace.h — `tare trace`: seeded generators of request traces (Poisson, bursty, diurnal) and
 * an importer from web-server access logs.  The format itself, and its parser, are in
 * common/trace_format.h; the protocol replay speaks to the server in common/wire.h.
 */
#ifndef TARE_TRACE_H
#define TARE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_format.h"

/* Generators: write a whole trace to f.  cmdline is recorded in the header, so the file says
 * how to make it again; the same arguments and seed give the same bytes. */
enum trace_shape { TRACE_POISSON, TRACE_BURSTY, TRACE_DIURNAL };
enum trace_work_dist { TRACE_WORK_CONST, TRACE_WORK_EXP };

struct trace_class_spec {
	char name[TRACE_MAX_CLASS_LEN + 1];
	uint32_t work_us;	/* the mean, under TRACE_WORK_EXP */
	uint32_t reply_bytes;
	double weight;
};

#define TRACE_GEN_MAX_CLASSES 16

struct trace_gen {
	enum trace_shape shape;
	double rate;		/* poisson: the rate; bursty: the base rate */
	double burst_rate, burst_len_s, burst_every_s;	/* bursty */
	double min_rate, max_rate, period_s;		/* diurnal */
	double duration_s;
	uint64_t seed;
	enum trace_work_dist work_dist;
	struct trace_class_spec cls[TRACE_GEN_MAX_CLASSES];
	int ncls;
};

/* The rate (requests/s) of the generator's process at time t, and its mean over duration. */
double trace_gen_rate_at(const struct trace_gen *g, double t);
double trace_gen_mean_rate(const struct trace_gen *g);
/* 0, or -1 with a message in err (bad parameters, too many requests, a write error). */
int trace_generate(const struct trace_gen *g, const char *cmdline, FILE *f, char *err, size_t errlen);

/* Importer: access-log lines in the "combined" format with the request time as the last field:
 *   nginx:  ... "$http_user_agent" $request_time    (seconds with a decimal point, 0.012)
 *   apache: ... \"%{User-agent}i\" %D                (microseconds, 12000)
 */
enum trace_log_format { TRACE_LOG_AUTO, TRACE_LOG_NGINX, TRACE_LOG_APACHE };

struct trace_import_line {
	int64_t time_s;		/* Unix seconds (UTC) */
	char cls[TRACE_MAX_CLASS_LEN + 1];	/* the HTTP method, or "other" */
	uint64_t work_us;	/* request time in µs, before scaling and clamping */
	uint64_t reply_bytes;
	enum trace_log_format format;	/* which one this line was */
};

/* Parse one log line (without its newline).  NULL, or what is wrong with it (a static string). */
const char *trace_import_parse_line(const char *line, enum trace_log_format fmt,
				    struct trace_import_line *out);

struct trace_import_stats {
	uint64_t lines, requests, skipped, blank;	/* skipped: malformed lines */
	uint64_t first_bad_line;	/* 0: none */
	char first_bad_why[160];
	uint64_t outliers;		/* well-formed lines dated far from the bulk, skipped too */
	uint64_t first_outlier_line;	/* 0: none */
	uint64_t work_clamped, bytes_clamped;
	enum trace_log_format format;	/* what the good lines were (AUTO if mixed) */
};

struct trace_import_opts {
	enum trace_log_format format;
	double work_scale;	/* work_us = request time × scale (default 1) */
	int strict;		/* the first bad line is fatal (malformed, else outlying) */
};

/* Read an access log from in (named name), write a trace to out.  0; -1 with one line in err
 * (a bad line under strict, no usable line, a span above TRACE_MAX_OFFSET_S once outliers are
 * skipped, a write error). */
int trace_import(FILE *in, const char *name, const struct trace_import_opts *o, const char *cmdline,
		 FILE *out, struct trace_import_stats *st, char *err, size_t errlen);

/* `tare trace gen|import|check ...`; argv[0] is "trace".  Returns the exit code: 0, 1 (an I/O
 * failure), 2 (bad usage or a bad trace/log). */
int trace_main(int argc, char **argv);

#endif
